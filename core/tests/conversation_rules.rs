//! One test per rule of the conversation state machine.

use std::collections::BTreeMap;

use parlor_core::conversation::{
    replay_after, resume_frames, CloseReason, Conversation, ConversationSettings, Effect, Input,
    LiveState, Position,
};
use parlor_core::dialogue::Dialogue;
use parlor_core::link::{ConversationToWorkspace, WorkspaceToConversation};
use parlor_core::protocol::{
    AgentProfile, ChatServerMsg, EndReason, FallbackKind, Side, TranscriptEntry, TranscriptEvent,
    MAX_MESSAGE_BYTES,
};
use parlor_core::routing::FallbackReason;
use parlor_core::routing::Routing;
use parlor_core::{AgentId, CardId, ConversationId, Millis};

const MIN: u64 = 60_000;

fn dialogue() -> Dialogue {
    serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Sales",
        "branches": [
            {"id": "main", "cards": [
                {"id": "m1", "kind": "message", "text": "Hi!"},
                {"id": "q1", "kind": "question", "text": "Talk to sales?", "buttons": [
                    {"id": "yes", "label": "Yes", "goto": "sales"},
                    {"id": "no", "label": "No", "goto": "bye"},
                    {"id": "later", "label": "Later"}
                ]},
                {"id": "m3", "kind": "message", "text": "Okay, take your time."}
            ]},
            {"id": "sales", "cards": [
                {"id": "ic1", "kind": "info_capture", "text": "Who are you?", "fields": [
                    {"key": "first_name", "kind": "first_name", "label": "First name", "required": true},
                    {"key": "email", "kind": "email", "label": "Email", "required": true},
                    {"key": "phone", "kind": "phone", "label": "Phone"}
                ]},
                {"id": "lc1", "kind": "live_chat", "text": "Connecting you…", "routing": {"mode": "round_robin"}}
            ]},
            {"id": "bye", "cards": [{"id": "m2", "kind": "message", "text": "Bye!"}]}
        ]
    }))
    .expect("valid dialogue")
}

fn conv() -> Conversation {
    Conversation::new(
        ConversationId::new("c1"),
        dialogue(),
        ConversationSettings::default(),
        Millis(0),
    )
}

fn start() -> Input {
    Input::Start {
        identity: None,
        page_url: "https://ex.com/pricing?utm_source=ads".into(),
        language: "fr".into(),
        country: "FR".into(),
        utm: BTreeMap::from([("source".into(), "ads".into())]),
    }
}

fn answer(card: &str, button: &str) -> Input {
    Input::Answer {
        card: card.into(),
        button: button.into(),
    }
}

fn good_capture() -> Input {
    Input::Capture {
        card: "ic1".into(),
        values: BTreeMap::from([
            ("first_name".into(), "  Ada ".into()),
            ("email".into(), "ada@example.com".into()),
        ]),
    }
}

fn say(from: Side, id: &str, text: &str) -> Input {
    Input::Say {
        from,
        client_id: id.into(),
        text: text.into(),
    }
}

fn accepted(agent: &str, name: &str) -> Input {
    Input::FromWorkspace(WorkspaceToConversation::Accepted {
        request: 0,
        agent: AgentId::new(agent),
        profile: AgentProfile {
            name: name.into(),
            avatar_url: Some(format!("https://cdn/{name}.png")),
        },
    })
}

/// A conversation waiting for an agent (live chat requested) at t = 3 s.
fn requested() -> Conversation {
    let mut c = conv();
    c.handle(start(), Millis(1_000));
    c.handle(answer("q1", "yes"), Millis(2_000));
    c.handle(good_capture(), Millis(3_000));
    assert_eq!(c.live_state(), LiveState::Requested);
    c
}

fn in_chat() -> Conversation {
    let mut c = requested();
    c.handle(accepted("a1", "Bob"), Millis(5_000));
    // The agent's chat pane connects, as the inbox does right after accepting.
    c.handle(Input::SocketOpened { side: Side::Agent }, Millis(5_000));
    c
}

fn appended(fx: &[Effect]) -> Vec<TranscriptEntry> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Append(entry) => Some(entry.clone()),
            _ => None,
        })
        .collect()
}

fn events(fx: &[Effect]) -> Vec<TranscriptEvent> {
    appended(fx).into_iter().map(|e| e.event).collect()
}

