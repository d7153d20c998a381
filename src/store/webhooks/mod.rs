//! Webhooks' records: each reseller's registration, the signing key every instance shares, and
//! the deliveries ([`deliveries`]): the events of the outbox turned into one delivery for each
//! registration that hears them, claimed with a lease by the instance sending them; and what
//! the worker reads and forgets besides (the oldest pending delivery, the outbox's newest event,
//! the deliveries older than the log's 7 days).

pub mod deliveries;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use super::turn::write_turn;
use super::{Db, DbErr};
use crate::domain::ResellerId;
use crate::domain::webhook::Registration;

/// A registration as kept: what the reseller gave, and its `SubscriberId`.
#[derive(Debug, Clone)]
pub struct Registered {
    pub subscriber_id: String,
    pub registration: Registration,
    pub created_at: DateTime<Utc>,
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("unexpected value in webhooks: {what}"))
}

pub(crate) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn at_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

pub(crate) fn statement(
    backend: DbBackend,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Statement {
    Statement::from_sql_and_values(backend, sql, values)
}

fn to_registered(row: &sea_orm::QueryResult) -> Result<Registered, DbErr> {
    let url: String = row.try_get("", "url")?;
    let events: String = row.try_get("", "events")?;
    let events: Vec<&str> = events.split(',').filter(|e| !e.is_empty()).collect();
    Ok(Registered {
        subscriber_id: row.try_get("", "subscriber_id")?,
        registration: Registration::parse(&url, &events).map_err(corrupt)?,
        created_at: at_millis(row.try_get("", "created_at")?),
    })
}

/// The reseller's registration, if it has one.
pub async fn registration(db: &Db, reseller: &ResellerId) -> Result<Option<Registered>, DbErr> {
    let row = db
        .query_one_raw(statement(
            db.get_database_backend(),
            "SELECT subscriber_id, url, events, created_at FROM webhook_registrations \
             WHERE reseller_id = $1",
            [reseller.as_str().into()],
        ))
        .await?;
    row.as_ref().map(to_registered).transpose()
}

/// Whether a registration was written, or the reseller had one already (or had none to update).
#[derive(Debug)]
pub enum Written {
    Done(Registered),
    /// `POST` while one exists.
    AlreadyRegistered,
    /// `PUT` or `DELETE` while none exists.
    NotRegistered,
}

/// Registers the reseller (`POST`): refused if it has a registration already.
pub async fn register(
    db: &Db,
    reseller: &ResellerId,
    registration: &Registration,
    now: DateTime<Utc>,
) -> Result<Written, DbErr> {
    let subscriber_id = uuid::Uuid::new_v4().to_string();
    let _turn = write_turn(db).await;
    let done = db
        .execute_raw(statement(
            db.get_database_backend(),
            "INSERT INTO webhook_registrations \
             (reseller_id, subscriber_id, url, events, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (reseller_id) DO NOTHING",
            [
                reseller.as_str().into(),
                subscriber_id.clone().into(),
                registration.url.as_str().into(),
                registration.events.join(",").into(),
                millis(now).into(),
            ],
        ))
        .await?;
    if done.rows_affected() == 0 {
        return Ok(Written::AlreadyRegistered);
    }
    Ok(Written::Done(Registered {
        subscriber_id,
        registration: registration.clone(),
        created_at: now,
    }))
}

/// Replaces the reseller's URL and events (`PUT`), keeping its `SubscriberId`.
pub async fn update(
    db: &Db,
    reseller: &ResellerId,
    registration: &Registration,
    now: DateTime<Utc>,
) -> Result<Written, DbErr> {
    let _turn = write_turn(db).await;
    let done = db
        .execute_raw(statement(
            db.get_database_backend(),
            "UPDATE webhook_registrations SET url = $2, events = $3, updated_at = $4 \
             WHERE reseller_id = $1",
            [
                reseller.as_str().into(),
                registration.url.as_str().into(),
                registration.events.join(",").into(),
                millis(now).into(),
            ],
        ))
        .await?;
    drop(_turn);
    if done.rows_affected() == 0 {
        return Ok(Written::NotRegistered);
    }
    Ok(registration_written(
        self::registration(db, reseller).await?,
    ))
}

fn registration_written(found: Option<Registered>) -> Written {
    found.map_or(Written::NotRegistered, Written::Done)
}

/// Ends the reseller's registration (`DELETE`): its deliveries not yet made are dropped.
pub async fn unregister(db: &Db, reseller: &ResellerId) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let _turn = write_turn(db).await;
    let done = db
        .execute_raw(statement(
            backend,
            "DELETE FROM webhook_registrations WHERE reseller_id = $1",
            [reseller.as_str().into()],
        ))
        .await?;
    db.execute_raw(statement(
        backend,
        "UPDATE webhook_deliveries SET state = 'dropped', lease_owner = NULL, lease_until = NULL \
         WHERE reseller_id = $1 AND state IN ('pending', 'failed')",
        [reseller.as_str().into()],
    ))
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The signing key (PKCS#8 PEM) and its certificate (DER, base64) every instance signs with.
pub async fn signing_key(db: &Db) -> Result<Option<(String, String)>, DbErr> {
    let row = db
        .query_one_raw(statement(
            db.get_database_backend(),
            "SELECT private_key, certificate FROM webhook_keys WHERE id = 1",
            [],
        ))
        .await?;
    row.map(|r| Ok((r.try_get("", "private_key")?, r.try_get("", "certificate")?)))
        .transpose()
}

/// Keeps a key made at first start, unless another instance kept one first: the one kept is
/// returned, and used by all.
pub async fn keep_signing_key(
    db: &Db,
    private_key: &str,
    certificate: &str,
    now: DateTime<Utc>,
) -> Result<(String, String), DbErr> {
    {
        let _turn = write_turn(db).await;
        db.execute_raw(statement(
            db.get_database_backend(),
            "INSERT INTO webhook_keys (id, private_key, certificate, created_at) \
             VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING",
            [private_key.into(), certificate.into(), millis(now).into()],
        ))
        .await?;
    }
    signing_key(db)
        .await?
        .ok_or_else(|| corrupt("the signing key was not kept"))
}

/// When the oldest pending delivery was made, if any is pending.
pub async fn oldest_pending(db: &Db) -> Result<Option<DateTime<Utc>>, DbErr> {
    let row = db
        .query_one_raw(statement(
            db.get_database_backend(),
            "SELECT MIN(created_at) AS oldest FROM webhook_deliveries WHERE state = 'pending'",
            [],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<i64>>("", "oldest"))
        .transpose()?
        .flatten()
        .map(at_millis))
}

/// Forgets the attempts and deliveries made before `before` (they are shown for 7 days): those
/// ended, sent, failed or dropped.
pub async fn purge(db: &Db, before: DateTime<Utc>) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let _turn = write_turn(db).await;
    db.execute_raw(statement(
        backend,
        "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries \
         WHERE created_at < $1 AND state <> 'pending')",
        [millis(before).into()],
    ))
    .await?;
    db.execute_raw(statement(
        backend,
        "DELETE FROM webhook_deliveries WHERE created_at < $1 AND state <> 'pending'",
        [millis(before).into()],
    ))
    .await?;
    Ok(())
}

/// The newest event's id (0: none yet): how fast changes come, read by the worker, which gives
/// way to them.
pub async fn events_head(db: &Db) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(statement(
            db.get_database_backend(),
            "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS head FROM events",
            [],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "head"))
        .transpose()?
        .unwrap_or(0))
}
