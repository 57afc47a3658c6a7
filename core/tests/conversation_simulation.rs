//! Drives a conversation the way the ConversationDO does — store the dialogue once, every
//! appended entry and the state when the core asks, wake a fresh object from that storage for
//! every event, set one alarm at `next_deadline`, fire it on a fake clock — through a whole
//! dialogue, a live chat and its inactivity expiry.

#[path = "support/stored.rs"]
mod stored;

use std::collections::BTreeMap;

use parlor_core::conversation::{
    resume_frames, Conversation, ConversationSettings, Effect, Input, LiveState,
};
use parlor_core::dialogue::{validate, Dialogue};
use parlor_core::link::{ConversationToWorkspace, WorkspaceToConversation};
use parlor_core::protocol::{
    AgentProfile, ChatServerMsg, EndReason, Side, TranscriptEntry, TranscriptEvent,
};
use parlor_core::{AgentId, Millis};

/// The edge's side: storage (dialogue, state, entries), the alarm, and what went to the
/// workspace.
struct FakeDo {
    stored: stored::Stored,
    alarm: Option<Millis>,
    to_workspace: Vec<Effect>,
    replies: Vec<ChatServerMsg>,
}

impl FakeDo {
    fn new(c: &Conversation) -> Self {
        FakeDo {
            stored: stored::Stored::created(c),
            alarm: c.next_deadline(),
            to_workspace: Vec::new(),
            replies: Vec::new(),
        }
    }

    /// Every event wakes a fresh object from storage, as after hibernation.
    fn handle(&mut self, input: Input, now: Millis) {
        let mut c = self.stored.load();
        let effects = c.handle(input, now);
        self.stored.apply(&c, &effects);
        for effect in effects {
            match effect {
                Effect::Append(_) | Effect::Persist => {}
                Effect::Reply(msg) => self.replies.push(msg),
                Effect::Relay(_) => {}
                // Index rows are covered by conversation_index.rs; this test follows routing.
                Effect::ToWorkspace(ConversationToWorkspace::Index { .. }) => {}
                other => self.to_workspace.push(other),
            }
        }
        self.alarm = c.next_deadline();
    }

    fn conversation(&self) -> Conversation {
        self.stored.load()
    }

    /// Advances the clock by `by` ms, firing the alarm (late, and twice) whenever it is due.
    fn advance(&mut self, clock: &mut Millis, by: u64) {
        let to = Millis(clock.0 + by);
        while let Some(at) = self.alarm.filter(|a| *a <= to) {
            let fire = Millis(at.0 + 1_500); // alarms are late
            self.handle(Input::Tick, fire);
            self.handle(Input::Tick, fire); // and at-least-once
            *clock = fire;
        }
        *clock = (*clock).max(to);
    }
}

