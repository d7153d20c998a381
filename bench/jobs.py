#!/usr/bin/env python3
"""Bulk change jobs: how fast a job of about 10,000 rows runs (rows per second), alone and while
the Details page is under load, and how fast the Details page answers meanwhile (against its rate
with no job running). On SQLite and PostgreSQL. Prints a Markdown table.

    python3 bench/jobs.py                          # 1,500 customers (~10,000 active subscriptions)
    python3 bench/jobs.py --customers 300 --databases sqlite

Each job adds one license to every active subscription of the seeded reseller, through the Bulk
changes page (a selection, its review, Confirm), as a reseller would. Needs wrk and a release
build (built when missing), as bench/run.py.
"""
import argparse, os, re, sys, tempfile, threading, time, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402


def post(base, cookie, path, fields):
    """A form post; answers where its redirect goes."""
    body = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(base + path, data=body, headers={"Cookie": cookie})
    opener = urllib.request.build_opener(run.NoRedirect)
    try:
        opener.open(req)
    except urllib.error.HTTPError as e:
        if e.code != 303:
            raise
        return e.headers["Location"]
    raise RuntimeError(f"{path}: expected a redirect")


def new_job(base, cookie, csrf):
    location = post(base, cookie, "/bulk/selection", {
        "csrf": csrf, "status": "active", "action": "licenses-add", "quantity": "1"})
    return int(re.search(r"/bulk/jobs/(\d+)$", location).group(1))


def state(kind, url, job):
    rows = run.query(kind, url, f"SELECT state, COUNT(*) FROM job_rows WHERE job_id = {job} GROUP BY state")
    return {r.split(" ")[0]: int(r.split(" ")[1]) for r in rows if r.strip()}


def run_job(kind, url, base, cookie, csrf, job):
    """Confirms the job and waits for its end; answers (rows, seconds)."""
    rows = state(kind, url, job).get("pending", 0)
    started = time.time()
    post(base, cookie, f"/bulk/jobs/{job}/start", {"csrf": csrf})
    while True:
        ended = run.query(kind, url, f"SELECT finished_at IS NOT NULL FROM jobs WHERE id = {job}")[0]
        if ended in ("1", "t"):
            return rows, time.time() - started
        time.sleep(0.05)


def measure(kind, customers, duration, connections, tmp):
    url = run.fresh_database(kind, customers, tmp)
    run.sh([run.BINARY, "seed", "--customers", str(customers)], env=run.env_for(url))
    run.settle(kind, url)
    proc, base = run.start(url)
    try:
        cookie, csrf = run.sign_in(base)
        customer, subscription = run.query(kind, url, (
            "SELECT customer_id, id FROM subscriptions WHERE sold_by = 'bigbook' "
            "AND status = 'active' ORDER BY id LIMIT 1"))[0].split(" ")
        details = f"{base}/customers/{customer}/subscriptions/{subscription}"
        idle = run.wrk(details, duration, connections, cookie=cookie)

        # A job alone: its review (reading and judging every row), the review page (with the
        # rows' effect on the bill added up), then the run.
        t0 = time.time()
        job = new_job(base, cookie, csrf)
        t1 = time.time()
        req = urllib.request.Request(f"{base}/bulk/jobs/{job}", headers={"Cookie": cookie})
        urllib.request.urlopen(req).read()
        review = (t1 - t0, time.time() - t1)
        alone_rows, alone_s = run_job(kind, url, base, cookie, csrf, job)

        # A job while the Details page is under load: wrk runs until the job ends.
        job = new_job(base, cookie, csrf)
        result = {}
        def load():
            result["busy"] = run.wrk(details, duration, connections, cookie=cookie)
        loader = threading.Thread(target=load)
        loader.start()
        time.sleep(0.5)
        busy_rows, busy_s = run_job(kind, url, base, cookie, csrf, job)
        loader.join()
        done = state(kind, url, job)
        return {
            "kind": kind, "customers": customers,
            "alone": (alone_rows, alone_s), "busy": (busy_rows, busy_s), "review": review,
            "idle": idle, "during": result["busy"], "done": done,
            "rss": run.rss_kib(proc.pid),
        }
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1500)
    ap.add_argument("--databases", default="sqlite,postgres")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    run.ensure_tools()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.databases.split(","):
            results.append(measure(kind, args.customers, args.duration, args.connections, tmp))
    print("| database | rows | review written | review page | job alone: rows/s | job under load: rows/s | Details idle: req/s, p99 | Details during the job: req/s, p99 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        (a_rows, a_s), (b_rows, b_s) = r["alone"], r["busy"]
        idle, during = r["idle"], r["during"]
        written, shown = r["review"]
        print(f"| {r['kind']} | {a_rows:,} | {written:.2f} s | {shown:.2f} s | {a_rows / a_s:,.0f} ({a_s:.1f} s) | {b_rows / b_s:,.0f} ({b_s:.1f} s) "
              f"| {idle[0]:,.0f}, {idle[2]:.1f} ms | {during[0]:,.0f}, {during[2]:.1f} ms |")
        if r["done"].get("succeeded", 0) != b_rows:
            print(f"  warning: {r['kind']}: {r['done']} rows ended, expected {b_rows} succeeded")


if __name__ == "__main__":
    main()
