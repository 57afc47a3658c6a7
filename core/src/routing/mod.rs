//! Routing: who gets a live chat. The choice made on a live chat card, and the engine that applies it.
//!
//! - [`choice`](Routing): the marketer's routing choice and what is known of the visitor.
//! - [`rules`]: custom rule evaluation.
//! - [`Router`]: the sans-IO engine (agents, presence, capacity, cursors, offers, deadlines).
//! - [`RoutingEffect`] / [`AuditEntry`]: what the caller must do, and the audit log.
//! - [`RoutingSettings`]: plan and numbers, with the spec's defaults.

mod audit;
mod availability;
mod choice;
mod effects;
mod router;
pub mod rules;
mod settings;

pub use audit::{
    AuditEntry, AuditOutcome, AuditTrigger, RoutingMode, SkipReason, SkippedAgent,
    AUDIT_SKIPPED_MAX,
};
pub use availability::Availability;
pub use choice::{Condition, Operator, Routing, Rule, RuleTarget, Subject, VisitorFacts};
pub use effects::{FallbackReason, RoutingEffect, RoutingError, TransferError, WithdrawReason};
pub use router::{
    AgentView, Changes, Chat, Counters, OpenOffer, Pending, RosterRef, Router, RouterHead,
    RouterHeadRef,
};
pub use settings::{
    Plan, RoutingSettings, DEFAULT_ACCEPT_TIMEOUT, DEFAULT_CAPACITY, DEFAULT_ENGAGEMENT_LIMIT,
    DEFAULT_EXTRA_TEAM_ATTEMPTS,
};
