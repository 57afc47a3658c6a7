//! After live chat: the offline form (after a fallback) and the "Email me this conversation"
//! offer (after a chat with an agent), shown as cards the widget adds itself, so they reuse the
//! form and button rendering, validation and focus of the dialogue's cards. Both come back
//! from the transcript on a reload: the server's entries decide what is shown.

use parlor_core::dialogue::{Button, Card, CardKind, FieldKind, FieldSpec};
use parlor_core::protocol::{TranscriptEntry, TranscriptEvent};
use parlor_core::{ButtonId, CardId};

use crate::model::Model;

/// The offline form's card id (dialogue card ids never start with `_`).
pub const OFFLINE: &str = "_offline";
/// The transcript offer's card id and its one button.
pub const TRANSCRIPT: &str = "_transcript";
pub const SEND_TRANSCRIPT: &str = "send";

/// Whether `id` is one of the widget's own cards (they stay usable after the chat closed).
pub fn is_own(id: &CardId) -> bool {
    id.as_str().starts_with('_')
}

/// Whether the visitor gave an email in an info capture, by the server's rule (core's
/// `Conversation::captured_email`): a field of the email kind, or one keyed `email`. An email
/// typed into some other field does not count there, so the offline form must ask for it.
pub fn email_known(m: &Model) -> bool {
    m.entries.iter().any(|e| match &e.event {
        TranscriptEvent::Captured { card, values } => values
            .iter()
            .any(|(k, v)| !v.is_empty() && (k == "email" || email_field(m, card, k))),
        _ => false,
    })
}

fn email_field(m: &Model, id: &CardId, key: &str) -> bool {
    m.entries.iter().any(|e| match &e.event {
        TranscriptEvent::Card { card, .. } if &card.id == id => matches!(
            &card.kind,
            CardKind::InfoCapture { fields, .. }
                if fields.iter().any(|f| f.key == key && f.kind == FieldKind::Email)
        ),
        _ => false,
    })
}

fn chatted(m: &Model) -> bool {
    m.entries
        .iter()
        .any(|e| matches!(e.event, TranscriptEvent::AgentJoined { .. }))
}

fn own(entry: &TranscriptEntry, id: &str, kind: CardKind) -> TranscriptEntry {
    TranscriptEntry {
        seq: entry.seq,
        at: entry.at,
        event: TranscriptEvent::Card {
            prefill: Default::default(),
            card: Card {
                id: CardId(id.into()),
                kind,
            },
        },
    }
}

/// The offline form to show after this fallback entry: the email only when none was given.
pub fn offline_form(m: &Model, after: &TranscriptEntry) -> TranscriptEntry {
    let s = m.lang.strings();
    let mut fields = Vec::with_capacity(2);
    if !email_known(m) {
        fields.push(FieldSpec {
            key: "email".into(),
            kind: FieldKind::Email,
            label: s.email.into(),
            required: true,
        });
    }
    fields.push(FieldSpec {
        key: "text".into(),
        kind: FieldKind::Custom,
        label: s.message_label.into(),
        required: true,
    });
    let kind = CardKind::InfoCapture {
        text: s.leave_message.into(),
        fields,
    };
    own(after, OFFLINE, kind)
}

/// The transcript offer after this end of a chat, when an agent chatted and an email is known.
pub fn transcript_offer(m: &Model, after: &TranscriptEntry) -> Option<TranscriptEntry> {
    if !chatted(m) || !email_known(m) {
        return None;
    }
    let s = m.lang.strings();
    let kind = CardKind::Question {
        when_unavailable: None,
        text: String::new(),
        buttons: vec![Button {
            id: ButtonId(SEND_TRANSCRIPT.into()),
            label: s.email_transcript.into(),
            goto: None,
        }],
    };
    Some(own(after, TRANSCRIPT, kind))
}

/// "Thanks — we'll email you at …".
pub fn thanks(m: &Model, email: &str) -> String {
    let mut t = String::from(m.lang.strings().thanks);
    t.push_str(email);
    t.push('.');
    t
}
