//! The one eligibility rule of the portal (DOMAIN.md, rules 1–7). The Details page notice, the
//! upgrade form and the submit handler all call [`evaluate`]; the submit calls it again inside the
//! transaction that writes the upgrade, with the holdings read in that transaction.

use super::{Holding, OfferId, ResellerId, ServiceSet, Subscription, SubscriptionStatus, Version};

/// A rule of DOMAIN.md's eligibility table, by its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    UpgradePath = 1,
    Active = 2,
    DelegatedAdmin = 3,
    NoConflictingServices = 4,
    TargetNotOwned = 5,
    ResellerOfRecord = 6,
    Unchanged = 7,
}

impl Rule {
    pub fn number(self) -> u8 {
        self as u8
    }
}

/// Why a rule failed, with Partner Center's `UpgradeErrorCode` name where one exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Rule 1: the source offer has no upgrade paths at all.
    NoUpgradePaths,
    /// Rule 1: the chosen target is not among the source offer's upgrade paths.
    TargetOfferNotFound,
    /// Rule 2.
    StatusNotActive(SubscriptionStatus),
    /// Rule 3.
    DelegatedAdminDisabled,
    /// Rule 4: the customer's other subscriptions already include some of the upgrade's
    /// additional services.
    ConflictingServiceTypes {
        services: ServiceSet,
        offers: Vec<OfferId>,
        /// Some of them came from another channel (another reseller, or bought directly), not
        /// from the reseller asking.
        elsewhere: bool,
    },
    /// Rule 5; `elsewhere` as for rule 4.
    TargetOfferAlreadyOwned { elsewhere: bool },
    /// Rule 6.
    NotResellerOfRecord,
    /// Rule 7.
    ConcurrencyConflict,
}

impl Reason {
    pub fn rule(&self) -> Rule {
        match self {
            Reason::NoUpgradePaths | Reason::TargetOfferNotFound => Rule::UpgradePath,
            Reason::StatusNotActive(_) => Rule::Active,
            Reason::DelegatedAdminDisabled => Rule::DelegatedAdmin,
            Reason::ConflictingServiceTypes { .. } => Rule::NoConflictingServices,
            Reason::TargetOfferAlreadyOwned { .. } => Rule::TargetNotOwned,
            Reason::NotResellerOfRecord => Rule::ResellerOfRecord,
            Reason::ConcurrencyConflict => Rule::Unchanged,
        }
    }

    /// Partner Center's `UpgradeErrorCode` for the reason, as the `/v1` API says it. Its
    /// published enum says `concurrency_conflicts` for "concurrent subscription restrictions":
    /// rule 5 (a stale request, rule 7, is the API's stale etag, never an upgrade error).
    pub fn wire_code(&self) -> &'static str {
        match self {
            Reason::TargetOfferAlreadyOwned { .. } => "concurrency_conflicts",
            other => other.code(),
        }
    }

    /// The reason code of DOMAIN.md.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NoUpgradePaths => "subscription_does_not_have_any_upgrade_paths",
            Reason::TargetOfferNotFound => "subscription_target_offer_not_found",
            Reason::StatusNotActive(_) => "subscription_status_not_active",
            Reason::DelegatedAdminDisabled => "delegated_admin_permissions_disabled",
            Reason::ConflictingServiceTypes { .. } => "conflicting_service_types",
            Reason::TargetOfferAlreadyOwned { .. } => "target_offer_already_owned",
            Reason::NotResellerOfRecord => "not_reseller_of_record",
            Reason::ConcurrencyConflict => "concurrency_conflicts",
        }
    }
}

/// What the rules look at, besides the subscription itself.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The reseller asking.
    pub reseller: &'a ResellerId,
    /// Whether that reseller holds delegated admin privileges for the customer.
    pub delegated_admin: bool,
    /// Every subscription of the customer, from any channel, the source included.
    pub holdings: &'a [Holding],
}

/// One target offer of the source's upgrade paths, with every rule that fails for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub offer: OfferId,
    /// The target's services that the source lacks.
    pub additional_services: ServiceSet,
    /// Failing rules, in rule order; empty when the target is eligible.
    pub failures: Vec<Reason>,
}

impl Target {
    pub fn is_eligible(&self) -> bool {
        self.failures.is_empty()
    }

    /// Whether `rule` passes for this target.
    pub fn passes(&self, rule: Rule) -> bool {
        self.failures.iter().all(|r| r.rule() != rule)
    }
}

/// The answer for one subscription: every target of its offer's upgrade paths, and the rules that
/// fail for the subscription as a whole (those that fail for every target alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    pub source: OfferId,
    pub targets: Vec<Target>,
    pub subscription_failures: Vec<Reason>,
}

