//! Pins the JSON of every wire message. The widget, inbox and edge are written against these
//! shapes: a changed snapshot is a protocol change and needs a `PROTOCOL_VERSION` decision.

use std::collections::BTreeMap;

use parlor_core::dialogue::{Card, CardKind, Dialogue};
use parlor_core::identity::VisitorIdentity;
use parlor_core::protocol::{
    AgentChatMsg, AgentProfile, ChatClientMsg, ChatServerMsg, ChatSummary, ConversationView,
    EndReason, FallbackKind, FieldError, InboxClientMsg, InboxServerMsg, OfferView, Presence,
    PushMsg, Side, TranscriptEntry, TranscriptEvent,
};
use parlor_core::{Millis, WorkspaceId};
use serde::de::DeserializeOwned;
use serde::Serialize;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).expect("serialize");
    let back: T = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(&back, value, "{json}");
}

fn visitor() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("email".to_owned(), "ada@bigcorp.example".to_owned()),
        ("first_name".to_owned(), "Ada".to_owned()),
    ])
}

fn sample_dialogue() -> Dialogue {
    serde_json::from_str(include_str!("snapshots/sample_dialogue.json")).expect("sample dialogue")
}

// Each `*_name` is an exhaustive match: a new variant fails to compile until it has a sample.

fn chat_client_name(m: &ChatClientMsg) -> &'static str {
    match m {
        ChatClientMsg::Hello { .. } => "hello",
        ChatClientMsg::Answer { .. } => "answer",
        ChatClientMsg::Capture { .. } => "capture",
        ChatClientMsg::Say { .. } => "say",
        ChatClientMsg::Typing { .. } => "typing",
        ChatClientMsg::End => "end",
        ChatClientMsg::LeaveMessage { .. } => "leave_message",
        ChatClientMsg::EmailTranscript => "email_transcript",
    }
}

fn chat_client_samples() -> Vec<ChatClientMsg> {
    vec![
        ChatClientMsg::Hello { v: 1, last_seq: 12 },
        ChatClientMsg::Answer {
            card: "q1".into(),
            button: "yes".into(),
        },
        ChatClientMsg::Capture {
            card: "ic1".into(),
            values: visitor(),
        },
        ChatClientMsg::Say {
            client_id: "k3x9-1".into(),
            text: "Hello, is anyone there?".into(),
        },
        ChatClientMsg::Typing { on: true },
        ChatClientMsg::End,
        ChatClientMsg::LeaveMessage {
            client_id: "m-1".into(),
            email: Some("ada@bigcorp.example".into()),
            text: "Please call me back tomorrow.".into(),
        },
        ChatClientMsg::EmailTranscript,
    ]
}

fn event_name(e: &TranscriptEvent) -> &'static str {
    match e {
        TranscriptEvent::Card { .. } => "card",
        TranscriptEvent::Answered { .. } => "answered",
        TranscriptEvent::Captured { .. } => "captured",
        TranscriptEvent::LiveChatRequested => "live_chat_requested",
        TranscriptEvent::LiveChatUnavailable => "live_chat_unavailable",
        TranscriptEvent::AgentJoined { .. } => "agent_joined",
        TranscriptEvent::AgentLeft { .. } => "agent_left",
        TranscriptEvent::Message { .. } => "message",
        TranscriptEvent::Fallback {
            visitor_away: true, ..
        } => "fallback_visitor_away",
        TranscriptEvent::Fallback { .. } => "fallback",
        TranscriptEvent::Expired => "expired",
        TranscriptEvent::Ended {
            visitor_away: true, ..
        } => "ended_visitor_away",
        TranscriptEvent::Ended { .. } => "ended",
        TranscriptEvent::LeftMessage { .. } => "left_message",
        TranscriptEvent::TranscriptEmailed { .. } => "transcript_emailed",
        TranscriptEvent::Note { .. } => "note",
    }
}