fn error_code(fx: &[Effect]) -> Option<String> {
    fx.iter().find_map(|e| match e {
        Effect::Reply(ChatServerMsg::Error { code, .. }) => Some(code.clone()),
        _ => None,
    })
}

fn card_ids(fx: &[Effect]) -> Vec<String> {
    events(fx)
        .into_iter()
        .filter_map(|e| match e {
            TranscriptEvent::Card { card, .. } => Some(card.id.0),
            _ => None,
        })
        .collect()
}

#[test]
fn start_shows_messages_then_pauses_on_the_question() {
    let mut c = conv();
    let fx = c.handle(start(), Millis(1_000));
    assert_eq!(card_ids(&fx), ["m1", "q1"]);
    let seqs: Vec<u64> = appended(&fx).iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2]);
    assert!(appended(&fx).iter().all(|e| e.at == Millis(1_000)));
    assert_eq!(c.position(), &Position::Card { card: "q1".into() });
    assert_eq!(c.last_seq(), 2);
    assert_eq!(c.facts().page_url, "https://ex.com/pricing?utm_source=ads");
}

#[test]
fn starting_twice_is_refused() {
    let mut c = conv();
    c.handle(start(), Millis(1));
    let fx = c.handle(start(), Millis(2));
    assert_eq!(error_code(&fx).as_deref(), Some("already_started"));
    assert!(appended(&fx).is_empty());
}

#[test]
fn answering_before_start_is_refused() {
    let mut c = conv();
    let fx = c.handle(answer("q1", "yes"), Millis(1));
    assert_eq!(error_code(&fx).as_deref(), Some("not_started"));
}

#[test]
fn only_the_current_question_can_be_answered() {
    let mut c = conv();
    c.handle(start(), Millis(1));
    let fx = c.handle(answer("m1", "yes"), Millis(2));
    assert_eq!(error_code(&fx).as_deref(), Some("not_current_card"));
    let fx = c.handle(answer("nope", "yes"), Millis(2));
    assert_eq!(error_code(&fx).as_deref(), Some("not_current_card"));
    let fx = c.handle(answer("q1", "maybe"), Millis(2));
    assert_eq!(error_code(&fx).as_deref(), Some("unknown_button"));
    assert_eq!(c.last_seq(), 2);
    c.handle(answer("q1", "yes"), Millis(3));
    // Answered already: the question is no longer current.
    let fx = c.handle(answer("q1", "no"), Millis(4));
    assert_eq!(error_code(&fx).as_deref(), Some("not_current_card"));
}

#[test]
fn answer_opens_the_buttons_branch() {
    let mut c = conv();
    c.handle(start(), Millis(1));
    let fx = c.handle(answer("q1", "yes"), Millis(2));
    let ev = events(&fx);
    assert_eq!(
        ev[0],
        TranscriptEvent::Answered {
            card: "q1".into(),
            button: "yes".into(),
            label: "Yes".into()
        }
    );
    assert_eq!(card_ids(&fx), ["ic1"]);
    assert_eq!(c.answers().get(&CardId::new("q1")), Some(&"yes".into()));
}

#[test]
fn answer_without_goto_continues_the_branch_and_finishes_at_its_end() {
    let mut c = conv();
    c.handle(start(), Millis(1));
    let fx = c.handle(answer("q1", "later"), Millis(2));
    assert_eq!(card_ids(&fx), ["m3"]);
    assert_eq!(c.position(), &Position::Finished);
    // Nothing more can happen: the conversation ends, and the visitor is offered a new one
    // rather than a panel with nothing to answer until the inactivity timeout.
    assert_eq!(
        events(&fx).last(),
        Some(&TranscriptEvent::Ended {
            by: Side::Bot,
            visitor_away: false
        })
    );
    assert!(c.is_closed(), "a finished dialogue ends");
    assert!(fx.contains(&Effect::Closed {
        reason: CloseReason::Ended { by: Side::Bot }
    }));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::ToWorkspace(m) if !matches!(m, ConversationToWorkspace::Index { .. } | ConversationToWorkspace::Lead { .. }))),
        "no live chat to release"
    );
}

