//! Routing choices on live chat cards: targets named, rules well formed.

use super::{Validator, MAX_RULES};
use crate::dialogue::issue::IssueCode;
use crate::dialogue::model::{Branch, Card};
use crate::routing::{Operator, Routing, RuleTarget, Subject};

impl Validator<'_> {
    pub(super) fn routing(&mut self, branch: &Branch, card: &Card, routing: &Routing) {
        match routing {
            Routing::RoundRobin => {}
            Routing::Agent { agent } if agent.as_str().trim().is_empty() => {
                self.card_error(
                    IssueCode::MissingRoutingTarget,
                    branch,
                    card,
                    "routes to an agent but names none.",
                );
            }
            Routing::Team { team } if team.as_str().trim().is_empty() => {
                self.card_error(
                    IssueCode::MissingRoutingTarget,
                    branch,
                    card,
                    "routes to a team but names none.",
                );
            }
            Routing::Agent { .. } | Routing::Team { .. } => {}
            Routing::Rules { rules } => {
                if rules.is_empty() {
                    self.card_error(
                        IssueCode::NoRoutingRules,
                        branch,
                        card,
                        "routes by rules but has none.",
                    );
                }
                if rules.len() > MAX_RULES {
                    self.card_error(
                        IssueCode::TooManyRules,
                        branch,
                        card,
                        &format!(
                            "has {} routing rules; the limit is {MAX_RULES}.",
                            rules.len()
                        ),
                    );
                }
                for (i, rule) in rules.iter().enumerate() {
                    let n = i + 1;
                    if rule.conditions.is_empty() {
                        self.card_error(
                            IssueCode::RuleWithoutConditions,
                            branch,
                            card,
                            &format!("routing rule {n} has no conditions."),
                        );
                    }
                    let target_missing = match &rule.target {
                        RuleTarget::Agent { agent } => agent.as_str().trim().is_empty(),
                        RuleTarget::Team { team } => team.as_str().trim().is_empty(),
                    };
                    if target_missing {
                        self.card_error(
                            IssueCode::MissingRoutingTarget,
                            branch,
                            card,
                            &format!("routing rule {n} names no agent or team."),
                        );
                    }
                    for c in &rule.conditions {
                        let values_ok = match c.op {
                            Operator::OneOf => {
                                !c.values.is_empty()
                                    && c.values.iter().all(|v| !v.trim().is_empty())
                            }
                            _ => c.values.len() == 1,
                        };
                        if !values_ok {
                            let want = if c.op == Operator::OneOf {
                                "one or more non-empty values"
                            } else {
                                "exactly one value"
                            };
                            self.card_error(
                                IssueCode::ConditionValues,
                                branch,
                                card,
                                &format!("routing rule {n} has a condition that needs {want}."),
                            );
                        }
                        if matches!(&c.subject, Subject::Field(k) | Subject::Utm(k) if k.trim().is_empty())
                        {
                            self.card_error(
                                IssueCode::ConditionSubject,
                                branch,
                                card,
                                &format!("routing rule {n} tests a field or UTM parameter without naming it."),
                            );
                        }
                    }
                }
            }
        }
    }
}
