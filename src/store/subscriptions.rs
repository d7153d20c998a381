//! The changes a reseller makes to a subscription (licenses, status, an edit, an upgrade), each
//! in one transaction guarded by the subscription's version.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

use super::activity::{self, Action, Change, State};
use super::changes::{
    self, Answer, Begun, ChangeError, Reserve, Submission, Writes, begin, finish,
};
use super::upgrades::{UpgradeOutcome, record_of};
use super::{Db, DbErr};
use crate::domain::billing::china_date;
use crate::domain::edit::{EditError, Step};
use crate::domain::eligibility::Reason;
use crate::domain::licenses::{self, LicenseCountError};
use crate::domain::status::StatusChangeError;
use crate::domain::upgrade::{self, UpgradePlan};
use crate::domain::{
    Edit, FriendlyName, LicenseCount, OfferId, StatusAction, Subscription, SubscriptionId,
    SubscriptionStatus,
};
use crate::entities::{subscription, upgrade as upgrade_row};

fn corrupt(what: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("unexpected value in the database: {what}"))
}

/// Changes the number of licenses. Returns the answer `answer` gives for the changed
/// subscription, or the first answer to the same request.
async fn licenses_once(
    db: &Db,
    sub: &Submission<'_>,
    new: LicenseCount,
    answer: impl FnOnce(&Subscription) -> Answer,
) -> Result<Answer, ChangeError<LicenseCountError>> {
    let claimed = match begin(db, sub, Reserve::Nothing).await? {
        Begun::Claimed(c) => *c,
        Begun::Replayed(answer) => return Ok(answer),
    };
    let before = &claimed.view.subscription;
    let change = match licenses::change(before, new) {
        Ok(change) => change,
        Err(refusal) => return claimed.refuse(refusal).await,
    };
    let after = Subscription {
        quantity: change.after.get(),
        version: claimed.next_version(),
        ..before.clone()
    };
    let answer = answer(&after);
    let mut writes = claimed.writes();
    write_state(&mut writes, before, &[(after, Action::Licenses)], sub);
    finish(claimed, sub, writes, answer).await
}

/// Suspends or reactivates a subscription. Returns the answer, as [`licenses_once`] does.
async fn status_once(
    db: &Db,
    sub: &Submission<'_>,
    action: StatusAction,
    answer: impl FnOnce(&Subscription) -> Answer,
) -> Result<Answer, ChangeError<StatusChangeError>> {
    let claimed = match begin(db, sub, Reserve::Nothing).await? {
        Begun::Claimed(c) => *c,
        Begun::Replayed(answer) => return Ok(answer),
    };
    let before = &claimed.view.subscription;
    let status = match action.apply(before.status) {
        Ok(status) => status,
        Err(refusal) => return claimed.refuse(refusal).await,
    };
    let after = Subscription {
        status,
        version: claimed.next_version(),
        ..before.clone()
    };
    let answer = answer(&after);
    let mut writes = claimed.writes();
    write_state(&mut writes, before, &[(after, status_action(action))], sub);
    finish(claimed, sub, writes, answer).await
}

fn status_action(action: StatusAction) -> Action {
    match action {
        StatusAction::Suspend => Action::Suspend,
        StatusAction::Reactivate => Action::Reactivate,
    }
}

/// Edits a subscription as Partner Center's `PATCH` does: every field that differs from the
/// subscription as it is, in one transaction, each change in the activity log. An edit that
/// changes nothing writes nothing (but is still refused when the client's version is stale).
/// Returns the answer `answer` gives for the subscription after the edit.
async fn edit_once(
    db: &Db,
    sub: &Submission<'_>,
    edit: &Edit,
    answer: impl FnOnce(&Subscription) -> Answer,
) -> Result<Answer, ChangeError<EditError>> {
    let claimed = match begin(db, sub, Reserve::Nothing).await? {
        Begun::Claimed(c) => *c,
        Begun::Replayed(answer) => return Ok(answer),
    };
    let before = &claimed.view.subscription;
    let steps = match crate::domain::edit::plan(before, edit) {
        Ok(steps) => steps,
        Err(refusal) => return claimed.refuse(refusal).await,
    };
    if steps.is_empty() {
        // Nothing to change: leave the version (and the etag) as it was.
        let answer = answer(before);
        claimed.undo().await?;
        return Ok(answer);
    }
    // Each change of the edit is a version of its own, as it is a record of the log of its own.
    let mut version = before.version;
    let changes: Vec<(Subscription, Action)> = steps
        .iter()
        .map(|applied| {
            version = version.next();
            let action = match &applied.step {
                Step::Status(action) => status_action(*action),
                Step::Licenses(_) => Action::Licenses,
                Step::Rename(_) => Action::Rename,
            };
            (
                Subscription {
                    version,
                    ..applied.after.clone()
                },
                action,
            )
        })
        .collect();
    let mut writes = claimed.writes();
    write_state(&mut writes, before, &changes, sub);
    let answer = answer(changes.last().map_or(before, |(after, _)| after));
    finish(claimed, sub, writes, answer).await
}

