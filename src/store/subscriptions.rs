//! Subscriptions: reading them for a reseller, and the three changes a reseller makes (licenses,
//! status, upgrade), each in one transaction guarded by the subscription's version.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::{Db, DbErr, count};
use crate::domain::eligibility::{self, Context, Eligibility, Reason};
use crate::domain::licenses::{self, LicenseCountError};
use crate::domain::status::StatusChangeError;
use crate::domain::upgrade::{self, UpgradePlan};
use crate::domain::{
    Account, BillingCycle, Customer, CustomerId, Holding, LicenseCount, OfferId, ResellerId,
    StatusAction, Subscription, SubscriptionId, SubscriptionStatus, Version,
};
use crate::entities::{customer, history, subscription, upgrade as upgrade_row};

fn corrupt(what: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("unexpected value in the database: {what}"))
}

/// Turns a row into the domain's subscription.
pub(crate) fn from_row(m: subscription::Model) -> Result<Subscription, DbErr> {
    Ok(Subscription {
        id: SubscriptionId::parse(&m.id).map_err(corrupt)?,
        offer: m.offer_id.parse::<OfferId>().map_err(corrupt)?,
        friendly_name: m.friendly_name,
        quantity: count(m.quantity)?,
        assigned_licenses: count(m.assigned_licenses)?,
        status: m.status.parse::<SubscriptionStatus>().map_err(corrupt)?,
        sold_by: m
            .sold_by
            .as_deref()
            .map(ResellerId::parse)
            .transpose()
            .map_err(corrupt)?,
        billing_cycle: m.billing_cycle.parse::<BillingCycle>().map_err(corrupt)?,
        auto_renew: m.auto_renew,
        created: m.created_on,
        upgraded_to: m
            .upgraded_to
            .as_deref()
            .map(SubscriptionId::parse)
            .transpose()
            .map_err(corrupt)?,
        upgraded_from: m
            .upgraded_from
            .as_deref()
            .map(SubscriptionId::parse)
            .transpose()
            .map_err(corrupt)?,
        version: Version(m.version),
    })
}

