//! A new customer's tenant name: the domain prefix of `{prefix}.partner.onmschina.cn`, the
//! initial domain Partner Center operated by 21Vianet gives a customer it creates.
//!
//! The prefix's rule, as Partner Center's customer form and its `checkdomainavailability`
//! validation take it (the stored REST reference states none; this is the rule of the initial
//! `onmicrosoft`/`onmschina` domain): ASCII letters and digits only, 1 to 27 of them; compared
//! without case, and kept in lower case. A domain belongs to one customer in the whole portal,
//! compared without case.

/// What follows the prefix.
pub const SUFFIX: &str = "partner.onmschina.cn";

/// A domain prefix that keeps its rule, in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainPrefix(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    #[error("enter the domain prefix")]
    Empty,
    #[error("the domain prefix is longer than {} characters", DomainPrefix::MAX)]
    TooLong,
    #[error("the domain prefix holds characters other than the letters a-z and digits 0-9")]
    Characters,
}

impl PrefixError {
    /// The key of the message shown beside the field.
    pub fn message_key(self) -> &'static str {
        match self {
            PrefixError::Empty => "signup-error-prefix-empty",
            PrefixError::TooLong => "signup-error-prefix-long",
            PrefixError::Characters => "signup-error-prefix-characters",
        }
    }
}

impl DomainPrefix {
    /// The longest prefix, in characters.
    pub const MAX: usize = 27;

    /// Surrounding whitespace is dropped; letters are kept in lower case.
    pub fn parse(raw: &str) -> Result<DomainPrefix, PrefixError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(PrefixError::Empty);
        }
        if !raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(PrefixError::Characters);
        }
        if raw.len() > Self::MAX {
            return Err(PrefixError::TooLong);
        }
        Ok(DomainPrefix(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The customer's initial domain: `{prefix}.partner.onmschina.cn`.
    pub fn domain(&self) -> String {
        format!("{}.{SUFFIX}", self.0)
    }
}

/// A domain as a request names it, as domains are compared: trimmed, in lower case; `None` for
/// something no domain is (empty, too long, or holding what no host name holds).
pub fn compared_domain(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_end_matches('.');
    let fits = !raw.is_empty()
        && raw.len() <= 253
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    fits.then(|| raw.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_letters_and_digits_up_to_27() {
        let p = DomainPrefix::parse(" Fabrikam2026 ").unwrap();
        assert_eq!(p.as_str(), "fabrikam2026");
        assert_eq!(p.domain(), "fabrikam2026.partner.onmschina.cn");
        assert_eq!(DomainPrefix::parse(""), Err(PrefixError::Empty));
        assert_eq!(DomainPrefix::parse("  "), Err(PrefixError::Empty));
        assert!(DomainPrefix::parse(&"a".repeat(27)).is_ok());
        assert_eq!(
            DomainPrefix::parse(&"a".repeat(28)),
            Err(PrefixError::TooLong)
        );
        for bad in [
            "fab-rikam",
            "fab.rikam",
            "fab rikam",
            "法布",
            "ｆａｂ",
            "fab_1",
        ] {
            assert_eq!(
                DomainPrefix::parse(bad),
                Err(PrefixError::Characters),
                "{bad}"
            );
        }
    }

    #[test]
    fn domains_compare_without_case() {
        assert_eq!(
            compared_domain("Fabrikam.Partner.OnMsChina.cn."),
            Some("fabrikam.partner.onmschina.cn".into())
        );
        assert_eq!(compared_domain(""), None);
        assert_eq!(compared_domain("a b.cn"), None);
        assert_eq!(compared_domain(&"a".repeat(254)), None);
    }
}
