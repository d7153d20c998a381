//! Errors of the `/v1` API, in Partner Center's shape: `{ "code", "description", "errorName",
//! "data": [], "source" }` with Partner Center's codes where it has one. Never an HTML page.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Partner Center's error code: 800001 missing or bad token, 800002 invalid input, 2002
    /// quantity outside the allowed range, 800091 change to a suspended subscription, 2011
    /// change to a cancelled one, 2032 access denied (the user's role may not), 20003 not found,
    /// 2055 stale etag, 429 too many requests, 2030 a market other than CN, 900269 a billing
    /// cycle other than monthly.
    pub code: u32,
    /// What was wrong: which field, which value.
    pub description: String,
    pub error_name: &'static str,
    /// Always empty.
    pub data: Vec<String>,
    /// Always `PortalAPI`.
    pub source: &'static str,
}

/// Why an API request was not served. Nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("{status} {code}: {description}")]
pub struct ApiError {
    status: StatusCode,
    code: u32,
    name: &'static str,
    description: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: u32, name: &'static str, description: String) -> Self {
        ApiError {
            status,
            code,
            name,
            description,
            retry_after: None,
        }
    }

    /// 401/800001: no token, or one that is unknown or revoked.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            800001,
            "Unauthorized",
            "Send a live API token as `Authorization: Bearer <token>`.".into(),
        )
    }

    /// 400/800002: the request itself is wrong; `why` names the field and the value.
    pub fn invalid(why: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 800002, "InvalidInput", why.into())
    }

    /// 400/2002: a quantity outside the offer's (or the subscription's) allowed range.
    pub fn quantity(why: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            2002,
            "QuantityOutOfRange",
            why.into(),
        )
    }

    /// 400/800091: the subscription is suspended.
    pub fn suspended() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            800091,
            "SubscriptionSuspended",
            "The subscription is suspended: reactivate it (status active) before changing its \
             licenses."
                .into(),
        )
    }

    /// 400/2011: the subscription is cancelled.
    pub fn cancelled() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            2011,
            "SubscriptionCancelled",
            "The subscription is cancelled (status deleted): it can't change any more.".into(),
        )
    }

    /// 403/2032 (Partner Center's "Access denied"): the token's user's role may not do this.
    pub fn not_allowed(role: crate::domain::Role) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            2032,
            "AccessDenied",
            format!(
                "Access denied: the token acts as a user with the role {role}, which may not do \
                 this."
            ),
        )
    }

    /// 403/2032 as well: the reseller requires two-step sign-in for the token's user's role, and
    /// they have not set it up. Their tokens wait for it (as their pages do): once set up, the
    /// same tokens work again.
    pub fn must_enroll(role: crate::domain::Role) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            2032,
            "AccessDenied",
            format!(
                "Access denied: your reseller requires two-step sign-in for the role {role}, and \
                 the token's user has not set it up. Sign in to the portal and set it up on the \
                 Security page (/security): this token works again then."
            ),
        )
    }

    /// 403/2030: a market other than China's (Partner Center operated by 21Vianet sells in CN
    /// only): "Partner isn't onboarded to sell in country/region".
    pub fn not_onboarded(country: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            2030,
            "PartnerNotOnboardedInCountry",
            format!(
                "country: {:?}: Partner Center operated by 21Vianet sells in CN only.",
                country.chars().take(16).collect::<String>()
            ),
        )
    }

    /// 400/900269: a billing cycle other than monthly ("The billing cycle is invalid").
    pub fn billing_cycle(asked: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            900269,
            "InvalidBillingCycle",
            format!(
                "billingCycle: {:?}: the billing cycle is invalid; new subscriptions are billed \
                 monthly.",
                asked.chars().take(32).collect::<String>()
            ),
        )
    }

    /// 404/20003: unknown, malformed or another reseller's customer, subscription or offer.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            20003,
            "NotFound",
            "No such resource for this reseller.".into(),
        )
    }

    /// 412/2055: the etag sent is not the resource's current one.
    pub fn stale() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            2055,
            "ConcurrencyConflict",
            "The subscription changed since you read it (the etag is stale): read it again, \
             then send the change with the new etag."
                .into(),
        )
    }

    /// 429: the token made too many requests; try again after `seconds`.
    pub fn too_many(seconds: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            429,
            "TooManyRequests",
            format!("Too many requests for this user's tokens: try again in {seconds} s."),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// 429 (issue 33): the reseller sent its `burst` of test events within `window` seconds;
    /// the next after `seconds`.
    pub fn test_events_wait(seconds: u64, burst: u32, window: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            429,
            "TooManyRequests",
            format!(
                "Too many test events: at most {burst} in {window} seconds. Try again in \
                 {seconds} s."
            ),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// 429: this address sent too many tokens that are no one's; it waits before the next.
    pub fn held_back(seconds: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            429,
            "TooManyRequests",
            format!("Too many unknown tokens from this address: try again in {seconds} s."),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// 503: the database is out of reach; try again in a few seconds.
    pub fn unavailable() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            503,
            "ServiceUnavailable",
            "The portal's database is briefly out of reach: try again in a few seconds.".into(),
        );
        e.retry_after = Some(u64::from(
            crate::web::middleware::error::RETRY_AFTER_SECONDS,
        ));
        e
    }

    /// 500: the portal failed; the cause is logged, not shown.
    pub fn internal(e: impl std::fmt::Debug) -> Self {
        tracing::error!(error = ?e, "internal error in the API");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            900000,
            "InternalError",
            "The portal could not answer; try again later.".into(),
        )
    }

    // issue 33
    /// 409: the request contradicts what is kept (a second webhook registration).
    pub fn conflict(why: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, 800002, "Conflict", why.into())
    }

    /// An error answer of actix's own (no route, wrong method, body too large) in our shape.
    fn of_status(status: StatusCode) -> Self {
        match status.as_u16() {
            404 => Self::not_found(),
            401 => Self::unauthorized(),
            405 => Self::new(
                status,
                800002,
                "MethodNotAllowed",
                "This resource does not take that method.".into(),
            ),
            413 => Self::new(
                status,
                800002,
                "PayloadTooLarge",
                "The request body is too large (16 KiB at most).".into(),
            ),
            415 => Self::new(
                status,
                800002,
                "UnsupportedMediaType",
                "Send the body as application/json.".into(),
            ),
            503 => Self::unavailable(),
            s if s >= 500 => Self::internal(status),
            _ => Self::new(
                status,
                800002,
                "InvalidInput",
                "The request is not valid.".into(),
            ),
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code,
            description: self.description.clone(),
            error_name: self.name,
            data: Vec::new(),
            source: "PortalAPI",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(self.body())
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        if crate::store::is_outage(&e) {
            tracing::error!(error = %e, "the database is out of reach");
            return ApiError::unavailable();
        }
        ApiError::internal(e)
    }
}

/// Gives every error answer under `/v1` without a JSON body (actix's own 404, 405, 413, …) the
/// API's error body.
pub fn json_error_bodies<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let body = serde_json::to_string(&ApiError::of_status(status).body())
        .unwrap_or_else(|_| String::from("{}"));
    let (req, mut response) = res.into_parts();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let response = response.set_body(body).map_into_boxed_body();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
