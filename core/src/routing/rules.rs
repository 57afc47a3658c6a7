//! Custom routing rules: does a rule match what is known of the visitor?
//!
//! Comparisons are trimmed and case-insensitive. A condition on a fact the visitor has not given
//! (missing or blank) never holds. A condition with several values holds when any value matches
//! (`one_of` is the explicit spelling of that). A rule with no conditions always matches, so it can
//! serve as a catch-all last rule.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::choice::{Condition, Operator, Rule, Subject, VisitorFacts};

/// Index of the first rule whose conditions all hold.
pub fn first_match(rules: &[Rule], facts: &VisitorFacts) -> Option<usize> {
    rules.iter().position(|r| rule_matches(r, facts))
}

/// True when every condition of the rule holds.
pub fn rule_matches(rule: &Rule, facts: &VisitorFacts) -> bool {
    rule.conditions.iter().all(|c| condition_holds(c, facts))
}

/// True when the condition holds for these facts.
pub fn condition_holds(cond: &Condition, facts: &VisitorFacts) -> bool {
    let Some(raw) = subject_value(&cond.subject, facts) else {
        return false;
    };
    let subject = fold(raw);
    let subject = subject.as_ref();
    let mut values = cond
        .values
        .iter()
        .map(|v| fold(v))
        .filter(|v| !v.is_empty());
    match cond.op {
        Operator::Equals | Operator::OneOf => values.any(|v| subject == v.as_ref()),
        Operator::Contains => values.any(|v| subject.contains(v.as_ref())),
        Operator::StartsWith => values.any(|v| subject.starts_with(v.as_ref())),
        Operator::EndsWith => values.any(|v| subject.ends_with(v.as_ref())),
        Operator::EmailDomain => {
            let Some((_, domain)) = subject.rsplit_once('@') else {
                return false;
            };
            let domain = domain.trim();
            !domain.is_empty() && values.any(|v| v.trim_start_matches('@').trim() == domain)
        }
    }
}

/// The visitor's value for a subject, trimmed; `None` when missing or blank.
pub fn subject_value<'a>(subject: &Subject, facts: &'a VisitorFacts) -> Option<&'a str> {
    let value = match subject {
        Subject::Field(key) => lookup(&facts.fields, key)?,
        Subject::PageUrl => facts.page_url.as_str(),
        Subject::Language => facts.language.as_str(),
        Subject::Country => facts.country.as_str(),
        Subject::Utm(name) => utm(&facts.utm, name)?,
    };
    let value = value.trim();
    (!value.is_empty()).then_some(value)
}

/// Exact key first, then a trimmed case-insensitive key.
fn lookup<'a>(map: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    if let Some(v) = map.get(key) {
        return Some(v.as_str());
    }
    let key = key.trim();
    map.iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

/// A UTM parameter by name; `source` and `utm_source` name the same parameter on either side.
fn utm<'a>(map: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    let bare = strip_utm(name.trim());
    map.iter()
        .find(|(k, _)| strip_utm(k.trim()).eq_ignore_ascii_case(bare))
        .map(|(_, v)| v.as_str())
}

fn strip_utm(s: &str) -> &str {
    match s.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("utm_") => &s[4..],
        _ => s,
    }
}

