//! Each object keeps one alarm, at or before the earliest deadline its core state reports.
//!
//! The alarm is only moved *earlier*. A deadline that moves later (the inactivity deadline, after
//! every message) leaves the alarm where it is: it fires early, the core ignores a tick before its
//! deadline, and the alarm is set again. That saves a storage write per chat message. The slot
//! remembers what it set, so most calls touch no storage at all.
//!
//! Nor is an alarm deleted when no deadline is left (the workspace after its last pending offer
//! is accepted, a conversation once closed): it fires once with nothing due, which costs a
//! wake-up, where a delete costs a commit of the object and, locally, one of the dev server's
//! alarm store — and the next deadline would cost both again to set it back. In a storm of
//! routed chats that was two of every chat's commits in the workspace object.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use parlor_core::Millis;
use worker::{ScheduledTime, Storage};

use crate::error::ApiResult;

#[derive(Default)]
pub struct AlarmSlot {
    /// `None` until read from storage; then the alarm time we know is set (or none).
    known: Cell<Option<Option<u64>>>,
}

impl AlarmSlot {
    /// Makes sure an alarm fires no later than `deadline`; with none, leaves the alarm as it is.
    pub async fn ensure(&self, storage: &Storage, deadline: Option<Millis>) -> ApiResult<()> {
        // No deadline: whatever is set stays (see above), and nothing needs reading.
        let Some(at) = deadline else {
            return Ok(());
        };
        let current = match self.known.get() {
            Some(known) => known,
            None => {
                crate::sql::trace_storage("getAlarm()");
                storage
                    .get_alarm()
                    .await?
                    .and_then(|at| u64::try_from(at).ok())
            }
        };
        if current.is_some_and(|c| c <= at.0) {
            self.known.set(Some(current));
            return Ok(());
        }
        let at = not_before_now(at.0, crate::now_ms());
        let date = worker::js_sys::Date::new(&(at as f64).into());
        crate::sql::trace_storage("setAlarm()");
        storage.set_alarm(ScheduledTime::new(date)).await?;
        self.known.set(Some(Some(at)));
        Ok(())
    }

    /// Deletes the alarm (a re-arm after a restart, an erasure) and remembers there is none.
    pub async fn delete(&self, storage: &Storage) -> ApiResult<()> {
        crate::sql::trace_storage("deleteAlarm()");
        storage.delete_alarm().await?;
        self.cleared();
        Ok(())
    }

    /// The alarm fired (the platform cleared it) or was deleted.
    pub fn cleared(&self) {
        self.known.set(Some(None));
    }
}

thread_local! {
    /// Objects this isolate has re-armed (or created) since it started. Local workerd keeps
    /// alarms in its process, so only a restart — which also starts a new isolate — loses them;
    /// a new instance of an object after hibernation, in the same isolate, finds its alarm set.
    static REARMED: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// Past this many objects the set starts afresh: at worst some objects re-arm once more.
const REARMED_MAX: usize = 100_000;

/// Whether the object `id` must re-arm its alarm: the first time this isolate sees it. Marks
/// it as seen. A conversation woken from hibernation by an agent's acceptance used to delete
/// and set its alarm again (four commits locally) and call the workspace, for nothing.
pub fn first_in_isolate(id: &str) -> bool {
    REARMED.with(|seen| {
        let mut seen = seen.borrow_mut();
        if seen.contains(id) {
            return false;
        }
        if seen.len() >= REARMED_MAX {
            seen.clear();
        }
        seen.insert(id.to_owned())
    })
}

/// The object `id` was created by this isolate: its alarms are this process's to keep, so no
/// later instance here re-arms them.
pub fn created_in_isolate(id: &str) {
    first_in_isolate(id);
}

/// A deadline already due is set 1 ms ahead: workerd forces an alarm time in the past to
/// "now", and an alarm set to "now" from inside the alarm handler is cleared when the handler
/// returns (cloudflare/workerd#6866), which would drop the next deadline for good.
fn not_before_now(at: u64, now: u64) -> u64 {
    at.max(now.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::{first_in_isolate, not_before_now};

    #[test]
    fn an_object_re_arms_once_per_isolate() {
        assert!(first_in_isolate("object-a"));
        assert!(!first_in_isolate("object-a"));
        assert!(first_in_isolate("object-b"));
    }

    #[test]
    fn a_due_deadline_is_set_just_ahead_of_now() {
        assert_eq!(not_before_now(500, 1_000), 1_001);
        assert_eq!(not_before_now(1_000, 1_000), 1_001);
        assert_eq!(not_before_now(5_000, 1_000), 5_000);
        assert_eq!(not_before_now(0, u64::MAX), u64::MAX);
    }
}
