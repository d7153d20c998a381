#!/usr/bin/env python3
"""Bulk change reviews at their bounds (issue 28, item 9): one reseller sends 40 files of 50,000
rows at once, then views one review page alone and with 24 clients at once. Reports how many
uploads were written for review and how many refused, what they left in the SQLite database (the
file and its write-ahead log, before and after), the server's peak resident memory, and the
review page's time. Prints a Markdown table.

    cargo build --release
    python3 bench/reviews.py                          # 7,000 customers seeded, 40 uploads
    PORTAL_BENCH_BINARY=/tmp/portal-before python3 bench/reviews.py   # an earlier build
    python3 bench/reviews.py --uploads 8 --views 4    # a quicker look

The file is the reseller's first 50,000 subscriptions, each with one license more (rows whose
subscription is not active are refused at review, as a reseller's file would have some). Needs
a release build (`PORTAL_BENCH_BINARY` names another) and sqlite3, as bench/run.py.
"""
import argparse, os, shutil, statistics, sys, tempfile, threading, time, urllib.error
import urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402


def files_mib(path):
    """The database file and its write-ahead log, in MiB."""
    size = lambda p: os.path.getsize(p) / 2**20 if os.path.exists(p) else 0.0
    return size(path), size(path + "-wal")


def upload(base, cookie, body):
    """Posts the rows form; answers (status, where a 303 sends the browser, seconds)."""
    req = urllib.request.Request(base + "/bulk/file", data=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    opener = urllib.request.build_opener(run.NoRedirect)
    started = time.time()
    try:
        res = opener.open(req, timeout=600)
        res.read()
        return res.status, None, time.time() - started
    except urllib.error.HTTPError as e:
        e.read()
        return e.code, e.headers.get("Location"), time.time() - started


def view(base, cookie, path):
    started = time.time()
    req = urllib.request.Request(base + path, headers={"Cookie": cookie})
    with urllib.request.urlopen(req, timeout=600) as res:
        res.read()
    return time.time() - started


def at_once(n, work):
    """Runs `work(i)` on n threads at once; answers their results and the wall time."""
    results = [None] * n
    gate = threading.Barrier(n)

    def one(i):
        gate.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.time() - started


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--customers", type=int, default=7000)
    p.add_argument("--rows", type=int, default=50000)
    p.add_argument("--uploads", type=int, default=40)
    p.add_argument("--views", type=int, default=24)
    args = p.parse_args()
    if not os.path.exists(run.BINARY):
        sys.exit(f"no build at {run.BINARY}: cargo build --release")
    tmp = tempfile.mkdtemp(prefix="bench-reviews-")
    url = run.fresh_database("sqlite", args.customers, tmp)
    path = url[len("sqlite://"):].split("?")[0]
    run.sh([run.BINARY, "seed", "--customers", str(args.customers)], env=run.env_for(url))
    rows = [r.split(" ") for r in run.query("sqlite", url, (
        "SELECT id, quantity FROM subscriptions WHERE sold_by = 'bigbook' "
        f"ORDER BY id LIMIT {args.rows}")) if r.strip()]
    if len(rows) < args.rows:
        sys.exit(f"the book has {len(rows)} of the reseller's subscriptions: seed more customers")
    text = "Subscription ID,Action,Quantity\n" + "".join(
        f"{id},licenses,{int(q) + 1}\n" for id, q in rows)
    run.settle("sqlite", url)
    proc, base = run.start(url)
    try:
        cookie, csrf = run.sign_in(base)
        body = urllib.parse.urlencode(
            {"csrf": csrf, "rows": text, "file_name": "all.csv"}).encode()
        before = files_mib(path)
        rss_before = run.rss_kib(proc.pid) / 1024
        peak = [rss_before]
        done = threading.Event()

        def watch():
            while not done.is_set():
                peak[0] = max(peak[0], run.rss_kib(proc.pid) / 1024)
                time.sleep(0.1)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        answers, upload_s = at_once(args.uploads, lambda i: upload(base, cookie, body))
        done.set()
        watcher.join()
        after = files_mib(path)
        written = [a for a in answers if a[0] == 303]
        refused = [a for a in answers if a[0] == 422]
        others = [a[0] for a in answers if a[0] not in (303, 422)]
        jobs = run.query("sqlite", url, "SELECT COUNT(*) FROM jobs WHERE state = 'review'")[0]
        job_rows = run.query("sqlite", url, "SELECT COUNT(*) FROM job_rows")[0]

        review = written[0][1] if written else None
        alone = [view(base, cookie, review) for _ in range(3)] if review else []
        views, views_s = at_once(args.views, lambda i: view(base, cookie, review)) if review else ([], 0)
        print(f"binary: {run.BINARY}")
        print(f"| uploads of {args.rows:,} rows at once | written | refused | other answers | "
              "all answered in | jobs in review | their rows | database file | write-ahead log | "
              "server memory, peak |")
        print("| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        print(f"| {args.uploads} | {len(written)} | {len(refused)} | {others or '—'} | "
              f"{upload_s:.1f} s | {jobs} | {int(job_rows):,} | "
              f"{before[0]:.0f} → {after[0]:.0f} MiB | {before[1]:.0f} → {after[1]:.0f} MiB | "
              f"{rss_before:.0f} → {peak[0]:.0f} MiB |")
        if review:
            print()
            print(f"| review page ({review}) | alone (median of 3) | {args.views} at once: all "
                  "answered in | median | slowest |")
            print("| --- | ---: | ---: | ---: | ---: |")
            print(f"| {args.rows:,} rows | {statistics.median(alone) * 1000:.0f} ms | "
                  f"{views_s:.2f} s | {statistics.median(views) * 1000:.0f} ms | "
                  f"{max(views) * 1000:.0f} ms |")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
