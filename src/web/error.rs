//! Errors of the pages. A handler returns a [`PageError`]; the [`render_error_pages`] middleware
//! turns every error response without a page of its own (ours, or actix's own such as 413) into
//! the localized error page, so no user ever sees a raw error text.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::csrf::CsrfToken;
use super::i18n::Locale;
use super::layout::Layout;
use super::session::{self, SessionLimits};
use actix_session::SessionExt;

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Unknown, malformed or another reseller's id: all answer alike.
    #[error("not found")]
    NotFound,
    /// No signed-in user: go to the sign-in page, and come back to `next` after.
    #[error("sign-in required")]
    SignInRequired { next: String },
    /// Something the signed-in user may not do (a reseller's setting, for a user who is not
    /// its administrator).
    #[error("forbidden")]
    Forbidden,
    /// A request no form of ours sends (a tampered or truncated form).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The database, or the session store, can't be reached right now: try again in a few
    /// seconds.
    #[error("the database is unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Marks an error response whose own plain-text body the error pages keep: the readiness
/// probe's answer, read by machines and by an operator with curl.
#[derive(Debug, Clone, Copy)]
pub struct KeepBody;

/// Seconds a client is asked to wait when the database is out of reach.
pub const RETRY_AFTER_SECONDS: u32 = 5;

impl From<sea_orm::DbErr> for PageError {
    fn from(e: sea_orm::DbErr) -> Self {
        if crate::store::is_outage(&e) {
            tracing::error!(error = %e, "the database is out of reach");
            return PageError::Unavailable;
        }
        PageError::Internal(anyhow::Error::new(e).context("database"))
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Forbidden => StatusCode::FORBIDDEN,
            PageError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        match self {
            PageError::SignInRequired { next } => {
                let location = if next == "/" {
                    "/sign-in".to_owned()
                } else {
                    format!(
                        "/sign-in?next={}",
                        percent_encoding::utf8_percent_encode(
                            next,
                            percent_encoding::NON_ALPHANUMERIC
                        )
                    )
                };
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location))
                    .finish()
            }
            PageError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                HttpResponse::new(self.status_code())
            }
            PageError::BadRequest(why) => {
                tracing::info!(why, "bad request");
                HttpResponse::new(self.status_code())
            }
            PageError::NotFound | PageError::Forbidden => HttpResponse::new(self.status_code()),
            PageError::Unavailable => HttpResponse::build(self.status_code())
                .insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()))
                .finish(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Locale,
    layout: Layout,
    status: u16,
    title: String,
    explanation: String,
}

/// Renders the error page for an error response that has no HTML page of its own.
pub fn render_error_pages<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let status = res.status();
    // A page of its own, or the API's JSON error body: theirs to keep.
    let has_own_body = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || is_json(v))
        || res.response().extensions().contains::<KeepBody>();
    if has_own_body || !(status.is_client_error() || status.is_server_error()) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let l = Locale::of(res.request());
    // A signed-in visitor stays in the signed-in frame; the session tells without a query.
    let session = res.request().get_session();
    let limits = res
        .request()
        .app_data::<actix_web::web::Data<SessionLimits>>()
        .map(|l| *l.get_ref());
    let layout = match session::peek(&session, limits) {
        Some(account) => Layout::new(l, &account, &CsrfToken::of(&session), res.request().path()),
        None => Layout::bare(l, res.request().path()),
    };
    let key = match status.as_u16() {
        400 | 404 | 403 | 405 | 413 | 429 | 503 => status.as_u16(),
        s if s >= 500 => 500,
        _ => 400,
    };
    let page = ErrorPage {
        l,
        layout,
        status: status.as_u16(),
        title: l.t(&format!("error-{key}-title")),
        explanation: l.t(&format!("error-{key}-text")),
    };
    let body = page
        .render()
        .unwrap_or_else(|_| l.t(&format!("error-{key}-title")));
    let (req, mut response) = res.into_parts();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    let response = response.set_body(body).map_into_boxed_body();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

/// Whether a content type is JSON (`application/json`, or a `+json` type such as
/// `application/problem+json`).
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json") || essence.ends_with("+json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_out_of_reach_is_a_503_to_retry_not_a_500() {
        let e = sea_orm::DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout);
        let page = PageError::from(e);
        assert_eq!(page.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        let response = page.error_response();
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "5");
        let other = PageError::from(sea_orm::DbErr::Custom("bad row".into()));
        assert_eq!(other.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
