//! E-mail (issue 32): an invitation's link sent through the SMTP server `PORTAL_SMTP_URL` names,
//! as plain text. The page shows the link whether or not the mail went out.
//!
//! Three ways to reach the server: `smtps://` (TLS from the first byte, port 465),
//! `smtp://…?tls=required` (STARTTLS, refused unless the server offers it, port 587) and plain
//! `smtp://` (a relay on the portal's host or network, port 25). TLS is rustls on ring with the
//! Mozilla roots (webpki-roots): the stack the webhooks' deliveries use already.

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Sends the portal's mail.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `url` (`smtps://`, `smtp://…?tls=required` or `smtp://`, each
    /// `[user:password@]host[:port]`) sending as `from`.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Mailer> {
        let server = SmtpServer::parse(url).ok_or_else(|| {
            anyhow::anyhow!(
                "PORTAL_SMTP_URL: expected smtps://[user:password@]host[:port], \
                 smtp://[user:password@]host[:port]?tls=required or smtp://[user:password@]host[:port]"
            )
        })?;
        let tls = match server.security {
            Security::Plain => Tls::None,
            Security::StartTls => Tls::Required(TlsParameters::new(server.host.clone())?),
            Security::Wrapper => Tls::Wrapper(TlsParameters::new(server.host.clone())?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&server.host)
            .port(server.port)
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(10)));
        if let Some((user, password)) = server.credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("PORTAL_SMTP_FROM={from:?}: {e}"))?;
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends `body` to `to` with `subject`.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse()?)
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body)?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    /// `smtp://`: none (a relay on the portal's host or network).
    Plain,
    /// `smtp://…?tls=required`: STARTTLS, and nothing sent if the server doesn't offer it.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Wrapper,
}

/// `PORTAL_SMTP_URL` read.
#[derive(Debug, PartialEq, Eq)]
struct SmtpServer {
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
    security: Security,
}

impl SmtpServer {
    fn parse(url: &str) -> Option<SmtpServer> {
        let url = url.trim();
        let (scheme, rest) = url.split_once("://")?;
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (rest, None),
        };
        let security = match (scheme, query) {
            ("smtps", None) => Security::Wrapper,
            ("smtp", None) => Security::Plain,
            ("smtp", Some("tls=required")) => Security::StartTls,
            _ => return None,
        };
        let rest = rest.trim_end_matches('/');
        let (credentials, address) = match rest.rsplit_once('@') {
            Some((who, address)) => {
                let (user, password) = who.split_once(':')?;
                let decode = |s: &str| {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8()
                        .ok()
                        .map(|s| s.into_owned())
                };
                (Some((decode(user)?, decode(password)?)), address)
            }
            None => (None, rest),
        };
        let default_port = match security {
            Security::Plain => 25,
            Security::StartTls => 587,
            Security::Wrapper => 465,
        };
        let (host, port) = match address.rsplit_once(':') {
            Some((host, port)) => (host, port.parse().ok()?),
            None => (address, default_port),
        };
        (!host.is_empty() && !host.contains('/')).then(|| SmtpServer {
            host: host.to_owned(),
            port,
            credentials,
            security,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_addresses_read_with_and_without_credentials() {
        assert_eq!(
            SmtpServer::parse("smtp://mail.example.cn"),
            Some(SmtpServer {
                host: "mail.example.cn".into(),
                port: 25,
                credentials: None,
                security: Security::Plain,
            })
        );
        assert_eq!(
            SmtpServer::parse("smtp://portal:p%40ss@127.0.0.1:2525/"),
            Some(SmtpServer {
                host: "127.0.0.1".into(),
                port: 2525,
                credentials: Some(("portal".into(), "p@ss".into())),
                security: Security::Plain,
            })
        );
        assert_eq!(
            SmtpServer::parse("smtps://portal:secret@smtp.example.cn"),
            Some(SmtpServer {
                host: "smtp.example.cn".into(),
                port: 465,
                credentials: Some(("portal".into(), "secret".into())),
                security: Security::Wrapper,
            })
        );
        assert_eq!(
            SmtpServer::parse("smtp://smtp.example.cn?tls=required"),
            Some(SmtpServer {
                host: "smtp.example.cn".into(),
                port: 587,
                credentials: None,
                security: Security::StartTls,
            })
        );
        assert_eq!(
            SmtpServer::parse("smtp://smtp.example.cn:2587/?tls=required").map(|s| s.port),
            Some(2587)
        );
        for bad in [
            "",
            "smtps://",
            "smtps://x?tls=required",
            "smtp://x?tls=none",
            "smtp://x?tls=",
            "http://x",
            "smtp://",
            "smtp://x:port",
            "smtp://u@x",
        ] {
            assert_eq!(SmtpServer::parse(bad), None, "{bad:?}");
        }
    }
}
