//! Running it for real: the readiness probe, backing up the SQLite database while the portal
//! runs, and Redis (sessions) going away and coming back.

use sea_orm::{ConnectionTrait, Database, Statement};

use crate::helpers::{CONTOSO, details, is_postgres, portal_command, spawn_app, spawn_app_with};

#[actix_web::test]
async fn ready_says_the_database_and_the_sessions_answer() {
    let app = spawn_app().await;
    let page = app.get("/ready").await;
    page.assert_status(200);
    assert!(
        page.body.contains("database: ok") && page.body.contains("sessions: ok"),
        "{}",
        page.body
    );
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
}

#[actix_web::test]
async fn a_backup_taken_while_the_portal_runs_opens_with_everything_in_it() {
    let app = spawn_app().await;
    if is_postgres(&app.db) {
        // PostgreSQL is backed up with pg_dump; the command says so.
        let out = portal_command(&app, &["backup", "/tmp/never.sqlite"]);
        assert!(!out.success && out.stderr.contains("pg_dump"), "{out:?}");
        return;
    }
    app.sign_in(CONTOSO).await;
    let file = app.dir.path().join("backup.sqlite");
    let path = file.to_string_lossy().into_owned();
    let out = portal_command(&app, &["backup", &path]);
    assert!(out.success, "{out:?}");
    // The copy is a whole database: the same customers, subscriptions and activity.
    let copy = Database::connect(format!("sqlite://{path}?mode=ro"))
        .await
        .unwrap();
    for table in [
        "customers",
        "subscriptions",
        "activity",
        "resellers",
        "users",
        "prices",
    ] {
        let count = |db: &sea_orm::DatabaseConnection| {
            let sql = format!("SELECT COUNT(*) AS n FROM {table}");
            let db = db.clone();
            async move {
                db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                    .await
                    .unwrap()
                    .unwrap()
                    .try_get::<i64>("", "n")
                    .unwrap()
            }
        };
        assert_eq!(count(&copy).await, count(&app.db).await, "{table}");
    }
    let check = copy
        .query_one_raw(Statement::from_string(
            copy.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<String>(0)
        .unwrap();
    assert_eq!(check, "ok");
    // An existing file is never overwritten.
    let again = portal_command(&app, &["backup", &path]);
    assert!(
        !again.success && again.stderr.contains("exists"),
        "{again:?}"
    );
}

#[actix_web::test]
async fn every_response_names_its_request_and_keeps_one_it_was_given() {
    let app = spawn_app().await;
    let fresh = app.get("/health").await;
    let id = fresh
        .headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    for path in [
        "/sign-in",
        "/no/such/page",
        "/v1/customers",
        "/static/css/portal.css",
    ] {
        assert!(
            app.get(path).await.headers.get("x-request-id").is_some(),
            "{path}"
        );
    }
}

/// The `portal` binary serving a fresh SQLite file on a free port, with `env`; its port, and the
/// lines it logs (after the one that says where it listens).
fn serve_binary(
    dir: &std::path::Path,
    env: &[(&str, &str)],
) -> (
    std::process::Child,
    String,
    std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
) {
    use std::io::BufRead;
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_portal"))
        .env(
            "PORTAL_DATABASE_URL",
            format!("sqlite://{}/p.sqlite?mode=rwc", dir.display()),
        )
        .env("PORTAL_BIND", "127.0.0.1:0")
        .env("PORTAL_LOG", "info")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(server.stdout.take().unwrap()).lines();
    let port = loop {
        let line = lines.next().expect("the portal starts").unwrap();
        if let Some(at) = line.find("http://127.0.0.1:") {
            let rest = &line[at + "http://127.0.0.1:".len()..];
            break rest
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>();
        }
    };
    (server, port, lines)
}

#[test]
fn the_logs_follow_a_request_by_its_id() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let (mut server, port, lines) = serve_binary(dir.path(), &[("PORTAL_LOG_FORMAT", "json")]);
    let mut stream = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    stream
        .write_all(b"GET /sign-in HTTP/1.1\r\nHost: x\r\nX-Request-Id: follow-me-42\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("x-request-id: follow-me-42"),
        "{answer}"
    );
    // A line of the request, in JSON, names it.
    let served = lines
        .map_while(Result::ok)
        .find(|l| l.contains("follow-me-42"))
        .expect("a log line of the request");
    let line: serde_json::Value = serde_json::from_str(&served).unwrap();
    assert_eq!(line["span"]["request_id"], "follow-me-42", "{served}");
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Prometheus's text format, line by line: `# HELP`/`# TYPE` comments, or
/// `name{label="value",…} number`.
fn assert_prometheus_text(text: &str) {
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        assert!(
            value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value),
            "value of {line}"
        );
        let name = series.split('{').next().unwrap();
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "name of {line}"
        );
        if let Some(labels) = series.strip_prefix(name) {
            assert!(
                labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')),
                "{line}"
            );
        }
    }
}

