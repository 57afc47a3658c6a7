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
    /// An admin view signed in with the workspace admin key: a session token standing for the
    /// key (so the key itself is never kept by the browser), valid until the key is rotated.
    KeySession {
        workspace: String,
        /// The key generation the session was made from.
        generation: u64,
        /// When the session ends, epoch ms (0: not known).
        #[serde(default)]
        expiry: u64,
    },
    /// A signed-in agent.
    Agent {
        workspace: String,
        agent: String,
        role: Role,
        /// The session epoch signed into the token (0 for `v1` tokens).
        #[serde(default)]
        epoch: u64,
        /// When the session ends, epoch ms (0: not known).
        #[serde(default)]
        expiry: u64,
    },
    Anonymous,
}

impl Identity {
    /// When this session ends (a signed-in agent's or an admin view's): the sockets it opens
    /// close then. A key or the operator token has no end.
    pub fn session_expiry(&self) -> Option<u64> {
        match self {
            Identity::Agent { expiry, .. } | Identity::KeySession { expiry, .. } => {
                Some(*expiry).filter(|e| *e > 0)
            }
            _ => None,
        }
    }
}

/// A platform secret (a Worker secret, or a var in local development).
pub(crate) fn secret(env: &Env, name: &str) -> ApiResult<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .map_err(|_| ApiError::Internal(format!("secret {name} is not configured")))
}

/// Signs a session token (`v2`, see [`sign_session`]) with the platform's session secret.
pub fn issue_session(
    env: &Env,
    workspace: &str,
    agent: &str,
    role: Role,
    epoch: u64,
    now: u64,
) -> ApiResult<String> {
    let claims = Session {
        workspace: workspace.to_owned(),
        agent: agent.to_owned(),
        role,
        epoch,
        expiry: now + SESSION_TTL_MS,
    };
    sign_session(&secret(env, "SESSION_SECRET")?, &claims)
}

/// What a session token says, once its signature and expiry are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub workspace: String,
    pub agent: String,
    pub role: Role,
    /// The agent's session epoch when the token was issued; the workspace refuses a token whose
    /// epoch is not the stored one (removal, role change, password reset). `v1` tokens carry 0.
    pub epoch: u64,
    /// Expiry, epoch ms.
    pub expiry: u64,
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Agent => "agent",
        Role::Admin => "admin",
    }
}

/// `v2.<workspace>.<agent>.<role>.<epoch>.<expiry ms>.<hmac>`: HMAC-SHA256 (hex) of everything
/// before the last dot. Ids are `[a-z0-9_-]`, so no field contains a dot.
pub fn sign_session(key: &str, s: &Session) -> ApiResult<String> {
    let body = format!(
        "v2.{}.{}.{}.{}.{}",
        s.workspace,
        s.agent,
        role_name(s.role),
        s.epoch,
        s.expiry
    );
    let sig = hmac_hex(key, &body)?;
    Ok(format!("{body}.{sig}"))
}

/// Checks a session token's signature and expiry. Accepts `v2` tokens and the earlier
/// `v1.<workspace>.<agent>.<role>.<expiry>.<hmac>` (read as epoch 0, which the workspace
/// accepts only while the agent's stored epoch is still 0).
pub fn verify_session(key: &str, token: &str, now: u64) -> ApiResult<Session> {
    let (body, sig) = token.rsplit_once('.').ok_or(ApiError::Unauthorized)?;
    let expected = hmac_hex(key, body)?;
    if !constant_time_eq(&expected, sig) {
        return Err(ApiError::Unauthorized);
    }
    let parts: Vec<&str> = body.split('.').collect();
    let (workspace, agent, role, epoch, expiry) = match parts.as_slice() {
        ["v1", workspace, agent, role, expiry] => (*workspace, *agent, *role, "0", *expiry),
        ["v2", workspace, agent, role, epoch, expiry] => {
            (*workspace, *agent, *role, *epoch, *expiry)
        }
        _ => return Err(ApiError::Unauthorized),
    };
    let number = |s: &str| -> ApiResult<u64> {
        // Digits only: `parse` would also take a leading `+`.
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::Unauthorized);
        }
        s.parse().map_err(|_| ApiError::Unauthorized)
    };
    let epoch = number(epoch)?;
    let expiry = number(expiry)?;
    if expiry <= now {
        return Err(ApiError::Unauthorized);
    }
    let role = match role {
        "admin" => Role::Admin,
        "agent" => Role::Agent,
        _ => return Err(ApiError::Unauthorized),
    };
    if workspace.is_empty() || agent.is_empty() {
        return Err(ApiError::Unauthorized);
    }
    Ok(Session {
        workspace: workspace.to_owned(),
        agent: agent.to_owned(),
        role,
        epoch,
        expiry,
    })
}

/// The agent name a key session's token carries (agent ids are `[a-z0-9_-]`: no clash).
pub const KEY_SESSION_AGENT: &str = "~key";

/// Signs an admin-view session for the holder of the workspace admin key of `generation`.
pub fn issue_key_session(
    env: &Env,
    workspace: &str,
    generation: u64,
    now: u64,
) -> ApiResult<String> {
    issue_session(
        env,
        workspace,
        KEY_SESSION_AGENT,
        Role::Admin,
        generation,
        now,
    )
}

