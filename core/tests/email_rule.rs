//! The one email rule (`dialogue::looks_like_email`) at its edges, and the places that use it.

use parlor_core::dialogue::{looks_like_email, MAX_EMAIL_CHARS};
use parlor_core::settings::WorkspaceSettings;

#[test]
fn a_one_letter_top_level_domain_is_refused() {
    assert!(!looks_like_email("a@b.c"));
    assert!(looks_like_email("a@b.co"));
    assert!(!looks_like_email("a@b.c0"), "the last label is letters");
    assert!(looks_like_email("a@b.xn--p1ai"), "or punycode");
}

#[test]
fn whitespace_anywhere_is_refused_so_callers_trim() {
    for bad in [
        " a@b.co",
        "a@b.co ",
        "a b@c.co",
        "a@b .co",
        "a@b.co\n",
        "a\t@b.co",
        "a\u{a0}@b.co",
        "a@b\u{3000}.co",
        "a\u{7}@b.co",
    ] {
        assert!(!looks_like_email(bad), "{bad:?}");
    }
}

#[test]
fn exactly_one_at_with_something_on_both_sides() {
    for bad in ["", "@", "a", "ab.co", "@b.co", "a@", "a@@b.co", "a@b@c.co"] {
        assert!(!looks_like_email(bad), "{bad:?}");
    }
}

#[test]
fn domain_labels_are_whole() {
    for bad in [
        "a@b.co.",
        "a@.b.co",
        "a@b..co",
        "a@-b.co",
        "a@b-.co",
        "a@b_c.co",
        "a@b.co/x",
        "a@[1.2.3.4]",
    ] {
        assert!(!looks_like_email(bad), "{bad:?}");
    }
    assert!(looks_like_email("a@b-c.d-e.co"));
    assert!(looks_like_email("a@1.2.co"));
}

#[test]
fn the_local_part_is_loose_and_unicode_is_welcome() {
    for ok in [
        "first.last+tag@sub.example.com",
        "o'brien@example.ie",
        "\"quoted\"@example.com",
        "élise@exemple.fr",
        "x@bücher.de",
        "用户@例子.广告",
        "a.@b.co",
    ] {
        assert!(looks_like_email(ok), "{ok:?}");
    }
    assert!(looks_like_email(&format!("{}@b.co", "a".repeat(64))));
    assert!(!looks_like_email(&format!("{}@b.co", "a".repeat(65))));
}

#[test]
fn at_most_254_characters() {
    let domain = |n: usize| format!("{}.com", "b".repeat(n - 4));
    let at_limit = format!("{}@{}", "a".repeat(64), domain(MAX_EMAIL_CHARS - 65));
    assert_eq!(at_limit.chars().count(), MAX_EMAIL_CHARS);
    assert!(looks_like_email(&at_limit));
    let over = format!("{}@{}", "a".repeat(64), domain(MAX_EMAIL_CHARS - 64));
    assert!(!looks_like_email(&over));
    // Characters, not bytes: a long unicode domain within 254 characters passes.
    let wide = format!("a@{}.de", "ü".repeat(200));
    assert!(wide.len() > MAX_EMAIL_CHARS && looks_like_email(&wide));
}

#[test]
fn notification_emails_follow_the_same_rule() {
    let mut s = WorkspaceSettings {
        notification_emails: vec!["ops@example.com".into()],
        ..WorkspaceSettings::default()
    };
    assert_eq!(s.validate(), Ok(()));
    for bad in ["ops@b.c", "ops@example.com.", "ops@example"] {
        s.notification_emails = vec![bad.into()];
        assert!(s.validate().is_err(), "{bad}");
    }
}
