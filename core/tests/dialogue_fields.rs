//! What a visitor types into an info capture form.

use std::collections::BTreeMap;

use parlor_core::dialogue::{validate_capture, FieldKind, FieldSpec};
use parlor_core::protocol::FieldError;

fn field(key: &str, kind: FieldKind, required: bool) -> FieldSpec {
    FieldSpec {
        key: key.into(),
        kind,
        label: key.replace('_', " "),
        required,
    }
}

fn spec() -> Vec<FieldSpec> {
    vec![
        field("first_name", FieldKind::FirstName, true),
        field("email", FieldKind::Email, true),
        field("phone", FieldKind::Phone, false),
        field("company", FieldKind::Company, false),
        field("budget", FieldKind::Custom, false),
    ]
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn err(key: &str, message: &str) -> FieldError {
    FieldError {
        key: key.into(),
        message: message.into(),
    }
}

#[test]
fn valid_values_are_trimmed_and_empty_optionals_dropped() {
    let got = validate_capture(
        &spec(),
        &values(&[
            ("first_name", "  Ada "),
            ("email", "ada@example.com "),
            ("phone", "+44 20 7946 0958"),
            ("company", "   "),
        ]),
    );
    assert_eq!(
        got,
        Ok(values(&[
            ("first_name", "Ada"),
            ("email", "ada@example.com"),
            ("phone", "+44 20 7946 0958"),
        ]))
    );
}

#[test]
fn required_fields_must_be_given() {
    let got = validate_capture(&spec(), &values(&[("email", " ")]));
    assert_eq!(
        got,
        Err(vec![
            err("first_name", "Please enter your first name."),
            err("email", "Please enter your email address."),
        ])
    );
    let custom = [FieldSpec {
        key: "budget".into(),
        kind: FieldKind::Custom,
        label: "Budget".into(),
        required: true,
    }];
    assert_eq!(
        validate_capture(&custom, &BTreeMap::new()),
        Err(vec![err(
            "budget",
            "Please fill in \u{201c}Budget\u{201d}."
        )])
    );
}

#[test]
fn emails_must_look_like_emails() {
    for bad in [
        "ada",
        "ada@",
        "ada@example",
        "ada @example.com",
        "a@b@c.com",
    ] {
        let got = validate_capture(&spec(), &values(&[("first_name", "Ada"), ("email", bad)]));
        assert_eq!(
            got,
            Err(vec![err(
                "email",
                "This doesn't look like an email address."
            )]),
            "{bad}"
        );
    }
}

#[test]
fn phones_must_look_like_phones() {
    let got = validate_capture(
        &spec(),
        &values(&[
            ("first_name", "Ada"),
            ("email", "a@b.co"),
            ("phone", "12-34"),
        ]),
    );
    assert_eq!(
        got,
        Err(vec![err("phone", "This doesn't look like a phone number.")])
    );
}

#[test]
fn lengths_are_bounded() {
    let long_name = "a".repeat(101);
    let long_custom = "b".repeat(501);
    let got = validate_capture(
        &spec(),
        &values(&[
            ("first_name", &long_name),
            ("email", "a@b.co"),
            ("budget", &long_custom),
        ]),
    );
    assert_eq!(
        got,
        Err(vec![
            err("first_name", "Please keep this under 100 characters."),
            err("budget", "Please keep this under 500 characters."),
        ])
    );
    let ok_custom = "b".repeat(500);
    assert!(validate_capture(
        &spec(),
        &values(&[
            ("first_name", "Ada"),
            ("email", "a@b.co"),
            ("budget", &ok_custom)
        ])
    )
    .is_ok());
}

#[test]
fn unknown_keys_are_refused() {
    let got = validate_capture(
        &spec(),
        &values(&[
            ("first_name", "Ada"),
            ("email", "a@b.co"),
            ("is_admin", "yes"),
        ]),
    );
    assert_eq!(
        got,
        Err(vec![err("is_admin", "This field is not part of the form.")])
    );
}

#[test]
fn a_field_kinds_key_is_its_name_on_the_wire_and_reads_back() {
    for kind in FieldKind::ALL {
        let wire = serde_json::to_string(&kind).unwrap();
        assert_eq!(wire, format!("\"{}\"", kind.key()), "{kind:?}");
        assert_eq!(FieldKind::from_key(kind.key()), Some(kind));
    }
    assert_eq!(FieldKind::from_key("fax"), None);
    assert_eq!(FieldKind::from_key(""), None);
}

#[test]
fn every_field_kind_is_listed_once() {
    // A kind added to the enum fails to compile here until it is listed in `ALL` as well.
    let listed = |k: FieldKind| match k {
        FieldKind::FirstName
        | FieldKind::LastName
        | FieldKind::Email
        | FieldKind::JobTitle
        | FieldKind::Company
        | FieldKind::Phone
        | FieldKind::Custom => FieldKind::ALL.iter().filter(|&&l| l == k).count(),
    };
    for kind in FieldKind::ALL {
        assert_eq!(listed(kind), 1, "{kind:?}");
    }
}
