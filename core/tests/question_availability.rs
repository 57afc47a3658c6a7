//! A question card that branches on availability ("Talk to sales?" asked only when someone can
//! answer): the conversation asks its workspace before showing it, the workspace answers from
//! its router (open hours, an eligible agent below capacity), and a visitor nobody can chat
//! with goes straight to the card's `when_unavailable` branch. Validation and the wait's end
//! are covered too.

use std::collections::BTreeMap;

use parlor_core::conversation::{
    Conversation, ConversationSettings, Effect, Input, Position, StoredState,
};
use parlor_core::dialogue::{validate, Dialogue, IssueCode};
use parlor_core::link::{ConversationToWorkspace, FromConversation, WorkspaceToConversation};
use parlor_core::protocol::{AgentProfile, TranscriptEvent};
use parlor_core::routing::RoutingSettings;
use parlor_core::workspace::{Workspace, WorkspaceEffect, WorkspaceInput};
use parlor_core::{AgentId, CardId, ConversationId, Millis, WorkspaceId};

const CHECK_WAIT: Millis = parlor_core::conversation::CHECK_WAIT;

fn dialogue(offline: serde_json::Value) -> Dialogue {
    serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Sales",
        "branches": [
            {"id": "main", "cards": [
                {"id": "hello", "kind": "message", "text": "Hi there!"},
                {"id": "q1", "kind": "question", "text": "Talk to sales now?", "buttons": [
                    {"id": "yes", "label": "Yes", "goto": "sales"},
                    {"id": "no", "label": "Just browsing", "goto": "offline"}
                ], "when_unavailable": "offline"}
            ]},
            {"id": "sales", "cards": [
                {"id": "lc1", "kind": "live_chat", "text": "Connecting you…",
                 "routing": {"mode": "round_robin"}}
            ]},
            {"id": "offline", "cards": offline}
        ]
    }))
    .expect("valid dialogue")
}

fn offline_form() -> serde_json::Value {
    serde_json::json!([
        {"id": "away", "kind": "message", "text": "We're away right now."},
        {"id": "ic1", "kind": "info_capture", "text": "Leave us your email", "fields": [
            {"key": "email", "kind": "email", "label": "Email", "required": true}
        ]}
    ])
}

fn started() -> (Conversation, Vec<Effect>) {
    let mut c = Conversation::new(
        ConversationId::new("c1"),
        dialogue(offline_form()),
        ConversationSettings::default(),
        Millis(0),
    );
    let fx = c.handle(
        Input::Start {
            identity: None,
            page_url: "https://ex.com/pricing".into(),
            language: "en".into(),
            country: "fr".into(),
            utm: BTreeMap::new(),
        },
        Millis(1_000),
    );
    (c, fx)
}