fn event_samples() -> Vec<TranscriptEvent> {
    let card = Card {
        id: "q1".into(),
        kind: CardKind::Question {
            when_unavailable: None,
            text: "Would you like to talk to sales?".into(),
            buttons: vec![parlor_core::dialogue::Button {
                id: "yes".into(),
                label: "Yes please".into(),
                goto: Some("sales".into()),
            }],
        },
    };
    vec![
        TranscriptEvent::Card {
            card,
            prefill: Default::default(),
        },
        TranscriptEvent::Answered {
            card: "q1".into(),
            button: "yes".into(),
            label: "Yes please".into(),
        },
        TranscriptEvent::Captured {
            card: "ic1".into(),
            values: visitor(),
        },
        TranscriptEvent::LiveChatRequested,
        TranscriptEvent::AgentJoined {
            agent: AgentProfile {
                name: "Eve".into(),
                avatar_url: Some("https://cdn.example/eve.png".into()),
            },
        },
        TranscriptEvent::AgentLeft {
            agent: AgentProfile {
                name: "Eve".into(),
                avatar_url: None,
            },
        },
        TranscriptEvent::Message {
            from: Side::Agent,
            text: "Hi Ada!".into(),
            client_id: "a-1".into(),
        },
        TranscriptEvent::Fallback {
            kind: FallbackKind::LiveChat,
            text: "All our agents are busy.".into(),
            visitor_away: false,
        },
        TranscriptEvent::Expired,
        TranscriptEvent::Ended {
            by: Side::Visitor,
            visitor_away: false,
        },
        TranscriptEvent::LiveChatUnavailable,
        TranscriptEvent::LeftMessage {
            email: "ada@bigcorp.example".into(),
            text: "Please call me back tomorrow.".into(),
            client_id: "m-1".into(),
        },
        TranscriptEvent::TranscriptEmailed {
            to: "ada@bigcorp.example".into(),
        },
        TranscriptEvent::Note {
            by: "Alice".into(),
            text: "Asked for a discount last week too.".into(),
            client_id: "k3x9-2".into(),
        },
        TranscriptEvent::Fallback {
            kind: FallbackKind::LiveChat,
            text: "All our agents are busy.".into(),
            visitor_away: true,
        },
        TranscriptEvent::Ended {
            by: Side::Visitor,
            visitor_away: true,
        },
    ]
}

fn chat_server_name(m: &ChatServerMsg) -> &'static str {
    match m {
        ChatServerMsg::Welcome { .. } => "welcome",
        ChatServerMsg::Entry { .. } => "entry",
        ChatServerMsg::Ack { .. } => "ack",
        ChatServerMsg::Invalid { .. } => "invalid",
        ChatServerMsg::Typing { .. } => "typing",
        ChatServerMsg::Presence { .. } => "presence",
        ChatServerMsg::Error { .. } => "error",
    }
}

fn chat_server_samples() -> Vec<ChatServerMsg> {
    vec![
        ChatServerMsg::Welcome {
            conversation: ConversationView {
                id: "c_7f3a".into(),
                last_seq: 12,
                closed: false,
            },
        },
        ChatServerMsg::Entry {
            entry: TranscriptEntry {
                seq: 13,
                at: Millis(1_700_000_000_000),
                event: TranscriptEvent::Message {
                    from: Side::Visitor,
                    text: "Hello".into(),
                    client_id: "k3x9-1".into(),
                },
            },
        },
        ChatServerMsg::Ack {
            client_id: "k3x9-1".into(),
            seq: 13,
        },
        ChatServerMsg::Invalid {
            card: "ic1".into(),
            errors: vec![FieldError {
                key: "email".into(),
                message: "This doesn't look like an email address.".into(),
            }],
        },
        ChatServerMsg::Typing {
            from: Side::Agent,
            on: true,
        },
        ChatServerMsg::Presence {
            side: Side::Visitor,
            here: false,
        },
        ChatServerMsg::Error {
            code: "conversation_closed".into(),
            message: "This conversation is over.".into(),
        },
    ]
}

fn inbox_client_name(m: &InboxClientMsg) -> &'static str {
    match m {
        InboxClientMsg::Hello { .. } => "hello",
        InboxClientMsg::SetPresence { .. } => "set_presence",
        InboxClientMsg::Accept { .. } => "accept",
        InboxClientMsg::Decline { .. } => "decline",
        InboxClientMsg::Colleagues => "colleagues",
        InboxClientMsg::Transfer { .. } => "transfer",
    }
}

fn inbox_client_samples() -> Vec<InboxClientMsg> {
    vec![
        InboxClientMsg::Hello { v: 1 },
        InboxClientMsg::SetPresence {
            presence: Presence::Available,
        },
        InboxClientMsg::Accept { offer: 42 },
        InboxClientMsg::Decline { offer: 42 },
        InboxClientMsg::Colleagues,
        InboxClientMsg::Transfer {
            conversation: "c_7f3a".into(),
            to: parlor_core::routing::RuleTarget::Team {
                team: "sales".into(),
            },
        },
    ]
}

