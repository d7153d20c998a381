//! The `/v1` API, driven as a script holding only a token drives it: Partner Center's wire
//! format, the same rules and the same transactions as the pages, every error in Partner
//! Center's shape and nothing written by a bad request.

use awc::http::Method;
use serde_json::{Value, json};

use crate::api_client::{Api, subscription, upgrades};
use crate::helpers::{CONTOSO, NORTHWIND, assert_invariants, details, spawn_app, spawn_app_with};

fn codes(upgrade: &Value) -> Vec<&str> {
    upgrade["upgradeErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect()
}

/// Each target's id, eligibility and error codes.
async fn verdicts(api: &Api, customer: &str, sub: &str) -> Vec<(String, bool, Vec<String>)> {
    let body = api.get(&upgrades(customer, sub)).await.assert_status(200);
    assert_eq!(body["attributes"]["objectType"], "Collection");
    assert_eq!(body["totalCount"], body["items"].as_array().unwrap().len());
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            assert_eq!(u["attributes"]["objectType"], "Upgrade");
            assert_eq!(u["targetOffer"]["attributes"]["objectType"], "Offer");
            let eligible = u["isEligible"].as_bool().unwrap();
            let kind = if eligible {
                "upgrade_with_license_transfer"
            } else {
                "none"
            };
            assert_eq!(u["upgradeType"], kind);
            (
                u["targetOffer"]["id"].as_str().unwrap().to_owned(),
                eligible,
                codes(u).into_iter().map(str::to_owned).collect(),
            )
        })
        .collect()
}

fn target<'a>(
    v: &'a [(String, bool, Vec<String>)],
    offer: &str,
) -> &'a (String, bool, Vec<String>) {
    v.iter()
        .find(|t| t.0 == offer)
        .unwrap_or_else(|| panic!("{offer} in {v:?}"))
}

#[actix_web::test]
async fn every_eligibility_case_of_the_demo_book_reads_through_the_upgrades() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;

    let fabrikam = verdicts(&api, "c-fabrikam", "s-fabrikam-essentials").await;
    assert_eq!(
        fabrikam
            .iter()
            .map(|t| (t.0.as_str(), t.1))
            .collect::<Vec<_>>(),
        [
            ("O365_BUSINESS_PREMIUM", true),
            ("O365_E1", true),
            ("O365_E3", true)
        ]
    );
    assert!(
        verdicts(&api, "c-adatum", "s-adatum-business")
            .await
            .iter()
            .all(|t| t.1)
    );
    assert_eq!(
        verdicts(&api, "c-litware", "s-litware-premium").await.len(),
        1
    );

    for (customer, sub) in [
        ("c-wingtip", "s-wingtip-essentials"),
        ("c-tailspin", "s-tailspin-premium"),
    ] {
        for t in verdicts(&api, customer, sub).await {
            assert!(
                !t.1 && t.2.contains(&"subscription_status_not_active".to_owned()),
                "{sub}: {t:?}"
            );
        }
    }
    // No upgrade paths at all: nothing to list.
    assert!(
        verdicts(&api, "c-tailspin", "s-tailspin-e1")
            .await
            .is_empty()
    );
    for t in verdicts(&api, "c-woodgrove", "s-woodgrove-essentials").await {
        assert_eq!(t.2, ["delegated_admin_permissions_disabled"], "{t:?}");
    }
    let proseware = verdicts(&api, "c-proseware", "s-proseware-essentials").await;
    assert!(target(&proseware, "O365_E1").1);
    assert_eq!(
        target(&proseware, "O365_E3").2,
        ["conflicting_service_types"]
    );
    // Rule 5 is Partner Center's "concurrent subscription restrictions".
    let alpine = verdicts(&api, "c-alpine", "s-alpine-essentials").await;
    assert!(
        target(&alpine, "O365_E3")
            .2
            .contains(&"concurrency_conflicts".to_owned())
    );
    assert!(target(&alpine, "O365_E1").1);

    // Explanations in the request's language, with the fix and where to carry it out.
    let body = api
        .get_with(
            &upgrades("c-woodgrove", "s-woodgrove-essentials"),
            &[("X-Locale", "zh-CN")],
        )
        .await
        .assert_status(200);
    let error = &body["items"][0]["upgradeErrors"][0];
    assert!(
        error["description"]
            .as_str()
            .unwrap()
            .contains("委派管理权限"),
        "{error}"
    );
    assert_eq!(
        error["additionalDetails"],
        "/customers/c-woodgrove/delegated-admin"
    );
    assert_eq!(
        body["items"][0]["targetOffer"]["name"],
        "Office 365 商业高级版"
    );
    let english = api
        .get(&upgrades("c-woodgrove", "s-woodgrove-essentials"))
        .await
        .json();
    assert!(
        english["items"][0]["upgradeErrors"][0]["description"]
            .as_str()
            .unwrap()
            .contains("delegated")
    );
}

