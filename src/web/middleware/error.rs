//! Errors of the pages. A handler returns a [`PageError`], which answers with a bare status (and
//! a redirect to sign in, or a `Retry-After`); the error page (`pages::error`) draws every such
//! answer, so no user ever sees a raw error text.

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};

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
    /// Something the user's role may not do (issue 32): the error page says so.
    #[error("not allowed for this role")]
    NotAllowed,
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

/// Marks a 403 that a role's table refused (not a failed CSRF check): the error page says the
/// user's role may not do this.
#[derive(Debug, Clone, Copy)]
pub struct RoleRefusal;

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
            PageError::Forbidden | PageError::NotAllowed => StatusCode::FORBIDDEN,
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
            PageError::NotAllowed => {
                let mut response = HttpResponse::new(self.status_code());
                response.extensions_mut().insert(RoleRefusal);
                response
            }
            PageError::Unavailable => HttpResponse::build(self.status_code())
                .insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()))
                .finish(),
        }
    }
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
