//! Internal notes: an agent's note is stored in the transcript, seen by agents and admins, and
//! never reaches a visitor's socket — neither live (`Conversation::to_visitors`) nor in the
//! replay after a reconnect (`resume_frames_for`) — while the visitor's numbers stay contiguous
//! for core's client session. Nor is it in the transcript email or a webhook's transcript.

#[path = "support/stored.rs"]
mod stored;

use std::collections::BTreeMap;

use parlor_core::client::{ChatSession, ClientEffect, ClientEvent};
use parlor_core::conversation::{
    for_visitor, resume_frames_for, Conversation, ConversationSettings, Effect, Input,
};
use parlor_core::dialogue::Dialogue;
use parlor_core::link::WorkspaceToConversation;
use parlor_core::protocol::{AgentProfile, ChatServerMsg, Side, TranscriptEntry, TranscriptEvent};
use parlor_core::{AgentId, ConversationId, Millis};
use proptest::prelude::*;

const TIMEOUT: u64 = 600_000;

fn dialogue() -> Dialogue {
    serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Sales",
        "branches": [{"id": "main", "cards": [
            {"id": "m1", "kind": "message", "text": "Hi!"},
            {"id": "lc1", "kind": "live_chat", "text": "Connecting…", "routing": {"mode": "round_robin"}}
        ]}]
    }))
    .expect("valid dialogue")
}

fn start() -> Input {
    Input::Start {
        identity: None,
        page_url: "/".into(),
        language: String::new(),
        country: String::new(),
        utm: BTreeMap::new(),
    }
}

fn accepted(agent: &str) -> Input {
    Input::FromWorkspace(WorkspaceToConversation::Accepted {
        request: 0,
        agent: AgentId::new(agent),
        profile: AgentProfile {
            name: format!("Agent {agent}"),
            avatar_url: None,
        },
    })
}

fn note(id: &str, text: &str) -> Input {
    Input::Note {
        client_id: id.into(),
        text: text.into(),
    }
}

fn say(from: Side, id: &str, text: &str) -> Input {
    Input::Say {
        from,
        client_id: id.into(),
        text: text.into(),
    }
}

/// A conversation whose live chat agent `a1` accepted.
fn live() -> (Conversation, Millis) {
    let mut c = Conversation::new(
        ConversationId::new("c"),
        dialogue(),
        ConversationSettings::default(),
        Millis(0),
    );
    c.handle(start(), Millis(0));
    c.handle(accepted("a1"), Millis(10));
    (c, Millis(10))
}

fn appended(fx: &[Effect]) -> Vec<TranscriptEntry> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Append(entry) => Some(entry.clone()),
            _ => None,
        })
        .collect()
}

fn acks(fx: &[Effect]) -> Vec<(String, u64)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Reply(ChatServerMsg::Ack { client_id, seq }) => Some((client_id.clone(), *seq)),
            _ => None,
        })
        .collect()
}

fn has_note(frames: &[ChatServerMsg]) -> bool {
    frames.iter().any(|f| {
        matches!(f, ChatServerMsg::Entry { entry } if matches!(entry.event, TranscriptEvent::Note { .. }))
    })
}

