//! A reseller sees and changes only its own customers and the subscriptions it sold; another's
//! answer exactly like unknown ones.

use crate::helpers::{CONTOSO, NORTHWIND, details, spawn_app};

#[actix_web::test]
async fn the_customer_list_holds_only_the_resellers_own_customers() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let list = app.get("/?q=margie").await;
    list.assert_lacks("Margie");
    app.sign_out().await;

    app.sign_in(NORTHWIND).await;
    let list = app.get("/").await;
    list.assert_contains("Margie&#39;s Travel 旅行社")
        .assert_contains("Fourth Coffee 咖啡")
        .assert_lacks("Fabrikam");
    // A shared customer shows only this reseller's own subscriptions.
    let subs = app.get("/customers/c-fourth/subscriptions").await;
    subs.assert_contains("Mail (Northwind)")
        .assert_lacks("ProPlus for baristas");
}

#[actix_web::test]
async fn another_resellers_urls_answer_like_unknown_ones() {
    let app = spawn_app().await;
    app.sign_in(NORTHWIND).await;
    let unknown = app.get("/customers/c-nobody/subscriptions").await;
    let foreign = app.get("/customers/c-fabrikam/subscriptions").await;
    assert_eq!(foreign.status.as_u16(), 404);
    assert_eq!(foreign.text(), unknown.text());

    for path in [
        details("c-fabrikam", "s-fabrikam-essentials"),
        format!("{}/upgrade", details("c-fabrikam", "s-fabrikam-essentials")),
        "/customers/c-fabrikam/delegated-admin".to_owned(),
        // A shared customer, but a subscription the other reseller sold.
        details("c-fourth", "s-fourth-proplus"),
        // A subscription bought through another channel.
        details("c-proseware", "s-proseware-direct-business"),
    ] {
        let page = app.get(&path).await;
        assert_eq!(page.status.as_u16(), 404, "{path}");
        assert_eq!(page.text(), unknown.text(), "{path}");
    }

    let before = app.snapshot().await;
    let base = details("c-fabrikam", "s-fabrikam-essentials");
    app.post(
        &format!("{base}/licenses"),
        &[("licenses", "30"), ("version", "0")],
    )
    .await
    .assert_status(404);
    app.post(
        &format!("{base}/status"),
        &[("action", "suspend"), ("version", "0")],
    )
    .await
    .assert_status(404);
    app.post(
        &format!("{base}/upgrade"),
        &[("offer", "O365_E3"), ("licenses", "30"), ("version", "0")],
    )
    .await
    .assert_status(404);
    let shared = details("c-fourth", "s-fourth-proplus");
    app.post(
        &format!("{shared}/licenses"),
        &[("licenses", "40"), ("version", "0")],
    )
    .await
    .assert_status(404);
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn an_upgrade_result_is_only_for_the_reseller_that_made_it() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let path = format!("{}/upgrade", details("c-fourth", "s-fourth-proplus"));
    // ProPlus has no paths; upgrade something of contoso's instead.
    app.get(&path).await.assert_status(200);
    let done = app
        .post(
            &format!("{}/upgrade", details("c-litware", "s-litware-premium")),
            &[("offer", "O365_E3"), ("licenses", "60"), ("version", "0")],
        )
        .await;
    let result = done.location.clone().unwrap();
    app.get(&result).await.assert_status(200);
    app.sign_out().await;
    app.sign_in(NORTHWIND).await;
    app.get(&result).await.assert_status(404);
}
