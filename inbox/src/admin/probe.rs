//! "Test a URL" and "test with a sample visitor": the designer asks core's own targeting and
//! rules — the code the server routes with — about the draft, and says why.

use std::collections::BTreeMap;

use parlor_core::dialogue::{matches, Dialogue, UrlMatch};
use parlor_core::routing::{Condition, Operator, Rule, RuleTarget, Subject, VisitorFacts};

use parlor_core::routing::rules::{condition_holds, first_match};

use super::edit::{operator_key, subject_key, OPERATORS, SUBJECTS};

/// The dialogue a page would get: the saved dialogues in their order, the draft in place of
/// its saved copy (a new draft last).
pub fn page_gets<'a>(
    saved: &'a [Dialogue],
    draft: &'a Dialogue,
    url: &str,
) -> Option<&'a Dialogue> {
    let mut list: Vec<&Dialogue> = saved
        .iter()
        .map(|d| if d.id == draft.id { draft } else { d })
        .collect();
    if !saved.iter().any(|d| d.id == draft.id) {
        list.push(draft);
    }
    list.into_iter().find(|d| matches(&d.targeting, url))
}

/// The answer to "test a URL", in words.
pub fn page_answer(saved: &[Dialogue], draft: &Dialogue, url: &str) -> String {
    if url.trim().is_empty() {
        return String::new();
    }
    match page_gets(saved, draft, url) {
        Some(d) if d.id == draft.id => format!("This page gets this dialogue (“{}”).", d.name),
        Some(d) => format!(
            "This page gets another dialogue: “{}”, which comes first and matches it.",
            d.name
        ),
        None => "No dialogue matches this page: no chat button shows there.".into(),
    }
}

/// The facts of a sample visitor typed by the admin, keyed as [`SUBJECTS`].
pub fn sample_facts(sample: &BTreeMap<String, String>) -> VisitorFacts {
    let mut f = VisitorFacts::default();
    for (k, v) in sample.iter().filter(|(_, v)| !v.trim().is_empty()) {
        match k.split_once(':') {
            Some(("field", key)) => {
                f.fields.insert(key.into(), v.clone());
            }
            Some(("utm", key)) => {
                f.utm.insert(key.into(), v.clone());
            }
            _ => match k.as_str() {
                "page_url" => f.page_url = v.clone(),
                "language" => f.language = v.clone(),
                "country" => f.country = v.clone(),
                _ => {}
            },
        }
    }
    f
}

/// One rule checked against the sample: each condition in words with whether it held.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleCheck {
    pub conditions: Vec<(String, bool)>,
    pub matched: bool,
    pub target: String,
}

/// Which rule wins (core's `first_match`) and every rule's conditions, for the "why".
pub fn explain(rules: &[Rule], facts: &VisitorFacts) -> (Option<usize>, Vec<RuleCheck>) {
    let checks = rules
        .iter()
        .map(|r| {
            let conditions: Vec<(String, bool)> = r
                .conditions
                .iter()
                .map(|c| (describe(c), condition_holds(c, facts)))
                .collect();
            RuleCheck {
                matched: conditions.iter().all(|(_, ok)| *ok),
                conditions,
                target: target_text(&r.target),
            }
        })
        .collect();
    (first_match(rules, facts), checks)
}

pub fn target_text(t: &RuleTarget) -> String {
    match t {
        RuleTarget::Agent { agent } => format!("agent {}", agent.as_str()),
        RuleTarget::Team { team } => format!("team {}", team.as_str()),
    }
}

