//! Issue 31: the catalog (`GET /v1/offers`, the Catalog page) and orders of new subscriptions
//! through the API: Partner Center's shapes, every rule of an order with nothing written when
//! one fails, tenancy, replays and concurrent requests, the activity log, the events and the
//! charges of a purchase.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::api_client::{Answer, Api};
use crate::helpers::{
    CONTOSO, NORTHWIND, assert_invariants, july_20_with_billing_day_15, portal_command, spawn_app,
    spawn_app_with,
};

const FABRIKAM: &str = "c-fabrikam";

fn orders(customer: &str) -> String {
    format!("/v1/customers/{customer}/orders")
}

fn one_line(offer: &str, quantity: Value) -> Value {
    json!({
        "BillingCycle": "monthly",
        "LineItems": [{ "LineItemNumber": 0, "OfferId": offer, "FriendlyName": "Sales", "Quantity": quantity }]
    })
}

async fn post_order(api: &Api, customer: &str, headers: &[(&str, &str)], body: Value) -> Answer {
    api.post(&orders(customer), headers, body).await
}

#[actix_web::test]
async fn the_catalog_in_partner_centers_offer_shape() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;

    let all = api.get("/v1/offers?country=CN").await.assert_status(200);
    assert_eq!(all["attributes"]["objectType"], "Collection");
    assert_eq!(all["totalCount"], 9);
    let items = all["items"].as_array().unwrap();
    let e3 = items.iter().find(|o| o["id"] == "O365_E3").unwrap();
    for field in [
        "id",
        "name",
        "description",
        "minimumQuantity",
        "maximumQuantity",
        "isAvailableForPurchase",
        "isAddOn",
        "prerequisiteOffers",
        "upgradeTargetOffers",
        "supportedBillingCycles",
        "billing",
        "unitType",
        "locale",
        "country",
        "product",
        "links",
        "attributes",
    ] {
        assert!(e3.get(field).is_some(), "{field} in {e3}");
    }
    assert_eq!(e3["name"], "Office 365 Enterprise E3");
    assert_eq!(e3["maximumQuantity"], 10_000_000);
    assert_eq!(e3["supportedBillingCycles"], json!(["monthly"]));
    assert_eq!(e3["attributes"]["objectType"], "Offer");
    let business = items.iter().find(|o| o["id"] == "O365_BUSINESS").unwrap();
    assert_eq!(business["maximumQuantity"], 300);
    assert_eq!(
        business["upgradeTargetOffers"],
        json!(["O365_BUSINESS_PREMIUM", "O365_PROPLUS", "O365_E3"])
    );

    // In the X-Locale language.
    let zh = api
        .get_with("/v1/offers/O365_E3?country=cn", &[("X-Locale", "zh-CN")])
        .await
        .assert_status(200);
    assert_eq!(zh["name"], "Office 365 企业版 E3");
    assert_eq!(zh["locale"], "zh-CN");
    assert!(zh["description"].as_str().unwrap().contains("Exchange"));

    // Another market: Partner Center's error; no market at all: invalid input.
    api.get("/v1/offers?country=US")
        .await
        .assert_error(403, 2030);
    api.get("/v1/offers").await.assert_error(400, 800002);
    api.get("/v1/offers/O365_E5").await.assert_error(404, 20003);
}

#[actix_web::test]
async fn the_catalog_page_shows_services_limits_and_prices() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.prefer("zh-CN");
    let page = app.get("/catalog").await;
    page.assert_status(200)
        .assert_contains("产品目录")
        .assert_contains("Office 365 企业版 E3")
        .assert_contains("1–10,000,000")
        .assert_contains("1–300");
    app.prefer("en-US");
    app.get("/catalog")
        .await
        .assert_status(200)
        .assert_contains("Catalog")
        .assert_contains("Skype for Business Online (Plan 2)");
}

