#!/usr/bin/env python3
"""What users see when PostgreSQL or Redis goes away under load, and that the portal comes back by
itself: a portal on PostgreSQL with sessions in Redis is signed in to by several browsers that
keep loading a page while PostgreSQL is stopped and started again, then while Redis is.

While either is down, every answer must be the localized "briefly unavailable" page (503, with
Retry-After), within a few seconds, never a 500 or a hang; /ready says which one is unavailable
and /health stays 200. After each outage the portal must serve again without a restart: pages
after PostgreSQL, and signing in after Redis (which kept nothing: the sessions are gone).

    python3 scripts/outage_test.py              # both outages (CI)
    python3 scripts/outage_test.py --postgres   # PostgreSQL's only
    python3 scripts/outage_test.py --redis      # Redis's only

Stops and starts this machine's PostgreSQL (pg_ctlcluster) and Redis at 127.0.0.1:6379
(redis-cli shutdown nosave / redis-server): run it where nothing else needs them meanwhile (CI
runs it after the other suites). Both are left running, whatever happens.
"""
import http.cookiejar, os, re, statistics, subprocess, sys, threading, time, urllib.error, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "portal")
PG = "postgres://postgres@127.0.0.1:5432"
DB = "portal_outage"
DETAILS = "/customers/c-fabrikam/subscriptions/s-fabrikam-essentials"
BROWSERS = 8
# The longest an answer may take, outage or not: PostgreSQL's pool waits three seconds for a
# connection; Redis answers at once when it is known to be gone, two seconds at most otherwise.
LIMIT = {"PostgreSQL": 5.0, "Redis": 3.0}
# How long after the server is back the first page may still fail.
BACK_WITHIN = {"PostgreSQL": 15.0, "Redis": 5.0}
UNAVAILABLE = "暂时无法使用"  # the 503 page's title, in the default language
failures = []


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def pg(action):
    version = sorted(os.listdir("/etc/postgresql"))[0]
    sh("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, *(["-m", "fast"] if action == "stop" else []))


def pg_up():
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0


def redis_up():
    return subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True, text=True).stdout.strip() == "PONG"


