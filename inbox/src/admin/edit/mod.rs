//! Editing a dialogue in the designer: structural operations, pure functions over core's
//! `Dialogue`, tested natively. Form bindings live in [`bind`].

mod bind;

pub use bind::{bind, operator_key, structural, subject, subject_key};

use parlor_core::dialogue::{
    Branch, Button, Card, CardKind, Dialogue, FieldKind, FieldSpec, UrlMatch,
};
use parlor_core::routing::{Condition, Operator, Routing, Rule, RuleTarget, Subject};
use parlor_core::{ButtonId, CardId, DialogueId, TeamId};

use super::slug::{slug, unique};

/// A structural edit. Indices: branch `b`, card `c`, item (button, field, rule) `i`.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    AddBranch,
    RemoveBranch(usize),
    AddCard(usize, String),
    /// A card of this kind right after card `c` of branch `b`.
    AddCardAfter(usize, usize, String),
    RemoveCard(usize, usize),
    MoveCard(usize, usize, bool),
    /// Drag and drop: the card at `from` goes before the card at `to` (or at the end of the
    /// branch when `to.1` is its length), in the same or another branch.
    MoveTo((usize, usize), (usize, usize)),
    AddItem(usize, usize),
    RemoveItem(usize, usize, usize),
    /// A new branch opened by button `i` of the question card at (`b`, `c`), named after it.
    BranchFrom(usize, usize, usize),
    /// A condition added to rule `i` of the live chat card at (`b`, `c`).
    AddCondition(usize, usize, usize),
    /// Condition `k` of rule `i` removed.
    RemoveCondition(usize, usize, usize, usize),
    /// A URL targeting rule added; one removed.
    AddTarget,
    RemoveTarget(usize),
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

/// Every subject the core's rules know, as (key, label).
pub const SUBJECTS: [(&str, &str); 13] = [
    ("field:email", "Email"),
    ("field:first_name", "First name"),
    ("field:last_name", "Last name"),
    ("field:company", "Company"),
    ("field:job_title", "Job title"),
    ("field:phone", "Phone"),
    ("page_url", "Page URL"),
    ("language", "Language"),
    ("country", "Country"),
    ("utm:source", "UTM source"),
    ("utm:medium", "UTM medium"),
    ("utm:campaign", "UTM campaign"),
    ("utm:term", "UTM term"),
];

pub const URL_MATCHES: [(&str, &str); 3] = [
    ("exact", "is exactly"),
    ("prefix", "starts with"),
    ("contains", "contains"),
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

/// A card id not used anywhere in the dialogue: `message`, `message-2`, …
fn fresh_card_id(d: &Dialogue, base: &str) -> String {
    unique(base, &|s| {
        d.branches
            .iter()
            .any(|b| b.cards.iter().any(|c| c.id.0 == s))
    })
}

pub fn kind_key(k: &CardKind) -> &'static str {
    match k {
        CardKind::Message { .. } => "message",
        CardKind::Question { .. } => "question",
        CardKind::InfoCapture { .. } => "info_capture",
        CardKind::LiveChat { .. } => "live_chat",
    }
}

/// Applies an edit; returns the card to select afterwards, if the edit made or moved one.
pub fn apply(d: &mut Dialogue, op: &Op) -> Option<(usize, usize)> {
    match op {
        Op::AddBranch => {
            let id = unique("branch", &|s| d.branches.iter().any(|b| b.id == s));
            let c = card("message", &fresh_card_id(d, "message"));
            d.branches.push(Branch { id, cards: vec![c] });
            return Some((d.branches.len() - 1, 0));
        }
        Op::RemoveBranch(b) => {
            if *b < d.branches.len() {
                let gone = d.branches.remove(*b).id;
                forget_branch(d, &gone);
            }
        }
        Op::AddCard(b, kind) => {
            let id = fresh_card_id(d, kind);
            if let Some(br) = d.branches.get_mut(*b) {
                br.cards.push(card(kind, &id));
                return Some((*b, br.cards.len() - 1));
            }
        }
        Op::AddCardAfter(b, c, kind) => {
            let id = fresh_card_id(d, kind);
            if let Some(br) = d.branches.get_mut(*b) {
                let at = (*c + 1).min(br.cards.len());
                br.cards.insert(at, card(kind, &id));
                return Some((*b, at));
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
                    return Some((*b, to));
                }
            }
        }
        Op::MoveTo(from, to) => return move_to(d, *from, *to),
        Op::AddItem(b, c) => add_item(d, *b, *c),
        Op::RemoveItem(b, c, i) => remove_item(d, *b, *c, *i),
        Op::BranchFrom(b, c, i) => return branch_from(d, *b, *c, *i),
        Op::AddCondition(b, c, i) => {
            if let Some(rule) = rule_mut(d, *b, *c, *i) {
                rule.conditions.push(Condition {
                    subject: Subject::PageUrl,
                    op: Operator::Contains,
                    values: Vec::new(),
                });
            }
        }
        Op::RemoveCondition(b, c, i, k) => {
            if let Some(rule) = rule_mut(d, *b, *c, *i) {
                if *k < rule.conditions.len() {
                    rule.conditions.remove(*k);
                }
            }
        }
        Op::AddTarget => d.targeting.push(UrlMatch::Prefix(String::new())),
        Op::RemoveTarget(i) => {
            if *i < d.targeting.len() {
                d.targeting.remove(*i);
            }
        }
    }
    None
}

