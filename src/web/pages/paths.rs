//! Ids in URL paths, parsed at the edge. A malformed id answers exactly like an unknown one: 404.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};

use crate::domain::{CustomerId, SubscriptionId};
use crate::web::middleware::error::PageError;

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
}

/// Where to go back to after signing in or switching the language: a path of this site, and
/// nothing a browser could read as another site or that can't be a header. [`ReturnPath::parse`]
/// is its only constructor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPath(String);

impl ReturnPath {
    /// The longest return path kept.
    pub const MAX: usize = 2000;

    /// A path that starts with one `/`; never `//host` or `/\host` (browsers read both as another
    /// site), never a backslash, never a control character (browsers drop tabs and line breaks,
    /// so `/\t/evil.example` becomes `//evil.example`; others can't be in a header at all).
    pub fn parse(raw: &str) -> Option<ReturnPath> {
        let ok = raw.starts_with('/')
            && !raw.starts_with("//")
            && raw.len() <= Self::MAX
            && !raw.chars().any(|c| c == '\\' || c.is_control());
        ok.then(|| ReturnPath(raw.to_owned()))
    }

    /// A return path as sent, or the customer list.
    pub fn or_home(raw: Option<&str>) -> ReturnPath {
        raw.and_then(ReturnPath::parse)
            .unwrap_or_else(|| ReturnPath("/".to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub fn subscriptions_href(customer: &CustomerId) -> String {
    format!("/customers/{customer}/subscriptions")
}

pub fn details_href(customer: &CustomerId, subscription: &SubscriptionId) -> String {
    format!("/customers/{customer}/subscriptions/{subscription}")
}

#[cfg(test)]
mod tests {
    use super::ReturnPath;

    #[test]
    fn only_paths_of_this_site_are_return_paths() {
        assert!(ReturnPath::parse("/customers/c-1/subscriptions?q=%E7%A7%91").is_some());
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/a\\b",
            "",
            "evil",
            "/a\r\nSet-Cookie: x",
            "/\t/evil.example",
            "/\u{b}/evil.example",
            "/\u{c}/evil.example",
            "/\u{7f}/evil.example",
            "/\u{0}/evil.example",
            "/\u{85}x",
        ] {
            assert_eq!(ReturnPath::parse(bad), None, "{bad:?}");
        }
        assert_eq!(ReturnPath::parse(&format!("/{}", "a".repeat(2000))), None);
        assert_eq!(ReturnPath::or_home(Some("//evil")).as_str(), "/");
    }
}
