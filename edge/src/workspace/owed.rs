//! What the workspace owes its conversations: the link messages of a call that failed (an
//! acceptance, a fallback, an agent who left, a transfer…), per conversation, with
//! `parlor_core::owed`'s rule. Stored only then (a call that goes through writes nothing), sent
//! first with the next call to that conversation, and retried by the workspace's alarm.

use std::cell::RefCell;
use std::collections::BTreeMap;

use parlor_core::link::WorkspaceToConversation;
use parlor_core::owed::Owed;
use parlor_core::Millis;
use serde::{Deserialize, Serialize};
use worker::SqlStorage;

use crate::error::ApiResult;
use crate::sql::{exec, rows};

type Owing = Owed<WorkspaceToConversation>;

/// Its key in the workspace's `kv` table: `owed:` and the conversation id.
const PREFIX: &str = "owed:";

#[derive(Serialize, Deserialize)]
struct Stored {
    owed: Owing,
    retry_at: Millis,
}

#[derive(Deserialize)]
struct Row {
    key: String,
    value: String,
}

#[derive(Default)]
pub struct OwedCalls {
    /// `None` until read from storage (once per instance).
    owed: RefCell<Option<BTreeMap<String, Stored>>>,
}

impl OwedCalls {
    fn with<T>(
        &self,
        sql: &SqlStorage,
        f: impl FnOnce(&mut BTreeMap<String, Stored>) -> T,
    ) -> ApiResult<T> {
        let mut slot = self.owed.borrow_mut();
        if slot.is_none() {
            let found: Vec<Row> = rows(
                sql,
                "SELECT key, value FROM kv WHERE key >= ? AND key < ?",
                vec![PREFIX.into(), "owed;".into()],
            )?;
            let mut owed = BTreeMap::new();
            for row in found {
                let Some(id) = row.key.strip_prefix(PREFIX) else {
                    continue;
                };
                owed.insert(id.to_owned(), serde_json::from_str(&row.value)?);
            }
            *slot = Some(owed);
        }
        Ok(f(slot.get_or_insert_with(BTreeMap::new)))
    }

    /// What is owed to `conversation`, to send first with the next call to it.
    pub fn take(
        &self,
        sql: &SqlStorage,
        conversation: &str,
    ) -> ApiResult<Vec<WorkspaceToConversation>> {
        self.with(sql, |owed| {
            owed.get_mut(conversation)
                .map(|s| s.owed.take())
                .unwrap_or_default()
        })
    }

    /// The call carrying `batch` to `conversation` failed: owed and stored, to retry later;
    /// dropped (and said in the log) once the conversation failed too often to be there still.
    pub fn failed(
        &self,
        sql: &SqlStorage,
        conversation: &str,
        batch: Vec<WorkspaceToConversation>,
        now: Millis,
    ) -> ApiResult<()> {
        let kept = self.with(sql, |owed| {
            let stored = owed.entry(conversation.to_owned()).or_insert(Stored {
                owed: Owing::default(),
                retry_at: now,
            });
            stored.retry_at = stored.owed.failed(batch, now);
            if stored.owed.gave_up() {
                owed.remove(conversation);
                return None;
            }
            Some(serde_json::to_string(&*stored))
        })?;
        let key = format!("{PREFIX}{conversation}");
        match kept {
            Some(json) => exec(
                sql,
                "INSERT INTO kv (key, value) VALUES (?, ?) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                vec![key.into(), json?.into()],
            ),
            None => {
                worker::console_error!("link to {conversation}: gave up after repeated failures");
                exec(sql, "DELETE FROM kv WHERE key = ?", vec![key.into()])
            }
        }
    }

    /// A call to `conversation` went through: what was stored is paid unless more was owed
    /// since.
    pub fn delivered(&self, sql: &SqlStorage, conversation: &str) -> ApiResult<()> {
        let paid = self.with(sql, |owed| match owed.get_mut(conversation) {
            Some(stored) if stored.owed.is_empty() => {
                owed.remove(conversation);
                true
            }
            Some(stored) => {
                stored.owed.delivered();
                false
            }
            None => false,
        })?;
        if paid {
            let key = format!("{PREFIX}{conversation}");
            exec(sql, "DELETE FROM kv WHERE key = ?", vec![key.into()])?;
        }
        Ok(())
    }

    /// The conversations whose retry is due at `now`.
    pub fn due(&self, sql: &SqlStorage, now: Millis) -> ApiResult<Vec<String>> {
        self.with(sql, |owed| {
            owed.iter()
                .filter(|(_, s)| s.retry_at <= now)
                .map(|(id, _)| id.clone())
                .collect()
        })
    }

    /// The earliest retry, for the alarm.
    pub fn next_retry(&self, sql: &SqlStorage) -> ApiResult<Option<Millis>> {
        self.with(sql, |owed| owed.values().map(|s| s.retry_at).min())
    }

    /// The conversation was erased: nothing is owed to it any more.
    pub fn forget(&self, sql: &SqlStorage, conversation: &str) -> ApiResult<()> {
        let had = self.with(sql, |owed| owed.remove(conversation).is_some())?;
        if had {
            let key = format!("{PREFIX}{conversation}");
            exec(sql, "DELETE FROM kv WHERE key = ?", vec![key.into()])?;
        }
        Ok(())
    }
}
