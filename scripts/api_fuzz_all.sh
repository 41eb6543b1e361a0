#!/usr/bin/env bash
# S1 in full: schemathesis with every phase (examples, coverage, fuzzing, stateful) and every
# check, against the platform running on loopback with a fresh SQLite database.
#
#   scripts/api_fuzz_all.sh                 # about 2 to 5 minutes
#   MAX_EXAMPLES=200 scripts/api_fuzz_all.sh
#
# Exit status: schemathesis's (0 when nothing failed). Reports (JUnit, and a pytest file that
# reproduces each failure) go to $REPORT_DIR. Rate limits are off: fuzzing sends far more than
# a person would, and 429 is not what is being tested here.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
PORT=${PORT:-8799}
MAX_EXAMPLES=${MAX_EXAMPLES:-50}
REPORT_DIR=${REPORT_DIR:-${TMPDIR:-/tmp}/isigurt-fuzz-report}
WORK=$(mktemp -d)

export DJANGO_SETTINGS_MODULE=isigurt.settings.base
export DATABASE_URL="sqlite:///$WORK/fuzz.sqlite3"
export ISIGURT_EVIDENCE_ROOT="$WORK/evidence"
export ISIGURT_RATE_LIMIT=false
unset REDIS_URL CELERY_BROKER_URL

server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

"$PY" manage.py migrate --no-input -v 0
"$PY" manage.py seed_demo >/dev/null
"$PY" manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do
    if "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/api/v1/openapi.json', timeout=1)" 2>/dev/null; then
        break
    fi
    sleep 0.2
done

# One real report, so the follow-up operations get past "no such report" to their own logic.
"$PY" - "$PORT" >"$WORK/schemathesis.toml" <<'PYTHON'
import json, sys, urllib.request

body = {
    "audience": "adult", "category": "bullying", "child_in_danger": False,
    "description": "Placeholder text for the fuzzing run.",
}
request = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/api/v1/reports",
    data=json.dumps(body).encode(),
    headers={"Content-Type": "application/json", "Idempotency-Key": "fuzz-setup-report"},
)
created = json.load(urllib.request.urlopen(request, timeout=10))
print("[parameters]")
print(f'"path.tracking_code" = "{created["tracking_code"]}"')
print(f'"header.X-Report-Secret" = "{created["secret"]}"')
# Schema-valid requests the platform rightly refuses, each documented in the spec:
# - POST /reports: an Idempotency-Key used before with another body is 422 (R4), and
#   generated keys repeat (the spec's example, short keys from the coverage phase);
# - evidence: any bytes fit `format: binary`, but only a real picture is taken (422);
# - the helpline's contacts and cases, and referrals, are for a signed-in staff session (or,
#   for referrals, a partner's API token), which the fuzzer has not: 401 without one, 403 for
#   an unsafe method without the CSRF token.
print("""
[[operations]]
include-operation-id = "isigurt_helpline_api_contact_create"
checks.positive_data_acceptance.expected-statuses = ["401", "403"]

[[operations]]
include-path-regex = "^/api/v1/cases"
checks.positive_data_acceptance.expected-statuses = ["401", "403"]

[[operations]]
include-path-regex = "^/api/v1/referrals"
checks.positive_data_acceptance.expected-statuses = ["401", "403"]

[[operations]]
include-path = "/api/v1/reports"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "409", "422"]

[[operations]]
include-path = "/api/v1/reports/{tracking_code}/evidence"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "404", "413", "422"]
""")
PYTHON

set +e
.venv/bin/schemathesis --config-file "$WORK/schemathesis.toml" run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    --phases examples,coverage,fuzzing,stateful \
    --checks all \
    --max-examples "$MAX_EXAMPLES" \
    --continue-on-failure \
    --no-color \
    --report junit,pytest \
    --report-dir "$REPORT_DIR" \
    "$@"
status=$?
set -e
mkdir -p "$REPORT_DIR" && cp "$WORK/server.log" "$REPORT_DIR/server.log"
if grep -Eq '" 5[0-9]{2} [0-9]+$' "$WORK/server.log"; then
    echo "The server answered 5xx (see $REPORT_DIR/server.log):" >&2
    grep -E '" 5[0-9]{2} [0-9]+$' "$WORK/server.log" | head -20 >&2
    status=1
fi
exit "$status"