/// Writes a subscription's new licenses, status and name as the last of `changes` leaves them
/// (a row is written once: PostgreSQL runs the writes as one statement), and records each
/// change, made one after the other from `before`.
fn write_state(
    writes: &mut Writes,
    before: &Subscription,
    changes: &[(Subscription, Action)],
    sub: &Submission<'_>,
) {
    let Some((last, _)) = changes.last() else {
        return;
    };
    let backend = writes.backend();
    writes.push(
        subscription::Entity::update_many()
            .col_expr(
                subscription::Column::Quantity,
                Expr::val(i64::from(last.quantity)),
            )
            .col_expr(
                subscription::Column::Status,
                Expr::val(last.status.as_str()),
            )
            .col_expr(
                subscription::Column::FriendlyName,
                Expr::val(last.friendly_name.as_str()),
            )
            .col_expr(subscription::Column::Version, Expr::val(last.version.0))
            .filter(subscription::Column::Id.eq(sub.subscription.as_str()))
            .build(backend),
    );
    let befores = std::iter::once(before).chain(changes.iter().map(|(after, _)| after));
    writes.push(activity::changes_recorded(
        backend,
        sub.who,
        befores.zip(changes).map(|(before, (after, action))| {
            let renamed = before.friendly_name != after.friendly_name;
            Change {
                customer: sub.customer,
                subscription: sub.subscription,
                action: *action,
                before: Some(before.into()),
                after: after.into(),
                upgrade_id: None,
                via: sub.via,
                names: renamed
                    .then_some((before.friendly_name.as_str(), after.friendly_name.as_str())),
                at: sub.at,
            }
        }),
    ));
}

/// An upgrade as the client orders it: the target offer, the licenses, and the new
/// subscription's friendly name (in the language of the person ordering).
#[derive(Debug, Clone)]
pub struct UpgradeOrder {
    pub target: OfferId,
    pub quantity: LicenseCount,
    pub friendly_name: FriendlyName,
}

/// Upgrades a subscription: re-checks eligibility on what this transaction read, then writes the
/// new subscription, the source's new state, the upgrade record and both activity records, or
/// nothing. Returns what to show, as [`licenses_once`] does.
async fn upgrade_once(
    db: &Db,
    sub: &Submission<'_>,
    order: &UpgradeOrder,
    answer: impl FnOnce(&UpgradeOutcome) -> Answer,
) -> Result<Answer, ChangeError<Vec<Reason>>> {
    let UpgradeOrder {
        target,
        quantity,
        friendly_name,
    } = order;
    let (target, quantity) = (*target, *quantity);
    let who = sub.who;
    let claimed = match begin(db, sub, Reserve::UpgradeId).await {
        Ok(Begun::Claimed(c)) => *c,
        Ok(Begun::Replayed(answer)) => return Ok(answer),
        Err(ChangeError::Conflict) => {
            return Err(ChangeError::Refused(vec![Reason::ConcurrencyConflict]));
        }
        Err(e) => return Err(e),
    };
    let eligibility = claimed.view.eligibility(&who.reseller);
    let source = &claimed.view.subscription;
    let plan: UpgradePlan =
        match upgrade::plan(source, &eligibility, target, quantity, source.version) {
            Ok(plan) => plan,
            Err(reasons) => return claimed.refuse(reasons).await,
        };

    let now = sub.at;
    let target_id = new_subscription_id()?;
    let (source_quantity, source_assigned) = plan.source_licenses(source);
    let source_status = plan.source_status();
    let mut writes = claimed.writes();
    let backend = writes.backend();

    writes.push(
        subscription::Entity::insert(subscription::ActiveModel {
            id: Set(target_id.to_string()),
            customer_id: Set(sub.customer.to_string()),
            offer_id: Set(target.as_str().to_owned()),
            friendly_name: Set(friendly_name.as_str().to_owned()),
            quantity: Set(i64::from(quantity.get())),
            assigned_licenses: Set(i64::from(plan.moved_assigned)),
            status: Set(SubscriptionStatus::Active.as_str().to_owned()),
            sold_by: Set(Some(who.reseller.to_string())),
            billing_cycle: Set(source.billing_cycle.as_str().to_owned()),
            auto_renew: Set(source.auto_renew),
            created_on: Set(china_date(now)),
            cancellation_reason: Set(None),
            upgraded_to: Set(None),
            upgraded_from: Set(Some(sub.subscription.to_string())),
            version: Set(0),
        })
        .build(backend),
    );

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
    writes.push(
        source_update
            .filter(subscription::Column::Id.eq(sub.subscription.as_str()))
            .build(backend),
    );

    // The upgrade's record, under the id the claim reserved: the activity records and the
    // answer name it, and go with the rest of the change's writes.
    let id = claimed
        .upgrade_id
        .ok_or_else(|| DbErr::Custom("the upgrade's claim reserved no id".into()))?;
    let outcome = UpgradeOutcome {
        id,
        customer: sub.customer.clone(),
        source: sub.subscription.clone(),
        target: target_id,
        source_offer: source.offer,
        target_offer: target,
        quantity: quantity.get(),
        moved_assigned: plan.moved_assigned,
        source_status,
        source_quantity,
        source_assigned,
        by: who.email.clone(),
        at: now,
    };
    writes.push(upgrade_row::Entity::insert(record_of(&who.reseller, &outcome)).build(backend));
    // Both records in one statement.
    writes.push(activity::changes_recorded(
        backend,
        who,
        [
            Change {
                customer: sub.customer,
                subscription: sub.subscription,
                action: Action::UpgradeFrom,
                before: Some(source.into()),
                after: State {
                    quantity: source_quantity,
                    assigned: source_assigned,
                    status: source_status,
                },
                upgrade_id: Some(id),
                via: sub.via,
                names: None,
                at: now,
            },
            Change {
                customer: sub.customer,
                subscription: &outcome.target,
                action: Action::UpgradeTo,
                before: None,
                after: State {
                    quantity: quantity.get(),
                    assigned: plan.moved_assigned,
                    status: SubscriptionStatus::Active,
                },
                upgrade_id: Some(id),
                via: sub.via,
                names: None,
                at: now,
            },
        ],
    ));
    let answer = answer(&outcome);
    finish(claimed, sub, writes, answer).await
}

