#!/usr/bin/env python3
"""What a user sees when PostgreSQL or Redis goes away under load, and that the portal comes back
by itself: a portal on PostgreSQL with sessions in Redis is signed in to and loaded with requests
while PostgreSQL is stopped and started again, then Redis. Every answer must come within five
seconds: with PostgreSQL down, the localized "briefly unavailable" 503 with Retry-After, never a
500; with Redis down, an error (a bare 500 still: a known gap), never a hang. After each outage
the portal must serve again without a restart, and signing in must work again.

    python3 scripts/outage_test.py            # PostgreSQL's outage (in CI)
    python3 scripts/outage_test.py --redis    # and Redis's (fails today: see docs/OPERATIONS.md)

Stops and starts this machine's PostgreSQL (pg_ctlcluster) and Redis (redis-cli / redis-server):
run it where nothing else needs them meanwhile (CI runs it after the other suites).
"""
import http.cookiejar, os, re, subprocess, sys, tempfile, threading, time, urllib.error, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "debug", "portal")
PG = "postgres://postgres@127.0.0.1:5432"
DB = "portal_outage"
DETAILS = "/customers/c-fabrikam/subscriptions/s-fabrikam-essentials"
failures = []


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def pg_cluster():
    version = sorted(os.listdir("/etc/postgresql"))[0]
    return version, "main"


def pg(action):
    version, name = pg_cluster()
    sh("pg_ctlcluster", "--skip-systemctl-redirect", version, name, action, *(["-m", "fast"] if action == "stop" else []))


def pg_up():
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0


def redis_up():
    return subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True, text=True).stdout.strip() == "PONG"


def redis_start():
    sh("redis-server", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no", "--daemonize", "yes")
    wait_for(redis_up, 10, "Redis to start")


def wait_for(check, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    sys.exit(f"timed out waiting for {what}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


class Browser:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def get(self, path, timeout=10):
        started = time.time()
        try:
            with self.opener.open(self.base + path, timeout=timeout) as r:
                return r.status, r.read().decode(), time.time() - started, dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace"), time.time() - started, dict(e.headers)

    def sign_in(self):
        _, page, _, _ = self.get("/sign-in")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrf": csrf, "email": "admin@contoso.example", "password": "contoso-demo", "next": "/"}).encode()
        try:
            self.opener.open(self.base + "/sign-in", data=body, timeout=10)
        except urllib.error.HTTPError as e:
            if e.code != 303:
                failures.append(f"sign-in answered {e.code}")


def load(browser, seconds, allowed, label):
    """Requests the Details page for `seconds`; every answer must be one of `allowed`, within 5 s."""
    seen = {}
    deadline = time.time() + seconds
    while time.time() < deadline:
        status, body, took, headers = browser.get(DETAILS)
        seen[status] = seen.get(status, 0) + 1
        if took > 5:
            failures.append(f"{label}: an answer took {took:.1f} s")
        if status not in allowed:
            failures.append(f"{label}: {status} (allowed {sorted(allowed)})")
        names = {k.lower() for k in headers}
        if status == 503 and ("retry-after" not in names or "暂时无法使用" not in body):
            failures.append(f"{label}: a 503 without Retry-After or its localized page")
        time.sleep(0.05)
    print(f"  {label}: {seen}", flush=True)
    return seen


def redis_phase(browser):
    print("== Redis stopped", flush=True)
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    wait_for(lambda: not redis_up(), 10, "Redis to stop")
    # Known gap: the session middleware's own error for a store that fails is a bare 500 (it
    # does not pass through the error pages); it comes within Redis's two seconds.
    load(browser, 3, {500, 503}, "Redis down")
    if browser.get("/ready")[0] != 503:
        failures.append("/ready did not fail with Redis down")
    redis_start()
    print("== Redis started again", flush=True)
    # Redis kept nothing: the session is gone, and signing in works again.
    status = browser.get(DETAILS)[0]
    if status not in (200, 303):
        failures.append(f"after Redis: {status}")
    def signed_in_again():
        try:
            browser.sign_in()
        except (AttributeError, OSError):
            return False
        return browser.get(DETAILS)[0] == 200
    wait_for(signed_in_again, 20, "signing in to work again after Redis")
    load(browser, 2, {200}, "after Redis")


def main():
    if not os.path.exists(BINARY):
        subprocess.run(["cargo", "build", "--quiet", "--bin", "portal"], cwd=ROOT, check=True)
    if not pg_up():
        pg("start")
        wait_for(pg_up, 30, "PostgreSQL to start")
    if not redis_up():
        redis_start()
    sh("psql", PG + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    sh("psql", PG + "/postgres", "-qc", f"CREATE DATABASE {DB}")
    env = dict(os.environ, PORTAL_DATABASE_URL=f"{PG}/{DB}", PORTAL_REDIS_URL="redis://127.0.0.1:6379",
               PORTAL_BIND="127.0.0.1:0", PORTAL_SESSION_CACHE_SECONDS="0", PORTAL_LOG="warn,portal=info",
               PORTAL_SESSION_KEY="outage-test-session-key-" + "x" * 32)
    server = subprocess.Popen([BINARY], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port = None
    for line in server.stdout:
        m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if m:
            port = m.group(1)
            break
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        browser = Browser(base)
        browser.sign_in()
        print("== PostgreSQL and Redis up", flush=True)
        if load(browser, 2, {200}, "before")[200] == 0:
            failures.append("no page before the outages")

        print("== PostgreSQL stopped", flush=True)
        pg("stop")
        seen = load(browser, 4, {503}, "PostgreSQL down")
        if browser.get("/ready")[0] != 503:
            failures.append("/ready did not fail with PostgreSQL down")
        pg("start")
        wait_for(pg_up, 30, "PostgreSQL to start again")
        print("== PostgreSQL started again", flush=True)
        # Back by itself: the first page within 15 s, then pages only.
        wait_for(lambda: browser.get(DETAILS)[0] == 200, 15, "the portal to serve again after PostgreSQL")
        load(browser, 2, {200}, "after PostgreSQL")

        if "--redis" in sys.argv:
            redis_phase(browser)
        else:
            print("== Redis phase not run: the session store does not reconnect after Redis "
                  "restarts (a known defect, docs/OPERATIONS.md); `--redis` runs it", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not pg_up():
            pg("start")
        if not redis_up():
            redis_start()
        subprocess.run(["psql", PG + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], capture_output=True)
    if failures:
        print("outage test failed:\n  " + "\n  ".join(failures[:30]))
        sys.exit(1)
    print("outage test: every answer within 5 s, PostgreSQL's outage a localized 503 with Retry-After, "
          "/ready failing meanwhile; back by itself when PostgreSQL is")


if __name__ == "__main__":
    main()
