//! The workspace's leads: one row per normalised email (`leads` table), merged by
//! `parlor_core::lead::merge`; listed newest first with the core's filters; erased by email
//! and by the retention purge. Pure SQL; every rule is the core's.

use parlor_core::lead::filter::{Cursor, LeadFilter};
use parlor_core::lead::{self, normalise_email, Lead, LeadUpdate, Merged};
use parlor_core::Millis;
use serde::Deserialize;
use worker::SqlStorage;

use crate::error::ApiResult;
use crate::sql::{exec, int, rows};

pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS leads (key TEXT PRIMARY KEY, last_seen INTEGER NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS leads_by_last_seen ON leads (last_seen, key)",
];

/// Rows read per query while filtering a page.
const SCAN: u64 = 200;

/// Most rows one list or export reads, whatever the filter (bounds a request's work).
const MAX_SCANNED: usize = 20_000;

#[derive(Deserialize)]
struct Row {
    body: String,
}

#[derive(Deserialize)]
struct Returned {
    #[allow(dead_code)]
    n: i64,
}

pub fn get(sql: &SqlStorage, key: &str) -> ApiResult<Option<Lead>> {
    let found: Vec<Row> = rows(
        sql,
        "SELECT body FROM leads WHERE key = ?",
        vec![key.into()],
    )?;
    match found.first() {
        Some(r) => Ok(Some(serde_json::from_str(&r.body)?)),
        None => Ok(None),
    }
}

fn put(sql: &SqlStorage, lead: &Lead) -> ApiResult<()> {
    exec(
        sql,
        "INSERT INTO leads (key, last_seen, body) VALUES (?, ?, ?) \
         ON CONFLICT(key) DO UPDATE SET last_seen = excluded.last_seen, body = excluded.body",
        vec![
            lead.key.as_str().into(),
            int(lead.last_seen.0),
            serde_json::to_string(lead)?.into(),
        ],
    )
}

/// Folds one conversation's update into the lead of its email and stores the result when
/// anything changed.
pub fn upsert(sql: &SqlStorage, update: &LeadUpdate) -> ApiResult<Merged> {
    let key = normalise_email(&update.email);
    let merged = lead::merge(get(sql, &key)?, update);
    if merged.changed {
        put(sql, &merged.lead)?;
    }
    Ok(merged)
}

/// Up to `limit` leads matching `filter`, newest first (by last seen, then key), after
/// `cursor`; and the cursor of the next page when there may be one.
pub fn page(
    sql: &SqlStorage,
    filter: &LeadFilter,
    cursor: Option<&Cursor>,
    limit: usize,
) -> ApiResult<(Vec<Lead>, Option<Cursor>)> {
    let mut found = Vec::new();
    let mut after = cursor.cloned();
    let mut scanned = 0usize;
    loop {
        let batch: Vec<Row> = match &after {
            None => rows(
                sql,
                "SELECT body FROM leads ORDER BY last_seen DESC, key DESC LIMIT ?",
                vec![int(SCAN)],
            )?,
            Some(c) => rows(
                sql,
                "SELECT body FROM leads WHERE last_seen < ? OR (last_seen = ? AND key < ?) \
                 ORDER BY last_seen DESC, key DESC LIMIT ?",
                vec![
                    int(c.last_seen.0),
                    int(c.last_seen.0),
                    c.key.as_str().into(),
                    int(SCAN),
                ],
            )?,
        };
        let exhausted = (batch.len() as u64) < SCAN;
        for row in batch {
            scanned += 1;
            let lead: Lead = serde_json::from_str(&row.body)?;
            after = Some(Cursor::after(&lead));
            if filter.matches(&lead) {
                found.push(lead);
                if found.len() == limit {
                    return Ok((found, after));
                }
            }
        }
        if exhausted {
            return Ok((found, None));
        }
        if scanned >= MAX_SCANNED {
            // The next request carries on where this one stopped.
            return Ok((found, after));
        }
    }
}

/// Deletes the lead of this email; how many went (0 or 1).
pub fn erase_email(sql: &SqlStorage, email: &str) -> ApiResult<u64> {
    let gone: Vec<Returned> = rows(
        sql,
        "DELETE FROM leads WHERE key = ? RETURNING 1 AS n",
        vec![normalise_email(email).into()],
    )?;
    Ok(gone.len() as u64)
}

/// An erased conversation leaves the leads it counted; a lead it alone named is deleted.
/// How many leads were deleted.
pub fn forget_conversation(sql: &SqlStorage, conversation: &str) -> ApiResult<u64> {
    let mut pattern = String::from("%\"");
    pattern.push_str(conversation);
    pattern.push_str("\"%");
    let found: Vec<Row> = rows(
        sql,
        "SELECT body FROM leads WHERE body LIKE ?",
        vec![pattern.into()],
    )?;
    let id = parlor_core::ConversationId::new(conversation);
    let mut deleted = 0;
    for row in found {
        let lead: Lead = serde_json::from_str(&row.body)?;
        let key = lead.key.clone();
        match lead::without_conversation(lead, &id) {
            Some(kept) => put(sql, &kept)?,
            None => {
                exec(sql, "DELETE FROM leads WHERE key = ?", vec![key.into()])?;
                deleted += 1;
            }
        }
    }
    Ok(deleted)
}

/// The retention purge: deletes every lead not seen for the retention period.
pub fn purge(sql: &SqlStorage, retention: Option<Millis>, now: Millis) -> ApiResult<u64> {
    let Some(cutoff) = lead::purge_cutoff(retention, now) else {
        return Ok(0);
    };
    let gone: Vec<Returned> = rows(
        sql,
        "DELETE FROM leads WHERE last_seen <= ? RETURNING 1 AS n",
        vec![int(cutoff.0)],
    )?;
    Ok(gone.len() as u64)
}
