//! Chat messages (stored once per client id) and typing indicators (relayed, not stored).

use super::io::{Effect, LiveState};
use super::refusal::Refusal;
use super::settings::MAX_CLIENT_ID_CHARS;
use super::state::Conversation;
use crate::protocol::{ChatServerMsg, Side, TranscriptEvent, MAX_MESSAGE_BYTES};
use crate::Millis;

impl Conversation {
    pub(super) fn say(
        &mut self,
        from: Side,
        client_id: String,
        text: &str,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let Some(seen) = self.log.messages(from) else {
            return Err(Refusal::NotAllowed);
        };
        if client_id.is_empty() || client_id.chars().count() > MAX_CLIENT_ID_CHARS {
            return Err(Refusal::InvalidClientId);
        }
        // A resend: confirm the original, store nothing (even if closed since).
        if let Some(&seq) = seen.get(&client_id) {
            fx.push(Effect::Reply(ChatServerMsg::Ack { client_id, seq }));
            return Ok(());
        }
        self.ensure_open()?;
        let allowed = match from {
            Side::Visitor => self.live.is_pending() || self.live == LiveState::Accepted,
            Side::Agent | Side::Bot => self.live == LiveState::Accepted,
        };
        if !allowed {
            return Err(match from {
                Side::Visitor => Refusal::ChatNotOpen,
                Side::Agent | Side::Bot => Refusal::NoLiveChat,
            });
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(Refusal::EmptyMessage);
        }
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(Refusal::MessageTooLong);
        }
        if from == Side::Agent && self.first_agent_reply_at.is_none() {
            self.first_agent_reply_at = Some(now);
        }
        let event = TranscriptEvent::Message {
            from,
            text: text.to_owned(),
            client_id: client_id.clone(),
        };
        let seq = self.append(event, now, fx);
        // Everything else a message changes, as a load replays it from the entry.
        self.log.message(from, &client_id, seq, now, text);
        let seq = self.log.seq_for(from, seq);
        fx.push(Effect::Reply(ChatServerMsg::Ack { client_id, seq }));
        Ok(())
    }

    /// An internal note by the agent holding the live chat, while the conversation is open.
    /// Stored once per client id like a message, but for the team only: it is not activity (the
    /// inactivity timeout runs on), not the agent's first reply, not the index row's preview,
    /// and no visitor socket ever receives it ([`Conversation::to_visitors`]).
    pub(super) fn note(
        &mut self,
        client_id: String,
        text: &str,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        if client_id.is_empty() || client_id.chars().count() > MAX_CLIENT_ID_CHARS {
            return Err(Refusal::InvalidClientId);
        }
        if let Some(&seq) = self.log.agent_notes.get(&client_id) {
            fx.push(Effect::Reply(ChatServerMsg::Ack { client_id, seq }));
            return Ok(());
        }
        self.ensure_open()?;
        if self.live != LiveState::Accepted {
            return Err(Refusal::NoLiveChat);
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(Refusal::EmptyMessage);
        }
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(Refusal::MessageTooLong);
        }
        let by = match (&self.profile, &self.agent) {
            (Some(p), _) => p.name.clone(),
            (None, Some(a)) => a.to_string(),
            (None, None) => String::new(),
        };
        let event = TranscriptEvent::Note {
            by,
            text: text.to_owned(),
            client_id: client_id.clone(),
        };
        let seq = self.append(event, now, fx);
        self.log.note(&client_id, seq);
        fx.push(Effect::Reply(ChatServerMsg::Ack { client_id, seq }));
        Ok(())
    }

    /// Relayed only between the two people of an accepted live chat; otherwise dropped
    /// silently (a late "stopped typing" after the end is not worth an error).
    pub(super) fn typing(&mut self, from: Side, on: bool, fx: &mut Vec<Effect>) {
        if self.closed.is_none() && self.live == LiveState::Accepted && from != Side::Bot {
            fx.push(Effect::Relay(ChatServerMsg::Typing { from, on }));
        }
    }
}
