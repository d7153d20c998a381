//! What an upgrade does (DOMAIN.md's upgrade semantics): a new active subscription to the target
//! offer with the entered quantity; assigned licenses move to it, up to its quantity; the source is
//! cancelled as "upgraded" when the quantity covers all of its licenses, and otherwise keeps the
//! rest (a partial upgrade). Licenses are neither created nor lost. The change's rule
//! ([`super::change::plan`]) asks the eligibility rule first, then this.

use super::LicenseCount;

/// The source subscription after the upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceAfter {
    /// Cancelled with the reason "upgraded"; its licenses all moved.
    Cancelled,
    /// A partial upgrade: the source stays active with these licenses.
    Keeps { quantity: u32, assigned: u32 },
}

/// The source of `quantity` licenses, `assigned` of them to users, after an upgrade to a
/// subscription of `to` licenses.
pub fn source_after(quantity: u32, assigned: u32, to: LicenseCount) -> SourceAfter {
    if to.get() >= quantity {
        SourceAfter::Cancelled
    } else {
        SourceAfter::Keeps {
            quantity: quantity - to.get(),
            assigned: assigned - assigned.min(to.get()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OfferId;

    fn to(n: u32) -> LicenseCount {
        LicenseCount::parse(&n.to_string(), OfferId::O365E3.offer().licenses).unwrap()
    }

    #[test]
    fn a_whole_upgrade_cancels_the_source() {
        for n in [25, 40] {
            assert_eq!(source_after(25, 20, to(n)), SourceAfter::Cancelled);
        }
    }

    #[test]
    fn a_partial_upgrade_leaves_the_rest_on_the_source() {
        assert_eq!(
            source_after(25, 20, to(10)),
            SourceAfter::Keeps {
                quantity: 15,
                assigned: 10
            }
        );
        assert_eq!(
            source_after(25, 20, to(22)),
            SourceAfter::Keeps {
                quantity: 3,
                assigned: 0
            }
        );
    }

    #[test]
    fn licenses_are_conserved_for_every_quantity() {
        let (quantity, assigned) = (30, 17);
        for q in 1..=300u32 {
            let moved = assigned.min(q);
            match source_after(quantity, assigned, to(q)) {
                SourceAfter::Keeps {
                    quantity: left,
                    assigned: left_assigned,
                } => {
                    assert_eq!(left + q, quantity, "q={q}");
                    assert_eq!(left_assigned + moved, assigned, "q={q}");
                    assert!(left_assigned <= left);
                }
                SourceAfter::Cancelled => assert!(q >= quantity && moved == assigned),
            }
        }
    }
}
