//! The webhook object's tables: endpoints (with their secrets, kept apart from what is
//! listed), messages (one per event, its body fixed once built), deliveries (one per message
//! and endpoint, the pending ones form the outbox) and the delivery log (the last 100 attempts
//! per endpoint). Every function is synchronous: no borrow crosses an await.

use parlor_core::webhooks::delivery::LOG_LIMIT;
use parlor_core::webhooks::{Attempt, Delivery, Endpoint, Event};
use serde::Deserialize;
use worker::SqlStorage;

use crate::error::ApiResult;
use crate::sql::{exec, int, rows, schema_current, schema_done, schema_fingerprint, KV_SCHEMA};

const SCHEMA: [&str; 7] = [
    KV_SCHEMA,
    "CREATE TABLE IF NOT EXISTS endpoints (id TEXT PRIMARY KEY, body TEXT NOT NULL, secret TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, endpoint TEXT NOT NULL, \
     message TEXT NOT NULL, body TEXT NOT NULL, next_at INTEGER, manual INTEGER NOT NULL DEFAULT 0, \
     UNIQUE (endpoint, message))",
    "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at)",
    "CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY AUTOINCREMENT, endpoint TEXT NOT NULL, \
     delivery INTEGER NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS log_by_endpoint ON log (endpoint, seq)",
];

/// Creates the tables, unless a former instance did for this version of them (one read then:
/// the object wakes for every delivery pass).
pub fn migrate(sql: &SqlStorage) -> ApiResult<()> {
    let fingerprint = schema_fingerprint(SCHEMA.into_iter());
    if schema_current(sql, &fingerprint) {
        return Ok(());
    }
    for statement in SCHEMA {
        exec(sql, statement, vec![])?;
    }
    schema_done(sql, &fingerprint)
}

#[derive(Deserialize)]
struct BodyRow {
    body: String,
}

#[derive(Deserialize)]
struct SecretRow {
    secret: String,
}

#[derive(Deserialize)]
struct CountRow {
    n: i64,
}

pub fn endpoints(sql: &SqlStorage) -> ApiResult<Vec<Endpoint>> {
    let found: Vec<BodyRow> = rows(sql, "SELECT body FROM endpoints ORDER BY rowid", vec![])?;
    found
        .iter()
        .map(|r| Ok(serde_json::from_str(&r.body)?))
        .collect()
}

pub fn endpoint(sql: &SqlStorage, id: &str) -> ApiResult<Option<Endpoint>> {
    let found: Vec<BodyRow> = rows(
        sql,
        "SELECT body FROM endpoints WHERE id = ?",
        vec![id.into()],
    )?;
    match found.first() {
        Some(r) => Ok(Some(serde_json::from_str(&r.body)?)),
        None => Ok(None),
    }
}

pub fn secret(sql: &SqlStorage, id: &str) -> ApiResult<Option<String>> {
    let found: Vec<SecretRow> = rows(
        sql,
        "SELECT secret FROM endpoints WHERE id = ?",
        vec![id.into()],
    )?;
    Ok(found.into_iter().next().map(|r| r.secret))
}

pub fn insert_endpoint(sql: &SqlStorage, e: &Endpoint, secret: &str) -> ApiResult<()> {
    exec(
        sql,
        "INSERT INTO endpoints (id, body, secret) VALUES (?, ?, ?)",
        vec![
            e.id.as_str().into(),
            serde_json::to_string(e)?.into(),
            secret.into(),
        ],
    )
}

pub fn put_endpoint(sql: &SqlStorage, e: &Endpoint) -> ApiResult<()> {
    exec(
        sql,
        "UPDATE endpoints SET body = ? WHERE id = ?",
        vec![serde_json::to_string(e)?.into(), e.id.as_str().into()],
    )
}

pub fn put_secret(sql: &SqlStorage, id: &str, secret: &str) -> ApiResult<()> {
    exec(
        sql,
        "UPDATE endpoints SET secret = ? WHERE id = ?",
        vec![secret.into(), id.into()],
    )
}

