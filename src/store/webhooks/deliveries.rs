//! Deliveries: the events of the outbox (`events`, written in each change's transaction) turned
//! into one row for each registration that hears them ([`fan_out`], one instance at a time),
//! with the exact body sent; then claimed with a lease by the instance sending them ([`claim`]:
//! on PostgreSQL `FOR UPDATE SKIP LOCKED`, so two instances never send the same delivery at
//! once), the earliest of a resource first, and each attempt recorded ([`finish`]). A delivery
//! whose instance died mid-attempt is claimed again when its lease runs out: at least once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect,
    TransactionTrait,
};

use super::{at_millis, corrupt, millis, statement};
use crate::domain::ResellerId;
use crate::domain::webhook::{
    self, MAX_ATTEMPTS, Payload, Resource, TEST_CREATED, audit_path, resource_path, utc_date,
};
use crate::entities::event;
use crate::store::turn::write_turn;
use crate::store::{Db, DbErr};

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Sent,
    /// Ten attempts failed: shown on the Notifications page, where it can be sent again.
    Failed,
    /// The registration ended, or stopped hearing the event, before it was sent.
    Dropped,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Dropped => "dropped",
        }
    }

    fn parse(raw: &str) -> Result<State, DbErr> {
        Ok(match raw {
            "pending" => State::Pending,
            "sent" => State::Sent,
            "failed" => State::Failed,
            "dropped" => State::Dropped,
            other => return Err(corrupt(other)),
        })
    }
}

/// A delivery as kept.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i32,
    pub reseller: String,
    pub correlation_id: String,
    pub name: String,
    /// The resource it is about (`subscription:{id}`, `test:{correlation}`…): deliveries of one
    /// resource are sent one after the other, in the order of their events.
    pub ordering: String,
    /// The exact body sent (and signed).
    pub body: String,
    pub state: State,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub next_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The receiver's status at the last attempt (none: it did not answer).
    pub last_status: Option<u16>,
}

fn to_delivery(r: &QueryResult) -> Result<Delivery, DbErr> {
    let attempts: i32 = r.try_get("", "attempts")?;
    let last_status: Option<i32> = r.try_get("", "last_status")?;
    let state: String = r.try_get("", "state")?;
    Ok(Delivery {
        id: r.try_get("", "id")?,
        reseller: r.try_get("", "reseller_id")?,
        correlation_id: r.try_get("", "correlation_id")?,
        name: r.try_get("", "name")?,
        ordering: r.try_get("", "ordering")?,
        body: r.try_get("", "body")?,
        state: State::parse(&state)?,
        attempts: u32::try_from(attempts).map_err(corrupt)?,
        created_at: at_millis(r.try_get("", "created_at")?),
        next_at: at_millis(r.try_get("", "next_at")?),
        sent_at: r.try_get::<Option<i64>>("", "sent_at")?.map(at_millis),
        last_status: last_status.and_then(|s| u16::try_from(s).ok()),
    })
}

const COLUMNS: &str = "id, reseller_id, correlation_id, name, ordering, body, state, attempts, \
                       created_at, next_at, sent_at, last_status";

