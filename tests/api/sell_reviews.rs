//! Issue 31's reviews at their own address (issue 30, item 5): "Add customer" and "Add
//! subscription" hold what was typed as a draft and redirect to `/reviews/{id}`, whose GET is the
//! review (in the viewer's language, again after a switch) and whose POST is its Confirm, made
//! once; after it, Back and Reload say "already done" with a link to the customer or the order.
//! A new customer's first password is shown once, on the page right after its Confirm, and is
//! kept nowhere in clear.

use crate::helpers::{CONTOSO, CONTOSO_SALES, NORTHWIND, Page, TestApp, spawn_app};

const NEW_CUSTOMER: &str = "/customers/new";
const NEW_ORDER: &str = "/customers/c-fabrikam/orders/new";

/// Posts a form as a browser does (its CSRF token, the form's one-time key), without following
/// the redirect.
async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)], key: &str) -> Page {
    let csrf = app.csrf();
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf", &csrf));
    form.push(("key", key));
    app.post_exactly(path, &form).await
}

/// The review's address a Submit redirected to: `/reviews/` and 32 hexadecimal digits.
#[track_caller]
fn review_address(answer: &Page) -> String {
    assert_eq!(answer.status.as_u16(), 303, "{}", answer.body);
    let location = answer.location.clone().expect("a redirect");
    let id = location.strip_prefix("/reviews/").unwrap_or_default();
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "not a review's address: {location}"
    );
    location
}

fn public_id(location: &str) -> &str {
    location.trim_start_matches("/reviews/")
}

/// A colleague of the same reseller and another reseller's user, each signed in in a browser
/// of their own.
async fn signed_in_others(app: &TestApp) -> Vec<TestApp> {
    let mut others = Vec::new();
    for who in [CONTOSO_SALES, NORTHWIND] {
        let other = app.another_browser();
        other.sign_in(who).await;
        others.push(other);
    }
    others
}

/// The text between `data-code="password">` and the next tag.
fn password_in(page: &Page) -> Option<String> {
    let rest = page.body.split("data-code=\"password\">").nth(1)?;
    Some(rest.split('<').next()?.to_owned())
}

/// The review at `location`, in Chinese (its Confirm posting to its own address), then in
/// English after the language switch, which comes back to it: each holds its words. The
/// English page.
async fn in_both_languages(app: &TestApp, location: &str, zh: &[&str], en: &[&str]) -> Page {
    let review = app.get(location).await;
    review
        .assert_status(200)
        .assert_contains(&format!("action=\"{location}\""));
    for words in zh {
        review.assert_contains(words);
    }
    assert!(review.is_review());
    let switched = app.get(&format!("/language/en-US?back={location}")).await;
    switched.assert_redirect(location);
    let english = app.follow(&switched).await;
    english.assert_status(200);
    for words in en {
        english.assert_contains(words);
    }
    assert!(english.is_review());
    english
}