#[actix_web::test]
async fn a_script_upgrades_and_the_pages_show_it() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let source = api
        .get(&subscription("c-fabrikam", "s-fabrikam-essentials"))
        .await
        .assert_status(200);
    let etag = source["attributes"]["etag"].as_str().unwrap().to_owned();

    let result = api
        .post(
            &upgrades("c-fabrikam", "s-fabrikam-essentials"),
            &[("If-Match", &etag), ("X-Locale", "zh-CN")],
            json!({ "targetOffer": { "id": "O365_E3" }, "quantity": 25, "upgradeType": "upgrade_with_license_transfer" }),
        )
        .await
        .assert_status(200);
    assert_eq!(result["attributes"]["objectType"], "UpgradeResult");
    assert_eq!(result["sourceSubscriptionId"], "s-fabrikam-essentials");
    assert_eq!(result["upgradeErrors"], json!([]));
    let new_id = result["targetSubscriptionId"].as_str().unwrap();

    // The new subscription, named in the language of who ordered it, with the assigned licenses.
    let new = api
        .get(&subscription("c-fabrikam", new_id))
        .await
        .assert_status(200);
    assert_eq!(new["offerId"], "O365_E3");
    assert_eq!(new["friendlyName"], "Office 365 企业版 E3");
    assert_eq!(new["quantity"], 25);
    assert_eq!(new["status"], "active");
    let old = api
        .get(&subscription("c-fabrikam", "s-fabrikam-essentials"))
        .await
        .json();
    assert_eq!(old["status"], "deleted");
    assert_ne!(old["attributes"]["etag"], etag.as_str());

    // The pages show what the API did, and that it came through the API.
    app.sign_in(CONTOSO).await;
    app.get(&details("c-fabrikam", new_id))
        .await
        .assert_status(200)
        .assert_contains("Office 365 企业版 E3");
    app.get("/activity").await.assert_contains("Test script");
    assert_eq!(
        app.count("activity WHERE token_id IS NOT NULL AND action LIKE 'upgrade%'")
            .await,
        2
    );
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn a_partial_upgrade_keeps_the_rest_on_the_source() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    api.post(
        &upgrades("c-adatum", "s-adatum-business"),
        &[],
        json!({ "TargetOffer": { "Id": "O365_PROPLUS" }, "Quantity": 5, "UpgradeType": 2 }),
    )
    .await
    .assert_status(200);
    let source = api
        .get(&subscription("c-adatum", "s-adatum-business"))
        .await
        .json();
    assert_eq!(source["status"], "active");
    assert_eq!(source["quantity"], 7);
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn an_ineligible_upgrade_says_why_and_writes_nothing() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let before = app.snapshot().await;

    let body = api
        .post(
            &upgrades("c-proseware", "s-proseware-essentials"),
            &[],
            json!({ "targetOffer": { "id": "O365_E3" } }),
        )
        .await
        .assert_status(409);
    assert_eq!(body["attributes"]["objectType"], "UpgradeResult");
    assert_eq!(body["upgradeType"], "none");
    assert_eq!(codes(&body), ["conflicting_service_types"]);
    assert!(body.get("targetSubscriptionId").is_none());

    let body = api
        .post(
            &upgrades("c-tailspin", "s-tailspin-e1"),
            &[],
            json!({ "targetOffer": { "id": "O365_E3" } }),
        )
        .await
        .assert_status(409);
    assert_eq!(
        codes(&body),
        ["subscription_does_not_have_any_upgrade_paths"]
    );
    let body = api
        .post(
            &upgrades("c-litware", "s-litware-premium"),
            &[],
            json!({ "targetOffer": { "id": "O365_E1" } }),
        )
        .await
        .assert_status(409);
    assert_eq!(codes(&body), ["subscription_target_offer_not_found"]);
    let body = api
        .post(
            &upgrades("c-litware", "s-litware-premium"),
            &[],
            json!({ "targetOffer": { "id": "NO_SUCH_OFFER" } }),
        )
        .await
        .assert_status(409);
    assert_eq!(codes(&body), ["subscription_target_offer_not_found"]);

    // The target's range: 2002.
    api.post(
        &upgrades("c-fabrikam", "s-fabrikam-essentials"),
        &[],
        json!({ "targetOffer": { "id": "O365_BUSINESS_PREMIUM" }, "quantity": 301 }),
    )
    .await
    .assert_error(400, 2002);
    api.post(
        &upgrades("c-fabrikam", "s-fabrikam-essentials"),
        &[],
        json!({ "targetOffer": { "id": "O365_E3" }, "upgradeType": "upgrade_only" }),
    )
    .await
    .assert_error(400, 800002);
    api.post(
        &upgrades("c-fabrikam", "s-fabrikam-essentials"),
        &[],
        json!({ "quantity": 3 }),
    )
    .await
    .assert_error(400, 800002);
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn patch_changes_licenses_status_and_name_as_the_pages_do() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let path = subscription("c-fabrikam", "s-fabrikam-essentials");
    let read = api.get(&path).await.assert_status(200);
    let etag = read["attributes"]["etag"].as_str().unwrap().to_owned();
    assert_eq!(
        api.get(&path).await.header("etag"),
        Some(format!("\"{etag}\""))
    );

    // The whole resource as read, with a new quantity: only the quantity changes.
    let mut changed = read.clone();
    changed["quantity"] = json!(30);
    let after = api.patch(&path, &[], changed).await.assert_status(200);
    assert_eq!(after["quantity"], 30);
    assert_ne!(after["attributes"]["etag"], etag.as_str());

    // Suspend, then reactivate with more licenses and a new name, in PascalCase.
    let after = api
        .patch(&path, &[], json!({ "status": "suspended" }))
        .await
        .assert_status(200);
    assert_eq!(after["status"], "suspended");
    assert_eq!(after["suspensionReasons"], json!(["reseller_initiated"]));
    api.patch(&path, &[], json!({ "quantity": 31 }))
        .await
        .assert_error(400, 800091);
    let after = api
        .patch(
            &path,
            &[],
            json!({ "Status": "Active", "Quantity": 32, "FriendlyName": "销售部" }),
        )
        .await
        .assert_status(200);
    assert_eq!(
        (
            after["status"].as_str(),
            after["quantity"].as_u64(),
            after["friendlyName"].as_str()
        ),
        (Some("active"), Some(32), Some("销售部"))
    );

    // Each change is on the Details page and in the log, marked as made through the API.
    app.sign_in(CONTOSO).await;
    app.get(&details("c-fabrikam", "s-fabrikam-essentials"))
        .await
        .assert_contains("销售部")
        .assert_contains("通过 API");
    assert_eq!(
        app.count(
            "activity WHERE subscription_id = 's-fabrikam-essentials' AND token_id IS NOT NULL"
        )
        .await,
        5
    );
    assert_eq!(
        app.count("activity WHERE action = 'rename' AND after_name = '销售部'")
            .await,
        1
    );
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn a_change_on_the_pages_makes_the_scripts_etag_stale() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let path = subscription("c-fabrikam", "s-fabrikam-essentials");
    let etag = api.get(&path).await.json()["attributes"]["etag"]
        .as_str()
        .unwrap()
        .to_owned();

    app.sign_in(CONTOSO).await;
    let page = app
        .get(&details("c-fabrikam", "s-fabrikam-essentials"))
        .await;
    app.post(
        &format!(
            "{}/licenses",
            details("c-fabrikam", "s-fabrikam-essentials")
        ),
        &[("licenses", "26"), ("version", &page.hidden("version"))],
    )
    .await
    .assert_status(303);

    let before = app.snapshot().await;
    api.patch(&path, &[("If-Match", &etag)], json!({ "quantity": 40 }))
        .await
        .assert_error(412, 2055);
    api.patch(
        &path,
        &[],
        json!({ "quantity": 40, "attributes": { "etag": etag } }),
    )
    .await
    .assert_error(412, 2055);
    api.patch(
        &path,
        &[("If-Match", "not-an-etag")],
        json!({ "quantity": 40 }),
    )
    .await
    .assert_error(412, 2055);
    assert_eq!(app.snapshot().await, before);
    assert_eq!(api.get(&path).await.json()["quantity"], 26);
}

