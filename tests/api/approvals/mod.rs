//! Issue 32, a second person's approval: above the reseller's threshold a review's Confirm reads
//! "Request approval" and holds the change, writing nothing to the subscription; a global admin
//! or an admin agent other than the requester approves it (the change engine makes it once) or
//! rejects it with a note; a stale request is refused with the concurrency notice; a request
//! expires after 7 days; the activity log names the requester and the decider.

mod api;
mod jobs;

use portal::domain::Role;

use crate::helpers::{CONTOSO, CONTOSO_SALES, TestApp, details, spawn_app, spawn_app_with};
use crate::roles::add_user;

pub(crate) const FAB: &str = "c-fabrikam";
pub(crate) const SUB: &str = "s-fabrikam-essentials";

/// The demo's admin agent (the import's non-admin user) approves too.
pub(crate) const ADMIN_AGENT: (&str, &str) = CONTOSO_SALES;

/// Sets the reseller's thresholds as a global admin does, on the Settings page.
pub async fn set_thresholds(app: &TestApp, cost: &str, rows: &str) {
    let admin = app.another_browser();
    admin.sign_in(CONTOSO).await;
    admin.get("/settings").await;
    admin
        .post("/settings/approvals", &[("cost", cost), ("rows", rows)])
        .await
        .assert_redirect("/settings?done=approvals");
}

/// A browser signed in as a new user of contoso with `role`.
pub(crate) async fn member(app: &TestApp, name: &str, role: Role) -> TestApp {
    let (email, password) = add_user(app, &format!("{name}@contoso.example"), role).await;
    let browser = app.another_browser();
    browser.sign_in((&email, password)).await;
    browser
}

pub(crate) async fn exec(app: &TestApp, sql: &str) {
    use sea_orm::ConnectionTrait;
    app.db.execute_unprepared(sql).await.unwrap();
}

pub(crate) async fn quantity(app: &TestApp) -> String {
    app.value(&format!(
        "SELECT quantity FROM subscriptions WHERE id = '{SUB}'"
    ))
    .await
    .unwrap()
}

pub(crate) async fn state(app: &TestApp, id: &str) -> String {
    app.value(&format!(
        "SELECT state FROM drafts WHERE public_id = '{id}'"
    ))
    .await
    .unwrap()
}

/// `browser` asks for 40 licenses (from 25) and confirms its review, which reads "Request
/// approval": the answer leads to the request's page. Its id.
pub async fn request(browser: &TestApp) -> String {
    let path = details(FAB, SUB);
    let version = browser.get(&path).await.hidden("version");
    let review = browser
        .submit(
            &format!("{path}/licenses"),
            &[("licenses", "40"), ("version", &version)],
        )
        .await;
    review
        .assert_status(200)
        .assert_contains("data-approval")
        .assert_contains("data-code=\"approval_needed\"");
    let held = browser.confirm(&review).await;
    assert_eq!(held.status.as_u16(), 303, "{}", held.body);
    let to = held.location.unwrap();
    let id = to
        .strip_prefix("/approvals/")
        .unwrap_or_else(|| panic!("not a request's address: {to}"));
    // The held draft's public id: 32 hexadecimal digits, never the row's number.
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{to}"
    );
    id.to_owned()
}

#[actix_web::test]
async fn below_the_threshold_a_change_is_confirmed_as_before() {
    let app = spawn_app().await;
    // Off by default: the review reads Confirm.
    app.sign_in(CONTOSO).await;
    let path = details(FAB, SUB);
    let version = app.get(&path).await.hidden("version");
    let review = app
        .submit(
            &format!("{path}/licenses"),
            &[("licenses", "26"), ("version", &version)],
        )
        .await;
    review.assert_lacks("data-approval");
    assert_eq!(
        app.count("resellers WHERE approval_cost IS NOT NULL").await,
        0
    );

    // A threshold far above the change's cost: still Confirm, and the change is made.
    set_thresholds(&app, "100000", "").await;
    let review = app
        .submit(
            &format!("{path}/licenses"),
            &[("licenses", "26"), ("version", &version)],
        )
        .await;
    review.assert_status(200).assert_lacks("data-approval");
    let done = app.confirm(&review).await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.body);
    assert_eq!(quantity(&app).await, "26");
    assert_eq!(app.count("drafts WHERE state = 'pending'").await, 0);
}

