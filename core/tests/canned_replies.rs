//! Canned replies: what a valid reply is, the limits and unique shortcuts, the composer's search
//! and the placeholders filled from the chat.

use std::collections::BTreeMap;

use parlor_core::canned::{
    fill, first_name, search, CannedError, CannedReply, FillContext, Scope, MAX_PERSONAL,
    MAX_RESULTS, MAX_TEXT, MAX_WORKSPACE, PLACEHOLDERS,
};
use proptest::prelude::*;

fn reply(id: &str, shortcut: &str, text: &str, scope: Scope) -> CannedReply {
    CannedReply {
        id: id.into(),
        shortcut: shortcut.into(),
        text: text.into(),
        scope,
    }
}

fn ctx<'a>(first: Option<&'a str>, agent: &'a str) -> FillContext<'a> {
    FillContext {
        first_name: first,
        agent_name: agent,
    }
}

#[test]
fn the_json_shape_is_snake_case() {
    let r = reply("cr_1", "hello", "Hi!", Scope::Personal);
    let v = serde_json::to_value(&r).expect("json");
    assert_eq!(
        v,
        serde_json::json!({"id": "cr_1", "shortcut": "hello", "text": "Hi!", "scope": "personal"})
    );
    let back: CannedReply = serde_json::from_value(
        serde_json::json!({"id": "x", "shortcut": "a", "text": "b", "scope": "workspace"}),
    )
    .expect("read");
    assert_eq!(back.scope, Scope::Workspace);
}

#[test]
fn shortcuts_are_1_to_32_of_a_z_0_9_dash_underscore() {
    let new = |s: &str| CannedReply::new("i", s, "text", Scope::Personal);
    for ok in ["a", "hello", "refund-policy", "step_2", &"x".repeat(32)] {
        assert!(new(ok).is_ok(), "{ok}");
    }
    // Spaces around it are not part of it.
    assert_eq!(new("  hello ").map(|r| r.shortcut), Ok("hello".into()));
    for bad in [
        "",
        " ",
        "Hello",
        "with space",
        "/hello",
        "é",
        "a.b",
        &"x".repeat(33),
    ] {
        assert_eq!(new(bad), Err(CannedError::BadShortcut), "{bad:?}");
    }
}

#[test]
fn text_is_trimmed_and_1_to_2000_bytes() {
    let new = |t: &str| CannedReply::new("i", "s", t, Scope::Workspace);
    assert_eq!(new("  Hi there \n").map(|r| r.text), Ok("Hi there".into()));
    assert_eq!(new(" \n\t "), Err(CannedError::EmptyText));
    assert!(new(&"x".repeat(MAX_TEXT)).is_ok());
    // Bytes, not characters: 1,000 é are 2,000 bytes, 1,001 are too many.
    assert!(new(&"é".repeat(1000)).is_ok());
    assert_eq!(new(&"é".repeat(1001)), Err(CannedError::TextTooLong(2002)));
    // Spaces around the text do not count.
    assert!(new(&format!("  {}  ", "x".repeat(MAX_TEXT))).is_ok());
    let e = new(&"x".repeat(MAX_TEXT + 1)).expect_err("too long");
    assert!(e.to_string().contains("2001"), "{e}");
    assert!(!e.is_conflict());
}

#[test]
fn a_shortcut_is_unique_within_what_one_agent_sees() {
    let ws = reply("w1", "hello", "Hi!", Scope::Workspace);
    let mine = reply("p1", "refund", "Refunds…", Scope::Personal);
    // A personal reply may not reuse a workspace shortcut, nor one of the agent's own.
    let again = reply("p2", "hello", "Hey", Scope::Personal);
    let e = again
        .check_among(&[ws.clone(), mine.clone()])
        .expect_err("dup");
    assert_eq!(e, CannedError::Duplicate("hello".into()));
    assert!(e.is_conflict());
    assert!(e.to_string().contains("/hello"));
    assert!(reply("p2", "refund", "x", Scope::Personal)
        .check_among(&[ws.clone(), mine.clone()])
        .is_err());
    // A workspace reply may not reuse an agent's personal shortcut either.
    assert!(reply("w2", "refund", "x", Scope::Workspace)
        .check_among(&[ws.clone(), mine.clone()])
        .is_err());
    // Changing a reply keeps its own shortcut.
    assert!(reply("w1", "hello", "Hello!", Scope::Workspace)
        .check_among(&[ws.clone(), mine.clone()])
        .is_ok());
    assert!(reply("p3", "bye", "Bye", Scope::Personal)
        .check_among(&[ws, mine])
        .is_ok());
}

