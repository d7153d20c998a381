#!/usr/bin/env bash
# Runs the integration suite as an installation on several machines runs the portal: each test
# gets its own database on the PostgreSQL server named by PORTAL_TEST_POSTGRES (default: the
# local server, user postgres, trust auth), and sessions are kept in Redis at PORTAL_TEST_REDIS
# (default: the local server). Starts local servers that are not running, installing Redis when
# missing (as root); fails loudly when either can't be had.
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

redis="${PORTAL_TEST_REDIS:-redis://127.0.0.1:6379}"
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
if [ -z "${PORTAL_TEST_REDIS:-}" ] && ! redis_up; then
  if ! command -v redis-server >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "installing Redis"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
  fi
  if command -v redis-server >/dev/null; then
    echo "starting Redis"
    redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes
    for _ in $(seq 1 30); do redis_up && break; sleep 0.5; done
  fi
  if ! redis_up; then
    echo "error: no Redis server at 127.0.0.1:6379, and none could be started" >&2
    exit 1
  fi
fi

PORTAL_TEST_POSTGRES="$server" PORTAL_TEST_REDIS="$redis" cargo test --test api "$@"
