//! Addresses a webhook may never be sent to, unless the operator allows their network
//! (`PORTAL_WEBHOOK_ALLOW`): whatever is not a public unicast address, so that a registration
//! can't make the portal call into its own machine or network (server-side request forgery).
//! Checked at registration and again at each delivery, on the address connected to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Loopback,
    Private,
    LinkLocal,
    Multicast,
    Unspecified,
    /// Broadcast, shared (carrier-grade NAT), documentation, benchmarking and reserved
    /// addresses: none is a receiver on the internet.
    Reserved,
}

impl Refused {
    pub fn as_str(self) -> &'static str {
        match self {
            Refused::Loopback => "loopback",
            Refused::Private => "private",
            Refused::LinkLocal => "link-local",
            Refused::Multicast => "multicast",
            Refused::Unspecified => "unspecified",
            Refused::Reserved => "reserved",
        }
    }
}

/// Why `address` is refused, or `None` for a public unicast address. An IPv6 address that
/// carries an IPv4 one (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`) is
/// judged by the IPv4 one.
pub fn refused(address: IpAddr) -> Option<Refused> {
    match address {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(a: Ipv4Addr) -> Option<Refused> {
    let [b0, b1, b2, _] = a.octets();
    if a.is_unspecified() || b0 == 0 {
        Some(Refused::Unspecified)
    } else if a.is_loopback() {
        Some(Refused::Loopback)
    } else if a.is_private() {
        Some(Refused::Private)
    } else if a.is_link_local() {
        // 169.254.0.0/16, the cloud metadata address 169.254.169.254 among them.
        Some(Refused::LinkLocal)
    } else if a.is_multicast() {
        Some(Refused::Multicast)
    } else if a.is_broadcast()
        || b0 >= 240
        // 100.64.0.0/10, shared address space
        || (b0 == 100 && (64..128).contains(&b1))
        // 192.0.0.0/24 (protocol assignments), 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24
        || (b0 == 192 && b1 == 0 && (b2 == 0 || b2 == 2))
        || (b0 == 198 && b1 == 51 && b2 == 100)
        || (b0 == 203 && b1 == 0 && b2 == 113)
        // 198.18.0.0/15, benchmarking
        || (b0 == 198 && (b1 == 18 || b1 == 19))
    {
        Some(Refused::Reserved)
    } else {
        None
    }
}

fn refused_v6(a: Ipv6Addr) -> Option<Refused> {
    let s = a.segments();
    if let Some(v4) = a.to_ipv4_mapped() {
        return refused_v4(v4);
    }
    // ::a.b.c.d (deprecated IPv4-compatible) and 64:ff9b::a.b.c.d (NAT64): the IPv4 address
    // inside is what is reached.
    if (s[..6] == [0, 0, 0, 0, 0, 0] && !a.is_loopback() && !a.is_unspecified())
        || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
    {
        let [a0, a1, a2, a3, ..] = [s[6] >> 8, s[6] & 0xff, s[7] >> 8, s[7] & 0xff];
        let v4 = Ipv4Addr::new(a0 as u8, a1 as u8, a2 as u8, a3 as u8);
        return refused_v4(v4).or(Some(Refused::Reserved).filter(|_| s[0] == 0));
    }
    if a.is_unspecified() {
        Some(Refused::Unspecified)
    } else if a.is_loopback() {
        Some(Refused::Loopback)
    } else if a.is_multicast() {
        Some(Refused::Multicast)
    } else if (s[0] & 0xffc0) == 0xfe80 {
        Some(Refused::LinkLocal)
    } else if (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfec0 {
        // fc00::/7 unique local; fec0::/10, the old site-local
        Some(Refused::Private)
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        // documentation
        Some(Refused::Reserved)
    } else if s[0] & 0xe000 != 0x2000 {
        // Outside 2000::/3, no global unicast is assigned.
        Some(Refused::Reserved)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(raw: &str) -> Option<Refused> {
        refused(raw.parse().unwrap())
    }

    #[test]
    fn public_addresses_pass() {
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "52.96.0.1",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.1.1",
            "169.253.255.255",
            "223.255.255.254",
            "2001:4860:4860::8888",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(judge(a), None, "{a}");
        }
    }

    #[test]
    fn loopback_is_refused_in_every_spelling() {
        for a in [
            "127.0.0.1",
            "127.0.0.2",
            "127.255.255.254",
            "::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
        ] {
            assert_eq!(judge(a), Some(Refused::Loopback), "{a}");
        }
    }

    #[test]
    fn private_networks_are_refused() {
        for a in [
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            "192.168.255.255",
            "fc00::1",
            "fd12:3456::1",
            "fec0::1",
            "::ffff:10.1.2.3",
            "::ffff:192.168.1.1",
        ] {
            assert_eq!(judge(a), Some(Refused::Private), "{a}");
        }
    }

    #[test]
    fn link_local_and_the_metadata_address_are_refused() {
        for a in [
            "169.254.169.254",
            "169.254.0.1",
            "169.254.255.255",
            "fe80::1",
            "febf::1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert_eq!(judge(a), Some(Refused::LinkLocal), "{a}");
        }
    }

    #[test]
    fn multicast_is_refused() {
        for a in [
            "224.0.0.1",
            "239.255.255.250",
            "ff02::1",
            "ff0e::1",
            "::ffff:224.0.0.251",
        ] {
            assert_eq!(judge(a), Some(Refused::Multicast), "{a}");
        }
    }

    #[test]
    fn unspecified_is_refused() {
        for a in ["0.0.0.0", "0.1.2.3", "::", "::ffff:0.0.0.0"] {
            assert_eq!(judge(a), Some(Refused::Unspecified), "{a}");
        }
    }

    #[test]
    fn reserved_ranges_are_refused() {
        for a in [
            "255.255.255.255",
            "240.0.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "2001:db8::1",
            "100::1",
            "::ffff:100.64.0.1",
        ] {
            assert_eq!(judge(a), Some(Refused::Reserved), "{a}");
        }
    }
}
