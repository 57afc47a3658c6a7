//! Who is here: the visitor leaving the page, and the agent leaving the chat.

use std::collections::BTreeMap;

use parlor_core::conversation::{
    Conversation, ConversationSettings, Effect, Input, LiveState, StoredState,
    AGENT_ANNOUNCE_AFTER, VISITOR_ANNOUNCE_AFTER,
};
use parlor_core::dialogue::Dialogue;
use parlor_core::link::{ConversationToWorkspace, WorkspaceToConversation};
use parlor_core::protocol::{AgentProfile, ChatServerMsg, EndReason, Side, TranscriptEvent};
use parlor_core::{AgentId, Millis};

fn conversation() -> Conversation {
    let d: Dialogue = serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Sales",
        "branches": [{"id": "main", "cards": [
            {"id": "ic1", "kind": "info_capture", "text": "Who are you?", "fields": [
                {"key": "email", "kind": "email", "label": "Email", "required": true}
            ]},
            {"id": "lc1", "kind": "live_chat", "text": "Connecting…", "routing": {"mode": "team", "team": "sales"}}
        ]}]
    }))
    .expect("dialogue");
    let mut c = Conversation::new("c1".into(), d, ConversationSettings::default(), Millis(0));
    c.handle(
        Input::SocketOpened {
            side: Side::Visitor,
        },
        Millis(0),
    );
    c.handle(
        Input::Start {
            identity: None,
            page_url: "https://ex.com/".into(),
            language: String::new(),
            country: String::new(),
            utm: BTreeMap::new(),
        },
        Millis(0),
    );
    c.handle(
        Input::Capture {
            card: "ic1".into(),
            values: BTreeMap::from([("email".into(), "ada@example.com".into())]),
        },
        Millis(1_000),
    );
    c
}

/// Agent a1 accepts at 2 s.
fn accept(c: &mut Conversation) -> Vec<Effect> {
    c.handle(
        Input::FromWorkspace(WorkspaceToConversation::Accepted {
            request: 0,
            agent: AgentId::new("a1"),
            profile: AgentProfile {
                name: "Alice".into(),
                avatar_url: None,
            },
        }),
        Millis(2_000),
    )
}

fn live() -> Conversation {
    let mut c = conversation();
    accept(&mut c);
    c.handle(Input::SocketOpened { side: Side::Agent }, Millis(2_100));
    c
}

fn link(fx: &[Effect]) -> Vec<ConversationToWorkspace> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::ToWorkspace(m) if !matches!(m, ConversationToWorkspace::Index { .. }) => {
                Some(m.clone())
            }
            _ => None,
        })
        .collect()
}

fn presence(fx: &[Effect]) -> Vec<bool> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::ToAgents(ChatServerMsg::Presence { here, .. }) => Some(*here),
            _ => None,
        })
        .collect()
}

/// What the visitor's sockets were told about the agent.
fn agent_presence(fx: &[Effect]) -> Vec<bool> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::ToVisitors(ChatServerMsg::Presence {
                side: Side::Agent,
                here,
            }) => Some(*here),
            _ => None,
        })
        .collect()
}

/// Runs every due tick up to `until`, collecting effects.
/// The transcript events among `fx`, in order.
fn appended(fx: &[Effect]) -> Vec<&TranscriptEvent> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Append(entry) => Some(&entry.event),
            _ => None,
        })
        .collect()
}

fn run_until(c: &mut Conversation, until: u64) -> Vec<Effect> {
    let mut out = Vec::new();
    while let Some(d) = c.next_deadline().filter(|d| d.0 <= until) {
        out.extend(c.handle(Input::Tick, d));
    }
    out
}

#[test]
fn a_page_navigation_does_not_flicker() {
    let mut c = live();
    c.handle(
        Input::SocketClosed {
            side: Side::Visitor,
        },
        Millis(10_000),
    );
    let fx = c.handle(
        Input::SocketOpened {
            side: Side::Visitor,
        },
        Millis(11_500),
    );
    assert!(presence(&fx).is_empty());
    assert!(presence(&run_until(&mut c, 30_000)).is_empty());
}

#[test]
fn the_agent_sees_the_visitor_leave_and_come_back() {
    let mut c = live();
    c.handle(
        Input::SocketClosed {
            side: Side::Visitor,
        },
        Millis(10_000),
    );
    let fx = run_until(&mut c, 10_000 + VISITOR_ANNOUNCE_AFTER.0);
    assert_eq!(presence(&fx), [false]);
    let fx = c.handle(
        Input::SocketOpened {
            side: Side::Visitor,
        },
        Millis(20_000),
    );
    assert_eq!(presence(&fx), [true]);
    assert_eq!(c.live_state(), LiveState::Accepted);
}

