//! What the workspace tells a conversation about its live chat request (see [`crate::link`]).

use super::io::{CloseReason, Effect, LiveState};
use super::refusal::Refusal;
use super::state::{Conversation, Position};
use crate::dialogue::CardKind;
use crate::failed_action::FailedAction;
use crate::lead::{LeadOutcome, LeadSource};
use crate::link::{ConversationToWorkspace, WorkspaceToConversation};
use crate::protocol::{AgentProfile, EndReason, FallbackKind, Side, TranscriptEvent};
use crate::routing::FallbackReason;
use crate::{AgentId, Millis};

/// Removed agents a conversation remembers (removals are rare; a few is plenty).
const MAX_BARRED: usize = 8;

/// Bounds of the preview pace the workspace may ask for.
const MIN_PREVIEW_EVERY: Millis = Millis(1_000);
const MAX_PREVIEW_EVERY: Millis = Millis(120_000);

impl Conversation {
    pub(super) fn workspace_said(
        &mut self,
        msg: WorkspaceToConversation,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        match msg {
            WorkspaceToConversation::Accepted {
                agent,
                profile,
                request,
            } => self.accepted(agent, profile, request, now, fx),
            WorkspaceToConversation::Transferred {
                from,
                agent,
                profile,
                request,
            } => self.transferred(from, agent, profile, request, now, fx),
            WorkspaceToConversation::FellBack { kind, reason } => {
                self.fell_back(kind, reason, now, fx)
            }
            WorkspaceToConversation::AgentLeft { agent, removed } => {
                self.agent_left(agent, removed, now, fx);
                Ok(())
            }
            WorkspaceToConversation::Availability { card, can_chat } => {
                self.availability_known(&card, can_chat, now, fx);
                Ok(())
            }
            WorkspaceToConversation::Pace { preview_every } => {
                self.preview_every = preview_every.clamp(MIN_PREVIEW_EVERY, MAX_PREVIEW_EVERY);
                Ok(())
            }
        }
    }

    fn accepted(
        &mut self,
        agent: AgentId,
        profile: AgentProfile,
        request: u32,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        // 0: sent before requests were numbered; it answers the current request.
        let current = request == 0 || request == self.request;
        let refused = match (self.closed, self.live) {
            // An answer to an older request (the agent who left, accepting late): the slot the
            // workspace reserved for it is freed, the current request goes on.
            _ if !current => {
                fx.push(Effect::ToWorkspace(ConversationToWorkspace::ChatClosed {
                    agent,
                    reason: EndReason::AgentLeft,
                    request,
                }));
                return Err(Refusal::AlreadyAccepted);
            }
            // A removed agent's acceptance, overtaken by the removal: it never reaches the
            // visitor; the workspace frees the slot and routes the chat again at once.
            (None, LiveState::Requested) if self.barred.contains(&agent) => {
                self.route_again(agent, fx);
                return Err(Refusal::AlreadyAccepted);
            }
            (None, LiveState::Requested) => None,
            // The same acceptance delivered twice: confirm again, change nothing.
            (None, LiveState::Accepted) if self.agent.as_ref() == Some(&agent) => {
                fx.push(self.joined(agent));
                return Ok(());
            }
            (None, LiveState::Accepted) => Some(Refusal::AlreadyAccepted),
            (None, _) => Some(Refusal::NoLiveChatRequest),
            (Some(_), _) => Some(Refusal::Closed),
        };
        if let Some(refusal) = refused {
            // The workspace reserved a slot for this agent: tell it the chat is not theirs.
            let reason = self.end_reason();
            fx.push(Effect::ToWorkspace(ConversationToWorkspace::ChatClosed {
                agent,
                reason,
                request: self.request,
            }));
            return Err(refusal);
        }
        self.touch(now);
        self.live = LiveState::Accepted;
        self.agent_reported_gone = false;
        self.agent_pane_gone_since = None;
        // Until the agent's chat pane connects, which is a moment after accepting.
        self.agent_absence_over();
        self.agent_may_be_away(now);
        self.agent = Some(agent.clone());
        self.profile = Some(profile.clone());
        if self.chatted_with.is_none() {
            self.chatted_with = Some(profile.name.clone());
        }
        let name = profile.name.clone();
        self.append(TranscriptEvent::AgentJoined { agent: profile }, now, fx);
        fx.push(self.joined(agent));
        self.report_lead(
            LeadOutcome::Chatted { agent: name },
            LeadSource::Capture,
            None,
            now,
            fx,
        );
        Ok(())
    }

