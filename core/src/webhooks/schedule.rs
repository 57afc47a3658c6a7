//! When a delivery is attempted: at once, then after 5 s, 5 min, 30 min, 2 h, 5 h and 10 h,
//! and a last time 24 h after the first attempt. Deterministic, so a retry never depends on
//! when the object happened to wake. Locally the whole schedule can be shrunk
//! (`WEBHOOK_RETRY_BASE_MS`, see docs/webhooks.md) to exercise it in seconds.

use crate::Millis;

/// The waits between consecutive attempts at full scale (the first attempt is immediate).
const WAITS: [u64; 6] = [
    5_000,
    5 * 60_000,
    30 * 60_000,
    2 * 3_600_000,
    5 * 3_600_000,
    10 * 3_600_000,
];

/// The last attempt comes this long after the first.
pub const GIVE_UP_AFTER: Millis = Millis(24 * 3_600_000);

/// The first wait at full scale; a scaled schedule names its own.
pub const STANDARD_BASE: Millis = Millis(5_000);

/// A retry schedule. [`Schedule::standard`] in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The first wait; every offset scales with it (5 s → the standard 24 h).
    base: Millis,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::standard()
    }
}

impl Schedule {
    pub const fn standard() -> Schedule {
        Schedule {
            base: STANDARD_BASE,
        }
    }

    /// The same shape with the first wait `base` (at least 1 ms, at most the standard).
    pub fn scaled(base: Millis) -> Schedule {
        Schedule {
            base: Millis(base.0.clamp(1, STANDARD_BASE.0)),
        }
    }

    /// How many attempts a delivery gets in all.
    pub const fn attempts(&self) -> u32 {
        WAITS.len() as u32 + 2
    }

    fn scale(&self, full: u64) -> u64 {
        // Exact in u128; every result fits u64 (at most 24 h at full scale).
        (full as u128 * self.base.0 as u128 / STANDARD_BASE.0 as u128) as u64
    }

    /// How long after the first attempt attempt number `n` (1-based) comes; `None` past the
    /// last one.
    pub fn offset(&self, n: u32) -> Option<Millis> {
        match n {
            0 => None,
            1 => Some(Millis::ZERO),
            n if n <= WAITS.len() as u32 + 1 => {
                let full: u64 = WAITS[..(n - 1) as usize].iter().sum();
                Some(Millis(self.scale(full)))
            }
            n if n == self.attempts() => Some(Millis(self.scale(GIVE_UP_AFTER.0))),
            _ => None,
        }
    }

    /// How long an endpoint may fail without a success before it is disabled (a day).
    pub fn disable_after(&self) -> Millis {
        Millis(self.scale(GIVE_UP_AFTER.0))
    }

    /// When attempt `n + 1` is due, after attempt `n` of a delivery first tried at `first`;
    /// `None` when `n` was the last.
    pub fn next_after(&self, first: Millis, n: u32) -> Option<Millis> {
        self.offset(n + 1).map(|o| first.after(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn standard_schedule_spans_a_day() {
        let s = Schedule::standard();
        let offsets: Vec<u64> = (1..=s.attempts()).map(|n| s.offset(n).unwrap().0).collect();
        assert_eq!(
            offsets,
            vec![0, 5_000, 305_000, 2_105_000, 9_305_000, 27_305_000, 63_305_000, 86_400_000]
        );
        assert_eq!(s.offset(0), None);
        assert_eq!(s.offset(s.attempts() + 1), None);
        assert_eq!(s.next_after(Millis(1_000), 1), Some(Millis(6_000)));
        assert_eq!(s.next_after(Millis(1_000), s.attempts()), None);
    }

    #[test]
    fn a_scaled_schedule_keeps_the_shape() {
        let s = Schedule::scaled(Millis(100));
        assert_eq!(s.offset(2), Some(Millis(100)));
        assert_eq!(s.offset(3), Some(Millis(6_100)));
        assert_eq!(s.offset(s.attempts()), Some(Millis(1_728_000)));
        assert_eq!(Schedule::scaled(Millis(0)), Schedule::scaled(Millis(1)));
        assert_eq!(Schedule::scaled(Millis(60_000)), Schedule::standard());
    }

    proptest! {
        /// Strictly increasing offsets; the last within (and at) 24 h of the scaled first wait.
        #[test]
        fn offsets_are_monotone_and_end_within_a_day(base in 1u64..=5_000) {
            let s = Schedule::scaled(Millis(base));
            let mut last = None;
            for n in 1..=s.attempts() {
                let o = s.offset(n).unwrap();
                if let Some(prev) = last {
                    prop_assert!(o > prev, "attempt {n} at {o:?} not after {prev:?}");
                }
                prop_assert!(o <= GIVE_UP_AFTER);
                last = Some(o);
            }
            let end = s.offset(s.attempts()).unwrap().0 as u128;
            prop_assert_eq!(end, GIVE_UP_AFTER.0 as u128 * base as u128 / 5_000);
        }
    }
}
