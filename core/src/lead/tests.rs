use std::collections::BTreeMap;

use proptest::prelude::*;

use super::csv::{cell_text, render, row, COLUMNS};
use super::filter::{Cursor, LeadFilter};
use super::*;

fn update(conversation: &str, at: u64, email: &str, outcome: LeadOutcome) -> LeadUpdate {
    LeadUpdate {
        conversation: ConversationId::new(conversation),
        at: Millis(at),
        email: email.to_owned(),
        fields: BTreeMap::from([("email".to_owned(), email.to_owned())]),
        answers: BTreeMap::new(),
        page_url: "https://example.com/pricing?utm_source=news".into(),
        utm: BTreeMap::from([("source".to_owned(), "news".to_owned())]),
        source: LeadSource::Capture,
        outcome,
        message: None,
    }
}

fn fold(updates: &[LeadUpdate]) -> Option<Lead> {
    updates
        .iter()
        .fold(None, |lead, u| Some(merge(lead, u).lead))
}

#[test]
fn the_same_email_in_another_spelling_is_one_lead_counting_each_conversation_once() {
    let a = merge(
        None,
        &update("c1", 10, " Ann@Example.com ", LeadOutcome::NoLiveChat),
    );
    assert!(a.created && a.notify);
    assert_eq!(a.lead.key, "ann@example.com");
    let again = merge(
        Some(a.lead.clone()),
        &update("c1", 10, " Ann@Example.com ", LeadOutcome::NoLiveChat),
    );
    assert!(
        !again.changed && !again.notify,
        "a repeated update changes nothing"
    );
    let b = merge(
        Some(again.lead),
        &update("c2", 20, "ann@example.com", LeadOutcome::NoLiveChat),
    );
    assert!(!b.created && !b.notify);
    assert_eq!(b.lead.conversations, 2);
    assert_eq!(b.lead.last_conversation.as_str(), "c2");
    assert_eq!(
        (b.lead.first_seen, b.lead.last_seen),
        (Millis(10), Millis(20))
    );
    let repeat = merge(
        Some(b.lead.clone()),
        &update("c1", 11, "ann@example.com", LeadOutcome::NoLiveChat),
    );
    assert_eq!(
        repeat.lead.conversations, 2,
        "a late update of a counted conversation"
    );
    assert_eq!(repeat.lead.last_conversation.as_str(), "c2");
}

#[test]
fn outcomes_move_forward_within_a_conversation_and_a_newer_conversation_replaces() {
    let reason = crate::routing::FallbackReason::OutsideHours;
    let lead = fold(&[
        update("c1", 1, "a@b.co", LeadOutcome::NoLiveChat),
        update("c1", 2, "a@b.co", LeadOutcome::Missed { reason }),
        update(
            "c1",
            3,
            "a@b.co",
            LeadOutcome::LeftMessage {
                reason: Some(reason),
            },
        ),
        // Delivered late: the earlier state of the same conversation does not undo it.
        update("c1", 2, "a@b.co", LeadOutcome::Missed { reason }),
    ])
    .unwrap();
    assert_eq!(lead.outcome.code(), "left_message");
    let next = merge(
        Some(lead),
        &update(
            "c2",
            9,
            "a@b.co",
            LeadOutcome::Chatted {
                agent: "Ada".into(),
            },
        ),
    );
    assert_eq!(next.lead.outcome.describe(), "chatted with Ada");
}

#[test]
fn a_new_offline_message_notifies_once() {
    let first = merge(None, &update("c1", 1, "a@b.co", LeadOutcome::NoLiveChat)).lead;
    let mut with_message = update("c1", 2, "a@b.co", LeadOutcome::LeftMessage { reason: None });
    with_message.message = Some("  Call me back  ".into());
    let m = merge(Some(first), &with_message);
    assert!(m.notify && !m.created);
    assert_eq!(m.lead.message.as_deref(), Some("Call me back"));
    assert!(
        !merge(Some(m.lead), &with_message).notify,
        "the same message again"
    );
}

#[test]
fn utm_parameters_come_from_the_query_string_decoded() {
    let utm = utm::from_url(
        "https://x.io/p?a=1&utm_source=news%20letter&UTM_MEDIUM=e+mail&utm_campaign=&utm_term=%E2%9C%93&utm_source=other&utm_x=y#utm_content=no",
    );
    assert_eq!(utm.get("source").map(String::as_str), Some("news letter"));
    assert_eq!(utm.get("medium").map(String::as_str), Some("e mail"));
    assert_eq!(utm.get("term").map(String::as_str), Some("✓"));
    assert!(!utm.contains_key("campaign") && !utm.contains_key("content") && utm.len() == 3);
    assert!(utm::from_url("https://x.io/p").is_empty());
    assert_eq!(
        utm::from_url("?utm_source=%zz%4")
            .get("source")
            .map(String::as_str),
        Some("%zz%4")
    );
}

#[test]
fn formula_cells_are_neutralised() {
    for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
        assert!(
            cell_text(bad).trim_start_matches('"').starts_with('\''),
            "{bad:?}"
        );
    }
    assert_eq!(cell_text("plain"), "plain");
    assert_eq!(cell_text("a,b"), "\"a,b\"");
    assert_eq!(cell_text("say \"hi\""), "\"say \"\"hi\"\"\"");
}

