//! Who is signed in.

use super::ResellerId;

/// A reseller's user, signed in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    pub user_id: i32,
    pub email: String,
    pub reseller: ResellerId,
    pub reseller_name: String,
    /// An administrator of the reseller (sets its billing day).
    #[serde(default)]
    pub is_admin: bool,
}
