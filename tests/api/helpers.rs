//! `spawn_app()`: a portal on a random port with a fresh SQLite file holding the demo book, and a
//! browser-like client to drive it: it keeps cookies, holds the CSRF token of the last page with
//! a form, and gives every change form a fresh one-time key.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use actix_web::web::Bytes;
use awc::error::PayloadError;
use awc::http::StatusCode;
use futures_core::Stream;
use portal::config::Settings;
use portal::startup::Application;
use portal::store::Db;
use sea_orm::{ConnectionTrait, Statement};

pub struct TestApp {
    pub base: String,
    pub db: Db,
    /// The database URL the portal runs on.
    pub url: String,
    pub dir: tempfile::TempDir,
    client: awc::Client,
    jar: RefCell<BTreeMap<String, String>>,
    language: RefCell<Option<&'static str>>,
    /// The CSRF token of the last page with a form, as a browser holds it.
    csrf: RefCell<Option<String>>,
    /// The portal's clock: tests started with `PORTAL_CLOCK` move it.
    pub clock: portal::clock::Clock,
}

/// A response as a test reads it.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: awc::http::header::HeaderMap,
    pub body: String,
}

impl Page {
    #[track_caller]
    /// Every page any test reads: its `<title>` is words alone. A template's title block once
    /// held a form or a script by mistake, which a browser shows as text in the tab (and never
    /// runs).
    fn assert_plain_title(&self) {
        if let Some(start) = self.body.find("<title>") {
            let title = &self.body[start + "<title>".len()..];
            let end = title.find("</title>").expect("the title ends");
            assert!(
                !title[..end].contains('<'),
                "markup inside the page's <title>: {}",
                &title[..end.min(200)]
            );
        }
    }

    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body:\n{}", self.body);
        self
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) -> &Self {
        assert!(
            self.body.contains(text),
            "expected {text:?} in:\n{}",
            self.body
        );
        self
    }

    #[track_caller]
    pub fn assert_lacks(&self, text: &str) -> &Self {
        assert!(
            !self.body.contains(text),
            "did not expect {text:?} in:\n{}",
            self.body
        );
        self
    }

    #[track_caller]
    pub fn assert_redirect(&self, to: &str) -> &Self {
        assert_eq!(self.status.as_u16(), 303, "body:\n{}", self.body);
        assert_eq!(self.location.as_deref(), Some(to));
        self
    }

    /// The browser is sent to the sign-in page (with where it was going).
    #[track_caller]
    pub fn assert_sent_to_sign_in(&self) -> &Self {
        assert_eq!(self.status.as_u16(), 303, "{self:?}");
        assert!(
            self.location
                .as_deref()
                .unwrap_or_default()
                .starts_with("/sign-in"),
            "{self:?}"
        );
        self
    }

    /// Whether this is the review before a change, with its Confirm.
    pub fn is_review(&self) -> bool {
        self.body.contains("name=\"confirm\" value=\"1\"")
    }

    /// The hidden fields of the review's Confirm form, as a browser submits them.
    #[track_caller]
    pub fn confirm_fields(&self) -> Vec<(String, String)> {
        let form = self
            .body
            .split("<form method=\"post\"")
            .find(|f| f.contains("name=\"confirm\""))
            .unwrap_or_else(|| panic!("no review form in:\n{}", self.body));
        let form = form.split("</form>").next().unwrap_or(form);
        form.split("<input type=\"hidden\" name=\"")
            .skip(1)
            .map(|rest| {
                let (name, rest) = rest.split_once('"').unwrap();
                let value = rest
                    .split_once("value=\"")
                    .map_or("", |(_, v)| v.split('"').next().unwrap());
                (name.to_owned(), unescape(value))
            })
            .collect()
    }

    /// Where the review's Confirm posts.
    #[track_caller]
    pub fn confirm_action(&self) -> String {
        let form = self
            .body
            .split("<form method=\"post\" action=\"")
            .find(|f| f.contains("name=\"confirm\""))
            .unwrap_or_else(|| panic!("no review form in:\n{}", self.body));
        unescape(form.split('"').next().unwrap())
    }

    /// The value of a hidden input, such as the form's version.
    #[track_caller]
    pub fn hidden(&self, name: &str) -> String {
        self.quoted_after(&format!("name=\"{name}\" value=\""))
            .to_owned()
    }

    /// Where the page's link with `rel` (`next`, `prev`) leads, as a browser reads the href.
    #[track_caller]
    pub fn link(&self, rel: &str) -> String {
        self.quoted_after(&format!("rel=\"{rel}\" href=\""))
            .replace("&#38;", "&")
            .replace("&amp;", "&")
    }

    /// What follows `marker` in the body, up to the closing quote.
    #[track_caller]
    fn quoted_after(&self, marker: &str) -> &str {
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no {marker} in:\n{}", self.body))
            + marker.len();
        self.body[start..].split('"').next().unwrap()
    }

    /// The text of the page without tags, whitespace collapsed: what a user reads.
    /// The text after each occurrence of `marker`, up to `end`: the ids a page's links carry.
    pub fn each_after(&self, marker: &str, end: char) -> Vec<String> {
        self.body
            .match_indices(marker)
            .map(|(at, m)| {
                let rest = &self.body[at + m.len()..];
                rest[..rest.find(end).unwrap_or(rest.len())].to_owned()
            })
            .collect()
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in self.body.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    out.push(' ');
                }
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

