//! A change's beginning and end: its transaction, the claim of the subscription at the version
//! the client saw (which reads, in the same statement, what the rule judges), the replay of a
//! repeated request, and the finish that keeps the door's reply and commits.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryResult, QueryTrait, Statement, TransactionTrait, Value,
};

use super::super::drafts::{self, Settles};
use super::super::turn::{self, Member};
use super::super::views::{holdings_of, view, view_of_row};
use super::writes::Writes;
use super::{ChangeError, Reply, Submission};
use crate::domain::{Account, ChangeKey, CustomerId, SubscriptionView, Version};
use crate::entities::{customer, idempotency};
use crate::store::{Db, DbErr};

/// A change under way: its transaction, and the subscription as the rules must judge it.
pub(super) struct Claimed {
    txn: Txn,
    /// The subscription as it was when claimed, with its customer and holdings.
    pub view: SubscriptionView,
    /// The id the change's upgrade record takes, when the claim reserved one ([`begin`]).
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
    /// The change's writes, none yet.
    pub fn writes(&self) -> Writes {
        Writes::new(self.txn.backend())
    }

    /// Ends the change without writing anything.
    pub async fn undo(self) -> Result<(), DbErr> {
        self.txn.undo().await
    }

    /// Keeps the door's reply under the request's key with the change's own writes, and commits
    /// (on SQLite: releases the change's savepoint with its writes, and waits for its batch's
    /// commit).
    pub async fn finish(
        self,
        sub: &Submission<'_>,
        writes: Writes,
        reply: &Reply,
    ) -> Result<(), DbErr> {
        self.txn
            .finish(sub.who, sub.key, sub.settles, sub.at, writes, reply)
            .await
    }
}

impl Txn {
    /// Keeps the door's reply under `key` with the change's own writes, settles the review's
    /// draft (where the change led), and commits.
    async fn finish(
        self,
        who: &Account,
        key: Option<&ChangeKey>,
        settles: Option<Settles>,
        at: DateTime<Utc>,
        mut writes: Writes,
        reply: &Reply,
    ) -> Result<(), DbErr> {
        if let Some(key) = key {
            writes.push(keep(writes.backend(), who, key, reply, at));
        }
        if let Some(settles) = settles {
            writes.push(drafts::settled(
                writes.backend(),
                who,
                settles,
                &reply.0,
                at,
            ));
        }
        match self {
            Txn::Own(txn) => {
                writes.run(&txn).await?;
                txn.commit().await
            }
            Txn::Batched(member) => {
                writes.push(Statement::from_string(writes.backend(), turn::RELEASE));
                match writes.run(member.txn()?).await {
                    Ok(()) => member.kept().await,
                    Err(e) => {
                        member.undo().await?;
                        Err(e)
                    }
                }
            }
        }
    }
}

