//! Rate limits (OWASP API4): GCRA per principal, or per client address for anonymous callers,
//! with stale keys evicted and a hard cap on the number of keys so that a flood of distinct
//! keys cannot grow memory without bound.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use securegen_model::Rate;

use crate::error::{ApiError, RateInfo};

/// Keys held by one limiter before new keys are refused until stale ones expire.
pub const DEFAULT_MAX_KEYS: usize = 100_000;
/// Every this many checks, stale keys are evicted.
const EVICT_EVERY: u64 = 4096;
/// Outside the key cap, keys are counted every this many checks.
const CAP_CHECK_EVERY: u64 = 64;
/// At the key cap, every this many checks, an eviction is tried.
const EVICT_AT_CAP_EVERY: u64 = 256;

type Inner<C> = RateLimiter<String, DashMapStateStore<String>, C, StateInformationMiddleware>;

/// A GCRA limiter keyed by caller, with `rate.count` as the burst.
pub struct KeyedLimiter<C: Clock = DefaultClock> {
    inner: Inner<C>,
    rate: Rate,
    max_keys: usize,
    checks: AtomicU64,
    /// Whether the last count found the table full.
    full: AtomicBool,
}

impl<C: Clock> std::fmt::Debug for KeyedLimiter<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyedLimiter").field("rate", &self.rate).field("keys", &self.inner.len()).finish()
    }
}

fn quota(rate: Rate) -> Quota {
    let count = NonZeroU32::new(rate.count).unwrap_or(NonZeroU32::MIN);
    let period = Duration::from_secs(rate.per.seconds()) / count.get();
    Quota::with_period(period.max(Duration::from_nanos(1)))
        .unwrap_or_else(|| Quota::per_hour(NonZeroU32::MIN))
        .allow_burst(count)
}

impl KeyedLimiter {
    /// A limiter on the real clock.
    pub fn new(rate: Rate) -> Self {
        Self::with_clock(rate, DEFAULT_MAX_KEYS, DefaultClock::default())
    }
}

impl<C: Clock> KeyedLimiter<C> {
    /// A limiter on `clock`, holding at most `max_keys` keys.
    pub fn with_clock(rate: Rate, max_keys: usize, clock: C) -> Self {
        let inner = RateLimiter::dashmap_with_clock(quota(rate), clock).with_middleware::<StateInformationMiddleware>();
        Self { inner, rate, max_keys: max_keys.max(1), checks: AtomicU64::new(0), full: AtomicBool::new(false) }
    }

    /// Counts one request of `key`: the limit state, or 429 with when to retry.
    pub fn check(&self, key: &str) -> Result<RateInfo, ApiError> {
        let n = self.checks.fetch_add(1, Ordering::Relaxed);
        if n.is_multiple_of(EVICT_EVERY) {
            self.evict_stale();
        }
        let window = self.rate.per.seconds();
        let limit = self.rate.count;
        // Counting keys walks every shard, so outside the cap it is counted every few calls
        // (the cap may be overshot by that many keys). At the cap, an eviction is tried now
        // and then (it walks every key), and new requests are refused while every key is live.
        let full = if self.full.load(Ordering::Relaxed) || n.is_multiple_of(CAP_CHECK_EVERY) {
            let mut full = self.inner.len() >= self.max_keys;
            if full && n.is_multiple_of(EVICT_AT_CAP_EVERY) {
                self.evict_stale();
                full = self.inner.len() >= self.max_keys;
            }
            self.full.store(full, Ordering::Relaxed);
            full
        } else {
            false
        };
        if full {
            // Every key is live: refuse rather than grow. Callers retry after one window.
            return Err(ApiError::TooManyRequests {
                retry_after: window,
                info: RateInfo { limit, remaining: 0, reset: window, window },
            });
        }
        let per_token = window.div_ceil(u64::from(limit.max(1)));
        match self.inner.check_key(&key.to_owned()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Ok(RateInfo { limit, remaining, reset: u64::from(limit - remaining.min(limit)) * per_token, window })
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.inner.clock().now());
                let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Err(ApiError::TooManyRequests {
                    retry_after: retry_after.max(1),
                    info: RateInfo { limit, remaining: 0, reset: u64::from(limit) * per_token, window },
                })
            }
        }
    }

    /// Drops keys whose state is back to fresh, and returns their memory.
    pub fn evict_stale(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }

    /// Keys currently held.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

