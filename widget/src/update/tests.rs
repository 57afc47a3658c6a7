//! `update` driven natively, with no browser: the widget's rules as data in, data out.

use std::collections::BTreeMap;

use parlor_core::dialogue::{Button, Card, CardKind, FieldKind, FieldSpec};
use parlor_core::protocol::{
    AgentProfile, ChatClientMsg, ChatServerMsg, ConversationView, FieldError, Side,
    TranscriptEntry, TranscriptEvent,
};
use parlor_core::{ButtonId, CardId, ConversationId, Millis};

use super::update;
use crate::i18n::Lang;
use crate::model::{Effect, Focus, Model, Msg, Phase, Position, WidgetSettings};
use parlor_core::client::Link;

fn model() -> Model {
    Model::new(None, Lang::En, "n".into())
}

fn entry(seq: u64, event: TranscriptEvent) -> Msg {
    Msg::Server(ChatServerMsg::Entry {
        entry: TranscriptEntry {
            seq,
            at: Millis(seq * 1000),
            event,
        },
    })
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

fn started(token: &str) -> Msg {
    Msg::Started {
        conversation: ConversationId::new("c1"),
        token: token.into(),
        widget: WidgetSettings {
            color: Some("#ff0000".into()),
            position: Some("left".into()),
            language: None,
        },
    }
}

fn question(id: &str) -> TranscriptEvent {
    TranscriptEvent::Card {
        prefill: Default::default(),
        card: Card {
            id: CardId::new(id),
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
    }
}

fn form(id: &str) -> TranscriptEvent {
    let f = |key: &str, kind, required| FieldSpec {
        key: key.into(),
        kind,
        label: key.into(),
        required,
    };
    TranscriptEvent::Card {
        prefill: Default::default(),
        card: Card {
            id: CardId::new(id),
            kind: CardKind::InfoCapture {
                text: "Who are you?".into(),
                fields: vec![
                    f("first_name", FieldKind::FirstName, true),
                    f("email", FieldKind::Email, true),
                    f("company", FieldKind::Company, false),
                ],
            },
        },
    }
}

fn agent_joined() -> TranscriptEvent {
    TranscriptEvent::AgentJoined {
        agent: AgentProfile {
            name: "Ana".into(),
            avatar_url: None,
        },
    }
}

/// The agent ended the chat (not the visitor, not while they were away).
fn agent_ended() -> TranscriptEvent {
    TranscriptEvent::Ended {
        by: Side::Agent,
        visitor_away: false,
    }
}

fn sends(fx: &[Effect]) -> Vec<ChatClientMsg> {
    fx.iter()
        .filter_map(|e| {
            if let Effect::Send(m) = e {
                Some(m.clone())
            } else {
                None
            }
        })
        .collect()
}

/// The reconnect timer fires when it was set for.
fn reconnect(m: &mut Model) -> Vec<Effect> {
    if let Some(at) = m.chat.next_deadline() {
        m.now = at;
    }
    update(m, Msg::Reconnect)
}

/// A model whose visitor asked for a human and waits (panel open).
/// A model whose conversation started and whose chat socket is open.
fn connected() -> Model {
    let mut m = model();
    m.open = true;
    update(&mut m, Msg::Init);
    update(&mut m, started("t"));
    update(&mut m, Msg::SocketOpened);
    update(&mut m, welcome(0, false));
    m
}

fn waiting() -> Model {
    let mut m = connected();
    update(&mut m, entry(1, TranscriptEvent::LiveChatRequested));
    m
}

/// A model connected to a live chat with an agent.
fn chatting() -> Model {
    let mut m = model();
    m.open = true;
    update(&mut m, Msg::Init);
    update(&mut m, started("tok"));
    update(&mut m, Msg::SocketOpened);
    update(&mut m, welcome(0, false));
    update(&mut m, entry(1, TranscriptEvent::LiveChatRequested));
    update(&mut m, entry(2, agent_joined()));
    m
}

#[test]
fn closed_launcher_without_token_does_nothing_until_opened() {
    let mut m = model();
    assert!(update(&mut m, Msg::Init).is_empty());
    assert_eq!(m.phase, Phase::Idle);
    let fx = update(&mut m, Msg::Toggle);
    assert!(m.open);
    assert_eq!(
        fx,
        vec![
            Effect::Emit("open", ""),
            Effect::FetchAvailability,
            start_fx(None, 0),
            Effect::Focus(Focus::Panel)
        ]
    );
    assert_eq!(
        update(&mut m, Msg::Toggle),
        vec![Effect::Emit("close", ""), Effect::Focus(Focus::Launcher)]
    );
    // Re-opening while starting does not start twice.
    assert_eq!(
        update(&mut m, Msg::Toggle),
        vec![Effect::Emit("open", ""), Effect::Focus(Focus::Panel)]
    );
}

#[test]
fn stored_token_resumes_at_once_and_is_replayed_quietly() {
    let mut m = Model::new(Some("tok".into()), Lang::En, "n".into());
    assert_eq!(update(&mut m, Msg::Init), vec![start_fx(Some("tok"), 0)]);
    let fx = update(&mut m, started("tok"));
    assert_eq!(
        fx,
        vec![Effect::ForgetStartKey, Effect::Connect],
        "same token: nothing to store"
    );
    assert_eq!(
        (m.lang, m.position, m.color.as_deref()),
        (Lang::En, Position::Left, Some("#ff0000"))
    );
    let fx = update(&mut m, Msg::SocketOpened);
    assert_eq!(sends(&fx), vec![ChatClientMsg::Hello { v: 1, last_seq: 0 }]);
    update(&mut m, welcome(3, false));
    assert!(m.chat.is_open());
    // History: no focus moves, no announcements.
    assert!(update(&mut m, entry(1, question("q1"))).is_empty());
    // (Only the clock of the time waited starts.)
    assert_eq!(
        update(&mut m, entry(2, TranscriptEvent::LiveChatRequested)),
        vec![Effect::Second(m.now)]
    );
    assert!(update(&mut m, entry(3, agent_joined())).is_empty());
    assert_eq!(m.entries.len(), 3);
    // Live from here on.
    let fx = update(
        &mut m,
        entry(
            4,
            TranscriptEvent::Message {
                from: Side::Agent,
                text: "Hi".into(),
                client_id: String::new(),
            },
        ),
    );
    assert_eq!(
        fx,
        vec![
            Effect::Emit("message", "agent"),
            Effect::Announce("Ana: Hi".into())
        ]
    );
}

#[test]
fn new_token_is_stored_and_fresh_cards_take_focus() {
    let mut m = model();
    m.open = true;
    update(&mut m, Msg::Init);
    let fr = Msg::Started {
        conversation: ConversationId::new("c1"),
        token: "t2".into(),
        widget: WidgetSettings {
            language: Some("fr-FR".into()),
            ..WidgetSettings::default()
        },
    };
    assert_eq!(
        update(&mut m, fr),
        vec![
            Effect::ForgetStartKey,
            Effect::StoreToken("t2".into()),
            Effect::Connect
        ]
    );
    assert_eq!((m.lang, m.position), (Lang::Fr, Position::Right));
    update(&mut m, Msg::SocketOpened);
    update(&mut m, welcome(1, false));
    assert_eq!(
        update(&mut m, entry(1, question("q1"))),
        vec![Effect::Focus(Focus::Card(CardId::new("q1")))]
    );
}

#[test]
fn entries_are_rendered_once_per_seq() {
    let mut m = chatting();
    let msg = || {
        entry(
            3,
            TranscriptEvent::Message {
                from: Side::Agent,
                text: "x".into(),
                client_id: String::new(),
            },
        )
    };
    update(&mut m, msg());
    update(&mut m, msg());
    update(&mut m, entry(2, agent_joined()));
    assert_eq!(m.entries.len(), 3);
    assert_eq!(m.chat.last_seq(), 3);
}

#[test]
fn answering_sends_once_and_answered_disables_the_card() {
    let mut m = chatting();
    update(&mut m, entry(3, question("q1")));
    let fx = update(
        &mut m,
        Msg::Answer {
            card: CardId::new("q1"),
            button: ButtonId::new("yes"),
        },
    );
    assert_eq!(
        sends(&fx),
        vec![ChatClientMsg::Answer {
            card: CardId::new("q1"),
            button: ButtonId::new("yes")
        }]
    );
    update(
        &mut m,
        entry(
            4,
            TranscriptEvent::Answered {
                card: CardId::new("q1"),
                button: ButtonId::new("yes"),
                label: "Yes".into(),
            },
        ),
    );
    assert!(!m.card_open(&CardId::new("q1")));
    assert!(update(
        &mut m,
        Msg::Answer {
            card: CardId::new("q1"),
            button: ButtonId::new("yes")
        }
    )
    .is_empty());
}

#[test]
fn capture_is_validated_locally_then_by_the_server() {
    let mut m = chatting();
    update(&mut m, entry(3, form("f1")));
    let card = CardId::new("f1");
    let mut values = BTreeMap::new();
    values.insert("first_name".to_string(), " ".to_string());
    values.insert("email".to_string(), "nope".to_string());
    let fx = update(
        &mut m,
        Msg::Submit {
            card: card.clone(),
            values: values.clone(),
        },
    );
    assert_eq!(
        fx,
        vec![Effect::Focus(Focus::Field(
            card.clone(),
            "first_name".into()
        ))]
    );
    let errs = m.errors(&card).unwrap_or_default();
    assert_eq!(errs.len(), 2);
    assert_eq!(errs[1].message, "Please enter a valid email address.");

    values.insert("first_name".into(), " Ann ".into());
    values.insert("email".into(), "ann@example.com".into());
    values.insert("company".into(), "".into());
    let fx = update(
        &mut m,
        Msg::Submit {
            card: card.clone(),
            values,
        },
    );
    let mut expect = BTreeMap::new();
    expect.insert("email".to_string(), "ann@example.com".to_string());
    expect.insert("first_name".to_string(), "Ann".to_string());
    assert_eq!(
        sends(&fx),
        vec![ChatClientMsg::Capture {
            card: card.clone(),
            values: expect
        }]
    );
    assert!(m.errors(&card).is_none());

    let fx = update(
        &mut m,
        Msg::Server(ChatServerMsg::Invalid {
            card: card.clone(),
            errors: vec![FieldError {
                key: "email".into(),
                message: "Unknown domain".into(),
            }],
        }),
    );
    assert_eq!(
        fx,
        vec![Effect::Focus(Focus::Field(card.clone(), "email".into()))]
    );
    assert_eq!(
        m.errors(&card).unwrap_or_default()[0].message,
        "Unknown domain"
    );
    update(
        &mut m,
        entry(
            4,
            TranscriptEvent::Captured {
                card: card.clone(),
                values: BTreeMap::new(),
            },
        ),
    );
    assert!(m.errors(&card).is_none());
    assert!(!m.card_open(&card));
}

#[test]
fn say_sends_with_fresh_client_ids_and_entry_clears_the_outbox() {
    let mut m = chatting();
    let fx = update(
        &mut m,
        Msg::Say {
            text: "  hello \n".into(),
        },
    );
    assert_eq!(
        sends(&fx),
        vec![ChatClientMsg::Say {
            client_id: "n-1".into(),
            text: "hello".into()
        }]
    );
    assert!(fx.contains(&Effect::ClearComposer));
    let fx = update(
        &mut m,
        Msg::Say {
            text: "again".into(),
        },
    );
    assert_eq!(
        sends(&fx),
        vec![ChatClientMsg::Say {
            client_id: "n-2".into(),
            text: "again".into()
        }]
    );
    assert!(update(&mut m, Msg::Say { text: "   ".into() }).is_empty());
    assert_eq!(m.chat.pending().len(), 2);
    update(
        &mut m,
        Msg::Server(ChatServerMsg::Ack {
            client_id: "n-1".into(),
            seq: 3,
        }),
    );
    assert_eq!(
        m.chat.pending()[0].seq,
        Some(3),
        "acked, its entry still to come"
    );
    update(
        &mut m,
        entry(
            3,
            TranscriptEvent::Message {
                from: Side::Visitor,
                text: "hello".into(),
                client_id: "n-1".into(),
            },
        ),
    );
    assert_eq!(m.chat.pending().len(), 1);
    // An ack for an entry already seen clears it too.
    update(
        &mut m,
        entry(
            4,
            TranscriptEvent::Message {
                from: Side::Visitor,
                text: "again".into(),
                client_id: "other".into(),
            },
        ),
    );
    update(
        &mut m,
        Msg::Server(ChatServerMsg::Ack {
            client_id: "n-2".into(),
            seq: 4,
        }),
    );
    assert!(m.chat.pending().is_empty());
}

#[test]
fn offline_messages_are_queued_and_flushed_once_after_reconnect() {
    let mut m = chatting();
    update(
        &mut m,
        Msg::Say {
            text: "sent before drop".into(),
        },
    );
    m.now = Millis(10_000);
    let fx = update(&mut m, Msg::SocketClosed { code: 1006 });
    let Some(at) = m.chat.next_deadline() else {
        panic!("no reconnect scheduled")
    };
    assert_eq!(fx, vec![Effect::ScheduleReconnect { at }]);
    assert_eq!(m.chat.link(), Link::Waiting { attempt: 1, at });
    assert!(at > m.now && at <= Millis(10_000 + 30_000));
    let fx = update(
        &mut m,
        Msg::Say {
            text: "typed offline".into(),
        },
    );
    assert!(sends(&fx).is_empty(), "nothing goes out while offline");
    assert_eq!(m.chat.pending().len(), 2);

    // A timer firing early waits on; on time it reconnects.
    assert_eq!(
        update(&mut m, Msg::Reconnect),
        vec![Effect::ScheduleReconnect { at }]
    );
    assert_eq!(reconnect(&mut m), vec![Effect::Connect]);
    // The reconnect fails once: back-off grows.
    let first_wait = at.since(Millis(10_000));
    update(&mut m, Msg::SocketClosed { code: 1006 });
    assert!(
        matches!(m.chat.link(), Link::Waiting { attempt: 2, at: a } if a.since(m.now) >= first_wait)
    );
    reconnect(&mut m);
    let fx = update(&mut m, Msg::SocketOpened);
    assert_eq!(
        sends(&fx),
        vec![ChatClientMsg::Hello { v: 1, last_seq: 2 }],
        "resume after the last seq seen"
    );
    let fx = update(&mut m, welcome(2, false));
    assert_eq!(
        sends(&fx),
        vec![
            ChatClientMsg::Say {
                client_id: "n-1".into(),
                text: "sent before drop".into()
            },
            ChatClientMsg::Say {
                client_id: "n-2".into(),
                text: "typed offline".into()
            },
        ]
    );
    assert!(m.chat.is_open());
    // A second welcome (another reconnect) before any ack would resend; after the entries, nothing.
    update(
        &mut m,
        entry(
            3,
            TranscriptEvent::Message {
                from: Side::Visitor,
                text: "sent before drop".into(),
                client_id: "n-1".into(),
            },
        ),
    );
    update(
        &mut m,
        entry(
            4,
            TranscriptEvent::Message {
                from: Side::Visitor,
                text: "typed offline".into(),
                client_id: "n-2".into(),
            },
        ),
    );
    assert!(m.chat.pending().is_empty());
    assert!(sends(&update(&mut m, welcome(4, false))).is_empty());
    // Entries that arrive during a drop are news: announced.
    update(&mut m, Msg::SocketClosed { code: 1001 });
    reconnect(&mut m);
    update(&mut m, Msg::SocketOpened);
    update(&mut m, welcome(5, false));
    let fx = update(
        &mut m,
        entry(
            5,
            TranscriptEvent::Message {
                from: Side::Agent,
                text: "still there?".into(),
                client_id: String::new(),
            },
        ),
    );
    assert_eq!(
        fx,
        vec![
            Effect::Emit("message", "agent"),
            Effect::Announce("Ana: still there?".into())
        ]
    );
}

#[test]
fn refused_token_stops_reconnecting_and_forgets_it() {
    let mut m = chatting();
    let fx = update(&mut m, Msg::SocketClosed { code: 4401 });
    assert_eq!(fx, vec![Effect::ClearToken]);
    assert_eq!(m.chat.link(), Link::Offline);
    assert!(m.closed && m.token.is_none());
}

#[test]
fn another_protocol_version_keeps_the_token_for_the_reloaded_page() {
    let mut m = chatting();
    update(
        &mut m,
        Msg::Server(ChatServerMsg::Error {
            code: "unsupported_version".into(),
            message: "Please reload the page.".into(),
        }),
    );
    let fx = update(&mut m, Msg::SocketClosed { code: 4000 });
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(m.chat.link(), Link::Offline);
    assert_eq!(m.token.as_deref(), Some("tok"));
    assert!(m.closed);
    assert_eq!(m.notice.as_deref(), Some("Please reload the page."));
}

/// The fields the offline form asks for.
fn offline_keys(m: &Model) -> Vec<String> {
    let offline = CardId::new(crate::after_chat::OFFLINE);
    m.fields(&offline)
        .expect("offline form")
        .iter()
        .map(|f| f.key.clone())
        .collect()
}

fn fell_back(m: &mut Model, seq: u64) -> Vec<Effect> {
    update(
        m,
        entry(
            seq,
            TranscriptEvent::Fallback {
                kind: parlor_core::protocol::FallbackKind::LiveChat,
                text: "Nobody is free".into(),
                visitor_away: false,
            },
        ),
    )
}

#[test]
fn a_fallback_opens_the_closed_panel_on_the_offline_form() {
    let mut m = waiting();
    update(&mut m, Msg::Toggle);
    assert!(!m.open);
    let fx = fell_back(&mut m, 2);
    assert!(m.open);
    let offline = CardId::new(crate::after_chat::OFFLINE);
    assert_eq!(fx.first(), Some(&Effect::Emit("open", "")));
    assert!(fx.contains(&Effect::Emit("chat_unavailable", "")));
    assert!(fx.contains(&Effect::Focus(Focus::Card(offline))));
}

#[test]
fn the_offline_form_is_sent_after_the_socket_of_the_closed_conversation_dropped() {
    let mut m = waiting();
    fell_back(&mut m, 2);
    // Dropped after the fallback (a deploy, a network change): nothing reconnects yet.
    let fx = update(&mut m, Msg::SocketClosed { code: 1006 });
    assert!(fx.is_empty(), "{fx:?}");
    let offline = CardId::new(crate::after_chat::OFFLINE);
    let values = BTreeMap::from([
        ("email".to_string(), "ann@example.com".to_string()),
        ("text".to_string(), "Call me".to_string()),
    ]);
    let fx = update(
        &mut m,
        Msg::Submit {
            card: offline.clone(),
            values,
        },
    );
    assert_eq!(fx, vec![Effect::Connect], "connects for it");
    assert_eq!(m.notice.as_deref(), Some("Sending…"));
    update(&mut m, Msg::SocketOpened);
    let fx = update(&mut m, welcome(2, true));
    assert_eq!(
        sends(&fx),
        vec![ChatClientMsg::LeaveMessage {
            client_id: "n-lm".into(),
            email: Some("ann@example.com".into()),
            text: "Call me".into(),
        }]
    );
    assert_eq!(m.notice, None);
}

#[test]
fn an_email_typed_into_another_field_is_asked_again_by_the_offline_form() {
    let mut m = waiting();
    let contact = TranscriptEvent::Card {
        prefill: Default::default(),
        card: Card {
            id: CardId::new("c"),
            kind: CardKind::InfoCapture {
                text: "How can we reach you?".into(),
                fields: vec![FieldSpec {
                    key: "contact".into(),
                    kind: FieldKind::Custom,
                    label: "Email or phone".into(),
                    required: true,
                }],
            },
        },
    };
    update(&mut m, entry(2, contact));
    update(
        &mut m,
        entry(
            3,
            TranscriptEvent::Captured {
                card: CardId::new("c"),
                values: BTreeMap::from([("contact".into(), "ann@example.com".into())]),
            },
        ),
    );
    fell_back(&mut m, 4);
    assert_eq!(
        offline_keys(&m),
        ["email", "text"],
        "the server would answer email_required"
    );
}

#[test]
fn typing_is_debounced() {
    let mut m = chatting();
    let fx = update(&mut m, Msg::Draft { empty: false });
    assert_eq!(
        fx,
        vec![
            Effect::Send(ChatClientMsg::Typing { on: true }),
            Effect::TypingTimer { gen: 1 }
        ]
    );
    assert_eq!(
        update(&mut m, Msg::Draft { empty: false }),
        vec![Effect::TypingTimer { gen: 2 }]
    );
    assert!(
        update(&mut m, Msg::TypingIdle { gen: 1 }).is_empty(),
        "a stale timer does nothing"
    );
    assert_eq!(
        sends(&update(&mut m, Msg::TypingIdle { gen: 2 })),
        vec![ChatClientMsg::Typing { on: false }]
    );
    update(&mut m, Msg::Draft { empty: false });
    let fx = update(&mut m, Msg::Say { text: "hi".into() });
    assert_eq!(sends(&fx)[0], ChatClientMsg::Typing { on: false });
    update(
        &mut m,
        Msg::Server(ChatServerMsg::Typing {
            from: Side::Agent,
            on: true,
        }),
    );
    assert!(m.agent_typing);
    update(
        &mut m,
        entry(
            3,
            TranscriptEvent::Message {
                from: Side::Agent,
                text: "yo".into(),
                client_id: String::new(),
            },
        ),
    );
    assert!(!m.agent_typing);
}

#[test]
fn the_agent_reconnecting_is_shown_until_they_are_back_or_someone_else_joins() {
    let mut m = chatting();
    let presence = |here| {
        Msg::Server(ChatServerMsg::Presence {
            side: Side::Agent,
            here,
        })
    };
    update(&mut m, presence(false));
    assert!(m.agent_away);
    update(&mut m, presence(true));
    assert!(!m.agent_away);
    update(&mut m, presence(false));
    update(
        &mut m,
        entry(
            3,
            TranscriptEvent::AgentLeft {
                agent: AgentProfile {
                    name: "Alice".into(),
                    avatar_url: None,
                },
            },
        ),
    );
    assert!(
        !m.agent_away,
        "the agent left: the visitor waits for someone else"
    );
    update(
        &mut m,
        Msg::Server(ChatServerMsg::Presence {
            side: Side::Visitor,
            here: false,
        }),
    );
    assert!(
        !m.agent_away,
        "the visitor's own presence is not about the agent"
    );
}

#[test]
fn ending_expiring_and_restarting() {
    let mut m = chatting();
    assert!(m.live() && m.can_chat());
    assert_eq!(sends(&update(&mut m, Msg::End)), vec![ChatClientMsg::End]);
    let fx = update(
        &mut m,
        entry(
            3,
            TranscriptEvent::Ended {
                by: Side::Visitor,
                visitor_away: false,
            },
        ),
    );
    assert_eq!(fx, vec![Effect::Announce("You ended the chat.".into())]);
    assert!(m.closed && !m.can_chat() && !m.live());
    assert!(update(
        &mut m,
        Msg::Say {
            text: "late".into()
        }
    )
    .is_empty());
    // The server closes a finished conversation's socket: no reconnect.
    assert!(update(&mut m, Msg::SocketClosed { code: 1000 }).is_empty());
    let fx = update(&mut m, Msg::Restart);
    assert_eq!(
        fx,
        vec![
            Effect::CloseSocket,
            Effect::ClearToken,
            // The chat's start was answered: this one has a key of its own.
            start_fx(None, 1),
            Effect::Focus(Focus::Panel)
        ]
    );
    assert!(m.entries.is_empty() && !m.closed && m.open && m.chat.last_seq() == 0);

    let mut m = chatting();
    update(&mut m, entry(3, TranscriptEvent::Expired));
    assert!(m.closed);
    let mut m = chatting();
    update(
        &mut m,
        Msg::Server(ChatServerMsg::Error {
            code: "rate_limited".into(),
            message: "Slow down".into(),
        }),
    );
    assert_eq!(m.notice.as_deref(), Some("Slow down"));
}

#[test]
fn start_failures() {
    let mut m = model();
    update(&mut m, Msg::Toggle);
    update(&mut m, Msg::StartFailed { status: 404 });
    assert_eq!(m.phase, Phase::Unavailable);
    let mut m = Model::new(Some("old".into()), Lang::En, "n".into());
    update(&mut m, Msg::Init);
    assert_eq!(
        update(&mut m, Msg::StartFailed { status: 404 }),
        vec![Effect::ForgetStartKey, Effect::ClearToken]
    );
    // A site the workspace does not allow: no Retry, and the token (this site's) is kept.
    let mut m = Model::new(Some("old".into()), Lang::En, "n".into());
    update(&mut m, Msg::Init);
    assert_eq!(
        update(&mut m, Msg::StartFailed { status: 403 }),
        vec![Effect::ForgetStartKey]
    );
    assert_eq!(m.phase, Phase::Unavailable);
    assert_eq!(m.token.as_deref(), Some("old"));
    let mut m = model();
    update(&mut m, Msg::Toggle);
    update(&mut m, Msg::StartFailed { status: 429 });
    assert_eq!(m.phase, Phase::Failed { rate_limited: true });
    // Refused, not started: trying again is a new start.
    assert_eq!(update(&mut m, Msg::Retry), vec![start_fx(None, 1)]);
}

#[test]
fn waiting_then_fallback() {
    let mut m = waiting();
    assert!(m.waiting && m.live() && !m.can_chat());
    let fx = update(
        &mut m,
        entry(
            2,
            TranscriptEvent::Fallback {
                kind: parlor_core::protocol::FallbackKind::LiveChat,
                text: "We'll email you".into(),
                visitor_away: false,
            },
        ),
    );
    let offline = CardId::new(crate::after_chat::OFFLINE);
    assert_eq!(
        fx,
        vec![
            Effect::Announce("We'll email you".into()),
            Effect::Emit("chat_unavailable", ""),
            Effect::Focus(Focus::Card(offline.clone()))
        ]
    );
    assert!(!m.waiting && m.closed);

    // The offline form asks for the email (none was captured) and a message.
    assert_eq!(offline_keys(&m), ["email", "text"]);
    assert!(m.card_open(&offline), "usable although the chat closed");
    let submit = |m: &mut Model, email: &str, text: &str| {
        let values = BTreeMap::from([
            ("email".to_string(), email.to_string()),
            ("text".to_string(), text.to_string()),
        ]);
        update(
            m,
            Msg::Submit {
                card: offline.clone(),
                values,
            },
        )
    };
    assert!(sends(&submit(&mut m, "not-an-email", "Hi")).is_empty());
    assert!(m.errors(&offline).is_some());
    assert!(sends(&submit(&mut m, "ann@example.com", " ")).is_empty());
    assert_eq!(
        sends(&submit(&mut m, " ann@example.com ", " Call me ")),
        vec![ChatClientMsg::LeaveMessage {
            client_id: "n-lm".into(),
            email: Some("ann@example.com".into()),
            text: "Call me".into(),
        }]
    );
    let fx = update(
        &mut m,
        entry(
            3,
            TranscriptEvent::LeftMessage {
                email: "ann@example.com".into(),
                text: "Call me".into(),
                client_id: "n-lm".into(),
            },
        ),
    );
    assert!(fx.contains(&Effect::Announce(
        "Thanks — we'll email you at ann@example.com.".into()
    )));
    assert!(!m.card_open(&offline) && m.errors(&offline).is_none());
}

#[test]
fn the_offline_form_skips_a_captured_email() {
    let mut m = chatting();
    update(
        &mut m,
        entry(
            3,
            TranscriptEvent::Captured {
                card: CardId::new("f1"),
                values: BTreeMap::from([("email".into(), "ann@example.com".into())]),
            },
        ),
    );
    update(
        &mut m,
        entry(
            4,
            TranscriptEvent::Fallback {
                kind: parlor_core::protocol::FallbackKind::LiveChat,
                text: "Sorry".into(),
                visitor_away: false,
            },
        ),
    );
    assert_eq!(offline_keys(&m), ["text"]);
}

#[test]
fn after_a_chat_with_an_email_the_transcript_is_offered_once() {
    let mut m = chatting();
    update(
        &mut m,
        entry(
            3,
            TranscriptEvent::Captured {
                card: CardId::new("f1"),
                values: BTreeMap::from([("email".into(), "ann@example.com".into())]),
            },
        ),
    );
    update(&mut m, entry(4, agent_ended()));
    let offer = CardId::new(crate::after_chat::TRANSCRIPT);
    assert!(m.card_open(&offer));
    let fx = update(
        &mut m,
        Msg::Answer {
            card: offer.clone(),
            button: ButtonId::new(crate::after_chat::SEND_TRANSCRIPT),
        },
    );
    assert_eq!(sends(&fx), vec![ChatClientMsg::EmailTranscript]);
    update(
        &mut m,
        entry(
            5,
            TranscriptEvent::TranscriptEmailed {
                to: "ann@example.com".into(),
            },
        ),
    );
    assert!(!m.card_open(&offer));
}

#[test]
fn no_transcript_offer_without_an_email() {
    let mut m = chatting();
    update(
        &mut m,
        entry(
            3,
            TranscriptEvent::Ended {
                by: Side::Visitor,
                visitor_away: false,
            },
        ),
    );
    assert!(m
        .card(&CardId::new(crate::after_chat::TRANSCRIPT))
        .is_none());
}

#[test]
fn the_local_email_check_is_cores() {
    let mut m = chatting();
    update(&mut m, entry(3, form("f1")));
    let card = CardId::new("f1");
    for (email, ok) in [("a@b.c", false), ("a@b.co.", false), ("a@b.co", true)] {
        let mut values = BTreeMap::new();
        values.insert("first_name".to_string(), "Ann".to_string());
        values.insert("email".to_string(), email.to_string());
        let fx = update(
            &mut m,
            Msg::Submit {
                card: card.clone(),
                values,
            },
        );
        assert_eq!(!sends(&fx).is_empty(), ok, "{email}");
        assert_eq!(m.errors(&card).is_none(), ok, "{email}");
    }
}

#[test]
fn a_message_said_as_the_chat_ends_is_dropped_not_resent_forever() {
    let mut m = chatting();
    update(&mut m, Msg::Say { text: "bye".into() });
    assert_eq!(m.chat.pending().len(), 1);
    // The agent's end was stored first: the server refuses the say.
    update(&mut m, entry(3, agent_ended()));
    assert!(m.chat.pending().is_empty());
    assert!(update(&mut m, Msg::SocketClosed { code: 1006 }).is_empty());
    assert_eq!(m.chat.link(), Link::Offline);
}

#[test]
fn the_messages_the_fallback_beat_are_put_in_the_offline_form() {
    let mut m = chatting();
    for text in ["Still there?", "I need a quote by Friday."] {
        update(&mut m, Msg::Say { text: text.into() });
    }
    // The agent left and nobody else could take the chat: the conversation closed before the
    // say was stored.
    update(
        &mut m,
        entry(
            3,
            TranscriptEvent::AgentLeft {
                agent: AgentProfile {
                    name: "Eve".into(),
                    avatar_url: None,
                },
            },
        ),
    );
    fell_back(&mut m, 4);
    assert!(m.chat.pending().is_empty());
    let offline = CardId::new(crate::after_chat::OFFLINE);
    let prefill = m.entries.iter().rev().find_map(|e| match &e.event {
        TranscriptEvent::Card { card, prefill } if card.id == offline => Some(prefill.clone()),
        _ => None,
    });
    assert_eq!(
        prefill.and_then(|p| p.get("text").cloned()).as_deref(),
        Some("Still there?\nI need a quote by Friday."),
        "nothing the visitor typed is lost, in the order typed"
    );
}

#[test]
fn a_chat_ended_while_the_visitor_was_away_says_so() {
    let mut m = chatting();
    let fx = update(
        &mut m,
        entry(
            3,
            TranscriptEvent::Ended {
                by: Side::Visitor,
                visitor_away: true,
            },
        ),
    );
    assert!(m.closed);
    assert!(fx.contains(&Effect::Announce(
        "The chat ended while you were away.".into()
    )));
}

#[test]
fn a_dialogue_that_ran_out_of_cards_ends_quietly_and_offers_a_new_conversation() {
    let mut m = connected();
    update(&mut m, entry(1, question("q1")));
    let fx = update(
        &mut m,
        entry(
            2,
            TranscriptEvent::Ended {
                by: Side::Bot,
                visitor_away: false,
            },
        ),
    );
    assert!(m.closed, "the restart link shows on a closed conversation");
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Announce(_))),
        "nobody ended a chat: nothing to announce ({fx:?})"
    );
    assert_eq!(m.phase, Phase::Ready);
}