#[test]
fn a_note_is_stored_for_the_agent_and_never_sent_to_the_visitor() {
    let (mut c, _) = live();
    let before = c.last_seq();
    let deadline = c.inactivity_deadline();
    let fx = c.handle(note("n-1", "  VIP customer, be nice  "), Millis(500));
    let added = appended(&fx);
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].seq, before + 1);
    assert_eq!(
        added[0].event,
        TranscriptEvent::Note {
            by: "Agent a1".into(),
            text: "VIP customer, be nice".into(),
            client_id: "n-1".into(),
        }
    );
    assert!(!added[0].visible_to(Side::Visitor) && added[0].visible_to(Side::Agent));
    assert_eq!(acks(&fx), [("n-1".to_owned(), before + 1)]);
    // Live: the visitor's sockets get nothing of it.
    assert!(c.to_visitors(&added).is_empty());
    // Not activity, not a reply, not the preview.
    assert_eq!(c.inactivity_deadline(), deadline);
    let row = c.record(Millis(500));
    assert_eq!(row.first_agent_reply_at, None);
    assert_eq!(row.last_message, None);

    // The next message: the agent sees it as seq+2, the visitor as their own next number.
    let fx = c.handle(say(Side::Agent, "m-1", "Hello!"), Millis(600));
    let msg = appended(&fx);
    assert_eq!(msg[0].seq, before + 2);
    let shown = c.to_visitors(&msg);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].seq, before + 1);
    assert_eq!(c.record(Millis(600)).first_agent_reply_at, Some(600));

    // The visitor's ack and welcome count without the note.
    let fx = c.handle(say(Side::Visitor, "v-1", "Hi"), Millis(700));
    assert_eq!(acks(&fx), [("v-1".to_owned(), before + 2)]);
    assert_eq!(c.view_for(Side::Visitor).last_seq, before + 2);
    assert_eq!(c.view_for(Side::Agent).last_seq, before + 3);
}

#[test]
fn a_resent_note_is_acked_once_and_stored_once() {
    let (mut c, _) = live();
    let first = c.handle(note("n-1", "one"), Millis(100));
    let again = c.handle(note("n-1", "one"), Millis(200));
    assert_eq!(appended(&first).len(), 1);
    assert!(appended(&again).is_empty());
    assert_eq!(acks(&first), acks(&again));
    // Even after the conversation closed, the resend hears its original ack.
    c.handle(Input::End { by: Side::Visitor }, Millis(300));
    let late = c.handle(note("n-1", "one"), Millis(400));
    assert_eq!(acks(&late), acks(&first));
}

#[test]
fn notes_are_refused_outside_an_accepted_open_chat() {
    let refused = |fx: &[Effect]| {
        appended(fx).is_empty()
            && fx
                .iter()
                .any(|e| matches!(e, Effect::Reply(ChatServerMsg::Error { .. })))
    };
    // Before any agent accepted.
    let mut c = Conversation::new(
        ConversationId::new("c"),
        dialogue(),
        ConversationSettings::default(),
        Millis(0),
    );
    c.handle(start(), Millis(0));
    assert!(refused(&c.handle(note("n-1", "x"), Millis(1))));
    // Bounds as for messages.
    let (mut c, _) = live();
    assert!(refused(&c.handle(note("", "x"), Millis(20))));
    assert!(refused(&c.handle(note(&"i".repeat(200), "x"), Millis(20))));
    assert!(refused(&c.handle(note("n-2", "   "), Millis(20))));
    assert!(refused(
        &c.handle(note("n-3", &"x".repeat(4_001)), Millis(20))
    ));
    // After the chat ended: the conversation takes no more input.
    c.handle(Input::End { by: Side::Agent }, Millis(30));
    assert!(refused(&c.handle(note("n-4", "after"), Millis(40))));
}

#[test]
fn a_note_loads_back_from_its_entry_alone() {
    let (c, _) = live();
    let mut storage = stored::Stored::created(&c);
    let mut c = c;
    // The live() inputs were not stored one by one: store the state now.
    storage.state = stored::state_json(&c);
    let fx = c.handle(note("n-1", "one"), Millis(100));
    assert_eq!(stored::persists(&fx), 0, "a note is its entry alone");
    storage.apply(&c, &fx);
    let back = storage.load();
    assert_eq!(back, c);
    assert_eq!(back.view_for(Side::Visitor), c.view_for(Side::Visitor));
}

