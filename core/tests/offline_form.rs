//! The offline form (a message left after a fallback), the leads a conversation reports, and
//! the transcript emailed to the visitor.

use std::collections::BTreeMap;

use parlor_core::conversation::{Conversation, ConversationSettings, Effect, Input};
use parlor_core::dialogue::Dialogue;
use parlor_core::lead::{LeadOutcome, LeadSource, LeadUpdate};
use parlor_core::link::{ConversationToWorkspace, WorkspaceToConversation};
use parlor_core::protocol::{
    AgentProfile, ChatServerMsg, FallbackKind, Side, TranscriptEvent, MAX_MESSAGE_BYTES,
};
use parlor_core::routing::FallbackReason;
use parlor_core::{ConversationId, Millis};

/// `capture`: whether the dialogue asks for an email before the live chat card.
fn conv(capture: bool) -> Conversation {
    let mut cards = vec![serde_json::json!(
        {"id": "q1", "kind": "question", "text": "Talk to sales?", "buttons": [{"id": "yes", "label": "Yes"}]}
    )];
    if capture {
        cards.push(serde_json::json!({"id": "ic1", "kind": "info_capture", "text": "Who are you?", "fields": [
            {"key": "first_name", "kind": "first_name", "label": "First name", "required": true},
            {"key": "work", "kind": "email", "label": "Email", "required": true}
        ]}));
    }
    cards.push(serde_json::json!({"id": "lc1", "kind": "live_chat", "text": "Connecting…", "routing": {"mode": "round_robin"}}));
    let dialogue: Dialogue = serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Sales", "branches": [{"id": "main", "cards": cards}]
    }))
    .expect("valid dialogue");
    let mut c = Conversation::new(
        ConversationId::new("c1"),
        dialogue,
        ConversationSettings::default(),
        Millis(0),
    );
    c.handle(
        Input::Start {
            identity: None,
            page_url: "https://ex.com/p?utm_source=news&utm_campaign=spring".into(),
            language: "en".into(),
            country: "FR".into(),
            utm: BTreeMap::new(),
        },
        Millis(1),
    );
    c.handle(
        Input::Answer {
            card: "q1".into(),
            button: "yes".into(),
        },
        Millis(2),
    );
    if capture {
        c.handle(
            Input::Capture {
                card: "ic1".into(),
                values: BTreeMap::from([
                    ("first_name".into(), "Ada".into()),
                    ("work".into(), "ada@example.com".into()),
                ]),
            },
            Millis(3),
        );
    }
    c
}

fn fall_back(c: &mut Conversation) -> Vec<Effect> {
    c.handle(
        Input::FromWorkspace(WorkspaceToConversation::FellBack {
            kind: FallbackKind::LiveChat,
            reason: FallbackReason::OutsideHours,
        }),
        Millis(10),
    )
}

fn leave(email: Option<&str>, text: &str, id: &str) -> Input {
    Input::LeaveMessage {
        client_id: id.into(),
        email: email.map(Into::into),
        text: text.into(),
    }
}

fn refusal(fx: &[Effect]) -> Option<String> {
    fx.iter().find_map(|e| match e {
        Effect::Reply(ChatServerMsg::Error { code, .. }) => Some(code.clone()),
        _ => None,
    })
}

fn leads(fx: &[Effect]) -> Vec<LeadUpdate> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::ToWorkspace(ConversationToWorkspace::Lead { update }) => Some(update.clone()),
            _ => None,
        })
        .collect()
}

