//! Which dialogue a page shows.

use parlor_core::dialogue::{matches, page_address, select, targeted, Dialogue, UrlMatch};

fn d(id: &str, targeting: Vec<UrlMatch>) -> Dialogue {
    Dialogue {
        id: id.into(),
        name: id.into(),
        targeting,
        branches: Vec::new(),
    }
}

#[test]
fn no_rules_match_every_page() {
    assert!(matches(&[], "https://ex.com/anything?x=1"));
    assert!(matches(&[], ""));
}

#[test]
fn exact_matches_the_path_tolerating_full_urls_queries_and_slashes() {
    let rules = [UrlMatch::Exact("/pricing".into())];
    assert!(matches(&rules, "https://ex.com/pricing"));
    assert!(matches(&rules, "https://ex.com/pricing/"));
    assert!(matches(
        &rules,
        "https://ex.com/pricing?utm_source=ads#plans"
    ));
    assert!(matches(&rules, "/Pricing"));
    assert!(!matches(&rules, "https://ex.com/pricing/teams"));
    assert!(!matches(&rules, "https://ex.com/"));
    // A rule with a query matches that query only.
    let rules = [UrlMatch::Exact("/p?plan=pro".into())];
    assert!(matches(&rules, "https://ex.com/p?plan=pro"));
    assert!(!matches(&rules, "https://ex.com/p?plan=free"));
    // A rule pasted as a full URL or without its slash.
    assert!(matches(
        &[UrlMatch::Exact("https://ex.com/pricing".into())],
        "/pricing"
    ));
    assert!(matches(&[UrlMatch::Exact("pricing".into())], "/pricing"));
    assert!(matches(&[UrlMatch::Exact("/".into())], "https://ex.com"));
    assert!(matches(
        &[UrlMatch::Exact("/".into())],
        "https://ex.com?x=1"
    ));
}

#[test]
fn prefix_and_contains() {
    let prefix = [UrlMatch::Prefix("/blog/".into())];
    assert!(matches(&prefix, "https://ex.com/blog/post-1"));
    assert!(!matches(&prefix, "https://ex.com/about/blog/"));
    let contains = [UrlMatch::Contains("utm_campaign=spring".into())];
    assert!(matches(
        &contains,
        "https://ex.com/?utm_campaign=spring&x=1"
    ));
    assert!(!matches(&contains, "https://ex.com/spring"));
    // Host names are not part of what is matched.
    assert!(!matches(
        &[UrlMatch::Contains("ex.com".into())],
        "https://ex.com/a"
    ));
}

#[test]
fn any_rule_may_match() {
    let rules = [UrlMatch::Exact("/a".into()), UrlMatch::Prefix("/b".into())];
    assert!(matches(&rules, "/b/c"));
    assert!(matches(&rules, "/a"));
    assert!(!matches(&rules, "/c"));
}

#[test]
fn select_takes_the_first_match_in_order() {
    let ds = [
        d("pricing", vec![UrlMatch::Prefix("/pricing".into())]),
        d("fallback", vec![]),
        d("never", vec![UrlMatch::Prefix("/pricing".into())]),
    ];
    let pick = |url| select(&ds, url).map(|d| d.id.as_str());
    assert_eq!(pick("https://ex.com/pricing/teams"), Some("pricing"));
    assert_eq!(pick("https://ex.com/"), Some("fallback"));
    assert_eq!(select(&ds[2..], "/blog"), None);
}

#[test]
fn targeted_says_whether_some_dialogue_would_be_shown() {
    let pricing = vec![UrlMatch::Prefix("/pricing".into())];
    let careers = vec![UrlMatch::Exact("/careers".into())];
    let rules = [pricing.as_slice(), careers.as_slice()];
    assert!(targeted(rules, "https://ex.com/pricing/teams"));
    assert!(targeted(rules, "/careers/"));
    assert!(!targeted(rules, "https://ex.com/blog"));
    // No dialogue at all: no page is targeted; a dialogue with no rules targets every page.
    assert!(!targeted(std::iter::empty::<&[UrlMatch]>(), "/"));
    assert!(targeted([[].as_slice()], "/anything"));
}

#[test]
fn a_page_is_kept_without_its_fragment() {
    assert_eq!(
        page_address("https://ex.com/pricing?utm_source=ads#access_token=secret"),
        "https://ex.com/pricing?utm_source=ads"
    );
    assert_eq!(page_address("https://ex.com/a#b#c"), "https://ex.com/a");
    assert_eq!(page_address("https://ex.com/"), "https://ex.com/");
}

proptest::proptest! {
    /// The availability read's `targeted` and the start's choice never disagree: a launcher is
    /// drawn exactly where starting finds a dialogue.
    #[test]
    fn targeted_agrees_with_select(
        sets in proptest::collection::vec(
            proptest::collection::vec((0u8..3, "(/?[a-c]{0,3}(/[a-c]{1,2})?(\\?p=[ab])?)"), 0..3),
            0..4,
        ),
        page in "(https://ex\\.com)?/[a-cA-C/]{0,6}(\\?p=[ab])?(#x)?",
    ) {
        let dialogues: Vec<Dialogue> = sets
            .iter()
            .enumerate()
            .map(|(i, rules)| {
                let rules = rules
                    .iter()
                    .map(|(kind, v)| match kind {
                        0 => UrlMatch::Exact(v.clone()),
                        1 => UrlMatch::Prefix(v.clone()),
                        _ => UrlMatch::Contains(v.clone()),
                    })
                    .collect();
                d(&format!("d{i}"), rules)
            })
            .collect();
        let rule_sets = dialogues.iter().map(|d| d.targeting.as_slice());
        proptest::prop_assert_eq!(targeted(rule_sets, &page), select(&dialogues, &page).is_some());
    }
}
