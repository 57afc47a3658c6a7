//! A live chat card's `when_unavailable` branch: when nobody can chat at the moment of asking,
//! the visitor goes on with that branch instead of reading "busy" in a closed conversation;
//! offers that went unanswered still end in the fallback message.

use std::collections::BTreeMap;

use parlor_core::conversation::{Conversation, ConversationSettings, Effect, Input, LiveState};
use parlor_core::dialogue::{validate, Dialogue};
use parlor_core::link::{ConversationToWorkspace, WorkspaceToConversation};
use parlor_core::protocol::{FallbackKind, TranscriptEvent};
use parlor_core::routing::FallbackReason;
use parlor_core::{ConversationId, Millis};

fn dialogue(offline_cards: serde_json::Value) -> Dialogue {
    serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Sales",
        "branches": [
            {"id": "main", "cards": [
                {"id": "q1", "kind": "question", "text": "Talk to sales?", "buttons": [
                    {"id": "yes", "label": "Yes", "goto": "sales"}
                ]}
            ]},
            {"id": "sales", "cards": [
                {"id": "ic1", "kind": "info_capture", "text": "Who are you?", "fields": [
                    {"key": "first_name", "kind": "first_name", "label": "First name", "required": true},
                    {"key": "email", "kind": "email", "label": "Email", "required": true}
                ]},
                {"id": "lc1", "kind": "live_chat", "text": "Connecting you…",
                 "routing": {"mode": "round_robin"}, "when_unavailable": "offline"}
            ]},
            {"id": "offline", "cards": offline_cards}
        ]
    }))
    .expect("valid dialogue")
}

fn offline_form() -> serde_json::Value {
    serde_json::json!([
        {"id": "m1", "kind": "message", "text": "We're away right now."},
        {"id": "ic2", "kind": "info_capture", "text": "Leave us a message", "fields": [
            {"key": "message", "kind": "custom", "label": "Message", "required": true}
        ]}
    ])
}

fn requested() -> Conversation {
    let mut c = Conversation::new(
        ConversationId::new("c1"),
        dialogue(offline_form()),
        ConversationSettings::default(),
        Millis(0),
    );
    c.handle(
        Input::Start {
            identity: None,
            page_url: "https://ex.com/pricing".into(),
            language: "en".into(),
            country: "fr".into(),
            utm: BTreeMap::new(),
        },
        Millis(1_000),
    );
    c.handle(
        Input::Answer {
            card: "q1".into(),
            button: "yes".into(),
        },
        Millis(2_000),
    );
    c.handle(
        Input::Capture {
            card: "ic1".into(),
            values: BTreeMap::from([
                ("first_name".into(), "Ada".into()),
                ("email".into(), "ada@example.com".into()),
            ]),
        },
        Millis(3_000),
    );
    assert_eq!(c.live_state(), LiveState::Requested);
    c
}

fn fell_back(reason: FallbackReason) -> Input {
    Input::FromWorkspace(WorkspaceToConversation::FellBack {
        kind: reason.kind(),
        reason,
    })
}

fn events(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Append(entry) => Some(match &entry.event {
                TranscriptEvent::Card { card, .. } => format!("card {}", card.id.0),
                TranscriptEvent::LiveChatUnavailable => "unavailable".to_owned(),
                TranscriptEvent::Fallback { .. } => "fallback".to_owned(),
                other => format!("{other:?}"),
            }),
            _ => None,
        })
        .collect()
}

fn reports_missed_chat(fx: &[Effect]) -> bool {
    fx.iter().any(|e| {
        matches!(
            e,
            Effect::ToWorkspace(ConversationToWorkspace::FailedAction { .. })
        )
    })
}

#[test]
fn nobody_to_chat_with_takes_the_visitor_to_the_branch() {
    for reason in [
        FallbackReason::OutsideHours,
        FallbackReason::NoEligibleAgent,
        FallbackReason::EngagementLimitReached,
    ] {
        let mut c = requested();
        let fx = c.handle(fell_back(reason), Millis(4_000));
        assert_eq!(
            events(&fx),
            ["unavailable", "card m1", "card ic2"],
            "{reason:?}"
        );
        assert!(
            reports_missed_chat(&fx),
            "the missed chat is still reported"
        );
        assert!(!c.is_closed(), "the dialogue goes on");
        assert_eq!(c.live_state(), LiveState::None);
        // The visitor can fill the branch's form.
        let fx = c.handle(
            Input::Capture {
                card: "ic2".into(),
                values: BTreeMap::from([("message".into(), "Call me tomorrow".into())]),
            },
            Millis(5_000),
        );
        assert!(
            fx.iter().any(|e| matches!(e, Effect::Append(en) if matches!(en.event, TranscriptEvent::Captured { .. }))),
            "{fx:?}"
        );
    }
}

#[test]
fn unanswered_offers_still_end_in_the_fallback_message() {
    for reason in [
        FallbackReason::OfferExpired,
        FallbackReason::OfferDeclined,
        FallbackReason::AgentUnavailable,
    ] {
        let mut c = requested();
        let fx = c.handle(fell_back(reason), Millis(200_000));
        assert_eq!(events(&fx), ["fallback"], "{reason:?}");
        assert!(c.is_closed());
        assert_eq!(c.live_state(), LiveState::FellBack);
        assert_eq!(reason.kind(), FallbackKind::LiveChat);
    }
}

#[test]
fn the_branch_must_exist_and_not_ask_for_live_chat_again() {
    let ok = validate(&dialogue(offline_form()));
    assert!(ok.errors.is_empty(), "{:?}", ok.errors);
    assert!(
        !ok.warnings.iter().any(|w| w.message.contains("offline")),
        "the branch is reachable through the card: {:?}",
        ok.warnings
    );
    let looping = dialogue(serde_json::json!([
        {"id": "lc2", "kind": "live_chat", "text": "Again?", "routing": {"mode": "round_robin"}}
    ]));
    let check = validate(&looping);
    assert!(
        check
            .errors
            .iter()
            .any(|e| e.message.contains("asks for a live chat again")),
        "{:?}",
        check.errors
    );
    let mut missing = dialogue(offline_form());
    missing.branches.retain(|b| b.id.as_str() != "offline");
    let check = validate(&missing);
    assert!(
        check
            .errors
            .iter()
            .any(|e| e.message.contains("which does not exist")),
        "{:?}",
        check.errors
    );
}
