//! Canned replies: their table and `…/canned-replies` routes. The rules (valid shortcuts and
//! texts, limits, unique shortcuts) are core's (`parlor_core::canned`); this file decides who may
//! see and change which reply and stores them.
//!
//! - Workspace-wide replies: every agent reads them, only admins write them.
//! - Personal replies: only their agent reads or writes them; to anyone else (admins included)
//!   they do not exist (404), so their shortcuts and texts never leak.

use parlor_core::canned::{CannedError, CannedReply, Scope};
use serde::Deserialize;
use worker::{Method, Request, Response, SqlStorage};

use crate::crypto::random_hex;
use crate::error::{ApiError, ApiResult};
use crate::http::{created, ok, read_json};
use crate::now_ms;
use crate::sql::{exec, int, rows};
use crate::workspace::access::{require_admin, Caller};

/// A reply's body: 2,000 bytes of text, even written as JSON escapes, fit well within this.
const BODY: usize = 16 * 1024;

/// `owner` is the agent's id for a personal reply, empty for a workspace-wide one.
pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS canned_replies (id TEXT PRIMARY KEY, scope TEXT NOT NULL, owner TEXT NOT NULL, shortcut TEXT NOT NULL, text TEXT NOT NULL, updated_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS canned_replies_by_owner ON canned_replies (owner)",
];

/// What `POST` and `PUT` read. Missing strings read as empty, so they are refused with the
/// rule's words (422) rather than a parser's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    #[serde(default)]
    shortcut: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    scope: Option<Scope>,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    scope: String,
    owner: String,
    shortcut: String,
    text: String,
}

impl Row {
    fn scope(&self) -> Scope {
        if self.scope == "personal" {
            Scope::Personal
        } else {
            Scope::Workspace
        }
    }

    fn reply(self) -> CannedReply {
        let scope = self.scope();
        CannedReply {
            id: self.id,
            shortcut: self.shortcut,
            text: self.text,
            scope,
        }
    }
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Workspace => "workspace",
        Scope::Personal => "personal",
    }
}

const COLUMNS: &str = "SELECT id, scope, owner, shortcut, text FROM canned_replies";

/// `…/canned-replies[/{id}]`.
pub async fn api(
    sql: &SqlStorage,
    path: &[&str],
    method: &Method,
    req: &mut Request,
    who: &Caller,
) -> ApiResult<Response> {
    match (path, method) {
        ([], Method::Get) => {
            let replies = seen_by(sql, who.agent_id())?;
            ok(&serde_json::json!({ "replies": replies }))
        }
        ([], Method::Post) => {
            let input: Input = read_json(req, BODY).await?;
            let scope = input.scope.ok_or_else(|| {
                ApiError::Unprocessable(
                    "Say whose reply it is: scope must be \"workspace\" or \"personal\".".into(),
                )
            })?;
            let owner = match scope {
                Scope::Workspace => {
                    require_admin(who)?;
                    ""
                }
                // The workspace admin key is nobody's: it has no personal replies.
                Scope::Personal => who.agent_id().ok_or(ApiError::Forbidden)?,
            };
            let id = format!("cr_{}", random_hex(8)?);
            let reply =
                CannedReply::new(&id, &input.shortcut, &input.text, scope).map_err(refused)?;
            reply
                .check_among(&seen_with(sql, scope, owner)?)
                .map_err(refused)?;
            exec(
                sql,
                "INSERT INTO canned_replies (id, scope, owner, shortcut, text, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                vec![
                    reply.id.as_str().into(),
                    scope_name(scope).into(),
                    owner.into(),
                    reply.shortcut.as_str().into(),
                    reply.text.as_str().into(),
                    int(now_ms()),
                ],
            )?;
            created(&reply)
        }
        ([id], Method::Put) => {
            let stored = writable(sql, id, who)?;
            let input: Input = read_json(req, BODY).await?;
            let scope = stored.scope();
            if input.scope.is_some_and(|s| s != scope) {
                return Err(ApiError::Unprocessable(
                    "A reply's scope cannot change: add a new reply and delete this one.".into(),
                ));
            }
            let reply =
                CannedReply::new(id, &input.shortcut, &input.text, scope).map_err(refused)?;
            reply
                .check_among(&seen_with(sql, scope, &stored.owner)?)
                .map_err(refused)?;
            exec(
                sql,
                "UPDATE canned_replies SET shortcut = ?, text = ?, updated_at = ? WHERE id = ?",
                vec![
                    reply.shortcut.as_str().into(),
                    reply.text.as_str().into(),
                    int(now_ms()),
                    reply.id.as_str().into(),
                ],
            )?;
            ok(&reply)
        }
        ([id], Method::Delete) => {
            writable(sql, id, who)?;
            exec(
                sql,
                "DELETE FROM canned_replies WHERE id = ?",
                vec![(*id).into()],
            )?;
            ok(&serde_json::json!({ "deleted": id }))
        }
        _ => Err(ApiError::NotFound("route")),
    }
}

/// A rule broken (422) or a shortcut taken (409), in core's words.
fn refused(e: CannedError) -> ApiError {
    if e.is_conflict() {
        ApiError::Taken(e.to_string())
    } else {
        ApiError::Unprocessable(e.to_string())
    }
}

/// What one caller sees, by shortcut: the workspace-wide replies and, for an agent, their own.
fn seen_by(sql: &SqlStorage, agent: Option<&str>) -> ApiResult<Vec<CannedReply>> {
    let found: Vec<Row> = rows(
        sql,
        &format!("{COLUMNS} WHERE scope = 'workspace' OR (scope = 'personal' AND owner = ?) ORDER BY shortcut, id"),
        vec![agent.unwrap_or_default().into()],
    )?;
    // Personal replies always have an owner: without an agent, only workspace-wide ones match.
    Ok(found.into_iter().map(Row::reply).collect())
}

/// The replies a reply of `scope` (of `owner`) is seen with: for a personal one, what its
/// agent sees; for a workspace-wide one, every reply (every agent sees it).
fn seen_with(sql: &SqlStorage, scope: Scope, owner: &str) -> ApiResult<Vec<CannedReply>> {
    match scope {
        Scope::Personal => seen_by(sql, Some(owner)),
        Scope::Workspace => {
            let all: Vec<Row> = rows(sql, COLUMNS, vec![])?;
            Ok(all.into_iter().map(Row::reply).collect())
        }
    }
}

/// The stored reply `id`, if the caller may change it: a personal one only by its agent (to
/// anyone else it does not exist), a workspace-wide one only by an admin.
fn writable(sql: &SqlStorage, id: &str, who: &Caller) -> ApiResult<Row> {
    let found: Vec<Row> = rows(sql, &format!("{COLUMNS} WHERE id = ?"), vec![id.into()])?;
    let row = found
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound("canned reply"))?;
    match row.scope() {
        Scope::Personal if who.agent_id() != Some(row.owner.as_str()) => {
            Err(ApiError::NotFound("canned reply"))
        }
        Scope::Personal => Ok(row),
        Scope::Workspace => require_admin(who).map(|()| row),
    }
}

/// A removed agent's personal replies go with them.
pub fn forget_agent(sql: &SqlStorage, agent: &str) -> ApiResult<()> {
    exec(
        sql,
        "DELETE FROM canned_replies WHERE scope = 'personal' AND owner = ?",
        vec![agent.into()],
    )
}
