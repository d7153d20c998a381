//! Eligibility reasons in words: what failed, rule by rule, and how to fix it.

use super::middleware::i18n::Locale;
use crate::domain::change::Refusal;
use crate::domain::eligibility::{Eligibility, Reason, Target};
use crate::domain::{CustomerId, FriendlyName, LicenseCountError, OfferId, SubscriptionStatus};

/// One failing rule as a page shows it.
#[derive(Debug, Clone)]
pub struct ReasonView {
    pub rule: u8,
    pub code: &'static str,
    pub text: String,
    pub fix: String,
    /// A link that carries out the fix, with its label.
    pub action: Option<(String, String)>,
}

/// One target of the upgrade paths as a page shows it.
#[derive(Debug, Clone)]
pub struct TargetView {
    pub offer: OfferId,
    pub name: &'static str,
    pub eligible: bool,
    /// The target's services that the source lacks, named.
    pub additional: String,
    pub max_licenses: u32,
    /// Failures specific to this target (those shared by every target are said once).
    pub reasons: Vec<ReasonView>,
}

fn status_name(l: Locale, s: SubscriptionStatus) -> String {
    l.status(s)
}

/// The words for one failing rule.
pub fn reason(l: Locale, r: &Reason, customer: &CustomerId, target: Option<OfferId>) -> ReasonView {
    let target_name = target.map(|t| l.offer(t)).unwrap_or_default();
    let (text, fix, action) = match r {
        Reason::NoUpgradePaths => (l.t("reason-no-paths"), l.t("fix-no-paths"), None),
        Reason::TargetOfferNotFound => (
            l.t("reason-target-not-found"),
            l.t("fix-target-not-found"),
            None,
        ),
        Reason::StatusNotActive(status) => (
            l.t1("reason-not-active", "status", status_name(l, *status)),
            match status {
                SubscriptionStatus::Suspended => l.t("fix-not-active-suspended"),
                _ => l.t("fix-not-active-cancelled"),
            },
            None,
        ),
        Reason::DelegatedAdminDisabled => (
            l.t("reason-delegated-admin"),
            l.t("fix-delegated-admin"),
            Some((
                format!("/customers/{customer}/delegated-admin"),
                l.t("request-dap"),
            )),
        ),
        Reason::ConflictingServiceTypes {
            services,
            offers,
            elsewhere,
        } => {
            let services: Vec<String> = services.iter().map(|s| l.t(s.message_key())).collect();
            let offers: Vec<&str> = offers.iter().map(|o| l.offer(*o)).collect();
            (
                l.t2(
                    "reason-conflicting-services",
                    "services",
                    list(l, &services),
                    "offers",
                    list(l, &offers),
                ),
                // "From another channel" only when some of them are not this reseller's own.
                l.t2(
                    if *elsewhere {
                        "fix-conflicting-services"
                    } else {
                        "fix-conflicting-services-own"
                    },
                    "offers",
                    list(l, &offers),
                    "target",
                    target_name,
                ),
                None,
            )
        }
        Reason::TargetOfferAlreadyOwned { elsewhere } => (
            l.t1("reason-already-owned", "target", target_name),
            l.t1(
                if *elsewhere {
                    "fix-already-owned"
                } else {
                    "fix-already-owned-own"
                },
                "target",
                target_name,
            ),
            None,
        ),
        Reason::NotResellerOfRecord => (
            l.t("reason-not-reseller-of-record"),
            l.t("fix-not-reseller-of-record"),
            None,
        ),
        Reason::ConcurrencyConflict => (l.t("reason-concurrency"), l.t("fix-concurrency"), None),
    };
    ReasonView {
        rule: r.rule().number(),
        code: r.code(),
        text,
        fix,
        action,
    }
}

/// A list in the language's way: 、 in Chinese, commas in English.
fn list(l: Locale, items: &[impl AsRef<str>]) -> String {
    let sep = match l {
        Locale::ZhCn => "、",
        Locale::EnUs => ", ",
    };
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(sep)
}

/// The failures that hold for the subscription as a whole.
pub fn subscription_reasons(l: Locale, e: &Eligibility, customer: &CustomerId) -> Vec<ReasonView> {
    e.subscription_failures
        .iter()
        .map(|r| reason(l, r, customer, None))
        .collect()
}

/// Every target, with the failures of its own.
pub fn targets(l: Locale, e: &Eligibility, customer: &CustomerId) -> Vec<TargetView> {
    e.targets
        .iter()
        .map(|t: &Target| {
            let additional: Vec<String> = t
                .additional_services
                .iter()
                .map(|s| l.t(s.message_key()))
                .collect();
            TargetView {
                offer: t.offer,
                name: l.offer(t.offer),
                eligible: t.is_eligible(),
                additional: if additional.is_empty() {
                    l.t("no-additional-services")
                } else {
                    list(l, &additional)
                },
                max_licenses: t.offer.offer().licenses.max,
                reasons: e
                    .own_failures(t)
                    .map(|r| reason(l, r, customer, Some(t.offer)))
                    .collect(),
            }
        })
        .collect()
}

/// Why the change's rule refused it, in words: for an upgrade's eligibility rules, each failing
/// rule's (the target named, where the words name it).
pub fn refusal(
    l: Locale,
    refusal: &Refusal,
    customer: &CustomerId,
    target: Option<OfferId>,
) -> String {
    match refusal {
        Refusal::Licenses(e) => licenses_message(l, *e),
        Refusal::Status(e) => l.t(e.message_key()),
        Refusal::Ineligible(reasons) => reasons
            .iter()
            .map(|r| reason(l, r, customer, target).text)
            .collect::<Vec<_>>()
            .join(" "),
        Refusal::Cancelled | Refusal::CannotCancel => l.t("status-error-cancelled"),
    }
}

/// The message beside a license field.
pub fn licenses_message(l: Locale, e: LicenseCountError) -> String {
    use LicenseCountError::*;
    let args = match e {
        OutOfRange { min, max } => vec![("min", l.num(min)), ("max", l.num(max))],
        BelowAssigned { assigned } => vec![("assigned", l.num(assigned))],
        Unchanged(n) => vec![("n", l.num(n))],
        _ => vec![],
    };
    l.t_with(e.message_key(), &args)
}

/// The friendly name of a subscription an upgrade creates: the target offer's name in the
/// language of the person who made the change.
pub fn new_subscription_name(
    l: Locale,
    target: OfferId,
) -> Result<FriendlyName, crate::domain::edit::FriendlyNameError> {
    FriendlyName::parse(l.offer(target))
}