/// Turns up to `limit` events of the outbox into deliveries, in the order they were recorded:
/// one for the registration of the event's reseller if it hears the event and was made before
/// it; every event taken is marked, heard or not. `base` is the portal's address the bodies'
/// URIs start with. One instance at a time (on PostgreSQL a lock for the transaction; SQLite's
/// writes take turns), so that the deliveries of a resource are in the order of its events.
/// Returns how many events were taken.
pub async fn fan_out(db: &Db, base: &str, now: DateTime<Utc>, limit: u64) -> Result<usize, DbErr> {
    let backend = db.get_database_backend();
    // Most rounds find nothing: asked first without the turn to write or a transaction.
    let any = db
        .query_one_raw(statement(
            backend,
            "SELECT id FROM events WHERE webhooks = 0 LIMIT 1",
            [],
        ))
        .await?;
    if any.is_none() {
        return Ok(0);
    }
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(33033)")
            .await?;
    }
    let events = event::Entity::find()
        .filter(Expr::cust("webhooks = 0"))
        .order_by_asc(event::Column::Id)
        .limit(limit)
        .all(&txn)
        .await?;
    if events.is_empty() {
        return Ok(0);
    }
    let mut resellers: Vec<&str> = events.iter().map(|e| e.reseller_id.as_str()).collect();
    resellers.sort_unstable();
    resellers.dedup();
    let mut registrations = Vec::new();
    for reseller in resellers {
        let row = txn
            .query_one_raw(statement(
                backend,
                "SELECT subscriber_id, url, events, created_at FROM webhook_registrations \
                 WHERE reseller_id = $1",
                [reseller.into()],
            ))
            .await?;
        if let Some(row) = row {
            registrations.push((reseller.to_owned(), super::to_registered(&row)?));
        }
    }
    let mut made = Vec::new();
    for e in &events {
        let Some((_, registered)) = registrations.iter().find(|(r, _)| *r == e.reseller_id) else {
            continue;
        };
        if !registered.registration.hears(&e.name) || e.at < registered.created_at {
            continue;
        }
        let resource = Resource {
            kind: &e.resource,
            id: &e.resource_id,
            customer: e.customer_id.as_deref(),
        };
        let payload = Payload {
            event_name: e.name.clone(),
            resource_uri: format!("{base}{}", resource_path(&resource)),
            resource_name: webhook::kind(&e.name)
                .map_or(e.resource.as_str(), |k| k.resource)
                .to_owned(),
            audit_uri: Some(format!("{base}{}", audit_path(e.at))),
            resource_change_utc_date: utc_date(e.at),
        };
        made.push(New {
            reseller: &e.reseller_id,
            event: Some(e.id),
            correlation_id: uuid::Uuid::new_v4().to_string(),
            name: &e.name,
            ordering: format!("{}:{}", e.resource, e.resource_id),
            body: serde_json::to_string(&payload).map_err(corrupt)?,
        });
    }
    for chunk in made.chunks(INSERTED_AT_ONCE) {
        insert(&txn, chunk, now).await?;
    }
    let ids: Vec<String> = events.iter().map(|e| e.id.to_string()).collect();
    txn.execute_unprepared(&format!(
        "UPDATE events SET webhooks = 1 WHERE id IN ({})",
        ids.join(",")
    ))
    .await?;
    txn.commit().await?;
    Ok(events.len())
}

/// A delivery to make.
struct New<'a> {
    reseller: &'a str,
    event: Option<i32>,
    correlation_id: String,
    name: &'a str,
    ordering: String,
    /// The payload as sent.
    body: String,
}

/// Deliveries written by one statement (7 values each, far under either database's limit).
const INSERTED_AT_ONCE: usize = 200;

/// Writes `rows` as pending deliveries due at `now`, in one statement.
async fn insert(
    db: &impl ConnectionTrait,
    rows: &[New<'_>],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO webhook_deliveries (reseller_id, event_id, correlation_id, name, ordering, \
         body, state, attempts, created_at, next_at) VALUES ",
    );
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(rows.len() * 7);
    for (i, row) in rows.iter().enumerate() {
        let n = i * 7;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, 'pending', 0, ${}, ${})",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6,
            n + 7,
            n + 7
        ));
        values.extend([
            row.reseller.into(),
            row.event.into(),
            row.correlation_id.clone().into(),
            row.name.into(),
            row.ordering.clone().into(),
            row.body.clone().into(),
            millis(now).into(),
        ]);
    }
    db.execute_raw(statement(db.get_database_backend(), &sql, values))
        .await?;
    Ok(())
}

/// What became of a request for a test event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestEvent {
    /// Made, due now: its correlation id.
    Sent(String),
    /// The reseller's registration does not hear `test-created` (or it has none).
    NotHeard,
    /// The reseller sent its burst of test events within [`webhook::TEST_WINDOW`]: none is
    /// made, and another may be asked for after this many seconds.
    Wait(u64),
}