#[actix_web::test]
async fn a_new_customers_review_has_its_address_and_its_password_is_shown_once() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.prefer("zh-CN");
    let others = signed_in_others(&app).await;
    let key = app.get(NEW_CUSTOMER).await.hidden("key");
    let before = app.snapshot().await;
    let typed = crate::new_customers::fields("Xinghe2031");
    let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // The Submit holds a draft (the same form twice is one) and redirects to its review.
    let answer = post_form(&app, NEW_CUSTOMER, &typed, &key).await;
    let location = review_address(&answer);
    let again = post_form(&app, NEW_CUSTOMER, &typed, &key).await;
    assert_eq!(again.location.as_deref(), Some(location.as_str()));
    assert_eq!(
        app.value(&format!(
            "SELECT state || ' ' || form || ' [' || customer_id || subscription_id || '] ' || key \
             FROM drafts WHERE public_id = '{}'",
            public_id(&location)
        ))
        .await
        .unwrap(),
        format!("reviewing customer [] {key}")
    );
    assert_eq!(app.count("drafts").await, 1);

    // Its review at its address, in Chinese, then in English after the switch; nothing made.
    let admin = "admin@xinghe2031.partner.onmschina.cn";
    let english = in_both_languages(
        &app,
        &location,
        &[admin, "确认前请检查新客户"],
        &[admin, "Check the new customer before you confirm."],
    )
    .await;
    assert_eq!(app.snapshot().await, before, "nothing made before Confirm");

    // Another user's review is no review to them, nor their Confirm.
    for other in &others {
        other.get(&location).await.assert_status(404);
        let csrf = other.csrf();
        other
            .post_exactly(&location, &[("csrf", csrf.as_str())])
            .await
            .assert_status(404);
    }
    assert_eq!(app.snapshot().await, before);

    // Confirm: the customer made, and the review's address shows its password, once.
    let done = app.confirm(&english).await;
    done.assert_redirect(&location);
    let customer = app
        .value("SELECT customer_id FROM tenant_admins WHERE user_name = 'admin@xinghe2031.partner.onmschina.cn'")
        .await
        .expect("the customer made");
    let result = format!("/customers/{customer}/subscriptions");
    let created = app.follow(&done).await;
    created
        .assert_status(200)
        .assert_contains("The customer is created.")
        .assert_contains("admin@xinghe2031.partner.onmschina.cn")
        .assert_contains(&format!("href=\"{result}\""));
    assert_eq!(
        created
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "not kept by the browser's cache, for Back"
    );
    let password = password_in(&created).expect("the password shown");
    assert_eq!(password.len(), 16);
    // Kept nowhere in clear: not in the portal's tables, not in the held draft.
    crate::new_customers::assert_kept_hashed(&app, &customer, &password).await;
    assert_eq!(
        app.count(&format!(
            "drafts WHERE fields LIKE '%{password}%' OR result LIKE '%{password}%'"
        ))
        .await,
        0
    );
    assert_eq!(
        app.value(&format!(
            "SELECT state || ' ' || result FROM drafts WHERE public_id = '{}'",
            public_id(&location)
        ))
        .await
        .unwrap(),
        format!("confirmed {result}")
    );

    // Reload and Back: "already done", a link to the customer, and no password.
    let reloaded = app.get(&location).await;
    reloaded
        .assert_status(200)
        .assert_contains("data-code=\"already_done\"")
        .assert_contains(&format!("href=\"{result}\""))
        .assert_lacks(&password)
        .assert_lacks("data-code=\"password\"");
    assert!(!reloaded.is_review());
    // The Confirm posted again (Reload of the POST, a double click): the customer, made once.
    let reposted = app.confirm(&english).await;
    reposted.assert_redirect(&result);
    assert!(!reposted.body.contains(&password));
    app.get(&location).await.assert_lacks(&password);
    // The form posted again with its key (Back to the form, Submit): the same, done, review.
    let resubmitted = post_form(&app, NEW_CUSTOMER, &typed, &key).await;
    assert_eq!(resubmitted.status.as_u16(), 422, "{}", resubmitted.body);
    assert_eq!(app.count("tenant_admins").await, 1);
    assert_eq!(
        app.count("activity WHERE action = 'customer_created'")
            .await,
        1
    );
    app.get(&result)
        .await
        .assert_status(200)
        .assert_contains("星河科技有限公司");
    // A GET of the form's action is the form.
    app.get(NEW_CUSTOMER)
        .await
        .assert_status(200)
        .assert_contains("name=\"prefix\"");
}

