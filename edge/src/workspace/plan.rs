//! Sorts the workspace machine's effects into what the object does with them, in the order
//! it must: storage first (written in the same synchronous section as the machine, so one
//! commit), then socket frames, then calls to conversation objects. Pure, so the fan-out is
//! unit-tested without a runtime.

use std::collections::BTreeMap;

use parlor_core::failed_action::{Email, FailedAction};
use parlor_core::lead::LeadUpdate;
use parlor_core::link::{ToConversation, WorkspaceToConversation};
use parlor_core::protocol::ConversationRecord;
use parlor_core::report::{events_of, FactEvent};
use parlor_core::routing::AuditEntry;
use parlor_core::webhooks::Event;
use parlor_core::workspace::WorkspaceEffect;
use parlor_core::{AgentId, ConversationId};

/// Who a socket frame is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every inbox socket of this agent.
    Agent(AgentId),
    /// The socket whose frame caused this.
    Origin,
}

/// One frame to send, already encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub to: Audience,
    pub text: String,
}

#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    pub audits: Vec<AuditEntry>,
    /// What the missed-chat report learns, per conversation (see `report.rs`).
    pub facts: Vec<(ConversationId, FactEvent)>,
    /// Index rows: stored unless a newer revision is, then pushed to the admin views.
    pub index: Vec<ConversationRecord>,
    pub failed: Vec<FailedAction>,
    pub frames: Vec<Frame>,
    /// Agents whose sockets close (code 4001), with the reason.
    pub closes: Vec<(AgentId, String)>,
    /// Messages per conversation object, in order, one call each.
    pub calls: BTreeMap<ConversationId, ToConversation>,
    /// Messages for the conversation awaiting this object's reply.
    pub reply: ToConversation,
    /// Lead updates to fold into the stored leads.
    pub leads: Vec<LeadUpdate>,
    /// Emails for visitors (their transcripts): conversation, address, email.
    pub visitor_mails: Vec<(ConversationId, String, Email, String)>,
    /// Filled when stored: emails to deliver now (recorded in the outbox already).
    pub outgoing: Vec<(Email, Vec<String>)>,
    /// Events for the webhook endpoints (kept only if one listens, see `webhooks.rs`).
    pub webhooks: Vec<Event>,
    /// Notifications for agents with no inbox open, sent to each of their devices (`push.rs`).
    pub pushes: Vec<(AgentId, parlor_core::protocol::PushMsg)>,
}

impl Plan {
    /// Drops what would store, mail or send anything about an erased conversation (its
    /// routing audit rows go with its other rows afterwards); frames to agents stay, so their
    /// inboxes hear that the chat or offer is gone.
    pub fn without(&mut self, conversation: &ConversationId) {
        self.index.retain(|r| r.id != conversation.as_str());
        self.facts.retain(|(c, _)| c != conversation);
        self.failed.retain(|a| &a.conversation != conversation);
        self.leads.retain(|u| &u.conversation != conversation);
        self.visitor_mails.retain(|(c, ..)| c != conversation);
        self.calls.remove(conversation);
        self.webhooks
            .retain(|e| e.conversation() != Some(conversation));
    }
}

