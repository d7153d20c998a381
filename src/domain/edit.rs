//! Editing a subscription as Partner Center's `PATCH` does: the subscription as the client wants
//! it, of which only the fields that differ are changes. Each change is checked by the same rule
//! as when a page makes it alone (license counts, status transitions), and they apply in the one
//! order that makes sense: a reactivation before a license change, a suspension after it.

use super::licenses::{self, LicenseChange, LicenseCount, LicenseCountError};
use super::status::{StatusAction, StatusChangeError};
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
    #[error(
        "the name holds U+{:04X}, an invisible character that changes the direction of the text \
         around it",
        u32::from(*.0)
    )]
    DirectionControl(char),
}

impl FriendlyName {
    /// The longest name kept, in characters.
    pub const MAX: usize = 100;

    /// Surrounding whitespace is dropped; an empty name, a longer one, or one with a character
    /// [`name_characters`] refuses is refused.
    pub fn parse(raw: &str) -> Result<FriendlyName, FriendlyNameError> {
        let name = raw.trim();
        if name.is_empty() {
            Err(FriendlyNameError::Empty)
        } else if name.chars().count() > Self::MAX {
            Err(FriendlyNameError::TooLong)
        } else {
            name_characters(name).map(|()| FriendlyName(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `c` is one of Unicode's bidirectional controls (the `Bidi_Control` property: the
/// embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069, and the marks U+200E,
/// U+200F and U+061C). Invisible, they reorder the text around them: `Invoice` + U+202E +
/// `txt.exe` shows as `Invoiceexe.txt`.
pub fn is_direction_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// The rule for the characters of every name the portal keeps (a subscription's, an API
/// token's, a customer's, a reseller's): no control character (a line break, a tab) and no
/// bidirectional control, so that a name shows as what it is, on one line.
pub fn name_characters(name: &str) -> Result<(), FriendlyNameError> {
    if let Some(c) = name.chars().find(|c| is_direction_control(*c)) {
        return Err(FriendlyNameError::DirectionControl(c));
    }
    if name.chars().any(char::is_control) {
        return Err(FriendlyNameError::ControlCharacter);
    }
    Ok(())
}

/// The subscription as the client wants it: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    pub status: Option<SubscriptionStatus>,
    pub quantity: Option<LicenseCount>,
    pub friendly_name: Option<FriendlyName>,
}

/// One change of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Status(StatusAction),
    Licenses(LicenseChange),
    Rename(FriendlyName),
}

/// A step, and the subscription after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub step: Step,
    pub after: Subscription,
}

/// Why an edit was refused; nothing of it is made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// A cancelled subscription changes no more.
    #[error("the subscription is cancelled")]
    Cancelled,
    /// Licenses change only on an active subscription.
    #[error("the subscription is suspended")]
    Suspended,
    /// A subscription is cancelled by an upgrade, not by an edit.
    #[error("a subscription can't be cancelled here")]
    CannotCancel,
    #[error(transparent)]
    Licenses(LicenseCountError),
    #[error(transparent)]
    Status(StatusChangeError),
}

/// The changes that turn `before` into the subscription `edit` asks for, in order; empty when
/// it asks for the subscription as it is.
pub fn plan(before: &Subscription, edit: &Edit) -> Result<Vec<Applied>, EditError> {
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
        return Err(EditError::Cancelled);
    }
    let mut current = before.clone();
    let mut steps = Vec::new();
    let change_status = |current: &mut Subscription, action: StatusAction| {
        current.status = action.apply(current.status).map_err(EditError::Status)?;
        Ok::<_, EditError>(Applied {
            step: Step::Status(action),
            after: current.clone(),
        })
    };
    match status {
        Some(SubscriptionStatus::Cancelled) => return Err(EditError::CannotCancel),
        Some(SubscriptionStatus::Active) => {
            steps.push(change_status(&mut current, StatusAction::Reactivate)?);
        }
        _ => {}
    }
    if let Some(quantity) = quantity {
        if current.status != SubscriptionStatus::Active {
            return Err(EditError::Suspended);
        }
        let change = licenses::change(&current, quantity).map_err(EditError::Licenses)?;
        current.quantity = change.after.get();
        steps.push(Applied {
            step: Step::Licenses(change),
            after: current.clone(),
        });
    }
    if status == Some(SubscriptionStatus::Suspended) {
        steps.push(change_status(&mut current, StatusAction::Suspend)?);
    }
    if let Some(name) = name {
        current.friendly_name = name.as_str().to_owned();
        steps.push(Applied {
            step: Step::Rename(name.clone()),
            after: current.clone(),
        });
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OfferId;
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

    fn steps(applied: &[Applied]) -> Vec<&Step> {
        applied.iter().map(|a| &a.step).collect()
    }

    #[test]
    fn the_subscription_as_it_is_changes_nothing() {
        let s = with_status(Active);
        let edit = Edit {
            status: Some(Active),
            quantity: Some(count(10)),
            friendly_name: Some(FriendlyName::parse(&s.friendly_name).unwrap()),
        };
        assert_eq!(plan(&s, &edit), Ok(vec![]));
        assert_eq!(plan(&with_status(Cancelled), &Edit::default()), Ok(vec![]));
    }

    #[test]
    fn a_reactivation_comes_before_a_license_change() {
        let edit = Edit {
            status: Some(Active),
            quantity: Some(count(12)),
            ..Edit::default()
        };
        let applied = plan(&with_status(Suspended), &edit).unwrap();
        assert!(matches!(
            steps(&applied)[..],
            [Step::Status(StatusAction::Reactivate), Step::Licenses(_)]
        ));
        assert_eq!(applied[1].after.quantity, 12);
        assert_eq!(applied[1].after.status, Active);
    }

    #[test]
    fn a_suspension_comes_after_a_license_change() {
        let edit = Edit {
            status: Some(Suspended),
            quantity: Some(count(12)),
            ..Edit::default()
        };
        let applied = plan(&with_status(Active), &edit).unwrap();
        assert!(matches!(
            steps(&applied)[..],
            [Step::Licenses(_), Step::Status(StatusAction::Suspend)]
        ));
    }

    #[test]
    fn licenses_of_a_suspended_subscription_stay() {
        let edit = Edit {
            quantity: Some(count(12)),
            ..Edit::default()
        };
        assert_eq!(
            plan(&with_status(Suspended), &edit),
            Err(EditError::Suspended)
        );
    }

    #[test]
    fn a_cancelled_subscription_changes_no_more() {
        let edit = Edit {
            friendly_name: Some(FriendlyName::parse("New name").unwrap()),
            ..Edit::default()
        };
        assert_eq!(
            plan(&with_status(Cancelled), &edit),
            Err(EditError::Cancelled)
        );
    }

    #[test]
    fn an_edit_does_not_cancel() {
        let edit = Edit {
            status: Some(Cancelled),
            ..Edit::default()
        };
        assert_eq!(
            plan(&with_status(Active), &edit),
            Err(EditError::CannotCancel)
        );
    }

    #[test]
    fn licenses_keep_their_rules() {
        let edit = Edit {
            quantity: Some(count(3)),
            ..Edit::default()
        };
        assert_eq!(
            plan(&with_status(Active), &edit),
            Err(EditError::Licenses(LicenseCountError::BelowAssigned {
                assigned: 4
            }))
        );
    }

    #[test]
    fn a_rename_renames() {
        let edit = Edit {
            friendly_name: Some(FriendlyName::parse("  销售部  ").unwrap()),
            ..Edit::default()
        };
        let applied = plan(&with_status(Suspended), &edit).unwrap();
        assert_eq!(applied.len(), 1);
        assert_eq!(applied[0].after.friendly_name, "销售部");
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

    #[test]
    fn names_with_bidirectional_controls_are_refused() {
        for c in [
            '\u{061c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
            '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            assert_eq!(
                FriendlyName::parse(&format!("Invoice{c}txt.exe")),
                Err(FriendlyNameError::DirectionControl(c))
            );
        }
        let e = FriendlyName::parse("Invoice\u{202e}txt.exe").unwrap_err();
        assert!(e.to_string().contains("U+202E"), "{e}");
        // Other invisible characters that belong in names stay: a zero-width joiner (emoji, and
        // scripts that need it), a no-break space.
        for fine in [
            "👩\u{200d}💻 team",
            "Contoso\u{a0}云服务",
            "עברית and English",
        ] {
            assert!(FriendlyName::parse(fine).is_ok(), "{fine}");
        }
    }
}
