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

    /// The key of the draft an API call holds for approval (issue 32), from its `MS-RequestId`
    /// within the call (`scope`: the method and path), as [`ChangeKey::request_id`] keys the
    /// change itself: the same request again is the same request for approval. `None` when the
    /// id is not a GUID.
    pub fn request_id(raw: &str, scope: &str) -> Option<FormKey> {
        use sha2::Digest;
        let id = guid(raw)?.hyphenated().to_string();
        let digest = sha2::Sha256::digest(format!("held\n{scope}\n{id}").as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Some(FormKey(
            uuid::Uuid::from_bytes(bytes).hyphenated().to_string(),
        ))
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

/// A held draft's public id, its review's address (`/reviews/{id}`): 128 random bits as 32
/// lower-case hexadecimal digits, so that an address tells nothing of how many drafts there are
/// and can't be guessed from another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DraftId(String);

impl DraftId {
    pub fn generate() -> DraftId {
        let bytes: [u8; 16] = rand::random();
        DraftId(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// An id as a path carries it: exactly 32 hexadecimal digits (any letter case).
    pub fn parse(raw: &str) -> Option<DraftId> {
        (raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| DraftId(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DraftId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod draft_id_tests {
    use super::DraftId;

    #[test]
    fn generated_ids_are_new_each_time_and_parse_and_nothing_else_does() {
        let id = DraftId::generate();
        assert_eq!(DraftId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(
            DraftId::parse(&id.as_str().to_uppercase()),
            Some(id.clone())
        );
        assert_ne!(DraftId::generate(), id);
        for bad in [
            "",
            "1",
            "42",
            &"g".repeat(32),
            &"a".repeat(31),
            &"a".repeat(33),
            "请求",
        ] {
            assert_eq!(DraftId::parse(bad), None, "{bad}");
        }
    }
}

/// A GUID as Partner Center's headers carry one (`MS-RequestId`, `MS-CorrelationId`): 32
/// hexadecimal digits in groups of 8-4-4-4-12 (`0f8fad5b-d9cb-469f-a165-70867728950e`), in any
/// letter case; surrounding whitespace aside, nothing else.
pub fn guid(raw: &str) -> Option<uuid::Uuid> {
    let raw = raw.trim();
    (raw.len() == 36)
        .then(|| uuid::Uuid::try_parse(raw).ok())
        .flatten()
}

/// The one-time key of a change, in the store's one namespace per user: a form's key as it is,
/// or an API client's `MS-RequestId` behind `api:`, so that neither can replay the other's answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChangeKey(String);

impl ChangeKey {
    /// The key of a change submitted from a form.
    pub fn form(key: &FormKey) -> ChangeKey {
        ChangeKey(key.0.clone())
    }

    /// The key of an API call: its `MS-RequestId`, a GUID as Partner Center takes it (in any
    /// letter case, the same GUID; anything else is no key: `None`), within the call it was sent
    /// with (`scope`: the method and path): the same id sent with another call is another
    /// request, never the replay of an unrelated answer.
    pub fn request_id(raw: &str, scope: &str) -> Option<ChangeKey> {
        use sha2::Digest;
        let id = guid(raw)?.hyphenated().to_string();
        let digest = sha2::Sha256::digest(format!("{scope}\n{id}").as_bytes());
        let hex: String = digest[..28].iter().map(|b| format!("{b:02x}")).collect();
        Some(ChangeKey(format!("api:{hex}")))
    }

    /// The key of one row of a bulk change job: the row is made once however often its job
    /// is taken up again.
    pub fn job_row(job: i32, line: u32) -> ChangeKey {
        ChangeKey(format!("job:{job}:{line}"))
    }

    /// The key of the change a request for approval makes once approved (issue 32): the same
    /// approval again is its first reply.
    pub fn approval(request: i32) -> ChangeKey {
        ChangeKey(format!("approval:{request}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod change_key_tests {
    use super::{ChangeKey, FormKey};

    const CALL: &str = "PATCH /v1/customers/c-1/subscriptions/s-1";

    #[test]
    fn request_ids_and_form_keys_never_meet() {
        let form = FormKey::generate();
        let api = ChangeKey::request_id(form.as_str(), CALL).unwrap();
        assert_ne!(ChangeKey::form(&form), api);
        assert!(api.as_str().len() <= 64);
    }

    #[test]
    fn a_guid_is_one_key_in_any_letter_case() {
        let lower = ChangeKey::request_id("6f1c2c4e-0b8a-4d55-9d6e-4e2f6a1b2c3d", CALL).unwrap();
        let upper = ChangeKey::request_id(" 6F1C2C4E-0B8A-4D55-9D6E-4E2F6A1B2C3D ", CALL).unwrap();
        assert_eq!(lower, upper);
    }

    #[test]
    fn the_same_id_with_another_call_is_another_request() {
        let id = "6f1c2c4e-0b8a-4d55-9d6e-4e2f6a1b2c3d";
        assert_ne!(
            ChangeKey::request_id(id, CALL),
            ChangeKey::request_id(id, "POST /v1/customers/c-1/subscriptions/s-1/upgrades")
        );
    }

    #[test]
    fn unusable_request_ids_are_refused() {
        assert_eq!(ChangeKey::request_id("", CALL), None);
        assert_eq!(ChangeKey::request_id("has space", CALL), None);
        assert_eq!(ChangeKey::request_id(&"x".repeat(61), CALL), None);
        assert_eq!(ChangeKey::request_id("请求", CALL), None);
        // Partner Center takes GUIDs only, and so does the portal.
        assert_eq!(ChangeKey::request_id("retry-upgrade-1", CALL), None);
        assert_eq!(ChangeKey::request_id(&"x".repeat(36), CALL), None);
        // Other spellings of a GUID are not what Partner Center's headers carry.
        for other in [
            "0f8fad5bd9cb469fa16570867728950e",
            "{0f8fad5b-d9cb-469f-a165-70867728950e}",
            "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
        ] {
            assert_eq!(ChangeKey::request_id(other, CALL), None, "{other}");
        }
    }
}
