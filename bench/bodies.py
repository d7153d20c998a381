#!/usr/bin/env python3
"""What large request bodies cost the server's memory (issue 28, item 5): 64 clients at once each
POST 8 MiB to /bulk/file (the one form that takes large bodies), first without a session (as the
security probe did), then signed in. Each phase runs against a fresh server on a fresh SQLite
file with the demo book; the server's resident memory is sampled every 20 ms while the bodies
are sent, and reported with how the requests were answered.

    cargo build --release
    python3 bench/bodies.py                              # target/release/portal
    PORTAL_BIN=/tmp/portal-before python3 bench/bodies.py  # another build, for a before and after

Standard library only.
"""
import collections, http.client, os, re, socket, subprocess, sys, tempfile, threading, time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("PORTAL_BIN") or os.path.join(ROOT, "target", "release", "portal")
CLIENTS = int(os.environ.get("CLIENTS", "64"))
BODY = 8 * 1024 * 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def start(tmp):
    port = free_port()
    env = dict(os.environ, PORTAL_BIND=f"127.0.0.1:{port}", PORTAL_LOG="warn", PORTAL_REDIS_URL="",
               PORTAL_DATABASE_URL=f"sqlite://{tmp}/bodies-{port}.sqlite?mode=rwc")
    proc = subprocess.Popen([BINARY], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("the portal did not start")


def sign_in(port):
    """The session cookie and the CSRF token of a signed-in browser (Contoso's admin)."""
    cookies = {}

    def request(method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        h = dict(headers or {})
        if cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, value = v.split(";")[0].split("=", 1)
                cookies[name] = value
        return r.status, r.read().decode(errors="replace")

    _, page = request("GET", "/sign-in")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf": csrf, "email": "admin@contoso.example",
                                   "password": "contoso-demo", "next": "/"})
    request("POST", "/sign-in", form, {"Content-Type": "application/x-www-form-urlencoded"})
    _, page = request("GET", "/bulk")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), csrf


def post_all(port, cookie, csrf):
    """CLIENTS POSTs of BODY bytes at once; the answers' statuses."""
    prefix = (f"csrf={csrf}&rows=" if csrf else "rows=").encode()
    body = prefix + b"a" * (BODY - len(prefix))
    statuses = collections.Counter()
    lock = threading.Lock()
    go = threading.Barrier(CLIENTS)

    def one():
        status = "refused"
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if cookie:
                headers["Cookie"] = cookie
            go.wait()
            c.request("POST", "/bulk/file", body=body, headers=headers)
            status = c.getresponse().status
        except OSError as e:
            # An answer before the whole body was sent closes the connection under the sender.
            status = f"closed ({type(e).__name__})"
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=one) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    return threads, statuses


def phase(tmp, signed_in):
    proc, port = start(tmp)
    try:
        cookie, csrf = sign_in(port) if signed_in else ("", "")
        time.sleep(0.5)
        before = rss_mib(proc.pid)
        started = time.time()
        threads, statuses = post_all(port, cookie, csrf)
        most = before
        while any(t.is_alive() for t in threads):
            most = max(most, rss_mib(proc.pid))
            time.sleep(0.02)
        took = time.time() - started
        after = rss_mib(proc.pid)
        return before, most, after, took, dict(statuses)
    finally:
        proc.kill()
        proc.wait()


def main():
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY} is missing: cargo build --release")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{BINARY}: {CLIENTS} clients at once, {BODY // (1024 * 1024)} MiB each to /bulk/file")
        for label, signed_in in (("without a session", False), ("signed in", True)):
            before, most, after, took, statuses = phase(tmp, signed_in)
            print(f"  {label}: resident {before:.0f} MiB before, at most {most:.0f} MiB while sent "
                  f"(+{most - before:.0f}), {after:.0f} MiB after; {took:.1f} s; answers {statuses}",
                  flush=True)


if __name__ == "__main__":
    main()
