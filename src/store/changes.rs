//! The change machinery that every door into the portal shares (its pages, the `/v1` API, and
//! work done in the background): a change runs in one transaction (on SQLite, a savepoint of a
//! batch of changes that take turns to write: [`super::turn`]), answers a repeated request with
//! the answer it gave the first time, claims the subscription (at the version the client saw,
//! when it says one), lets the rules judge what that transaction read, and saves its answer under
//! the one-time key in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryTrait, Statement, TransactionTrait, Value,
};

use super::turn::{self, Member};
use super::views::{SubscriptionView, holdings_of, view, view_of_row};
use super::{Db, DbErr};
use crate::domain::change::Via;
use crate::domain::{Account, ChangeKey, CustomerId, SubscriptionId, Version};
use crate::entities::{customer, idempotency};

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
    txn: Txn,
    /// The subscription as it was when claimed, with its customer and holdings.
    pub view: SubscriptionView,
    /// The id the change's upgrade record takes, when the claim reserved one ([`Reserve`]).
    pub upgrade_id: Option<i32>,
}

/// Where a change is made.
enum Txn {
    /// PostgreSQL: a transaction of its own.
    Own(DatabaseTransaction),
    /// SQLite: a savepoint in a batch of changes, while the change holds the turn to write
    /// ([`turn`]).
    Batched(Member),
}

impl Txn {
    fn backend(&self) -> DbBackend {
        match self {
            Txn::Own(txn) => txn.get_database_backend(),
            Txn::Batched(_) => DbBackend::Sqlite,
        }
    }

    fn get(&self) -> Result<&DatabaseTransaction, DbErr> {
        match self {
            Txn::Own(txn) => Ok(txn),
            Txn::Batched(member) => member.txn(),
        }
    }

    /// Undoes everything the change wrote.
    async fn undo(self) -> Result<(), DbErr> {
        match self {
            Txn::Own(txn) => txn.rollback().await,
            Txn::Batched(member) => member.undo().await,
        }
    }
}

impl Claimed {
    /// The version the change leaves the subscription at.
    pub fn next_version(&self) -> Version {
        self.view.subscription.version.next()
    }

    /// The change's writes, none yet.
    pub fn writes(&self) -> Writes {
        Writes {
            backend: self.txn.backend(),
            statements: Vec::new(),
        }
    }

    /// Ends the change without writing anything.
    pub async fn undo(self) -> Result<(), DbErr> {
        self.txn.undo().await
    }

