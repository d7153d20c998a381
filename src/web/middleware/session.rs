//! What the session keeps of a signed-in user. Sign-in (`pages::sign_in`) writes it, and
//! [`super::signed_in`] reads it for every page; the error pages read it too, to draw a signed-in visitor's error in the
//! signed-in frame.

use actix_session::Session;

use crate::domain::Account;

pub(crate) const USER_ID: &str = "user_id";
pub(crate) const SIGNED_IN_AT: &str = "signed_in_at";
/// The same, in milliseconds: to tell a sign-in from a deactivation in the same second.
pub(crate) const SIGNED_IN_MS: &str = "signed_in_ms";
/// When the session was last seen, to the minute. Refreshing it saves the session, which moves
/// its idle expiry; doing so at most once a minute spares a database write on every request.
pub(crate) const LAST_SEEN: &str = "last_seen";
/// The signed-in account, re-read from the database when `LAST_SEEN` is refreshed: a removed
/// user loses access within a minute, and most requests spare the query.
pub(crate) const ACCOUNT: &str = "account";

/// How long a session may last, however active: set from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub absolute: chrono::Duration,
}

/// The user id the session was signed in with, and whether it is past its absolute limit.
pub(crate) fn user(
    session: &Session,
    limits: Option<SessionLimits>,
    now: i64,
) -> (Option<i32>, bool) {
    let user_id = session.get::<i32>(USER_ID).unwrap_or(None);
    let signed_in_at = session.get::<i64>(SIGNED_IN_AT).unwrap_or(None);
    let expired = match (signed_in_at, limits) {
        (Some(at), Some(limits)) => now - at > limits.absolute.num_seconds(),
        (None, _) => true,
        (_, None) => false,
    };
    (user_id, expired)
}

/// When the session was signed in, in unix milliseconds (a session of before the milliseconds
/// were kept: the start of its second).
pub(crate) fn signed_in_ms(session: &Session) -> Option<i64> {
    match session.get::<i64>(SIGNED_IN_MS).unwrap_or(None) {
        Some(ms) => Some(ms),
        None => session
            .get::<i64>(SIGNED_IN_AT)
            .unwrap_or(None)
            .map(|s| s.saturating_mul(1000)),
    }
}

/// The account the session keeps for its signed-in user, if it is still within its limits.
pub(crate) fn kept_account(session: &Session, user_id: Option<i32>) -> Option<Account> {
    session
        .get::<Account>(ACCOUNT)
        .unwrap_or(None)
        .filter(|a| Some(a.user_id) == user_id)
}

/// The signed-in account as far as the session alone tells, without asking the database: for
/// drawing a frame, never for deciding access.
pub(crate) fn peek(session: &Session, limits: Option<SessionLimits>) -> Option<Account> {
    let (user_id, expired) = user(session, limits, chrono::Utc::now().timestamp());
    if expired {
        return None;
    }
    kept_account(session, user_id)
}
