//! The dialogue designer's templates: each opens with no error and no warning, and is a
//! well-formed dialogue the API takes as it is.

use std::collections::BTreeSet;

use parlor_core::dialogue::{template, validate, CardKind, Dialogue, TEMPLATES};
use parlor_core::routing::Routing;

fn all() -> Vec<Dialogue> {
    TEMPLATES
        .iter()
        .map(|t| template(t.key, &format!("new-{}", t.key)).expect("every listed template builds"))
        .collect()
}

#[test]
fn every_template_validates_without_errors_or_warnings() {
    for d in all() {
        let report = validate(&d);
        assert!(report.errors.is_empty(), "{}: {:#?}", d.name, report.errors);
        assert!(
            report.warnings.is_empty(),
            "{}: {:#?}",
            d.name,
            report.warnings
        );
    }
}

#[test]
fn the_catalogue_has_unique_keys_and_names() {
    let keys: BTreeSet<_> = TEMPLATES.iter().map(|t| t.key).collect();
    let names: BTreeSet<_> = TEMPLATES.iter().map(|t| t.name).collect();
    assert_eq!(keys.len(), TEMPLATES.len());
    assert_eq!(names.len(), TEMPLATES.len());
    assert_eq!(
        keys,
        BTreeSet::from(["demo_request", "pricing_question", "sales_qualification"])
    );
    for t in TEMPLATES {
        assert!(!t.description.trim().is_empty(), "{}", t.key);
    }
}

#[test]
fn a_template_takes_the_given_id_and_its_name() {
    for t in TEMPLATES {
        let d = template(t.key, "my-dialogue").expect("builds");
        assert_eq!(d.id.as_str(), "my-dialogue");
        assert_eq!(d.name, t.name);
        assert!(
            d.targeting.is_empty(),
            "every page until the marketer narrows it"
        );
    }
    assert_eq!(template("no_such_template", "x"), None);
}

#[test]
fn ids_and_labels_are_unique() {
    for d in all() {
        let branches: BTreeSet<_> = d.branches.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(branches.len(), d.branches.len(), "{}: branch ids", d.name);
        let cards: Vec<_> = d.branches.iter().flat_map(|b| &b.cards).collect();
        let card_ids: BTreeSet<_> = cards.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(card_ids.len(), cards.len(), "{}: card ids", d.name);
        for c in cards {
            match &c.kind {
                CardKind::Question { buttons, .. } => {
                    let ids: BTreeSet<_> = buttons.iter().map(|b| b.id.as_str()).collect();
                    let labels: BTreeSet<_> = buttons.iter().map(|b| b.label.as_str()).collect();
                    assert_eq!(ids.len(), buttons.len(), "{}: {} button ids", d.name, c.id);
                    assert_eq!(labels.len(), buttons.len(), "{}: {} labels", d.name, c.id);
                }
                CardKind::InfoCapture { fields, .. } => {
                    let keys: BTreeSet<_> = fields.iter().map(|f| f.key.as_str()).collect();
                    let labels: BTreeSet<_> = fields.iter().map(|f| f.label.as_str()).collect();
                    assert_eq!(keys.len(), fields.len(), "{}: {} field keys", d.name, c.id);
                    assert_eq!(labels.len(), fields.len(), "{}: {} labels", d.name, c.id);
                }
                CardKind::Message { .. } | CardKind::LiveChat { .. } => {}
            }
        }
    }
}

#[test]
fn every_template_shows_the_designer_each_kind_of_card() {
    for d in all() {
        let cards: Vec<_> = d.branches.iter().flat_map(|b| &b.cards).collect();
        assert!(d.branches.len() >= 4, "{}: several branches", d.name);
        assert!(
            cards.iter().any(|c| matches!(&c.kind,
                CardKind::Question { buttons, .. } if buttons.iter().all(|b| b.goto.is_some()))),
            "{}: a question whose buttons open branches",
            d.name
        );
        assert!(
            cards.iter().any(|c| matches!(&c.kind,
                CardKind::InfoCapture { fields, .. } if fields.iter().any(|f| f.key == "email"))),
            "{}: an info capture asking for an email",
            d.name
        );
        let live: Vec<_> = cards
            .iter()
            .filter_map(|c| match &c.kind {
                CardKind::LiveChat {
                    routing,
                    when_unavailable,
                    ..
                } => Some((routing, when_unavailable)),
                _ => None,
            })
            .collect();
        assert!(!live.is_empty(), "{}: a live chat card", d.name);
        for (routing, unavailable) in live {
            assert_eq!(routing, &Routing::RoundRobin, "{}", d.name);
            let offline = unavailable.as_deref().and_then(|b| d.branch(b));
            assert!(offline.is_some(), "{}: an offline branch", d.name);
        }
    }
}

#[test]
fn the_json_round_trips() {
    for d in all() {
        let json = serde_json::to_string(&d).expect("serializes");
        let back: Dialogue = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, d);
    }
}
