#!/usr/bin/env bash
# Browser end-to-end tests of the portal: builds it, starts it on a free port with a fresh SQLite
# file (the demo book is loaded on first start), and runs e2e/*.test.mjs with Node's test runner
# in Debian's Chromium through playwright-core. Installs what is missing (Chromium, CJK fonts, the
# npm packages). Works from any directory:
#
#   bash e2e/run.sh                      # every test file
#   bash e2e/run.sh keyboard.test.mjs    # some of them (paths relative to e2e/)
#
# Screenshots go to e2e/output/screenshots/, axe results to e2e/output/axe/.
set -euo pipefail

E2E="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$E2E/.." && pwd)"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

say() { printf '== %s\n' "$*"; }
die() { printf 'e2e: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# 1. Debian's Chromium (browsers downloaded by tools do not run here), and a CJK font so that
#    the zh-CN screenshots show characters rather than boxes.
if [ ! -x "$CHROMIUM" ]; then
  if is_root && command -v apt-get >/dev/null; then
    say "installing chromium (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk
  fi
  [ -x "$CHROMIUM" ] || die "Chromium is missing at $CHROMIUM. Install Debian's package as root: apt-get update && apt-get install -y chromium chromium-driver"
fi
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh-cn family 2>/dev/null | head -n 1)" ]; then
  if is_root && command -v apt-get >/dev/null; then
    say "installing a Chinese font (fonts-noto-cjk)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk; } ||
      echo "e2e: warning: could not install fonts-noto-cjk; zh-CN screenshots will show boxes" >&2
  else
    echo "e2e: warning: no Chinese font (apt-get install fonts-noto-cjk); zh-CN screenshots will show boxes" >&2
  fi
fi

# 2. Node and the pinned npm packages.
command -v node >/dev/null || die "node is missing (Node 20 or newer is needed)"
command -v npm >/dev/null || die "npm is missing"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  die "Node $(node --version) is too old: Node 20 or newer is needed"
STAMP="$E2E/node_modules/.e2e-package-lock.json"
if [ ! -d "$E2E/node_modules/playwright-core" ] || [ ! -d "$E2E/node_modules/axe-core" ] ||
   ! cmp -s "$E2E/package-lock.json" "$STAMP"; then
  say "npm ci"
  (cd "$E2E" && npm ci --no-audit --no-fund)
  cp "$E2E/package-lock.json" "$STAMP"
fi

# 3. The portal (debug build, default target directory).
say "cargo build"
(cd "$ROOT" && cargo build --bin portal)
PORTAL="${CARGO_TARGET_DIR:-$ROOT/target}/debug/portal"
[ -x "$PORTAL" ] || die "cargo build did not produce $PORTAL"

# 4. Start it on a free port with a fresh database.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/portal-e2e.XXXXXX")"
LOG="$WORK/portal-desktop.log"
SERVER_PID=""
cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  mkdir -p "$E2E/output"
  cp "$WORK"/portal-*.log "$E2E/output/" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts the portal on a free port with a fresh database ($1: its name); sets URL and SERVER_PID.
start_portal() {
  local db="$WORK/$1.sqlite"
  LOG="$WORK/portal-$1.log"
  SESSION_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" # 64 hex characters
  say "starting the portal ($1)"
  NO_COLOR=1 \
    PORTAL_BIND=127.0.0.1:0 \
    PORTAL_DATABASE_URL="sqlite://$db?mode=rwc" \
    PORTAL_SESSION_KEY="$SESSION_KEY" \
    PORTAL_DEMO_DATA=true \
    PORTAL_HTTPS=false \
    PORTAL_LOG="${PORTAL_LOG:-info,sqlx=warn,sea_orm=warn}" \
    "$PORTAL" serve >"$LOG" 2>&1 </dev/null &
  SERVER_PID=$!
  URL=""
  for _ in $(seq 1 300); do
    URL="$(sed -E 's/\x1b\[[0-9;]*[A-Za-z]//g' "$LOG" |
      grep -oE 'the portal is at http://127\.0\.0\.1:[0-9]+' | head -n 1 | sed 's/^the portal is at //' || true)"
    [ -n "$URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG" >&2; die "the portal exited before it was ready"; }
    sleep 0.1
  done
  [ -n "$URL" ] || { cat "$LOG" >&2; die "the portal did not print its address within 30 s"; }
  for _ in $(seq 1 100); do
    health "$URL/health" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG" >&2; die "the portal exited before it was ready"; }
    sleep 0.2
  done
  health "$URL/health" || { cat "$LOG" >&2; die "$URL/health did not answer"; }
  say "the portal is at $URL"
}

stop_portal() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

health() {
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
}

# 5. Check that Chromium starts at all: a browser that can't start fails the run, never skips it.
rm -rf "$E2E/output/screenshots" "$E2E/output/axe"
mkdir -p "$E2E/output/screenshots" "$E2E/output/axe"
(cd "$E2E" && CHROMIUM="$CHROMIUM" node lib/preflight.mjs) ||
  die "Chromium at $CHROMIUM cannot start (see above); the browser tests cannot run"

# 6. The tests, one file at a time (they share the server and its database), at a desktop's
#    width and again at a phone's 390 px (E2E_VIEWPORTS="desktop" or "phone" for one of them).
#    Each width has a portal and a database of its own: the tests change the demo book.
status=0
for viewport in ${E2E_VIEWPORTS:-desktop phone}; do
  start_portal "$viewport"
  say "node --test ($viewport)"
  (cd "$E2E" && PORTAL_URL="$URL" CHROMIUM="$CHROMIUM" E2E_VIEWPORT="$viewport" \
    node --test --test-concurrency=1 --test-reporter=spec "$@") || status=$?
  stop_portal
done
(cd "$E2E" && node lib/axe-summary.mjs) || true
say "screenshots: $E2E/output/screenshots/ · axe results: $E2E/output/axe/ · server logs: $E2E/output/portal-*.log"
[ "$status" -eq 0 ] || echo "e2e: FAILED (node --test exited with $status)" >&2
exit "$status"
