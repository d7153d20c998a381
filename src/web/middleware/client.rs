//! Where a request comes from. Behind a reverse proxy every request's peer is the proxy: the
//! client's address is then taken from `X-Forwarded-For`, but only when the peer is a proxy the
//! operator trusts (`PORTAL_TRUSTED_PROXIES`), never from any header by default.

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::config::{PublicUrl, TrustedProxies};

/// The client's address: the peer's, or, when the peer is a trusted proxy, the nearest address
/// of `X-Forwarded-For` that is not itself a trusted proxy.
pub fn address(req: &HttpRequest, trusted: Option<&TrustedProxies>) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let Some(trusted) = trusted.filter(|t| t.0.contains(peer)) else {
        return Some(peer);
    };
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|a| !trusted.0.contains(*a))
            .unwrap_or(peer),
    )
}

/// The portal's address as the request's browser reached it, for links to show (the API access
/// page's examples): the configured [`PublicUrl`]; else, from a trusted proxy, the address the
/// proxy says (`Forwarded`, `X-Forwarded-Proto`, `X-Forwarded-Host`); else the request's own
/// `Host`, over HTTPS when the portal is served so. Forwarded headers from any other peer are
/// anyone's to write, and never read.
pub fn base_url(
    req: &HttpRequest,
    public: Option<&PublicUrl>,
    trusted: Option<&TrustedProxies>,
    https: bool,
) -> String {
    if let Some(public) = public {
        return public.as_str().to_owned();
    }
    let from_proxy = req
        .peer_addr()
        .is_some_and(|peer| trusted.is_some_and(|t| t.0.contains(peer.ip())));
    if from_proxy {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_else(|| req.app_config().host().to_owned());
    format!("{}://{host}", if https { "https" } else { "http" })
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;
    use crate::config::Networks;

    fn request(peer: &str, forwarded: Option<&str>) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(format!("{peer}:4000").parse().unwrap());
        if let Some(f) = forwarded {
            req = req.insert_header(("X-Forwarded-For", f));
        }
        req.to_http_request()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let proxy = TrustedProxies(Networks::parse("10.0.0.0/8").unwrap());
        let client: IpAddr = "203.0.113.5".parse().unwrap();
        // No proxy trusted: the header is anyone's to forge.
        assert_eq!(
            address(&request("10.0.0.2", Some("203.0.113.5")), None),
            "10.0.0.2".parse().ok()
        );
        // From the trusted proxy: the nearest untrusted address.
        assert_eq!(
            address(
                &request("10.0.0.2", Some("198.51.100.1, 203.0.113.5, 10.0.0.9")),
                Some(&proxy)
            ),
            Some(client)
        );
        // From anyone else, the header is ignored.
        assert_eq!(
            address(&request("198.51.100.7", Some("203.0.113.5")), Some(&proxy)),
            "198.51.100.7".parse().ok()
        );
        // A proxy that sends no header is the client.
        assert_eq!(
            address(&request("10.0.0.2", None), Some(&proxy)),
            "10.0.0.2".parse().ok()
        );
        assert!(Networks::parse("10.0.0.0/8, ::1, 192.168.1.5").is_ok());
        assert!(Networks::parse("ten").is_err());
    }

    #[test]
    fn public_urls() {
        assert_eq!(
            PublicUrl::parse(" https://portal.example.cn/ ")
                .unwrap()
                .as_str(),
            "https://portal.example.cn"
        );
        assert!(PublicUrl::parse("http://10.0.0.5:8080/portal").is_ok());
        for bad in [
            "portal.example.cn",
            "ftp://x",
            "https://",
            "https://a b",
            "https://x/?q=1",
            "https://x\"",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
