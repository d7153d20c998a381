//! Partner Center's wire format: the resources of `/v1` as Partner Center's REST reference and
//! generated SDK models name them (camelCase, an `attributes.objectType` on every resource, an
//! `etag` where it can change). Built from domain types; the handlers never write JSON by hand.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::eligibility::Reason;
use crate::domain::{Customer, CustomerId, OfferId, Subscription, SubscriptionStatus, Version};
use crate::web::explain;
use crate::web::middleware::i18n::Locale;

/// A resource's metadata.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Attributes {
    /// Changes whenever the resource changes: send it back (`If-Match`, or the body's
    /// `attributes.etag`) to change the resource only as you read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    pub object_type: &'static str,
}

impl Attributes {
    pub fn of(object_type: &'static str) -> Attributes {
        Attributes {
            etag: None,
            object_type,
        }
    }
}

/// A header a link asks to send.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// A link to another resource or page, with the method and headers to use.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Link {
    pub uri: String,
    pub method: &'static str,
    pub headers: Vec<KeyValue>,
}

impl Link {
    pub fn get(uri: String) -> Link {
        Link {
            uri,
            method: "GET",
            headers: Vec::new(),
        }
    }
}

/// A collection's links: itself, and the next page where there is one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionLinks {
    #[serde(rename = "self")]
    pub self_: Link,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Link>,
}

macro_rules! collection {
    ($(#[$doc:meta])* $name:ident of $item:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Serialize, ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// How many items this answer holds.
            pub total_count: usize,
            pub items: Vec<$item>,
            pub links: $crate::web::api::model::CollectionLinks,
            pub attributes: $crate::web::api::model::Attributes,
        }

        impl $name {
            pub fn new(
                items: Vec<$item>,
                self_: $crate::web::api::model::Link,
                next: Option<$crate::web::api::model::Link>,
            ) -> $name {
                $name {
                    total_count: items.len(),
                    items,
                    links: $crate::web::api::model::CollectionLinks { self_, next },
                    attributes: $crate::web::api::model::Attributes::of("Collection"),
                }
            }
        }
    };
}

pub(crate) use collection;

collection!(
    /// A page of the reseller's customers.
    CustomerCollection of CustomerResource
);
collection!(
    /// A customer's subscriptions sold by this reseller.
    SubscriptionCollection of SubscriptionResource
);
collection!(
    /// Every target of a subscription's upgrade paths, eligible or not.
    UpgradeCollection of UpgradeResource
);

/// A customer's company.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyProfile {
    pub tenant_id: String,
    pub domain: String,
    pub company_name: String,
    pub attributes: Attributes,
}

/// The customer's own link.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SelfLink {
    #[serde(rename = "self")]
    pub self_: Link,
}

/// A customer of the reseller.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Customer)]
pub struct CustomerResource {
    /// The customer's id, which is also its tenant id.
    pub id: String,
    pub company_profile: CompanyProfile,
    /// Always `reseller`: the portal lists only the reseller's own customers.
    pub relationship_to_partner: &'static str,
    /// Whether the reseller holds delegated administrative privileges for the customer.
    pub allow_delegated_access: bool,
    pub links: SelfLink,
    pub attributes: Attributes,
}

pub fn customer_href(id: &CustomerId) -> String {
    format!("/v1/customers/{id}")
}

impl CustomerResource {
    pub fn new(c: &Customer) -> CustomerResource {
        CustomerResource {
            id: c.id.to_string(),
            company_profile: CompanyProfile {
                tenant_id: c.id.to_string(),
                domain: c.domain.clone(),
                company_name: c.company_name.clone(),
                attributes: Attributes::of("CustomerCompanyProfile"),
            },
            relationship_to_partner: "reseller",
            allow_delegated_access: c.delegated_admin,
            links: SelfLink {
                self_: Link::get(customer_href(&c.id)),
            },
            attributes: Attributes::of("Customer"),
        }
    }
}

/// A subscription's links: itself and its offer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionLinks {
    #[serde(rename = "self")]
    pub self_: Link,
    pub offer: Link,
}

