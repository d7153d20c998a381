#!/usr/bin/env python3
"""A few routes of the benchmark against a book already in a database, for measuring one change
quickly: signs in as the seeded reseller, runs /health and then each route with wrk (2 threads,
32 connections, a second's warm-up, then `--duration` seconds), and prints each route's rate,
its ratio to /health and to the customer list's first page, and its p99.

    PORTAL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/big target/release/portal seed --customers 100000
    python3 bench/routes.py postgres://postgres@127.0.0.1:5432/big Lucerne 科技 /activity

A route is a path (`/activity`; the API's, `/v1/…`, with a token the script makes), or else a
search of the customer list (`Lucerne`). The full
benchmark, which seeds its own books and writes docs/PERFORMANCE.md, is bench/run.py.
"""
import argparse, os, sys, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("database", help="the database URL the book is in (sqlite://… or postgres://…)")
    ap.add_argument("routes", nargs="+")
    ap.add_argument("--duration", type=int, default=3)
    args = ap.parse_args()
    proc, base, cookie = run.signed_in_on(args.database, args.routes)
    try:
        health = run.wrk(base + "/health", args.duration, 32)[0]
        run.wrk(base + "/", 1, 32, cookie=cookie)
        first = run.wrk(base + "/", args.duration, 32, cookie=cookie)[0]
        print(f"{'/health':40} {health:9.0f} req/s")
        print(f"{'/ (customer list)':40} {first:9.0f} req/s {100 * first / health:5.1f}% of /health")
        for route in args.routes:
            path = route if route.startswith("/") else "/?q=" + urllib.parse.quote(route)
            c, token = run.credentials(args.database, path, cookie)
            run.wrk(base + path, 1, 32, cookie=c, token=token)
            rps, _, p99, bad = run.wrk(base + path, args.duration, 32, cookie=c, token=token)
            print(f"{route:40} {rps:9.0f} req/s {100 * rps / health:5.1f}% of /health "
                  f"{100 * rps / first:5.0f}% of the list  p99 {p99:7.2f} ms  non-2xx/3xx {bad}",
                  flush=True)
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
