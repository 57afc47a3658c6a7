//! A start tried again with its key (`start_key`) meets the conversation its first try made,
//! which restates where it stands (`Conversation::restate`) for a workspace that may never have
//! applied the first try's reply. Whatever arrived — the first reply, the restatement, both, in
//! either order, twice — the workspace indexes the conversation once and offers its live chat
//! to one agent once: no visitor waits for an agent nobody was asked for, none is offered twice.

use std::collections::BTreeMap;

#[path = "support/online.rs"]
mod online;

use parlor_core::conversation::{Conversation, ConversationSettings, Effect, Input};
use parlor_core::dialogue::Dialogue;
use parlor_core::link::{ConversationToWorkspace, FromConversation, WorkspaceToConversation};
use parlor_core::protocol::{AgentProfile, ConversationStatus, InboxServerMsg};
use parlor_core::routing::RoutingSettings;
use parlor_core::workspace::{Workspace, WorkspaceEffect, WorkspaceInput};
use parlor_core::{AgentId, ConversationId, Millis, WorkspaceId};

fn dialogue(first: serde_json::Value) -> Dialogue {
    serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Sales",
        "branches": [{"id": "main", "cards": [first]}]
    }))
    .expect("valid dialogue")
}

fn live_chat_first() -> Dialogue {
    dialogue(serde_json::json!(
        {"id": "lc", "kind": "live_chat", "text": "Connecting you…", "routing": {"mode": "round_robin"}}
    ))
}

fn question_first() -> Dialogue {
    dialogue(serde_json::json!(
        {"id": "q", "kind": "question", "text": "Talk to sales?", "buttons": [{"id": "yes", "label": "Yes"}]}
    ))
}

fn availability_first() -> Dialogue {
    serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Sales",
        "branches": [
            {"id": "main", "cards": [{"id": "q", "kind": "question", "text": "Talk to sales?",
                "buttons": [{"id": "yes", "label": "Yes"}], "when_unavailable": "later"}]},
            {"id": "later", "cards": [{"id": "m", "kind": "message", "text": "We are away."}]}
        ]
    }))
    .expect("valid dialogue")
}

/// A conversation started at `now`, and the messages its start said to the workspace.
fn started(d: Dialogue, now: Millis) -> (Conversation, Vec<ConversationToWorkspace>) {
    let mut c = Conversation::new(
        ConversationId::new("c1"),
        d,
        ConversationSettings::default(),
        now,
    );
    let fx = c.handle(
        Input::Start {
            identity: None,
            page_url: "https://ex.com/".into(),
            language: "en".into(),
            country: "FR".into(),
            utm: BTreeMap::new(),
        },
        now,
    );
    let said = fx
        .into_iter()
        .filter_map(|e| match e {
            Effect::ToWorkspace(m) => Some(m),
            _ => None,
        })
        .collect();
    (c, said)
}

fn workspace(agents: &[&str]) -> Workspace {
    let mut w = Workspace::new(WorkspaceId::new("ws"), RoutingSettings::default());
    for a in agents {
        online::sign_in(&mut w, a);
    }
    w
}

fn from_c1(messages: Vec<ConversationToWorkspace>) -> WorkspaceInput {
    WorkspaceInput::FromConversation(FromConversation {
        conversation: ConversationId::new("c1"),
        messages,
    })
}

/// Offers made, index rows written (with their revisions) and messages back to the conversation.
#[derive(Default, Debug)]
struct Seen {
    offers: usize,
    revisions: Vec<u64>,
    to_conversation: Vec<WorkspaceToConversation>,
}

fn apply(w: &mut Workspace, messages: Vec<ConversationToWorkspace>, now: Millis, seen: &mut Seen) {
    for e in w.handle(from_c1(messages), now) {
        match e {
            WorkspaceEffect::ToAgent {
                msg: InboxServerMsg::Offered { .. },
                ..
            } => seen.offers += 1,
            WorkspaceEffect::Index(record) => seen.revisions.push(record.revision),
            WorkspaceEffect::ToConversation { msg, .. } => seen.to_conversation.push(msg),
            _ => {}
        }
    }
}

