//! The workspace object's tables and the queries over them.

use parlor_core::dialogue::Dialogue;
use parlor_core::hours::BusinessHours;
use parlor_core::routing::RoutingSettings;
use parlor_core::settings::WorkspaceSettings;
use parlor_core::TeamId;
use serde::{Deserialize, Serialize};
use worker::SqlStorage;

use crate::error::{ApiError, ApiResult};
use crate::identity::Role;
use crate::sql::{
    exec, int, kv_get, kv_put, rows, schema_current, schema_done, schema_fingerprint, KV_SCHEMA,
};
use crate::workspace::memo::Memo;
use crate::workspace::paging::{After, PageRequest};

const SCHEMA: &[&str] = &[
    KV_SCHEMA,
    "CREATE TABLE IF NOT EXISTS agents (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, body TEXT NOT NULL, password_hash TEXT NOT NULL, session_epoch INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS teams (id TEXT PRIMARY KEY, name TEXT NOT NULL, hours TEXT)",
    "CREATE TABLE IF NOT EXISTS dialogues (id TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS conversations_by_update ON conversations (updated_at)",
    "CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, conversation TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, body TEXT NOT NULL, conversation TEXT)",
    // The router in parts (see workspace/parts.rs): its roster and counters are kv rows.
    "CREATE TABLE IF NOT EXISTS router_offers (offer INTEGER PRIMARY KEY, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS router_chats (conversation TEXT PRIMARY KEY, body TEXT NOT NULL)",
    // The latest settled live chat request of recent conversations (see core::workspace).
    "CREATE TABLE IF NOT EXISTS router_settled (seq INTEGER PRIMARY KEY AUTOINCREMENT, conversation TEXT NOT NULL UNIQUE, request INTEGER NOT NULL)",
    // Conversations erased lately: a link batch still on its way from one is dropped (see erase.rs).
    "CREATE TABLE IF NOT EXISTS erased (conversation TEXT PRIMARY KEY, at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS audit_by_conversation ON audit (conversation)",
    // The missed-chat report: one small row per conversation, read by creation day (report.rs).
    "CREATE TABLE IF NOT EXISTS chat_facts (conversation TEXT PRIMARY KEY, created_at INTEGER NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS chat_facts_by_day ON chat_facts (created_at)",
];

/// Columns added to a table after it was first created: the probe (`… LIMIT 0`) fails while
/// the column is missing, and the alteration adds it.
const ADDED_COLUMNS: &[(&str, &str)] = &[
    // One failed action per conversation: a link message delivered twice mails once.
    (
        "SELECT conversation FROM outbox LIMIT 0",
        "ALTER TABLE outbox ADD COLUMN conversation TEXT",
    ),
    // Agents stored before session epochs existed keep epoch 0: their `v1` tokens stay valid
    // until something revokes them.
    (
        "SELECT session_epoch FROM agents LIMIT 0",
        "ALTER TABLE agents ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0",
    ),
    // Teams stored before teams had hours of their own keep the workspace's.
    (
        "SELECT hours FROM teams LIMIT 0",
        "ALTER TABLE teams ADD COLUMN hours TEXT",
    ),
    // One email of each kind per conversation (a failed action, a new lead, an offline
    // message, the visitor's transcript): a link message delivered twice mails once.
    (
        "SELECT kind FROM outbox LIMIT 0",
        "ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'failed_action'",
    ),
];

/// Run last, once the columns they use exist.
const AFTER_COLUMNS: &[&str] = &[
    "DROP INDEX IF EXISTS outbox_by_conversation",
    "CREATE UNIQUE INDEX IF NOT EXISTS outbox_by_conversation_kind ON outbox (conversation, kind)",
];

/// Every table and index of the object, this file's and its parts'.
fn tables() -> impl Iterator<Item = &'static str> {
    SCHEMA
        .iter()
        .chain(super::leads::SCHEMA)
        .chain(super::versions::SCHEMA)
        .chain(super::canned::SCHEMA)
        .chain(super::push::SCHEMA)
        .chain(super::sites::SCHEMA)
        .copied()
}

/// Every statement `migrate` may run, in order.
fn statements() -> impl Iterator<Item = &'static str> {
    tables()
        .chain(
            ADDED_COLUMNS
                .iter()
                .flat_map(|(probe, alter)| [*probe, *alter]),
        )
        .chain(AFTER_COLUMNS.iter().copied())
}

