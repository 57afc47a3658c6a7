//! Pins the JSON of every message on the link between the two machines
//! (`parlor_core::link`), and of the workspace machine's inputs and effects. A conversation
//! object and a workspace object of different deploys talk over this link, and rows written
//! by one version are read by the next: a changed snapshot is a format change.

use std::collections::BTreeMap;

use parlor_core::failed_action::{Email, FailedAction, FailedActionKind};
use parlor_core::lead::{LeadOutcome, LeadSource, LeadUpdate};
use parlor_core::link::{
    ConversationToWorkspace, FromConversation, ToConversation, WorkspaceToConversation,
};
use parlor_core::protocol::{
    AgentProfile, ConversationRecord, ConversationStatus, EndReason, FallbackKind, InboxServerMsg,
    OfferView, Presence, PushMsg,
};
use parlor_core::routing::{
    AuditEntry, AuditOutcome, AuditTrigger, Condition, FallbackReason, Operator, Plan, Routing,
    RoutingMode, RoutingSettings, Rule, RuleTarget, SkipReason, SkippedAgent, Subject,
    VisitorFacts,
};
use parlor_core::workspace::{WorkspaceEffect, WorkspaceInput};
use parlor_core::{AgentId, ConversationId, Millis, TeamId, WorkspaceId};
use serde::de::DeserializeOwned;
use serde::Serialize;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).expect("serialize");
    let back: T = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(&back, value, "{json}");
}

fn visitor() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("email".to_owned(), "ada@bigcorp.example".to_owned()),
        ("first_name".to_owned(), "Ada".to_owned()),
    ])
}

fn facts() -> VisitorFacts {
    VisitorFacts {
        identity: None,
        fields: visitor(),
        page_url: "https://shop.example/pricing".into(),
        language: "en".into(),
        country: "GB".into(),
        utm: BTreeMap::from([("source".to_owned(), "newsletter".to_owned())]),
    }
}

fn eve() -> AgentProfile {
    AgentProfile {
        name: "Eve".into(),
        avatar_url: Some("https://cdn.example/eve.png".into()),
    }
}

fn record() -> ConversationRecord {
    ConversationRecord {
        identity: None,
        id: "c_7f3a".into(),
        created_at: 1_700_000_000_000,
        updated_at: 1_700_000_050_000,
        dialogue: "d_sales".into(),
        page_url: "https://shop.example/pricing".into(),
        status: ConversationStatus::Live,
        agent: Some("eve".into()),
        captured: visitor(),
        last_message: Some("Hi Ada!".into()),
        revision: 7,
        first_agent_reply_at: None,
    }
}

fn failed_action(workspace: Option<WorkspaceId>) -> FailedAction {
    FailedAction {
        workspace,
        conversation: "c_7f3a".into(),
        at: Millis(1_700_000_100_000),
        kind: FailedActionKind::LiveChat {
            fallback: FallbackKind::LiveChat,
        },
        reason: "No agent accepted in time.".into(),
        visitor: visitor(),
        page_url: "https://shop.example/pricing".into(),
    }
}

fn audit() -> AuditEntry {
    AuditEntry {
        at: Millis(1_700_000_000_000),
        conversation: "c_7f3a".into(),
        trigger: AuditTrigger::Request,
        mode: RoutingMode::Rules,
        rule: Some(0),
        team: Some(TeamId::new("sales")),
        outcome: AuditOutcome::Offered {
            agent: "eve".into(),
            offer: 42,
            deadline: Millis(1_700_000_100_000),
            attempt: 0,
        },
        skipped: vec![SkippedAgent {
            agent: "bob".into(),
            reason: SkipReason::Away,
        }],
        skipped_total: 1,
    }
}

