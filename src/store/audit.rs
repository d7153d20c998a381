//! The activity log read as Partner Center's audit records (`GET /v1/auditrecords`): the
//! changes made to a reseller's subscriptions in a time range, oldest first.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{Db, DbErr};
use crate::domain::ResellerId;
use crate::entities::{activity, customer};

/// A change as its activity record keeps it.
#[derive(Debug, Clone)]
pub struct Audited {
    /// The activity record's number.
    pub id: i32,
    pub at: DateTime<Utc>,
    pub action: String,
    pub user_email: String,
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    pub subscription_id: Option<String>,
    pub token_id: Option<i32>,
    pub job_id: Option<i32>,
    /// The API request's `MS-CorrelationId`, for a change made through the API.
    pub correlation_id: Option<String>,
    pub before: Values,
    pub after: Values,
}

/// A subscription's licenses, status and name on one side of a change.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub quantity: Option<i64>,
    pub status: Option<String>,
    pub name: Option<String>,
}

/// The reseller's changes made from `start` up to (not including) `end`, oldest first, at most
/// `limit`. Sign-ins are not changes, and are left out.
pub async fn records(
    db: &Db,
    reseller: &ResellerId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Audited>, DbErr> {
    let rows = activity::Entity::find()
        .filter(activity::Column::ResellerId.eq(reseller.as_str()))
        .filter(activity::Column::At.gte(start))
        .filter(activity::Column::At.lt(end))
        .filter(activity::Column::SubscriptionId.is_not_null())
        .order_by_asc(activity::Column::At)
        .order_by_asc(activity::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.customer_id.as_deref())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names: Vec<(String, String)> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .column(customer::Column::CompanyName)
        .filter(customer::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Audited {
            customer_name: r.customer_id.as_ref().and_then(|c| {
                names
                    .iter()
                    .find(|(id, _)| id == c)
                    .map(|(_, name)| name.clone())
            }),
            id: r.id,
            at: r.at,
            action: r.action,
            user_email: r.user_email,
            customer_id: r.customer_id,
            subscription_id: r.subscription_id,
            token_id: r.token_id,
            job_id: r.job_id,
            correlation_id: r.correlation_id,
            before: Values {
                quantity: r.before_quantity,
                status: r.before_status,
                name: r.before_name,
            },
            after: Values {
                quantity: r.after_quantity,
                status: r.after_status,
                name: r.after_name,
            },
        })
        .collect())
}