fn cards(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Append(entry) => match &entry.event {
                TranscriptEvent::Card { card, .. } => Some(card.id.0.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn checks(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::ToWorkspace(ConversationToWorkspace::CheckAvailability { card }) => {
                Some(card.0.clone())
            }
            _ => None,
        })
        .collect()
}

fn answer(card: &str, can_chat: bool) -> Input {
    Input::FromWorkspace(WorkspaceToConversation::Availability {
        card: CardId::new(card),
        can_chat,
    })
}

#[test]
fn the_question_waits_for_the_workspace_before_it_is_shown() {
    let (c, fx) = started();
    // The message before it is shown at once; the question is not, until the answer.
    assert_eq!(cards(&fx), ["hello"]);
    assert_eq!(checks(&fx), ["q1"]);
    assert!(matches!(c.position(), Position::Checking { card, .. } if card.0 == "q1"));
    assert_eq!(c.next_deadline(), Some(Millis(1_000).after(CHECK_WAIT)));
}

#[test]
fn someone_can_chat_the_question_is_asked() {
    let (mut c, _) = started();
    let fx = c.handle(answer("q1", true), Millis(1_050));
    assert_eq!(cards(&fx), ["q1"]);
    assert!(matches!(c.position(), Position::Card { card } if card.0 == "q1"));
    // And it can be answered as usual.
    let fx = c.handle(
        Input::Answer {
            card: "q1".into(),
            button: "yes".into(),
        },
        Millis(2_000),
    );
    assert_eq!(cards(&fx), ["lc1"]);
}

#[test]
fn nobody_can_chat_the_visitor_goes_to_the_offline_branch() {
    let (mut c, _) = started();
    let fx = c.handle(answer("q1", false), Millis(1_050));
    assert_eq!(cards(&fx), ["away", "ic1"]);
    assert!(fx.iter().all(|e| !matches!(
        e,
        Effect::ToWorkspace(ConversationToWorkspace::RequestLiveChat { .. })
    )));
    assert!(matches!(c.position(), Position::Card { card } if card.0 == "ic1"));
}

#[test]
fn the_question_cannot_be_answered_while_it_is_checked() {
    let (mut c, _) = started();
    let fx = c.handle(
        Input::Answer {
            card: "q1".into(),
            button: "yes".into(),
        },
        Millis(1_010),
    );
    assert!(cards(&fx).is_empty());
    assert!(fx.iter().any(|e| matches!(e, Effect::Reply(_))));
}

#[test]
fn no_answer_in_time_shows_the_question_and_a_late_answer_changes_nothing() {
    let (mut c, _) = started();
    let fx = c.handle(Input::Tick, Millis(1_000).after(CHECK_WAIT));
    assert_eq!(cards(&fx), ["q1"]);
    assert_eq!(c.next_deadline(), c.inactivity_deadline());
    let fx = c.handle(answer("q1", false), Millis(7_000));
    assert!(cards(&fx).is_empty());
    assert!(matches!(c.position(), Position::Card { card } if card.0 == "q1"));
}

#[test]
fn an_answer_for_another_card_or_a_repeat_changes_nothing() {
    let (mut c, _) = started();
    assert!(cards(&c.handle(answer("other", false), Millis(1_010))).is_empty());
    assert_eq!(cards(&c.handle(answer("q1", true), Millis(1_020))), ["q1"]);
    assert!(cards(&c.handle(answer("q1", false), Millis(1_030))).is_empty());
}

#[test]
fn a_conversation_stored_while_checking_resumes_the_wait() {
    let (c, fx) = started();
    // Checking is state: the start is stored with it, and loads back as the same machine.
    assert!(fx.iter().any(|e| matches!(e, Effect::Persist)));
    let json = serde_json::to_string(c.stored_state()).expect("serialises");
    let state: StoredState = serde_json::from_str(&json).expect("reads back");
    let mut back = Conversation::restore(c.dialogue().clone(), state, &[]);
    assert_eq!(back, c);
    assert_eq!(
        cards(&back.handle(answer("q1", false), Millis(1_100))),
        ["away", "ic1"]
    );
}

#[test]
fn the_branch_must_exist_and_must_not_ask_for_a_live_chat() {
    let mut d = dialogue(offline_form());
    assert!(validate(&d).errors.is_empty(), "{:?}", validate(&d).errors);
    d = serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Sales",
        "branches": [
            {"id": "main", "cards": [
                {"id": "q1", "kind": "question", "text": "Talk?", "buttons": [
                    {"id": "yes", "label": "Yes"}
                ], "when_unavailable": "nowhere"}
            ]}
        ]
    }))
    .expect("parses");
    assert!(validate(&d)
        .errors
        .iter()
        .any(|i| i.code == IssueCode::UnknownBranch));
    let d = dialogue(serde_json::json!([
        {"id": "lc2", "kind": "live_chat", "text": "Still trying…", "routing": {"mode": "round_robin"}}
    ]));
    assert!(validate(&d)
        .errors
        .iter()
        .any(|i| i.code == IssueCode::UnavailableBranchHasLiveChat));
}

fn workspace(settings: RoutingSettings, online: bool) -> Workspace {
    let mut w = Workspace::new(WorkspaceId::new("ws"), settings);
    w.handle(
        WorkspaceInput::UpsertAgent {
            agent: AgentId::new("a"),
            live_chat: true,
            teams: Vec::new(),
            profile: AgentProfile {
                name: "A".into(),
                avatar_url: None,
            },
        },
        Millis(0),
    );
    if online {
        w.handle(
            WorkspaceInput::InboxOpened {
                agent: AgentId::new("a"),
            },
            Millis(0),
        );
    }
    w
}

fn workspace_answers(w: &mut Workspace, now: Millis) -> Vec<WorkspaceToConversation> {
    let fx = w.handle(
        WorkspaceInput::FromConversation(FromConversation {
            conversation: ConversationId::new("c1"),
            messages: vec![ConversationToWorkspace::CheckAvailability {
                card: CardId::new("q1"),
            }],
        }),
        now,
    );
    fx.into_iter()
        .filter_map(|e| match e {
            WorkspaceEffect::ToConversation { msg, .. } => Some(msg),
            _ => None,
        })
        .collect()
}

#[test]
fn the_workspace_answers_from_its_router() {
    let yes = WorkspaceToConversation::Availability {
        card: CardId::new("q1"),
        can_chat: true,
    };
    let no = WorkspaceToConversation::Availability {
        card: CardId::new("q1"),
        can_chat: false,
    };
    let mut online = workspace(RoutingSettings::default(), true);
    assert_eq!(workspace_answers(&mut online, Millis(1_000)), [yes]);
    let mut offline = workspace(RoutingSettings::default(), false);
    assert_eq!(
        workspace_answers(&mut offline, Millis(1_000)),
        std::slice::from_ref(&no)
    );
    // Online but outside business hours (closed every day): nobody can chat.
    let hours = serde_json::from_value(serde_json::json!({
        "time_zone": "Europe/Paris", "weekly": {}
    }))
    .expect("hours");
    let settings = RoutingSettings {
        business_hours: Some(hours),
        ..RoutingSettings::default()
    };
    let mut closed = workspace(settings, true);
    assert_eq!(workspace_answers(&mut closed, Millis(1_000)), [no]);
}