/// Sorts `effects`; what is addressed to `caller` goes into [`Plan::reply`].
pub fn plan(effects: Vec<WorkspaceEffect>, caller: Option<&ConversationId>) -> Plan {
    let mut p = Plan::default();
    for effect in effects {
        events_of(&effect, &mut p.facts);
        match effect {
            WorkspaceEffect::Audit(entry) => p.audits.push(entry),
            WorkspaceEffect::Index(record) => p.index.push(record),
            WorkspaceEffect::FailedAction(action) => p.failed.push(action),
            WorkspaceEffect::ToAgent { agent, msg } => {
                p.frames.push(frame(Audience::Agent(agent), &msg));
            }
            WorkspaceEffect::Reply(msg) => p.frames.push(frame(Audience::Origin, &msg)),
            WorkspaceEffect::CloseAgent { agent, reason } => p.closes.push((agent, reason)),
            WorkspaceEffect::Lead(update) => p.leads.push(update),
            WorkspaceEffect::MailVisitor {
                conversation,
                to,
                email,
                site,
            } => p.visitor_mails.push((conversation, to, email, site)),
            WorkspaceEffect::ToConversation { conversation, msg } => {
                push(&mut p, caller, conversation, msg);
            }
            WorkspaceEffect::Webhook(event) => p.webhooks.push(event),
            WorkspaceEffect::Push { agent, msg } => p.pushes.push((agent, msg)),
        }
    }
    // Advice alone is not worth a call (an event and a commit in that conversation): it
    // waits for the conversation's next call, whose reply carries it.
    p.calls.retain(|_, batch| batch.worth_a_call());
    p
}

fn push(
    p: &mut Plan,
    caller: Option<&ConversationId>,
    conversation: ConversationId,
    msg: WorkspaceToConversation,
) {
    if caller == Some(&conversation) {
        p.reply.messages.push(msg);
    } else {
        p.calls.entry(conversation).or_default().messages.push(msg);
    }
}

