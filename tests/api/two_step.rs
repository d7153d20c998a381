//! Issue 32's two-step sign-in: enrollment on the Security page (a QR code drawn as SVG, the
//! secret as text, a first code, ten recovery codes once), sign-in asking for a code, a code
//! used once, recovery codes, wrong codes in the throttle, enrollment required for chosen roles,
//! and a global admin's reset.

use portal::domain::totp::{STEP_SECONDS, TotpSecret};

use sea_orm::ConnectionTrait;

use crate::helpers::{CONTOSO, CONTOSO_SALES, Page, TestApp, second_instance_with, spawn_app_with};

const AT: &str = "2026-12-01T09:00:00+08:00";

fn en(browser: TestApp) -> TestApp {
    browser.prefer("en-US");
    browser
}

/// The code of the step `ahead` steps from the portal's now.
fn code(app: &TestApp, secret: &TotpSecret, ahead: i64) -> String {
    let step = app.clock.now().timestamp().div_euclid(STEP_SECONDS) + ahead;
    format!("{:06}", secret.code(step))
}

/// Enrolls the signed-in browser's user; returns the secret and the recovery codes.
async fn enroll(app: &TestApp, browser: &TestApp) -> (TotpSecret, Vec<String>) {
    browser.get("/security").await.assert_status(200);
    browser
        .submit("/security/two-step", &[])
        .await
        .assert_redirect("/security");
    let page = browser.get("/security").await;
    page.assert_status(200)
        .assert_contains("<svg xmlns=\"http://www.w3.org/2000/svg\"")
        .assert_lacks("<?xml");
    let text = page
        .body
        .split("data-secret>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the secret as text")
        .to_owned();
    let secret = TotpSecret::from_base32(&text).expect("base32");
    let done = browser
        .submit(
            "/security/two-step/confirm",
            &[("code", &code(app, &secret, 0))],
        )
        .await;
    done.assert_status(200)
        .assert_contains("Two-step sign-in is on");
    let codes: Vec<String> = done
        .body
        .split("<ul class=\"recovery-codes mono\">")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap()
        .split("<li>")
        .skip(1)
        .map(|li| li.split("</li>").next().unwrap().to_owned())
        .collect();
    (secret, codes)
}

/// The password step; answers the code's form.
async fn password_step(browser: &TestApp, (email, password): (&str, &str)) -> Page {
    browser.get("/sign-in").await;
    browser
        .submit(
            "/sign-in",
            &[("email", email), ("password", password), ("next", "/")],
        )
        .await
}

async fn code_step(browser: &TestApp, form: &Page, code: &str) -> Page {
    let pending = form.hidden("pending");
    browser
        .submit(
            "/sign-in",
            &[("pending", &pending), ("code", code), ("next", "/")],
        )
        .await
}

#[actix_web::test]
async fn enrollment_then_sign_in_with_a_code_used_once_and_recovery_codes() {
    let app = spawn_app_with(&[("PORTAL_CLOCK", AT)]).await;
    let sales = en(app.another_browser());
    sales.sign_in(CONTOSO_SALES).await;
    sales
        .get("/security")
        .await
        .assert_contains("data-two-step=\"off\"");
    // A wrong first code enrolls nothing.
    sales.submit("/security/two-step", &[]).await;
    sales
        .submit("/security/two-step/confirm", &[("code", "000000")])
        .await
        .assert_status(422);
    assert_eq!(
        app.count("users WHERE email = 'sales@contoso.example' AND totp_secret IS NOT NULL")
            .await,
        0
    );
    let (secret, codes) = enroll(&app, &sales).await;
    assert_eq!(codes.len(), 10);
    assert_eq!(app.count("recovery_codes").await, 10);
    // Kept hashed: no code is in the database as shown.
    for c in &codes {
        assert_eq!(
            app.count(&format!("recovery_codes WHERE hash LIKE '%{}%'", &c[..5]))
                .await,
            0
        );
    }
    sales.get("/security").await.assert_lacks(&codes[0]);

    // Sign-in asks for a code after the password.
    let browser = en(app.another_browser());
    let form = password_step(&browser, CONTOSO_SALES).await;
    form.assert_status(200).assert_contains("name=\"code\"");
    browser.get("/").await.assert_sent_to_sign_in();
    // The enrollment's code was used: refused again.
    code_step(&browser, &form, &code(&app, &secret, 0))
        .await
        .assert_status(401)
        .assert_contains("was used already");
    let next = code(&app, &secret, 1);
    code_step(&browser, &form, &next).await.assert_redirect("/");
    browser.get("/").await.assert_status(200);
    // The same code in another browser: once.
    let other = en(app.another_browser());
    let form = password_step(&other, CONTOSO_SALES).await;
    code_step(&other, &form, &next).await.assert_status(401);
    // Two steps ahead is outside the window.
    code_step(&other, &form, &code(&app, &secret, 2))
        .await
        .assert_status(401);
    // A recovery code, once, typed any way.
    let typed = codes[3].to_uppercase().replace('-', "");
    code_step(&other, &form, &typed).await.assert_redirect("/");
    let third = en(app.another_browser());
    let form = password_step(&third, CONTOSO_SALES).await;
    code_step(&third, &form, &codes[3]).await.assert_status(401);
    assert_eq!(
        app.count("recovery_codes WHERE used_at IS NOT NULL").await,
        1
    );
    // A form tampered with, or one from before: from the start again.
    third
        .submit(
            "/sign-in",
            &[("pending", "00ff"), ("code", &next), ("next", "/")],
        )
        .await
        .assert_status(401)
        .assert_contains("took too long");
}

