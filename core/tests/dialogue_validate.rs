//! Saving a dialogue: every error and warning of `validate`.

use parlor_core::dialogue::{validate, Dialogue, IssueCode, Report, MAX_CARDS};
use serde_json::{json, Value};

fn dialogue(branches: Value) -> Dialogue {
    serde_json::from_value(json!({"id": "d1", "name": "Test", "branches": branches}))
        .expect("dialogue json")
}

fn msg(id: &str) -> Value {
    json!({"id": id, "kind": "message", "text": "Hello"})
}

fn question(id: &str, buttons: Value) -> Value {
    json!({"id": id, "kind": "question", "text": "Talk to us?", "buttons": buttons})
}

fn capture(id: &str) -> Value {
    json!({"id": id, "kind": "info_capture", "text": "Who are you?", "fields": [
        {"key": "first_name", "kind": "first_name", "label": "First name", "required": true},
        {"key": "email", "kind": "email", "label": "Email", "required": true}
    ]})
}

fn live(id: &str) -> Value {
    json!({"id": id, "kind": "live_chat", "text": "Connecting", "routing": {"mode": "round_robin"}})
}

/// The best-practice dialogue: question, then capture, then live chat.
fn good() -> Value {
    json!([
        {"id": "main", "cards": [msg("m1"), question("q1", json!([
            {"id": "yes", "label": "Yes", "goto": "sales"},
            {"id": "no", "label": "No"}
        ])), msg("m2")]},
        {"id": "sales", "cards": [capture("ic1"), live("lc1")]}
    ])
}

fn codes(issues: &[parlor_core::dialogue::Issue]) -> Vec<&'static str> {
    issues.iter().map(|i| i.code.as_str()).collect()
}

fn errors(branches: Value) -> Vec<&'static str> {
    codes(&validate(&dialogue(branches)).errors)
}

fn report(branches: Value) -> Report {
    validate(&dialogue(branches))
}

#[test]
fn a_good_dialogue_has_no_issues() {
    assert_eq!(report(good()), Report::default());
}

#[test]
fn live_chat_must_be_last_of_its_branch() {
    let r = report(json!([
        {"id": "main", "cards": [question("q1", json!([{"id": "b", "label": "Pricing", "goto": "pricing"}]))]},
        {"id": "pricing", "cards": [capture("ic1"), live("lc1"), msg("m3")]}
    ]));
    assert_eq!(codes(&r.errors), ["live_chat_not_last"]);
    let issue = &r.errors[0];
    assert_eq!(issue.branch.as_deref(), Some("pricing"));
    assert_eq!(issue.card.as_ref().map(|c| c.as_str()), Some("lc1"));
    assert_eq!(
        issue.message,
        "Branch \"pricing\": card \"lc1\" (live chat) must be the last card of its branch; card \"m3\" comes after it."
    );
}

#[test]
fn structure_errors() {
    assert_eq!(
        errors(json!([{"id": "other", "cards": [msg("m1")]}])),
        ["missing_start_branch"]
    );
    assert!(errors(json!([{"id": "main", "cards": []}])).contains(&"empty_branch"));
    assert_eq!(
        errors(json!([{"id": "main", "cards": [msg("m1")]}, {"id": "main", "cards": [msg("m2")]}])),
        ["duplicate_branch_id"]
    );
    let mut g = good();
    g[1]["cards"][0]["id"] = json!("m1");
    assert_eq!(errors(g), ["duplicate_card_id"]);
}

#[test]
fn buttons_must_lead_somewhere_known_and_be_unique() {
    assert_eq!(
        errors(
            json!([{"id": "main", "cards": [question("q1", json!([{"id": "b", "label": "B", "goto": "nowhere"}]))]}])
        ),
        ["unknown_branch"]
    );
    assert_eq!(
        errors(
            json!([{"id": "main", "cards": [question("q1", json!([{"id": "b", "label": "B"}, {"id": "b", "label": "C"}]))]}])
        ),
        ["duplicate_button_id"]
    );
    assert_eq!(
        errors(json!([{"id": "main", "cards": [question("q1", json!([]))]}])),
        ["question_without_buttons"]
    );
}

#[test]
fn texts_must_not_be_empty() {
    assert_eq!(
        errors(json!([{"id": "main", "cards": [{"id": "m", "kind": "message", "text": " "}]}])),
        ["empty_text"]
    );
    assert_eq!(
        errors(
            json!([{"id": "main", "cards": [{"id": "q", "kind": "question", "text": "", "buttons": [{"id": "b", "label": "B"}]}]}])
        ),
        ["empty_text"]
    );
}

