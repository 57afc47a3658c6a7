//! The preview walked through natively: the demo dialogue to live chat, an agent joining and
//! writing, a fallback with the offline form, and nobody available.

use parlor_core::protocol::{ChatServerMsg, TranscriptEvent};
use parlor_core::Millis;
use serde_json::json;

use crate::{Engine, PreviewError};

/// The demo dialogue (scripts/lib/demo.mjs): intent → connect → details → live chat.
fn demo() -> String {
    json!({
        "id": "welcome", "name": "Welcome", "targeting": [],
        "branches": [
            {"id": "main", "cards": [
                {"id": "hello", "kind": "message", "text": "Hi there!"},
                {"id": "intent", "kind": "question", "text": "What brings you here today?",
                 "buttons": [{"id": "pricing", "label": "Pricing questions", "goto": "pricing"}]}
            ]},
            {"id": "pricing", "cards": [
                {"id": "connect", "kind": "question", "text": "Talk to sales now?",
                 "buttons": [{"id": "yes", "label": "Yes, connect me", "goto": "talk"}]}
            ]},
            {"id": "talk", "cards": [
                {"id": "details", "kind": "info_capture", "text": "Who are you?",
                 "fields": [
                     {"key": "first_name", "kind": "first_name", "label": "First name", "required": true},
                     {"key": "email", "kind": "email", "label": "Work email", "required": true}
                 ]},
                {"id": "live", "kind": "live_chat", "text": "Connecting you…", "routing": {"mode": "round_robin"}}
            ]}
        ]
    })
    .to_string()
}

const T: Millis = Millis(1_000_000);

fn events(frames: &[ChatServerMsg]) -> Vec<&TranscriptEvent> {
    frames
        .iter()
        .filter_map(|f| match f {
            ChatServerMsg::Entry { entry } => Some(&entry.event),
            _ => None,
        })
        .collect()
}

fn send(e: &mut Engine, frame: serde_json::Value) -> Vec<ChatServerMsg> {
    match e.from_visitor(&frame.to_string(), T) {
        Ok(frames) => frames,
        Err(err) => panic!("{frame} refused: {err}"),
    }
}

/// Started, connected and walked to the live chat card: the engine is waiting for an agent.
fn waiting() -> Engine {
    let e = Engine::new(&demo()).expect("the demo dialogue reads");
    let (e, started) = waiting_in(e);
    assert_eq!(started["widget"]["color"], "#2563eb");
    e
}

