#!/usr/bin/env python3
"""A soak: mixed load (reads, searches, the customer list, API reads and license changes) on a
seeded book for ten minutes, one minute at a time; resident memory sampled throughout. Prints a
Markdown table: each minute's rate, p50, p99, errors and resident memory. Flat rows are the goal.

    python3 bench/soak.py                      # 10 × 60 s on 10,000 customers, SQLite
    python3 bench/soak.py --minutes 2 --customers 1000

Needs wrk and a release build (built when missing), as bench/run.py.
"""
import argparse, os, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=int, default=10)
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    run.ensure_tools()
    with tempfile.TemporaryDirectory() as tmp:
        url = run.fresh_database("sqlite", args.customers, tmp)
        run.sh([run.BINARY, "seed", "--customers", str(args.customers)], env=run.env_for(url))
        run.settle("sqlite", url)
        proc, base = run.start(url)
        samples = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                samples.append((time.time(), run.rss_kib(proc.pid)))
                time.sleep(1)

        threading.Thread(target=sample, daemon=True).start()
        try:
            cookie, _ = run.sign_in(base)
            token = run.sh([run.BINARY, "api-token", "create", "--user", run.EMAIL, "--name", "soak"],
                           env=run.env_for(url)).strip()
            rows = run.query("sqlite", url, "SELECT customer_id, id FROM subscriptions WHERE sold_by = 'bigbook' "
                                            "AND status = 'active' AND offer_id IN ('O365_E3', 'O365_E1', 'O365_PROPLUS') "
                                            "AND assigned_licenses <= 5 ORDER BY id LIMIT 2000")
            ids = os.path.join(tmp, "ids.txt")
            with open(ids, "w") as f:
                f.write("\n".join(r for r in rows if r.strip()))
            env = dict(os.environ, BENCH_IDS=ids, BENCH_COOKIE=cookie, BENCH_TOKEN=token)
            script = os.path.join(run.ROOT, "bench", "soak.lua")
            print("| minute | requests/s | p50 ms | p99 ms | non-2xx/3xx | resident memory MiB |")
            print("| ---: | ---: | ---: | ---: | ---: | ---: |")
            for minute in range(1, args.minutes + 1):
                started = time.time()
                rps, p50, p99, bad = run.wrk(base + "/", 60, args.connections, script=script, env=env)
                rss = max((kib for t, kib in samples if t >= started), default=0) / 1024
                print(f"| {minute} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {bad} | {rss:.0f} |", flush=True)
        finally:
            stop.set()
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
