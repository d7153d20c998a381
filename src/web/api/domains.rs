//! Whether a domain is taken: `HEAD /v1/domains/{domain}` (Partner Center's "Verify domain
//! availability": 200 when a customer holds it, 404 when it is free) and
//! `GET /v1/validations/checkdomainavailability/{prefix}` (the operation Partner Center's
//! published client calls: `true` when `{prefix}.partner.onmschina.cn` is free). Domains are
//! compared without case, across every reseller's customers: another reseller's customer's
//! domain is taken too.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody};
use super::json;
use super::openapi::Refusals;
use crate::domain::signup::{DomainPrefix, compared_domain};
use crate::store::{self, Db};

/// Whether a customer holds the domain.
///
/// 200 when the domain is taken (by any customer in the portal, compared without case), 404
/// when it is free. No body either way.
#[utoipa::path(
    head,
    path = "/v1/domains/{domain}",
    tag = "customers",
    params(("domain" = String, Path, description = "A domain, e.g. fabrikam.partner.onmschina.cn")),
    responses(
        (status = 200, description = "The domain is taken"),
        (status = 404, description = "The domain is free"),
        Refusals,
    )
)]
// permission: view
pub async fn exists(
    req: HttpRequest,
    _caller: ApiCaller,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let domain = req
        .match_info()
        .get("domain")
        .and_then(compared_domain)
        .ok_or_else(ApiError::not_found)?;
    match store::orders::domain_taken(db.get_ref(), &domain).await? {
        true => Ok(HttpResponse::Ok().finish()),
        false => Err(ApiError::not_found()),
    }
}

/// Whether a domain prefix is free.
///
/// `true` when `{prefix}.partner.onmschina.cn` is free, `false` when a customer holds it. The
/// prefix: ASCII letters and digits, 1 to 27 (anything else: 400, 800002).
#[utoipa::path(
    get,
    path = "/v1/validations/checkdomainavailability/{prefix}",
    tag = "customers",
    params(("prefix" = String, Path, description = "A domain prefix, e.g. fabrikam")),
    responses(
        (status = 200, description = "true when free, false when taken", body = bool, content_type = "application/json"),
        (status = 400, description = "Not a domain prefix (800002)", body = ErrorBody),
        Refusals,
    )
)]
// permission: view
pub async fn check(
    req: HttpRequest,
    caller: ApiCaller,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let raw = req.match_info().get("prefix").unwrap_or_default();
    let prefix = DomainPrefix::parse(raw).map_err(|e| {
        ApiError::invalid(format!(
            "prefix: {:?}: {}",
            raw.chars().take(64).collect::<String>(),
            caller.locale.t(e.message_key())
        ))
    })?;
    let taken = store::orders::domain_taken(db.get_ref(), &prefix.domain()).await?;
    json(StatusCode::OK, &!taken)
}
