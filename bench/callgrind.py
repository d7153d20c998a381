#!/usr/bin/env python3
"""Where one page's instructions go, on a book already in a database: runs the server (one
worker) under valgrind's callgrind with instrumentation off, signs in, requests the page
`--warm` times (connections, prepared statements and caches warm), then counts only the next
`--requests` requests, and prints the instructions per request. The profile stays in `--out`
for `callgrind_annotate --inclusive=yes`.

    python3 bench/callgrind.py sqlite:///tmp/big.sqlite / /activity
    PORTAL_BENCH_BINARY=/tmp/portal-before python3 bench/callgrind.py sqlite:///tmp/big.sqlite /

Unlike bench/instructions.py (which seeds its own book and subtracts whole runs), this measures
a book seeded and filled as bench/run.py fills it. Counted are the server's threads while the
requests run, so its tasks that wake every second (the SQLite checkpoint, the job runner; one
profile also held SQLite reading its schema, 1.7 M instructions, as a new connection does) land
in the count now and then: over 20 requests one search measured 1.51 M and 1.74 M on the same
build, hence 60 by default. Compare builds with the same `--requests`, alternating, twice. On
PostgreSQL only the portal's instructions are counted (`bench/cpu.py` tells PostgreSQL's share).
A page that starts the Charges totals' work in the background needs a large `--warm` (300 at
100,000 customers). The API's paths (`/v1/…`) are requested with a token the script makes.

Issue 31's writes, each request on fresh input as in bench/run.py's runs:
    python3 bench/callgrind.py sqlite:///tmp/big.sqlite "POST /v1/customers" "CONFIRM /customers/new"
`POST /v1/customers` posts Partner Center's body of a new customer with a prefix and
`MS-RequestId` of its own, named as bench/run.py names them; `CONFIRM /customers/new` holds a draft of Add customer per request
before the profile starts (not counted) and counts its review's Confirm, `POST /reviews/{id}`.
"""
import argparse, os, re, subprocess, sys, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402


def profile(url, path, warm, n, out):
    env = dict(run.env_for(url), PORTAL_BIND="127.0.0.1:18182", PORTAL_WORKERS="1")
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                             f"--callgrind-out-file={out}", run.BINARY],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:18182"
    try:
        run.wait_until_up(base, seconds=90)  # valgrind starts slowly
        cookie, _ = run.sign_in(base)
        run.forget_sign_ins(url)

        method, _, target = path.rpartition(" ")
        c, token = run.credentials(url, "/v1/" if method == "POST" else target, cookie)
        headers = {"Cookie": c} if c else {"Authorization": f"Bearer {token}"}
        # A write's answer is the request counted, not the page it redirects to.
        opener = urllib.request.build_opener(run.NoRedirect)
        requests = iter(writes(base, method, target, cookie, warm + n) if method else [])

        def get():
            if method:
                request = next(requests)
                request.headers.update(headers)
            else:
                request = urllib.request.Request(base + target, headers=headers)
            try:
                with opener.open(request) as response:
                    response.read()
            except urllib.error.HTTPError as e:
                if e.code != 303 or not method:
                    raise

        for _ in range(warm):
            get()
        subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True, capture_output=True)
        for _ in range(n):
            get()
        subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], check=True, capture_output=True)
    finally:
        proc.send_signal(2)
        proc.wait()
    report = subprocess.run(["callgrind_annotate", out], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS", report).group(1).replace(",", "")) / n


def writes(base, method, target, cookie, count):
    """`count` requests of a write, each on fresh input (see the module's doc)."""
    import tempfile, time
    tag = int(time.time()) % 100_000_000
    key = lambda n: f"{tag:08d}-0000-4000-c000-{n:012d}"
    if method == "POST" and target == "/v1/customers":
        for n in range(count):
            body = run.NEW_CUSTOMER_BODY.replace("PREFIX", f"g{tag}x{n}").replace("NAME", run.company_name(n)).encode()
            yield urllib.request.Request(base + target, data=body, method="POST", headers={
                "Content-Type": "application/json", "MS-RequestId": key(n)})
    elif method == "CONFIRM" and target == "/customers/new":
        page = urllib.request.urlopen(urllib.request.Request(base + "/", headers={"Cookie": cookie})).read().decode()
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        with tempfile.NamedTemporaryFile("r") as held:
            run.hold_drafts(base, cookie, [(target, f"csrf={csrf}&key={key(n)}&prefix=h{tag}x{n}&"
                                            + urllib.parse.urlencode({"company_name": run.company_name(n)})
                                            + "&" + run.NEW_CUSTOMER_FIELDS, key(n), "") for n in range(count)],
                            held.name)
            drafts = [line.split() for line in held.read().split("\n")]
        for review, draft_key in drafts:
            body = f"csrf={csrf}&key={draft_key}&confirm=1".encode()
            yield urllib.request.Request(base + review, data=body, method="POST", headers={
                "Content-Type": "application/x-www-form-urlencoded"})
    else:
        sys.exit(f"not a write this script knows: {method} {target}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("database", help="the database URL the book is in (sqlite://… or postgres://…)")
    ap.add_argument("paths", nargs="+", help="paths to request (non-ASCII URL-quoted)")
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument("--warm", type=int, default=40)
    ap.add_argument("--out", default="callgrind.out", help="the profile (one per path: .1, .2, …)")
    args = ap.parse_args()
    for i, path in enumerate(args.paths, 1):
        out = args.out if len(args.paths) == 1 else f"{args.out}.{i}"
        per = profile(args.database, path, args.warm, args.requests, out)
        print(f"{path:40} {per:12,.0f} instructions per request  ({out})", flush=True)


if __name__ == "__main__":
    main()
