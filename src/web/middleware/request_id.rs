//! Every request has an id: the one it came with (`X-Request-Id`, set by a proxy in front), or a
//! new one. Every response carries it, and every log line written while serving the request names
//! it, so that one request can be followed through the logs.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument as _;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// An incoming id is kept when it is 1 to 64 visible ASCII characters; anything else is replaced.
fn incoming(req: &ServiceRequest) -> Option<String> {
    let raw = req.headers().get(HEADER)?.to_str().ok()?.trim();
    (!raw.is_empty() && raw.len() <= 64 && raw.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| raw.to_owned())
}

/// The path as the log writes it: a link that sets a password (issue 32) without its secret, which
/// whoever reads the log could otherwise use.
fn logged_path(path: &str) -> &str {
    if path.starts_with(super::csrf::SET_PASSWORD) {
        "/set-password/(secret)"
    } else {
        path
    }
}

pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = incoming(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %logged_path(req.path())
    );
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HEADER, value);
    }
    // By the route's template, never the raw path: one series per page, not per customer.
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    metrics::histogram!(
        "portal_request_duration_seconds",
        "route" => route,
        "method" => res.request().method().to_string(),
        "status" => res.status().as_u16().to_string()
    )
    .record(started.elapsed().as_secs_f64());
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "served"
        );
    });
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_links_secret_stays_out_of_the_log() {
        assert_eq!(
            logged_path("/set-password/psl_0123abcd"),
            "/set-password/(secret)"
        );
        assert_eq!(
            logged_path("/customers/c-1/subscriptions"),
            "/customers/c-1/subscriptions"
        );
    }
}
