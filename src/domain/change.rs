//! The changes a reseller makes, as one list, whatever door they come through: a page's form, a
//! `/v1` call, a row of a bulk change job. Each door turns its input into a [`Change`]; [`plan`]
//! judges it by its rule against the subscription as it is, and works out what it does (a
//! [`Plan`]); a page's review shows the plan, and the store writes it. Every name a kind of change
//! has (its activity records, its metrics label, a bulk file's action) comes from [`Kind`].
//!
//! A new kind of change is a variant of [`Change`] and of [`Kind`], and its rule in [`plan`]
//! (docs/ARCHITECTURE.md, "Adding a kind of change").

use std::fmt;

use super::billing::Planned;
use super::edit::{Edit, FriendlyName};
use super::eligibility::Reason;
use super::licenses::{self, LicenseCount, LicenseCountError};
use super::status::{StatusAction, StatusChangeError};
use super::upgrade;
use super::{
    BillingCycle, OfferId, ResellerId, Subscription, SubscriptionStatus, SubscriptionView,
};

/// A change a reseller asks of a subscription, parsed at the door it came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Set the number of licenses.
    Licenses(LicenseCount),
    Suspend,
    Reactivate,
    /// Give the subscription another friendly name.
    Rename(FriendlyName),
    /// Upgrade it to a bigger offer (DOMAIN.md's upgrade semantics).
    Upgrade(Upgrade),
    /// Several of the above at once, as Partner Center's `PATCH` asks: the fields that differ
    /// from the subscription as it is, each by its own rule (see [`Edit`]).
    Edit(Edit),
}

/// An upgrade as it is asked: the target offer, the new subscription's licenses, and its name
/// (the offer's, in the language of the person who asks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgrade {
    pub target: OfferId,
    pub quantity: LicenseCount,
    pub name: FriendlyName,
}

impl Upgrade {
    /// The upgrade as text fields, as a request held for approval keeps it (issue 32).
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("target", self.target.as_str().to_owned()),
            ("quantity", self.quantity.get().to_string()),
            ("name", self.name.as_str().to_owned()),
        ]
    }

    /// Reads [`Upgrade::fields`] back (licenses within the target's range); `None` when a field
    /// no longer reads.
    pub fn from_fields(fields: &[(String, String)]) -> Option<Upgrade> {
        let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let target: OfferId = field("target")?.parse().ok()?;
        Some(Upgrade {
            target,
            quantity: LicenseCount::parse(field("quantity")?, target.offer().licenses).ok()?,
            name: FriendlyName::parse(field("name")?).ok()?,
        })
    }
}

/// The kinds of change, each named once: the activity log's records, the change counter's label,
/// a bulk file's `Action` column and the words of the pages derive their names from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Licenses,
    Suspend,
    Reactivate,
    Rename,
    Upgrade,
    /// A new subscription, bought by an order (`domain::order`): a kind that only creates.
    Purchase,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Licenses,
        Kind::Suspend,
        Kind::Reactivate,
        Kind::Rename,
        Kind::Upgrade,
        Kind::Purchase,
    ];

    /// The kind's name: in files, in the database, in `/metrics`, in message keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Licenses => "licenses",
            Kind::Suspend => "suspend",
            Kind::Reactivate => "reactivate",
            Kind::Rename => "rename",
            Kind::Upgrade => "upgrade",
            Kind::Purchase => "purchase",
        }
    }

    /// A kind by its name, in any letter case.
    pub fn parse(raw: &str) -> Option<Kind> {
        let raw = raw.trim();
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(raw))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Change {
    /// The change's kind; `None` for an edit, which is as many kinds as the fields it changes.
    pub fn kind(&self) -> Option<Kind> {
        Some(match self {
            Change::Licenses(_) => Kind::Licenses,
            Change::Suspend => Kind::Suspend,
            Change::Reactivate => Kind::Reactivate,
            Change::Rename(_) => Kind::Rename,
            Change::Upgrade(_) => Kind::Upgrade,
            Change::Edit(_) => return None,
        })
    }

    /// The change's name where one name stands for it (the change counter's label): its kind's,
    /// or `edit`.
    pub fn name(&self) -> &'static str {
        self.kind().map_or("edit", Kind::as_str)
    }

    /// Whether the change creates a subscription (the store reserves the id of the record that
    /// says how when it claims the subscription).
    pub fn creates(&self) -> bool {
        matches!(self, Change::Upgrade(_))
    }

    /// What billing prices, for the change made to a subscription holding `quantity` licenses
    /// in `status`: the review's figures (a job's review adds them up without reading each
    /// subscription whole).
    pub fn billed(&self, quantity: u32, status: SubscriptionStatus) -> Planned {
        match self {
            Change::Licenses(n) => Planned::State(n.get(), status),
            Change::Suspend => Planned::State(quantity, SubscriptionStatus::Suspended),
            Change::Reactivate => Planned::State(quantity, SubscriptionStatus::Active),
            Change::Rename(_) => Planned::State(quantity, status),
            Change::Edit(edit) => Planned::State(
                edit.quantity.map_or(quantity, LicenseCount::get),
                edit.status.unwrap_or(status),
            ),
            Change::Upgrade(u) => {
                let source_after = match upgrade::source_after(quantity, 0, u.quantity) {
                    upgrade::SourceAfter::Cancelled => (quantity, SubscriptionStatus::Cancelled),
                    upgrade::SourceAfter::Keeps { quantity, .. } => {
                        (quantity, SubscriptionStatus::Active)
                    }
                };
                Planned::Upgrade {
                    source_after,
                    target: u.target,
                    quantity: u.quantity.get(),
                }
            }
        }
    }
}

