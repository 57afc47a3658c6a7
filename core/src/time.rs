//! Time as data. All deadlines are plain numbers so tests can move the clock.

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Millis(pub u64);

impl Millis {
    pub const ZERO: Millis = Millis(0);

    pub const fn from_secs(secs: u64) -> Millis {
        Millis(secs * 1000)
    }

    /// `self + d`, saturating instead of overflowing.
    pub const fn after(self, d: Millis) -> Millis {
        Millis(self.0.saturating_add(d.0))
    }

    /// Time elapsed from `earlier` to `self`, zero if `earlier` is later.
    pub const fn since(self, earlier: Millis) -> Millis {
        Millis(self.0.saturating_sub(earlier.0))
    }

    pub const fn as_u64(self) -> u64 {
        self.0
    }
}

/// The earliest of two optional deadlines.
pub fn earliest(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_saturates() {
        assert_eq!(Millis(u64::MAX).after(Millis(5)), Millis(u64::MAX));
        assert_eq!(Millis(10).after(Millis::from_secs(100)), Millis(100_010));
    }

    #[test]
    fn since_never_underflows() {
        assert_eq!(Millis(5).since(Millis(10)), Millis::ZERO);
        assert_eq!(Millis(10).since(Millis(4)), Millis(6));
    }

    #[test]
    fn earliest_picks_the_smaller_present_deadline() {
        assert_eq!(earliest(Some(Millis(3)), Some(Millis(2))), Some(Millis(2)));
        assert_eq!(earliest(None, Some(Millis(2))), Some(Millis(2)));
        assert_eq!(earliest(Some(Millis(3)), None), Some(Millis(3)));
        assert_eq!(earliest(None, None), None);
    }
}
