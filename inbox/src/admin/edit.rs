//! Editing a dialogue in the form editor: structural operations and field bindings.
//! Pure functions over core's `Dialogue`, tested natively.

use parlor_core::dialogue::{Branch, Button, Card, CardKind, Dialogue, FieldKind, FieldSpec};
use parlor_core::routing::{Condition, Operator, Routing, Rule, RuleTarget, Subject};
use parlor_core::{AgentId, ButtonId, CardId, DialogueId, TeamId};

/// A structural edit. Indices: branch `b`, card `c`, item (button, field, rule) `i`.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    AddBranch,
    RemoveBranch(usize),
    AddCard(usize, String),
    RemoveCard(usize, usize),
    MoveCard(usize, usize, bool),
    AddItem(usize, usize),
    RemoveItem(usize, usize, usize),
}

pub const CARD_KINDS: [(&str, &str); 4] = [
    ("message", "Message"),
    ("question", "Question"),
    ("info_capture", "Info capture"),
    ("live_chat", "Live chat"),
];

pub const FIELD_KINDS: [(&str, &str); 7] = [
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("email", "Email"),
    ("job_title", "Job title"),
    ("company", "Company"),
    ("phone", "Phone"),
    ("custom", "Custom"),
];

pub const OPERATORS: [(&str, &str); 6] = [
    ("equals", "equals"),
    ("contains", "contains"),
    ("starts_with", "starts with"),
    ("ends_with", "ends with"),
    ("one_of", "is one of"),
    ("email_domain", "email domain is"),
];

pub fn new_dialogue(id: &str) -> Dialogue {
    Dialogue {
        id: DialogueId(id.into()),
        name: "New dialogue".into(),
        targeting: Vec::new(),
        branches: vec![Branch {
            id: "main".into(),
            cards: vec![card("message", "hello")],
        }],
    }
}

fn card(kind: &str, id: &str) -> Card {
    let kind = match kind {
        "question" => CardKind::Question {
            when_unavailable: None,
            text: "What brings you here today?".into(),
            buttons: vec![Button {
                id: ButtonId("yes".into()),
                label: "Yes".into(),
                goto: None,
            }],
        },
        "info_capture" => CardKind::InfoCapture {
            text: "Tell us who you are.".into(),
            fields: vec![
                field(FieldKind::FirstName, "first_name", "First name"),
                field(FieldKind::Email, "email", "Email"),
            ],
        },
        "live_chat" => CardKind::LiveChat {
            text: "Connecting you to an agent…".into(),
            routing: Routing::RoundRobin,
            when_unavailable: None,
        },
        _ => CardKind::Message {
            text: "Hello!".into(),
        },
    };
    Card {
        id: CardId(id.into()),
        kind,
    }
}

fn field(kind: FieldKind, key: &str, label: &str) -> FieldSpec {
    FieldSpec {
        key: key.into(),
        kind,
        label: label.into(),
        required: true,
    }
}

/// A card id not used anywhere in the dialogue: `card`, `card2`, …
fn fresh_card_id(d: &Dialogue, base: &str) -> String {
    let used = |s: &str| {
        d.branches
            .iter()
            .any(|b| b.cards.iter().any(|c| c.id.0 == s))
    };
    fresh(base, used)
}

fn fresh(base: &str, used: impl Fn(&str) -> bool) -> String {
    if !used(base) {
        return base.into();
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|s| !used(s))
        .unwrap_or_default()
}

pub fn kind_key(k: &CardKind) -> &'static str {
    match k {
        CardKind::Message { .. } => "message",
        CardKind::Question { .. } => "question",
        CardKind::InfoCapture { .. } => "info_capture",
        CardKind::LiveChat { .. } => "live_chat",
    }
}