fn lead_update() -> LeadUpdate {
    LeadUpdate {
        conversation: "c_7f3a".into(),
        at: Millis(1_700_000_000_000),
        email: "ada@bigcorp.example".into(),
        fields: visitor(),
        answers: BTreeMap::from([(
            "Would you like to talk to sales?".into(),
            "Yes please".into(),
        )]),
        page_url: "https://shop.example/pricing?utm_source=news".into(),
        utm: BTreeMap::from([("source".into(), "news".into())]),
        source: LeadSource::OfflineForm,
        outcome: LeadOutcome::LeftMessage {
            reason: Some(FallbackReason::OutsideHours),
        },
        message: Some("Please call me back tomorrow.".into()),
    }
}

// Each `*_name` is an exhaustive match: a new variant fails to compile until it has a sample.

fn c2w_name(m: &ConversationToWorkspace) -> &'static str {
    match m {
        ConversationToWorkspace::RequestLiveChat { .. } => "request_live_chat",
        ConversationToWorkspace::CancelLiveChat { .. } => "cancel_live_chat",
        ConversationToWorkspace::AgentJoined { .. } => "agent_joined",
        ConversationToWorkspace::ChatClosed { .. } => "chat_closed",
        ConversationToWorkspace::AgentLeft { .. } => "agent_left",
        ConversationToWorkspace::Index { .. } => "index",
        ConversationToWorkspace::FailedAction { .. } => "failed_action",
        ConversationToWorkspace::Lead { .. } => "lead",
        ConversationToWorkspace::MailVisitor { .. } => "mail_visitor",
        ConversationToWorkspace::CheckAvailability { .. } => "check_availability",
    }
}

fn c2w_samples() -> Vec<ConversationToWorkspace> {
    vec![
        ConversationToWorkspace::RequestLiveChat {
            request: 1,
            routing: Routing::Rules {
                rules: vec![Rule {
                    conditions: vec![Condition {
                        subject: Subject::Field("email".into()),
                        op: Operator::EmailDomain,
                        values: vec!["bigcorp.example".into()],
                    }],
                    target: RuleTarget::Team {
                        team: TeamId::new("sales"),
                    },
                }],
            },
            facts: facts(),
        },
        ConversationToWorkspace::CancelLiveChat { request: 1 },
        ConversationToWorkspace::AgentJoined {
            identity: None,
            agent: "eve".into(),
            visitor: visitor(),
            page_url: "https://shop.example/pricing".into(),
        },
        ConversationToWorkspace::ChatClosed {
            request: 1,
            agent: "eve".into(),
            reason: EndReason::EndedByVisitor,
        },
        ConversationToWorkspace::AgentLeft {
            request: 2,
            agent: "eve".into(),
            routing: Routing::Team {
                team: TeamId::new("sales"),
            },
            facts: facts(),
        },
        ConversationToWorkspace::Index {
            record: record(),
            preview_every: Millis(2_000),
        },
        ConversationToWorkspace::FailedAction {
            action: failed_action(None),
        },
        ConversationToWorkspace::Lead {
            update: lead_update(),
        },
        ConversationToWorkspace::MailVisitor {
            to: "ada@bigcorp.example".into(),
            email: Email {
                subject: "Your conversation".into(),
                body: "Here is your conversation, as you asked.\n".into(),
            },
            site: "shop.example".into(),
        },
        ConversationToWorkspace::CheckAvailability {
            card: "talk_to_sales".into(),
        },
    ]
}

fn w2c_name(m: &WorkspaceToConversation) -> &'static str {
    match m {
        WorkspaceToConversation::Accepted { .. } => "accepted",
        WorkspaceToConversation::Transferred { .. } => "transferred",
        WorkspaceToConversation::FellBack { .. } => "fell_back",
        WorkspaceToConversation::AgentLeft { .. } => "agent_left",
        WorkspaceToConversation::Pace { .. } => "pace",
        WorkspaceToConversation::Availability { .. } => "availability",
    }
}

