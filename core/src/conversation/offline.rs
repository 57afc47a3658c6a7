//! After live chat: the offline form (a message left after a fallback) and the transcript the
//! visitor may ask for by email after a chat with an agent. Both work on a closed conversation.

use super::io::{Effect, LiveState};
use super::refusal::Refusal;
use super::settings::MAX_CLIENT_ID_CHARS;
use super::state::Conversation;
use crate::dialogue::looks_like_email;
use crate::lead::{LeadOutcome, LeadSource};
use crate::protocol::{ChatServerMsg, TranscriptEvent, MAX_MESSAGE_BYTES};
use crate::Millis;

impl Conversation {
    /// Stores the visitor's offline message once (a resend with the same client id gets the
    /// original `ack`), only after a fallback. The email is the one given in the form, else the
    /// one captured earlier; it joins the captured fields so the lead and erasure find it.
    pub(super) fn leave_message(
        &mut self,
        client_id: String,
        email: Option<String>,
        text: &str,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        if client_id.is_empty() || client_id.chars().count() > MAX_CLIENT_ID_CHARS {
            return Err(Refusal::InvalidClientId);
        }
        if let Some((stored, seq)) = &self.left_message {
            if *stored == client_id {
                fx.push(Effect::Reply(ChatServerMsg::Ack {
                    client_id,
                    seq: *seq,
                }));
                return Ok(());
            }
            return Err(Refusal::MessageAlreadyLeft);
        }
        if self.live != LiveState::FellBack {
            return Err(Refusal::NoFallback);
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(Refusal::EmptyMessage);
        }
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(Refusal::MessageTooLong);
        }
        let given = email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        let (email, source) = match (given, self.captured_email()) {
            (Some(e), captured) => {
                if !looks_like_email(&e) {
                    return Err(Refusal::InvalidEmail);
                }
                let source = match captured {
                    Some(c) if c.eq_ignore_ascii_case(&e) => LeadSource::Capture,
                    _ => LeadSource::OfflineForm,
                };
                (e, source)
            }
            (None, Some(c)) => (c, LeadSource::Capture),
            (None, None) => return Err(Refusal::EmailRequired),
        };
        if source == LeadSource::OfflineForm {
            self.facts.fields.insert("email".to_owned(), email.clone());
        }
        self.note_message(text);
        let event = TranscriptEvent::LeftMessage {
            email,
            text: text.to_owned(),
            client_id: client_id.clone(),
        };
        let seq = self.append(event, now, fx);
        // The visitor's own number (the notes before it not counted).
        let seq = self.log.seq_for(crate::protocol::Side::Visitor, seq);
        self.left_message = Some((client_id.clone(), seq));
        fx.push(Effect::Reply(ChatServerMsg::Ack { client_id, seq }));
        let outcome = LeadOutcome::LeftMessage {
            reason: self.fell_back_for,
        };
        self.report_lead(outcome, source, Some(text.to_owned()), now, fx);
        Ok(())
    }

    /// Emails the transcript to the captured address, once, after a chat with an agent ended.
    pub(super) fn email_transcript(
        &mut self,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        if self.transcript_to.is_some() {
            return Err(Refusal::TranscriptAlreadySent);
        }
        if self.closed.is_none() || self.chatted_with.is_none() {
            return Err(Refusal::TranscriptUnavailable);
        }
        let to = self.captured_email().ok_or(Refusal::NoEmail)?;
        self.transcript_to = Some(to.clone());
        self.append(
            TranscriptEvent::TranscriptEmailed { to: to.clone() },
            now,
            fx,
        );
        fx.push(Effect::MailTranscript { to });
        Ok(())
    }
}