/// A test event (`test-created`) for the reseller's registration, due now, unless it does not
/// hear them or sent `burst` of them within [`webhook::TEST_WINDOW`] (counted and made in one
/// transaction: on PostgreSQL under a lock of the reseller's, so that two instances asked at
/// once count each other's).
pub async fn send_test(
    db: &Db,
    reseller: &ResellerId,
    base: &str,
    now: DateTime<Utc>,
    burst: u32,
) -> Result<TestEvent, DbErr> {
    let hears = super::registration(db, reseller)
        .await?
        .is_some_and(|r| r.registration.hears(TEST_CREATED));
    if !hears {
        return Ok(TestEvent::NotHeard);
    }
    let backend = db.get_database_backend();
    let window = chrono::TimeDelta::from_std(webhook::TEST_WINDOW).unwrap_or_default();
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    if backend == DbBackend::Postgres {
        txn.execute_raw(statement(
            backend,
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            [format!("webhook-test:{reseller}").into()],
        ))
        .await?;
    } else {
        // SQLite: take the database's write lock before reading, as the advisory lock does on
        // PostgreSQL. A transaction that reads first and writes after another instance's write
        // is refused at once (SQLITE_BUSY, without the busy timeout's wait): a second instance on
        // the same file answered 500 to a test event while the first one's worker wrote.
        txn.execute_raw(statement(
            backend,
            "UPDATE webhook_registrations SET reseller_id = reseller_id WHERE reseller_id = $1",
            [reseller.as_str().into()],
        ))
        .await?;
    }
    let recent = txn
        .query_all_raw(statement(
            backend,
            "SELECT created_at FROM webhook_deliveries \
             WHERE reseller_id = $1 AND name = $2 AND created_at > $3",
            [
                reseller.as_str().into(),
                TEST_CREATED.into(),
                millis(now - window).into(),
            ],
        ))
        .await?
        .iter()
        .map(|r| r.try_get::<i64>("", "created_at").map(at_millis))
        .collect::<Result<Vec<_>, DbErr>>()?;
    if let Some(seconds) = webhook::test_event_wait(&recent, now, burst) {
        return Ok(TestEvent::Wait(seconds));
    }
    let correlation_id = uuid::Uuid::new_v4().to_string();
    let payload = Payload {
        event_name: TEST_CREATED.to_owned(),
        resource_uri: format!("{base}/webhooks/v1/registration/validationEvents/{correlation_id}"),
        resource_name: "test".to_owned(),
        audit_uri: None,
        resource_change_utc_date: utc_date(now),
    };
    let body = serde_json::to_string(&payload).map_err(corrupt)?;
    let made = New {
        reseller: reseller.as_str(),
        event: None,
        correlation_id: correlation_id.clone(),
        name: TEST_CREATED,
        ordering: format!("test:{correlation_id}"),
        body,
    };
    insert(&txn, &[made], now).await?;
    txn.commit().await?;
    Ok(TestEvent::Sent(correlation_id))
}

/// A delivery claimed to send, with where its registration sends it now and whether it still
/// hears the event.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: Delivery,
    pub url: Option<String>,
    pub hears: bool,
}