pub fn apply(d: &mut Dialogue, op: &Op) {
    match op {
        Op::AddBranch => {
            let id = fresh("branch", |s| d.branches.iter().any(|b| b.id == s));
            let c = card("message", &fresh_card_id(d, "message"));
            d.branches.push(Branch { id, cards: vec![c] });
        }
        Op::RemoveBranch(b) => {
            if *b < d.branches.len() {
                d.branches.remove(*b);
            }
        }
        Op::AddCard(b, kind) => {
            let id = fresh_card_id(d, kind);
            if let Some(br) = d.branches.get_mut(*b) {
                br.cards.push(card(kind, &id));
            }
        }
        Op::RemoveCard(b, c) => {
            if let Some(br) = d.branches.get_mut(*b) {
                if *c < br.cards.len() {
                    br.cards.remove(*c);
                }
            }
        }
        Op::MoveCard(b, c, up) => {
            if let Some(br) = d.branches.get_mut(*b) {
                let to = if *up { c.checked_sub(1) } else { Some(c + 1) };
                if let Some(to) = to.filter(|t| *t < br.cards.len() && *c < br.cards.len()) {
                    br.cards.swap(*c, to);
                }
            }
        }
        Op::AddItem(b, c) => {
            let Some(card) = d.branches.get_mut(*b).and_then(|br| br.cards.get_mut(*c)) else {
                return;
            };
            match &mut card.kind {
                CardKind::Question { buttons, .. } => {
                    let id = fresh("answer", |s| buttons.iter().any(|x| x.id.0 == s));
                    buttons.push(Button {
                        id: ButtonId(id),
                        label: "Another answer".into(),
                        goto: None,
                    });
                }
                CardKind::InfoCapture { fields, .. } => {
                    let key = fresh("custom", |s| fields.iter().any(|x| x.key == s));
                    fields.push(FieldSpec {
                        key,
                        kind: FieldKind::Custom,
                        label: "Custom field".into(),
                        required: false,
                    });
                }
                CardKind::LiveChat { routing, .. } => {
                    let rule = Rule {
                        conditions: vec![Condition {
                            subject: Subject::Field("email".into()),
                            op: Operator::EmailDomain,
                            values: vec![String::new()],
                        }],
                        target: RuleTarget::Team {
                            team: TeamId("sales".into()),
                        },
                    };
                    match routing {
                        Routing::Rules { rules } => rules.push(rule),
                        _ => {
                            *routing = Routing::Rules { rules: vec![rule] };
                        }
                    }
                }
                CardKind::Message { .. } => {}
            }
        }
        Op::RemoveItem(b, c, i) => {
            let Some(card) = d.branches.get_mut(*b).and_then(|br| br.cards.get_mut(*c)) else {
                return;
            };
            match &mut card.kind {
                CardKind::Question { buttons, .. } if *i < buttons.len() => {
                    buttons.remove(*i);
                }
                CardKind::InfoCapture { fields, .. } if *i < fields.len() => {
                    fields.remove(*i);
                }
                CardKind::LiveChat {
                    routing: Routing::Rules { rules },
                    ..
                } if *i < rules.len() => {
                    rules.remove(*i);
                }
                _ => {}
            }
        }
    }
}

/// Does changing `path` change the editor's shape (so it must be drawn again)?
pub fn structural(path: &str) -> bool {
    path.ends_with(".kind") && !path.contains(".f.") || path.ends_with(".routing")
}

