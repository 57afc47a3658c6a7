//! Dialogues, agents and teams of the simulated workspace.

use std::collections::BTreeMap;

use parlor_core::dialogue::Dialogue;
use parlor_core::protocol::AgentProfile;
use parlor_core::routing::{Condition, Operator, Routing, Rule, RuleTarget, Subject};
use parlor_core::{AgentId, TeamId};

pub const AGENTS: usize = 50;
pub const TEAMS: usize = 3;
/// The agent the rules route `@acme.test` leads to.
pub const RULE_AGENT: usize = 3;
/// The team the rules route visitors from Germany to.
pub const RULE_TEAM: usize = 2;

pub fn agent_id(i: usize) -> AgentId {
    AgentId::new(format!("a{i:02}"))
}

pub fn team_id(t: usize) -> TeamId {
    TeamId::new(format!("t{t}"))
}

pub fn profile(i: usize) -> AgentProfile {
    AgentProfile {
        name: format!("Agent {i}"),
        avatar_url: None,
    }
}

/// Every tenth agent lacks the live chat permission.
pub fn has_permission(i: usize) -> bool {
    i % 10 != 9
}

/// The teams agent `i` starts in: most are in one team, some in two, some in none.
pub fn teams_of(i: usize) -> Vec<usize> {
    let mut t = Vec::new();
    if i % 5 != 4 {
        t.push(i % TEAMS);
    }
    if i.is_multiple_of(7) {
        t.push((i + 1) % TEAMS);
    }
    t
}

/// How a conversation's live chat card routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    RoundRobin,
    Team(usize),
    /// The live chat card names one agent and is the dialogue's first card (no capture).
    Agent(usize),
    /// Rules: country `de` → team [`RULE_TEAM`]; email at `acme.test` → agent [`RULE_AGENT`];
    /// country `fr` → team 0; otherwise no rule matches.
    Rules,
}

/// Where re-offers of a request may go, as the harness derives it from the dialogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    All,
    Team(usize),
    Agent(usize),
    /// No rule matched: nobody.
    Nobody,
}

impl Flow {
    pub fn captures(self) -> bool {
        !matches!(self, Flow::Agent(_))
    }

    pub fn routing(self) -> Routing {
        match self {
            Flow::RoundRobin => Routing::RoundRobin,
            Flow::Team(t) => Routing::Team { team: team_id(t) },
            Flow::Agent(a) => Routing::Agent { agent: agent_id(a) },
            Flow::Rules => Routing::Rules {
                rules: vec![
                    Rule {
                        conditions: vec![Condition {
                            subject: Subject::Country,
                            op: Operator::Equals,
                            values: vec!["de".into()],
                        }],
                        target: RuleTarget::Team {
                            team: team_id(RULE_TEAM),
                        },
                    },
                    Rule {
                        conditions: vec![Condition {
                            subject: Subject::Field("email".into()),
                            op: Operator::EmailDomain,
                            values: vec!["acme.test".into()],
                        }],
                        target: RuleTarget::Agent {
                            agent: agent_id(RULE_AGENT),
                        },
                    },
                    Rule {
                        conditions: vec![Condition {
                            subject: Subject::Country,
                            op: Operator::OneOf,
                            values: vec!["fr".into(), "be".into()],
                        }],
                        target: RuleTarget::Team { team: team_id(0) },
                    },
                ],
            },
        }
    }

    /// The routing target for a visitor from `country` who gave these fields.
    pub fn target(self, country: &str, fields: &BTreeMap<String, String>) -> Target {
        match self {
            Flow::RoundRobin => Target::All,
            Flow::Team(t) => Target::Team(t),
            Flow::Agent(a) => Target::Agent(a),
            Flow::Rules => {
                if country == "de" {
                    Target::Team(RULE_TEAM)
                } else if fields
                    .get("email")
                    .is_some_and(|e| e.ends_with("@acme.test"))
                {
                    Target::Agent(RULE_AGENT)
                } else if country == "fr" {
                    Target::Team(0)
                } else {
                    Target::Nobody
                }
            }
        }
    }

    /// message → info capture (first name required, email optional) → live chat; or, for agent
    /// routing, the live chat card alone. (Built from JSON, as stored; see [`dialogue_of`].)
    pub fn dialogue(self) -> Dialogue {
        let live = serde_json::json!({
            "id": "lc1", "kind": "live_chat", "text": "Connecting you…",
            "routing": serde_json::to_value(self.routing()).expect("routing json"),
        });
        let cards = if self.captures() {
            serde_json::json!([
                {"id": "m1", "kind": "message", "text": "Hello!"},
                {"id": "ic1", "kind": "info_capture", "text": "Who are you?", "fields": [
                    {"key": "first_name", "kind": "first_name", "label": "First name", "required": true},
                    {"key": "email", "kind": "email", "label": "Email"}
                ]},
                live
            ])
        } else {
            serde_json::json!([live])
        };
        serde_json::from_value(serde_json::json!({
            "id": "d1", "name": "Sim", "targeting": [],
            "branches": [{"id": "main", "cards": cards}]
        }))
        .expect("dialogue")
    }
}

thread_local! {
    static DIALOGUES: std::cell::RefCell<Vec<(Flow, Dialogue)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`Flow::dialogue`], built once per thread.
pub fn dialogue_of(flow: Flow) -> Dialogue {
    DIALOGUES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, d)) = cache.iter().find(|(f, _)| *f == flow) {
            return d.clone();
        }
        let d = flow.dialogue();
        cache.push((flow, d.clone()));
        d
    })
}

/// Business hours with a break: every day in UTC, closed from 00:20 to 00:30 — inside the
/// simulated runs, which start at 00:16:40 on 1970-01-01 (t = 1,000 s) and last minutes.
pub fn hours_with_a_break() -> parlor_core::hours::BusinessHours {
    hours_closed_between("00:20", "00:30")
}

/// Every day in UTC, closed from `from` to `to` (both within the first hour of the day).
pub fn hours_closed_between(from: &str, to: &str) -> parlor_core::hours::BusinessHours {
    let day = serde_json::json!([{"from": "00:00", "to": from}, {"from": to, "to": "24:00"}]);
    let hours = serde_json::json!({
        "time_zone": "UTC",
        "weekly": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day},
        "exceptions": []
    });
    serde_json::from_value(hours).expect("valid business hours")
}