#[test]
fn at_most_200_workspace_and_100_personal_replies() {
    let many = |n: usize, scope: Scope| -> Vec<CannedReply> {
        (0..n)
            .map(|i| reply(&format!("r{i}"), &format!("s{i}"), "t", scope))
            .collect()
    };
    let full = many(MAX_WORKSPACE, Scope::Workspace);
    let new = reply("new", "new", "t", Scope::Workspace);
    assert_eq!(new.check_among(&full), Err(CannedError::TooManyWorkspace));
    assert!(new.check_among(&full[1..]).is_ok());
    // A change of a stored reply is no new reply.
    let change = reply("r0", "s0", "changed", Scope::Workspace);
    assert!(change.check_among(&full).is_ok());

    let mut seen = many(MAX_PERSONAL, Scope::Personal);
    seen.extend(many(3, Scope::Workspace).into_iter().map(|mut r| {
        r.id.push('w');
        r.shortcut.push('w');
        r
    }));
    let new = reply("new", "new", "t", Scope::Personal);
    assert_eq!(new.check_among(&seen), Err(CannedError::TooManyPersonal));
    // Personal replies do not count against the workspace's limit.
    assert!(reply("new", "new", "t", Scope::Workspace)
        .check_among(&seen)
        .is_ok());
}

#[test]
fn search_ranks_prefix_then_contains_then_text_personal_first() {
    let replies = vec![
        reply(
            "1",
            "thanks",
            "Thank you for waiting, {first_name}.",
            Scope::Workspace,
        ),
        reply("2", "say-hello", "Hi there!", Scope::Workspace),
        reply("3", "hello", "Hello {first_name}!", Scope::Workspace),
        reply("4", "help", "How can I help?", Scope::Workspace),
        reply("5", "hello-me", "Hey, {agent_name} here.", Scope::Personal),
        reply("6", "bye", "Hello again soon", Scope::Personal),
    ];
    let ids = |q: &str| {
        search(&replies, q)
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
    };
    // Prefix (personal first), then contains, then text.
    assert_eq!(ids("hel"), ["5", "3", "4", "2", "6"]);
    assert_eq!(ids("HEL"), ids("hel"), "case-insensitive");
    assert_eq!(ids(" hel "), ids("hel"));
    assert_eq!(ids("waiting"), ["1"]);
    assert_eq!(ids("zzz"), Vec::<&str>::new());
    // An empty query lists everything, personal first, at most 8.
    assert_eq!(ids(""), ["5", "6", "1", "2", "3", "4"]);
    let many: Vec<_> = (0..20)
        .map(|i| reply(&i.to_string(), &format!("r{i}"), "t", Scope::Workspace))
        .collect();
    assert_eq!(search(&many, "r").len(), MAX_RESULTS);
}

#[test]
fn first_name_is_the_first_word_of_what_is_known() {
    let fields = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(
        first_name(&fields(&[("first_name", " Ann Marie ")]), None),
        Some("Ann")
    );
    assert_eq!(
        first_name(&fields(&[("name", "Bob Stone")]), Some("Zed")),
        Some("Bob")
    );
    assert_eq!(
        first_name(&fields(&[("name", "  ")]), Some("Zoe Lane")),
        Some("Zoe")
    );
    assert_eq!(first_name(&fields(&[("email", "a@b.c")]), None), None);
}

