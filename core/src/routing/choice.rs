//! The routing choice a marketer makes on a live chat card, and what is known of the visitor.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{AgentId, TeamId};

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Routing {
    /// The workspace's live-chat agents in turn.
    RoundRobin,
    /// One named agent.
    Agent { agent: AgentId },
    /// One team, in turn within the team.
    Team { team: TeamId },
    /// Rules evaluated in order; the first match routes. No match → live chat fallback.
    Rules { rules: Vec<Rule> },
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// All conditions must hold for the rule to match.
    pub conditions: Vec<Condition>,
    pub target: RuleTarget,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum RuleTarget {
    Agent { agent: AgentId },
    Team { team: TeamId },
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub subject: Subject,
    pub op: Operator,
    /// One value for most operators; several for `one_of`.
    pub values: Vec<String>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "of", content = "key", rename_all = "snake_case")]
pub enum Subject {
    /// A captured field, by key (`email`, `company`, a custom key).
    Field(String),
    PageUrl,
    Language,
    Country,
    /// A UTM parameter, by name without the `utm_` prefix (`source`, `campaign`…).
    Utm(String),
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
    OneOf,
    EmailDomain,
}

/// Everything known about a visitor when a live chat is requested.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VisitorFacts {
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub page_url: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub utm: BTreeMap<String, String>,
    /// Who the site says the visitor is (`Parlor('identify')`), verified or a claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<crate::identity::VisitorIdentity>,
}