/// The `Set-Cookie` of the new customer's password a page answered with, whole.
fn password_cookie(page: &crate::helpers::Page) -> Option<String> {
    page.headers
        .get_all("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("portal_new_password="))
}

#[actix_web::test]
async fn the_password_is_held_sealed_in_a_cookie_until_the_page_after_the_confirm() {
    let app = crate::helpers::spawn_app_with(&[crate::helpers::SESSIONS_IN_THE_DATABASE]).await;
    app.sign_in(CONTOSO).await;
    app.prefer("en-US");
    let key = app.get(NEW_CUSTOMER).await.hidden("key");
    let typed = crate::new_customers::fields("Sealed2031");
    let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let location = review_address(&post_form(&app, NEW_CUSTOMER, &typed, &key).await);
    let review = app.get(&location).await;
    let sessions = "SELECT MAX(state) FROM sessions";
    let before = (app.count("sessions").await, app.value(sessions).await);
    let confirmed = app.confirm(&review).await;
    confirmed.assert_redirect(&location);
    // Between the Confirm and the next page, a cookie of its own holds it, sealed, sent to the
    // review's address only; the Confirm wrote no session.
    let cookie = password_cookie(&confirmed).expect("the password's cookie");
    for part in [
        format!("Path={location}"),
        "HttpOnly".to_owned(),
        "SameSite=Strict".to_owned(),
        "Max-Age=300".to_owned(),
    ] {
        assert!(cookie.contains(&part), "{cookie} lacks {part}");
    }
    assert_eq!(
        (app.count("sessions").await, app.value(sessions).await),
        before
    );
    let created = app.get(&location).await;
    let password = password_in(&created).expect("the password shown");
    assert!(!cookie.contains(&password), "the password in the clear");
    assert_eq!(
        app.count(&format!("sessions WHERE state LIKE '%{password}%'"))
            .await,
        0,
        "the password is in the session in the clear"
    );
    // Shown, its cookie is removed.
    let removal = password_cookie(&created).expect("the cookie's removal");
    assert!(removal.contains("Max-Age=0"), "{removal}");
    app.get(&location)
        .await
        .assert_contains("data-code=\"already_done\"")
        .assert_lacks(&password);
}

#[actix_web::test]
async fn an_expired_new_customers_review_makes_nothing_and_leads_back_to_the_form() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.prefer("en-US");
    let key = app.get(NEW_CUSTOMER).await.hidden("key");
    let typed = crate::new_customers::fields("Late2031");
    let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let location = review_address(&post_form(&app, NEW_CUSTOMER, &typed, &key).await);
    let review = app.get(&location).await;
    {
        use sea_orm::ConnectionTrait;
        app.db
            .execute_unprepared("UPDATE drafts SET expires_at = created_at")
            .await
            .unwrap();
    }
    let before = app.snapshot().await;
    app.get(&location)
        .await
        .assert_status(200)
        .assert_contains("data-code=\"expired\"")
        .assert_contains("no customer was made")
        .assert_contains(&format!("href=\"{NEW_CUSTOMER}\""));
    app.confirm(&review).await.assert_redirect(&location);
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn an_orders_review_has_its_address_and_is_placed_once() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.prefer("zh-CN");
    let others = signed_in_others(&app).await;
    let key = app.get(NEW_ORDER).await.hidden("key");
    let before = app.snapshot().await;
    let cart = [
        ("q-O365_E3", "25"),
        ("n-O365_E3", "销售部"),
        ("q-O365_E1", ""),
    ];

    // The Submit holds a draft (the same form twice is one) and redirects to its review.
    let location = review_address(&post_form(&app, NEW_ORDER, &cart, &key).await);
    let again = post_form(&app, NEW_ORDER, &cart, &key).await;
    assert_eq!(again.location.as_deref(), Some(location.as_str()));
    assert_eq!(
        app.value(&format!(
            "SELECT state || ' ' || form || ' [' || customer_id || '|' || subscription_id || '] ' || key \
             FROM drafts WHERE public_id = '{}'",
            public_id(&location)
        ))
        .await
        .unwrap(),
        format!("reviewing order [c-fabrikam|] {key}")
    );
    assert_eq!(app.count("drafts").await, 1);

    // Its review at its address, in Chinese, then in English after the switch; nothing placed.
    let english = in_both_languages(
        &app,
        &location,
        &["销售部", "新订阅"],
        &["销售部", "New subscriptions"],
    )
    .await;
    assert_eq!(
        app.snapshot().await,
        before,
        "nothing placed before Confirm"
    );

    // Its Back: the cart again, as typed.
    let mut back = english.confirm_fields();
    back.push(("edit".into(), "1".into()));
    let back: Vec<(&str, &str)> = back.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_exactly(NEW_ORDER, &back)
        .await
        .assert_status(200)
        .assert_contains("name=\"q-O365_E3\" value=\"25\"")
        .assert_contains("value=\"销售部\"");

    // Another user's review is no review to them, nor their Confirm.
    let fields = english.confirm_fields();
    for other in &others {
        other.get(&location).await.assert_status(404);
        let csrf = other.csrf();
        let mut theirs: Vec<(&str, &str)> = fields
            .iter()
            .filter(|(k, _)| k != "csrf")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        theirs.push(("csrf", &csrf));
        other
            .post_exactly(&location, &theirs)
            .await
            .assert_status(404);
    }
    assert_eq!(app.snapshot().await, before);

    // Confirm: the order placed, and its page.
    let done = app.confirm(&english).await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.body);
    let result = done.location.clone().unwrap();
    assert!(
        result.starts_with("/customers/c-fabrikam/orders/"),
        "{result}"
    );
    app.follow(&done)
        .await
        .assert_status(200)
        .assert_contains("Order placed")
        .assert_contains("销售部");
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(
        app.value(&format!(
            "SELECT state || ' ' || result FROM drafts WHERE public_id = '{}'",
            public_id(&location)
        ))
        .await
        .unwrap(),
        format!("confirmed {result}")
    );

    // Reload and Back: "already done", with a link to the order; no Confirm.
    let reloaded = app.get(&location).await;
    reloaded
        .assert_status(200)
        .assert_contains("data-code=\"already_done\"")
        .assert_contains(&format!("href=\"{result}\""));
    assert!(!reloaded.is_review());
    // The Confirm posted again: the same order.
    app.confirm(&english).await.assert_redirect(&result);
    // The form posted again with its key: its review, which says it is done.
    let resubmitted = post_form(&app, NEW_ORDER, &cart, &key).await;
    assert_eq!(resubmitted.location.as_deref(), Some(location.as_str()));
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(app.count("activity WHERE action = 'purchase'").await, 1);
    // A GET of the form's action is the cart.
    app.get(NEW_ORDER)
        .await
        .assert_status(200)
        .assert_contains("name=\"q-O365_E3\"");
}

