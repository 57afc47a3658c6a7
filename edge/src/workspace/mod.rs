//! `WorkspaceDO`: one object per workspace. Settings, agents, teams, dialogues, the
//! conversation index, and (with `routing`) presence, offers and their deadlines.
//! A single writer, so round-robin cursors and capacity counts are atomic without locks.

pub mod access;
mod admin;
pub mod index;
pub mod store;
mod visitors;

use serde::Deserialize;
use worker::{
    durable_object, wasm_bindgen, DurableObject, Env, Method, Request, Response, SqlStorage, State,
};

use crate::crypto::{random_hex, sha256_hex, verify_password};
use crate::error::{ApiError, ApiResult};
use crate::http::{created, ok, read_json};
use crate::identity::{issue_session, Identity};
use crate::rpc::{call, conversation_stub, identity_of};
use crate::workspace::access::{caller, require_admin, Caller};
use crate::workspace::index::Status;
use crate::{now_ms, validate};

pub use visitors::split_token;

#[durable_object]
pub struct WorkspaceDO {
    state: State,
    env: Env,
    sql: SqlStorage,
}

impl DurableObject for WorkspaceDO {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        if let Err(e) = store::migrate(&sql) {
            worker::console_error!("workspace schema: {e}");
        }
        WorkspaceDO { state, env, sql }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        Ok(match self.dispatch(&mut req).await {
            Ok(resp) => resp,
            Err(e) => e.to_response(),
        })
    }
}

fn segments(req: &Request) -> ApiResult<Vec<String>> {
    let url = req.url()?;
    Ok(url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default())
}

impl WorkspaceDO {
    async fn dispatch(&self, req: &mut Request) -> ApiResult<Response> {
        let segs = segments(req)?;
        let path: Vec<&str> = segs.iter().map(String::as_str).collect();
        let method = req.method();
        let now = now_ms();
        match (path.as_slice(), &method) {
            (["internal", op], Method::Post) => return self.internal(op, req, now).await,
            (["visitor", "start"], Method::Post) => {
                let started = visitors::start(&self.sql, &self.env, req, now).await?;
                return created(&started);
            }
            (["api", "create"], Method::Post) => return self.create(req, now).await,
            (["api", "sessions"], Method::Post) => return self.sign_in(req, now).await,
            _ => {}
        }
        let identity = identity_of(req);
        let (_meta, who) = caller(&self.sql, &identity)?;
        let Some(("api", rest)) = path.split_first().map(|(a, b)| (*a, b)) else {
            return Err(ApiError::NotFound("route"));
        };
        self.api(rest, &method, req, &who, now).await
    }

