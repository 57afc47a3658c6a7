//! The inbox's hand-written JSON decoder and encoder (`wire`) in a real (headless) browser,
//! against core's serde: what the server writes decodes back equal, and what the inbox sends
//! the server reads back equal.
#![cfg(all(target_arch = "wasm32", feature = "agent", feature = "admin"))]

use std::collections::BTreeMap;

use parlor_core::dialogue::{Button, Card, CardKind, FieldKind, FieldSpec};
use parlor_core::identity::VisitorIdentity;
use parlor_core::protocol::{
    AgentChatMsg, AgentProfile, ChatClientMsg, ChatServerMsg, ChatSummary, ConversationView,
    EndReason, FallbackKind, FieldError, InboxClientMsg, InboxServerMsg, OfferView, Presence, Side,
    TranscriptEntry, TranscriptEvent,
};
use parlor_core::routing::Routing;
use parlor_core::{AgentId, ButtonId, CardId, ConversationId, Millis};
use parlor_inbox::admin::wire as admin_wire;
use parlor_inbox::session::{AgentInfo, Session};
use parlor_inbox::wire;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn visitor() -> BTreeMap<String, String> {
    [
        ("email".to_string(), "a\"@b.co".to_string()),
        ("first_name".to_string(), "Zoë".to_string()),
    ]
    .into_iter()
    .collect()
}

fn events() -> Vec<TranscriptEvent> {
    vec![
        TranscriptEvent::Card {
            prefill: Default::default(),
            card: Card {
                id: CardId::new("m"),
                kind: CardKind::Message { text: "Hi".into() },
            },
        },
        TranscriptEvent::Card {
            prefill: Default::default(),
            card: Card {
                id: CardId::new("q"),
                kind: CardKind::Question {
                    text: "Which?".into(),
                    buttons: vec![Button {
                        id: ButtonId::new("b"),
                        label: "B".into(),
                        goto: None,
                    }],
                    when_unavailable: None,
                },
            },
        },
        TranscriptEvent::Card {
            prefill: Default::default(),
            card: Card {
                id: CardId::new("f"),
                kind: CardKind::InfoCapture {
                    text: "Who?".into(),
                    fields: vec![
                        FieldSpec {
                            key: "email".into(),
                            kind: FieldKind::Email,
                            label: "Email".into(),
                            required: true,
                        },
                        FieldSpec {
                            key: "job".into(),
                            kind: FieldKind::Custom,
                            label: "Job".into(),
                            required: false,
                        },
                    ],
                },
            },
        },
        TranscriptEvent::Card {
            prefill: Default::default(),
            card: Card {
                id: CardId::new("l"),
                kind: CardKind::LiveChat {
                    text: "t".into(),
                    routing: Routing::RoundRobin,
                    when_unavailable: None,
                },
            },
        },
        TranscriptEvent::Answered {
            card: CardId::new("q"),
            button: ButtonId::new("b"),
            label: "B".into(),
        },
        TranscriptEvent::Captured {
            card: CardId::new("f"),
            values: visitor(),
        },
        TranscriptEvent::LiveChatRequested,
        TranscriptEvent::LiveChatUnavailable,
        TranscriptEvent::AgentJoined {
            agent: AgentProfile {
                name: "A".into(),
                avatar_url: Some("https://x/y.png".into()),
            },
        },
        TranscriptEvent::AgentLeft {
            agent: AgentProfile {
                name: "A".into(),
                avatar_url: None,
            },
        },
        TranscriptEvent::Message {
            from: Side::Visitor,
            text: "hé \"quoted\"\n".into(),
            client_id: "k".into(),
        },
        TranscriptEvent::Fallback {
            kind: FallbackKind::Global,
            text: "f".into(),
            visitor_away: false,
        },
        TranscriptEvent::Fallback {
            kind: FallbackKind::LiveChat,
            text: "f".into(),
            visitor_away: false,
        },
        TranscriptEvent::Expired,
        TranscriptEvent::Ended {
            by: Side::Agent,
            visitor_away: false,
        },
        TranscriptEvent::LeftMessage {
            email: "a@b.co".into(),
            text: "call me".into(),
            client_id: "n-lm".into(),
        },
        TranscriptEvent::TranscriptEmailed {
            to: "a@b.co".into(),
        },
        TranscriptEvent::Note {
            by: "Alice".into(),
            text: "VIP — be <b>nice</b>".into(),
            client_id: "n-note".into(),
        },
    ]
}

