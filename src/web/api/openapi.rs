//! The API's OpenAPI 3.1 document, generated from the handlers' own types and annotations, and
//! what those annotations share, written once: the ids of the paths, the headers, and the error
//! answers every call (or every change) may get.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi};

use super::error::ErrorBody;
use super::{
    approvals, audit, customers, domains, new_customer, offers, orders, subscriptions, upgrades,
};

/// A customer's path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // the document's shape only: the handlers read the path themselves
pub struct CustomerPath {
    /// The customer's id
    #[param(rename = "customer-id")]
    customer_id: String,
}

/// A subscription's path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // the document's shape only
pub struct SubscriptionPath {
    /// The customer's id
    #[param(rename = "customer-id")]
    customer_id: String,
    /// The subscription's id
    #[param(rename = "subscription-id")]
    subscription_id: String,
}

/// The language of an answer's words.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // the document's shape only: `ApiCaller` reads it
pub struct Localized {
    /// Language of the answer's words (offer names, explanations): en-US (default) or zh-CN
    #[param(rename = "X-Locale")]
    x_locale: Option<String>,
}

/// What guards a change.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // the document's shape only
pub struct Guarded {
    /// The subscription's etag as read: the change is made only to the subscription as read
    #[param(rename = "If-Match")]
    if_match: Option<String>,
    /// A GUID that makes the call idempotent: the same value again returns the first answer
    /// (anything but a GUID: 400, 800002)
    #[param(
        rename = "MS-RequestId",
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    ms_request_id: Option<String>,
}

/// What any call may answer besides its own.
#[derive(IntoResponses)]
#[allow(dead_code)] // the document's shape only: `ApiError` answers them
pub enum Refusals {
    /// No or bad token (800001)
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// Access denied (2032): the role may not make this call, or must set up two-step sign-in first
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// Too many requests
    #[response(status = 429)]
    TooMany(ErrorBody),
}

/// Unknown, or another reseller's (20003)
#[derive(IntoResponses)]
#[response(status = 404)]
#[allow(dead_code)] // the document's shape only
pub struct NotFound(ErrorBody);

/// Stale etag (2055)
#[derive(IntoResponses)]
#[response(status = 412)]
#[allow(dead_code)] // the document's shape only
pub struct Stale(ErrorBody);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Reseller portal API",
        description = "Partner Center-compatible REST API of the reseller portal for Partner \
                       Center operated by 21Vianet: the reseller's customers, their \
                       subscriptions, license and status changes, and upgrades, through the same \
                       rules as the portal's pages. Authenticate with `Authorization: Bearer \
                       <token>` (a token from the portal's API access page). Send \
                       `MS-RequestId` to make a change idempotent.",
        version = "1"
    ),
    paths(
        customers::list,
        customers::get,
        subscriptions::list,
        subscriptions::get,
        subscriptions::patch,
        approvals::get,
        upgrades::list,
        upgrades::create,
        offers::list,
        offers::get,
        orders::create,
        orders::list,
        orders::get,
        new_customer::create,
        domains::exists,
        domains::check,
        audit::list,
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "customers", description = "The reseller's customers"),
        (name = "subscriptions", description = "Subscriptions the reseller sold, and changes to them"),
        (name = "upgrades", description = "Upgrading a subscription to a bigger offer"),
        (name = "offers", description = "The catalog's offers"),
        (name = "orders", description = "Orders of new subscriptions for a customer"),
        (name = "audit", description = "The reseller's changes as Partner Center's audit records"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token issued on the portal's API access page or by \
                         `portal api-token create`",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as JSON, built once.
pub fn json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .unwrap_or_else(|_| String::from("{}"))
    })
}

/// `GET /v1/openapi.json`: needs no token.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json())
}
