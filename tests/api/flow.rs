//! The whole flow a reseller walks: sign in, customers, subscriptions, details, upgrade, result;
//! license and status changes; signing out.

use crate::helpers::{CONTOSO, SESSIONS_IN_THE_DATABASE, details, spawn_app, spawn_app_with};

const FABRIKAM: &str = "c-fabrikam";
const ESSENTIALS: &str = "s-fabrikam-essentials";

#[actix_web::test]
async fn a_reseller_upgrades_business_essentials_to_e3_and_finds_the_new_subscription() {
    // Arrange
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;

    // The customer list, searched.
    let list = app.get("/?q=fabrikam").await;
    list.assert_status(200)
        .assert_contains("Fabrikam 科技")
        .assert_lacks("Adatum");
    // Each row says how many subscriptions the customer has, and opens onto them (its
    // Subscriptions page, which the row reads as it opens).
    let sold = app
        .count(&format!(
            "subscriptions WHERE customer_id = '{FABRIKAM}' AND sold_by = 'contoso'"
        ))
        .await;
    list.assert_contains(&format!("{sold} 个订阅"))
        .assert_contains(&format!(
            "data-subscriptions=\"/customers/{FABRIKAM}/subscriptions\""
        ));

    // The Subscriptions page.
    let subs = app
        .get(&format!("/customers/{FABRIKAM}/subscriptions"))
        .await;
    subs.assert_status(200)
        .assert_contains("Essentials for sales")
        .assert_contains("Office 365 商业协作版")
        .assert_contains(&format!("href=\"{}\"", details(FABRIKAM, ESSENTIALS)));

    // The Details page: the notice just under the subscription ID.
    let page = app.get(&details(FABRIKAM, ESSENTIALS)).await;
    page.assert_status(200).assert_contains("立即升级");
    let id = page.body.find(ESSENTIALS).unwrap();
    let notice = page.body.find("id=\"upgrade-notice\"").unwrap();
    let facts = page.body.find("id=\"details-heading\"").unwrap();
    assert!(
        id < notice && notice < facts,
        "the notice sits between the subscription ID and the details"
    );

    // The form: every target, eligible ones enabled, the count defaulting to the quantity.
    let form = app
        .get(&format!("{}/upgrade", details(FABRIKAM, ESSENTIALS)))
        .await;
    form.assert_status(200);
    for offer in ["O365_BUSINESS_PREMIUM", "O365_E1", "O365_E3"] {
        form.assert_contains(&format!("id=\"offer-{offer}\" value=\"{offer}\">"));
    }
    form.assert_contains(
        "name=\"licenses\" inputmode=\"numeric\" autocomplete=\"off\" value=\"25\"",
    );
    let version = form.hidden("version");

    // Act
    let submitted = app
        .post(
            &format!("{}/upgrade", details(FABRIKAM, ESSENTIALS)),
            &[
                ("offer", "O365_E3"),
                ("licenses", "30"),
                ("version", &version),
            ],
        )
        .await;

    // Assert: the result page.
    submitted.assert_status(303);
    let result = app.follow(&submitted).await;
    result.assert_status(200);
    let text = result.text();
    assert!(
        text.contains("Office 365 商业协作版 → Office 365 企业版 E3"),
        "{text}"
    );
    assert!(text.contains("打开新订阅（30 个许可证）"), "{text}");
    assert!(text.contains("转移的已分配许可证 20 个"), "{text}");
    assert!(text.contains("已取消（原因：已升级）"), "{text}");
    result.assert_contains(
        "可能需要使用由世纪互联运营的 Office 365 管理中心完成一些与升级相关的任务。",
    );

    // The database: source cancelled as upgraded, target holds the licenses, history written.
    let target = app
        .value("SELECT id FROM subscriptions WHERE upgraded_from = 's-fabrikam-essentials'")
        .await
        .unwrap();
    assert_eq!(
        app.value(&format!("SELECT offer_id || ' ' || quantity || ' ' || assigned_licenses || ' ' || status || ' ' || sold_by FROM subscriptions WHERE id = '{target}'")).await.unwrap(),
        "O365_E3 30 20 active contoso"
    );
    assert_eq!(
        app.value("SELECT status || ' ' || cancellation_reason || ' ' || assigned_licenses || ' ' || upgraded_to FROM subscriptions WHERE id = 's-fabrikam-essentials'").await.unwrap(),
        format!("cancelled upgraded 0 {target}")
    );
    assert_eq!(app.count("upgrades").await, 1);
    assert_eq!(app.count("activity WHERE upgrade_id IS NOT NULL").await, 2);
    result.assert_contains(&format!("href=\"{}\"", details(FABRIKAM, &target)));

    // The new subscription is on the Subscriptions page, and its details link back.
    let subs = app
        .get(&format!("/customers/{FABRIKAM}/subscriptions"))
        .await;
    subs.assert_contains(&format!("href=\"{}\"", details(FABRIKAM, &target)))
        .assert_contains("Office 365 企业版 E3");
    let new = app.get(&details(FABRIKAM, &target)).await;
    new.assert_status(200)
        .assert_contains("通过升级创建")
        .assert_lacks("id=\"upgrade-notice\"");
    // The cancelled source is no longer eligible.
    let old = app.get(&details(FABRIKAM, ESSENTIALS)).await;
    old.assert_lacks("id=\"upgrade-notice\"")
        .assert_contains("data-code=\"subscription_status_not_active\"");
}

