//! A reseller's team (issue 32): what a new user is given (an e-mail address, perhaps a name, a
//! role) and the one-time link that sets their password.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};

/// How long a link to set a password may be used: seven days from when it was made.
pub const LINK_VALID_DAYS: i64 = 7;

/// A user's e-mail address, as they sign in with it: trimmed, lowercased, with an `@`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEmail(String);

/// An e-mail address that is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an e-mail address")]
pub struct BadEmail;

impl UserEmail {
    pub fn parse(raw: &str) -> Result<UserEmail, BadEmail> {
        let email = raw.trim().to_lowercase();
        let (local, domain) = email.split_once('@').ok_or(BadEmail)?;
        let fine = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && !domain.contains('@');
        fine.then_some(UserEmail(email)).ok_or(BadEmail)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A user's name as the Users page shows it: up to 100 characters, no control characters;
/// empty is no name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

/// A name that can't be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a name has at most 100 characters and no control characters")]
pub struct BadName;

impl PersonName {
    pub fn parse(raw: &str) -> Result<Option<PersonName>, BadName> {
        let name = raw.trim();
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(BadName);
        }
        Ok((!name.is_empty()).then(|| PersonName(name.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password a user chose: 8 to 200 characters.
pub struct NewPassword(String);

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadPassword {
    #[error("a password has at least 8 characters")]
    TooShort,
    #[error("a password has at most 200 characters")]
    TooLong,
    #[error("the two passwords differ")]
    Different,
}

impl NewPassword {
    /// The password typed twice.
    pub fn parse(raw: &str, again: &str) -> Result<NewPassword, BadPassword> {
        let count = raw.chars().count();
        if count < 8 {
            return Err(BadPassword::TooShort);
        }
        if count > 200 {
            return Err(BadPassword::TooLong);
        }
        if raw != again {
            return Err(BadPassword::Different);
        }
        Ok(NewPassword(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The secret of a link to set a password: `psl_` and 64 hexadecimal digits (256 random
/// bits). Only its SHA-256 is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkSecret(String);

impl LinkSecret {
    const PREFIX: &'static str = "psl_";

    pub fn generate() -> LinkSecret {
        let bytes: [u8; 32] = rand::random();
        LinkSecret(format!("{}{}", Self::PREFIX, hex(&bytes)))
    }

    pub fn parse(raw: &str) -> Option<LinkSecret> {
        let digits = raw.strip_prefix(Self::PREFIX)?;
        (digits.len() == 64 && digits.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| LinkSecret(format!("{}{}", Self::PREFIX, digits.to_ascii_lowercase())))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 of the secret, in hexadecimal: what the database keeps.
    pub fn hash(&self) -> String {
        use sha2::Digest;
        hex(&sha2::Sha256::digest(self.0.as_bytes()))
    }

    /// The link's path on the portal.
    pub fn path(&self) -> String {
        format!("/set-password/{}", self.0)
    }
}

impl fmt::Debug for LinkSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkSecret(…)")
    }
}

/// Until when a link made at `made` may be used.
pub fn link_expiry(made: DateTime<Utc>) -> DateTime<Utc> {
    made + TimeDelta::days(LINK_VALID_DAYS)
}

/// Whether a link may still be used at `now`: not used, not expired.
pub fn link_usable(
    expires: DateTime<Utc>,
    used: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    used.is_none() && now < expires
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased_and_must_look_like_one() {
        assert_eq!(
            UserEmail::parse("  Li.Na@Contoso.CN ").unwrap().as_str(),
            "li.na@contoso.cn"
        );
        for bad in [
            "", "a", "a@", "@b.cn", "a@b", "a b@c.cn", "a@b@c.cn", "a@.cn", "a@b.",
        ] {
            assert_eq!(UserEmail::parse(bad), Err(BadEmail), "{bad:?}");
        }
    }

    #[test]
    fn names_are_optional_and_bounded() {
        assert_eq!(PersonName::parse("  "), Ok(None));
        assert_eq!(
            PersonName::parse(" 李娜 ").unwrap().unwrap().as_str(),
            "李娜"
        );
        assert_eq!(PersonName::parse(&"x".repeat(101)), Err(BadName));
        assert_eq!(PersonName::parse("a\u{7}b"), Err(BadName));
    }

    #[test]
    fn passwords_have_8_to_200_characters_typed_twice_alike() {
        assert_eq!(
            NewPassword::parse("1234567", "1234567").err(),
            Some(BadPassword::TooShort)
        );
        let long = "x".repeat(201);
        assert_eq!(
            NewPassword::parse(&long, &long).err(),
            Some(BadPassword::TooLong)
        );
        assert_eq!(
            NewPassword::parse("12345678", "12345679").err(),
            Some(BadPassword::Different)
        );
        // Characters, not bytes: eight Chinese characters are enough.
        assert!(NewPassword::parse("八个汉字的密码呀", "八个汉字的密码呀").is_ok());
    }

    #[test]
    fn link_secrets_parse_back_and_anything_else_is_none() {
        let s = LinkSecret::generate();
        assert_eq!(LinkSecret::parse(s.expose()).unwrap().hash(), s.hash());
        assert_ne!(s, LinkSecret::generate());
        assert!(s.path().starts_with("/set-password/psl_"));
        assert!(!format!("{s:?}").contains(&s.expose()[4..]));
        for bad in ["", "psl_", "psl_xyz", &format!("pcp_{}", "a".repeat(64))] {
            assert!(LinkSecret::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_link_is_usable_once_for_seven_days() {
        let made = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let expires = link_expiry(made);
        assert!(link_usable(expires, None, made));
        assert!(link_usable(expires, None, expires - TimeDelta::seconds(1)));
        assert!(!link_usable(expires, None, expires));
        assert!(!link_usable(expires, Some(made), made));
    }
}