    /// Ends the change refused by the rules, without writing anything.
    pub async fn refuse<T, E>(self, reason: E) -> Result<T, ChangeError<E>> {
        self.undo().await?;
        Err(ChangeError::Refused(reason))
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

/// What a claim reserves besides the subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reserve {
    Nothing,
    /// The id of the upgrade record the change writes, so that the records naming it (the
    /// activity records, the saved answer) go with the change's other writes in one call instead
    /// of waiting for the record's id: on SQLite the next in the table's sequence (the claim
    /// holds the write lock, so no other change takes it first), on PostgreSQL its identity's
    /// next value.
    UpgradeId,
}

/// How a change began.
pub(crate) enum Begun {
    Claimed(Box<Claimed>),
    /// The same request was made before: what it answered then.
    Replayed(Answer),
}

/// Starts a change: claims the subscription (at the expected version, if one is given), answers
/// a repeated request with its first answer (the claim then goes with the transaction), and reads
/// the subscription as the rules must judge it. On SQLite the change holds the process's turn to
/// write, and its batch's transaction SQLite's write lock, before it reads anything; on
/// PostgreSQL the customer's holdings are locked first, and the rows stay locked until commit:
/// concurrent changes of one customer wait, then see the claim fail (rule 7), the key already
/// used, or the state the first change left, which the rules then judge.
///
/// The claim reads what the rules judge in the same statement (see [`claim`]); a claim that
/// finds nothing to claim is then told apart: a repeated request, a subscription that is not
/// there, or one changed since the client saw it.
///
/// On SQLite the change joins a batch ([`turn`]): its claim opens its savepoint, its writes
/// release it, and it answers once the batch is committed.
pub(crate) async fn begin<E>(
    db: &Db,
    sub: &Submission<'_>,
    reserve: Reserve,
) -> Result<Begun, ChangeError<E>> {
    let backend = db.get_database_backend();
    let mut claim = claim(backend, sub, reserve);
    let txn = match backend {
        DbBackend::Sqlite => {
            let mut member = Member::join(db).await?;
            claim.sql = format!("{};\n{}", member.savepoint(), claim.sql);
            Txn::Batched(member)
        }
        _ => {
            let txn = db.begin().await?;
            customer::Entity::update_many()
                .col_expr(
                    customer::Column::HoldingsVersion,
                    Expr::col(customer::Column::HoldingsVersion).add(1),
                )
                .filter(customer::Column::Id.eq(sub.customer.as_str()))
                .exec(&txn)
                .await?;
            Txn::Own(txn)
        }
    };
    let claimed = txn.get()?.query_one_raw(claim).await?;
    // A repeated request gets its first answer, whatever the claim found (its own change moved
    // the version on); undoing the change undoes the claim.
    let replayed = match &claimed {
        Some(row) => row.try_get::<bool>("", "replayed")?,
        None => true,
    };
    if replayed
        && let Some(key) = sub.key
        && let Some(answer) = saved(txn.get()?, sub.who, key).await?
    {
        txn.undo().await?;
        return Ok(Begun::Replayed(answer));
    }
    let Some(row) = claimed else {
        let refusal = match view(
            txn.get()?,
            &sub.who.reseller,
            sub.customer,
            sub.subscription,
        )
        .await?
        {
            Some(_) => ChangeError::Conflict,
            None => ChangeError::NotFound,
        };
        txn.undo().await?;
        return Err(refusal);
    };
    // Not the reseller's customer: as if the subscription were not there.
    if row
        .try_get::<Option<bool>>("", "r_delegated_admin")?
        .is_none()
    {
        txn.undo().await?;
        return Err(ChangeError::NotFound);
    }
    let mut view = view_of_row(&row)?;
    // The rules judge the subscription as it was when claimed: one version before the claim.
    view.subscription.version = Version(view.subscription.version.0 - 1);
    let upgrade_id = match reserve {
        Reserve::Nothing => None,
        Reserve::UpgradeId => Some(
            i32::try_from(row.try_get::<i64>("", "upgrade_id")?)
                .map_err(|_| DbErr::Custom("upgrade ids ran out".into()))?,
        ),
    };
    Ok(Begun::Claimed(Box::new(Claimed {
        txn,
        view,
        upgrade_id,
    })))
}

/// The claim: the subscription's version moved on (at the expected version, when given),
/// returning the subscription as [`view`] reads it and whether the request's key was used
/// (a request without a key compares with NULL: never). One statement instead of three: on
/// SQLite every statement of a change is a hand-over to the connection's thread while the change
/// holds the turn to write.
fn claim(backend: DbBackend, sub: &Submission<'_>, reserve: Reserve) -> Statement {
    let mut values: Vec<Value> = vec![
        sub.who.reseller.as_str().into(),
        sub.customer.as_str().into(),
        sub.subscription.as_str().into(),
        sub.who.user_id.into(),
        sub.key.map(|k| k.as_str().to_owned()).into(),
    ];
    let mut sql = String::from(
        "UPDATE subscriptions SET version = version + 1 \
         WHERE id = $3 AND customer_id = $2 AND sold_by = $1",
    );
    if let Some(expected) = sub.expected {
        values.push(expected.0.into());
        sql.push_str(" AND version = $6");
    }
    sql.push_str(&format!(
        " RETURNING *, (SELECT company_name FROM customers WHERE id = $2) AS c_company_name, \
         (SELECT domain FROM customers WHERE id = $2) AS c_domain, \
         (SELECT delegated_admin FROM relationships \
          WHERE reseller_id = $1 AND customer_id = $2) AS r_delegated_admin, {}, \
         EXISTS (SELECT 1 FROM idempotency WHERE user_id = $4 AND \"key\" = $5) AS replayed",
        holdings_of("$2")
    ));
    if reserve == Reserve::UpgradeId {
        sql.push_str(match backend {
            DbBackend::Postgres => {
                ", nextval(pg_get_serial_sequence('upgrades', 'id'))::bigint AS upgrade_id"
            }
            _ => {
                ", COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'upgrades'), 0) + 1 \
                 AS upgrade_id"
            }
        });
    }
    // sqlx binds SQLite's `$n` as PostgreSQL's.
    Statement::from_sql_and_values(backend, sql, values)
}

/// Statements a change writes one after the other, sent as one: on SQLite as one text of
/// several statements, which sqlx runs in one call on the connection's thread (binding each
/// statement's `?` in turn); on PostgreSQL as one statement, the first ones in `WITH` (a
/// data-modifying `WITH` runs each to completion; the constraints are checked at the end of the
/// whole). On SQLite a change holds the process's turn to write while it waits for each call, and
/// a call costs about 100 µs of hand-over under load whatever the statement does
/// (docs/PERFORMANCE.md); on PostgreSQL each is a round trip. Only statements built by sea-query
/// go in (SQLite's unnumbered `?`, PostgreSQL's `$n` numbered from 1 in each), and on SQLite the
/// release of the change's savepoint, which binds nothing.
pub(crate) struct Writes {
    backend: DbBackend,
    statements: Vec<Statement>,
}

impl Writes {
    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    pub fn push(&mut self, statement: Statement) {
        debug_assert!(
            statement.db_backend != DbBackend::Sqlite || !statement.sql.contains("?1"),
            "numbered placeholders would bind another statement's values: {}",
            statement.sql
        );
        self.statements.push(statement);
    }

