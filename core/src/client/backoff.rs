//! When to reconnect a dropped socket: the one policy of every client socket (the widget's
//! conversation, the inbox's chats, the inbox and admin sockets).

use crate::Millis;

/// The first delay is short so an agent is back well within the 10 s their offers wait.
pub const FIRST_DELAY: Millis = Millis(500);
/// The longest delay bounds how long a client stays away once the edge is back.
pub const MAX_DELAY: Millis = Millis(30_000);

/// "Your session ended" (removed, role changed, password reset…): sign in again. The close
/// frame's reason says why, in words for a person.
pub const SESSION_ENDED: u16 = 4001;

/// "This client speaks another protocol version": reload the page (the token is still good).
pub const UNSUPPORTED_VERSION: u16 = 4000;

/// Close codes 4000–4999 (ours) and 1008 (policy) mean "do not reconnect with this token".
pub fn refused(code: u16) -> bool {
    (4000..5000).contains(&code) || code == 1008
}

/// Exponential back-off with jitter, reset by the caller once the server has welcomed it.
///
/// The n-th delay is `base + jitter`, with `base = FIRST_DELAY · 2ⁿ⁻¹` (at most `MAX_DELAY`)
/// and `jitter < base / 2`, capped at `MAX_DELAY`. Since the next base is twice this one, the
/// delays never shrink until a reset, whatever the jitter; jitter spreads out clients that
/// dropped together (a deploy drops every socket). Core has no randomness: the caller seeds it
/// (`Default` is seed 0: seed it before relying on the jitter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backoff {
    attempt: u32,
    state: u64,
}

impl Backoff {
    /// `seed` is anything random per page load (see [`seed_from`]).
    pub fn new(seed: u64) -> Backoff {
        Backoff {
            attempt: 0,
            state: seed,
        }
    }

    /// Reconnects tried since the last reset.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Counts one more attempt and returns how long to wait before it.
    pub fn next_delay(&mut self) -> Millis {
        self.attempt = self.attempt.saturating_add(1);
        let shift = (self.attempt - 1).min(16);
        let base = (FIRST_DELAY.0 << shift).min(MAX_DELAY.0);
        let jitter = self.random() % (base / 2);
        Millis((base + jitter).min(MAX_DELAY.0))
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// splitmix64: a few bytes of code, good enough to spread reconnects.
    fn random(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// A jitter seed from a random string the caller made (FNV-1a), e.g. its client id prefix.
pub fn seed_from(s: &str) -> u64 {
    crate::hash::fnv1a(s.bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_and_resets() {
        let mut b = Backoff::new(7);
        let delays: Vec<u64> = (0..10).map(|_| b.next_delay().0).collect();
        assert!((500..750).contains(&delays[0]), "{delays:?}");
        assert!((1000..1500).contains(&delays[1]), "{delays:?}");
        assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
        assert_eq!(delays[9], 30_000);
        assert_eq!(b.attempt(), 10);
        b.reset();
        assert!(b.next_delay() < Millis(750));
    }

    #[test]
    fn refused_codes() {
        assert!(refused(4000) && refused(4999) && refused(1008) && refused(4401));
        assert!(!refused(1000) && !refused(1001) && !refused(1006) && !refused(5000));
    }

    #[test]
    fn seeds_differ() {
        assert_ne!(seed_from("a"), seed_from("b"));
    }
}
