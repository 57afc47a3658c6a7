//! The workspace object's tables and the queries over them.

use parlor_core::dialogue::Dialogue;
use parlor_core::settings::WorkspaceSettings;
use serde::{Deserialize, Serialize};
use worker::SqlStorage;

use crate::error::{ApiError, ApiResult};
use crate::identity::Role;
use crate::sql::{exec, int, kv_get, kv_put, rows, KV_SCHEMA};

const SCHEMA: &[&str] = &[
    KV_SCHEMA,
    "CREATE TABLE IF NOT EXISTS agents (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, body TEXT NOT NULL, password_hash TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS teams (id TEXT PRIMARY KEY, name TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS dialogues (id TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS conversations_by_update ON conversations (updated_at)",
    "CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, conversation TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, body TEXT NOT NULL)",
    // The router in parts (see workspace/routing.rs): its head is the kv row `router_head`.
    "CREATE TABLE IF NOT EXISTS router_offers (offer INTEGER PRIMARY KEY, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS router_chats (conversation TEXT PRIMARY KEY, body TEXT NOT NULL)",
];

pub fn migrate(sql: &SqlStorage) -> ApiResult<()> {
    for stmt in SCHEMA {
        exec(sql, stmt, vec![])?;
    }
    Ok(())
}

/// The workspace's identity, written once by the operator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkspaceMeta {
    pub id: String,
    pub name: String,
    pub admin_key_hash: String,
    pub created_at: u64,
}

pub fn meta(sql: &SqlStorage) -> ApiResult<Option<WorkspaceMeta>> {
    kv_get(sql, "meta")
}

pub fn put_meta(sql: &SqlStorage, meta: &WorkspaceMeta) -> ApiResult<()> {
    kv_put(sql, "meta", meta)
}

pub fn settings(sql: &SqlStorage) -> ApiResult<WorkspaceSettings> {
    Ok(kv_get(sql, "settings")?.unwrap_or_default())
}

pub fn put_settings(sql: &SqlStorage, s: &WorkspaceSettings) -> ApiResult<()> {
    kv_put(sql, "settings", s)
}

/// An agent as stored and as returned by the API (never with the password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub id: String,
    pub email: String,
    pub name: String,
    #[serde(default)]
    pub avatar_url: Option<String>,
    pub live_chat: bool,
    pub role: Role,
    #[serde(default)]
    pub teams: Vec<String>,
}

#[derive(Deserialize)]
struct BodyRow {
    body: String,
}

#[derive(Deserialize)]
struct AgentRow {
    body: String,
    password_hash: String,
}

pub fn agents(sql: &SqlStorage) -> ApiResult<Vec<Agent>> {
    let found: Vec<BodyRow> = rows(sql, "SELECT body FROM agents ORDER BY rowid", vec![])?;
    found
        .iter()
        .map(|r| Ok(serde_json::from_str(&r.body)?))
        .collect()
}

pub fn agent(sql: &SqlStorage, id: &str) -> ApiResult<Option<Agent>> {
    let found: Vec<BodyRow> = rows(sql, "SELECT body FROM agents WHERE id = ?", vec![id.into()])?;
    match found.first() {
        Some(r) => Ok(Some(serde_json::from_str(&r.body)?)),
        None => Ok(None),
    }
}

/// The agent with this email and their password hash, for sign-in.
pub fn agent_by_email(sql: &SqlStorage, email: &str) -> ApiResult<Option<(Agent, String)>> {
    let found: Vec<AgentRow> = rows(
        sql,
        "SELECT body, password_hash FROM agents WHERE email = ?",
        vec![email.to_ascii_lowercase().into()],
    )?;
    match found.into_iter().next() {
        Some(r) => Ok(Some((serde_json::from_str(&r.body)?, r.password_hash))),
        None => Ok(None),
    }
}

