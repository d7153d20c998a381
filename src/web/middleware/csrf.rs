//! Cross-site request forgery defence: a synchronizer token bound to the session. Every form
//! carries it in a hidden `csrf` field; [`verify`] refuses any POST whose token is missing or
//! wrong with a 403, before a handler runs, so nothing is written.

use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use super::limits::LARGE_FORMS;

const SESSION_KEY: &str = "csrf";
pub const FIELD: &str = "csrf";

/// The session's token, for the forms of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(String);

impl CsrfToken {
    /// The session's token, created on first use.
    pub fn of(session: &Session) -> CsrfToken {
        match session.get::<String>(SESSION_KEY) {
            Ok(Some(token)) if token.len() == 64 => CsrfToken(token),
            _ => CsrfToken::rotate(session),
        }
    }

    /// A new token for the session (at sign-in, with the new session id).
    pub fn rotate(session: &Session) -> CsrfToken {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        // Inserting a String into a session cannot fail to serialize.
        let _ = session.insert(SESSION_KEY, &token);
        CsrfToken(token)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Compares in time independent of where the strings differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The request's body, up to `limit` bytes (413 past it).
async fn read_up_to(req: &mut ServiceRequest, limit: usize) -> Result<web::Bytes, Error> {
    use actix_web::HttpMessage as _;
    use futures_util::StreamExt as _;
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Err(actix_web::error::PayloadError::Overflow.into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Middleware: a state-changing request must carry the session's token in its form.
pub async fn verify(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    // Read the (size-limited) body, find the token, and put the body back for the handler. A body
    // over the limit answers 413 here, as a response the error pages can render.
    let read = match LARGE_FORMS.iter().find(|(path, _)| *path == req.path()) {
        Some((_, limit)) => read_up_to(&mut req, *limit).await,
        None => req.extract::<web::Bytes>().await,
    };
    let body = match read {
        Ok(body) => body,
        Err(e) => {
            let response = e.error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    };
    let expected = req.get_session().get::<String>(SESSION_KEY).ok().flatten();
    if expected.is_none() && req.path() != "/sign-in" {
        // No session at all (never signed in, or it expired): nothing here can change anything
        // without one, and the handler sends the user to sign in.
        req.set_payload(Payload::from(body));
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let given = form_urlencoded::parse(&body)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned());
    match (expected, given) {
        (Some(expected), Some(given)) if same(expected.as_bytes(), given.as_bytes()) => {
            req.set_payload(Payload::from(body));
            next.call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        }
        _ => {
            tracing::warn!(
                path = req.path(),
                "refused a request without a valid CSRF token"
            );
            Ok(req
                .into_response(HttpResponse::Forbidden().finish())
                .map_into_right_body())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn comparison() {
        assert!(super::same(b"abc", b"abc"));
        assert!(!super::same(b"abc", b"abd"));
        assert!(!super::same(b"abc", b"abcd"));
    }
}
