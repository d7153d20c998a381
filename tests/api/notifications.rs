//! The Notifications page (通知): the same webhook registration as the API, made and changed by
//! a person, a test event sent from it, the delivery log of the last 7 days, and a failed event
//! sent again. The receiver is the test's own, on loopback.

use std::time::Duration;

use sea_orm::ConnectionTrait as _;

use crate::api_client::Api;
use crate::helpers::{CONTOSO, NORTHWIND, TestApp, spawn_app_with};
use crate::receiver::{Receiver, Reply};

const ALLOW: (&str, &str) = ("PORTAL_WEBHOOK_ALLOW", "127.0.0.1/32");

async fn wait_until(app: &TestApp, table_and_filter: &str) {
    let until = std::time::Instant::now() + Duration::from_secs(20);
    while app.count(table_and_filter).await == 0 {
        assert!(
            std::time::Instant::now() < until,
            "never: {table_and_filter}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn a_person_registers_sends_a_test_and_sends_a_failed_event_again() {
    let app = spawn_app_with(&[ALLOW, ("PORTAL_WEBHOOK_RETRY_SECONDS", "1")]).await;
    let receiver = Receiver::start();
    app.prefer("en-US");
    app.sign_in(CONTOSO).await;
    app.get("/notifications")
        .await
        .assert_status(200)
        .assert_contains("Notifications")
        .assert_contains("No events in the last 7 days.")
        .assert_lacks("Send a test event");

    // What can't be registered is said beside its field, and nothing is kept.
    let bad = app
        .post(
            "/notifications/registration",
            &[("url", "ftp://example.com/"), ("events", "test-created")],
        )
        .await;
    bad.assert_status(422)
        .assert_contains("Enter an http or https address");
    let refused = app
        .post(
            "/notifications/registration",
            &[("url", "http://[::1]:9/hooks"), ("events", "test-created")],
        )
        .await;
    refused
        .assert_status(422)
        .assert_contains("The address leads to ::1");
    app.post("/notifications/registration", &[("url", &receiver.url)])
        .await
        .assert_status(422)
        .assert_contains("Choose at least one event.");
    assert_eq!(app.count("webhook_registrations").await, 0);

    app.post(
        "/notifications/registration",
        &[
            ("url", &receiver.url),
            ("events", "test-created"),
            ("events", "subscription-updated"),
        ],
    )
    .await
    .assert_redirect("/notifications?done=saved");
    // The API reads the same registration.
    let api = Api::issue(&app, CONTOSO.0).await;
    let read = api
        .get("/webhooks/v1/registration")
        .await
        .assert_status(200);
    assert_eq!(read["WebhookUrl"], receiver.url);
    assert_eq!(
        read["WebhookEvents"],
        serde_json::json!(["subscription-updated", "test-created"])
    );
    let page = app.get("/notifications").await;
    page.assert_contains(read["SubscriberId"].as_str().unwrap())
        .assert_contains("/webhooks/v1/certificate");

    // A test event, refused until it fails for good, then sent again.
    receiver.script(&[Reply::Status(500); 3]);
    app.post("/notifications/test", &[])
        .await
        .assert_redirect("/notifications?done=test");
    receiver.wait_for(1, Duration::from_secs(20)).await;
    // Its tenth attempt next. The worker writes each attempt's count as it counted it, so an
    // attempt in flight when the count is set writes its own back: set it again until the
    // delivery fails for good (at most three attempts in all, the receiver's three 500s).
    let until = std::time::Instant::now() + Duration::from_secs(20);
    while app.count("webhook_deliveries WHERE state = 'failed'").await == 0 {
        assert!(std::time::Instant::now() < until, "never failed");
        app.db
            .execute_unprepared(
                "UPDATE webhook_deliveries SET attempts = 9, next_at = 0 \
                 WHERE state = 'pending' AND attempts < 9",
            )
            .await
            .unwrap();
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let page = app.get("/notifications").await;
    page.assert_contains("test-created")
        .assert_contains("Failed")
        .assert_contains("500");
    let id = app
        .value("SELECT id FROM webhook_deliveries")
        .await
        .unwrap();
    app.post(&format!("/notifications/deliveries/{id}/resend"), &[])
        .await
        .assert_redirect("/notifications?done=resent");
    wait_until(&app, "webhook_deliveries WHERE state = 'sent'").await;
    app.get("/notifications")
        .await
        .assert_contains("Sent")
        .assert_lacks("Send again</button>");

    // In Chinese.
    app.prefer("zh-CN");
    app.get("/notifications")
        .await
        .assert_contains("最近 7 天的发送记录")
        .assert_contains("已发送")
        .assert_contains("时间（北京时间）");

    // Another reseller sees none of it, and can't send it again.
    let other = app.another_browser();
    other.sign_in(NORTHWIND).await;
    other
        .get("/notifications")
        .await
        .assert_status(200)
        .assert_lacks("test-created</td>");
    other
        .post(&format!("/notifications/deliveries/{id}/resend"), &[])
        .await
        .assert_status(404);

    app.post("/notifications/registration/remove", &[])
        .await
        .assert_redirect("/notifications?done=removed");
    assert_eq!(app.count("webhook_registrations").await, 0);
}
