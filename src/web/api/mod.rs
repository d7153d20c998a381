//! `/v1`: a Partner Center-compatible REST API over the same rooms as the pages. Its handlers
//! parse requests into the same domain types and call the same store functions (the eligibility
//! rule, the license rules, the change machinery, the activity log); only the wire differs.
//! Mounted outside the session and CSRF scope: a bearer token, never the session cookie,
//! authenticates it.

pub mod approvals;
pub mod audit;
pub mod auth;
pub mod customers;
pub mod domains;
pub mod error;
pub mod model;
pub mod new_customer;
pub mod offers;
pub mod openapi;
pub mod orders;
pub mod subscriptions;
pub mod upgrades;
pub mod webhooks;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlers, Next, from_fn};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::domain::{ChangeKey, CustomerId, SubscriptionId, Version};
use crate::store::changes::Reply;
use error::ApiError;

/// The API's routes, under `/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v1")
            // Writes into a replaced database file are refused here, as an API error body.
            .wrap(from_fn(crate::web::middleware::file_guard::guard_writes))
            .wrap(ErrorHandlers::new().default_handler(error::json_error_bodies))
            .wrap(from_fn(request_headers))
            .route("/openapi.json", web::get().to(openapi::document))
            .service(
                web::resource("/customers")
                    .route(web::get().to(customers::list))
                    // issue 31
                    .route(web::post().to(new_customer::create)),
            )
            .route("/customers/{customer}", web::get().to(customers::get))
            .route(
                "/customers/{customer}/subscriptions",
                web::get().to(subscriptions::list),
            )
            .service(
                web::resource("/customers/{customer}/subscriptions/{subscription}")
                    .route(web::get().to(subscriptions::get))
                    .route(web::patch().to(subscriptions::patch)),
            )
            .service(
                web::resource("/customers/{customer}/subscriptions/{subscription}/upgrades")
                    .route(web::get().to(upgrades::list))
                    .route(web::post().to(upgrades::create)),
            )
            // issue 31
            .service(
                web::resource("/customers/{customer}/orders")
                    .route(web::get().to(orders::list))
                    .route(web::post().to(orders::create)),
            )
            .route(
                "/customers/{customer}/orders/{order}",
                web::get().to(orders::get),
            )
            .route("/domains/{domain}", web::head().to(domains::exists))
            .route(
                "/validations/checkdomainavailability/{prefix}",
                web::get().to(domains::check),
            )
            .route("/offers", web::get().to(offers::list))
            .route("/offers/{offer}", web::get().to(offers::get))
            // issue 33
            .route("/auditrecords", web::get().to(audit::list))
            // issue 32: a change held for approval
            .route("/approvals/{approval}", web::get().to(approvals::get))
            .default_service(web::to(not_found)),
    );
    // issue 33: Partner Center's webhook registration, beside `/v1` as Partner Center has it.
    cfg.service(
        web::scope("/webhooks/v1")
            .wrap(from_fn(crate::web::middleware::file_guard::guard_writes))
            .wrap(ErrorHandlers::new().default_handler(error::json_error_bodies))
            .wrap(from_fn(request_headers))
            .route("/registration/events", web::get().to(webhooks::events))
            .service(
                web::resource("/registration")
                    .route(web::get().to(webhooks::get))
                    .route(web::post().to(webhooks::create))
                    .route(web::put().to(webhooks::update))
                    .route(web::delete().to(webhooks::delete)),
            )
            .route(
                "/registration/validationEvents",
                web::post().to(webhooks::send_test),
            )
            .route(
                "/registration/validationEvents/{correlation}",
                web::get().to(webhooks::validation),
            )
            .route("/certificate", web::get().to(webhooks::certificate))
            .default_service(web::to(not_found)),
    );
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}

const REQUEST_ID: HeaderName = HeaderName::from_static("ms-requestid");
const CORRELATION_ID: HeaderName = HeaderName::from_static("ms-correlationid");

/// issue 33: the request's `MS-CorrelationId`, as the answer gives it back, for the handlers
/// (a change keeps it on its activity records: an audit record's `originalCorrelationId`).
#[derive(Debug, Clone, Copy)]
pub struct Correlation(pub uuid::Uuid);

