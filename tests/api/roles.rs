//! Issue 32's roles, walked whole: every route of the pages and of the API × every role. What a
//! role may not do is refused (a 403 page; Partner Center's 403 body on `/v1`) and logged with
//! the user and the role; what a page offers (its links and forms) is only ever what the role
//! may do.

use awc::http::Method;
use portal::domain::{Permission, Role};
use portal::web::middleware::roles::{API, PAGES};

use crate::api_client::Api;
use crate::helpers::{TestApp, details, spawn_app};

const FAB: &str = "c-fabrikam";
const SUB: &str = "s-fabrikam-essentials";
const PASSWORD: &str = "a-team-password";

/// Adds a user of contoso with `role` and a password, as an invitation and its link do.
pub async fn add_user(app: &TestApp, email: &str, role: Role) -> (String, &'static str) {
    use portal::domain::team::{LinkSecret, UserEmail};
    let reseller = portal::domain::ResellerId::parse("contoso").unwrap();
    let email = UserEmail::parse(email).unwrap();
    let (_, secret): (i32, LinkSecret) =
        portal::store::team::add(&app.db, &reseller, &email, None, role, app.clock.now())
            .await
            .unwrap();
    let hash = portal::password::hash(PASSWORD).unwrap();
    portal::store::team::use_link(&app.db, &secret, &hash, app.clock.now())
        .await
        .unwrap()
        .expect("a fresh link");
    (email.as_str().to_owned(), PASSWORD)
}

/// A route's pattern with the ids of the demo book filled in (ids nobody has where a real one
/// would change something: a job, a token, a user).
fn concrete(pattern: &str) -> String {
    pattern
        .replace("{customer}", FAB)
        .replace("{subscription}", SUB)
        .replace("{job}", "999999")
        .replace("{upgrade}", "999999")
        .replace("{token}", "999999")
        .replace("{user}", "999999")
        .replace("{draft}", "0123456789abcdef0123456789abcdef")
        .replace("{approval}", "0123456789abcdef0123456789abcdef")
        .replace("{delivery}", "999999")
        .replace("{order}", "999999")
        .replace("{domain}", "fabrikam.partner.onmschina.cn")
        .replace("{prefix}", "fabrikam")
        .replace("{correlation}", "00000000-0000-4000-8000-000000000000")
        .replace("{offer}", "O365_E3")
}

/// Whether a concrete path is an instance of a pattern.
fn matches(pattern: &str, path: &str) -> bool {
    let (p, q): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len()
        && p.iter()
            .zip(&q)
            .all(|(p, q)| (p.starts_with('{') && !q.is_empty()) || p == q)
}

/// What an offered link or form needs: its line of the table, or nothing for the routes every
/// visitor has.
fn needs(method: &str, href: &str) -> Option<Permission> {
    let path = href.split(['?', '#']).next().unwrap_or_default();
    if path.is_empty()
        || path.starts_with("/static/")
        || path.starts_with("/language/")
        || path == "/sign-out"
        || path == "/sign-in"
        || path == "/v1/openapi.json"
    {
        return None;
    }
    let found = PAGES
        .iter()
        .chain(API)
        .find(|(m, p, _)| *m == method && matches(p, path));
    match found {
        Some((_, _, needs)) => Some(*needs),
        None => panic!("{method} {href} is offered but is in no line of roles.rs"),
    }
}

/// The internal links and the forms' actions of a page: (method, target).
fn offered(body: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for piece in body.split("href=\"").skip(1) {
        let href = piece.split('"').next().unwrap_or_default();
        if href.starts_with('/') {
            out.push(("GET", href.replace("&amp;", "&")));
        }
    }
    for form in body.split("<form").skip(1) {
        let tag = form.split('>').next().unwrap_or_default();
        let action = tag
            .split("action=\"")
            .nth(1)
            .and_then(|a| a.split('"').next())
            .unwrap_or_default()
            .replace("&amp;", "&");
        let method = if tag.contains("method=\"post\"") {
            "POST"
        } else {
            "GET"
        };
        if action.starts_with('/') {
            out.push((method, action));
        }
    }
    out
}

/// The team: one user of each role (the demo's admin is the global admin).
async fn team(app: &TestApp) -> Vec<(Role, String)> {
    let mut team = vec![(Role::GlobalAdmin, "admin@contoso.example".to_owned())];
    for role in Role::ALL.into_iter().skip(1) {
        let (email, _) = add_user(app, &format!("{role}@contoso.example"), role).await;
        team.push((role, email));
    }
    team
}

fn password_of(role: Role) -> &'static str {
    if role == Role::GlobalAdmin {
        "contoso-demo"
    } else {
        PASSWORD
    }
}