#[test]
fn filters_and_cursor() {
    let mut lead = merge(
        None,
        &update("c1", 100, "ann@example.com", LeadOutcome::NoLiveChat),
    )
    .lead;
    lead.message = Some("Need a quote".into());
    let f = |q: &[(&str, &str)]| LeadFilter::parse(q.iter().copied()).unwrap();
    assert!(f(&[]).matches(&lead));
    assert!(f(&[("q", "QUOTE")]).matches(&lead));
    assert!(!f(&[("q", "nothing")]).matches(&lead));
    assert!(f(&[("from", "100"), ("to", "101")]).matches(&lead));
    assert!(!f(&[("to", "100")]).matches(&lead));
    assert!(f(&[("source", "capture"), ("outcome", "no_live_chat")]).matches(&lead));
    assert!(!f(&[("outcome", "missed")]).matches(&lead));
    assert!(LeadFilter::parse([("source", "web")]).is_err());
    assert!(LeadFilter::parse([("outcome", "won")]).is_err());
    assert!(LeadFilter::parse([("from", "yesterday")]).is_err());
    let c = Cursor::after(&lead);
    assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
    assert!(Cursor::decode("x.y").is_err() && Cursor::decode("12").is_err());
}

#[test]
fn retention_purges_leads_not_seen_for_the_period() {
    let lead = merge(
        None,
        &update("c1", 1_000, "a@b.co", LeadOutcome::NoLiveChat),
    )
    .lead;
    assert!(!is_expired(&lead, None, Millis(u64::MAX)));
    assert!(!is_expired(&lead, Some(Millis(500)), Millis(1_499)));
    assert!(is_expired(&lead, Some(Millis(500)), Millis(1_500)));
    // The cutoff the store deletes by agrees with the rule.
    let cutoff = purge_cutoff(Some(Millis(500)), Millis(1_500)).unwrap();
    assert!(lead.last_seen <= cutoff);
    assert!(purge_cutoff(Some(Millis(500)), Millis(1_499)).is_some_and(|c| lead.last_seen > c));
    assert_eq!(purge_cutoff(None, Millis(9)), None);
    assert_eq!(purge_cutoff(Some(Millis(10)), Millis(9)), None);
}

#[test]
fn erasing_a_conversation_drops_a_lead_it_alone_named() {
    let one = merge(None, &update("c1", 1, "a@b.co", LeadOutcome::NoLiveChat)).lead;
    assert_eq!(
        without_conversation(one.clone(), &ConversationId::new("c1")),
        None
    );
    assert_eq!(
        without_conversation(one.clone(), &ConversationId::new("other")),
        Some(one.clone())
    );
    let two = merge(
        Some(one),
        &update("c2", 2, "a@b.co", LeadOutcome::NoLiveChat),
    )
    .lead;
    let left = without_conversation(two, &ConversationId::new("c2")).expect("c1 still names it");
    assert_eq!(left.conversations, 1);
    assert_eq!(left.last_conversation.as_str(), "c1");
}

/// A strict RFC 4180 reader, for the round trip.
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut chars = s.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                c => cell.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut cell)),
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            c => cell.push(c),
        }
    }
    rows
}

/// What a reader sees of a written cell: the value, with the `'` guard before a formula.
fn as_read(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

fn any_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just(",".to_owned()),
            Just("\"".to_owned()),
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("=".to_owned()),
            Just("+".to_owned()),
            Just("-".to_owned()),
            Just("@".to_owned()),
            Just(" ".to_owned()),
            "[a-zé✓ ]{0,4}",
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn csv_round_trips_any_text(
        email in any_text(),
        message in any_text(),
        field in any_text(),
        answer in any_text(),
    ) {
        let mut u = update("c1", 5, "x@y.co", LeadOutcome::NoLiveChat);
        u.fields.insert("company".into(), field.clone());
        u.answers.insert("Why?".into(), answer);
        u.message = Some(message);
        let mut lead = merge(None, &u).lead;
        lead.email = email;
        lead.message = Some(lead.message.clone().unwrap_or_default());
        let text = render(std::slice::from_ref(&lead));
        let rows = parse_csv(&text);
        prop_assert_eq!(rows.len(), 2);
        prop_assert_eq!(&rows[0], &COLUMNS.iter().map(|c| c.to_string()).collect::<Vec<_>>());
        let expected: Vec<String> = row(&lead).iter().map(|c| as_read(c)).collect();
        prop_assert_eq!(&rows[1], &expected);
        for cell in &rows[1] {
            prop_assert!(!cell.starts_with(['=', '+', '-', '@']), "formula cell {:?}", cell);
        }
    }

    #[test]
    fn merging_in_any_order_gives_the_same_counts_and_span(
        order in Just((0..6usize).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let updates: Vec<LeadUpdate> = (0..6u64)
            .map(|i| update(&format!("c{}", i % 3), 10 + i, "a@b.co", LeadOutcome::NoLiveChat))
            .collect();
        let shuffled: Vec<LeadUpdate> = order.iter().map(|&i| updates[i].clone()).collect();
        let lead = fold(&shuffled).unwrap();
        prop_assert_eq!(lead.conversations, 3);
        prop_assert_eq!(lead.first_seen, Millis(10));
        prop_assert_eq!(lead.last_seen, Millis(15));
        prop_assert_eq!(lead.last_conversation.as_str(), "c2");
    }
}
