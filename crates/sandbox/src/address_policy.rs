//! Which addresses a connection test may send its request to.
//!
//! By default only public unicast addresses are allowed: a connection test
//! is a request the sandbox sends on a caller's behalf, so it must not be a
//! way to reach the sandbox's own host, the local network or a cloud
//! metadata service. The check runs on the addresses a name resolves to,
//! and the request is then pinned to exactly those addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused, or `None` when it is a public unicast address.
pub fn refusal_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_unspecified() || a == 0 {
        Some("unspecified (\"this network\")")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        Some("cloud metadata service")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 100 && (64..=127).contains(&b) {
        Some("carrier-grade NAT (shared address space)")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() || a >= 240 {
        Some("reserved")
    } else if (a == 192 && b == 0 && c == 0) || (a == 198 && (b == 18 || b == 19)) {
        Some("reserved for protocols or benchmarking")
    } else if a == 192 && b == 88 && c == 99 {
        Some("6to4 relay anycast (relays to any IPv4 host)")
    } else if ip.is_documentation() {
        Some("documentation")
    } else {
        None
    }
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // IPv4 embedded in IPv6: v4-mapped (::ffff:a.b.c.d), the deprecated
    // v4-compatible form (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4
    // (2002:AABB:CCDD::/48) all reach an IPv4 host: judge that host.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_reason(v4);
    }
    // SIIT's IPv4-translated form (::ffff:0:a.b.c.d) reaches that host too.
    if segments[..6] == [0, 0, 0, 0, 0xffff, 0] {
        return v4_reason(Ipv4Addr::from_bits(ip.to_bits() as u32));
    }
    if segments[..6] == [0, 0, 0, 0, 0, 0] {
        return v4_reason(Ipv4Addr::from_bits(ip.to_bits() as u32));
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return v4_reason(Ipv4Addr::from_bits(ip.to_bits() as u32));
    }
    if segments[0] == 0x2002 {
        let embedded = ((segments[1] as u32) << 16) | segments[2] as u32;
        return v4_reason(Ipv4Addr::from_bits(embedded));
    }
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        return Some("cloud metadata service");
    }
    // Translators and relays whose far side the sandbox cannot judge: a
    // local NAT64 prefix reaches any IPv4 host of the local network, and
    // the IETF protocol block holds Teredo (2001::/32), which tunnels to one.
    if segments[..3] == [0x64, 0xff9b, 1] {
        return Some("local-use NAT64 (translates to any IPv4 host)");
    }
    if segments[0] == 0x2001 && segments[1] < 0x0200 {
        return Some("IETF protocol assignments (Teredo and others)");
    }
    // 3fff::/20: the first segment and the top four bits of the second.
    if segments[0] == 0x3fff && segments[1] & 0xf000 == 0 {
        return Some("documentation");
    }
    match segments[0] {
        0x5f00 => Some("segment routing (not globally reachable)"),
        s if s & 0xfe00 == 0xfc00 => Some("unique local (private)"),
        s if s & 0xffc0 == 0xfe80 => Some("link-local"),
        s if s & 0xffc0 == 0xfec0 => Some("site-local (deprecated, private)"),
        s if s & 0xff00 == 0xff00 => Some("multicast"),
        0x2001 if segments[1] == 0x0db8 => Some("documentation"),
        0x0100 if segments[1..4] == [0, 0, 0] => Some("discard-only"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> Option<&'static str> {
        refusal_reason(text.parse().unwrap())
    }

    #[test]
    fn internal_addresses_are_refused() {
        for (address, expected) in [
            ("127.0.0.1", "loopback"),
            ("127.8.9.10", "loopback"),
            ("0.0.0.0", "unspecified (\"this network\")"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "cloud metadata service"),
            ("169.254.1.1", "link-local"),
            ("100.64.0.1", "carrier-grade NAT (shared address space)"),
            ("100.100.100.200", "cloud metadata service"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved"),
            ("192.0.2.5", "documentation"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("::ffff:169.254.169.254", "cloud metadata service"),
            ("::127.0.0.1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "cloud metadata service"),
            ("2002:c0a8:0101::1", "private"),
            ("fc00::1", "unique local (private)"),
            ("fd00:ec2::254", "cloud metadata service"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            // Translators, relays and the ranges found by the probe.
            ("::ffff:0:7f00:1", "loopback"),
            ("::ffff:0:a00:1", "private"),
            ("::ffff:0:a9fe:a9fe", "cloud metadata service"),
            (
                "64:ff9b:1::7f00:1",
                "local-use NAT64 (translates to any IPv4 host)",
            ),
            (
                "64:ff9b:1:ffff::1",
                "local-use NAT64 (translates to any IPv4 host)",
            ),
            ("2001::1", "IETF protocol assignments (Teredo and others)"),
            (
                "2001:0:4136:e378:8000:63bf:3fff:fdd2",
                "IETF protocol assignments (Teredo and others)",
            ),
            (
                "2001:1ff::1",
                "IETF protocol assignments (Teredo and others)",
            ),
            ("3fff::1", "documentation"),
            ("3fff:fff:ffff::1", "documentation"),
            ("5f00::1", "segment routing (not globally reachable)"),
            ("5f00:ffff::1", "segment routing (not globally reachable)"),
            (
                "192.88.99.1",
                "6to4 relay anycast (relays to any IPv4 host)",
            ),
            (
                "::ffff:192.88.99.1",
                "6to4 relay anycast (relays to any IPv4 host)",
            ),
        ] {
            assert_eq!(reason(address), Some(expected), "{address}");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "2002:0808:0808::1",
            // Next to the refused ranges, but public.
            "2001:200::1",
            "2001:4860:4860::8888",
            "3ffe::1",
            "3fff:1000::1",
            "5f01::1",
            "64:ff9b:2::1",
            "192.88.98.1",
            "192.88.100.1",
            "::ffff:0:808:808",
        ] {
            assert_eq!(reason(address), None, "{address}");
        }
    }
}
