//! What must hold under attack, load and double clicks (OWASP ASVS V3, V4, V5; exactly-once
//! submits): CSRF, sessions, headers, idempotency, concurrency.

use futures_util::future::join_all;

use crate::helpers::{
    CONTOSO, CONTOSO_SALES, SESSIONS_IN_THE_DATABASE, assert_invariants, details, spawn_app,
    spawn_app_with,
};

const FAB: (&str, &str) = ("c-fabrikam", "s-fabrikam-essentials");

fn upgrade_path() -> String {
    format!("{}/upgrade", details(FAB.0, FAB.1))
}

#[actix_web::test]
async fn a_post_without_the_sessions_csrf_token_is_forbidden_and_writes_nothing() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let other = app.another_browser();
    other.sign_in(CONTOSO_SALES).await;
    let before = app.snapshot().await;
    let path = format!("{}/licenses", details(FAB.0, FAB.1));
    let key = uuid::Uuid::new_v4().to_string();

    let missing = app
        .post_exactly(
            &path,
            &[("licenses", "30"), ("version", "0"), ("key", &key)],
        )
        .await;
    let wrong = app
        .post_exactly(
            &path,
            &[
                ("licenses", "30"),
                ("version", "0"),
                ("key", &key),
                ("csrf", &"0".repeat(64)),
            ],
        )
        .await;
    // Another session's token is no good either.
    let foreign = app
        .post_exactly(
            &path,
            &[
                ("licenses", "30"),
                ("version", "0"),
                ("key", &key),
                ("csrf", &other.csrf()),
            ],
        )
        .await;

    for page in [&missing, &wrong, &foreign] {
        page.assert_status(403)
            .assert_contains("禁止访问")
            .assert_contains("<html lang=\"zh-CN\">");
    }
    for path in ["/sign-out", "/sign-in"] {
        app.post_exactly(path, &[("email", CONTOSO.0), ("password", CONTOSO.1)])
            .await
            .assert_status(403);
    }
    assert_eq!(app.snapshot().await, before);
    // The right token still works.
    app.post(&path, &[("licenses", "30"), ("version", "0")])
        .await
        .assert_status(303);
}

#[actix_web::test]
async fn cookies_are_http_only_same_site_and_secure_over_https() {
    let app = spawn_app().await;
    let page = app.get("/sign-in").await;
    let cookie = page
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "{cookie}");

    let https = spawn_app_with(&[("PORTAL_HTTPS", "true")]).await;
    let page = https.get("/sign-in").await;
    let cookie = page
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

#[actix_web::test]
async fn security_headers_are_on_every_response_error_pages_included() {
    let app = spawn_app().await;
    let mut pages = vec![
        app.get("/sign-in").await,
        app.get("/health").await,
        app.get("/static/css/portal.css").await,
        app.get("/no/such/page").await,
        app.get("/").await,
    ];
    app.sign_in(CONTOSO).await;
    pages.push(app.get(&details(FAB.0, FAB.1)).await);
    pages.push(app.post_exactly("/sign-out", &[]).await);
    let mut big = b"licenses=".to_vec();
    big.extend(std::iter::repeat_n(b'1', 100_000));
    pages.push(
        app.post_raw(&format!("{}/licenses", details(FAB.0, FAB.1)), big)
            .await,
    );
    for page in &pages {
        let h = |name: &str| {
            page.headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let csp = h("content-security-policy");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{:?}: {csp}",
            page.status
        );
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h("x-content-type-options"), "nosniff");
        assert_eq!(h("referrer-policy"), "same-origin");
    }
    assert_eq!(pages.last().unwrap().status.as_u16(), 413);
    // And no page has inline script or style for the policy to refuse.
    for page in &pages {
        assert!(
            !page.body.contains("<script")
                && !page.body.contains("style=")
                && !page.body.contains("<style")
        );
    }
}