def redis_start():
    sh("redis-server", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no", "--daemonize", "yes")
    wait_for(redis_up, 10, "Redis to start")


def redis_stop():
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    wait_for(lambda: not redis_up(), 10, "Redis to stop")


def wait_for(check, seconds, what):
    """Seconds until `check()` held; fails the run when it does not within `seconds`."""
    started = time.time()
    while time.time() < started + seconds:
        if check():
            return time.time() - started
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


class Browser:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def get(self, path, timeout=10):
        """(status, body, seconds, headers with lower-case names)"""
        started = time.time()
        try:
            with self.opener.open(self.base + path, timeout=timeout) as r:
                return r.status, r.read().decode(), time.time() - started, {k.lower(): v for k, v in r.headers.items()}
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace"), time.time() - started, {k.lower(): v for k, v in e.headers.items()}

    def submit_sign_in(self):
        """The sign-in form, then its submit: (status, body, seconds, headers) of the submit, or
        None when the form did not show."""
        status, page, _, _ = self.get("/sign-in")
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
        if status != 200 or not found:
            return None
        body = urllib.parse.urlencode({"csrf": found.group(1), "email": "admin@contoso.example", "password": "contoso-demo", "next": "/"}).encode()
        started = time.time()
        try:
            with self.opener.open(self.base + "/sign-in", data=body, timeout=10) as r:
                return r.status, r.read().decode(), time.time() - started, {k.lower(): v for k, v in r.headers.items()}
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace"), time.time() - started, {k.lower(): v for k, v in e.headers.items()}

    def sign_in(self):
        """Whether signing in worked: the form, then the redirect to the customer list."""
        answer = self.submit_sign_in()
        return answer is not None and answer[0] == 303


def unavailable_page(label, status, body, headers):
    """A 503 must be the localized page with Retry-After."""
    if status == 503 and ("retry-after" not in headers or UNAVAILABLE not in body):
        failures.append(f"{label}: a 503 without Retry-After or its localized page")


def load(browsers, seconds, allowed, label, limit):
    """Every browser requests the Details page for `seconds`, side by side; every answer must be
    one of `allowed`, within `limit` seconds. Prints what was seen, and the answers' times."""
    seen, times, lock = {}, [], threading.Lock()

    def run(browser):
        deadline = time.time() + seconds
        while time.time() < deadline:
            status, body, took, headers = browser.get(DETAILS)
            with lock:
                seen[status] = seen.get(status, 0) + 1
                times.append(took)
                if took > limit:
                    failures.append(f"{label}: an answer took {took:.1f} s")
                if status not in allowed:
                    failures.append(f"{label}: {status} (allowed {sorted(allowed)})")
            unavailable_page(label, status, body, headers)
            time.sleep(0.02)

    threads = [threading.Thread(target=run, args=(b,)) for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    median = statistics.median(times) * 1000 if times else 0
    print(f"  {label}: {seen}; {len(browsers)} browsers, answers in {median:.0f} ms median, "
          f"{max(times, default=0) * 1000:.0f} ms at most", flush=True)
    return seen


def probes(base, label, which):
    """/ready fails naming `which`; /health stays 200."""
    status, body, _, _ = Browser(base).get("/ready")
    if status != 503 or f"{which}: unavailable" not in body:
        failures.append(f"{label}: /ready answered {status} {body!r}, not 503 naming {which}")
    if Browser(base).get("/health")[0] != 200:
        failures.append(f"{label}: /health did not answer 200")


def postgres_phase(base, browsers):
    print("== PostgreSQL stopped", flush=True)
    pg("stop")
    load(browsers, 4, {503}, "PostgreSQL down", LIMIT["PostgreSQL"])
    probes(base, "PostgreSQL down", "database")
    pg("start")
    wait_for(pg_up, 30, "PostgreSQL to start again")
    print("== PostgreSQL started again", flush=True)
    back = wait_for(lambda: browsers[0].get(DETAILS)[0] == 200, BACK_WITHIN["PostgreSQL"], "the portal to serve again after PostgreSQL")
    print(f"  pages again {back:.1f} s after PostgreSQL answered", flush=True)
    load(browsers, 2, {200}, "after PostgreSQL", LIMIT["PostgreSQL"])


def redis_phase(base, browsers):
    print("== Redis stopped", flush=True)
    redis_stop()
    load(browsers, 4, {503}, "Redis down", LIMIT["Redis"])
    # A first visit: the sign-in page keeps no session, so it shows; signing in needs one, which
    # can't be saved.
    answer = Browser(base).submit_sign_in()
    if answer is None:
        failures.append("Redis down: the sign-in page did not show (it needs no session)")
    else:
        status, body, took, headers = answer
        print(f"  Redis down, a first sign-in: {status} in {took * 1000:.0f} ms", flush=True)
        if status != 503 or took > LIMIT["Redis"]:
            failures.append(f"Redis down: signing in answered {status} in {took:.1f} s")
        unavailable_page("Redis down, signing in", status, body, headers)
    probes(base, "Redis down", "sessions")
    redis_start()
    print("== Redis started again (empty: the sessions are gone)", flush=True)
    # Back by itself: the page sends to sign-in (no session any more) instead of answering 503.
    back = wait_for(lambda: browsers[0].get(DETAILS)[0] != 503, BACK_WITHIN["Redis"], "the portal to serve again after Redis")
    status = browsers[0].get(DETAILS)[0]
    if status != 303:
        failures.append(f"after Redis: the Details page answered {status}, not a redirect to sign in")
    signed_in = wait_for(lambda: all(b.sign_in() for b in browsers), 5, "signing in to work again after Redis")
    print(f"  pages again {back:.1f} s after Redis answered; every browser signed in again "
          f"{signed_in:.1f} s later", flush=True)
    load(browsers, 2, {200}, "after Redis", LIMIT["Redis"])


def main():
    phases = [p for p in ("postgres", "redis") if f"--{p}" in sys.argv] or ["postgres", "redis"]
    # Always built (a no-op when current): a binary left from older sources would be tested.
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
    try:
        port = None
        for line in server.stdout:
            m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            if m:
                port = m.group(1)
                break
        if port is None:
            raise SystemExit("the portal did not start")
        threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        browsers = [Browser(base) for _ in range(BROWSERS)]
        if not all(b.sign_in() for b in browsers):
            raise SystemExit("signing in failed before any outage")
        print("== PostgreSQL and Redis up", flush=True)
        if load(browsers, 2, {200}, "before", 5.0).get(200, 0) == 0:
            failures.append("no page before the outages")
        if "postgres" in phases:
            postgres_phase(base, browsers)
        if "redis" in phases:
            redis_phase(base, browsers)
        if server.poll() is not None:
            failures.append("the portal exited")
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
    print(f"outage test ({', '.join(phases)}): every answer within its limit, each outage a localized 503 "
          "with Retry-After, /ready naming it and /health 200 meanwhile; back by itself, without a restart")


if __name__ == "__main__":
    main()
