//! A reload shows what was there before: for any transcript, replaying it from seq 0 (after a
//! reload) leaves the widget in the same state as receiving it live.

use proptest::prelude::*;

use parlor_core::dialogue::{Button, Card, CardKind};
use parlor_core::protocol::{
    AgentProfile, ChatServerMsg, ConversationView, FallbackKind, Side, TranscriptEntry,
    TranscriptEvent,
};
use parlor_core::{ButtonId, CardId, ConversationId, Millis};

use super::update;
use crate::i18n::Lang;
use crate::model::{Model, Msg, WidgetSettings};

fn event() -> impl Strategy<Value = TranscriptEvent> {
    let agent = |name: &str| AgentProfile {
        name: name.into(),
        avatar_url: None,
    };
    prop_oneof![
        1 => Just(TranscriptEvent::Card {
            prefill: Default::default(),
            card: Card {
                id: CardId::new("q1"),
                kind: CardKind::Question {
                    when_unavailable: None,
                    text: "Talk to sales?".into(),
                    buttons: vec![Button {
                        id: ButtonId::new("yes"),
                        label: "Yes".into(),
                        goto: None,
                    }],
                },
            },
        }),
        1 => Just(TranscriptEvent::Answered {
            card: CardId::new("q1"),
            button: ButtonId::new("yes"),
            label: "Yes".into(),
        }),
        1 => Just(TranscriptEvent::Captured {
            card: CardId::new("ic1"),
            values: [("email".to_owned(), "ada@example.com".to_owned())].into(),
        }),
        3 => Just(TranscriptEvent::LiveChatRequested),
        3 => prop_oneof![Just("Ana"), Just("Bo")].prop_map(move |n| TranscriptEvent::AgentJoined { agent: agent(n) }),
        2 => prop_oneof![Just("Ana"), Just("Bo")].prop_map(move |n| TranscriptEvent::AgentLeft { agent: agent(n) }),
        3 => prop_oneof![Just(Side::Visitor), Just(Side::Agent)].prop_map(|from| TranscriptEvent::Message {
            from,
            text: "hi".into(),
            client_id: String::new(),
        }),
        1 => Just(TranscriptEvent::Fallback {
            kind: FallbackKind::LiveChat,
            text: "Busy".into(),
            visitor_away: false,
        }),
        1 => Just(TranscriptEvent::Expired),
        1 => Just(TranscriptEvent::Ended { by: Side::Agent, visitor_away: false }),
    ]
}

fn entry(seq: u64, event: TranscriptEvent) -> Msg {
    Msg::Server(ChatServerMsg::Entry {
        entry: TranscriptEntry {
            seq,
            at: Millis(seq),
            event,
        },
    })
}

fn started() -> Msg {
    Msg::Started {
        conversation: ConversationId::new("c1"),
        token: "tok".into(),
        widget: WidgetSettings {
            color: None,
            position: None,
            language: None,
        },
    }
}

fn welcome(last_seq: u64, closed: bool) -> Msg {
    Msg::Server(ChatServerMsg::Welcome {
        conversation: ConversationView {
            id: ConversationId::new("c1"),
            last_seq,
            closed,
        },
    })
}

/// Everything the screen is drawn from, besides the static settings.
fn screen(m: &Model) -> String {
    format!(
        "waiting={} agent={:?} closed={} answered={:?} captured={:?} entries={} typing={}",
        m.waiting,
        m.agent,
        m.closed,
        m.answered,
        m.captured,
        m.entries.len(),
        m.agent_typing
    )
}

proptest! {
    #[test]
    fn replaying_a_transcript_after_a_reload_shows_what_was_there(
        events in prop::collection::vec(event(), 0..24),
    ) {
        // Stop the transcript at its first closing event, as the server does.
        let end = events
            .iter()
            .position(|e| matches!(e, TranscriptEvent::Fallback { .. } | TranscriptEvent::Expired | TranscriptEvent::Ended { .. }))
            .map_or(events.len(), |i| i + 1);
        let events = &events[..end];
        let closed = events.last().is_some_and(|e| {
            matches!(e, TranscriptEvent::Fallback { .. } | TranscriptEvent::Expired | TranscriptEvent::Ended { .. })
        });

        // Live: a new conversation receives each entry as it happens.
        let mut live = Model::new(None, Lang::En, "n".into());
        live.open = true;
        update(&mut live, Msg::Init);
        update(&mut live, started());
        update(&mut live, Msg::SocketOpened);
        update(&mut live, welcome(0, false));
        for (i, e) in events.iter().enumerate() {
            update(&mut live, entry(i as u64 + 1, e.clone()));
        }

        // Reload: the stored token resumes and the whole transcript is replayed.
        let mut reloaded = Model::new(Some("tok".into()), Lang::En, "n".into());
        reloaded.open = true;
        update(&mut reloaded, Msg::Init);
        update(&mut reloaded, started());
        update(&mut reloaded, Msg::SocketOpened);
        update(&mut reloaded, welcome(events.len() as u64, closed));
        for (i, e) in events.iter().enumerate() {
            update(&mut reloaded, entry(i as u64 + 1, e.clone()));
        }

        prop_assert_eq!(screen(&reloaded), screen(&live));
    }
}
