//! Form fields bound to paths in the dialogue: `b.0.c.1.text`, `t.0.value`, …

use parlor_core::dialogue::{Card, CardKind, Dialogue, FieldKind, UrlMatch};
use parlor_core::routing::{Condition, Operator, Routing, RuleTarget, Subject};
use parlor_core::{AgentId, ButtonId, CardId, TeamId};

use super::{card, kind_key, rename_branch};
use crate::admin::slug::{follows, slug, unique};

/// Does changing `path` change the editor's shape (so the whole editor must be drawn again)?
pub fn structural(path: &str) -> bool {
    path.ends_with(".kind") && !path.contains(".f.") && !path.starts_with("t.")
        || path.ends_with(".routing")
}

/// Sets the value a form field is bound to. Paths: `name`, `b.0.id`, `b.0.c.1.text`,
/// `b.0.c.1.kind`, `b.0.c.1.id`, `b.0.c.1.q.2.label|goto|id`, `b.0.c.1.f.2.kind|label|key|required`,
/// `b.0.c.1.routing`, `b.0.c.1.agent`, `b.0.c.1.team`, `b.0.c.1.r.2.subject|op|values|target`
/// (the rule's first condition), `b.0.c.1.r.2.c.3.subject|op|values`, `t.0.kind|value`.
///
/// A button's id and a custom field's key follow their label (as a slug) until edited apart;
/// renaming a branch renames every button and choice that opens it.
pub fn bind(d: &mut Dialogue, path: &str, value: &str) {
    let p: Vec<&str> = path.split('.').collect();
    let num = |i: usize| p.get(i).and_then(|s| s.parse::<usize>().ok());
    match p.as_slice() {
        ["name"] => d.name = value.into(),
        ["b", _, "id"] => {
            if let Some(b) = num(1) {
                rename_branch(d, b, value.trim());
            }
        }
        ["t", _, what] => {
            let Some(rule) = num(1).and_then(|i| d.targeting.get_mut(i)) else {
                return;
            };
            let current = match rule {
                UrlMatch::Exact(v) | UrlMatch::Prefix(v) | UrlMatch::Contains(v) => v.clone(),
            };
            *rule = match (*what, value) {
                ("value", v) => with_value(rule, v.trim().into()),
                ("kind", "exact") => UrlMatch::Exact(current),
                ("kind", "contains") => UrlMatch::Contains(current),
                ("kind", _) => UrlMatch::Prefix(current),
                _ => return,
            };
        }
        ["b", _, "c", _, rest @ ..] => {
            let (Some(b), Some(c)) = (num(1), num(3)) else {
                return;
            };
            let Some(card) = d.branches.get_mut(b).and_then(|br| br.cards.get_mut(c)) else {
                return;
            };
            bind_card(card, rest, value);
        }
        _ => {}
    }
}

