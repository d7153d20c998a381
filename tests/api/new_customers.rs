//! Issue 31: a new customer through the API (`POST /v1/customers`): what it makes (the
//! customer, this reseller's relationship with delegated admin privileges, the first admin with
//! a password shown once and kept only hashed), where it shows (the list, the search, its
//! orders), every field's rule with nothing written, the domain taken in the whole portal, and
//! replays.

use serde_json::{Value, json};

use crate::api_client::Api;
use crate::helpers::{CONTOSO, NORTHWIND, TestApp, assert_invariants, spawn_app};

fn body(prefix: &str) -> Value {
    json!({
        "CompanyProfile": { "Domain": format!("{prefix}.partner.onmschina.cn") },
        "BillingProfile": {
            "Email": "wang@example.com",
            "Culture": "zh-CN",
            "Language": "zh",
            "CompanyName": "星河科技有限公司",
            "DefaultAddress": {
                "Country": "CN",
                "City": "北京",
                "State": "北京市",
                "AddressLine1": "朝阳区建国路 1 号",
                "PostalCode": "100020",
                "FirstName": "小明",
                "LastName": "王",
                "PhoneNumber": "+86 10 8888 8888"
            }
        }
    })
}

/// The new customer's first admin's `password` is kept only as its hash: it verifies against
/// the stored hash, and no row of the portal's tables holds it in the clear.
pub(crate) async fn assert_kept_hashed(app: &TestApp, customer: &str, password: &str) {
    let hash = app
        .value(&format!(
            "SELECT password_hash FROM tenant_admins WHERE customer_id = '{customer}'"
        ))
        .await
        .unwrap();
    assert!(portal::password::verify(password, &hash));
    assert!(
        !app.snapshot()
            .await
            .iter()
            .any(|row| row.contains(password)),
        "the password is stored in the clear"
    );
}

