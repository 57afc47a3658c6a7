//! Rate limits as token buckets with an explicit clock, keyed by visitor (IP, token).
//! The map is bounded: the least recently seen keys are forgotten first.

use std::collections::HashMap;

use crate::Millis;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    tokens: f64,
    last: Millis,
}

/// `burst` requests at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub burst: u32,
    pub per_minute: u32,
}

impl Bucket {
    /// A bucket holding `limit`'s whole burst at `now`.
    pub fn full(limit: Limit, now: Millis) -> Bucket {
        Bucket {
            tokens: f64::from(limit.burst),
            last: now,
        }
    }

    /// Refills for the time since the last call, then takes one token; false when empty.
    pub fn take(&mut self, limit: Limit, now: Millis) -> bool {
        let elapsed = now.since(self.last).0 as f64;
        let rate = f64::from(limit.per_minute) / 60_000.0;
        self.tokens = (self.tokens + elapsed * rate).min(f64::from(limit.burst));
        self.last = self.last.max(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long until [`Bucket::take`] would succeed (zero when it would now).
    pub fn wait(&self, limit: Limit, now: Millis) -> Millis {
        let rate = f64::from(limit.per_minute) / 60_000.0;
        let tokens =
            (self.tokens + now.since(self.last).0 as f64 * rate).min(f64::from(limit.burst));
        if tokens >= 1.0 || rate <= 0.0 {
            return Millis(0);
        }
        Millis(((1.0 - tokens) / rate).ceil() as u64)
    }
}

#[derive(Debug, Clone)]
pub struct RateLimiter {
    limit: Limit,
    max_keys: usize,
    buckets: HashMap<String, Bucket>,
}

impl RateLimiter {
    pub fn new(limit: Limit, max_keys: usize) -> Self {
        RateLimiter {
            limit,
            max_keys: max_keys.max(1),
            buckets: HashMap::new(),
        }
    }

    /// Takes one token for `key`; false when the key is over its limit.
    pub fn allow(&mut self, key: &str, now: Millis) -> bool {
        if !self.buckets.contains_key(key) && self.buckets.len() >= self.max_keys {
            self.evict_oldest();
        }
        let limit = self.limit;
        self.buckets
            .entry(key.to_owned())
            .or_insert_with(|| Bucket::full(limit, now))
            .take(limit, now)
    }

    /// Takes one token for `key`, or says how long until one is there.
    pub fn take_or_wait(&mut self, key: &str, now: Millis) -> Result<(), Millis> {
        if self.allow(key, now) {
            return Ok(());
        }
        let wait = self
            .buckets
            .get(key)
            .map_or(Millis(0), |b| b.wait(self.limit, now));
        Err(wait)
    }

    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    fn evict_oldest(&mut self) {
        if let Some(oldest) = self
            .buckets
            .iter()
            .min_by_key(|(_, b)| b.last)
            .map(|(k, _)| k.clone())
        {
            self.buckets.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Limit = Limit {
        burst: 3,
        per_minute: 60,
    };

    #[test]
    fn allows_a_burst_then_refuses() {
        let mut r = RateLimiter::new(LIMIT, 10);
        let now = Millis(1_000);
        assert!(r.allow("ip", now));
        assert!(r.allow("ip", now));
        assert!(r.allow("ip", now));
        assert!(!r.allow("ip", now));
        // Other visitors are not affected.
        assert!(r.allow("other", now));
    }

    #[test]
    fn refills_with_time() {
        let mut r = RateLimiter::new(LIMIT, 10);
        for _ in 0..3 {
            assert!(r.allow("ip", Millis(0)));
        }
        assert!(!r.allow("ip", Millis(500)));
        assert!(r.allow("ip", Millis(1_000)));
        assert!(!r.allow("ip", Millis(1_000)));
    }

    #[test]
    fn a_clock_going_backwards_grants_nothing_extra() {
        let mut r = RateLimiter::new(LIMIT, 10);
        for _ in 0..3 {
            assert!(r.allow("ip", Millis(10_000)));
        }
        assert!(!r.allow("ip", Millis(0)));
    }

    #[test]
    fn a_refused_key_learns_when_to_retry() {
        let mut r = RateLimiter::new(LIMIT, 10);
        for _ in 0..3 {
            assert_eq!(r.take_or_wait("ip", Millis(0)), Ok(()));
        }
        // One token a second: the next is a second away, then less as time passes.
        assert_eq!(r.take_or_wait("ip", Millis(0)), Err(Millis(1_000)));
        assert_eq!(r.take_or_wait("ip", Millis(400)), Err(Millis(600)));
        assert_eq!(r.take_or_wait("ip", Millis(1_000)), Ok(()));
    }

    #[test]
    fn key_count_is_bounded() {
        let mut r = RateLimiter::new(LIMIT, 2);
        assert!(r.allow("a", Millis(0)));
        assert!(r.allow("b", Millis(1)));
        assert!(r.allow("c", Millis(2)));
        assert_eq!(r.len(), 2);
    }
}
