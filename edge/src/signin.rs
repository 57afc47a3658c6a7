//! Signing in and setting passwords, in the stateless Worker. The workspace object only
//! counts attempts and hands out the stored hash (a decoy for an unknown email); the PBKDF2
//! work runs here, so a sign-in flood never occupies the object that routes chats, and an
//! unknown email costs exactly what a known one does.
//!
//! A sign-in is two cheap calls around the hashing: `begin` (reserve an attempt against the
//! per-email and per-network limits, get the stored hash) and, only when the password is
//! right, `finish` (give the attempt back, upgrade an older hash, read the agent and their
//! session epoch). A wrong password needs no second call: the reserved attempt stays counted.

use parlor_core::network::network_key;
use parlor_core::password::StoredHash;
use std::cell::RefCell;

use parlor_core::signin::{email_key, retry_after_secs, RecentRefusals};
use parlor_core::Millis;
use serde::{Deserialize, Serialize};
use worker::{Env, Headers, Method, Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::http::{created, read_json, read_text};
use crate::identity::{self, Identity, Role};
use crate::password;
use crate::rpc::{internal_request, workspace_stub};
use crate::validate;

/// The Worker → workspace header carrying a new password's hash (only the Worker builds
/// requests to objects, so no client can set it).
pub const PASSWORD_HASH_HEADER: &str = "x-parlor-password-hash";

/// Largest sign-in body.
pub const SIGN_IN_BODY: usize = 4 * 1024;

/// Largest body of the two requests that carry a new password.
pub const PASSWORD_BODY: usize = 16 * 1024;

#[derive(Debug, Serialize, Deserialize)]
pub struct Begin {
    pub email: String,
    pub network: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Began {
    /// Over a limit: wait this long.
    Limited { retry_after_ms: u64 },
    /// Check the password against `stored` (a decoy when the email is unknown); `at` names the
    /// reserved attempt.
    Check { stored: String, at: u64 },
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Finish {
    pub email: String,
    pub network: String,
    pub at: u64,
    /// The stored hash the password was verified against.
    pub verified: String,
    /// The same password at today's cost, when `verified` was older.
    pub upgrade: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Finished {
    Agent {
        workspace: String,
        id: String,
        role: Role,
        epoch: u64,
        agent: serde_json::Value,
    },
    /// The password changed (or the agent went) between the two calls.
    Changed,
}

thread_local! {
    /// Refusals this Worker instance was told of (see `RecentRefusals`): during a flood the
    /// workspace object hears of the first refused attempt, not the next hundred.
    static REFUSED: RefCell<RecentRefusals> = RefCell::new(RecentRefusals::default());
}

/// The visitor's or agent's network as the platform saw it (IPv6 grouped by /64).
pub fn client_network(req: &Request) -> String {
    let ip = req
        .headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .unwrap_or_else(|| "local".into());
    network_key(&ip)
}

/// An internal call whose error answer (404 unknown workspace, 401…) goes back to the client
/// as it is.
async fn ask<B: Serialize, R: serde::de::DeserializeOwned>(
    env: &Env,
    ws: &str,
    path: &str,
    identity: &Identity,
    body: Option<&B>,
) -> ApiResult<Result<R, Response>> {
    let (method, body) = match body {
        Some(b) => (Method::Post, Some(serde_json::to_string(b)?)),
        None => (Method::Get, None),
    };
    let req = internal_request(method, path, identity, body, None)?;
    let mut resp = workspace_stub(env, ws)?.fetch_with_request(req).await?;
    if resp.status_code() >= 400 {
        return Ok(Err(resp));
    }
    Ok(Ok(resp.json().await?))
}

/// `POST /api/workspaces/{ws}/sessions`.
pub async fn sign_in(req: &mut Request, env: &Env, ws: &str, now: u64) -> ApiResult<Response> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        email: String,
        password: String,
    }
    validate::id("workspace", ws)?;
    let body: Body = read_json(req, SIGN_IN_BODY).await?;
    let network = client_network(req);
    let refusal_key = format!("{ws} {} {network}", email_key(&body.email));
    if let Some(wait) = REFUSED.with(|r| r.borrow().wait(&refusal_key, Millis(now))) {
        return Err(ApiError::RetryAfter(retry_after_secs(wait)));
    }
    let begin = Begin {
        email: body.email.clone(),
        network: network.clone(),
    };
    let began: Began = match ask(
        env,
        ws,
        "/internal/sign-in/begin",
        &Identity::Anonymous,
        Some(&begin),
    )
    .await?
    {
        Ok(b) => b,
        Err(answer) => return Ok(answer),
    };
    let (stored_text, at) = match began {
        Began::Limited { retry_after_ms } => {
            return Err(ApiError::RetryAfter(retry_after_secs(Millis(
                retry_after_ms,
            ))))
        }
        Began::Check { stored, at } => (stored, at),
    };
    // A hash this version cannot read verifies nothing, at the same cost as any other.
    let stored = StoredHash::parse(&stored_text)
        .unwrap_or_else(|| StoredHash::decoy("00000000000000000000000000000000".into()));
    if !password::verify(&body.password, &stored).await? {
        return Err(ApiError::Unauthorized);
    }
    let upgrade = if stored.needs_upgrade() {
        Some(password::hash(&body.password).await?)
    } else {
        None
    };
    let finish = Finish {
        email: body.email,
        network,
        at,
        verified: stored_text,
        upgrade,
    };
    let finished: Finished = match ask(
        env,
        ws,
        "/internal/sign-in/finish",
        &Identity::Anonymous,
        Some(&finish),
    )
    .await?
    {
        Ok(f) => f,
        Err(answer) => return Ok(answer),
    };
    let Finished::Agent {
        workspace,
        id,
        role,
        epoch,
        agent,
    } = finished
    else {
        return Err(ApiError::Unauthorized);
    };
    let token = identity::issue_session(env, &workspace, &id, role, epoch, now)?;
    created(&serde_json::json!({ "token": token, "agent": agent, "workspace": workspace }))
}

/// `POST /api/workspaces/{ws}/agents` and `POST /api/workspaces/{ws}/agents/{id}/password`:
/// the workspace first says whether the caller is an admin there (so nobody can make the
/// Worker hash for free), then the password leaves the body and its hash goes in a header.
pub async fn with_password(
    req: &mut Request,
    env: &Env,
    ws: &str,
    path: &str,
    identity: &Identity,
) -> ApiResult<Response> {
    if *identity == Identity::Anonymous {
        return Err(ApiError::Unauthorized);
    }
    let allowed: Result<serde_json::Value, Response> =
        ask::<(), _>(env, ws, "/internal/admin", identity, None).await?;
    if let Err(answer) = allowed {
        return Ok(answer);
    }
    let text = read_text(req, PASSWORD_BODY).await?;
    let mut body: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))?;
    let headers = Headers::new();
    match body.remove("password") {
        Some(serde_json::Value::String(p)) => {
            validate::password(&p)?;
            headers.set(PASSWORD_HASH_HEADER, &password::hash(&p).await?)?;
        }
        Some(_) => {
            return Err(ApiError::BadRequest(
                "invalid JSON: password must be a string".into(),
            ))
        }
        None => {}
    }
    let inner = internal_request(
        Method::Post,
        path,
        identity,
        Some(serde_json::to_string(&body)?),
        Some(&headers),
    )?;
    Ok(workspace_stub(env, ws)?.fetch_with_request(inner).await?)
}

/// The new password's hash the Worker computed, for the workspace object.
pub fn password_hash_of(req: &Request) -> ApiResult<String> {
    req.headers()
        .get(PASSWORD_HASH_HEADER)
        .ok()
        .flatten()
        .filter(|h| StoredHash::parse(h).is_some())
        .ok_or_else(|| ApiError::BadRequest("invalid JSON: missing field `password`".into()))
}
