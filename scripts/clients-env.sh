#!/usr/bin/env bash
# Creates the virtualenv of the real Python agent frameworks the client
# matrix drives (.cache/venv-clients): Google ADK, LiteLLM, the OpenAI Agents
# SDK, LangChain and the openai SDK, pinned by requirements-clients.txt and
# constraints-clients.txt. Kept apart from .venv (schemathesis) so neither
# pins the other's dependencies. Idempotent: re-installs only when the pins
# changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.cache/venv-clients
STAMP="$VENV/.pins"
pins=$(cat scripts/requirements-clients.txt scripts/constraints-clients.txt | sha256sum | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if [ "$(cat "$STAMP" 2>/dev/null)" != "$pins" ]; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-clients.txt -c scripts/constraints-clients.txt
  echo "$pins" > "$STAMP"
fi
"$VENV/bin/python" -c "import importlib.metadata as m; print('client frameworks:', ', '.join(f'{p} {m.version(p)}' for p in ['google-adk', 'litellm', 'openai-agents', 'langchain-openai', 'openai']))"
