//! Editing a subscription as Partner Center's `PATCH` does: the subscription as the client wants
//! it, of which only the fields that differ are changes (its rule: [`super::change`]); and a
//! subscription's friendly name, which an edit may change.

use super::SubscriptionStatus;
use super::licenses::LicenseCount;

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

#[cfg(test)]
mod tests {
    use super::*;

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