#[actix_web::test]
async fn every_page_route_and_every_role_offer_and_allow_exactly_the_table() {
    let app = spawn_app().await;
    let team = team(&app).await;
    // A sales agent's change held for approval: its page offers approvers their decision.
    crate::approvals::set_thresholds(&app, "0", "").await;
    let seller = app.another_browser();
    seller
        .sign_in(("sales-agent@contoso.example", PASSWORD))
        .await;
    let request = crate::approvals::request(&seller).await;
    for (role, email) in &team {
        let browser = app.another_browser();
        browser.sign_in((email, password_of(*role))).await;
        // Every route of the table, asked for directly.
        for &(method, pattern, needs) in PAGES {
            let path = concrete(pattern);
            let page = match method {
                "GET" => browser.get(&path).await,
                _ => {
                    // Refresh the token: a form's page may have replaced it.
                    browser.get("/activity").await;
                    browser.submit(&path, &[]).await
                }
            };
            let status = page.status.as_u16();
            if role.may(needs) {
                assert!(
                    status != 403 && status < 500,
                    "{role} {method} {path}: {status}\n{}",
                    page.body
                );
            } else {
                assert_eq!(status, 403, "{role} {method} {path}: {}", page.body);
                page.assert_contains("<html");
                assert!(
                    page.body.contains("Not allowed for your role")
                        || page.body.contains("你的角色无权执行此操作"),
                    "{role} {method} {path}: {}",
                    page.body
                );
            }
        }
        // What the pages it may open offer: nothing it may not do.
        let mut offers = std::collections::BTreeSet::new();
        let pages = [
            "/".to_owned(),
            "/activity".to_owned(),
            format!("/customers/{FAB}/subscriptions"),
            details(FAB, SUB),
            "/settings".to_owned(),
            "/prices".to_owned(),
            "/charges".to_owned(),
            "/bulk".to_owned(),
            "/api-access".to_owned(),
            "/users".to_owned(),
            "/approvals".to_owned(),
            format!("/approvals/{request}"),
        ];
        for path in pages {
            if needs("GET", &path).is_some_and(|needs| !role.may(needs)) {
                continue;
            }
            let page = browser.get(&path).await;
            page.assert_status(200);
            for (method, href) in offered(&page.body) {
                if let Some(needs) = needs(method, &href) {
                    assert!(
                        role.may(needs),
                        "{role}: {path} offers {method} {href}, which needs {needs:?}"
                    );
                    offers.insert(needs.as_str());
                }
            }
        }
        // And everything it may do is offered somewhere.
        let allowed: std::collections::BTreeSet<&str> = Permission::ALL
            .into_iter()
            .filter(|p| role.may(*p))
            .map(Permission::as_str)
            .collect();
        assert_eq!(offers, allowed, "{role}");
    }
    // Each refusal is in the log, with the user and the role.
    let refused = app
        .count("activity WHERE action = 'refused' AND user_role = 'helpdesk-agent'")
        .await;
    let helpdesk_refusals = PAGES
        .iter()
        .filter(|(_, _, needs)| !Role::HelpdeskAgent.may(*needs))
        .count();
    assert_eq!(refused, i64::try_from(helpdesk_refusals).unwrap());
    assert_eq!(
        app.value(
            "SELECT detail FROM activity WHERE action = 'refused' \
             AND user_email = 'helpdesk-agent@contoso.example' AND detail LIKE 'change: POST %/licenses'"
        )
        .await
        .as_deref(),
        Some(format!("change: POST {}/licenses", details(FAB, SUB)).as_str())
    );
}

#[actix_web::test]
async fn every_api_route_and_every_role_allow_exactly_the_table() {
    let app = spawn_app().await;
    let team = team(&app).await;
    for (role, email) in &team {
        let api = Api::issue(&app, email).await;
        for &(method, pattern, needs) in API {
            let path = concrete(pattern);
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let body = (method != Method::GET).then_some("{}");
            let answer = api.send(method.clone(), &path, &[], body).await;
            let status = answer.status.as_u16();
            if role.may(needs) {
                assert!(
                    status != 403 && status < 500,
                    "{role} {method} {path}: {status} {}",
                    answer.text
                );
            } else {
                let body = answer.assert_error(403, 2032);
                assert!(
                    body["description"]
                        .as_str()
                        .unwrap()
                        .contains(role.as_str()),
                    "{body}"
                );
            }
        }
    }
    assert!(
        app.count("activity WHERE action = 'refused' AND user_role = 'billing-admin' AND detail LIKE 'change: PATCH /v1/%'")
            .await
            == 1
    );
}

