//! HTTPS to receivers: rustls (on ring) with the Mozilla roots (`webpki-roots`), the receiver's
//! name checked against its certificate. The TCP connection under it is the one made to the
//! checked address.

use std::sync::Arc;

use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use crate::domain::webhook::{Host, WebhookUrl};

/// The client side of TLS, made once per instance.
#[derive(Clone)]
pub struct Tls(TlsConnector);

impl Tls {
    // ring's provider has no post-quantum key exchange (rustls marks it deprecated for that);
    // it is kept for a build without aws-lc-rs's C and assembly.
    #[allow(deprecated)]
    pub fn new() -> Tls {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map(|b| b.with_root_certificates(roots).with_no_client_auth());
        let config = match config {
            Ok(config) => config,
            // ring's provider supports the default versions; this is never reached.
            Err(_) => ClientConfig::builder()
                .with_root_certificates(RootCertStore::empty())
                .with_no_client_auth(),
        };
        Tls(TlsConnector::from(Arc::new(config)))
    }

    /// TLS over `stream`, for `url`'s host.
    pub async fn connect(
        &self,
        url: &WebhookUrl,
        stream: TcpStream,
    ) -> std::io::Result<TlsStream<TcpStream>> {
        let name = match url.host() {
            Host::Address(a) => ServerName::IpAddress(a.into()),
            Host::Name(n) => ServerName::try_from(n.to_owned())
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        };
        self.0.connect(name, stream).await
    }
}

impl Default for Tls {
    fn default() -> Self {
        Tls::new()
    }
}
