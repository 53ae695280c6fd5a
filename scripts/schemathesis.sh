#!/usr/bin/env bash
# Fuzzes the control plane against its own openapi.yaml with schemathesis:
# every response must be a non-5xx, documented status with a body matching
# the schema, invalid input must be rejected, and auth must not be ignored.
# Starts FerretDB (unless MONGODB_URI is set) and a control plane on free
# ports with fresh tokens. Exit code is schemathesis's (non-zero on failure).
#   FUZZ_MAX_EXAMPLES (default 100) bounds the run to ~2 minutes; FUZZ_SEED (default 42).
#   FUZZ_WORKERS (default 1): several workers are faster but hit a CPython 3.11.7
#   thread-safety bug in ast (SystemError "AST constructor recursion depth mismatch").
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
if [ ! -x .venv/bin/schemathesis ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==${SCHEMATHESIS_VERSION}"
fi

WORK_DIR=$(mktemp -d)
INFO_FILE="$WORK_DIR/target.json"
node --import tsx test/control-plane/fuzz-target.ts "$INFO_FILE" &
TARGET_PID=$!
cleanup() {
  kill -TERM "$TARGET_PID" 2>/dev/null || true
  wait "$TARGET_PID" 2>/dev/null || true
  rm -rf "$WORK_DIR"
}
trap cleanup EXIT

for _ in $(seq 1 300); do
  [ -f "$INFO_FILE" ] && break
  kill -0 "$TARGET_PID" 2>/dev/null || { echo "control plane failed to start" >&2; exit 1; }
  sleep 0.1
done
read -r URL ADMIN DATAPLANE < <(node -e 'const i=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(i.url,i.adminToken,i.dataplaneToken)' "$INFO_FILE")

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,ignored_auth
COMMON=(--checks "$CHECKS" --max-examples "${FUZZ_MAX_EXAMPLES:-100}" --seed "${FUZZ_SEED:-42}" --request-timeout 40
  --workers "${FUZZ_WORKERS:-1}" --no-shrink --suppress-health-check all --warnings off)

echo "== schemathesis: admin operations"
.venv/bin/schemathesis run "$URL/openapi.yaml" "${COMMON[@]}" \
  -H "Authorization: Bearer $ADMIN" --exclude-path-regex '^/api/v1/dataplane/'
echo "== schemathesis: data-plane operations"
.venv/bin/schemathesis run "$URL/openapi.yaml" "${COMMON[@]}" \
  -H "Authorization: Bearer $DATAPLANE" --include-path-regex '^/api/v1/dataplane/'