/// The limiters of one resource: callers with a token are keyed by subject, callers without
/// by address, in separate tables so a flood of addresses cannot crowd out principals.
#[derive(Debug)]
pub struct ResourceLimiter {
    principals: KeyedLimiter,
    clients: KeyedLimiter,
}

impl ResourceLimiter {
    /// Limiters for `rate`.
    pub fn new(rate: Rate) -> Self {
        Self { principals: KeyedLimiter::new(rate), clients: KeyedLimiter::new(rate) }
    }

    /// Counts one request by `subject`, or by `client` when anonymous.
    pub fn check(&self, subject: Option<&str>, client: Option<IpAddr>) -> Result<RateInfo, ApiError> {
        match (subject, client) {
            (Some(s), _) => self.principals.check(s),
            (None, Some(ip)) => self.clients.check(&ip.to_string()),
            (None, None) => self.clients.check("unknown"),
        }
    }

    /// Evicts stale keys of both tables.
    pub fn evict_stale(&self) {
        self.principals.evict_stale();
        self.clients.evict_stale();
    }
}

/// The caller's address: the peer, or — behind `trusted_proxies` proxies that append to
/// `X-Forwarded-For` — the entry the outermost trusted proxy saw. Entries further left were
/// written by the client and are ignored.
pub fn client_ip(peer: Option<SocketAddr>, headers: &HeaderMap, trusted_proxies: usize) -> Option<IpAddr> {
    if trusted_proxies == 0 {
        return peer.map(|p| p.ip());
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let pick = entries.len().checked_sub(trusted_proxies).and_then(|i| entries.get(i)).or(entries.first());
    pick.and_then(|s| s.parse::<IpAddr>().ok()).or(peer.map(|p| p.ip()))
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;
    use securegen_model::Per;

    use super::*;

    #[test]
    fn burst_then_refusal_then_refill() {
        let clock = FakeRelativeClock::default();
        let l = KeyedLimiter::with_clock(Rate { count: 3, per: Per::Minute }, 10, clock.clone());
        for left in [2, 1, 0] {
            assert_eq!(l.check("alice").unwrap().remaining, left);
        }
        let Err(ApiError::TooManyRequests { retry_after, .. }) = l.check("alice") else { panic!("not limited") };
        assert_eq!(retry_after, 20);
        assert!(l.check("bob").is_ok(), "keys are independent");
        clock.advance(Duration::from_secs(20));
        assert!(l.check("alice").is_ok(), "one token refilled");
    }

    #[test]
    fn a_million_distinct_keys_stay_bounded_and_are_evicted() {
        let clock = FakeRelativeClock::default();
        let max = 20_000;
        let l = KeyedLimiter::with_clock(Rate { count: 10, per: Per::Second }, max, clock.clone());
        let mut refused = 0;
        for i in 0..1_000_000u32 {
            if l.check(&format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255)).is_err() {
                refused += 1;
            }
            if i % 100_000 == 0 {
                clock.advance(Duration::from_millis(1));
            }
            assert!(l.len() <= max + 64, "{} keys held", l.len());
        }
        assert!(refused > 0, "the cap refused new keys while every key was live");
        clock.advance(Duration::from_secs(2));
        l.evict_stale();
        assert_eq!(l.len(), 0, "stale keys are evicted once their window has passed");
    }

    #[test]
    fn forwarded_addresses_only_through_trusted_hops() {
        let peer: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 1.2.3.4".parse().unwrap());
        assert_eq!(client_ip(Some(peer), &h, 0), Some(peer.ip()), "no trusted proxy: the header is ignored");
        assert_eq!(client_ip(Some(peer), &h, 1), Some("1.2.3.4".parse().unwrap()), "the spoofed left entry is skipped");
        assert_eq!(client_ip(Some(peer), &h, 2), Some("6.6.6.6".parse().unwrap()));
    }
}