#[actix_web::test]
async fn a_token_acts_with_its_users_role_read_at_each_request() {
    let app = spawn_app().await;
    let (email, _) = add_user(&app, "li.na@contoso.example", Role::SalesAgent).await;
    let api = Api::issue(&app, &email).await;
    let path = format!("/v1/customers/{FAB}/subscriptions/{SUB}");
    // A sales agent may change: a body that is wrong is refused for what it is, not the role.
    let before = api.patch(&path, &[], serde_json::json!({})).await;
    assert_ne!(before.status.as_u16(), 403, "{}", before.text);
    // The same token, once its user is a helpdesk agent: refused at once (the token is cached).
    let user: i32 = app
        .value(&format!("SELECT id FROM users WHERE email = '{email}'"))
        .await
        .unwrap()
        .parse()
        .unwrap();
    let reseller = portal::domain::ResellerId::parse("contoso").unwrap();
    portal::store::team::set_role(&app.db, &reseller, user, Role::HelpdeskAgent)
        .await
        .unwrap();
    api.patch(&path, &[], serde_json::json!({}))
        .await
        .assert_error(403, 2032);
    api.get(&path).await.assert_status(200);
}

#[actix_web::test]
async fn a_bulk_job_runs_with_the_role_of_whoever_confirmed_it_read_when_it_runs() {
    let app = spawn_app_with_jobs_paused().await;
    let (email, password) = add_user(&app, "seller@contoso.example", Role::SalesAgent).await;
    let seller = app.another_browser();
    seller.sign_in((&email, password)).await;
    seller.get("/bulk").await.assert_status(200);
    let review = seller
        .submit(
            "/bulk/selection",
            &[("action", "suspend"), ("status", "active")],
        )
        .await;
    let job = review
        .location
        .clone()
        .unwrap_or_else(|| panic!("a job's review: {}", review.body));
    seller.get(&job).await.assert_status(200);
    seller
        .submit(&format!("{job}/start"), &[])
        .await
        .assert_status(303);
    let id = job.rsplit('/').next().unwrap();
    assert_eq!(
        app.value(&format!(
            "SELECT confirmed_by IS NOT NULL FROM jobs WHERE id = {id}"
        ))
        .await
        .as_deref()
        .map(|v| v == "1" || v == "true"),
        Some(true)
    );
    // Before it runs, the seller becomes a helpdesk agent: no row is made.
    let user: i32 = app
        .value(&format!("SELECT id FROM users WHERE email = '{email}'"))
        .await
        .unwrap()
        .parse()
        .unwrap();
    let reseller = portal::domain::ResellerId::parse("contoso").unwrap();
    portal::store::team::set_role(&app.db, &reseller, user, Role::HelpdeskAgent)
        .await
        .unwrap();
    let suspended_before = app.count("subscriptions WHERE status = 'suspended'").await;
    run_jobs(&app).await;
    assert!(app.count(&format!("job_rows WHERE job_id = {id}")).await > 0);
    assert_eq!(
        app.count(&format!(
            "job_rows WHERE job_id = {id} AND code = 'role_not_allowed'"
        ))
        .await,
        app.count(&format!("job_rows WHERE job_id = {id}")).await
    );
    assert_eq!(
        app.count("subscriptions WHERE status = 'suspended'").await,
        suspended_before
    );
}

async fn spawn_app_with_jobs_paused() -> TestApp {
    crate::helpers::spawn_app_with(&[("PORTAL_JOB_RUNNER", "false")]).await
}

/// Runs the jobs waiting on an instance that runs jobs, until none is left running.
async fn run_jobs(app: &TestApp) {
    let runner = crate::helpers::second_instance_with(app, &[]).await;
    for _ in 0..200 {
        if app.count("jobs WHERE state = 'running'").await == 0 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.count("jobs WHERE state = 'running'").await, 0);
    drop(runner);
}

#[actix_web::test]
async fn existing_users_keep_what_they_could_do_when_roles_arrive() {
    // The database as it was before issue 32's migrations, with the demo's users: an
    // administrator and a user who is not.
    use migration::{Migrator, MigratorTrait};
    let app = spawn_app().await;
    // SQLite on a connection of its own, as the portal migrates it (another pooled connection's
    // schema could be older than the one a migration has just changed); PostgreSQL on the pool.
    let own;
    let db = if app.url.starts_with("sqlite:") {
        own = portal::store::connect(&app.url, 1).await.unwrap();
        &own
    } else {
        &app.db
    };
    Migrator::down(db, Some(3)).await.unwrap();
    Migrator::up(db, None).await.unwrap();
    assert_eq!(
        app.value("SELECT role FROM users WHERE email = 'admin@contoso.example'")
            .await
            .as_deref(),
        Some("global-admin")
    );
    assert_eq!(
        app.value("SELECT role FROM users WHERE email = 'sales@contoso.example'")
            .await
            .as_deref(),
        Some("admin-agent")
    );
    // And they sign in and work as before.
    let sales = app.another_browser();
    sales
        .sign_in(("sales@contoso.example", "contoso-demo"))
        .await;
    sales.get("/charges").await.assert_status(200);
    sales.get("/users").await.assert_status(403);
}