/// Deletes the endpoint, its deliveries and its log.
pub fn delete_endpoint(sql: &SqlStorage, id: &str) -> ApiResult<()> {
    for table in [
        "endpoints WHERE id",
        "deliveries WHERE endpoint",
        "log WHERE endpoint",
    ] {
        exec(sql, &format!("DELETE FROM {table} = ?"), vec![id.into()])?;
    }
    prune_messages(sql)
}

/// Stores a message unless it is known (a repeated hand-over keeps the first).
/// Returns whether it is new.
pub fn insert_message(sql: &SqlStorage, id: &str, event: &Event) -> ApiResult<bool> {
    #[derive(Deserialize)]
    struct IdRow {
        #[allow(dead_code)]
        id: String,
    }
    let inserted: Vec<IdRow> = rows(
        sql,
        "INSERT INTO messages (id, body) VALUES (?, ?) ON CONFLICT(id) DO NOTHING RETURNING id",
        vec![id.into(), serde_json::to_string(event)?.into()],
    )?;
    Ok(!inserted.is_empty())
}

pub fn message(sql: &SqlStorage, id: &str) -> ApiResult<Option<Event>> {
    let found: Vec<BodyRow> = rows(
        sql,
        "SELECT body FROM messages WHERE id = ?",
        vec![id.into()],
    )?;
    match found.first() {
        Some(r) => Ok(Some(serde_json::from_str(&r.body)?)),
        None => Ok(None),
    }
}

pub fn put_message(sql: &SqlStorage, id: &str, event: &Event) -> ApiResult<()> {
    exec(
        sql,
        "UPDATE messages SET body = ? WHERE id = ?",
        vec![serde_json::to_string(event)?.into(), id.into()],
    )
}

/// A stored delivery with its row id and whether an admin's "Send again" is waiting.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: u64,
    pub delivery: Delivery,
    pub manual: bool,
}

#[derive(Deserialize)]
struct RawDelivery {
    id: i64,
    body: String,
    manual: i64,
}

impl RawDelivery {
    fn decode(self) -> ApiResult<DeliveryRow> {
        Ok(DeliveryRow {
            id: self.id.max(0) as u64,
            delivery: serde_json::from_str(&self.body)?,
            manual: self.manual != 0,
        })
    }
}

/// Adds a delivery (once per message and endpoint).
pub fn insert_delivery(sql: &SqlStorage, d: &Delivery) -> ApiResult<()> {
    exec(
        sql,
        "INSERT INTO deliveries (endpoint, message, body, next_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT(endpoint, message) DO NOTHING",
        vec![
            d.endpoint.as_str().into(),
            d.message.as_str().into(),
            serde_json::to_string(d)?.into(),
            d.next_at
                .map_or(worker::SqlStorageValue::Null, |t| int(t.0)),
        ],
    )
}

pub fn put_delivery(sql: &SqlStorage, row: &DeliveryRow) -> ApiResult<()> {
    let d = &row.delivery;
    exec(
        sql,
        "UPDATE deliveries SET body = ?, next_at = ?, manual = ? WHERE id = ?",
        vec![
            serde_json::to_string(d)?.into(),
            d.next_at
                .map_or(worker::SqlStorageValue::Null, |t| int(t.0)),
            int(u64::from(row.manual)),
            int(row.id),
        ],
    )
}

pub fn delivery(sql: &SqlStorage, endpoint: &str, id: u64) -> ApiResult<Option<DeliveryRow>> {
    let found: Vec<RawDelivery> = rows(
        sql,
        "SELECT id, body, manual FROM deliveries WHERE id = ? AND endpoint = ?",
        vec![int(id), endpoint.into()],
    )?;
    found
        .into_iter()
        .next()
        .map(RawDelivery::decode)
        .transpose()
}

/// Deliveries due by `now`, earliest first, at most `limit`.
pub fn due(sql: &SqlStorage, now: u64, limit: u64) -> ApiResult<Vec<DeliveryRow>> {
    let found: Vec<RawDelivery> = rows(
        sql,
        "SELECT id, body, manual FROM deliveries WHERE next_at IS NOT NULL AND next_at <= ? \
         ORDER BY next_at LIMIT ?",
        vec![int(now), int(limit)],
    )?;
    found.into_iter().map(RawDelivery::decode).collect()
}

