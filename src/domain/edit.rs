//! Editing a subscription as Partner Center's `PATCH` does: the subscription as the client wants
//! it, of which only the fields that differ are changes (its rule: [`super::change`]); and a
//! subscription's friendly name, which an edit may change.

use super::SubscriptionStatus;
use super::licenses::LicenseCount;

/// A subscription's friendly name: what the reseller calls it. [`FriendlyName::parse`] is its only
/// constructor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriendlyName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FriendlyNameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {} characters", FriendlyName::MAX)]
    TooLong,
    #[error("the name holds a control character")]
    ControlCharacter,
    #[error(
        "the name holds U+{:04X}, an invisible character that changes the direction of the text \
         around it",
        u32::from(*.0)
    )]
    DirectionControl(char),
}

impl FriendlyName {
    /// The longest name kept, in characters.
    pub const MAX: usize = 100;

    /// Surrounding whitespace is dropped; an empty name, a longer one, or one with a character
    /// [`name_characters`] refuses is refused.
    pub fn parse(raw: &str) -> Result<FriendlyName, FriendlyNameError> {
        let name = raw.trim();
        if name.is_empty() {
            Err(FriendlyNameError::Empty)
        } else if name.chars().count() > Self::MAX {
            Err(FriendlyNameError::TooLong)
        } else {
            name_characters(name).map(|()| FriendlyName(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `c` is one of Unicode's bidirectional controls (the `Bidi_Control` property: the
/// embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069, and the marks U+200E,
/// U+200F and U+061C). Invisible, they reorder the text around them: `Invoice` + U+202E +
/// `txt.exe` shows as `Invoiceexe.txt`.
pub fn is_direction_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// The rule for the characters of every name the portal keeps (a subscription's, an API
/// token's, a customer's, a reseller's): no control character (a line break, a tab) and no
/// bidirectional control, so that a name shows as what it is, on one line.
pub fn name_characters(name: &str) -> Result<(), FriendlyNameError> {
    if let Some(c) = name.chars().find(|c| is_direction_control(*c)) {
        return Err(FriendlyNameError::DirectionControl(c));
    }
    if name.chars().any(char::is_control) {
        return Err(FriendlyNameError::ControlCharacter);
    }
    Ok(())
}

/// The subscription as the client wants it: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    pub status: Option<SubscriptionStatus>,
    pub quantity: Option<LicenseCount>,
    pub friendly_name: Option<FriendlyName>,
}

impl Edit {
    /// The edit as text fields, as a request held for approval keeps it (issue 32): each field
    /// it changes, by its API name.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = Vec::new();
        if let Some(status) = self.status {
            fields.push(("status", status.as_str().to_owned()));
        }
        if let Some(quantity) = self.quantity {
            fields.push(("quantity", quantity.get().to_string()));
        }
        if let Some(name) = &self.friendly_name {
            fields.push(("friendlyName", name.as_str().to_owned()));
        }
        fields
    }

    /// Reads [`Edit::fields`] back, licenses within `offer`'s range; `None` when a field no
    /// longer reads (nothing a held edit can be made of).
    pub fn from_fields(fields: &[(String, String)], offer: super::OfferId) -> Option<Edit> {
        let mut edit = Edit {
            status: None,
            quantity: None,
            friendly_name: None,
        };
        for (name, value) in fields {
            match name.as_str() {
                "status" => edit.status = Some(value.parse().ok()?),
                "quantity" => {
                    edit.quantity = Some(LicenseCount::parse(value, offer.offer().licenses).ok()?)
                }
                "friendlyName" => edit.friendly_name = Some(FriendlyName::parse(value).ok()?),
                _ => return None,
            }
        }
        Some(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_reads_back_from_its_fields() {
        let offer = super::super::OfferId::O365BusinessEssentials;
        let edit = Edit {
            status: Some(SubscriptionStatus::Suspended),
            quantity: Some(LicenseCount::parse("40", offer.offer().licenses).unwrap()),
            friendly_name: Some(FriendlyName::parse("销售部").unwrap()),
        };
        let fields: Vec<(String, String)> = edit
            .fields()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        assert_eq!(Edit::from_fields(&fields, offer), Some(edit));
        let bad = [("quantity".to_owned(), "0".to_owned())];
        assert_eq!(Edit::from_fields(&bad, offer), None);
        let unknown = [("offerId".to_owned(), "O365_E3".to_owned())];
        assert_eq!(Edit::from_fields(&unknown, offer), None);
    }

    #[test]
    fn names_are_parsed() {
        assert_eq!(FriendlyName::parse("  "), Err(FriendlyNameError::Empty));
        assert_eq!(
            FriendlyName::parse(&"名".repeat(101)),
            Err(FriendlyNameError::TooLong)
        );
        assert!(FriendlyName::parse(&"名".repeat(100)).is_ok());
        assert_eq!(
            FriendlyName::parse("a\nb"),
            Err(FriendlyNameError::ControlCharacter)
        );
    }

    #[test]
    fn names_with_bidirectional_controls_are_refused() {
        for c in [
            '\u{061c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
            '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            assert_eq!(
                FriendlyName::parse(&format!("Invoice{c}txt.exe")),
                Err(FriendlyNameError::DirectionControl(c))
            );
        }
        let e = FriendlyName::parse("Invoice\u{202e}txt.exe").unwrap_err();
        assert!(e.to_string().contains("U+202E"), "{e}");
        // Other invisible characters that belong in names stay: a zero-width joiner (emoji, and
        // scripts that need it), a no-break space.
        for fine in [
            "👩\u{200d}💻 team",
            "Contoso\u{a0}云服务",
            "עברית and English",
        ] {
            assert!(FriendlyName::parse(fine).is_ok(), "{fine}");
        }
    }
}
