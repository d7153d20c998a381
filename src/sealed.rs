//! Values the portal seals so that only it can read or make them (AES-256-GCM under a key
//! derived from the session key), each bound to what it is for: the activity log's cursors
//! (bound to the reseller, so that they tell nothing of the log's global numbering and mean
//! nothing to another reseller), the sign-in form's token cookie, and the two-step secrets the
//! database keeps (bound to their user). Below `web` and `store` alike: both use it.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use sha2::{Digest, Sha256};

const NONCE: usize = 12;

/// Seals and opens values with the portal's key.
#[derive(Clone)]
pub struct Sealer(Aes256Gcm);

impl Sealer {
    /// A sealer under a key of its own, derived from the session key (which signs and encrypts
    /// the session cookie): what one seals can't be taken for the other.
    pub fn new(session_key: &actix_web::cookie::Key) -> Sealer {
        let key = Sha256::new()
            .chain_update(b"portal: sealed values\n")
            .chain_update(session_key.master())
            .finalize();
        Sealer(Aes256Gcm::new(&key))
    }

    /// `value` sealed for `purpose`, as lowercase hexadecimal digits (fit for a URL or a cookie).
    pub fn seal(&self, purpose: &str, value: &[u8]) -> String {
        let mut nonce = [0u8; NONCE];
        rand::fill(&mut nonce);
        let payload = Payload {
            msg: value,
            aad: purpose.as_bytes(),
        };
        // Encrypting into memory fails only past AES-GCM's length limit (64 GiB).
        let sealed = self
            .0
            .encrypt(Nonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = String::with_capacity(2 * (NONCE + sealed.len()));
        for b in nonce.iter().chain(&sealed) {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        out
    }

    /// The value `sealed` holds, if this portal sealed it for `purpose`; `None` for anything
    /// else (another purpose, another key, a changed digit, not hexadecimal).
    pub fn open(&self, purpose: &str, sealed: &str) -> Option<Vec<u8>> {
        let bytes = sealed
            .as_bytes()
            .chunks(2)
            .map(|pair| match pair {
                [high, low] => Some(digit(*high)? << 4 | digit(*low)?),
                _ => None,
            })
            .collect::<Option<Vec<u8>>>()?;
        let (nonce, sealed) = bytes.split_at_checked(NONCE)?;
        let payload = Payload {
            msg: sealed,
            aad: purpose.as_bytes(),
        };
        self.0.decrypt(Nonce::from_slice(nonce), payload).ok()
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(secret: u8) -> Sealer {
        Sealer::new(&actix_web::cookie::Key::derive_from(&[secret; 64]))
    }

    #[test]
    fn opens_what_it_sealed_for_the_same_purpose_only() {
        let s = sealer(1);
        let sealed = s.seal("activity contoso", &375i32.to_be_bytes());
        assert_eq!(
            s.open("activity contoso", &sealed),
            Some(375i32.to_be_bytes().to_vec())
        );
        assert_eq!(s.open("activity northwind", &sealed), None);
        assert_eq!(sealer(2).open("activity contoso", &sealed), None);
        // Sealing again gives another text: equal cursors don't even look alike.
        assert_eq!(sealed.len(), 64);
        assert_ne!(sealed, s.seal("activity contoso", &375i32.to_be_bytes()));
    }

    #[test]
    fn anything_else_opens_to_nothing() {
        let s = sealer(1);
        let sealed = s.seal("p", b"v");
        let mut changed = sealed.clone().into_bytes();
        changed[30] = if changed[30] == b'0' { b'1' } else { b'0' };
        for raw in [
            "",
            "0",
            "375",
            "zz",
            &sealed[..sealed.len() - 1],
            &String::from_utf8(changed).unwrap(),
            "请求",
        ] {
            assert_eq!(s.open("p", raw), None, "{raw}");
        }
    }
}
