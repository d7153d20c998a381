//! The change engine: the one way every door into the portal (its pages, the `/v1` API, the rows
//! of bulk jobs) makes a change. [`apply`] runs a [`Change`] in one transaction (on SQLite, a
//! savepoint of a batch of changes that take turns to write: [`super::turn`]):
//!
//! begin → claim the subscription at the version the client saw → plan (the change's rule,
//! judging what this transaction read) → write the subscriptions → record the activity → record
//! the events (the outbox) → keep the door's reply under the one-time key (and settle the
//! review's held draft, for a Confirm) → finish.
//!
//! The same request again (the same one-time key) gets the reply it got the first time, and
//! changes nothing twice. The engine says what happened ([`Applied`], or a [`ChangeError`]); the
//! door decides what that looks like (a 303 for a form, a JSON body for the API, a job row's
//! result) and hands the engine its [`Reply`] to keep.

mod claim;
mod customer;
mod order;
mod writes;

pub use super::drafts::Settles;
pub use customer::{CustomerDone, CustomerMade, CustomerSubmission, create_customer};
pub use order::{OrderDone, OrderSubmission, place};

use chrono::{DateTime, Utc};

use super::{Db, DbErr};
use crate::domain::change::{self, Change, Refusal, Via};
use crate::domain::{Account, ChangeKey, CustomerId, Subscription, SubscriptionId, Version};
use claim::Begun;

/// Who makes a change to which subscription, and how the request guards it.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    pub who: &'a Account,
    /// The door the change came through.
    pub via: Via,
    pub customer: &'a CustomerId,
    pub subscription: &'a SubscriptionId,
    /// The request's one-time key: the same key again replays the first reply. A request
    /// without one (an API call without `MS-RequestId`) is a new change each time.
    pub key: Option<&'a ChangeKey>,
    /// The version the client saw (a form's hidden field, the API's etag): a change to any other
    /// version is refused (rule 7). Without one, the change applies to the subscription as it
    /// is when the change takes its turn.
    pub expected: Option<Version>,
    /// The held draft a review's Confirm settles, with the change.
    pub settles: Option<Settles>,
    /// When the change is made: its records' time, and the day it counts from.
    pub at: DateTime<Utc>,
}

/// What a door answered a change with, as the door wrote it (a form's door where it sent the
/// user, the API its JSON body, a job row what its change made): kept under the change's one-time
/// key in the change's transaction, and handed back whole when the same request comes again. The
/// engine keeps it and never reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply(pub String);

/// What a change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The subscription the change was made to, after it (as it was, for a change of nothing).
    pub subscription: Subscription,
    /// The subscription the change created, and the record of the upgrade that created it.
    pub created: Option<Created>,
}

/// A subscription a change created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub subscription: SubscriptionId,
    /// The upgrade's record: its result page.
    pub upgrade: i32,
}

/// How a change ended that was not refused: its reply, and what it did (`None` when the
/// request was made before and its first reply is given again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub reply: Reply,
    pub applied: Option<Applied>,
}

/// Why a change was not made. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// No such subscription, or not the reseller's: the same to the reseller.
    #[error("no such subscription")]
    NotFound,
    /// Rule 7: the subscription changed since the client saw it.
    #[error("the subscription changed since it was shown")]
    Conflict,
    /// The change's rule refused it.
    #[error("refused: {0}")]
    Refused(Refusal),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The outcomes `portal_changes_total` counts a change by (its `result` label).
pub const OUTCOMES: [&str; 5] = ["made", "not_found", "conflict", "refused", "error"];

/// Counts a change's outcome in `/metrics` (`portal_changes_total{kind, result}`).
fn counted<T>(kind: &'static str, result: &Result<T, ChangeError>) {
    let outcome = match result {
        Ok(_) => "made",
        Err(ChangeError::NotFound) => "not_found",
        Err(ChangeError::Conflict) => "conflict",
        Err(ChangeError::Refused(_)) => "refused",
        Err(ChangeError::Db(_)) => "error",
    };
    metrics::counter!("portal_changes_total", "kind" => kind, "result" => outcome).increment(1);
}

/// Makes a change, or gives the reply the same request got before. `reply` is the door's answer
/// to what the change did; it is kept under the request's key with the change's writes.
#[tracing::instrument(skip_all, fields(reseller = %sub.who.reseller, customer = %sub.customer, subscription = %sub.subscription, change = change.name()))]
pub async fn apply(
    db: &Db,
    sub: &Submission<'_>,
    change: &Change,
    reply: impl FnOnce(&Applied) -> Reply,
) -> Result<Done, ChangeError> {
    let result = make(db, sub, change, reply).await;
    counted(change.name(), &result);
    result
}

async fn make(
    db: &Db,
    sub: &Submission<'_>,
    change: &Change,
    reply: impl FnOnce(&Applied) -> Reply,
) -> Result<Done, ChangeError> {
    let claimed = match claim::begin(db, sub, change.creates()).await? {
        Begun::Claimed(claimed) => *claimed,
        Begun::Replayed(reply) => {
            return Ok(Done {
                reply,
                applied: None,
            });
        }
    };
    let plan = match change::plan(&claimed.view, change, &sub.who.reseller) {
        Ok(plan) => plan,
        Err(refusal) => {
            claimed.undo().await?;
            return Err(ChangeError::Refused(refusal));
        }
    };
    if plan.is_empty() {
        // Nothing to change: the version (and the API's etag) stays as it was, and nothing is
        // kept under the key; a review's draft is settled on its own.
        let applied = Applied {
            subscription: plan.before,
            created: None,
        };
        let reply = reply(&applied);
        claimed.undo().await?;
        if let Some(settles) = sub.settles {
            super::drafts::confirmed(db, sub.who, settles, &reply.0, sub.at).await?;
        }
        return Ok(Done {
            reply,
            applied: Some(applied),
        });
    }
    let mut writes = claimed.writes();
    let applied = writes.plan(sub, &plan, claimed.upgrade_id)?;
    let reply = reply(&applied);
    claimed.finish(sub, writes, &reply).await?;
    Ok(Done {
        reply,
        applied: Some(applied),
    })
}

/// The reply kept under `key`, if a change was made with it: a row of a cancelled job whose first
/// run was cut short tells this way whether its change was made.
pub async fn replayed(db: &Db, who: &Account, key: &ChangeKey) -> Result<Option<Reply>, DbErr> {
    claim::saved(db, who, key).await
}