fn w2c_samples() -> Vec<WorkspaceToConversation> {
    vec![
        WorkspaceToConversation::Accepted {
            request: 1,
            agent: "eve".into(),
            profile: eve(),
        },
        WorkspaceToConversation::Transferred {
            from: "bob".into(),
            agent: "eve".into(),
            profile: eve(),
            request: 1,
        },
        WorkspaceToConversation::FellBack {
            kind: FallbackKind::LiveChat,
            reason: FallbackReason::NoEligibleAgent,
        },
        WorkspaceToConversation::AgentLeft {
            agent: "eve".into(),
            removed: false,
        },
        WorkspaceToConversation::Pace {
            preview_every: Millis(15_000),
        },
        WorkspaceToConversation::Availability {
            card: "talk_to_sales".into(),
            can_chat: false,
        },
    ]
}

fn input_name(i: &WorkspaceInput) -> &'static str {
    match i {
        WorkspaceInput::FromConversation(_) => "from_conversation",
        WorkspaceInput::InboxOpened { .. } => "inbox_opened",
        WorkspaceInput::InboxClosed { .. } => "inbox_closed",
        WorkspaceInput::Restored { .. } => "restored",
        WorkspaceInput::SetPresence { .. } => "set_presence",
        WorkspaceInput::Accept { .. } => "accept",
        WorkspaceInput::Decline { .. } => "decline",
        WorkspaceInput::Colleagues { .. } => "colleagues",
        WorkspaceInput::Transfer { .. } => "transfer",
        WorkspaceInput::UpsertAgent { .. } => "upsert_agent",
        WorkspaceInput::RemoveAgent { .. } => "remove_agent",
        WorkspaceInput::SessionsEnded { .. } => "sessions_ended",
        WorkspaceInput::PushDevices { .. } => "push_devices",
        WorkspaceInput::Settings { .. } => "settings",
        WorkspaceInput::Tick => "tick",
    }
}

fn input_samples() -> Vec<WorkspaceInput> {
    vec![
        WorkspaceInput::FromConversation(FromConversation {
            conversation: "c_7f3a".into(),
            messages: vec![ConversationToWorkspace::ChatClosed {
                request: 1,
                agent: "eve".into(),
                reason: EndReason::Expired,
            }],
        }),
        WorkspaceInput::InboxOpened {
            agent: "eve".into(),
        },
        WorkspaceInput::SessionsEnded {
            agent: "eve".into(),
            hand_over: true,
        },
        WorkspaceInput::InboxClosed {
            agent: "eve".into(),
        },
        WorkspaceInput::Restored {
            connected: BTreeMap::from([(AgentId::new("bob"), 1), (AgentId::new("eve"), 2)]),
        },
        WorkspaceInput::SetPresence {
            agent: "eve".into(),
            presence: Presence::Away,
        },
        WorkspaceInput::Accept {
            agent: "eve".into(),
            offer: 42,
        },
        WorkspaceInput::Decline {
            agent: "eve".into(),
            offer: 42,
        },
        WorkspaceInput::Colleagues {
            agent: "eve".into(),
        },
        WorkspaceInput::Transfer {
            agent: "eve".into(),
            conversation: "c_7f3a".into(),
            to: parlor_core::routing::RuleTarget::Agent {
                agent: "bob".into(),
            },
        },
        WorkspaceInput::UpsertAgent {
            agent: "eve".into(),
            live_chat: true,
            teams: vec![TeamId::new("sales")],
            profile: eve(),
        },
        WorkspaceInput::RemoveAgent {
            agent: "eve".into(),
        },
        WorkspaceInput::PushDevices {
            agent: "eve".into(),
            devices: 2,
        },
        WorkspaceInput::Settings {
            routing: RoutingSettings {
                plan: Plan::Prime,
                accept_timeout: Millis(30_000),
                capacity: 3,
                engagement_limit: 100,
                extra_team_attempts: 2,
                ..RoutingSettings::default()
            },
        },
        WorkspaceInput::Tick,
    ]
}

