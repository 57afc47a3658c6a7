//! Web Push reachability, input by input: an available agent with a push device stays
//! reachable for a working day after their last inbox closed, is offered a chat only when
//! nobody with an open inbox can take it, hears of each offer by notification, and stops
//! being reachable when the day is over, the last device is dropped, or they sign out.

use parlor_core::link::{ConversationToWorkspace, FromConversation, WorkspaceToConversation};
use parlor_core::protocol::{InboxServerMsg, Presence, PushMsg};
use parlor_core::routing::{Routing, RoutingSettings, VisitorFacts};
use parlor_core::workspace::{
    Workspace, WorkspaceEffect, WorkspaceInput, PRESENCE_GRACE, PUSH_REACH,
};
use parlor_core::{AgentId, ConversationId, Millis, WorkspaceId};

#[path = "support/online.rs"]
mod online;

fn id(a: &str) -> AgentId {
    AgentId::new(a)
}

/// Agents with an inbox open at 0; those in `push` have one push device.
fn workspace(agents: &[&str], push: &[&str]) -> Workspace {
    let mut w = Workspace::new(WorkspaceId::new("ws"), RoutingSettings::default());
    for a in agents {
        online::sign_in(&mut w, a);
        if push.contains(a) {
            w.handle(
                WorkspaceInput::PushDevices {
                    agent: id(a),
                    devices: 1,
                },
                Millis(0),
            );
        }
    }
    w
}

fn close(w: &mut Workspace, a: &str, at: u64) -> Vec<WorkspaceEffect> {
    w.handle(WorkspaceInput::InboxClosed { agent: id(a) }, Millis(at))
}

fn request(conversation: &str) -> WorkspaceInput {
    WorkspaceInput::FromConversation(FromConversation {
        conversation: ConversationId::new(conversation),
        messages: vec![ConversationToWorkspace::RequestLiveChat {
            request: 1,
            routing: Routing::RoundRobin,
            facts: VisitorFacts {
                page_url: "https://acme.test/pricing".into(),
                ..VisitorFacts::default()
            },
        }],
    })
}

/// Who got an `offered` frame (whether or not a socket is open to carry it).
fn offered(fx: &[WorkspaceEffect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            WorkspaceEffect::ToAgent {
                agent,
                msg: InboxServerMsg::Offered { .. },
            } => Some(agent.to_string()),
            _ => None,
        })
        .collect()
}

fn pushes(fx: &[WorkspaceEffect]) -> Vec<(String, PushMsg)> {
    fx.iter()
        .filter_map(|e| match e {
            WorkspaceEffect::Push { agent, msg } => Some((agent.to_string(), msg.clone())),
            _ => None,
        })
        .collect()
}

fn fell_back(fx: &[WorkspaceEffect]) -> bool {
    fx.iter().any(|e| {
        matches!(
            e,
            WorkspaceEffect::ToConversation {
                msg: WorkspaceToConversation::FellBack { .. },
                ..
            }
        )
    })
}

#[test]
fn an_agent_with_push_and_no_inbox_is_offered_a_chat_by_notification() {
    let mut w = workspace(&["a"], &["a"]);
    close(&mut w, "a", 1_000);
    let fx = w.handle(request("c1"), Millis(5_000));
    assert_eq!(offered(&fx), ["a"]);
    let sent = pushes(&fx);
    assert_eq!(sent.len(), 1);
    match &sent[0] {
        (
            agent,
            PushMsg::Offer {
                workspace,
                conversation,
                deadline,
                title,
                body,
                ..
            },
        ) => {
            assert_eq!(agent, "a");
            assert_eq!(workspace.as_str(), "ws");
            assert_eq!(conversation.as_str(), "c1");
            assert_eq!(
                *deadline,
                Millis(5_000).after(RoutingSettings::default().accept_timeout)
            );
            assert_eq!(title, "New live chat request");
            assert!(body.contains("/pricing"), "{body}");
        }
        other => panic!("not an offer: {other:?}"),
    }
    // The agent opens the inbox from the notification: the offer is listed, ready to accept.
    w.handle(
        WorkspaceInput::InboxOpened { agent: id("a") },
        Millis(20_000),
    );
    assert_eq!(w.welcome(&id("a")).offers.len(), 1);
    let fx = w.handle(
        WorkspaceInput::Accept {
            agent: id("a"),
            offer: 1,
        },
        Millis(21_000),
    );
    assert!(fx.iter().any(|e| matches!(
        e,
        WorkspaceEffect::ToConversation {
            msg: WorkspaceToConversation::Accepted { .. },
            ..
        }
    )));
}

