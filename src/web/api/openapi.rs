//! The API's OpenAPI 3.1 document, generated from the handlers' own types and annotations.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{customers, subscriptions, upgrades};

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
        upgrades::list,
        upgrades::create,
        upgrades::offer,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "customers", description = "The reseller's customers"),
        (name = "subscriptions", description = "Subscriptions the reseller sold, and changes to them"),
        (name = "upgrades", description = "Upgrading a subscription to a bigger offer"),
        (name = "offers", description = "The catalog's offers"),
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