fn effect_name(e: &WorkspaceEffect) -> &'static str {
    match e {
        WorkspaceEffect::Audit(_) => "audit",
        WorkspaceEffect::Index(_) => "index",
        WorkspaceEffect::FailedAction(_) => "failed_action",
        WorkspaceEffect::ToAgent { .. } => "to_agent",
        WorkspaceEffect::Push { .. } => "push",
        WorkspaceEffect::Reply(_) => "reply",
        WorkspaceEffect::ToConversation { .. } => "to_conversation",
        WorkspaceEffect::CloseAgent { .. } => "close_agent",
        WorkspaceEffect::Lead(_) => "lead",
        WorkspaceEffect::MailVisitor { .. } => "mail_visitor",
        WorkspaceEffect::Webhook(_) => "webhook",
    }
}

fn effect_samples() -> Vec<WorkspaceEffect> {
    vec![
        WorkspaceEffect::Audit(audit()),
        WorkspaceEffect::Index(record()),
        WorkspaceEffect::FailedAction(failed_action(Some(WorkspaceId::new("acme")))),
        WorkspaceEffect::ToAgent {
            agent: "eve".into(),
            msg: InboxServerMsg::Offered {
                offer: OfferView {
                    identity: None,
                    offer: 42,
                    conversation: "c_7f3a".into(),
                    deadline: Millis(1_700_000_100_000),
                    visitor: visitor(),
                    page_url: "https://shop.example/pricing".into(),
                    transfer_from: None,
                },
            },
        },
        WorkspaceEffect::Push {
            agent: "eve".into(),
            msg: PushMsg::offer(
                &WorkspaceId::new("acme"),
                &OfferView {
                    identity: None,
                    offer: 42,
                    conversation: "c_7f3a".into(),
                    deadline: Millis(1_700_000_100_000),
                    visitor: visitor(),
                    page_url: "https://shop.example/pricing".into(),
                    transfer_from: None,
                },
            ),
        },
        WorkspaceEffect::Reply(InboxServerMsg::Error {
            code: "offer_unavailable".into(),
            message: "This chat can no longer be accepted: unknown offer 42".into(),
        }),
        WorkspaceEffect::ToConversation {
            conversation: "c_7f3a".into(),
            msg: WorkspaceToConversation::FellBack {
                kind: FallbackKind::Global,
                reason: FallbackReason::EngagementLimitReached,
            },
        },
        WorkspaceEffect::CloseAgent {
            agent: "eve".into(),
            reason: "agent removed".into(),
        },
        WorkspaceEffect::Lead(lead_update()),
        WorkspaceEffect::MailVisitor {
            conversation: "c_7f3a".into(),
            to: "ada@bigcorp.example".into(),
            email: Email {
                subject: "Your conversation".into(),
                body: "Here is your conversation, as you asked.\n".into(),
            },
            site: "shop.example".into(),
        },
        WorkspaceEffect::Webhook(parlor_core::webhooks::Event {
            at: Millis(1_700_000_100_000),
            data: parlor_core::webhooks::EventData::ChatAccepted {
                conversation_id: "c_7f3a".into(),
                agent: parlor_core::webhooks::EventAgent {
                    id: "eve".into(),
                    name: "Eve".into(),
                },
                waited_ms: 12_500,
            },
        }),
    ]
}

#[test]
fn conversation_to_workspace_messages() {
    for m in c2w_samples() {
        insta::assert_json_snapshot!(format!("conversation_to_workspace__{}", c2w_name(&m)), m);
        round_trip(&m);
    }
}

#[test]
fn workspace_to_conversation_messages() {
    for m in w2c_samples() {
        insta::assert_json_snapshot!(format!("workspace_to_conversation__{}", w2c_name(&m)), m);
        round_trip(&m);
    }
}

#[test]
fn from_conversation_batches() {
    let batch = FromConversation {
        conversation: ConversationId::new("c_7f3a"),
        messages: c2w_samples(),
    };
    insta::assert_json_snapshot!("from_conversation__batch", batch);
    round_trip(&batch);
    // A conversation object wakes its workspace after a restart with an empty batch.
    let empty = FromConversation {
        conversation: ConversationId::new("c_7f3a"),
        messages: Vec::new(),
    };
    insta::assert_json_snapshot!("from_conversation__empty", empty);
    round_trip(&empty);
}

