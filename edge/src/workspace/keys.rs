//! The workspace admin key: exchanged for an admin-view session (so a browser never keeps the
//! key), and rotated with a grace for the previous key (the rule is `parlor_core::keys`).

use parlor_core::keys::DEFAULT_ROTATION_GRACE;
use parlor_core::Millis;
use serde::Deserialize;
use worker::{Request, Response};

use crate::crypto::{random_hex, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::http::{created, decode_json, ok};
use crate::identity::{issue_key_session, Identity, SESSION_TTL_MS};
use crate::workspace::access::{require_admin, Caller};
use crate::workspace::sockets::Attachment;
use crate::workspace::{store, WorkspaceDO};

/// The close reason of key holders' admin views when the key is rotated.
const KEY_ROTATED: &str = "The workspace admin key was rotated. Please sign in again.";

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Rotation {
    /// How long the previous key keeps working, in seconds (default one day, at most seven).
    #[serde(default)]
    grace_seconds: Option<u64>,
}

/// The previous key, in its grace, still reads and writes the workspace, but neither rotates
/// the key nor opens admin-view sessions: those need the current key (or the operator).
fn refuse_previous_key(identity: &Identity, meta: &store::WorkspaceMeta) -> ApiResult<()> {
    match identity {
        Identity::WorkspaceKey { key } if !meta.keys.is_current(&sha256_hex(key)) => Err(
            ApiError::ForbiddenBecause("This admin key was replaced: use the new key.".into()),
        ),
        _ => Ok(()),
    }
}

impl WorkspaceDO {
    /// `POST …/admin-sessions` with the admin key (or the operator token) as the bearer: a
    /// session token for the admin view, valid 12 h or until the key is rotated.
    pub(super) fn admin_session(
        &self,
        identity: &Identity,
        who: &Caller,
        now: u64,
    ) -> ApiResult<Response> {
        require_admin(who)?;
        if !matches!(identity, Identity::WorkspaceKey { .. } | Identity::Operator) {
            return Err(ApiError::BadRequest(
                "Sign in with the workspace admin key; agents sign in with POST /sessions.".into(),
            ));
        }
        let meta = store::meta(&self.sql)?.ok_or(ApiError::NotFound("workspace"))?;
        // A session would outlive the previous key's grace.
        refuse_previous_key(identity, &meta)?;
        let token = issue_key_session(&self.env, &meta.id, meta.keys.key_generation, now)?;
        created(&serde_json::json!({
            "token": token,
            "expires_at": now.saturating_add(SESSION_TTL_MS),
        }))
    }

    /// `POST …/admin-key`: a new key, shown once. The previous key works for the grace; every
    /// session made from a key ends now (the caller's own, if it is one, is replaced by the
    /// `token` in the answer) and key holders' admin views close with 4001.
    pub(super) async fn rotate_key(
        &self,
        req: &mut Request,
        identity: &Identity,
        who: &Caller,
        now: u64,
    ) -> ApiResult<Response> {
        require_admin(who)?;
        // The body is optional: no body rotates with the default grace.
        let bytes = req
            .bytes()
            .await
            .map_err(|_| ApiError::BadRequest("could not read the request body".into()))?;
        let body: Rotation = if bytes.iter().all(u8::is_ascii_whitespace) {
            Rotation::default()
        } else {
            decode_json(&bytes, 1024)?
        };
        let grace = body
            .grace_seconds
            .map_or(DEFAULT_ROTATION_GRACE, |s| Millis(s.saturating_mul(1_000)));
        let mut meta = store::meta(&self.sql)?.ok_or(ApiError::NotFound("workspace"))?;
        // A leaked previous key must not replace the key of the admin who rotated it away.
        refuse_previous_key(identity, &meta)?;
        let key = format!("wsk_{}", random_hex(24)?);
        let until = meta.keys.rotate(sha256_hex(&key), grace, Millis(now));
        store::put_meta(&self.sql, &self.memo, &meta)?;
        for ws in self.state.get_websockets_with_tag("admin") {
            let by_key = matches!(
                ws.deserialize_attachment::<Attachment>().ok().flatten(),
                Some(Attachment::Admin { agent: None, .. })
            );
            if by_key {
                let _ = ws.serialize_attachment(&Attachment::Revoked);
                let _ = ws.close(
                    Some(crate::workspace::sessions::SESSION_CLOSE),
                    Some(KEY_ROTATED),
                );
            }
        }
        let token = match identity {
            Identity::KeySession { .. } => Some(issue_key_session(
                &self.env,
                &meta.id,
                meta.keys.key_generation,
                now,
            )?),
            _ => None,
        };
        ok(&serde_json::json!({
            "admin_key": key,
            "previous_key_valid_until": meta.keys.previous_key.as_ref().map(|_| until.0),
            "token": token,
        }))
    }
}
