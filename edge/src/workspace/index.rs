//! The conversation index: one row per conversation of the workspace, for the Conversations
//! view and for checking that a conversation belongs to this workspace.

use serde::Deserialize;
use worker::SqlStorage;

use crate::error::ApiResult;
use crate::sql::{exec, int, rows};

pub use parlor_core::protocol::{ConversationRecord as Record, ConversationStatus as Status};

#[derive(Deserialize)]
struct BodyRow {
    body: String,
}

pub fn put(sql: &SqlStorage, r: &Record) -> ApiResult<()> {
    exec(
        sql,
        "INSERT INTO conversations (id, created_at, updated_at, body) VALUES (?, ?, ?, ?) \
         ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body",
        vec![
            r.id.as_str().into(),
            int(r.created_at),
            int(r.updated_at),
            serde_json::to_string(r)?.into(),
        ],
    )
}

pub fn get(sql: &SqlStorage, id: &str) -> ApiResult<Option<Record>> {
    let found: Vec<BodyRow> = rows(
        sql,
        "SELECT body FROM conversations WHERE id = ?",
        vec![id.into()],
    )?;
    match found.first() {
        Some(r) => Ok(Some(serde_json::from_str(&r.body)?)),
        None => Ok(None),
    }
}

/// Most recently updated first, optionally only one status.
pub fn list(sql: &SqlStorage, status: Option<Status>, limit: u64) -> ApiResult<Vec<Record>> {
    let found: Vec<BodyRow> = rows(
        sql,
        "SELECT body FROM conversations ORDER BY updated_at DESC LIMIT ?",
        vec![int(limit.min(1000) * if status.is_some() { 10 } else { 1 })],
    )?;
    let mut out = Vec::new();
    for r in found {
        let rec: Record = serde_json::from_str(&r.body)?;
        if status.is_none_or(|s| s == rec.status) {
            out.push(rec);
        }
        if out.len() as u64 >= limit {
            break;
        }
    }
    Ok(out)
}
