//! The workspace machine, input by input: presence, the link with conversations, inbox frames.

use std::collections::{BTreeMap, BTreeSet};

use parlor_core::failed_action::FailedAction;
use parlor_core::link::{ConversationToWorkspace, FromConversation, WorkspaceToConversation};
use parlor_core::protocol::{
    AgentProfile, ConversationRecord, ConversationStatus, EndReason, InboxServerMsg, Presence,
};
use parlor_core::routing::{FallbackReason, Routing, RoutingSettings, VisitorFacts};
use parlor_core::workspace::{
    Workspace, WorkspaceEffect, WorkspaceInput, PRESENCE_GRACE, PREVIEW_PACE_MAX, PREVIEW_PACE_MIN,
    PREVIEW_PACE_STEP,
};
use parlor_core::{AgentId, ConversationId, Millis, WorkspaceId};

fn agent(id: &str) -> WorkspaceInput {
    WorkspaceInput::UpsertAgent {
        agent: AgentId::new(id),
        live_chat: true,
        teams: Vec::new(),
        profile: AgentProfile {
            name: id.to_uppercase(),
            avatar_url: None,
        },
    }
}

fn workspace(agents: &[&str]) -> Workspace {
    let mut w = Workspace::new(WorkspaceId::new("ws"), RoutingSettings::default());
    for a in agents {
        w.handle(agent(a), Millis(0));
        w.handle(
            WorkspaceInput::InboxOpened {
                agent: AgentId::new(*a),
            },
            Millis(0),
        );
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
    said(
        conversation,
        vec![ConversationToWorkspace::RequestLiveChat {
            request: 1,
            routing: Routing::RoundRobin,
            facts: VisitorFacts::default(),
        }],
    )
}

/// (agent, offer id) of every `offered` frame.
fn offers(fx: &[WorkspaceEffect]) -> Vec<(String, u64)> {
    fx.iter()
        .filter_map(|e| match e {
            WorkspaceEffect::ToAgent {
                agent,
                msg: InboxServerMsg::Offered { offer },
            } => Some((agent.to_string(), offer.offer)),
            _ => None,
        })
        .collect()
}

fn to_conversation(fx: &[WorkspaceEffect]) -> Vec<WorkspaceToConversation> {
    fx.iter()
        .filter_map(|e| match e {
            WorkspaceEffect::ToConversation { msg, .. } => Some(msg.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_closed_inbox_gets_no_new_offers_at_once_and_its_offers_move_on_after_the_grace() {
    let mut w = workspace(&["a", "b"]);
    let fx = w.handle(request("c1"), Millis(1_000));
    assert_eq!(offers(&fx), [("a".to_owned(), 1)]);
    w.handle(
        WorkspaceInput::InboxClosed {
            agent: AgentId::new("a"),
        },
        Millis(2_000),
    );
    // A new visitor one second later goes to b, never to the agent whose tab is closed.
    let fx = w.handle(request("c2"), Millis(3_000));
    assert_eq!(offers(&fx)[0].0, "b");
    // a's pending offer waits for the grace, then moves on to b.
    assert_eq!(w.next_deadline(), Some(Millis(2_000).after(PRESENCE_GRACE)));
    let fx = w.handle(WorkspaceInput::Tick, Millis(2_000).after(PRESENCE_GRACE));
    assert_eq!(
        offers(&fx).iter().map(|o| o.0.as_str()).collect::<Vec<_>>(),
        ["b"]
    );
}

#[test]
fn an_agent_who_reloads_within_the_grace_keeps_the_offer() {
    let mut w = workspace(&["a", "b"]);
    w.handle(request("c1"), Millis(1_000));
    let a = AgentId::new("a");
    w.handle(
        WorkspaceInput::InboxClosed { agent: a.clone() },
        Millis(2_000),
    );
    w.handle(
        WorkspaceInput::InboxOpened { agent: a.clone() },
        Millis(3_000),
    );
    let fx = w.handle(WorkspaceInput::Tick, Millis(2_000).after(PRESENCE_GRACE));
    assert!(offers(&fx).is_empty());
    assert_eq!(w.welcome(&a).offers.len(), 1);
}

#[test]
fn several_inboxes_count_one_closing_keeps_the_agent_online() {
    let mut w = workspace(&["a"]);
    let a = AgentId::new("a");
    w.handle(WorkspaceInput::InboxOpened { agent: a.clone() }, Millis(0));
    w.handle(WorkspaceInput::InboxClosed { agent: a.clone() }, Millis(1));
    assert!(w.connected(&a));
    assert_eq!(offers(&w.handle(request("c1"), Millis(2))).len(), 1);
}

#[test]
fn a_restart_gives_agents_without_a_socket_the_grace() {
    let stored = workspace(&["a", "b"]);
    let mut w = Workspace::from_parts(
        stored.id().clone(),
        stored.router().clone(),
        stored.people().clone(),
    );
    // Only b's socket survived.
    w.handle(
        WorkspaceInput::Restored {
            connected: BTreeMap::from([(AgentId::new("b"), 1)]),
        },
        Millis(5_000),
    );
    assert_eq!(offers(&w.handle(request("c1"), Millis(5_001)))[0].0, "b");
}

#[test]
fn an_agent_who_never_chose_is_available_and_a_choice_stands() {
    let mut w = Workspace::new(WorkspaceId::new("ws"), RoutingSettings::default());
    let a = AgentId::new("a");
    w.handle(agent("a"), Millis(0));
    w.handle(WorkspaceInput::InboxOpened { agent: a.clone() }, Millis(0));
    assert_eq!(w.welcome(&a).presence, Presence::Available);
    w.handle(
        WorkspaceInput::SetPresence {
            agent: a.clone(),
            presence: Presence::Away,
        },
        Millis(1),
    );
    w.handle(WorkspaceInput::InboxClosed { agent: a.clone() }, Millis(2));
    w.handle(WorkspaceInput::InboxOpened { agent: a.clone() }, Millis(3));
    assert_eq!(w.welcome(&a).presence, Presence::Away);
}

#[test]
fn chat_started_waits_for_the_conversation_to_confirm() {
    let mut w = workspace(&["a"]);
    let a = AgentId::new("a");
    w.handle(request("c1"), Millis(0));
    let fx = w.handle(
        WorkspaceInput::Accept {
            agent: a.clone(),
            offer: 1,
        },
        Millis(10),
    );
    assert!(matches!(
        to_conversation(&fx).as_slice(),
        [WorkspaceToConversation::Accepted { request: 1, agent, profile }]
            if agent == &a && profile.name == "A"
    ));
    assert!(!fx.iter().any(|e| matches!(
        e,
        WorkspaceEffect::ToAgent {
            msg: InboxServerMsg::ChatStarted { .. },
            ..
        }
    )));
    let joined = ConversationToWorkspace::AgentJoined {
        identity: None,
        agent: a.clone(),
        visitor: BTreeMap::from([("email".into(), "ada@example.com".into())]),
        page_url: "https://ex.com/".into(),
    };
    let fx = w.handle(said("c1", vec![joined.clone()]), Millis(20));
    let started: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            WorkspaceEffect::ToAgent {
                msg: InboxServerMsg::ChatStarted { chat },
                ..
            } => Some(chat.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].started_at, Millis(10));
    assert_eq!(started[0].visitor["email"], "ada@example.com");
    // Closed, then a late confirmation: no chat_started for a chat no longer held.
    let closed = ConversationToWorkspace::ChatClosed {
        request: 1,
        agent: a.clone(),
        reason: EndReason::EndedByVisitor,
    };
    let fx = w.handle(said("c1", vec![closed.clone()]), Millis(30));
    assert!(fx.iter().any(|e| matches!(
        e,
        WorkspaceEffect::ToAgent {
            msg: InboxServerMsg::ChatClosed {
                reason: EndReason::EndedByVisitor,
                ..
            },
            ..
        }
    )));
    let fx = w.handle(said("c1", vec![joined, closed]), Millis(40));
    assert!(
        fx.iter()
            .all(|e| !matches!(e, WorkspaceEffect::ToAgent { .. })),
        "{fx:?}"
    );
    assert_eq!(w.router().chat_count(), 0);
}

#[test]
fn a_refused_acceptance_frees_the_slot() {
    let mut w = workspace(&["a"]);
    let a = AgentId::new("a");
    w.handle(request("c1"), Millis(0));
    w.handle(
        WorkspaceInput::Accept {
            agent: a.clone(),
            offer: 1,
        },
        Millis(10),
    );
    assert_eq!(w.router().load(&a), 1);
    // The visitor had ended meanwhile: the conversation refuses with ChatClosed.
    let refusal = ConversationToWorkspace::ChatClosed {
        request: 1,
        agent: a.clone(),
        reason: EndReason::EndedByVisitor,
    };
    w.handle(said("c1", vec![refusal]), Millis(11));
    assert_eq!(w.router().load(&a), 0);
}

#[test]
fn failed_actions_carry_the_workspace_and_index_rows_get_the_pace() {
    let mut w = workspace(&["a"]);
    let action = FailedAction::live_chat(
        None,
        ConversationId::new("c1"),
        Millis(5),
        FallbackReason::NoEligibleAgent,
        &VisitorFacts::default(),
    );
    let fx = w.handle(
        said("c1", vec![ConversationToWorkspace::FailedAction { action }]),
        Millis(5),
    );
    assert!(
        matches!(&fx[..], [WorkspaceEffect::FailedAction(a)] if a.workspace == Some(WorkspaceId::new("ws")))
    );
    assert_eq!(w.preview_pace(), PREVIEW_PACE_MIN);
}

/// Agent `a`, inbox open, room for 10,000 chats: the pace's tests fill it with live chats.
fn one_agent_without_limit() -> Workspace {
    let mut w = Workspace::new(
        WorkspaceId::new("ws"),
        RoutingSettings {
            capacity: 10_000,
            ..RoutingSettings::default()
        },
    );
    w.handle(agent("a"), Millis(0));
    w.handle(
        WorkspaceInput::InboxOpened {
            agent: AgentId::new("a"),
        },
        Millis(0),
    );
    w
}

/// Conversation `c{i}` asks for a chat at `i` ms and agent `a` accepts what is offered; returns
/// the offers accepted.
fn live_chat(w: &mut Workspace, i: u64) -> Vec<u64> {
    let fx = w.handle(request(&format!("c{i}")), Millis(i));
    let accepted: Vec<u64> = offers(&fx).into_iter().map(|(_, offer)| offer).collect();
    for &offer in &accepted {
        w.handle(
            WorkspaceInput::Accept {
                agent: AgentId::new("a"),
                offer,
            },
            Millis(i),
        );
    }
    accepted
}

#[test]
fn the_preview_pace_widens_with_live_chats() {
    let mut w = one_agent_without_limit();
    let mut seen = BTreeSet::new();
    let mut changes = 0;
    let mut pace = w.preview_pace();
    for i in 0..1_000u64 {
        seen.extend(live_chat(&mut w, i));
        let now = w.preview_pace();
        let live = i + 1;
        // Never faster than 20 ms per live chat (previews stay near 50 a second in all)…
        assert!(
            now.0 >= (live * 20).min(PREVIEW_PACE_MAX.0),
            "{live} chats: {now:?}"
        );
        // …in whole steps, so a growing workspace changes it once per 100 chats.
        assert_eq!(now.0 % PREVIEW_PACE_STEP.0, 0);
        if now != pace {
            changes += 1;
            pace = now;
        }
    }
    assert_eq!(seen.len(), 1_000);
    assert_eq!(changes, 9, "2 s → 20 s in 2 s steps");
    // 1,000 live chats: 20 s between previews, i.e. about 50 previews a second in all.
    assert_eq!(w.preview_pace(), Millis(20_000));
    assert!(w.preview_pace() <= PREVIEW_PACE_MAX);
}

#[test]
fn only_a_live_chat_is_told_the_pace() {
    let mut w = one_agent_without_limit();
    for i in 0..150u64 {
        live_chat(&mut w, i);
    }
    let pace = w.preview_pace();
    assert!(pace > PREVIEW_PACE_MIN, "150 live chats widen it: {pace:?}");
    let index = |status, preview_every| {
        said(
            "c7",
            vec![ConversationToWorkspace::Index {
                record: ConversationRecord {
                    id: "c7".into(),
                    created_at: 0,
                    updated_at: 200,
                    dialogue: "d".into(),
                    page_url: String::new(),
                    status,
                    agent: Some("a".into()),
                    captured: BTreeMap::new(),
                    last_message: Some("hi".into()),
                    revision: 3,
                    first_agent_reply_at: None,
                    identity: None,
                },
                preview_every,
            }],
        )
    };
    let told = |fx: &[WorkspaceEffect]| to_conversation(fx);
    let fx = w.handle(
        index(ConversationStatus::Live, PREVIEW_PACE_MIN),
        Millis(200),
    );
    assert_eq!(
        told(&fx),
        vec![WorkspaceToConversation::Pace {
            preview_every: pace
        }]
    );
    let fx = w.handle(index(ConversationStatus::Live, pace), Millis(201));
    assert_eq!(told(&fx), vec![], "already at the pace");
    for status in [
        ConversationStatus::Waiting,
        ConversationStatus::Automated,
        ConversationStatus::Ended,
    ] {
        let fx = w.handle(index(status, PREVIEW_PACE_MIN), Millis(202));
        assert_eq!(told(&fx), vec![], "{status:?} sends no previews");
    }
}

#[test]
fn removing_an_agent_withdraws_offers_and_closes_their_sockets() {
    let mut w = workspace(&["a", "b"]);
    w.handle(request("c1"), Millis(0));
    let fx = w.handle(
        WorkspaceInput::RemoveAgent {
            agent: AgentId::new("a"),
        },
        Millis(1),
    );
    assert_eq!(offers(&fx)[0].0, "b", "the chat moves on at once");
    assert!(fx
        .iter()
        .any(|e| matches!(e, WorkspaceEffect::CloseAgent { agent, .. } if agent.as_str() == "a")));
    assert!(!w.people().contains_key(&AgentId::new("a")));
}

#[test]
fn an_agent_gone_past_the_chat_grace_hands_chats_back_and_they_are_offered_again() {
    let grace = RoutingSettings::default().agent_gone_grace;
    let mut w = workspace(&["a", "b"]);
    let a = AgentId::new("a");
    w.handle(request("c1"), Millis(0));
    w.handle(
        WorkspaceInput::Accept {
            agent: a.clone(),
            offer: 1,
        },
        Millis(1),
    );
    w.handle(
        WorkspaceInput::InboxClosed { agent: a.clone() },
        Millis(1_000),
    );
    let mut told = Vec::new();
    while let Some(d) = w.next_deadline() {
        told.extend(to_conversation(&w.handle(WorkspaceInput::Tick, d)));
        if d > Millis(1_000).after(grace) {
            break;
        }
    }
    assert_eq!(
        told,
        [WorkspaceToConversation::AgentLeft {
            agent: a.clone(),
            removed: false
        }]
    );
    assert_eq!(w.next_deadline(), None, "told once");
    // The conversation hands the chat back: the slot is freed and b gets the offer.
    let fx = w.handle(
        said(
            "c1",
            vec![ConversationToWorkspace::AgentLeft {
                request: 2,
                agent: a.clone(),
                routing: Routing::RoundRobin,
                facts: VisitorFacts::default(),
            }],
        ),
        Millis(200_000),
    );
    assert_eq!(w.router().load(&a), 0);
    assert_eq!(offers(&fx)[0].0, "b");
    assert!(fx.iter().any(|e| matches!(
        e,
        WorkspaceEffect::ToAgent {
            msg: InboxServerMsg::ChatClosed {
                reason: EndReason::AgentLeft,
                ..
            },
            ..
        }
    )));
}
