//! How events are signed, as Partner Center signs them: RSA with SHA-256 (PKCS#1 v1.5) over the
//! body's bytes, sent as `Authorization: Signature <base64>`, with the certificate of the key at
//! `X-MS-Certificate-Url` (the portal serves it) and `X-MS-Signature-Algorithm: rsa-sha256`.
//! The key is read from `PORTAL_WEBHOOK_KEY` (a PEM file), or made the first time one is needed
//! and kept in the database, so that every instance signs with the same key.
//!
//! RustCrypto's `rsa` makes the key and its certificate; `ring` (already built for rustls) signs
//! the events, several times faster than `rsa` (both blinded; PKCS#1 v1.5 gives the same bytes).
//! A key `ring` refuses (shorter than 2048 bits, or longer than 4096) is signed with `rsa`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _};
use sha2::Sha256;
use tokio::sync::OnceCell;

use crate::clock::Clock;
use crate::store::{self, Db};

/// The algorithm's name in `X-MS-Signature-Algorithm`.
pub const ALGORITHM: &str = "rsa-sha256";

/// Where the portal serves its certificate (DER), after its base address.
pub const CERTIFICATE_PATH: &str = "/webhooks/v1/certificate";

/// A key and its certificate.
pub struct Signer {
    key: Key,
    certificate: Vec<u8>,
}

/// The key as it signs.
enum Key {
    Ring(ring::signature::RsaKeyPair, ring::rand::SystemRandom),
    RustCrypto(SigningKey<Sha256>),
}

impl Key {
    fn new(key: RsaPrivateKey) -> Key {
        let ring = key
            .to_pkcs8_der()
            .ok()
            .and_then(|der| ring::signature::RsaKeyPair::from_pkcs8(der.as_bytes()).ok());
        match ring {
            Some(pair) => Key::Ring(pair, ring::rand::SystemRandom::new()),
            None => Key::RustCrypto(SigningKey::new(key)),
        }
    }

    /// The signature; fails only when the system gives no random numbers (blinding needs
    /// them).
    fn sign(&self, body: &[u8]) -> anyhow::Result<Vec<u8>> {
        match self {
            Key::Ring(pair, random) => {
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(
                    &ring::signature::RSA_PKCS1_SHA256,
                    random,
                    body,
                    &mut signature,
                )
                .map_err(|_| anyhow::anyhow!("signing failed"))?;
                Ok(signature)
            }
            Key::RustCrypto(key) => Ok(key
                .try_sign_with_rng(&mut rand_core_06(), body)
                .context("signing failed")?
                .to_vec()),
        }
    }
}

impl Signer {
    /// A key from its PEM (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`), with a
    /// self-signed certificate made for it.
    pub fn from_pem(pem: &str) -> anyhow::Result<Signer> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
            .context("expected an RSA private key in PEM (PRIVATE KEY or RSA PRIVATE KEY)")?;
        let certificate = certificate(&key)?;
        Ok(Signer {
            key: Key::new(key),
            certificate,
        })
    }

    fn kept(pem: &str, certificate: &str) -> anyhow::Result<Signer> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem).context("the kept signing key")?;
        Ok(Signer {
            key: Key::new(key),
            certificate: STANDARD
                .decode(certificate)
                .context("the kept certificate")?,
        })
    }

    /// The body's signature, base64 (blinded, as RSA signing should be).
    pub fn sign(&self, body: &[u8]) -> anyhow::Result<String> {
        Ok(STANDARD.encode(self.key.sign(body)?))
    }

    /// The certificate, DER.
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }
}

/// The random numbers the `rsa` crate takes (`rand_core` 0.6's traits), from the system.
fn rand_core_06() -> rsa::rand_core::OsRng {
    rsa::rand_core::OsRng
}

/// A self-signed certificate for `key`, valid ten years from now: receivers read the public key
/// from it.
fn certificate(key: &RsaPrivateKey) -> anyhow::Result<Vec<u8>> {
    use std::str::FromStr as _;
    use x509_cert::builder::{Builder as _, CertificateBuilder, Profile};
    use x509_cert::der::Encode as _;
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::SubjectPublicKeyInfoOwned;
    use x509_cert::time::Validity;

    let public = key
        .to_public_key()
        .to_public_key_der()
        .context("encoding the public key")?;
    let spki =
        SubjectPublicKeyInfoOwned::try_from(public.as_bytes()).context("reading the public key")?;
    let subject = Name::from_str("CN=Reseller portal webhooks,O=Reseller portal")
        .context("the certificate's name")?;
    let serial = SerialNumber::from(u32::try_from(chrono::Utc::now().timestamp()).unwrap_or(1));
    let validity = Validity::from_now(std::time::Duration::from_secs(10 * 365 * 24 * 3600))
        .context("the certificate's validity")?;
    let signer = SigningKey::<Sha256>::new(key.clone());
    let builder = CertificateBuilder::new(Profile::Root, serial, validity, subject, spki, &signer)
        .context("building the certificate")?;
    let certificate = builder
        .build::<rsa::pkcs1v15::Signature>()
        .context("signing the certificate")?;
    certificate.to_der().context("encoding the certificate")
}