#[test]
fn nobody_available_stops_the_waiting_and_the_dialogue_goes_on() {
    let mut m = waiting();
    assert!(m.waiting);
    update(&mut m, entry(2, TranscriptEvent::LiveChatUnavailable));
    assert!(!m.waiting, "the visitor is not left waiting for nobody");
}

#[test]
fn availability_is_asked_once_when_the_panel_first_opens() {
    let mut m = model();
    assert!(update(&mut m, Msg::Init).is_empty());
    assert!(update(&mut m, Msg::Toggle).contains(&Effect::FetchAvailability));
    update(&mut m, Msg::Availability { can_chat: false });
    assert_eq!(m.can_chat, Some(false));
    update(&mut m, Msg::Toggle);
    assert!(!update(&mut m, Msg::Toggle).contains(&Effect::FetchAvailability));
}

#[test]
fn the_agent_joining_opens_a_closed_panel_and_later_messages_count_as_unread() {
    let mut m = model();
    m.open = true;
    update(&mut m, Msg::Init);
    update(&mut m, started("tok"));
    update(&mut m, Msg::SocketOpened);
    update(&mut m, welcome(0, false));
    let fx = update(&mut m, entry(1, TranscriptEvent::LiveChatRequested));
    assert!(fx.contains(&Effect::Emit("chat_requested", "")));
    update(&mut m, Msg::Close);
    assert!(!m.open);
    let fx = update(&mut m, entry(2, agent_joined()));
    assert!(m.open, "the agent's arrival opens the panel");
    assert!(fx.contains(&Effect::Emit("chat_started", "")));
    assert!(fx.contains(&Effect::Emit("open", "")));
    update(&mut m, Msg::Close);
    for seq in 3..5 {
        update(
            &mut m,
            entry(
                seq,
                TranscriptEvent::Message {
                    from: Side::Agent,
                    text: "Hi".into(),
                    client_id: String::new(),
                },
            ),
        );
    }
    assert_eq!(m.unread, 2);
    update(&mut m, Msg::Toggle);
    assert_eq!(m.unread, 0, "opening reads them");
}