    /// Runs the statements.
    pub async fn run(self, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        for statement in self.sent() {
            txn.execute_raw(statement).await?;
        }
        Ok(())
    }

    /// The statements as they are sent: one.
    fn sent(self) -> Vec<Statement> {
        if self.statements.len() < 2 {
            return self.statements;
        }
        let last = self.statements.len() - 1;
        let mut sql = String::new();
        let mut values: Vec<Value> = Vec::new();
        for (i, statement) in self.statements.into_iter().enumerate() {
            match self.backend {
                DbBackend::Postgres => {
                    let own = renumbered(&statement.sql, values.len());
                    sql.push_str(&if i == 0 {
                        format!("WITH w0 AS ({own})")
                    } else if i == last {
                        format!(" {own}")
                    } else {
                        format!(", w{i} AS ({own})")
                    });
                }
                _ => {
                    if i > 0 {
                        sql.push_str(";\n");
                    }
                    sql.push_str(&statement.sql);
                }
            }
            values.extend(statement.values.map(|v| v.0).unwrap_or_default());
        }
        vec![Statement::from_sql_and_values(self.backend, sql, values)]
    }
}

/// A PostgreSQL statement's `$n` placeholders moved on by `by`, for a statement joined after
/// others (sea-query binds every value, so a `$` followed by digits is a placeholder).
fn renumbered(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// Saves the change's answer under the request's key with the change's own writes, and commits
/// (on SQLite: releases the change's savepoint with its writes, and waits for its batch's
/// commit).
pub(crate) async fn finish<E>(
    claimed: Claimed,
    sub: &Submission<'_>,
    mut writes: Writes,
    answer: Answer,
) -> Result<Answer, ChangeError<E>> {
    if let Some(key) = sub.key {
        writes.push(save(writes.backend(), sub.who, key, &answer, sub.at));
    }
    match claimed.txn {
        Txn::Own(txn) => {
            writes.run(&txn).await?;
            txn.commit().await?;
        }
        Txn::Batched(member) => {
            writes.push(Statement::from_string(writes.backend(), turn::RELEASE));
            match writes.run(member.txn()?).await {
                Ok(()) => member.kept().await?,
                Err(e) => {
                    member.undo().await?;
                    return Err(e.into());
                }
            }
        }
    }
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

/// The statement saving a change's answer under its key.
fn save(
    backend: DbBackend,
    who: &Account,
    key: &ChangeKey,
    answer: &Answer,
    at: DateTime<Utc>,
) -> Statement {
    idempotency::Entity::insert(idempotency::ActiveModel {
        user_id: Set(who.user_id),
        key: Set(key.as_str().to_owned()),
        location: Set(answer.location.clone()),
        status: Set(i32::from(answer.status)),
        body: Set(answer.body.clone()),
        created_at: Set(at),
    })
    .build(backend)
}

#[cfg(test)]
mod tests {
    use super::renumbered;

    #[test]
    fn placeholders_move_on_past_the_statements_before() {
        assert_eq!(
            renumbered("UPDATE t SET a = $1, b = $12 WHERE c = $2", 3),
            "UPDATE t SET a = $4, b = $15 WHERE c = $5"
        );
        assert_eq!(renumbered("SELECT $x, $", 3), "SELECT $x, $");
        assert_eq!(renumbered("SELECT 1", 3), "SELECT 1");
    }
}