#[wasm_bindgen_test]
fn chat_frames_decode_as_core_wrote_them() {
    let mut msgs: Vec<ChatServerMsg> = events()
        .into_iter()
        .enumerate()
        .map(|(i, event)| ChatServerMsg::Entry {
            entry: TranscriptEntry {
                seq: i as u64 + 1,
                at: Millis(1_700_000_000_123),
                event,
            },
        })
        .collect();
    msgs.extend([
        ChatServerMsg::Welcome {
            conversation: ConversationView {
                id: ConversationId::new("c"),
                last_seq: 9,
                closed: true,
            },
        },
        ChatServerMsg::Ack {
            client_id: "k".into(),
            seq: 4,
        },
        ChatServerMsg::Invalid {
            card: CardId::new("f"),
            errors: vec![FieldError {
                key: "email".into(),
                message: "bad".into(),
            }],
        },
        ChatServerMsg::Typing {
            from: Side::Visitor,
            on: true,
        },
        ChatServerMsg::Presence {
            side: Side::Visitor,
            here: false,
        },
        ChatServerMsg::Error {
            code: "rate_limited".into(),
            message: "slow".into(),
        },
    ]);
    for m in msgs {
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(wire::chat_server_msg(&json).ok(), Some(m), "{json}");
    }
    for bad in [
        "not json",
        "{\"type\":\"nope\"}",
        "{\"type\":\"ack\",\"client_id\":\"k\"}",
        "{\"type\":\"ack\",\"client_id\":\"k\",\"seq\":-1}",
        "{\"type\":\"typing\",\"from\":\"robot\",\"on\":true}",
        "{\"type\":\"entry\",\"entry\":{\"seq\":1,\"at\":2,\"event\":\"nope\"}}",
    ] {
        assert!(wire::chat_server_msg(bad).is_err(), "{bad}");
    }
}

/// Only a card's words are shown in a transcript: a live chat card's routing and the branches
/// are not read.
#[wasm_bindgen_test]
fn transcript_cards_keep_their_words() {
    let json = r#"{"type":"entry","entry":{"seq":3,"at":5,"event":"card","card":{"id":"l","kind":"live_chat","text":"One moment","routing":{"kind":"team","team":"sales"},"when_unavailable":"offline"}}}"#;
    let Ok(ChatServerMsg::Entry { entry }) = wire::chat_server_msg(json) else {
        panic!("{json}");
    };
    let TranscriptEvent::Card { card, .. } = entry.event else {
        panic!("{json}");
    };
    assert_eq!(card.id, CardId::new("l"));
    let CardKind::LiveChat { text, .. } = card.kind else {
        panic!("{json}");
    };
    assert_eq!(text, "One moment");
}