#[actix_web::test]
async fn above_the_threshold_the_change_is_held_and_nothing_is_written() {
    let app = spawn_app().await;
    set_thresholds(&app, "0", "").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let events = app.count("events").await;
    let activity = app.count("activity WHERE action = 'licenses'").await;

    let id = request(&seller).await;

    assert_eq!(quantity(&app).await, "25");
    assert_eq!(state(&app, &id).await, "pending");
    assert_eq!(app.count("events").await, events);
    assert_eq!(
        app.count("activity WHERE action = 'licenses'").await,
        activity
    );
    assert_eq!(
        app.count(
            "activity WHERE action = 'approval_requested' AND user_email = 'seller@contoso.example' \
             AND user_role = 'sales-agent'"
        )
        .await,
        1
    );
    // The requester sees their request, waiting; a sales agent has no decision to make.
    let mine = seller.get("/approvals").await;
    mine.assert_status(200)
        .assert_contains(&format!("data-approval=\"{id}\" data-state=\"pending\""))
        .assert_lacks("data-waiting-list");
    let page = seller.get(&format!("/approvals/{id}")).await;
    page.assert_status(200)
        .assert_contains("data-decide=\"withdraw\"")
        .assert_lacks("data-decide=\"approve\"");
    // Its review, again (at the draft's public address, which is the request's too): back to
    // the request.
    seller
        .get(&format!("/reviews/{id}"))
        .await
        .assert_redirect(&format!("/approvals/{id}"));
    // The row's number is no address.
    let row = app
        .value(&format!("SELECT id FROM drafts WHERE public_id = '{id}'"))
        .await
        .unwrap();
    seller
        .get(&format!("/approvals/{row}"))
        .await
        .assert_status(404);
}

#[actix_web::test]
async fn another_admin_approves_and_the_change_is_made_exactly_once() {
    let app = spawn_app().await;
    set_thresholds(&app, "0", "").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let id = request(&seller).await;

    // The global admin sees it waiting, counted in the navigation, with the review's figures.
    let admin = app.another_browser();
    admin.sign_in(CONTOSO).await;
    admin.get("/").await.assert_contains("data-waiting=\"1\"");
    let list = admin.get("/approvals").await;
    list.assert_status(200)
        .assert_contains(&format!("<tr data-approval=\"{id}\">"))
        .assert_contains("seller@contoso.example");
    let page = admin.get(&format!("/approvals/{id}")).await;
    page.assert_status(200)
        .assert_contains("data-amount=")
        .assert_contains("data-decide=\"approve\"")
        .assert_contains("data-decide=\"reject\"");

    // Approve: the change is made, once; a second click (or a second tab) finds it approved.
    let approved = admin.post(&format!("/approvals/{id}/approve"), &[]).await;
    approved.assert_redirect(&format!("/approvals/{id}"));
    assert_eq!(quantity(&app).await, "40");
    assert_eq!(state(&app, &id).await, "approved");
    let again = admin.post(&format!("/approvals/{id}/approve"), &[]).await;
    again.assert_redirect(&format!("/approvals/{id}"));
    // Another approver at the same moment: nothing more.
    let agent = app.another_browser();
    agent.sign_in(ADMIN_AGENT).await;
    agent.get(&format!("/approvals/{id}")).await;
    agent
        .post(&format!("/approvals/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/approvals/{id}"));
    assert_eq!(quantity(&app).await, "40");

    // The log: the change in the approver's name, the approval naming the requester.
    assert_eq!(
        app.count(
            "activity WHERE action = 'licenses' AND user_email = 'admin@contoso.example' \
             AND after_quantity = 40"
        )
        .await,
        1
    );
    assert_eq!(
        app.value(
            "SELECT user_email || ' ' || detail FROM activity WHERE action = 'approval_approved'"
        )
        .await
        .as_deref(),
        Some("admin@contoso.example seller@contoso.example")
    );
    assert_eq!(
        app.count("activity WHERE action = 'approval_approved'")
            .await,
        1
    );
    // The requester sees how it ended, and where the change led.
    let mine = seller.get(&format!("/approvals/{id}")).await;
    mine.assert_contains("data-state=\"approved\"")
        .assert_contains("rel=\"result\"")
        .assert_lacks("data-decide=");
    admin.get("/").await.assert_lacks("data-waiting=");
}

