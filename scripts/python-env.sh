#!/usr/bin/env bash
# Creates the project-local virtualenv (.venv) with the Python tools the tests
# use: schemathesis (API fuzzing) and the official `openai` client (smoke test).
# Idempotent: re-running only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import schemathesis, openai" 2>/dev/null; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-dev.txt
fi
.venv/bin/python -c "import schemathesis, openai; print('python tools: schemathesis', schemathesis.__version__ if hasattr(schemathesis, '__version__') else '?', '| openai', openai.__version__)"
