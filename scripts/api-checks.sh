#!/usr/bin/env bash
# The API's checks from outside: a portal on a free port with a fresh SQLite file holding the
# demo book, a token for the demo reseller, then
#   1. Partner Center's own published contract models (PyPI `partnercenterservices`, generated
#      from its Swagger) read every resource the API answers, without losing a field, and its
#      generated client drives the API (scripts/api_client_check.py, read-only, then with changes);
#   2. Schemathesis fuzzes every operation from the API's own OpenAPI document: no 5xx, every
#      status, content type and body as documented (scripts/api-fuzz.sh).
# Installs the pinned Python packages (scripts/api-requirements.txt) into a venv when missing.
# Builds the portal (debug; a no-op when it is current). Fails when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# Always built: a binary left from older sources would be checked instead of these.
cargo build --quiet --bin portal
binary="${CARGO_TARGET_DIR:-target}/debug/portal"
dir="$(mktemp -d)"
url="sqlite://$dir/portal.sqlite?mode=rwc"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# No rate limit: the fuzz is one script at full speed.
PORTAL_DATABASE_URL="$url" PORTAL_BIND="127.0.0.1:$port" PORTAL_API_RATE=0 PORTAL_LOG=warn \
  "$binary" >"$dir/portal.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  curl -fs "$base/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$base/health" >/dev/null || { cat "$dir/portal.log"; echo "error: the portal did not start" >&2; exit 1; }

token() { PORTAL_DATABASE_URL="$url" "$binary" api-token create --user admin@contoso.example --name "$1"; }

bash scripts/api-fuzz.sh --setup
echo "== Partner Center's contract models read the API's answers"
python3 scripts/api_client_check.py --self-test
python3 scripts/api_client_check.py "$base" "$(token client-check)"
python3 scripts/api_client_check.py "$base" "$(token client-check-changes)" --change
echo "== Schemathesis fuzz of /v1 from its OpenAPI document"
bash scripts/api-fuzz.sh "$base" "$(token fuzz)"
if grep -q "panicked" "$dir/portal.log"; then
  grep -B2 -A10 "panicked" "$dir/portal.log" >&2
  echo "error: the portal panicked during the checks" >&2
  exit 1
fi