/// For tests that move a session's clock by editing its row: sessions in the database, and no
/// instance cache to serve the row's old state for a few seconds more.
const SESSIONS_IN_THE_DATABASE_UNCACHED: &[(&str, &str)] = &[
    SESSIONS_IN_THE_DATABASE,
    ("PORTAL_SESSION_CACHE_SECONDS", "0"),
];

#[actix_web::test]
async fn sessions_end_after_idle_time_and_after_their_absolute_lifetime() {
    let app = spawn_app_with(SESSIONS_IN_THE_DATABASE_UNCACHED).await;
    app.sign_in(CONTOSO).await;
    // Idle: the server-side expiry passes.
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        "UPDATE sessions SET expires_at = '2000-01-01T00:00:00+00:00'",
    )
    .await
    .unwrap();
    app.get("/").await.assert_sent_to_sign_in();

    // Absolute: signed in long ago, however active since.
    app.sign_in(CONTOSO).await;
    let old = chrono::Utc::now().timestamp() - 13 * 3600;
    let sql = if crate::helpers::is_postgres(&app.db) {
        format!(
            "UPDATE sessions SET state = jsonb_set(state::jsonb, '{{signed_in_at}}', to_jsonb('{old}'::text))::text"
        )
    } else {
        format!("UPDATE sessions SET state = json_set(state, '$.signed_in_at', '{old}')")
    };
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, &sql)
        .await
        .unwrap();
    app.get("/").await.assert_sent_to_sign_in();
    assert_eq!(
        app.count("sessions WHERE state LIKE '%user_id%'").await,
        0,
        "the expired session is erased"
    );
}

#[actix_web::test]
async fn repeated_sign_ins_for_one_account_are_slowed_down() {
    let app = spawn_app().await;
    app.get("/sign-in").await;
    for _ in 0..5 {
        app.post(
            "/sign-in",
            &[("email", CONTOSO.0), ("password", "guess-guess")],
        )
        .await
        .assert_status(401);
    }
    let page = app
        .post(
            "/sign-in",
            &[("email", CONTOSO.0), ("password", "guess-guess")],
        )
        .await;
    page.assert_status(429)
        .assert_contains("登录失败次数过多。请在 2 秒后重试。");
    // From a browser that never signed in to it, even the right password waits: the guesser
    // can't tell.
    app.post("/sign-in", &[("email", CONTOSO.0), ("password", CONTOSO.1)])
        .await
        .assert_status(429);
    // Another account is not affected.
    let other = app.another_browser();
    other.sign_in(CONTOSO_SALES).await;
}

#[actix_web::test]
async fn repeated_sign_ins_from_one_address_are_slowed_down() {
    let app = spawn_app().await;
    app.get("/sign-in").await;
    for i in 0..100 {
        let email = format!("nobody{i}@contoso.example");
        app.post(
            "/sign-in",
            &[("email", &email), ("password", "guess-guess")],
        )
        .await
        .assert_status(401);
    }
    app.post(
        "/sign-in",
        &[("email", "nobody-else@contoso.example"), ("password", "x")],
    )
    .await
    .assert_status(429);
}