/// A new 2048-bit key, as PKCS#8 PEM, and its certificate (DER, base64).
fn make_key() -> anyhow::Result<(String, String)> {
    let key = RsaPrivateKey::new(&mut rand_core_06(), 2048).context("making a key")?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the key")?
        .to_string();
    let certificate = STANDARD.encode(certificate(&key)?);
    Ok((pem, certificate))
}

/// The instance's signer, read or made the first time it is needed.
pub struct Keys {
    db: Db,
    clock: Clock,
    file: Option<PathBuf>,
    signer: OnceCell<Arc<Signer>>,
}

impl Keys {
    pub fn new(db: Db, clock: Clock, file: Option<PathBuf>) -> Keys {
        Keys {
            db,
            clock,
            file,
            signer: OnceCell::new(),
        }
    }

    /// The signer: the key of `PORTAL_WEBHOOK_KEY`, else the one kept in the database (made and
    /// kept now if there is none; of two instances making one at once, the first kept wins).
    pub async fn signer(&self) -> anyhow::Result<Arc<Signer>> {
        self.signer
            .get_or_try_init(|| async {
                if let Some(file) = &self.file {
                    let pem = std::fs::read_to_string(file).with_context(|| {
                        format!("reading PORTAL_WEBHOOK_KEY {}", file.display())
                    })?;
                    return Signer::from_pem(&pem)
                        .map(Arc::new)
                        .with_context(|| format!("PORTAL_WEBHOOK_KEY {}", file.display()));
                }
                if let Some((pem, certificate)) = store::webhooks::signing_key(&self.db).await? {
                    return Signer::kept(&pem, &certificate).map(Arc::new);
                }
                let (pem, certificate) = tokio::task::spawn_blocking(make_key)
                    .await
                    .context("making a signing key")??;
                let (pem, certificate) = store::webhooks::keep_signing_key(
                    &self.db,
                    &pem,
                    &certificate,
                    self.clock.now(),
                )
                .await?;
                tracing::info!("made the webhooks' signing key and kept it in the database");
                Signer::kept(&pem, &certificate).map(Arc::new)
            })
            .await
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePublicKey as _;
    use rsa::signature::Verifier as _;
    use x509_cert::der::{Decode as _, Encode as _};

    #[test]
    fn a_signature_verifies_with_the_certificates_public_key() {
        let (pem, certificate) = make_key().unwrap();
        let signer = Signer::kept(&pem, &certificate).unwrap();
        let body = br#"{"EventName":"test-created"}"#;
        assert!(
            matches!(signer.key, Key::Ring(..)),
            "a 2048-bit key is ring's"
        );
        let signature = STANDARD.decode(signer.sign(body).unwrap()).unwrap();

        let cert = x509_cert::Certificate::from_der(signer.certificate()).unwrap();
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap();
        let public = rsa::RsaPublicKey::from_public_key_der(&spki).unwrap();
        let verifying = VerifyingKey::<Sha256>::new(public);
        let signature = Signature::try_from(signature.as_slice()).unwrap();
        verifying.verify(body, &signature).unwrap();
        assert!(verifying.verify(b"{}", &signature).is_err());

        // The same key read from its PEM signs alike (PKCS#1 v1.5 is deterministic).
        let again = Signer::from_pem(&pem).unwrap();
        assert_eq!(again.sign(body).unwrap(), signer.sign(body).unwrap());
        // ring and RustCrypto's rsa give the same bytes for the same key.
        let key = RsaPrivateKey::from_pkcs8_pem(&pem).unwrap();
        let rust_crypto = Key::RustCrypto(SigningKey::new(key));
        assert_eq!(
            rust_crypto.sign(body).unwrap(),
            STANDARD.decode(signer.sign(body).unwrap()).unwrap()
        );
    }

    #[test]
    fn a_key_ring_refuses_is_signed_with_rsa() {
        let key = RsaPrivateKey::new(&mut rand_core_06(), 1024).unwrap();
        let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let signer = Signer::from_pem(&pem).unwrap();
        assert!(matches!(signer.key, Key::RustCrypto(_)));
        let body = br#"{"EventName":"test-created"}"#;
        let signature = STANDARD.decode(signer.sign(body).unwrap()).unwrap();
        let verifying = VerifyingKey::<Sha256>::new(key.to_public_key());
        let signature = Signature::try_from(signature.as_slice()).unwrap();
        verifying.verify(body, &signature).unwrap();
    }
}
