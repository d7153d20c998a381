//! The change machinery that every door into the portal shares (its pages, the `/v1` API, and
//! work done in the background): a change runs in one transaction that first takes its turn to
//! write, answers a repeated request with the answer it gave the first time, claims the
//! subscription (at the version the client saw, when it says one), lets the rules judge what that
//! transaction read, and saves its answer under the one-time key in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, TransactionTrait,
};
use tokio::sync::{Mutex, MutexGuard};

use super::subscriptions::{SubscriptionView, view};
use super::{Db, DbErr};
use crate::domain::{Account, ChangeKey, CustomerId, SubscriptionId, Version};
use crate::entities::{customer, idempotency, subscription};

/// Why a change was not made. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError<E> {
    #[error("no such subscription")]
    NotFound,
    /// Rule 7: the subscription changed since the client saw it.
    #[error("the subscription changed since it was shown")]
    Conflict,
    /// The domain refused the change.
    #[error("refused")]
    Refused(E),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What a change answered, kept under its one-time key so that the same request again gets the
/// same answer: a redirect for a form (status 303 and where to), a status and a body for the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// Where a redirect goes; empty for an answer with a body.
    pub location: String,
    pub body: Option<String>,
}

impl Answer {
    /// A form's answer: see the page at `location`.
    pub fn redirect(location: String) -> Answer {
        Answer {
            status: 303,
            location,
            body: None,
        }
    }

    /// An API answer: a status and a JSON body.
    pub fn body(status: u16, body: String) -> Answer {
        Answer {
            status,
            location: String::new(),
            body: Some(body),
        }
    }
}

/// Counts a change's outcome by kind (`licenses`, `status`, `edit`, `upgrade`) for `/metrics`.
pub(crate) fn count<T, E>(kind: &'static str, result: &Result<T, ChangeError<E>>) {
    let outcome = match result {
        Ok(_) => "made",
        Err(ChangeError::NotFound) => "not_found",
        Err(ChangeError::Conflict) => "conflict",
        Err(ChangeError::Refused(_)) => "refused",
        Err(ChangeError::Db(_)) => "error",
    };
    metrics::counter!("portal_changes_total", "kind" => kind, "result" => outcome).increment(1);
}

/// The door a change came through, as the activity log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A page of the portal.
    Page,
    /// The `/v1` API, with this token.
    Token(i32),
    /// A row of this bulk change job.
    Job(i32),
}

impl Via {
    pub fn token(self) -> Option<i32> {
        match self {
            Via::Token(id) => Some(id),
            _ => None,
        }
    }

    pub fn job(self) -> Option<i32> {
        match self {
            Via::Job(id) => Some(id),
            _ => None,
        }
    }
}

/// Who makes a change to which subscription, and how the request guards it.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    pub who: &'a Account,
    /// The door the change came through.
    pub via: Via,
    pub customer: &'a CustomerId,
    pub subscription: &'a SubscriptionId,
    /// The request's one-time key: the same key again replays the first answer. A request
    /// without one (an API call without `MS-RequestId`) is a new change each time.
    pub key: Option<&'a ChangeKey>,
    /// The version the client saw (a form's hidden field, the API's etag): a change to any other
    /// version is refused (rule 7). Without one, the change applies to the subscription as it
    /// is when the change takes its turn.
    pub expected: Option<Version>,
    /// When the change is made: its records' time, and the day it counts from.
    pub at: DateTime<Utc>,
}

/// A change under way: its transaction, and the subscription as the rules must judge it.
pub(crate) struct Claimed {
    pub txn: DatabaseTransaction,
    /// The subscription as it was when claimed, with its customer and holdings.
    pub view: SubscriptionView,
    /// This process's turn to write, on SQLite: released after the transaction ends.
    _writer: Option<MutexGuard<'static, ()>>,
}

impl Claimed {
    /// The version the change leaves the subscription at.
    pub fn next_version(&self) -> Version {
        self.view.subscription.version.next()
    }
}

/// On SQLite, the changes of this process take turns here, first come first served, before they
/// begin: waiting in SQLite's busy handler instead means sleeping in steps of up to 100 ms
/// (32 concurrent upgrade submits: p99 about 500 ms). PostgreSQL locks rows and needs no turns.
static SQLITE_WRITER: Mutex<()> = Mutex::const_new(());

/// This process's turn to write, on SQLite (`None` on PostgreSQL, which needs none): every
/// write of the portal's own bookkeeping that runs beside changes (a job's claims and results)
/// takes it too, rather than sleeping in SQLite's busy handler.
pub(crate) async fn write_turn(db: &Db) -> Option<MutexGuard<'static, ()>> {
    match db.get_database_backend() {
        DbBackend::Sqlite => Some(SQLITE_WRITER.lock().await),
        _ => None,
    }
}