#[actix_web::test]
async fn the_same_submit_twice_changes_once_and_shows_the_first_result_again() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let form = app.get(&upgrade_path()).await;
    let version = form.hidden("version");
    let review = app
        .submit(
            &upgrade_path(),
            &[
                ("offer", "O365_E3"),
                ("licenses", "30"),
                ("version", version.as_str()),
            ],
        )
        .await;
    review.assert_status(200);

    let first = app.confirm(&review).await;
    let again = app.confirm(&review).await;

    first.assert_status(303);
    again.assert_redirect(first.location.as_deref().unwrap());
    assert_eq!(app.count("upgrades").await, 1);
    assert_eq!(app.count("idempotency").await, 1);
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn a_double_click_arriving_at_once_changes_once() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let path = format!("{}/licenses", details(FAB.0, FAB.1));
    let review = app
        .submit(&path, &[("licenses", "40"), ("version", "0")])
        .await;

    let pages = join_all((0..5).map(|_| app.confirm(&review))).await;

    for page in &pages {
        page.assert_redirect(&format!("{}?done=licenses", details(FAB.0, FAB.1)));
    }
    assert_eq!(app.count("activity WHERE action = 'licenses'").await, 1);
    assert_eq!(
        app.value("SELECT version FROM subscriptions WHERE id = 's-fabrikam-essentials'")
            .await
            .unwrap(),
        "1"
    );
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn fifty_simultaneous_upgrades_of_one_subscription_make_exactly_one() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let version = app.get(&upgrade_path()).await.hidden("version");

    let pages = join_all((0..50).map(|i| {
        let offer = ["O365_E3", "O365_E1", "O365_BUSINESS_PREMIUM"][i % 3];
        let path = upgrade_path();
        let version = version.clone();
        let app = &app;
        async move {
            app.post(
                &path,
                &[("offer", offer), ("licenses", "25"), ("version", &version)],
            )
            .await
        }
    }))
    .await;

    let made: Vec<_> = pages.iter().filter(|p| p.status.as_u16() == 303).collect();
    assert_eq!(made.len(), 1, "exactly one upgrade");
    for page in pages.iter().filter(|p| p.status.as_u16() != 303) {
        page.assert_status(409)
            .assert_contains("data-code=\"concurrency_conflicts\"");
    }
    assert_eq!(app.count("upgrades").await, 1);
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn a_license_change_racing_an_upgrade_gives_one_consistent_outcome() {
    for round in 0..3 {
        let app = spawn_app().await;
        app.sign_in(CONTOSO).await;
        let licenses = format!("{}/licenses", details(FAB.0, FAB.1));
        let upgrade = upgrade_path();
        let (a, b) = futures_util::future::join(
            app.post(&licenses, &[("licenses", "40"), ("version", "0")]),
            app.post(
                &upgrade,
                &[("offer", "O365_E3"), ("licenses", "25"), ("version", "0")],
            ),
        )
        .await;
        let statuses = [a.status.as_u16(), b.status.as_u16()];
        assert!(
            statuses.contains(&303) && statuses.contains(&409),
            "round {round}: {statuses:?}"
        );
        let upgraded = app.count("upgrades").await;
        let changed = app.count("activity WHERE action = 'licenses'").await;
        assert_eq!(upgraded + changed, 1, "round {round}: one outcome");
        assert_invariants(&app).await;
    }
}

