//! The single entry point: dispatch an input, expiring first if the deadline has passed.

use super::io::{CloseReason, Effect, Input, LiveState};
use super::refusal::Refusal;
use super::state::Conversation;
use crate::protocol::{EndReason, Side, TranscriptEvent};
use crate::Millis;

impl Conversation {
    /// Applies one input at time `now` and returns what the edge must do, in order.
    pub fn handle(&mut self, input: Input, now: Millis) -> Vec<Effect> {
        let mut fx = Vec::new();
        if self.next_deadline().is_some_and(|d| now >= d) {
            self.expire(now, &mut fx);
        }
        let result = match input {
            Input::Tick => Ok(()),
            Input::Start {
                page_url,
                language,
                country,
                utm,
            } => self.start(page_url, language, country, utm, now, &mut fx),
            Input::Answer { card, button } => self.answer(&card, &button, now, &mut fx),
            Input::Capture { card, values } => self.capture(&card, &values, now, &mut fx),
            Input::Say {
                from,
                client_id,
                text,
            } => self.say(from, client_id, &text, now, &mut fx),
            Input::Typing { from, on } => {
                self.typing(from, on, &mut fx);
                Ok(())
            }
            Input::End { by } => self.end(by, now, &mut fx),
            Input::Offered { agent } => self.offered(agent),
            Input::Accepted { agent, profile } => self.accepted(agent, profile, now, &mut fx),
            Input::FellBack { kind, text } => self.fell_back(kind, text, now, &mut fx),
        };
        if let Err(refusal) = result {
            fx.push(Effect::Reply(refusal.to_msg()));
        }
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
        self.append(TranscriptEvent::Ended { by }, now, fx);
        let reason = match by {
            Side::Agent => EndReason::EndedByAgent,
            _ => EndReason::EndedByVisitor,
        };
        self.close(CloseReason::Ended { by }, LiveState::Ended, reason, fx);
        Ok(())
    }

    fn expire(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        self.append(TranscriptEvent::Expired, now, fx);
        self.close(
            CloseReason::Expired,
            LiveState::Expired,
            EndReason::Expired,
            fx,
        );
    }

    /// Frees whatever the workspace holds for this conversation, then closes it.
    fn close(
        &mut self,
        reason: CloseReason,
        live_end: LiveState,
        end: EndReason,
        fx: &mut Vec<Effect>,
    ) {
        match self.live {
            LiveState::Accepted => {
                if let Some(agent) = self.agent.clone() {
                    fx.push(Effect::ReleaseAgent { agent, reason: end });
                }
                self.live = live_end;
            }
            LiveState::Requested | LiveState::Offered => {
                fx.push(Effect::CancelLiveChat);
                self.live = live_end;
            }
            LiveState::None | LiveState::Ended | LiveState::Expired | LiveState::FellBack => {}
        }
        self.closed = Some(reason);
        fx.push(Effect::Closed { reason });
    }
}
