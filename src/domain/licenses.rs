//! License counts: what a reseller types into a license field, and the rules of changing the
//! number of licenses on a subscription.

use super::catalog::LicenseRange;
use super::{Subscription, SubscriptionStatus};

/// A number of licenses within an offer's range. [`LicenseCount::parse`] is its only constructor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LicenseCount(u32);

/// Why a typed license count was refused. Each has a message beside the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LicenseCountError {
    #[error("enter the number of licenses")]
    Empty,
    #[error("use half-width digits 0-9")]
    FullWidthDigits,
    #[error("enter a whole number")]
    NotAWholeNumber,
    #[error("enter a number from {min} to {max}")]
    OutOfRange { min: u32, max: u32 },
    #[error("{assigned} licenses are assigned to users; unassign some first")]
    BelowAssigned { assigned: u32 },
    #[error("the subscription already has {0} licenses")]
    Unchanged(u32),
    #[error("only an active subscription's licenses can change")]
    NotActive,
}

impl LicenseCountError {
    /// The key of the message shown beside the field.
    pub fn message_key(self) -> &'static str {
        match self {
            LicenseCountError::Empty => "licenses-error-empty",
            LicenseCountError::FullWidthDigits => "licenses-error-full-width",
            LicenseCountError::NotAWholeNumber => "licenses-error-not-whole",
            LicenseCountError::OutOfRange { .. } => "licenses-error-range",
            LicenseCountError::BelowAssigned { .. } => "licenses-error-below-assigned",
            LicenseCountError::Unchanged(_) => "licenses-error-unchanged",
            LicenseCountError::NotActive => "licenses-error-not-active",
        }
    }
}

impl LicenseCount {
    /// Parses what the reseller typed: surrounding whitespace is ignored; anything but a whole
    /// number within the offer's range is refused with the reason.
    pub fn parse(raw: &str, range: LicenseRange) -> Result<LicenseCount, LicenseCountError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(LicenseCountError::Empty);
        }
        // Chinese input methods type full-width digits (１０); say so rather than "not a number".
        if raw.chars().any(|c| ('０'..='９').contains(&c)) {
            return Err(LicenseCountError::FullWidthDigits);
        }
        let out_of_range = LicenseCountError::OutOfRange {
            min: range.min,
            max: range.max,
        };
        // A negative whole number is a number out of range, not "not a number".
        if let Some(digits) = raw.strip_prefix('-')
            && !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(out_of_range);
        }
        if !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LicenseCountError::NotAWholeNumber);
        }
        // All digits: the only way to fail parsing is overflow, which is out of range too.
        let n: u32 = raw.parse().map_err(|_| out_of_range)?;
        if range.contains(n) {
            Ok(LicenseCount(n))
        } else {
            Err(out_of_range)
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// The numbers of licenses the subscription may change to: its offer's range, but never below
/// the licenses assigned to users.
pub fn allowed(subscription: &Subscription) -> LicenseRange {
    let range = subscription.offer.offer().licenses;
    LicenseRange {
        min: range.min.max(subscription.assigned_licenses),
        max: range.max,
    }
}

/// A checked change of a subscription's number of licenses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicenseChange {
    pub before: u32,
    pub after: LicenseCount,
}

/// Checks a new license count against the subscription: it must be active, the count must differ
/// from the current one, and it must not fall below the licenses assigned to users.
pub fn change(
    subscription: &Subscription,
    new: LicenseCount,
) -> Result<LicenseChange, LicenseCountError> {
    if subscription.status != SubscriptionStatus::Active {
        return Err(LicenseCountError::NotActive);
    }
    if new.get() == subscription.quantity {
        return Err(LicenseCountError::Unchanged(new.get()));
    }
    if new.get() < subscription.assigned_licenses {
        return Err(LicenseCountError::BelowAssigned {
            assigned: subscription.assigned_licenses,
        });
    }
    Ok(LicenseChange {
        before: subscription.quantity,
        after: new,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OfferId;
    use crate::domain::test_support::subscription;

    const SMALL: LicenseRange = LicenseRange { min: 1, max: 300 };

    #[test]
    fn parses_whole_numbers_in_range() {
        assert_eq!(
            LicenseCount::parse("25", SMALL).map(LicenseCount::get),
            Ok(25)
        );
        assert_eq!(
            LicenseCount::parse(" 1 ", SMALL).map(LicenseCount::get),
            Ok(1)
        );
        assert_eq!(
            LicenseCount::parse("300", SMALL).map(LicenseCount::get),
            Ok(300)
        );
        assert_eq!(
            LicenseCount::parse("007", SMALL).map(LicenseCount::get),
            Ok(7)
        );
    }

    #[test]
    fn refuses_everything_else_with_its_reason() {
        use LicenseCountError::*;
        let range = OutOfRange { min: 1, max: 300 };
        let cases = [
            ("", Empty),
            ("   ", Empty),
            ("１０", FullWidthDigits),
            ("-1", range),
            ("-", NotAWholeNumber),
            ("+5", NotAWholeNumber),
            ("2.5", NotAWholeNumber),
            ("1e3", NotAWholeNumber),
            ("ten", NotAWholeNumber),
            ("<script>", NotAWholeNumber),
            ("0", range),
            ("301", range),
            ("18446744073709551616", range),
            (&*"9".repeat(10_000), range),
        ];
        for (raw, expected) in cases {
            assert_eq!(LicenseCount::parse(raw, SMALL), Err(expected), "{raw:?}");
        }
    }

    #[test]
    fn change_keeps_assigned_licenses() {
        let sub = subscription("s", OfferId::O365E1, 25, 20);
        let count = |n: &str| LicenseCount::parse(n, SMALL).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(change(&sub, count("30")).map(|c| c.after.get()), Ok(30));
        assert_eq!(change(&sub, count("20")).map(|c| c.after.get()), Ok(20));
        assert_eq!(
            change(&sub, count("19")),
            Err(LicenseCountError::BelowAssigned { assigned: 20 })
        );
        assert_eq!(
            change(&sub, count("25")),
            Err(LicenseCountError::Unchanged(25))
        );
    }

    #[test]
    fn the_allowed_range_starts_at_the_assigned_licenses() {
        let sub = subscription("s", OfferId::O365BusinessEssentials, 25, 20);
        assert_eq!(allowed(&sub), LicenseRange { min: 20, max: 300 });
        let none_assigned = subscription("s", OfferId::O365E3, 5, 0);
        assert_eq!(
            allowed(&none_assigned),
            LicenseRange {
                min: 1,
                max: 10_000_000
            }
        );
    }

    #[test]
    fn change_needs_an_active_subscription() {
        let mut sub = subscription("s", OfferId::O365E1, 25, 20);
        sub.status = SubscriptionStatus::Suspended;
        let n = LicenseCount::parse("30", SMALL).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(change(&sub, n), Err(LicenseCountError::NotActive));
    }
}
