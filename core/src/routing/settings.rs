//! Workspace routing settings: the plan and every routing number, each with the spec's default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Millis, TeamId};

/// How long an agent has to accept an offer (spec: 100 s).
pub const DEFAULT_ACCEPT_TIMEOUT: Millis = Millis::from_secs(100);
/// Live chats an agent may hold at once, outstanding offers included (spec: 10).
pub const DEFAULT_CAPACITY: u32 = 10;
/// Lifetime accepted live chats on the Select plan (spec: 100).
pub const DEFAULT_ENGAGEMENT_LIMIT: u32 = 100;
/// Extra agents of the team tried after an offer times out, on Prime (spec: 1).
pub const DEFAULT_EXTRA_TEAM_ATTEMPTS: u32 = 1;

/// The workspace's plan.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    /// Trial: live chat limited to `engagement_limit` engagements for life.
    Select,
    #[default]
    Standard,
    /// Team routing tries `extra_team_attempts` more agents of the team.
    Prime,
}

/// Every routing number a workspace may override. Missing fields take the spec's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoutingSettings {
    pub plan: Plan,
    /// Time an agent has to accept an offer.
    pub accept_timeout: Millis,
    /// Live chats per agent at once; an outstanding offer holds a slot.
    pub capacity: u32,
    /// Lifetime accepted live chats allowed on the Select plan. Ignored on other plans.
    pub engagement_limit: u32,
    /// After an offer of a team-routed chat times out, how many more times a (different) agent of
    /// the team is tried, each with a fresh full timeout. Only applies on the Prime plan; on other
    /// plans the effective value is 0 (see [`RoutingSettings::effective_extra_team_attempts`]).
    /// Declines and agents going away always move on to the next agent and use no attempt.
    pub extra_team_attempts: u32,
    /// How long the chats of an agent whose inbox closed wait for them before going back to
    /// routing (see [`crate::workspace`]).
    pub agent_gone_grace: Millis,
    /// When live chat is open; outside these hours a request falls back at once
    /// ([`crate::routing::FallbackReason::OutsideHours`]). None: always open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<crate::hours::BusinessHours>,
    /// Teams' own hours: outside them the team's members are not offered chats through it, and
    /// a member none of whose teams is open is not offered chats at all. A team absent here
    /// keeps the workspace's hours.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub team_hours: BTreeMap<TeamId, crate::hours::BusinessHours>,
}

impl Default for RoutingSettings {
    fn default() -> Self {
        RoutingSettings {
            plan: Plan::default(),
            accept_timeout: DEFAULT_ACCEPT_TIMEOUT,
            capacity: DEFAULT_CAPACITY,
            engagement_limit: DEFAULT_ENGAGEMENT_LIMIT,
            extra_team_attempts: DEFAULT_EXTRA_TEAM_ATTEMPTS,
            agent_gone_grace: DEFAULT_AGENT_GONE_GRACE,
            business_hours: None,
            team_hours: BTreeMap::new(),
        }
    }
}

/// Spec default: an agent who left has two minutes to come back before their chats move on.
pub const DEFAULT_AGENT_GONE_GRACE: Millis = Millis(120_000);

impl RoutingSettings {
    /// The defaults, on the given plan.
    pub fn with_plan(plan: Plan) -> Self {
        RoutingSettings {
            plan,
            ..RoutingSettings::default()
        }
    }

    /// Extra team agents tried after a timed-out offer: `extra_team_attempts` on Prime, else 0.
    pub fn effective_extra_team_attempts(&self) -> u32 {
        match self.plan {
            Plan::Prime => self.extra_team_attempts,
            Plan::Select | Plan::Standard => 0,
        }
    }

    /// True when the lifetime engagement limit applies (Select plan).
    pub fn engagement_limited(&self) -> bool {
        self.plan == Plan::Select
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let s = RoutingSettings::default();
        assert_eq!(s.accept_timeout, Millis(100_000));
        assert_eq!(s.capacity, 10);
        assert_eq!(s.engagement_limit, 100);
        assert_eq!(s.extra_team_attempts, 1);
        assert_eq!(s.plan, Plan::Standard);
    }

    #[test]
    fn extra_attempts_apply_on_prime_only() {
        assert_eq!(
            RoutingSettings::with_plan(Plan::Prime).effective_extra_team_attempts(),
            1
        );
        assert_eq!(
            RoutingSettings::with_plan(Plan::Standard).effective_extra_team_attempts(),
            0
        );
        assert_eq!(
            RoutingSettings::with_plan(Plan::Select).effective_extra_team_attempts(),
            0
        );
        assert!(RoutingSettings::with_plan(Plan::Select).engagement_limited());
        assert!(!RoutingSettings::with_plan(Plan::Prime).engagement_limited());
    }

    #[test]
    fn missing_fields_take_defaults() {
        let s: RoutingSettings = serde_json::from_str(r#"{"plan":"prime","capacity":3}"#).unwrap();
        assert_eq!(s.plan, Plan::Prime);
        assert_eq!(s.capacity, 3);
        assert_eq!(s.accept_timeout, DEFAULT_ACCEPT_TIMEOUT);
        let empty: RoutingSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, RoutingSettings::default());
    }
}