/// Echoes `MS-RequestId` and `MS-CorrelationId` on every answer, making up fresh ones when the
/// request sent none, as Partner Center does. Partner Center's are GUIDs: a request with anything
/// else in either is refused (400, 800002) before it is served, and its values are not echoed.
async fn request_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let fresh = || {
        HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
            .unwrap_or(HeaderValue::from_static("-"))
    };
    let mut refused = None;
    let mut echo = |name: &HeaderName, label: &str| match req.headers().get(name) {
        None => fresh(),
        Some(value) if is_guid(value) => value.clone(),
        Some(_) => {
            refused.get_or_insert_with(|| {
                ApiError::invalid(format!(
                    "{label}: expected a GUID, as Partner Center takes it (for example \
                     0f8fad5b-d9cb-469f-a165-70867728950e)"
                ))
            });
            fresh()
        }
    };
    let (request_id, correlation_id) = (
        echo(&REQUEST_ID, "MS-RequestId"),
        echo(&CORRELATION_ID, "MS-CorrelationId"),
    );
    if let Some(id) = correlation_id
        .to_str()
        .ok()
        .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
    {
        actix_web::HttpMessage::extensions_mut(&req).insert(Correlation(id));
    }
    let mut res = match refused {
        None => next.call(req).await?.map_into_left_body(),
        Some(error) => {
            let response = actix_web::ResponseError::error_response(&error);
            req.into_response(response).map_into_right_body()
        }
    };
    let headers = res.headers_mut();
    headers.insert(REQUEST_ID, request_id);
    headers.insert(CORRELATION_ID, correlation_id);
    headers.insert(
        actix_web::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// Whether a header holds a GUID ([`crate::domain::ids::guid`]).
fn is_guid(value: &HeaderValue) -> bool {
    value
        .to_str()
        .is_ok_and(|v| crate::domain::ids::guid(v).is_some())
}

/// A JSON answer.
pub fn json(status: StatusCode, body: &impl Serialize) -> Result<HttpResponse, ApiError> {
    let text = serde_json::to_vec(body).map_err(ApiError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type("application/json")
        .body(text))
}

/// A change's answer, as the API keeps it under the request's `MS-RequestId`: its JSON body.
pub fn kept(body: &impl Serialize) -> Reply {
    Reply(serde_json::to_string(body).unwrap_or_else(|_| String::from("{}")))
}

/// The answer of a change: the first one, or its replay, to the byte, with the same `status` (a
/// refused change keeps nothing, so a replay is always of a success).
pub fn answer(status: StatusCode, reply: Reply) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(reply.0)
}

/// The answer of a change to a subscription (200).
pub fn reply(reply: Reply) -> HttpResponse {
    answer(StatusCode::OK, reply)
}

/// The customer id of a path: a malformed one is as unknown as a missing one.
pub fn customer_id(req: &HttpRequest) -> Result<CustomerId, ApiError> {
    req.match_info()
        .get("customer")
        .and_then(|raw| CustomerId::parse(raw).ok())
        .ok_or_else(ApiError::not_found)
}

pub fn subscription_id(req: &HttpRequest) -> Result<SubscriptionId, ApiError> {
    req.match_info()
        .get("subscription")
        .and_then(|raw| SubscriptionId::parse(raw).ok())
        .ok_or_else(ApiError::not_found)
}

/// The request's one-time key: its `MS-RequestId`, if it sent one.
pub fn change_key(req: &HttpRequest) -> Result<Option<ChangeKey>, ApiError> {
    match req.headers().get(REQUEST_ID) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|raw| ChangeKey::request_id(raw, &format!("{} {}", req.method(), req.path())))
            .map(Some)
            .ok_or_else(|| ApiError::invalid("MS-RequestId: expected a GUID")),
    }
}

/// The key of the draft a call holds for approval, from its `MS-RequestId` (see
/// [`FormKey::request_id`]); `None` without one (a fresh key is made).
pub fn held_key(req: &HttpRequest) -> Option<crate::domain::FormKey> {
    let raw = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    crate::domain::FormKey::request_id(raw, &format!("{} {}", req.method(), req.path()))
}

/// The version the client read, from `If-Match` or else from the body's etag; an etag that
/// names no version of ours can't be current: 412.
pub fn expected_version(
    req: &HttpRequest,
    body_etag: Option<&str>,
) -> Result<Option<Version>, ApiError> {
    let header = req
        .headers()
        .get(actix_web::http::header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or_default());
    match header.or(body_etag) {
        None => Ok(None),
        Some("*") => Ok(None),
        Some(raw) => model::parse_etag(raw).map(Some).ok_or_else(ApiError::stale),
    }
}

/// A request body as JSON with Partner Center's field names whatever their letter case (its own
/// examples send PascalCase): every object key that matches one of `fields` case-insensitively
/// takes that spelling. Keys of no known field are left as they are, and ignored.
pub fn parse_body<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    fields: &[&str],
) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::invalid(format!("the body is not JSON: {e}")))?;
    canonical_keys(&mut value, fields);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            ApiError::invalid(format!("body: {inner}"))
        } else {
            ApiError::invalid(format!("{path}: {inner}"))
        }
    })
}

fn canonical_keys(value: &mut serde_json::Value, fields: &[&str]) {
    match value {
        serde_json::Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut v) in entries {
                canonical_keys(&mut v, fields);
                let key = fields
                    .iter()
                    .find(|f| f.eq_ignore_ascii_case(&key))
                    .map_or(key, |f| (*f).to_owned());
                map.insert(key, v);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                canonical_keys(v, fields);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_take_the_fields_spelling_in_any_letter_case() {
        let mut v = serde_json::json!({
            "TargetOffer": { "ID": "O365_E3" },
            "quantity": 5,
            "Unknown": [{ "FRIENDLYNAME": "x" }]
        });
        canonical_keys(&mut v, &["targetOffer", "id", "quantity", "friendlyName"]);
        assert_eq!(
            v,
            serde_json::json!({
                "targetOffer": { "id": "O365_E3" },
                "quantity": 5,
                "Unknown": [{ "friendlyName": "x" }]
            })
        );
    }
}