/// Buttons and "when nobody can chat" choices that opened a removed branch go on to the next
/// card instead, so removing a branch never leaves a dangling reference.
fn forget_branch(d: &mut Dialogue, gone: &str) {
    for card in d.branches.iter_mut().flat_map(|b| b.cards.iter_mut()) {
        match &mut card.kind {
            CardKind::Question {
                buttons,
                when_unavailable,
                ..
            } => {
                for b in buttons.iter_mut() {
                    if b.goto.as_deref() == Some(gone) {
                        b.goto = None;
                    }
                }
                if when_unavailable.as_deref() == Some(gone) {
                    *when_unavailable = None;
                }
            }
            CardKind::LiveChat {
                when_unavailable, ..
            } if when_unavailable.as_deref() == Some(gone) => *when_unavailable = None,
            _ => {}
        }
    }
}

/// Renames a branch and every reference to it.
pub fn rename_branch(d: &mut Dialogue, b: usize, new_id: &str) {
    let Some(old) = d.branches.get(b).map(|br| br.id.clone()) else {
        return;
    };
    for card in d.branches.iter_mut().flat_map(|b| b.cards.iter_mut()) {
        let refs: Vec<&mut Option<String>> = match &mut card.kind {
            CardKind::Question {
                buttons,
                when_unavailable,
                ..
            } => buttons
                .iter_mut()
                .map(|b| &mut b.goto)
                .chain(std::iter::once(when_unavailable))
                .collect(),
            CardKind::LiveChat {
                when_unavailable, ..
            } => vec![when_unavailable],
            _ => Vec::new(),
        };
        for r in refs {
            if r.as_deref() == Some(old.as_str()) {
                *r = Some(new_id.to_owned());
            }
        }
    }
    if let Some(br) = d.branches.get_mut(b) {
        br.id = new_id.to_owned();
    }
}

fn move_to(d: &mut Dialogue, from: (usize, usize), to: (usize, usize)) -> Option<(usize, usize)> {
    if from == to || to.0 >= d.branches.len() || to.1 > d.branches[to.0].cards.len() {
        return None;
    }
    let src = d.branches.get_mut(from.0)?;
    if from.1 >= src.cards.len() {
        return None;
    }
    let card = src.cards.remove(from.1);
    // Removing from the same branch above the target shifts the target up by one.
    let at = if from.0 == to.0 && from.1 < to.1 {
        to.1 - 1
    } else {
        to.1
    };
    let dst = d.branches.get_mut(to.0)?;
    let at = at.min(dst.cards.len());
    dst.cards.insert(at, card);
    Some((to.0, at))
}

fn add_item(d: &mut Dialogue, b: usize, c: usize) {
    let Some(card) = d.branches.get_mut(b).and_then(|br| br.cards.get_mut(c)) else {
        return;
    };
    match &mut card.kind {
        CardKind::Question { buttons, .. } => {
            let id = unique("another-answer", &|s| buttons.iter().any(|x| x.id.0 == s));
            buttons.push(Button {
                id: ButtonId(id),
                label: "Another answer".into(),
                goto: None,
            });
        }
        CardKind::InfoCapture { fields, .. } => {
            let key = unique("custom-field", &|s| fields.iter().any(|x| x.key == s));
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

fn remove_item(d: &mut Dialogue, b: usize, c: usize, i: usize) {
    let Some(card) = d.branches.get_mut(b).and_then(|br| br.cards.get_mut(c)) else {
        return;
    };
    match &mut card.kind {
        CardKind::Question { buttons, .. } if i < buttons.len() => {
            buttons.remove(i);
        }
        CardKind::InfoCapture { fields, .. } if i < fields.len() => {
            fields.remove(i);
        }
        CardKind::LiveChat {
            routing: Routing::Rules { rules },
            ..
        } if i < rules.len() => {
            rules.remove(i);
        }
        _ => {}
    }
}

fn branch_from(d: &mut Dialogue, b: usize, c: usize, i: usize) -> Option<(usize, usize)> {
    let label = match &d.branches.get(b)?.cards.get(c)?.kind {
        CardKind::Question { buttons, .. } => buttons.get(i)?.label.clone(),
        _ => return None,
    };
    let id = unique(&slug(&label, "branch"), &|s| {
        d.branches.iter().any(|br| br.id == s)
    });
    let mut first = card("message", &fresh_card_id(d, &format!("{id}-message")));
    if let CardKind::Message { text } = &mut first.kind {
        *text = format!("You chose “{label}”.");
    }
    d.branches.push(Branch {
        id: id.clone(),
        cards: vec![first],
    });
    if let Some(CardKind::Question { buttons, .. }) = d
        .branches
        .get_mut(b)
        .and_then(|br| br.cards.get_mut(c))
        .map(|c| &mut c.kind)
    {
        if let Some(btn) = buttons.get_mut(i) {
            btn.goto = Some(id);
        }
    }
    Some((d.branches.len() - 1, 0))
}

fn rule_mut(d: &mut Dialogue, b: usize, c: usize, i: usize) -> Option<&mut Rule> {
    match &mut d.branches.get_mut(b)?.cards.get_mut(c)?.kind {
        CardKind::LiveChat {
            routing: Routing::Rules { rules },
            ..
        } => rules.get_mut(i),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlor_core::AgentId;

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
