//! The conversation object's tables: a snapshot of the core state, and the transcript.

use parlor_core::conversation::Conversation;
use parlor_core::protocol::{TranscriptEntry, TranscriptEvent};
use serde::{Deserialize, Serialize};
use worker::SqlStorage;

use crate::error::ApiResult;
use crate::sql::{exec, int, kv_get, kv_put, rows, KV_SCHEMA};
use crate::workspace::index::Status;

pub fn migrate(sql: &SqlStorage) -> ApiResult<()> {
    exec(sql, KV_SCHEMA, vec![])?;
    exec(
        sql,
        "CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL)",
        vec![],
    )
}

/// What the edge knows about a conversation besides the core state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    pub workspace: String,
    pub conversation: String,
    /// SHA-256 of the visitor's secret; the secret itself is never stored.
    pub token_hash: String,
    /// The agent holding the live chat, once accepted.
    pub agent: Option<String>,
    pub created_at: u64,
    pub page_url: String,
    pub dialogue: String,
    /// The status last sent to the workspace's index, to skip redundant updates.
    pub indexed_status: Option<Status>,
}

pub fn load(sql: &SqlStorage) -> ApiResult<Option<(Meta, Conversation)>> {
    let meta: Option<Meta> = kv_get(sql, "meta")?;
    let conv: Option<Conversation> = kv_get(sql, "conversation")?;
    Ok(meta.zip(conv))
}

/// Stores the state, and the meta when it changed.
pub fn save(sql: &SqlStorage, meta: Option<&Meta>, conv: &Conversation) -> ApiResult<()> {
    if let Some(meta) = meta {
        kv_put(sql, "meta", meta)?;
    }
    kv_put(sql, "conversation", conv)
}

/// Stores an entry. `INSERT OR IGNORE`: the same seq is never stored twice.
pub fn append(sql: &SqlStorage, entry: &TranscriptEntry) -> ApiResult<()> {
    exec(
        sql,
        "INSERT OR IGNORE INTO entries (seq, at, body) VALUES (?, ?, ?)",
        vec![
            int(entry.seq),
            int(entry.at.0),
            serde_json::to_string(entry)?.into(),
        ],
    )
}

#[derive(Deserialize)]
struct BodyRow {
    body: String,
}

pub fn entries_after(sql: &SqlStorage, last_seq: u64) -> ApiResult<Vec<TranscriptEntry>> {
    let found: Vec<BodyRow> = rows(
        sql,
        "SELECT body FROM entries WHERE seq > ? ORDER BY seq",
        vec![int(last_seq)],
    )?;
    found
        .iter()
        .map(|r| Ok(serde_json::from_str(&r.body)?))
        .collect()
}

/// The text of the latest chat message, for the Conversations list.
pub fn last_message(sql: &SqlStorage) -> ApiResult<Option<String>> {
    let found: Vec<BodyRow> = rows(
        sql,
        "SELECT body FROM entries WHERE body LIKE '%\"event\":\"message\"%' ORDER BY seq DESC LIMIT 1",
        vec![],
    )?;
    for r in found {
        let entry: TranscriptEntry = serde_json::from_str(&r.body)?;
        if let TranscriptEvent::Message { text, .. } = entry.event {
            return Ok(Some(text.chars().take(140).collect()));
        }
    }
    Ok(None)
}
