//! Two-step sign-in (issue 32): time-based one-time passwords as RFC 6238 defines them
//! (HMAC-SHA-1, 6 digits, 30-second steps), accepted one step either side of now, each step at
//! most once; and ten recovery codes, each usable once, kept only as hashes.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds a code lasts.
pub const STEP_SECONDS: i64 = 30;
/// Steps either side of now a code is accepted for (clocks drift, people type slowly).
pub const WINDOW: i64 = 1;
/// How many recovery codes an enrollment gives.
pub const RECOVERY_CODES: usize = 10;

/// The secret an authenticator app holds: 20 random bytes (RFC 4226's recommended 160 bits),
/// shown as base32.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    pub fn generate() -> TotpSecret {
        let bytes: [u8; 20] = rand::random();
        TotpSecret(bytes.to_vec())
    }

    /// The secret as stored and as typed into an app: base32 without padding.
    pub fn to_base32(&self) -> String {
        base32(&self.0)
    }

    pub fn from_base32(raw: &str) -> Option<TotpSecret> {
        let bytes = from_base32(raw)?;
        (bytes.len() >= 10).then_some(TotpSecret(bytes))
    }

    /// The code of a step (the steps since 1970 of [`STEP_SECONDS`]).
    pub fn code(&self, step: i64) -> u32 {
        let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(&step.to_be_bytes());
        let hash = mac.finalize().into_bytes();
        let offset = usize::from(hash[hash.len() - 1] & 0x0f);
        let word = u32::from_be_bytes([
            hash[offset] & 0x7f,
            hash[offset + 1],
            hash[offset + 2],
            hash[offset + 3],
        ]);
        word % 1_000_000
    }

    /// The step a typed code is valid for at `unix_seconds`: within [`WINDOW`] steps of now and
    /// after `last_used` (a code is used once), else `None`.
    pub fn verify(&self, typed: &str, unix_seconds: i64, last_used: Option<i64>) -> Option<i64> {
        let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let code: u32 = typed.parse().ok()?;
        let now = unix_seconds.div_euclid(STEP_SECONDS);
        (now - WINDOW..=now + WINDOW)
            .filter(|step| last_used.is_none_or(|used| *step > used))
            .find(|step| self.code(*step) == code)
    }

    /// The `otpauth://` address an app reads from the QR code.
    pub fn uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
            enc(issuer),
            enc(account),
            self.to_base32(),
            enc(issuer)
        )
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

/// A recovery code as shown once: `xxxxx-xxxxx` of base32 letters and digits (50 bits).
pub fn recovery_code() -> String {
    let bytes: [u8; 7] = rand::random();
    let text: String = base32(&bytes)
        .to_ascii_lowercase()
        .chars()
        .take(10)
        .collect();
    format!("{}-{}", &text[..5], &text[5..])
}

/// What is kept of a recovery code: the SHA-256 of its letters and digits, lowercased (a code
/// typed with or without its dash, in either case, is the same code).
pub fn recovery_hash(typed: &str) -> String {
    use sha2::Digest;
    let plain: String = typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    sha2::Sha256::digest(plain.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether what was typed looks like a recovery code rather than a six-digit code.
pub fn looks_like_recovery(typed: &str) -> bool {
    typed.chars().filter(char::is_ascii_alphanumeric).count() == 10
}

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn from_base32(raw: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in raw.chars().filter(|c| *c != '=' && !c.is_whitespace()) {
        let value = ALPHABET
            .iter()
            .position(|a| char::from(*a) == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(value).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 secret: the ASCII of "12345678901234567890".
    fn rfc() -> TotpSecret {
        TotpSecret(b"12345678901234567890".to_vec())
    }

    #[test]
    fn codes_are_rfc_6238s_sha1_vectors_in_six_digits() {
        // Appendix B, the last six digits of its eight.
        for (t, code) in [
            (59, 287_082),
            (1_111_111_109, 81_804),
            (1_111_111_111, 50_471),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
            (20_000_000_000, 353_130),
        ] {
            assert_eq!(rfc().code(t / STEP_SECONDS), code, "T = {t}");
        }
    }

    #[test]
    fn a_code_counts_one_step_either_side_and_once() {
        let s = rfc();
        let now = 1_234_567_890;
        let step = now / STEP_SECONDS;
        let typed = |step: i64| format!("{:06}", s.code(step));
        assert_eq!(s.verify(&typed(step), now, None), Some(step));
        assert_eq!(s.verify(&typed(step - 1), now, None), Some(step - 1));
        assert_eq!(s.verify(&typed(step + 1), now, None), Some(step + 1));
        assert_eq!(s.verify(&typed(step - 2), now, None), None);
        assert_eq!(s.verify(&typed(step + 2), now, None), None);
        // Used once: the same step again, or an earlier one, is refused.
        assert_eq!(s.verify(&typed(step), now, Some(step)), None);
        assert_eq!(s.verify(&typed(step - 1), now, Some(step)), None);
        assert_eq!(s.verify(&typed(step + 1), now, Some(step)), Some(step + 1));
        // Spaces are forgiven; anything but six digits is no code.
        let spaced = format!("{} {}", &typed(step)[..3], &typed(step)[3..]);
        assert_eq!(s.verify(&spaced, now, None), Some(step));
        for bad in ["", "12345", "1234567", "abcdef", "１２３４５６"] {
            assert_eq!(s.verify(bad, now, None), None, "{bad:?}");
        }
    }

    #[test]
    fn secrets_read_back_from_base32() {
        assert_eq!(rfc().to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let s = TotpSecret::generate();
        assert_eq!(TotpSecret::from_base32(&s.to_base32()), Some(s.clone()));
        assert_eq!(
            TotpSecret::from_base32(&s.to_base32().to_lowercase()),
            Some(s.clone())
        );
        assert_eq!(s.to_base32().len(), 32);
        assert_eq!(TotpSecret::from_base32("not base32!"), None);
        assert!(!format!("{s:?}").contains(&s.to_base32()));
        let uri = s.uri("Contoso 云服务", "li@contoso.example");
        assert!(uri.starts_with("otpauth://totp/Contoso%20"), "{uri}");
        assert!(uri.contains(&format!("secret={}", s.to_base32())));
    }

    #[test]
    fn recovery_codes_are_ten_characters_hashed_as_typed_any_way() {
        let code = recovery_code();
        assert_eq!(code.len(), 11);
        assert!(looks_like_recovery(&code));
        assert!(!looks_like_recovery("123456"));
        assert_eq!(
            recovery_hash(&code),
            recovery_hash(&code.replace('-', "").to_uppercase())
        );
        assert_ne!(recovery_hash(&code), recovery_hash(&recovery_code()));
    }
}
