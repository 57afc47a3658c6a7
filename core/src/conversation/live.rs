//! What the workspace tells a conversation about its live chat request.

use super::io::{CloseReason, Effect, LiveState};
use super::refusal::Refusal;
use super::state::Conversation;
use crate::protocol::{AgentProfile, FallbackKind, TranscriptEvent};
use crate::{AgentId, Millis};

impl Conversation {
    pub(super) fn offered(&mut self, agent: AgentId) -> Result<(), Refusal> {
        self.ensure_open()?;
        match self.live {
            LiveState::Requested | LiveState::Offered => {
                self.live = LiveState::Offered;
                self.agent = Some(agent);
                Ok(())
            }
            LiveState::Accepted => Err(Refusal::AlreadyAccepted),
            _ => Err(Refusal::NoLiveChatRequest),
        }
    }

    pub(super) fn accepted(
        &mut self,
        agent: AgentId,
        profile: AgentProfile,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        self.ensure_open()?;
        match self.live {
            LiveState::Requested | LiveState::Offered => {}
            // The same acceptance delivered twice changes nothing.
            LiveState::Accepted if self.agent.as_ref() == Some(&agent) => return Ok(()),
            LiveState::Accepted => return Err(Refusal::AlreadyAccepted),
            _ => return Err(Refusal::NoLiveChatRequest),
        }
        self.touch(now);
        self.live = LiveState::Accepted;
        self.agent = Some(agent);
        self.profile = Some(profile.clone());
        self.append(TranscriptEvent::AgentJoined { agent: profile }, now, fx);
        Ok(())
    }

    pub(super) fn fell_back(
        &mut self,
        kind: FallbackKind,
        text: String,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        self.ensure_open()?;
        match self.live {
            LiveState::Requested | LiveState::Offered => {}
            LiveState::Accepted => return Err(Refusal::AlreadyAccepted),
            _ => return Err(Refusal::NoLiveChatRequest),
        }
        let text = match text.trim() {
            "" => match kind {
                FallbackKind::LiveChat => self.settings.live_chat_fallback.clone(),
                FallbackKind::Global => self.settings.global_fallback.clone(),
            },
            t => t.to_owned(),
        };
        self.append(TranscriptEvent::Fallback { kind, text }, now, fx);
        self.live = LiveState::FellBack;
        self.agent = None;
        let reason = CloseReason::FellBack { kind };
        self.closed = Some(reason);
        fx.push(Effect::Closed { reason });
        Ok(())
    }
}
