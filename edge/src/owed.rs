//! Where an object keeps what it owes others on the link (`parlor_core::owed`, the rule): per
//! receiver, the messages of calls that failed and when to try again. Stored only then, in the
//! object's `kv` table under `owed:{receiver}` (a call that goes through writes nothing), and
//! read once per instance. The conversation owes one receiver, its workspace; the workspace one
//! per conversation it failed to reach.

use std::cell::RefCell;
use std::collections::BTreeMap;

use parlor_core::owed::{Owable, Owed};
use parlor_core::Millis;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use worker::SqlStorage;

use crate::error::ApiResult;
use crate::sql::{exec, rows};

const PREFIX: &str = "owed:";
/// The first key after every `owed:…` one (`;` follows `:`).
const PAST_PREFIX: &str = "owed;";

#[derive(Serialize, Deserialize)]
#[serde(bound(serialize = "M: Serialize", deserialize = "M: DeserializeOwned"))]
struct Stored<M> {
    owed: Owed<M>,
    retry_at: Millis,
}

#[derive(Deserialize)]
struct Row {
    key: String,
    value: String,
}

pub struct OwedStore<M> {
    /// `None` until read from storage (once per instance).
    owed: RefCell<Option<BTreeMap<String, Stored<M>>>>,
}

impl<M> Default for OwedStore<M> {
    fn default() -> Self {
        OwedStore {
            owed: RefCell::new(None),
        }
    }
}

/// The `kv` key of what is owed to `to`.
pub fn key(to: &str) -> String {
    format!("{PREFIX}{to}")
}

impl<M: Owable + Serialize + DeserializeOwned> OwedStore<M> {
    /// For an object that owes one receiver only (a conversation, its workspace) and read that
    /// receiver's row along with others of `kv`: `row` is its value, `None` when nothing is
    /// owed. Saves the store's own read on an instance's first event; ignored once loaded.
    pub fn prime_single(&self, to: &str, row: Option<&str>) -> ApiResult<()> {
        let mut slot = self.owed.borrow_mut();
        if slot.is_none() {
            let mut owed = BTreeMap::new();
            if let Some(value) = row {
                owed.insert(to.to_owned(), serde_json::from_str(value)?);
            }
            *slot = Some(owed);
        }
        Ok(())
    }

    fn with<T>(
        &self,
        sql: &SqlStorage,
        f: impl FnOnce(&mut BTreeMap<String, Stored<M>>) -> T,
    ) -> ApiResult<T> {
        let mut slot = self.owed.borrow_mut();
        if slot.is_none() {
            let found: Vec<Row> = rows(
                sql,
                "SELECT key, value FROM kv WHERE key >= ? AND key < ?",
                vec![PREFIX.into(), PAST_PREFIX.into()],
            )?;
            let mut owed = BTreeMap::new();
            for row in found {
                if let Some(to) = row.key.strip_prefix(PREFIX) {
                    owed.insert(to.to_owned(), serde_json::from_str(&row.value)?);
                }
            }
            *slot = Some(owed);
        }
        Ok(f(slot.get_or_insert_with(BTreeMap::new)))
    }

    fn delete(sql: &SqlStorage, to: &str) -> ApiResult<()> {
        exec(sql, "DELETE FROM kv WHERE key = ?", vec![key(to).into()])
    }

    /// What is owed to `to`, to send first with the next call to it (still owed until a call
    /// carrying it goes through).
    pub fn take(&self, sql: &SqlStorage, to: &str) -> ApiResult<Vec<M>> {
        self.with(sql, |owed| {
            owed.get_mut(to).map(|s| s.owed.take()).unwrap_or_default()
        })
    }

    /// The call carrying `batch` to `to` failed: owed and stored. Returns when to try again;
    /// `None` once `to` failed too often in a row to count on (then dropped, and logged).
    pub fn failed(
        &self,
        sql: &SqlStorage,
        to: &str,
        batch: Vec<M>,
        now: Millis,
    ) -> ApiResult<Option<Millis>> {
        let kept = self.with(sql, |owed| {
            let stored = owed.entry(to.to_owned()).or_insert(Stored {
                owed: Owed::default(),
                retry_at: now,
            });
            stored.retry_at = stored.owed.failed(batch, now);
            if stored.owed.gave_up() {
                owed.remove(to);
                return None;
            }
            Some(serde_json::to_string(&*stored).map(|json| (json, stored.retry_at)))
        })?;
        let Some(kept) = kept else {
            worker::console_error!("link to {to}: gave up after repeated failures");
            Self::delete(sql, to)?;
            return Ok(None);
        };
        let (json, retry_at) = kept?;
        exec(
            sql,
            "INSERT INTO kv (key, value) VALUES (?, ?) \
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            vec![key(to).into(), json.into()],
        )?;
        Ok(Some(retry_at))
    }

    /// A call to `to` went through: the back-off starts over, and what was stored is paid unless
    /// more was owed since (another call that failed meanwhile).
    pub fn delivered(&self, sql: &SqlStorage, to: &str) -> ApiResult<()> {
        let paid = self.with(sql, |owed| match owed.get_mut(to) {
            Some(stored) if stored.owed.is_empty() => {
                owed.remove(to);
                true
            }
            Some(stored) => {
                stored.owed.delivered();
                false
            }
            None => false,
        })?;
        if paid {
            Self::delete(sql, to)?;
        }
        Ok(())
    }

    /// The receivers whose retry is due at `now`.
    pub fn due(&self, sql: &SqlStorage, now: Millis) -> ApiResult<Vec<String>> {
        self.with(sql, |owed| {
            owed.iter()
                .filter(|(_, s)| s.retry_at <= now)
                .map(|(to, _)| to.clone())
                .collect()
        })
    }

    /// The earliest retry, for the alarm.
    pub fn next_retry(&self, sql: &SqlStorage) -> ApiResult<Option<Millis>> {
        self.with(sql, |owed| owed.values().map(|s| s.retry_at).min())
    }

    /// `to` is gone (erased): nothing owed to it is worth retrying.
    pub fn forget(&self, sql: &SqlStorage, to: &str) -> ApiResult<()> {
        if self.with(sql, |owed| owed.remove(to).is_some())? {
            Self::delete(sql, to)?;
        }
        Ok(())
    }
}