#[test]
fn a_branch_of_messages_finishes_the_dialogue() {
    let mut c = conv();
    c.handle(start(), Millis(1));
    let fx = c.handle(answer("q1", "no"), Millis(2));
    assert_eq!(card_ids(&fx), ["m2"]);
    assert_eq!(c.position(), &Position::Finished);
}

#[test]
fn invalid_capture_replies_invalid_and_stores_nothing() {
    let mut c = conv();
    c.handle(start(), Millis(1));
    c.handle(answer("q1", "yes"), Millis(2));
    let before = c.last_seq();
    let fx = c.handle(
        Input::Capture {
            card: "ic1".into(),
            values: BTreeMap::from([("email".into(), "not-an-email".into())]),
        },
        Millis(3),
    );
    assert!(appended(&fx).is_empty());
    assert_eq!(c.last_seq(), before);
    let Some(Effect::Reply(ChatServerMsg::Invalid { card, errors })) = fx.first() else {
        panic!("expected invalid, got {fx:?}");
    };
    assert_eq!(card.as_str(), "ic1");
    let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["first_name", "email"]);
    assert!(c.captured().is_empty());
}

#[test]
fn capture_on_a_question_is_refused() {
    let mut c = conv();
    c.handle(start(), Millis(1));
    let fx = c.handle(
        Input::Capture {
            card: "q1".into(),
            values: BTreeMap::new(),
        },
        Millis(2),
    );
    assert_eq!(error_code(&fx).as_deref(), Some("not_current_card"));
}

#[test]
fn valid_capture_reaches_live_chat_and_requests_it_with_the_facts() {
    let mut c = conv();
    c.handle(start(), Millis(1));
    c.handle(answer("q1", "yes"), Millis(2));
    let fx = c.handle(good_capture(), Millis(3));
    let ev = events(&fx);
    assert_eq!(
        ev[0],
        TranscriptEvent::Captured {
            card: "ic1".into(),
            values: BTreeMap::from([
                ("email".into(), "ada@example.com".into()),
                ("first_name".into(), "Ada".into())
            ])
        }
    );
    assert_eq!(card_ids(&fx), ["lc1"]);
    assert_eq!(ev.last(), Some(&TranscriptEvent::LiveChatRequested));
    let Some(Effect::ToWorkspace(ConversationToWorkspace::RequestLiveChat {
        request: 1,
        routing,
        facts,
    })) = without_index(&fx).last().cloned()
    else {
        panic!("expected a live chat request, got {fx:?}");
    };
    assert_eq!(routing, Routing::RoundRobin);
    assert_eq!(
        facts.fields.get("first_name").map(String::as_str),
        Some("Ada")
    );
    assert_eq!(facts.language, "fr");
    assert_eq!(facts.country, "FR");
    assert_eq!(facts.utm.get("source").map(String::as_str), Some("ads"));
    assert_eq!(c.live_state(), LiveState::Requested);
    assert_eq!(c.captured().len(), 2);
}

#[test]
fn visitor_may_write_while_waiting_but_not_during_the_bot_dialogue() {
    let mut c = conv();
    c.handle(start(), Millis(1));
    let fx = c.handle(say(Side::Visitor, "v1", "hello?"), Millis(2));
    assert_eq!(error_code(&fx).as_deref(), Some("chat_not_open"));

    let mut c = requested();
    let fx = c.handle(say(Side::Visitor, "v1", "  anyone there? "), Millis(4_000));
    let ev = events(&fx);
    assert_eq!(
        ev,
        [TranscriptEvent::Message {
            from: Side::Visitor,
            text: "anyone there?".into(),
            client_id: "v1".into()
        }]
    );
    assert!(fx.contains(&Effect::Reply(ChatServerMsg::Ack {
        client_id: "v1".into(),
        seq: c.last_seq()
    })));
    let fx = c.handle(say(Side::Visitor, "v2", "still here"), Millis(6_000));
    assert_eq!(appended(&fx).len(), 1);
}

#[test]
fn agent_writes_only_once_accepted() {
    let mut c = requested();
    let fx = c.handle(say(Side::Agent, "a1", "hi"), Millis(4_000));
    assert_eq!(error_code(&fx).as_deref(), Some("no_live_chat"));
    let mut c = in_chat();
    let fx = c.handle(say(Side::Agent, "a1", "hi, I'm Bob"), Millis(6_000));
    assert_eq!(appended(&fx).len(), 1);
}