/// What a woken object compares with the fingerprint it stored.
fn fingerprint() -> String {
    schema_fingerprint(statements())
}

/// Brings the object's schema up to this version's, and records that it did.
pub fn migrate(sql: &SqlStorage) -> ApiResult<()> {
    for stmt in tables() {
        exec(sql, stmt, vec![])?;
    }
    for (probe, alter) in ADDED_COLUMNS {
        if exec(sql, probe, vec![]).is_err() {
            exec(sql, alter, vec![])?;
        }
    }
    for stmt in AFTER_COLUMNS {
        exec(sql, stmt, vec![])?;
    }
    schema_done(sql, &fingerprint())
}

/// An existing object, opened by a new instance (after hibernation, a restart or a deploy):
/// one read when its schema is this version's, as it is on every wake but the first after a
/// deploy that changed it (some thirty statements otherwise).
pub fn open(sql: &SqlStorage) -> ApiResult<()> {
    if schema_current(sql, &fingerprint()) {
        return Ok(());
    }
    migrate(sql)
}

/// Who gets the workspace's emails (failed actions, new leads): the settings'
/// `notification_emails`, or, when that is empty, every admin, so someone always hears.
pub fn mail_recipients(sql: &SqlStorage) -> ApiResult<Vec<String>> {
    let listed = settings(sql)?.notification_emails;
    if !listed.is_empty() {
        return Ok(listed);
    }
    Ok(agents(sql)?
        .into_iter()
        .filter(|a| a.role == Role::Admin)
        .map(|a| a.email)
        .collect())
}

/// The workspace's identity, written once by the operator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkspaceMeta {
    pub id: String,
    pub name: String,
    /// The admin key's hash, the previous one during a rotation's grace, the generation.
    #[serde(flatten)]
    pub keys: parlor_core::keys::KeyRing,
    pub created_at: u64,
}

pub fn meta(sql: &SqlStorage) -> ApiResult<Option<WorkspaceMeta>> {
    kv_get(sql, "meta")
}

pub fn put_meta(sql: &SqlStorage, memo: &Memo, meta: &WorkspaceMeta) -> ApiResult<()> {
    memo.forget_config();
    kv_put(sql, "meta", meta)
}

pub fn settings(sql: &SqlStorage) -> ApiResult<WorkspaceSettings> {
    Ok(kv_get(sql, "settings")?.unwrap_or_default())
}

pub fn put_settings(sql: &SqlStorage, memo: &Memo, s: &WorkspaceSettings) -> ApiResult<()> {
    memo.forget_config();
    kv_put(sql, "settings", s)
}

/// The secret the site's server signs visitor ids with (`parlor_core::identity`), made on
/// first use: 32 random bytes in hex.
pub fn identity_secret(sql: &SqlStorage) -> ApiResult<String> {
    match kv_get::<String>(sql, "identity_secret")? {
        Some(s) => Ok(s),
        None => rotate_identity_secret(sql),
    }
}

