//! Chat messages (stored once per client id) and typing indicators (relayed, not stored).

use std::collections::BTreeMap;

use super::io::{Effect, LiveState};
use super::refusal::Refusal;
use super::settings::MAX_CLIENT_ID_CHARS;
use super::state::Conversation;
use crate::protocol::{ChatServerMsg, Side, TranscriptEvent, MAX_MESSAGE_BYTES};
use crate::Millis;

/// How many of a side's latest client ids are remembered, so a resend is stored once. A client
/// resends only what was in flight when its socket dropped, which the say rate limit keeps far
/// below this; remembering every id would grow the snapshot with every message.
pub const RESEND_WINDOW: usize = 256;

/// Drops the entries with the lowest sequence numbers until at most `keep` remain.
fn forget_oldest_beyond(seen: &mut BTreeMap<String, u64>, keep: usize) {
    while seen.len() > keep {
        let oldest = seen
            .iter()
            .min_by_key(|(_, seq)| **seq)
            .map(|(id, _)| id.clone());
        match oldest {
            Some(id) => {
                seen.remove(&id);
            }
            None => break,
        }
    }
}

impl Conversation {
    pub(super) fn say(
        &mut self,
        from: Side,
        client_id: String,
        text: &str,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let Some(seen) = self.messages(from) else {
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
        self.touch(now);
        self.note_message(text);
        if from == Side::Agent && self.first_agent_reply_at.is_none() {
            self.first_agent_reply_at = Some(now);
        }
        let event = TranscriptEvent::Message {
            from,
            text: text.to_owned(),
            client_id: client_id.clone(),
        };
        let seq = self.append(event, now, fx);
        if let Some(seen) = self.messages_mut(from) {
            seen.insert(client_id.clone(), seq);
            forget_oldest_beyond(seen, RESEND_WINDOW);
        }
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
