//! Identifiers of resellers, customers and subscriptions. They come from import files and URL
//! paths, so they are parsed once: 1 to 64 characters of ASCII letters, digits, `-`, `_` and `.`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("is empty")]
    Empty,
    #[error("is longer than 64 characters")]
    TooLong,
    #[error("may hold only ASCII letters, digits, '-', '_' and '.'")]
    BadCharacter,
}

fn check(raw: &str) -> Result<(), IdError> {
    if raw.is_empty() {
        return Err(IdError::Empty);
    }
    if raw.len() > 64 {
        return Err(IdError::TooLong);
    }
    if !raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(IdError::BadCharacter);
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, IdError> {
                check(raw).map(|()| Self(raw.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A reseller (a Cloud Solution Provider partner) using the portal.
    ResellerId
);
id_type!(
    /// A customer tenant.
    CustomerId
);
id_type!(
    /// A subscription of a customer.
    SubscriptionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_the_documented_alphabet() {
        assert!(CustomerId::parse("c-0001").is_ok());
        assert!(SubscriptionId::parse("s_1.A").is_ok());
    }

    #[test]
    fn ids_refuse_anything_else() {
        assert_eq!(CustomerId::parse(""), Err(IdError::Empty));
        assert_eq!(CustomerId::parse(&"a".repeat(65)), Err(IdError::TooLong));
        for bad in ["a b", "a/b", "<script>", "客户", "a'--", "%2e"] {
            assert_eq!(CustomerId::parse(bad), Err(IdError::BadCharacter), "{bad}");
        }
    }
}

/// The one-time key a form carries so that the same submit arriving twice (a double click, back
/// and resubmit, a retried request) changes things once. Forms get a fresh UUID when rendered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FormKey(String);

impl FormKey {
    /// A fresh key for a form being rendered.
    pub fn generate() -> FormKey {
        FormKey(uuid::Uuid::new_v4().to_string())
    }

    /// A key as submitted: a UUID, as the portal's forms carry.
    pub fn parse(raw: &str) -> Option<FormKey> {
        uuid::Uuid::try_parse(raw.trim())
            .ok()
            .map(|u| FormKey(u.hyphenated().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FormKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod form_key_tests {
    use super::FormKey;

    #[test]
    fn generated_keys_parse_and_junk_does_not() {
        let key = FormKey::generate();
        assert_eq!(FormKey::parse(key.as_str()), Some(key));
        for bad in [
            "",
            "short",
            "<script>alert(1)</script>xxxxxxxx",
            &"a".repeat(65),
            "0123456789abcdef'",
            "18446744073709551616",
        ] {
            assert_eq!(FormKey::parse(bad), None, "{bad}");
        }
    }
}
