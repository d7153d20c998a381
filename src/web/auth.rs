//! Signing in and out, and the [`SignedIn`] extractor that every page but sign-in requires.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use actix_session::{Session, SessionExt};
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use askama::Template;

use super::csrf::{CsrfToken, SignInToken};
use super::device::{self, DeviceKey};
use super::error::PageError;
use super::i18n::Locale;
use super::layout::Layout;
use super::paths::ReturnPath;
use super::render;
use super::session::{self, ACCOUNT, LAST_SEEN, SIGNED_IN_AT, SessionLimits, USER_ID};
use super::throttle::{Browser, SignInThrottle};
use crate::domain::Account;
use crate::password;
use crate::store::{self, Db};

/// The signed-in reseller user, with the session's CSRF token for the page's forms. Extracting
/// it from a request without a live session redirects to the sign-in page.
pub struct SignedIn {
    pub account: Account,
    pub csrf: CsrfToken,
}

impl SignedIn {
    /// The signed-in frame of a page at `here`.
    pub fn layout(&self, l: Locale, here: &str) -> Layout {
        Layout::new(l, &self.account, &self.csrf, here)
    }
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let db = req.app_data::<web::Data<Db>>().cloned();
        let limits = req
            .app_data::<web::Data<SessionLimits>>()
            .map(|l| *l.get_ref());
        let next = match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        Box::pin(async move {
            let db = db.ok_or_else(|| PageError::Internal(anyhow::anyhow!("no database")))?;
            let now = chrono::Utc::now().timestamp();
            let (user_id, expired) = session::user(&session, limits, now);
            let last_seen = session.get::<i64>(LAST_SEEN).unwrap_or(None).unwrap_or(0);
            let fresh = now - last_seen < 60;
            let kept = session::kept_account(&session, user_id);
            let account = match (user_id, kept) {
                (Some(_), Some(kept)) if !expired && fresh => Some(kept),
                (Some(id), _) if !expired => store::users::account(&db, id).await?,
                _ => None,
            };
            match account {
                Some(account) => {
                    if !fresh {
                        remember(&session, &account, now);
                    }
                    Ok(SignedIn {
                        account,
                        csrf: CsrfToken::of(&session),
                    })
                }
                None => {
                    if user_id.is_some() {
                        session.purge();
                    }
                    Err(PageError::SignInRequired { next })
                }
            }
        })
    }
}

/// Keeps the account and the time in the session, which saves it and moves its idle expiry.
fn remember(session: &Session, account: &Account, now: i64) {
    // Both serialize: plain strings and numbers.
    let _ = session.insert(ACCOUNT, account);
    let _ = session.insert(LAST_SEEN, now);
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    l: Locale,
    layout: Layout,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn safe_next(next: Option<&str>) -> String {
    ReturnPath::or_home(next).as_str().to_owned()
}

fn sign_in_page(
    l: Locale,
    csrf: CsrfToken,
    email: String,
    next: String,
    error: Option<String>,
) -> SignInPage {
    SignInPage {
        l,
        layout: Layout::bare(l, "/sign-in").with_csrf(csrf),
        email,
        next,
        error,
    }
}

/// The sign-in page. It keeps no session (see [`SignInToken`]): an anonymous visit costs no
/// write.
pub async fn form(
    req: HttpRequest,
    l: Locale,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(query.next.as_deref());
    let (csrf, cookie) = SignInToken::for_form(&req);
    let mut response = render(
        StatusCode::OK,
        &sign_in_page(l, csrf, String::new(), next, None),
    )?;
    if let Some(cookie) = cookie {
        response
            .add_cookie(&cookie)
            .map_err(|e| PageError::Internal(e.into()))?;
    }
    Ok(response)
}

#[derive(serde::Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Checks the credentials; on success starts a new session and goes to `next`.
pub async fn submit(
    req: HttpRequest,
    l: Locale,
    db: web::Data<Db>,
    throttle: web::Data<SignInThrottle>,
    clock: web::Data<crate::clock::Clock>,
    session: Session,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let email: String = form.email.trim().chars().take(254).collect();
    let device = req
        .app_data::<web::Data<DeviceKey>>()
        .and_then(|key| device::read(&req, key, &email));
    let browser = device.as_deref().map_or(Browser::Unknown, Browser::Known);
    let trusted = req.app_data::<web::Data<super::client::TrustedProxies>>();
    let address = super::client::address(&req, trusted.map(|t| t.get_ref()));
    let credentials = store::users::credentials(&db, &email).await?;
    // The form's own token, which the CSRF check found in the request's sign-in cookie.
    let csrf = || SignInToken::for_form(&req).0;
    if let Err(wait) = throttle.check(&email, browser, address, Instant::now()) {
        metrics::counter!("portal_sign_in_throttled_total").increment(1);
        // Recorded for a known account; an unknown one gets the same answer.
        if let Some(c) = &credentials
            && let Some(account) = store::users::account(&db, c.user_id).await?
        {
            store::activity::record_sign_in_throttled(&db, &account, clock.now()).await?;
        }
        let seconds = u64::try_from(wait.as_millis().div_ceil(1000)).unwrap_or(u64::MAX);
        let message = if seconds < 60 {
            l.t1("sign-in-throttled-seconds", "seconds", seconds.max(1))
        } else {
            l.t1("sign-in-throttled", "minutes", seconds.div_ceil(60))
        };
        return render(
            StatusCode::TOO_MANY_REQUESTS,
            &sign_in_page(l, csrf(), email, next, Some(message)),
        );
    }
    // Verify against a dummy hash when the email is unknown, so both failures take as long.
    let (hash, user_id) = match &credentials {
        Some(c) => (c.password_hash.clone(), Some(c.user_id)),
        None => (password::dummy_hash().to_owned(), None),
    };
    let password = form.password;
    let matches = web::block(move || password::verify(&password, &hash))
        .await
        .map_err(|e| PageError::Internal(e.into()))?;
    let account = match user_id.filter(|_| matches) {
        Some(id) => store::users::account(&db, id).await?,
        None => None,
    };
    let Some(account) = account else {
        throttle.failed(&email, browser, address, Instant::now());
        metrics::counter!("portal_sign_in_failures_total").increment(1);
        let message = l.t("sign-in-failed");
        return render(
            StatusCode::UNAUTHORIZED,
            &sign_in_page(l, csrf(), email, next, Some(message)),
        );
    };
    throttle.succeeded(&email, browser);
    // A new session id, and a new CSRF token with it.
    session.renew();
    let now = chrono::Utc::now().timestamp();
    let remembered = session
        .insert(USER_ID, account.user_id)
        .and_then(|()| session.insert(SIGNED_IN_AT, now));
    remembered.map_err(|e| PageError::Internal(anyhow::anyhow!("session: {e}")))?;
    remember(&session, &account, now);
    CsrfToken::rotate(&session);
    store::activity::record_sign_in(&db, &account, clock.now()).await?;
    throttle.tidy(Instant::now());
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, next));
    response.cookie(SignInToken::removal());
    // This browser is now known for this account: what others do to it won't hold it back.
    let secure = req
        .app_data::<web::Data<super::Https>>()
        .is_some_and(|h| h.0);
    if let Some(key) = req.app_data::<web::Data<DeviceKey>>()
        && let Some(cookie) = device::issue(key, &account.email, secure)
    {
        response.cookie(cookie);
    }
    Ok(response.finish())
}

/// Ends the session on the server and forgets the cookie.
pub async fn sign_out(session: Session) -> HttpResponse {
    session.purge();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/sign-in"))
        .finish()
}
