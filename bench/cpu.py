#!/usr/bin/env python3
"""Where a route's time goes between the portal and PostgreSQL: runs the route under load (wrk,
2 threads, 32 connections, `--duration` seconds after a second's warm-up) against a book already
in a database, and prints the CPU time the portal's process and PostgreSQL's processes spent per
request (from /proc, user + system). On two cores shared with the load tool, a route's rate is
bound by the sum; this tells which side to work on.

    python3 bench/cpu.py postgres://postgres@127.0.0.1:5432/big / /activity "/?q=Lucerne" /v1/customers

(The API's paths, `/v1/…`, are requested with a token the script makes.)
"""
import argparse, os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402

SIDES = ("postgres", "portal")


def cpu_ticks():
    """User + system clock ticks of each live process of the portal or PostgreSQL, by (side, pid)."""
    ticks = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        side = next((s for s in SIDES if comm.startswith(s)), None)
        if side:
            ticks[(side, pid)] = int(fields[11]) + int(fields[12])
    return ticks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("database", help="the database URL the book is in (sqlite://… or postgres://…)")
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--duration", type=int, default=5)
    args = ap.parse_args()
    proc, base, cookie = run.signed_in_on(args.database, args.paths)
    try:
        hz = os.sysconf("SC_CLK_TCK")
        for path in args.paths:
            c, token = run.credentials(args.database, path, cookie)
            run.wrk(base + path, 1, 32, cookie=c, token=token)
            before = cpu_ticks()
            rps = run.wrk(base + path, args.duration, 32, cookie=c, token=token)[0]
            after = cpu_ticks()
            spent = dict.fromkeys(SIDES, 0)
            # Only processes alive at both readings: a connection's backend that came or went
            # in between is not counted.
            for (side, pid), t in after.items():
                if (side, pid) in before:
                    spent[side] += t - before[(side, pid)]
            requests = rps * args.duration
            per = "  ".join(f"{side} {1e6 * spent[side] / hz / requests:6.0f} µs" for side in SIDES)
            print(f"{path:40} {rps:8.0f} req/s   CPU per request: {per}", flush=True)
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