#[actix_web::test]
async fn a_new_customer_with_its_admin_shown_once() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let before = app
        .count("relationships WHERE reseller_id = 'contoso'")
        .await;
    let made = api
        .post("/v1/customers", &[], body("Xinghe2026"))
        .await
        .assert_status(201);
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(made["attributes"]["objectType"], "Customer");
    assert_eq!(
        made["companyProfile"]["domain"],
        "xinghe2026.partner.onmschina.cn"
    );
    assert_eq!(made["allowDelegatedAccess"], true);
    let credentials = &made["userCredentials"];
    assert_eq!(
        credentials["userName"],
        "admin@xinghe2026.partner.onmschina.cn"
    );
    let password = credentials["password"].as_str().unwrap().to_owned();
    assert_eq!(password.len(), 16);

    // Kept only as its Argon2id hash; nowhere in the clear.
    assert_kept_hashed(&app, &id, &password).await;
    assert_eq!(
        app.count(&format!(
            "tenant_admins WHERE password_hash LIKE '%{password}%'"
        ))
        .await,
        0
    );

    // The reseller's customer like the others: the count, the list, the search, its orders.
    assert_eq!(
        app.count(&format!(
            "relationships WHERE reseller_id = 'contoso' AND customer_id = '{id}' AND delegated_admin"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("relationships WHERE reseller_id = 'contoso'")
            .await,
        before + 1
    );
    assert_eq!(
        app.value("SELECT customers FROM resellers WHERE id = 'contoso'")
            .await
            .unwrap(),
        (before + 1).to_string()
    );
    api.get(&format!("/v1/customers/{id}"))
        .await
        .assert_status(200);
    assert_eq!(
        app.count(&format!(
            "events WHERE name = 'customer-created' AND resource_id = '{id}' AND door = 'api'"
        ))
        .await,
        1
    );
    app.sign_in(CONTOSO).await;
    app.get("/?q=%E6%98%9F%E6%B2%B3")
        .await
        .assert_status(200)
        .assert_contains("星河科技有限公司");
    app.get("/?q=xinghe2026")
        .await
        .assert_status(200)
        .assert_contains("星河科技有限公司");
    api.post(
        &format!("/v1/customers/{id}/orders"),
        &[],
        json!({ "lineItems": [{ "lineItemNumber": 0, "offerId": "O365_E3", "quantity": 5 }] }),
    )
    .await
    .assert_status(201);

    // Another reseller's customer: not Northwind's to see, but its domain is taken for it too.
    let northwind = Api::issue(&app, NORTHWIND.0).await;
    northwind
        .get(&format!("/v1/customers/{id}"))
        .await
        .assert_error(404, 20003);
    let before = app.snapshot().await;
    northwind
        .post("/v1/customers", &[], body("XINGHE2026"))
        .await
        .assert_error(400, 800002);
    assert_eq!(app.snapshot().await, before);
    assert_eq!(
        northwind
            .get("/v1/validations/checkdomainavailability/xinghe2026")
            .await
            .assert_status(200),
        json!(false)
    );
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn a_retry_is_the_same_customer_without_the_password() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let headers = [("MS-RequestId", "0f8fad5b-d9cb-469f-a165-70867728950e")];
    let first = api
        .post("/v1/customers", &headers, body("retry1"))
        .await
        .assert_status(201);
    let again = api
        .post("/v1/customers", &headers, body("retry1"))
        .await
        .assert_status(201);
    assert_eq!(again["id"], first["id"]);
    assert!(first["userCredentials"]["password"].is_string());
    assert!(again["userCredentials"].get("password").is_none());
    assert_eq!(app.count("tenant_admins").await, 1);
}

#[actix_web::test]
async fn every_field_is_checked_and_nothing_written() {
    let app = spawn_app().await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let before = app.snapshot().await;
    let with = |path: &[&str], value: Value| {
        let mut b = body("fieldcheck");
        let mut node = &mut b;
        for (i, key) in path.iter().enumerate() {
            if i + 1 == path.len() {
                node[*key] = value.clone();
            } else {
                node = &mut node[*key];
            }
        }
        b
    };
    let address =
        |field: &str, value: &str| with(&["BillingProfile", "DefaultAddress", field], json!(value));
    let cases = [
        with(
            &["CompanyProfile", "Domain"],
            json!("fab-rikam.partner.onmschina.cn"),
        ),
        with(&["CompanyProfile", "Domain"], json!("")),
        with(&["CompanyProfile", "Domain"], json!("a".repeat(28))),
        with(&["BillingProfile", "CompanyName"], json!("")),
        with(&["BillingProfile", "Email"], json!("wang@")),
        with(&["BillingProfile", "Language"], json!("fr")),
        address("PostalCode", "10002"),
        address("PostalCode", "1000２0"),
        address("State", "Hong Kong"),
        address("City", ""),
        address("AddressLine1", ""),
        address("FirstName", ""),
        address("PhoneNumber", "abc"),
        json!({}),
    ];
    for case in cases {
        let answer = api.post("/v1/customers", &[], case.clone()).await;
        assert_eq!(answer.status.as_u16(), 400, "{case}: {}", answer.text);
        answer.assert_error(400, 800002);
    }
    api.post("/v1/customers", &[], address("Country", "US"))
        .await
        .assert_error(403, 2030);
    assert_eq!(app.snapshot().await, before);
}

const FORM: &str = "/customers/new";

/// Add customer's fields, filled in as a reseller in Beijing would, with `prefix` for the domain.
pub(crate) fn fields(prefix: &str) -> Vec<(&'static str, String)> {
    vec![
        ("company_name", "星河科技有限公司".into()),
        ("prefix", prefix.into()),
        ("last_name", "王".into()),
        ("first_name", "小明".into()),
        ("email", "wang@example.com".into()),
        ("phone", "010-8888-8888".into()),
        ("province", "北京市".into()),
        ("city", "北京".into()),
        ("address_line", "朝阳区建国路 1 号".into()),
        ("postal_code", "100020".into()),
        ("language", "zh-CN".into()),
    ]
}

fn as_form<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[actix_web::test]
async fn add_customer_on_the_pages_shows_the_password_once() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.prefer("zh-CN");
    app.get("/").await.assert_contains("添加客户");
    let form = app.get(FORM).await;
    form.assert_status(200).assert_contains("北京市");
    let key = form.hidden("key");

    // The availability check, without script.
    let mut check = fields("Fabrikam");
    check.push(("check", "1".into()));
    check.push(("key", key.clone()));
    app.submit(FORM, &as_form(&check))
        .await
        .assert_status(200)
        .assert_contains("data-code=\"domain_taken\"");
    let before = app.snapshot().await;

    // The review, then Confirm: the password shown once.
    let mut asked = fields("Xinghe2027");
    asked.push(("key", key.clone()));
    let review = app.submit(FORM, &as_form(&asked)).await;
    review
        .assert_status(200)
        .assert_contains("admin@xinghe2027.partner.onmschina.cn");
    assert!(review.is_review());
    assert_eq!(app.snapshot().await, before);
    // Back: the form again, as typed, nothing written.
    let mut back = review.confirm_fields();
    back.push(("edit".into(), "1".into()));
    let back: Vec<(&str, &str)> = back.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let form = app.submit(FORM, &back).await;
    form.assert_status(200)
        .assert_contains("value=\"Xinghe2027\"")
        .assert_contains("value=\"朝阳区建国路 1 号\"");
    assert!(!form.is_review());
    assert_eq!(app.snapshot().await, before);
    // Confirm goes back to the review's address, which shows the password this once.
    let confirmed = app.confirm(&review).await;
    confirmed.assert_redirect(&review.confirm_action());
    // The password goes to that page sealed in a cookie of its own, which nothing else opens.
    let carried = app.cookies()["portal_new_password"].clone();
    let other = app.another_browser();
    other.sign_in(CONTOSO).await;
    let mut jar = other.cookies();
    jar.insert("portal_new_password".into(), carried.clone());
    other.set_cookies(jar);
    other
        .get(&review.confirm_action())
        .await
        .assert_contains("data-code=\"already_done\"");
    let made = app.follow(&confirmed).await;
    made.assert_status(200).assert_contains("客户已创建");
    assert!(!app.cookies().contains_key("portal_new_password"));
    let password = made
        .body
        .split("data-code=\"password\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let hash = app
        .value("SELECT password_hash FROM tenant_admins WHERE user_name = 'admin@xinghe2027.partner.onmschina.cn'")
        .await
        .unwrap();
    assert_eq!(password.len(), 16);
    assert!(portal::password::verify(&password, &hash));
    // Confirm again (a double click, a refresh): sent to the customer, no password again.
    let again = app.confirm(&review).await;
    assert_eq!(again.status.as_u16(), 303);
    assert!(!again.body.contains(&password));
    app.follow(&confirmed)
        .await
        .assert_contains("data-code=\"already_done\"")
        .assert_lacks(&password);
    // The cookie sent again (a browser that kept it) opens once only.
    let mut jar = app.cookies();
    jar.insert("portal_new_password".into(), carried);
    app.set_cookies(jar);
    app.follow(&confirmed)
        .await
        .assert_contains("data-code=\"already_done\"")
        .assert_lacks(&password);
    assert_eq!(app.count("tenant_admins").await, 1);
    app.get("/?q=%E6%98%9F%E6%B2%B3")
        .await
        .assert_contains("星河科技有限公司");
    assert_invariants(&app).await;
}

#[actix_web::test]
async fn add_customer_says_what_is_wrong_beside_each_field() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let before = app.snapshot().await;
    let mut bad = fields("fab-rikam");
    for (k, v) in bad.iter_mut() {
        match *k {
            "postal_code" => *v = "1000".into(),
            "province" => *v = "".into(),
            "email" => *v = "wang".into(),
            _ => {}
        }
    }
    let page = app.submit(FORM, &as_form(&bad)).await;
    page.assert_status(422);
    for id in [
        "prefix-error",
        "postal_code-error",
        "province-error",
        "email-error",
    ] {
        page.assert_contains(&format!("id=\"{id}\""));
    }
    // A domain another reseller's customer holds: taken, at the review and at Confirm.
    app.submit(FORM, &as_form(&fields("Fabrikam")))
        .await
        .assert_status(422)
        .assert_contains("id=\"prefix-error\"");
    assert_eq!(app.snapshot().await, before);
}

