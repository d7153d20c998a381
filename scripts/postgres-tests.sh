#!/usr/bin/env bash
# Runs the integration suite on PostgreSQL: each test gets its own database on the server named
# by PORTAL_TEST_POSTGRES (default: the local server, user postgres, trust auth). Starts the
# local server when it is not running; fails loudly when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."

server="${PORTAL_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
if ! (command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q); then
  if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
fi
if ! (command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q); then
  echo "error: no PostgreSQL server at 127.0.0.1:5432, and none could be started" >&2
  exit 1
fi
PORTAL_TEST_POSTGRES="$server" cargo test --test api "$@"
