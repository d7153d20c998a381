//! E-mail (issue 32): an invitation's link sent through the SMTP server `PORTAL_SMTP_URL` names,
//! as plain text. The page shows the link whether or not the mail went out.

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Sends the portal's mail.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `url` (`smtp://[user:password@]host[:port]`, port 25 by default) sending as
    /// `from`. Plain SMTP: the portal has no TLS stack, so the server is a relay on the portal's
    /// host or network.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Mailer> {
        let server = SmtpServer::parse(url).ok_or_else(|| {
            anyhow::anyhow!("PORTAL_SMTP_URL: expected smtp://[user:password@]host[:port]")
        })?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&server.host)
            .port(server.port)
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

/// `PORTAL_SMTP_URL` read.
#[derive(Debug, PartialEq, Eq)]
struct SmtpServer {
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
}

impl SmtpServer {
    fn parse(url: &str) -> Option<SmtpServer> {
        let rest = url.trim().strip_prefix("smtp://")?.trim_end_matches('/');
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
        let (host, port) = match address.rsplit_once(':') {
            Some((host, port)) => (host, port.parse().ok()?),
            None => (address, 25),
        };
        (!host.is_empty() && !host.contains('/')).then(|| SmtpServer {
            host: host.to_owned(),
            port,
            credentials,
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
                credentials: None
            })
        );
        assert_eq!(
            SmtpServer::parse("smtp://portal:p%40ss@127.0.0.1:2525/"),
            Some(SmtpServer {
                host: "127.0.0.1".into(),
                port: 2525,
                credentials: Some(("portal".into(), "p@ss".into()))
            })
        );
        for bad in [
            "",
            "smtps://x",
            "http://x",
            "smtp://",
            "smtp://x:port",
            "smtp://u@x",
        ] {
            assert_eq!(SmtpServer::parse(bad), None, "{bad:?}");
        }
    }
}