#[wasm_bindgen_test]
fn inbox_frames_decode_as_core_wrote_them() {
    let offer = OfferView {
        offer: 7,
        conversation: ConversationId::new("c1"),
        deadline: Millis(1_700_000_030_000),
        visitor: visitor(),
        page_url: "https://acme.test/pricing".into(),
        identity: Some(VisitorIdentity {
            id: "user-42".into(),
            email: None,
            name: Some("Ada".into()),
            verified: false,
        }),
        transfer_from: None,
    };
    let transfer = OfferView {
        offer: 8,
        transfer_from: Some("Bob".into()),
        ..offer.clone()
    };
    let chat = ChatSummary {
        conversation: ConversationId::new("c2"),
        started_at: Millis(1_700_000_000_000),
        visitor: BTreeMap::new(),
        page_url: String::new(),
        identity: None,
    };
    let mut msgs = vec![
        InboxServerMsg::Welcome {
            agent: AgentId::new("ag"),
            presence: Presence::Away,
            offers: vec![offer.clone()],
            chats: vec![chat.clone()],
            capacity: 3,
        },
        InboxServerMsg::Offered { offer },
        InboxServerMsg::Offered { offer: transfer },
        InboxServerMsg::OfferWithdrawn {
            offer: 7,
            reason: "taken".into(),
        },
        InboxServerMsg::ChatStarted { chat },
        InboxServerMsg::Colleagues {
            agents: vec![
                parlor_core::protocol::Colleague {
                    agent: AgentId::new("bob"),
                    name: "Bob".into(),
                    unavailable: None,
                },
                parlor_core::protocol::Colleague {
                    agent: AgentId::new("cy"),
                    name: "Cy".into(),
                    unavailable: Some(parlor_core::routing::SkipReason::AtCapacity),
                },
            ],
            teams: vec![parlor_core::protocol::TeamAvailability {
                team: parlor_core::TeamId::new("sales"),
                available: 2,
            }],
        },
        InboxServerMsg::TransferStarted {
            conversation: ConversationId::new("c2"),
            to: "Bob".into(),
            deadline: Millis(1_700_000_100_000),
        },
        InboxServerMsg::TransferEnded {
            conversation: ConversationId::new("c2"),
            reason: "expired".into(),
        },
        InboxServerMsg::Error {
            code: "c".into(),
            message: "m".into(),
        },
    ];
    for reason in [
        EndReason::EndedByAgent,
        EndReason::EndedByVisitor,
        EndReason::Expired,
        EndReason::AgentLeft,
        EndReason::Erased,
        EndReason::Transferred,
    ] {
        msgs.push(InboxServerMsg::ChatClosed {
            conversation: ConversationId::new("c2"),
            reason,
        });
    }
    for m in msgs {
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(wire::inbox_server_msg(&json).ok(), Some(m), "{json}");
    }
    for bad in [
        "[]",
        "{\"type\":\"offered\"}",
        "{\"type\":\"chat_closed\",\"conversation\":\"c\",\"reason\":\"nope\"}",
        "{\"type\":\"offer_withdrawn\",\"offer\":1.5,\"reason\":\"r\"}",
    ] {
        assert!(wire::inbox_server_msg(bad).is_err(), "{bad}");
    }
}

#[wasm_bindgen_test]
fn client_frames_read_back_in_core() {
    for m in [
        InboxClientMsg::Hello { v: 1 },
        InboxClientMsg::SetPresence {
            presence: Presence::Available,
        },
        InboxClientMsg::SetPresence {
            presence: Presence::Away,
        },
        InboxClientMsg::Accept { offer: 9 },
        InboxClientMsg::Decline { offer: 10 },
        InboxClientMsg::Colleagues,
        InboxClientMsg::Transfer {
            conversation: ConversationId::new("c2"),
            to: parlor_core::routing::RuleTarget::Agent {
                agent: AgentId::new("bob"),
            },
        },
        InboxClientMsg::Transfer {
            conversation: ConversationId::new("c2"),
            to: parlor_core::routing::RuleTarget::Team {
                team: parlor_core::TeamId::new("sales"),
            },
        },
    ] {
        let json = wire::inbox_client_msg(&m).unwrap();
        assert_eq!(
            serde_json::from_str::<InboxClientMsg>(&json).unwrap(),
            m,
            "{json}"
        );
    }
    for m in [
        ChatClientMsg::Hello { v: 1, last_seq: 42 },
        ChatClientMsg::Answer {
            card: CardId::new("q"),
            button: ButtonId::new("b"),
        },
        ChatClientMsg::Capture {
            card: CardId::new("f"),
            values: visitor(),
        },
        ChatClientMsg::Say {
            client_id: "n-1".into(),
            text: "hé \"quoted\"\n".into(),
        },
        ChatClientMsg::Typing { on: true },
        ChatClientMsg::End,
        ChatClientMsg::LeaveMessage {
            client_id: "n-lm".into(),
            email: Some("a@b.co".into()),
            text: "hi".into(),
        },
        ChatClientMsg::LeaveMessage {
            client_id: "n-lm".into(),
            email: None,
            text: "hi".into(),
        },
        ChatClientMsg::EmailTranscript,
    ] {
        let json = wire::chat_client_msg(&m).unwrap();
        assert_eq!(
            serde_json::from_str::<ChatClientMsg>(&json).unwrap(),
            m,
            "{json}"
        );
    }
    let note = AgentChatMsg::Note {
        client_id: "n-2".into(),
        text: "hé \"quoted\"\n".into(),
    };
    let json = wire::agent_chat_msg(&note).unwrap();
    assert_eq!(
        serde_json::from_str::<AgentChatMsg>(&json).unwrap(),
        note,
        "{json}"
    );
}