#[actix_web::test]
async fn a_partial_upgrade_leaves_the_rest_of_the_licenses_on_the_source() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let form = app
        .get(&format!("{}/upgrade", details(FABRIKAM, ESSENTIALS)))
        .await;
    let version = form.hidden("version");

    let page = app
        .post(
            &format!("{}/upgrade", details(FABRIKAM, ESSENTIALS)),
            &[
                ("offer", "O365_E1"),
                ("licenses", "10"),
                ("version", &version),
            ],
        )
        .await;
    let result = app.follow(&page).await;

    result.assert_contains("保留 15 个许可证（已分配 10 个），仍处于活动状态");
    assert_eq!(
        app.value("SELECT quantity || ' ' || assigned_licenses || ' ' || status FROM subscriptions WHERE id = 's-fabrikam-essentials'").await.unwrap(),
        "15 10 active"
    );
    assert_eq!(
        app.value("SELECT quantity || ' ' || assigned_licenses FROM subscriptions WHERE upgraded_from = 's-fabrikam-essentials'").await.unwrap(),
        "10 10"
    );
}

#[actix_web::test]
async fn licenses_change_and_the_history_records_it() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let page = app.get(&details(FABRIKAM, ESSENTIALS)).await;
    let version = page.hidden("version");

    let done = app
        .post(
            &format!("{}/licenses", details(FABRIKAM, ESSENTIALS)),
            &[("licenses", "40"), ("version", &version)],
        )
        .await;
    done.assert_redirect(&format!("{}?done=licenses", details(FABRIKAM, ESSENTIALS)));
    let page = app.follow(&done).await;

    page.assert_contains("已将许可证数量从 25 个改为 40 个。");
    let text = page.text();
    assert!(text.contains("admin@contoso.example 更改许可证数量 已分配 20 / 共 25 · 处于活动状态 已分配 20 / 共 40 · 处于活动状态"), "{text}");
    assert_eq!(
        app.value("SELECT quantity FROM subscriptions WHERE id = 's-fabrikam-essentials'")
            .await
            .unwrap(),
        "40"
    );
    assert_eq!(
        app.value("SELECT version FROM subscriptions WHERE id = 's-fabrikam-essentials'")
            .await
            .unwrap(),
        "1"
    );
    assert_eq!(
        app.value("SELECT user_email || ' ' || action || ' ' || before_quantity || ' ' || after_quantity FROM activity WHERE action = 'licenses'").await.unwrap(),
        "admin@contoso.example licenses 25 40"
    );
}

#[actix_web::test]
async fn a_subscription_is_suspended_and_reactivated() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let path = details(FABRIKAM, ESSENTIALS);

    let page = app.get(&path).await;
    let done = app
        .post(
            &format!("{path}/status"),
            &[("action", "suspend"), ("version", &page.hidden("version"))],
        )
        .await;
    done.assert_status(303);
    let page = app.follow(&done).await;
    page.assert_contains("已暂停订阅。")
        .assert_contains("badge-suspended")
        .assert_lacks("id=\"upgrade-notice\"");
    assert_eq!(
        app.value("SELECT status FROM subscriptions WHERE id = 's-fabrikam-essentials'")
            .await
            .unwrap(),
        "suspended"
    );

    let done = app
        .post(
            &format!("{path}/status"),
            &[
                ("action", "reactivate"),
                ("version", &page.hidden("version")),
            ],
        )
        .await;
    let page = app.follow(&done).await;
    page.assert_contains("已重新激活订阅。")
        .assert_contains("id=\"upgrade-notice\"");
    assert_eq!(
        app.count("activity WHERE subscription_id = 's-fabrikam-essentials'")
            .await,
        2
    );
}