#[test]
fn capture_fields_are_checked() {
    let card = |fields: Value| json!([{"id": "main", "cards": [{"id": "ic", "kind": "info_capture", "text": "t", "fields": fields}]}]);
    assert_eq!(errors(card(json!([]))), ["capture_without_fields"]);
    assert_eq!(
        errors(card(json!([
            {"key": "email", "kind": "email", "label": "Email"},
            {"key": "email", "kind": "email", "label": "Email again"}
        ]))),
        ["duplicate_field_key"]
    );
    let r = validate(&dialogue(card(
        json!([{"key": "", "kind": "custom", "label": "Budget"}]),
    )));
    assert_eq!(codes(&r.errors), ["missing_field_key"]);
    assert!(
        r.errors[0].message.contains("custom field \"Budget\""),
        "{}",
        r.errors[0].message
    );
}

#[test]
fn branch_cycles_are_errors() {
    let r = report(json!([
        {"id": "main", "cards": [question("q1", json!([{"id": "more", "label": "More", "goto": "more"}]))]},
        {"id": "more", "cards": [question("q2", json!([{"id": "back", "label": "Back", "goto": "main"}]))]}
    ]));
    assert_eq!(codes(&r.errors), ["branch_cycle"]);
    assert_eq!(r.errors[0].branch.as_deref(), Some("more"));
    assert_eq!(r.errors[0].card.as_ref().map(|c| c.as_str()), Some("q2"));
    assert!(
        r.errors[0].message.contains("button \"back\""),
        "{}",
        r.errors[0].message
    );
    // A button back to its own branch loops too.
    assert_eq!(
        errors(
            json!([{"id": "main", "cards": [question("q1", json!([{"id": "again", "label": "Again", "goto": "main"}]))]}])
        ),
        ["branch_cycle"]
    );
}

#[test]
fn two_buttons_to_one_branch_are_not_a_cycle() {
    let r = report(json!([
        {"id": "main", "cards": [question("q1", json!([
            {"id": "a", "label": "A", "goto": "x"},
            {"id": "b", "label": "B", "goto": "y"}
        ]))]},
        {"id": "x", "cards": [question("q2", json!([{"id": "c", "label": "C", "goto": "y"}]))]},
        {"id": "y", "cards": [msg("m")]}
    ]));
    assert!(r.errors.is_empty(), "{r:?}");
}

#[test]
fn unreachable_branches_are_warnings() {
    let r = report(
        json!([{"id": "main", "cards": [msg("m1")]}, {"id": "orphan", "cards": [msg("m2")]}]),
    );
    assert!(r.is_ok());
    assert_eq!(codes(&r.warnings), ["unreachable_branch"]);
    assert_eq!(r.warnings[0].branch.as_deref(), Some("orphan"));
}

#[test]
fn sizes_are_bounded() {
    let many: Vec<Value> = (0..=MAX_CARDS).map(|i| msg(&format!("m{i}"))).collect();
    assert_eq!(
        errors(json!([{"id": "main", "cards": many}])),
        ["too_many_cards"]
    );
    let long = json!([{"id": "main", "cards": [{"id": "m", "kind": "message", "text": "x".repeat(2_001)}]}]);
    assert_eq!(errors(long), ["text_too_long"]);
    let buttons: Vec<Value> = (0..11)
        .map(|i| json!({"id": format!("b{i}"), "label": "B"}))
        .collect();
    assert_eq!(
        errors(json!([{"id": "main", "cards": [question("q", json!(buttons))]}])),
        ["too_many_buttons"]
    );
    let fields: Vec<Value> = (0..21)
        .map(|i| json!({"key": format!("k{i}"), "kind": "custom", "label": "F"}))
        .collect();
    assert_eq!(
        errors(
            json!([{"id": "main", "cards": [{"id": "ic", "kind": "info_capture", "text": "", "fields": fields}]}])
        ),
        ["too_many_fields"]
    );
    assert_eq!(
        errors(json!([{"id": "main", "cards": [msg("bad id!")]}])),
        ["invalid_id"]
    );
    assert_eq!(
        errors(json!([{"id": "main", "cards": [msg(&"x".repeat(65))]}])),
        ["invalid_id"]
    );
}

