//! What an upgrade does (DOMAIN.md's upgrade semantics): a new active subscription to the target
//! offer with the entered quantity; assigned licenses move to it, up to its quantity; the source is
//! cancelled as "upgraded" when the quantity covers all of its licenses, and otherwise keeps the
//! rest (a partial upgrade). Licenses are neither created nor lost.

use super::eligibility::{self, Eligibility, Reason};
use super::{LicenseCount, OfferId, Subscription, SubscriptionStatus, Version};

/// The source subscription after the upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceAfter {
    /// Cancelled with the reason "upgraded"; its licenses all moved.
    Cancelled,
    /// A partial upgrade: the source stays active with these licenses.
    Keeps { quantity: u32, assigned: u32 },
}

/// A checked upgrade, ready for the store to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradePlan {
    pub target: OfferId,
    pub quantity: LicenseCount,
    /// Assigned licenses that move from the source to the new subscription.
    pub moved_assigned: u32,
    pub source_after: SourceAfter,
}

/// Checks the chosen target and the source's version (rule 7), and works out the upgrade. The
/// `eligibility` must have been evaluated from the same reads as `source`.
pub fn plan(
    source: &Subscription,
    eligibility: &Eligibility,
    target: OfferId,
    quantity: LicenseCount,
    expected: Version,
) -> Result<UpgradePlan, Vec<Reason>> {
    eligibility::check_unchanged(expected, source.version).map_err(|r| vec![r])?;
    eligibility.check(target)?;
    let moved_assigned = source.assigned_licenses.min(quantity.get());
    let source_after = if quantity.get() >= source.quantity {
        SourceAfter::Cancelled
    } else {
        SourceAfter::Keeps {
            quantity: source.quantity - quantity.get(),
            assigned: source.assigned_licenses - moved_assigned,
        }
    };
    Ok(UpgradePlan {
        target,
        quantity,
        moved_assigned,
        source_after,
    })
}

impl UpgradePlan {
    /// The source's status after the upgrade.
    pub fn source_status(&self) -> SubscriptionStatus {
        match self.source_after {
            SourceAfter::Cancelled => SubscriptionStatus::Cancelled,
            SourceAfter::Keeps { .. } => SubscriptionStatus::Active,
        }
    }

    /// The source's (quantity, assigned licenses) after the upgrade. A cancelled source keeps
    /// its quantity on record; its assigned licenses have all moved.
    pub fn source_licenses(&self, source: &Subscription) -> (u32, u32) {
        match self.source_after {
            SourceAfter::Cancelled => (source.quantity, 0),
            SourceAfter::Keeps { quantity, assigned } => (quantity, assigned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ResellerId;
    use crate::domain::eligibility::{Context, evaluate};
    use crate::domain::test_support::{holding, subscription};
    use OfferId::*;

    fn plan_for(
        source: &Subscription,
        target: OfferId,
        n: &str,
    ) -> Result<UpgradePlan, Vec<Reason>> {
        let reseller = ResellerId::parse("contoso").unwrap();
        let holdings = [holding(source)];
        let e = evaluate(
            source,
            &Context {
                reseller: &reseller,
                delegated_admin: true,
                holdings: &holdings,
            },
        );
        let quantity = LicenseCount::parse(n, target.offer().licenses).unwrap();
        plan(source, &e, target, quantity, source.version)
    }

    #[test]
    fn a_whole_upgrade_cancels_the_source_and_moves_every_assigned_license() {
        let source = subscription("s-1", O365BusinessEssentials, 25, 20);
        for n in ["25", "40"] {
            let p = plan_for(&source, O365E3, n).unwrap();
            assert_eq!(p.source_after, SourceAfter::Cancelled);
            assert_eq!(p.moved_assigned, 20);
            assert_eq!(p.source_status(), SubscriptionStatus::Cancelled);
            assert_eq!(p.source_licenses(&source), (25, 0));
        }
    }

    #[test]
    fn a_partial_upgrade_leaves_the_rest_on_the_source() {
        let source = subscription("s-1", O365BusinessEssentials, 25, 20);
        let p = plan_for(&source, O365E1, "10").unwrap();
        assert_eq!(p.moved_assigned, 10);
        assert_eq!(
            p.source_after,
            SourceAfter::Keeps {
                quantity: 15,
                assigned: 10
            }
        );
        let p = plan_for(&source, O365E1, "22").unwrap();
        assert_eq!(p.moved_assigned, 20);
        assert_eq!(
            p.source_after,
            SourceAfter::Keeps {
                quantity: 3,
                assigned: 0
            }
        );
    }

    #[test]
    fn licenses_are_conserved_for_every_quantity() {
        let source = subscription("s-1", O365Business, 30, 17);
        for q in 1..=300u32 {
            let p = plan_for(&source, O365E3, &q.to_string()).unwrap();
            let (left_qty, left_assigned) = p.source_licenses(&source);
            assert_eq!(
                left_assigned + p.moved_assigned,
                source.assigned_licenses,
                "q={q}"
            );
            assert!(p.moved_assigned <= q);
            match p.source_after {
                SourceAfter::Keeps { .. } => assert_eq!(left_qty + q, source.quantity),
                SourceAfter::Cancelled => assert!(q >= source.quantity),
            }
            assert!(left_assigned <= left_qty);
        }
    }

    #[test]
    fn a_stale_form_is_a_concurrency_conflict() {
        let source = subscription("s-1", O365BusinessEssentials, 25, 20);
        let reseller = ResellerId::parse("contoso").unwrap();
        let holdings = [holding(&source)];
        let e = evaluate(
            &source,
            &Context {
                reseller: &reseller,
                delegated_admin: true,
                holdings: &holdings,
            },
        );
        let q = LicenseCount::parse("5", O365E3.offer().licenses).unwrap();
        let err = plan(&source, &e, O365E3, q, Version(7)).unwrap_err();
        assert_eq!(err, [Reason::ConcurrencyConflict]);
    }

    #[test]
    fn an_ineligible_target_is_refused_with_its_reasons() {
        let source = subscription("s-1", O365BusinessPremium, 25, 20);
        assert_eq!(
            plan_for(&source, O365E1, "5").unwrap_err(),
            [Reason::TargetOfferNotFound]
        );
    }
}