/// Claims up to `limit` deliveries due at `now` for `owner` until `until`: of each resource,
/// the pending ones from its earliest on (at most `run` of them), while they are due and not
/// claimed by a live lease; a later event of a subscription waits for the earlier ones to be
/// sent, or to fail for good. The claimed are in the order of their events, and the worker
/// sends a resource's one after the other, stopping at the first that does not go through.
/// One statement (on PostgreSQL after a lock for the transaction, so that two instances' claims
/// never cut one resource's run between them).
pub async fn claim(
    db: &Db,
    owner: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u32,
    run: u32,
) -> Result<Vec<Claimed>, DbErr> {
    let backend = db.get_database_backend();
    // `held` counts, along a resource's pending deliveries in order, those not due or claimed:
    // a delivery may go only if none before it (nor itself) is held.
    let sql = format!(
        "UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2 \
         WHERE id IN (\
           SELECT id FROM (\
             SELECT id, ROW_NUMBER() OVER w AS place, \
               SUM(CASE WHEN next_at <= $3 AND (lease_until IS NULL OR lease_until < $3) \
                   THEN 0 ELSE 1 END) OVER w AS held \
             FROM webhook_deliveries WHERE state = 'pending' \
             WINDOW w AS (PARTITION BY reseller_id, ordering ORDER BY id \
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)\
           ) p WHERE held = 0 AND place <= {run} ORDER BY id LIMIT {limit}) \
         AND state = 'pending' AND (lease_until IS NULL OR lease_until < $3) \
         RETURNING {COLUMNS}"
    );
    // Most rounds find nothing due: asked first without the turn to write.
    let due = db
        .query_one_raw(statement(
            backend,
            "SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_at <= $1 LIMIT 1",
            [millis(now).into()],
        ))
        .await?;
    if due.is_none() {
        return Ok(Vec::new());
    }
    let values: [sea_orm::Value; 3] = [owner.into(), millis(until).into(), millis(now).into()];
    let rows = if backend == DbBackend::Postgres {
        let txn = db.begin().await?;
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(33034)")
            .await?;
        let rows = txn.query_all_raw(statement(backend, &sql, values)).await?;
        txn.commit().await?;
        rows
    } else {
        let _turn = write_turn(db).await;
        db.query_all_raw(statement(backend, &sql, values)).await?
    };
    let mut claimed = Vec::with_capacity(rows.len());
    let mut registrations: Vec<(String, Option<super::Registered>)> = Vec::new();
    for row in &rows {
        let delivery = to_delivery(row)?;
        let registered = match registrations.iter().find(|(r, _)| *r == delivery.reseller) {
            Some((_, registered)) => registered.clone(),
            None => {
                let reseller = ResellerId::parse(&delivery.reseller).map_err(corrupt)?;
                let registered = super::registration(db, &reseller).await?;
                registrations.push((delivery.reseller.clone(), registered.clone()));
                registered
            }
        };
        claimed.push(Claimed {
            hears: registered
                .as_ref()
                .is_some_and(|r| r.registration.hears(&delivery.name)),
            url: registered.map(|r| r.registration.url.as_str().to_owned()),
            delivery,
        });
    }
    claimed.sort_by_key(|c| c.delivery.id);
    Ok(claimed)
}

/// One attempt to deliver, as it went.
#[derive(Debug, Clone)]
pub struct Tried {
    /// The receiver's status (none: no answer: refused, unreachable, timed out).
    pub status: Option<u16>,
    /// `ok`, `status`, `timeout`, `connect`, `refused-address`, `protocol`, `dropped`.
    pub outcome: &'static str,
    pub millis: u32,
}

impl Tried {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// What became of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Sent,
    /// Tried again at this time.
    Retry(DateTime<Utc>),
    Failed,
    Dropped,
    /// Its lease had passed to another instance: the attempt is recorded, the other decides.
    Lost,
}