/// On SQLite simultaneous changes are committed in batches, each change in a savepoint of its
/// own: a change refused in the middle of a batch undoes itself alone.
#[actix_web::test]
async fn simultaneous_changes_of_many_subscriptions_each_stand_or_fall_alone() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT customer_id, id, quantity FROM subscriptions \
             WHERE sold_by = 'contoso' AND status = 'active' AND quantity < 100 ORDER BY id",
        ))
        .await
        .unwrap();
    let subscriptions: Vec<(String, String, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get("", "customer_id").unwrap(),
                r.try_get("", "id").unwrap(),
                r.try_get("", "quantity").unwrap(),
            )
        })
        .collect();
    assert!(subscriptions.len() >= 10, "{subscriptions:?}");

    // A review of one more license for each; then every other subscription changes under its
    // review, which its Confirm must then find out.
    let mut reviews = Vec::new();
    for (customer, id, quantity) in &subscriptions {
        let version = app.get(&details(customer, id)).await.hidden("version");
        let review = app
            .submit(
                &format!("{}/licenses", details(customer, id)),
                &[
                    ("licenses", &(quantity + 1).to_string()),
                    ("version", &version),
                ],
            )
            .await;
        assert!(review.is_review(), "{id}: {}", review.text());
        reviews.push(review);
    }
    for (_, id, _) in subscriptions.iter().skip(1).step_by(2) {
        crate::helpers::add_licenses(&app, id, 5).await;
    }
    let records = app.count("activity WHERE action = 'licenses'").await;

    let pages = join_all(reviews.iter().map(|review| app.confirm(review))).await;

    for (i, ((_, id, quantity), page)) in subscriptions.iter().zip(&pages).enumerate() {
        let now: i64 = app
            .value(&format!(
                "SELECT quantity FROM subscriptions WHERE id = '{id}'"
            ))
            .await
            .unwrap()
            .parse()
            .unwrap();
        if i % 2 == 0 {
            page.assert_status(303);
            assert_eq!(now, quantity + 1, "{id}: its change made");
        } else {
            page.assert_status(409);
            assert_eq!(
                now,
                quantity + 5,
                "{id}: the change under its review kept, no other"
            );
        }
    }
    let made = subscriptions.len().div_ceil(2) as i64;
    assert_eq!(
        app.count("activity WHERE action = 'licenses'").await,
        records + made
    );
    assert_eq!(
        app.count("idempotency").await,
        app.count("activity WHERE action = 'licenses'").await
    );
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn every_change_and_sign_in_is_in_the_activity_log_of_its_reseller_only() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let d = details(FAB.0, FAB.1);
    app.post(
        &format!("{d}/licenses"),
        &[("licenses", "30"), ("version", "0")],
    )
    .await
    .assert_status(303);
    app.post(
        &format!("{d}/status"),
        &[("action", "suspend"), ("version", "1")],
    )
    .await
    .assert_status(303);
    app.post(
        &format!("{d}/status"),
        &[("action", "reactivate"), ("version", "2")],
    )
    .await
    .assert_status(303);
    app.post(
        &format!("{d}/upgrade"),
        &[("offer", "O365_E1"), ("licenses", "5"), ("version", "3")],
    )
    .await
    .assert_status(303);
    app.post(
        &format!("{}/licenses", details("c-litware", "s-litware-premium")),
        &[("licenses", "61"), ("version", "0")],
    )
    .await
    .assert_status(303);

    let log = app.get("/activity").await;
    log.assert_status(200);
    let text = log.text();
    let text = &text[text.find("更改后").unwrap()..];
    let order: Vec<usize> = [
        "更改许可证数量",
        "通过升级创建",
        "升级到新订阅",
        "重新激活",
        "暂停",
        "登录",
    ]
    .iter()
    .map(|w| text.find(w).unwrap_or_else(|| panic!("{w} in {text}")))
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "newest first: {order:?}"
    );
    assert!(
        text.contains("已分配 20 / 共 25 · 处于活动状态 已分配 20 / 共 30 · 处于活动状态"),
        "{text}"
    );

    let fabrikam = app.get("/activity?customer=c-fabrikam").await;
    fabrikam
        .assert_contains("Fabrikam 科技")
        .assert_lacks("Business Premium – consultants");
    assert!(
        fabrikam.text().contains("共 5 条记录"),
        "{}",
        fabrikam.text()
    );

    // Another reseller sees none of it, and can't filter by Contoso's customer.
    let other = app.another_browser();
    other.sign_in(crate::helpers::NORTHWIND).await;
    let theirs = other.get("/activity").await;
    theirs
        .assert_lacks("contoso.example")
        .assert_contains("admin@northwind.example");
    other
        .get("/activity?customer=c-fabrikam")
        .await
        .assert_status(404);
    other
        .get("/activity?customer=%3Cx%3E")
        .await
        .assert_status(404);
}

