//! Invariants of the conversation state machine under arbitrary input sequences.

#[path = "support/stored.rs"]
mod stored;

use std::collections::BTreeMap;

use parlor_core::conversation::{Conversation, ConversationSettings, Effect, Input};
use parlor_core::dialogue::Dialogue;
use parlor_core::link::WorkspaceToConversation;
use parlor_core::protocol::{AgentProfile, ChatServerMsg, FallbackKind, Side, TranscriptEvent};
use parlor_core::routing::FallbackReason;
use parlor_core::{AgentId, ConversationId, Millis};
use proptest::prelude::*;

const TIMEOUT: u64 = 600_000;

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

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Visitor), Just(Side::Agent), Just(Side::Bot)]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("  ".to_owned()),
        "[a-z ]{1,20}",
        Just("x".repeat(4_001)),
    ]
}

fn input() -> impl Strategy<Value = Input> {
    let card = prop_oneof![Just("q1"), Just("ic1"), Just("lc1"), Just("zz")];
    let button = prop_oneof![Just("yes"), Just("no"), Just("zz")];
    let client_id = prop_oneof![Just(""), Just("a"), Just("b"), Just("c"), Just("d")];
    let email = prop_oneof![Just("ada@example.com"), Just("nope")];
    prop_oneof![
           1 => Just(Input::Start {
               identity: None,
               page_url: "/pricing".into(),
               language: "en".into(),
               country: "GB".into(),
               utm: BTreeMap::new(),
           }),
           1 => (card.clone(), button).prop_map(|(c, b)| Input::Answer {
               card: c.into(),
               button: b.into()
           }),
           1 => (card, email).prop_map(|(c, e)| Input::Capture {
               card: c.into(),
               values: BTreeMap::from([
                   ("first_name".to_owned(), "Ada".to_owned()),
                   ("email".to_owned(), e.to_owned()),
               ]),
           }),
           4 => (side(), client_id, text()).prop_map(|(from, id, text)| Input::Say {
               from,
               client_id: id.into(),
               text
           }),
           1 => (side(), any::<bool>()).prop_map(|(from, on)| Input::Typing { from, on }),
           1 => side().prop_map(|by| Input::End { by }),
           1 => prop_oneof![Just("a1"), Just("a2")].prop_map(|a| Input::FromWorkspace(WorkspaceToConversation::Accepted {
    request: 0,
               agent: AgentId::new(a),
               profile: AgentProfile {
                   name: a.into(),
                   avatar_url: None
               },
           })),
           1 => prop_oneof![Just(FallbackKind::LiveChat), Just(FallbackKind::Global)]
               .prop_map(|kind| Input::FromWorkspace(WorkspaceToConversation::FellBack { kind, reason: FallbackReason::NoEligibleAgent})),
           2 => Just(Input::Tick),
       ]
}

/// (time step, input); steps are often small, sometimes beyond the inactivity timeout.
fn script() -> impl Strategy<Value = Vec<(u64, Input)>> {
    let step = prop_oneof![4 => 0u64..5_000, 1 => 0u64..(2 * TIMEOUT)];
    prop::collection::vec((step, input()), 0..60)
}

/// A scripted conversation that reaches a live chat, so chat inputs get exercised.
fn to_live_chat() -> Vec<(u64, Input)> {
    vec![
        (
            0,
            Input::Start {
                identity: None,
                page_url: "/".into(),
                language: String::new(),
                country: String::new(),
                utm: BTreeMap::new(),
            },
        ),
        (
            1,
            Input::Answer {
                card: "q1".into(),
                button: "yes".into(),
            },
        ),
        (
            1,
            Input::Capture {
                card: "ic1".into(),
                values: BTreeMap::from([
                    ("first_name".to_owned(), "Ada".to_owned()),
                    ("email".to_owned(), "ada@example.com".to_owned()),
                ]),
            },
        ),
    ]
}