#[test]
fn a_caught_up_socket_reads_nothing_on_hello() {
    let (mut c, _) = live();
    let last = c.last_seq();
    assert!(last > 0);
    for side in [Side::Visitor, Side::Agent] {
        assert_eq!(c.replay_from(side, last), None, "{side:?} caught up");
        assert_eq!(c.replay_from(side, last + 3), None, "{side:?} ahead");
        assert_eq!(
            c.replay_from(side, last - 1),
            Some(last - 1),
            "{side:?} one behind"
        );
        assert_eq!(c.replay_from(side, 0), Some(0), "{side:?} reloaded");
    }
    // With a note the visitor's numbers run one behind the transcript's: caught up at theirs,
    // and behind it the whole transcript is read (it is renumbered for them).
    c.handle(note("n-1", "one"), Millis(100));
    let visitor_last = c.view_for(Side::Visitor).last_seq;
    assert_eq!(visitor_last, c.last_seq() - 1);
    assert_eq!(c.replay_from(Side::Visitor, visitor_last), None);
    assert_eq!(c.replay_from(Side::Visitor, visitor_last - 1), Some(0));
    assert_eq!(
        c.replay_from(Side::Agent, visitor_last),
        Some(visitor_last),
        "the agent has not seen the note"
    );
}

#[test]
fn the_visitor_email_and_webhooks_leave_notes_out() {
    let (mut c, _) = live();
    let mut all = Vec::new();
    for (i, input) in [
        say(Side::Visitor, "v-1", "Hi there"),
        note("n-1", "SECRET-NOTE"),
        say(Side::Agent, "m-1", "Hello!"),
    ]
    .into_iter()
    .enumerate()
    {
        all.extend(appended(&c.handle(input, Millis(100 + i as u64))));
    }
    let email = parlor_core::transcript_mail::render(&all);
    assert!(!format!("{email:?}").contains("SECRET-NOTE"), "{email:?}");
    assert!(format!("{email:?}").contains("Hello!"));
    let lines = parlor_core::webhooks::event::transcript(&all, None);
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| !l.text.contains("SECRET-NOTE")));
}

#[test]
fn for_visitor_renumbers_without_gaps() {
    let (mut c, _) = live();
    let mut all = Vec::new();
    for (i, input) in [
        note("n-1", "a"),
        say(Side::Visitor, "v-1", "b"),
        note("n-2", "c"),
        note("n-3", "d"),
        say(Side::Agent, "m-1", "e"),
    ]
    .into_iter()
    .enumerate()
    {
        all.extend(appended(&c.handle(input, Millis(100 + i as u64))));
    }
    let seen = for_visitor(&all, 0);
    let seqs: Vec<u64> = seen.iter().map(|e| e.seq).collect();
    // Four entries before these (the cards, the request, the join): 5 and 6 for the visitor.
    assert_eq!(seqs, [5, 6]);
    // Replays: the agent's has every entry, the visitor's no note and their numbers.
    let frames = resume_frames_for(Side::Visitor, c.view_for(Side::Visitor), &all, 0);
    assert!(!has_note(&frames));
    let frames = resume_frames_for(Side::Agent, c.view_for(Side::Agent), &all, 0);
    assert!(has_note(&frames));
}

/// What a test step does.
#[derive(Debug, Clone)]
enum Step {
    Input(u64, Input),
    /// The visitor's socket drops and reconnects with `hello {last_seq}`.
    VisitorReconnects,
    /// A new visitor page (`hello {last_seq: 0}`).
    VisitorReloads,
}

fn step() -> impl Strategy<Value = Step> {
    let id = prop_oneof![Just("a"), Just("b"), Just("c"), Just("")];
    let text = prop_oneof![
        Just("hello".to_owned()),
        Just("  ".to_owned()),
        "[a-z]{1,8}"
    ];
    let dt = prop_oneof![6 => 0u64..5_000, 1 => 0u64..(2 * TIMEOUT)];
    prop_oneof![
        4 => (dt.clone(), id.clone(), text.clone()).prop_map(|(dt, id, t)| Step::Input(dt, note(id, &t))),
        3 => (dt.clone(), prop_oneof![Just(Side::Visitor), Just(Side::Agent)], id, text)
            .prop_map(|(dt, from, id, t)| Step::Input(dt, say(from, id, &t))),
        1 => dt.clone().prop_map(|dt| Step::Input(dt, Input::Tick)),
        1 => (dt.clone(), prop_oneof![Just("a1"), Just("a2")]).prop_map(|(dt, a)| Step::Input(dt, accepted(a))),
        1 => (dt.clone(), prop_oneof![Just("a1"), Just("a2")]).prop_map(|(dt, a)| Step::Input(dt, Input::FromWorkspace(
            WorkspaceToConversation::AgentLeft { agent: AgentId::new(a), removed: true }))),
        1 => (dt, prop_oneof![Just(Side::Visitor), Just(Side::Agent)]).prop_map(|(dt, by)| Step::Input(dt, Input::End { by })),
        2 => Just(Step::VisitorReconnects),
        1 => Just(Step::VisitorReloads),
    ]
}