fn inbox_server_name(m: &InboxServerMsg) -> &'static str {
    match m {
        InboxServerMsg::Welcome { .. } => "welcome",
        InboxServerMsg::Offered { offer } if offer.transfer_from.is_some() => "offered_transfer",
        InboxServerMsg::Offered { .. } => "offered",
        InboxServerMsg::OfferWithdrawn { .. } => "offer_withdrawn",
        InboxServerMsg::ChatStarted { .. } => "chat_started",
        InboxServerMsg::ChatClosed {
            reason: EndReason::Transferred,
            ..
        } => "chat_closed_transferred",
        InboxServerMsg::ChatClosed { .. } => "chat_closed",
        InboxServerMsg::Colleagues { .. } => "colleagues",
        InboxServerMsg::TransferStarted { .. } => "transfer_started",
        InboxServerMsg::TransferEnded { .. } => "transfer_ended",
        InboxServerMsg::Error { .. } => "error",
    }
}

fn inbox_server_samples() -> Vec<InboxServerMsg> {
    let offer = OfferView {
        offer: 42,
        conversation: "c_7f3a".into(),
        deadline: Millis(1_700_000_100_000),
        visitor: visitor(),
        page_url: "https://shop.example/pricing".into(),
        identity: Some(VisitorIdentity {
            id: "user-42".into(),
            email: Some("ada@bigcorp.example".into()),
            name: None,
            verified: false,
        }),
        transfer_from: None,
    };
    let transfer = OfferView {
        offer: 43,
        transfer_from: Some("Bob".into()),
        identity: None,
        ..offer.clone()
    };
    let chat = ChatSummary {
        conversation: "c_7f3a".into(),
        started_at: Millis(1_700_000_050_000),
        visitor: visitor(),
        page_url: "https://shop.example/pricing".into(),
        identity: Some(VisitorIdentity {
            id: "user-42".into(),
            email: Some("ada@bigcorp.example".into()),
            name: Some("Ada Lovelace".into()),
            verified: true,
        }),
    };
    vec![
        InboxServerMsg::Welcome {
            agent: "eve".into(),
            presence: Presence::Away,
            offers: vec![offer.clone()],
            chats: vec![chat.clone()],
            capacity: 10,
        },
        InboxServerMsg::Offered { offer },
        InboxServerMsg::Offered { offer: transfer },
        InboxServerMsg::OfferWithdrawn {
            offer: 42,
            reason: "expired".into(),
        },
        InboxServerMsg::ChatStarted { chat },
        InboxServerMsg::ChatClosed {
            conversation: "c_7f3a".into(),
            reason: EndReason::Expired,
        },
        InboxServerMsg::ChatClosed {
            conversation: "c_7f3a".into(),
            reason: EndReason::Transferred,
        },
        InboxServerMsg::Colleagues {
            agents: vec![
                parlor_core::protocol::Colleague {
                    agent: "bob".into(),
                    name: "Bob".into(),
                    unavailable: None,
                },
                parlor_core::protocol::Colleague {
                    agent: "cy".into(),
                    name: "Cy".into(),
                    unavailable: Some(parlor_core::routing::SkipReason::Away),
                },
            ],
            teams: vec![parlor_core::protocol::TeamAvailability {
                team: "sales".into(),
                available: 1,
            }],
        },
        InboxServerMsg::TransferStarted {
            conversation: "c_7f3a".into(),
            to: "Bob".into(),
            deadline: Millis(1_700_000_100_000),
        },
        InboxServerMsg::TransferEnded {
            conversation: "c_7f3a".into(),
            reason: "declined".into(),
        },
        InboxServerMsg::Error {
            code: "not_found".into(),
            message: "That offer is gone.".into(),
        },
    ]
}

#[test]
fn chat_client_messages() {
    for m in chat_client_samples() {
        insta::assert_json_snapshot!(format!("chat_client__{}", chat_client_name(&m)), m);
        round_trip(&m);
    }
}

/// The agent-only frame shares the `type` tag and never parses as a `ChatClientMsg`.
#[test]
fn agent_chat_messages() {
    let m = AgentChatMsg::Note {
        client_id: "k3x9-2".into(),
        text: "Asked for a discount last week too.".into(),
    };
    insta::assert_json_snapshot!("agent_chat__note", m);
    round_trip(&m);
    let json = serde_json::to_string(&m).expect("serialize");
    assert!(serde_json::from_str::<ChatClientMsg>(&json).is_err());
}

#[test]
fn chat_server_messages() {
    for m in chat_server_samples() {
        insta::assert_json_snapshot!(format!("chat_server__{}", chat_server_name(&m)), m);
        round_trip(&m);
    }
}

#[test]
fn transcript_entries() {
    for (i, event) in event_samples().into_iter().enumerate() {
        let name = event_name(&event);
        let m = ChatServerMsg::Entry {
            entry: TranscriptEntry {
                seq: i as u64 + 1,
                at: Millis(1_700_000_000_000),
                event,
            },
        };
        insta::assert_json_snapshot!(format!("entry__{name}"), m);
        round_trip(&m);
    }
}

