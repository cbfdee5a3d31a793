//! Host names and addresses: the allow-list (exact names and `*.suffix` patterns, matched on
//! the normalised name before any DNS lookup) and the public-address test every resolved
//! answer must pass.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::ProxyError;

/// One allowed host: `registry.npmjs.org` (that name only) or `*.crates.io` (any name below
/// it, not `crates.io` itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Exact(String),
    Suffix(String),
}

impl HostPattern {
    /// Parses one allow-list entry; refuses IP literals, ports, schemes and wildcards other
    /// than a leading `*.`.
    pub fn parse(entry: &str) -> Result<Self, ProxyError> {
        let bad = |reason: &'static str| ProxyError::BadHostPattern {
            entry: entry.to_owned(),
            reason,
        };
        let (suffix, name) = match entry.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, entry),
        };
        let name = normalise(name).ok_or_else(|| {
            bad("not a host name (letters, digits, `-` and `.`; punycode for other scripts)")
        })?;
        if !name.contains('.') && suffix {
            return Err(bad("`*.` needs a domain with a dot after it"));
        }
        Ok(if suffix {
            Self::Suffix(name)
        } else {
            Self::Exact(name)
        })
    }

    fn matches(&self, host: &str) -> bool {
        match self {
            Self::Exact(name) => host == name,
            Self::Suffix(domain) => host
                .strip_suffix(domain.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        }
    }
}

/// The hosts the egress proxy may tunnel to (port 443 only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    patterns: Vec<HostPattern>,
}

impl AllowList {
    /// Parses every entry; the first bad one is the error.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, ProxyError> {
        let patterns = entries
            .iter()
            .map(|entry| HostPattern::parse(entry.as_ref().trim()))
            .collect::<Result<_, _>>()?;
        Ok(Self { patterns })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether the normalised `host` is listed.
    pub fn allows(&self, host: &str) -> bool {
        self.patterns.iter().any(|pattern| pattern.matches(host))
    }
}

/// Lower-case, without a trailing dot, only `[a-z0-9-.]` in labels of 1..=63 characters;
/// `None` for anything else (IP literals included: they are refused before this is asked).
pub fn normalise(host: &str) -> Option<String> {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let labels_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        });
    // An all-numeric last label is an IPv4 literal in disguise (`127.1`, `0x7f.1`).
    let numeric_tld = host
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|byte| byte.is_ascii_digit()) || tld.starts_with("0x"));
    (labels_ok && !numeric_tld).then_some(host)
}

/// Whether `host` is an IP literal in any spelling the resolver would accept.
pub fn is_ip_literal(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>().is_ok() || bare.contains(':')
}

/// Whether `addr` is a public unicast address: not loopback, private (RFC 1918), CGNAT,
/// link-local (cloud metadata included), unique-local, multicast, broadcast, documentation,
/// benchmarking, `0.0.0.0/8`, or an IPv6 form wrapping any of those.
pub fn is_public(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(addr: Ipv4Addr) -> bool {
    let [a, b, c, _] = addr.octets();
    !(addr.is_loopback()
        || addr.is_private()
        || addr.is_link_local()
        || addr.is_multicast()
        || addr.is_broadcast()
        || addr.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19)))
}

fn is_public_v6(addr: Ipv6Addr) -> bool {
    if let Some(v4) = addr.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = addr.segments();
    let first = segments[0];
    let embeds_v4 = segments[..6].iter().all(|&segment| segment == 0)
        || first == 0x2002
        || (first == 0x0064 && segments[1] == 0xff9b);
    !(addr.is_loopback()
        || addr.is_unspecified()
        || addr.is_multicast()
        || embeds_v4
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        || (first == 0x2001 && segments[1] == 0x0db8)
        || first == 0x0100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_names_and_subdomains_only() {
        let list = AllowList::parse(&["registry.npmjs.org", "*.crates.io", " PyPI.org. "]).unwrap();
        assert!(list.allows("registry.npmjs.org"));
        assert!(list.allows("static.crates.io"));
        assert!(list.allows("a.b.crates.io"));
        assert!(list.allows("pypi.org"));
        assert!(
            !list.allows("crates.io"),
            "`*.` does not match the domain itself"
        );
        assert!(!list.allows("evilcrates.io"));
        assert!(!list.allows("registry.npmjs.org.evil.tld"));
        assert!(!list.allows("npmjs.org"));
    }

    #[test]
    fn bad_entries_are_refused() {
        for entry in [
            "",
            "*",
            "*.com.",
            "10.0.0.1",
            "host:443",
            "https://x.org",
            "a..b",
            "*x.org",
            "ex ample.org",
            "ünï.org",
        ] {
            assert!(
                HostPattern::parse(entry).is_err(),
                "{entry:?} should be refused"
            );
        }
    }

    #[test]
    fn names_are_normalised_and_numeric_spellings_refused() {
        assert_eq!(normalise("Example.ORG."), Some("example.org".to_owned()));
        for bad in ["127.1", "0x7f.0.0.1", "2130706433", "a_b.org", "-a.org", ""] {
            assert_eq!(normalise(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ip_literals_in_any_spelling_are_recognised() {
        for literal in ["1.2.3.4", "[::1]", "::ffff:127.0.0.1", "[fe80::1%25lo]"] {
            assert!(is_ip_literal(literal), "{literal}");
        }
        assert!(!is_ip_literal("example.org"));
    }

    #[test]
    fn only_public_addresses_pass() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::",
            "ff02::1",
            "2001:db8::1",
        ] {
            assert!(
                !is_public(private.parse().unwrap()),
                "{private} is not public"
            );
        }
        for public in [
            "1.1.1.1",
            "151.101.1.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public} is public");
        }
    }
}