#[test]
fn a_waiting_visitor_gone_past_the_grace_leaves_the_line_and_the_lead_is_emailed() {
    let mut c = conversation();
    c.handle(
        Input::SocketClosed {
            side: Side::Visitor,
        },
        Millis(5_000),
    );
    let fx = run_until(&mut c, 5_000 + 59_999);
    assert!(link(&fx).is_empty());
    let fx = run_until(&mut c, 5_000 + 60_000);
    let msgs = link(&fx);
    assert!(matches!(
        msgs[0],
        ConversationToWorkspace::CancelLiveChat { request: 1 }
    ));
    assert!(
        matches!(&msgs[1], ConversationToWorkspace::FailedAction { action } if action.visitor["email"] == "ada@example.com")
    );
    assert_eq!(msgs.len(), 2, "withdrawn, not reported as missed: {msgs:?}");
    assert!(c.is_closed());
    // Back from a suspended tab, the visitor finds the fallback message, not "You ended the
    // chat", and can still leave a message.
    let shown = appended(&fx);
    assert!(
        matches!(
            shown.as_slice(),
            [TranscriptEvent::Fallback { text, visitor_away: true, .. }]
                if *text == ConversationSettings::default().live_chat_fallback
        ),
        "{shown:?}"
    );
    assert_eq!(c.live_state(), LiveState::FellBack);
    let fx = c.handle(
        Input::SocketOpened {
            side: Side::Visitor,
        },
        Millis(200_000),
    );
    assert!(link(&fx).is_empty(), "a return does not ask again");
    let fx = c.handle(
        Input::LeaveMessage {
            client_id: "m1".into(),
            email: None,
            text: "Call me tomorrow".into(),
        },
        Millis(201_000),
    );
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Reply(ChatServerMsg::Ack { client_id, .. }) if client_id == "m1"
    )));
    let leads: Vec<_> = link(&fx)
        .into_iter()
        .filter_map(|m| match m {
            ConversationToWorkspace::Lead { update } => Some(update),
            _ => None,
        })
        .collect();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0].message.as_deref(), Some("Call me tomorrow"));
    assert_eq!(
        leads[0].outcome,
        parlor_core::lead::LeadOutcome::LeftMessage { reason: None }
    );
}

#[test]
fn a_live_chat_whose_visitor_is_gone_ends_and_frees_the_agent() {
    let mut c = live();
    c.handle(
        Input::SocketClosed {
            side: Side::Visitor,
        },
        Millis(10_000),
    );
    let fx = run_until(&mut c, 10_000 + 300_000);
    assert_eq!(
        link(&fx),
        [ConversationToWorkspace::ChatClosed {
            request: 1,
            agent: AgentId::new("a1"),
            reason: EndReason::EndedByVisitor
        }]
    );
    // Back, the visitor reads that the chat ended while they were away, not that they ended it.
    let ended = appended(&fx);
    assert_eq!(
        ended,
        [&TranscriptEvent::Ended {
            by: Side::Visitor,
            visitor_away: true
        }]
    );
}

#[test]
fn an_agent_still_on_the_chat_socket_keeps_the_chat() {
    let mut c = live();
    let fx = c.handle(
        Input::FromWorkspace(WorkspaceToConversation::AgentLeft {
            agent: AgentId::new("a1"),
            removed: false,
        }),
        Millis(200_000),
    );
    assert!(link(&fx).is_empty());
    assert_eq!(c.live_state(), LiveState::Accepted);
}

#[test]
fn an_agent_who_left_hands_the_chat_back_to_routing_and_the_visitor_is_told() {
    let mut c = live();
    c.handle(Input::SocketClosed { side: Side::Agent }, Millis(50_000));
    let fx = c.handle(
        Input::FromWorkspace(WorkspaceToConversation::AgentLeft {
            agent: AgentId::new("a1"),
            removed: false,
        }),
        Millis(200_000),
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::Append(en) if matches!(&en.event, TranscriptEvent::AgentLeft { agent } if agent.name == "Alice"))));
    assert!(
        matches!(&link(&fx)[..], [ConversationToWorkspace::AgentLeft { agent, .. }] if agent.as_str() == "a1")
    );
    assert_eq!(c.live_state(), LiveState::Requested);
    assert_eq!(c.agent(), None);
    // Twice: nothing more.
    let again = c.handle(
        Input::FromWorkspace(WorkspaceToConversation::AgentLeft {
            agent: AgentId::new("a1"),
            removed: false,
        }),
        Millis(200_001),
    );
    assert!(link(&again).is_empty());
}

#[test]
fn a_removed_agent_loses_the_chat_and_its_sockets_at_once() {
    let mut c = live();
    let fx = c.handle(
        Input::FromWorkspace(WorkspaceToConversation::AgentLeft {
            agent: AgentId::new("a1"),
            removed: true,
        }),
        Millis(3_000),
    );
    assert!(fx.contains(&Effect::CloseAgentSockets));
    assert!(matches!(
        &link(&fx)[..],
        [ConversationToWorkspace::AgentLeft { .. }]
    ));
    assert_eq!(c.live_state(), LiveState::Requested);
}

