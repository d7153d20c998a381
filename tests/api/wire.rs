//! The API's answers on the wire, as reviewed snapshots (`insta`): every answer Partner Center's
//! contract fixes (a customer and a page of them, a subscription and a customer's, its upgrades,
//! an offer, a change's and an upgrade's answers) and each error body. A change to the wire shows
//! up in review as a changed snapshot (`cargo insta review`, or the `.snap.new` file beside it).
//! The portal runs on a fixed clock, so that the demo book's dates are the same on every run.

use serde_json::json;

use crate::api_client::{Answer, Api, subscription, upgrades};
use crate::helpers::{CONTOSO, spawn_app_with};

const CLOCK: (&str, &str) = ("PORTAL_CLOCK", "2026-07-20T10:00:00+08:00");

/// An answer as the snapshots hold it: its status, then its JSON body in the order the portal
/// wrote it, one member a line, with the ids the portal makes up (a new subscription's) written as
/// what they are.
pub(crate) fn wire(answer: &Answer, made_up: &[&str]) -> String {
    answer.json(); // JSON, or the test fails here
    let mut body = pretty(&answer.text);
    for id in made_up {
        body = body.replace(id, "[new subscription id]");
    }
    format!("{}\n{body}", answer.status)
}

/// JSON text indented, its members kept in their order (a `serde_json::Value` sorts them).
fn pretty(json: &str) -> String {
    let (mut out, mut depth, mut in_string, mut escaped) = (String::new(), 0usize, false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' if matches!(chars.peek(), Some('}' | ']')) => {
                out.push(c);
                out.extend(chars.next());
            }
            '{' | '[' => {
                out.push(c);
                depth += 1;
                newline(&mut out, depth);
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[actix_web::test]
async fn the_resources_as_partner_center_reads_them() {
    let app = spawn_app_with(&[CLOCK]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let fabrikam = subscription("c-fabrikam", "s-fabrikam-essentials");
    for (name, path) in [
        ("customer", "/v1/customers/c-fabrikam".to_owned()),
        ("customers_page", "/v1/customers?size=2".to_owned()),
        ("subscription", fabrikam.clone()),
        (
            "subscriptions",
            "/v1/customers/c-fabrikam/subscriptions".to_owned(),
        ),
        ("upgrades", format!("{fabrikam}/upgrades")),
        ("offer", "/v1/offers/O365_E3".to_owned()),
    ] {
        insta::assert_snapshot!(name, wire(&api.get(&path).await, &[]));
    }
    let chinese = api
        .get_with(&format!("{fabrikam}/upgrades"), &[("X-Locale", "zh-CN")])
        .await;
    insta::assert_snapshot!("upgrades_zh_cn", wire(&chinese, &[]));
}

#[actix_web::test]
async fn the_answers_to_changes() {
    let app = spawn_app_with(&[CLOCK]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let patched = api
        .patch(
            &subscription("c-fabrikam", "s-fabrikam-essentials"),
            &[],
            json!({ "quantity": 30, "friendlyName": "Sales" }),
        )
        .await;
    insta::assert_snapshot!("patched", wire(&patched, &[]));
    let upgraded = api
        .post(
            &upgrades("c-adatum", "s-adatum-business"),
            &[],
            json!({ "targetOffer": { "id": "O365_E3" } }),
        )
        .await;
    let target = app.value("SELECT target_id FROM upgrades").await.unwrap();
    insta::assert_snapshot!("upgraded", wire(&upgraded, &[&target]));
    let refused = api
        .post(
            &upgrades("c-litware", "s-litware-premium"),
            &[],
            json!({ "targetOffer": { "id": "O365_E1" } }),
        )
        .await;
    insta::assert_snapshot!("upgrade_refused", wire(&refused, &[]));
}

#[actix_web::test]
async fn each_error_body() {
    let app = spawn_app_with(&[CLOCK]).await;
    let api = Api::issue(&app, CONTOSO.0).await;
    let fabrikam = subscription("c-fabrikam", "s-fabrikam-essentials");
    let unsigned = Api::with_token(&app, "");
    insta::assert_snapshot!("error_401", wire(&unsigned.get("/v1/customers").await, &[]));
    let cases = [
        ("error_400_not_json", fabrikam.clone(), json!("[")),
        (
            "error_400_quantity",
            fabrikam.clone(),
            json!({ "quantity": 0 }),
        ),
        (
            "error_400_suspended",
            subscription("c-wingtip", "s-wingtip-essentials"),
            json!({ "quantity": 20 }),
        ),
        (
            "error_400_cancelled",
            subscription("c-tailspin", "s-tailspin-premium"),
            json!({ "quantity": 20 }),
        ),
        (
            "error_404",
            subscription("c-fabrikam", "s-no-such-subscription"),
            json!({ "quantity": 20 }),
        ),
    ];
    for (name, path, body) in cases {
        let body = match body {
            serde_json::Value::String(raw) => raw,
            other => other.to_string(),
        };
        let answer = api
            .send(awc::http::Method::PATCH, &path, &[], Some(&body))
            .await;
        insta::assert_snapshot!(name, wire(&answer, &[]));
    }
    let stale = api
        .patch(
            &fabrikam,
            &[("If-Match", "\"v7\"")],
            json!({ "quantity": 20 }),
        )
        .await;
    insta::assert_snapshot!("error_412", wire(&stale, &[]));
    let wrong_method = api
        .send(awc::http::Method::DELETE, &fabrikam, &[], None)
        .await;
    insta::assert_snapshot!("error_405", wire(&wrong_method, &[]));
    let limited = spawn_app_with(&[CLOCK, ("PORTAL_API_RATE", "1")]).await;
    let api = Api::issue(&limited, CONTOSO.0).await;
    api.get("/v1/customers/c-fabrikam").await.assert_status(200);
    let limited = api.get("/v1/customers/c-fabrikam").await;
    let wait = limited.header("retry-after").unwrap();
    insta::assert_snapshot!(
        "error_429",
        wire(&limited, &[]).replace(&format!("in {wait} s"), "in [Retry-After] s")
    );
}