pub fn insert_agent(sql: &SqlStorage, a: &Agent, password_hash: &str) -> ApiResult<()> {
    if agent(sql, &a.id)?.is_some() || agent_by_email(sql, &a.email)?.is_some() {
        return Err(ApiError::Conflict("agent"));
    }
    exec(
        sql,
        "INSERT INTO agents (id, email, body, password_hash) VALUES (?, ?, ?, ?)",
        vec![
            a.id.as_str().into(),
            a.email.to_ascii_lowercase().into(),
            serde_json::to_string(a)?.into(),
            password_hash.into(),
        ],
    )
}

pub fn update_agent(sql: &SqlStorage, a: &Agent) -> ApiResult<()> {
    exec(
        sql,
        "UPDATE agents SET body = ? WHERE id = ?",
        vec![serde_json::to_string(a)?.into(), a.id.as_str().into()],
    )
}

pub fn set_password(sql: &SqlStorage, id: &str, hash: &str) -> ApiResult<()> {
    exec(
        sql,
        "UPDATE agents SET password_hash = ? WHERE id = ?",
        vec![hash.into(), id.into()],
    )
}

pub fn delete_agent(sql: &SqlStorage, id: &str) -> ApiResult<()> {
    exec(sql, "DELETE FROM agents WHERE id = ?", vec![id.into()])
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub id: String,
    pub name: String,
}

pub fn teams(sql: &SqlStorage) -> ApiResult<Vec<Team>> {
    rows(sql, "SELECT id, name FROM teams ORDER BY rowid", vec![])
}

pub fn put_team(sql: &SqlStorage, t: &Team) -> ApiResult<()> {
    exec(
        sql,
        "INSERT INTO teams (id, name) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name",
        vec![t.id.as_str().into(), t.name.as_str().into()],
    )
}

pub fn delete_team(sql: &SqlStorage, id: &str) -> ApiResult<()> {
    exec(sql, "DELETE FROM teams WHERE id = ?", vec![id.into()])
}

pub fn dialogues(sql: &SqlStorage) -> ApiResult<Vec<Dialogue>> {
    let found: Vec<BodyRow> = rows(
        sql,
        "SELECT body FROM dialogues ORDER BY position, id",
        vec![],
    )?;
    found
        .iter()
        .map(|r| Ok(serde_json::from_str(&r.body)?))
        .collect()
}

pub fn put_dialogue(sql: &SqlStorage, d: &Dialogue, position: u64) -> ApiResult<()> {
    exec(
        sql,
        "INSERT INTO dialogues (id, position, body) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, position = excluded.position",
        vec![d.id.as_str().into(), int(position), serde_json::to_string(d)?.into()],
    )
}

pub fn delete_dialogue(sql: &SqlStorage, id: &str) -> ApiResult<bool> {
    let existed = dialogues(sql)?.iter().any(|d| d.id.as_str() == id);
    exec(sql, "DELETE FROM dialogues WHERE id = ?", vec![id.into()])?;
    Ok(existed)
}

#[derive(Deserialize)]
struct LogRow {
    seq: i64,
    at: i64,
    body: String,
}

/// Newest first: `{seq, at, entry}` rows of a log table.
fn log(sql: &SqlStorage, table: &str, limit: u64) -> ApiResult<Vec<serde_json::Value>> {
    let found: Vec<LogRow> = rows(
        sql,
        &format!("SELECT seq, at, body FROM {table} ORDER BY seq DESC LIMIT ?"),
        vec![int(limit)],
    )?;
    found
        .into_iter()
        .map(|r| {
            Ok(serde_json::json!({
                "seq": r.seq,
                "at": r.at,
                "entry": serde_json::from_str::<serde_json::Value>(&r.body)?,
            }))
        })
        .collect()
}

/// The routing audit log, newest first.
pub fn audit(sql: &SqlStorage, limit: u64) -> ApiResult<Vec<serde_json::Value>> {
    log(sql, "audit", limit)
}

/// Failed-action emails sent, newest first.
pub fn outbox(sql: &SqlStorage, limit: u64) -> ApiResult<Vec<serde_json::Value>> {
    log(sql, "outbox", limit)
}