#[test]
fn the_visitor_sees_the_agent_reconnecting_and_back_but_not_a_quick_reload() {
    let mut c = live();
    // A quick reload of the inbox: nothing to tell.
    c.handle(Input::SocketClosed { side: Side::Agent }, Millis(10_000));
    c.handle(Input::SocketOpened { side: Side::Agent }, Millis(11_000));
    assert!(agent_presence(&run_until(&mut c, 30_000)).is_empty());
    // Gone for longer: "reconnecting…" after a few seconds, then "back".
    c.handle(Input::SocketClosed { side: Side::Agent }, Millis(40_000));
    let fx = run_until(&mut c, 40_000 + AGENT_ANNOUNCE_AFTER.0);
    assert_eq!(agent_presence(&fx), [false]);
    assert_eq!(
        c.presence_after_replay(Side::Visitor),
        Some(ChatServerMsg::Presence {
            side: Side::Agent,
            here: false
        }),
        "a visitor who reloads now hears it too"
    );
    let fx = c.handle(Input::SocketOpened { side: Side::Agent }, Millis(50_000));
    assert_eq!(agent_presence(&fx), [true]);
    assert_eq!(c.presence_after_replay(Side::Visitor), None);
    assert_eq!(c.live_state(), LiveState::Accepted);
}

#[test]
fn an_agent_whose_chat_pane_never_opens_is_reconnecting_to_the_visitor() {
    let mut c = conversation();
    accept(&mut c);
    let fx = run_until(&mut c, 2_000 + AGENT_ANNOUNCE_AFTER.0);
    assert_eq!(agent_presence(&fx), [false]);
}

/// The "reconnecting…" notice every acceptance owes until the agent's chat pane connects is a
/// timer's tick, not a durable deadline: the alarm stays on the inactivity deadline, so a routed
/// chat moves no alarm for it, while the tick still comes on time.
#[test]
fn the_reconnecting_notice_after_an_acceptance_is_a_timer_not_an_alarm() {
    let mut c = conversation();
    let inactivity = c.settings().inactivity_timeout;
    accept(&mut c);
    let notice = Millis(2_000).after(AGENT_ANNOUNCE_AFTER);
    assert_eq!(c.timer_due(), Some(notice));
    assert_eq!(c.alarm_deadline(), Some(Millis(2_000).after(inactivity)));
    assert_eq!(c.next_deadline(), Some(notice));
    // The pane connects a moment later: nothing is owed, and nothing was stored for it.
    let mut paned = c.clone();
    paned.handle(Input::SocketOpened { side: Side::Agent }, Millis(2_100));
    assert_eq!(paned.timer_due(), None);
    assert!(agent_presence(&paned.handle(Input::Tick, notice)).is_empty());
    // It never does: the timer's tick tells the visitor, and no timer is owed after.
    let fx = c.handle(Input::Tick, notice);
    assert_eq!(agent_presence(&fx), [false]);
    assert_eq!(c.timer_due(), None);
    assert_eq!(c.alarm_deadline(), Some(Millis(2_000).after(inactivity)));
}

/// A notice due before a restart that lost its timer is still said on the next tick, as late as
/// that comes: it is kept in the state, only its timer is not.
#[test]
fn a_notice_whose_timer_was_lost_is_said_on_the_next_tick() {
    let mut c = conversation();
    accept(&mut c);
    // The object restarts before the timer fires: what it stored is all it has.
    let state: StoredState =
        serde_json::from_str(&serde_json::to_string(c.stored_state()).expect("state"))
            .expect("stored state");
    let mut back = Conversation::restore(c.dialogue().clone(), state, &[]);
    assert_eq!(back.timer_due(), c.timer_due(), "the notice is still owed");
    let fx = back.handle(Input::Tick, Millis(60_000));
    assert_eq!(agent_presence(&fx), [false]);
}

#[test]
fn a_removed_agents_acceptance_overtaken_by_the_removal_never_reaches_the_visitor() {
    let mut c = conversation();
    // The removal arrives first: the conversation is still waiting, and bars the agent.
    let fx = c.handle(
        Input::FromWorkspace(WorkspaceToConversation::AgentLeft {
            agent: AgentId::new("a1"),
            removed: true,
        }),
        Millis(2_000),
    );
    assert!(link(&fx).is_empty());
    // Then the acceptance made before the removal.
    let fx = c.handle(
        Input::FromWorkspace(WorkspaceToConversation::Accepted {
            request: 1,
            agent: AgentId::new("a1"),
            profile: AgentProfile {
                name: "Alice".into(),
                avatar_url: None,
            },
        }),
        Millis(2_100),
    );
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Append(_))),
        "the visitor sees nothing of the removed agent: {fx:?}"
    );
    match &link(&fx)[..] {
        [ConversationToWorkspace::AgentLeft { agent, request, .. }] => {
            assert_eq!(agent.as_str(), "a1");
            assert_eq!(*request, 2, "routed again under a new request number");
        }
        other => panic!("expected a hand back, got {other:?}"),
    }
    assert_eq!(c.live_state(), LiveState::Requested);
}