/// The event Partner Center's webhooks name a change of a subscription with (`EventName`): every
/// change announces each subscription it touched, the one it creates included.
pub const SUBSCRIPTION_UPDATED: &str = "subscription-updated";

/// Why a change was refused by its rule. Nothing of it is made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Licenses(LicenseCountError),
    #[error(transparent)]
    Status(StatusChangeError),
    /// The upgrade's eligibility rules: every one that fails, in rule order.
    #[error("the upgrade is not eligible")]
    Ineligible(Vec<Reason>),
    /// A cancelled subscription changes no more (its name neither).
    #[error("the subscription is cancelled")]
    Cancelled,
    /// An edit asked to cancel: a subscription is cancelled by an upgrade, not by an edit.
    #[error("a subscription can't be cancelled here")]
    CannotCancel,
}

/// One step of a change: its kind, and the subscription after it. Each step is a record of the
/// activity log and a version of the subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: Kind,
    pub after: Subscription,
}

/// A subscription a change creates (an upgrade's target), before the store gives it its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    /// The kind of change that creates it (its activity record's).
    pub kind: Kind,
    pub offer: OfferId,
    pub friendly_name: FriendlyName,
    pub quantity: u32,
    /// Assigned licenses moved to it.
    pub assigned: u32,
    pub billing_cycle: BillingCycle,
    pub auto_renew: bool,
}

/// What a change does, worked out by its rule from the subscription as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The subscription as the change found it.
    pub before: Subscription,
    /// The subscription after each step, in order; none when the change asks for the
    /// subscription as it is (an edit of no field that differs).
    pub steps: Vec<Step>,
    /// The subscription the change creates, if it creates one.
    pub created: Option<NewSubscription>,
}

impl Plan {
    /// The subscription after the change (as it was, for a change of nothing).
    pub fn after(&self) -> &Subscription {
        self.steps.last().map_or(&self.before, |s| &s.after)
    }

    /// Whether the change changes nothing.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && self.created.is_none()
    }

    /// The next step: `kind`, turning the subscription after the last step into `after`, one
    /// version on.
    fn then(&mut self, kind: Kind, change: impl FnOnce(&mut Subscription)) {
        let mut after = self.after().clone();
        change(&mut after);
        after.version = after.version.next();
        self.steps.push(Step { kind, after });
    }
}

/// Judges `change` by its rule against the subscription as `view` reads it, for `reseller`, and
/// works out what it does; or why it can't be made. The page's review, the API and every row of
/// a bulk job ask this, and the store asks it again inside the transaction that makes the change.
pub fn plan(
    view: &SubscriptionView,
    change: &Change,
    reseller: &ResellerId,
) -> Result<Plan, Refusal> {
    let mut plan = Plan {
        before: view.subscription.clone(),
        steps: Vec::new(),
        created: None,
    };
    match change {
        Change::Edit(edit) => {
            for change in edit_changes(edit, &view.subscription)? {
                step(&mut plan, view, &change, reseller)?;
            }
        }
        change => step(&mut plan, view, change, reseller)?,
    }
    Ok(plan)
}