#[actix_web::test]
async fn every_page_but_sign_in_needs_a_signed_in_user() {
    let app = spawn_app().await;
    for path in [
        "/".to_owned(),
        format!("/customers/{FABRIKAM}/subscriptions"),
        details(FABRIKAM, ESSENTIALS),
        format!("{}/upgrade", details(FABRIKAM, ESSENTIALS)),
        format!("/customers/{FABRIKAM}/delegated-admin"),
        format!("/customers/{FABRIKAM}/upgrades/1"),
    ] {
        app.get(&path).await.assert_sent_to_sign_in();
    }
    let before = app.snapshot().await;
    let page = app
        .post(
            &format!("{}/licenses", details(FABRIKAM, ESSENTIALS)),
            &[("licenses", "40"), ("version", "0")],
        )
        .await;
    assert_eq!(page.status.as_u16(), 303);
    assert_eq!(app.snapshot().await, before);
    app.get("/sign-in")
        .await
        .assert_status(200)
        .assert_contains("登录");
}

#[actix_web::test]
async fn sign_in_returns_to_the_page_asked_for() {
    let app = spawn_app().await;
    let path = format!("/customers/{FABRIKAM}/subscriptions");
    let page = app.get(&path).await;
    let location = page.location.clone().unwrap();
    assert_eq!(
        location,
        "/sign-in?next=%2Fcustomers%2Fc%2Dfabrikam%2Fsubscriptions"
    );
    app.get(&location)
        .await
        .assert_contains(&format!("name=\"next\" value=\"{path}\""));
    let signed_in = app
        .post(
            "/sign-in",
            &[
                ("email", CONTOSO.0),
                ("password", CONTOSO.1),
                ("next", &path),
            ],
        )
        .await;
    signed_in.assert_redirect(&path);
    // Somewhere else entirely is not followed.
    app.get("/sign-in").await;
    app.post(
        "/sign-in",
        &[
            ("email", CONTOSO.0),
            ("password", CONTOSO.1),
            ("next", "//evil.example/"),
        ],
    )
    .await
    .assert_redirect("/");
}

#[actix_web::test]
async fn a_failed_sign_in_says_nothing_about_whether_the_email_exists() {
    let app = spawn_app_with(&[SESSIONS_IN_THE_DATABASE]).await;
    app.get("/sign-in").await;
    let wrong_password = app
        .post(
            "/sign-in",
            &[("email", CONTOSO.0), ("password", "nope-nope")],
        )
        .await;
    let unknown_email = app
        .post(
            "/sign-in",
            &[
                ("email", "nobody@contoso.example"),
                ("password", "nope-nope"),
            ],
        )
        .await;
    for page in [&wrong_password, &unknown_email] {
        page.assert_status(401)
            .assert_contains("电子邮件或密码不正确。");
    }
    assert_eq!(
        wrong_password.body.replace(CONTOSO.0, "EMAIL"),
        unknown_email
            .body
            .replace("nobody@contoso.example", "EMAIL")
    );
    assert_eq!(
        app.count("sessions WHERE state LIKE '%user_id%'").await,
        0,
        "nobody is signed in"
    );
}

#[actix_web::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = spawn_app_with(&[SESSIONS_IN_THE_DATABASE]).await;
    app.sign_in(CONTOSO).await;
    let stolen = app.cookies();
    assert_eq!(app.count("sessions").await, 1);

    app.sign_out().await;

    assert_eq!(app.count("sessions").await, 0);
    // Even the old cookie, replayed, no longer signs anyone in.
    app.set_cookies(stolen);
    let page = app.get("/").await;
    assert_eq!(page.status.as_u16(), 303);
}

#[actix_web::test]
async fn a_signed_out_cookie_replayed_signs_nobody_in() {
    // Whichever store keeps sessions (the database, or Redis in the scale-out run).
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let stolen = app.cookies();
    app.get("/").await.assert_status(200);
    app.sign_out().await;
    app.set_cookies(stolen);
    let page = app.get("/").await;
    assert_eq!(page.status.as_u16(), 303, "{page:?}");
}