#[test]
fn without_a_push_device_a_closed_inbox_is_unreachable() {
    let mut w = workspace(&["a"], &[]);
    close(&mut w, "a", 1_000);
    let fx = w.handle(request("c1"), Millis(5_000));
    assert!(offered(&fx).is_empty());
    assert!(pushes(&fx).is_empty());
    assert!(
        fell_back(&fx),
        "nobody reachable: the visitor gets the fallback at once"
    );
}

#[test]
fn an_agent_at_their_desk_comes_before_one_reached_by_notification() {
    let mut w = workspace(&["a", "b"], &["a"]);
    close(&mut w, "a", 1_000);
    // Round robin would pick a first; a is only reachable by push, so b goes first, each time.
    for (i, c) in ["c1", "c2", "c3"].iter().enumerate() {
        let fx = w.handle(request(c), Millis(2_000 + i as u64));
        assert_eq!(offered(&fx), ["b"], "{c}");
        assert!(pushes(&fx).is_empty());
    }
    // b goes away: now a is the one who can take a chat.
    w.handle(
        WorkspaceInput::SetPresence {
            agent: id("b"),
            presence: Presence::Away,
        },
        Millis(3_000),
    );
    let fx = w.handle(request("c4"), Millis(4_000));
    assert_eq!(offered(&fx), ["a"]);
    assert_eq!(pushes(&fx).len(), 1);
}

#[test]
fn offers_waiting_when_the_inbox_closes_go_out_as_notifications() {
    let mut w = workspace(&["a"], &["a"]);
    w.handle(request("c1"), Millis(1_000));
    let fx = close(&mut w, "a", 2_000);
    let sent = pushes(&fx);
    assert!(
        matches!(sent.as_slice(), [(a, PushMsg::Offer { offer: 1, .. })] if a == "a"),
        "{sent:?}"
    );
    // The reconnect grace passes and the offer stays: a notification can still reach them.
    let fx = w.handle(WorkspaceInput::Tick, Millis(2_000).after(PRESENCE_GRACE));
    assert!(fx.iter().all(|e| !matches!(
        e,
        WorkspaceEffect::ToAgent {
            msg: InboxServerMsg::OfferWithdrawn { .. },
            ..
        }
    )));
    assert_eq!(w.welcome(&id("a")).offers.len(), 1);
}

#[test]
fn a_working_day_after_the_last_inbox_closed_the_agent_is_unreachable() {
    let mut w = workspace(&["a"], &["a"]);
    close(&mut w, "a", 1_000);
    let end = Millis(1_000).after(PUSH_REACH);
    // An offer made just before the end: withdrawn at the end, and its notification closed.
    let before = Millis(end.0 - 50_000);
    let fx = w.handle(request("c1"), before);
    assert_eq!(offered(&fx), ["a"]);
    assert_eq!(w.next_deadline(), Some(end));
    let fx = w.handle(WorkspaceInput::Tick, end);
    assert!(pushes(&fx)
        .iter()
        .any(|(a, m)| a == "a" && matches!(m, PushMsg::OfferGone { offer: 1, .. })));
    assert!(
        fell_back(&fx),
        "the chat moved on: nobody else, so the fallback"
    );
    let fx = w.handle(request("c2"), end.after(Millis(1)));
    assert!(offered(&fx).is_empty());
    assert!(pushes(&fx).is_empty());
}