/// The rule of each kind of change, applied to the subscription as the plan leaves it so far.
fn step(
    plan: &mut Plan,
    view: &SubscriptionView,
    change: &Change,
    reseller: &ResellerId,
) -> Result<(), Refusal> {
    let current = plan.after();
    match change {
        Change::Licenses(n) => {
            let n = licenses::change(current, *n)
                .map_err(Refusal::Licenses)?
                .after;
            plan.then(Kind::Licenses, |s| s.quantity = n.get());
        }
        Change::Suspend => status(plan, StatusAction::Suspend, Kind::Suspend)?,
        Change::Reactivate => status(plan, StatusAction::Reactivate, Kind::Reactivate)?,
        Change::Rename(name) => {
            if current.status == SubscriptionStatus::Cancelled {
                return Err(Refusal::Cancelled);
            }
            if name.as_str() != current.friendly_name {
                plan.then(Kind::Rename, |s| s.friendly_name = name.as_str().to_owned());
            }
        }
        Change::Upgrade(u) => {
            view.eligibility(reseller)
                .check(u.target)
                .map_err(Refusal::Ineligible)?;
            let moved = current.assigned_licenses.min(u.quantity.get());
            let after =
                upgrade::source_after(current.quantity, current.assigned_licenses, u.quantity);
            let (billing_cycle, auto_renew) = (current.billing_cycle, current.auto_renew);
            plan.then(Kind::Upgrade, |s| match after {
                upgrade::SourceAfter::Cancelled => {
                    s.assigned_licenses = 0;
                    s.status = SubscriptionStatus::Cancelled;
                }
                upgrade::SourceAfter::Keeps { quantity, assigned } => {
                    s.quantity = quantity;
                    s.assigned_licenses = assigned;
                }
            });
            plan.created = Some(NewSubscription {
                kind: Kind::Upgrade,
                offer: u.target,
                friendly_name: u.name.clone(),
                quantity: u.quantity.get(),
                assigned: moved,
                billing_cycle,
                auto_renew,
            });
        }
        // An edit's fields are changes of the kinds above; it holds no edit.
        Change::Edit(_) => {}
    }
    Ok(())
}

/// The changes that turn `before` into the subscription `edit` asks for, in order; none when it
/// asks for the subscription as it is. A cancelled subscription changes no more, and an edit
/// does not cancel one (an upgrade does). Each is then judged by its own rule, as when a page
/// makes it alone: a reactivation before a license change, a suspension after it.
pub fn edit_changes(edit: &Edit, before: &Subscription) -> Result<Vec<Change>, Refusal> {
    let status = edit.status.filter(|s| *s != before.status);
    let quantity = edit.quantity.filter(|q| q.get() != before.quantity);
    let name = edit
        .friendly_name
        .as_ref()
        .filter(|n| n.as_str() != before.friendly_name);
    if status.is_none() && quantity.is_none() && name.is_none() {
        return Ok(Vec::new());
    }
    if before.status == SubscriptionStatus::Cancelled {
        return Err(Refusal::Cancelled);
    }
    let mut changes = Vec::new();
    match status {
        Some(SubscriptionStatus::Cancelled) => return Err(Refusal::CannotCancel),
        Some(SubscriptionStatus::Active) => changes.push(Change::Reactivate),
        _ => {}
    }
    changes.extend(quantity.map(Change::Licenses));
    if status == Some(SubscriptionStatus::Suspended) {
        changes.push(Change::Suspend);
    }
    changes.extend(name.cloned().map(Change::Rename));
    Ok(changes)
}

/// A suspension or a reactivation: the status rule's.
fn status(plan: &mut Plan, action: StatusAction, kind: Kind) -> Result<(), Refusal> {
    let status = action.apply(plan.after().status).map_err(Refusal::Status)?;
    plan.then(kind, |s| s.status = status);
    Ok(())
}

/// The door a change came through, as the activity log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A page of the portal.
    Page,
    /// The `/v1` API, with this token, in the request with this `MS-CorrelationId` (the
    /// client's, or the one made up for it and sent back).
    Token(i32, Option<uuid::Uuid>),
    /// A row of this bulk change job.
    Job(i32),
}

