//! Each object keeps one alarm, at or before the earliest deadline its core state reports.
//!
//! The alarm is only moved *earlier*. A deadline that moves later (the inactivity deadline, after
//! every message) leaves the alarm where it is: it fires early, the core ignores a tick before its
//! deadline, and the alarm is set again. That saves a storage write per chat message. The slot
//! remembers what it set, so most calls touch no storage at all.

use std::cell::Cell;

use parlor_core::Millis;
use worker::{ScheduledTime, Storage};

use crate::error::ApiResult;

#[derive(Default)]
pub struct AlarmSlot {
    /// `None` until read from storage; then the alarm time we know is set (or none).
    known: Cell<Option<Option<u64>>>,
}

impl AlarmSlot {
    /// Makes sure an alarm fires no later than `deadline`; clears it when there is none.
    pub async fn ensure(&self, storage: &Storage, deadline: Option<Millis>) -> ApiResult<()> {
        let current = match self.known.get() {
            Some(known) => known,
            None => storage
                .get_alarm()
                .await?
                .and_then(|at| u64::try_from(at).ok()),
        };
        match deadline {
            None => {
                if current.is_some() {
                    storage.delete_alarm().await?;
                }
                self.known.set(Some(None));
            }
            Some(at) if current.is_none_or(|c| c > at.0) => {
                let at = not_before_now(at.0, crate::now_ms());
                let date = worker::js_sys::Date::new(&(at as f64).into());
                storage.set_alarm(ScheduledTime::new(date)).await?;
                self.known.set(Some(Some(at)));
            }
            Some(_) => self.known.set(Some(current)),
        }
        Ok(())
    }

    /// The alarm fired (the platform cleared it) or was deleted.
    pub fn cleared(&self) {
        self.known.set(Some(None));
    }
}

/// A deadline already due is set 1 ms ahead: workerd forces an alarm time in the past to
/// "now", and an alarm set to "now" from inside the alarm handler is cleared when the handler
/// returns (cloudflare/workerd#6866), which would drop the next deadline for good.
fn not_before_now(at: u64, now: u64) -> u64 {
    at.max(now.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::not_before_now;

    #[test]
    fn a_due_deadline_is_set_just_ahead_of_now() {
        assert_eq!(not_before_now(500, 1_000), 1_001);
        assert_eq!(not_before_now(1_000, 1_000), 1_001);
        assert_eq!(not_before_now(5_000, 1_000), 5_000);
        assert_eq!(not_before_now(0, u64::MAX), u64::MAX);
    }
}