pub fn frame<T: serde::Serialize>(to: Audience, msg: &T) -> Frame {
    Frame {
        to,
        // Serialising these plain data types cannot fail (no maps with non-string keys).
        text: serde_json::to_string(msg).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use parlor_core::failed_action::FailedActionKind;
    use parlor_core::link::{ConversationToWorkspace, FromConversation};
    use parlor_core::protocol::{
        AdminServerMsg, AgentProfile, ConversationStatus, EndReason, FallbackKind, InboxServerMsg,
    };
    use parlor_core::routing::{
        AuditOutcome, AuditTrigger, FallbackReason, Routing, RoutingMode, RoutingSettings,
        VisitorFacts,
    };
    use parlor_core::workspace::{Workspace, WorkspaceInput};
    use parlor_core::{Millis, WorkspaceId};

    use super::*;

    const NOW: Millis = Millis(1_700_000_000_000);

    fn c(id: &str) -> ConversationId {
        ConversationId::new(id)
    }

    fn pace(ms: u64) -> WorkspaceToConversation {
        WorkspaceToConversation::Pace {
            preview_every: Millis(ms),
        }
    }

    /// A message worth a call of its own, told apart by `n`.
    fn left(n: u64) -> WorkspaceToConversation {
        WorkspaceToConversation::AgentLeft {
            agent: AgentId::new(format!("a{n}")),
            removed: false,
        }
    }

    fn to(conversation: &str, msg: WorkspaceToConversation) -> WorkspaceEffect {
        WorkspaceEffect::ToConversation {
            conversation: c(conversation),
            msg,
        }
    }

    fn record(id: &str, revision: u64) -> ConversationRecord {
        ConversationRecord {
            id: id.into(),
            created_at: NOW.0,
            updated_at: NOW.0,
            dialogue: "d1".into(),
            page_url: "https://shop.example/".into(),
            status: ConversationStatus::Waiting,
            agent: None,
            captured: BTreeMap::new(),
            last_message: None,
            revision,
            first_agent_reply_at: None,
            identity: None,
        }
    }

    fn audit(conversation: &str) -> AuditEntry {
        AuditEntry {
            at: NOW,
            conversation: c(conversation),
            trigger: AuditTrigger::Request,
            mode: RoutingMode::RoundRobin,
            rule: None,
            team: None,
            outcome: AuditOutcome::Duplicate,
            skipped: Vec::new(),
            skipped_total: 0,
        }
    }

    fn failed(conversation: &str) -> FailedAction {
        FailedAction {
            workspace: None,
            conversation: c(conversation),
            at: NOW,
            kind: FailedActionKind::LiveChat {
                fallback: FallbackKind::LiveChat,
            },
            reason: "nobody".into(),
            visitor: BTreeMap::new(),
            page_url: String::new(),
        }
    }

    fn error(code: &str) -> InboxServerMsg {
        InboxServerMsg::Error {
            code: code.into(),
            message: "m".into(),
        }
    }

    #[test]
    fn no_effects_plan_nothing() {
        assert_eq!(plan(Vec::new(), None), Plan::default());
        assert_eq!(plan(Vec::new(), Some(&c("c1"))), Plan::default());
    }

    #[test]
    fn storage_effects_are_kept_in_order() {
        let p = plan(
            vec![
                WorkspaceEffect::Index(record("c1", 1)),
                WorkspaceEffect::Audit(audit("c1")),
                WorkspaceEffect::FailedAction(failed("c2")),
                WorkspaceEffect::Index(record("c2", 4)),
                WorkspaceEffect::Audit(audit("c2")),
                WorkspaceEffect::FailedAction(failed("c1")),
            ],
            None,
        );
        assert_eq!(p.index, vec![record("c1", 1), record("c2", 4)]);
        assert_eq!(p.audits, vec![audit("c1"), audit("c2")]);
        assert_eq!(p.failed, vec![failed("c2"), failed("c1")]);
        assert!(p.frames.is_empty() && p.closes.is_empty() && p.calls.is_empty());
        assert!(p.reply.messages.is_empty());
    }

    #[test]
    fn an_erased_conversation_is_dropped_from_a_plan_but_agents_still_hear() {
        let closed = InboxServerMsg::ChatClosed {
            conversation: c("c1"),
            reason: EndReason::Erased,
        };
        let mut p = plan(
            vec![
                WorkspaceEffect::Index(record("c1", 2)),
                WorkspaceEffect::Index(record("c2", 1)),
                WorkspaceEffect::FailedAction(failed("c1")),
                WorkspaceEffect::FailedAction(failed("c2")),
                to("c1", left(1)),
                to("c2", left(2)),
                WorkspaceEffect::ToAgent {
                    agent: "eve".into(),
                    msg: closed.clone(),
                },
            ],
            None,
        );
        assert_eq!(p.facts.len(), 2, "each index row tells the report");
        p.without(&c("c1"));
        assert_eq!(p.index, vec![record("c2", 1)]);
        assert_eq!(
            p.facts.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
            ["c2"]
        );
        assert_eq!(p.failed, vec![failed("c2")]);
        assert_eq!(p.calls.keys().collect::<Vec<_>>(), vec![&c("c2")]);
        assert_eq!(
            p.frames,
            vec![frame(Audience::Agent("eve".into()), &closed)]
        );
    }

    #[test]
    fn an_agent_frame_is_the_protocol_json_of_its_message() {
        let msg = InboxServerMsg::ChatClosed {
            conversation: c("c1"),
            reason: EndReason::EndedByVisitor,
        };
        let p = plan(
            vec![WorkspaceEffect::ToAgent {
                agent: AgentId::new("eve"),
                msg: msg.clone(),
            }],
            None,
        );
        assert_eq!(
            p.frames,
            vec![Frame {
                to: Audience::Agent(AgentId::new("eve")),
                text: r#"{"type":"chat_closed","conversation":"c1","reason":"ended_by_visitor"}"#
                    .into(),
            }]
        );
        let back: InboxServerMsg = serde_json::from_str(&p.frames[0].text).expect("protocol");
        assert_eq!(back, msg);
    }

    #[test]
    fn a_reply_goes_to_the_origin_socket() {
        let p = plan(
            vec![WorkspaceEffect::Reply(error("offer_unavailable"))],
            None,
        );
        assert_eq!(p.frames.len(), 1);
        assert_eq!(p.frames[0].to, Audience::Origin);
        assert_eq!(
            p.frames[0].text,
            serde_json::to_string(&error("offer_unavailable")).expect("json")
        );
    }

    #[test]
    fn frames_keep_the_order_of_the_effects() {
        let p = plan(
            vec![
                WorkspaceEffect::ToAgent {
                    agent: AgentId::new("eve"),
                    msg: error("a"),
                },
                WorkspaceEffect::Reply(error("b")),
                WorkspaceEffect::ToAgent {
                    agent: AgentId::new("bob"),
                    msg: error("c"),
                },
                WorkspaceEffect::ToAgent {
                    agent: AgentId::new("eve"),
                    msg: error("d"),
                },
            ],
            None,
        );
        let got: Vec<(Audience, String)> = p
            .frames
            .into_iter()
            .map(|f| {
                let msg: InboxServerMsg = serde_json::from_str(&f.text).expect("protocol");
                let InboxServerMsg::Error { code, .. } = msg else {
                    panic!("not an error: {msg:?}");
                };
                (f.to, code)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (Audience::Agent(AgentId::new("eve")), "a".to_owned()),
                (Audience::Origin, "b".to_owned()),
                (Audience::Agent(AgentId::new("bob")), "c".to_owned()),
                (Audience::Agent(AgentId::new("eve")), "d".to_owned()),
            ]
        );
    }

    #[test]
    fn closes_carry_their_reason() {
        let p = plan(
            vec![
                WorkspaceEffect::CloseAgent {
                    agent: AgentId::new("eve"),
                    reason: "agent removed".into(),
                },
                WorkspaceEffect::CloseAgent {
                    agent: AgentId::new("bob"),
                    reason: "signed out".into(),
                },
            ],
            None,
        );
        assert_eq!(
            p.closes,
            vec![
                (AgentId::new("eve"), "agent removed".to_owned()),
                (AgentId::new("bob"), "signed out".to_owned()),
            ]
        );
        assert!(p.frames.is_empty());
    }

    #[test]
    fn calls_are_grouped_per_conversation_in_order() {
        let p = plan(
            vec![
                to("c1", left(1)),
                to("c2", left(2)),
                to("c1", left(3)),
                to("c3", left(4)),
                to("c2", left(5)),
            ],
            None,
        );
        let calls: Vec<(&str, Vec<WorkspaceToConversation>)> = p
            .calls
            .iter()
            .map(|(k, v)| (k.as_str(), v.messages.clone()))
            .collect();
        assert_eq!(
            calls,
            vec![
                ("c1", vec![left(1), left(3)]),
                ("c2", vec![left(2), left(5)]),
                ("c3", vec![left(4)]),
            ]
        );
        assert!(p.reply.messages.is_empty());
    }

    #[test]
    fn messages_for_the_caller_go_into_the_reply() {
        let p = plan(
            vec![to("c1", left(1)), to("c2", left(2)), to("c1", left(3))],
            Some(&c("c1")),
        );
        assert_eq!(p.reply.messages, vec![left(1), left(3)]);
        assert_eq!(p.calls.len(), 1);
        assert_eq!(p.calls[&c("c2")].messages, vec![left(2)]);
    }

    #[test]
    fn a_caller_with_nothing_addressed_to_it_gets_an_empty_reply() {
        let p = plan(vec![to("c2", left(2))], Some(&c("c1")));
        assert!(p.reply.messages.is_empty());
        assert_eq!(p.calls[&c("c2")].messages, vec![left(2)]);
    }

    #[test]
    fn advice_rides_in_a_reply_or_a_call_made_anyway_never_in_a_call_of_its_own() {
        let p = plan(
            vec![
                to("c1", pace(4_000)),
                to("c2", pace(4_000)),
                to("c3", pace(4_000)),
                to("c3", left(1)),
            ],
            Some(&c("c1")),
        );
        assert_eq!(p.reply.messages, vec![pace(4_000)], "the caller hears it");
        assert_eq!(
            p.calls.keys().collect::<Vec<_>>(),
            vec![&c("c3")],
            "no call for c2's advice alone"
        );
        assert_eq!(p.calls[&c("c3")].messages, vec![pace(4_000), left(1)]);
    }

    #[test]
    fn an_admin_frame_is_the_protocol_json_of_its_row() {
        let msg = AdminServerMsg::Conversation {
            record: record("c1", 2),
        };
        let f = frame(Audience::Origin, &msg);
        let json: serde_json::Value = serde_json::from_str(&f.text).expect("json");
        assert_eq!(json["type"], "conversation");
        assert_eq!(json["record"]["id"], "c1");
        assert_eq!(json["record"]["revision"], 2);
        let back: AdminServerMsg = serde_json::from_str(&f.text).expect("protocol");
        assert_eq!(back, msg);
    }

    // ------------------------------------------------------------------ a real machine

    fn eve_profile() -> AgentProfile {
        AgentProfile {
            name: "Eve".into(),
            avatar_url: None,
        }
    }

    /// A workspace with Eve signed in (never chose a presence, so available).
    fn workspace() -> Workspace {
        let mut w = Workspace::new(WorkspaceId::new("acme"), RoutingSettings::default());
        let _ = w.handle(
            WorkspaceInput::UpsertAgent {
                agent: AgentId::new("eve"),
                live_chat: true,
                teams: Vec::new(),
                profile: eve_profile(),
            },
            NOW,
        );
        let _ = w.handle(
            WorkspaceInput::InboxOpened {
                agent: AgentId::new("eve"),
            },
            NOW,
        );
        w
    }

    fn request(conversation: &str) -> WorkspaceInput {
        WorkspaceInput::FromConversation(FromConversation {
            conversation: c(conversation),
            messages: vec![
                ConversationToWorkspace::Index {
                    record: record(conversation, 1),
                    preview_every: parlor_core::Millis(2_000),
                },
                ConversationToWorkspace::RequestLiveChat {
                    routing: Routing::RoundRobin,
                    facts: VisitorFacts {
                        page_url: "https://shop.example/".into(),
                        ..VisitorFacts::default()
                    },
                    request: 1,
                },
            ],
        })
    }

    fn offered(p: &Plan) -> u64 {
        let msg: InboxServerMsg = serde_json::from_str(&p.frames[0].text).expect("protocol");
        let InboxServerMsg::Offered { offer } = msg else {
            panic!("not an offer: {msg:?}");
        };
        offer.offer
    }

    #[test]
    fn a_routed_request_plans_its_row_audit_and_offer_and_no_reply() {
        let mut w = workspace();
        let p = plan(w.handle(request("c1"), NOW), Some(&c("c1")));
        assert_eq!(p.index, vec![record("c1", 1)]);
        assert_eq!(p.audits.len(), 1);
        assert!(matches!(
            p.audits[0].outcome,
            AuditOutcome::Offered { ref agent, .. } if agent.as_str() == "eve"
        ));
        assert_eq!(p.frames.len(), 1);
        assert_eq!(p.frames[0].to, Audience::Agent(AgentId::new("eve")));
        assert!(offered(&p) > 0);
        // The pace the conversation uses is the workspace's (no Pace reply); the offer is not
        // the conversation's business.
        assert!(p.reply.messages.is_empty(), "{:?}", p.reply.messages);
        assert!(p.calls.is_empty());
    }

    #[test]
    fn an_accept_plans_a_call_to_the_conversation_then_chat_started() {
        let mut w = workspace();
        let offer = offered(&plan(w.handle(request("c1"), NOW), Some(&c("c1"))));
        let accept = WorkspaceInput::Accept {
            agent: AgentId::new("eve"),
            offer,
        };
        let p = plan(w.handle(accept, NOW), None);
        assert_eq!(p.calls.len(), 1);
        assert_eq!(
            p.calls[&c("c1")].messages,
            vec![WorkspaceToConversation::Accepted {
                request: 1,
                agent: AgentId::new("eve"),
                profile: eve_profile(),
            }]
        );
        assert!(p.frames.is_empty(), "chat_started waits for agent_joined");

        let joined = WorkspaceInput::FromConversation(FromConversation {
            conversation: c("c1"),
            messages: vec![ConversationToWorkspace::AgentJoined {
                agent: AgentId::new("eve"),
                visitor: BTreeMap::new(),
                page_url: "https://shop.example/".into(),
                identity: None,
            }],
        });
        let p = plan(w.handle(joined, NOW), None);
        assert_eq!(p.frames.len(), 1);
        assert_eq!(p.frames[0].to, Audience::Agent(AgentId::new("eve")));
        let msg: InboxServerMsg = serde_json::from_str(&p.frames[0].text).expect("protocol");
        assert!(
            matches!(msg, InboxServerMsg::ChatStarted { ref chat } if chat.conversation == c("c1"))
        );
    }

    #[test]
    fn a_refused_accept_answers_the_origin_socket() {
        let mut w = workspace();
        let accept = WorkspaceInput::Accept {
            agent: AgentId::new("eve"),
            offer: 999,
        };
        let p = plan(w.handle(accept, NOW), None);
        assert_eq!(p.frames.len(), 1);
        assert_eq!(p.frames[0].to, Audience::Origin);
        let msg: InboxServerMsg = serde_json::from_str(&p.frames[0].text).expect("protocol");
        assert!(
            matches!(msg, InboxServerMsg::Error { ref code, .. } if code == "offer_unavailable")
        );
    }

    #[test]
    fn a_request_nobody_can_take_falls_back_in_the_reply() {
        let mut w = Workspace::new(WorkspaceId::new("acme"), RoutingSettings::default());
        let p = plan(w.handle(request("c1"), NOW), Some(&c("c1")));
        assert!(p.calls.is_empty());
        assert!(p.reply.messages.iter().any(|m| matches!(
            m,
            WorkspaceToConversation::FellBack {
                reason: FallbackReason::NoEligibleAgent,
                ..
            }
        )));
        // The conversation, having applied the fallback, reports the failed action; the
        // workspace stamps its id on it.
        let report = WorkspaceInput::FromConversation(FromConversation {
            conversation: c("c1"),
            messages: vec![ConversationToWorkspace::FailedAction {
                action: failed("c1"),
            }],
        });
        let p = plan(w.handle(report, NOW), Some(&c("c1")));
        assert_eq!(p.failed.len(), 1);
        assert_eq!(p.failed[0].workspace, Some(WorkspaceId::new("acme")));
    }

    #[test]
    fn removing_an_agent_plans_closing_their_sockets() {
        let mut w = workspace();
        let remove = WorkspaceInput::RemoveAgent {
            agent: AgentId::new("eve"),
        };
        let p = plan(w.handle(remove, NOW), None);
        assert_eq!(
            p.closes,
            vec![(AgentId::new("eve"), "agent removed".to_owned())]
        );
    }

    #[test]
    fn webhook_events_are_kept_and_dropped_with_an_erased_conversation() {
        use parlor_core::webhooks::{EventAgent, EventData};
        let ended = |conversation: &str| {
            WorkspaceEffect::Webhook(Event {
                at: NOW,
                data: EventData::ChatEnded {
                    conversation_id: c(conversation),
                    agent: EventAgent {
                        id: "alice".into(),
                        name: "Alice".into(),
                    },
                    reason: EndReason::Expired,
                    transcript: Vec::new(),
                },
            })
        };
        let mut p = plan(vec![ended("c1"), ended("c2")], None);
        assert_eq!(p.webhooks.len(), 2);
        p.without(&c("c1"));
        assert_eq!(p.webhooks.len(), 1);
        assert_eq!(p.webhooks[0].conversation(), Some(&c("c2")));
    }
}
