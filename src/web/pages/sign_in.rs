//! Signing in and out.

use std::time::Instant;

use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use super::paths::ReturnPath;
use crate::password;
use crate::store::{self, Db};
use crate::web::middleware::csrf::{CsrfToken, SignInToken};
use crate::web::middleware::device::{self, DeviceKey};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::session::{SIGNED_IN_AT, USER_ID};
use crate::web::middleware::signed_in::remember;
use crate::web::middleware::throttle::{Browser, SignInThrottle};
use crate::web::render;

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
    let trusted = req.app_data::<web::Data<crate::config::TrustedProxies>>();
    let address = crate::web::middleware::client::address(&req, trusted.map(|t| t.get_ref()));
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
        .app_data::<web::Data<crate::config::Https>>()
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
