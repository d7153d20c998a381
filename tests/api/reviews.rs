//! Issue 30, item 5: a review has its own address. A change form's Submit holds a draft and
//! redirects to `/reviews/{id}`; its GET renders the review (in the viewer's language, again after
//! a switch), its POST confirms; after Confirm, Back and Reload say "already done" with a link to
//! the result; a GET of a form's action leads to the page holding the form.

use crate::helpers::{CONTOSO, NORTHWIND, TestApp, details, spawn_app};

const FABRIKAM: &str = "c-fabrikam";
const ESSENTIALS: &str = "s-fabrikam-essentials";

/// Posts a change form as a browser does (its CSRF token, a one-time key): the raw answer.
async fn submit_raw(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    key: &str,
) -> crate::helpers::Page {
    let csrf = app.csrf();
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf", &csrf));
    form.push(("key", key));
    app.post_exactly(path, &form).await
}

/// The public id a review's address names: 32 hexadecimal digits (128 random bits), never the
/// draft's sequential row id.
fn review_id(location: &str) -> String {
    location
        .strip_prefix("/reviews/")
        .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(|| panic!("not a review's address: {location}"))
        .to_owned()
}

#[actix_web::test]
async fn a_change_form_redirects_to_its_review_which_confirms_once_and_then_says_it_is_done() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let path = details(FABRIKAM, ESSENTIALS);
    let page = app.get(&path).await;
    let version = page.hidden("version");
    let key = uuid::Uuid::new_v4().to_string();

    // The Submit holds a draft and answers with its review's address.
    let answer = submit_raw(
        &app,
        &format!("{path}/licenses"),
        &[("licenses", "40"), ("version", &version)],
        &key,
    )
    .await;
    assert_eq!(answer.status.as_u16(), 303, "{}", answer.body);
    let location = answer.location.clone().unwrap();
    let id = review_id(&location);
    assert_eq!(
        app.value(&format!(
            "SELECT state || ' ' || form || ' ' || subscription_id || ' ' || key FROM drafts WHERE public_id = '{id}'"
        ))
        .await
        .unwrap(),
        format!("reviewing licenses {ESSENTIALS} {key}")
    );
    // The same form posted again (a double click) is the same draft.
    let again = submit_raw(
        &app,
        &format!("{path}/licenses"),
        &[("licenses", "40"), ("version", &version)],
        &key,
    )
    .await;
    assert_eq!(again.location.as_deref(), Some(location.as_str()));
    assert_eq!(app.count("drafts").await, 1);

    // Its review, at its address, in Chinese; nothing changed yet.
    let review = app.get(&location).await;
    review
        .assert_status(200)
        .assert_contains("将许可证从 25 个改为 40 个")
        .assert_contains(&format!("action=\"{location}\""));
    assert!(review.is_review());
    assert_eq!(
        app.value("SELECT quantity FROM subscriptions WHERE id = 's-fabrikam-essentials'")
            .await
            .unwrap(),
        "25"
    );

    // Switching the language re-renders it, with what was entered.
    let switched = app.get(&format!("/language/en-US?back={location}")).await;
    switched.assert_redirect(&location);
    let english = app.follow(&switched).await;
    english
        .assert_status(200)
        .assert_contains("Change licenses from 25 to 40");
    assert!(english.is_review());

    // Confirm makes the change and goes to its result.
    let done = app.confirm(&english).await;
    done.assert_redirect(&format!("{path}?done=licenses"));
    assert_eq!(
        app.value("SELECT quantity FROM subscriptions WHERE id = 's-fabrikam-essentials'")
            .await
            .unwrap(),
        "40"
    );
    assert_eq!(
        app.value(&format!(
            "SELECT state || ' ' || result FROM drafts WHERE public_id = '{id}'"
        ))
        .await
        .unwrap(),
        format!("confirmed {path}?done=licenses")
    );

    // Back (a GET of the review) says it is done, with a link to the result; no Confirm.
    let back = app.get(&location).await;
    back.assert_status(200)
        .assert_contains("data-code=\"already_done\"")
        .assert_contains("Already done")
        .assert_contains(&format!("href=\"{path}?done=licenses\""));
    assert!(!back.is_review());
    // The Confirm posted again (Reload of the POST) goes to the result, and changes nothing.
    let reposted = app.confirm(&english).await;
    reposted.assert_redirect(&format!("{path}?done=licenses"));
    assert_eq!(
        app.count("activity WHERE action = 'licenses'").await,
        1,
        "the change was made once"
    );
    assert_eq!(
        app.value("SELECT version FROM subscriptions WHERE id = 's-fabrikam-essentials'")
            .await
            .unwrap(),
        "1"
    );
}

