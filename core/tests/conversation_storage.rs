//! What a conversation asks the edge to store: the dialogue once, the state when
//! `Effect::Persist` says so, one row per entry. For any sequence of inputs, loading what was
//! stored gives the live machine; typing and resends store nothing, a chat message its entry
//! (and the state only when it changes more than the entry records); snapshots stored whole by
//! earlier versions still load.

#[path = "support/stored.rs"]
mod stored;

use std::collections::{BTreeMap, BTreeSet};

use parlor_core::conversation::{
    Conversation, ConversationSettings, Effect, Input, LiveState, StoredState, WholeSnapshot,
    CHECKPOINT_EVERY, DEFAULT_PREVIEW_EVERY,
};
use parlor_core::dialogue::Dialogue;
use parlor_core::link::WorkspaceToConversation;
use parlor_core::protocol::{
    AgentProfile, ChatServerMsg, FallbackKind, Side, TranscriptEntry, TranscriptEvent,
};
use parlor_core::routing::FallbackReason;
use parlor_core::{AgentId, ConversationId, Millis};
use proptest::prelude::*;
use stored::{persists, state_json, Stored};

fn dialogue() -> Dialogue {
    serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Sales",
        "branches": [
            {"id": "main", "cards": [
                {"id": "m1", "kind": "message", "text": "Hi!"},
                {"id": "q1", "kind": "question", "text": "Talk to sales?", "buttons": [
                    {"id": "yes", "label": "Yes", "goto": "sales"},
                    {"id": "no", "label": "No", "goto": "bye"}
                ]}
            ]},
            {"id": "sales", "cards": [
                {"id": "ic1", "kind": "info_capture", "text": "Who are you?", "fields": [
                    {"key": "first_name", "kind": "first_name", "label": "First name", "required": true},
                    {"key": "email", "kind": "email", "label": "Email", "required": true}
                ]},
                {"id": "lc1", "kind": "live_chat", "text": "Connecting…", "routing": {"mode": "round_robin"}}
            ]},
            {"id": "bye", "cards": [{"id": "m2", "kind": "message", "text": "Bye!"}]}
        ]
    }))
    .expect("valid dialogue")
}

fn start() -> Input {
    Input::Start {
        identity: None,
        page_url: "https://shop.example/pricing".into(),
        language: "en".into(),
        country: "GB".into(),
        utm: BTreeMap::new(),
    }
}

fn capture() -> Input {
    Input::Capture {
        card: "ic1".into(),
        values: BTreeMap::from([
            ("first_name".to_owned(), "Ada".to_owned()),
            ("email".to_owned(), "ada@example.com".to_owned()),
        ]),
    }
}

fn accepted(agent: &str, request: u32) -> Input {
    Input::FromWorkspace(WorkspaceToConversation::Accepted {
        request,
        agent: AgentId::new(agent),
        profile: AgentProfile {
            name: agent.into(),
            avatar_url: None,
        },
    })
}

fn say(from: Side, id: &str, text: &str) -> Input {
    Input::Say {
        from,
        client_id: id.into(),
        text: text.into(),
    }
}

/// A conversation driven as its object drives it, its storage kept alongside.
struct Object {
    live: Conversation,
    stored: Stored,
}

impl Object {
    fn new() -> Self {
        let live = Conversation::new(
            ConversationId::new("c1"),
            dialogue(),
            ConversationSettings::default(),
            Millis(0),
        );
        let stored = Stored::created(&live);
        Object { live, stored }
    }

    fn handle(&mut self, input: Input, now: u64) -> Vec<Effect> {
        let fx = self.live.handle(input, Millis(now));
        self.stored.apply(&self.live, &fx);
        fx
    }

    /// What is stored loads as the live machine, but for an unsaved preview pace (advice).
    fn assert_loads_as_live(&self) {
        let loaded = self.stored.load();
        let pace = loaded.preview_every();
        assert_eq!(loaded, self.live.clone().with_preview_every(pace));
    }

    /// Started, visitor and agent sockets open, a live chat accepted, at t = 3 ms.
    fn in_chat() -> Self {
        let mut o = Object::new();
        o.handle(
            Input::SocketOpened {
                side: Side::Visitor,
            },
            0,
        );
        o.handle(start(), 0);
        o.handle(
            Input::Answer {
                card: "q1".into(),
                button: "yes".into(),
            },
            1,
        );
        o.handle(capture(), 2);
        o.handle(accepted("a1", 1), 3);
        o.handle(Input::SocketOpened { side: Side::Agent }, 3);
        assert_eq!(o.live.live_state(), LiveState::Accepted);
        o
    }
}