#[test]
fn a_resent_message_is_stored_once_and_acked_with_the_original_seq() {
    let mut c = in_chat();
    let fx = c.handle(say(Side::Visitor, "m-1", "hello"), Millis(6_000));
    let seq = appended(&fx)[0].seq;
    c.handle(say(Side::Agent, "x", "hi"), Millis(6_500));
    let fx = c.handle(say(Side::Visitor, "m-1", "hello (resent)"), Millis(7_000));
    assert_eq!(
        without_index(&fx),
        [Effect::Reply(ChatServerMsg::Ack {
            client_id: "m-1".into(),
            seq
        })]
    );
    // The same id from the other side is a different message.
    let fx = c.handle(say(Side::Agent, "m-1", "hello"), Millis(7_500));
    assert_eq!(appended(&fx).len(), 1);
    // Even after the end, a resend is acknowledged rather than refused.
    c.handle(Input::End { by: Side::Visitor }, Millis(8_000));
    let fx = c.handle(say(Side::Visitor, "m-1", "hello"), Millis(9_000));
    assert_eq!(
        fx,
        [Effect::Reply(ChatServerMsg::Ack {
            client_id: "m-1".into(),
            seq
        })]
    );
}

#[test]
fn message_text_and_ids_are_checked() {
    let mut c = in_chat();
    let cases = [
        (say(Side::Visitor, "e", "   "), "empty_message"),
        (
            say(Side::Visitor, "l", &"x".repeat(MAX_MESSAGE_BYTES + 1)),
            "message_too_long",
        ),
        (say(Side::Visitor, "", "hi"), "invalid_client_id"),
        (
            say(Side::Visitor, &"i".repeat(65), "hi"),
            "invalid_client_id",
        ),
        (say(Side::Bot, "b", "hi"), "not_allowed"),
    ];
    for (input, code) in cases {
        let fx = c.handle(input, Millis(6_000));
        assert_eq!(error_code(&fx).as_deref(), Some(code));
        assert!(appended(&fx).is_empty());
    }
    // Exactly the limit (in bytes, after trimming) is fine.
    let fx = c.handle(
        say(
            Side::Visitor,
            "ok",
            &format!(" {} ", "é".repeat(MAX_MESSAGE_BYTES / 2)),
        ),
        Millis(6_000),
    );
    assert_eq!(appended(&fx).len(), 1);
    // A refused message does not burn its id.
    let fx = c.handle(say(Side::Visitor, "e", "now with text"), Millis(6_000));
    assert_eq!(appended(&fx).len(), 1);
}

#[test]
fn acceptance_snapshots_the_agent_profile() {
    let mut c = requested();
    assert_eq!(c.live_state(), LiveState::Requested);
    let fx = c.handle(accepted("a1", "Bob"), Millis(5_000));
    assert_eq!(
        events(&fx),
        [TranscriptEvent::AgentJoined {
            agent: AgentProfile {
                name: "Bob".into(),
                avatar_url: Some("https://cdn/Bob.png".into())
            }
        }]
    );
    assert_eq!(c.live_state(), LiveState::Accepted);
    assert_eq!(c.agent(), Some(&AgentId::new("a1")));
    // A repeated acceptance (even with a changed profile) changes nothing.
    let fx = c.handle(accepted("a1", "Robert"), Millis(6_000));
    assert!(appended(&fx).is_empty());
    assert_eq!(c.agent_profile().map(|p| p.name.as_str()), Some("Bob"));
    let fx = c.handle(accepted("a2", "Eve"), Millis(6_000));
    assert_eq!(error_code(&fx).as_deref(), Some("already_accepted"));
}

#[test]
fn workspace_inputs_need_a_live_chat_request() {
    let mut c = conv();
    c.handle(start(), Millis(1));
    for input in [
        accepted("a1", "Bob"),
        Input::FromWorkspace(WorkspaceToConversation::FellBack {
            kind: FallbackKind::LiveChat,
            reason: FallbackReason::NoEligibleAgent,
        }),
    ] {
        let fx = c.handle(input, Millis(2));
        assert_eq!(error_code(&fx).as_deref(), Some("no_live_chat_request"));
    }
    assert_eq!(c.live_state(), LiveState::None);
}