#[actix_web::test]
async fn an_order_makes_its_subscriptions_records_and_events() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let before = app.count("subscriptions").await;

    let body = json!({
        "referenceCustomerId": FABRIKAM,
        "lineItems": [
            { "lineItemNumber": 1, "offerId": "EXCHANGE_ONLINE_P1", "quantity": 7 },
            { "lineItemNumber": 0, "offerId": "O365_E3", "friendlyName": "销售部", "quantity": 25 }
        ]
    });
    let order = post_order(&api, FABRIKAM, &[], body)
        .await
        .assert_status(201);
    assert_eq!(order["attributes"]["objectType"], "Order");
    assert_eq!(order["referenceCustomerId"], FABRIKAM);
    assert_eq!(order["billingCycle"], "monthly");
    assert_eq!(order["status"], "completed");
    let lines = order["lineItems"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["lineItemNumber"], 0);
    assert_eq!(lines[0]["friendlyName"], "销售部");
    // A line without a name takes the offer's.
    assert_eq!(lines[1]["friendlyName"], "Exchange Online (Plan 1)");
    assert_eq!(app.count("subscriptions").await, before + 2);

    // The subscriptions are the customer's like the others.
    let id = lines[0]["subscriptionId"].as_str().unwrap();
    let sub = api
        .get(&format!("/v1/customers/{FABRIKAM}/subscriptions/{id}"))
        .await
        .assert_status(200);
    assert_eq!(sub["quantity"], 25);
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["billingCycle"], "monthly");
    assert_eq!(sub["partnerId"], "contoso");

    // One activity record each, through the API door; the order and each subscription
    // announced.
    assert_eq!(
        app.count(&format!(
            "activity WHERE action = 'purchase' AND subscription_id = '{id}' \
             AND token_id IS NOT NULL AND user_email = '{}'",
            CONTOSO.0
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("events WHERE name = 'order-created' AND resource = 'order' AND door = 'api'")
            .await,
        1
    );
    assert_eq!(
        app.count("events WHERE name = 'subscription-updated'")
            .await,
        2
    );

    // Read back: the list and the order.
    let listed = api.get(&orders(FABRIKAM)).await.assert_status(200);
    assert_eq!(listed["totalCount"], 1);
    assert_eq!(listed["items"][0]["id"], order["id"]);
    let again = api
        .get(&format!(
            "{}/{}",
            orders(FABRIKAM),
            order["id"].as_str().unwrap()
        ))
        .await
        .assert_status(200);
    assert_eq!(again, order);
    api.get(&format!("{}/no-such-order", orders(FABRIKAM)))
        .await
        .assert_error(404, 20003);

    // The page shows the new subscription, and its activity.
    app.sign_in(CONTOSO).await;
    app.prefer("en-US");
    app.get(&format!("/customers/{FABRIKAM}/subscriptions"))
        .await
        .assert_status(200)
        .assert_contains("销售部");
    app.get("/activity")
        .await
        .assert_status(200)
        .assert_contains("销售部");
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn a_refused_order_writes_nothing() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let before = app.snapshot().await;
    let line = |n: i64, offer: &str, q: Value| json!({ "lineItemNumber": n, "offerId": offer, "quantity": q });
    let cases: Vec<(Value, u16, u64)> = vec![
        // No line.
        (json!({ "lineItems": [] }), 400, 800002),
        (json!({}), 400, 800002),
        // Line numbers not 0..n-1.
        (
            json!({ "lineItems": [line(1, "O365_E3", json!(1))] }),
            400,
            800002,
        ),
        (
            json!({ "lineItems": [line(0, "O365_E3", json!(1)), line(0, "O365_E1", json!(1))] }),
            400,
            800002,
        ),
        // An offer outside the catalog.
        (
            json!({ "lineItems": [line(0, "O365_E5", json!(1))] }),
            400,
            800002,
        ),
        // Licenses outside the offer's range, or not a number.
        (one_line("O365_BUSINESS", json!(301)), 400, 2002),
        (one_line("O365_E3", json!(0)), 400, 2002),
        (one_line("O365_E3", json!(-3)), 400, 2002),
        (one_line("O365_E3", json!(10_000_001)), 400, 2002),
        (one_line("O365_E3", json!(2.5)), 400, 2002),
        (one_line("O365_E3", json!(true)), 400, 800002),
        // A friendly name the portal does not keep.
        (
            json!({ "lineItems": [{ "lineItemNumber": 0, "offerId": "O365_E3", "quantity": 1, "friendlyName": "a\u{202e}b" }] }),
            400,
            800002,
        ),
        // Another billing cycle: Partner Center's error.
        (
            json!({ "billingCycle": "annual", "lineItems": [line(0, "O365_E3", json!(1))] }),
            400,
            900269,
        ),
        // Another customer than the path's.
        (
            json!({ "referenceCustomerId": "c-adatum", "lineItems": [line(0, "O365_E3", json!(1))] }),
            400,
            800002,
        ),
    ];
    for (body, status, code) in cases {
        let answer = post_order(&api, FABRIKAM, &[], body.clone()).await;
        assert_eq!(answer.status.as_u16(), status, "{body}: {}", answer.text);
        answer.assert_error(status, code);
    }
    // Not JSON at all.
    api.send(
        awc::http::Method::POST,
        &orders(FABRIKAM),
        &[],
        Some("{not json"),
    )
    .await
    .assert_error(400, 800002);
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn another_resellers_customer_is_not_there() {
    let app = spawn_app().await;
    let northwind = Api::issue(&app, NORTHWIND.0).await;
    let before = app.snapshot().await;
    post_order(&northwind, FABRIKAM, &[], one_line("O365_E3", json!(5)))
        .await
        .assert_error(404, 20003);
    // Whatever the body.
    post_order(&northwind, FABRIKAM, &[], json!({ "lineItems": [] }))
        .await
        .assert_error(404, 20003);
    northwind
        .get(&orders(FABRIKAM))
        .await
        .assert_error(404, 20003);
    post_order(&northwind, "c-no-such", &[], one_line("O365_E3", json!(5)))
        .await
        .assert_error(404, 20003);
    assert_eq!(app.snapshot().await, before);

    // Contoso's order is not Northwind's to read.
    let contoso = Api::issue(&app, CONTOSO.0).await;
    let order = post_order(&contoso, FABRIKAM, &[], one_line("O365_E3", json!(5)))
        .await
        .assert_status(201);
    northwind
        .get(&format!(
            "{}/{}",
            orders(FABRIKAM),
            order["id"].as_str().unwrap()
        ))
        .await
        .assert_error(404, 20003);
}

const REQUEST_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

#[actix_web::test]
async fn a_retry_is_the_same_order_with_the_same_answer() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let headers = [("MS-RequestId", REQUEST_ID)];
    let first = post_order(&api, FABRIKAM, &headers, one_line("O365_E3", json!(5))).await;
    first.assert_status(201);
    let second = post_order(&api, FABRIKAM, &headers, one_line("O365_E3", json!(5))).await;
    second.assert_status(201);
    assert_eq!(second.text, first.text);
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(app.count("activity WHERE action = 'purchase'").await, 1);
    // The same request id for another customer's order is another request.
    post_order(&api, "c-adatum", &headers, one_line("O365_E3", json!(5)))
        .await
        .assert_status(201);
    assert_eq!(app.count("orders").await, 2);
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn twenty_at_once_with_one_request_id_make_one_order() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let headers = [("MS-RequestId", REQUEST_ID)];
    let answers = join_all(
        (0..20).map(|_| post_order(&api, FABRIKAM, &headers, one_line("O365_E1", json!(3)))),
    )
    .await;
    let first = &answers[0].text;
    for a in &answers {
        assert_eq!(a.status.as_u16(), 201, "{}", a.text);
        assert_eq!(&a.text, first);
    }
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(
        app.count("subscriptions WHERE offer_id = 'O365_E1' AND customer_id = 'c-fabrikam'")
            .await,
        1
    );

    // Twenty with different ids: twenty orders.
    let ids: Vec<String> = (0..20).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let headers: Vec<[(&str, &str); 1]> = ids
        .iter()
        .map(|id| [("MS-RequestId", id.as_str())])
        .collect();
    let answers = join_all(
        headers
            .iter()
            .map(|h| post_order(&api, FABRIKAM, h, one_line("O365_E1", json!(3)))),
    )
    .await;
    assert!(answers.iter().all(|a| a.status.as_u16() == 201));
    assert_eq!(app.count("orders").await, 21);
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn bought_on_july_20_with_billing_day_15_costs_nothing_until_august_15() {
    let app = july_20_with_billing_day_15().await;
    let api = Api::issue(&app, "admin@example.example").await;
    let order = post_order(&api, "c-example", &[], one_line("O365_E3", json!(15)))
        .await
        .assert_status(201);
    let id = order["lineItems"][0]["subscriptionId"]
        .as_str()
        .unwrap()
        .to_owned();

    let charges = |date: &str| {
        let out = portal_command(
            &app,
            &["charges", "--reseller", "example", "--invoice-date", date],
        );
        assert!(out.success, "{out:?}");
        out.stdout
            .lines()
            .filter(|r| r.contains(&id))
            .map(|r| {
                let f: Vec<&str> = r.split(',').collect();
                (f[7].to_owned(), f[8].to_owned(), f[12].to_owned())
            })
            .collect::<Vec<_>>()
    };
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-08-20T10:00:00+08:00")
            .unwrap()
            .into(),
    );
    // Free until the billing date, then a month in advance: 15 × 11.
    let aug = charges("2026-08-15");
    assert!(
        aug.iter()
            .filter(|l| l.0 != "advance")
            .all(|l| l.2 == "0.00"),
        "{aug:?}"
    );
    assert!(
        aug.contains(&("advance".into(), "2026-08-15".into(), "165.00".into())),
        "{aug:?}"
    );
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn the_new_answers_on_the_wire() {
    let app = spawn_app_with(&[("PORTAL_CLOCK", "2026-07-20T10:00:00+08:00")]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    insta::assert_snapshot!(
        "offers",
        crate::wire::wire(&api.get("/v1/offers?country=CN").await, &[])
    );
    let placed = post_order(
        &api,
        FABRIKAM,
        &[],
        json!({ "lineItems": [
            { "lineItemNumber": 0, "offerId": "O365_E3", "friendlyName": "销售部", "quantity": 25 },
            { "lineItemNumber": 1, "offerId": "EXCHANGE_ONLINE_P1", "quantity": 7 }
        ] }),
    )
    .await;
    let order = placed.json();
    let order_id = order["id"].as_str().unwrap().to_owned();
    let made_up: Vec<String> = order["lineItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["subscriptionId"].as_str().unwrap().to_owned())
        .collect();
    let hide = |text: String| text.replace(&order_id, "[new order id]");
    let made_up: Vec<&str> = made_up.iter().map(String::as_str).collect();
    insta::assert_snapshot!("order", hide(crate::wire::wire(&placed, &made_up)));
    insta::assert_snapshot!(
        "orders",
        hide(crate::wire::wire(
            &api.get(&orders(FABRIKAM)).await,
            &made_up
        ))
    );
    let refused = post_order(&api, FABRIKAM, &[], one_line("O365_E3", json!(0))).await;
    insta::assert_snapshot!("order_refused", crate::wire::wire(&refused, &[]));
    let annual = post_order(
        &api,
        FABRIKAM,
        &[],
        json!({ "billingCycle": "annual", "lineItems": [{ "lineItemNumber": 0, "offerId": "O365_E3", "quantity": 1 }] }),
    )
    .await;
    insta::assert_snapshot!("order_annual", crate::wire::wire(&annual, &[]));
    let market = api.get("/v1/offers?country=US").await;
    insta::assert_snapshot!("offers_us", crate::wire::wire(&market, &[]));
}

async fn head(api: &Api, domain: &str) -> u16 {
    let path = format!("/v1/domains/{domain}");
    api.send(awc::http::Method::HEAD, &path, &[], None)
        .await
        .status
        .as_u16()
}

#[actix_web::test]
async fn a_domain_is_taken_whoever_holds_it() {
    let app = spawn_app().await;
    let northwind = Api::issue(&app, NORTHWIND.0).await;
    // Contoso's customer: taken for Northwind too, in any letter case.
    assert_eq!(head(&northwind, "fabrikam.partner.onmschina.cn").await, 200);
    assert_eq!(head(&northwind, "FabriKam.Partner.OnMsChina.cn").await, 200);
    assert_eq!(head(&northwind, "nobody.partner.onmschina.cn").await, 404);

    let check = |prefix: &str| format!("/v1/validations/checkdomainavailability/{prefix}");
    assert_eq!(
        northwind.get(&check("Fabrikam")).await.assert_status(200),
        json!(false)
    );
    assert_eq!(
        northwind.get(&check("nobody2026")).await.assert_status(200),
        json!(true)
    );
    northwind
        .get(&check("fab-rikam"))
        .await
        .assert_error(400, 800002);
    northwind
        .get(&check(&"a".repeat(28)))
        .await
        .assert_error(400, 800002);
    // Without a token: nothing said.
    let unsigned = Api::with_token(&app, "");
    unsigned
        .get(&check("nobody"))
        .await
        .assert_error(401, 800001);
}

#[actix_web::test]
async fn a_bought_subscription_changes_and_upgrades_like_any_other() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let order = post_order(
        &api,
        "c-adatum",
        &[],
        one_line("O365_BUSINESS_ESSENTIALS", json!(10)),
    )
    .await
    .assert_status(201);
    let id = order["lineItems"][0]["subscriptionId"].as_str().unwrap();
    let path = format!("/v1/customers/c-adatum/subscriptions/{id}");
    let patched = api
        .patch(&path, &[], json!({ "quantity": 12 }))
        .await
        .assert_status(200);
    assert_eq!(patched["quantity"], 12);
    let upgraded = api
        .post(
            &format!("{path}/upgrades"),
            &[],
            json!({ "targetOffer": { "id": "O365_E1" } }),
        )
        .await
        .assert_status(200);
    assert!(upgraded["targetSubscriptionId"].is_string(), "{upgraded}");
    assert_invariants(&app).await;
}