fn appended(fx: &[Effect]) -> Vec<&TranscriptEntry> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Append(entry) => Some(entry),
            _ => None,
        })
        .collect()
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![4 => Just(Side::Visitor), 4 => Just(Side::Agent), 1 => Just(Side::Bot)]
}

fn input() -> impl Strategy<Value = Input> {
    let client_id = prop_oneof![Just("a"), Just("b"), Just("c"), Just("d"), Just("e")];
    let text = prop_oneof![Just(String::new()), "[a-z ]{1,12}", Just("é".repeat(90))];
    let agent = prop_oneof![Just("a1"), Just("a2")];
    prop_oneof![
        1 => Just(start()),
        1 => prop_oneof![Just("yes"), Just("no")].prop_map(|b| Input::Answer {
            card: "q1".into(),
            button: b.into(),
        }),
        1 => Just(capture()),
        8 => (side(), client_id, text).prop_map(|(from, id, text)| Input::Say {
            from,
            client_id: id.into(),
            text,
        }),
        3 => (side(), any::<bool>()).prop_map(|(from, on)| Input::Typing { from, on }),
        1 => side().prop_map(|by| Input::End { by }),
        1 => (agent.clone(), 0u32..3).prop_map(|(a, r)| accepted(a, r)),
        1 => prop_oneof![Just(FallbackKind::LiveChat), Just(FallbackKind::Global)].prop_map(
            |kind| Input::FromWorkspace(WorkspaceToConversation::FellBack {
                kind,
                reason: FallbackReason::NoEligibleAgent,
            })
        ),
        1 => (agent, any::<bool>()).prop_map(|(a, removed)| Input::FromWorkspace(
            WorkspaceToConversation::AgentLeft { agent: AgentId::new(a), removed }
        )),
        1 => (1u64..30_000).prop_map(|ms| Input::FromWorkspace(WorkspaceToConversation::Pace {
            preview_every: Millis(ms),
        })),
        1 => Just(Input::LeaveMessage {
            client_id: "offline".into(),
            email: Some("ada@example.com".into()),
            text: "Call me back".into(),
        }),
        1 => Just(Input::EmailTranscript),
        2 => prop_oneof![Just(Side::Visitor), Just(Side::Agent)]
            .prop_map(|side| Input::SocketOpened { side }),
        2 => prop_oneof![Just(Side::Visitor), Just(Side::Agent)]
            .prop_map(|side| Input::SocketClosed { side }),
        1 => (0u32..3, 0u32..3).prop_map(|(visitor, agent)| Input::Sockets { visitor, agent }),
        3 => Just(Input::Tick),
    ]
}

/// (time step, input): mostly quick, sometimes past a grace or the inactivity timeout.
fn script() -> impl Strategy<Value = Vec<(u64, Input)>> {
    let step = prop_oneof![8 => 0u64..3_000, 2 => 3_000u64..40_000, 1 => 40_000u64..1_300_000];
    prop::collection::vec((step, input()), 0..100)
}