#[test]
fn dialogue_to_live_chat_to_expiry() {
    let dialogue: Dialogue = serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Pricing",
        "targeting": [{"match": "prefix", "value": "/pricing"}],
        "branches": [
            {"id": "main", "cards": [
                {"id": "m1", "kind": "message", "text": "Hello!"},
                {"id": "q1", "kind": "question", "text": "Would you like to talk to sales?", "buttons": [
                    {"id": "yes", "label": "Yes please", "goto": "sales"},
                    {"id": "no", "label": "No thanks", "goto": "bye"}
                ]}
            ]},
            {"id": "sales", "cards": [
                {"id": "ic1", "kind": "info_capture", "text": "Tell us who you are", "fields": [
                    {"key": "first_name", "kind": "first_name", "label": "First name", "required": true},
                    {"key": "email", "kind": "email", "label": "Work email", "required": true},
                    {"key": "company", "kind": "company", "label": "Company"}
                ]},
                {"id": "lc1", "kind": "live_chat", "text": "Connecting you with sales…", "routing": {"mode": "team", "team": "sales"}}
            ]},
            {"id": "bye", "cards": [{"id": "m2", "kind": "message", "text": "Have a nice day!"}]}
        ]
    }))
    .expect("dialogue");
    let report = validate(&dialogue);
    assert!(report.is_ok(), "{report:?}");
    assert!(report.warnings.is_empty(), "{report:?}");

    let mut clock = Millis(1_700_000_000_000);
    let c = Conversation::new(
        "c1".into(),
        dialogue,
        ConversationSettings::default(),
        clock,
    );
    let mut edge = FakeDo::new(&c);

    edge.handle(
        Input::Start {
            identity: None,
            page_url: "https://shop.example/pricing?utm_campaign=spring".into(),
            language: "en".into(),
            country: "GB".into(),
            utm: BTreeMap::from([("campaign".into(), "spring".into())]),
        },
        clock,
    );
    edge.advance(&mut clock, 8_000);
    edge.handle(
        Input::Answer {
            card: "q1".into(),
            button: "yes".into(),
        },
        clock,
    );
    edge.advance(&mut clock, 30_000);
    edge.handle(
        Input::Capture {
            card: "ic1".into(),
            values: BTreeMap::from([
                ("first_name".into(), "Ada".into()),
                ("email".into(), "ada@bigcorp.example".into()),
                ("company".into(), "BigCorp".into()),
            ]),
        },
        clock,
    );
    // The visitor gave an email: the workspace hears of the lead, then of the request.
    assert!(matches!(
        edge.to_workspace.as_slice(),
        [
            Effect::ToWorkspace(ConversationToWorkspace::Lead { .. }),
            Effect::ToWorkspace(ConversationToWorkspace::RequestLiveChat { .. })
        ]
    ));

    // The visitor writes while waiting; the first offer times out, the second agent accepts.
    edge.advance(&mut clock, 5_000);
    edge.handle(
        Input::Say {
            from: Side::Visitor,
            client_id: "v1".into(),
            text: "Hi, pricing for 50 seats?".into(),
        },
        clock,
    );
    edge.advance(&mut clock, 100_000);
    edge.advance(&mut clock, 40_000);
    edge.handle(
        Input::FromWorkspace(WorkspaceToConversation::Accepted {
            request: 0,
            agent: AgentId::new("eve"),
            profile: AgentProfile {
                name: "Eve".into(),
                avatar_url: Some("https://cdn/eve-v1.png".into()),
            },
        }),
        clock,
    );
    assert_eq!(edge.conversation().live_state(), LiveState::Accepted);

    // A chat, with a resend after a dropped socket.
    for (from, id, text, wait) in [
        (Side::Agent, "a1", "Hi Ada! Happy to help.", 20_000),
        (Side::Visitor, "v2", "Great, what's the price?", 60_000),
        (Side::Visitor, "v2", "Great, what's the price?", 1_000),
        (Side::Agent, "a2", "It's 10 € per seat.", 9 * 60_000),
    ] {
        edge.advance(&mut clock, wait);
        edge.handle(
            Input::Say {
                from,
                client_id: id.into(),
                text: text.into(),
            },
            clock,
        );
    }
    let acks: Vec<u64> = edge
        .replies
        .iter()
        .filter_map(|r| match r {
            ChatServerMsg::Ack { client_id, seq } if client_id == "v2" => Some(*seq),
            _ => None,
        })
        .collect();
    assert_eq!(acks.len(), 2);
    assert_eq!(acks[0], acks[1]);

    // A reconnecting widget that had seen up to seq 5 gets exactly the rest.
    let frames = resume_frames(edge.conversation().view(), &edge.stored.entries, 5);
    assert_eq!(frames.len(), edge.stored.entries.len() - 5 + 1);

    // Silence: the alarm fires 10 minutes after the agent's last message (late, twice).
    let last_activity = clock;
    assert_eq!(edge.alarm, Some(Millis(last_activity.0 + 600_000)));
    edge.advance(&mut clock, 3_600_000);
    let c = edge.conversation();
    assert!(c.is_closed());
    assert_eq!(c.live_state(), LiveState::Expired);
    assert_eq!(edge.alarm, None);
    assert!(edge.to_workspace.contains(&Effect::ToWorkspace(
        ConversationToWorkspace::ChatClosed {
            request: 1,
            agent: "eve".into(),
            reason: EndReason::Expired
        }
    )));
    let expired: Vec<&TranscriptEntry> = edge
        .stored
        .entries
        .iter()
        .filter(|e| e.event == TranscriptEvent::Expired)
        .collect();
    assert_eq!(
        expired.len(),
        1,
        "expired exactly once despite repeated alarms"
    );
    assert_eq!(expired[0].at, Millis(last_activity.0 + 600_000 + 1_500));

    // The stored transcript is complete and gapless.
    let seqs: Vec<u64> = edge.stored.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=c.last_seq()).collect::<Vec<_>>());
    let kinds: Vec<&str> = edge
        .stored
        .entries
        .iter()
        .map(|e| match &e.event {
            TranscriptEvent::Card { .. } => "card",
            TranscriptEvent::Answered { .. } => "answered",
            TranscriptEvent::Captured { .. } => "captured",
            TranscriptEvent::LiveChatRequested => "requested",
            TranscriptEvent::LiveChatUnavailable => "unavailable",
            TranscriptEvent::AgentJoined { .. } => "joined",
            TranscriptEvent::AgentLeft { .. } => "left",
            TranscriptEvent::Message { .. } => "message",
            TranscriptEvent::Fallback { .. } => "fallback",
            TranscriptEvent::Expired => "expired",
            TranscriptEvent::Ended { .. } => "ended",
            TranscriptEvent::LeftMessage { .. } => "left_message",
            TranscriptEvent::TranscriptEmailed { .. } => "transcript_emailed",
            TranscriptEvent::Note { .. } => "note",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "card",
            "card",
            "answered",
            "card",
            "captured",
            "card",
            "requested",
            "message",
            "joined",
            "message",
            "message",
            "message",
            "expired"
        ]
    );
}
