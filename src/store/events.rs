//! The events outbox: what each change changed, recorded in the change's own transaction (a
//! refused or undone change records none; a replay records none again), one row for each
//! resource it changed, with the name Partner Center's webhooks give the event, who made the
//! change and through which door. The webhooks' worker (`crate::webhooks`) delivers them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryTrait, Statement,
};

use crate::domain::change::{SUBSCRIPTION_UPDATED, Via};
use crate::domain::{Account, CustomerId, SubscriptionId};
use crate::entities::event;

/// Who made a change, through which door, to which customer's resources, and when.
pub(crate) struct Source<'a> {
    pub who: &'a Account,
    pub via: Via,
    pub customer: &'a CustomerId,
    pub at: DateTime<Utc>,
}

/// One resource a change touched: the event's name, the kind of resource, and its id.
pub(crate) struct Touched<'a> {
    pub name: &'static str,
    pub resource: &'static str,
    pub id: &'a str,
}

/// The statement recording that a change updated `subscriptions` (the one it was made to, and
/// one it created), for the change's writes.
pub(crate) fn recorded<'a>(
    backend: DbBackend,
    source: &Source<'_>,
    subscriptions: impl IntoIterator<Item = &'a SubscriptionId>,
) -> Statement {
    recorded_each(
        backend,
        source,
        subscriptions.into_iter().map(|id| Touched {
            name: SUBSCRIPTION_UPDATED,
            resource: "subscription",
            id: id.as_str(),
        }),
    )
}

/// The statement recording an event for each resource a change touched (an order, and the
/// subscriptions it made), for the change's writes.
pub(crate) fn recorded_each<'a>(
    backend: DbBackend,
    source: &Source<'_>,
    touched: impl IntoIterator<Item = Touched<'a>>,
) -> Statement {
    let rows = touched.into_iter().map(|t| event::ActiveModel {
        reseller_id: Set(source.who.reseller.to_string()),
        name: Set(t.name.to_owned()),
        resource: Set(t.resource.to_owned()),
        resource_id: Set(t.id.to_owned()),
        customer_id: Set(Some(source.customer.to_string())),
        user_email: Set(source.who.email.clone()),
        door: Set(source.via.as_str().to_owned()),
        token_id: Set(source.via.token()),
        job_id: Set(source.via.job()),
        at: Set(source.at),
        ..Default::default()
    });
    event::Entity::insert_many(rows).build(backend)
}

/// issue 33: records that bulk change job `id` ended (its last row run, or the job cancelled),
/// as webhooks' `bulk-job-completed`, in the transaction that ended it.
pub(crate) async fn job_completed(
    db: &impl ConnectionTrait,
    id: i32,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "INSERT INTO events (reseller_id, name, resource, resource_id, customer_id, user_email, \
         door, token_id, job_id, at) \
         SELECT reseller_id, $1, 'bulkjob', CAST(id AS TEXT), NULL, user_email, 'job', NULL, id, $2 \
         FROM jobs WHERE id = $3",
        [
            crate::domain::webhook::BULK_JOB_COMPLETED.into(),
            at.into(),
            id.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Events removed by one statement of [`trim`] (a short turn to write each).
const TRIMMED_AT_ONCE: u64 = 2_000;

/// issue 33: forgets the events recorded before `before` that the webhooks are done with: taken
/// (turned into their deliveries, or heard by no registration) and with no delivery still
/// pending (a failed one keeps its own body and can be sent again without its event). The
/// outbox would otherwise grow by one row a change for ever. A few thousand at a time, oldest
/// first; how many were removed.
pub async fn trim(db: &super::Db, before: DateTime<Utc>) -> Result<u64, DbErr> {
    let mut removed = 0;
    loop {
        let done = {
            let _turn = super::turn::write_turn(db).await;
            db.execute_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                format!(
                    "DELETE FROM events WHERE id IN (SELECT id FROM events \
                     WHERE webhooks = 1 AND at < $1 \
                     AND id NOT IN (SELECT event_id FROM webhook_deliveries \
                       WHERE state = 'pending' AND event_id IS NOT NULL) \
                     ORDER BY id LIMIT {TRIMMED_AT_ONCE})"
                ),
                [before.into()],
            ))
            .await?
            .rows_affected()
        };
        removed += done;
        if done < TRIMMED_AT_ONCE {
            return Ok(removed);
        }
    }
}