/// Records the attempts made at `at` of deliveries `owner` holds, and what follows each: sent,
/// another attempt after the backoff from `retry` (the base), or failed after the tenth; and
/// gives back the claim on those `untried` (behind one of their resource that did not go
/// through, or past the time the lease allows), due again at once. All in one transaction (one
/// turn to write on SQLite for a round's attempts, not one each).
pub async fn finish(
    db: &Db,
    owner: &str,
    tried: &[(Delivery, Tried)],
    untried: &[i32],
    at: DateTime<Utc>,
    retry: Duration,
) -> Result<Vec<Ended>, DbErr> {
    if tried.is_empty() && untried.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let mut ends = Vec::with_capacity(tried.len());
    for (delivery, tried) in tried {
        let attempts = delivery.attempts + 1;
        let (ended, state, next_at) = if tried.outcome == "dropped" {
            (Ended::Dropped, State::Dropped, at)
        } else if tried.succeeded() {
            (Ended::Sent, State::Sent, at)
        } else if attempts >= MAX_ATTEMPTS {
            (Ended::Failed, State::Failed, at)
        } else {
            let next = at
                + chrono::TimeDelta::from_std(webhook::backoff(retry, attempts))
                    .unwrap_or(chrono::TimeDelta::MAX);
            (Ended::Retry(next), State::Pending, next)
        };
        if ended != Ended::Dropped {
            txn.execute_raw(statement(
                backend,
                "INSERT INTO webhook_attempts (delivery_id, at, status, outcome, millis) \
                 VALUES ($1, $2, $3, $4, $5)",
                [
                    delivery.id.into(),
                    millis(at).into(),
                    tried.status.map(i32::from).into(),
                    tried.outcome.into(),
                    i32::try_from(tried.millis).unwrap_or(i32::MAX).into(),
                ],
            ))
            .await?;
        }
        // The attempts as this attempt counted them (the decision above was made on them).
        let counted = if ended == Ended::Dropped {
            delivery.attempts
        } else {
            attempts
        };
        let done = txn
            .execute_raw(statement(
                backend,
                "UPDATE webhook_deliveries SET state = $3, attempts = $4, next_at = $5, \
                 last_status = COALESCE($6, last_status), \
                 sent_at = CASE WHEN $3 = 'sent' THEN $7 ELSE sent_at END, \
                 lease_owner = NULL, lease_until = NULL \
                 WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
                [
                    delivery.id.into(),
                    owner.into(),
                    state.as_str().into(),
                    i32::try_from(counted).unwrap_or(i32::MAX).into(),
                    millis(next_at).into(),
                    tried.status.map(i32::from).into(),
                    millis(at).into(),
                ],
            ))
            .await?;
        ends.push(if done.rows_affected() == 0 {
            Ended::Lost
        } else {
            ended
        });
    }
    for ids in untried.chunks(500) {
        let ids: Vec<String> = ids.iter().map(i32::to_string).collect();
        txn.execute_raw(statement(
            backend,
            &format!(
                "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL \
                 WHERE lease_owner = $1 AND state = 'pending' AND id IN ({})",
                ids.join(",")
            ),
            [owner.into()],
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(ends)
}

/// Gives back what `owner` holds (it is stopping): claimed again at once by any instance.
pub async fn release(db: &Db, owner: &str) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    db.execute_raw(statement(
        db.get_database_backend(),
        "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL \
         WHERE lease_owner = $1 AND state = 'pending'",
        [owner.into()],
    ))
    .await?;
    Ok(())
}

/// Sends a failed delivery again (ten more attempts, the first now); `false` if the reseller
/// has no failed delivery `id`.
pub async fn resend(
    db: &Db,
    reseller: &ResellerId,
    id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await;
    let done = db
        .execute_raw(statement(
            db.get_database_backend(),
            "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_at = $3 \
             WHERE id = $1 AND reseller_id = $2 AND state = 'failed'",
            [id.into(), reseller.as_str().into(), millis(now).into()],
        ))
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The reseller's deliveries made since `since`, newest first, at most `limit`.
pub async fn log(
    db: &Db,
    reseller: &ResellerId,
    since: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Delivery>, DbErr> {
    let rows = db
        .query_all_raw(statement(
            db.get_database_backend(),
            &format!(
                "SELECT {COLUMNS} FROM webhook_deliveries WHERE reseller_id = $1 \
                 AND created_at >= $2 AND state <> 'dropped' ORDER BY id DESC LIMIT {limit}"
            ),
            [reseller.as_str().into(), millis(since).into()],
        ))
        .await?;
    rows.iter().map(to_delivery).collect()
}

/// An attempt as kept.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub status: Option<u16>,
    pub outcome: String,
    pub millis: u32,
}

/// The reseller's delivery with this correlation id and its attempts, oldest first.
pub async fn by_correlation(
    db: &Db,
    reseller: &ResellerId,
    correlation_id: &str,
) -> Result<Option<(Delivery, Vec<Attempt>)>, DbErr> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(statement(
            backend,
            &format!(
                "SELECT {COLUMNS} FROM webhook_deliveries \
                 WHERE reseller_id = $1 AND correlation_id = $2"
            ),
            [reseller.as_str().into(), correlation_id.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let delivery = to_delivery(&row)?;
    let rows = db
        .query_all_raw(statement(
            backend,
            "SELECT at, status, outcome, millis FROM webhook_attempts \
             WHERE delivery_id = $1 ORDER BY at, id",
            [delivery.id.into()],
        ))
        .await?;
    let attempts = rows
        .iter()
        .map(|r| {
            let status: Option<i32> = r.try_get("", "status")?;
            let ms: i32 = r.try_get("", "millis")?;
            Ok(Attempt {
                at: at_millis(r.try_get("", "at")?),
                status: status.and_then(|s| u16::try_from(s).ok()),
                outcome: r.try_get("", "outcome")?,
                millis: u32::try_from(ms).unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok(Some((delivery, attempts)))
}