#[actix_web::test]
async fn approvals_at_once_by_two_approvers_make_one_change() {
    let app = spawn_app().await;
    set_thresholds(&app, "0", "").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let id = request(&seller).await;
    let admin = app.another_browser();
    admin.sign_in(CONTOSO).await;
    admin.get(&format!("/approvals/{id}")).await;
    let agent = app.another_browser();
    agent.sign_in(ADMIN_AGENT).await;
    agent.get(&format!("/approvals/{id}")).await;
    let path = format!("/approvals/{id}/approve");

    let (a, b, c) = futures_util::future::join3(
        admin.post(&path, &[]),
        agent.post(&path, &[]),
        admin.post(&path, &[]),
    )
    .await;

    for page in [a, b, c] {
        page.assert_redirect(&format!("/approvals/{id}"));
    }
    assert_eq!(quantity(&app).await, "40");
    assert_eq!(
        app.count("activity WHERE action = 'licenses' AND after_quantity = 40")
            .await,
        1
    );
    assert_eq!(
        app.count("activity WHERE action = 'approval_approved'")
            .await,
        1
    );
}

#[actix_web::test]
async fn ones_own_request_is_not_offered_and_its_approval_is_refused() {
    let app = spawn_app().await;
    set_thresholds(&app, "0", "").await;
    app.sign_in(CONTOSO).await;
    let id = request(&app).await;

    let page = app.get(&format!("/approvals/{id}")).await;
    page.assert_status(200)
        .assert_contains("data-code=\"own_request\"")
        .assert_lacks("data-decide=\"approve\"")
        .assert_lacks("data-decide=\"reject\"");
    // Not in the list of what waits for them, nor counted.
    let list = app.get("/approvals").await;
    list.assert_lacks(&format!("<tr data-approval=\"{id}\">"))
        .assert_lacks("data-waiting=");
    let refused = app.post(&format!("/approvals/{id}/approve"), &[]).await;
    refused.assert_status(403);
    let refused = app
        .post(&format!("/approvals/{id}/reject"), &[("note", "no")])
        .await;
    refused.assert_status(403);

    assert_eq!(quantity(&app).await, "25");
    assert_eq!(state(&app, &id).await, "pending");
}

#[actix_web::test]
async fn sales_helpdesk_and_billing_may_not_approve() {
    let app = spawn_app().await;
    set_thresholds(&app, "0", "").await;
    let agent = app.another_browser();
    agent.sign_in(ADMIN_AGENT).await;
    let id = request(&agent).await;

    for (name, role) in [
        ("seller", Role::SalesAgent),
        ("helpdesk", Role::HelpdeskAgent),
        ("billing", Role::BillingAdmin),
    ] {
        let browser = member(&app, name, role).await;
        browser.get("/security").await;
        let page = browser.post(&format!("/approvals/{id}/approve"), &[]).await;
        page.assert_status(403);
        let page = browser
            .post(&format!("/approvals/{id}/reject"), &[("note", "no")])
            .await;
        page.assert_status(403);
        // Another's request is no request to them.
        let shown = browser
            .get(&format!("/approvals/{id}"))
            .await
            .status
            .as_u16();
        assert!(shown == 404 || shown == 403, "{role}: {shown}");
    }
    assert_eq!(quantity(&app).await, "25");
    assert_eq!(state(&app, &id).await, "pending");
}

#[actix_web::test]
async fn a_request_whose_subscription_changed_is_refused_with_the_concurrency_notice() {
    let app = spawn_app().await;
    set_thresholds(&app, "0", "").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let id = request(&seller).await;
    // Someone changes the subscription after the request (another door, here the database).
    exec(
        &app,
        &format!(
            "UPDATE subscriptions SET quantity = 30, version = version + 1 WHERE id = '{SUB}'"
        ),
    )
    .await;

    let admin = app.another_browser();
    admin.sign_in(CONTOSO).await;
    admin.get(&format!("/approvals/{id}")).await;
    let page = admin.post(&format!("/approvals/{id}/approve"), &[]).await;

    page.assert_status(409)
        .assert_contains("data-code=\"concurrency_conflicts\"")
        .assert_contains("data-state=\"stale\"");
    assert_eq!(quantity(&app).await, "30");
    assert_eq!(state(&app, &id).await, "stale");
    assert_eq!(
        app.count("activity WHERE action = 'licenses' AND after_quantity = 40")
            .await,
        0
    );
    // The requester is told to review again.
    seller
        .get("/approvals")
        .await
        .assert_contains(&format!("data-approval=\"{id}\" data-state=\"stale\""));
    seller
        .get(&format!("/approvals/{id}"))
        .await
        .assert_contains("data-code=\"review_again\"");
}

