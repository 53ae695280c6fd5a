#!/usr/bin/env bash
# The Python side of the OpenTelemetry tests (test/e2e/telemetry/):
#  - MLflow 3.17.2, the tracking server that receives the gateway's spans
#    over OTLP (shared with the benchmark: scripts/bench-python-env.sh,
#    .cache/venv-bench);
#  - a Google ADK agent with LiteLLM (litellm==1.80.0) and OpenTelemetry
#    (.cache/venv-otel-agent), pinned by requirements-otel-agent.txt and
#    constraints-otel-agent.txt.
# Idempotent: re-installs only when the pins changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bench-python-env.sh > /dev/null
VENV=.cache/venv-otel-agent
STAMP="$VENV/.pins"
pins=$(cat scripts/requirements-otel-agent.txt scripts/constraints-otel-agent.txt | sha256sum | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if [ "$(cat "$STAMP" 2>/dev/null)" != "$pins" ]; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-otel-agent.txt -c scripts/constraints-otel-agent.txt
  echo "$pins" > "$STAMP"
fi
"$VENV/bin/python" -c "import importlib.metadata as m; print('otel agent:', ', '.join(f'{p} {m.version(p)}' for p in ['google-adk', 'litellm', 'opentelemetry-sdk']))"
