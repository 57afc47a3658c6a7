//! The bodies of the fuzz targets, kept in a library so they can also be replayed by hand.
//!
//! - [`protocol_decode`]: any bytes, decoded as every message a client may send (and as a
//!   dialogue, which admins upload). Decoding must never panic, and whatever decodes must
//!   re-encode and decode to an equal value.
//! - [`dialogue_validate`]: any bytes that decode as a dialogue are validated, then a
//!   conversation is driven through it (start, answers, captures, live chat, messages,
//!   deadlines, end). Nothing may panic, and sequence numbers must only grow.

use std::collections::BTreeMap;
use std::fmt::Debug;

use parlor_core::routing::FallbackReason;
use parlor_core::identity::VisitorIdentity;
use parlor_core::link::WorkspaceToConversation;
use parlor_core::conversation::{
    Conversation, ConversationSettings, Effect, Input, Position, StoredState,
};
use parlor_core::dialogue::{validate, CardKind, Dialogue, FieldKind};
use parlor_core::protocol::{AgentChatMsg, AgentProfile, ChatClientMsg, FallbackKind, InboxClientMsg, Side};
use parlor_core::{AgentId, ButtonId, ConversationId, Millis};
use serde::{de::DeserializeOwned, Serialize};

/// Decodes `data` as `T`; if that works, checks the encode → decode round trip.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(data: &[u8]) -> Option<T> {
    let v: T = serde_json::from_slice(data).ok()?;
    let bytes = serde_json::to_vec(&v).expect("a decoded value must encode");
    let again: T = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "re-encoded value does not decode: {e}\nvalue: {v:?}\njson: {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    assert_eq!(v, again, "round trip changed the value");
    Some(v)
}

pub fn protocol_decode(data: &[u8]) {
    round_trip::<ChatClientMsg>(data);
    round_trip::<AgentChatMsg>(data);
    round_trip::<InboxClientMsg>(data);
    round_trip::<Dialogue>(data);
}

pub fn dialogue_validate(data: &[u8]) {
    let Ok(dialogue) = serde_json::from_slice::<Dialogue>(data) else {
        return;
    };
    let report = validate(&dialogue);
    // Every issue must render (it is shown to the admin) without panicking.
    for issue in report.errors.iter().chain(&report.warnings) {
        let _ = serde_json::to_string(issue).expect("issues encode");
    }
    // A stored dialogue has passed validation, but run the conversation on every decoded
    // dialogue anyway: older rules may have let through what the current ones refuse.
    drive(dialogue, data.len() as u64);
}

fn sample_value(kind: FieldKind, salt: u64) -> String {
    match (kind, salt % 3) {
        (FieldKind::Email, 0) => "ada@example.com".into(),
        (FieldKind::Email, 1) => "not an email".into(),
        (FieldKind::Phone, 0) => "+33 6 12 34 56 78".into(),
        (_, 2) => String::new(),
        _ => "Ada".into(),
    }
}