/// The subscriptions `reseller` sold to the customer, newest first.
pub async fn sold_to(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    customer: &CustomerId,
) -> Result<Vec<Subscription>, DbErr> {
    subscription::Entity::find()
        .filter(subscription::Column::CustomerId.eq(customer.as_str()))
        .filter(subscription::Column::SoldBy.eq(reseller.as_str()))
        .order_by_desc(subscription::Column::CreatedOn)
        .order_by_asc(subscription::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// Everything the Details page, the upgrade form and the submit need to know about one
/// subscription: the subscription, its customer, and the customer's holdings from every channel.
#[derive(Debug, Clone)]
pub struct SubscriptionView {
    pub customer: Customer,
    pub subscription: Subscription,
    pub holdings: Vec<Holding>,
}

impl SubscriptionView {
    /// Asks the one eligibility rule about this subscription.
    pub fn eligibility(&self, reseller: &ResellerId) -> Eligibility {
        eligibility::evaluate(
            &self.subscription,
            &Context {
                reseller,
                delegated_admin: self.customer.delegated_admin,
                holdings: &self.holdings,
            },
        )
    }
}

/// One subscription as `reseller` may see it: `None` when the customer is not the reseller's or
/// the subscription was not sold by it, exactly as when it does not exist.
pub async fn view(
    db: &impl ConnectionTrait,
    reseller: &ResellerId,
    customer_id: &CustomerId,
    id: &SubscriptionId,
) -> Result<Option<SubscriptionView>, DbErr> {
    let Some(customer) = super::customers::get(db, reseller, customer_id).await? else {
        return Ok(None);
    };
    // All of the customer's subscriptions in one query: the holdings, and the one asked for.
    let rows = subscription::Entity::find()
        .filter(subscription::Column::CustomerId.eq(customer_id.as_str()))
        .all(db)
        .await?;
    let holdings = rows
        .iter()
        .map(|m| {
            Ok(Holding {
                subscription: SubscriptionId::parse(&m.id).map_err(corrupt)?,
                offer: m.offer_id.parse().map_err(corrupt)?,
                status: m.status.parse().map_err(corrupt)?,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    let Some(row) = rows
        .into_iter()
        .find(|m| m.id == id.as_str() && m.sold_by.as_deref() == Some(reseller.as_str()))
    else {
        return Ok(None);
    };
    Ok(Some(SubscriptionView {
        customer,
        subscription: from_row(row)?,
        holdings,
    }))
}

/// Why a change was not made. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError<E> {
    #[error("no such subscription")]
    NotFound,
    /// Rule 7: the subscription changed since the form was shown.
    #[error("the subscription changed since the form was shown")]
    Conflict,
    /// The domain refused the change.
    #[error("refused")]
    Refused(E),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Starts a change: locks the customer's holdings, then claims the subscription at the version
/// the form was shown with. Both are writes, so on SQLite the transaction holds the write lock
/// before it reads anything, and on PostgreSQL the rows are locked until commit; concurrent
/// changes wait, then see the claim fail.
async fn claim<E>(
    txn: &DatabaseTransaction,
    reseller: &ResellerId,
    customer_id: &CustomerId,
    id: &SubscriptionId,
    expected: Version,
) -> Result<SubscriptionView, ChangeError<E>> {
    customer::Entity::update_many()
        .col_expr(
            customer::Column::HoldingsVersion,
            Expr::col(customer::Column::HoldingsVersion).add(1),
        )
        .filter(customer::Column::Id.eq(customer_id.as_str()))
        .exec(txn)
        .await?;
    let claimed = subscription::Entity::update_many()
        .col_expr(subscription::Column::Version, Expr::val(expected.next().0))
        .filter(subscription::Column::Id.eq(id.as_str()))
        .filter(subscription::Column::CustomerId.eq(customer_id.as_str()))
        .filter(subscription::Column::SoldBy.eq(reseller.as_str()))
        .filter(subscription::Column::Version.eq(expected.0))
        .exec(txn)
        .await?
        .rows_affected;
    let view = view(txn, reseller, customer_id, id)
        .await?
        .ok_or(ChangeError::NotFound)?;
    if claimed == 0 {
        return Err(ChangeError::Conflict);
    }
    let mut view = view;
    // The claim proved the subscription was at `expected`; the rules judge that state.
    view.subscription.version = expected;
    Ok(view)
}

struct Snapshot {
    quantity: u32,
    assigned: u32,
    status: SubscriptionStatus,
}

impl From<&Subscription> for Snapshot {
    fn from(s: &Subscription) -> Self {
        Snapshot {
            quantity: s.quantity,
            assigned: s.assigned_licenses,
            status: s.status,
        }
    }
}

async fn record(
    txn: &DatabaseTransaction,
    who: &Account,
    subscription: &SubscriptionId,
    action: &str,
    before: Option<Snapshot>,
    after: Snapshot,
    upgrade_id: Option<i32>,
) -> Result<(), DbErr> {
    history::ActiveModel {
        subscription_id: Set(subscription.to_string()),
        reseller_id: Set(who.reseller.to_string()),
        user_email: Set(who.email.clone()),
        at: Set(Utc::now()),
        action: Set(action.to_owned()),
        before_quantity: Set(before.as_ref().map(|b| i64::from(b.quantity))),
        before_assigned: Set(before.as_ref().map(|b| i64::from(b.assigned))),
        before_status: Set(before.as_ref().map(|b| b.status.as_str().to_owned())),
        after_quantity: Set(i64::from(after.quantity)),
        after_assigned: Set(i64::from(after.assigned)),
        after_status: Set(after.status.as_str().to_owned()),
        upgrade_id: Set(upgrade_id),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Changes the number of licenses of a subscription, as `who`, from a form shown at `expected`.
pub async fn change_licenses(
    db: &Db,
    who: &Account,
    customer_id: &CustomerId,
    id: &SubscriptionId,
    expected: Version,
    new: LicenseCount,
) -> Result<Subscription, ChangeError<LicenseCountError>> {
    let txn = db.begin().await?;
    let view = claim(&txn, &who.reseller, customer_id, id, expected).await?;
    let before = view.subscription;
    let change = licenses::change(&before, new).map_err(ChangeError::Refused)?;
    subscription::Entity::update_many()
        .col_expr(
            subscription::Column::Quantity,
            Expr::val(i64::from(change.after.get())),
        )
        .filter(subscription::Column::Id.eq(id.as_str()))
        .exec(&txn)
        .await?;
    let after = Subscription {
        quantity: change.after.get(),
        version: expected.next(),
        ..before.clone()
    };
    record(
        &txn,
        who,
        id,
        "licenses",
        Some((&before).into()),
        (&after).into(),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Suspends or reactivates a subscription, as `who`, from a form shown at `expected`.
pub async fn change_status(
    db: &Db,
    who: &Account,
    customer_id: &CustomerId,
    id: &SubscriptionId,
    expected: Version,
    action: StatusAction,
) -> Result<Subscription, ChangeError<StatusChangeError>> {
    let txn = db.begin().await?;
    let view = claim(&txn, &who.reseller, customer_id, id, expected).await?;
    let before = view.subscription;
    let status = action.apply(before.status).map_err(ChangeError::Refused)?;
    subscription::Entity::update_many()
        .col_expr(subscription::Column::Status, Expr::val(status.as_str()))
        .filter(subscription::Column::Id.eq(id.as_str()))
        .exec(&txn)
        .await?;
    let after = Subscription {
        status,
        version: expected.next(),
        ..before.clone()
    };
    record(
        &txn,
        who,
        id,
        action.as_str(),
        Some((&before).into()),
        (&after).into(),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
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
    pub at: chrono::DateTime<Utc>,
}

/// Upgrades a subscription, as `who`, from a form shown at `expected`: re-checks eligibility on
/// what this transaction read, then writes the new subscription, the source's new state, the
/// upgrade record and both history records, or nothing.
pub async fn upgrade(
    db: &Db,
    who: &Account,
    customer_id: &CustomerId,
    id: &SubscriptionId,
    expected: Version,
    target: OfferId,
    quantity: LicenseCount,
) -> Result<UpgradeOutcome, ChangeError<Vec<Reason>>> {
    let txn = db.begin().await?;
    let view = match claim(&txn, &who.reseller, customer_id, id, expected).await {
        Err(ChangeError::Conflict) => {
            return Err(ChangeError::Refused(vec![Reason::ConcurrencyConflict]));
        }
        other => other?,
    };
    let eligibility = view.eligibility(&who.reseller);
    let source = &view.subscription;
    let plan: UpgradePlan = upgrade::plan(source, &eligibility, target, quantity, expected)
        .map_err(ChangeError::Refused)?;

    let now = Utc::now();
    let target_id = new_subscription_id()?;
    let (source_quantity, source_assigned) = plan.source_licenses(source);
    let source_status = plan.source_status();

    subscription::ActiveModel {
        id: Set(target_id.to_string()),
        customer_id: Set(customer_id.to_string()),
        offer_id: Set(target.as_str().to_owned()),
        friendly_name: Set(target.offer().name_en.to_owned()),
        quantity: Set(i64::from(quantity.get())),
        assigned_licenses: Set(i64::from(plan.moved_assigned)),
        status: Set(SubscriptionStatus::Active.as_str().to_owned()),
        sold_by: Set(Some(who.reseller.to_string())),
        billing_cycle: Set(source.billing_cycle.as_str().to_owned()),
        auto_renew: Set(source.auto_renew),
        created_on: Set(now.date_naive()),
        cancellation_reason: Set(None),
        upgraded_to: Set(None),
        upgraded_from: Set(Some(id.to_string())),
        version: Set(0),
    }
    .insert(&txn)
    .await?;

    let mut source_update = subscription::Entity::update_many()
        .col_expr(
            subscription::Column::Quantity,
            Expr::val(i64::from(source_quantity)),
        )
        .col_expr(
            subscription::Column::AssignedLicenses,
            Expr::val(i64::from(source_assigned)),
        )
        .col_expr(
            subscription::Column::Status,
            Expr::val(source_status.as_str()),
        );
    if source_status == SubscriptionStatus::Cancelled {
        source_update = source_update
            .col_expr(
                subscription::Column::CancellationReason,
                Expr::val("upgraded"),
            )
            .col_expr(
                subscription::Column::UpgradedTo,
                Expr::val(target_id.as_str()),
            );
    }
    source_update
        .filter(subscription::Column::Id.eq(id.as_str()))
        .exec(&txn)
        .await?;

    let row = upgrade_row::ActiveModel {
        reseller_id: Set(who.reseller.to_string()),
        customer_id: Set(customer_id.to_string()),
        source_id: Set(id.to_string()),
        target_id: Set(target_id.to_string()),
        source_offer: Set(source.offer.as_str().to_owned()),
        target_offer: Set(target.as_str().to_owned()),
        quantity: Set(i64::from(quantity.get())),
        moved_assigned: Set(i64::from(plan.moved_assigned)),
        source_status: Set(source_status.as_str().to_owned()),
        source_quantity: Set(i64::from(source_quantity)),
        source_assigned: Set(i64::from(source_assigned)),
        user_email: Set(who.email.clone()),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;

    let source_after = Snapshot {
        quantity: source_quantity,
        assigned: source_assigned,
        status: source_status,
    };
    record(
        &txn,
        who,
        id,
        "upgrade_from",
        Some(source.into()),
        source_after,
        Some(row.id),
    )
    .await?;
    let target_after = Snapshot {
        quantity: quantity.get(),
        assigned: plan.moved_assigned,
        status: SubscriptionStatus::Active,
    };
    record(
        &txn,
        who,
        &target_id,
        "upgrade_to",
        None,
        target_after,
        Some(row.id),
    )
    .await?;
    txn.commit().await?;
    Ok(outcome_from_row(row)?)
}

/// A new subscription id, in the shape Partner Center uses (a GUID).
fn new_subscription_id() -> Result<SubscriptionId, DbErr> {
    SubscriptionId::parse(&uuid::Uuid::new_v4().to_string()).map_err(corrupt)
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

/// An upgrade `reseller` made for the customer, for the result page.
pub async fn upgrade_outcome(
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
