//! One conversation's "chat facts": the few instants and outcomes the missed-chat report
//! needs, folded from what the workspace machine already emits (routing audit entries and
//! index rows). No personal data: ids, instants and reasons only.

use serde::{Deserialize, Serialize};

use crate::routing::{AuditEntry, AuditOutcome, AuditTrigger, FallbackReason, WithdrawReason};
use crate::workspace::WorkspaceEffect;
use crate::{AgentId, ConversationId, Millis};

/// At most this many offers are kept per conversation (each agent is offered a request at
/// most once, so only a very large team re-routed many times reaches it).
pub const MAX_OFFERS: usize = 32;

/// Why a live chat request was missed, as the report groups [`FallbackReason`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissedReason {
    /// Nobody could take it: everyone offline, away or full, the last offered agent went
    /// away, or the routing named nobody (no rule matched, unknown agent or empty team).
    NobodyAvailable,
    /// Offered, but no one accepted in time.
    Expired,
    /// Declined by every agent it was offered to.
    Declined,
    /// Asked outside business hours.
    OutsideHours,
    /// The plan's engagement limit was reached.
    EngagementLimit,
}

impl MissedReason {
    pub const ALL: [MissedReason; 5] = [
        MissedReason::NobodyAvailable,
        MissedReason::Expired,
        MissedReason::Declined,
        MissedReason::OutsideHours,
        MissedReason::EngagementLimit,
    ];

    pub fn of(reason: FallbackReason) -> MissedReason {
        match reason {
            FallbackReason::EngagementLimitReached => MissedReason::EngagementLimit,
            FallbackReason::OfferExpired => MissedReason::Expired,
            FallbackReason::OfferDeclined => MissedReason::Declined,
            FallbackReason::OutsideHours => MissedReason::OutsideHours,
            FallbackReason::NoRuleMatched
            | FallbackReason::UnknownAgent
            | FallbackReason::UnknownTeam
            | FallbackReason::NoEligibleAgent
            | FallbackReason::AgentUnavailable => MissedReason::NobodyAvailable,
        }
    }
}

/// How one offer to one agent ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferOutcome {
    /// Still outstanding (or its end was never heard of).
    Pending,
    Accepted,
    Declined,
    /// The agent did not answer in time.
    Expired,
    /// The agent went offline or away, or lost the permission, before answering.
    WentAway,
    /// The visitor left or the engagement limit closed it: nobody's miss.
    Withdrawn,
}

impl OfferOutcome {
    fn after(reason: WithdrawReason) -> OfferOutcome {
        match reason {
            WithdrawReason::Expired => OfferOutcome::Expired,
            WithdrawReason::Declined => OfferOutcome::Declined,
            WithdrawReason::AgentUnavailable => OfferOutcome::WentAway,
            WithdrawReason::Cancelled | WithdrawReason::EngagementLimit => OfferOutcome::Withdrawn,
        }
    }
}

/// One offer of the conversation to an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferFact {
    pub offer: u64,
    pub agent: AgentId,
    pub at: Millis,
    pub outcome: OfferOutcome,
}

/// What the report knows of one conversation. A conversation counts once: on the day it was
/// created, as one live chat request (its first), accepted (its first acceptance) or missed
/// (a fallback before any acceptance) — never both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatFacts {
    pub created_at: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_at: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<AgentId>,
    /// The first message an agent wrote in the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_reply_at: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed: Option<MissedReason>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<OfferFact>,
}

/// Something that happened to a conversation, as far as the report cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactEvent {
    /// Its index row: when it was created and, once an agent wrote, when they first did.
    Indexed {
        created_at: Millis,
        first_agent_reply_at: Option<Millis>,
    },
    Requested {
        at: Millis,
    },
    Offered {
        offer: u64,
        agent: AgentId,
        at: Millis,
    },
    OfferEnded {
        offer: u64,
        reason: WithdrawReason,
    },
    Accepted {
        offer: u64,
        agent: AgentId,
        at: Millis,
    },
    FellBack {
        reason: FallbackReason,
        at: Millis,
    },
}

impl ChatFacts {
    pub fn new(created_at: Millis) -> Self {
        ChatFacts {
            created_at,
            requested_at: None,
            accepted_at: None,
            accepted_by: None,
            first_reply_at: None,
            missed: None,
            offers: Vec::new(),
        }
    }

