//! Sign-in limits: failures per email and per network (see [`crate::network`]) in a sliding
//! window. An attempt is *reserved* before the password is checked, so concurrent guesses
//! cannot all slip through before the first failure is counted; a successful sign-in gives its
//! reservation back, so people who type their password right never run into the limit.
//!
//! Unknown emails are counted exactly like known ones: a 429 tells nothing about which emails
//! belong to agents.

use std::collections::{HashMap, VecDeque};

use crate::Millis;

/// At most `max` counted events per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowLimit {
    pub max: u32,
    pub window: Millis,
}

/// Failed sign-ins per email address (of one workspace): a person mistyping does not get
/// near it; a guesser gets 10 tries per quarter hour.
pub const PER_EMAIL: WindowLimit = WindowLimit {
    max: 10,
    window: Millis(15 * 60 * 1000),
};

/// Failed sign-ins per network: a whole office behind one address, or a team sharing a /64,
/// signing in wrongly now and then stays far below it.
pub const PER_NETWORK: WindowLimit = WindowLimit {
    max: 300,
    window: Millis(15 * 60 * 1000),
};

/// How many keys each counter remembers. When full, one whose window has passed is forgotten
/// first, then the least recently counted one below its limit; a key at its limit goes last
/// (the one released soonest), so junk keys cannot push a guessed email's count out.
pub const MAX_KEYS: usize = 10_000;

/// Timestamps of counted events per key, each list at most `max` long.
#[derive(Debug, Clone)]
pub struct WindowCounter {
    limit: WindowLimit,
    max_keys: usize,
    events: HashMap<String, VecDeque<Millis>>,
}

impl WindowCounter {
    pub fn new(limit: WindowLimit, max_keys: usize) -> Self {
        WindowCounter {
            limit,
            max_keys: max_keys.max(1),
            events: HashMap::new(),
        }
    }

    /// `None` when one more event fits now; otherwise how long until one does.
    pub fn wait(&mut self, key: &str, now: Millis) -> Option<Millis> {
        let limit = self.limit;
        let events = self.events.get_mut(key)?;
        while events
            .front()
            .is_some_and(|t| now.since(*t) >= limit.window)
        {
            events.pop_front();
        }
        if events.is_empty() {
            self.events.remove(key);
            return None;
        }
        if events.len() < limit.max as usize {
            return None;
        }
        let oldest = events.front().copied().unwrap_or(now);
        Some(oldest.after(limit.window).since(now).max(Millis(1)))
    }

    /// Counts one event (call [`WindowCounter::wait`] first).
    pub fn count(&mut self, key: &str, now: Millis) {
        if !self.events.contains_key(key) && self.events.len() >= self.max_keys {
            self.forget_one(now);
        }
        let events = self.events.entry(key.to_owned()).or_default();
        events.push_back(now);
        while events.len() > self.limit.max as usize {
            events.pop_front();
        }
    }

