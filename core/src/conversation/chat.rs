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