#[actix_web::test]
async fn a_new_session_id_at_sign_in() {
    let app = spawn_app_with(&[SESSIONS_IN_THE_DATABASE]).await;
    app.sign_in(CONTOSO).await;
    let first = app.cookies().get("portal_session").cloned().unwrap();
    app.sign_in(CONTOSO).await;
    let second = app.cookies().get("portal_session").cloned().unwrap();
    assert_ne!(first, second);
    assert_eq!(app.count("sessions").await, 1, "the old session is gone");
}

#[actix_web::test]
async fn the_portal_speaks_english_when_asked() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.prefer("en-US,en;q=0.9");
    let page = app.get(&details(FABRIKAM, ESSENTIALS)).await;
    page.assert_contains("<html lang=\"en-US\">")
        .assert_contains("Upgrade now")
        .assert_contains("Office 365 Business Essentials");

    // The switch wins over the browser, and is remembered.
    let switched = app
        .get(&format!(
            "/language/zh-CN?back={}",
            details(FABRIKAM, ESSENTIALS)
        ))
        .await;
    switched.assert_redirect(&details(FABRIKAM, ESSENTIALS));
    let page = app.follow(&switched).await;
    page.assert_contains("<html lang=\"zh-CN\">")
        .assert_contains("立即升级");
}

#[actix_web::test]
async fn the_delegated_admin_request_page_gives_a_link_and_an_email() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let page = app.get("/customers/c-woodgrove/delegated-admin").await;
    page.assert_status(200)
        .assert_contains("请求委派的管理权限")
        .assert_contains("partnerId=contoso")
        .assert_contains("Woodgrove 银行 的管理员，你好")
        .assert_contains("Contoso 云服务 希望成为你的云解决方案提供商经销商");
}

#[actix_web::test]
async fn health_and_static_files() {
    let app = spawn_app().await;
    app.get("/health").await.assert_status(200);
    let css = app.get("/static/css/portal.css").await;
    css.assert_status(200);
    app.get("/static/css/nope.css").await.assert_status(404);
}

#[actix_web::test]
async fn the_history_shows_the_latest_fifty_changes_newest_first() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let path = details(FABRIKAM, ESSENTIALS);
    for licenses in 26..=76 {
        let version = app.get(&path).await.hidden("version");
        app.post(
            &format!("{path}/licenses"),
            &[("licenses", &licenses.to_string()), ("version", &version)],
        )
        .await
        .assert_status(303);
    }
    let text = app.get(&path).await.text();
    assert_eq!(text.matches("更改许可证数量").count(), 50, "{text}");
    let newest = text
        .find("共 75 · 处于活动状态 已分配 20 / 共 76")
        .expect("the newest change");
    let older = text
        .find("共 74 · 处于活动状态 已分配 20 / 共 75")
        .expect("the one before");
    assert!(newest < older, "newest first");
    assert!(
        !text.contains("共 25 · 处于活动状态 已分配 20 / 共 26"),
        "the 51st change back is left out"
    );
}

#[actix_web::test]
async fn a_customer_with_hundreds_of_subscriptions_pages_through_them() {
    // The seeded book's first customer has 200 subscriptions: its page shows 50 at a time,
    // newest first, and the pages together hold each subscription the reseller sold it once.
    use sea_orm::{ConnectionTrait, Statement};
    let app = crate::helpers::spawn_app().await;
    let out = crate::helpers::portal_command(&app, &["seed", "--customers", "3"]);
    assert!(out.success, "{}", out.stderr);
    app.sign_in(("admin@bigbook.example", "bigbook-demo")).await;
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT id FROM subscriptions WHERE customer_id = 'b-0000000' AND sold_by = 'bigbook' \
             ORDER BY created_on DESC, id",
        ))
        .await
        .unwrap();
    let expected: Vec<String> = rows.iter().map(|r| r.try_get("", "id").unwrap()).collect();
    assert!(expected.len() > 150, "{}", expected.len());
    let mut found: Vec<String> = Vec::new();
    let mut path = "/customers/b-0000000/subscriptions".to_owned();
    let mut pages = 0;
    loop {
        let page = app.get(&path).await;
        page.assert_status(200);
        pages += 1;
        let ids = page.each_after("href=\"/customers/b-0000000/subscriptions/", '"');
        assert!(ids.len() <= 50, "{}", ids.len());
        found.extend(ids);
        if !page.body.contains("rel=\"next\"") {
            break;
        }
        path = page.link("next");
    }
    assert_eq!(pages, expected.len().div_ceil(50));
    assert_eq!(found, expected);
    // A link from another customer's subscription is no such page.
    app.get("/customers/b-0000000/subscriptions?after=not%20an%20id")
        .await
        .assert_status(404);
}
