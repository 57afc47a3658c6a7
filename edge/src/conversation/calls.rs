//! The calls other objects make on a conversation (`/internal/…`): create it, check a
//! visitor's token, learn who the visitor is, close an agent's chat sockets, read the
//! transcript, erase it. JSON in, JSON text out.
//!
//! The workspace makes them over RPC (`internal(path, body)`, see
//! `crate::internal::ConversationStubs::call`): no `Request`, `Headers`, body stream or
//! `Response` per call, and a cold start (`init`) and a returning visitor's page view
//! (`check-token`) each make one. The webhook object still asks for the transcript with a
//! request; `fetch` answers it from the same code.

use parlor_core::conversation::Input;
use serde::Serialize;

use super::erase::Erased;
use super::{store, ConversationObject, Revoke};
use crate::crypto::constant_time_eq;
use crate::error::{ApiError, ApiResult};
use crate::http::decode_json;
use crate::internal::{Ack, Init, InitReply};
use crate::workspace::ended;

/// Largest body of an internal call: `init`, which carries the whole dialogue.
pub const MAX_CALL_BYTES: usize = 512 * 1024;

/// Largest body of the small calls (a token hash, a workspace id, an epoch).
const SMALL: usize = 1024;

fn json<T: Serialize>(answer: &T) -> ApiResult<String> {
    Ok(serde_json::to_string(answer)?)
}

/// What an object with no conversation answers, without touching storage (the same answers
/// as an object whose meta is missing).
fn unknown(path: &str) -> ApiResult<String> {
    match path {
        "/internal/check-token" => json(&Ack { ok: false }),
        "/internal/revoke" => json(&Ack { ok: true }),
        // Erasing what never existed is done already (the admin's request answers zero counts).
        "/internal/erase" => json(&Erased::default()),
        _ => Err(ApiError::NotFound("conversation")),
    }
}

impl ConversationObject {
    /// One internal call: `path` names it, `body` is its JSON.
    pub(super) async fn internal(&self, path: &str, body: &[u8]) -> ApiResult<String> {
        if path != "/internal/init" && !self.exists() {
            return unknown(path);
        }
        self.rearm_once().await;
        if self.is_erased()? {
            match path {
                "/internal/erase" => return json(&Erased::default()),
                // The id is never used again: the workspace names the start's conversation
                // anew (see `InitReply::Taken`).
                "/internal/init" => return json(&InitReply::Taken),
                // A revocation still lands: it only records the epoch and closes sockets.
                "/internal/revoke" => {}
                _ => return Err(ApiError::Erased),
            }
        }
        match path {
            "/internal/erase" => {
                let workspace: String = decode_json(body, SMALL)?;
                json(&self.erase(&workspace).await?)
            }
            "/internal/init" => {
                let init: Init = decode_json(body, MAX_CALL_BYTES)?;
                json(&self.init(init).await?)
            }
            "/internal/check-token" => {
                let hash: String = decode_json(body, SMALL)?;
                let ok_token = self
                    .meta()?
                    .is_some_and(|m| constant_time_eq(&m.token_hash, &hash));
                json(&Ack { ok: ok_token })
            }
            "/internal/identify" => {
                // The workspace (the caller) checked the identity; the index row comes back.
                let identity = decode_json(body, 4 * SMALL)?;
                json(&self.step(Input::Identify { identity }, None).await?)
            }
            "/internal/revoke" => {
                // The workspace ended this agent's sessions (password reset, role change): their
                // chat sockets close now, not at their next frame.
                let Revoke { agent, epoch } = decode_json(body, SMALL)?;
                self.revoke(&agent, epoch)?;
                json(&Ack { ok: true })
            }
            "/internal/transcript" => {
                let entries = store::entries_after(&self.sql, 0)?;
                let loaded = self.load()?;
                let (_, conv) = loaded.ok_or(ApiError::NotFound("conversation"))?;
                json(&serde_json::json!({
                    "entries": entries,
                    "captured": conv.captured(),
                    "live_state": conv.live_state(),
                    "agent": conv.agent(),
                    "closed": conv.is_closed(),
                }))
            }
            _ => Err(ApiError::NotFound("route")),
        }
    }

    /// Records that `agent`'s tokens before `epoch` are refused here, and closes their chat
    /// sockets.
    fn revoke(&self, agent: &str, epoch: u64) -> ApiResult<()> {
        let mut revoked = store::revoked_epochs(&self.sql)?;
        let stored = revoked.entry(agent.to_owned()).or_default();
        if *stored < epoch {
            *stored = epoch;
            store::put_revoked_epochs(&self.sql, &revoked)?;
        }
        *self.revoked.borrow_mut() = Some(revoked);
        for ws in self.state.get_websockets_with_tag("agent") {
            if self
                .peers
                .of(&ws)
                .is_some_and(|p| p.agent.as_deref() == Some(agent))
            {
                let _ = ws.close(Some(4001), Some(ended::SESSION_ENDED));
                self.open.closed(&self.state, &ws);
            }
        }
        Ok(())
    }
}