    /// Takes back one event counted at `at` (a reservation that turned out not to count).
    pub fn uncount(&mut self, key: &str, at: Millis) {
        if let Some(events) = self.events.get_mut(key) {
            if let Some(i) = events.iter().rposition(|t| *t == at) {
                events.remove(i);
            }
            if events.is_empty() {
                self.events.remove(key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    fn forget_one(&mut self, now: Millis) {
        let limit = self.limit;
        // Ranked: a passed window first, then below the limit by last event, then at the
        // limit by first event (released soonest).
        let rank = |e: &VecDeque<Millis>| {
            let last = e.back().copied().unwrap_or(Millis::ZERO);
            let first = e.front().copied().unwrap_or(Millis::ZERO);
            if now.since(last) >= limit.window {
                (0, last)
            } else if e.len() < limit.max as usize {
                (1, last)
            } else {
                (2, first)
            }
        };
        let chosen = self
            .events
            .iter()
            .min_by_key(|(_, e)| rank(e))
            .map(|(k, _)| k.clone());
        if let Some(key) = chosen {
            self.events.remove(&key);
        }
    }
}

/// A reserved attempt: give it back with [`SignInGuard::succeeded`] when the password was right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub email: String,
    pub network: String,
    pub at: Millis,
}

/// Both sign-in counters of one workspace.
#[derive(Debug, Clone)]
pub struct SignInGuard {
    per_email: WindowCounter,
    per_network: WindowCounter,
}

impl Default for SignInGuard {
    fn default() -> Self {
        SignInGuard::new(PER_EMAIL, PER_NETWORK)
    }
}

/// Emails are compared as the workspace stores them: trimmed, lower case.
pub fn email_key(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

impl SignInGuard {
    pub fn new(per_email: WindowLimit, per_network: WindowLimit) -> Self {
        SignInGuard {
            per_email: WindowCounter::new(per_email, MAX_KEYS),
            per_network: WindowCounter::new(per_network, MAX_KEYS),
        }
    }

    /// Reserves one attempt, or says how long to wait (the longer of the two limits' waits).
    /// A refused attempt counts nothing.
    pub fn attempt(&mut self, email: &str, network: &str, now: Millis) -> Result<Attempt, Millis> {
        let email = email_key(email);
        let wait = [
            self.per_email.wait(&email, now),
            self.per_network.wait(network, now),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        self.per_email.count(&email, now);
        self.per_network.count(network, now);
        Ok(Attempt {
            email,
            network: network.to_owned(),
            at: now,
        })
    }

    /// The password was right: the attempt does not count as a failure.
    pub fn succeeded(&mut self, attempt: &Attempt) {
        self.per_email.uncount(&attempt.email, attempt.at);
        self.per_network.uncount(&attempt.network, attempt.at);
    }
}

/// Refusals a stateless front (the Worker) was told of, kept until their wait ends so the
/// next attempts with the same key are refused without asking the counting object again. A
/// hint only: it refuses nothing the object would not refuse, and forgetting it changes
/// nothing but cost.
#[derive(Debug, Clone, Default)]
pub struct RecentRefusals {
    until: HashMap<String, Millis>,
}

/// Most refusals remembered; past it, expired ones are dropped, then all.
pub const MAX_REFUSALS: usize = 10_000;

impl RecentRefusals {
    /// How long `key` must still wait, if it was refused and its wait has not ended.
    pub fn wait(&self, key: &str, now: Millis) -> Option<Millis> {
        self.until
            .get(key)
            .filter(|until| **until > now)
            .map(|until| until.since(now))
    }

    pub fn remember(&mut self, key: &str, now: Millis, wait: Millis) {
        if self.until.len() >= MAX_REFUSALS {
            self.until.retain(|_, until| *until > now);
            if self.until.len() >= MAX_REFUSALS {
                self.until.clear();
            }
        }
        self.until.insert(key.to_owned(), now.after(wait));
    }
}

/// Whole seconds for a `Retry-After` header, rounded up and at least 1.
pub fn retry_after_secs(wait: Millis) -> u64 {
    wait.0.div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN: u64 = 60_000;

    #[test]
    fn ten_failures_per_email_then_a_wait_until_the_oldest_leaves_the_window() {
        let mut g = SignInGuard::default();
        for i in 0..10 {
            assert!(g
                .attempt("alice@acme.test", "1.2.3.4", Millis(i * MIN))
                .is_ok());
        }
        let wait = g
            .attempt("Alice@ACME.test ", "1.2.3.4", Millis(10 * MIN))
            .expect_err("11th failure in 15 minutes");
        // The first failure (at 0) leaves the window at 15 min.
        assert_eq!(wait, Millis(5 * MIN));
        assert_eq!(retry_after_secs(wait), 300);
        // Another email from the same network is not affected.
        assert!(g
            .attempt("bob@acme.test", "1.2.3.4", Millis(10 * MIN))
            .is_ok());
        // Once the oldest failure is 15 minutes old, one more attempt fits.
        assert!(g
            .attempt("alice@acme.test", "1.2.3.4", Millis(15 * MIN))
            .is_ok());
        assert!(g
            .attempt("alice@acme.test", "1.2.3.4", Millis(15 * MIN))
            .is_err());
    }

    #[test]
    fn a_refused_attempt_counts_nothing() {
        let mut g = SignInGuard::default();
        for _ in 0..10 {
            g.attempt("a@x.test", "n", Millis(0)).expect("fits");
        }
        for t in 0..1000 {
            assert!(g.attempt("a@x.test", "n", Millis(t)).is_err());
        }
        // Refusals did not extend the wait.
        assert!(g.attempt("a@x.test", "n", Millis(15 * MIN)).is_ok());
    }

    #[test]
    fn successes_never_count_against_the_limit() {
        let mut g = SignInGuard::default();
        for i in 0..1_000 {
            let a = g
                .attempt("a@x.test", "n", Millis(i))
                .expect("a right password");
            g.succeeded(&a);
        }
        for _ in 0..10 {
            assert!(g.attempt("a@x.test", "n", Millis(2_000)).is_ok());
        }
        assert!(g.attempt("a@x.test", "n", Millis(2_000)).is_err());
    }

    #[test]
    fn the_network_limit_covers_many_emails() {
        let mut g = SignInGuard::new(
            PER_EMAIL,
            WindowLimit {
                max: 3,
                window: Millis(MIN),
            },
        );
        for i in 0..3 {
            g.attempt(&format!("e{i}@x.test"), "2001:db8::/64", Millis(0))
                .expect("fits");
        }
        let wait = g
            .attempt("new@x.test", "2001:db8::/64", Millis(10_000))
            .expect_err("network over");
        assert_eq!(wait, Millis(50_000));
        assert!(g
            .attempt("new@x.test", "198.51.100.1", Millis(10_000))
            .is_ok());
    }

    #[test]
    fn counters_forget_the_least_recent_key_when_full() {
        let mut c = WindowCounter::new(PER_EMAIL, 2);
        c.count("a", Millis(0));
        c.count("b", Millis(1));
        c.count("c", Millis(2));
        assert_eq!(c.len(), 2);
        assert_eq!(c.wait("a", Millis(3)), None);
    }

    #[test]
    fn junk_keys_cannot_push_out_a_key_at_its_limit() {
        let mut c = WindowCounter::new(PER_EMAIL, 3);
        for i in 0..PER_EMAIL.max {
            c.count("target", Millis(u64::from(i)));
        }
        assert!(c.wait("target", Millis(100)).is_some());
        // A flood of other keys, each counted once, later than the target's last guess.
        for i in 0..1_000u64 {
            c.count(&format!("junk-{i}"), Millis(200 + i));
        }
        assert_eq!(c.len(), 3);
        assert!(
            c.wait("target", Millis(2_000)).is_some(),
            "the guessed email is still limited"
        );
    }

    #[test]
    fn a_refusal_is_remembered_until_its_wait_ends() {
        let mut r = RecentRefusals::default();
        assert_eq!(r.wait("k", Millis(0)), None);
        r.remember("k", Millis(1_000), Millis(5_000));
        assert_eq!(r.wait("k", Millis(2_000)), Some(Millis(4_000)));
        assert_eq!(r.wait("other", Millis(2_000)), None);
        assert_eq!(r.wait("k", Millis(6_000)), None, "over at 6 s");
        for i in 0..MAX_REFUSALS + 5 {
            r.remember(&format!("k{i}"), Millis(7_000), Millis(1));
        }
        assert!(r.until.len() <= MAX_REFUSALS);
    }

    proptest! {
        /// Whatever the order of attempts and successes, no email ever has more than `max`
        /// failures inside any window, and a refusal always names a positive wait no longer
        /// than the window.
        #[test]
        fn never_more_failures_than_the_limit_in_any_window(
            steps in proptest::collection::vec((0u64..5_000, 0usize..3, any::<bool>()), 1..300)
        ) {
            let limit = WindowLimit { max: 4, window: Millis(10_000) };
            let mut g = SignInGuard::new(limit, PER_NETWORK);
            let emails = ["a@x.test", "b@x.test", "c@x.test"];
            let mut now = Millis(0);
            let mut failures: Vec<(usize, Millis)> = Vec::new();
            for (dt, who, right) in steps {
                now = now.after(Millis(dt));
                match g.attempt(emails[who], "n", now) {
                    Ok(a) if right => g.succeeded(&a),
                    Ok(_) => failures.push((who, now)),
                    Err(wait) => {
                        prop_assert!(wait.0 >= 1 && wait <= limit.window);
                    }
                }
                let recent = failures
                    .iter()
                    .filter(|(w, t)| *w == who && now.since(*t) < limit.window)
                    .count();
                prop_assert!(recent <= limit.max as usize);
            }
        }
    }
}