#[test]
fn fill_examples() {
    assert_eq!(
        fill(
            "Hi {first_name}, I'm {agent_name}.",
            &ctx(Some("Ann"), "Alice")
        ),
        "Hi Ann, I'm Alice."
    );
    assert_eq!(
        fill("Hi {first_name}, how can I help?", &ctx(None, "Alice")),
        "Hi, how can I help?"
    );
    assert_eq!(fill("Hi {first_name}", &ctx(Some("  "), "A")), "Hi");
    // Unknown placeholders and stray braces stay.
    assert_eq!(
        fill("{x} {first_name {agent_name}}", &ctx(Some("Ann"), "Al")),
        "{x} {first_name Al}"
    );
    // A name cannot spell a placeholder; a removed one cannot leave one behind.
    assert_eq!(
        fill("{first_name}", &ctx(Some("{agent_name}"), "Al")),
        "agent_name"
    );
    assert_eq!(fill("{first_{first_name}name}", &ctx(None, "Al")), "");
}

/// Text made of placeholder pieces, braces, words, spaces, commas and newlines, so that
/// placeholders, near-placeholders and splices of them are common.
fn template() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{first_name}".to_owned()),
        Just("{agent_name}".to_owned()),
        Just("{first_".to_owned()),
        Just("name}".to_owned()),
        Just("{x}".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just(", ".to_owned()),
        Just(" ".to_owned()),
        Just("\n".to_owned()),
        "[a-zA-Zé,!. ]{0,6}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn fill_never_leaves_a_known_placeholder(
        text in template(),
        first in prop::option::of("[^{}]{0,12}|\\{agent_name\\}|\\{first_name\\}"),
        agent in "[^{}]{0,12}|\\{first_name\\}",
    ) {
        let out = fill(&text, &ctx(first.as_deref(), &agent));
        for p in PLACEHOLDERS {
            prop_assert!(!out.contains(p), "{text:?} → {out:?}");
        }
        // Filling what is filled changes nothing.
        prop_assert_eq!(fill(&out, &ctx(first.as_deref(), &agent)), out.clone());
    }

    #[test]
    fn fill_leaves_unknown_placeholders_untouched(
        words in prop::collection::vec("[a-z ]{0,8}", 1..6),
        name in "[a-z_]{1,10}",
        first in prop::option::of("[A-Za-z]{1,8}"),
    ) {
        prop_assume!(name != "first_name" && name != "agent_name");
        let unknown = format!("{{{name}}}");
        let text = words.join(&unknown);
        let out = fill(&text, &ctx(first.as_deref(), "Alice"));
        prop_assert_eq!(out, text);
    }

    #[test]
    fn fill_never_panics(text in any::<String>(), first in prop::option::of(any::<String>()), agent in any::<String>()) {
        let _ = fill(&text, &ctx(first.as_deref(), &agent));
    }

    #[test]
    fn search_returns_only_matches_and_at_most_8(
        shortcuts in prop::collection::vec("[a-z0-9_-]{1,8}", 0..40),
        texts in prop::collection::vec("[a-zA-Z ]{1,20}", 40),
        query in "[a-zA-Z -]{0,4}",
    ) {
        let replies: Vec<_> = shortcuts
            .iter()
            .enumerate()
            .map(|(i, s)| reply(
                &i.to_string(),
                s,
                &texts[i],
                if i % 3 == 0 { Scope::Personal } else { Scope::Workspace },
            ))
            .collect();
        let found = search(&replies, &query);
        prop_assert!(found.len() <= MAX_RESULTS);
        let q = query.trim().to_ascii_lowercase();
        for r in &found {
            prop_assert!(
                r.shortcut.to_ascii_lowercase().contains(&q) || r.text.to_ascii_lowercase().contains(&q),
                "{r:?} does not match {query:?}"
            );
        }
        // Each reply at most once; everything matching is found when it fits.
        let mut ids: Vec<_> = found.iter().map(|r| r.id.clone()).collect();
        ids.sort();
        ids.dedup();
        prop_assert_eq!(ids.len(), found.len());
        let matching = replies
            .iter()
            .filter(|r| r.shortcut.to_ascii_lowercase().contains(&q) || r.text.to_ascii_lowercase().contains(&q))
            .count();
        prop_assert_eq!(found.len(), matching.min(MAX_RESULTS));
    }
}