/// How a change began.
pub(super) enum Begun {
    Claimed(Box<Claimed>),
    /// The same request was made before: the reply it got then.
    Replayed(Reply),
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
///
/// A change that creates a subscription (`creates`) has the claim reserve the id of the record
/// that says how (an upgrade's), so that the records naming it (the activity records, the door's
/// reply) go with the change's other writes in one call instead of waiting for the record's id:
/// on SQLite the next in the table's sequence (the claim holds the write lock, so no other change
/// takes it first), on PostgreSQL its identity's next value.
pub(super) async fn begin(
    db: &Db,
    sub: &Submission<'_>,
    creates: bool,
) -> Result<Begun, ChangeError> {
    let backend = db.get_database_backend();
    let mut claim = claim(backend, sub, creates);
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
    // A repeated request gets its first reply, whatever the claim found (its own change moved
    // the version on); undoing the change undoes the claim.
    let replayed = match &claimed {
        Some(row) => row.try_get::<bool>("", "replayed")?,
        None => true,
    };
    if replayed
        && let Some(key) = sub.key
        && let Some(reply) = saved(txn.get()?, sub.who, key).await?
    {
        txn.undo().await?;
        return Ok(Begun::Replayed(reply));
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
    let upgrade_id = match creates {
        false => None,
        true => Some(
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
fn claim(backend: DbBackend, sub: &Submission<'_>, creates: bool) -> Statement {
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
    if creates {
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

/// A change of a customer's holdings as a whole (an order of new subscriptions): its
/// transaction, the customer claimed.
pub(super) struct CustomerClaimed {
    txn: Txn,
}

impl CustomerClaimed {
    /// The change's writes, none yet.
    pub fn writes(&self) -> Writes {
        Writes::new(self.txn.backend())
    }

    /// Ends the change without writing anything.
    pub async fn undo(self) -> Result<(), DbErr> {
        self.txn.undo().await
    }

    /// Leaves `sql` to the end of the change's batch (SQLite), run once for all the batch's
    /// changes that leave it ([`Member::before_commit`]). A change in a transaction of its own
    /// (PostgreSQL) has no batch: asking is a mistake, told as an error.
    pub fn before_commit(&mut self, sql: &'static str) -> Result<(), DbErr> {
        match &mut self.txn {
            Txn::Own(_) => Err(DbErr::Custom(
                "a change in a transaction of its own has no batch to leave statements to".into(),
            )),
            Txn::Batched(member) => member.before_commit(sql),
        }
    }

    /// Keeps the door's reply under `key` with the change's own writes, settles the review's
    /// draft, and commits.
    pub async fn finish(
        self,
        who: &Account,
        key: Option<&ChangeKey>,
        settles: Option<Settles>,
        at: DateTime<Utc>,
        writes: Writes,
        reply: &Reply,
    ) -> Result<(), DbErr> {
        self.txn.finish(who, key, settles, at, writes, reply).await
    }
}

/// How a change of a customer began.
pub(super) enum CustomerBegun {
    Claimed(CustomerClaimed),
    /// The same request was made before: the reply it got then.
    Replayed(Reply),
}

/// Starts a change of a customer's holdings: claims the customer (its holdings version moved
/// on; at the expected version, when given: a review's Confirm), answers a repeated request with
/// its first answer, and refuses a customer that is not the reseller's (as if it were not there).
/// On SQLite the change holds the process's turn to write, in a batch, as [`begin`]'s; on
/// PostgreSQL the customer's row is locked first and stays locked until commit (the lock every
/// change of one of its subscriptions takes first), so that concurrent requests with one key
/// wait and then find it used: the claim is a statement after the lock, and sees what committed
/// while it waited.
pub(super) async fn begin_customer(
    db: &Db,
    who: &Account,
    customer: &CustomerId,
    key: Option<&ChangeKey>,
    expected: Option<i64>,
) -> Result<CustomerBegun, ChangeError> {
    let backend = db.get_database_backend();
    let mut sql = String::from(
        "UPDATE customers SET holdings_version = holdings_version + 1 \
         WHERE id = $2 AND EXISTS (SELECT 1 FROM relationships \
         WHERE reseller_id = $1 AND customer_id = $2)",
    );
    let mut values: Vec<Value> = vec![
        who.reseller.as_str().into(),
        customer.as_str().into(),
        who.user_id.into(),
        key.map(|k| k.as_str().to_owned()).into(),
    ];
    if let Some(expected) = expected {
        values.push(expected.into());
        sql.push_str(" AND holdings_version = $5");
    }
    sql.push_str(
        " RETURNING EXISTS (SELECT 1 FROM idempotency WHERE user_id = $3 AND \"key\" = $4) \
         AS replayed",
    );
    let txn = match backend {
        DbBackend::Sqlite => {
            let mut member = Member::join(db).await?;
            sql = format!("{};\n{}", member.savepoint(), sql);
            Txn::Batched(member)
        }
        _ => {
            let txn = db.begin().await?;
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                "SELECT 1 FROM customers WHERE id = $1 FOR UPDATE",
                [customer.as_str().into()],
            ))
            .await?;
            Txn::Own(txn)
        }
    };
    let claimed = txn
        .get()?
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    // A repeated request gets its first reply, whatever the claim found (its own order moved
    // the version on).
    let replayed = match &claimed {
        Some(row) => row.try_get::<bool>("", "replayed")?,
        None => true,
    };
    if replayed
        && let Some(key) = key
        && let Some(reply) = saved(txn.get()?, who, key).await?
    {
        txn.undo().await?;
        return Ok(CustomerBegun::Replayed(reply));
    }
    if claimed.is_none() {
        let mine = super::super::customers::get(txn.get()?, &who.reseller, customer)
            .await?
            .is_some();
        txn.undo().await?;
        return Err(match mine {
            true => ChangeError::Conflict,
            false => ChangeError::NotFound,
        });
    }
    Ok(CustomerBegun::Claimed(CustomerClaimed { txn }))
}

/// Starts a change of the reseller's book that claims no row (a new customer): its
/// transaction, after the replay of a repeated request. On PostgreSQL the transaction first
/// takes a lock of `name` (a new customer's domain), so that two requests for one domain wait
/// for each other and the second finds the first's customer; on SQLite the turn to write does.
///
/// On SQLite the savepoint, the replay's check, whether a customer holds `domain` (compared
/// without case: `taken`) and the change's own reads (`reads`: columns of a `SELECT` with their
/// unnumbered `?` values) are one call to the connection's thread, whose row is returned; on
/// PostgreSQL nothing is read (`None`): the change reads what it needs in its transaction.
pub(super) async fn begin_book(
    db: &Db,
    who: &Account,
    key: Option<&ChangeKey>,
    name: &str,
    domain: &str,
    reads: (String, Vec<Value>),
) -> Result<(CustomerBegun, Option<QueryResult>), ChangeError> {
    let backend = db.get_database_backend();
    let (txn, read) = match backend {
        DbBackend::Sqlite => {
            let mut member = Member::join(db).await?;
            let (columns, more) = reads;
            let mut values: Vec<Value> = vec![
                who.user_id.into(),
                key.map(|k| k.as_str().to_owned()).into(),
                domain.into(),
            ];
            values.extend(more);
            let sql = format!(
                "{};\nSELECT EXISTS (SELECT 1 FROM idempotency WHERE user_id = ? AND \"key\" = ?) \
                 AS replayed, EXISTS (SELECT 1 FROM customers WHERE lower(domain) = ?) AS taken\
                 {columns}",
                member.savepoint()
            );
            let row = member
                .txn()?
                .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
                .await?;
            (Txn::Batched(member), row)
        }
        _ => {
            let txn = db.begin().await?;
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                [name.into()],
            ))
            .await?;
            (Txn::Own(txn), None)
        }
    };
    let replayed = match &read {
        Some(row) => row.try_get::<bool>("", "replayed")?,
        None => true,
    };
    if replayed
        && let Some(key) = key
        && let Some(reply) = saved(txn.get()?, who, key).await?
    {
        txn.undo().await?;
        return Ok((CustomerBegun::Replayed(reply), None));
    }
    Ok((CustomerBegun::Claimed(CustomerClaimed { txn }), read))
}

impl CustomerClaimed {
    /// The change's transaction, to read in.
    pub fn txn(&self) -> Result<&DatabaseTransaction, DbErr> {
        self.txn.get()
    }
}

/// The reply kept under this key, if a change was made with it.
pub(super) async fn saved(
    db: &impl ConnectionTrait,
    who: &Account,
    key: &ChangeKey,
) -> Result<Option<Reply>, DbErr> {
    Ok(
        idempotency::Entity::find_by_id((who.user_id, key.as_str().to_owned()))
            .one(db)
            .await?
            // A record of the previous version kept a page's reply as its location, the API's
            // and a job's as its body.
            .map(|row| Reply(row.reply.or(row.body).unwrap_or(row.location))),
    )
}

/// The statement keeping a change's reply under its key.
fn keep(
    backend: DbBackend,
    who: &Account,
    key: &ChangeKey,
    reply: &Reply,
    at: DateTime<Utc>,
) -> Statement {
    idempotency::Entity::insert(idempotency::ActiveModel {
        user_id: Set(who.user_id),
        key: Set(key.as_str().to_owned()),
        reply: Set(Some(reply.0.clone())),
        // For instances of the previous version during an upgrade, which read these.
        location: Set(String::new()),
        created_at: Set(at),
        ..Default::default()
    })
    .build(backend)
}
