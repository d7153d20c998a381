//! The error page: every error response without a page of its own (a page's, or actix's own
//! such as 413) becomes the localized error page, so no user ever sees a raw error text.

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use askama::Template;

use super::layout::Layout;
use crate::web::middleware::csrf::CsrfToken;
use crate::web::middleware::error::{KeepBody, RoleRefusal};
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::session::{self, SessionLimits};

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
        403 if res.response().extensions().contains::<RoleRefusal>() => "role".to_owned(),
        s @ (400 | 404 | 403 | 405 | 413 | 429 | 503) => s.to_string(),
        s if s >= 500 => "500".to_owned(),
        _ => "400".to_owned(),
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
