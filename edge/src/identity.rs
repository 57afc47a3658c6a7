//! Who is calling: resolved once in the Worker, passed to the Durable Objects in a header
//! that only the Worker can set (objects are not reachable from the internet).

use serde::{Deserialize, Serialize};
use worker::{Env, Request};

use crate::crypto::{constant_time_eq, hmac_hex};
use crate::error::{ApiError, ApiResult};

/// Header carrying the verified identity from the Worker to a Durable Object.
pub const IDENTITY_HEADER: &str = "x-parlor-identity";

/// How long an agent's session lasts.
pub const SESSION_TTL_MS: u64 = 12 * 60 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Identity {
    /// Holder of the platform's admin token: creates workspaces.
    Operator,
    /// Holder of a workspace admin key; the workspace object checks the key itself.
    WorkspaceKey {
        key: String,
    },
    /// A signed-in agent.
    Agent {
        workspace: String,
        agent: String,
        role: Role,
    },
    Anonymous,
}

fn secret(env: &Env, name: &str) -> ApiResult<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .map_err(|_| ApiError::Internal(format!("secret {name} is not configured")))
}

/// Signs a session token: `v1.<workspace>.<agent>.<role>.<expiry ms>.<hmac>`.
pub fn issue_session(
    env: &Env,
    workspace: &str,
    agent: &str,
    role: Role,
    now: u64,
) -> ApiResult<String> {
    let role = match role {
        Role::Agent => "agent",
        Role::Admin => "admin",
    };
    let body = format!("v1.{workspace}.{agent}.{role}.{}", now + SESSION_TTL_MS);
    let sig = hmac_hex(&secret(env, "SESSION_SECRET")?, &body)?;
    Ok(format!("{body}.{sig}"))
}

fn verify_session(env: &Env, token: &str, now: u64) -> ApiResult<Identity> {
    let (body, sig) = token.rsplit_once('.').ok_or(ApiError::Unauthorized)?;
    let expected = hmac_hex(&secret(env, "SESSION_SECRET")?, body)?;
    if !constant_time_eq(&expected, sig) {
        return Err(ApiError::Unauthorized);
    }
    let parts: Vec<&str> = body.split('.').collect();
    let [_, workspace, agent, role, expiry] = parts.as_slice() else {
        return Err(ApiError::Unauthorized);
    };
    let expiry: u64 = expiry.parse().map_err(|_| ApiError::Unauthorized)?;
    if expiry <= now {
        return Err(ApiError::Unauthorized);
    }
    let role = match *role {
        "admin" => Role::Admin,
        "agent" => Role::Agent,
        _ => return Err(ApiError::Unauthorized),
    };
    Ok(Identity::Agent {
        workspace: (*workspace).to_owned(),
        agent: (*agent).to_owned(),
        role,
    })
}

/// Reads the bearer token (header, or `token` query parameter for WebSockets, which cannot
/// set headers from a browser) and verifies what can be verified without storage.
pub fn resolve(req: &Request, env: &Env, now: u64) -> ApiResult<Identity> {
    let token = bearer(req).or_else(|| query_param(req, "token"));
    let Some(token) = token else {
        return Ok(Identity::Anonymous);
    };
    if token.starts_with("op_") {
        return if constant_time_eq(&token, &secret(env, "ADMIN_TOKEN")?) {
            Ok(Identity::Operator)
        } else {
            Err(ApiError::Unauthorized)
        };
    }
    if token.starts_with("wsk_") {
        return Ok(Identity::WorkspaceKey { key: token });
    }
    if token.starts_with("v1.") {
        return verify_session(env, &token, now);
    }
    Err(ApiError::Unauthorized)
}

fn bearer(req: &Request) -> Option<String> {
    let value = req.headers().get("authorization").ok().flatten()?;
    value.strip_prefix("Bearer ").map(|s| s.trim().to_owned())
}

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    let url = req.url().ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
