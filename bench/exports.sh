#!/usr/bin/env bash
# Times the CSV exports against a release server on a seeded book, and watches the server's
# memory while each runs (docs/PERFORMANCE.md, "Exports").
#
#   cargo build --release
#   PORTAL_DATABASE_URL='sqlite:///tmp/big.sqlite?mode=rwc' target/release/portal seed --customers 100000
#   bash bench/exports.sh 'sqlite:///tmp/big.sqlite?mode=rwc'
#
# Each export runs against a fresh server (so that one's memory does not hide another's), signed
# in as the seeded reseller, downloaded with curl as fast as the loopback takes it. Reported: the
# time, the bytes and rows, the server's peak resident memory before the download (which is
# sign-in's password hash) and the largest resident memory sampled every 0.2 s during it.
#
# CONCURRENT=16 downloads each file 16 times at once (the time is then the last one's), e.g. the
# charges of a 10,000-customer book (issue 28, item 8):
#
#   PORTAL_DATABASE_URL='sqlite:///tmp/ten.sqlite?mode=rwc' target/release/portal seed --customers 10000
#   CONCURRENT=16 bash bench/exports.sh 'sqlite:///tmp/ten.sqlite?mode=rwc' charges.csv
set -euo pipefail
cd "$(dirname "$0")/.."

url="${1:?usage: bench/exports.sh DATABASE_URL [PATH...]}"
shift
paths=("$@")
if [ ${#paths[@]} -eq 0 ]; then
  paths=(
    "customers/export/customers.csv"
    "customers/export/subscriptions.csv"
    "customers/export/subscriptions.csv?q=%E7%A7%91%E6%8A%80"
    "activity/export.csv"
  )
fi
bin="${PORTAL_BIN:-target/release/portal}"
concurrent="${CONCURRENT:-1}"
port="${PORT:-18093}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mib() { awk "/$1/ {print int(\$2 / 1024)}" "/proc/$2/status"; }

for path in "${paths[@]}"; do
  PORTAL_DATABASE_URL="$url" PORTAL_BIND="127.0.0.1:$port" PORTAL_LOG=warn PORTAL_REDIS_URL= \
    "$bin" >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  jar="$work/jar"
  rm -f "$jar"
  csrf=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/sign-in" |
    grep -o 'name="csrf" value="[^"]*"' | head -n 1 | sed 's/.*value="//; s/"$//')
  curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "csrf=$csrf" \
    --data-urlencode "email=admin@bigbook.example" --data-urlencode "password=bigbook-demo" \
    --data-urlencode "next=/" "http://127.0.0.1:$port/sign-in"
  before=$(mib VmHWM "$pid")
  downloads=()
  for i in $(seq 1 "$concurrent"); do
    curl -s -b "$jar" -o "$work/out-$i.csv" -w "%{http_code} %{size_download} %{time_total}\n" \
      "http://127.0.0.1:$port/$path" >"$work/curl-$i" &
    downloads+=($!)
  done
  most=0
  while kill -0 "${downloads[@]}" 2>/dev/null; do
    now=$(mib VmRSS "$pid")
    if [ "$now" -gt "$most" ]; then most=$now; fi
    sleep 0.2
  done
  wait "${downloads[@]}"
  read -r status bytes seconds < <(sort -k3 -g "$work"/curl-* | tail -n 1)
  rows=$(($(wc -l <"$work/out-1.csv") - 1))
  printf '%s ×%s: %s, %s rows, %s MB in %.1f s; server peak before %s MiB, during the download at most %s MiB\n' \
    "$path" "$concurrent" "$status" "$rows" "$((bytes / 1000000))" "$seconds" "$before" "$most"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done
