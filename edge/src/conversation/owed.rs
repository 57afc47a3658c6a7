//! The conversation's side of `parlor_core::owed`: messages for the workspace whose call
//! failed. They are stored only then (a call that goes through writes nothing) and kept in
//! memory, so the next call, or the retry the alarm makes, sends them first.

use std::cell::{Cell, RefCell};

use parlor_core::link::ConversationToWorkspace;
use parlor_core::owed::Owed;
use parlor_core::Millis;
use worker::SqlStorage;

use crate::error::ApiResult;
use crate::sql::{exec, kv_get, kv_put};

type Owing = Owed<ConversationToWorkspace>;

const KEY: &str = "owed";

#[derive(Default)]
pub struct OwedSlot {
    /// `None` until read from storage (once per instance).
    owed: RefCell<Option<Owing>>,
    /// Storage holds messages owed.
    stored: Cell<bool>,
}

impl OwedSlot {
    /// The owed messages, to send first with the next call.
    pub fn take(&self, sql: &SqlStorage) -> ApiResult<Vec<ConversationToWorkspace>> {
        let mut slot = self.owed.borrow_mut();
        if slot.is_none() {
            let stored: Option<Owing> = kv_get(sql, KEY)?;
            self.stored.set(stored.is_some());
            *slot = Some(stored.unwrap_or_default());
        }
        Ok(slot.as_mut().map(Owed::take).unwrap_or_default())
    }

    /// The call carrying `batch` failed: its messages are owed and stored. Returns when to try
    /// again; `None` once the workspace failed too often in a row to count on (then dropped,
    /// and said in the log).
    pub fn failed(
        &self,
        sql: &SqlStorage,
        batch: Vec<ConversationToWorkspace>,
        now: Millis,
    ) -> ApiResult<Option<Millis>> {
        let mut slot = self.owed.borrow_mut();
        let owed = slot.get_or_insert_with(Owing::default);
        let retry = owed.failed(batch, now);
        if owed.gave_up() {
            worker::console_error!("link to the workspace: gave up after repeated failures");
            *owed = Owing::default();
            self.stored.set(false);
            exec(sql, "DELETE FROM kv WHERE key = ?", vec![KEY.into()])?;
            return Ok(None);
        }
        kv_put(sql, KEY, &*owed)?;
        self.stored.set(true);
        Ok(Some(retry))
    }

    /// A call went through: the back-off starts over, and what was stored is paid unless more
    /// was owed since (another call that failed meanwhile).
    pub fn delivered(&self, sql: &SqlStorage) -> ApiResult<()> {
        let mut slot = self.owed.borrow_mut();
        let paid = slot.as_mut().is_none_or(|owed: &mut Owing| {
            owed.delivered();
            owed.is_empty()
        });
        if paid && self.stored.get() {
            exec(sql, "DELETE FROM kv WHERE key = ?", vec![KEY.into()])?;
            self.stored.set(false);
        }
        Ok(())
    }
}
