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
                let date = worker::js_sys::Date::new(&(at.0 as f64).into());
                storage.set_alarm(ScheduledTime::new(date)).await?;
                self.known.set(Some(Some(at.0)));
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