impl Eligibility {
    /// The Upgrade now notice shows when at least one target passes every rule.
    pub fn is_eligible(&self) -> bool {
        self.targets.iter().any(Target::is_eligible)
    }

    pub fn eligible_targets(&self) -> impl Iterator<Item = &Target> {
        self.targets.iter().filter(|t| t.is_eligible())
    }

    pub fn target(&self, offer: OfferId) -> Option<&Target> {
        self.targets.iter().find(|t| t.offer == offer)
    }

    /// Checks one chosen target, as the submit does: the failures if it is not eligible.
    pub fn check(&self, offer: OfferId) -> Result<&Target, Vec<Reason>> {
        match self.target(offer) {
            Some(t) if t.is_eligible() => Ok(t),
            Some(t) => Err(t.failures.clone()),
            None if self.targets.is_empty() => Err(vec![Reason::NoUpgradePaths]),
            None => Err(vec![Reason::TargetOfferNotFound]),
        }
    }

    /// Target-specific failures: the target's failures that are not already said for the
    /// subscription as a whole.
    pub fn own_failures<'a>(&'a self, target: &'a Target) -> impl Iterator<Item = &'a Reason> {
        target
            .failures
            .iter()
            .filter(|r| !self.subscription_failures.contains(r))
    }
}

/// Evaluates rules 1–6 for every target of the subscription's upgrade paths.
pub fn evaluate(subscription: &Subscription, cx: &Context<'_>) -> Eligibility {
    let source = subscription.offer.offer();

    let mut common = Vec::new();
    if source.upgrades.is_empty() {
        common.push(Reason::NoUpgradePaths);
    }
    if subscription.status != SubscriptionStatus::Active {
        common.push(Reason::StatusNotActive(subscription.status));
    }
    if !cx.delegated_admin {
        common.push(Reason::DelegatedAdminDisabled);
    }
    let reseller_of_record = subscription.sold_by.as_ref() == Some(cx.reseller);

    // Rules 4 and 5 count the customer's other subscriptions from any channel that still hold
    // services; cancelled ones do not count (DOMAIN.md's decision).
    let sold_here = |h: &Holding| h.sold_by.as_ref() == Some(cx.reseller);
    let others: Vec<&Holding> = cx
        .holdings
        .iter()
        .filter(|h| h.subscription != subscription.id && h.status.is_held())
        .collect();

    let targets = source
        .upgrades
        .iter()
        .map(|&offer| {
            let additional = offer.offer().services.without(source.services);
            let mut failures = common.clone();

            let conflicting: Vec<&Holding> = others
                .iter()
                .copied()
                .filter(|h| !h.offer.offer().services.intersection(additional).is_empty())
                .collect();
            if !conflicting.is_empty() {
                let services = conflicting.iter().fold(ServiceSet::EMPTY, |acc, h| {
                    acc.union(h.offer.offer().services.intersection(additional))
                });
                let mut offers: Vec<OfferId> = conflicting.iter().map(|h| h.offer).collect();
                offers.sort();
                offers.dedup();
                failures.push(Reason::ConflictingServiceTypes {
                    services,
                    offers,
                    elsewhere: conflicting.iter().any(|h| !sold_here(h)),
                });
            }
            let owned: Vec<&Holding> = others
                .iter()
                .copied()
                .filter(|h| h.offer == offer)
                .collect();
            if !owned.is_empty() {
                failures.push(Reason::TargetOfferAlreadyOwned {
                    elsewhere: owned.iter().any(|h| !sold_here(h)),
                });
            }
            if !reseller_of_record {
                failures.push(Reason::NotResellerOfRecord);
            }
            Target {
                offer,
                additional_services: additional,
                failures,
            }
        })
        .collect();

    if !reseller_of_record {
        common.push(Reason::NotResellerOfRecord);
    }
    Eligibility {
        source: subscription.offer,
        targets,
        subscription_failures: common,
    }
}