fn appended(fx: &[Effect]) -> Vec<TranscriptEvent> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Append(entry) => Some(entry.event.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_message_before_any_fallback_is_refused() {
    let mut c = conv(false);
    let fx = c.handle(leave(Some("a@b.co"), "hello", "m1"), Millis(5));
    assert_eq!(refusal(&fx).as_deref(), Some("no_fallback"));
    assert!(appended(&fx).is_empty());
}

#[test]
fn without_a_captured_email_the_form_needs_a_valid_one_and_bounds_the_text() {
    let mut c = conv(false);
    let fx = fall_back(&mut c);
    assert!(leads(&fx).is_empty(), "no email yet, no lead");
    let code = |c: &mut Conversation, input| refusal(&c.handle(input, Millis(11)));
    assert_eq!(
        code(&mut c, leave(None, "hi", "m1")).as_deref(),
        Some("email_required")
    );
    assert_eq!(
        code(&mut c, leave(Some("not an email"), "hi", "m1")).as_deref(),
        Some("invalid_email")
    );
    assert_eq!(
        code(&mut c, leave(Some("a@b.co"), "   ", "m1")).as_deref(),
        Some("empty_message")
    );
    let long = "x".repeat(MAX_MESSAGE_BYTES + 1);
    assert_eq!(
        code(&mut c, leave(Some("a@b.co"), &long, "m1")).as_deref(),
        Some("message_too_long")
    );
    assert_eq!(
        code(&mut c, leave(Some("a@b.co"), "hi", "")).as_deref(),
        Some("invalid_client_id")
    );
    assert!(c.captured().is_empty(), "nothing refused is kept");
}

#[test]
fn the_message_is_stored_once_acknowledged_and_reported_as_a_lead() {
    let mut c = conv(false);
    fall_back(&mut c);
    let fx = c.handle(
        leave(Some(" bob@example.org "), " Call me ", "m1"),
        Millis(20),
    );
    assert_eq!(
        appended(&fx),
        vec![TranscriptEvent::LeftMessage {
            email: "bob@example.org".into(),
            text: "Call me".into(),
            client_id: "m1".into(),
        }]
    );
    let seq = c.last_seq();
    assert!(fx.contains(&Effect::Reply(ChatServerMsg::Ack {
        client_id: "m1".into(),
        seq
    })));
    let lead = leads(&fx);
    assert_eq!(lead.len(), 1);
    assert_eq!(lead[0].source, LeadSource::OfflineForm);
    assert_eq!(
        lead[0].outcome,
        LeadOutcome::LeftMessage {
            reason: Some(FallbackReason::OutsideHours)
        }
    );
    assert_eq!(lead[0].message.as_deref(), Some("Call me"));
    assert_eq!(
        lead[0].utm.get("campaign").map(String::as_str),
        Some("spring")
    );
    // The email joins the captured fields: the index row (and so erasure by email) has it.
    assert_eq!(
        c.captured().get("email").map(String::as_str),
        Some("bob@example.org")
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::ToWorkspace(ConversationToWorkspace::Index { record, .. }) if record.captured.contains_key("email"))));

    // A resend is acknowledged again with nothing stored; another message is refused.
    let again = c.handle(leave(Some("bob@example.org"), "Call me", "m1"), Millis(21));
    assert!(appended(&again).is_empty() && leads(&again).is_empty());
    assert!(again.contains(&Effect::Reply(ChatServerMsg::Ack {
        client_id: "m1".into(),
        seq
    })));
    let other = c.handle(leave(Some("bob@example.org"), "More", "m2"), Millis(22));
    assert_eq!(refusal(&other).as_deref(), Some("message_already_left"));
}

#[test]
fn a_captured_email_is_used_and_each_stage_reports_the_lead() {
    let mut c = conv(true);
    let fx = fall_back(&mut c);
    let missed = leads(&fx);
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0].email, "ada@example.com");
    assert_eq!(
        missed[0].outcome,
        LeadOutcome::Missed {
            reason: FallbackReason::OutsideHours
        }
    );
    assert_eq!(
        missed[0].answers.get("Talk to sales?").map(String::as_str),
        Some("Yes")
    );
    let fx = c.handle(leave(None, "Hello", "m1"), Millis(20));
    let left = leads(&fx);
    assert_eq!(left[0].source, LeadSource::Capture);
    assert_eq!(left[0].email, "ada@example.com");
}

fn chat_then_end(c: &mut Conversation) {
    c.handle(
        Input::FromWorkspace(WorkspaceToConversation::Accepted {
            agent: "eve".into(),
            profile: AgentProfile {
                name: "Eve".into(),
                avatar_url: None,
            },
            request: 1,
        }),
        Millis(10),
    );
    c.handle(
        Input::Say {
            from: Side::Agent,
            client_id: "a1".into(),
            text: "Hi".into(),
        },
        Millis(11),
    );
}

#[test]
fn the_transcript_is_mailed_once_to_the_captured_email_after_the_chat_ended() {
    let mut c = conv(true);
    chat_then_end(&mut c);
    let early = c.handle(Input::EmailTranscript, Millis(12));
    assert_eq!(refusal(&early).as_deref(), Some("transcript_unavailable"));
    c.handle(Input::End { by: Side::Agent }, Millis(13));
    let fx = c.handle(Input::EmailTranscript, Millis(14));
    assert!(fx.contains(&Effect::MailTranscript {
        to: "ada@example.com".into()
    }));
    assert_eq!(
        appended(&fx),
        vec![TranscriptEvent::TranscriptEmailed {
            to: "ada@example.com".into()
        }]
    );
    let again = c.handle(Input::EmailTranscript, Millis(15));
    assert_eq!(refusal(&again).as_deref(), Some("transcript_already_sent"));
    assert!(!again
        .iter()
        .any(|e| matches!(e, Effect::MailTranscript { .. })));
}

#[test]
fn no_transcript_without_an_email_or_without_an_agent() {
    let mut c = conv(false);
    chat_then_end(&mut c);
    c.handle(Input::End { by: Side::Visitor }, Millis(13));
    assert_eq!(
        refusal(&c.handle(Input::EmailTranscript, Millis(14))).as_deref(),
        Some("no_email")
    );
    let mut fell = conv(true);
    fall_back(&mut fell);
    assert_eq!(
        refusal(&fell.handle(Input::EmailTranscript, Millis(14))).as_deref(),
        Some("transcript_unavailable")
    );
}

#[test]
fn an_accepted_chat_reports_the_agent() {
    let mut c = conv(true);
    let fx = c.handle(
        Input::FromWorkspace(WorkspaceToConversation::Accepted {
            agent: "eve".into(),
            profile: AgentProfile {
                name: "Eve".into(),
                avatar_url: None,
            },
            request: 1,
        }),
        Millis(10),
    );
    assert_eq!(
        leads(&fx)[0].outcome,
        LeadOutcome::Chatted {
            agent: "Eve".into()
        }
    );
}