    async fn api(
        &self,
        path: &[&str],
        method: &Method,
        req: &mut Request,
        who: &Caller,
        _now: u64,
    ) -> ApiResult<Response> {
        let sql = &self.sql;
        match (path, method) {
            (["me"], Method::Get) => {
                let id = who.agent_id().ok_or(ApiError::Forbidden)?;
                ok(&store::agent(sql, id)?.ok_or(ApiError::NotFound("agent"))?)
            }
            (["me"], Method::Patch) => {
                let id = who.agent_id().ok_or(ApiError::Forbidden)?;
                ok(&admin::patch_profile(sql, id, req).await?)
            }
            (["settings"], Method::Get) => {
                require_admin(who)?;
                ok(&store::settings(sql)?)
            }
            (["settings"], Method::Put) => {
                require_admin(who)?;
                ok(&admin::put_settings(sql, req).await?)
            }
            (["agents"], Method::Get) => {
                require_admin(who)?;
                ok(&store::agents(sql)?)
            }
            (["agents"], Method::Post) => {
                require_admin(who)?;
                created(&admin::create_agent(sql, req).await?)
            }
            (["agents", id], Method::Patch) => {
                require_admin(who)?;
                ok(&admin::patch_agent(sql, id, req).await?)
            }
            (["agents", id], Method::Delete) => {
                require_admin(who)?;
                store::agent(sql, id)?.ok_or(ApiError::NotFound("agent"))?;
                store::delete_agent(sql, id)?;
                ok(&serde_json::json!({ "deleted": id }))
            }
            (["agents", id, "password"], Method::Post) => {
                require_admin(who)?;
                admin::reset_password(sql, id, req).await
            }
            (["teams"], Method::Get) => {
                require_admin(who)?;
                ok(&store::teams(sql)?)
            }
            (["teams", id], Method::Put) => {
                require_admin(who)?;
                admin::put_team(sql, id, req).await
            }
            (["teams", id], Method::Delete) => {
                require_admin(who)?;
                store::delete_team(sql, id)?;
                ok(&serde_json::json!({ "deleted": id }))
            }
            (["dialogues"], Method::Get) => {
                require_admin(who)?;
                ok(&store::dialogues(sql)?)
            }
            (["dialogues", "validate"], Method::Post) => {
                require_admin(who)?;
                let d = admin::read_dialogue(req).await?;
                ok(&admin::check_dialogue(&d))
            }
            (["dialogues", id], Method::Get) => {
                require_admin(who)?;
                let all = store::dialogues(sql)?;
                let d = all
                    .into_iter()
                    .find(|d| d.id.as_str() == *id)
                    .ok_or(ApiError::NotFound("dialogue"))?;
                ok(&d)
            }
            (["dialogues", id], Method::Put) => {
                require_admin(who)?;
                let d = admin::read_dialogue(req).await?;
                admin::save_dialogue(sql, id, d)
            }
            (["dialogues", id], Method::Delete) => {
                require_admin(who)?;
                if !store::delete_dialogue(sql, id)? {
                    return Err(ApiError::NotFound("dialogue"));
                }
                ok(&serde_json::json!({ "deleted": id }))
            }
            (["conversations"], Method::Get) => {
                require_admin(who)?;
                let status = crate::identity::query_param(req, "status")
                    .map(|s| {
                        serde_json::from_value::<Status>(serde_json::Value::String(s))
                            .map_err(|_| ApiError::BadRequest("unknown status filter".into()))
                    })
                    .transpose()?;
                ok(&index::list(sql, status, 200)?)
            }
            (["conversations", id], Method::Get) => {
                let record = index::get(sql, id)?.ok_or(ApiError::NotFound("conversation"))?;
                // Agents see the conversations they hold; admins see all.
                if !who.is_admin() && record.agent.as_deref() != who.agent_id() {
                    return Err(ApiError::Forbidden);
                }
                let stub = conversation_stub(&self.env, id)?;
                let transcript: serde_json::Value =
                    call(&stub, "/internal/transcript", &serde_json::json!({})).await?;
                ok(&serde_json::json!({ "conversation": record, "transcript": transcript }))
            }
            _ => Err(ApiError::NotFound("route")),
        }
    }

    /// Operator creates the workspace; returns its admin key (shown once, stored hashed).
    async fn create(&self, req: &mut Request, now: u64) -> ApiResult<Response> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            id: String,
            name: String,
        }
        if identity_of(req) != Identity::Operator {
            return Err(ApiError::Unauthorized);
        }
        let body: Body = read_json(req, 4 * 1024).await?;
        validate::id("workspace", &body.id)?;
        validate::text("workspace name", &body.name, 100)?;
        if store::meta(&self.sql)?.is_some() {
            return Err(ApiError::Conflict("workspace"));
        }
        let key = format!("wsk_{}", random_hex(24)?);
        store::put_meta(
            &self.sql,
            &store::WorkspaceMeta {
                id: body.id.clone(),
                name: body.name,
                admin_key_hash: sha256_hex(&key),
                created_at: now,
            },
        )?;
        created(&serde_json::json!({ "id": body.id, "admin_key": key }))
    }

    async fn sign_in(&self, req: &mut Request, now: u64) -> ApiResult<Response> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            email: String,
            password: String,
        }
        let body: Body = read_json(req, 4 * 1024).await?;
        let meta = store::meta(&self.sql)?.ok_or(ApiError::NotFound("workspace"))?;
        let found = store::agent_by_email(&self.sql, body.email.trim())?;
        let Some((agent, hash)) = found.filter(|(_, h)| verify_password(&body.password, h)) else {
            return Err(ApiError::Unauthorized);
        };
        let _ = hash;
        let token = issue_session(&self.env, &meta.id, &agent.id, agent.role, now)?;
        created(&serde_json::json!({ "token": token, "agent": agent, "workspace": meta.id }))
    }

    async fn internal(&self, op: &str, req: &mut Request, now: u64) -> ApiResult<Response> {
        let _ = (&self.state, now);
        match op {
            "index" => {
                let update: crate::internal::IndexUpdate = read_json(req, 64 * 1024).await?;
                index::put(&self.sql, &update.record)?;
                ok(&crate::internal::Ack { ok: true })
            }
            _ => Err(ApiError::NotFound("internal route")),
        }
    }
}