/// Trimmed and lower-cased; borrows when nothing needs to change (the common case).
fn fold(s: &str) -> Cow<'_, str> {
    let s = s.trim();
    if s.is_ascii() && !s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::RuleTarget;
    use crate::AgentId;

    fn facts() -> VisitorFacts {
        let mut f = VisitorFacts::default();
        f.fields
            .insert("email".into(), " Jane.Doe@ACME.com ".into());
        f.fields.insert("company".into(), "Acme Corp".into());
        f.fields.insert("first_name".into(), "Jane".into());
        f.fields.insert("blank".into(), "   ".into());
        f.page_url = "https://shop.example.com/Pricing?plan=pro".into();
        f.language = "fr-FR".into();
        f.country = "FR".into();
        f.utm.insert("utm_source".into(), "Newsletter".into());
        f.utm.insert("campaign".into(), "spring".into());
        f
    }

    fn cond(subject: Subject, op: Operator, values: &[&str]) -> Condition {
        Condition {
            subject,
            op,
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn holds(subject: Subject, op: Operator, values: &[&str]) -> bool {
        condition_holds(&cond(subject, op, values), &facts())
    }

    fn field(k: &str) -> Subject {
        Subject::Field(k.into())
    }

    #[test]
    fn equals_is_trimmed_and_case_insensitive() {
        assert!(holds(field("company"), Operator::Equals, &["  acme CORP "]));
        assert!(!holds(field("company"), Operator::Equals, &["acme"]));
        assert!(holds(
            field("email"),
            Operator::Equals,
            &["jane.doe@acme.com"]
        ));
    }

    #[test]
    fn contains() {
        assert!(holds(Subject::PageUrl, Operator::Contains, &["/pricing"]));
        assert!(!holds(Subject::PageUrl, Operator::Contains, &["/careers"]));
        assert!(
            !holds(Subject::PageUrl, Operator::Contains, &["  "]),
            "blank value never matches"
        );
    }

    #[test]
    fn starts_with_and_ends_with() {
        assert!(holds(
            Subject::PageUrl,
            Operator::StartsWith,
            &["HTTPS://shop."]
        ));
        assert!(!holds(Subject::PageUrl, Operator::StartsWith, &["shop."]));
        assert!(holds(Subject::PageUrl, Operator::EndsWith, &["plan=PRO"]));
        assert!(!holds(Subject::PageUrl, Operator::EndsWith, &["pricing"]));
    }

    #[test]
    fn one_of_matches_any_value() {
        assert!(holds(
            Subject::Country,
            Operator::OneOf,
            &["de", "fr", "es"]
        ));
        assert!(!holds(Subject::Country, Operator::OneOf, &["de", "es"]));
        assert!(!holds(Subject::Country, Operator::OneOf, &[]));
    }

    #[test]
    fn email_domain() {
        assert!(holds(
            field("email"),
            Operator::EmailDomain,
            &["gmail.com", "acme.COM"]
        ));
        assert!(holds(field("email"), Operator::EmailDomain, &["@acme.com"]));
        assert!(!holds(field("email"), Operator::EmailDomain, &["cme.com"]));
        assert!(
            !holds(field("company"), Operator::EmailDomain, &["acme.com"]),
            "no @"
        );
    }

    #[test]
    fn every_subject() {
        assert!(holds(field("first_name"), Operator::Equals, &["jane"]));
        assert!(
            holds(field("FIRST_NAME"), Operator::Equals, &["jane"]),
            "key case"
        );
        assert!(holds(
            Subject::PageUrl,
            Operator::Contains,
            &["example.com"]
        ));
        assert!(holds(Subject::Language, Operator::StartsWith, &["fr"]));
        assert!(holds(Subject::Country, Operator::Equals, &["fr"]));
        assert!(holds(
            Subject::Utm("source".into()),
            Operator::Equals,
            &["newsletter"]
        ));
        assert!(holds(
            Subject::Utm("utm_source".into()),
            Operator::Equals,
            &["newsletter"]
        ));
        assert!(holds(
            Subject::Utm("utm_campaign".into()),
            Operator::Equals,
            &["spring"]
        ));
        assert!(!holds(
            Subject::Utm("medium".into()),
            Operator::Equals,
            &["spring"]
        ));
    }

    #[test]
    fn missing_or_blank_subject_never_holds() {
        assert!(!holds(field("phone"), Operator::Contains, &["1"]));
        assert!(!holds(field("blank"), Operator::Equals, &[""]));
        let empty = VisitorFacts::default();
        for op in [
            Operator::Equals,
            Operator::Contains,
            Operator::OneOf,
            Operator::EmailDomain,
        ] {
            assert!(!condition_holds(&cond(Subject::PageUrl, op, &[""]), &empty));
            assert!(!condition_holds(
                &cond(Subject::Country, op, &["fr"]),
                &empty
            ));
        }
    }

    #[test]
    fn unicode_is_case_folded() {
        let mut f = VisitorFacts::default();
        f.fields.insert("city".into(), "ZÜRICH".into());
        assert!(condition_holds(
            &cond(field("city"), Operator::Equals, &["zürich"]),
            &f
        ));
    }

    fn rule(conditions: Vec<Condition>, agent: &str) -> Rule {
        Rule {
            conditions,
            target: RuleTarget::Agent {
                agent: AgentId::new(agent),
            },
        }
    }

    #[test]
    fn all_conditions_must_hold_and_first_match_wins() {
        let rules = vec![
            rule(
                vec![
                    cond(Subject::Country, Operator::Equals, &["fr"]),
                    cond(Subject::Language, Operator::Equals, &["en"]),
                ],
                "a",
            ),
            rule(vec![cond(Subject::Country, Operator::Equals, &["fr"])], "b"),
            rule(vec![], "c"),
        ];
        assert_eq!(first_match(&rules, &facts()), Some(1));
        assert_eq!(first_match(&rules[..1], &facts()), None);
        assert_eq!(
            first_match(&rules[2..], &VisitorFacts::default()),
            Some(0),
            "catch-all"
        );
        assert_eq!(first_match(&[], &facts()), None);
    }
}
