//! Rate limits (OWASP API4): GCRA (governor) per principal, or per client address for anonymous
//! callers. Keys are the caller's identity hashed with a per-process random key (no string is
//! allocated per check, and nobody can aim a collision). The table of keys is capped so that a
//! flood of distinct keys cannot grow memory without bound: when it is full, only *new* keys
//! are refused (429) until stale ones expire; callers already in the table keep their limit.

use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use governor::{Quota, RateLimiter};
use securegen_model::Rate;

use crate::error::{ApiError, RateInfo};

/// Keys held by one limiter before new keys are refused until stale ones expire.
pub const DEFAULT_MAX_KEYS: usize = 100_000;
/// Every this many checks, stale keys are evicted.
const EVICT_EVERY: u64 = 4096;
/// Keys are counted every this many checks (counting walks every shard).
const COUNT_EVERY: u64 = 64;

/// The key table, shared with the limiter so that the cap can ask whether a key is known.
#[derive(Debug, Clone, Default)]
struct Store(Arc<DashMapStateStore<u64>>);

impl StateStore for Store {
    type Key = u64;

    fn measure_and_replace<T, F, E>(&self, key: &u64, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        self.0.measure_and_replace(key, f)
    }
}

impl ShrinkableKeyedStateStore<u64> for Store {
    fn retain_recent(&self, drop_below: Nanos) {
        ShrinkableKeyedStateStore::retain_recent(&*self.0, drop_below);
    }

    fn shrink_to_fit(&self) {
        ShrinkableKeyedStateStore::shrink_to_fit(&*self.0);
    }

    fn len(&self) -> usize {
        ShrinkableKeyedStateStore::len(&*self.0)
    }

    fn is_empty(&self) -> bool {
        ShrinkableKeyedStateStore::is_empty(&*self.0)
    }
}

type Inner<C> = RateLimiter<u64, Store, C, StateInformationMiddleware>;

/// A GCRA limiter keyed by caller, with `rate.count` as the burst.
pub struct KeyedLimiter<C: Clock = DefaultClock> {
    inner: Inner<C>,
    store: Store,
    hasher: std::collections::hash_map::RandomState,
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
        let store = Store::default();
        let inner = RateLimiter::<u64, Store, C, governor::middleware::NoOpMiddleware<C::Instant>>::new(
            quota(rate),
            store.clone(),
            clock,
        )
        .with_middleware::<StateInformationMiddleware>();
        Self {
            inner,
            store,
            hasher: std::collections::hash_map::RandomState::new(),
            rate,
            max_keys: max_keys.max(1),
            checks: AtomicU64::new(0),
            full: AtomicBool::new(false),
        }
    }

    fn key(&self, identity: impl Hash) -> u64 {
        self.hasher.hash_one(identity)
    }

    /// Whether the table is full, counted every few checks.
    fn full(&self, n: u64) -> bool {
        if n.is_multiple_of(EVICT_EVERY) {
            self.evict_stale();
        }
        if n.is_multiple_of(COUNT_EVERY) {
            let mut full = self.inner.len() >= self.max_keys;
            if full {
                self.evict_stale();
                full = self.inner.len() >= self.max_keys;
            }
            self.full.store(full, Ordering::Relaxed);
            full
        } else {
            self.full.load(Ordering::Relaxed)
        }
    }

    /// Counts one request of `identity`: the limit state, or 429 with when to retry.
    pub fn check(&self, identity: impl Hash) -> Result<RateInfo, ApiError> {
        let n = self.checks.fetch_add(1, Ordering::Relaxed);
        let window = self.rate.per.seconds();
        let limit = self.rate.count;
        let key = self.key(identity);
        if self.full(n) && !self.store.0.contains_key(&key) {
            // Every key is live: a new caller waits for stale keys to expire rather than grow
            // the table; callers already in it are unaffected.
            return Err(ApiError::TooManyRequests {
                retry_after: window,
                info: RateInfo { limit, remaining: 0, reset: window, window },
            });
        }
        let per_token = window.div_ceil(u64::from(limit.max(1)));
        match self.inner.check_key(&key) {
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
        match subject {
            Some(s) => self.principals.check(s),
            None => self.clients.check(client),
        }
    }

    /// Evicts stale keys of both tables.
    pub fn evict_stale(&self) {
        self.principals.evict_stale();
        self.clients.evict_stale();
    }
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
    fn a_full_table_refuses_only_new_keys() {
        let clock = FakeRelativeClock::default();
        let max = 1000;
        let l = KeyedLimiter::with_clock(Rate { count: 1000, per: Per::Hour }, max, clock.clone());
        for i in 0..5 * max {
            let _ = l.check(format!("flood-{i}"));
        }
        assert!(l.len() <= max + COUNT_EVERY as usize, "{} keys held", l.len());
        // A caller already in the table keeps working; a new one waits.
        let known = "flood-0";
        for _ in 0..COUNT_EVERY {
            assert!(l.check(known).is_ok(), "an existing key is refused while the table is full");
        }
        assert!((0..COUNT_EVERY).any(|i| l.check(format!("newcomer-{i}")).is_err()), "new keys are refused");
    }

    #[test]
    fn extreme_rates_do_not_overflow() {
        for rate in [
            Rate { count: u32::MAX, per: Per::Second },
            Rate { count: 1, per: Per::Hour },
            Rate { count: u32::MAX, per: Per::Hour },
        ] {
            let l = KeyedLimiter::new(rate);
            let info = l.check("x").unwrap();
            assert!(info.limit == rate.count && info.reset <= rate.per.seconds() * u64::from(rate.count.max(1)));
        }
    }

    #[test]
    fn a_million_distinct_keys_stay_bounded_and_are_evicted() {
        let clock = FakeRelativeClock::default();
        let max = 20_000;
        let l = KeyedLimiter::with_clock(Rate { count: 10, per: Per::Second }, max, clock.clone());
        let mut refused = 0;
        for i in 0..1_000_000u32 {
            if l.check(i).is_err() {
                refused += 1;
            }
            if i % 100_000 == 0 {
                clock.advance(Duration::from_millis(1));
            }
        }
        assert!(l.len() <= max + COUNT_EVERY as usize, "{} keys held", l.len());
        assert!(refused > 0, "the cap refused new keys while every key was live");
        clock.advance(Duration::from_secs(2));
        l.evict_stale();
        assert_eq!(l.len(), 0, "stale keys are evicted once their window has passed");
    }
}
