//! A reseller's book as an import file (or the seed generator) brings it: resellers and their
//! users, customers and relationships, subscriptions. The store loads it whole.

use super::billing::BillingDay;
use super::{CustomerId, ResellerId, Subscription};

/// A reseller's user, with the password already hashed.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub email: String,
    pub password_hash: String,
    /// What the user may do.
    pub role: super::Role,
}

#[derive(Debug, Clone)]
pub struct ResellerRecord {
    pub id: ResellerId,
    pub name: String,
    pub billing_day: BillingDay,
    pub users: Vec<UserRecord>,
}

#[derive(Debug, Clone)]
pub struct RelationshipRecord {
    pub reseller: ResellerId,
    pub delegated_admin: bool,
}

#[derive(Debug, Clone)]
pub struct CustomerRecord {
    pub id: CustomerId,
    pub company_name: String,
    pub domain: String,
    pub relationships: Vec<RelationshipRecord>,
}

#[derive(Debug, Clone)]
pub struct SubscriptionRecord {
    pub customer: CustomerId,
    pub subscription: Subscription,
}

/// A whole book, checked for consistency by whoever built it (the import file's parser, the
/// seed generator).
#[derive(Debug, Clone, Default)]
pub struct Book {
    pub resellers: Vec<ResellerRecord>,
    pub customers: Vec<CustomerRecord>,
    pub subscriptions: Vec<SubscriptionRecord>,
}