fn run(prefix: bool, steps: Vec<(u64, Input)>) -> Result<(), TestCaseError> {
    let mut c = Conversation::new(
        ConversationId::new("c"),
        dialogue(),
        ConversationSettings::default(),
        Millis(0),
    );
    let mut storage = stored::Stored::created(&c);
    let mut now = 0u64;
    let mut stored: BTreeMap<(bool, String), u64> = BTreeMap::new();
    let script = if prefix { to_live_chat() } else { Vec::new() };
    for (dt, input) in script.into_iter().chain(steps) {
        now += dt;
        let was_closed = c.is_closed();
        let deadline_before = c.inactivity_deadline();
        let said = match &input {
            Input::Say {
                from, client_id, ..
            } => Some((*from == Side::Visitor, client_id.clone())),
            _ => None,
        };
        let is_tick = input == Input::Tick;
        let before = c.last_seq();
        let fx = c.handle(input, Millis(now));
        storage.apply(&c, &fx);

        // Sequence numbers: consecutive from the previous last_seq, no gaps.
        let mut expected = before;
        for e in &fx {
            if let Effect::Append(entry) = e {
                expected += 1;
                prop_assert_eq!(entry.seq, expected);
                prop_assert_eq!(entry.at, Millis(now));
                prop_assert!(!was_closed, "appended after close: {:?}", entry);
                if let TranscriptEvent::Message {
                    from, client_id, ..
                } = &entry.event
                {
                    let key = (*from == Side::Visitor, client_id.clone());
                    prop_assert!(!stored.contains_key(&key), "stored twice: {:?}", key);
                    stored.insert(key, entry.seq);
                }
            }
        }
        prop_assert_eq!(c.last_seq(), expected);

        // Idempotent delivery: every ack names the one stored seq for (side, client_id).
        for e in &fx {
            if let Effect::Reply(ChatServerMsg::Ack { client_id, seq }) = e {
                let key = said
                    .clone()
                    .ok_or_else(|| TestCaseError::fail("ack without say"))?;
                prop_assert_eq!(&key.1, client_id);
                prop_assert_eq!(stored.get(&key), Some(seq));
            }
        }

        // Closed exactly when there is no deadline; Closed is emitted once, on the transition.
        prop_assert_eq!(c.is_closed(), c.inactivity_deadline().is_none());
        let closed_effects = fx
            .iter()
            .filter(|e| matches!(e, Effect::Closed { .. }))
            .count();
        prop_assert_eq!(closed_effects, usize::from(!was_closed && c.is_closed()));

        // No conversation outlives its deadline once ticked (or touched) at/after it.
        if let Some(d) = deadline_before {
            if Millis(now) >= d {
                prop_assert!(c.is_closed(), "open past its deadline {:?} at {}", d, now);
            }
        }
        if is_tick && !c.is_closed() {
            prop_assert!(c.next_deadline().is_some_and(|d| d > Millis(now)));
        }
    }
    // What was stored loads back as the machine (conversation_storage.rs checks every step).
    prop_assert_eq!(storage.load(), c);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn invariants_hold_from_a_fresh_conversation(steps in script()) {
        run(false, steps)?;
    }

    #[test]
    fn invariants_hold_in_a_live_chat(steps in script()) {
        run(true, steps)?;
    }

    /// Resending any message any number of times, interleaved, stores each
    /// (side, client_id) once and always acks the same seq.
    #[test]
    fn message_delivery_is_idempotent(
        sends in prop::collection::vec((prop_oneof![Just(Side::Visitor), Just(Side::Agent)], 0usize..6), 1..80)
    ) {
        let mut c = Conversation::new("c".into(), dialogue(), ConversationSettings::default(), Millis(0));
        for (dt, input) in to_live_chat() {
            c.handle(input, Millis(dt));
        }
        c.handle(Input::FromWorkspace(WorkspaceToConversation::Accepted {
 request: 0, agent: "a1".into(), profile: AgentProfile { name: "A".into(), avatar_url: None } }), Millis(3));
        let mut acked: BTreeMap<(bool, usize), u64> = BTreeMap::new();
        let mut appends = 0usize;
        for (i, (from, id)) in sends.into_iter().enumerate() {
            let fx = c.handle(Input::Say { from, client_id: format!("m{id}"), text: format!("text {i}") }, Millis(10 + i as u64));
            appends += fx.iter().filter(|e| matches!(e, Effect::Append(_))).count();
            let acks: Vec<u64> = fx.iter().filter_map(|e| match e {
                Effect::Reply(ChatServerMsg::Ack { seq, .. }) => Some(*seq),
                _ => None,
            }).collect();
            prop_assert_eq!(acks.len(), 1);
            let key = (from == Side::Visitor, id);
            let first = *acked.entry(key).or_insert(acks[0]);
            prop_assert_eq!(first, acks[0]);
        }
        prop_assert_eq!(appends, acked.len());
    }

    /// Whatever happened, ticking at last activity + timeout closes the conversation.
    #[test]
    fn every_conversation_closes_by_its_deadline(steps in script()) {
        let mut c = Conversation::new("c".into(), dialogue(), ConversationSettings::default(), Millis(0));
        let mut now = 0;
        for (dt, input) in steps {
            now += dt;
            c.handle(input, Millis(now));
        }
        if let Some(d) = c.next_deadline() {
            prop_assert!(d <= Millis(c.last_activity().0 + TIMEOUT));
            c.handle(Input::Tick, d);
        }
        prop_assert!(c.is_closed());
    }
}