/// A subscription the reseller sold to a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Subscription)]
pub struct SubscriptionResource {
    pub id: String,
    pub offer_id: &'static str,
    /// The offer's published name, in the request's language (`X-Locale`).
    pub offer_name: &'static str,
    pub friendly_name: String,
    pub quantity: u32,
    /// Always `Licenses`.
    pub unit_type: &'static str,
    /// RFC 3339, midnight UTC of the day the subscription was created.
    pub creation_date: String,
    pub effective_start_date: String,
    /// The end of the current yearly commitment (the day before the next anniversary of the
    /// creation date).
    pub commitment_end_date: String,
    /// `active`, `suspended`, or `deleted` for a cancelled subscription.
    #[schema(inline)]
    pub status: WireStatus,
    pub auto_renew_enabled: bool,
    /// Always `license`.
    pub billing_type: &'static str,
    /// `monthly` or `annual`.
    pub billing_cycle: &'static str,
    /// The reseller of record.
    pub partner_id: String,
    pub suspension_reasons: Vec<&'static str>,
    /// Always `subscription`.
    pub contract_type: &'static str,
    pub links: SubscriptionLinks,
    pub attributes: Attributes,
}

/// A subscription's status on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WireStatus {
    Active,
    Suspended,
    Deleted,
}

impl From<SubscriptionStatus> for WireStatus {
    fn from(s: SubscriptionStatus) -> Self {
        match s {
            SubscriptionStatus::Active => WireStatus::Active,
            SubscriptionStatus::Suspended => WireStatus::Suspended,
            SubscriptionStatus::Cancelled => WireStatus::Deleted,
        }
    }
}

/// The etag of a subscription at a version: opaque to clients.
pub fn etag(version: Version) -> String {
    format!("v{}", version.0)
}

/// The version an etag names: `v7`, quoted or weak (`W/"v7"`) as HTTP headers carry it.
pub fn parse_etag(raw: &str) -> Option<Version> {
    let raw = raw.trim();
    let raw = raw.strip_prefix("W/").unwrap_or(raw);
    let raw = raw.trim_matches('"');
    Version::parse(raw.strip_prefix('v')?)
}

fn instant(date: NaiveDate) -> String {
    format!("{}T00:00:00Z", date.format("%Y-%m-%d"))
}

pub fn subscription_href(customer: &CustomerId, s: &Subscription) -> String {
    format!("/v1/customers/{customer}/subscriptions/{}", s.id)
}

impl SubscriptionResource {
    pub fn new(l: Locale, customer: &CustomerId, s: &Subscription, today: NaiveDate) -> Self {
        SubscriptionResource {
            id: s.id.to_string(),
            offer_id: s.offer.as_str(),
            offer_name: l.offer(s.offer),
            friendly_name: s.friendly_name.clone(),
            quantity: s.quantity,
            unit_type: "Licenses",
            creation_date: instant(s.created),
            effective_start_date: instant(s.created),
            commitment_end_date: instant(s.commitment_end(today)),
            status: s.status.into(),
            auto_renew_enabled: s.auto_renew,
            billing_type: "license",
            billing_cycle: s.billing_cycle.as_str(),
            partner_id: s
                .sold_by
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            suspension_reasons: match s.status {
                SubscriptionStatus::Suspended => vec!["reseller_initiated"],
                _ => Vec::new(),
            },
            contract_type: "subscription",
            links: SubscriptionLinks {
                self_: Link::get(subscription_href(customer, s)),
                offer: Link::get(offer_href(s.offer)),
            },
            attributes: Attributes {
                etag: Some(etag(s.version)),
                object_type: "Subscription",
            },
        }
    }
}

pub fn offer_href(offer: OfferId) -> String {
    format!("/v1/offers/{}", offer.as_str())
}

pub use super::offers::OfferResource;

/// How an upgrade moves licenses: `upgrade_with_license_transfer` (the portal's one kind:
/// assigned licenses move to the new subscription), or `none` where the upgrade can't be made.
/// Requests may also send Partner Center's numbers (0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpgradeType {
    None,
    UpgradeOnly,
    UpgradeWithLicenseTransfer,
}