#[test]
fn routing_is_checked() {
    let with = |routing: Value| json!([{"id": "main", "cards": [{"id": "lc", "kind": "live_chat", "text": "", "routing": routing}]}]);
    assert_eq!(
        errors(with(json!({"mode": "agent", "agent": ""}))),
        ["missing_routing_target"]
    );
    assert_eq!(
        errors(with(json!({"mode": "team", "team": " "}))),
        ["missing_routing_target"]
    );
    assert_eq!(
        errors(with(json!({"mode": "rules", "rules": []}))),
        ["no_routing_rules"]
    );
    assert_eq!(
        errors(with(
            json!({"mode": "rules", "rules": [{"conditions": [], "target": {"to": "team", "team": "t"}}]})
        )),
        ["rule_without_conditions"]
    );
    let cond = |op: &str, values: Value| {
        with(json!({"mode": "rules", "rules": [{"conditions": [
            {"subject": {"of": "country"}, "op": op, "values": values}
        ], "target": {"to": "agent", "agent": "a"}}]}))
    };
    assert!(errors(cond("equals", json!(["FR"]))).is_empty());
    assert!(errors(cond("one_of", json!(["FR", "BE"]))).is_empty());
    assert_eq!(errors(cond("one_of", json!([]))), ["condition_values"]);
    assert_eq!(
        errors(cond("equals", json!(["FR", "BE"]))),
        ["condition_values"]
    );
    assert_eq!(errors(cond("contains", json!([]))), ["condition_values"]);
    let rules: Vec<Value> = (0..51)
        .map(|_| json!({"conditions": [{"subject": {"of": "language"}, "op": "equals", "values": ["fr"]}], "target": {"to": "team", "team": "t"}}))
        .collect();
    assert_eq!(
        errors(with(json!({"mode": "rules", "rules": rules}))),
        ["too_many_rules"]
    );
    assert_eq!(
        errors(with(json!({"mode": "rules", "rules": [{"conditions": [
            {"subject": {"of": "field", "key": ""}, "op": "equals", "values": ["x"]}
        ], "target": {"to": "team", "team": "t"}}]}))),
        ["condition_subject"]
    );
}

#[test]
fn best_practice_warnings_name_the_live_chat_card() {
    let r = report(json!([{"id": "main", "cards": [msg("m1"), live("lc1")]}]));
    assert!(r.is_ok());
    assert_eq!(
        codes(&r.warnings),
        [
            "no_question_before_live_chat",
            "no_capture_before_live_chat"
        ]
    );
    assert!(r
        .warnings
        .iter()
        .all(|w| w.card.as_ref().map(|c| c.as_str()) == Some("lc1")));
    assert!(r.warnings[0]
        .message
        .starts_with("Branch \"main\": card \"lc1\" (live chat)"));
}

#[test]
fn a_capture_without_email_does_not_count() {
    let r = report(json!([{"id": "main", "cards": [
        question("q1", json!([{"id": "y", "label": "Yes"}])),
        {"id": "ic", "kind": "info_capture", "text": "t", "fields": [{"key": "first_name", "kind": "first_name", "label": "Name"}]},
        live("lc1")
    ]}]));
    assert_eq!(codes(&r.warnings), ["no_capture_before_live_chat"]);
}

#[test]
fn best_practices_hold_on_every_path() {
    // Through "direct" the live chat is reached without a capture.
    let r = report(json!([
        {"id": "main", "cards": [question("q1", json!([
            {"id": "a", "label": "A", "goto": "form"},
            {"id": "b", "label": "B", "goto": "chat"}
        ]))]},
        {"id": "form", "cards": [capture("ic1"), question("q2", json!([{"id": "go", "label": "Go", "goto": "chat"}]))]},
        {"id": "chat", "cards": [live("lc1")]}
    ]));
    assert_eq!(codes(&r.warnings), ["no_capture_before_live_chat"]);
}

#[test]
fn issues_serialize_with_stable_codes() {
    let r = report(json!([{"id": "main", "cards": [msg("m1"), live("lc1")]}]));
    let v = serde_json::to_value(&r.warnings[0]).expect("json");
    assert_eq!(v["code"], "no_question_before_live_chat");
    assert_eq!(v["branch"], "main");
    assert_eq!(v["card"], "lc1");
    assert_eq!(IssueCode::LiveChatNotLast.to_string(), "live_chat_not_last");
}
