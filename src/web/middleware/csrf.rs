//! Cross-site request forgery defence: a synchronizer token bound to the session. Every form
//! carries it in a hidden `csrf` field; [`verify`] refuses any POST whose token is missing or
//! wrong with a 403, before a handler runs, so nothing is written.
//!
//! Before sign-in there is no session (none is kept for an anonymous visitor: a session row or
//! key a visit cost anyone a write): the sign-in form's token lives in a sealed cookie of its
//! own, sent to `/sign-in` only ([`SignInToken`]).
//!
//! [`verify`] is also where a request's body is first read, so it decides what may be read at
//! all: nothing of a POST without a session (it is sent to sign in), a form's usual 16 KiB from
//! a session, and more only on the routes of [`LargeForms`], from a signed-in session, within
//! their limit as declared before any of it is read, and only a few such bodies at once.

use std::time::Duration;

use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, ResponseError as _, web};
use tokio::sync::Semaphore;

use super::error::PageError;
use super::limits;
use super::session::{self, SessionLimits};
use crate::sealed::Sealer;

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
        let token = CsrfToken::random();
        // Inserting a String into a session cannot fail to serialize.
        let _ = session.insert(SESSION_KEY, &token.0);
        token
    }

    fn random() -> CsrfToken {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        CsrfToken(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The sign-in form's token, kept in the browser before there is a session to keep it in: a
/// cookie (`portal_sign_in`, HttpOnly, SameSite=Lax, sent to `/sign-in` only) holding the token
/// sealed by the portal, so that no one else can make one; the form's hidden field must match it.
pub struct SignInToken;

impl SignInToken {
    pub const COOKIE: &'static str = "portal_sign_in";
    const PURPOSE: &'static str = "sign-in form token";

    /// The token the request's sign-in cookie holds, if it holds one this portal sealed.
    pub fn of(req: &HttpRequest) -> Option<CsrfToken> {
        let sealer = req.app_data::<web::Data<Sealer>>()?;
        let cookie = req.cookie(Self::COOKIE)?;
        let token = sealer.open(Self::PURPOSE, cookie.value())?;
        let token = String::from_utf8(token).ok()?;
        (token.len() == 64).then_some(CsrfToken(token))
    }

    /// The sign-in form's token: the browser's, or a new one with the cookie that keeps it.
    pub fn for_form(req: &HttpRequest) -> (CsrfToken, Option<Cookie<'static>>) {
        if let Some(token) = SignInToken::of(req) {
            return (token, None);
        }
        let token = CsrfToken::random();
        let secure = crate::web::https(req);
        let cookie = req.app_data::<web::Data<Sealer>>().map(|sealer| {
            Cookie::build(
                Self::COOKIE,
                sealer.seal(Self::PURPOSE, token.as_str().as_bytes()),
            )
            .path("/sign-in")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .finish()
        });
        (token, cookie)
    }

    /// Forgets the browser's token (once signed in, the session's takes over).
    pub fn removal() -> Cookie<'static> {
        let mut cookie = Cookie::build(Self::COOKIE, "").path("/sign-in").finish();
        cookie.make_removal();
        cookie
    }
}

/// Compares in time independent of where the strings differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The most a large form may send: a bulk change's rows (about 50,000 lines of a subscriptions
/// export, 8 MiB) and the form's other fields. Other forms take the portal's usual 16 KiB.
pub const LARGE_FORM_LIMIT: usize = limits::BULK_FORM;

/// The routes whose forms may be as large as [`LARGE_FORM_LIMIT`], and how many such bodies are
/// read (and handled) at once: each costs its size in memory, and more.
pub struct LargeForms {
    paths: Vec<&'static str>,
    at_once: Semaphore,
}

impl LargeForms {
    /// Large bodies read at once, by default.
    pub const AT_ONCE: usize = 4;
    /// How long a large body waits for its turn before it is told to come back (503).
    const WAIT: Duration = Duration::from_secs(5);
    /// How long reading one may take: a sender that stalls gives its turn back (408).
    const READ_TIME: Duration = Duration::from_secs(120);

    pub fn new(paths: &[&'static str], at_once: usize) -> LargeForms {
        LargeForms {
            paths: paths.to_vec(),
            at_once: Semaphore::new(at_once.max(1)),
        }
    }

    fn takes(&self, path: &str) -> bool {
        self.paths.contains(&path)
    }
}

/// The request's body, up to `limit` bytes (413 past it).
async fn read_up_to(req: &mut ServiceRequest, limit: usize) -> Result<web::Bytes, Error> {
    use actix_web::HttpMessage as _;
    use futures_util::StreamExt as _;
    // Room for the length it declares, at once: grown by doubling instead, an 8 MiB body passed
    // through buffers of 4 and 8 MiB on its way.
    let declared = declared_length(req).map_or(0, |n| usize::try_from(n).unwrap_or(limit));
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::with_capacity(declared.min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Err(actix_web::error::PayloadError::Overflow.into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The length a request declares for its body, if it declares one.
fn declared_length(req: &ServiceRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Where the links that set a password lead (`pages::set_password`).
pub const SET_PASSWORD: &str = "/set-password/";

/// Middleware: a state-changing request must carry the session's token in its form (the sign-in
/// form: its cookie's).
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
    // A link to set a password carries its own proof (its secret, in the path), and there is no
    // session yet to hold a token.
    if req.path().starts_with(SET_PASSWORD) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let session = req.get_session();
    let expected = if req.path() == "/sign-in" {
        SignInToken::of(req.request())
    } else {
        match session.get::<String>(SESSION_KEY).ok().flatten() {
            Some(token) => Some(CsrfToken(token)),
            None => {
                // No session at all (never signed in, or it expired): nothing here can change
                // anything without one, so none of the body is read; the browser is sent to sign
                // in, as every page without a session does.
                let next = match req.path() {
                    "/sign-out" => "/".to_owned(),
                    path => match req.query_string() {
                        "" => path.to_owned(),
                        q => format!("{path}?{q}"),
                    },
                };
                let response = PageError::SignInRequired { next }.error_response();
                return Ok(req.into_response(response).map_into_right_body());
            }
        }
    };
    // Read the (size-limited) body, find the token, and put the body back for the handler. A body
    // over the limit answers 413 here, as a response the error pages can render.
    let large = req
        .app_data::<web::Data<LargeForms>>()
        .filter(|large| large.takes(req.path()))
        .cloned();
    let mut turn = None;
    let read = match &large {
        Some(large) => {
            // Only a signed-in user sends one.
            let limits = req
                .app_data::<web::Data<SessionLimits>>()
                .map(|l| *l.get_ref());
            let (user, expired) = session::user(&session, limits, chrono::Utc::now().timestamp());
            if user.is_none() || expired {
                let next = req.path().to_owned();
                let response = PageError::SignInRequired { next }.error_response();
                return Ok(req.into_response(response).map_into_right_body());
            }
            if declared_length(&req).is_some_and(|n| n > LARGE_FORM_LIMIT as u64) {
                let response = actix_web::error::PayloadError::Overflow.error_response();
                return Ok(req.into_response(response).map_into_right_body());
            }
            turn = match tokio::time::timeout(LargeForms::WAIT, large.at_once.acquire()).await {
                Ok(Ok(permit)) => Some(permit),
                _ => {
                    tracing::warn!(path = req.path(), "too many large bodies at once: 503");
                    let response = PageError::Unavailable.error_response();
                    return Ok(req.into_response(response).map_into_right_body());
                }
            };
            match tokio::time::timeout(
                LargeForms::READ_TIME,
                read_up_to(&mut req, LARGE_FORM_LIMIT),
            )
            .await
            {
                Ok(read) => read,
                Err(_) => Err(actix_web::error::ErrorRequestTimeout(
                    "the body came too slowly",
                )),
            }
        }
        None => req.extract::<web::Bytes>().await,
    };
    let body = match read {
        Ok(body) => body,
        Err(e) => {
            let response = e.error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    };
    let given = form_urlencoded::parse(&body)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned());
    match (expected, given) {
        (Some(expected), Some(given)) if same(expected.0.as_bytes(), given.as_bytes()) => {
            req.set_payload(Payload::from(body));
            let response = next.call(req).await;
            // A large body's turn lasts until its handler is done with it.
            drop(turn);
            response.map(ServiceResponse::map_into_left_body)
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