/// Reads the bearer token (the `Authorization` header; the `token` query parameter only on a
/// WebSocket upgrade, since a browser cannot set headers there — anywhere else a token in the
/// URL would end up in logs) and verifies what can be verified without storage.
pub fn resolve(req: &Request, env: &Env, now: u64) -> ApiResult<Identity> {
    let upgrade = req
        .headers()
        .get("upgrade")
        .ok()
        .flatten()
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let token = bearer(req).or_else(|| upgrade.then(|| query_param(req, "token")).flatten());
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
    if token.starts_with("v1.") || token.starts_with("v2.") {
        let s = verify_session(&secret(env, "SESSION_SECRET")?, &token, now)?;
        if s.agent == KEY_SESSION_AGENT {
            return Ok(Identity::KeySession {
                workspace: s.workspace,
                generation: s.epoch,
                expiry: s.expiry,
            });
        }
        return Ok(Identity::Agent {
            workspace: s.workspace,
            agent: s.agent,
            role: s.role,
            epoch: s.epoch,
            expiry: s.expiry,
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "test-session-secret";
    const NOW: u64 = 1_700_000_000_000;

    fn alice(epoch: u64) -> Session {
        Session {
            workspace: "acme".into(),
            agent: "alice".into(),
            role: Role::Admin,
            epoch,
            expiry: NOW + SESSION_TTL_MS,
        }
    }

    /// A token as the previous version signed them: `v1.<ws>.<agent>.<role>.<expiry>.<hmac>`.
    fn v1(key: &str, body: &str) -> String {
        format!("{body}.{}", hmac_hex(key, body).expect("hmac"))
    }

    fn refused(token: &str, now: u64) -> bool {
        matches!(verify_session(KEY, token, now), Err(ApiError::Unauthorized))
    }

    #[test]
    fn a_new_token_carries_the_epoch() {
        let token = sign_session(KEY, &alice(NOW - 5)).expect("token");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 7, "{token}");
        assert_eq!(
            &parts[..6],
            [
                "v2",
                "acme",
                "alice",
                "admin",
                &(NOW - 5).to_string(),
                &(NOW + SESSION_TTL_MS).to_string()
            ]
        );
        assert_eq!(parts[6].len(), 64, "hex HMAC-SHA256");
        assert_eq!(
            verify_session(KEY, &token, NOW).expect("valid"),
            alice(NOW - 5)
        );
    }

    #[test]
    fn a_v1_token_reads_as_epoch_zero() {
        let expiry = NOW + 1000;
        let token = v1(KEY, &format!("v1.acme.bob.agent.{expiry}"));
        let s = verify_session(KEY, &token, NOW).expect("valid v1");
        assert_eq!(
            s,
            Session {
                workspace: "acme".into(),
                agent: "bob".into(),
                role: Role::Agent,
                epoch: 0,
                expiry,
            }
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let mut s = alice(7);
        s.expiry = NOW;
        let token = sign_session(KEY, &s).expect("token");
        assert!(refused(&token, NOW), "expiring now");
        assert!(!refused(&token, NOW - 1), "one ms before");
        let old = v1(KEY, &format!("v1.acme.bob.agent.{NOW}"));
        assert!(refused(&old, NOW + 1));
    }

    #[test]
    fn tampered_tokens_are_refused() {
        let token = sign_session(KEY, &alice(42)).expect("token");
        let (body, sig) = token.rsplit_once('.').expect("signed");
        let swaps = [
            // Another epoch, agent, role, workspace, expiry or version under the same signature.
            body.replace(".42.", ".43."),
            body.replace(".alice.", ".bob."),
            body.replace(".admin.", ".agent."),
            body.replace("v2.acme.", "v2.other."),
            body.replace(
                &format!(".{}", NOW + SESSION_TTL_MS),
                &format!(".{}", NOW + 2 * SESSION_TTL_MS),
            ),
            body.replacen("v2.", "v1.", 1),
        ];
        for forged in swaps {
            assert_ne!(forged, body);
            assert!(refused(&format!("{forged}.{sig}"), NOW), "{forged}");
        }
        // A flipped signature digit, a truncated or missing signature, another key.
        let flipped = format!(
            "{body}.{}{}",
            if sig.starts_with('0') { '1' } else { '0' },
            &sig[1..]
        );
        assert!(refused(&flipped, NOW));
        assert!(refused(&format!("{body}.{}", &sig[..63]), NOW));
        assert!(refused(body, NOW));
        assert!(refused(&format!("{body}."), NOW));
        let other = sign_session("another-secret", &alice(42)).expect("token");
        assert!(refused(&other, NOW));
    }

    #[test]
    fn dropping_the_epoch_from_a_v2_token_does_not_make_it_a_v1_token() {
        // Even re-signed (by someone holding the key), a malformed body is refused.
        for body in [
            format!("v2.acme.alice.admin.{}", NOW + 1000),
            format!("v1.acme.alice.admin.0.{}", NOW + 1000),
            format!("v3.acme.alice.admin.0.{}", NOW + 1000),
            format!("v2.acme.alice.owner.0.{}", NOW + 1000),
            format!("v2.acme.alice.admin.+1.{}", NOW + 1000),
            format!("v2.acme.alice.admin.-1.{}", NOW + 1000),
            format!("v2.acme.alice.admin.1.{}x", NOW + 1000),
            format!("v2..alice.admin.1.{}", NOW + 1000),
            format!("v2.acme..admin.1.{}", NOW + 1000),
            "v2.acme.alice.admin.1.99999999999999999999999".to_owned(),
        ] {
            assert!(refused(&v1(KEY, &body), NOW), "{body}");
        }
    }

    #[test]
    fn the_identity_header_without_an_epoch_reads_as_epoch_zero() {
        let old = r#"{"kind":"agent","workspace":"acme","agent":"bob","role":"agent"}"#;
        let id: Identity = serde_json::from_str(old).expect("identity");
        assert_eq!(
            id,
            Identity::Agent {
                workspace: "acme".into(),
                agent: "bob".into(),
                role: Role::Agent,
                epoch: 0,
                expiry: 0,
            }
        );
        assert_eq!(id.session_expiry(), None, "an end not known is none");
    }
}
