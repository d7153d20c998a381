//! Upgrades: the record an upgrade leaves (what its result page shows), written by the change
//! engine with the upgrade's other writes.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Statement,
};

use super::{Db, DbErr, count};
use crate::domain::{CustomerId, OfferId, ResellerId, SubscriptionId, SubscriptionStatus};
use crate::entities::upgrade as upgrade_row;

fn corrupt(what: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("unexpected value in an upgrade: {what}"))
}

/// What an upgrade did, as the result page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeOutcome {
    pub id: i32,
    pub customer: CustomerId,
    pub source: SubscriptionId,
    pub target: SubscriptionId,
    pub source_offer: OfferId,
    pub target_offer: OfferId,
    pub quantity: u32,
    pub moved_assigned: u32,
    pub source_status: SubscriptionStatus,
    pub source_quantity: u32,
    pub source_assigned: u32,
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

fn outcome_from_row(r: upgrade_row::Model) -> Result<UpgradeOutcome, DbErr> {
    Ok(UpgradeOutcome {
        id: r.id,
        customer: CustomerId::parse(&r.customer_id).map_err(corrupt)?,
        source: SubscriptionId::parse(&r.source_id).map_err(corrupt)?,
        target: SubscriptionId::parse(&r.target_id).map_err(corrupt)?,
        source_offer: r.source_offer.parse().map_err(corrupt)?,
        target_offer: r.target_offer.parse().map_err(corrupt)?,
        quantity: count(r.quantity)?,
        moved_assigned: count(r.moved_assigned)?,
        source_status: r.source_status.parse().map_err(corrupt)?,
        source_quantity: count(r.source_quantity)?,
        source_assigned: count(r.source_assigned)?,
        by: r.user_email,
        at: r.at,
    })
}

/// The statement recording `outcome`, an upgrade made by `reseller`, for the change's writes.
pub(super) fn recorded(
    backend: DbBackend,
    reseller: &ResellerId,
    outcome: &UpgradeOutcome,
) -> Statement {
    upgrade_row::Entity::insert(upgrade_row::ActiveModel {
        id: Set(outcome.id),
        reseller_id: Set(reseller.to_string()),
        customer_id: Set(outcome.customer.to_string()),
        source_id: Set(outcome.source.to_string()),
        target_id: Set(outcome.target.to_string()),
        source_offer: Set(outcome.source_offer.as_str().to_owned()),
        target_offer: Set(outcome.target_offer.as_str().to_owned()),
        quantity: Set(i64::from(outcome.quantity)),
        moved_assigned: Set(i64::from(outcome.moved_assigned)),
        source_status: Set(outcome.source_status.as_str().to_owned()),
        source_quantity: Set(i64::from(outcome.source_quantity)),
        source_assigned: Set(i64::from(outcome.source_assigned)),
        user_email: Set(outcome.by.clone()),
        at: Set(outcome.at),
    })
    .build(backend)
}

/// An upgrade `reseller` made for the customer, for the result page.
pub async fn outcome(
    db: &Db,
    reseller: &ResellerId,
    customer_id: &CustomerId,
    upgrade_id: i32,
) -> Result<Option<UpgradeOutcome>, DbErr> {
    let row = upgrade_row::Entity::find_by_id(upgrade_id)
        .filter(upgrade_row::Column::ResellerId.eq(reseller.as_str()))
        .filter(upgrade_row::Column::CustomerId.eq(customer_id.as_str()))
        .one(db)
        .await?;
    row.map(outcome_from_row).transpose()
}