#[test]
fn the_time_waited_ticks_each_second_of_a_wait_and_restarts_with_a_new_one() {
    let mut m = connected();
    m.now = Millis(5_000);
    let fx = update(&mut m, entry(1, TranscriptEvent::LiveChatRequested));
    assert_eq!(m.waiting_since, Some(Millis(5_000)));
    assert_eq!(
        fx.iter().filter(|f| matches!(f, Effect::Second(_))).count(),
        1
    );
    // Each second re-arms the next while the same wait goes on.
    m.now = Millis(6_000);
    assert_eq!(
        update(&mut m, Msg::Second(Millis(5_000))),
        vec![Effect::Second(Millis(5_000))]
    );
    // The agent joins: the clock stops, and its last tick arms nothing.
    update(&mut m, entry(2, agent_joined()));
    assert_eq!(m.waiting_since, None);
    assert!(update(&mut m, Msg::Second(Millis(5_000))).is_empty());
    // The agent leaves: a new wait, from 0:00, with a clock of its own; the old one stays dead.
    m.now = Millis(70_000);
    let fx = update(
        &mut m,
        entry(
            3,
            TranscriptEvent::AgentLeft {
                agent: AgentProfile {
                    name: "Ana".into(),
                    avatar_url: None,
                },
            },
        ),
    );
    assert_eq!(m.waiting_since, Some(Millis(70_000)));
    assert!(fx.contains(&Effect::Second(Millis(70_000))));
    assert!(update(&mut m, Msg::Second(Millis(5_000))).is_empty());
    assert_eq!(crate::text::elapsed(m.now.0 + 42_000 - 70_000), "0:42");
}

