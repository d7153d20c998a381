//! Webhooks as Partner Center sends them (issue 33): the registration API, the events a
//! receiver the test starts gets (signed, verified with the certificate the portal serves),
//! retries, order, tenancy, two instances, a kill mid-delivery, and the refusal of addresses
//! on this machine. Every URL registered is the test's own receiver on loopback, allowed with
//! `PORTAL_WEBHOOK_ALLOW`; the refusals are tried with loopback addresses only.

use std::time::Duration;

use base64::Engine as _;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey as _;
use rsa::signature::Verifier as _;
use serde_json::{Value, json};
use x509_cert::der::{Decode as _, Encode as _};

use crate::api_client::{Api, subscription};
use crate::helpers::{CONTOSO, NORTHWIND, TestApp, second_instance_with, spawn_app_with};
use crate::receiver::{Receiver, Reply};

const REGISTRATION: &str = "/webhooks/v1/registration";
/// The receiver's network: loopback, which is otherwise refused.
pub const ALLOW: (&str, &str) = ("PORTAL_WEBHOOK_ALLOW", "127.0.0.1/32");
const WAIT: Duration = Duration::from_secs(20);

pub async fn register(api: &Api, url: &str, events: &[&str]) -> Value {
    api.post(
        REGISTRATION,
        &[],
        json!({ "WebhookUrl": url, "WebhookEvents": events }),
    )
    .await
    .assert_status(200)
}

/// Checks the request as a receiver written for Partner Center does: the headers, the
/// certificate fetched from `X-MS-Certificate-Url`, the RSA-SHA256 signature of the body.
async fn verify(app: &TestApp, received: &crate::receiver::Received) {
    assert_eq!(received.header("x-ms-signature-algorithm"), "rsa-sha256");
    let authorization = received.header("authorization");
    let signature = authorization
        .strip_prefix("Signature ")
        .unwrap_or_else(|| panic!("{authorization}"));
    let certificate_url = received.header("x-ms-certificate-url");
    assert!(
        certificate_url.starts_with(&app.base),
        "{certificate_url} is the portal's"
    );
    let mut res = awc::Client::new()
        .get(certificate_url)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let der = res.body().await.unwrap();
    let certificate = x509_cert::Certificate::from_der(&der).unwrap();
    let spki = certificate
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap();
    let key =
        VerifyingKey::<sha2::Sha256>::new(rsa::RsaPublicKey::from_public_key_der(&spki).unwrap());
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .unwrap();
    key.verify(
        &received.body,
        &Signature::try_from(signature.as_slice()).unwrap(),
    )
    .expect("the signature verifies with the served certificate");
}