    /// A transfer was accepted: the visitor sees the new agent join (their snapshot), the
    /// previous agent's chat sockets close. When the chat is no longer `from`'s (it ended, or
    /// was handed back meanwhile) the new agent's slot is freed instead.
    fn transferred(
        &mut self,
        from: AgentId,
        agent: AgentId,
        profile: AgentProfile,
        request: u32,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let holds = self.closed.is_none()
            && self.live == LiveState::Accepted
            && request == self.request
            && self.agent.as_ref() == Some(&from);
        if !holds {
            if self.agent.as_ref() == Some(&agent) && self.live == LiveState::Accepted {
                // The same transfer delivered twice: confirm again.
                fx.push(self.joined(agent));
                return Ok(());
            }
            let reason = match self.closed {
                Some(_) => self.end_reason(),
                None => EndReason::AgentLeft,
            };
            fx.push(Effect::ToWorkspace(ConversationToWorkspace::ChatClosed {
                agent,
                reason,
                request,
            }));
            return Err(Refusal::AlreadyAccepted);
        }
        fx.push(Effect::CloseAgentSockets);
        if self.barred.contains(&agent) {
            // The new agent was removed and the removal overtook this: the chat is no longer
            // theirs, nor `from`'s (told it was transferred). The visitor hears that `from`
            // left, and the chat is routed again at once, like a removed agent's late accept.
            self.hand_back(from, now, fx);
            return Ok(());
        }
        self.agent_sockets = 0;
        self.agent_reported_gone = false;
        self.agent_pane_gone_since = None;
        self.agent_absence_over();
        self.agent_may_be_away(now);
        self.agent = Some(agent.clone());
        self.profile = Some(profile.clone());
        self.append(TranscriptEvent::AgentJoined { agent: profile }, now, fx);
        fx.push(self.joined(agent));
        Ok(())
    }

    fn fell_back(
        &mut self,
        kind: FallbackKind,
        reason: FallbackReason,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        self.ensure_open()?;
        match self.live {
            LiveState::Requested => {}
            LiveState::Accepted => return Err(Refusal::AlreadyAccepted),
            _ => return Err(Refusal::NoLiveChatRequest),
        }
        let action = FailedAction::live_chat(None, self.id.clone(), now, reason, &self.facts);
        if let Some(branch) = self
            .when_unavailable()
            .filter(|_| reason.nobody_could_chat())
        {
            // The dialogue goes on: the missed chat is still reported, the visitor is not told
            // "busy" but shown the branch the marketer prepared for this moment.
            fx.push(Effect::ToWorkspace(ConversationToWorkspace::FailedAction {
                action,
            }));
            self.append(TranscriptEvent::LiveChatUnavailable, now, fx);
            self.live = LiveState::None;
            self.agent = None;
            self.report_lead(
                LeadOutcome::Missed { reason },
                LeadSource::Capture,
                None,
                now,
                fx,
            );
            self.show_from(&branch, 0, now, fx);
            return Ok(());
        }
        let text = match kind {
            FallbackKind::LiveChat => self.settings.live_chat_fallback.clone(),
            FallbackKind::Global => self.settings.global_fallback.clone(),
        };
        let event = TranscriptEvent::Fallback {
            kind,
            text,
            visitor_away: false,
        };
        self.append(event, now, fx);
        self.live = LiveState::FellBack;
        self.agent = None;
        self.fell_back_for = Some(reason);
        self.report_lead(
            LeadOutcome::Missed { reason },
            LeadSource::Capture,
            None,
            now,
            fx,
        );
        fx.push(Effect::ToWorkspace(ConversationToWorkspace::FailedAction {
            action,
        }));
        let reason = CloseReason::FellBack { kind };
        self.closed = Some(reason);
        fx.push(Effect::Closed { reason });
        Ok(())
    }

    /// The visitor's page has been gone past `visitor_gone_waiting` while they waited for an
    /// agent. The request is withdrawn (the team missed nobody: a lead who gave details reaches
    /// it as a failed action), and what the visitor finds on return is the live chat fallback
    /// message with the offline form, as after offers that went unanswered. Ending it "by the
    /// visitor" would leave someone back from a suspended tab with no way to write.
    pub(super) fn gave_up_waiting(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let event = TranscriptEvent::Fallback {
            kind: FallbackKind::LiveChat,
            text: self.settings.live_chat_fallback.clone(),
            visitor_away: true,
        };
        self.append(event, now, fx);
        self.close(
            now,
            CloseReason::FellBack {
                kind: FallbackKind::LiveChat,
            },
            LiveState::FellBack,
            EndReason::EndedByVisitor,
            fx,
        );
    }