#[test]
fn the_visitor_can_write_while_waiting_for_an_agent() {
    let mut m = waiting();
    assert!(m.waiting && m.agent.is_none());
    let fx = update(
        &mut m,
        Msg::Say {
            text: "I need a quote for 40 seats".into(),
        },
    );
    assert!(
        fx.iter().any(|f| matches!(
            f,
            Effect::Send(ChatClientMsg::Say { text, .. }) if text == "I need a quote for 40 seats"
        )),
        "{fx:?}"
    );
    assert!(fx.contains(&Effect::ClearComposer));
}

#[test]
fn a_busy_start_is_tried_again_by_itself_twice_then_offers_try_again() {
    let mut m = model();
    m.now = Millis(10_000);
    assert!(update(&mut m, Msg::Toggle).contains(&start_fx(None, 0)));
    assert_eq!(m.phase, Phase::Starting);
    // Busy: no "Try again" yet, the widget waits the second the server asked for.
    assert_eq!(
        update(&mut m, Msg::StartFailed { status: 503 }),
        vec![Effect::ScheduleReconnect { at: Millis(11_000) }]
    );
    assert_eq!(m.phase, Phase::Retrying);
    // A click on Retry meanwhile is not a second start.
    assert!(update(&mut m, Msg::Retry).is_empty());
    m.now = Millis(11_000);
    assert_eq!(update(&mut m, Msg::Reconnect), vec![start_fx(None, 0)]);
    assert_eq!(m.phase, Phase::Starting);
    // A gateway's failure, the second time: a longer wait.
    assert_eq!(
        update(&mut m, Msg::StartFailed { status: 502 }),
        vec![Effect::ScheduleReconnect { at: Millis(14_000) }]
    );
    m.now = Millis(14_000);
    assert_eq!(update(&mut m, Msg::Reconnect), vec![start_fx(None, 0)]);
    // The third failure in a row is the visitor's to retry.
    assert!(update(&mut m, Msg::StartFailed { status: 503 }).is_empty());
    assert_eq!(
        m.phase,
        Phase::Failed {
            rate_limited: false
        }
    );
    // A stray timer does not start anything.
    assert!(update(&mut m, Msg::Reconnect).is_empty());
    // The visitor's click earns the automatic tries again.
    assert_eq!(update(&mut m, Msg::Retry), vec![start_fx(None, 0)]);
    assert_eq!(
        update(&mut m, Msg::StartFailed { status: 503 }),
        vec![Effect::ScheduleReconnect { at: Millis(15_000) }]
    );
    m.now = Millis(15_000);
    update(&mut m, Msg::Reconnect);
    update(&mut m, started("c1.s1"));
    assert_eq!(m.phase, Phase::Ready);
    assert_eq!(m.start_retries, 0);
}