#[actix_web::test]
async fn a_reseller_registers_reads_changes_and_ends_one_registration() {
    let app = spawn_app_with(&[ALLOW]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let receiver = Receiver::start();

    let events = api
        .get("/webhooks/v1/registration/events")
        .await
        .assert_status(200);
    assert_eq!(
        events,
        json!([
            "subscription-updated",
            "test-created",
            "customer-created",
            "order-created",
            "bulk-job-completed"
        ])
    );
    api.get(REGISTRATION).await.assert_error(404, 20003);

    let made = register(
        &api,
        &receiver.url,
        &["test-created", "subscription-updated"],
    )
    .await;
    let subscriber = made["SubscriberId"].as_str().unwrap().to_owned();
    assert_eq!(subscriber.len(), 36);
    assert_eq!(made["WebhookUrl"], receiver.url);
    assert_eq!(
        made["WebhookEvents"],
        json!(["subscription-updated", "test-created"])
    );
    // One registration per reseller.
    api.post(
        REGISTRATION,
        &[],
        json!({ "WebhookUrl": receiver.url, "WebhookEvents": ["test-created"] }),
    )
    .await
    .assert_error(409, 800002);

    // camelCase too; the SubscriberId stays.
    let other = format!("{}/other", receiver.url);
    let changed = api
        .send(
            awc::http::Method::PUT,
            REGISTRATION,
            &[],
            Some(&json!({ "webhookUrl": other, "webhookEvents": ["test-created"] }).to_string()),
        )
        .await
        .assert_status(200);
    assert_eq!(changed["SubscriberId"], subscriber.as_str());
    assert_eq!(changed["WebhookUrl"], other);
    let read = api.get(REGISTRATION).await.assert_status(200);
    assert_eq!(read, changed);

    for (body, word) in [
        (
            json!({ "WebhookUrl": "ftp://example.com/", "WebhookEvents": ["test-created"] }),
            "http",
        ),
        (
            json!({ "WebhookUrl": receiver.url, "WebhookEvents": ["invoice-ready"] }),
            "invoice-ready",
        ),
        (
            json!({ "WebhookUrl": receiver.url, "WebhookEvents": [] }),
            "WebhookEvents",
        ),
        (json!({ "WebhookEvents": ["test-created"] }), "WebhookUrl"),
    ] {
        let e = api
            .send(
                awc::http::Method::PUT,
                REGISTRATION,
                &[],
                Some(&body.to_string()),
            )
            .await
            .assert_error(400, 800002);
        assert!(e["description"].as_str().unwrap().contains(word), "{e}");
    }
    assert_eq!(api.get(REGISTRATION).await.assert_status(200), changed);

    // Another reseller sees none of it.
    let northwind = Api::issue(&app, NORTHWIND.0).await;
    northwind.get(REGISTRATION).await.assert_error(404, 20003);

    let gone = api
        .send(awc::http::Method::DELETE, REGISTRATION, &[], None)
        .await;
    assert_eq!(gone.status.as_u16(), 204);
    api.get(REGISTRATION).await.assert_error(404, 20003);
    assert_eq!(app.count("webhook_registrations").await, 0);

    // Without a token: 401, as /v1.
    Api::with_token(&app, "")
        .get(REGISTRATION)
        .await
        .assert_error(401, 800001);
}

#[actix_web::test]
async fn addresses_on_this_machine_are_refused_at_registration_unless_allowed() {
    let app = spawn_app_with(&[]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    for url in [
        "http://127.0.0.2:9/hooks",
        "http://localhost:9/hooks",
        "http://[::1]:9/hooks",
        "http://2130706434:9/hooks",
    ] {
        let e = api
            .post(
                REGISTRATION,
                &[],
                json!({ "WebhookUrl": url, "WebhookEvents": ["test-created"] }),
            )
            .await
            .assert_error(400, 800002);
        let why = e["description"].as_str().unwrap();
        assert!(why.contains("loopback"), "{url}: {why}");
    }
    assert_eq!(app.count("webhook_registrations").await, 0);

    let allowed = spawn_app_with(&[("PORTAL_WEBHOOK_ALLOW", "127.0.0.0/8")]).await;
    let api = Api::issue(&allowed, CONTOSO.0).await;
    register(&api, "http://127.0.0.2:9/hooks", &["test-created"]).await;
    // The network allowed is the only one: ::1 is still refused.
    api.send(
        awc::http::Method::PUT,
        REGISTRATION,
        &[],
        Some(
            &json!({ "WebhookUrl": "http://[::1]:9/", "WebhookEvents": ["test-created"] })
                .to_string(),
        ),
    )
    .await
    .assert_error(400, 800002);
}

#[actix_web::test]
async fn a_change_reaches_the_receiver_signed_with_partner_centers_payload() {
    let app = spawn_app_with(&[ALLOW]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let receiver = Receiver::start();
    register(&api, &receiver.url, &["subscription-updated"]).await;

    let path = subscription("c-fabrikam", "s-fabrikam-essentials");
    let correlation = "6d2b0f3e-8a41-4c6e-9f0a-2b7c5d9e1a34";
    api.patch(
        &path,
        &[("MS-CorrelationId", correlation)],
        json!({ "quantity": 31 }),
    )
    .await
    .assert_status(200);

    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    let event = &got[0];
    assert_eq!(event.target, "/hooks");
    assert!(event.header("content-type").starts_with("application/json"));
    verify(&app, event).await;
    let body = event.json();
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "AuditUri",
            "EventName",
            "ResourceChangeUtcDate",
            "ResourceName",
            "ResourceUri"
        ]
    );
    assert_eq!(body["EventName"], "subscription-updated");
    assert_eq!(body["ResourceName"], "subscription");
    assert_eq!(body["ResourceUri"], format!("{}{path}", app.base));
    // The resource reads with the same token.
    let uri = body["ResourceUri"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.base)
        .unwrap();
    assert_eq!(api.get(uri).await.assert_status(200)["quantity"], 31);
    // The audit record of the change.
    let audit = body["AuditUri"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.base)
        .unwrap();
    let records = api.get(audit).await.assert_status(200);
    assert_eq!(records["totalCount"], 1, "{records}");
    let record = &records["items"][0];
    assert_eq!(record["operationType"], "update_subscription");
    assert_eq!(record["resourceType"], "subscription");
    assert_eq!(record["userPrincipalName"], CONTOSO.0);
    assert_eq!(record["customerId"], "c-fabrikam");
    assert_eq!(record["attributes"]["objectType"], "AuditRecord");
    // Every field is one of the AuditRecord model of Partner Center's .NET SDK
    // (Models/Auditing/AuditRecord.cs and its ResourceBase), and the enums hold its values.
    let published = [
        "applicationId",
        "customerId",
        "customerName",
        "customizedData",
        "id",
        "operationDate",
        "operationStatus",
        "operationType",
        "originalCorrelationId",
        "partnerId",
        "resourceNewValue",
        "resourceOldValue",
        "resourceType",
        "userPrincipalName",
        "attributes",
    ];
    for key in record.as_object().unwrap().keys() {
        assert!(
            published.contains(&key.as_str()),
            "{key} is not the model's"
        );
    }
    assert_eq!(record["operationStatus"], "succeeded");
    // Its id in Partner Center's form, the same at every read.
    let id = record["id"].as_str().unwrap();
    assert!(
        id.starts_with("contoso_c-fabrikam_s-fabrikam-essentials_updatesubscription_"),
        "{id}"
    );
    assert_eq!(
        api.get(audit).await.assert_status(200)["items"][0]["id"],
        id
    );
    assert_eq!(records["attributes"]["objectType"], "Collection");
    let new: Value = serde_json::from_str(record["resourceNewValue"].as_str().unwrap()).unwrap();
    assert_eq!(new["Quantity"], 31);
    assert!(
        body["ResourceChangeUtcDate"]
            .as_str()
            .unwrap()
            .ends_with("+00:00")
    );

    // An upgrade announces the subscription upgraded and the one it created.
    let created = api
        .post(
            &format!("{path}/upgrades"),
            &[],
            json!({ "targetOffer": { "id": "O365_E3" }, "quantity": 5, "upgradeType": "upgrade_with_license_transfer" }),
        )
        .await;
    assert!(created.status.is_success(), "{}", created.text);
    let got = receiver.wait_for(3, WAIT).await;
    let uris: Vec<String> = got[1..]
        .iter()
        .map(|r| r.json()["ResourceUri"].as_str().unwrap().to_owned())
        .collect();
    assert!(uris.contains(&format!("{}{path}", app.base)), "{uris:?}");
    assert!(
        uris.iter().any(|u| u != &format!("{}{path}", app.base)
            && u.starts_with(&format!(
                "{}/v1/customers/c-fabrikam/subscriptions/",
                app.base
            ))),
        "{uris:?}"
    );
    for r in &got {
        verify(&app, r).await;
    }
    // Sent without a correlation id, the upgrade's records carry the one its answer gave.
    let made_up = created.header("ms-correlationid").unwrap();
    let upgrade_audit = got[1].json()["AuditUri"].as_str().unwrap()[app.base.len()..].to_owned();
    let records = api.get(&upgrade_audit).await.assert_status(200);
    assert_eq!(records["items"][0]["operationType"], "upgrade_subscription");
    assert_eq!(
        records["items"][0]["originalCorrelationId"],
        made_up.as_str()
    );
    assert_eq!(
        app.count("webhook_deliveries WHERE state = 'sent' AND attempts = 1")
            .await,
        3
    );
    // Deliveries are counted for operators.
    let metrics = app.get("/metrics").await;
    // (The counters are the test process's, shared by every test in it.)
    metrics.assert_contains(
        "portal_webhook_deliveries_total{event=\"subscription-updated\",result=\"sent\"} ",
    );
    metrics.assert_contains(
        "portal_webhook_attempts_total{event=\"subscription-updated\",outcome=\"ok\"} ",
    );
    metrics.assert_contains("portal_webhook_oldest_pending_seconds");
}

#[actix_web::test]
async fn a_test_event_is_sent_and_its_attempts_are_told() {
    let app = spawn_app_with(&[ALLOW, ("PORTAL_WEBHOOK_RETRY_SECONDS", "1")]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let receiver = Receiver::start();
    // Not registered for test-created: refused.
    register(&api, &receiver.url, &["subscription-updated"]).await;
    api.post("/webhooks/v1/registration/validationEvents", &[], json!({}))
        .await
        .assert_error(400, 800002);
    api.send(
        awc::http::Method::PUT,
        REGISTRATION,
        &[],
        Some(&json!({ "WebhookUrl": receiver.url, "WebhookEvents": ["test-created"] }).to_string()),
    )
    .await
    .assert_status(200);

    receiver.script(&[Reply::Status(500), Reply::Status(503)]);
    let sent = api
        .post("/webhooks/v1/registration/validationEvents", &[], json!({}))
        .await
        .assert_status(200);
    let correlation = sent["correlationId"].as_str().unwrap().to_owned();
    let got = receiver.wait_for(3, WAIT).await;
    let body = got[2].json();
    assert_eq!(body["EventName"], "test-created");
    assert_eq!(body["ResourceName"], "test");
    assert_eq!(body["AuditUri"], Value::Null);
    assert_eq!(
        body["ResourceUri"],
        format!(
            "{}/webhooks/v1/registration/validationEvents/{correlation}",
            app.base
        )
    );
    // The same bytes each time, each signed.
    assert!(got.iter().all(|r| r.body == got[0].body));
    verify(&app, &got[2]).await;

    let state = loop {
        let state = api
            .get(&format!(
                "/webhooks/v1/registration/validationEvents/{correlation}"
            ))
            .await
            .assert_status(200);
        if state["status"] == "completed" {
            break state;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(state["correlationId"], correlation.as_str());
    assert_eq!(state["partnerId"], "contoso");
    assert_eq!(state["callbackUrl"], receiver.url);
    let codes: Vec<&str> = state["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["responseCode"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["InternalServerError", "ServiceUnavailable", "OK"]);
    for r in state["results"].as_array().unwrap() {
        assert_eq!(r["systemError"], false);
        assert!(r["durationMilliseconds"].as_u64().unwrap() < 5000);
        assert!(
            !r["responseMessage"].as_str().unwrap().contains("no"),
            "{r}"
        );
    }
    // Another reseller can't read it.
    Api::issue(&app, NORTHWIND.0)
        .await
        .get(&format!(
            "/webhooks/v1/registration/validationEvents/{correlation}"
        ))
        .await
        .assert_error(404, 20003);
}

#[actix_web::test]
async fn a_receiver_that_does_not_answer_in_five_seconds_is_tried_again() {
    let app = spawn_app_with(&[ALLOW, ("PORTAL_WEBHOOK_RETRY_SECONDS", "1")]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let receiver = Receiver::start();
    register(&api, &receiver.url, &["test-created"]).await;
    receiver.script(&[Reply::Hang(Duration::from_secs(7))]);
    let sent = api
        .post("/webhooks/v1/registration/validationEvents", &[], json!({}))
        .await
        .assert_status(200);
    let correlation = sent["correlationId"].as_str().unwrap().to_owned();
    receiver.wait_for(2, WAIT).await;
    let state = loop {
        let state = api
            .get(&format!(
                "/webhooks/v1/registration/validationEvents/{correlation}"
            ))
            .await
            .assert_status(200);
        if state["status"] == "completed" {
            break state;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    let first = &state["results"][0];
    assert_eq!(first["responseCode"], "Timeout");
    assert_eq!(first["systemError"], true);
    let took = first["durationMilliseconds"].as_u64().unwrap();
    assert!((5000..9000).contains(&took), "{took}");
    assert_eq!(state["results"][1]["responseCode"], "OK");
}

#[actix_web::test]
async fn ten_failed_attempts_mark_the_event_failed_until_it_is_sent_again() {
    let app = spawn_app_with(&[ALLOW, ("PORTAL_WEBHOOK_RETRY_SECONDS", "1")]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let receiver = Receiver::start();
    register(&api, &receiver.url, &["test-created"]).await;
    receiver.script(&[Reply::Status(500); 4]);
    api.post("/webhooks/v1/registration/validationEvents", &[], json!({}))
        .await
        .assert_status(200);
    receiver.wait_for(2, WAIT).await;
    // The second attempt recorded, the third not yet due (2 s later).
    wait_until(
        &app,
        "webhook_deliveries WHERE attempts = 2 AND lease_owner IS NULL",
    )
    .await;
    // Eight attempts of the backoff's hours later: the ninth failed, the tenth is due now.
    app.db
        .execute_unprepared(
            "UPDATE webhook_deliveries SET attempts = 9, next_at = 0 WHERE state = 'pending'",
        )
        .await
        .unwrap();
    wait_until(&app, "webhook_deliveries WHERE state = 'failed'").await;
    assert_eq!(app.count("webhook_deliveries WHERE attempts = 10").await, 1);
    let seen = receiver.received().len();
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), seen, "nothing more once failed");
}

use sea_orm::ConnectionTrait as _;

/// Waits until `table_and_filter` counts a row.
pub async fn wait_until(app: &TestApp, table_and_filter: &str) {
    let until = std::time::Instant::now() + WAIT;
    while app.count(table_and_filter).await == 0 {
        assert!(
            std::time::Instant::now() < until,
            "never: {table_and_filter}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn another_resellers_registration_hears_nothing_of_this_ones_changes() {
    let app = spawn_app_with(&[ALLOW]).await;
    let contoso = Api::issue(&app, CONTOSO.0).await;
    let northwind = Api::issue(&app, NORTHWIND.0).await;
    let (for_contoso, for_northwind) = (Receiver::start(), Receiver::start());
    register(&contoso, &for_contoso.url, &["subscription-updated"]).await;
    register(&northwind, &for_northwind.url, &["subscription-updated"]).await;

    northwind
        .patch(
            &subscription("c-margie", "s-margie-essentials"),
            &[],
            json!({ "quantity": 21 }),
        )
        .await
        .assert_status(200);
    contoso
        .patch(
            &subscription("c-fabrikam", "s-fabrikam-essentials"),
            &[],
            json!({ "quantity": 29 }),
        )
        .await
        .assert_status(200);
    let theirs = for_northwind.wait_for(1, WAIT).await;
    let ours = for_contoso.wait_for(1, WAIT).await;
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(for_northwind.received().len(), 1);
    assert_eq!(for_contoso.received().len(), 1);
    assert!(
        theirs[0].json()["ResourceUri"]
            .as_str()
            .unwrap()
            .ends_with("/s-margie-essentials")
    );
    assert!(
        ours[0].json()["ResourceUri"]
            .as_str()
            .unwrap()
            .ends_with("/s-fabrikam-essentials")
    );
}

#[actix_web::test]
async fn a_subscriptions_events_arrive_in_order_even_when_the_first_is_retried() {
    let app = spawn_app_with(&[ALLOW, ("PORTAL_WEBHOOK_RETRY_SECONDS", "1")]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let receiver = Receiver::start();
    register(&api, &receiver.url, &["subscription-updated"]).await;
    receiver.script(&[Reply::Status(500)]);
    let path = subscription("c-fabrikam", "s-fabrikam-essentials");
    for quantity in [31, 32, 33] {
        api.patch(&path, &[], json!({ "quantity": quantity }))
            .await
            .assert_status(200);
    }
    let got = receiver.wait_for(4, WAIT).await;
    let dates: Vec<String> = got
        .iter()
        .map(|r| {
            r.json()["ResourceChangeUtcDate"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    // The first, refused, then again, then the two after it.
    assert_eq!(dates[0], dates[1], "{dates:?}");
    assert!(dates[1] < dates[2] && dates[2] < dates[3], "{dates:?}");
}

#[actix_web::test]
async fn two_instances_share_the_deliveries_and_send_each_once() {
    // Ten test events at once: more than a reseller may usually send in 30 seconds.
    let burst = ("PORTAL_WEBHOOK_TEST_BURST", "10");
    let app = spawn_app_with(&[ALLOW, burst]).await;
    let other = second_instance_with(&app, &[ALLOW, burst]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let receiver = Receiver::start();
    register(
        &api,
        &receiver.url,
        &["subscription-updated", "test-created"],
    )
    .await;
    let on_other = Api::with_token(&other, &api.token);
    for i in 0..10 {
        let a = if i % 2 == 0 { &api } else { &on_other };
        a.post("/webhooks/v1/registration/validationEvents", &[], json!({}))
            .await
            .assert_status(200);
    }
    for quantity in [31, 32, 33, 34] {
        on_other
            .patch(
                &subscription("c-fabrikam", "s-fabrikam-essentials"),
                &[],
                json!({ "quantity": quantity }),
            )
            .await
            .assert_status(200);
    }
    let got = receiver.wait_for(14, WAIT).await;
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 14, "each sent once");
    let mut bodies: Vec<&[u8]> = got.iter().map(|r| r.body.as_slice()).collect();
    bodies.sort();
    bodies.dedup();
    assert_eq!(bodies.len(), 14);
    assert_eq!(
        app.count("webhook_deliveries WHERE state = 'sent' AND attempts = 1")
            .await,
        14
    );
    assert_eq!(app.count("webhook_attempts").await, 14);
}

#[actix_web::test]
async fn an_address_on_this_machine_is_refused_at_delivery_too() {
    // Registered on an instance that allows loopback but sends nothing; sent by one that
    // doesn't allow it.
    let app = spawn_app_with(&[ALLOW, ("PORTAL_WEBHOOK_WORKER", "false")]).await;
    let _sender = second_instance_with(&app, &[("PORTAL_WEBHOOK_RETRY_SECONDS", "60")]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let receiver = Receiver::start();
    register(
        &api,
        &receiver.url,
        &["test-created", "subscription-updated"],
    )
    .await;
    let sent = api
        .post("/webhooks/v1/registration/validationEvents", &[], json!({}))
        .await
        .assert_status(200);
    api.patch(
        &subscription("c-fabrikam", "s-fabrikam-essentials"),
        &[],
        json!({ "quantity": 31 }),
    )
    .await
    .assert_status(200);
    let correlation = sent["correlationId"].as_str().unwrap();
    wait_until(&app, "webhook_attempts").await;
    wait_until(
        &app,
        "webhook_deliveries WHERE name = 'subscription-updated' AND attempts = 1",
    )
    .await;
    let state = api
        .get(&format!(
            "/webhooks/v1/registration/validationEvents/{correlation}"
        ))
        .await
        .assert_status(200);
    assert_eq!(state["status"], "inProgress");
    assert_eq!(state["results"][0]["responseCode"], "AddressRefused");
    assert_eq!(state["results"][0]["systemError"], true);
    assert_eq!(
        app.count("webhook_attempts WHERE outcome = 'refused-address'")
            .await,
        2
    );
    assert_eq!(receiver.started(), 0, "nothing reached the receiver");
}

#[actix_web::test]
async fn a_delivery_cut_by_sigkill_is_made_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database(dir.path()).await;
    let settings = [ALLOW, ("PORTAL_WEBHOOK_LEASE_SECONDS", "6")];
    let (mut child, base) = crate::crash::start_with(&url, &settings);
    let db = portal::store::connect(&url, 2).await.unwrap();
    let app = TestApp::browser_for(base, db, url.clone());
    let api = Api::issue(&app, CONTOSO.0).await;
    let receiver = Receiver::start();
    register(&api, &receiver.url, &["test-created"]).await;
    // The first request is left unanswered: the portal is killed while it waits.
    receiver.script(&[Reply::Hang(Duration::from_secs(20))]);
    api.post("/webhooks/v1/registration/validationEvents", &[], json!({}))
        .await
        .assert_status(200);
    let until = std::time::Instant::now() + WAIT;
    while receiver.started() == 0 {
        assert!(
            std::time::Instant::now() < until,
            "the delivery never started"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        app.count("webhook_deliveries WHERE state = 'pending' AND attempts = 0")
            .await,
        1
    );

    let (mut again, _) = crate::crash::start_with(&url, &settings);
    wait_until(&app, "webhook_deliveries WHERE state = 'sent'").await;
    assert_eq!(receiver.started(), 2, "sent again after the restart");
    assert_eq!(app.count("webhook_attempts").await, 1);
    again.kill().unwrap();
    again.wait().unwrap();
}

#[actix_web::test]
async fn the_key_of_portal_webhook_key_signs_and_a_made_key_is_every_instances() {
    use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};

    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("webhooks.pem");
    std::fs::write(
        &file,
        key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    let app = spawn_app_with(&[("PORTAL_WEBHOOK_KEY", file.to_str().unwrap())]).await;
    let certificate = app.get("/webhooks/v1/certificate").await;
    assert_eq!(certificate.status.as_u16(), 200);
    let served = certificate_key(&app).await;
    assert_eq!(
        served,
        key.to_public_key().to_public_key_der().unwrap().as_bytes()
    );
    assert_eq!(
        app.count("webhook_keys").await,
        0,
        "the file's key is not kept"
    );

    // A file that holds no key stops the start.
    std::fs::write(&file, "not a key").unwrap();
    let url = crate::helpers::fresh_database(dir.path()).await;
    let failed =
        crate::helpers::build_on(&url, &[("PORTAL_WEBHOOK_KEY", file.to_str().unwrap())]).await;
    assert!(failed.is_err());

    // Without a file, the first instance that needs a key makes it; the other reads it.
    let app = spawn_app_with(&[]).await;
    let other = second_instance_with(&app, &[]).await;
    let (a, b) = (certificate_key(&app).await, certificate_key(&other).await);
    assert_eq!(a, b);
    assert_eq!(app.count("webhook_keys").await, 1);
}

/// The public key (SubjectPublicKeyInfo, DER) of the certificate an instance serves.
async fn certificate_key(app: &TestApp) -> Vec<u8> {
    let mut res = awc::Client::new()
        .get(format!("{}/webhooks/v1/certificate", app.base))
        .send()
        .await
        .unwrap();
    let der = res.body().await.unwrap();
    x509_cert::Certificate::from_der(&der)
        .unwrap()
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap()
}

#[actix_web::test]
async fn a_bulk_job_announces_each_change_and_its_end() {
    let app = spawn_app_with(&[ALLOW]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let receiver = Receiver::start();
    register(
        &api,
        &receiver.url,
        &["subscription-updated", "bulk-job-completed"],
    )
    .await;
    app.sign_in(CONTOSO).await;
    app.get("/bulk").await.assert_status(200);
    let review = app
        .submit(
            "/bulk/file",
            &[
                (
                    "rows",
                    "Subscription ID,Action,Target offer ID,Quantity\ns-fabrikam-essentials,licenses,,31\n",
                ),
                ("file_name", "changes.csv"),
            ],
        )
        .await;
    let job = review.location.clone().unwrap();
    app.get(&job).await.assert_status(200);
    app.submit(&format!("{job}/start"), &[])
        .await
        .assert_redirect(&job);
    let mut got = receiver.wait_for(2, WAIT).await;
    // Two resources: no order between them.
    got.sort_by_key(|r| r.json()["EventName"].as_str().unwrap().to_owned());
    let (end, change) = (got[0].json(), got[1].json());
    assert_eq!(change["EventName"], "subscription-updated");
    assert_eq!(end["EventName"], "bulk-job-completed");
    assert_eq!(end["ResourceName"], "bulkjob");
    assert_eq!(end["ResourceUri"], format!("{}{job}", app.base));
    verify(&app, &got[0]).await;
}

#[actix_web::test]
async fn customer_and_order_events_of_the_outbox_are_delivered_with_their_addresses() {
    // Issue 31's changes record these; here they are written as its engine writes them.
    let app = spawn_app_with(&[ALLOW]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let receiver = Receiver::start();
    register(&api, &receiver.url, &["customer-created", "order-created"]).await;
    for (name, resource, id) in [
        ("customer-created", "customer", "c-fabrikam"),
        ("order-created", "order", "o-1"),
        // Not registered for: never sent.
        (
            "subscription-updated",
            "subscription",
            "s-fabrikam-essentials",
        ),
    ] {
        app.db
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                app.db.get_database_backend(),
                "INSERT INTO events (reseller_id, name, resource, resource_id, customer_id, \
                 user_email, door, at) VALUES ('contoso', $1, $2, $3, 'c-fabrikam', \
                 'admin@contoso.example', 'api', $4)",
                [
                    name.into(),
                    resource.into(),
                    id.into(),
                    chrono::Utc::now().into(),
                ],
            ))
            .await
            .unwrap();
    }
    let got = receiver.wait_for(2, WAIT).await;
    let mut bodies: Vec<Value> = got.iter().map(|r| r.json()).collect();
    // Two resources: no order between them.
    bodies.sort_by_key(|b| b["EventName"].as_str().unwrap().to_owned());
    assert_eq!(bodies[0]["EventName"], "customer-created");
    assert_eq!(bodies[0]["ResourceName"], "customer");
    assert_eq!(
        bodies[0]["ResourceUri"],
        format!("{}/v1/customers/c-fabrikam", app.base)
    );
    assert_eq!(bodies[1]["EventName"], "order-created");
    assert_eq!(bodies[1]["ResourceName"], "order");
    assert_eq!(
        bodies[1]["ResourceUri"],
        format!("{}/v1/customers/c-fabrikam/orders/o-1", app.base)
    );
    wait_until(
        &app,
        "events WHERE webhooks = 1 AND name = 'subscription-updated'",
    )
    .await;
    actix_web::rt::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(receiver.received().len(), 2);
}
