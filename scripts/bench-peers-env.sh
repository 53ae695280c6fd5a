#!/usr/bin/env bash
# Project-local installs of the benchmark's peers (bench/peers.ts), all under
# .cache/ (git-ignored), each pinned, each apart from the others so that their
# dependency trees cannot clash:
#   .cache/venv-bench     MLflow (scripts/bench-python-env.sh)
#   .cache/venv-litellm   LiteLLM proxy, litellm[proxy]==1.80.0 (never 1.82.7/1.82.8:
#                         those two were a credential-stealing compromise)
#   .cache/portkey        Portkey's gateway, @portkey-ai/gateway from npm
# Idempotent: re-running only installs what is missing. Usage:
#   bash scripts/bench-peers-env.sh [mlflow] [litellm] [portkey]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
LITELLM_VERSION=1.80.0
PORTKEY_VERSION="${BENCH_PORTKEY_VERSION:-1.15.2}"
ALL=("$@")
has() { [ ${#ALL[@]} -eq 0 ] || [[ " ${ALL[*]} " == *" $1 "* ]]; }

if has mlflow; then bash scripts/bench-python-env.sh >/dev/null; fi

if has litellm; then
  VENV=.cache/venv-litellm
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" >&2
  if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('litellm') == '$LITELLM_VERSION' else 1)" 2>/dev/null; then
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "litellm[proxy]==$LITELLM_VERSION" >&2
  fi
  "$VENV/bin/python" -c "import importlib.metadata as m; print('litellm', m.version('litellm'))" >&2
fi

if has portkey; then
  DIR=.cache/portkey
  mkdir -p "$DIR"
  if [ "$(node -p "try{require('./$DIR/node_modules/@portkey-ai/gateway/package.json').version}catch{''}")" != "$PORTKEY_VERSION" ]; then
    [ -f "$DIR/package.json" ] || echo '{"name":"bench-portkey","private":true}' > "$DIR/package.json"
    npm install --prefix "$DIR" --no-audit --no-fund --save-exact "@portkey-ai/gateway@$PORTKEY_VERSION" >&2
  fi
  echo "portkey $(node -p "require('./$DIR/node_modules/@portkey-ai/gateway/package.json').version")" >&2
fi