pub const CONTOSO: (&str, &str) = ("admin@contoso.example", "contoso-demo");
pub const CONTOSO_SALES: (&str, &str) = ("sales@contoso.example", "contoso-demo");
pub const NORTHWIND: (&str, &str) = ("admin@northwind.example", "northwind-demo");

/// A portal on its own port and database, loaded with the demo book.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The PostgreSQL server to run the suite on, when `PORTAL_TEST_POSTGRES` names one (for example
/// `postgres://postgres@127.0.0.1:5432`); otherwise the suite runs on SQLite files.
fn postgres_server() -> Option<String> {
    std::env::var("PORTAL_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('/').to_owned())
}

/// A fresh, empty database for one test: a SQLite file in `dir`, or a new PostgreSQL database.
pub async fn fresh_database(dir: &std::path::Path) -> String {
    let Some(server) = postgres_server() else {
        return format!("sqlite://{}/portal.sqlite?mode=rwc", dir.display());
    };
    let admin = sea_orm::Database::connect(format!("{server}/postgres"))
        .await
        .unwrap_or_else(|e| {
            panic!("PORTAL_TEST_POSTGRES={server} is set but the server can't be reached: {e}")
        });
    static SWEPT: std::sync::Once = std::sync::Once::new();
    let mut sweep = false;
    SWEPT.call_once(|| sweep = true);
    if sweep {
        // Databases left by earlier runs of the suite.
        let old = admin
            .query_all_raw(Statement::from_string(
                admin.get_database_backend(),
                "SELECT datname FROM pg_database WHERE datname LIKE 'portal_t_%'".to_owned(),
            ))
            .await
            .unwrap();
        for row in old {
            let name: String = row.try_get("", "datname").unwrap();
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
    let name = format!("portal_t_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE template0"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    format!("{server}/{name}")
}

/// The session key of every test portal, so that instances on one database share sessions.
const SESSION_KEY: &str = "test-session-key-test-session-key-test-session-key-0123456789";

/// Another portal instance on the same database as `app` (as behind a load balancer): its own
/// port and process state, the same database and session key.
pub async fn second_instance(app: &TestApp) -> TestApp {
    second_instance_with(app, &[]).await
}

/// [`second_instance`], with some settings of its own.
pub async fn second_instance_with(app: &TestApp, settings: &[(&str, &str)]) -> TestApp {
    let instance = Application::build(settings_for(&app.url, settings))
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", instance.port());
    actix_web::rt::spawn(instance.run_until_stopped());
    TestApp::browser_for(base, app.db.clone(), app.url.clone())
}

/// For tests that read the `sessions` table: sessions kept in the database whatever the run.
pub const SESSIONS_IN_THE_DATABASE: (&str, &str) = ("PORTAL_REDIS_URL", "");

/// The Redis server to keep sessions in, when `PORTAL_TEST_REDIS` names one (for example
/// `redis://127.0.0.1:6379`); otherwise sessions are kept in the database.
fn redis_server() -> Option<String> {
    std::env::var("PORTAL_TEST_REDIS")
        .ok()
        .filter(|s| !s.is_empty())
}

/// An instance on the database at `url`, built but not started (as a process starting).
pub async fn build_on(url: &str, settings: &[(&str, &str)]) -> anyhow::Result<Application> {
    Application::build(settings_for(url, settings)).await
}

/// A test instance's settings on the database at `url`: any free port, two workers, a fixed
/// session key (instances share sessions), Redis sessions when the run asks for them, and then
/// `settings` (`PORTAL_*` variables; an empty value unsets one).
fn settings_for(url: &str, settings: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<String, String> = [
        ("PORTAL_BIND", "127.0.0.1:0".to_owned()),
        ("PORTAL_DATABASE_URL", url.to_owned()),
        ("PORTAL_WORKERS", "2".to_owned()),
        ("PORTAL_SESSION_KEY", SESSION_KEY.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Some(redis) = redis_server() {
        vars.insert("PORTAL_REDIS_URL".to_owned(), redis);
    }
    vars.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Settings::from_vars(&vars).unwrap()
}

pub fn is_postgres(db: &Db) -> bool {
    db.get_database_backend() == sea_orm::DbBackend::Postgres
}

/// A portal with some settings of its own (`PORTAL_*` variables).
pub async fn spawn_app_with(settings: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let settings = settings_for(&url, settings);
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    let clock = app.clock().clone();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        clock,
        base,
        db,
        url,
        dir,
        client: awc::Client::builder()
            .disable_redirects()
            .timeout(Duration::from_secs(60))
            .finish(),
        jar: RefCell::new(BTreeMap::new()),
        language: RefCell::new(None),
        csrf: RefCell::new(None),
    }
}

impl TestApp {
    /// A second browser on the same portal: no cookies, no token.
    pub fn another_browser(&self) -> TestApp {
        let mut browser =
            TestApp::browser_for(self.base.clone(), self.db.clone(), self.url.clone());
        browser.clock = self.clock.clone();
        browser
    }

    /// A browser for a portal served elsewhere (another process, another instance).
    pub fn browser_for(base: String, db: Db, url: String) -> TestApp {
        TestApp {
            clock: portal::clock::Clock::system(),
            base,
            db,
            url,
            dir: tempfile::tempdir().unwrap(),
            client: awc::Client::builder()
                .disable_redirects()
                .timeout(Duration::from_secs(60))
                .finish(),
            jar: RefCell::new(BTreeMap::new()),
            language: RefCell::new(None),
            csrf: RefCell::new(None),
        }
    }

    /// This browser, pointed at another instance: same cookies, same token.
    pub fn switch_to(&mut self, other: &TestApp) {
        self.base = other.base.clone();
    }

    /// Sends `Accept-Language` with every later request.
    pub fn prefer(&self, language: &'static str) {
        *self.language.borrow_mut() = Some(language);
    }

    fn cookie_header(&self) -> String {
        self.jar
            .borrow()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn cookies(&self) -> BTreeMap<String, String> {
        self.jar.borrow().clone()
    }

    pub fn set_cookies(&self, cookies: BTreeMap<String, String>) {
        *self.jar.borrow_mut() = cookies;
    }

    /// The CSRF token the client holds.
    pub fn csrf(&self) -> String {
        self.csrf.borrow().clone().unwrap_or_default()
    }

    async fn read<S>(&self, mut res: awc::ClientResponse<S>) -> Page
    where
        S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
    {
        for value in res.headers().get_all("set-cookie") {
            let raw = value.to_str().unwrap();
            let pair = raw.split(';').next().unwrap();
            let (name, val) = pair.split_once('=').unwrap();
            let expired = raw.to_ascii_lowercase().contains("max-age=0");
            let mut jar = self.jar.borrow_mut();
            if expired || val.is_empty() {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), val.to_owned());
            }
        }
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let headers = res.headers().clone();
        let body = res.body().limit(10 * 1024 * 1024).await.unwrap();
        let page = Page {
            status: res.status(),
            location,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        if page.body.contains("name=\"csrf\" value=\"") {
            *self.csrf.borrow_mut() = Some(page.hidden("csrf"));
        }
        page.assert_plain_title();
        page
    }

    fn request(&self, method: awc::http::Method, path: &str) -> awc::ClientRequest {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .insert_header(("cookie", self.cookie_header()));
        if let Some(lang) = *self.language.borrow() {
            req = req.insert_header(("accept-language", lang));
        }
        req
    }

    pub async fn get(&self, path: &str) -> Page {
        let res = self
            .request(awc::http::Method::GET, path)
            .send()
            .await
            .unwrap();
        self.read(res).await
    }

    /// A GET with some headers of the test's own (a proxy's, for instance).
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut req = self.request(awc::http::Method::GET, path);
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let res = req.send().await.unwrap();
        self.read(res).await
    }

    /// The fields a browser sends for `form`: the page's CSRF token and a fresh one-time key are
    /// added, unless the form gives its own.
    fn as_browser_sends(&self, form: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !form.iter().any(|(k, _)| *k == "csrf") {
            fields.push(("csrf".into(), self.csrf()));
        }
        if !form.iter().any(|(k, _)| *k == "key") {
            fields.push(("key".into(), uuid::Uuid::new_v4().to_string()));
        }
        fields
    }

    /// Submits a form as a browser would (see [`TestApp::as_browser_sends`]), and confirms the
    /// review it leads to, as a user who checked it does: the answer to Confirm. A review shown
    /// again (the subscription or the price list changed) is answered, not confirmed.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.try_post(path, form)
            .await
            .expect("the portal answered")
    }

    /// Submits a form like [`TestApp::post`], but answers `None` when the server is gone.
    pub async fn try_post(&self, path: &str, form: &[(&str, &str)]) -> Option<Page> {
        let page = self.try_submit(path, form).await?;
        if page.status.as_u16() != 200 || !page.is_review() {
            return Some(page);
        }
        self.try_confirm(&page).await
    }

    /// Submits a form as a browser would, without confirming the review it leads to.
    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.try_submit(path, form)
            .await
            .expect("the portal answered")
    }

    /// A review is held at its own address: its form's answer is a redirect there, which a
    /// browser follows.
    async fn try_submit(&self, path: &str, form: &[(&str, &str)]) -> Option<Page> {
        let res = self
            .request(awc::http::Method::POST, path)
            .send_form(&self.as_browser_sends(form))
            .await
            .ok()?;
        let page = self.read(res).await;
        match page.location.as_deref() {
            Some(to) if page.status.as_u16() == 303 && to.starts_with("/reviews/") => {
                let res = self.request(awc::http::Method::GET, to).send().await.ok()?;
                Some(self.read(res).await)
            }
            _ => Some(page),
        }
    }

    /// Clicks Confirm on a review.
    pub async fn confirm(&self, review: &Page) -> Page {
        self.try_confirm(review).await.expect("the portal answered")
    }

    async fn try_confirm(&self, review: &Page) -> Option<Page> {
        let res = self
            .request(awc::http::Method::POST, &review.confirm_action())
            .send_form(&review.confirm_fields())
            .await
            .ok()?;
        Some(self.read(res).await)
    }

    /// Submits exactly these fields: no CSRF token or key is added.
    pub async fn post_exactly(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let res = self
            .request(awc::http::Method::POST, path)
            .send_form(&form)
            .await
            .unwrap();
        self.read(res).await
    }

    /// Posts a raw form body (after the CSRF token), for bytes no browser form would send.
    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> Page {
        let mut full = format!("csrf={}&", self.csrf()).into_bytes();
        full.extend(body);
        let res = self
            .request(awc::http::Method::POST, path)
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .send_body(full)
            .await
            .unwrap();
        self.read(res).await
    }

    /// Posts exactly these bytes as a form body.
    pub async fn post_bytes(&self, path: &str, body: Vec<u8>) -> Page {
        let res = self
            .request(awc::http::Method::POST, path)
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .send_body(body)
            .await
            .unwrap();
        self.read(res).await
    }

    /// Follows a redirect the way a browser would.
    pub async fn follow(&self, page: &Page) -> Page {
        self.get(page.location.as_deref().expect("a redirect"))
            .await
    }

    /// Signs in through the sign-in page, and opens the customer list.
    pub async fn sign_in(&self, (email, password): (&str, &str)) {
        self.get("/sign-in").await.assert_status(200);
        let page = self
            .post(
                "/sign-in",
                &[("email", email), ("password", password), ("next", "/")],
            )
            .await;
        page.assert_redirect("/");
        self.get("/").await.assert_status(200);
    }

    /// Tries `email` with a wrong password `times` times from this browser, as a guesser does;
    /// how many of the attempts were held back (429; the others were refused, 401).
    pub async fn guess_passwords(&self, email: &str, times: usize) -> usize {
        let mut held_back = 0;
        for _ in 0..times {
            let page = self
                .post("/sign-in", &[("email", email), ("password", "guess-guess")])
                .await;
            match page.status.as_u16() {
                401 => {}
                429 => held_back += 1,
                other => panic!("a guess answered {other}"),
            }
        }
        held_back
    }

    /// Signs out with the sign-out button.
    pub async fn sign_out(&self) {
        self.post("/sign-out", &[])
            .await
            .assert_redirect("/sign-in");
    }

    /// One column of one row.
    pub async fn value(&self, sql: &str) -> Option<String> {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT CAST(({sql}) AS TEXT) AS v"),
            ))
            .await
            .unwrap()?;
        row.try_get::<Option<String>>("", "v").unwrap()
    }

    pub async fn count(&self, table_and_filter: &str) -> i64 {
        self.value(&format!("SELECT COUNT(*) FROM {table_and_filter}"))
            .await
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Every row of every business table, each column quoted exactly as stored: for "the
    /// database is unchanged" checks. Sessions are left out: reading a page touches them.
    pub async fn snapshot(&self) -> Vec<String> {
        let backend = self.db.get_database_backend();
        let mut rows = Vec::new();
        for table in [
            "resellers",
            "users",
            "customers",
            "relationships",
            "subscriptions",
            "upgrades",
            "activity",
            "idempotency",
            "events",
            "orders",
            "order_lines",
            "customer_profiles",
            "tenant_admins",
        ] {
            let postgres = is_postgres(&self.db);
            let listing = if postgres {
                format!(
                    "SELECT column_name AS name FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = '{table}' \
                     ORDER BY ordinal_position"
                )
            } else {
                format!("PRAGMA table_info({table})")
            };
            let columns: Vec<String> = self
                .db
                .query_all_raw(Statement::from_string(backend, listing))
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.try_get::<String>("", "name").unwrap())
                // The webhook worker's own bookkeeping (whether it has taken an event yet),
                // written beside the requests whenever it gets to it: not what a request wrote.
                .filter(|c| !(table == "events" && c == "webhooks"))
                .collect();
            let sql = if postgres {
                let expr = columns
                    .iter()
                    .map(|c| format!("COALESCE(CAST(\"{c}\" AS TEXT), 'NULL')"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                format!("SELECT {expr} AS v FROM {table} ORDER BY 1")
            } else {
                let expr = columns
                    .iter()
                    .map(|c| format!("quote({c})"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                format!("SELECT {expr} AS v FROM {table} ORDER BY rowid")
            };
            for r in self
                .db
                .query_all_raw(Statement::from_string(backend, sql))
                .await
                .unwrap()
            {
                rows.push(format!(
                    "{table}: {}",
                    r.try_get::<String>("", "v").unwrap()
                ));
            }
        }
        rows
    }
}

/// An attribute value as a browser reads it.
fn unescape(value: &str) -> String {
    value
        .replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

pub fn details(customer: &str, subscription: &str) -> String {
    format!("/customers/{customer}/subscriptions/{subscription}")
}

/// The invariants no change may break, checked on what the database holds after a test:
/// licenses conserved across every upgrade's source and target, every change recorded in the
/// activity log (each subscription's version counts its changes), no subscription half changed.
pub async fn assert_invariants(app: &TestApp) {
    let q = |sql: &str| sql.to_owned();
    let rows = |sql: String| async move {
        app.db
            .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
            .await
            .unwrap()
    };
    // Licenses: assigned within quantity; a cancelled-by-upgrade source holds no assigned ones.
    for r in rows(q(
        "SELECT id, quantity, assigned_licenses, status, cancellation_reason FROM subscriptions",
    ))
    .await
    {
        let id: String = r.try_get("", "id").unwrap();
        let quantity: i64 = r.try_get("", "quantity").unwrap();
        let assigned: i64 = r.try_get("", "assigned_licenses").unwrap();
        let reason: Option<String> = r.try_get("", "cancellation_reason").unwrap();
        assert!(
            quantity >= 1 && (0..=quantity).contains(&assigned),
            "{id}: {assigned} of {quantity}"
        );
        if reason.as_deref() == Some("upgraded") {
            assert_eq!(assigned, 0, "{id} was upgraded but holds assigned licenses");
        }
    }
    // Every upgrade: its target exists, both sides recorded, licenses conserved.
    for r in rows(q("SELECT u.id, u.source_id, u.target_id, u.quantity, u.moved_assigned, u.source_quantity, \
                     u.source_assigned, u.source_status, a.before_quantity, a.before_assigned \
                     FROM upgrades u JOIN activity a ON a.upgrade_id = u.id AND a.action = 'upgrade_from'")).await
    {
        let id: i32 = r.try_get("", "id").unwrap();
        let get = |c: &str| r.try_get::<i64>("", c).unwrap();
        let status: String = r.try_get("", "source_status").unwrap();
        assert_eq!(get("before_assigned"), get("source_assigned") + get("moved_assigned"), "upgrade {id}: assigned licenses conserved");
        if status == "active" {
            assert_eq!(get("before_quantity"), get("source_quantity") + get("quantity"), "upgrade {id}: a partial upgrade splits the licenses");
        } else {
            assert!(get("quantity") >= get("before_quantity"), "upgrade {id}: a whole upgrade covers the source");
        }
        let target: String = r.try_get("", "target_id").unwrap();
        let source: String = r.try_get("", "source_id").unwrap();
        assert_eq!(
            app.count(&format!("subscriptions WHERE id = '{target}' AND upgraded_from = '{source}'")).await,
            1,
            "upgrade {id}: its target exists"
        );
        assert_eq!(app.count(&format!("activity WHERE upgrade_id = {id}")).await, 2, "upgrade {id}: both sides recorded");
    }
    assert_eq!(
        app.count("upgrades").await,
        app.count("activity WHERE action = 'upgrade_from'").await,
        "no upgrade record without its activity"
    );
    // Every change announced in the outbox: each subscription a change touched has an event of
    // each change (an edit of several fields is one change of several records), and none other.
    // (A bulk job's end is an event of the job: `bulk-job-completed`, issue 33.)
    assert_eq!(
        app.count(
            "events e WHERE e.resource = 'subscription' \
             AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = e.resource_id)"
        )
        .await,
        0,
        "events of subscriptions that are not there"
    );
    for r in rows(q("SELECT s.id, \
                     (SELECT COUNT(*) FROM activity a WHERE a.subscription_id = s.id) AS records, \
                     (SELECT COUNT(*) FROM events e WHERE e.resource_id = s.id \
                      AND e.name = 'subscription-updated' AND e.resource = 'subscription') AS events \
                     FROM subscriptions s")).await
    {
        let id: String = r.try_get("", "id").unwrap();
        let records: i64 = r.try_get("", "records").unwrap();
        let events: i64 = r.try_get("", "events").unwrap();
        assert!(
            (records == 0) == (events == 0) && events <= records,
            "{id}: {events} events for {records} records"
        );
    }
    // Every order's lines made their subscriptions, each announced with the order.
    assert_eq!(
        app.count(
            "order_lines l WHERE NOT EXISTS (SELECT 1 FROM subscriptions s \
             WHERE s.id = l.subscription_id AND s.offer_id = l.offer_id)"
        )
        .await,
        0,
        "order lines without their subscription"
    );
    assert_eq!(
        app.count("orders").await,
        app.count("events WHERE name = 'order-created'").await,
        "every order announced once"
    );
    // Every change bumped the version once and wrote one record (a subscription's creation
    // is its version 0); the latest record is the state.
    for r in rows(q("SELECT s.id, s.version, s.quantity, s.assigned_licenses, s.status, \
                     (SELECT COUNT(*) FROM activity a WHERE a.subscription_id = s.id AND a.action NOT IN ('upgrade_to', 'purchase')) AS changes \
                     FROM subscriptions s")).await
    {
        let id: String = r.try_get("", "id").unwrap();
        let version: i64 = r.try_get("", "version").unwrap();
        let changes: i64 = r.try_get("", "changes").unwrap();
        assert_eq!(version, changes, "{id}: every change recorded once");
        if let Some(last) = app
            .value(&format!(
                "SELECT after_quantity || ' ' || after_assigned || ' ' || after_status FROM activity \
                 WHERE subscription_id = '{id}' ORDER BY id DESC LIMIT 1"
            ))
            .await
        {
            let now = format!(
                "{} {} {}",
                r.try_get::<i64>("", "quantity").unwrap(),
                r.try_get::<i64>("", "assigned_licenses").unwrap(),
                r.try_get::<String>("", "status").unwrap()
            );
            assert_eq!(last, now, "{id}: the latest record is the current state");
        }
    }
}

/// What a `portal` command printed.
#[derive(Debug)]
pub struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `portal ARGS…` against the test's database, at the test portal's time.
pub fn portal_command(app: &TestApp, args: &[&str]) -> Output {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(args)
        .env("PORTAL_DATABASE_URL", &app.url)
        .env("PORTAL_LOG", "warn")
        .env("PORTAL_CLOCK", app.clock.now().to_rfc3339())
        .output()
        .unwrap();
    Output {
        success: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `text` to a file in the test's folder, for a command to read.
pub fn file(app: &TestApp, name: &str, text: &str) -> String {
    let path = app.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// Adds `more` licenses to a subscription through its Details page's form, as a user does (the
/// review confirmed); returns the new number of licenses.
pub async fn add_licenses(app: &TestApp, subscription: &str, more: u32) -> u32 {
    let customer = app
        .value(&format!(
            "SELECT customer_id FROM subscriptions WHERE id = '{subscription}'"
        ))
        .await
        .unwrap();
    let quantity: u32 = app
        .value(&format!(
            "SELECT quantity FROM subscriptions WHERE id = '{subscription}'"
        ))
        .await
        .unwrap()
        .parse()
        .unwrap();
    let page = details(&customer, subscription);
    let version = app.get(&page).await.hidden("version");
    let new = quantity + more;
    app.post(
        &format!("{page}/licenses"),
        &[("licenses", &new.to_string()), ("version", &version)],
    )
    .await
    .assert_status(303);
    new
}

/// Loads a book (the import file's JSON) and a price list (its CSV) through `portal import` and
/// `portal prices import`, as an installation's operator does.
/// A portal on Jul 20, 2026 (China Standard Time) with one reseller, `example` (billing day 15,
/// admin@example.example / example-demo), its customer `c-example` with delegated admin
/// privileges and no subscription, and Office 365 E3 at 11 a license a month: a purchase that
/// day is free until Aug 15, then billed in advance.
pub async fn july_20_with_billing_day_15() -> TestApp {
    let app = spawn_app_with(&[("PORTAL_CLOCK", "2026-07-20T10:00:00+08:00")]).await;
    load_book(
        &app,
        r#"{
  "resellers": [{ "id": "example", "name": "Example 云", "billing_day": 15,
    "users": [{ "email": "admin@example.example", "password": "example-demo", "admin": true }] }],
  "customers": [{ "id": "c-example", "company_name": "示例 公司", "domain": "example.partner.onmschina.cn",
    "relationships": [{ "reseller": "example", "delegated_admin": true }] }],
  "subscriptions": []
}"#,
        "Offer ID,Currency,Unit Price,Valid From\nO365_E3,CNY,11,2026-01-01\n",
    );
    app
}

pub fn load_book(app: &TestApp, book: &str, prices: &str) {
    let book = file(app, "book.json", book);
    let out = portal_command(app, &["import", &book]);
    assert!(out.success, "{out:?}");
    let prices = file(app, "prices.csv", prices);
    let out = portal_command(app, &["prices", "import", &prices]);
    assert!(out.success, "{out:?}");
}