/// Sets the value a form field is bound to. Paths: `name`, `b.0.id`, `b.0.c.1.text`,
/// `b.0.c.1.kind`, `b.0.c.1.id`, `b.0.c.1.q.2.label|goto|id`, `b.0.c.1.f.2.kind|label|key|required`,
/// `b.0.c.1.routing`, `b.0.c.1.agent`, `b.0.c.1.team`, `b.0.c.1.r.2.subject|op|values|target`.
pub fn bind(d: &mut Dialogue, path: &str, value: &str) {
    let p: Vec<&str> = path.split('.').collect();
    let num = |i: usize| p.get(i).and_then(|s| s.parse::<usize>().ok());
    match p.as_slice() {
        ["name"] => d.name = value.into(),
        ["b", _, "id"] => {
            if let Some(br) = num(1).and_then(|b| d.branches.get_mut(b)) {
                br.id = value.trim().into();
            }
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
            let Some(btn) = idx.and_then(|i| buttons.get_mut(i)) else {
                return;
            };
            match *what {
                "label" => btn.label = value.into(),
                "id" => btn.id = ButtonId(value.trim().into()),
                "goto" => btn.goto = (!value.is_empty()).then(|| value.into()),
                _ => {}
            }
        }
        (["f", _, what], CardKind::InfoCapture { fields, .. }) => {
            let Some(f) = idx.and_then(|i| fields.get_mut(i)) else {
                return;
            };
            match *what {
                "label" => f.label = value.into(),
                "key" => f.key = value.trim().into(),
                "required" => f.required = value == "true",
                "kind" => {
                    if let Some(k) = field_kind(value) {
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
            ["r", _, what],
            CardKind::LiveChat {
                routing: Routing::Rules { rules },
                ..
            },
        ) => {
            let Some(rule) = idx.and_then(|i| rules.get_mut(i)) else {
                return;
            };
            if rule.conditions.is_empty() {
                rule.conditions.push(Condition {
                    subject: Subject::PageUrl,
                    op: Operator::Contains,
                    values: Vec::new(),
                });
            }
            let cond = &mut rule.conditions[0];
            match *what {
                "subject" => cond.subject = subject(value),
                "op" => cond.op = operator(value),
                "values" => {
                    cond.values = value
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                }
                "target" => {
                    rule.target = match value.split_once(':') {
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
                _ => {}
            }
        }
        _ => {}
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

pub fn field_kind(s: &str) -> Option<FieldKind> {
    Some(match s {
        "first_name" => FieldKind::FirstName,
        "last_name" => FieldKind::LastName,
        "email" => FieldKind::Email,
        "job_title" => FieldKind::JobTitle,
        "company" => FieldKind::Company,
        "phone" => FieldKind::Phone,
        "custom" => FieldKind::Custom,
        _ => return None,
    })
}

pub fn field_kind_key(k: FieldKind) -> &'static str {
    match k {
        FieldKind::FirstName => "first_name",
        FieldKind::LastName => "last_name",
        FieldKind::Email => "email",
        FieldKind::JobTitle => "job_title",
        FieldKind::Company => "company",
        FieldKind::Phone => "phone",
        FieldKind::Custom => "custom",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_are_added_moved_and_bound() {
        let mut d = new_dialogue("d");
        apply(&mut d, &Op::AddCard(0, "live_chat".into()));
        apply(&mut d, &Op::AddCard(0, "message".into()));
        assert_eq!(d.branches[0].cards[2].id.0, "message");
        apply(&mut d, &Op::MoveCard(0, 2, true));
        assert_eq!(kind_key(&d.branches[0].cards[2].kind), "live_chat");
        bind(&mut d, "b.0.c.2.routing", "team");
        bind(&mut d, "b.0.c.2.team", "sales");
        assert!(matches!(
            &d.branches[0].cards[2].kind,
            CardKind::LiveChat { routing: Routing::Team { team }, .. } if team.0 == "sales"
        ));
        bind(&mut d, "b.0.c.1.kind", "question");
        bind(&mut d, "b.0.c.1.q.0.goto", "other");
        assert!(matches!(
            &d.branches[0].cards[1].kind,
            CardKind::Question { buttons, .. } if buttons[0].goto.as_deref() == Some("other")
        ));
    }

    #[test]
    fn rules_rows_edit_the_first_condition() {
        let mut d = new_dialogue("d");
        apply(&mut d, &Op::AddCard(0, "live_chat".into()));
        apply(&mut d, &Op::AddItem(0, 1));
        bind(&mut d, "b.0.c.1.r.0.subject", "field:company");
        bind(&mut d, "b.0.c.1.r.0.op", "one_of");
        bind(&mut d, "b.0.c.1.r.0.values", "Acme, Globex");
        bind(&mut d, "b.0.c.1.r.0.target", "agent:bob");
        let CardKind::LiveChat {
            routing: Routing::Rules { rules },
            ..
        } = &d.branches[0].cards[1].kind
        else {
            panic!("rules expected");
        };
        assert_eq!(rules[0].conditions[0].values, vec!["Acme", "Globex"]);
        assert_eq!(
            rules[0].target,
            RuleTarget::Agent {
                agent: AgentId("bob".into())
            }
        );
    }
}
