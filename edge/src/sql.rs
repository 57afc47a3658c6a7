//! Thin helpers over Durable Object SQLite storage: JSON values in a key/value table, and
//! typed row reads. Storage calls are synchronous, so no borrow is ever held across an await.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};

use worker::{Env, SqlStorage, SqlStorageValue};

use crate::error::{ApiError, ApiResult};

/// Set when the `SQL_TRACE` var is "1": every statement is logged (`scripts/trace-sql.mjs`
/// counts them). Off in any deployment that does not set it; one load per statement otherwise.
static TRACE: AtomicBool = AtomicBool::new(false);

/// Reads the `SQL_TRACE` var; each object calls it when it starts.
pub fn trace_from(env: &Env) {
    let on = env.var("SQL_TRACE").is_ok_and(|v| v.to_string() == "1");
    TRACE.store(on, Ordering::Relaxed);
}

/// Statements on `kv` are told apart by their key (the first argument), the others by their text.
fn trace(query: &str, args: &[SqlStorageValue]) {
    if TRACE.load(Ordering::Relaxed) {
        match args.first() {
            Some(SqlStorageValue::String(key)) if query.contains(" kv ") => {
                let key = key.split(':').next().unwrap_or_default();
                worker::console_log!("sql-trace: {query} -- {key}")
            }
            _ => worker::console_log!("sql-trace: {query}"),
        }
    }
}

/// A storage call that is not a statement (an alarm read or set), in the same trace, marked as
/// an SQL comment so the trace tells the two apart.
pub fn trace_storage(call: &str) {
    if TRACE.load(Ordering::Relaxed) {
        worker::console_log!("sql-trace: -- storage.{call}");
    }
}

pub fn exec(sql: &SqlStorage, query: &str, args: Vec<SqlStorageValue>) -> ApiResult<()> {
    trace(query, &args);
    sql.exec(query, Some(args))
        .map(|_| ())
        .map_err(|e| ApiError::Internal(format!("sql {query}: {e}")))
}

pub fn rows<T: DeserializeOwned>(
    sql: &SqlStorage,
    query: &str,
    args: Vec<SqlStorageValue>,
) -> ApiResult<Vec<T>> {
    trace(query, &args);
    sql.exec(query, Some(args))
        .and_then(|c| c.to_array())
        .map_err(|e| ApiError::Internal(format!("sql {query}: {e}")))
}

#[derive(Deserialize)]
struct KvRow {
    value: String,
}

#[derive(Deserialize)]
struct NameRow {
    #[allow(dead_code)]
    name: String,
}

/// Whether this object has ever stored anything (its schema exists). Objects create their
/// tables only when they first store a row, so a request naming an unknown workspace or
/// conversation leaves no storage behind.
pub fn has_schema(sql: &SqlStorage) -> bool {
    rows::<NameRow>(
        sql,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'kv'",
        vec![],
    )
    .is_ok_and(|r| !r.is_empty())
}

pub const KV_SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

pub fn kv_get<T: DeserializeOwned>(sql: &SqlStorage, key: &str) -> ApiResult<Option<T>> {
    let found: Vec<KvRow> = rows(sql, "SELECT value FROM kv WHERE key = ?", vec![key.into()])?;
    match found.into_iter().next() {
        Some(row) => Ok(Some(serde_json::from_str(&row.value)?)),
        None => Ok(None),
    }
}

pub fn kv_put<T: Serialize>(sql: &SqlStorage, key: &str, value: &T) -> ApiResult<()> {
    exec(
        sql,
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        vec![key.into(), serde_json::to_string(value)?.into()],
    )
}

/// Where an object keeps the fingerprint of the schema it was last brought to.
const SCHEMA_KEY: &str = "schema";

/// A fingerprint of an object's schema statements, in order (FNV-1a): a table, column or index
/// added or changed changes it, so no version number can be forgotten.
pub fn schema_fingerprint<'a>(statements: impl Iterator<Item = &'a str>) -> String {
    let bytes = statements.flat_map(|s| s.bytes().chain([0]));
    format!("{:016x}", parlor_core::hash::fnv1a(bytes))
}

/// Whether the object's schema is the one `fingerprint` describes, so a new instance (after
/// hibernation, a restart) runs none of its schema statements: one read instead of all of them.
/// False for an object without tables yet.
pub fn schema_current(sql: &SqlStorage, fingerprint: &str) -> bool {
    kv_get::<String>(sql, SCHEMA_KEY)
        .ok()
        .flatten()
        .is_some_and(|stored| stored == fingerprint)
}

/// The object's schema statements ran: recorded, in the same commit.
pub fn schema_done(sql: &SqlStorage, fingerprint: &str) -> ApiResult<()> {
    kv_put(sql, SCHEMA_KEY, &fingerprint)
}

/// SQLite integers arrive as JS numbers; values here stay far below 2^53.
pub fn int(v: u64) -> SqlStorageValue {
    SqlStorageValue::Integer(i64::try_from(v).unwrap_or(i64::MAX))
}
