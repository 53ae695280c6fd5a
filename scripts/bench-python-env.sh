#!/usr/bin/env bash
# Project-local virtualenv for the benchmark's peer, the MLflow AI Gateway
# (bench scenario 7). Kept apart from .venv (test tools) because mlflow pulls
# a large, pinned dependency tree. Lives under .cache/ (git-ignored).
# Idempotent: re-running only installs what is missing.
# Prints the venv's python path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
MLFLOW_VERSION="${BENCH_MLFLOW_VERSION:-3.17.2}"
VENV=.cache/venv-bench
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" >&2
fi
if ! "$VENV/bin/python" -c "import mlflow, sys; sys.exit(0 if mlflow.__version__ == '$MLFLOW_VERSION' else 1)" 2>/dev/null; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "mlflow[gateway]==$MLFLOW_VERSION" >&2
fi
"$VENV/bin/python" -c "import mlflow; print('mlflow', mlflow.__version__)" >&2
echo "$(pwd)/$VENV/bin/python"
