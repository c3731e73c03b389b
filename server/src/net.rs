//! Addresses: which clients a proxy speaks for, and which hosts a webhook
//! may not reach.
//!
//! - A client's address comes from the socket, or — only when the socket's
//!   peer is a proxy the operator trusts (`--trusted-proxies`) — from the
//!   rightmost `X-Forwarded-For` hop that is not a trusted proxy. Every
//!   limit keys an IPv6 client by its /64, the block one subscriber holds.
//! - A webhook may reach only public unicast addresses, unless the
//!   operator lists a city's own receiver (`--webhook-allow`).

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    str::FromStr,
};

use ipnet::IpNet;

/// A list of networks, written as `10.0.0.0/8, 192.168.1.7, ::1` (a bare
/// address is its own /32 or /128).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cidrs(pub Vec<IpNet>);

impl Cidrs {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for Cidrs {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        s.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| {
                        format!("invalid network {part:?}: expected an address or CIDR, as in 10.0.0.0/8 or fd00::/8")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Cidrs)
    }
}

impl fmt::Display for Cidrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(","))
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is that IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The client behind a request: `peer` itself unless it is a trusted
/// proxy; then the rightmost hop of `X-Forwarded-For` (`hops`, in header
/// order) that is not one. A hop that is not an address ends the walk at
/// the proxy that appended it, so a client cannot pass itself off as
/// someone else by writing garbage.
pub fn client_ip<'a>(
    peer: IpAddr,
    hops: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &Cidrs,
) -> IpAddr {
    let mut client = canonical(peer);
    if !trusted.contains(client) {
        return client;
    }
    for hop in hops.rev() {
        let Some(ip) = parse_hop(hop) else {
            return client;
        };
        client = canonical(ip);
        if !trusted.contains(client) {
            return client;
        }
    }
    client
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}

/// What limits count a client as: its IPv4 address, or its IPv6 /64.
pub fn client_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let prefix = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{prefix}/64")
        }
    }
}

/// The network `ip` is in, for telling independent clients apart: an
/// IPv4 address by its /24, an IPv6 one by its /64.
pub fn network_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        v6 => client_key(v6),
    }
}

/// Why a webhook may not be sent to `ip`, or None for a public unicast
/// address. IPv6 forms that carry an IPv4 address (mapped, compatible,
/// NAT64, 6to4) are judged by that address.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match () {
        () if ip.is_unspecified() || a == 0 => "an unspecified address (0.0.0.0/8)",
        () if ip.is_loopback() => "a loopback address (127.0.0.0/8)",
        () if ip.is_private() => "a private address (RFC 1918)",
        () if ip.is_link_local() => {
            "a link-local address (169.254.0.0/16, cloud metadata among them)"
        }
        () if a == 100 && (64..128).contains(&b) => "a shared address (CGNAT 100.64.0.0/10)",
        () if ip.is_broadcast() => "the broadcast address",
        () if ip.is_multicast() => "a multicast address (224.0.0.0/4)",
        () if a >= 240 => "a reserved address (240.0.0.0/4)",
        () if a == 192 && b == 0 && c == 0 => "a protocol address (192.0.0.0/24)",
        () if a == 198 && (b == 18 || b == 19) => "a benchmarking address (198.18.0.0/15)",
        () if ip.is_documentation() => "a documentation address",
        () => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    Some(match () {
        () if ip.is_unspecified() => "an unspecified address (::)",
        () if ip.is_loopback() => "a loopback address (::1)",
        // ::a.b.c.d (IPv4-compatible, deprecated)
        () if s[..6] == [0; 6] => {
            return forbidden_v4(embedded(s[6], s[7])).or(Some("an IPv4-compatible address"));
        }
        // NAT64 64:ff9b::/96
        () if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] => {
            return forbidden_v4(embedded(s[6], s[7]));
        }
        // 6to4 2002:V4ADDR::/48
        () if s[0] == 0x2002 => return forbidden_v4(embedded(s[1], s[2])),
        () if s[0] & 0xfe00 == 0xfc00 => "a unique local address (fc00::/7)",
        () if s[0] & 0xffc0 == 0xfe80 => "a link-local address (fe80::/10)",
        () if s[0] & 0xffc0 == 0xfec0 => "a site-local address (fec0::/10)",
        () if ip.is_multicast() => "a multicast address (ff00::/8)",
        () if s[0] == 0x2001 && s[1] == 0x0db8 => "a documentation address (2001:db8::/32)",
        () if s[0] == 0x0100 && s[1..4] == [0, 0, 0] => "a discard address (100::/64)",
        () => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn inside_addresses_are_forbidden_outside_ones_are_not() {
        for inside in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.5",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fc00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.5",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:5",
            "2002:7f00:1::",
        ] {
            assert!(
                forbidden(ip(inside)).is_some(),
                "{inside} should be forbidden"
            );
        }
        for outside in [
            "8.8.8.8",
            "1.1.1.1",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "240e:1::1",
        ] {
            assert_eq!(forbidden(ip(outside)), None, "{outside} is public");
        }
    }

    #[test]
    fn forwarded_for_counts_only_behind_trusted_proxies() {
        let trusted: Cidrs = "10.0.0.0/8, ::1".parse().unwrap();
        let hops = ["198.51.100.7", "203.0.113.9", "10.0.0.3"];
        // From a trusted proxy: the rightmost hop that is not a proxy.
        assert_eq!(
            client_ip(ip("10.0.0.2"), hops.iter().copied(), &trusted),
            ip("203.0.113.9")
        );
        // From anyone else: the header is ignored.
        assert_eq!(
            client_ip(ip("198.51.100.50"), hops.iter().copied(), &trusted),
            ip("198.51.100.50")
        );
        // Garbage stops the walk at the proxy that appended it.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                ["1.2.3.4", "nonsense"].into_iter(),
                &trusted
            ),
            ip("10.0.0.2")
        );
        // Ports and brackets are read.
        assert_eq!(
            client_ip(ip("::1"), ["[2001:db8::7]:443"].into_iter(), &trusted),
            ip("2001:db8::7")
        );
        // Nothing trusted: the peer.
        assert_eq!(
            client_ip(ip("10.0.0.2"), hops.iter().copied(), &Cidrs::default()),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(client_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(
            client_key(ip("2001:db8:1:2:ffff::9")),
            client_key(ip("2001:db8:1:2::1"))
        );
        assert_ne!(
            client_key(ip("2001:db8:1:3::1")),
            client_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(client_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
    }

    #[test]
    fn cidr_lists_parse_and_say_what_is_wrong() {
        let c: Cidrs = "10.0.0.0/8 192.168.1.7,fd00::/8".parse().unwrap();
        assert!(c.contains(ip("10.1.2.3")));
        assert!(c.contains(ip("::ffff:10.1.2.3")));
        assert!(c.contains(ip("192.168.1.7")));
        assert!(!c.contains(ip("192.168.1.8")));
        assert_eq!(c.to_string(), "10.0.0.0/8,192.168.1.7/32,fd00::/8");
        let err = "10.0.0.0/33".parse::<Cidrs>().unwrap_err();
        assert!(err.contains("\"10.0.0.0/33\""), "{err}");
        assert!("".parse::<Cidrs>().unwrap().is_empty());
    }
}