#[actix_web::test]
async fn an_orders_review_shown_again_when_the_prices_changed_and_an_expired_one() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.prefer("en-US");
    let key = app.get(NEW_ORDER).await.hidden("key");
    let location = review_address(&post_form(&app, NEW_ORDER, &[("q-O365_E1", "5")], &key).await);
    let review = app.get(&location).await;
    // A Confirm of prices other than the review's: the review again, saying so; nothing placed.
    let mut stale: Vec<(String, String)> = review.confirm_fields();
    for (k, v) in stale.iter_mut() {
        if k == "prices" {
            *v = "-1".into();
        }
    }
    let stale: Vec<(&str, &str)> = stale
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let shown = app.post_exactly(&location, &stale).await;
    shown
        .assert_status(200)
        .assert_contains("data-code=\"changed\"");
    assert!(shown.is_review());
    assert_eq!(app.count("orders").await, 0);

    // Expired: it says so, leads back to the cart, and its Confirm places nothing.
    {
        use sea_orm::ConnectionTrait;
        app.db
            .execute_unprepared("UPDATE drafts SET expires_at = created_at")
            .await
            .unwrap();
    }
    app.get(&location)
        .await
        .assert_status(200)
        .assert_contains("data-code=\"expired\"")
        .assert_contains("nothing was ordered")
        .assert_contains(&format!("href=\"{NEW_ORDER}\""));
    app.confirm(&review).await.assert_redirect(&location);
    assert_eq!(app.count("orders").await, 0);
}