#[actix_web::test]
async fn bad_changes_get_partner_center_errors_and_write_nothing() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let path = subscription("c-fabrikam", "s-fabrikam-essentials");
    let before = app.snapshot().await;

    api.patch(&path, &[], json!({ "quantity": 301 }))
        .await
        .assert_error(400, 2002);
    api.patch(&path, &[], json!({ "quantity": 0 }))
        .await
        .assert_error(400, 2002);
    // 20 of 25 licenses are assigned.
    let below = api
        .patch(&path, &[], json!({ "quantity": 19 }))
        .await
        .assert_error(400, 2002);
    assert!(
        below["description"].as_str().unwrap().contains("20"),
        "{below}"
    );
    let wrong = api
        .patch(&path, &[], json!({ "quantity": "ten" }))
        .await
        .assert_error(400, 800002);
    assert!(
        wrong["description"]
            .as_str()
            .unwrap()
            .starts_with("quantity"),
        "{wrong}"
    );
    api.patch(&path, &[], json!({ "status": "deleted" }))
        .await
        .assert_error(400, 800002);
    api.patch(&path, &[], json!({ "status": "paused" }))
        .await
        .assert_error(400, 800002);
    api.patch(&path, &[], json!({ "friendlyName": "  " }))
        .await
        .assert_error(400, 800002);
    api.patch(&path, &[], json!({ "offerId": "O365_E3" }))
        .await
        .assert_error(400, 800002);
    api.patch(&path, &[], json!({ "id": "s-other" }))
        .await
        .assert_error(400, 800002);
    api.send(Method::PATCH, &path, &[], Some("{not json"))
        .await
        .assert_error(400, 800002);
    api.send(Method::PATCH, &path, &[], Some("[1, 2]"))
        .await
        .assert_error(400, 800002);
    api.patch(
        &path,
        &[("MS-RequestId", "has spaces in it")],
        json!({ "quantity": 26 }),
    )
    .await
    .assert_error(400, 800002);
    // Cancelled and suspended subscriptions.
    api.patch(
        &subscription("c-tailspin", "s-tailspin-premium"),
        &[],
        json!({ "quantity": 31 }),
    )
    .await
    .assert_error(400, 2011);
    api.patch(
        &subscription("c-tailspin", "s-tailspin-premium"),
        &[],
        json!({ "status": "active" }),
    )
    .await
    .assert_error(400, 2011);
    api.patch(
        &subscription("c-wingtip", "s-wingtip-essentials"),
        &[],
        json!({ "quantity": 16 }),
    )
    .await
    .assert_error(400, 800091);
    // A body too large for any request.
    let huge = format!("{{\"friendlyName\": \"{}\"}}", "x".repeat(20_000));
    api.send(Method::PATCH, &path, &[], Some(&huge))
        .await
        .assert_error(413, 800002);
    // Not a route, not a method.
    api.get("/v1/nothing-here").await.assert_error(404, 20003);
    api.send(Method::DELETE, &path, &[], None)
        .await
        .assert_error(405, 800002);
    api.get("/v1/customers?size=0")
        .await
        .assert_error(400, 800002);
    api.get("/v1/customers?size=501")
        .await
        .assert_error(400, 800002);
    api.get("/v1/customers?filter=nope")
        .await
        .assert_error(400, 800002);
    api.get("/v1/customers?seekOperation=Next")
        .await
        .assert_error(400, 800002);
    api.get_with(
        "/v1/customers?seekOperation=Next",
        &[("MS-ContinuationToken", "zz")],
    )
    .await
    .assert_error(400, 800002);
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn only_a_live_token_opens_the_api_and_the_session_cookie_does_not() {
    let app = spawn_app().await;
    let path = "/v1/customers";
    Api::with_token(&app, "")
        .get(path)
        .await
        .assert_error(401, 800001);
    Api::with_token(
        &app,
        "pcp_0000000000000000000000000000000000000000000000000000000000000000",
    )
    .get(path)
    .await
    .assert_error(401, 800001);
    Api::with_token(&app, "not a token at all")
        .get(path)
        .await
        .assert_error(401, 800001);

    // A signed-in browser's cookies open pages, not the API.
    app.sign_in(CONTOSO).await;
    let page = app.get(path).await;
    assert_eq!(page.status.as_u16(), 401);

    // A token issued on the API access page works until it is revoked there.
    app.get("/api-access").await.assert_status(200);
    app.post("/api-access/tokens", &[("name", "Nightly sync")])
        .await
        .assert_redirect("/api-access");
    let shown = app.get("/api-access").await;
    shown.assert_contains("Nightly sync");
    let secret = shown
        .body
        .split("value=\"pcp_")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let api = Api::with_token(&app, &format!("pcp_{secret}"));
    api.get(path).await.assert_status(200);
    // Shown once only.
    app.get("/api-access").await.assert_lacks(secret);
    assert_eq!(
        app.count(&format!("api_tokens WHERE hash LIKE '%{secret}%'"))
            .await,
        0,
        "only the hash is kept"
    );
    let id = app
        .value("SELECT id FROM api_tokens WHERE name = 'Nightly sync'")
        .await
        .unwrap();
    app.post(&format!("/api-access/tokens/{id}/revoke"), &[])
        .await
        .assert_redirect(&format!("/api-access?done=revoked&token={id}"));
    api.get(path).await.assert_error(401, 800001);
    assert!(
        app.value("SELECT last_used_at FROM api_tokens WHERE name = 'Nightly sync'")
            .await
            .is_some()
    );

    // A name is required.
    app.post("/api-access/tokens", &[("name", " ")])
        .await
        .assert_status(422)
        .assert_contains("aria-invalid=\"true\"");
}

