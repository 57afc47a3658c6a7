//! Which network a request comes from, for per-visitor limits. IPv4 addresses count one by
//! one; IPv6 addresses are grouped by their /64 prefix, because one subscriber usually holds a
//! whole /64 and can rotate through its addresses at will.

use std::net::{IpAddr, Ipv6Addr};

/// The limit key for a client address (as the platform reports it, e.g. `cf-connecting-ip`).
/// An IPv4-mapped IPv6 address counts as its IPv4 address. Text that is not an address is
/// kept (bounded) so it still limits something, but never merges with a real address.
pub fn network_key(addr: &str) -> String {
    let addr = addr.trim();
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => prefix_64(&v6),
        },
        Err(_) => format!("?{}", addr.chars().take(64).collect::<String>()),
    }
}

fn prefix_64(v6: &Ipv6Addr) -> String {
    let s = v6.segments();
    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_addresses_count_one_by_one() {
        assert_eq!(network_key("203.0.113.7"), "203.0.113.7");
        assert_ne!(network_key("203.0.113.7"), network_key("203.0.113.8"));
        assert_eq!(network_key(" 203.0.113.7 "), "203.0.113.7");
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_a_key() {
        let a = network_key("2001:db8:1:2:aaaa::1");
        let b = network_key("2001:db8:1:2:ffff:eeee:dddd:cccc");
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(a, b);
        // Written differently, same address.
        assert_eq!(network_key("2001:0DB8:0001:0002::9"), a);
        // The next /64 is another network.
        assert_ne!(network_key("2001:db8:1:3::1"), a);
    }

    #[test]
    fn ipv4_mapped_ipv6_is_the_ipv4_address() {
        assert_eq!(network_key("::ffff:198.51.100.4"), "198.51.100.4");
    }

    #[test]
    fn text_that_is_no_address_never_matches_one() {
        assert_eq!(network_key("local"), "?local");
        assert_eq!(network_key(&"x".repeat(500)).len(), 65);
        assert_ne!(network_key("?1.2.3.4"), network_key("1.2.3.4"));
    }
}
