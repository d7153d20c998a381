//! The signed-in user: the [`SignedIn`] extractor that every page but sign-in requires.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, dev::Payload, web};

use super::csrf::CsrfToken;
use super::error::PageError;
use super::session::{self, ACCOUNT, LAST_SEEN, SessionLimits};
use crate::domain::Account;
use crate::store::{self, Db};

/// The signed-in reseller user, with the session's CSRF token for the page's forms. Extracting
/// it from a request without a live session redirects to the sign-in page.
pub struct SignedIn {
    pub account: Account,
    pub csrf: CsrfToken,
    /// For a user who may approve changes: how many requests of others wait for a decision (the
    /// navigation's count).
    pub waiting: Option<u64>,
}

/// How many requests for approval wait for `account` to decide, when their role approves.
async fn waiting(req: &HttpRequest, account: &Account) -> Result<Option<u64>, PageError> {
    if !account.may(crate::domain::Permission::Approve) {
        return Ok(None);
    }
    let (Some(db), Some(clock)) = (
        req.app_data::<web::Data<Db>>(),
        req.app_data::<web::Data<crate::clock::Clock>>(),
    ) else {
        return Ok(None);
    };
    let now = clock.now();
    Ok(Some(
        store::approvals::waiting_count(db, account, now).await?,
    ))
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
        // Read once a request: the role guard (`roles::guard_pages`) read it first.
        // The count of requests waiting too: read again, it was two more statements a page
        // (issue 30, item 20).
        if let Some(Checked(account, waiting)) = req.extensions().get::<Checked>().cloned() {
            let csrf = CsrfToken::of(&session);
            return Box::pin(async move {
                Ok(SignedIn {
                    account,
                    csrf,
                    waiting,
                })
            });
        }
        let req = req.clone();
        Box::pin(async move {
            let db = db.ok_or_else(|| PageError::Internal(anyhow::anyhow!("no database")))?;
            let now = chrono::Utc::now().timestamp();
            let (user_id, expired) = session::user(&session, limits, now);
            let last_seen = session.get::<i64>(LAST_SEEN).unwrap_or(None).unwrap_or(0);
            let fresh = now - last_seen < 60;
            // Read at every request: a deactivated user is out at their next request, on every
            // instance, and a new role counts at once.
            let signed_in_at = session::signed_in_ms(&session);
            let account = match (user_id, signed_in_at) {
                (Some(id), Some(at)) if !expired => {
                    store::users::session_account(&db, id, at).await?
                }
                _ => None,
            };
            let Some(account) = account else {
                if user_id.is_some() {
                    session.purge();
                }
                return Err(PageError::SignInRequired { next });
            };
            let kept = session::kept_account(&session, user_id);
            if !fresh || kept.as_ref() != Some(&account) {
                remember(&session, &account, now);
            }
            let waiting = waiting(&req, &account).await?;
            Ok(SignedIn {
                account,
                csrf: CsrfToken::of(&session),
                waiting,
            })
        })
    }
}

/// The account of a request, read and checked against its role once (by `roles::guard_pages`),
/// and the count of the requests waiting for its decision (the navigation's), read with it.
#[derive(Clone)]
pub(crate) struct Checked(pub(crate) Account, pub(crate) Option<u64>);

/// Keeps the account and the time in the session, which saves it and moves its idle expiry.
pub(crate) fn remember(session: &Session, account: &Account, now: i64) {
    // Both serialize: plain strings and numbers.
    let _ = session.insert(ACCOUNT, account);
    let _ = session.insert(LAST_SEEN, now);
}