#[actix_web::test]
async fn the_activity_log_is_paged() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let path = format!("{}/licenses", details(FAB.0, FAB.1));
    for version in 0..21 {
        let licenses = (30 + version % 2).to_string();
        let version = version.to_string();
        app.post(&path, &[("licenses", &licenses), ("version", &version)])
            .await
            .assert_status(303);
    }
    let first = app.get("/activity").await;
    first
        .assert_contains("第 1 页，共 2 页")
        .assert_contains("rel=\"next\"");
    // Pages follow the log from the last record shown (keyset), not by counting from the top.
    let second = app.get(&first.link("next")).await;
    second
        .assert_contains("第 2 页，共 2 页")
        .assert_lacks("rel=\"next\"");
    assert!(
        second.text().contains("登录"),
        "the oldest entry, the sign-in, is on the last page"
    );
    // A change made meanwhile does not push a record onto the second page twice.
    app.post(&path, &[("licenses", "40"), ("version", "21")])
        .await
        .assert_status(303);
    let rows = |page: &crate::helpers::Page| page.body.split("<tbody>").nth(1).unwrap().to_owned();
    assert_eq!(rows(&app.get(&first.link("next")).await), rows(&second));
    // And back: the first page as it is now.
    let back = app.get(&second.link("prev")).await;
    back.assert_contains("第 1 页")
        .assert_contains("rel=\"next\"");
    assert_eq!(
        back.text().matches("许可证").count(),
        app.get("/activity").await.text().matches("许可证").count()
    );
}

#[actix_web::test]
async fn a_removed_user_loses_access_within_a_minute() {
    let app = spawn_app_with(SESSIONS_IN_THE_DATABASE_UNCACHED).await;
    app.sign_in(CONTOSO_SALES).await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        "DELETE FROM users WHERE email = 'sales@contoso.example'",
    )
    .await
    .unwrap();
    // The session keeps the account for up to a minute; once that minute has passed, the account
    // is read again and is gone.
    let sql = if crate::helpers::is_postgres(&app.db) {
        "UPDATE sessions SET state = jsonb_set(state::jsonb, '{last_seen}', to_jsonb('0'::text))::text"
    } else {
        "UPDATE sessions SET state = json_set(state, '$.last_seen', '0')"
    };
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, sql)
        .await
        .unwrap();
    app.get("/").await.assert_sent_to_sign_in();
}

#[actix_web::test]
async fn return_paths_go_nowhere_but_this_site_and_never_fail() {
    let app = spawn_app().await;
    // Browsers drop a tab: `/\t/evil.example` would become `//evil.example`, another site.
    for back in [
        "/%09/evil.example",
        "/%0b/x",
        "/%0c/x",
        "/%7f/x",
        "/%00/x",
        "/%0d%0aSet-Cookie:x",
        "/%5cevil.example",
        "//evil.example",
    ] {
        let page = app.get(&format!("/language/en-US?back={back}")).await;
        page.assert_redirect("/");
        let page = app.get(&format!("/sign-in?next={back}")).await;
        page.assert_status(200);
        assert_eq!(page.hidden("next"), "/", "{back}");
    }
    app.get("/language/en-US?back=/customers/c-fabrikam/subscriptions")
        .await
        .assert_redirect("/customers/c-fabrikam/subscriptions");
}

#[actix_web::test]
async fn over_https_browsers_keep_to_it_and_every_cookie_is_secure() {
    let https = spawn_app_with(&[("PORTAL_HTTPS", "true")]).await;
    let page = https.get("/language/en-US?back=/").await;
    let cookie = page
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("lang=") && cookie.contains("Secure"),
        "{cookie}"
    );
    let hsts = page
        .headers
        .get("strict-transport-security")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(hsts.as_deref(), Some("max-age=31536000"));
    // Not over plain HTTP, where it would mean nothing.
    let plain = spawn_app().await;
    assert!(
        plain
            .get("/sign-in")
            .await
            .headers
            .get("strict-transport-security")
            .is_none()
    );
}

#[actix_web::test]
async fn pages_with_customer_data_are_never_cached() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    for path in ["/", &details(FAB.0, FAB.1), "/activity", "/charges"] {
        let page = app.get(path).await;
        page.assert_status(200);
        assert_eq!(
            page.headers.get("cache-control").unwrap(),
            "no-store",
            "{path}"
        );
    }
}

