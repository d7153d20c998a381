//! Every eligibility case of the demo book, as the Details page and the form show it, and the
//! submit refusing what the rules refuse.

use crate::helpers::{CONTOSO, TestApp, details, spawn_app};

async fn signed_in() -> TestApp {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app
}

/// The Details page shows no notice and these reason codes.
async fn assert_not_eligible(app: &TestApp, customer: &str, subscription: &str, codes: &[&str]) {
    let page = app.get(&details(customer, subscription)).await;
    page.assert_status(200)
        .assert_lacks("id=\"upgrade-notice\"")
        .assert_contains("此订阅目前无法升级");
    for code in codes {
        page.assert_contains(&format!("data-code=\"{code}\""));
    }
}

#[actix_web::test]
async fn each_upgradable_offer_has_an_eligible_demo_subscription() {
    let app = signed_in().await;
    for (customer, subscription, targets) in [
        (
            "c-adatum",
            "s-adatum-business",
            &["O365_BUSINESS_PREMIUM", "O365_PROPLUS", "O365_E3"][..],
        ),
        ("c-litware", "s-litware-premium", &["O365_E3"][..]),
        (
            "c-fabrikam",
            "s-fabrikam-essentials",
            &["O365_BUSINESS_PREMIUM", "O365_E1", "O365_E3"][..],
        ),
    ] {
        app.get(&details(customer, subscription))
            .await
            .assert_contains("id=\"upgrade-notice\"");
        let form = app
            .get(&format!("{}/upgrade", details(customer, subscription)))
            .await;
        for t in targets {
            form.assert_contains(&format!("value=\"{t}\""))
                .assert_lacks(&format!("value=\"{t}\" disabled"));
        }
    }
}

#[actix_web::test]
async fn rule_2_a_suspended_subscription_says_reactivate_first() {
    let app = signed_in().await;
    assert_not_eligible(
        &app,
        "c-wingtip",
        "s-wingtip-essentials",
        &["subscription_status_not_active"],
    )
    .await;
    app.get(&details("c-wingtip", "s-wingtip-essentials"))
        .await
        .assert_contains("订阅当前为“已暂停”，只有处于活动状态的订阅才能升级。")
        .assert_contains("请先在下方的“管理订阅”中重新激活此订阅");
}

#[actix_web::test]
async fn rule_2_a_cancelled_subscription_is_not_upgradable() {
    let app = signed_in().await;
    assert_not_eligible(
        &app,
        "c-tailspin",
        "s-tailspin-premium",
        &["subscription_status_not_active"],
    )
    .await;
}

#[actix_web::test]
async fn rule_1_an_offer_without_upgrade_paths() {
    let app = signed_in().await;
    assert_not_eligible(
        &app,
        "c-tailspin",
        "s-tailspin-e1",
        &["subscription_does_not_have_any_upgrade_paths"],
    )
    .await;
}

#[actix_web::test]
async fn rule_3_without_delegated_admin_privileges_the_fix_links_to_the_request_page() {
    let app = signed_in().await;
    assert_not_eligible(
        &app,
        "c-woodgrove",
        "s-woodgrove-essentials",
        &["delegated_admin_permissions_disabled"],
    )
    .await;
    app.get(&details("c-woodgrove", "s-woodgrove-essentials"))
        .await
        .assert_contains(
            "<a href=\"/customers/c-woodgrove/delegated-admin\">请求委派的管理权限</a>",
        );
}

#[actix_web::test]
async fn rule_4_a_service_bought_through_another_channel_conflicts() {
    let app = signed_in().await;
    app.prefer("en-US");
    let page = app
        .get(&details("c-proseware", "s-proseware-essentials"))
        .await;
    // E1 adds nothing the customer has, so the subscription is still eligible for it.
    page.assert_contains("id=\"upgrade-notice\"");
    let text = page.text();
    assert!(
        text.contains("The customer already has Office apps through Office 365 Business, which this upgrade would add."),
        "{text}"
    );
    assert!(text.contains("The customer must cancel Office 365 Business before buying Office 365 Enterprise E3 from you."), "{text}");
    assert!(
        !text.contains("Bought directly"),
        "another channel's subscription is not listed"
    );
    let form = app
        .get(&format!(
            "{}/upgrade",
            details("c-proseware", "s-proseware-essentials")
        ))
        .await;
    form.assert_contains("value=\"O365_E3\" disabled")
        .assert_contains("value=\"O365_BUSINESS_PREMIUM\" disabled");
    form.assert_contains("value=\"O365_E1\" checked");
}

#[actix_web::test]
async fn rule_5_the_customer_already_owns_the_target() {
    let app = signed_in().await;
    let page = app.get(&details("c-alpine", "s-alpine-essentials")).await;
    page.assert_contains("data-code=\"target_offer_already_owned\"")
        .assert_contains("客户已拥有 Office 365 企业版 E3 的订阅。");
}

#[actix_web::test]
async fn the_submit_refuses_a_forged_target_and_writes_nothing() {
    let app = signed_in().await;
    let path = format!(
        "{}/upgrade",
        details("c-proseware", "s-proseware-essentials")
    );
    let form = app.get(&path).await;
    let version = form.hidden("version");
    let before = app.snapshot().await;

    for (offer, message) in [
        ("O365_E3", "客户已通过 Office 365 商业版 拥有 Office 应用"),
        ("O365_PROPLUS", "所选产品/服务不在此订阅的可用升级中。"),
        ("O365_E5", "所选产品/服务不存在。"),
        ("", "请选择要升级到的产品/服务。"),
    ] {
        let page = app
            .post(
                &path,
                &[("offer", offer), ("licenses", "10"), ("version", &version)],
            )
            .await;
        page.assert_status(422)
            .assert_contains(message)
            .assert_contains("id=\"offer-error\"");
    }
    let page = app
        .post(&path, &[("licenses", "10"), ("version", &version)])
        .await;
    page.assert_status(422)
        .assert_contains("请选择要升级到的产品/服务。");
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn the_submit_refuses_a_suspended_subscription() {
    let app = signed_in().await;
    let path = format!("{}/upgrade", details("c-wingtip", "s-wingtip-essentials"));
    let before = app.snapshot().await;
    let page = app
        .post(
            &path,
            &[("offer", "O365_E3"), ("licenses", "10"), ("version", "0")],
        )
        .await;
    page.assert_status(422)
        .assert_contains("只有处于活动状态的订阅才能升级");
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn the_submit_rechecks_rule_5_against_what_another_upgrade_just_wrote() {
    // Two forms opened on two subscriptions of one customer; the first upgrade to E1 makes the
    // second one's E1 target owned.
    let app = signed_in().await;
    let a = format!("{}/upgrade", details("c-fabrikam", "s-fabrikam-essentials"));
    let va = app.get(&a).await.hidden("version");
    app.post(
        &a,
        &[("offer", "O365_E1"), ("licenses", "5"), ("version", &va)],
    )
    .await
    .assert_status(303);
    // The partial upgrade left the source active: upgrading it to E1 again is refused by rule 5.
    let va = app
        .get(&details("c-fabrikam", "s-fabrikam-essentials"))
        .await
        .hidden("version");
    let before = app.snapshot().await;
    let page = app
        .post(
            &a,
            &[("offer", "O365_E1"), ("licenses", "5"), ("version", &va)],
        )
        .await;
    page.assert_status(422)
        .assert_contains("客户已拥有 Office 365 企业版 E1 的订阅。");
    assert_eq!(app.snapshot().await, before);
}