#[test]
fn inbox_client_messages() {
    for m in inbox_client_samples() {
        insta::assert_json_snapshot!(format!("inbox_client__{}", inbox_client_name(&m)), m);
        round_trip(&m);
    }
}

#[test]
fn inbox_server_messages() {
    for m in inbox_server_samples() {
        insta::assert_json_snapshot!(format!("inbox_server__{}", inbox_server_name(&m)), m);
        round_trip(&m);
    }
}

/// What the inbox's service worker receives by Web Push (decrypted).
#[test]
fn push_messages() {
    let offer = PushMsg::offer(
        &WorkspaceId::new("acme"),
        &OfferView {
            offer: 42,
            conversation: "c_7f3a".into(),
            deadline: Millis(1_700_000_100_000),
            visitor: visitor(),
            page_url: "https://shop.example/pricing".into(),
            identity: None,
            transfer_from: None,
        },
    );
    let gone = PushMsg::OfferGone {
        workspace: WorkspaceId::new("acme"),
        offer: 42,
        conversation: "c_7f3a".into(),
    };
    for (name, m) in [("offer", offer), ("offer_gone", gone)] {
        insta::assert_json_snapshot!(format!("push__{name}"), m);
        round_trip(&m);
    }
}

#[test]
fn dialogue_sample() {
    let d = sample_dialogue();
    insta::assert_json_snapshot!("dialogue__sample", d);
    round_trip(&d);
    assert!(parlor_core::dialogue::validate(&d).is_ok());
}

fn rejects<T: DeserializeOwned + std::fmt::Debug>(json: &str) {
    let got = serde_json::from_str::<T>(json);
    assert!(got.is_err(), "accepted {json}: {got:?}");
}

#[test]
fn unknown_fields_and_types_are_rejected() {
    rejects::<ChatClientMsg>(r#"{"type":"hello","v":1,"last_seq":0,"extra":true}"#);
    rejects::<ChatClientMsg>(r#"{"type":"shout","text":"hi"}"#);
    // Known serde limit: a unit variant (`end`) of an internally tagged enum ignores extra
    // fields. Harmless (nothing can change what `end` means) and kept to leave the Rust API as is.
    rejects::<ChatClientMsg>(r#"{"v":1,"last_seq":0}"#);
    rejects::<ChatServerMsg>(r#"{"type":"ack","client_id":"a","seq":1,"extra":1}"#);
    rejects::<ChatServerMsg>(r#"{"type":"bogus"}"#);
    rejects::<InboxClientMsg>(r#"{"type":"accept","offer":1,"agent":"other"}"#);
    rejects::<InboxClientMsg>(r#"{"type":"take_all"}"#);
    rejects::<InboxServerMsg>(r#"{"type":"error","code":"x","message":"y","z":0}"#);
    rejects::<InboxServerMsg>(r#"{"type":"bogus"}"#);
    rejects::<TranscriptEntry>(r#"{"seq":1,"at":0,"event":"exploded"}"#);
    // Dialogues are saved by admins: a misspelt field must not be silently dropped.
    rejects::<Card>(r#"{"id":"m1","kind":"message","text":"hi","txet":"typo"}"#);
    rejects::<Card>(r#"{"id":"m1","kind":"carousel","text":"hi"}"#);
    rejects::<Dialogue>(r#"{"id":"d","name":"n","branches":[],"owner":"x"}"#);
    rejects::<Dialogue>(
        r#"{"id":"d","name":"n","branches":[{"id":"main","cards":[],"color":"red"}]}"#,
    );
}

#[test]
fn cards_read_their_flat_json() {
    let card: Card =
        serde_json::from_str(r#"{"id":"m1","kind":"message","text":"hi"}"#).expect("card");
    assert_eq!(card.kind, CardKind::Message { text: "hi".into() });
    assert_eq!(
        serde_json::to_string(&card).expect("json"),
        r#"{"id":"m1","kind":"message","text":"hi"}"#
    );
}

#[test]
fn erasure_messages_keep_their_json() {
    use parlor_core::protocol::AdminServerMsg;
    let closed = InboxServerMsg::ChatClosed {
        conversation: "c1".into(),
        reason: EndReason::Erased,
    };
    assert_eq!(
        serde_json::to_value(&closed).expect("json"),
        serde_json::json!({"type": "chat_closed", "conversation": "c1", "reason": "erased"})
    );
    round_trip(&closed);
    let erased = AdminServerMsg::Erased {
        conversations: vec!["c1".into(), "c2".into()],
    };
    assert_eq!(
        serde_json::to_value(&erased).expect("json"),
        serde_json::json!({"type": "erased", "conversations": ["c1", "c2"]})
    );
    round_trip(&erased);
}