#[wasm_bindgen_test]
fn sessions_round_trip() {
    let agent = AgentInfo {
        id: "ag".into(),
        email: "a@b.co".into(),
        name: "Ann".into(),
        avatar_url: Some("https://x/a.png".into()),
        live_chat: true,
        role: "admin".into(),
        teams: vec!["sales".into(), "support".into()],
    };
    for s in [
        Session {
            workspace: "acme".into(),
            token: "t.k".into(),
            agent: Some(agent.clone()),
        },
        Session {
            workspace: "acme".into(),
            token: "t.k".into(),
            agent: Some(AgentInfo::default()),
        },
        Session {
            workspace: "acme".into(),
            token: "t".into(),
            agent: None,
        },
    ] {
        // What this page stores, and what earlier versions stored (serde), both load.
        let ours = wire::session_json(&s).unwrap();
        assert_eq!(wire::session(&ours), Some(s.clone()), "{ours}");
        assert_eq!(serde_json::from_str::<Session>(&ours).unwrap(), s, "{ours}");
        let theirs = serde_json::to_string(&s).unwrap();
        assert_eq!(wire::session(&theirs), Some(s), "{theirs}");
    }
    assert_eq!(wire::session("{\"workspace\":\"acme\"}"), None);
    assert_eq!(wire::session("nope"), None);
    // The server leaves out what it does not know.
    let partial = js_sys::JSON::parse("{\"id\":\"ag\",\"name\":\"Ann\"}").unwrap();
    assert_eq!(
        wire::agent_info(&partial),
        AgentInfo {
            id: "ag".into(),
            name: "Ann".into(),
            ..AgentInfo::default()
        }
    );
    let full = js_sys::JSON::parse(&serde_json::to_string(&agent).unwrap()).unwrap();
    assert_eq!(wire::agent_info(&full), agent);
}