/// A book of one reseller with `n` users, `user{i}@office.example` / `office-password`.
async fn office_of(n: usize) -> crate::helpers::TestApp {
    let app = spawn_app().await;
    let users: Vec<String> = (0..n)
        .map(|i| {
            format!(r#"{{ "email": "user{i}@office.example", "password": "office-password" }}"#)
        })
        .collect();
    let book = crate::helpers::file(
        &app,
        "office.json",
        &format!(
            r#"{{ "resellers": [{{ "id": "office", "name": "Office", "users": [{}] }}] }}"#,
            users.join(",")
        ),
    );
    assert!(crate::helpers::portal_command(&app, &["import", &book]).success);
    app
}

#[actix_web::test]
async fn an_office_of_thirty_behind_one_address_signs_in_at_nine() {
    let app = office_of(30).await;
    // Some typos first, as happen at nine in the morning…
    for i in 0..30 {
        let browser = app.another_browser();
        browser.get("/sign-in").await;
        browser
            .post(
                "/sign-in",
                &[
                    ("email", &format!("user{i}@office.example")),
                    ("password", "typo-typo"),
                ],
            )
            .await
            .assert_status(401);
    }
    // …then everyone, from the same address, with the right password: nobody is turned away,
    // and signing in again later in the day is no problem either.
    for round in 0..2 {
        for i in 0..30 {
            let browser = app.another_browser();
            browser.get("/sign-in").await;
            let page = browser
                .post(
                    "/sign-in",
                    &[
                        ("email", &format!("user{i}@office.example")),
                        ("password", "office-password"),
                    ],
                )
                .await;
            assert_eq!(
                page.status.as_u16(),
                303,
                "round {round}, user {i}: {}",
                page.body
            );
        }
    }
}

#[actix_web::test]
async fn a_victim_with_a_device_cookie_gets_in_whatever_an_attacker_guessed() {
    let app = spawn_app().await;
    // The victim signed in from this browser before: it holds the account's device cookie.
    app.sign_in(CONTOSO).await;
    app.sign_out().await;
    let attacker = app.another_browser();
    attacker.get("/sign-in").await;
    let refused = attacker.guess_passwords(CONTOSO.0, 60).await;
    assert!(refused > 50, "the guesser is held back ({refused} of 60)");
    // The victim's own browser is not.
    app.get("/sign-in").await;
    app.post(
        "/sign-in",
        &[("email", CONTOSO.0), ("password", CONTOSO.1), ("next", "/")],
    )
    .await
    .assert_redirect("/");
    // The log says what happened to the account.
    assert!(
        app.count("activity WHERE action = 'sign_in_throttled'")
            .await
            > 0
    );
    app.get("/activity").await.assert_contains("登录被暂缓");
}

#[actix_web::test]
async fn an_unknown_browser_is_delayed_not_locked_out() {
    let app = spawn_app().await;
    app.get("/sign-in").await;
    for _ in 0..5 {
        app.post(
            "/sign-in",
            &[("email", CONTOSO.0), ("password", "guess-guess")],
        )
        .await
        .assert_status(401);
    }
    app.post("/sign-in", &[("email", CONTOSO.0), ("password", CONTOSO.1)])
        .await
        .assert_status(429);
    // After the short wait it asked for, the right password gets in.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    app.post(
        "/sign-in",
        &[("email", CONTOSO.0), ("password", CONTOSO.1), ("next", "/")],
    )
    .await
    .assert_redirect("/");
    // An unknown account and a wrong password get the very same answers.
    let stranger = app.another_browser();
    stranger.get("/sign-in").await;
    let unknown = stranger
        .post(
            "/sign-in",
            &[
                ("email", "nobody@contoso.example"),
                ("password", "guess-guess"),
            ],
        )
        .await;
    let wrong = stranger
        .post(
            "/sign-in",
            &[("email", CONTOSO_SALES.0), ("password", "guess-guess")],
        )
        .await;
    assert_eq!(unknown.status, wrong.status);
}