#[actix_web::test]
async fn wrong_codes_count_in_the_sign_in_throttle() {
    let app = spawn_app_with(&[("PORTAL_CLOCK", AT)]).await;
    let sales = en(app.another_browser());
    sales.sign_in(CONTOSO_SALES).await;
    let (secret, _) = enroll(&app, &sales).await;
    let browser = en(app.another_browser());
    let form = password_step(&browser, CONTOSO_SALES).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(code_step(&browser, &form, "123456").await.status.as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // Held back, even the right code waits.
    code_step(&browser, &form, &code(&app, &secret, 1))
        .await
        .assert_status(429);
    assert!(
        app.count(
            "activity WHERE action = 'sign_in_throttled' AND user_email = 'sales@contoso.example'"
        )
        .await
            >= 1
    );
}

#[actix_web::test]
async fn a_reseller_requires_enrollment_and_a_global_admin_resets_it() {
    let app = spawn_app_with(&[("PORTAL_CLOCK", AT)]).await;
    app.prefer("en-US");
    app.sign_in(CONTOSO).await;
    app.get("/users").await;
    // The demo's sales@ is an admin agent (a user of before roles).
    app.submit("/settings/two-step", &[("role", "admin-agent")])
        .await
        .assert_redirect("/users?done=two-step-roles");
    // The sales agent is led to enroll before anything else.
    let sales = en(app.another_browser());
    password_step(&sales, CONTOSO_SALES)
        .await
        .assert_redirect("/");
    sales.get("/").await.assert_redirect("/security");
    sales
        .get("/customers/c-fabrikam/subscriptions")
        .await
        .assert_redirect("/security");
    sales
        .get("/security")
        .await
        .assert_status(200)
        .assert_contains("requires two-step sign-in for your role");
    let (_, _) = enroll(&app, &sales).await;
    sales.get("/").await.assert_status(200);
    // The admin, whose role is not required, is not led anywhere.
    app.get("/").await.assert_status(200);

    // A lost phone: the global admin resets it, and it is in the log.
    let id = app
        .value("SELECT id FROM users WHERE email = 'sales@contoso.example'")
        .await
        .unwrap();
    app.get("/users")
        .await
        .assert_contains(&format!("/users/{id}/two-step-reset"));
    app.submit(&format!("/users/{id}/two-step-reset"), &[])
        .await
        .assert_redirect("/users?done=two-step");
    assert_eq!(
        app.count(&format!(
            "users WHERE id = {id} AND totp_secret IS NULL AND totp_last_step IS NULL"
        ))
        .await,
        1
    );
    assert_eq!(app.count("recovery_codes").await, 0);
    assert_eq!(
        app.count(
            "activity WHERE action = 'two_step_reset' AND detail = 'sales@contoso.example' \
             AND user_role = 'global-admin'"
        )
        .await,
        1
    );
    // Signed in with the password alone, and led to enroll again.
    let again = en(app.another_browser());
    password_step(&again, CONTOSO_SALES)
        .await
        .assert_redirect("/");
    again.get("/").await.assert_redirect("/security");
}

#[actix_web::test]
async fn secrets_are_sealed_at_rest_and_those_kept_in_clear_before_are_sealed_at_start() {
    let app = spawn_app_with(&[("PORTAL_CLOCK", AT)]).await;
    let sales = en(app.another_browser());
    sales.sign_in(CONTOSO_SALES).await;
    let (secret, _) = enroll(&app, &sales).await;
    // The database holds the secret sealed: not as base32, not as its bytes in hexadecimal.
    let kept = app
        .value("SELECT totp_secret FROM users WHERE email = 'sales@contoso.example'")
        .await
        .expect("enrolled");
    assert!(!kept.to_uppercase().contains(&secret.to_base32()), "{kept}");
    assert!(kept.bytes().all(|b| b.is_ascii_hexdigit()), "{kept}");
    assert!(TotpSecret::from_base32(&kept).is_none_or(|s| s != secret));
    // Sealed for its user: moved to another user's row, it opens to nothing.
    app.db
        .execute_unprepared(&format!(
            "UPDATE users SET totp_secret = '{kept}' WHERE email = 'admin@contoso.example'"
        ))
        .await
        .unwrap();
    let admin = en(app.another_browser());
    let form = password_step(&admin, CONTOSO).await;
    code_step(&admin, &form, &code(&app, &secret, 1))
        .await
        .assert_status(401);

    // A secret kept in clear by an earlier version (as the admin's is now made to be): sealed
    // when an instance starts, and its codes still sign in.
    let old = TotpSecret::generate();
    app.db
        .execute_unprepared(&format!(
            "UPDATE users SET totp_secret = '{}' WHERE email = 'admin@contoso.example'",
            old.to_base32()
        ))
        .await
        .unwrap();
    let restarted = en(second_instance_with(&app, &[("PORTAL_CLOCK", AT)]).await);
    assert_eq!(
        app.count(&format!(
            "users WHERE totp_secret = '{0}' OR totp_pending = '{0}' OR totp_secret = '{1}'",
            old.to_base32(),
            secret.to_base32()
        ))
        .await,
        0
    );
    let resealed = app
        .value("SELECT totp_secret FROM users WHERE email = 'admin@contoso.example'")
        .await
        .expect("still enrolled");
    assert!(
        resealed.bytes().all(|b| b.is_ascii_hexdigit()),
        "{resealed}"
    );
    assert!(!resealed.to_uppercase().contains(&old.to_base32()));
    let form = password_step(&restarted, CONTOSO).await;
    form.assert_contains("name=\"code\"");
    code_step(&restarted, &form, &code(&app, &old, 0))
        .await
        .assert_redirect("/");
    restarted.get("/").await.assert_status(200);
    // And the sales agent's, sealed before, still signs in on the restarted instance.
    let other = en(restarted.another_browser());
    let form = password_step(&other, CONTOSO_SALES).await;
    code_step(&other, &form, &code(&app, &secret, 1))
        .await
        .assert_redirect("/");
}

#[actix_web::test]
async fn tokens_of_a_user_who_must_enroll_wait_for_the_enrollment_with_a_clear_403() {
    let app = spawn_app_with(&[("PORTAL_CLOCK", AT)]).await;
    let api = crate::api_client::Api::issue(&app, CONTOSO_SALES.0).await;
    let path = "/v1/customers/c-fabrikam/subscriptions";
    api.get(path).await.assert_status(200);
    // The reseller requires two-step sign-in of admin agents (the demo's sales@ is one).
    app.prefer("en-US");
    app.sign_in(CONTOSO).await;
    app.get("/users").await;
    app.submit("/settings/two-step", &[("role", "admin-agent")])
        .await
        .assert_redirect("/users?done=two-step-roles");
    // Refused at the next request, saying why and what to do; a change too, nothing written.
    let refused = api.get(path).await.assert_error(403, 2032);
    let why = refused["description"].as_str().unwrap();
    assert!(
        why.contains("two-step sign-in") && why.contains("/security"),
        "{why}"
    );
    let before = app.snapshot().await;
    api.patch(
        "/v1/customers/c-fabrikam/subscriptions/s-fabrikam-essentials",
        &[("If-Match", "v0")],
        serde_json::json!({ "quantity": 30 }),
    )
    .await
    .assert_error(403, 2032);
    assert_eq!(app.snapshot().await, before);
    // The global admin, whose role is not required, is not held back.
    crate::api_client::Api::issue(&app, CONTOSO.0)
        .await
        .get(path)
        .await
        .assert_status(200);
    // The Security page says the tokens wait too; once enrolled, the same token works again.
    let sales = en(app.another_browser());
    password_step(&sales, CONTOSO_SALES)
        .await
        .assert_redirect("/");
    sales
        .get("/security")
        .await
        .assert_contains("your API tokens are refused too");
    enroll(&app, &sales).await;
    api.get(path).await.assert_status(200);
}
