#!/usr/bin/env python3
"""Instructions the server spends on one request of a page, counted by valgrind's callgrind:
repeatable for the same binary and data whatever else the machine is doing, so a change's
effect shows even where requests per second are noisy. The server runs with one worker on a
seeded SQLite book; each page is requested N and then 2N times in two runs, and the difference
divided by N leaves out start-up and sign-in.

    python3 bench/instructions.py                       # /health, Details, upgrade form, search
    python3 bench/instructions.py --customers 1000 --requests 50 /health

Needs valgrind (Debian package; installed when missing and running as root) and a release
build (built when missing).
"""
import argparse, os, re, shutil, subprocess, sys, tempfile, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the benchmark's seeding, sign-in and environment)

PAGES = {
    "/health": "/health",
    "Details page": "/customers/{c}/subscriptions/{s}",
    "upgrade form": "/customers/{c}/subscriptions/{s}/upgrade",
    f"customer list, search “{run.SEARCH}”": "/?q=" + urllib.parse.quote(run.SEARCH),
}


def total(url, path, n, tmp):
    out = os.path.join(tmp, "callgrind.out")
    env = dict(run.env_for(url), PORTAL_BIND="127.0.0.1:18181", PORTAL_WORKERS="1")
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", run.BINARY],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:18181"
    try:
        run.wait_until_up(base, seconds=60)  # valgrind starts slowly
        cookie, _ = run.sign_in(base)
        for _ in range(n):
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(request) as response:
                response.read()
    finally:
        proc.send_signal(2)
        proc.wait()
    report = subprocess.run(["callgrind_annotate", out], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS", report).group(1).replace(",", ""))


def ensure_valgrind():
    if shutil.which("valgrind"):
        return
    if os.geteuid() != 0:
        sys.exit("valgrind is missing: apt-get install valgrind")
    subprocess.run("apt-get update -qq && apt-get install -y -qq valgrind", shell=True, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100000)
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("pages", nargs="*", help="paths; default: the pages above")
    args = ap.parse_args()
    ensure_valgrind()
    if not os.path.exists(run.BINARY):
        subprocess.run(["cargo", "build", "--release"], cwd=run.ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = run.fresh_database("sqlite", args.customers, tmp)
        run.sh([run.BINARY, "seed", "--customers", str(args.customers), "--subscriptions-per-customer", "10"],
               env=run.env_for(url))
        c, s = run.query("sqlite", url, "SELECT customer_id, id FROM subscriptions WHERE sold_by = 'bigbook' "
                                        "AND status = 'active' ORDER BY customer_id DESC, id LIMIT 1")[0].split()
        pages = {p: p for p in args.pages} if args.pages else PAGES
        for name, path in pages.items():
            path = path.format(c=c, s=s)
            n = args.requests
            per = (total(url, path, 2 * n, tmp) - total(url, path, n, tmp)) / n
            print(f"{name:36} {per:12,.0f} instructions per request", flush=True)


if __name__ == "__main__":
    main()
