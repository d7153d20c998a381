//! One attempt to deliver: the receiver's host resolved once, every address it resolves to
//! checked ([`crate::domain::webhook::address`], unless `PORTAL_WEBHOOK_ALLOW` lists its
//! network), and the connection made to the address checked (a second lookup can't swap it for
//! another). A `POST` of the body with its signature; no redirect is followed (a 3xx is a failed
//! attempt), the whole attempt takes at most 5 seconds, and at most 64 KB of the answer is read,
//! only for its status: its body is never kept or shown.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::config::Networks;
use crate::domain::webhook::address::{self, Refused};
use crate::domain::webhook::{ATTEMPT_TIMEOUT, Host, MAX_ANSWER, WebhookUrl};
use crate::store::webhooks::deliveries::Tried;

/// Why a receiver's address is not called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressProblem {
    #[error("{address} is a {} address, which webhooks are never sent to", .why.as_str())]
    Refused { address: IpAddr, why: Refused },
    #[error("the host {0} could not be resolved")]
    Unresolved(String),
}

/// The address to connect to for `url`: its host's, or the first its name resolves to, if none
/// of them is refused.
pub async fn resolve(url: &WebhookUrl, allow: &Networks) -> Result<SocketAddr, AddressProblem> {
    let port = url.port();
    let addresses: Vec<SocketAddr> = match url.host() {
        Host::Address(address) => vec![SocketAddr::new(address, port)],
        Host::Name(name) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|_| AddressProblem::Unresolved(name.to_owned()))?
            .collect(),
    };
    let Some(first) = addresses.first().copied() else {
        return Err(AddressProblem::Unresolved(url.authority()));
    };
    for a in &addresses {
        if allow.contains(a.ip()) {
            continue;
        }
        if let Some(why) = address::refused(a.ip()) {
            return Err(AddressProblem::Refused {
                address: a.ip(),
                why,
            });
        }
    }
    Ok(first)
}

/// Sends `body` to `url` at `to` with `headers`; how it went.
pub async fn post(
    to: SocketAddr,
    url: &WebhookUrl,
    headers: &[(&str, String)],
    body: &[u8],
    tls: &super::tls::Tls,
) -> Tried {
    let started = Instant::now();
    let attempt = async {
        let stream = TcpStream::connect(to).await.map_err(|_| "connect")?;
        let _ = stream.set_nodelay(true);
        if url.is_https() {
            let stream = tls.connect(url, stream).await.map_err(|_| "tls")?;
            exchange(stream, url, headers, body).await
        } else {
            exchange(stream, url, headers, body).await
        }
    };
    let result = tokio::time::timeout(ATTEMPT_TIMEOUT, attempt).await;
    let millis = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    match result {
        Err(_) => Tried {
            status: None,
            outcome: "timeout",
            millis,
        },
        Ok(Err(outcome)) => Tried {
            status: None,
            outcome,
            millis,
        },
        Ok(Ok(status)) => Tried {
            status: Some(status),
            outcome: if (200..300).contains(&status) {
                "ok"
            } else {
                "status"
            },
            millis,
        },
    }
}

/// Writes the request and reads the answer's status (and at most 64 KB after it).
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    url: &WebhookUrl,
    headers: &[(&str, String)],
    body: &[u8],
) -> Result<u16, &'static str> {
    let mut request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\nUser-Agent: reseller-portal-webhooks\r\n",
        url.target(),
        url.authority(),
        body.len()
    );
    for (name, value) in headers {
        request.push_str(name);
        request.push_str(": ");
        request.push_str(value);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|_| "connect")?;
    stream.write_all(body).await.map_err(|_| "connect")?;
    stream.flush().await.map_err(|_| "connect")?;
    // The status line, then whatever follows up to the limit: read and dropped.
    let mut answer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 8192];
    let limit = MAX_ANSWER + 16 * 1024;
    let mut status = None;
    while answer.len() < limit {
        let n = stream.read(&mut chunk).await.map_err(|_| "protocol")?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..n.min(limit - answer.len())]);
        if status.is_none() {
            status = status_of(&answer);
        }
        if status.is_some() && answered(&answer) {
            break;
        }
    }
    status.or_else(|| status_of(&answer)).ok_or("protocol")
}

/// The status of an answer's first line, `HTTP/1.1 200 OK`, once it is whole.
fn status_of(answer: &[u8]) -> Option<u16> {
    let end = answer.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&answer[..end]).ok()?;
    let mut parts = line.split(' ');
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    parts
        .next()?
        .parse()
        .ok()
        .filter(|s| (100..600).contains(s))
}

/// Whether the whole answer is in: its headers, and as much body as its `Content-Length` says.
fn answered(answer: &[u8]) -> bool {
    let Some(head_end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&answer[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    match length {
        Some(length) => answer.len() >= head_end + 4 + length.min(MAX_ANSWER),
        // Chunked or closed by the receiver: read to the end or the limit.
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_is_read_from_a_whole_first_line() {
        assert_eq!(status_of(b"HTTP/1.1 204 No Content\r\n"), Some(204));
        assert_eq!(status_of(b"HTTP/1.0 500 x\r\n\r\n"), Some(500));
        assert_eq!(status_of(b"HTTP/1.1 20"), None);
        assert_eq!(status_of(b"SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(status_of(b"HTTP/1.1 999 x\r\n"), None);
    }

    #[test]
    fn an_answer_is_whole_at_its_length() {
        assert!(answered(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        assert!(!answered(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok"));
        assert!(!answered(b"HTTP/1.1 200 OK\r\n"));
    }

    #[actix_web::test]
    async fn an_endless_answer_is_read_only_to_the_limit() {
        let (ours, mut theirs) = tokio::io::duplex(64 * 1024);
        let read = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let written = read.clone();
        tokio::spawn(async move {
            let mut request = [0u8; 4096];
            let _ = theirs.read(&mut request).await;
            let _ = theirs.write_all(b"HTTP/1.1 500 Oops\r\n\r\n").await;
            let chunk = [b'x'; 8192];
            while theirs.write_all(&chunk).await.is_ok() {
                written.fetch_add(chunk.len(), std::sync::atomic::Ordering::Relaxed);
            }
        });
        let url = WebhookUrl::parse("http://receiver.example/hooks").unwrap();
        let status = exchange(ours, &url, &[], b"{}").await;
        assert_eq!(status, Ok(500));
        // What we read, plus what the pipe holds.
        let sent = read.load(std::sync::atomic::Ordering::Relaxed);
        assert!(sent <= MAX_ANSWER + 16 * 1024 + 2 * 64 * 1024, "{sent}");
    }

    #[actix_web::test]
    async fn names_and_addresses_are_refused_unless_allowed() {
        let none = Networks::default();
        for url in [
            "http://127.0.0.2:1/",
            "http://localhost:1/",
            "http://[::1]:1/",
        ] {
            let url = WebhookUrl::parse(url).unwrap();
            assert!(
                matches!(
                    resolve(&url, &none).await,
                    Err(AddressProblem::Refused { .. } | AddressProblem::Unresolved(_))
                ),
                "{url:?}"
            );
        }
        let loopback = Networks::parse("127.0.0.0/8, ::1").unwrap();
        let url = WebhookUrl::parse("http://127.0.0.2:9/x").unwrap();
        assert_eq!(
            resolve(&url, &loopback).await,
            Ok("127.0.0.2:9".parse().unwrap())
        );
    }
}