/// `Email domain is acme.com or globex.com`.
pub fn describe(c: &Condition) -> String {
    let key = subject_key(&c.subject);
    let subject = SUBJECTS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| (*l).to_owned())
        .unwrap_or_else(|| match &c.subject {
            Subject::Field(k) => format!("Field {k}"),
            Subject::Utm(k) => format!("UTM {k}"),
            _ => key.clone(),
        });
    let op = OPERATORS
        .iter()
        .find(|(k, _)| *k == operator_key(c.op))
        .map(|(_, l)| *l)
        .unwrap_or("is");
    let values = if c.values.is_empty() {
        "(no value)".to_owned()
    } else {
        c.values.join(" or ")
    };
    if c.op == Operator::EmailDomain {
        format!("{subject}: {op} {values}")
    } else {
        format!("{subject} {op} {values}")
    }
}

/// A URL targeting rule in words, for the node list and screen readers.
pub fn url_rule_text(u: &UrlMatch) -> String {
    match u {
        UrlMatch::Exact(v) => format!("Page is exactly {v}"),
        UrlMatch::Prefix(v) => format!("Page starts with {v}"),
        UrlMatch::Contains(v) => format!("Page contains {v}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::edit::{apply, bind, new_dialogue, Op};
    use parlor_core::TeamId;

    #[test]
    fn the_draft_replaces_its_saved_copy_in_the_order() {
        let mut pricing = new_dialogue("pricing");
        pricing.name = "Pricing".into();
        let home = new_dialogue("home");
        let saved = vec![pricing.clone(), home.clone()];
        // Saved, "pricing" (no targeting) comes first and takes every page.
        assert_eq!(
            page_gets(&saved, &home, "/x").map(|d| d.id.as_str()),
            Some("pricing")
        );
        // The draft narrows "pricing" to /pricing: other pages fall through to "home".
        apply(&mut pricing, &Op::AddTarget);
        bind(&mut pricing, "t.0.value", "/pricing");
        assert_eq!(
            page_gets(&saved, &pricing, "/pricing/team").map(|d| d.id.as_str()),
            Some("pricing")
        );
        assert_eq!(
            page_gets(&saved, &pricing, "/about").map(|d| d.id.as_str()),
            Some("home")
        );
        assert!(page_answer(&saved, &pricing, "/about").contains("another dialogue"));
    }

    #[test]
    fn the_winning_rule_is_cores_first_match_with_each_condition_explained() {
        let mut d = new_dialogue("d");
        apply(&mut d, &Op::AddCard(0, "live_chat".into()));
        apply(&mut d, &Op::AddItem(0, 1));
        bind(&mut d, "b.0.c.1.r.0.values", "acme.com");
        apply(&mut d, &Op::AddItem(0, 1));
        bind(&mut d, "b.0.c.1.r.1.values", "globex.com");
        apply(&mut d, &Op::AddCondition(0, 1, 1));
        bind(&mut d, "b.0.c.1.r.1.c.1.subject", "country");
        bind(&mut d, "b.0.c.1.r.1.c.1.op", "equals");
        bind(&mut d, "b.0.c.1.r.1.c.1.values", "FR");
        bind(&mut d, "b.0.c.1.r.1.target", "team:europe");
        let parlor_core::dialogue::CardKind::LiveChat {
            routing: parlor_core::routing::Routing::Rules { rules },
            ..
        } = &d.branches[0].cards[1].kind
        else {
            panic!("rules expected");
        };
        let mut sample = BTreeMap::new();
        sample.insert("field:email".to_owned(), "ann@globex.com".to_owned());
        sample.insert("country".to_owned(), "fr".to_owned());
        let facts = sample_facts(&sample);
        let (winner, checks) = explain(rules, &facts);
        assert_eq!(winner, first_match(rules, &facts));
        assert_eq!(winner, Some(1));
        assert!(!checks[0].matched && checks[1].matched);
        assert_eq!(checks[1].conditions[1].0, "Country equals FR");
        assert_eq!(
            rules[1].target,
            RuleTarget::Team {
                team: TeamId("europe".into())
            }
        );
        sample.insert("country".to_owned(), "DE".to_owned());
        assert_eq!(explain(rules, &sample_facts(&sample)).0, None);
    }
}