#[actix_web::test]
async fn a_new_customer_is_in_the_activity_log_with_who_and_which_door() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    // One through the pages, one through the API, and a purchase the filter leaves out.
    let key = app.get(FORM).await.hidden("key");
    let mut asked = fields("Pages31");
    asked.push(("key", key));
    let review = app.submit(FORM, &as_form(&asked)).await;
    app.confirm(&review).await.assert_status(303);
    let mut through_api = body("Api31");
    through_api["BillingProfile"]["CompanyName"] = json!("云端贸易有限公司");
    let made = api
        .post("/v1/customers", &[], through_api)
        .await
        .assert_status(201);
    api.post(
        &format!("/v1/customers/{}/orders", made["id"].as_str().unwrap()),
        &[],
        json!({ "lineItems": [{ "lineItemNumber": 0, "offerId": "O365_E1", "quantity": 2 }] }),
    )
    .await
    .assert_status(201);

    assert_eq!(
        app.count(
            "activity WHERE action = 'customer_created' AND user_email = 'admin@contoso.example' \
             AND user_role = 'global-admin' AND subscription_id IS NULL"
        )
        .await,
        2
    );
    assert_eq!(
        app.count("activity WHERE action = 'customer_created' AND token_id IS NOT NULL")
            .await,
        1
    );
    app.prefer("en-US");
    let log = app.get("/activity?action=new_customers").await;
    log.assert_status(200)
        .assert_contains("Added a customer")
        .assert_contains("星河科技有限公司")
        .assert_contains("云端贸易有限公司")
        .assert_contains("via the API · Test script")
        .assert_contains("<option value=\"new_customers\" selected>New customers</option>")
        .assert_lacks("Bought (a new subscription)");
    assert_eq!(log.body.matches("Added a customer").count(), 2);
    // The whole log holds them among the other changes.
    app.get("/activity?action=changes")
        .await
        .assert_contains("Added a customer")
        .assert_contains("Bought (a new subscription)");
    app.prefer("zh-CN");
    app.get("/activity?action=new_customers")
        .await
        .assert_contains("已添加客户")
        .assert_contains(">新客户</option>");
}

