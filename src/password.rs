//! Password hashing: Argon2id with the crate's recommended parameters, in PHC string format.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Hashes a password for storage.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Hashes a password the portal generated (a tenant's first admin's: 16 characters drawn at
/// random from 66, about 96 bits) for storage: Argon2id at its least cost (8 KiB, one pass).
/// An Argon2 hash is slow and memory-hard so that guessing a password a person chose costs
/// dearly; no number of guesses reaches a random secret of 96 bits, so the cost would buy
/// nothing, and at the recommended 19 MiB and two passes it was most of what a new customer
/// cost the server (2 cores: at most about a hundred new customers a second); at 64 KiB it was
/// still a seventh of the instructions of a new customer through the API (`bench/callgrind.py`).
/// The stored string names its parameters, so [`verify`] reads it as any other.
pub fn hash_generated(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let params = argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None)
        .map_err(|e| anyhow::anyhow!("the generated passwords' hash parameters: {e}"))?;
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Whether `password` matches the stored hash. A malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so that a failed sign-in takes as long
/// whether or not the account exists.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("not a password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_and_are_argon2id() {
        let h = super::hash("s3cret!").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("s3cret!", &h));
        assert!(!super::verify("s3cret", &h));
        assert!(!super::verify("s3cret!", "not a hash"));
    }

    #[test]
    fn generated_passwords_hashes_verify_and_name_their_parameters() {
        let h = super::hash_generated("Q7#kd9Xm=2pRt4vW").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{h}");
        assert!(super::verify("Q7#kd9Xm=2pRt4vW", &h));
        assert!(!super::verify("Q7#kd9Xm=2pRt4vw", &h));
    }
}
