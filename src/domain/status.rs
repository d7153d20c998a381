//! A subscription's status and the changes a reseller may make to it.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriptionStatus {
    Active,
    Suspended,
    Cancelled,
}

impl SubscriptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Suspended => "suspended",
            SubscriptionStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the subscription still holds the customer's services. Rules 4 and 5 count these.
    pub fn is_held(self) -> bool {
        !matches!(self, SubscriptionStatus::Cancelled)
    }
}

impl fmt::Display for SubscriptionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}: expected active, suspended or cancelled")]
pub struct UnknownStatus(pub String);

impl FromStr for SubscriptionStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(SubscriptionStatus::Active),
            "suspended" => Ok(SubscriptionStatus::Suspended),
            "cancelled" => Ok(SubscriptionStatus::Cancelled),
            other => Err(UnknownStatus(other.chars().take(32).collect())),
        }
    }
}

/// What the reseller asks of a subscription's status on the Details page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    Suspend,
    Reactivate,
}

impl StatusAction {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "suspend" => Some(StatusAction::Suspend),
            "reactivate" => Some(StatusAction::Reactivate),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StatusAction::Suspend => "suspend",
            StatusAction::Reactivate => "reactivate",
        }
    }

    /// The status after the action, or why the action does not apply: only an active subscription
    /// can be suspended and only a suspended one reactivated; a cancelled one stays cancelled.
    pub fn apply(
        self,
        current: SubscriptionStatus,
    ) -> Result<SubscriptionStatus, StatusChangeError> {
        match (self, current) {
            (StatusAction::Suspend, SubscriptionStatus::Active) => {
                Ok(SubscriptionStatus::Suspended)
            }
            (StatusAction::Reactivate, SubscriptionStatus::Suspended) => {
                Ok(SubscriptionStatus::Active)
            }
            (_, SubscriptionStatus::Cancelled) => Err(StatusChangeError::Cancelled),
            (StatusAction::Suspend, _) => Err(StatusChangeError::AlreadySuspended),
            (StatusAction::Reactivate, _) => Err(StatusChangeError::AlreadyActive),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StatusChangeError {
    #[error("a cancelled subscription can't change status")]
    Cancelled,
    #[error("the subscription is already suspended")]
    AlreadySuspended,
    #[error("the subscription is already active")]
    AlreadyActive,
}

impl StatusChangeError {
    pub fn message_key(self) -> &'static str {
        match self {
            StatusChangeError::Cancelled => "status-error-cancelled",
            StatusChangeError::AlreadySuspended => "status-error-already-suspended",
            StatusChangeError::AlreadyActive => "status-error-already-active",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SubscriptionStatus::*;
    use super::*;

    #[test]
    fn suspend_and_reactivate() {
        assert_eq!(StatusAction::Suspend.apply(Active), Ok(Suspended));
        assert_eq!(StatusAction::Reactivate.apply(Suspended), Ok(Active));
    }

    #[test]
    fn refused_transitions() {
        assert_eq!(
            StatusAction::Suspend.apply(Suspended),
            Err(StatusChangeError::AlreadySuspended)
        );
        assert_eq!(
            StatusAction::Reactivate.apply(Active),
            Err(StatusChangeError::AlreadyActive)
        );
        for action in [StatusAction::Suspend, StatusAction::Reactivate] {
            assert_eq!(action.apply(Cancelled), Err(StatusChangeError::Cancelled));
        }
    }

    #[test]
    fn statuses_parse() {
        for s in [Active, Suspended, Cancelled] {
            assert_eq!(s.as_str().parse(), Ok(s));
        }
        assert!("deleted".parse::<SubscriptionStatus>().is_err());
        assert_eq!(StatusAction::parse("delete"), None);
    }
}
