//! The events outbox: every change records, in its own transaction, an event for each
//! subscription it changed (Partner Center's `subscription-updated`), with who made it and
//! through which door; a refused change records none, and a replay none again.

use serde_json::json;

use crate::api_client::{Api, subscription, upgrades};
use crate::helpers::{CONTOSO, assert_invariants, details, spawn_app};

const FABRIKAM: &str = "c-fabrikam";
const ESSENTIALS: &str = "s-fabrikam-essentials";

#[actix_web::test]
async fn a_change_on_a_page_records_one_event_and_its_replay_none() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let page = details(FABRIKAM, ESSENTIALS);
    let version = app.get(&page).await.hidden("version");
    let review = app
        .submit(
            &format!("{page}/licenses"),
            &[("licenses", "30"), ("version", &version)],
        )
        .await;
    app.confirm(&review).await.assert_status(303);
    // Confirm clicked twice: the first change's answer, nothing recorded again.
    app.confirm(&review).await.assert_status(303);
    assert_eq!(
        app.value(
            "SELECT name || ' ' || resource || ' ' || resource_id || ' ' || customer_id || ' ' || \
             user_email || ' ' || door FROM events"
        )
        .await
        .unwrap(),
        "subscription-updated subscription s-fabrikam-essentials c-fabrikam \
         admin@contoso.example page"
    );
    assert_eq!(app.count("events").await, 1);
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn an_upgrade_announces_its_source_and_its_new_subscription() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let id = [("MS-RequestId", "8a3d1c7e-55f0-4c3a-9b1e-0f5e2d9c4b71")];
    let body = json!({ "targetOffer": { "id": "O365_E3" } });
    let first = api
        .post(&upgrades(FABRIKAM, ESSENTIALS), &id, body.clone())
        .await;
    first.assert_status(200);
    let again = api.post(&upgrades(FABRIKAM, ESSENTIALS), &id, body).await;
    again.assert_status(200);
    let target = app.value("SELECT target_id FROM upgrades").await.unwrap();
    assert_eq!(
        app.count(&format!(
            "events WHERE door = 'api' AND token_id IS NOT NULL AND resource_id IN \
             ('{ESSENTIALS}', '{target}')"
        ))
        .await,
        2
    );
    assert_eq!(app.count("events").await, 2);
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn a_refused_change_records_no_event() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    // Below the licenses assigned to users (20): refused, nothing written.
    api.patch(
        &subscription(FABRIKAM, ESSENTIALS),
        &[],
        json!({ "quantity": 3 }),
    )
    .await
    .assert_status(400);
    // An edit of nothing that differs: no change, no event.
    api.patch(
        &subscription(FABRIKAM, ESSENTIALS),
        &[],
        json!({ "quantity": 25 }),
    )
    .await
    .assert_status(200);
    assert_eq!(app.count("events").await, 0);
    // An edit of two fields is one change: one event, two records.
    api.patch(
        &subscription(FABRIKAM, ESSENTIALS),
        &[],
        json!({ "quantity": 26, "friendlyName": "销售部" }),
    )
    .await
    .assert_status(200);
    assert_eq!(app.count("events").await, 1);
    assert_eq!(
        app.count(&format!("activity WHERE subscription_id = '{ESSENTIALS}'"))
            .await,
        2
    );
    assert_invariants(&app).await;
}
