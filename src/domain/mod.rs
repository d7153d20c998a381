//! The rules of the portal, free of HTTP and SQL: the catalog, the identifiers, license counts,
//! subscription status changes, upgrade eligibility, billing, and the changes a reseller makes
//! ([`change`]: one list, one planning rule).

pub mod account;
pub mod api_token;
pub mod approval;
pub mod billing;
pub mod book;
pub mod bulk;
pub mod catalog;
pub mod change;
pub mod customer;
pub mod dates;
pub mod edit;
pub mod eligibility;
pub mod ids;
pub mod licenses;
pub mod order;
pub mod prices;
pub mod role;
pub mod signup;
pub mod spreadsheet;
pub mod status;
pub mod subscription;
pub mod team;
pub mod totp;
pub mod upgrade;
pub mod webhook;

pub use account::Account;
pub use catalog::{Offer, OfferId, Service, ServiceSet};
pub use customer::{
    Cursor, Customer, CustomerPrefix, CustomerQuery, CustomerSummary, Page, PageRequest,
    PrefixField,
};
pub use edit::{Edit, FriendlyName};
pub use eligibility::{Eligibility, Reason, Rule};
pub use ids::{ChangeKey, CustomerId, DraftId, FormKey, ResellerId, SubscriptionId};
pub use licenses::{LicenseCount, LicenseCountError};
pub use role::{Permission, Role};
pub use status::{StatusAction, SubscriptionStatus};
pub use subscription::{BillingCycle, Holding, Subscription, SubscriptionView, Version};

#[cfg(test)]
pub(crate) mod test_support {
    use chrono::NaiveDate;

    use super::*;

    /// An active monthly subscription sold by reseller `contoso`.
    pub fn subscription(id: &str, offer: OfferId, quantity: u32, assigned: u32) -> Subscription {
        Subscription {
            id: SubscriptionId::parse(id).unwrap(),
            offer,
            friendly_name: offer.offer().name_en.to_owned(),
            quantity,
            assigned_licenses: assigned,
            status: SubscriptionStatus::Active,
            sold_by: Some(ResellerId::parse("contoso").unwrap()),
            billing_cycle: BillingCycle::Monthly,
            auto_renew: true,
            created: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            upgraded_to: None,
            upgraded_from: None,
            version: Version(0),
        }
    }

    pub fn holding(s: &Subscription) -> Holding {
        Holding::from(s)
    }

    /// `s` as the rules judge it: its customer's only holding, delegated admin granted.
    pub fn view(s: Subscription) -> SubscriptionView {
        SubscriptionView {
            customer: Customer {
                id: CustomerId::parse("c-1").unwrap(),
                company_name: "Fabrikam".into(),
                domain: "fabrikam.partner.onmschina.cn".into(),
                delegated_admin: true,
            },
            holdings: vec![holding(&s)],
            subscription: s,
        }
    }
}

#[cfg(test)]
mod properties;
