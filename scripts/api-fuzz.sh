#!/usr/bin/env bash
# Property-based fuzzing of the portal's REST API (/v1) with Schemathesis, from the server's own
# OpenAPI 3.1 document (BASE_URL/v1/openapi.json), against a running server.
#
#   bash scripts/api-fuzz.sh BASE_URL TOKEN [-- EXTRA_SCHEMATHESIS_RUN_ARGS...]
#   bash scripts/api-fuzz.sh --setup        # only make the venv (also used by api_client_check.py)
#
#   BASE_URL  the server's origin, e.g. http://127.0.0.1:8080
#   TOKEN     from `portal api-token create --user admin@contoso.example --name fuzz`
#
# Checks every response for: no server error (5xx, or a dropped connection), a documented status
# code, a documented Content-Type, and a body valid against the documented schema (formats too).
# Phases examples, coverage, fuzzing and stateful; positive and negative data. Bounded: at most
# API_FUZZ_MAX_EXAMPLES cases per operation and phase, and API_FUZZ_TIMEOUT seconds in all (a run
# cut off by the clock fails). Exits non-zero on any failure, error, or when the server or token
# doesn't work. PATCH and POST really change data: point it at a throwaway database, after the
# other tests that read the demo book.
#
# Knobs (environment):
#   API_FUZZ_MAX_EXAMPLES  cases per operation and phase          (default 50)
#   API_FUZZ_TIMEOUT       seconds for the whole run              (default 180)
#   API_FUZZ_SEED          Hypothesis seed, or "random"           (default 20240601: same cases each run)
#   API_FUZZ_WORKERS       concurrent workers                     (default 1: a stable order)
#   API_FUZZ_PHASES        default examples,coverage,fuzzing,stateful
#   API_FUZZ_MODE          positive | negative | all              (default all)
#   API_FUZZ_CHECKS        default not_a_server_error,status_code_conformance,
#                                  content_type_conformance,response_schema_conformance
#   API_FUZZ_RATE_LIMIT    e.g. 500/m, or auto (follow Retry-After on 429); default none
#   API_FUZZ_ALLOW_429=1   don't fail when the server rate-limits the fuzz (it fails by default:
#                          the server should run with PORTAL_API_RATE=0 for this)
#   API_FUZZ_REPORT_DIR    keep JUnit + JSON reports there         (default: a temp dir, removed)
#   API_VENV               venv to use  (default ${TMPDIR:-/tmp}/portal-api-venv-<hash of requirements>)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
req="$here/api-requirements.txt"
hash="$(sha256sum "$req" | cut -c1-12)"
venv="${API_VENV:-${TMPDIR:-/tmp}/portal-api-venv-$hash}"

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

ensure_venv() {
  if [ -x "$venv/bin/schemathesis" ] && cmp -s "$req" "$venv/.requirements" 2>/dev/null \
    && "$venv/bin/python" -c 'import schemathesis, msrest, microsoft.store.partnercenterservices' 2>/dev/null; then
    return
  fi
  echo "== installing scripts/api-requirements.txt into $venv"
  rm -rf "$venv"
  if ! python3 -m venv "$venv"; then
    echo "error: python3 -m venv failed (on Debian: apt-get install python3-venv)" >&2
    exit 2
  fi
  if ! "$venv/bin/pip" install --disable-pip-version-check --no-input -q -r "$req"; then
    rm -rf "$venv"
    echo "error: installing $req failed" >&2
    exit 2
  fi
  cp "$req" "$venv/.requirements"
}

case "${1:-}" in
  --setup) ensure_venv; echo "venv ready: $venv ($("$venv/bin/schemathesis" --version))"; exit 0 ;;
  -h|--help|"") usage ;;
esac
[ $# -ge 2 ] || usage
base="${1%/}"
token="$2"
shift 2
[ "${1:-}" = "--" ] && shift
extra=("$@")

ensure_venv
py="$venv/bin/python"

max_examples="${API_FUZZ_MAX_EXAMPLES:-50}"
budget="${API_FUZZ_TIMEOUT:-180}"
seed="${API_FUZZ_SEED:-20240601}"
workers="${API_FUZZ_WORKERS:-1}"
phases="${API_FUZZ_PHASES:-examples,coverage,fuzzing,stateful}"
mode="${API_FUZZ_MODE:-all}"
checks="${API_FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance}"
schema_url="$base/v1/openapi.json"

# Schemathesis keeps a crash cache (.schemathesis/) and Hypothesis its files (.hypothesis/) in the
# working directory, and reads a schemathesis.toml found there or above: run it in a scratch
# directory with an explicit config, so nothing lands in the repo and no earlier run is replayed.
work="$(mktemp -d "${TMPDIR:-/tmp}/api-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
report_dir="${API_FUZZ_REPORT_DIR:-$work/report}"
mkdir -p "$report_dir"
report_dir="$(cd "$report_dir" && pwd)"
cat >"$work/schemathesis.toml" <<'EOF'
[cache]
enabled = false

[generation]
database = "none"

# Links for the stateful phase come from the schema's dependency analysis. The links Schemathesis
# infers from URLs seen in answers (a Location header, a body's links) read a subscription's
# links as inputs of the orders operations, which have no such parameters, and are then refused
# as invalid ("Invalid OpenAPI Links Definition"), failing the phase.
[phases.stateful.inference]
algorithms = ["dependency-analysis"]
EOF

echo "== api-fuzz: $schema_url"
# Preflight: the schema loads and is OpenAPI 3.1, and the token is accepted. A wrong token would
# otherwise turn every answer into a documented 401 and the run would pass having tested nothing.
"$py" - "$base" "$token" <<'EOF'
import json, sys, time, urllib.error, urllib.request
base, token = sys.argv[1], sys.argv[2]
def get(path, auth=True):
    req = urllib.request.Request(base + path, headers={"Accept": "application/json",
                                                       **({"Authorization": f"Bearer {token}"} if auth else {})})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
deadline = time.monotonic() + 60
while True:
    try:
        status, body = get("/v1/openapi.json")
        break
    except OSError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"error: {base} does not answer: {exc}")
        time.sleep(1)