#[test]
fn fallback_shows_its_text_and_closes() {
    let mut c = requested();
    let fx = c.handle(
        Input::FromWorkspace(WorkspaceToConversation::FellBack {
            kind: FallbackKind::LiveChat,
            reason: FallbackReason::NoEligibleAgent,
        }),
        Millis(100_000),
    );
    assert_eq!(
        events(&fx),
        [TranscriptEvent::Fallback {
            kind: FallbackKind::LiveChat,
            text: ConversationSettings::default().live_chat_fallback,
            visitor_away: false,
        }]
    );
    assert!(fx.contains(&Effect::Closed {
        reason: CloseReason::FellBack {
            kind: FallbackKind::LiveChat
        }
    }));
    assert_eq!(c.live_state(), LiveState::FellBack);
    assert!(c.is_closed());
    assert_eq!(c.next_deadline(), None);
    let fx = c.handle(say(Side::Visitor, "v9", "hello?"), Millis(100_001));
    assert_eq!(error_code(&fx).as_deref(), Some("conversation_closed"));
}

#[test]
fn fallback_without_text_uses_the_settings() {
    let mut c = requested();
    let fx = c.handle(
        Input::FromWorkspace(WorkspaceToConversation::FellBack {
            kind: FallbackKind::Global,
            reason: FallbackReason::NoEligibleAgent,
        }),
        Millis(5_000),
    );
    let text = ConversationSettings::default().global_fallback;
    assert_eq!(
        events(&fx),
        [TranscriptEvent::Fallback {
            kind: FallbackKind::Global,
            text,
            visitor_away: false,
        }]
    );
}

#[test]
fn ending_an_accepted_chat_releases_the_agent() {
    for (by, reason) in [
        (Side::Visitor, EndReason::EndedByVisitor),
        (Side::Agent, EndReason::EndedByAgent),
    ] {
        let mut c = in_chat();
        let fx = c.handle(Input::End { by }, Millis(10_000));
        assert_eq!(
            without_index(&fx),
            [
                Effect::Append(TranscriptEntry {
                    seq: 9,
                    at: Millis(10_000),
                    event: TranscriptEvent::Ended {
                        by,
                        visitor_away: false
                    }
                }),
                Effect::ToWorkspace(ConversationToWorkspace::ChatClosed {
                    request: 1,
                    agent: "a1".into(),
                    reason
                }),
                Effect::Closed {
                    reason: CloseReason::Ended { by }
                },
            ]
        );
        assert_eq!(c.live_state(), LiveState::Ended);
    }
}

#[test]
fn ending_while_waiting_cancels_the_request() {
    let mut c = requested();
    let fx = c.handle(Input::End { by: Side::Visitor }, Millis(4_000));
    assert!(fx.contains(&Effect::ToWorkspace(
        ConversationToWorkspace::CancelLiveChat { request: 1 }
    )));
    assert!(!fx.iter().any(|e| matches!(
        e,
        Effect::ToWorkspace(ConversationToWorkspace::ChatClosed { .. })
    )));
    assert!(c.is_closed());
}

#[test]
fn ending_during_the_dialogue_just_closes() {
    let mut c = conv();
    c.handle(start(), Millis(1));
    let fx = c.handle(Input::End { by: Side::Agent }, Millis(2));
    assert_eq!(error_code(&fx).as_deref(), Some("no_live_chat"));
    let fx = c.handle(Input::End { by: Side::Bot }, Millis(2));
    assert_eq!(error_code(&fx).as_deref(), Some("not_allowed"));
    let fx = c.handle(Input::End { by: Side::Visitor }, Millis(2));
    assert_eq!(
        events(&fx),
        [TranscriptEvent::Ended {
            by: Side::Visitor,
            visitor_away: false
        }]
    );
    assert!(!fx.iter().any(|e| matches!(
        e,
        Effect::ToWorkspace(ConversationToWorkspace::CancelLiveChat { request: 1 })
            | Effect::ToWorkspace(ConversationToWorkspace::ChatClosed { .. })
    )));
    assert_eq!(c.live_state(), LiveState::None);
}

