//! What the router asks its caller (the WorkspaceDO) to do, and why things ended.

use serde::{Deserialize, Serialize};

use super::audit::AuditEntry;
use super::choice::VisitorFacts;
use crate::protocol::FallbackKind;
use crate::{AgentId, ConversationId, Millis};

/// One instruction for the caller. Effects come out in the order they happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RoutingEffect {
    /// Show the agent an Accept banner; the offer ends at `deadline` (set an alarm).
    Offered {
        offer: u64,
        conversation: ConversationId,
        agent: AgentId,
        deadline: Millis,
    },
    /// A transfer was accepted: `to` holds the live chat now, `from` does not (no engagement
    /// counted: it is the same chat).
    Transferred {
        offer: u64,
        conversation: ConversationId,
        from: AgentId,
        to: AgentId,
        request: u32,
    },
    /// Nobody took the transfer; `agent` still holds the chat.
    TransferEnded {
        conversation: ConversationId,
        agent: AgentId,
        reason: WithdrawReason,
    },
    /// The offer is gone; remove the banner. Routing has already moved on.
    OfferWithdrawn {
        offer: u64,
        conversation: ConversationId,
        agent: AgentId,
        reason: WithdrawReason,
    },
    /// The agent holds the live chat now (one engagement counted).
    Accepted {
        offer: u64,
        conversation: ConversationId,
        agent: AgentId,
        /// The conversation's number for the request (0 when none was given).
        #[serde(default)]
        request: u32,
        /// When the visitor asked (for how long they waited).
        #[serde(default)]
        requested_at: Millis,
    },
    /// Nobody will take the chat: show the visitor the fallback message of this kind and send the
    /// failed-action email (see [`crate::failed_action`]).
    FellBack {
        conversation: ConversationId,
        kind: FallbackKind,
        reason: FallbackReason,
        facts: VisitorFacts,
    },
    /// An accepted live chat is over and the agent's slot is free.
    Released {
        conversation: ConversationId,
        agent: AgentId,
    },
    /// Append to the workspace's routing audit log.
    Audit(AuditEntry),
}

/// Why an offer ended without being accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawReason {
    /// The deadline passed.
    Expired,
    /// The agent declined.
    Declined,
    /// The agent went offline or away, lost the live-chat permission, or was removed.
    AgentUnavailable,
    /// The conversation ended before anyone accepted.
    Cancelled,
    /// Select plan: the lifetime engagement limit was reached (e.g. lowered) before acceptance.
    EngagementLimit,
}

/// Why a request fell back to a fallback message.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FallbackReason {
    /// Select plan: lifetime engagement limit reached (global fallback).
    EngagementLimitReached,
    /// Custom rules: no rule matched.
    NoRuleMatched,
    /// The routing names an agent the workspace does not have.
    UnknownAgent,
    /// The routing names a team with no agents.
    UnknownTeam,
    /// No agent could take the chat (permission, presence, capacity).
    NoEligibleAgent,
    /// The last offer expired and no further agent was tried or could be.
    OfferExpired,
    /// The last offer was declined and no further agent was tried or could be.
    OfferDeclined,
    /// The last offered agent went offline/away and no further agent was tried or could be.
    AgentUnavailable,
    /// Asked outside the workspace's business hours.
    OutsideHours,
}

impl FallbackReason {
    /// Whether this says nobody could chat at the moment of asking (closed, nobody eligible,
    /// the engagement limit, a routing that names nobody) rather than that offers went
    /// unanswered: a live chat card's `when_unavailable` branch takes the visitor on instead.
    pub fn nobody_could_chat(self) -> bool {
        !matches!(
            self,
            FallbackReason::OfferExpired
                | FallbackReason::OfferDeclined
                | FallbackReason::AgentUnavailable
        )
    }

    /// Which fallback message the visitor gets.
    pub fn kind(self) -> FallbackKind {
        match self {
            FallbackReason::EngagementLimitReached => FallbackKind::Global,
            _ => FallbackKind::LiveChat,
        }
    }

    /// A sentence for people (audit view, failed-action email).
    pub fn describe(self) -> &'static str {
        match self {
            FallbackReason::EngagementLimitReached => {
                "the workspace reached its live chat engagement limit"
            }
            FallbackReason::NoRuleMatched => "no routing rule matched the visitor",
            FallbackReason::UnknownAgent => "the chosen agent does not exist",
            FallbackReason::UnknownTeam => "the chosen team has no agents",
            FallbackReason::NoEligibleAgent => "no agent was available to take the chat",
            FallbackReason::OfferExpired => "no agent accepted the chat in time",
            FallbackReason::OfferDeclined => "the agent declined the chat",
            FallbackReason::AgentUnavailable => "the agent became unavailable before accepting",
            FallbackReason::OutsideHours => "the visitor asked outside business hours",
        }
    }

    pub(crate) fn after(reason: WithdrawReason) -> FallbackReason {
        match reason {
            WithdrawReason::Expired => FallbackReason::OfferExpired,
            WithdrawReason::Declined => FallbackReason::OfferDeclined,
            WithdrawReason::AgentUnavailable | WithdrawReason::Cancelled => {
                FallbackReason::AgentUnavailable
            }
            WithdrawReason::EngagementLimit => FallbackReason::EngagementLimitReached,
        }
    }
}

/// An agent's accept or decline could not be applied. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    #[error("unknown agent {0}")]
    UnknownAgent(AgentId),
    #[error("offer {0} was never made")]
    UnknownOffer(u64),
    #[error("offer {0} is not addressed to this agent")]
    NotYourOffer(u64),
    #[error("offer {offer} expired at {}", deadline.0)]
    Expired { offer: u64, deadline: Millis },
    #[error("offer {0} is closed (accepted, declined, expired or withdrawn)")]
    OfferClosed(u64),
}

/// A transfer could not be started. Nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    #[error("this chat is not yours to transfer")]
    NotYourChat,
    #[error("a transfer of this chat is already waiting for an answer")]
    AlreadyTransferring,
    #[error("this agent does not exist or cannot take live chats")]
    UnknownAgent,
    #[error("this team does not exist or has no members")]
    UnknownTeam,
    #[error("the chat is already yours")]
    ToSelf,
    #[error("this agent cannot take a chat now ({})", .0.describe())]
    Unavailable(super::audit::SkipReason),
    #[error("nobody in this team can take a chat now")]
    NobodyAvailable,
}