#[test]
fn a_start_the_network_or_the_server_failed_offers_try_again_at_once() {
    for status in [0, 400, 500] {
        let mut m = model();
        update(&mut m, Msg::Toggle);
        // A refusal (400) drops the start's key; nothing else is done.
        let fx = update(&mut m, Msg::StartFailed { status });
        assert!(fx.iter().all(|e| *e == Effect::ForgetStartKey), "{fx:?}");
        assert_eq!(
            m.phase,
            Phase::Failed {
                rate_limited: false
            }
        );
    }
}

/// The start effect with the key a test model sends (its base is empty): `-` and the number of
/// starts answered before, in hex.
fn start_fx(token: Option<&str>, answered: u32) -> Effect {
    Effect::Start {
        token: token.map(Into::into),
        key: format!("-{answered:x}"),
    }
}

#[test]
fn every_retry_of_a_start_sends_its_key_and_the_next_start_a_new_one() {
    let mut m = model();
    m.start_base = "0123456789abcdef0123456789abcdef".into();
    let key = |n: &str| Effect::Start {
        token: None,
        key: format!("0123456789abcdef0123456789abcdef-{n}"),
    };
    assert!(update(&mut m, Msg::Toggle).contains(&key("0")));
    // Busy, tried again by itself: the same key.
    update(&mut m, Msg::StartFailed { status: 503 });
    assert_eq!(update(&mut m, Msg::Reconnect), vec![key("0")]);
    // Failed for good; the visitor's Try again is still the same start.
    update(&mut m, Msg::StartFailed { status: 0 });
    assert_eq!(update(&mut m, Msg::Retry), vec![key("0")]);
    // Answered: a later start (Start a new conversation) is another one.
    update(&mut m, started("tok"));
    update(&mut m, entry(1, TranscriptEvent::Expired));
    let fx = update(&mut m, Msg::Restart);
    assert!(fx.contains(&key("1")), "{fx:?}");
    assert_eq!(
        m.start_base.len(),
        32,
        "the page's base outlives the conversation"
    );
}

