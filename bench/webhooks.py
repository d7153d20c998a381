#!/usr/bin/env python3
"""Issue 33's benchmark: what a webhook registration costs the changes, and how fast the worker
delivers. On one release build, SQLite (or PostgreSQL: `--database postgres`, a server at
127.0.0.1:5432, user postgres, trust auth) with the demo book, one process:

1. license changes through the API (PATCH of a subscription's quantity, wrk, 8 connections)
   without a registration, then with one whose receiver (a Python server on 127.0.0.1 answering
   204) hears `subscription-updated`; alternated `--rounds` times;
2. deliveries per second: the backlog left by the last run with a registration, drained by the
   worker, counted in the database; and the deliveries made during the run itself.

    python3 bench/webhooks.py [--duration 10] [--rounds 2] [--database sqlite|postgres]

Every delivery is checked at the end: each sent once (one successful attempt), and the receiver
got each subscription's events in the order of their `ResourceChangeUtcDate`.

Needs wrk (installed when missing, as root) and a release build (built when missing). Prints a
Markdown table for docs/PERFORMANCE.md.
"""
import argparse, http.server, json, os, re, shutil, subprocess, sys, tempfile, threading, time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("PORTAL_BENCH_BINARY") or os.path.join(ROOT, "target", "release", "portal")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


RECEIVED = []  # (ResourceUri, body) in the order they arrived
RECEIVED_LOCK = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with RECEIVED_LOCK:
            RECEIVED.append((json.loads(raw)["ResourceUri"], raw.decode()))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        subprocess.run("apt-get update -qq && apt-get install -y -qq wrk", shell=True, check=True)
    if not os.path.exists(BINARY):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    # A listen queue of 128, not socketserver's 5: the worker opens up to one connection per
    # subscription at once, and a refused one would be a failed attempt (tried again after 30 s).
    server = type("Server", (http.server.ThreadingHTTPServer,), {"request_queue_size": 128})
    receiver = server(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
    tmp = tempfile.mkdtemp()
    db = f"{tmp}/bench.sqlite"
    if args.database == "postgres":
        pg = "postgres://postgres@127.0.0.1:5432"
        subprocess.run(["psql", pg + "/postgres", "-qc", "DROP DATABASE IF EXISTS bench_webhooks WITH (FORCE)"],
                       check=True)
        subprocess.run(["psql", pg + "/postgres", "-qc", "CREATE DATABASE bench_webhooks"], check=True)
        url = pg + "/bench_webhooks"
    else:
        url = f"sqlite://{db}?mode=rwc"
    env = dict(os.environ, PORTAL_DATABASE_URL=url, PORTAL_BIND="127.0.0.1:0",
               PORTAL_SESSION_KEY="bench-session-key-" + "x" * 40, PORTAL_LOG="warn,portal=info",
               PORTAL_API_RATE="0", PORTAL_WEBHOOK_ALLOW="127.0.0.1/32", NO_COLOR="1")
    proc = subprocess.Popen([BINARY], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port = None
    for line in proc.stdout:
        m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    time.sleep(1)
    token = sh([BINARY, "api-token", "create", "--user", "admin@contoso.example", "--name", "bench"],
               env=env).strip().splitlines()[-1]
    if args.database == "postgres":
        sql = lambda q: sh(["psql", url, "-At", "-F", " ", "-c", q]).strip()
    else:
        sql = lambda q: sh(["sqlite3", "-cmd", ".timeout 5000", "-separator", " ", db, q]).strip()
    ids = sql("SELECT customer_id, id, assigned_licenses FROM subscriptions WHERE sold_by = 'contoso' "
              "AND status = 'active' AND offer_id LIKE 'O365%' AND assigned_licenses < 250")
    with open(f"{tmp}/ids", "w") as f:
        f.write(ids + "\n")
    wenv = dict(os.environ, BENCH_IDS=f"{tmp}/ids")

    def api(method, path, body=None):
        req = urllib.request.Request(base + path, method=method, data=body and json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
        return urllib.request.urlopen(req).read()

    def run():
        out = sh(["wrk", "-t2", "-c8", f"-d{args.duration}s", "-H", f"Authorization: Bearer {token}",
                  "-s", os.path.join(ROOT, "bench", "patch.lua"), base], env=wenv)
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return rps, int(bad.group(1)) if bad else 0

    def drained(timeout=300):
        """Waits for the backlog to be sent; deliveries a second while it drained."""
        t0, sent0 = time.time(), int(sql("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'sent'"))
        while time.time() - t0 < timeout:
            left = int(sql("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'")) \
                + int(sql("SELECT COUNT(*) FROM events WHERE webhooks = 0"))
            if left == 0:
                break
            time.sleep(0.2)
        sent = int(sql("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'sent'")) - sent0
        return sent, time.time() - t0

    rows = []
    for r in range(args.rounds):
        rps0, bad0 = run()
        api("POST", "/webhooks/v1/registration",
            {"WebhookUrl": hook, "WebhookEvents": ["subscription-updated"]})
        sent_before = int(sql("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'sent'"))
        rps1, bad1 = run()
        during = int(sql("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'sent'")) - sent_before
        sent, seconds = drained()
        api("DELETE", "/webhooks/v1/registration")
        rows.append((r + 1, rps0, bad0, rps1, bad1, during, sent, seconds))
        print(f"round {r + 1}: without {rps0:.0f}/s ({bad0} non-2xx), with {rps1:.0f}/s ({bad1} non-2xx), "
              f"{during} sent during the run, backlog {sent} sent in {seconds:.1f} s", file=sys.stderr)
    proc.terminate()
    proc.wait()
    attempts = sql("SELECT COUNT(*) FROM webhook_attempts")
    left = sql("SELECT COUNT(*) FROM webhook_deliveries WHERE state <> 'sent'")
    twice = sql("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'sent' AND attempts <> 1")
    with RECEIVED_LOCK:
        got = list(RECEIVED)
    # The order of a subscription's events is the outbox's (their ids), not their dates: a
    # change's time is taken before it gets its turn, so two changes to one subscription can
    # commit in the other order of their dates. Each body is its delivery's, whose id follows
    # the event's.
    ids = {}
    for line in sql("SELECT id, body FROM webhook_deliveries").splitlines():
        i, body = line.split(" ", 1)
        ids[body] = int(i)
    last, out_of_order = {}, 0
    for uri, body in got:
        i = ids.get(body, 0)
        if uri in last and i < last[uri]:
            out_of_order += 1
        last[uri] = max(i, last.get(uri, 0))
    print(f"| database | round | changes/s without a registration | with one | ratio | sent during the run "
          "| backlog after the run | drained in | deliveries/s while draining |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r, rps0, bad0, rps1, bad1, during, sent, seconds in rows:
        print(f"| {args.database} | {r} | {rps0:.0f} | {rps1:.0f} | {rps1 / rps0:.2f} | {during} | {sent} "
              f"| {seconds:.1f} s | {sent / seconds if seconds else 0:.0f} |")
    print(f"\n{attempts} attempts recorded, {len(got)} posts received; deliveries not sent: {left}; "
          f"sent after more than one attempt: {twice}; received out of order for their subscription: "
          f"{out_of_order}; non-2xx answers to the changes: {sum(r[2] + r[4] for r in rows)}.")


if __name__ == "__main__":
    main()