#[actix_web::test]
async fn metrics_tell_rates_latencies_and_changes_to_loopback_only() {
    let app = spawn_app().await;
    app.get("/health").await;
    app.get("/customers/c-nobody/subscriptions").await;
    app.sign_in(CONTOSO).await;
    let path = crate::helpers::details("c-fabrikam", "s-fabrikam-essentials");
    let page = app.get(&path).await;
    app.post(
        &format!("{path}/licenses"),
        &[("licenses", "26"), ("version", &page.hidden("version"))],
    )
    .await
    .assert_status(303);

    let metrics = app.get("/metrics").await;
    metrics.assert_status(200);
    assert!(
        metrics
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_prometheus_text(&metrics.body);
    for needle in [
        "portal_request_duration_seconds_bucket{",
        "route=\"/health\"",
        // By template, never by the raw path.
        "route=\"/customers/{customer}/subscriptions/{subscription}\"",
        "portal_changes_total{kind=\"licenses\",result=\"made\"}",
        "portal_db_pool_connections{state=\"idle\"}",
    ] {
        assert!(
            metrics.body.contains(needle),
            "{needle} in:\n{}",
            metrics.body
        );
    }
    assert!(!metrics.body.contains("c-fabrikam"), "no raw paths");
    // On SQLite, changes are committed in batches: how many, and how many changes they held.
    if !crate::helpers::is_postgres(&app.db) {
        for needle in [
            "portal_sqlite_batches_total ",
            "portal_sqlite_batched_changes_total ",
        ] {
            assert!(metrics.body.contains(needle), "{needle}");
        }
    }

    let elsewhere = crate::helpers::spawn_app_with(&[("PORTAL_METRICS_ALLOW", "10.0.0.0/8")]).await;
    elsewhere.get("/metrics").await.assert_status(403);
}

#[test]
fn sigterm_lets_a_request_in_flight_finish_then_exits_cleanly() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let (mut server, port, lines) = serve_binary(dir.path(), &[("PORTAL_DEMO_DATA", "false")]);
    std::thread::spawn(move || for _ in lines {});
    // A connection a worker serves (its first request answered, so the server has taken it
    // whatever the machine's load), then a request in flight on it: its headers sent, its body
    // not yet.
    let mut stream = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(stream, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut first = [0u8; 512];
    let read = stream.read(&mut first).unwrap();
    assert!(
        first[..read].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&first[..read])
    );
    let body = "email=a%40b.example&password=x";
    write!(
        stream,
        "POST /sign-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // The shell's own `kill`: nothing to install on a fresh machine.
    let killed = std::process::Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", server.id())])
        .status()
        .unwrap();
    assert!(killed.success());
    // No new connection is taken (soon: how soon the signal is handled depends on the load)…
    let stopped = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_err()
    });
    assert!(stopped, "still accepting 10 s after SIGTERM");
    // …but the one in flight is answered.
    stream.write_all(body.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    let status = server.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[actix_web::test]
async fn a_database_file_deleted_under_the_portal_refuses_changes_and_fails_ready() {
    let app = spawn_app().await;
    let Some(file) = portal::store::sqlite_path(&app.url).map(str::to_owned) else {
        // PostgreSQL has no file to lose: ready as ever.
        app.get("/ready").await.assert_status(200);
        return;
    };
    app.sign_in(CONTOSO).await;
    let path = crate::helpers::details("c-fabrikam", "s-fabrikam-essentials");
    let page = app.get(&path).await;
    let api = crate::api_client::Api::issue(&app, CONTOSO.0).await;

    std::fs::remove_file(&file).unwrap();

    let refused = app
        .post(
            &format!("{path}/licenses"),
            &[("licenses", "26"), ("version", &page.hidden("version"))],
        )
        .await;
    refused.assert_status(503);
    assert_eq!(refused.headers.get("retry-after").unwrap(), "5");
    api.patch(
        &crate::api_client::subscription("c-fabrikam", "s-fabrikam-essentials"),
        &[],
        serde_json::json!({ "quantity": 26 }),
    )
    .await
    .assert_error(503, 503);
    let ready = app.get("/ready").await;
    ready.assert_status(503);
}

/// A Redis server of the test's own on a free port (the one other tests and scripts share is
/// left alone), in memory only; shut down when dropped, whatever the test's outcome.
pub(crate) struct OwnRedis {
    port: u16,
    dir: tempfile::TempDir,
}

impl OwnRedis {
    pub(crate) fn start() -> OwnRedis {
        let dir = tempfile::tempdir().unwrap();
        // A port free a moment ago may be taken by the time Redis binds it: a few tries.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            if redis_server(port, dir.path()) {
                return OwnRedis { port, dir };
            }
        }
        panic!("redis-server did not start on a free port in five tries");
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// One inline command, and the first line of its answer.
    pub(crate) fn command(&self, command: &str) -> Option<String> {
        redis_command(self.port, command)
    }

    /// Redis going away, as `redis-cli shutdown nosave` does it.
    fn stop(&self) {
        let _ = redis_command(self.port, "SHUTDOWN NOSAVE");
        let gone = wait_until(|| redis_command(self.port, "PING").is_none());
        assert!(gone, "Redis on port {} did not stop", self.port);
    }

    /// Redis back on the same port, empty.
    fn start_again(&self) {
        assert!(
            redis_server(self.port, self.dir.path()),
            "Redis did not start again on port {}",
            self.port
        );
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = redis_command(self.port, "SHUTDOWN NOSAVE");
    }
}

