//! The webhook events a workspace's routing decisions produce ([`crate::webhooks`]): read off
//! the router's effects and audit entries, so no routing rule is restated here.

use std::collections::BTreeMap;

use super::Workspace;
use crate::protocol::EndReason;
use crate::routing::{AuditOutcome, AuditTrigger, RoutingEffect, VisitorFacts};
use crate::webhooks::{Event, EventAgent, EventData, MissedReason};
use crate::{AgentId, ConversationId, Millis};

impl Workspace {
    /// `chat.requested` for each request routed (not a duplicate), `chat.accepted` for each
    /// acceptance, `chat.missed` for each fallback.
    pub(super) fn webhook_events(&self, effects: &[RoutingEffect]) -> Vec<Event> {
        let mut facts: BTreeMap<&ConversationId, VisitorFacts> = BTreeMap::new();
        let mut asked: BTreeMap<&ConversationId, Millis> = BTreeMap::new();
        for effect in effects {
            match effect {
                RoutingEffect::Offered {
                    offer,
                    conversation,
                    ..
                } => {
                    if let Some(f) = self.router.offer_facts(*offer) {
                        facts.insert(conversation, f.clone());
                    }
                }
                RoutingEffect::FellBack {
                    conversation,
                    facts: f,
                    ..
                } => {
                    facts.insert(conversation, f.clone());
                }
                RoutingEffect::Accepted {
                    conversation,
                    requested_at,
                    ..
                } => {
                    asked.insert(conversation, *requested_at);
                }
                _ => {}
            }
        }
        let mut events = Vec::new();
        for effect in effects {
            let RoutingEffect::Audit(entry) = effect else {
                continue;
            };
            let conversation_id = entry.conversation.clone();
            let f = facts.get(&entry.conversation).cloned().unwrap_or_default();
            let routed = !matches!(
                entry.outcome,
                AuditOutcome::Duplicate | AuditOutcome::Cancelled { .. }
            );
            if entry.trigger == AuditTrigger::Request && routed {
                events.push(Event {
                    at: entry.at,
                    data: EventData::ChatRequested {
                        conversation_id: conversation_id.clone(),
                        routing: entry.mode,
                        visitor: f.fields.clone(),
                        page_url: f.page_url.clone(),
                    },
                });
            }
            match &entry.outcome {
                AuditOutcome::Accepted { agent, .. } => events.push(Event {
                    at: entry.at,
                    data: EventData::ChatAccepted {
                        conversation_id,
                        agent: self.event_agent(agent),
                        waited_ms: asked
                            .get(&entry.conversation)
                            .map_or(0, |t| entry.at.since(*t).0),
                    },
                }),
                AuditOutcome::Transferred { from, to, .. } => events.push(Event {
                    at: entry.at,
                    data: EventData::ChatTransferred {
                        conversation_id,
                        from: self.event_agent(from),
                        to: self.event_agent(to),
                    },
                }),
                AuditOutcome::FellBack { kind, reason } => events.push(Event {
                    at: entry.at,
                    data: EventData::ChatMissed {
                        conversation_id,
                        reason: MissedReason::of(*reason),
                        detail: *reason,
                        description: reason.describe().to_owned(),
                        fallback: *kind,
                        visitor: f.fields,
                        page_url: f.page_url,
                    },
                }),
                _ => {}
            }
        }
        events
    }

    /// `chat.ended` when a chat an agent held is over (not when it goes to another agent or
    /// was erased). The transcript is added by the webhook object.
    pub(super) fn ended_event(
        &self,
        conversation: &ConversationId,
        agent: &AgentId,
        reason: EndReason,
        released: &[RoutingEffect],
        now: Millis,
    ) -> Option<Event> {
        let ends = matches!(
            reason,
            EndReason::EndedByAgent | EndReason::EndedByVisitor | EndReason::Expired
        );
        let held = released.iter().any(|e| {
            matches!(e, RoutingEffect::Released { conversation: c, agent: a }
                if c == conversation && a == agent)
        });
        (ends && held).then(|| Event {
            at: now,
            data: EventData::ChatEnded {
                conversation_id: conversation.clone(),
                agent: self.event_agent(agent),
                reason,
                transcript: Vec::new(),
            },
        })
    }

    fn event_agent(&self, agent: &AgentId) -> EventAgent {
        EventAgent {
            id: agent.clone(),
            name: self.profile(agent).name,
        }
    }
}
