//! Editing a subscription as Partner Center's `PATCH` does: the subscription as the client wants
//! it, of which only the fields that differ are changes. Each is a [`Change`] judged by its own
//! rule, as when a page makes it alone, in the one order that makes sense: a reactivation before
//! a license change, a suspension after it.

use super::change::{Change, Refusal};
use super::licenses::LicenseCount;
use super::{Subscription, SubscriptionStatus};

/// A subscription's friendly name: what the reseller calls it. [`FriendlyName::parse`] is its only
/// constructor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriendlyName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FriendlyNameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {} characters", FriendlyName::MAX)]
    TooLong,
    #[error("the name holds a control character")]
    ControlCharacter,
}

impl FriendlyName {
    /// The longest name kept, in characters.
    pub const MAX: usize = 100;

    /// Surrounding whitespace is dropped; an empty name, a longer one or one with control
    /// characters (a line break, a tab) is refused.
    pub fn parse(raw: &str) -> Result<FriendlyName, FriendlyNameError> {
        let name = raw.trim();
        if name.is_empty() {
            Err(FriendlyNameError::Empty)
        } else if name.chars().count() > Self::MAX {
            Err(FriendlyNameError::TooLong)
        } else if name.chars().any(char::is_control) {
            Err(FriendlyNameError::ControlCharacter)
        } else {
            Ok(FriendlyName(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The subscription as the client wants it: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    pub status: Option<SubscriptionStatus>,
    pub quantity: Option<LicenseCount>,
    pub friendly_name: Option<FriendlyName>,
}

impl Edit {
    /// The changes that turn `before` into the subscription the edit asks for, in order; none
    /// when it asks for the subscription as it is. A cancelled subscription changes no more, and
    /// an edit does not cancel one (an upgrade does).
    pub fn changes(&self, before: &Subscription) -> Result<Vec<Change>, Refusal> {
        let status = self.status.filter(|s| *s != before.status);
        let quantity = self.quantity.filter(|q| q.get() != before.quantity);
        let name = self
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OfferId;
    use crate::domain::licenses::LicenseCountError;
    use crate::domain::test_support::subscription;
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
        assert_eq!(edit.changes(&s), Ok(vec![]));
        assert_eq!(Edit::default().changes(&with_status(Cancelled)), Ok(vec![]));
    }

    #[test]
    fn a_reactivation_comes_before_a_license_change() {
        let edit = Edit {
            status: Some(Active),
            quantity: Some(count(12)),
            ..Edit::default()
        };
        assert_eq!(
            edit.changes(&with_status(Suspended)),
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
            edit.changes(&with_status(Active)),
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
            crate::domain::change::plan(&view, &edit, &contoso),
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
            edit.changes(&with_status(Cancelled)),
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
            edit.changes(&with_status(Active)),
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
            edit.changes(&with_status(Suspended)),
            Ok(vec![Change::Rename(FriendlyName::parse("销售部").unwrap())])
        );
    }

    #[test]
    fn names_are_parsed() {
        assert_eq!(FriendlyName::parse("  "), Err(FriendlyNameError::Empty));
        assert_eq!(
            FriendlyName::parse(&"名".repeat(101)),
            Err(FriendlyNameError::TooLong)
        );
        assert!(FriendlyName::parse(&"名".repeat(100)).is_ok());
        assert_eq!(
            FriendlyName::parse("a\nb"),
            Err(FriendlyNameError::ControlCharacter)
        );
    }
}