/// Starts `redis-server` on `port` (daemonized, nothing saved); whether it answers within
/// five seconds. A machine without Redis fails the test, loudly: it does not pass by skipping.
fn redis_server(port: u16, dir: &std::path::Path) -> bool {
    let started = std::process::Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--save", "", "--appendonly", "no", "--daemonize", "yes"])
        .arg("--dir")
        .arg(dir)
        .arg("--logfile")
        .arg(dir.join(format!("redis-{port}.log")))
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "this test runs a Redis server of its own, and `redis-server` can't be run ({e}): \
                 install it (Debian: apt-get install redis-server)"
            )
        });
    started.success() && wait_until(|| redis_command(port, "PING").as_deref() == Some("+PONG"))
}

/// One inline command to the Redis on `port`, and the first line of its answer; `None` when
/// nothing answers.
fn redis_command(port: u16, command: &str) -> Option<String> {
    use std::io::{BufRead, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(2)))
        .ok()?;
    stream.write_all(format!("{command}\r\n").as_bytes()).ok()?;
    let mut line = String::new();
    std::io::BufReader::new(stream).read_line(&mut line).ok()?;
    (!line.is_empty()).then(|| line.trim_end().to_owned())
}

/// Whether `done` comes true within five seconds.
fn wait_until(mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}

#[actix_web::test]
async fn redis_going_away_answers_503_at_once_and_sign_in_works_again_when_it_is_back() {
    use std::time::{Duration, Instant};
    let redis = OwnRedis::start();
    let url = redis.url();
    // No cache in front: every page asks Redis, as when the cached seconds have run out.
    let app = spawn_app_with(&[
        ("PORTAL_REDIS_URL", &url),
        ("PORTAL_SESSION_CACHE_SECONDS", "0"),
    ])
    .await;
    app.prefer("en-US");
    app.sign_in(CONTOSO).await;
    let path = details("c-fabrikam", "s-fabrikam-essentials");
    app.get(&path).await.assert_status(200);
    let stranger = app.another_browser();
    stranger.prefer("en-US");

    redis.stop();

    // A first visit to the sign-in page keeps no session, so it needs no Redis.
    stranger.get("/sign-in").await.assert_status(200);
    // Reading the session (a signed-in page), saving a new one (signing in): the localized
    // "briefly unavailable" page at once, never a bare 500 or a wait.
    for (browser, path) in [(&app, path.as_str()), (&app, "/"), (&stranger, "/sign-in")] {
        let started = Instant::now();
        let page = if browser.cookies().contains_key("portal_session") {
            browser.get(path).await
        } else {
            browser
                .post(path, &[("email", CONTOSO.0), ("password", CONTOSO.1)])
                .await
        };
        let took = started.elapsed();
        page.assert_status(503)
            .assert_contains("Briefly unavailable");
        assert_eq!(page.headers.get("retry-after").unwrap(), "5", "{path}");
        assert!(took < Duration::from_secs(3), "{path} took {took:?}");
        assert!(page.headers.get("set-cookie").is_none(), "{path}");
    }
    let ready = app.get("/ready").await;
    ready
        .assert_status(503)
        .assert_contains("sessions: unavailable");
    app.get("/health").await.assert_status(200);

    redis.start_again();

    // Without a restart: the next requests reach Redis again. It kept nothing, so the session
    // is gone and the page sends to sign-in; signing in works, and so do the pages.
    let started = Instant::now();
    loop {
        let page = app.get(&path).await;
        if page.status.as_u16() == 303 {
            page.assert_sent_to_sign_in();
            break;
        }
        page.assert_status(503);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "still 503 {:?} after Redis came back",
            started.elapsed()
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    app.sign_in(CONTOSO).await;
    app.get(&path).await.assert_status(200);
    stranger.get("/sign-in").await.assert_status(200);
    app.get("/ready").await.assert_status(200);
}