    /// The creation instant named by these events, if one is an index row.
    pub fn created_in<'a>(events: impl IntoIterator<Item = &'a FactEvent>) -> Option<Millis> {
        events.into_iter().find_map(|e| match e {
            FactEvent::Indexed { created_at, .. } => Some(*created_at),
            _ => None,
        })
    }

    /// Applies one event; returns whether anything changed (so a repeated or late event,
    /// and every index row after the first reply, writes nothing).
    pub fn apply(&mut self, event: &FactEvent) -> bool {
        let before = self.clone();
        match event {
            FactEvent::Indexed {
                created_at,
                first_agent_reply_at,
            } => {
                self.created_at = *created_at;
                if self.first_reply_at.is_none() {
                    self.first_reply_at = *first_agent_reply_at;
                }
            }
            FactEvent::Requested { at } => self.requested(*at),
            FactEvent::Offered { offer, agent, at } => {
                self.requested(*at);
                let known = self.offers.iter().any(|o| o.offer == *offer);
                if !known && self.offers.len() < MAX_OFFERS {
                    self.offers.push(OfferFact {
                        offer: *offer,
                        agent: agent.clone(),
                        at: *at,
                        outcome: OfferOutcome::Pending,
                    });
                }
            }
            FactEvent::OfferEnded { offer, reason } => {
                self.offer_ended(*offer, OfferOutcome::after(*reason));
            }
            FactEvent::Accepted { offer, agent, at } => {
                self.requested(*at);
                self.offer_ended(*offer, OfferOutcome::Accepted);
                if self.accepted_at.is_none() && self.missed.is_none() {
                    self.accepted_at = Some(*at);
                    self.accepted_by = Some(agent.clone());
                }
            }
            FactEvent::FellBack { reason, at } => {
                self.requested(*at);
                if self.accepted_at.is_none() && self.missed.is_none() {
                    self.missed = Some(MissedReason::of(*reason));
                }
            }
        }
        *self != before
    }

    fn requested(&mut self, at: Millis) {
        if self.requested_at.is_none_or(|r| at < r) {
            self.requested_at = Some(at);
        }
    }

    fn offer_ended(&mut self, offer: u64, outcome: OfferOutcome) {
        if let Some(o) = self
            .offers
            .iter_mut()
            .find(|o| o.offer == offer && o.outcome == OfferOutcome::Pending)
        {
            o.outcome = outcome;
        }
    }
}

/// The report's events in one workspace effect, in order, each with its conversation.
pub fn events_of(effect: &WorkspaceEffect, out: &mut Vec<(ConversationId, FactEvent)>) {
    match effect {
        WorkspaceEffect::Audit(entry) => audit_events(entry, out),
        WorkspaceEffect::Index(record) => out.push((
            ConversationId::new(record.id.as_str()),
            FactEvent::Indexed {
                created_at: Millis(record.created_at),
                first_agent_reply_at: record.first_agent_reply_at.map(Millis),
            },
        )),
        _ => {}
    }
}

fn audit_events(entry: &AuditEntry, out: &mut Vec<(ConversationId, FactEvent)>) {
    let at = entry.at;
    let mut push = |event| out.push((entry.conversation.clone(), event));
    // A transfer hands on a chat already answered: the report's requests and offers are the
    // visitor's, not the agents' hand-overs.
    if matches!(
        entry.trigger,
        AuditTrigger::Transfer { .. } | AuditTrigger::TransferOfferEnded { .. }
    ) || matches!(
        entry.outcome,
        AuditOutcome::Transferred { .. } | AuditOutcome::TransferEnded { .. }
    ) {
        return;
    }
    match &entry.trigger {
        AuditTrigger::Request if entry.outcome != AuditOutcome::Duplicate => {
            push(FactEvent::Requested { at });
        }
        AuditTrigger::OfferEnded { offer, reason, .. } => push(FactEvent::OfferEnded {
            offer: *offer,
            reason: *reason,
        }),
        AuditTrigger::Request
        | AuditTrigger::Accept
        | AuditTrigger::Transfer { .. }
        | AuditTrigger::TransferOfferEnded { .. } => {}
    }
    match &entry.outcome {
        AuditOutcome::Offered { agent, offer, .. } => push(FactEvent::Offered {
            offer: *offer,
            agent: agent.clone(),
            at,
        }),
        AuditOutcome::Accepted { agent, offer } => push(FactEvent::Accepted {
            offer: *offer,
            agent: agent.clone(),
            at,
        }),
        AuditOutcome::FellBack { reason, .. } => push(FactEvent::FellBack {
            reason: *reason,
            at,
        }),
        AuditOutcome::Cancelled { .. }
        | AuditOutcome::Duplicate
        | AuditOutcome::Transferred { .. }
        | AuditOutcome::TransferEnded { .. } => {}
    }
}