/// A visitor's client session (core's, as the widget runs it) fed `frames`; returns the
/// entries it delivered.
fn feed(session: &mut ChatSession, frames: Vec<ChatServerMsg>) -> Vec<TranscriptEntry> {
    let mut out = Vec::new();
    for frame in frames {
        for fx in session.handle(ClientEvent::Frame(frame), Millis(0)) {
            if let ClientEffect::Deliver(e) = fx {
                out.push(e);
            }
        }
    }
    out
}

fn visitor_session() -> ChatSession {
    let mut s = ChatSession::new("v".into());
    s.handle(ClientEvent::Connect, Millis(0));
    s.handle(ClientEvent::Opened, Millis(0));
    s
}

/// The visitor's reconnect as the edge answers it: from what is stored, with core's rules.
fn hello(storage: &stored::Stored, c: &Conversation, last_seq: u64) -> Vec<ChatServerMsg> {
    let from = c.replay_from(Side::Visitor, last_seq);
    let entries: Vec<TranscriptEntry> = storage
        .entries
        .iter()
        .filter(|e| from.is_some_and(|from| e.seq > from))
        .cloned()
        .collect();
    resume_frames_for(Side::Visitor, c.view_for(Side::Visitor), &entries, last_seq)
}

fn run(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let c = Conversation::new(
        ConversationId::new("c"),
        dialogue(),
        ConversationSettings::default(),
        Millis(0),
    );
    let mut storage = stored::Stored::created(&c);
    let mut now = 0u64;
    let mut visitor = visitor_session();
    let mut seen: Vec<TranscriptEntry> = Vec::new();
    let mut notes: BTreeMap<String, u64> = BTreeMap::new();
    let opening = vec![Step::Input(0, start()), Step::Input(1, accepted("a1"))];
    for step in opening.into_iter().chain(steps) {
        // Every input wakes a fresh object from storage, as the edge does after hibernation.
        let mut c = storage.load();
        match step {
            Step::Input(dt, input) => {
                now += dt;
                let was_note = matches!(input, Input::Note { .. });
                let visitor_said = match &input {
                    Input::Say {
                        from: Side::Visitor,
                        client_id,
                        ..
                    } => Some(client_id.clone()),
                    _ => None,
                };
                let fx = c.handle(input, Millis(now));
                storage.apply(&c, &fx);
                let added = appended(&fx);
                for e in &added {
                    if let TranscriptEvent::Note { client_id, .. } = &e.event {
                        prop_assert!(was_note);
                        prop_assert!(
                            notes.insert(client_id.clone(), e.seq).is_none(),
                            "stored twice"
                        );
                    }
                }
                // Live fan-out: the visitor's copy never holds a note.
                let live: Vec<ChatServerMsg> = c
                    .to_visitors(&added)
                    .into_iter()
                    .map(|entry| ChatServerMsg::Entry { entry })
                    .collect();
                prop_assert!(!has_note(&live));
                seen.extend(feed(&mut visitor, live));
                // The visitor's ack names the visitor's number of their message.
                if let Some(id) = visitor_said {
                    let mine = for_visitor(&storage.entries, 0);
                    for (cid, seq) in acks(&fx) {
                        prop_assert_eq!(&cid, &id);
                        let at = mine.iter().find(|e| e.seq == seq);
                        prop_assert!(
                            matches!(at.map(|e| &e.event), Some(TranscriptEvent::Message { client_id, .. }) if *client_id == id),
                            "ack {} names {:?}",
                            seq,
                            at
                        );
                    }
                }
            }
            Step::VisitorReconnects => {
                let frames = hello(&storage, &c, visitor.last_seq());
                prop_assert!(!has_note(&frames));
                visitor.handle(ClientEvent::SocketClosed { code: 1006 }, Millis(0));
                visitor.handle(ClientEvent::Connect, Millis(0));
                visitor.handle(ClientEvent::Opened, Millis(0));
                seen.extend(feed(&mut visitor, frames));
            }
            Step::VisitorReloads => {
                let frames = hello(&storage, &c, 0);
                prop_assert!(!has_note(&frames));
                let mut fresh = visitor_session();
                let got = feed(&mut fresh, frames);
                prop_assert_eq!(&got, &for_visitor(&storage.entries, 0));
            }
        }
    }
    // The visitor got, in order and without a gap, every entry but the notes.
    let c = storage.load();
    let expected = for_visitor(&storage.entries, 0);
    prop_assert!(seen.iter().all(|e| e.visible_to(Side::Visitor)));
    prop_assert_eq!(&seen, &expected);
    prop_assert_eq!(visitor.last_seq(), c.view_for(Side::Visitor).last_seq);
    for (i, e) in expected.iter().enumerate() {
        prop_assert_eq!(e.seq, i as u64 + 1);
    }
    // The agent's replay from 0 has every entry, notes included.
    let agent = resume_frames_for(Side::Agent, c.view_for(Side::Agent), &storage.entries, 0);
    prop_assert_eq!(agent.len(), storage.entries.len() + 1);
    let replayed_notes = agent
        .iter()
        .filter(|f| matches!(f, ChatServerMsg::Entry { entry } if matches!(entry.event, TranscriptEvent::Note { .. })))
        .count();
    prop_assert_eq!(replayed_notes, notes.len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// For any sequence of inputs and reconnects: no frame for the visitor, live or replayed,
    /// carries a note; the visitor's numbers stay contiguous; the agent's replay has them all.
    #[test]
    fn no_visitor_frame_ever_carries_a_note(steps in prop::collection::vec(step(), 0..50)) {
        run(steps)?;
    }
}

/// Who may answer (the live chat card's routing) and where the dialogue goes when nobody can
/// are the workspace's business: the visitor's copy of a card carries neither, live or after
/// a reconnect; the stored entry, which agents and admins read, keeps both.
#[test]
fn a_visitor_never_sees_the_routing_of_a_card() {
    let dialogue: Dialogue = serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Sales",
        "branches": [
            {"id": "main", "cards": [
                {"id": "lc1", "kind": "live_chat", "text": "Connecting…",
                 "routing": {"mode": "rules", "rules": [{
                     "conditions": [{"subject": {"of": "page_url"}, "op": "contains", "values": ["/pricing"]}],
                     "target": {"to": "agent", "agent": "a-secret"}}]},
                 "when_unavailable": "later"}
            ]},
            {"id": "later", "cards": [{"id": "m2", "kind": "message", "text": "Leave a note."}]}
        ]
    }))
    .expect("valid dialogue");
    let mut c = Conversation::new(
        ConversationId::new("c1"),
        dialogue,
        ConversationSettings::default(),
        Millis(0),
    );
    let fx = c.handle(start(), Millis(0));
    let stored: Vec<TranscriptEntry> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Append(entry) => Some(entry.clone()),
            _ => None,
        })
        .collect();
    let stored_json = serde_json::to_string(&stored).expect("json");
    assert!(stored_json.contains("a-secret") && stored_json.contains("when_unavailable"));
    let live = serde_json::to_string(&c.to_visitors(&stored)).expect("json");
    let resumed = serde_json::to_string(&resume_frames_for(
        Side::Visitor,
        c.view_for(Side::Visitor),
        &stored,
        0,
    ))
    .expect("json");
    for seen in [&live, &resumed] {
        assert!(
            seen.contains("\"kind\":\"live_chat\""),
            "the card is shown: {seen}"
        );
        assert!(
            seen.contains("\"routing\":{\"mode\":\"round_robin\"}"),
            "{seen}"
        );
        for hidden in ["a-secret", "/pricing", "rules", "when_unavailable", "later"] {
            assert!(
                !seen.contains(hidden),
                "{hidden} reached the visitor: {seen}"
            );
        }
    }
}