fn bind_card(card: &mut Card, rest: &[&str], value: &str) {
    let idx = rest.get(1).and_then(|s| s.parse::<usize>().ok());
    match (rest, &mut card.kind) {
        (["id"], _) => card.id = CardId(value.trim().into()),
        (["kind"], kind) if kind_key(kind) != value => {
            let id = card.id.clone();
            let text = crate::fmt::card_text(kind).to_owned();
            *card = self::card(value, id.as_str());
            set_text(&mut card.kind, text);
        }
        (["text"], kind) => set_text(kind, value.into()),
        (["q", _, what], CardKind::Question { buttons, .. }) => {
            let Some(i) = idx.filter(|i| *i < buttons.len()) else {
                return;
            };
            let ids: Vec<String> = buttons.iter().map(|b| b.id.0.clone()).collect();
            let btn = &mut buttons[i];
            match *what {
                "label" => {
                    if follows(btn.id.as_str(), &btn.label) {
                        btn.id = ButtonId(follow_label(value, "answer", &ids, i));
                    }
                    btn.label = value.into();
                }
                "id" => btn.id = ButtonId(value.trim().into()),
                "goto" => btn.goto = (!value.is_empty()).then(|| value.into()),
                _ => {}
            }
        }
        (["f", _, what], CardKind::InfoCapture { fields, .. }) => {
            let Some(i) = idx.filter(|i| *i < fields.len()) else {
                return;
            };
            let keys: Vec<String> = fields.iter().map(|f| f.key.clone()).collect();
            let f = &mut fields[i];
            match *what {
                "label" => {
                    if f.kind == FieldKind::Custom && follows(&f.key, &f.label) {
                        f.key = follow_label(value, "field", &keys, i);
                    }
                    f.label = value.into();
                }
                "key" => f.key = value.trim().into(),
                "required" => f.required = value == "true",
                "kind" => {
                    if let Some(k) = FieldKind::from_key(value) {
                        if f.kind != k && k != FieldKind::Custom {
                            f.key = value.into();
                        }
                        f.kind = k;
                    }
                }
                _ => {}
            }
        }
        (
            ["unavailable"],
            CardKind::LiveChat {
                when_unavailable, ..
            }
            | CardKind::Question {
                when_unavailable, ..
            },
        ) => *when_unavailable = (!value.is_empty()).then(|| value.into()),
        (["routing"], CardKind::LiveChat { routing, .. }) => {
            *routing = match value {
                "agent" => Routing::Agent {
                    agent: AgentId(String::new()),
                },
                "team" => Routing::Team {
                    team: TeamId(String::new()),
                },
                "rules" => Routing::Rules { rules: Vec::new() },
                _ => Routing::RoundRobin,
            }
        }
        (["agent"], CardKind::LiveChat { routing, .. }) => {
            *routing = Routing::Agent {
                agent: AgentId(value.into()),
            }
        }
        (["team"], CardKind::LiveChat { routing, .. }) => {
            *routing = Routing::Team {
                team: TeamId(value.into()),
            }
        }
        (
            ["r", ..],
            CardKind::LiveChat {
                routing: Routing::Rules { rules },
                ..
            },
        ) => {
            let Some(rule) = idx.and_then(|i| rules.get_mut(i)) else {
                return;
            };
            // `r.2.c.3.op` names condition 3; `r.2.op` the first (one-condition rows).
            let (k, what) = match rest {
                ["r", _, "c", k, what] => (k.parse::<usize>().unwrap_or(usize::MAX), *what),
                ["r", _, what] => (0, *what),
                _ => return,
            };
            if what == "target" {
                rule.target = target(value);
                return;
            }
            if rule.conditions.is_empty() {
                rule.conditions.push(Condition {
                    subject: Subject::PageUrl,
                    op: Operator::Contains,
                    values: Vec::new(),
                });
            }
            let Some(cond) = rule.conditions.get_mut(k) else {
                return;
            };
            match what {
                "subject" => cond.subject = subject(value),
                "op" => cond.op = operator(value),
                "values" => {
                    cond.values = value
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// `agent:bob` or `team:sales` (a bare id is a team).
fn target(value: &str) -> RuleTarget {
    match value.split_once(':') {
        Some(("agent", id)) => RuleTarget::Agent {
            agent: AgentId(id.into()),
        },
        Some((_, id)) => RuleTarget::Team {
            team: TeamId(id.into()),
        },
        None => RuleTarget::Team {
            team: TeamId(value.into()),
        },
    }
}

fn set_text(kind: &mut CardKind, value: String) {
    match kind {
        CardKind::Message { text }
        | CardKind::Question { text, .. }
        | CardKind::InfoCapture { text, .. }
        | CardKind::LiveChat { text, .. } => *text = value,
    }
}

/// `field:email`, `page_url`, `language`, `country`, `utm:source`.
pub fn subject_key(s: &Subject) -> String {
    match s {
        Subject::Field(k) => format!("field:{k}"),
        Subject::PageUrl => "page_url".into(),
        Subject::Language => "language".into(),
        Subject::Country => "country".into(),
        Subject::Utm(k) => format!("utm:{k}"),
    }
}

pub fn subject(s: &str) -> Subject {
    match s.split_once(':') {
        Some(("field", k)) => Subject::Field(k.into()),
        Some(("utm", k)) => Subject::Utm(k.into()),
        _ => match s {
            "language" => Subject::Language,
            "country" => Subject::Country,
            _ => Subject::PageUrl,
        },
    }
}

pub fn operator_key(o: Operator) -> &'static str {
    match o {
        Operator::Equals => "equals",
        Operator::Contains => "contains",
        Operator::StartsWith => "starts_with",
        Operator::EndsWith => "ends_with",
        Operator::OneOf => "one_of",
        Operator::EmailDomain => "email_domain",
    }
}

fn operator(s: &str) -> Operator {
    match s {
        "equals" => Operator::Equals,
        "starts_with" => Operator::StartsWith,
        "ends_with" => Operator::EndsWith,
        "one_of" => Operator::OneOf,
        "email_domain" => Operator::EmailDomain,
        _ => Operator::Contains,
    }
}

/// The slug of a new label, unique among `taken` but for the item's own (`own`).
fn follow_label(label: &str, fallback: &str, taken: &[String], own: usize) -> String {
    let base = slug(label, fallback);
    unique(&base, &|s| {
        taken.iter().enumerate().any(|(j, t)| j != own && t == s)
    })
}

fn with_value(rule: &UrlMatch, v: String) -> UrlMatch {
    match rule {
        UrlMatch::Exact(_) => UrlMatch::Exact(v),
        UrlMatch::Prefix(_) => UrlMatch::Prefix(v),
        UrlMatch::Contains(_) => UrlMatch::Contains(v),
    }
}