/// Pending deliveries of one endpoint.
pub fn pending_of(sql: &SqlStorage, endpoint: &str) -> ApiResult<Vec<DeliveryRow>> {
    let found: Vec<RawDelivery> = rows(
        sql,
        "SELECT id, body, manual FROM deliveries WHERE endpoint = ? AND next_at IS NOT NULL",
        vec![endpoint.into()],
    )?;
    found.into_iter().map(RawDelivery::decode).collect()
}

/// When the next attempt is due, if any.
pub fn next_due(sql: &SqlStorage) -> ApiResult<Option<u64>> {
    #[derive(Deserialize)]
    struct Row {
        at: Option<i64>,
    }
    let found: Vec<Row> = rows(sql, "SELECT MIN(next_at) AS at FROM deliveries", vec![])?;
    Ok(found
        .into_iter()
        .next()
        .and_then(|r| r.at)
        .map(|v| v.max(0) as u64))
}

/// Appends an attempt to the endpoint's log and keeps its last [`LOG_LIMIT`] lines; then
/// drops settled deliveries and messages no line refers to any more.
pub fn append_log(sql: &SqlStorage, endpoint: &str, delivery: u64, a: &Attempt) -> ApiResult<()> {
    exec(
        sql,
        "INSERT INTO log (endpoint, delivery, body) VALUES (?, ?, ?)",
        vec![
            endpoint.into(),
            int(delivery),
            serde_json::to_string(a)?.into(),
        ],
    )?;
    exec(
        sql,
        "DELETE FROM log WHERE endpoint = ? AND seq NOT IN \
         (SELECT seq FROM log WHERE endpoint = ? ORDER BY seq DESC LIMIT ?)",
        vec![endpoint.into(), endpoint.into(), int(LOG_LIMIT as u64)],
    )?;
    exec(
        sql,
        "DELETE FROM deliveries WHERE endpoint = ? AND next_at IS NULL AND id NOT IN \
         (SELECT delivery FROM log WHERE endpoint = ?)",
        vec![endpoint.into(), endpoint.into()],
    )?;
    prune_messages(sql)
}

fn prune_messages(sql: &SqlStorage) -> ApiResult<()> {
    exec(
        sql,
        "DELETE FROM messages WHERE id NOT IN (SELECT message FROM deliveries)",
        vec![],
    )
}

/// One log line as the admin view lists it.
#[derive(Debug, serde::Serialize)]
pub struct LogLine {
    pub seq: u64,
    pub delivery: u64,
    #[serde(flatten)]
    pub attempt: Attempt,
}

/// The endpoint's log, newest first.
pub fn log(sql: &SqlStorage, endpoint: &str) -> ApiResult<Vec<LogLine>> {
    #[derive(Deserialize)]
    struct Row {
        seq: i64,
        delivery: i64,
        body: String,
    }
    let found: Vec<Row> = rows(
        sql,
        "SELECT seq, delivery, body FROM log WHERE endpoint = ? ORDER BY seq DESC LIMIT ?",
        vec![endpoint.into(), int(LOG_LIMIT as u64)],
    )?;
    found
        .into_iter()
        .map(|r| {
            Ok(LogLine {
                seq: r.seq.max(0) as u64,
                delivery: r.delivery.max(0) as u64,
                attempt: serde_json::from_str(&r.body)?,
            })
        })
        .collect()
}

/// How many deliveries wait for an attempt, per the whole object.
pub fn pending_count(sql: &SqlStorage, endpoint: &str) -> ApiResult<u64> {
    let found: Vec<CountRow> = rows(
        sql,
        "SELECT COUNT(*) AS n FROM deliveries WHERE endpoint = ? AND next_at IS NOT NULL",
        vec![endpoint.into()],
    )?;
    Ok(found.first().map_or(0, |r| r.n.max(0) as u64))
}
