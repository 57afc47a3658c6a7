//! Where the widget is installed (`parlor_core::sites`): the table of sites whose pages read
//! the public availability, written from that read, and `GET …/sites` for the admin's Embed
//! view. The rules (what counts as a site, how often one is written, how many are kept) are
//! core's; this file stores and lists.

use parlor_core::settings::WorkspaceSettings;
use parlor_core::sites::{Site, MAX_SITES};
use serde::Deserialize;
use worker::{SqlStorage, SqlStorageValue};

use crate::error::ApiResult;
use crate::sql::{exec, int, rows};

pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS sites (origin TEXT PRIMARY KEY, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL)",
];

/// Writes that a page on `origin` read the availability at `now`, and keeps the
/// [`MAX_SITES`] seen most recently. One synchronous section: one commit.
pub fn record(sql: &SqlStorage, origin: &str, now: u64) -> ApiResult<()> {
    exec(
        sql,
        "INSERT INTO sites (origin, first_seen, last_seen) VALUES (?, ?, ?) \
         ON CONFLICT (origin) DO UPDATE SET last_seen = excluded.last_seen",
        vec![SqlStorageValue::from(origin.to_owned()), int(now), int(now)],
    )?;
    exec(
        sql,
        "DELETE FROM sites WHERE origin NOT IN \
         (SELECT origin FROM sites ORDER BY last_seen DESC LIMIT ?)",
        vec![int(MAX_SITES as u64)],
    )
}

/// Removes `origin` from the list (an admin's choice: a site that no longer runs the tag);
/// whether it was listed. One statement: the delete says what it removed.
pub fn forget(sql: &SqlStorage, origin: &str) -> ApiResult<bool> {
    let removed: Vec<Row> = rows(
        sql,
        "DELETE FROM sites WHERE origin = ? RETURNING origin, first_seen, last_seen",
        vec![SqlStorageValue::from(origin.to_owned())],
    )?;
    Ok(!removed.is_empty())
}

#[derive(Deserialize)]
struct Row {
    origin: String,
    first_seen: i64,
    last_seen: i64,
}

/// The sites, seen most recently first, each said allowed or not by today's settings.
pub fn list(sql: &SqlStorage, settings: &WorkspaceSettings) -> ApiResult<Vec<Site>> {
    let found: Vec<Row> = rows(
        sql,
        "SELECT origin, first_seen, last_seen FROM sites ORDER BY last_seen DESC",
        vec![],
    )?;
    Ok(found
        .into_iter()
        .map(|r| Site {
            allowed: settings.origin_allowed(Some(&r.origin)),
            origin: r.origin,
            first_seen: r.first_seen.max(0) as u64,
            last_seen: r.last_seen.max(0) as u64,
        })
        .collect())
}