/// A new identity secret: hashes made with the old one no longer verify.
pub fn rotate_identity_secret(sql: &SqlStorage) -> ApiResult<String> {
    let secret = format!("idv_{}", crate::crypto::random_hex(32)?);
    kv_put(sql, "identity_secret", &secret)?;
    Ok(secret)
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

#[derive(Deserialize)]
struct SessionRow {
    body: String,
    session_epoch: i64,
}

/// The agent and their session epoch (a column of its own, never in the API's JSON): a session
/// signed with another epoch is refused (see `access::caller`).
pub fn agent_session(sql: &SqlStorage, id: &str) -> ApiResult<Option<(Agent, u64)>> {
    let found: Vec<SessionRow> = rows(
        sql,
        "SELECT body, session_epoch FROM agents WHERE id = ?",
        vec![id.into()],
    )?;
    match found.first() {
        Some(r) => Ok(Some((
            serde_json::from_str(&r.body)?,
            u64::try_from(r.session_epoch).unwrap_or(0),
        ))),
        None => Ok(None),
    }
}

/// Gives the agent a new session epoch: every session signed before is refused from now on.
pub fn set_session_epoch(sql: &SqlStorage, memo: &Memo, id: &str, epoch: u64) -> ApiResult<()> {
    memo.forget_session(id);
    exec(
        sql,
        "UPDATE agents SET session_epoch = ? WHERE id = ?",
        vec![int(epoch), id.into()],
    )
}

/// A new session epoch for an agent: the current time, but always above every epoch this
/// workspace has handed out, so an agent deleted and created again in the same millisecond,
/// or changed twice in one request (the platform clock stands still within one), still gets
/// an epoch no earlier token carries.
pub fn next_session_epoch(sql: &SqlStorage, now: u64) -> ApiResult<u64> {
    let last: u64 = kv_get(sql, "session_epoch_last")?.unwrap_or(0);
    let next = now.max(last.saturating_add(1));
    kv_put(sql, "session_epoch_last", &next)?;
    Ok(next)
}

pub fn insert_agent(
    sql: &SqlStorage,
    memo: &Memo,
    a: &Agent,
    password_hash: &str,
    session_epoch: u64,
) -> ApiResult<()> {
    if agent(sql, &a.id)?.is_some() || agent_by_email(sql, &a.email)?.is_some() {
        return Err(ApiError::Conflict("agent"));
    }
    memo.forget_session(&a.id);
    exec(
        sql,
        "INSERT INTO agents (id, email, body, password_hash, session_epoch) VALUES (?, ?, ?, ?, ?)",
        vec![
            a.id.as_str().into(),
            a.email.to_ascii_lowercase().into(),
            serde_json::to_string(a)?.into(),
            password_hash.into(),
            int(session_epoch),
        ],
    )
}

pub fn update_agent(sql: &SqlStorage, memo: &Memo, a: &Agent) -> ApiResult<()> {
    memo.forget_session(&a.id);
    exec(
        sql,
        "UPDATE agents SET body = ? WHERE id = ?",
        vec![serde_json::to_string(a)?.into(), a.id.as_str().into()],
    )
}

/// A new password and a new session epoch: every session signed before is refused.
pub fn set_password(
    sql: &SqlStorage,
    memo: &Memo,
    id: &str,
    hash: &str,
    epoch: u64,
) -> ApiResult<()> {
    memo.forget_session(id);
    exec(
        sql,
        "UPDATE agents SET password_hash = ?, session_epoch = ? WHERE id = ?",
        vec![hash.into(), int(epoch), id.into()],
    )
}

/// Rewrites an agent's hash at today's cost (same password, same session epoch), unless it
/// changed since it was read. The hash is not part of the sessions memo: nothing to drop.
pub fn upgrade_password_hash(sql: &SqlStorage, id: &str, old: &str, new: &str) -> ApiResult<()> {
    exec(
        sql,
        "UPDATE agents SET password_hash = ? WHERE id = ? AND password_hash = ?",
        vec![new.into(), id.into(), old.into()],
    )
}

pub fn delete_agent(sql: &SqlStorage, memo: &Memo, id: &str) -> ApiResult<()> {
    memo.forget_session(id);
    exec(sql, "DELETE FROM agents WHERE id = ?", vec![id.into()])
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub id: String,
    pub name: String,
    /// The team's own hours; none: the workspace's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<BusinessHours>,
}

#[derive(Deserialize)]
struct TeamRow {
    id: String,
    name: String,
    hours: Option<String>,
}

pub fn teams(sql: &SqlStorage) -> ApiResult<Vec<Team>> {
    let found: Vec<TeamRow> = rows(
        sql,
        "SELECT id, name, hours FROM teams ORDER BY rowid",
        vec![],
    )?;
    found
        .into_iter()
        .map(|row| {
            let business_hours = match row.hours {
                Some(json) => Some(
                    serde_json::from_str(&json)
                        .map_err(|e| ApiError::Internal(format!("team {} hours: {e}", row.id)))?,
                ),
                None => None,
            };
            Ok(Team {
                id: row.id,
                name: row.name,
                business_hours,
            })
        })
        .collect()
}

pub fn put_team(sql: &SqlStorage, t: &Team) -> ApiResult<()> {
    let hours = match &t.business_hours {
        Some(h) => serde_json::to_string(h)
            .map_err(|e| ApiError::Internal(format!("team hours: {e}")))?
            .into(),
        None => worker::SqlStorageValue::Null,
    };
    exec(
        sql,
        "INSERT INTO teams (id, name, hours) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, hours = excluded.hours",
        vec![t.id.as_str().into(), t.name.as_str().into(), hours],
    )
}

/// The routing engine's settings: the workspace's, with the hours of teams that have their own.
pub fn routing_settings(sql: &SqlStorage) -> ApiResult<RoutingSettings> {
    let team_hours = teams(sql)?
        .into_iter()
        .filter_map(|t| Some((TeamId::new(t.id), t.business_hours?)))
        .collect();
    Ok(settings(sql)?.routing(team_hours))
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

pub fn put_dialogue(sql: &SqlStorage, memo: &Memo, d: &Dialogue, position: u64) -> ApiResult<()> {
    memo.forget_config();
    exec(
        sql,
        "INSERT INTO dialogues (id, position, body) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, position = excluded.position",
        vec![d.id.as_str().into(), int(position), serde_json::to_string(d)?.into()],
    )
}

pub fn delete_dialogue(sql: &SqlStorage, memo: &Memo, id: &str) -> ApiResult<bool> {
    let existed = memo.dialogues(sql)?.iter().any(|d| d.id.as_str() == id);
    memo.forget_config();
    exec(sql, "DELETE FROM dialogues WHERE id = ?", vec![id.into()])?;
    Ok(existed)
}

/// Moves a dialogue to `position` in the order targeting tries them.
pub fn set_dialogue_position(
    sql: &SqlStorage,
    memo: &Memo,
    id: &str,
    position: u64,
) -> ApiResult<()> {
    memo.forget_config();
    exec(
        sql,
        "UPDATE dialogues SET position = ? WHERE id = ?",
        vec![int(position), id.into()],
    )
}

#[derive(Deserialize)]
struct LogRow {
    seq: u64,
    at: i64,
    body: String,
}

/// Newest first: `{seq, at, entry}` rows of a log table.
fn log(
    sql: &SqlStorage,
    table: &str,
    page: &PageRequest,
) -> ApiResult<(Vec<serde_json::Value>, Option<After>)> {
    let found: Vec<LogRow> = match &page.after {
        None => rows(
            sql,
            &format!("SELECT seq, at, body FROM {table} ORDER BY seq DESC LIMIT ?"),
            vec![int(page.limit)],
        )?,
        Some(after) => rows(
            sql,
            &format!("SELECT seq, at, body FROM {table} WHERE seq < ? ORDER BY seq DESC LIMIT ?"),
            vec![int(after.at), int(page.limit)],
        )?,
    };
    // A full page may have a next one; its cursor is the last sequence number given.
    let next = (found.len() as u64 == page.limit)
        .then(|| found.last())
        .flatten()
        .map(|r| After {
            at: r.seq,
            key: String::new(),
        });
    let entries = found
        .into_iter()
        .map(|r| {
            Ok(serde_json::json!({
                "seq": r.seq,
                "at": r.at,
                "entry": serde_json::from_str::<serde_json::Value>(&r.body)?,
            }))
        })
        .collect::<ApiResult<_>>()?;
    Ok((entries, next))
}

/// The routing audit log, newest first, a page at a time.
pub fn audit(
    sql: &SqlStorage,
    page: &PageRequest,
) -> ApiResult<(Vec<serde_json::Value>, Option<After>)> {
    log(sql, "audit", page)
}

/// Emails sent (failed actions, digests, new leads, visitors' transcripts), newest first, a
/// page at a time.
pub fn outbox(
    sql: &SqlStorage,
    page: &PageRequest,
) -> ApiResult<(Vec<serde_json::Value>, Option<After>)> {
    log(sql, "outbox", page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_fingerprint_is_stable_and_covers_every_statement() {
        let print = fingerprint();
        assert_eq!(print.len(), 16);
        assert!(print.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(print, fingerprint());
        // Without the last statement `migrate` runs, the fingerprint differs: a statement added
        // anywhere in the lists changes what a woken object compares.
        let all: Vec<&str> = statements().collect();
        let hash = |list: &[&str]| schema_fingerprint(list.iter().copied());
        assert_eq!(hash(&all), print);
        assert_ne!(hash(&all[..all.len() - 1]), print);
        assert!(all.iter().any(|s| s.contains("push_devices")));
        assert!(all.iter().any(|s| s.contains("dialogue_versions")));
    }
}
