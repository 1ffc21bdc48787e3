//! The caller's address (for per-address limits and audit lines). `X-Forwarded-For` is read
//! only when the peer itself is a trusted proxy, named by address or CIDR in
//! `TRUSTED_PROXIES`; the header is then walked from the right through every trusted hop,
//! and the first address no trusted proxy is known to be is the client. Entries a client
//! wrote to the left are never believed.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` entries are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// A `TRUSTED_PROXIES` entry that names no proxy.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// A number: other frameworks count hops, which lets a client pose as a proxy.
    #[error(
        "`{0}` is a hop count; name the proxies themselves (addresses or CIDR blocks, e.g. 10.0.0.0/8), so that a client cannot pose as one"
    )]
    HopCount(String),
    /// Neither an address nor a block.
    #[error("`{0}` is not an IP address or CIDR block")]
    NotAnAddress(String),
}

impl TrustedProxies {
    /// No proxy: clients connect directly.
    pub fn none() -> Self {
        Self(Vec::new())
    }

    /// Parses `10.0.0.1, 10.1.0.0/16, ::1`: addresses and CIDR blocks, separated by commas or
    /// spaces.
    pub fn parse(text: &str) -> Result<Self, ProxyError> {
        let mut nets = Vec::new();
        for item in text.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
            let net = item.parse::<IpNet>().or_else(|_| item.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
                if item.bytes().all(|b| b.is_ascii_digit()) {
                    ProxyError::HopCount(item.to_owned())
                } else {
                    ProxyError::NotAnAddress(item.to_owned())
                }
            })?;
            nets.push(net);
        }
        Ok(Self(nets))
    }

    /// Whether `ip` is a trusted proxy.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// Whether any proxy is configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The client's address behind `peer`.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer.map(canonical)?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = canonical(ip);
                    if !self.trusts(client) {
                        return Some(client);
                    }
                }
                // A malformed entry ends what trusted proxies vouch for.
                Err(_) => return Some(client),
            }
        }
        Some(client)
    }
}

/// IPv4-mapped IPv6 addresses as IPv4, so one client is one key.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_only_from_trusted_peers() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        let h = xff("6.6.6.6, 1.2.3.4, 10.0.0.2");
        assert_eq!(proxies.client_ip(ip("8.8.8.8"), &h), ip("8.8.8.8"), "an untrusted peer's header is ignored");
        assert_eq!(proxies.client_ip(ip("10.0.0.1"), &h), ip("1.2.3.4"), "the spoofed left entry is skipped");
        assert_eq!(proxies.client_ip(ip("192.168.1.1"), &xff("garbage, 10.0.0.9")), ip("10.0.0.9"));
        assert_eq!(proxies.client_ip(ip("::ffff:10.0.0.1"), &xff("1.2.3.4")), ip("1.2.3.4"));
        assert_eq!(TrustedProxies::none().client_ip(ip("10.0.0.1"), &h), ip("10.0.0.1"));
        assert!(matches!(TrustedProxies::parse("2"), Err(ProxyError::HopCount(_))));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }
}
