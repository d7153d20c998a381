//! The webhooks' upkeep (issue 33): the events outbox forgets what the webhooks are done with
//! once it is older than the days kept (`PORTAL_WEBHOOK_EVENTS_DAYS`), and test events are
//! throttled per reseller (two a minute, as Partner Center), on the API (429, `Retry-After`, Partner Center's error body) and on
//! the Notifications page alike.

use std::time::Duration;

use sea_orm::ConnectionTrait as _;
use serde_json::json;

use crate::api_client::{Api, subscription};
use crate::helpers::{CONTOSO, NORTHWIND, TestApp, spawn_app_with};
use crate::receiver::{Receiver, Reply};
use crate::webhooks::{ALLOW, register, wait_until};

const VALIDATION: &str = "/webhooks/v1/registration/validationEvents";

async fn licenses(api: &Api, quantity: u32) {
    api.patch(
        &subscription("c-fabrikam", "s-fabrikam-essentials"),
        &[],
        json!({ "quantity": quantity }),
    )
    .await
    .assert_status(200);
}

async fn event_ids(app: &TestApp) -> Vec<i32> {
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT id FROM events ORDER BY id",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<i32>("", "id").unwrap())
        .collect()
}

fn at(days: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc)
        + chrono::TimeDelta::days(days)
}

#[actix_web::test]
async fn the_outbox_forgets_the_events_the_webhooks_are_done_with_after_a_week() {
    let app = spawn_app_with(&[
        ALLOW,
        ("PORTAL_CLOCK", &at(0).to_rfc3339()),
        // A failed attempt is tried again only in an hour: its delivery stays pending.
        ("PORTAL_WEBHOOK_RETRY_SECONDS", "3600"),
    ])
    .await;
    let api = Api::issue(&app, CONTOSO.0).await;
    // Heard by nobody: taken at once, with no delivery.
    licenses(&api, 29).await;
    wait_until(&app, "events WHERE webhooks = 1").await;
    let receiver = Receiver::start();
    register(&api, &receiver.url, &["subscription-updated"]).await;
    // Delivered.
    licenses(&api, 30).await;
    wait_until(&app, "webhook_deliveries WHERE state = 'sent'").await;
    // Refused by the receiver: pending until its next attempt.
    receiver.script(&[Reply::Status(500)]);
    licenses(&api, 31).await;
    wait_until(
        &app,
        "webhook_deliveries WHERE state = 'pending' AND attempts = 1",
    )
    .await;
    let ids = event_ids(&app).await;
    assert_eq!(ids.len(), 3);

    // Six days on: all kept (a look of the sweep comes within a second of the clock's move).
    app.clock.set(at(6));
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(event_ids(&app).await, ids);

    // Eight days on: the event heard by nobody and the delivered one are forgotten; the one
    // whose delivery is pending stays, and so does a new one.
    app.clock.set(at(8));
    licenses(&api, 32).await;
    let until = std::time::Instant::now() + Duration::from_secs(20);
    let left = loop {
        let left = event_ids(&app).await;
        if left.len() == 2 {
            break left;
        }
        assert!(std::time::Instant::now() < until, "never trimmed: {left:?}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(left[0], ids[2], "the event with a pending delivery is kept");
    assert!(left[1] > ids[2]);
    // The deliveries are the Notifications log's, kept 7 days of their own; the new event's
    // is made (behind the pending one of the same subscription).
    wait_until(
        &app,
        &format!("webhook_deliveries WHERE event_id = {}", left[1]),
    )
    .await;
    assert_eq!(app.count("webhook_deliveries").await, 3);
    // The pending one is still sent, whole, when its time comes.
    app.db
        .execute_unprepared("UPDATE webhook_deliveries SET next_at = 0 WHERE state = 'pending'")
        .await
        .unwrap();
    let got = receiver.wait_for(4, Duration::from_secs(20)).await;
    assert_eq!(got[2].body, got[1].body, "the refused one, again");
    wait_until(&app, "webhook_deliveries WHERE state = 'sent' AND attempts = 1 AND id = (SELECT MAX(id) FROM webhook_deliveries)").await;
}

#[actix_web::test]
async fn test_events_come_two_a_minute_then_the_api_says_when_to_try_again() {
    let app = spawn_app_with(&[ALLOW]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let receiver = Receiver::start();
    register(&api, &receiver.url, &["test-created"]).await;
    for _ in 0..2 {
        api.post(VALIDATION, &[], json!({}))
            .await
            .assert_status(200);
    }
    let refused = api.post(VALIDATION, &[], json!({})).await;
    let body = refused.assert_error(429, 429);
    assert_eq!(body["errorName"], "TooManyRequests");
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .contains("at most 2 in 60 seconds"),
        "{body}"
    );
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(app.count("webhook_deliveries").await, 2, "none made");
    receiver.wait_for(2, Duration::from_secs(20)).await;

    // Another reseller's test events are its own.
    let northwind = Api::issue(&app, NORTHWIND.0).await;
    register(&northwind, &receiver.url, &["test-created"]).await;
    northwind
        .post(VALIDATION, &[], json!({}))
        .await
        .assert_status(200);

    // The Notifications page says the same, in both languages, and sends none.
    app.sign_in(CONTOSO).await;
    let page = app.post("/notifications/test", &[]).await;
    page.assert_status(429)
        .assert_contains("你在最近一分钟内已发送 2 个测试事件，请等待 ");
    let header = page.headers.get("retry-after").unwrap().to_str().unwrap();
    assert!((1..=60).contains(&header.parse::<u64>().unwrap()));
    app.prefer("en-US");
    app.post("/notifications/test", &[])
        .await
        .assert_status(429)
        .assert_contains("You sent 2 test events in the last minute: wait ");
    assert_eq!(
        app.count("webhook_deliveries WHERE reseller_id = 'contoso'")
            .await,
        2
    );

    // Once the oldest leaves the minute, one more may go.
    app.db
        .execute_unprepared(
            "UPDATE webhook_deliveries SET created_at = created_at - 60000 \
             WHERE reseller_id = 'contoso' AND id = (SELECT MIN(id) FROM webhook_deliveries)",
        )
        .await
        .unwrap();
    api.post(VALIDATION, &[], json!({}))
        .await
        .assert_status(200);
    api.post(VALIDATION, &[], json!({}))
        .await
        .assert_error(429, 429);
}