fn drive(dialogue: Dialogue, salt: u64) {
    let start = Millis(1_000);
    let mut conv = Conversation::new(
        ConversationId::new("c0"),
        dialogue,
        ConversationSettings::default(),
        start,
    );
    let mut now = start;
    let mut last_seq = 0;
    // What the edge stores: the dialogue once, the state on `Persist`, every entry.
    let dialogue = conv.dialogue().clone();
    let mut state = serde_json::to_string(conv.stored_state()).expect("a state encodes");
    let mut entries = Vec::new();
    let mut step = |conv: &mut Conversation, input: Input, now: Millis| {
        for fx in conv.handle(input, now) {
            match fx {
                Effect::Append(entry) => {
                    assert!(entry.seq > last_seq, "sequence went back");
                    last_seq = entry.seq;
                    entries.push(entry);
                }
                Effect::Persist => {
                    state = serde_json::to_string(conv.stored_state()).expect("a state encodes");
                }
                _ => {}
            }
        }
        assert!(conv.last_seq() >= last_seq);
    };
    step(
        &mut conv,
        Input::Start {
            page_url: "https://example.com/pricing?utm_source=x".into(),
            language: "en".into(),
            country: "FR".into(),
            utm: BTreeMap::new(),
            // Identified, so capture cards are shown with their fields filled in.
            identity: Some(VisitorIdentity {
                id: "user-42".into(),
                email: Some("ada@example.com".into()),
                name: Some("Ada Lovelace".into()),
                verified: true,
            }),
        },
        now,
    );
    // Follow the dialogue wherever it waits, at most a bounded number of steps.
    for i in 0..64u64 {
        now = now.after(Millis(1_000));
        let Position::Card { card } = conv.position().clone() else {
            break;
        };
        let Some(found) = conv.dialogue().card(&card).cloned() else {
            // A position on a card that does not exist: try something harmless and stop.
            step(&mut conv, Input::Tick, now);
            break;
        };
        match found.kind {
            CardKind::Question { buttons, .. } => {
                let button = buttons
                    .get(((salt + i) as usize) % buttons.len().max(1))
                    .map(|b| b.id.clone())
                    .unwrap_or_else(|| ButtonId::new("missing"));
                step(
                    &mut conv,
                    Input::Answer {
                        card: found.id,
                        button,
                    },
                    now,
                );
            }
            CardKind::InfoCapture { fields, .. } => {
                let values = fields
                    .iter()
                    .map(|f| (f.key.clone(), sample_value(f.kind, salt + i)))
                    .collect();
                step(
                    &mut conv,
                    Input::Capture {
                        card: found.id.clone(),
                        values,
                    },
                    now,
                );
                // Retry with good values if the first try was refused.
                let values = fields
                    .iter()
                    .map(|f| (f.key.clone(), sample_value(f.kind, 0)))
                    .collect();
                step(
                    &mut conv,
                    Input::Capture {
                        card: found.id,
                        values,
                    },
                    now,
                );
            }
            CardKind::LiveChat { .. } | CardKind::Message { .. } => {
                let visitor = |t: &str| Input::Say {
                    from: Side::Visitor,
                    client_id: format!("v{i}"),
                    text: t.into(),
                };
                step(&mut conv, visitor("hello"), now);
                let agent = AgentId::new("a1");
                if salt % 4 == 3 {
                    step(
                        &mut conv,
                        Input::FromWorkspace(WorkspaceToConversation::FellBack {
                            kind: FallbackKind::LiveChat,
                            reason: FallbackReason::NoEligibleAgent,
                        }),
                        now,
                    );
                } else {
                    step(
                        &mut conv,
                        Input::FromWorkspace(WorkspaceToConversation::Accepted {
 request: 0,
                            agent,
                            profile: AgentProfile {
                                name: "Grace".into(),
                                avatar_url: None,
                            },
                        }),
                        now,
                    );
                }
                step(
                    &mut conv,
                    Input::Say {
                        from: Side::Agent,
                        client_id: "a1".into(),
                        text: "hi".into(),
                    },
                    now,
                );
                step(&mut conv, visitor("hello"), now); // a resend: stored once
                // An internal note, and its resend: stored once, never the visitor's.
                for _ in 0..2 {
                    step(
                        &mut conv,
                        Input::Note {
                            client_id: "n1".into(),
                            text: "VIP".into(),
                        },
                        now,
                    );
                }
                step(
                    &mut conv,
                    Input::Typing {
                        from: Side::Agent,
                        on: true,
                    },
                    now,
                );
                break;
            }
        }
    }
    if let Some(deadline) = conv.next_deadline() {
        step(&mut conv, Input::Tick, deadline);
        step(&mut conv, Input::Tick, deadline); // a duplicate alarm is harmless
    }
    step(&mut conv, Input::End { by: Side::Visitor }, now);
    step(&mut conv, Input::Tick, Millis(u64::MAX));
    let _ = conv.view();
    // What the edge stored loads back as the machine.
    let stored: StoredState = serde_json::from_str(&state).expect("a state decodes");
    let after = stored.last_seq();
    let tail: Vec<_> = entries.into_iter().filter(|e| e.seq > after).collect();
    let back = Conversation::restore(dialogue, stored, &tail);
    assert_eq!(back, conv, "conversation stored and loaded");
}
