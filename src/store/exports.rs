//! The book and the activity log read for the CSV exports: batch by batch, each batch starting
//! just after the last row of the one before in the list's own order (keyset paging, never an
//! offset). An export of any size holds one batch at a time, and every batch costs the same
//! however deep into the book it starts.
//!
//! Batches are separate reads, not one snapshot: a change made while an export runs shows in the
//! batches read after it. Keyset paging means no row is skipped or repeated because of it, as
//! long as the row's place in the order (a customer's name, a record's id) stays.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::activity::{Entry, Filter, Read, entries};
use super::customers::matching;
use super::views::from_row;
use super::{Db, DbErr};
use crate::domain::{Cursor, Customer, CustomerId, CustomerQuery, ResellerId, Subscription};
use crate::entities::{activity, subscription};

/// Rows of the list read at a time: customers, or activity records.
pub const BATCH: u64 = 500;

/// Up to `size` of the reseller's customers matching the search (all of them for an empty one),
/// after the customer `after` (from the top without one), in the customer list's order: what the
/// customer list shows, page after page.
pub async fn customers(
    db: &Db,
    reseller: &ResellerId,
    query: &CustomerQuery,
    after: Option<&CustomerId>,
    size: u64,
) -> Result<Vec<Customer>, DbErr> {
    let cursor = after.map_or(Cursor::First, |id| Cursor::After(id.clone()));
    Ok(matching(db, reseller, query, &cursor, size)
        .await?
        .into_iter()
        .map(|row| row.customer)
        .collect())
}

/// A customer with the subscriptions the reseller sold it.
#[derive(Debug, Clone)]
pub struct Sold {
    pub customer: Customer,
    pub subscriptions: Vec<Subscription>,
}

/// Each customer with the subscriptions the reseller sold it, newest first (as its Subscriptions
/// page shows them), in the order given: one query for the whole batch.
pub async fn sold_to_each(
    db: &Db,
    reseller: &ResellerId,
    customers: Vec<Customer>,
) -> Result<Vec<Sold>, DbErr> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = customers.iter().map(|c| c.id.as_str()).collect();
    let rows = subscription::Entity::find()
        .filter(subscription::Column::SoldBy.eq(reseller.as_str()))
        .filter(subscription::Column::CustomerId.is_in(ids))
        .order_by_desc(subscription::Column::CreatedOn)
        .order_by_asc(subscription::Column::Id)
        .all(db)
        .await?;
    let mut sold: HashMap<String, Vec<Subscription>> = HashMap::new();
    for row in rows {
        sold.entry(row.customer_id.clone())
            .or_default()
            .push(from_row(row)?);
    }
    Ok(customers
        .into_iter()
        .map(|customer| Sold {
            subscriptions: sold.remove(customer.id.as_str()).unwrap_or_default(),
            customer,
        })
        .collect())
}

/// Up to `size` records of the reseller's activity log that the filter keeps, newest first,
/// older than the record `before` (from the newest without one); each with its id, where the next
/// batch starts.
pub async fn activity(
    db: &Db,
    reseller: &ResellerId,
    filter: &Filter,
    before: Option<i32>,
    size: u64,
) -> Result<Vec<(i32, Entry)>, DbErr> {
    let mut select = filter.select(reseller);
    if let Some(id) = before {
        select = select.filter(activity::Column::Id.lt(id));
    }
    let rows: Vec<activity::Model> = select
        .order_by_desc(activity::Column::Id)
        .limit(size)
        .into_model::<Read>()
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.0)
        .collect();
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    Ok(ids.into_iter().zip(entries(db, rows).await?).collect())
}