#[test]
fn the_last_device_dropped_makes_a_gone_agent_unreachable_at_once() {
    let mut w = workspace(&["a", "b"], &["a"]);
    w.handle(
        WorkspaceInput::SetPresence {
            agent: id("b"),
            presence: Presence::Away,
        },
        Millis(0),
    );
    close(&mut w, "a", 1_000);
    let fx = w.handle(request("c1"), Millis(60_000));
    assert_eq!(offered(&fx), ["a"]);
    // The push service says the subscription expired (404/410): the edge drops it.
    let fx = w.handle(
        WorkspaceInput::PushDevices {
            agent: id("a"),
            devices: 0,
        },
        Millis(61_000),
    );
    assert!(fx.iter().any(|e| matches!(
        e,
        WorkspaceEffect::ToAgent {
            msg: InboxServerMsg::OfferWithdrawn { offer: 1, .. },
            ..
        }
    )));
    assert!(fell_back(&fx));
    assert!(!w.router().agent(&id("a")).is_some_and(|v| v.online));
}

#[test]
fn signing_out_everywhere_ends_push_reach() {
    let mut w = workspace(&["a"], &["a"]);
    close(&mut w, "a", 1_000);
    w.handle(
        WorkspaceInput::SessionsEnded {
            agent: id("a"),
            hand_over: false,
        },
        Millis(2_000),
    );
    assert_eq!(w.people()[&id("a")].push_devices, 0);
    let fx = w.handle(request("c1"), Millis(3_000));
    assert!(offered(&fx).is_empty());
    assert!(pushes(&fx).is_empty());
}

#[test]
fn chats_held_still_move_on_after_the_grace_since_a_chat_needs_an_open_inbox() {
    let grace = RoutingSettings::default().agent_gone_grace;
    let mut w = workspace(&["a"], &["a"]);
    w.handle(request("c1"), Millis(0));
    w.handle(
        WorkspaceInput::Accept {
            agent: id("a"),
            offer: 1,
        },
        Millis(1),
    );
    close(&mut w, "a", 1_000);
    assert_eq!(w.next_deadline(), Some(Millis(1_000).after(grace)));
    let fx = w.handle(WorkspaceInput::Tick, Millis(1_000).after(grace));
    assert!(fx.iter().any(|e| matches!(
        e,
        WorkspaceEffect::ToConversation {
            msg: WorkspaceToConversation::AgentLeft { .. },
            ..
        }
    )));
    // Still reachable for new offers, until the day is over.
    assert!(w
        .router()
        .agent(&id("a"))
        .is_some_and(|v| v.online && v.push_only));
    assert_eq!(w.next_deadline(), Some(Millis(1_000).after(PUSH_REACH)));
}

#[test]
fn an_agent_away_is_not_reached_by_push() {
    let mut w = workspace(&["a"], &["a"]);
    w.handle(
        WorkspaceInput::SetPresence {
            agent: id("a"),
            presence: Presence::Away,
        },
        Millis(0),
    );
    close(&mut w, "a", 1_000);
    let fx = w.handle(request("c1"), Millis(2_000));
    assert!(offered(&fx).is_empty());
    assert!(fell_back(&fx));
}

#[test]
fn a_reload_of_the_workspace_keeps_push_reach() {
    let mut w = workspace(&["a"], &["a"]);
    // Stored and loaded again with no socket surviving: the agent is reached by push.
    let back = Workspace::from_parts(
        WorkspaceId::new("ws"),
        w.router().clone(),
        w.people().clone(),
    );
    w = back;
    w.handle(
        WorkspaceInput::Restored {
            connected: Default::default(),
        },
        Millis(5_000),
    );
    let fx = w.handle(request("c1"), Millis(6_000));
    assert_eq!(offered(&fx), ["a"]);
    assert_eq!(pushes(&fx).len(), 1);
}
