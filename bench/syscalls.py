#!/usr/bin/env python3
"""System calls per request of a few routes on a book already in a database: all of the
server's, its futex calls (a thread waking another: a statement handed to a SQLite connection's
thread and its rows handed back), its reads of the database file (pread64), and on PostgreSQL
its statements (transactions committed). Counted with perf's tracepoints over N requests sent
by 8 clients at once (so every pooled connection serves), after N to warm up. Counts, not times:
the machine's other load does not move them.

    python3 bench/syscalls.py "sqlite:///tmp/big.sqlite?mode=rwc" 400 /health / 科技 /charges

A route is a path, or else a search of the customer list. Needs perf (linux-perf) and root.
"""
import os, subprocess, sys, threading, time, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402
EVENTS=["raw_syscalls:sys_enter","syscalls:sys_enter_pread64","syscalls:sys_enter_futex","syscalls:sys_enter_epoll_wait","syscalls:sys_enter_sched_yield"]
# More events to count, comma-separated: on SQLite, a probe on the binary's `sqlite3_reset`
# (sqlx resets a statement before each run) counts the statements run, which the futex calls,
# a matter of timing, don't:
#   perf probe -x target/release/portal -a 'portal_reset=sqlite3_reset'
#   BENCH_EVENTS=probe_portal:portal_reset python3 bench/syscalls.py …
EVENTS += [e for e in os.environ.get("BENCH_EVENTS", "").split(",") if e]

def main():
    url, n = sys.argv[1], int(sys.argv[2])
    routes = sys.argv[3:]
    paths = [r if r.startswith("/") else "/?q=" + urllib.parse.quote(r) for r in routes]
    proc, base, cookie = run.signed_in_on(url, paths)
    try:
        for route, path in zip(routes, paths):
            def hit(k):
                for _ in range(k):
                    req = urllib.request.Request(base + path, headers={"Cookie": cookie})
                    urllib.request.urlopen(req, timeout=60).read()
            def burst(k):
                ts = [threading.Thread(target=hit, args=(k // 8,)) for _ in range(8)]
                [t.start() for t in ts]; [t.join() for t in ts]
            burst(n)  # warm
            def xacts():
                if not url.startswith("postgres"):
                    return 0
                time.sleep(2)
                return int(subprocess.run(["psql", url, "-Atc", "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"], capture_output=True, text=True).stdout.strip())
            x0 = xacts()
            perf = subprocess.Popen(["perf", "stat", "-x,", "-e",
                                     ",".join(EVENTS),
                                     "-p", str(proc.pid)], stderr=subprocess.PIPE, text=True)
            time.sleep(0.3)
            burst(n)
            perf.send_signal(2)
            out = perf.communicate()[1]
            x1 = xacts()
            counts = {}
            for line in out.splitlines():
                parts = line.split(",")
                if len(parts) > 2 and parts[0].strip().isdigit():
                    counts[parts[2]] = int(parts[0])
            print(f"{route:24}" + "  ".join(f"{e.split(':')[1].replace('sys_enter_','')} {counts.get(e,0)/n:7.1f}" for e in EVENTS) + (f"  statements {(x1 - x0 - 1) / n:5.2f}" if x0 else ""), flush=True)
    finally:
        proc.terminate()

main()