#[actix_web::test]
async fn the_prefix_is_checked_as_it_is_typed() {
    let app = spawn_app().await;
    app.sign_in(CONTOSO).await;
    app.prefer("en-US");
    app.get(FORM)
        .await
        .assert_contains("<script src=\"/static/js/signup.js\" defer></script>")
        .assert_contains("id=\"prefix-status\"");
    app.get("/static/js/signup.js").await.assert_status(200);
    for (prefix, code, words) in [
        (
            "FABRIKAM",
            "domain_taken",
            "fabrikam.partner.onmschina.cn is taken",
        ),
        (
            "xinghe2028",
            "domain_free",
            "xinghe2028.partner.onmschina.cn is available",
        ),
        ("bad_prefix", "prefix_invalid", ""),
    ] {
        let answer = app
            .get(&format!("/customers/new/availability?prefix={prefix}"))
            .await;
        answer.assert_status(200);
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(body["code"], code, "{prefix}");
        assert!(body["words"].as_str().unwrap().contains(words), "{body}");
        assert!(!body["words"].as_str().unwrap().is_empty(), "{body}");
    }
    app.prefer("zh-CN");
    let answer = app.get("/customers/new/availability?prefix=fabrikam").await;
    assert!(answer.body.contains("已被使用"), "{}", answer.body);
}