impl UpgradeType {
    /// From a request: a name in any letter case, or Partner Center's number.
    pub fn parse(value: &serde_json::Value) -> Option<UpgradeType> {
        match value {
            serde_json::Value::Number(n) => match n.as_u64()? {
                0 => Some(UpgradeType::None),
                1 => Some(UpgradeType::UpgradeOnly),
                2 => Some(UpgradeType::UpgradeWithLicenseTransfer),
                _ => None,
            },
            serde_json::Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "none" => Some(UpgradeType::None),
                "upgrade_only" => Some(UpgradeType::UpgradeOnly),
                "upgrade_with_license_transfer" => Some(UpgradeType::UpgradeWithLicenseTransfer),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Why an upgrade can't be made: Partner Center's `UpgradeErrorCode`, and the portal's own
/// explanation with the fix, in the request's language.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeError {
    /// Partner Center's code: `subscription_does_not_have_any_upgrade_paths`,
    /// `subscription_target_offer_not_found`, `subscription_status_not_active`,
    /// `delegated_admin_permissions_disabled`, `conflicting_service_types`,
    /// `concurrency_conflicts` (the customer already has the target offer), or the portal's own
    /// `not_reseller_of_record`.
    pub code: &'static str,
    /// What is wrong, and how to fix it.
    pub description: String,
    /// The portal page that carries out the fix, where there is one; else the eligibility rule.
    pub additional_details: String,
    pub attributes: Attributes,
}

impl UpgradeError {
    pub fn new(l: Locale, reason: &Reason, customer: &CustomerId, target: Option<OfferId>) -> Self {
        let words = explain::reason(l, reason, customer, target);
        UpgradeError {
            code: reason.wire_code(),
            description: format!("{} {}", words.text, words.fix),
            additional_details: match words.action {
                Some((href, _)) => href,
                None => format!("rule {}", words.rule),
            },
            attributes: Attributes::of("UpgradeError"),
        }
    }
}

/// One target of a subscription's upgrade paths.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Upgrade)]
pub struct UpgradeResource {
    pub target_offer: OfferResource,
    pub upgrade_type: UpgradeType,
    pub is_eligible: bool,
    /// The licenses the new subscription would have: by default, the source's.
    pub quantity: u32,
    pub upgrade_errors: Vec<UpgradeError>,
    pub attributes: Attributes,
}

impl UpgradeResource {
    pub fn new(
        l: Locale,
        customer: &CustomerId,
        target: &crate::domain::eligibility::Target,
        quantity: u32,
    ) -> UpgradeResource {
        let eligible = target.is_eligible();
        UpgradeResource {
            target_offer: OfferResource::new(l, target.offer.offer()),
            upgrade_type: if eligible {
                UpgradeType::UpgradeWithLicenseTransfer
            } else {
                UpgradeType::None
            },
            is_eligible: eligible,
            quantity,
            upgrade_errors: target
                .failures
                .iter()
                .map(|r| UpgradeError::new(l, r, customer, Some(target.offer)))
                .collect(),
            attributes: Attributes::of("Upgrade"),
        }
    }
}

/// A user whose license could not move (Partner Center's shape; the portal moves licenses all or
/// none, so it never lists one).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserLicenseError {
    pub user_object_id: String,
    pub name: String,
    pub email: String,
    pub errors: Vec<crate::web::api::error::ErrorBody>,
    pub attributes: Attributes,
}

/// What an upgrade did, or why it was not made.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeResult {
    pub source_subscription_id: String,
    /// The new subscription; absent when the upgrade was not made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_subscription_id: Option<String>,
    pub upgrade_type: UpgradeType,
    pub upgrade_errors: Vec<UpgradeError>,
    /// Always empty: assigned licenses move with the upgrade, all or none.
    pub license_errors: Vec<UserLicenseError>,
    pub attributes: Attributes,
}

impl UpgradeResult {
    pub fn done(source: &str, target: &str) -> UpgradeResult {
        UpgradeResult {
            source_subscription_id: source.to_owned(),
            target_subscription_id: Some(target.to_owned()),
            upgrade_type: UpgradeType::UpgradeWithLicenseTransfer,
            upgrade_errors: Vec::new(),
            license_errors: Vec::new(),
            attributes: Attributes::of("UpgradeResult"),
        }
    }

    pub fn refused(source: &str, errors: Vec<UpgradeError>) -> UpgradeResult {
        UpgradeResult {
            source_subscription_id: source.to_owned(),
            target_subscription_id: None,
            upgrade_type: UpgradeType::None,
            upgrade_errors: errors,
            license_errors: Vec::new(),
            attributes: Attributes::of("UpgradeResult"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_round_trip_in_every_spelling() {
        let v = Version(7);
        assert_eq!(parse_etag(&etag(v)), Some(v));
        assert_eq!(parse_etag("\"v7\""), Some(v));
        assert_eq!(parse_etag("W/\"v7\""), Some(v));
        assert_eq!(parse_etag("7"), None);
        assert_eq!(parse_etag("v-1"), None);
        assert_eq!(parse_etag("*"), None);
    }

    #[test]
    fn upgrade_types_by_name_or_number() {
        use serde_json::json;
        assert_eq!(
            UpgradeType::parse(&json!(2)),
            Some(UpgradeType::UpgradeWithLicenseTransfer)
        );
        assert_eq!(
            UpgradeType::parse(&json!("Upgrade_With_License_Transfer")),
            Some(UpgradeType::UpgradeWithLicenseTransfer)
        );
        assert_eq!(UpgradeType::parse(&json!(0)), Some(UpgradeType::None));
        assert_eq!(UpgradeType::parse(&json!(3)), None);
        assert_eq!(UpgradeType::parse(&json!(true)), None);
    }
}