#[actix_web::test]
async fn another_resellers_ids_answer_like_unknown_ones() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let unknown = api
        .get("/v1/customers/c-nobody")
        .await
        .assert_error(404, 20003);
    let other = api
        .get("/v1/customers/c-margie")
        .await
        .assert_error(404, 20003);
    assert_eq!(unknown, other);
    for path in [
        subscription("c-margie", "s-margie-essentials"),
        upgrades("c-margie", "s-margie-essentials"),
        // A shared customer: Northwind's subscription is not Contoso's to see or change.
        subscription("c-fourth", "s-fourth-northwind-exchange"),
        subscription("c-fabrikam", "s-fourth-proplus"),
        subscription("c-fabrikam", "bad%20id%21"),
    ] {
        api.get(&path).await.assert_error(404, 20003);
    }
    api.patch(
        &subscription("c-fourth", "s-fourth-northwind-exchange"),
        &[],
        json!({ "quantity": 1 }),
    )
    .await
    .assert_error(404, 20003);
    // Whatever the body asks, and whatever is wrong with it.
    for body in [
        json!({ "targetOffer": { "id": "O365_E3" } }),
        json!({ "targetOffer": { "id": "O365_E3" }, "quantity": 5 }),
        json!({ "targetOffer": { "id": "O365_E3" }, "quantity": 5000 }),
        json!({ "targetOffer": { "id": "NO_SUCH_OFFER" }, "quantity": 5 }),
        json!({ "targetOffer": { "id": "O365_E3" }, "upgradeType": "upgrade_only" }),
        json!({ "quantity": "ten" }),
    ] {
        api.post(&upgrades("c-margie", "s-margie-essentials"), &[], body)
            .await
            .assert_error(404, 20003);
    }
    let shared = api
        .get("/v1/customers/c-fourth/subscriptions")
        .await
        .assert_status(200);
    let ids: Vec<&str> = shared["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["s-fourth-proplus"]);
    let northwind = Api::issue(&app, NORTHWIND.0).await;
    northwind
        .get("/v1/customers/c-margie")
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn the_same_request_id_changes_nothing_twice() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let path = subscription("c-fabrikam", "s-fabrikam-essentials");
    let id = [
        ("MS-RequestId", "0f8fad5b-d9cb-469f-a165-70867728950e"),
        ("MS-CorrelationId", "9b2b5c1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"),
    ];
    let first = api.patch(&path, &id, json!({ "quantity": 30 })).await;
    let body = first.assert_status(200);
    assert_eq!(first.header("ms-requestid").as_deref(), Some(id[0].1));
    assert_eq!(first.header("ms-correlationid").as_deref(), Some(id[1].1));
    // A retry, even with another body, answers as the first time.
    let again = api.patch(&path, &id, json!({ "quantity": 35 })).await;
    assert_eq!(again.assert_status(200), body);
    assert_eq!(api.get(&path).await.json()["quantity"], 30);
    assert_eq!(
        app.count("activity WHERE subscription_id = 's-fabrikam-essentials'")
            .await,
        1
    );

    let up = [("MS-RequestId", "7C9E6679-7425-40DE-944B-E07FC1F90AE7")];
    let first = api
        .post(
            &upgrades("c-adatum", "s-adatum-business"),
            &up,
            json!({ "targetOffer": { "id": "O365_E3" } }),
        )
        .await
        .assert_status(200);
    let again = api
        .post(
            &upgrades("c-adatum", "s-adatum-business"),
            &up,
            json!({ "targetOffer": { "id": "O365_E3" } }),
        )
        .await
        .assert_status(200);
    assert_eq!(first, again);
    assert_eq!(app.count("upgrades").await, 1);
    // Every answer carries both headers, made up when not sent.
    let plain = api.get("/v1/customers").await;
    assert!(plain.header("ms-requestid").is_some() && plain.header("ms-correlationid").is_some());
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn fifty_simultaneous_upgrades_make_one() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let path = upgrades("c-fabrikam", "s-fabrikam-essentials");
    let body = json!({ "targetOffer": { "id": "O365_E3" } });
    let answers =
        futures_util::future::join_all((0..50).map(|_| api.post(&path, &[], body.clone()))).await;
    let ok = answers.iter().filter(|a| a.status.as_u16() == 200).count();
    assert_eq!(
        ok,
        1,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    for a in answers.iter().filter(|a| a.status.as_u16() != 200) {
        // The first made it: the source is cancelled and the customer holds E3.
        assert!(
            codes(&a.assert_status(409)).contains(&"subscription_status_not_active"),
            "{}",
            a.text
        );
    }
    assert_eq!(app.count("upgrades").await, 1);
    assert_eq!(
        app.count("subscriptions WHERE offer_id = 'O365_E3' AND customer_id = 'c-fabrikam'")
            .await,
        1
    );
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn customers_page_with_a_continuation_token_and_filter_by_prefix() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let all = api.get("/v1/customers").await.assert_status(200);
    let every: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(every.len() > 20 && !every.contains(&"c-margie".to_owned()));
    assert!(all["links"].get("next").is_none());
    let first = &all["items"][0];
    assert_eq!(first["attributes"]["objectType"], "Customer");
    assert_eq!(first["relationshipToPartner"], "reseller");
    assert_eq!(first["companyProfile"]["tenantId"], first["id"]);

    // Page through five at a time, as Partner Center's SDK does.
    let mut seen = Vec::new();
    let mut page = api.get("/v1/customers?size=5").await.assert_status(200);
    loop {
        assert!(page["totalCount"].as_u64().unwrap() <= 5);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        let Some(next) = page["links"].get("next") else {
            break;
        };
        let header = &next["headers"][0];
        assert_eq!(header["key"], "MS-ContinuationToken");
        page = api
            .get_with(
                next["uri"].as_str().unwrap(),
                &[("MS-ContinuationToken", header["value"].as_str().unwrap())],
            )
            .await
            .assert_status(200);
    }
    assert_eq!(seen, every);

    let filter = |field: &str, value: &str| {
        let raw = json!({ "Field": field, "Value": value, "Operator": "starts_with" }).to_string();
        format!(
            "/v1/customers?filter={}",
            percent_encoding::utf8_percent_encode(&raw, percent_encoding::NON_ALPHANUMERIC)
        )
    };
    let names = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                c["companyProfile"]["companyName"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        names(
            api.get(&filter("CompanyName", "fab"))
                .await
                .assert_status(200)
        ),
        ["Fabrikam 科技"]
    );
    assert_eq!(
        names(
            api.get(&filter("companyname", "北京"))
                .await
                .assert_status(200)
        ),
        ["北京云途科技有限公司"]
    );
    assert_eq!(
        names(
            api.get(&filter("Domain", "WOODGROVE."))
                .await
                .assert_status(200)
        ),
        ["Woodgrove 银行"]
    );
    // A prefix of the domain is not one of the name, nor the other way round.
    assert!(names(api.get(&filter("CompanyName", "woodgrove.")).await.json()).is_empty());
    assert!(names(api.get(&filter("Domain", "Fabrikam 科")).await.json()).is_empty());
    // The filter carries over to the next page.
    let filtered = api
        .get(&format!("{}&size=1", filter("Domain", "x")))
        .await
        .assert_status(200);
    let next = &filtered["links"]["next"];
    let second = api
        .get_with(
            next["uri"].as_str().unwrap(),
            &[(
                "MS-ContinuationToken",
                next["headers"][0]["value"].as_str().unwrap(),
            )],
        )
        .await
        .assert_status(200);
    assert!(
        names(second)
            .iter()
            .all(|n| n.contains("星") || n.contains("湘")),
        "only domains starting with x"
    );
}

#[actix_web::test]
async fn past_its_rate_a_users_tokens_wait() {
    let app = spawn_app_with(&[("PORTAL_API_RATE", "3")]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    for _ in 0..3 {
        api.get("/v1/customers?size=1").await.assert_status(200);
    }
    let refused = api.get("/v1/customers?size=1").await;
    refused.assert_error(429, 429);
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // The rate is the user's: another of their tokens waits too, another user's does not.
    Api::issue(&app, CONTOSO.0)
        .await
        .get("/v1/customers?size=1")
        .await
        .assert_error(429, 429);
    Api::issue(&app, NORTHWIND.0)
        .await
        .get("/v1/customers?size=1")
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn the_openapi_document_and_its_reference_page() {
    let app = spawn_app().await;
    let doc = Api::with_token(&app, "")
        .get("/v1/openapi.json")
        .await
        .assert_status(200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/v1/customers",
        "/v1/customers/{customer-id}/subscriptions/{subscription-id}/upgrades",
        "/v1/auditrecords",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path}");
    }
    assert!(doc["components"]["securitySchemes"].get("bearer").is_some());
    // Every operation a token makes may be refused by its user's role (or a two-step sign-in
    // the reseller requires): each lists the 403 with Partner Center's error body (2032).
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let forbidden = &operation["responses"]["403"];
            assert!(
                forbidden["description"]
                    .as_str()
                    .is_some_and(|d| d.contains("2032")),
                "{method} {path}: {forbidden}"
            );
            assert_eq!(
                forbidden["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path}"
            );
        }
    }
    assert!(operations >= 15, "{operations}");

    app.sign_in(CONTOSO).await;
    app.get("/api-access/reference")
        .await
        .assert_status(200)
        // A path may break only after a "/", never inside a name.
        .assert_contains(
            "/<wbr>v1/<wbr>customers/<wbr>{customer-id}/<wbr>subscriptions/<wbr>{subscription-id}",
        )
        .assert_contains("friendlyName")
        .assert_contains("UpgradeResult");
}

#[actix_web::test]
async fn a_signed_in_visitors_404_keeps_the_signed_in_frame() {
    let app = spawn_app().await;
    let anonymous = app.get("/no/such/page").await;
    anonymous.assert_status(404).assert_lacks("sign-out");
    app.sign_in(CONTOSO).await;
    app.get("/no/such/page")
        .await
        .assert_status(404)
        .assert_contains("/sign-out")
        .assert_contains("Contoso");
}

#[actix_web::test]
async fn an_upgrade_on_the_pages_names_the_new_subscription_in_the_users_language() {
    let app = spawn_app().await;
    app.prefer("zh-CN");
    app.sign_in(CONTOSO).await;
    let form = app
        .get(&format!(
            "{}/upgrade",
            details("c-litware", "s-litware-premium")
        ))
        .await;
    let page = app
        .post(
            &format!("{}/upgrade", details("c-litware", "s-litware-premium")),
            &[
                ("offer", "O365_E3"),
                ("licenses", "60"),
                ("version", &form.hidden("version")),
            ],
        )
        .await;
    page.assert_status(303);
    assert_eq!(
        app.value(
            "SELECT friendly_name FROM subscriptions WHERE upgraded_from = 's-litware-premium'"
        )
        .await
        .as_deref(),
        Some("Office 365 企业版 E3")
    );
}
