//! Issue 31: "Add subscription" on the pages: the cart, its messages beside the fields, the
//! review with the cost by 21Vianet's rules and what the reseller should know, and the Confirm
//! that places the order exactly once.

use futures_util::future::join_all;

use crate::helpers::{
    CONTOSO, NORTHWIND, assert_invariants, july_20_with_billing_day_15, spawn_app,
};

const NEW: &str = "/customers/c-fabrikam/orders/new";

#[actix_web::test]
async fn the_cart_the_review_and_one_order() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.prefer("en-US");
    app.get("/customers/c-fabrikam/subscriptions")
        .await
        .assert_status(200)
        .assert_contains(NEW);
    let form = app.get(NEW).await;
    form.assert_status(200)
        .assert_contains("Add subscription")
        .assert_contains("name=\"q-O365_E3\"");
    let key = form.hidden("key");
    let before = app.snapshot().await;

    // The review: each new subscription, what the reseller should know, nothing written.
    let review = app
        .submit(
            NEW,
            &[
                ("key", &key),
                ("q-O365_E3", "25"),
                ("n-O365_E3", "销售部"),
                ("q-O365_BUSINESS_ESSENTIALS", "3"),
                ("q-O365_E1", ""),
            ],
        )
        .await;
    review
        .assert_status(200)
        .assert_contains("销售部")
        .assert_contains("Office 365 Business Essentials")
        .assert_contains("already has Office 365 Business Essentials from you");
    assert!(review.is_review());
    assert_eq!(app.snapshot().await, before);
    // Back: the cart again, as typed, nothing written.
    let mut back = review.confirm_fields();
    back.push(("edit".into(), "1".into()));
    let back: Vec<(&str, &str)> = back.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let cart = app.submit(NEW, &back).await;
    cart.assert_status(200)
        .assert_contains("name=\"q-O365_E3\" value=\"25\"")
        .assert_contains("value=\"销售部\"");
    assert!(!cart.is_review());
    assert_eq!(app.snapshot().await, before);

    // Confirm: one order; a double click and a Back-and-Confirm: the same order.
    let done = app.confirm(&review).await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.body);
    let again = app.confirm(&review).await;
    assert_eq!(again.location, done.location);
    let placed = app.follow(&done).await;
    placed
        .assert_status(200)
        .assert_contains("Order placed")
        .assert_contains("销售部");
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(
        app.count("activity WHERE action = 'purchase' AND token_id IS NULL")
            .await,
        2
    );
    assert_eq!(app.count("events WHERE door = 'page'").await, 3);
    app.get("/customers/c-fabrikam/subscriptions")
        .await
        .assert_contains("销售部");
    // In the exports, and in the activity log, through the pages' door.
    app.get("/customers/export/subscriptions.csv")
        .await
        .assert_status(200)
        .assert_contains("销售部");
    app.get("/activity")
        .await
        .assert_status(200)
        .assert_contains("Bought (a new subscription)");
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn two_tabs_place_one_order() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.prefer("en-US");
    let first = app.submit(NEW, &[("q-O365_E1", "5")]).await;
    let second = app.submit(NEW, &[("q-O365_E1", "5")]).await;
    assert!(first.is_review() && second.is_review());
    app.confirm(&first).await.assert_status(303);
    // The other tab's review is shown again, saying why: nothing placed twice unseen.
    let shown = app.confirm(&second).await;
    shown
        .assert_status(200)
        .assert_contains("another order was placed");
    assert!(shown.is_review());
    assert_eq!(app.count("orders").await, 1);
    // Confirmed again, knowingly: a second order.
    app.confirm(&shown).await.assert_status(303);
    assert_eq!(app.count("orders").await, 2);
}

#[actix_web::test]
async fn many_clicks_at_once_place_one_order() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let review = app.submit(NEW, &[("q-O365_E3", "2")]).await;
    let answers = join_all((0..10).map(|_| app.confirm(&review))).await;
    assert!(answers.iter().all(|a| a.status.as_u16() == 303));
    assert_eq!(app.count("orders").await, 1);
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn bad_input_shows_its_message_beside_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.prefer("zh-CN");
    let before = app.snapshot().await;
    let page = app.submit(NEW, &[("q-O365_BUSINESS", "301")]).await;
    page.assert_status(422)
        .assert_contains("id=\"q-O365_BUSINESS-error\"")
        .assert_contains("value=\"301\"");
    app.submit(NEW, &[("q-O365_E3", "１０")])
        .await
        .assert_status(422)
        .assert_contains("id=\"q-O365_E3-error\"");
    app.submit(NEW, &[("q-O365_E3", "5"), ("n-O365_E3", "a\u{7}b")])
        .await
        .assert_status(422)
        .assert_contains("id=\"q-O365_E3-error\"");
    app.submit(NEW, &[])
        .await
        .assert_status(422)
        .assert_contains("data-code=\"order_error\"");
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn another_resellers_customer_is_not_there() {
    let app = spawn_app().await;
    app.sign_in(NORTHWIND).await;
    let before = app.snapshot().await;
    app.get(NEW).await.assert_status(404);
    app.submit(NEW, &[("q-O365_E3", "2")])
        .await
        .assert_status(404);
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn the_review_shows_the_cost_by_21vianets_rules() {
    let app = july_20_with_billing_day_15().await;
    app.sign_in(("admin@example.example", "example-demo")).await;
    app.prefer("en-US");
    let review = app
        .submit(
            "/customers/c-example/orders/new",
            &[("q-O365_E3", "15"), ("q-SKYPE_BUSINESS_P2", "2")],
        )
        .await;
    review
        .assert_status(200)
        // Free until Aug 15, then the advance: 15 × ¥11.
        .assert_contains("data-amount=\"165.00\"")
        .assert_contains("data-code=\"no_price\"")
        .assert_contains("Aug");
}