    /// The current live chat card's branch for when nobody can chat.
    fn when_unavailable(&self) -> Option<String> {
        let Position::Card { card } = &self.position else {
            return None;
        };
        match self.dialogue.card(card).map(|c| &c.kind) {
            Some(CardKind::LiveChat {
                when_unavailable: Some(branch),
                ..
            }) => Some(branch.to_string()),
            _ => None,
        }
    }

    /// The agent holding the chat is gone: the visitor is told, and the chat is routed again
    /// with the live chat card's routing. An agent still on the chat's socket stays, unless
    /// removed; a removed agent's sockets close either way.
    fn agent_left(&mut self, agent: AgentId, removed: bool, now: Millis, fx: &mut Vec<Effect>) {
        if removed {
            fx.push(Effect::CloseAgentSockets);
            if !self.barred.contains(&agent) {
                if self.barred.len() >= MAX_BARRED {
                    self.barred.remove(0);
                }
                self.barred.push(agent.clone());
            }
        }
        let holds = self.closed.is_none()
            && self.live == LiveState::Accepted
            && self.agent.as_ref() == Some(&agent);
        if !holds {
            return;
        }
        if !removed && self.agent_sockets > 0 {
            // Still on the chat's own socket: the chat stays theirs until that closes too.
            self.agent_reported_gone = true;
            return;
        }
        self.hand_back(agent, now, fx);
    }

    /// The agent is gone from this chat: the visitor is told and the chat is routed again with
    /// the live chat card's routing.
    pub(super) fn hand_back(&mut self, agent: AgentId, now: Millis, fx: &mut Vec<Effect>) {
        self.agent_reported_gone = false;
        self.agent_pane_gone_since = None;
        self.agent_absence_over();
        let profile = self.profile.take().unwrap_or_else(|| AgentProfile {
            name: agent.to_string(),
            avatar_url: None,
        });
        self.append(TranscriptEvent::AgentLeft { agent: profile }, now, fx);
        self.agent = None;
        self.agent_sockets = 0;
        // The visitor waits again: a new inactivity period for the new agent to answer.
        self.touch(now);
        self.route_again(agent, fx);
    }

    /// Asks the workspace, in one message, to free `agent`'s slot and route the chat again with
    /// the live chat card's routing (a new request number).
    fn route_again(&mut self, agent: AgentId, fx: &mut Vec<Effect>) {
        match self.live_chat_routing() {
            Some(routing) => {
                self.live = LiveState::Requested;
                self.request += 1;
                fx.push(Effect::ToWorkspace(ConversationToWorkspace::AgentLeft {
                    agent,
                    routing,
                    facts: self.facts.clone(),
                    request: self.request,
                }));
            }
            // Not reachable (a live chat is always requested from a live chat card); end it
            // rather than leave the visitor waiting on nothing.
            None => {
                fx.push(Effect::ToWorkspace(ConversationToWorkspace::ChatClosed {
                    agent,
                    reason: EndReason::AgentLeft,
                    request: self.request,
                }));
                self.live = LiveState::Ended;
                self.closed = Some(CloseReason::Ended { by: Side::Agent });
                fx.push(Effect::Closed {
                    reason: CloseReason::Ended { by: Side::Agent },
                });
            }
        }
    }

    fn joined(&self, agent: AgentId) -> Effect {
        Effect::ToWorkspace(ConversationToWorkspace::AgentJoined {
            agent,
            visitor: self.facts.fields.clone(),
            page_url: self.facts.page_url.clone(),
            identity: self.facts.identity.clone(),
        })
    }

    /// How the live chat ended, for the workspace (a refused acceptance of an open conversation
    /// counts as expired: the agent's slot is freed either way).
    pub(super) fn end_reason(&self) -> EndReason {
        match self.closed {
            Some(CloseReason::Ended { by: Side::Agent }) => EndReason::EndedByAgent,
            Some(CloseReason::Ended { .. }) => EndReason::EndedByVisitor,
            _ => EndReason::Expired,
        }
    }
}