#[actix_web::test]
async fn a_request_whose_price_list_changed_is_refused_too() {
    let app = spawn_app().await;
    set_thresholds(&app, "0", "").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let id = request(&seller).await;
    // The request holds the price list's version it was reviewed at; another one since.
    exec(
        &app,
        &format!("UPDATE drafts SET prices_version = prices_version - 1 WHERE public_id = '{id}'"),
    )
    .await;

    let admin = app.another_browser();
    admin.sign_in(CONTOSO).await;
    admin.get(&format!("/approvals/{id}")).await;
    let page = admin.post(&format!("/approvals/{id}/approve"), &[]).await;

    page.assert_status(409)
        .assert_contains("data-code=\"concurrency_conflicts\"");
    assert_eq!(quantity(&app).await, "25");
    assert_eq!(state(&app, &id).await, "stale");
}

#[actix_web::test]
async fn a_request_expires_after_seven_days() {
    let app = spawn_app_with(&[("PORTAL_CLOCK", "2026-12-01T10:00:00+08:00")]).await;
    set_thresholds(&app, "0", "").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let id = request(&seller).await;
    let admin = app.another_browser();
    admin.sign_in(CONTOSO).await;

    // A minute before its week is out it still waits.
    let at = |raw: &str| chrono::DateTime::parse_from_rfc3339(raw).unwrap().to_utc();
    app.clock.set(at("2026-12-08T09:59:00+08:00"));
    admin
        .get("/approvals")
        .await
        .assert_contains(&format!("<tr data-approval=\"{id}\">"));
    app.clock.set(at("2026-12-08T10:00:00+08:00"));

    let list = admin.get("/approvals").await;
    list.assert_lacks(&format!("<tr data-approval=\"{id}\">"))
        .assert_lacks("data-waiting=");
    let page = admin.get(&format!("/approvals/{id}")).await;
    page.assert_contains("data-state=\"expired\"")
        .assert_lacks("data-decide=");
    admin
        .post(&format!("/approvals/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/approvals/{id}"));
    assert_eq!(quantity(&app).await, "25");
    assert_eq!(state(&app, &id).await, "pending");
    seller
        .get("/approvals")
        .await
        .assert_contains(&format!("data-approval=\"{id}\" data-state=\"expired\""));
}

#[actix_web::test]
async fn a_request_left_taken_by_a_stop_waits_again_after_two_minutes() {
    let app = spawn_app_with(&[("PORTAL_CLOCK", "2026-12-01T10:00:00+08:00")]).await;
    set_thresholds(&app, "0", "").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let id = request(&seller).await;
    // An approver took it at 10:00 and the portal stopped before its change was made.
    exec(
        &app,
        &format!(
            "UPDATE drafts SET state = 'approving', decided_by = user_id, \
             decided_at = requested_at WHERE public_id = '{id}'"
        ),
    )
    .await;
    let admin = app.another_browser();
    admin.sign_in(CONTOSO).await;

    // Held by its taker for two minutes: nobody else takes it.
    let at = |raw: &str| chrono::DateTime::parse_from_rfc3339(raw).unwrap().to_utc();
    app.clock.set(at("2026-12-01T10:01:59+08:00"));
    admin
        .get("/approvals")
        .await
        .assert_lacks(&format!("<tr data-approval=\"{id}\">"))
        .assert_lacks("data-waiting=");
    admin.get(&format!("/approvals/{id}")).await;
    admin
        .post(&format!("/approvals/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/approvals/{id}"));
    assert_eq!(quantity(&app).await, "25");
    assert_eq!(state(&app, &id).await, "approving");

    // Then it waits again, and an approver makes its change, once.
    app.clock.set(at("2026-12-01T10:02:00+08:00"));
    admin
        .get("/approvals")
        .await
        .assert_contains(&format!("<tr data-approval=\"{id}\">"))
        .assert_contains("data-waiting=");
    admin
        .get(&format!("/approvals/{id}"))
        .await
        .assert_contains("data-decide=\"approve\"");
    admin
        .post(&format!("/approvals/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/approvals/{id}"));
    assert_eq!(quantity(&app).await, "40");
    assert_eq!(state(&app, &id).await, "approved");
    assert_eq!(app.count("activity WHERE action = 'licenses'").await, 1);
}