/// Changes the number of licenses. Returns the answer `answer` gives for the changed
/// subscription, or the first answer to the same request.
#[tracing::instrument(skip_all, fields(reseller = %sub.who.reseller, customer = %sub.customer, subscription = %sub.subscription))]
pub async fn change_licenses(
    db: &Db,
    sub: &Submission<'_>,
    new: LicenseCount,
    answer: impl FnOnce(&Subscription) -> Answer,
) -> Result<Answer, ChangeError<LicenseCountError>> {
    let result = licenses_once(db, sub, new, answer).await;
    changes::count("licenses", &result);
    result
}

/// Suspends or reactivates a subscription. Returns the answer, as [`change_licenses`] does.
#[tracing::instrument(skip_all, fields(reseller = %sub.who.reseller, customer = %sub.customer, subscription = %sub.subscription))]
pub async fn change_status(
    db: &Db,
    sub: &Submission<'_>,
    action: StatusAction,
    answer: impl FnOnce(&Subscription) -> Answer,
) -> Result<Answer, ChangeError<StatusChangeError>> {
    let result = status_once(db, sub, action, answer).await;
    changes::count("status", &result);
    result
}

/// Edits a subscription as Partner Center's `PATCH` does (see [`edit_once`]).
#[tracing::instrument(skip_all, fields(reseller = %sub.who.reseller, customer = %sub.customer, subscription = %sub.subscription))]
pub async fn edit(
    db: &Db,
    sub: &Submission<'_>,
    edit: &Edit,
    answer: impl FnOnce(&Subscription) -> Answer,
) -> Result<Answer, ChangeError<EditError>> {
    let result = edit_once(db, sub, edit, answer).await;
    changes::count("edit", &result);
    result
}

/// Upgrades a subscription (see [`upgrade_once`]).
#[tracing::instrument(skip_all, fields(reseller = %sub.who.reseller, customer = %sub.customer, subscription = %sub.subscription))]
pub async fn upgrade(
    db: &Db,
    sub: &Submission<'_>,
    order: &UpgradeOrder,
    answer: impl FnOnce(&UpgradeOutcome) -> Answer,
) -> Result<Answer, ChangeError<Vec<Reason>>> {
    let result = upgrade_once(db, sub, order, answer).await;
    changes::count("upgrade", &result);
    result
}

/// A new subscription id, in the shape Partner Center uses (a GUID).
fn new_subscription_id() -> Result<SubscriptionId, DbErr> {
    SubscriptionId::parse(&uuid::Uuid::new_v4().to_string()).map_err(corrupt)
}
