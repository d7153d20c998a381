//! Ids in URL paths, parsed at the edge. A malformed id answers exactly like an unknown one: 404.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};

use super::error::PageError;
use crate::domain::{Account, ChangeKey, CustomerId, SubscriptionId, Version};
use crate::store::changes::Submission;

fn segment<T>(
    req: &HttpRequest,
    name: &str,
    parse: fn(&str) -> Result<T, crate::domain::ids::IdError>,
) -> Result<T, PageError> {
    req.match_info()
        .get(name)
        .ok_or(PageError::NotFound)
        .and_then(|raw| parse(raw).map_err(|_| PageError::NotFound))
}

/// `/customers/{customer}/…`
pub struct CustomerPath(pub CustomerId);

impl FromRequest for CustomerPath {
    type Error = PageError;
    type Future = Ready<Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(segment(req, "customer", CustomerId::parse).map(CustomerPath))
    }
}

/// `/customers/{customer}/subscriptions/{subscription}/…`
pub struct SubscriptionPath {
    pub customer: CustomerId,
    pub subscription: SubscriptionId,
}

impl FromRequest for SubscriptionPath {
    type Error = PageError;
    type Future = Ready<Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready((|| {
            Ok(SubscriptionPath {
                customer: segment(req, "customer", CustomerId::parse)?,
                subscription: segment(req, "subscription", SubscriptionId::parse)?,
            })
        })())
    }
}

impl SubscriptionPath {
    pub fn details_href(&self) -> String {
        details_href(&self.customer, &self.subscription)
    }

    /// A change to this subscription, submitted by `who` from a form with `key`, shown at
    /// version `expected`.
    pub fn submission<'a>(
        &'a self,
        who: &'a Account,
        key: &'a ChangeKey,
        expected: Version,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Submission<'a> {
        Submission {
            at,
            who,
            via_token: None,
            customer: &self.customer,
            subscription: &self.subscription,
            key: Some(key),
            expected: Some(expected),
        }
    }
}

pub fn subscriptions_href(customer: &CustomerId) -> String {
    format!("/customers/{customer}/subscriptions")
}

pub fn details_href(customer: &CustomerId, subscription: &SubscriptionId) -> String {
    format!("/customers/{customer}/subscriptions/{subscription}")
}