impl Via {
    /// The door's name, as the events outbox records it.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Page => "page",
            Via::Token(..) => "api",
            Via::Job(_) => "job",
        }
    }

    /// The API request's `MS-CorrelationId`, kept on the change's activity records.
    pub fn correlation(self) -> Option<uuid::Uuid> {
        match self {
            Via::Token(_, correlation) => correlation,
            _ => None,
        }
    }

    pub fn token(self) -> Option<i32> {
        match self {
            Via::Token(id, _) => Some(id),
            _ => None,
        }
    }

    pub fn job(self) -> Option<i32> {
        match self {
            Via::Job(id) => Some(id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{holding, subscription, view};
    use crate::domain::{OfferId, Version};

    fn contoso() -> ResellerId {
        ResellerId::parse("contoso").unwrap()
    }

    fn count(n: u32, offer: OfferId) -> LicenseCount {
        LicenseCount::parse(&n.to_string(), offer.offer().licenses).unwrap()
    }

    fn kinds(plan: &Plan) -> Vec<Kind> {
        plan.steps.iter().map(|s| s.kind).collect()
    }

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
            assert_eq!(Kind::parse(&kind.as_str().to_uppercase()), Some(kind));
        }
        assert_eq!(Kind::parse("renew"), None);
    }

    #[test]
    fn a_license_change_is_one_step_one_version_on() {
        let v = view(subscription("s-1", OfferId::O365E3, 10, 4));
        let plan = plan(
            &v,
            &Change::Licenses(count(12, OfferId::O365E3)),
            &contoso(),
        )
        .unwrap();
        assert_eq!(kinds(&plan), [Kind::Licenses]);
        assert_eq!(plan.after().quantity, 12);
        assert_eq!(plan.after().version, Version(1));
        assert_eq!(plan.created, None);
    }

    #[test]
    fn each_kind_keeps_its_rule() {
        let v = view(subscription("s-1", OfferId::O365E3, 10, 4));
        let r = contoso();
        assert_eq!(
            plan(&v, &Change::Licenses(count(10, OfferId::O365E3)), &r),
            Err(Refusal::Licenses(LicenseCountError::Unchanged(10)))
        );
        assert_eq!(
            plan(&v, &Change::Reactivate, &r),
            Err(Refusal::Status(StatusChangeError::AlreadyActive))
        );
        let suspended = plan(&v, &Change::Suspend, &r).unwrap();
        assert_eq!(kinds(&suspended), [Kind::Suspend]);
        assert_eq!(suspended.after().status, SubscriptionStatus::Suspended);
        let mut cancelled = subscription("s-1", OfferId::O365E3, 10, 4);
        cancelled.status = SubscriptionStatus::Cancelled;
        let name = FriendlyName::parse("销售部").unwrap();
        assert_eq!(
            plan(&view(cancelled), &Change::Rename(name), &r),
            Err(Refusal::Cancelled)
        );
    }

    #[test]
    fn an_upgrade_changes_the_source_and_creates_the_target() {
        let source = subscription("s-1", OfferId::O365BusinessEssentials, 25, 20);
        let upgrade = Change::Upgrade(Upgrade {
            target: OfferId::O365E1,
            quantity: count(10, OfferId::O365E1),
            name: FriendlyName::parse("Office 365 E1").unwrap(),
        });
        let plan = plan(&view(source), &upgrade, &contoso()).unwrap();
        assert_eq!(kinds(&plan), [Kind::Upgrade]);
        let after = plan.after();
        assert_eq!((after.quantity, after.assigned_licenses), (15, 10));
        assert_eq!(after.status, SubscriptionStatus::Active);
        let created = plan.created.as_ref().unwrap();
        assert_eq!(
            (created.offer, created.quantity, created.assigned),
            (OfferId::O365E1, 10, 10)
        );
        assert_eq!(
            upgrade.billed(25, SubscriptionStatus::Active),
            Planned::Upgrade {
                source_after: (15, SubscriptionStatus::Active),
                target: OfferId::O365E1,
                quantity: 10
            }
        );
    }

    #[test]
    fn an_ineligible_upgrade_is_refused_with_every_reason() {
        let source = subscription("s-1", OfferId::O365BusinessEssentials, 25, 20);
        let e1 = subscription("s-2", OfferId::O365E1, 3, 3);
        let mut v = view(source);
        v.holdings.push(holding(&e1));
        let upgrade = Change::Upgrade(Upgrade {
            target: OfferId::O365E1,
            quantity: count(10, OfferId::O365E1),
            name: FriendlyName::parse("Office 365 E1").unwrap(),
        });
        assert_eq!(
            plan(&v, &upgrade, &contoso()),
            Err(Refusal::Ineligible(vec![Reason::TargetOfferAlreadyOwned {
                elsewhere: false
            }]))
        );
    }

    #[test]
    fn an_edit_is_its_fields_changes_in_order() {
        let mut s = subscription("s-1", OfferId::O365E3, 10, 4);
        s.status = SubscriptionStatus::Suspended;
        let edit = Change::Edit(Edit {
            status: Some(SubscriptionStatus::Active),
            quantity: Some(count(12, OfferId::O365E3)),
            friendly_name: Some(FriendlyName::parse("Sales").unwrap()),
        });
        let plan = plan(&view(s), &edit, &contoso()).unwrap();
        assert_eq!(
            kinds(&plan),
            [Kind::Reactivate, Kind::Licenses, Kind::Rename]
        );
        assert_eq!(plan.after().version, Version(3));
        assert_eq!(plan.after().friendly_name, "Sales");
    }
}

