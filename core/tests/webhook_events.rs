//! The webhook events the workspace machine emits over one chat's life, and for a missed one.

use std::collections::BTreeMap;

use parlor_core::link::{ConversationToWorkspace, FromConversation};
use parlor_core::protocol::{AgentProfile, EndReason, InboxServerMsg};
use parlor_core::routing::{Routing, RoutingSettings, VisitorFacts};
use parlor_core::webhooks::{Event, EventData, EventType, MissedReason};
use parlor_core::workspace::{Workspace, WorkspaceEffect, WorkspaceInput};
use parlor_core::{AgentId, ConversationId, Millis, WorkspaceId};

fn workspace(agents: &[&str]) -> Workspace {
    let mut w = Workspace::new(WorkspaceId::new("ws"), RoutingSettings::default());
    for a in agents {
        let agent = AgentId::new(*a);
        let profile = AgentProfile {
            name: a.to_uppercase(),
            avatar_url: None,
        };
        w.handle(
            WorkspaceInput::UpsertAgent {
                agent: agent.clone(),
                live_chat: true,
                teams: Vec::new(),
                profile,
            },
            Millis(0),
        );
        w.handle(WorkspaceInput::InboxOpened { agent }, Millis(0));
    }
    w
}

fn said(conversation: &str, messages: Vec<ConversationToWorkspace>) -> WorkspaceInput {
    WorkspaceInput::FromConversation(FromConversation {
        conversation: ConversationId::new(conversation),
        messages,
    })
}

fn request(conversation: &str) -> WorkspaceInput {
    let facts = VisitorFacts {
        fields: BTreeMap::from([("first_name".to_owned(), "Ada".to_owned())]),
        page_url: "https://www.example.com/pricing".into(),
        ..VisitorFacts::default()
    };
    said(
        conversation,
        vec![ConversationToWorkspace::RequestLiveChat {
            request: 1,
            routing: Routing::RoundRobin,
            facts,
        }],
    )
}

fn events(fx: &[WorkspaceEffect]) -> Vec<Event> {
    fx.iter()
        .filter_map(|e| match e {
            WorkspaceEffect::Webhook(event) => Some(event.clone()),
            _ => None,
        })
        .collect()
}

fn offer_of(fx: &[WorkspaceEffect]) -> u64 {
    fx.iter()
        .find_map(|e| match e {
            WorkspaceEffect::ToAgent {
                msg: InboxServerMsg::Offered { offer },
                ..
            } => Some(offer.offer),
            _ => None,
        })
        .expect("an offer")
}

#[test]
fn a_chat_life_is_requested_accepted_then_ended_once() {
    let mut w = workspace(&["alice"]);
    let fx = w.handle(request("c1"), Millis(1_000));
    let ev = events(&fx);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].kind(), EventType::ChatRequested);
    assert_eq!(ev[0].at, Millis(1_000));
    let EventData::ChatRequested {
        visitor, page_url, ..
    } = &ev[0].data
    else {
        panic!("requested");
    };
    assert_eq!(visitor["first_name"], "Ada");
    assert_eq!(page_url, "https://www.example.com/pricing");

    // The same request delivered twice is a duplicate: no second event.
    assert!(events(&w.handle(request("c1"), Millis(1_500))).is_empty());

    let offer = offer_of(&fx);
    let alice = AgentId::new("alice");
    let fx = w.handle(
        WorkspaceInput::Accept {
            agent: alice.clone(),
            offer,
        },
        Millis(13_500),
    );
    let ev = events(&fx);
    assert_eq!(ev.len(), 1);
    let EventData::ChatAccepted {
        agent, waited_ms, ..
    } = &ev[0].data
    else {
        panic!("accepted: {ev:?}");
    };
    assert_eq!(
        (agent.id.as_str(), agent.name.as_str(), *waited_ms),
        ("alice", "ALICE", 12_500)
    );

    let closed = || {
        said(
            "c1",
            vec![ConversationToWorkspace::ChatClosed {
                agent: AgentId::new("alice"),
                reason: EndReason::EndedByVisitor,
                request: 1,
            }],
        )
    };
    let ev = events(&w.handle(closed(), Millis(60_000)));
    assert_eq!(ev.len(), 1);
    let EventData::ChatEnded { reason, agent, .. } = &ev[0].data else {
        panic!("ended");
    };
    assert_eq!(
        (*reason, agent.name.as_str()),
        (EndReason::EndedByVisitor, "ALICE")
    );
    assert!(ev[0].needs_transcript().is_some());
    // A repeated close ends nothing more.
    assert!(events(&w.handle(closed(), Millis(61_000))).is_empty());
}

#[test]
fn nobody_online_is_a_missed_chat_with_its_reason() {
    let mut w = workspace(&[]);
    let ev = events(&w.handle(request("c2"), Millis(5_000)));
    let kinds: Vec<EventType> = ev.iter().map(Event::kind).collect();
    assert_eq!(kinds, vec![EventType::ChatRequested, EventType::ChatMissed]);
    let EventData::ChatMissed {
        reason, visitor, ..
    } = &ev[1].data
    else {
        panic!("missed");
    };
    assert_eq!(*reason, MissedReason::NobodyAvailable);
    assert_eq!(visitor["first_name"], "Ada");
}

#[test]
fn an_expired_offer_is_missed_as_expired() {
    let mut w = workspace(&["alice"]);
    w.handle(request("c3"), Millis(0));
    let timeout = RoutingSettings::default().accept_timeout;
    let ev = events(&w.handle(WorkspaceInput::Tick, Millis(timeout.0 + 1)));
    let missed: Vec<_> = ev
        .iter()
        .filter_map(|e| match &e.data {
            EventData::ChatMissed { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect();
    assert_eq!(missed, vec![MissedReason::Expired]);
}

#[test]
fn an_accepted_transfer_is_one_chat_transferred_and_no_end_or_second_acceptance() {
    let mut w = workspace(&["alice", "bob"]);
    let fx = w.handle(request("c1"), Millis(1_000));
    let alice = AgentId::new("alice");
    let bob = AgentId::new("bob");
    // Round robin offers alice first; whoever gets it accepts.
    let offer = offer_of(&fx);
    w.handle(
        WorkspaceInput::Accept {
            agent: alice.clone(),
            offer,
        },
        Millis(2_000),
    );
    let fx = w.handle(
        WorkspaceInput::Transfer {
            agent: alice.clone(),
            conversation: ConversationId::new("c1"),
            to: parlor_core::routing::RuleTarget::Agent { agent: bob.clone() },
        },
        Millis(3_000),
    );
    assert!(
        events(&fx).is_empty(),
        "offering a transfer is not an event"
    );
    let fx = w.handle(
        WorkspaceInput::Accept {
            agent: bob.clone(),
            offer: offer_of(&fx),
        },
        Millis(4_000),
    );
    let ev = events(&fx);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].kind(), EventType::ChatTransferred);
    let EventData::ChatTransferred {
        conversation_id,
        from,
        to,
    } = &ev[0].data
    else {
        panic!("transferred: {ev:?}");
    };
    assert_eq!(conversation_id.as_str(), "c1");
    assert_eq!((from.name.as_str(), to.name.as_str()), ("ALICE", "BOB"));
    let body: serde_json::Value = serde_json::from_str(&ev[0].body()).expect("json");
    assert_eq!(body["type"], "chat.transferred");
    assert_eq!(body["data"]["to"]["id"], "bob");
}