#[test]
fn every_input_after_close_is_refused_and_stores_nothing() {
    let mut c = in_chat();
    c.handle(Input::End { by: Side::Agent }, Millis(10_000));
    let last = c.last_seq();
    for input in [
        start(),
        answer("q1", "yes"),
        good_capture(),
        say(Side::Visitor, "new", "hi"),
        Input::End { by: Side::Visitor },
        accepted("a1", "Bob"),
        Input::FromWorkspace(WorkspaceToConversation::FellBack {
            kind: FallbackKind::LiveChat,
            reason: FallbackReason::NoEligibleAgent,
        }),
    ] {
        let fx = c.handle(input, Millis(11_000));
        assert_eq!(error_code(&fx).as_deref(), Some("conversation_closed"));
        assert!(appended(&fx).is_empty());
    }
    assert!(c.handle(Input::Tick, Millis(u64::MAX)).is_empty());
    assert!(c
        .handle(
            Input::Typing {
                from: Side::Visitor,
                on: true
            },
            Millis(11_000)
        )
        .is_empty());
    assert_eq!(c.last_seq(), last);
}

#[test]
fn inactivity_expires_the_chat_and_frees_the_agent() {
    let mut c = in_chat(); // last activity: acceptance at 5 s
    let deadline = Millis(5_000 + 10 * MIN);
    assert_eq!(c.next_deadline(), Some(deadline));
    assert!(c.handle(Input::Tick, Millis(deadline.0 - 1)).is_empty());
    let fx = c.handle(Input::Tick, deadline);
    assert_eq!(events(&fx), [TranscriptEvent::Expired]);
    assert!(
        fx.contains(&Effect::ToWorkspace(ConversationToWorkspace::ChatClosed {
            request: 1,
            agent: "a1".into(),
            reason: EndReason::Expired
        }))
    );
    assert_eq!(
        without_index(&fx).last(),
        Some(&Effect::Closed {
            reason: CloseReason::Expired
        })
    );
    assert_eq!(c.live_state(), LiveState::Expired);
    assert_eq!(c.next_deadline(), None);
    // The alarm firing again is harmless.
    assert!(c.handle(Input::Tick, Millis(deadline.0 + 2_000)).is_empty());
}

#[test]
fn inactivity_while_waiting_cancels_the_request() {
    let mut c = requested();
    let fx = c.handle(Input::Tick, Millis(3_000 + 10 * MIN));
    assert!(fx.contains(&Effect::ToWorkspace(
        ConversationToWorkspace::CancelLiveChat { request: 1 }
    )));
    assert_eq!(c.live_state(), LiveState::Expired);
}

#[test]
fn inactivity_also_ends_an_idle_dialogue() {
    let mut c = conv();
    c.handle(start(), Millis(1_000));
    let fx = c.handle(Input::Tick, Millis(1_000 + 10 * MIN));
    assert_eq!(events(&fx), [TranscriptEvent::Expired]);
    assert!(!fx.iter().any(|e| matches!(
        e,
        Effect::ToWorkspace(ConversationToWorkspace::CancelLiveChat { request: 1 })
            | Effect::ToWorkspace(ConversationToWorkspace::ChatClosed { .. })
    )));
}

#[test]
fn messages_push_the_deadline_back_typing_and_offers_do_not() {
    let mut c = in_chat();
    c.handle(say(Side::Agent, "a", "hi"), Millis(60_000));
    assert_eq!(c.next_deadline(), Some(Millis(60_000 + 10 * MIN)));
    c.handle(
        Input::Typing {
            from: Side::Visitor,
            on: true,
        },
        Millis(120_000),
    );
    assert_eq!(c.next_deadline(), Some(Millis(60_000 + 10 * MIN)));
    let c = requested();
    assert_eq!(c.next_deadline(), Some(Millis(3_000 + 10 * MIN)));
}

#[test]
fn input_after_the_deadline_expires_first() {
    let mut c = in_chat();
    let fx = c.handle(
        say(Side::Visitor, "late", "hello?"),
        Millis(5_000 + 10 * MIN + 1),
    );
    assert_eq!(events(&fx), [TranscriptEvent::Expired]);
    assert_eq!(error_code(&fx).as_deref(), Some("conversation_closed"));
}

#[test]
fn the_inactivity_timeout_comes_from_the_settings() {
    let settings = ConversationSettings {
        inactivity_timeout: Millis(5_000),
        ..ConversationSettings::default()
    };
    let mut c = Conversation::new("c".into(), dialogue(), settings, Millis(0));
    c.handle(start(), Millis(1_000));
    assert_eq!(c.next_deadline(), Some(Millis(6_000)));
}

