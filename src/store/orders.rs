//! Orders as a reseller reads them back (the engine writes them: `changes::place`), and what a
//! customer already holds, by who sold it, for an order's review.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::DbErr;
use crate::domain::order::{Placed, PlacedLine};
use crate::domain::{CustomerId, Holding, ResellerId, SubscriptionId};
use crate::entities::{order, order_line, subscription};

fn corrupt(what: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("unexpected value in an order: {what}"))
}

/// The reseller's orders for the customer, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    customer: &CustomerId,
) -> Result<Vec<Placed>, DbErr> {
    let orders = order::Entity::find()
        .filter(order::Column::ResellerId.eq(reseller.as_str()))
        .filter(order::Column::CustomerId.eq(customer.as_str()))
        .order_by_desc(order::Column::CreatedAt)
        .order_by_desc(order::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<String> = orders.iter().map(|o| o.id.clone()).collect();
    let lines = match ids.is_empty() {
        true => Vec::new(),
        false => {
            order_line::Entity::find()
                .filter(order_line::Column::OrderId.is_in(ids))
                .order_by_asc(order_line::Column::OrderId)
                .order_by_asc(order_line::Column::LineNumber)
                .all(db)
                .await?
        }
    };
    orders
        .into_iter()
        .map(|o| {
            let mine: Vec<_> = lines
                .iter()
                .filter(|l| l.order_id == o.id)
                .cloned()
                .collect();
            placed(o, mine.into_iter())
        })
        .collect()
}

/// One of the reseller's orders for the customer; `None` when there is none by that id.
pub async fn get(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    customer: &CustomerId,
    id: &str,
) -> Result<Option<Placed>, DbErr> {
    let Some(o) = order::Entity::find_by_id(id.to_owned())
        .filter(order::Column::ResellerId.eq(reseller.as_str()))
        .filter(order::Column::CustomerId.eq(customer.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(id))
        .order_by_asc(order_line::Column::LineNumber)
        .all(db)
        .await?;
    placed(o, lines.into_iter()).map(Some)
}

fn placed(
    o: order::Model,
    lines: impl Iterator<Item = order_line::Model>,
) -> Result<Placed, DbErr> {
    Ok(Placed {
        customer: CustomerId::parse(&o.customer_id).map_err(corrupt)?,
        billing_cycle: o.billing_cycle.parse().map_err(corrupt)?,
        created_at: o.created_at,
        lines: lines
            .map(|l| {
                Ok(PlacedLine {
                    number: u32::try_from(l.line_number).map_err(corrupt)?,
                    offer: l.offer_id.parse().map_err(corrupt)?,
                    subscription: SubscriptionId::parse(&l.subscription_id).map_err(corrupt)?,
                    friendly_name: l.friendly_name,
                    quantity: u32::try_from(l.quantity).map_err(corrupt)?,
                })
            })
            .collect::<Result<_, DbErr>>()?,
        id: o.id,
    })
}

/// Every subscription the customer holds, from every channel, with who sold it.
pub async fn holdings(
    db: &impl ConnectionTrait,
    customer: &CustomerId,
) -> Result<Vec<Holding>, DbErr> {
    subscription::Entity::find()
        .filter(subscription::Column::CustomerId.eq(customer.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| {
            Ok(Holding {
                subscription: SubscriptionId::parse(&s.id).map_err(corrupt)?,
                offer: s.offer_id.parse().map_err(corrupt)?,
                status: s.status.parse().map_err(corrupt)?,
                sold_by: s
                    .sold_by
                    .as_deref()
                    .map(ResellerId::parse)
                    .transpose()
                    .map_err(corrupt)?,
            })
        })
        .collect()
}

/// The customer's holdings version: what an order's review was shown at.
pub async fn holdings_version(
    db: &impl ConnectionTrait,
    customer: &CustomerId,
) -> Result<Option<i64>, DbErr> {
    Ok(
        crate::entities::customer::Entity::find_by_id(customer.as_str().to_owned())
            .one(db)
            .await?
            .map(|c| c.holdings_version),
    )
}

/// Whether a customer of any reseller holds this domain (`domain` in lower case; compared
/// without case, through the index of the domains in lower case).
pub async fn domain_taken(db: &impl ConnectionTrait, domain: &str) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT EXISTS (SELECT 1 FROM customers WHERE lower(domain) = $1) AS taken"
        }
        _ => "SELECT EXISTS (SELECT 1 FROM customers WHERE lower(domain) = ?) AS taken",
    };
    let row = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [domain.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<bool>("", "taken")?,
        None => false,
    })
}