#[wasm_bindgen_test]
fn admin_frames_decode_as_core_wrote_them() {
    use parlor_core::protocol::{AdminServerMsg, ConversationRecord, ConversationStatus};
    let full = ConversationRecord {
        id: "c1".into(),
        created_at: 1_700_000_000_000,
        updated_at: 1_700_000_000_500,
        dialogue: "main".into(),
        page_url: "https://acme.test/".into(),
        status: ConversationStatus::FellBack,
        agent: Some("ag".into()),
        captured: visitor(),
        last_message: Some("hi".into()),
        revision: 4,
        first_agent_reply_at: Some(1_700_000_000_300),
        identity: Some(VisitorIdentity {
            id: "user-42".into(),
            email: Some("ada@acme.test".into()),
            name: None,
            verified: true,
        }),
    };
    let bare = ConversationRecord {
        status: ConversationStatus::Automated,
        agent: None,
        captured: BTreeMap::new(),
        last_message: None,
        revision: 0,
        first_agent_reply_at: None,
        identity: None,
        ..full.clone()
    };
    let mut msgs = vec![AdminServerMsg::Erased {
        conversations: vec!["c1".into(), "c2".into()],
    }];
    for status in [
        ConversationStatus::Automated,
        ConversationStatus::Waiting,
        ConversationStatus::Live,
        ConversationStatus::Ended,
        ConversationStatus::Expired,
    ] {
        msgs.push(AdminServerMsg::Conversation {
            record: ConversationRecord {
                status,
                ..full.clone()
            },
        });
    }
    msgs.push(AdminServerMsg::Conversation {
        record: full.clone(),
    });
    msgs.push(AdminServerMsg::Conversation {
        record: bare.clone(),
    });
    for m in msgs {
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(admin_wire::admin_server_msg(&json).ok(), Some(m), "{json}");
    }
    // Rows written before `revision` and the first reply existed, with nulls for the rest.
    let old = r#"{"type":"conversation","record":{"id":"c1","created_at":1700000000000,"updated_at":1700000000500,"dialogue":"main","page_url":"https://acme.test/","status":"automated","agent":null,"last_message":null}}"#;
    assert_eq!(
        admin_wire::admin_server_msg(old).ok(),
        Some(AdminServerMsg::Conversation { record: bare })
    );
    assert!(
        admin_wire::admin_server_msg(r#"{"type":"conversation","record":{"id":"c1"}}"#).is_err()
    );
    // Lists: the index and a transcript.
    let list = js_sys::JSON::parse(&serde_json::to_string(&vec![full.clone()]).unwrap()).unwrap();
    assert_eq!(
        wire::items(&list, admin_wire::record).ok(),
        Some(vec![full])
    );
    let entries: Vec<TranscriptEntry> = events()
        .into_iter()
        .enumerate()
        .map(|(i, event)| TranscriptEntry {
            seq: i as u64 + 1,
            at: Millis(5),
            event,
        })
        .collect();
    let js = js_sys::JSON::parse(&serde_json::to_string(&entries).unwrap()).unwrap();
    assert_eq!(admin_wire::entries(&js).ok(), Some(entries));
    assert!(admin_wire::entries(&wasm_bindgen::JsValue::NULL).is_err());
}

#[wasm_bindgen_test]
fn leads_decode_as_core_wrote_them() {
    use parlor_core::lead::{Lead, LeadOutcome, LeadSource};
    use parlor_core::routing::FallbackReason;
    let lead = Lead {
        key: "a@b.co".into(),
        email: "A@b.co".into(),
        name: "Ann Lee".into(),
        fields: visitor(),
        answers: [("Which?".to_string(), "B".to_string())]
            .into_iter()
            .collect(),
        page_url: "https://acme.test/?utm_source=x".into(),
        utm: [("utm_source".to_string(), "x".to_string())]
            .into_iter()
            .collect(),
        source: LeadSource::OfflineForm,
        outcome: LeadOutcome::Chatted { agent: "Bo".into() },
        message: Some("call me".into()),
        first_seen: Millis(1),
        last_seen: Millis(2),
        conversations: 2,
        last_conversation: ConversationId::new("c2"),
        recent: vec![ConversationId::new("c1"), ConversationId::new("c2")],
    };
    let mut leads = vec![lead.clone()];
    for outcome in [
        LeadOutcome::NoLiveChat,
        LeadOutcome::LeftMessage { reason: None },
        LeadOutcome::LeftMessage {
            reason: Some(FallbackReason::OutsideHours),
        },
    ] {
        leads.push(Lead {
            outcome,
            source: LeadSource::Capture,
            message: None,
            recent: Vec::new(),
            ..lead.clone()
        });
    }
    for reason in [
        FallbackReason::EngagementLimitReached,
        FallbackReason::NoRuleMatched,
        FallbackReason::UnknownAgent,
        FallbackReason::UnknownTeam,
        FallbackReason::NoEligibleAgent,
        FallbackReason::OfferExpired,
        FallbackReason::OfferDeclined,
        FallbackReason::AgentUnavailable,
        FallbackReason::OutsideHours,
    ] {
        leads.push(Lead {
            outcome: LeadOutcome::Missed { reason },
            ..lead.clone()
        });
    }
    let js = js_sys::JSON::parse(&serde_json::to_string(&leads).unwrap()).unwrap();
    assert_eq!(wire::items(&js, admin_wire::lead).ok(), Some(leads));
    // What serde fills in when a stored lead leaves it out.
    let sparse = r#"[{"key":"a","email":"a","source":"capture","outcome":{"kind":"no_live_chat"},"first_seen":1,"last_seen":2,"conversations":1,"last_conversation":"c"}]"#;
    let expected: Vec<Lead> = serde_json::from_str(sparse).unwrap();
    let js = js_sys::JSON::parse(sparse).unwrap();
    assert_eq!(wire::items(&js, admin_wire::lead).ok(), Some(expected));
    let bad = js_sys::JSON::parse(r#"[{"key":"a","email":"a","source":"capture","outcome":{"kind":"missed","reason":"nope"},"first_seen":1,"last_seen":2,"conversations":1,"last_conversation":"c"}]"#).unwrap();
    assert!(wire::items(&bad, admin_wire::lead).is_err());
}

#[wasm_bindgen_test]
fn dialogues_round_trip_through_core() {
    use parlor_core::dialogue::{Branch, Dialogue, UrlMatch};
    use parlor_core::routing::{Condition, Operator, Rule, RuleTarget, Subject};
    use parlor_core::{DialogueId, TeamId};
    let rules = Routing::Rules {
        rules: vec![
            Rule {
                conditions: vec![
                    Condition {
                        subject: Subject::Field("company".into()),
                        op: Operator::Equals,
                        values: vec!["Acme".into()],
                    },
                    Condition {
                        subject: Subject::PageUrl,
                        op: Operator::Contains,
                        values: vec!["/pricing".into(), "/plans".into()],
                    },
                    Condition {
                        subject: Subject::Language,
                        op: Operator::StartsWith,
                        values: vec!["fr".into()],
                    },
                    Condition {
                        subject: Subject::Country,
                        op: Operator::OneOf,
                        values: vec!["FR".into(), "BE".into()],
                    },
                    Condition {
                        subject: Subject::Utm("utm_source".into()),
                        op: Operator::EndsWith,
                        values: vec!["ads".into()],
                    },
                    Condition {
                        subject: Subject::Field("email".into()),
                        op: Operator::EmailDomain,
                        values: Vec::new(),
                    },
                ],
                target: RuleTarget::Team {
                    team: TeamId::new("sales"),
                },
            },
            Rule {
                conditions: Vec::new(),
                target: RuleTarget::Agent {
                    agent: AgentId::new("ag"),
                },
            },
        ],
    };
    let live = |id: &str, routing: Routing, when_unavailable: Option<String>| Card {
        id: CardId::new(id),
        kind: CardKind::LiveChat {
            text: "One moment".into(),
            routing,
            when_unavailable,
        },
    };
    let mut cards: Vec<Card> = events()
        .into_iter()
        .filter_map(|e| match e {
            TranscriptEvent::Card { card, .. } => Some(card),
            _ => None,
        })
        .collect();
    cards.push(Card {
        id: CardId::new("q2"),
        kind: CardKind::Question {
            text: "Talk to sales?".into(),
            buttons: vec![Button {
                id: ButtonId::new("y"),
                label: "Yes".into(),
                goto: Some("sales".into()),
            }],
            when_unavailable: Some("offline".into()),
        },
    });
    let dialogue = Dialogue {
        id: DialogueId::new("main"),
        name: "Main \"dialogue\"".into(),
        targeting: vec![
            UrlMatch::Exact("/".into()),
            UrlMatch::Prefix("/docs".into()),
            UrlMatch::Contains("pricing".into()),
        ],
        branches: vec![
            Branch {
                id: "main".into(),
                cards,
            },
            Branch {
                id: "sales".into(),
                cards: vec![
                    live("l1", rules, None),
                    live(
                        "l2",
                        Routing::Agent {
                            agent: AgentId::new("ag"),
                        },
                        Some("offline".into()),
                    ),
                    live(
                        "l3",
                        Routing::Team {
                            team: TeamId::new("t"),
                        },
                        None,
                    ),
                ],
            },
            Branch {
                id: "offline".into(),
                cards: Vec::new(),
            },
        ],
    };
    let bare = Dialogue {
        id: DialogueId::new("d2"),
        name: "Bare".into(),
        targeting: Vec::new(),
        branches: Vec::new(),
    };
    for d in [dialogue, bare] {
        let theirs = serde_json::to_string(&d).unwrap();
        // What the editor sends (and shows as JSON) is what core's serde writes, field for field.
        let ours = admin_wire::dialogue_js(&d);
        assert_eq!(
            js_sys::JSON::stringify(&ours).unwrap().as_string().unwrap(),
            theirs
        );
        let list = js_sys::JSON::parse(&format!("[{theirs}]")).unwrap();
        assert_eq!(admin_wire::dialogues(&list).ok(), Some(vec![d]), "{theirs}");
    }
    // Stored before targeting existed.
    let old = js_sys::JSON::parse(r#"[{"id":"d","name":"D","branches":[]}]"#).unwrap();
    assert_eq!(
        admin_wire::dialogues(&old)
            .ok()
            .map(|d| d[0].targeting.len()),
        Some(0)
    );
    for bad in [
        r#"[{"id":"d","name":"D","branches":[{"id":"main","cards":[{"id":"c","kind":"live_chat","text":"t","routing":{"mode":"nope"}}]}]}]"#,
        r#"[{"id":"d","name":"D","branches":[{"id":"main","cards":[{"id":"c","kind":"info_capture","text":"t","fields":[{"key":"k","kind":"nope","label":"K"}]}]}]}]"#,
        r#"[{"id":"d","name":"D","targeting":[{"match":"nope","value":"/"}],"branches":[]}]"#,
        r#"{"id":"d"}"#,
    ] {
        let v = js_sys::JSON::parse(bad).unwrap();
        assert!(admin_wire::dialogues(&v).is_err(), "{bad}");
    }
}

#[wasm_bindgen_test]
fn reports_settings_teams_and_hooks_decode_as_core_wrote_them() {
    use parlor_core::hours::{BusinessHours, Exception, Range, Weekly};
    use parlor_core::privacy::ErasureCounts;
    use parlor_core::report::{AgentRow, Counts, DayRow, Missed, Report};
    use parlor_core::routing::Plan;
    use parlor_core::settings::{WidgetLook, WidgetPosition, WorkspaceSettings};
    use parlor_inbox::admin::hooks::{Hook, HookLine};
    use parlor_inbox::admin::model::{Issue, Team};
    use parlor_inbox::admin::privacy::EraseTarget;
    let js = |json: &str| js_sys::JSON::parse(json).unwrap();
    let text = |v: &wasm_bindgen::JsValue| js_sys::JSON::stringify(v).unwrap().as_string().unwrap();

    let counts = Counts {
        conversations: 9,
        requests: 5,
        accepted: 3,
        missed: Missed {
            total: 2,
            nobody_available: 1,
            expired: 1,
            declined: 0,
            outside_hours: 0,
            engagement_limit: 0,
        },
        median_accept_ms: Some(4_000),
        median_first_response_ms: None,
    };
    let report = Report {
        time_zone: "Europe/Paris".into(),
        from: "2026-11-01".into(),
        to: "2026-11-07".into(),
        days: vec![DayRow {
            date: "2026-11-01".into(),
            counts: counts.clone(),
        }],
        agents: vec![AgentRow {
            agent: AgentId::new("ag"),
            name: "Ann".into(),
            offers: 4,
            accepted: 3,
            declined: 1,
            expired: 0,
            went_away: 0,
            median_accept_ms: None,
            median_first_response_ms: Some(9_000),
        }],
        totals: counts,
        complete: false,
    };
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(admin_wire::report(&js(&json)).ok(), Some(report), "{json}");
    assert!(admin_wire::report(&js("{\"time_zone\":\"UTC\"}")).is_err());

    let hours = BusinessHours {
        time_zone: "Europe/Paris".into(),
        weekly: Weekly {
            mon: vec![
                Range {
                    from: "09:00".into(),
                    to: "12:00".into(),
                },
                Range {
                    from: "13:00".into(),
                    to: "18:00".into(),
                },
            ],
            fri: vec![Range {
                from: "09:00".into(),
                to: "24:00".into(),
            }],
            ..Weekly::default()
        },
        exceptions: vec![Exception {
            date: "2026-12-25".into(),
            ranges: Vec::new(),
        }],
    };
    let settings = WorkspaceSettings {
        plan: Plan::Prime,
        capacity: 4,
        allowed_origins: vec!["https://acme.test".into()],
        notification_emails: vec!["ops@acme.test".into()],
        widget: WidgetLook {
            color: "#000000".into(),
            position: WidgetPosition::Left,
            language: "fr".into(),
        },
        retention_days: Some(30),
        test_retention_ms: Some(5_000),
        business_hours: Some(hours.clone()),
        require_verified_identity: true,
        ..WorkspaceSettings::default()
    };
    for s in [settings, WorkspaceSettings::default()] {
        let theirs = serde_json::to_string(&s).unwrap();
        // What the Settings tab sends is what core's serde writes, field for field.
        assert_eq!(text(&admin_wire::settings_js(&s)), theirs);
        assert_eq!(admin_wire::settings(&js(&theirs)).ok(), Some(s), "{theirs}");
    }
    // A field left out keeps core's default.
    for sparse in ["{}", r##"{"capacity":3,"widget":{"color":"#111111"}}"##] {
        let expected: WorkspaceSettings = serde_json::from_str(sparse).unwrap();
        assert_eq!(
            admin_wire::settings(&js(sparse)).ok(),
            Some(expected),
            "{sparse}"
        );
    }
    assert!(admin_wire::settings(&js(r#"{"plan":"gold"}"#)).is_err());
    assert_eq!(
        text(&admin_wire::hours_js(&hours)),
        serde_json::to_string(&hours).unwrap()
    );

    let teams = vec![
        Team {
            id: "sales".into(),
            name: "Sales".into(),
            business_hours: Some(hours),
        },
        Team {
            id: "support".into(),
            name: "Support".into(),
            business_hours: None,
        },
    ];
    let json = serde_json::to_string(&teams).unwrap();
    assert_eq!(admin_wire::teams(&js(&json)).ok(), Some(teams), "{json}");

    let hooks = r#"[{"id":"we_1","url":"https://x.example","events":["chat.ended"],"enabled":true,"created_at":1,"pending":2,"health":{"failing_since":null}},{"id":"we_2","enabled":false,"disabled_reason":"Disabled","health":{"failing_since":7}},{}]"#;
    let expected: Vec<Hook> = serde_json::from_str(hooks).unwrap();
    assert_eq!(admin_wire::hooks(&js(hooks)).ok(), Some(expected));
    let lines = r#"[{"seq":3,"delivery":7,"message":"msg_a","event":"chat.ended","attempt":2,"at":5,"duration_ms":12,"outcome":{"kind":"status","code":500},"next_retry":99,"manual":false,"result":"the receiver answered 500"},{"delivery":8,"next_retry":null,"manual":true}]"#;
    let expected: Vec<HookLine> = serde_json::from_str(lines).unwrap();
    assert_eq!(admin_wire::hook_lines(&js(lines)).ok(), Some(expected));

    let issues = r#"[{"code":"dangling_goto","branch":"main","card":"q1","message":"m"},{"code":"empty","branch":null,"message":"n"}]"#;
    let expected: Vec<Issue> = serde_json::from_str(issues).unwrap();
    assert_eq!(admin_wire::issues(&js(issues)), expected);
    assert_eq!(
        admin_wire::issues(&wasm_bindgen::JsValue::UNDEFINED),
        Vec::new()
    );

    let counts = ErasureCounts {
        conversations: 2,
        transcript_entries: 40,
        index_rows: 2,
        outbox_rows: 1,
        audit_rows: 3,
        leads: 1,
    };
    let json = serde_json::to_string(&counts).unwrap();
    assert_eq!(admin_wire::erasure_counts(&js(&json)), counts);
    for t in [
        EraseTarget::Email("a@b.co".into()),
        EraseTarget::Conversation("ab12".into()),
    ] {
        assert_eq!(
            text(&admin_wire::erase_target_js(&t)),
            serde_json::to_string(&t).unwrap()
        );
    }
    let captured = admin_wire::string_map(&js(r#"{"email":"a@b.co","first_name":"Ann"}"#));
    assert_eq!(captured.get("first_name").map(String::as_str), Some("Ann"));
    assert!(admin_wire::string_map(&wasm_bindgen::JsValue::NULL).is_empty());
}

/// What `Intl.DateTimeFormat` (the browser's locale) writes for `ms` with these options.
fn intl(ms: f64, options: &[(&str, &str)]) -> String {
    let o = js_sys::Object::new();
    for (k, v) in options {
        js_sys::Reflect::set(&o, &(*k).into(), &(*v).into()).unwrap();
    }
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &o).format();
    let date = js_sys::Date::new(&ms.into());
    format
        .call1(&wasm_bindgen::JsValue::NULL, &date)
        .unwrap()
        .as_string()
        .unwrap()
}

#[wasm_bindgen_test]
fn times_are_written_in_the_agents_locale() {
    use parlor_inbox::fmt;
    let ms = 1_700_000_000_000u64;
    assert_eq!(
        fmt::clock(ms),
        intl(ms as f64, &[("hour", "numeric"), ("minute", "2-digit")])
    );
    assert_eq!(
        fmt::date_time(ms),
        intl(
            ms as f64,
            &[("dateStyle", "medium"), ("timeStyle", "medium")]
        )
    );
    assert_eq!(fmt::iso(ms), "2023-11-14T22:13:20.000Z");
}

#[wasm_bindgen_test]
fn canned_replies_decode_as_core_wrote_them() {
    use parlor_core::canned::{CannedReply, Scope};
    let replies = vec![
        CannedReply {
            id: "cr_1".into(),
            shortcut: "hello".into(),
            text: "Hi {first_name}, \"welcome\"\nI'm {agent_name} 👋".into(),
            scope: Scope::Workspace,
        },
        CannedReply {
            id: "cr_2".into(),
            shortcut: "my-own_1".into(),
            text: "Zoë".into(),
            scope: Scope::Personal,
        },
    ];
    let json = serde_json::json!({ "replies": replies }).to_string();
    let v = js_sys::JSON::parse(&json).expect("json");
    assert_eq!(wire::canned_replies(&v).expect("replies"), replies);
    // A scope the inbox does not know is refused, not guessed.
    let bad =
        js_sys::JSON::parse(r#"{"replies":[{"id":"x","shortcut":"a","text":"b","scope":"team"}]}"#)
            .expect("json");
    assert!(wire::canned_replies(&bad).is_err());
}