fn check(prefix: bool, steps: Vec<(u64, Input)>) -> Result<(), TestCaseError> {
    let mut o = if prefix {
        Object::in_chat()
    } else {
        Object::new()
    };
    let mut now = 3;
    // (is the visitor, client id) of every stored message.
    let mut acked: BTreeSet<(bool, String)> = BTreeSet::new();
    for (dt, input) in steps {
        now += dt;
        // Nothing due: a bare tick now would store nothing (timers and lazy clean-ups run
        // before any input).
        let quiet = {
            let mut probe = o.live.clone();
            let fx = probe.handle(Input::Tick, Millis(now));
            appended(&fx).is_empty() && persists(&fx) == 0
        };
        let resend = match &input {
            Input::Say {
                from, client_id, ..
            } => acked.contains(&(*from == Side::Visitor, client_id.clone())),
            _ => false,
        };
        let typing = matches!(input, Input::Typing { .. });
        let fx = o.handle(input, now);
        for entry in appended(&fx) {
            if let TranscriptEvent::Message {
                from, client_id, ..
            } = &entry.event
            {
                acked.insert((*from == Side::Visitor, client_id.clone()));
            }
        }
        prop_assert!(persists(&fx) <= 1, "one Persist at most: {:?}", fx);
        if quiet && (typing || resend) {
            prop_assert!(
                appended(&fx).is_empty() && persists(&fx) == 0,
                "typing or a resend stored something: {:?}",
                fx
            );
        }
        // The property: what is stored loads back as the live machine, but for the preview
        // pace (the workspace's advice), which waits for the next write.
        let loaded = o.stored.load();
        if persists(&fx) == 1 {
            prop_assert_eq!(loaded.preview_every(), o.live.preview_every());
        }
        prop_assert_eq!(
            loaded.clone(),
            o.live.clone().with_preview_every(loaded.preview_every())
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn what_is_stored_loads_as_the_live_machine(steps in script()) {
        check(false, steps)?;
    }

    #[test]
    fn what_is_stored_loads_as_the_live_machine_in_a_live_chat(steps in script()) {
        check(true, steps)?;
    }

    /// The object may be evicted at any point and reloaded from storage: it goes on exactly as
    /// the one that stayed in memory (without the workspace's advice, which a restart may lose:
    /// see `a_pace_costs_no_write_and_goes_with_the_next_one`).
    #[test]
    fn a_reloaded_object_goes_on_as_the_one_in_memory(steps in script(), evictions in prop::collection::vec(any::<bool>(), 100)) {
        let mut kept = Object::in_chat();
        let mut reloaded = Object::in_chat();
        let mut now = 3;
        let steps = steps.into_iter().filter(|(_, input)| !is_pace(input));
        for ((dt, input), evict) in steps.zip(evictions) {
            now += dt;
            if evict {
                reloaded.live = reloaded.stored.load();
            }
            let a = kept.handle(input.clone(), now);
            let b = reloaded.handle(input, now);
            prop_assert_eq!(a, b);
        }
        prop_assert_eq!(kept.live, reloaded.live);
    }
}

fn is_pace(input: &Input) -> bool {
    matches!(
        input,
        Input::FromWorkspace(WorkspaceToConversation::Pace { .. })
    )
}

#[test]
fn a_pace_costs_no_write_and_goes_with_the_next_one() {
    let mut o = Object::in_chat();
    let writes = o.stored.state_writes;
    let pace = |ms| {
        Input::FromWorkspace(WorkspaceToConversation::Pace {
            preview_every: Millis(ms),
        })
    };
    let fx = o.handle(pace(40_000), 4);
    assert!(fx.is_empty(), "nothing to store or send: {fx:?}");
    assert_eq!(o.live.preview_every(), Millis(40_000));
    assert_eq!(o.stored.state_writes, writes);
    // A restart now keeps the older pace: previews go at it until the workspace says it again.
    assert_eq!(o.stored.load().preview_every(), DEFAULT_PREVIEW_EVERY);
    // The next write stores it.
    let fx = o.handle(Input::End { by: Side::Visitor }, 5);
    assert_eq!(persists(&fx), 1);
    assert_eq!(o.stored.load().preview_every(), Millis(40_000));
    assert_eq!(o.stored.load(), o.live);
}

#[test]
fn typing_and_resends_store_nothing_and_a_message_is_one_entry() {
    let mut o = Object::in_chat();
    o.handle(
        Input::FromWorkspace(WorkspaceToConversation::Pace {
            preview_every: Millis(60_000),
        }),
        4,
    );
    let writes = o.stored.state_writes;
    let fx = o.handle(
        Input::Typing {
            from: Side::Visitor,
            on: true,
        },
        10,
    );
    assert_eq!(
        fx,
        vec![Effect::Relay(ChatServerMsg::Typing {
            from: Side::Visitor,
            on: true
        })]
    );

    let first = o.handle(say(Side::Visitor, "v1", "hello"), 20);
    assert_eq!(appended(&first).len(), 1);
    let second = o.handle(say(Side::Visitor, "v2", "still there?"), 30);
    assert_eq!(appended(&second).len(), 1);
    assert_eq!(
        persists(&second),
        0,
        "a message within the pace is its entry alone: {second:?}"
    );

    let resend = o.handle(say(Side::Visitor, "v1", "hello"), 40);
    assert!(appended(&resend).is_empty());
    assert_eq!(persists(&resend), 0);
    assert!(matches!(
        resend.as_slice(),
        [Effect::Reply(ChatServerMsg::Ack { seq, .. })] if *seq == appended(&first)[0].seq
    ));
    assert!(
        o.stored.state_writes - writes <= 1,
        "at most the first message's owed preview"
    );
    o.assert_loads_as_live();
}

#[test]
fn a_long_chat_stores_the_state_once_per_checkpoint() {
    let mut o = Object::in_chat();
    // The first agent reply and the owed preview are stored with their messages.
    o.handle(
        Input::FromWorkspace(WorkspaceToConversation::Pace {
            preview_every: Millis(3_600_000),
        }),
        4,
    );
    o.handle(say(Side::Agent, "a0", "Hi, I am Bob"), 5);
    o.handle(say(Side::Visitor, "v0", "Hi Bob"), 6);
    let writes = o.stored.state_writes;
    let messages = 10 * CHECKPOINT_EVERY as usize;
    for i in 0..messages {
        let from = if i % 2 == 0 {
            Side::Visitor
        } else {
            Side::Agent
        };
        let fx = o.handle(say(from, &format!("m{i}"), "hello"), 10 + i as u64);
        assert_eq!(appended(&fx).len(), 1);
    }
    assert_eq!(
        o.stored.state_writes - writes,
        10,
        "one state write per {CHECKPOINT_EVERY} messages"
    );
    // A load replays at most that many entries.
    let state: StoredState = serde_json::from_str(&o.stored.state).expect("state");
    assert!(o.live.last_seq() - state.last_seq() < u64::from(CHECKPOINT_EVERY));
    o.assert_loads_as_live();
}

#[test]
fn the_stored_state_leaves_the_dialogue_out_and_stays_small() {
    let mut o = Object::in_chat();
    for i in 0..300 {
        o.handle(
            say(Side::Visitor, &format!("client-id-{i:04}"), "hello"),
            10 + i,
        );
    }
    let state = state_json(&o.live);
    assert!(!state.contains("\"dialogue\""), "{state}");
    assert!(
        !state.contains("Talk to sales?"),
        "the dialogue's text is not in the state"
    );
    let dialogue = serde_json::to_string(o.live.dialogue()).expect("dialogue");
    assert!(dialogue.contains("Talk to sales?"));
}

/// A snapshot written by the version before the split (`conversation-v1-snapshot.json`: a live
/// chat after six messages, the dialogue embedded; its entries alongside) loads as it was, goes
/// on where it stopped, and stores itself in parts from then on.
#[test]
fn a_whole_snapshot_of_an_earlier_version_loads_and_goes_on() {
    let whole: WholeSnapshot =
        serde_json::from_str(include_str!("fixtures/conversation-v1-snapshot.json"))
            .expect("old snapshot decodes");
    let entries: Vec<TranscriptEntry> =
        serde_json::from_str(include_str!("fixtures/conversation-v1-entries.json"))
            .expect("old entries decode");
    let (dialogue, state) = whole.into_parts();
    assert_eq!(dialogue.id.to_string(), "d1");
    let tail: Vec<TranscriptEntry> = entries
        .iter()
        .filter(|e| e.seq > state.last_seq())
        .cloned()
        .collect();
    let mut c = Conversation::restore(dialogue, state, &tail);
    assert_eq!(c.id().as_str(), "c-legacy");
    assert_eq!(c.live_state(), LiveState::Accepted);
    assert_eq!(c.agent().map(|a| a.as_str()), Some("a1"));
    assert_eq!(c.last_seq(), entries.last().map_or(0, |e| e.seq));
    assert_eq!(
        c.captured().get("email").map(String::as_str),
        Some("ada@example.com")
    );
    assert_eq!(c.dialogue().branches.len(), 3);

    // Its resend memory came along: a resend is acked with the stored seq, nothing stored.
    let k4 = entries
        .iter()
        .find(
            |e| matches!(&e.event, TranscriptEvent::Message { client_id, .. } if client_id == "k4"),
        )
        .map(|e| e.seq)
        .expect("k4 stored");
    let t = c.last_activity().0 + 1_000;
    let fx = c.handle(say(Side::Visitor, "k4", "message 4"), Millis(t));
    assert!(appended(&fx).is_empty());
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::Reply(ChatServerMsg::Ack { seq, .. }) if *seq == k4)));
    // A new message takes the next number; stored in parts, it loads back the same.
    let mut stored = Stored::created(&c);
    stored.entries = entries.clone();
    let before = c.last_seq();
    let fx = c.handle(say(Side::Agent, "k6", "message 6"), Millis(t + 1));
    assert_eq!(appended(&fx)[0].seq, before + 1);
    stored.apply(&c, &fx);
    assert_eq!(stored.load(), c);
}
