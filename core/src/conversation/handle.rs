//! The single entry point: dispatch an input, expiring first if the deadline has passed.

use std::collections::BTreeMap;

use super::io::{CloseReason, Effect, Input, LiveState};
use super::refusal::Refusal;
use super::state::Conversation;
use crate::failed_action::FailedAction;
use crate::link::ConversationToWorkspace;
use crate::protocol::{EndReason, Side, TranscriptEvent};
use crate::routing::VisitorFacts;
use crate::Millis;

impl Conversation {
    /// Applies one input at time `now` and returns what the edge must do, in order.
    pub fn handle(&mut self, input: Input, now: Millis) -> Vec<Effect> {
        let log_before = self.log.without_resends();
        let mut fx = Vec::new();
        if self.inactivity_deadline().is_some_and(|d| now >= d) {
            self.expire(now, &mut fx);
        }
        self.presence_timers(now, &mut fx);
        self.check_timer(now, &mut fx);
        let result = match input {
            Input::Tick => Ok(()),
            Input::Start {
                page_url,
                language,
                country,
                utm,
                identity,
            } => {
                let facts = VisitorFacts {
                    fields: BTreeMap::new(),
                    page_url,
                    language,
                    country,
                    utm,
                    identity,
                };
                self.start(facts, now, &mut fx)
            }
            Input::Answer { card, button } => self.answer(&card, &button, now, &mut fx),
            Input::Capture { card, values } => self.capture(&card, &values, now, &mut fx),
            Input::Say {
                from,
                client_id,
                text,
            } => self.say(from, client_id, &text, now, &mut fx),
            Input::Note { client_id, text } => self.note(client_id, &text, now, &mut fx),
            Input::Typing { from, on } => {
                self.typing(from, on, &mut fx);
                Ok(())
            }
            Input::End { by } => self.end(by, now, &mut fx),
            Input::LeaveMessage {
                client_id,
                email,
                text,
            } => self.leave_message(client_id, email, &text, now, &mut fx),
            Input::EmailTranscript => self.email_transcript(now, &mut fx),
            Input::Identify { identity } => {
                self.identify(identity);
                Ok(())
            }
            Input::FromWorkspace(msg) => self.workspace_said(msg, now, &mut fx),
            Input::SocketOpened { side } => {
                self.socket_opened(side, &mut fx);
                Ok(())
            }
            Input::SocketClosed { side } => {
                self.socket_closed(side, now);
                Ok(())
            }
            Input::Sockets { visitor, agent } => {
                self.sockets(visitor, agent, now);
                Ok(())
            }
        };
        if let Err(refusal) = result {
            fx.push(Effect::Reply(refusal.to_msg()));
        }
        self.index(now, &mut fx);
        self.persist_if_needed(log_before, &mut fx);
        fx
    }

    pub(super) fn ensure_open(&self) -> Result<(), Refusal> {
        match self.closed {
            Some(_) => Err(Refusal::Closed),
            None => Ok(()),
        }
    }

    fn end(&mut self, by: Side, now: Millis, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        self.ensure_open()?;
        match by {
            Side::Bot => return Err(Refusal::NotAllowed),
            Side::Agent if self.live != LiveState::Accepted => return Err(Refusal::NoLiveChat),
            Side::Agent | Side::Visitor => {}
        }
        self.touch(now);
        self.close_ended(by, false, now, fx);
        Ok(())
    }

    /// Appends `ended {by, visitor_away}` and closes: how the visitor, the agent or the bot ends
    /// a conversation (a live chat's slot is freed with the matching end reason).
    pub(super) fn close_ended(
        &mut self,
        by: Side,
        visitor_away: bool,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) {
        self.append(TranscriptEvent::Ended { by, visitor_away }, now, fx);
        let reason = match by {
            Side::Agent => EndReason::EndedByAgent,
            _ => EndReason::EndedByVisitor,
        };
        self.close(now, CloseReason::Ended { by }, LiveState::Ended, reason, fx);
    }

    /// The visitor's page has been gone past the grace of a live chat: the chat ends as if they
    /// had clicked End (the agent's slot is freed), marked so that, back, they read that it ended
    /// while they were away rather than that they ended it.
    pub(super) fn visitor_left(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        if self.closed.is_some() {
            return;
        }
        self.touch(now);
        self.close_ended(Side::Visitor, true, now, fx);
    }

    fn expire(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        self.append(TranscriptEvent::Expired, now, fx);
        self.close(
            now,
            CloseReason::Expired,
            LiveState::Expired,
            EndReason::Expired,
            fx,
        );
    }

    /// Takes the waiting visitor out of the workspace's line. A lead who gave their details and
    /// left before anyone answered is not lost: the team gets them as a failed action.
    pub(super) fn withdraw_request(&mut self, now: Millis, end: EndReason, fx: &mut Vec<Effect>) {
        fx.push(Effect::ToWorkspace(
            ConversationToWorkspace::CancelLiveChat {
                request: self.request,
            },
        ));
        if !self.facts.fields.is_empty() {
            let action = FailedAction::left_waiting(self.id.clone(), now, &self.facts, end);
            fx.push(Effect::ToWorkspace(ConversationToWorkspace::FailedAction {
                action,
            }));
        }
    }

    /// Frees whatever the workspace holds for this conversation, then closes it.
    pub(super) fn close(
        &mut self,
        now: Millis,
        reason: CloseReason,
        live_end: LiveState,
        end: EndReason,
        fx: &mut Vec<Effect>,
    ) {
        match self.live {
            LiveState::Accepted => {
                if let Some(agent) = self.agent.clone() {
                    fx.push(Effect::ToWorkspace(ConversationToWorkspace::ChatClosed {
                        agent,
                        reason: end,
                        request: self.request,
                    }));
                }
                self.live = live_end;
            }
            LiveState::Requested => {
                self.withdraw_request(now, end, fx);
                self.live = live_end;
            }
            LiveState::None | LiveState::Ended | LiveState::Expired | LiveState::FellBack => {}
        }
        self.closed = Some(reason);
        fx.push(Effect::Closed { reason });
    }
}

impl Conversation {
    /// The conversation is being erased (an admin, or the retention period): what the
    /// workspace must free for it. Nothing is appended and no failed action is raised: the
    /// visitor asked to be forgotten, so no one is told who they were.
    pub fn erase_release(&self) -> Vec<ConversationToWorkspace> {
        match (self.live, &self.agent) {
            (LiveState::Accepted, Some(agent)) => vec![ConversationToWorkspace::ChatClosed {
                agent: agent.clone(),
                reason: EndReason::Erased,
                request: self.request,
            }],
            (LiveState::Requested, _) => vec![ConversationToWorkspace::CancelLiveChat {
                request: self.request,
            }],
            _ => Vec::new(),
        }
    }
}