#[test]
fn typing_is_relayed_only_in_an_accepted_chat() {
    let mut c = requested();
    assert!(c
        .handle(
            Input::Typing {
                from: Side::Visitor,
                on: true
            },
            Millis(4_000)
        )
        .is_empty());
    let mut c = in_chat();
    let fx = c.handle(
        Input::Typing {
            from: Side::Agent,
            on: true,
        },
        Millis(6_000),
    );
    assert_eq!(
        fx,
        [Effect::Relay(ChatServerMsg::Typing {
            from: Side::Agent,
            on: true
        })]
    );
}

#[test]
fn a_live_chat_first_card_requests_at_once() {
    let d: Dialogue = serde_json::from_value(serde_json::json!({
        "id": "d", "name": "n", "branches": [{"id": "main", "cards": [
            {"id": "lc", "kind": "live_chat", "text": "", "routing": {"mode": "agent", "agent": "a9"}}
        ]}]
    }))
    .expect("dialogue");
    let mut c = Conversation::new("c".into(), d, ConversationSettings::default(), Millis(0));
    let fx = c.handle(start(), Millis(1));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::ToWorkspace(ConversationToWorkspace::RequestLiveChat {
            routing: Routing::Agent { .. },
            ..
        })
    )));
}

#[test]
fn a_dialogue_without_cards_finishes_at_once() {
    let d: Dialogue = serde_json::from_value(serde_json::json!({
        "id": "d", "name": "n", "branches": []
    }))
    .expect("dialogue");
    let mut c = Conversation::new("c".into(), d, ConversationSettings::default(), Millis(0));
    let fx = c.handle(start(), Millis(1));
    assert_eq!(
        appended(&fx)
            .into_iter()
            .map(|e| e.event)
            .collect::<Vec<_>>(),
        [TranscriptEvent::Ended {
            by: Side::Bot,
            visitor_away: false
        }]
    );
    assert_eq!(c.position(), &Position::Finished);
}

#[test]
fn the_snapshot_round_trips_and_resumes_identically() {
    let mut c = in_chat();
    // As the edge stores it: the state when the core says `Persist`, and every entry.
    let mut json = serde_json::to_string(c.stored_state()).expect("serialize");
    let fx = c.handle(say(Side::Visitor, "v1", "hello"), Millis(6_000));
    if fx.contains(&Effect::Persist) {
        json = serde_json::to_string(c.stored_state()).expect("serialize");
    }
    // The state is stored without the dialogue, which is stored once apart.
    assert!(!json.contains("Talk to sales?"));
    let state = serde_json::from_str(&json).expect("deserialize");
    let mut restored = Conversation::restore(c.dialogue().clone(), state, &appended(&fx));
    assert_eq!(restored, c);
    let a = c.handle(say(Side::Visitor, "v1", "hello"), Millis(7_000));
    let b = restored.handle(say(Side::Visitor, "v1", "hello"), Millis(7_000));
    assert_eq!(a, b);
}

#[test]
fn view_reports_progress() {
    let mut c = in_chat();
    let v = c.view();
    assert_eq!((v.id.as_str(), v.last_seq, v.closed), ("c1", 8, false));
    c.handle(Input::End { by: Side::Visitor }, Millis(7_000));
    assert!(c.view().closed);
}