if status != 200:
    sys.exit(f"error: GET /v1/openapi.json -> {status}: {body[:200]!r}")
try:
    doc = json.loads(body)
except ValueError:
    sys.exit("error: /v1/openapi.json is not JSON")
version = str(doc.get("openapi", ""))
ops = sum(1 for item in (doc.get("paths") or {}).values() for m in item
          if m in ("get", "put", "post", "delete", "patch", "head", "options", "trace"))
print(f"   OpenAPI {version}, {len(doc.get('paths') or {})} paths, {ops} operations")
if not version.startswith("3.1"):
    print(f"   warning: expected OpenAPI 3.1.x, got {version!r}")
status, body = get("/v1/customers?size=1")
if status == 429:
    sys.exit("error: the token is rate-limited already (429): run the server with PORTAL_API_RATE=0 for fuzzing")
if status != 200:
    sys.exit(f"error: the token is not accepted: GET /v1/customers?size=1 -> {status}: {body[:200]!r}")
status, _ = get("/v1/customers?size=1", auth=False)
if status != 401:
    sys.exit(f"error: GET /v1/customers without a token -> {status}, expected 401")
EOF

args=(run "$schema_url"
  --origin "$base"
  -H "Authorization: Bearer $token"
  --checks "$checks"
  --phases "$phases"
  --mode "$mode"
  --max-examples "$max_examples"
  --workers "$workers"
  --request-timeout 15
  --no-color
  --report "junit,json"
  --report-junit-path "$report_dir/junit.xml"
  --report-json-path "$report_dir/schemathesis.json")
[ "$seed" != "random" ] && args+=(--seed "$seed")
[ -n "${API_FUZZ_RATE_LIMIT:-}" ] && args+=(--rate-limit "$API_FUZZ_RATE_LIMIT")

echo "   checks:   $checks"
echo "   phases:   $phases; mode $mode; $max_examples examples per operation; $workers worker(s); seed $seed"
echo "   budget:   ${budget}s"
start=$SECONDS
set +e
(cd "$work" && timeout --signal=INT --kill-after=20 "$budget" \
  "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" "${args[@]}" "${extra[@]}") \
  2>&1 | tee "$work/output.txt"
rc=${PIPESTATUS[0]}
elapsed=$((SECONDS - start))

"$py" - "$report_dir/schemathesis.json" "$rc" "$elapsed" "$budget" "${API_FUZZ_ALLOW_429:-0}" <<'EOF'
import json, sys
path, rc, elapsed, budget, allow_429 = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
print("\n== api-fuzz summary")
try:
    r = json.load(open(path))
except (OSError, ValueError):
    r = None
timed_out = rc in (124, 137) or (r is not None and r.get("stop_reason") not in (None, "completed"))
if r is None:
    print(f"   no report written (schemathesis exit {rc})")
    print("api-fuzz: 0 passed, 1 failed")
    sys.exit(4)
tc = r.get("test_cases") or {}
gen, bad, err = tc.get("generated", 0), tc.get("with_failures", 0), tc.get("errored", 0)
ops = r.get("operations") or {}
print(f"   {ops.get('tested', 0)}/{ops.get('selected', 0)} operations tested, {gen} test cases in {elapsed}s "
      f"(stop: {r.get('stop_reason')}), schemathesis exit {rc}")
for name, ph in (r.get("phases") or {}).items():
    print(f"   phase {name}: {ph.get('status')}" + (f" ({ph['skip_reason']})" if ph.get("skip_reason") else ""))
for f in r.get("failures") or []:
    print(f"   FAIL {f.get('code')} {f.get('title')} x{f.get('count')}: {', '.join(f.get('operations') or [])}")
for e in r.get("errors") or []:
    print(f"   ERROR {json.dumps(e, ensure_ascii=False)[:300]}")
for kind, items in (r.get("warnings") or {}).items():
    if items:
        print(f"   warning {kind}: {json.dumps(items, ensure_ascii=False)[:300]}")
limited = bool((r.get("warnings") or {}).get("rate_limited")) and allow_429 != "1"
if limited:
    print("   FAIL the server answered 429 to the fuzz, which then tested little past the limit: run the"
          " server with PORTAL_API_RATE=0 (or set API_FUZZ_RATE_LIMIT, or API_FUZZ_ALLOW_429=1)")
if timed_out:
    print(f"   the run was cut off at the {budget}s budget")
failed = bad + err + (1 if (timed_out or limited) and not (bad or err) else 0)
print(f"api-fuzz: {max(gen - bad - err, 0)} passed, {failed} failed")
sys.exit(3 if limited else 0)
EOF
summary_rc=$?
set -e
if [ -n "${API_FUZZ_REPORT_DIR:-}" ]; then
  cp "$work/output.txt" "$report_dir/output.txt"
  echo "   reports: $report_dir (junit.xml, schemathesis.json, output.txt)"
fi
if [ "$rc" -ne 0 ]; then
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "api-fuzz: FAILED (cut off after ${budget}s)" >&2
  else
    echo "api-fuzz: FAILED (schemathesis exit $rc)" >&2
  fi
  exit 1
fi
if [ "$summary_rc" -ne 0 ]; then
  echo "api-fuzz: FAILED (see the summary above)" >&2
  exit 1
fi
echo "api-fuzz: OK"
