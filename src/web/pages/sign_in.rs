//! Signing in and out.

use std::time::Instant;

use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::Layout;
use super::paths::ReturnPath;
use crate::domain::totp;
use crate::password;
use crate::sealed::Sealer;
use crate::store::{self, Db};
use crate::web::middleware::csrf::{CsrfToken, SignInToken};
use crate::web::middleware::device::{self, DeviceKey};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::session::{SIGNED_IN_AT, SIGNED_IN_MS, USER_ID};
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
    /// After the password, for a user enrolled in two-step sign-in: the sealed proof that the
    /// password was right (the user, until when), which the code's form carries back.
    pending: Option<String>,
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
        pending: None,
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
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
    /// The second step: the sealed proof of the first, and the code.
    pending: Option<String>,
    code: Option<String>,
}

/// What the second step's form carries, sealed: the user and until when (unix seconds) the
/// password counts.
const PENDING: &str = "two-step sign-in";
/// How long the password counts while the code is asked for.
const PENDING_SECONDS: i64 = 300;

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
    if let Some(pending) = form.pending.as_deref() {
        let code = form.code.as_deref().unwrap_or_default();
        return second_step(
            &req, l, &db, &throttle, &clock, &session, pending, code, next,
        )
        .await;
    }
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
    let Some(sealer) = req.app_data::<web::Data<Sealer>>() else {
        return Err(PageError::Internal(anyhow::anyhow!("no sealer")));
    };
    if store::two_step::enrolled(&db, sealer, account.user_id)
        .await?
        .is_some()
    {
        // The password was right: now the code.
        let until = clock.now().timestamp() + PENDING_SECONDS;
        let mut page = sign_in_page(l, csrf(), email, next, None);
        page.pending =
            Some(sealer.seal(PENDING, format!("{}:{until}", account.user_id).as_bytes()));
        return render(StatusCode::OK, &page);
    }
    start_session(
        &req, &db, &throttle, &clock, &session, &account, browser, next,
    )
    .await
}

/// The second step: the code (or a recovery code) of a user whose password was right. A wrong
/// code counts in the sign-in throttle as a wrong password does.
#[allow(clippy::too_many_arguments)]
async fn second_step(
    req: &HttpRequest,
    l: Locale,
    db: &Db,
    throttle: &SignInThrottle,
    clock: &crate::clock::Clock,
    session: &Session,
    pending: &str,
    code: &str,
    next: String,
) -> Result<HttpResponse, PageError> {
    let csrf = || SignInToken::for_form(req).0;
    let now = clock.now();
    let user_id = req
        .app_data::<web::Data<Sealer>>()
        .and_then(|sealer| sealer.open(PENDING, pending))
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|raw| {
            let (user, until) = raw.split_once(':')?;
            let until: i64 = until.parse().ok()?;
            (now.timestamp() <= until).then_some(user.parse::<i32>().ok()?)
        });
    // Expired or not ours: from the start again.
    let account = match user_id {
        Some(id) => store::users::account(db, id).await?,
        None => None,
    };
    let Some(account) = account else {
        return render(
            StatusCode::UNAUTHORIZED,
            &sign_in_page(
                l,
                csrf(),
                String::new(),
                next,
                Some(l.t("two-step-expired")),
            ),
        );
    };
    let email = account.email.clone();
    let device = req
        .app_data::<web::Data<DeviceKey>>()
        .and_then(|key| device::read(req, key, &email));
    let browser = device.as_deref().map_or(Browser::Unknown, Browser::Known);
    let trusted = req.app_data::<web::Data<crate::config::TrustedProxies>>();
    let address = crate::web::middleware::client::address(req, trusted.map(|t| t.get_ref()));
    let again = |status: StatusCode, message: String| {
        let mut page = sign_in_page(l, csrf(), email.clone(), next.clone(), Some(message));
        page.pending = Some(pending.to_owned());
        render(status, &page)
    };
    if let Err(wait) = throttle.check(&email, browser, address, Instant::now()) {
        metrics::counter!("portal_sign_in_throttled_total").increment(1);
        store::activity::record_sign_in_throttled(db, &account, now).await?;
        let seconds = u64::try_from(wait.as_millis().div_ceil(1000)).unwrap_or(u64::MAX);
        let message = if seconds < 60 {
            l.t1("sign-in-throttled-seconds", "seconds", seconds.max(1))
        } else {
            l.t1("sign-in-throttled", "minutes", seconds.div_ceil(60))
        };
        return again(StatusCode::TOO_MANY_REQUESTS, message);
    }
    let Some(sealer) = req.app_data::<web::Data<Sealer>>() else {
        return Err(PageError::Internal(anyhow::anyhow!("no sealer")));
    };
    let right = match store::two_step::enrolled(db, sealer, account.user_id).await? {
        None => true,
        Some(_) if totp::looks_like_recovery(code) => {
            store::two_step::use_recovery(db, account.user_id, code, now).await?
        }
        Some(enrolled) => match enrolled
            .secret
            .and_then(|secret| secret.verify(code, now.timestamp(), enrolled.last_step))
        {
            Some(step) => store::two_step::use_step(db, account.user_id, step).await?,
            None => false,
        },
    };
    if !right {
        throttle.failed(&email, browser, address, Instant::now());
        metrics::counter!("portal_sign_in_failures_total").increment(1);
        return again(StatusCode::UNAUTHORIZED, l.t("two-step-wrong"));
    }
    start_session(req, db, throttle, clock, session, &account, browser, next).await
}

/// Signs the account in: a new session, and off to `next`.
#[allow(clippy::too_many_arguments)]
async fn start_session(
    req: &HttpRequest,
    db: &Db,
    throttle: &SignInThrottle,
    clock: &crate::clock::Clock,
    session: &Session,
    account: &crate::domain::Account,
    browser: Browser<'_>,
    next: String,
) -> Result<HttpResponse, PageError> {
    let email = &account.email;
    throttle.succeeded(email, browser);
    // A new session id, and a new CSRF token with it.
    session.renew();
    let wall = chrono::Utc::now();
    let now = wall.timestamp();
    let remembered = session
        .insert(USER_ID, account.user_id)
        .and_then(|()| session.insert(SIGNED_IN_AT, now))
        .and_then(|()| session.insert(SIGNED_IN_MS, wall.timestamp_millis()));
    remembered.map_err(|e| PageError::Internal(anyhow::anyhow!("session: {e}")))?;
    remember(session, account, now);
    CsrfToken::rotate(session);
    store::activity::record_sign_in(db, account, clock.now()).await?;
    throttle.tidy(Instant::now());
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, next));
    response.cookie(SignInToken::removal());
    // This browser is now known for this account: what others do to it won't hold it back.
    let secure = crate::web::https(req);
    if let Some(key) = req.app_data::<web::Data<DeviceKey>>()
        && let Some(cookie) = device::issue(key, email, secure)
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