#[actix_web::test]
async fn a_rejection_needs_a_note_and_names_the_requester() {
    let app = spawn_app().await;
    set_thresholds(&app, "0", "").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let id = request(&seller).await;
    let agent = app.another_browser();
    agent.sign_in(ADMIN_AGENT).await;
    agent.get(&format!("/approvals/{id}")).await;

    let without = agent
        .post(&format!("/approvals/{id}/reject"), &[("note", "  ")])
        .await;
    without
        .assert_status(422)
        .assert_contains("aria-invalid=\"true\"");
    assert_eq!(state(&app, &id).await, "pending");

    let rejected = agent
        .post(
            &format!("/approvals/{id}/reject"),
            &[("note", "Fabrikam asked for 30, not 40")],
        )
        .await;
    rejected.assert_redirect(&format!("/approvals/{id}"));
    assert_eq!(state(&app, &id).await, "rejected");
    assert_eq!(quantity(&app).await, "25");
    assert_eq!(
        app.value(
            "SELECT user_email || ' ' || user_role || ' ' || detail FROM activity \
             WHERE action = 'approval_rejected'"
        )
        .await
        .as_deref(),
        Some(
            "sales@contoso.example admin-agent seller@contoso.example · Fabrikam asked for 30, not 40"
        )
    );
    // The requester reads the note; an approval afterwards changes nothing.
    seller
        .get("/approvals")
        .await
        .assert_contains(&format!("data-approval=\"{id}\" data-state=\"rejected\""))
        .assert_contains("Fabrikam asked for 30, not 40");
    let admin = app.another_browser();
    admin.sign_in(CONTOSO).await;
    admin.get("/approvals").await;
    admin
        .post(&format!("/approvals/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/approvals/{id}"));
    assert_eq!(quantity(&app).await, "25");
    assert_eq!(state(&app, &id).await, "rejected");
}

#[actix_web::test]
async fn the_requester_withdraws_and_nothing_is_changed() {
    let app = spawn_app().await;
    set_thresholds(&app, "0", "").await;
    let seller = member(&app, "seller", Role::SalesAgent).await;
    let id = request(&seller).await;

    seller
        .post(&format!("/approvals/{id}/withdraw"), &[])
        .await
        .assert_redirect(&format!("/approvals/{id}"));

    assert_eq!(state(&app, &id).await, "withdrawn");
    assert_eq!(
        app.count(
            "activity WHERE action = 'approval_withdrawn' AND user_email = 'seller@contoso.example'"
        )
        .await,
        1
    );
    let admin = app.another_browser();
    admin.sign_in(CONTOSO).await;
    admin.get("/approvals").await;
    admin
        .post(&format!("/approvals/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/approvals/{id}"));
    assert_eq!(quantity(&app).await, "25");
}

#[actix_web::test]
async fn thresholds_that_cant_be_read_are_shown_again_with_why() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.get("/settings").await;

    let page = app
        .post("/settings/approvals", &[("cost", "-5"), ("rows", "many")])
        .await;

    page.assert_status(422)
        .assert_contains("id=\"cost-error\"")
        .assert_contains("id=\"rows-error\"")
        .assert_contains("value=\"many\"");
    assert_eq!(
        app.count("resellers WHERE approval_cost IS NOT NULL OR approval_rows IS NOT NULL")
            .await,
        0
    );
    app.post(
        "/settings/approvals",
        &[("cost", "¥1,000.50"), ("rows", "200")],
    )
    .await
    .assert_redirect("/settings?done=approvals");
    assert_eq!(
        app.value(
            "SELECT approval_cost || ' ' || approval_rows FROM resellers WHERE id = 'contoso'"
        )
        .await
        .as_deref(),
        Some("1000.5 200")
    );
}
