//! Ending an agent's sessions everywhere at once: on removal, a role change, losing the live
//! chat permission or a password reset (a new session epoch), the agent's inbox and admin
//! sockets on this object close with code 4001, and so do their chat sockets. Every frame of
//! an open inbox or admin socket is checked against the stored epoch too.

use parlor_core::workspace::WorkspaceInput;
use parlor_core::{AgentId, Millis};
use worker::WebSocket;

use crate::conversation::Revoke;
use crate::error::ApiResult;
use crate::identity::Role;
use crate::now_ms;
use crate::workspace::admin::ended;
use crate::workspace::sockets::{admin_tag, agent_tag, Attachment};
use crate::workspace::{store, WorkspaceDO};

/// What becomes of the chats of an agent whose sessions ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handover {
    /// Routed to someone else at once (a demotion).
    Now,
    /// Theirs for the agent-gone grace: they may sign in again (a password reset, a promotion).
    AfterGrace,
}

/// "Signed out for good": clients do not reconnect with the same token.
pub const SESSION_CLOSE: u16 = 4001;

impl WorkspaceDO {
    /// Closes every inbox and admin socket of `agent` with code 4001 and `reason`. When the
    /// agent still exists (a new epoch, not a removal) the machine learns their sessions ended
    /// — with [`Handover::Now`] (a demotion) their chats go to someone else at once, otherwise
    /// the agent-gone grace applies — and the chat sockets of the chats they held close too. A
    /// removed agent's chats were already handed on by the machine, which closes those chat
    /// sockets itself.
    pub(super) async fn end_sessions(
        &self,
        agent: &str,
        reason: &str,
        still_exists: Option<Handover>,
    ) -> ApiResult<()> {
        for ws in self.state.get_websockets_with_tag(&agent_tag(agent)) {
            revoke(&ws, reason);
        }
        for ws in self.state.get_websockets_with_tag(&admin_tag(agent)) {
            revoke(&ws, reason);
        }
        // Signed out everywhere: no device of theirs gets offers any more.
        super::push::forget_agent(&self.sql, agent)?;
        let Some(handover) = still_exists else {
            return Ok(());
        };
        let id = AgentId::new(agent);
        // Listed before the machine runs: a hand over frees the chats.
        let chats = self.read_machine(|m| m.router().chats_of(&id))?;
        let input = WorkspaceInput::SessionsEnded {
            agent: id,
            hand_over: handover == Handover::Now,
        };
        self.run(input, None).await?;
        // Tokens of older epochs are refused by those conversations from now on, on open and
        // on every frame, even one that was checked here a moment before.
        let epoch = store::agent_session(&self.sql, agent)?.map_or(u64::MAX, |(_, e)| e);
        let revoke = Revoke {
            agent: agent.to_owned(),
            epoch,
        };
        for (conversation, _) in chats {
            let revoked = self.stubs.call::<_, serde_json::Value>(
                &self.env,
                conversation.as_str(),
                "/internal/revoke",
                &revoke,
            );
            // A failed call leaves that chat socket open (logged) rather than failing the admin's
            // change, which is stored already; no new chat socket opens with the old token.
            if let Err(e) = revoked.await {
                worker::console_error!("revoke chat sockets of {conversation}: {e:?}");
            }
        }
        Ok(())
    }

    /// Checked on every frame of an inbox or admin socket: is the session that opened it still
    /// current (the agent exists, same epoch, and for an admin view still an admin)? If not,
    /// the socket is closed with 4001 and `false` is returned.
    pub(super) async fn frame_session_ok(
        &self,
        ws: &WebSocket,
        attachment: &Attachment,
    ) -> ApiResult<bool> {
        if attachment.until().is_some_and(|u| u <= now_ms()) {
            self.session_expired(ws, attachment).await?;
            return Ok(false);
        }
        let Some((agent, epoch)) = attachment.session() else {
            // A key holder's admin view has no session to end; a revoked socket is closing.
            return Ok(!matches!(attachment, Attachment::Revoked));
        };
        let stored = self.memo.agent_session(&self.sql, agent)?;
        let ended = match &stored {
            None => Some(ended::REMOVED),
            Some((_, current)) if *current != epoch => Some(ended::SESSION_ENDED),
            Some((a, _))
                if matches!(attachment, Attachment::Admin { .. }) && a.role != Role::Admin =>
            {
                Some(ended::ROLE_CHANGED)
            }
            Some(_) => None,
        };
        let Some(reason) = ended else {
            return Ok(true);
        };
        let was_inbox = revoke(ws, reason);
        if was_inbox && stored.is_some() {
            let input = WorkspaceInput::InboxClosed {
                agent: AgentId::new(agent),
            };
            self.run(input, None).await?;
        }
        Ok(false)
    }
}

impl WorkspaceDO {
    /// Has the alarm fire when a session that opened a socket ends, so the socket closes then
    /// even if nothing is sent on it (the alarm is only ever moved earlier).
    pub(super) async fn close_at_session_end(&self, until: Option<u64>) -> ApiResult<()> {
        self.alarm_slot
            .ensure(&self.state.storage(), until.map(Millis))
            .await
    }

    /// From the alarm: closes (4001) every inbox and admin socket whose session has ended, and
    /// returns when the next one ends.
    pub(super) async fn close_ended_sessions(&self) -> ApiResult<Option<Millis>> {
        let now = now_ms();
        let mut next: Option<u64> = None;
        for ws in self.state.get_websockets() {
            let Some(attachment) = ws.deserialize_attachment::<Attachment>().ok().flatten() else {
                continue;
            };
            match attachment.until() {
                Some(until) if until <= now => self.session_expired(&ws, &attachment).await?,
                Some(until) => next = Some(next.map_or(until, |n| n.min(until))),
                None => {}
            }
        }
        Ok(next.map(Millis))
    }

    /// The session that opened this socket ended: closed with 4001, and an inbox counted closed.
    async fn session_expired(&self, ws: &WebSocket, attachment: &Attachment) -> ApiResult<()> {
        if revoke(ws, ended::SESSION_EXPIRED) {
            if let Some((agent, _)) = attachment.session() {
                let input = WorkspaceInput::InboxClosed {
                    agent: AgentId::new(agent),
                };
                self.run(input, None).await?;
            }
        }
        Ok(())
    }
}

/// Marks the socket revoked (so a close event arriving later is not counted again), then
/// closes it with 4001. Returns whether it was an inbox still counted as open.
fn revoke(ws: &WebSocket, reason: &str) -> bool {
    let before: Option<Attachment> = ws.deserialize_attachment().ok().flatten();
    if matches!(before, Some(Attachment::Revoked)) {
        return false;
    }
    // A socket whose attachment cannot be written any more is already closed (and counted).
    let marked = ws.serialize_attachment(&Attachment::Revoked).is_ok();
    let _ = ws.close(Some(SESSION_CLOSE), Some(reason));
    marked && matches!(before, Some(Attachment::Agent { .. }))
}
