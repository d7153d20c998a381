//! Who is signed in.

use super::ResellerId;
use super::role::{Permission, Role};

/// A reseller's user, signed in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    pub user_id: i32,
    pub email: String,
    pub reseller: ResellerId,
    pub reseller_name: String,
    /// What the user may do, read from the database at each request.
    pub role: Role,
    /// The reseller requires the user's role to enroll in two-step sign-in, and they have not:
    /// they are led to enroll before anything else.
    #[serde(default)]
    pub must_enroll: bool,
}

impl Account {
    /// Whether the user's role may do what `permission` names.
    pub fn may(&self, permission: Permission) -> bool {
        self.role.may(permission)
    }
}