#[actix_web::test]
async fn an_upgrades_review_once_confirmed_links_to_its_result() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let path = details(FABRIKAM, ESSENTIALS);
    let form = app.get(&format!("{path}/upgrade")).await;
    let version = form.hidden("version");
    let review = app
        .submit(
            &format!("{path}/upgrade"),
            &[
                ("offer", "O365_E3"),
                ("licenses", "10"),
                ("version", &version),
            ],
        )
        .await;
    review.assert_status(200);
    assert!(review.is_review());
    let location = review.confirm_action();
    assert!(location.starts_with("/reviews/"), "{location}");
    let done = app.confirm(&review).await;
    let result = done.location.clone().expect("a redirect to the result");
    assert!(
        result.starts_with(&format!("/customers/{FABRIKAM}/upgrades/")),
        "{result}"
    );
    assert_eq!(app.count("upgrades").await, 1);

    let back = app.get(&location).await;
    back.assert_status(200)
        .assert_contains("data-code=\"already_done\"")
        .assert_contains(&format!("href=\"{result}\""));
    app.confirm(&review).await.assert_redirect(&result);
    assert_eq!(app.count("upgrades").await, 1, "one upgrade");
}

#[actix_web::test]
async fn a_review_is_its_makers_only_and_a_stale_one_says_so() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let path = details(FABRIKAM, ESSENTIALS);
    let version = app.get(&path).await.hidden("version");
    let review = app
        .submit(
            &format!("{path}/licenses"),
            &[("licenses", "30"), ("version", &version)],
        )
        .await;
    let location = review.confirm_action();

    // A colleague of the same reseller gets no review there, nor at the draft's row id.
    let colleague = app.another_browser();
    colleague.sign_in(crate::helpers::CONTOSO_SALES).await;
    colleague.get(&location).await.assert_status(404);
    let row = app
        .value(&format!(
            "SELECT id FROM drafts WHERE public_id = '{}'",
            review_id(&location)
        ))
        .await
        .unwrap();
    colleague
        .get(&format!("/reviews/{row}"))
        .await
        .assert_status(404);
    app.get(&format!("/reviews/{row}")).await.assert_status(404);
    // Someone else (another reseller's user) gets no review there.
    let other = app.another_browser();
    other.sign_in(NORTHWIND).await;
    other.get(&location).await.assert_status(404);
    let csrf = other.csrf();
    other
        .post_exactly(
            &location,
            &[
                ("csrf", csrf.as_str()),
                ("version", &version),
                ("prices", "1"),
            ],
        )
        .await
        .assert_status(404);
    // No one signed in is sent to sign in.
    app.another_browser()
        .get(&location)
        .await
        .assert_sent_to_sign_in();

    // The subscription changed since the form: the review says so, with the current figures.
    crate::helpers::add_licenses(&app, ESSENTIALS, 1).await;
    let stale = app.get(&location).await;
    stale
        .assert_status(409)
        .assert_contains("data-code=\"concurrency_conflicts\"");
    assert!(stale.is_review());
    // Confirmed as now shown, it is made.
    let done = app.confirm(&stale).await;
    done.assert_redirect(&format!("{path}?done=licenses"));
    assert_eq!(
        app.value("SELECT quantity FROM subscriptions WHERE id = 's-fabrikam-essentials'")
            .await
            .unwrap(),
        "30"
    );
}

#[actix_web::test]
async fn an_expired_review_changes_nothing() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let path = details(FABRIKAM, ESSENTIALS);
    let version = app.get(&path).await.hidden("version");
    let review = app
        .submit(
            &format!("{path}/licenses"),
            &[("licenses", "30"), ("version", &version)],
        )
        .await;
    let location = review.confirm_action();
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
        .assert_contains("data-code=\"expired\"");
    app.confirm(&review).await.assert_redirect(&location);
    assert_eq!(
        app.value("SELECT quantity FROM subscriptions WHERE id = 's-fabrikam-essentials'")
            .await
            .unwrap(),
        "25"
    );
}

#[actix_web::test]
async fn a_get_of_a_forms_action_leads_to_the_page_holding_the_form() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let path = details(FABRIKAM, ESSENTIALS);
    for (action, page) in [
        (format!("{path}/licenses"), path.clone()),
        (format!("{path}/status"), path.clone()),
        ("/bulk/selection".to_owned(), "/bulk".to_owned()),
        ("/bulk/file".to_owned(), "/bulk".to_owned()),
        ("/bulk/jobs/7/start".to_owned(), "/bulk/jobs/7".to_owned()),
        ("/bulk/jobs/7/cancel".to_owned(), "/bulk/jobs/7".to_owned()),
        ("/api-access/tokens".to_owned(), "/api-access".to_owned()),
        ("/settings/billing-day".to_owned(), "/settings".to_owned()),
        ("/sign-out".to_owned(), "/".to_owned()),
    ] {
        let answer = app.get(&action).await;
        assert_eq!(answer.status.as_u16(), 303, "GET {action}: {}", answer.body);
        assert_eq!(
            answer.location.as_deref(),
            Some(page.as_str()),
            "GET {action}"
        );
    }
    // A revoke's GET is the page that asks first (stumbles::a_token_is_copied_once_and_revoked_after_asking_and_by_name).
    // The sign-out's GET signs nobody out.
    app.get("/").await.assert_status(200);
}
