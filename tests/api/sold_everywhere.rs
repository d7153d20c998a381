//! Issue 31: a customer made in the portal and the subscription sold to it are everywhere the
//! others are: the customers' and subscriptions' exports, a bulk job's license change, the
//! Charges page and its file (bought on Jul 20 with billing day 15: nothing until Aug 15, then
//! the advance at the licenses held that day), the activity log (each door) and an event for
//! each.

use serde_json::json;

use crate::api_client::Api;
use crate::bulk::{confirm, finished, upload};
use crate::helpers::{assert_invariants, july_20_with_billing_day_15};

const ADMIN: (&str, &str) = ("admin@example.example", "example-demo");

#[actix_web::test]
async fn a_new_customer_and_its_subscription_are_everywhere_the_others_are() {
    let app = july_20_with_billing_day_15().await;
    let api = Api::issue(&app, ADMIN.0).await;
    let made = api
        .post(
            "/v1/customers",
            &[],
            json!({
                "CompanyProfile": { "Domain": "chenguang.partner.onmschina.cn" },
                "BillingProfile": {
                    "Email": "zhao@example.com", "Culture": "zh-CN", "Language": "zh",
                    "CompanyName": "晨光文具有限公司",
                    "DefaultAddress": {
                        "Country": "CN", "City": "杭州", "State": "浙江省",
                        "AddressLine1": "西湖区文三路 90 号", "PostalCode": "310012",
                        "FirstName": "敏", "LastName": "赵", "PhoneNumber": "0571-8888-8888"
                    }
                }
            }),
        )
        .await
        .assert_status(201);
    let customer = made["id"].as_str().unwrap().to_owned();
    let order = api
        .post(
            &format!("/v1/customers/{customer}/orders"),
            &[],
            json!({ "lineItems": [{ "lineItemNumber": 0, "offerId": "O365_E3",
                                    "friendlyName": "晨光 E3", "quantity": 15 }] }),
        )
        .await
        .assert_status(201);
    let subscription = order["lineItems"][0]["subscriptionId"]
        .as_str()
        .unwrap()
        .to_owned();

    app.sign_in(ADMIN).await;
    // The exports.
    app.get("/customers/export/customers.csv")
        .await
        .assert_status(200)
        .assert_contains("晨光文具有限公司")
        .assert_contains("chenguang.partner.onmschina.cn");
    app.get("/customers/export/subscriptions.csv")
        .await
        .assert_status(200)
        .assert_contains(&subscription)
        .assert_contains("晨光 E3");

    // A bulk job's license change, the same day: 15 → 18 (free until the billing date).
    let job = upload(
        &app,
        &format!("Subscription ID,Action,Target offer ID,Quantity\n{subscription},licenses,,18\n"),
    )
    .await;
    confirm(&app, job).await;
    assert_eq!(finished(&app, job).await, "done");
    assert_eq!(
        app.value(&format!(
            "SELECT quantity FROM subscriptions WHERE id = '{subscription}'"
        ))
        .await
        .unwrap(),
        "18"
    );

    // The Charges page on Aug 15's invoice: nothing for the days before, then the advance at
    // the licenses held that day, 18 × 11.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-08-20T10:00:00+08:00")
            .unwrap()
            .into(),
    );
    app.get("/charges?date=2026-08-15")
        .await
        .assert_status(200)
        .assert_contains("晨光 E3")
        .assert_contains("¥198.00");
    let file = app.get("/charges.csv?date=2026-08-15").await;
    file.assert_status(200);
    let lines: Vec<(String, String, String)> = file
        .body
        .lines()
        .filter(|r| r.contains(&subscription))
        .map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            (f[7].to_owned(), f[8].to_owned(), f[12].to_owned())
        })
        .collect();
    assert!(
        lines
            .iter()
            .filter(|l| l.0 != "advance")
            .all(|l| l.2 == "0.00"),
        "{lines:?}"
    );
    assert!(
        lines.contains(&("advance".into(), "2026-08-15".into(), "198.00".into())),
        "{lines:?}"
    );

    // The activity log: who, through which door (the API's token, the bulk job).
    for (what, count) in [
        (
            format!(
                "action = 'customer_created' AND customer_id = '{customer}' AND token_id IS NOT NULL"
            ),
            1,
        ),
        (
            format!(
                "action = 'purchase' AND subscription_id = '{subscription}' AND token_id IS NOT NULL"
            ),
            1,
        ),
        (
            format!(
                "action = 'licenses' AND subscription_id = '{subscription}' AND job_id = {job}"
            ),
            1,
        ),
    ] {
        assert_eq!(
            app.count(&format!("activity WHERE {what}")).await,
            count,
            "{what}"
        );
    }
    // An event for each: the customer, the order, the subscription made and changed, the job.
    for (what, count) in [
        (
            format!("name = 'customer-created' AND resource_id = '{customer}'"),
            1,
        ),
        ("name = 'order-created'".to_owned(), 1),
        (
            format!("name = 'subscription-updated' AND resource_id = '{subscription}'"),
            2,
        ),
        (
            format!("name = 'bulk-job-completed' AND resource_id = '{job}'"),
            1,
        ),
    ] {
        assert_eq!(
            app.count(&format!("events WHERE {what}")).await,
            count,
            "{what}"
        );
    }
    assert_invariants(&app).await;
}