/// Rule 7: the subscription is still the version the form was shown with.
pub fn check_unchanged(expected: Version, current: Version) -> Result<(), Reason> {
    if expected == current {
        Ok(())
    } else {
        Err(Reason::ConcurrencyConflict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{holding, subscription};
    use OfferId::*;

    fn reseller() -> ResellerId {
        ResellerId::parse("contoso").unwrap()
    }

    fn eval(sub: &Subscription, holdings: &[Holding], delegated_admin: bool) -> Eligibility {
        let reseller = reseller();
        evaluate(
            sub,
            &Context {
                reseller: &reseller,
                delegated_admin,
                holdings,
            },
        )
    }

    fn eligible_offers(e: &Eligibility) -> Vec<OfferId> {
        e.eligible_targets().map(|t| t.offer).collect()
    }

    #[test]
    fn every_row_of_the_source_table_is_eligible_on_its_own() {
        let table = [
            (O365Business, vec![O365BusinessPremium, O365ProPlus, O365E3]),
            (O365BusinessPremium, vec![O365E3]),
            (
                O365BusinessEssentials,
                vec![O365BusinessPremium, O365E1, O365E3],
            ),
        ];
        for (source, targets) in table {
            let sub = subscription("s-1", source, 25, 20);
            let e = eval(&sub, &[holding(&sub)], true);
            assert!(e.is_eligible(), "{source}");
            assert_eq!(eligible_offers(&e), targets, "{source}");
            assert!(e.subscription_failures.is_empty());
        }
    }

    #[test]
    fn rule_1_offers_without_paths_are_not_upgradable() {
        for source in [
            O365ProPlus,
            O365E1,
            O365E3,
            ExchangeOnlineP1,
            SharePointOnlineP1,
            SkypeBusinessP2,
        ] {
            let sub = subscription("s-1", source, 5, 0);
            let e = eval(&sub, &[holding(&sub)], true);
            assert!(!e.is_eligible());
            assert!(e.targets.is_empty());
            assert_eq!(e.subscription_failures, [Reason::NoUpgradePaths]);
            assert_eq!(
                e.subscription_failures[0].code(),
                "subscription_does_not_have_any_upgrade_paths"
            );
        }
    }

    #[test]
    fn rule_1_a_target_outside_the_paths_is_not_found() {
        let sub = subscription("s-1", O365BusinessPremium, 5, 0);
        let e = eval(&sub, &[holding(&sub)], true);
        assert_eq!(e.check(O365E1), Err(vec![Reason::TargetOfferNotFound]));
        assert_eq!(
            Reason::TargetOfferNotFound.code(),
            "subscription_target_offer_not_found"
        );
        assert!(e.check(O365E3).is_ok());
        let plus = subscription("s-2", O365ProPlus, 5, 0);
        let e = eval(&plus, &[holding(&plus)], true);
        assert_eq!(e.check(O365E3), Err(vec![Reason::NoUpgradePaths]));
    }

    #[test]
    fn rule_2_only_active_subscriptions() {
        for status in [SubscriptionStatus::Suspended, SubscriptionStatus::Cancelled] {
            let mut sub = subscription("s-1", O365BusinessEssentials, 5, 0);
            sub.status = status;
            let e = eval(&sub, &[holding(&sub)], true);
            assert!(!e.is_eligible());
            assert_eq!(e.subscription_failures, [Reason::StatusNotActive(status)]);
            assert!(e.targets.iter().all(|t| !t.passes(Rule::Active)));
            assert_eq!(
                e.subscription_failures[0].code(),
                "subscription_status_not_active"
            );
        }
    }

    #[test]
    fn rule_3_delegated_admin_privileges() {
        let sub = subscription("s-1", O365BusinessEssentials, 5, 0);
        let e = eval(&sub, &[holding(&sub)], false);
        assert!(!e.is_eligible());
        assert_eq!(e.subscription_failures, [Reason::DelegatedAdminDisabled]);
        assert_eq!(
            e.subscription_failures[0].code(),
            "delegated_admin_permissions_disabled"
        );
    }

    #[test]
    fn rule_4_conflicting_services_from_any_channel() {
        let sub = subscription("s-1", O365BusinessEssentials, 5, 0);
        // Office 365 Business bought elsewhere includes Office apps: E3 and Business Premium add
        // them, E1 does not.
        let mut other = subscription("s-2", O365Business, 3, 3);
        other.sold_by = None;
        let e = eval(&sub, &[holding(&sub), holding(&other)], true);
        assert_eq!(eligible_offers(&e), [O365E1]);
        let e3 = e.target(O365E3).unwrap();
        assert!(!e3.passes(Rule::NoConflictingServices));
        match &e3.failures[..] {
            [
                Reason::ConflictingServiceTypes {
                    services,
                    offers,
                    elsewhere,
                },
            ] => {
                assert_eq!(
                    services.iter().collect::<Vec<_>>(),
                    [crate::domain::Service::OfficeApps]
                );
                assert_eq!(offers, &[O365Business]);
                assert!(elsewhere, "bought directly");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(e3.failures[0].code(), "conflicting_service_types");
    }

    #[test]
    fn rules_4_and_5_say_whether_the_conflict_came_from_another_channel() {
        let sub = subscription("s-1", O365BusinessEssentials, 5, 0);
        // The reseller's own E1 (sold by contoso, as the source).
        let own = subscription("s-2", O365E1, 3, 3);
        let e = eval(&sub, &[holding(&sub), holding(&own)], true);
        assert_eq!(
            e.target(O365E1).unwrap().failures,
            [Reason::TargetOfferAlreadyOwned { elsewhere: false }]
        );
        let mut theirs = own.clone();
        theirs.sold_by = Some(ResellerId::parse("another").unwrap());
        let e = eval(&sub, &[holding(&sub), holding(&theirs)], true);
        assert_eq!(
            e.target(O365E1).unwrap().failures,
            [Reason::TargetOfferAlreadyOwned { elsewhere: true }]
        );
        // Business bought from this reseller: rule 4 for E3, not from elsewhere.
        let business = subscription("s-3", O365Business, 3, 3);
        let e = eval(&sub, &[holding(&sub), holding(&business)], true);
        assert!(matches!(
            e.target(O365E3).unwrap().failures[..],
            [Reason::ConflictingServiceTypes {
                elsewhere: false,
                ..
            }]
        ));
    }

    #[test]
    fn rule_4_services_the_source_already_has_do_not_conflict() {
        let sub = subscription("s-1", O365BusinessEssentials, 5, 0);
        let exchange = subscription("s-2", ExchangeOnlineP1, 3, 3);
        let e = eval(&sub, &[holding(&sub), holding(&exchange)], true);
        assert_eq!(eligible_offers(&e), [O365BusinessPremium, O365E1, O365E3]);
    }

    #[test]
    fn rules_4_and_5_ignore_cancelled_subscriptions_but_count_suspended_ones() {
        let sub = subscription("s-1", O365BusinessEssentials, 5, 0);
        let mut owned = subscription("s-2", O365E3, 3, 3);
        owned.status = SubscriptionStatus::Cancelled;
        let e = eval(&sub, &[holding(&sub), holding(&owned)], true);
        assert!(e.target(O365E3).unwrap().is_eligible());
        owned.status = SubscriptionStatus::Suspended;
        let e = eval(&sub, &[holding(&sub), holding(&owned)], true);
        assert!(!e.target(O365E3).unwrap().is_eligible());
    }

    #[test]
    fn rule_5_target_already_owned() {
        let sub = subscription("s-1", O365BusinessEssentials, 5, 0);
        let e1 = subscription("s-2", O365E1, 3, 3);
        let e = eval(&sub, &[holding(&sub), holding(&e1)], true);
        let t = e.target(O365E1).unwrap();
        assert_eq!(
            t.failures,
            [Reason::TargetOfferAlreadyOwned { elsewhere: false }]
        );
        assert_eq!(t.failures[0].code(), "target_offer_already_owned");
        assert_eq!(eligible_offers(&e), [O365BusinessPremium, O365E3]);
    }

    #[test]
    fn rule_5_a_second_subscription_to_the_same_source_offer_does_not_block() {
        let sub = subscription("s-1", O365BusinessEssentials, 5, 0);
        let twin = subscription("s-2", O365BusinessEssentials, 3, 3);
        let e = eval(&sub, &[holding(&sub), holding(&twin)], true);
        assert_eq!(eligible_offers(&e), [O365BusinessPremium, O365E1, O365E3]);
    }

    #[test]
    fn rule_6_reseller_of_record() {
        let mut sub = subscription("s-1", O365BusinessEssentials, 5, 0);
        sub.sold_by = Some(ResellerId::parse("another").unwrap());
        let e = eval(&sub, &[holding(&sub)], true);
        assert!(!e.is_eligible());
        assert!(
            e.subscription_failures
                .contains(&Reason::NotResellerOfRecord)
        );
        sub.sold_by = None;
        let e = eval(&sub, &[holding(&sub)], true);
        assert_eq!(e.subscription_failures, [Reason::NotResellerOfRecord]);
        assert_eq!(Reason::NotResellerOfRecord.code(), "not_reseller_of_record");
    }

    #[test]
    fn rule_7_the_version_must_be_unchanged() {
        assert_eq!(check_unchanged(Version(3), Version(3)), Ok(()));
        let err = check_unchanged(Version(3), Version(4)).unwrap_err();
        assert_eq!(err.code(), "concurrency_conflicts");
        assert_eq!(err.rule(), Rule::Unchanged);
    }

    #[test]
    fn failures_are_listed_rule_by_rule() {
        let mut sub = subscription("s-1", O365BusinessEssentials, 5, 0);
        sub.status = SubscriptionStatus::Suspended;
        let e3 = subscription("s-2", O365E3, 1, 1);
        let e = eval(&sub, &[holding(&sub), holding(&e3)], false);
        let rules: Vec<u8> = e
            .target(O365E3)
            .unwrap()
            .failures
            .iter()
            .map(|r| r.rule().number())
            .collect();
        assert_eq!(rules, [2, 3, 4, 5]);
        let own: Vec<_> = e
            .own_failures(e.target(O365E3).unwrap())
            .map(Reason::code)
            .collect();
        assert_eq!(
            own,
            ["conflicting_service_types", "target_offer_already_owned"]
        );
    }
}