/// What the change made with this key answered, if one was made: a row of a cancelled job
/// whose first run was cut short tells this way whether its change was made.
pub(crate) async fn answered(
    db: &Db,
    who: &Account,
    key: &ChangeKey,
) -> Result<Option<Answer>, DbErr> {
    saved(db, who, key).await
}

/// How a change began.
pub(crate) enum Begun {
    Claimed(Box<Claimed>),
    /// The same request was made before: what it answered then.
    Replayed(Answer),
}

/// Starts a change: claims the subscription (at the expected version, if one is given), answers
/// a repeated request with its first answer (the claim then goes with the transaction), and reads
/// the subscription as the rules must judge it. The claim is a write, so on SQLite the transaction
/// holds the write lock before it reads anything (and changes already take turns in the process);
/// on PostgreSQL the customer's holdings are locked first, and the rows stay locked until commit:
/// concurrent changes of one customer wait, then see the claim fail (rule 7), the key already
/// used, or the state the first change left, which the rules then judge.
pub(crate) async fn begin<E>(db: &Db, sub: &Submission<'_>) -> Result<Begun, ChangeError<E>> {
    let writer = write_turn(db).await;
    let txn = db.begin().await?;
    if writer.is_none() {
        customer::Entity::update_many()
            .col_expr(
                customer::Column::HoldingsVersion,
                Expr::col(customer::Column::HoldingsVersion).add(1),
            )
            .filter(customer::Column::Id.eq(sub.customer.as_str()))
            .exec(&txn)
            .await?;
    }
    let mut claim = subscription::Entity::update_many()
        .col_expr(
            subscription::Column::Version,
            Expr::col(subscription::Column::Version).add(1),
        )
        .filter(subscription::Column::Id.eq(sub.subscription.as_str()))
        .filter(subscription::Column::CustomerId.eq(sub.customer.as_str()))
        .filter(subscription::Column::SoldBy.eq(sub.who.reseller.as_str()));
    if let Some(expected) = sub.expected {
        claim = claim.filter(subscription::Column::Version.eq(expected.0));
    }
    let claimed = claim.exec(&txn).await?.rows_affected;
    // A repeated request gets its first answer, whatever the claim found (its own change moved
    // the version on); dropping the transaction undoes the claim.
    if let Some(key) = sub.key
        && let Some(answer) = saved(&txn, sub.who, key).await?
    {
        return Ok(Begun::Replayed(answer));
    }
    let mut view = view(&txn, &sub.who.reseller, sub.customer, sub.subscription)
        .await?
        .ok_or(ChangeError::NotFound)?;
    if claimed == 0 {
        return Err(ChangeError::Conflict);
    }
    // The rules judge the subscription as it was when claimed: one version before the claim.
    view.subscription.version = Version(view.subscription.version.0 - 1);
    Ok(Begun::Claimed(Box::new(Claimed {
        txn,
        view,
        _writer: writer,
    })))
}

/// Saves the change's answer under the request's key, and commits.
pub(crate) async fn finish<E>(
    claimed: Claimed,
    sub: &Submission<'_>,
    answer: Answer,
) -> Result<Answer, ChangeError<E>> {
    let Claimed { txn, _writer, .. } = claimed;
    if let Some(key) = sub.key {
        save(&txn, sub.who, key, &answer, sub.at).await?;
    }
    txn.commit().await?;
    Ok(answer)
}

/// What a change made with this key answered, if one was made.
async fn saved(
    db: &impl ConnectionTrait,
    who: &Account,
    key: &ChangeKey,
) -> Result<Option<Answer>, DbErr> {
    let Some(row) = idempotency::Entity::find_by_id((who.user_id, key.as_str().to_owned()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Answer {
        status: u16::try_from(row.status)
            .map_err(|_| DbErr::Custom(format!("saved answer status {}", row.status)))?,
        location: row.location,
        body: row.body,
    }))
}

async fn save(
    db: &impl ConnectionTrait,
    who: &Account,
    key: &ChangeKey,
    answer: &Answer,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    idempotency::Entity::insert(idempotency::ActiveModel {
        user_id: Set(who.user_id),
        key: Set(key.as_str().to_owned()),
        location: Set(answer.location.clone()),
        status: Set(i32::from(answer.status)),
        body: Set(answer.body.clone()),
        created_at: Set(at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