#[test]
fn a_start_not_answered_on_the_last_page_is_sent_again_by_the_next_one() {
    // The last page sent a start and was left before its answer came: its key was kept.
    let mut m = model();
    m.start_base = "fedcba9876543210fedcba9876543210".into();
    m.start_key = Some("0123456789abcdef0123456789abcdef-0".into());
    let last = |token: Option<&str>| Effect::Start {
        token: token.map(Into::into),
        key: "0123456789abcdef0123456789abcdef-0".into(),
    };
    // Sent at once, as a stored token is: that conversation may be going on.
    assert_eq!(update(&mut m, Msg::Init), vec![last(None)]);
    // Its retries send it too, and it stays kept until the server answers.
    let fx = update(&mut m, Msg::StartFailed { status: 503 });
    assert!(!fx.contains(&Effect::ForgetStartKey), "{fx:?}");
    assert_eq!(update(&mut m, Msg::Reconnect), vec![last(None)]);
    let fx = update(&mut m, Msg::StartFailed { status: 0 });
    assert!(!fx.contains(&Effect::ForgetStartKey), "{fx:?}");
    assert_eq!(update(&mut m, Msg::Retry), vec![last(None)]);
    // Answered: dropped, and the next start is this page's own.
    let fx = update(&mut m, started("tok"));
    assert!(fx.contains(&Effect::ForgetStartKey), "{fx:?}");
    assert_eq!(m.start_key, None);
    update(&mut m, entry(1, TranscriptEvent::Expired));
    let fx = update(&mut m, Msg::Restart);
    assert!(
        fx.contains(&Effect::Start {
            token: None,
            key: "fedcba9876543210fedcba9876543210-1".into(),
        }),
        "{fx:?}"
    );
}

#[test]
fn a_refused_start_drops_its_key_and_a_failed_one_keeps_it() {
    for (status, dropped) in [
        (0, false),
        (500, false),
        (504, false),
        (400, true),
        (403, true),
        (409, true),
        (429, true),
    ] {
        let mut m = model();
        m.start_retries = super::START_RETRIES; // no retry by itself: the answer is final
        update(&mut m, Msg::Toggle);
        assert!(m.start_key.is_some());
        let fx = update(&mut m, Msg::StartFailed { status });
        assert_eq!(
            fx.contains(&Effect::ForgetStartKey),
            dropped,
            "{status}: {fx:?}"
        );
        assert_eq!(m.start_key.is_none(), dropped, "{status}");
        // Try again: the same start after a failure, a new one after a refusal.
        m.phase = Phase::Failed {
            rate_limited: false,
        };
        let again = update(&mut m, Msg::Retry);
        assert!(
            again.contains(&start_fx(None, u32::from(dropped))),
            "{status}: {again:?}"
        );
    }
}