#[cfg(test)]
mod edit_tests {
    use super::*;
    use crate::domain::licenses::LicenseCountError;
    use crate::domain::test_support::subscription;
    use crate::domain::{OfferId, Subscription};
    use SubscriptionStatus::*;

    fn count(n: u32) -> LicenseCount {
        LicenseCount::parse(&n.to_string(), OfferId::O365E3.offer().licenses).unwrap()
    }

    fn with_status(status: SubscriptionStatus) -> Subscription {
        Subscription {
            status,
            ..subscription("s-1", OfferId::O365E3, 10, 4)
        }
    }

    #[test]
    fn the_subscription_as_it_is_changes_nothing() {
        let s = with_status(Active);
        let edit = Edit {
            status: Some(Active),
            quantity: Some(count(10)),
            friendly_name: Some(FriendlyName::parse(&s.friendly_name).unwrap()),
        };
        assert_eq!(edit_changes(&edit, &s), Ok(vec![]));
        assert_eq!(
            edit_changes(&Edit::default(), &with_status(Cancelled)),
            Ok(vec![])
        );
    }

    #[test]
    fn a_reactivation_comes_before_a_license_change() {
        let edit = Edit {
            status: Some(Active),
            quantity: Some(count(12)),
            ..Edit::default()
        };
        assert_eq!(
            edit_changes(&edit, &with_status(Suspended)),
            Ok(vec![Change::Reactivate, Change::Licenses(count(12))])
        );
    }

    #[test]
    fn a_suspension_comes_after_a_license_change() {
        let edit = Edit {
            status: Some(Suspended),
            quantity: Some(count(12)),
            ..Edit::default()
        };
        assert_eq!(
            edit_changes(&edit, &with_status(Active)),
            Ok(vec![Change::Licenses(count(12)), Change::Suspend])
        );
    }

    #[test]
    fn licenses_of_a_suspended_subscription_stay() {
        let edit = Change::Edit(Edit {
            quantity: Some(count(12)),
            ..Edit::default()
        });
        let view = crate::domain::test_support::view(with_status(Suspended));
        let contoso = crate::domain::ResellerId::parse("contoso").unwrap();
        assert_eq!(
            plan(&view, &edit, &contoso),
            Err(Refusal::Licenses(LicenseCountError::NotActive))
        );
    }

    #[test]
    fn a_cancelled_subscription_changes_no_more() {
        let edit = Edit {
            friendly_name: Some(FriendlyName::parse("New name").unwrap()),
            ..Edit::default()
        };
        assert_eq!(
            edit_changes(&edit, &with_status(Cancelled)),
            Err(Refusal::Cancelled)
        );
    }

    #[test]
    fn an_edit_does_not_cancel() {
        let edit = Edit {
            status: Some(Cancelled),
            ..Edit::default()
        };
        assert_eq!(
            edit_changes(&edit, &with_status(Active)),
            Err(Refusal::CannotCancel)
        );
    }

    #[test]
    fn a_rename_renames() {
        let edit = Edit {
            friendly_name: Some(FriendlyName::parse("  销售部  ").unwrap()),
            ..Edit::default()
        };
        assert_eq!(
            edit_changes(&edit, &with_status(Suspended)),
            Ok(vec![Change::Rename(FriendlyName::parse("销售部").unwrap())])
        );
    }
}
