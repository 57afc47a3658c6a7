//! Routing audit log entries: why a chat went where it went.
//!
//! Entries are small plain structs; the list of skipped agents is capped at
//! [`AUDIT_SKIPPED_MAX`] (the total count is always exact).

use serde::{Deserialize, Serialize};

use super::choice::Routing;
use super::effects::{FallbackReason, WithdrawReason};
use crate::protocol::FallbackKind;
use crate::{AgentId, ConversationId, Millis, TeamId};

/// At most this many skipped agents are listed in one entry.
pub const AUDIT_SKIPPED_MAX: usize = 16;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Millis,
    pub conversation: ConversationId,
    /// What caused this decision.
    pub trigger: AuditTrigger,
    /// The routing mode of the live chat card.
    pub mode: RoutingMode,
    /// Custom rules: index of the rule that matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<u32>,
    /// The team routed to (team mode, or a rule targeting a team).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamId>,
    pub outcome: AuditOutcome,
    /// Agents passed over, and why (at most [`AUDIT_SKIPPED_MAX`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedAgent>,
    /// How many agents were passed over in all.
    #[serde(default)]
    pub skipped_total: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingMode {
    RoundRobin,
    Agent,
    Team,
    Rules,
}

impl RoutingMode {
    pub fn of(routing: &Routing) -> RoutingMode {
        match routing {
            Routing::RoundRobin => RoutingMode::RoundRobin,
            Routing::Agent { .. } => RoutingMode::Agent,
            Routing::Team { .. } => RoutingMode::Team,
            Routing::Rules { .. } => RoutingMode::Rules,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "trigger", rename_all = "snake_case")]
pub enum AuditTrigger {
    /// The visitor asked for a live chat.
    Request,
    /// The previous offer ended unaccepted; routing moved on.
    OfferEnded {
        agent: AgentId,
        offer: u64,
        reason: WithdrawReason,
    },
    /// The agent accepted.
    Accept,
    /// The agent holding the chat handed it on.
    Transfer { from: AgentId },
    /// A transfer's offer ended unaccepted; it moved on or ended.
    TransferOfferEnded {
        agent: AgentId,
        offer: u64,
        reason: WithdrawReason,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AuditOutcome {
    /// Offered to an agent. `attempt` is 0 for the first offer, 1 for the next agent after it
    /// declined, went away or timed out, and so on: it counts the agents offered before.
    Offered {
        agent: AgentId,
        offer: u64,
        deadline: Millis,
        attempt: u32,
    },
    FellBack {
        kind: FallbackKind,
        reason: FallbackReason,
    },
    Accepted {
        agent: AgentId,
        offer: u64,
    },
    /// The conversation went away before acceptance; its offer was withdrawn.
    Cancelled {
        agent: AgentId,
        offer: u64,
    },
    /// The conversation already had a pending offer or an accepted chat; nothing changed.
    Duplicate,
    /// A transfer was accepted: the chat moved from `from` to `to`.
    Transferred {
        from: AgentId,
        to: AgentId,
        offer: u64,
    },
    /// Nobody took the transfer; the chat stays with the agent who holds it.
    TransferEnded {
        reason: WithdrawReason,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedAgent {
    pub agent: AgentId,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// No live-chat permission.
    NoPermission,
    Offline,
    /// Online but not available.
    Away,
    /// Accepted chats + outstanding offers ≥ capacity.
    AtCapacity,
    /// Already offered this chat (each agent is offered a given chat at most once).
    AlreadyTried,
    /// Every team of the agent is outside its business hours.
    OutsideHours,
}

impl SkipReason {
    /// A few words for people ("this agent cannot take a chat now (away)").
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::NoPermission => "no live chat permission",
            SkipReason::Offline => "offline",
            SkipReason::Away => "away",
            SkipReason::AtCapacity => "at capacity",
            SkipReason::AlreadyTried => "already offered this chat",
            SkipReason::OutsideHours => "outside working hours",
        }
    }
}

/// Accumulates skipped agents cheaply (no allocation while nobody is skipped).
#[derive(Debug, Default)]
pub(crate) struct Skips {
    pub list: Vec<SkippedAgent>,
    pub total: u32,
}

impl Skips {
    pub fn push(&mut self, agent: &AgentId, reason: SkipReason) {
        self.total = self.total.saturating_add(1);
        if self.list.len() < AUDIT_SKIPPED_MAX {
            self.list.push(SkippedAgent {
                agent: agent.clone(),
                reason,
            });
        }
    }
}