#[test]
fn a_live_chat_first_conversation_restates_its_row_and_its_request() {
    let (c, first) = started(live_chat_first(), Millis(1_000));
    let again = c.restate(Millis(4_000));
    // The same request (same number: a duplicate, not a second request), then the same row.
    assert_eq!(again.len(), 2, "{again:?}");
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(matches!(
        &again[0],
        ConversationToWorkspace::RequestLiveChat { request: 1, .. }
    ));
    assert_eq!(again[0], first[0]);
    match (&first[1], &again[1]) {
        (
            ConversationToWorkspace::Index { record: a, .. },
            ConversationToWorkspace::Index { record: b, .. },
        ) => {
            assert_eq!((a.revision, &a.status), (b.revision, &b.status));
            assert_eq!(b.status, ConversationStatus::Waiting);
        }
        other => panic!("rows last: {other:?}"),
    }
}

#[test]
fn a_first_reply_lost_is_made_good_by_the_restatement_alone() {
    let (c, _lost) = started(live_chat_first(), Millis(1_000));
    let mut w = workspace(&["alice", "bob"]);
    let mut seen = Seen::default();
    apply(&mut w, c.restate(Millis(3_000)), Millis(3_000), &mut seen);
    assert_eq!(seen.offers, 1, "the waiting visitor's request is offered");
    assert_eq!(seen.revisions.len(), 1, "and the conversation is indexed");
}

#[test]
fn the_first_reply_and_the_restatement_in_any_order_and_twice_offer_once() {
    let orders: [&[usize]; 5] = [&[0, 1], &[1, 0], &[0, 1, 1], &[1, 1, 0, 0], &[1, 0, 1]];
    for order in orders {
        let (c, first) = started(live_chat_first(), Millis(1_000));
        let again = c.restate(Millis(2_000));
        let mut w = workspace(&["alice", "bob"]);
        let mut seen = Seen::default();
        for (i, &which) in order.iter().enumerate() {
            let batch = if which == 0 {
                first.clone()
            } else {
                again.clone()
            };
            apply(&mut w, batch, Millis(2_000 + i as u64), &mut seen);
        }
        assert_eq!(seen.offers, 1, "{order:?}: one offer");
        assert!(
            seen.to_conversation.is_empty(),
            "{order:?}: nothing to the conversation (no fallback): {:?}",
            seen.to_conversation
        );
        assert!(
            seen.revisions.iter().all(|&r| r == 1),
            "{order:?}: one revision of the row: {:?}",
            seen.revisions
        );
    }
}

#[test]
fn with_nobody_online_the_restatement_falls_back_once() {
    let (c, first) = started(live_chat_first(), Millis(1_000));
    let mut w = workspace(&[]);
    let mut seen = Seen::default();
    apply(&mut w, c.restate(Millis(2_000)), Millis(2_000), &mut seen);
    apply(&mut w, first, Millis(2_001), &mut seen);
    apply(&mut w, c.restate(Millis(2_002)), Millis(2_002), &mut seen);
    let fallbacks = seen
        .to_conversation
        .iter()
        .filter(|m| matches!(m, WorkspaceToConversation::FellBack { .. }))
        .count();
    assert_eq!(fallbacks, 1, "{:?}", seen.to_conversation);
    assert_eq!(seen.offers, 0);
}

#[test]
fn a_conversation_not_waiting_restates_its_row_only() {
    let (c, _) = started(question_first(), Millis(1_000));
    let again = c.restate(Millis(2_000));
    assert_eq!(again.len(), 1, "{again:?}");
    assert!(matches!(
        &again[0],
        ConversationToWorkspace::Index { record, .. } if record.status == ConversationStatus::Automated
    ));
}

#[test]
fn a_conversation_waiting_on_an_availability_check_asks_again() {
    let (c, first) = started(availability_first(), Millis(1_000));
    assert!(first
        .iter()
        .any(|m| matches!(m, ConversationToWorkspace::CheckAvailability { .. })));
    let again = c.restate(Millis(2_000));
    assert!(
        again
            .iter()
            .any(|m| matches!(m, ConversationToWorkspace::CheckAvailability { card } if card.as_str() == "q")),
        "{again:?}"
    );
}

#[test]
fn an_accepted_chat_restates_no_request() {
    let (mut c, first) = started(live_chat_first(), Millis(1_000));
    let request = match first.first() {
        Some(ConversationToWorkspace::RequestLiveChat { request, .. }) => *request,
        other => panic!("a request: {other:?}"),
    };
    c.handle(
        Input::FromWorkspace(WorkspaceToConversation::Accepted {
            agent: AgentId::new("alice"),
            profile: AgentProfile {
                name: "Alice".into(),
                avatar_url: None,
            },
            request,
        }),
        Millis(2_000),
    );
    let again = c.restate(Millis(3_000));
    assert!(
        !again
            .iter()
            .any(|m| matches!(m, ConversationToWorkspace::RequestLiveChat { .. })),
        "{again:?}"
    );
}
