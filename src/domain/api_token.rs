//! API tokens: what a reseller's user gives a script so that it acts as that user on `/v1`.

use std::fmt;

use super::edit::{FriendlyName, FriendlyNameError};

/// What a user calls a token ("Nightly license sync"), to tell tokens apart: the same rules as a
/// subscription's friendly name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(raw: &str) -> Result<TokenName, FriendlyNameError> {
        FriendlyName::parse(raw).map(|n| TokenName(n.as_str().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A token's secret, as the client sends it: `pcp_` and 64 hexadecimal digits (256 random
/// bits). Only its SHA-256 is stored; [`TokenSecret::parse`] refuses anything else before any
/// database is asked.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

impl TokenSecret {
    const PREFIX: &'static str = "pcp_";

    /// A new random secret.
    pub fn generate() -> TokenSecret {
        let bytes: [u8; 32] = rand::random();
        TokenSecret(format!("{}{}", Self::PREFIX, hex(&bytes)))
    }

    pub fn parse(raw: &str) -> Option<TokenSecret> {
        let digits = raw.strip_prefix(Self::PREFIX)?;
        (digits.len() == 64 && digits.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| TokenSecret(format!("{}{}", Self::PREFIX, digits.to_ascii_lowercase())))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 of the secret, in hexadecimal: what the database keeps.
    pub fn hash(&self) -> String {
        use sha2::Digest;
        hex(&sha2::Sha256::digest(self.0.as_bytes()))
    }

    /// The first characters, to recognize a token in a list without revealing it.
    pub fn hint(&self) -> String {
        self.0.chars().take(Self::PREFIX.len() + 6).collect()
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenSecret({}…)", self.hint())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_parses_and_hashes_alike() {
        let secret = TokenSecret::generate();
        let again = TokenSecret::parse(secret.expose()).unwrap();
        assert_eq!(secret.hash(), again.hash());
        assert_eq!(secret.hash().len(), 64);
        assert_ne!(secret, TokenSecret::generate());
        assert!(secret.hint().starts_with("pcp_") && secret.hint().len() == 10);
    }

    #[test]
    fn anything_else_is_no_secret() {
        for raw in [
            "",
            "pcp_",
            "pcp_xyz",
            &format!("pcp_{}", "g".repeat(64)),
            &"a".repeat(68),
        ] {
            assert!(TokenSecret::parse(raw).is_none(), "{raw:?}");
        }
    }

    #[test]
    fn the_debug_form_hides_the_secret() {
        let secret = TokenSecret::generate();
        assert!(!format!("{secret:?}").contains(&secret.expose()[10..]));
    }
}