/// `e` walked to a waiting live chat request; with the start's answer.
fn waiting_in(mut e: Engine) -> (Engine, serde_json::Value) {
    let started: serde_json::Value = serde_json::from_str(
        &e.start(r#"{"workspace":"preview","page_url":"https://x.test/"}"#, T)
            .expect("starts"),
    )
    .expect("JSON");
    assert_eq!(started["conversation"], "preview-1");
    e.visitor_socket(true, T).expect("socket");
    let hello = send(&mut e, json!({"type": "hello", "v": 1, "last_seq": 0}));
    assert!(matches!(hello[0], ChatServerMsg::Welcome { .. }));
    assert_eq!(events(&hello).len(), 2, "the message and the question card");
    send(
        &mut e,
        json!({"type": "answer", "card": "intent", "button": "pricing"}),
    );
    send(
        &mut e,
        json!({"type": "answer", "card": "connect", "button": "yes"}),
    );
    assert_eq!(e.state(), "bot");
    // The machine's own validation: a bad email is refused with the field's error.
    let bad = send(
        &mut e,
        json!({"type": "capture", "card": "details", "values": {"first_name": "Ada", "email": "nope"}}),
    );
    assert!(
        matches!(&bad[..], [ChatServerMsg::Invalid { errors, .. }] if errors[0].key == "email"),
        "{bad:?}"
    );
    let ok = send(
        &mut e,
        json!({"type": "capture", "card": "details", "values": {"first_name": "Ada", "email": "ada@example.com"}}),
    );
    assert!(events(&ok)
        .iter()
        .any(|ev| matches!(ev, TranscriptEvent::LiveChatRequested)));
    assert_eq!(e.state(), "waiting");
    (e, started)
}

#[test]
fn the_workspace_own_texts_and_look_replace_the_defaults() {
    let mut ws = parlor_core::settings::WorkspaceSettings {
        live_chat_fallback: "Our team is away: leave us a note.".into(),
        ..Default::default()
    };
    ws.widget.color = "#0f766e".into();
    ws.widget.language = "fr".into();
    let mut e = Engine::new(&demo()).expect("the demo dialogue reads");
    e.set_workspace(&serde_json::to_string(&ws).expect("JSON"))
        .expect("settings read");
    let availability: serde_json::Value =
        serde_json::from_str(&e.availability().expect("availability")).expect("JSON");
    assert_eq!(availability["look"]["color"], "#0f766e");
    let (mut e, started) = waiting_in(e);
    assert_eq!(started["widget"]["language"], "fr");
    let fell = e.fall_back(T).expect("falls back");
    assert!(
        serde_json::to_string(&fell)
            .expect("JSON")
            .contains("Our team is away: leave us a note."),
        "{fell:?}"
    );
    assert!(matches!(
        e.set_workspace("{\"live_chat_fallback\": 3}"),
        Err(PreviewError::Json(_))
    ));
}

#[test]
fn an_agent_joins_and_writes() {
    let mut e = waiting();
    // The visitor may write while waiting: acknowledged after its entry.
    let said = send(
        &mut e,
        json!({"type": "say", "client_id": "c1", "text": "Hello?"}),
    );
    assert!(matches!(said.last(), Some(ChatServerMsg::Ack { .. })));
    assert!(matches!(
        e.agent_says("too early", T),
        Err(PreviewError::NotChatting)
    ));

    let joined = e.agent_joins("Alice", T).expect("joins");
    assert!(matches!(
        events(&joined)[..],
        [TranscriptEvent::AgentJoined { ref agent }] if agent.name == "Alice"
    ));
    assert_eq!(e.state(), "chatting");
    assert!(matches!(
        e.agent_joins("Bob", T),
        Err(PreviewError::NotWaiting)
    ));

    let wrote = e.agent_says("Hi Ada!", T).expect("writes");
    assert!(matches!(
        events(&wrote)[..],
        [TranscriptEvent::Message { ref text, .. }] if text == "Hi Ada!"
    ));
    // An empty message is the machine's refusal, reported to the page.
    assert!(matches!(
        e.agent_says("  ", T),
        Err(PreviewError::Refused(_))
    ));

    // A reconnecting widget gets everything again after `welcome`.
    let replay = send(&mut e, json!({"type": "hello", "v": 1, "last_seq": 0}));
    assert_eq!(events(&replay).len(), 12, "{replay:?}");
}

#[test]
fn nobody_answers_then_the_offline_form_is_answered_here() {
    let mut e = waiting();
    let fell = e.fall_back(T).expect("falls back");
    assert!(matches!(
        events(&fell)[..],
        [TranscriptEvent::Fallback { .. }]
    ));
    assert_eq!(e.state(), "closed");
    assert!(matches!(e.fall_back(T), Err(PreviewError::NotWaiting)));

    let bad = send(
        &mut e,
        json!({"type": "leave_message", "client_id": "m1", "email": "nope", "text": "Call me"}),
    );
    assert!(matches!(&bad[..], [ChatServerMsg::Error { code, .. }] if code == "invalid_email"));
    let left = send(
        &mut e,
        json!({"type": "leave_message", "client_id": "m1", "email": "ada@example.com", "text": "Call me"}),
    );
    assert!(events(&left)
        .iter()
        .any(|ev| matches!(ev, TranscriptEvent::LeftMessage { .. })));

    // Starting again without the token (the widget's "new conversation"): a fresh walk.
    let again: serde_json::Value = serde_json::from_str(
        &e.start(r#"{"page_url":"https://x.test/"}"#, T)
            .expect("starts"),
    )
    .expect("JSON");
    assert_eq!(again["conversation"], "preview-2");
    assert_eq!(e.state(), "bot");
}

#[test]
fn with_nobody_available_the_request_falls_back_at_once() {
    let mut e = Engine::new(&demo()).expect("reads");
    e.set_available(false);
    let availability: serde_json::Value =
        serde_json::from_str(&e.availability().expect("JSON")).expect("JSON");
    assert_eq!(availability["can_chat"], false);
    e.start("{}", T).expect("starts");
    send(
        &mut e,
        json!({"type": "answer", "card": "intent", "button": "pricing"}),
    );
    send(
        &mut e,
        json!({"type": "answer", "card": "connect", "button": "yes"}),
    );
    let frames = send(
        &mut e,
        json!({"type": "capture", "card": "details", "values": {"first_name": "Ada", "email": "ada@example.com"}}),
    );
    assert!(events(&frames)
        .iter()
        .any(|ev| matches!(ev, TranscriptEvent::Fallback { .. })));
    assert_eq!(e.state(), "closed");
}

#[test]
fn a_frame_before_the_start_or_a_bad_dialogue_is_an_error() {
    assert!(matches!(Engine::new("{}"), Err(PreviewError::Json(_))));
    let mut e = Engine::new(&demo()).expect("reads");
    assert!(matches!(
        e.from_visitor(r#"{"type":"hello","v":1,"last_seq":0}"#, T),
        Err(PreviewError::NotStarted)
    ));
    assert_eq!(e.state(), "idle");
    assert!(e.tick(T).expect("nothing due").is_empty());
}