#[test]
fn to_conversation_batches() {
    let batch = ToConversation {
        messages: w2c_samples(),
    };
    insta::assert_json_snapshot!("to_conversation__batch", batch);
    round_trip(&batch);
    let empty = ToConversation::default();
    insta::assert_json_snapshot!("to_conversation__empty", empty);
    round_trip(&empty);
    // A conversation's reply to a workspace call is a bare list of its messages.
    let reply = c2w_samples();
    round_trip(&reply);
}

#[test]
fn workspace_inputs() {
    for i in input_samples() {
        insta::assert_json_snapshot!(format!("workspace_input__{}", input_name(&i)), i);
        round_trip(&i);
    }
}

#[test]
fn workspace_effects() {
    for e in effect_samples() {
        insta::assert_json_snapshot!(format!("workspace_effect__{}", effect_name(&e)), e);
        round_trip(&e);
    }
}

#[test]
fn every_routing_mode_round_trips_inside_a_request() {
    let routings = [
        Routing::RoundRobin,
        Routing::Agent {
            agent: "eve".into(),
        },
        Routing::Team {
            team: TeamId::new("sales"),
        },
        Routing::Rules {
            rules: vec![Rule {
                conditions: vec![Condition {
                    subject: Subject::Utm("campaign".into()),
                    op: Operator::OneOf,
                    values: vec!["spring".into(), "summer".into()],
                }],
                target: RuleTarget::Agent {
                    agent: "eve".into(),
                },
            }],
        },
    ];
    for routing in routings {
        round_trip(&ConversationToWorkspace::RequestLiveChat {
            request: 1,
            routing,
            facts: VisitorFacts::default(),
        });
    }
}

fn rejects<T: DeserializeOwned + std::fmt::Debug>(json: &str) {
    let got = serde_json::from_str::<T>(json);
    assert!(got.is_err(), "accepted {json}: {got:?}");
}

#[test]
fn unknown_types_are_rejected() {
    rejects::<ConversationToWorkspace>(r#"{"type":"take_over","agent":"eve"}"#);
    rejects::<ConversationToWorkspace>(r#"{"agent":"eve","reason":"expired"}"#);
    rejects::<WorkspaceToConversation>(r#"{"type":"bogus"}"#);
    rejects::<WorkspaceInput>(r#"{"input":"explode"}"#);
    rejects::<WorkspaceInput>(r#"{"type":"tick"}"#);
    rejects::<WorkspaceEffect>(r#"{"effect":"launch"}"#);
    rejects::<FromConversation>(r#"{"messages":[]}"#);
    rejects::<ToConversation>(r#"{}"#);
    rejects::<ToConversation>(r#"{"messages":[{"type":"pace"}]}"#);
}

#[test]
fn agent_joined_from_an_older_conversation_defaults_its_visitor() {
    let m: ConversationToWorkspace =
        serde_json::from_str(r#"{"type":"agent_joined","agent":"eve"}"#).expect("agent_joined");
    assert_eq!(
        m,
        ConversationToWorkspace::AgentJoined {
            identity: None,
            agent: "eve".into(),
            visitor: BTreeMap::new(),
            page_url: String::new(),
        }
    );
}

#[test]
fn index_rows_without_a_revision_read_as_revision_zero() {
    let m: ConversationToWorkspace = serde_json::from_str(
        r#"{"type":"index","record":{"id":"c1","created_at":1,"updated_at":2,"dialogue":"d",
            "page_url":"","status":"automated"}}"#,
    )
    .expect("index");
    let ConversationToWorkspace::Index { record, .. } = m else {
        panic!("not an index row: {m:?}");
    };
    assert_eq!(record.revision, 0);
    assert_eq!(record.agent, None);
    assert!(record.captured.is_empty());
}