#[test]
fn resume_sends_welcome_then_only_missing_entries() {
    let mut c = conv();
    let mut store = Vec::new();
    for (input, t) in [(start(), 1), (answer("q1", "yes"), 2), (good_capture(), 3)] {
        store.extend(appended(&c.handle(input, Millis(t))));
    }
    let seqs = |es: &[TranscriptEntry]| es.iter().map(|e| e.seq).collect::<Vec<_>>();
    assert_eq!(seqs(replay_after(&store, 0)), [1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(seqs(replay_after(&store, 4)), [5, 6, 7]);
    assert!(replay_after(&store, 7).is_empty());
    assert!(replay_after(&store, 99).is_empty());
    let frames = resume_frames(c.view(), &store, 5);
    assert_eq!(frames.len(), 3);
    assert!(matches!(frames[0], ChatServerMsg::Welcome { .. }));
    assert!(matches!(&frames[1], ChatServerMsg::Entry { entry } if entry.seq == 6));
}

#[test]
fn default_settings_follow_the_spec() {
    let s = ConversationSettings::default();
    assert_eq!(
        s.inactivity_timeout,
        parlor_core::conversation::DEFAULT_INACTIVITY_TIMEOUT
    );
    assert_eq!(s.inactivity_timeout, Millis(10 * MIN));
    assert!(!s.live_chat_fallback.is_empty() && !s.global_fallback.is_empty());
}

/// The edge does not report offers to the conversation (to it, an offered request is still
/// waiting), so `Accepted` comes straight from `Requested`; an offer arriving after the accept
/// changes nothing.
#[test]
fn an_accept_straight_from_requested_joins_and_a_late_fallback_is_refused() {
    let mut c = requested();
    let fx = c.handle(accepted("a1", "Bob"), Millis(4_000));
    assert_eq!(c.live_state(), LiveState::Accepted);
    assert!(events(&fx)
        .iter()
        .any(|e| matches!(e, TranscriptEvent::AgentJoined { .. })));
    let before = c.clone();
    let late = c.handle(
        Input::FromWorkspace(WorkspaceToConversation::FellBack {
            kind: FallbackKind::LiveChat,
            reason: FallbackReason::OfferExpired,
        }),
        Millis(4_001),
    );
    assert!(error_code(&late).is_some(), "the late fallback is refused");
    assert!(appended(&late).is_empty());
    assert_eq!(c.live_state(), LiveState::Accepted);
    assert_eq!(c.next_deadline(), before.next_deadline());
}

/// The resend memory is bounded: a long chat does not grow the snapshot with every message,
/// and a resend of a recent message is still confirmed, not stored twice.
#[test]
fn resend_memory_keeps_only_the_latest_client_ids() {
    let mut c = in_chat();
    let total = parlor_core::conversation::RESEND_WINDOW + 40;
    for i in 0..total {
        let fx = c.handle(
            say(Side::Visitor, &format!("v{i}"), "hello"),
            Millis(6_000 + i as u64),
        );
        assert_eq!(appended(&fx).len(), 1);
    }
    let snapshot = serde_json::to_value(&c).expect("snapshot");
    let remembered = snapshot["visitor_messages"]
        .as_object()
        .map_or(0, |m| m.len());
    assert_eq!(remembered, parlor_core::conversation::RESEND_WINDOW);
    let last = format!("v{}", total - 1);
    let before = c.clone();
    let fx = c.handle(say(Side::Visitor, &last, "hello"), Millis(60_000));
    assert!(
        appended(&fx).is_empty(),
        "a recent resend is not stored again"
    );
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Reply(ChatServerMsg::Ack { client_id, .. }) if *client_id == last
    )));
    assert_eq!(c.view().last_seq, before.view().last_seq);
}

/// The effects without the index rows for the Conversations view (tested in
/// conversation_index.rs) and without `Persist` (tested in conversation_storage.rs).
fn without_index(fx: &[Effect]) -> Vec<Effect> {
    fx.iter()
        .filter(|e| {
            !matches!(
                e,
                Effect::ToWorkspace(ConversationToWorkspace::Index { .. }) | Effect::Persist
            )
        })
        .cloned()
        .collect()
}

#[test]
fn erasing_frees_what_the_workspace_holds_and_raises_no_failed_action() {
    // In a live chat: the agent's slot is freed, with a reason the inbox shows in words.
    assert_eq!(
        in_chat().erase_release(),
        [ConversationToWorkspace::ChatClosed {
            agent: "a1".into(),
            reason: EndReason::Erased,
            request: 1,
        }]
    );
    // Waiting with captured details: the request is cancelled, but no lead email goes out.
    assert_eq!(
        requested().erase_release(),
        [ConversationToWorkspace::CancelLiveChat { request: 1 }]
    );
    // Before any live chat, or after it ended: nothing is held.
    let mut c = conv();
    c.handle(start(), Millis(1_000));
    assert!(c.erase_release().is_empty());
    let mut ended = in_chat();
    ended.handle(Input::End { by: Side::Visitor }, Millis(10_000));
    assert!(ended.erase_release().is_empty());
}
