//! The designer's inspector: the form for what is selected (the dialogue and its targeting, a
//! branch, or a card), the "test a URL" and "test with a sample visitor" boxes, and the issues
//! core's validator names there.

use parlor_core::dialogue::{CardKind, UrlMatch};
use parlor_core::routing::{Routing, RuleTarget};
use web_sys::Element;

use super::designer::{kind_label, Found};
use crate::admin::designer_events::sel_key;
use crate::admin::edit::{
    kind_key, operator_key, subject_key, CARD_KINDS, FIELD_KINDS, OPERATORS, SUBJECTS, URL_MATCHES,
};
use crate::admin::model::{Editor, Issue, Model, Sel};
use crate::admin::probe;
use crate::dom::{
    button, checkbox, clear, document, el, field, select, set_text, text_el, tr, Res, SetAttr,
};

pub fn render(m: &Model, e: &Editor, report: &Found, aside: &Element) -> Res<()> {
    match e.sel {
        Sel::Card(b, c) if card_exists(e, b, c) => card(m, e, report, b, c, aside),
        Sel::Branch(b) if b < e.dialogue.branches.len() => branch(e, report, b, aside),
        _ => dialogue(m, e, aside),
    }
    answers(m, e)
}

fn card_exists(e: &Editor, b: usize, c: usize) -> bool {
    e.dialogue
        .branches
        .get(b)
        .is_some_and(|br| c < br.cards.len())
}

/// Binds a control to a path of the draft; its id keeps focus across redraws.
fn bound(e: &Element, path: &str) {
    e.set_attr("data-bind", path);
    e.set_attr("id", &format!("f-{}", path.replace('.', "-")));
}

fn opts(list: &[(&str, &str)]) -> Vec<(String, String)> {
    super::opts(list)
}

fn op_button(class: &str, label: &str, op: &str, aria: &str, parent: &Element) -> Element {
    let b = button(class, label, "op", parent);
    b.set_attr("data-op", op);
    if !aria.is_empty() {
        crate::dom::aria(&b, aria);
    }
    b
}

pub fn issue_list(list: &[(&Issue, bool)], parent: &Element) {
    if list.is_empty() {
        return;
    }
    let ul = el("ul", "issues", parent);
    for (i, error) in list {
        let class = if *error {
            "issue-error"
        } else {
            "issue-warning"
        };
        let lead = if *error { "Error" } else { "Best practice" };
        let li = text_el("li", class, &format!("{lead}: {}", i.message), &ul);
        li.set_attr("data-code", &i.code);
    }
}

fn issues_at<'a>(report: &Found<'a>, branch: &str, card: Option<&str>) -> Vec<(&'a Issue, bool)> {
    report
        .all()
        .filter(|(i, _)| i.branch.as_deref() == Some(branch) && i.card.as_deref() == card)
        .collect()
}

/// The selected branch's or card's issues, in a box of their own so a new check redraws
/// only them.
fn issue_box(report: &Found, branch: &str, card: Option<&str>, parent: &Element) {
    let b = el("div", "", parent);
    b.set_attr("id", "inspector-issues");
    b.set_attr("data-branch", branch);
    if let Some(c) = card {
        b.set_attr("data-card", c);
    }
    issue_list(&issues_at(report, branch, card), &b);
}

/// After a new check: the inspector's issue box again.
pub fn refresh(report: &Found) -> Res<()> {
    let Some(b) = document()?.get_element_by_id("inspector-issues") else {
        return Ok(());
    };
    let branch = b.get_attribute("data-branch").unwrap_or_default();
    let card = b.get_attribute("data-card");
    clear(&b);
    issue_list(&issues_at(report, &branch, card.as_deref()), &b);
    Ok(())
}

fn dialogue(m: &Model, e: &Editor, aside: &Element) {
    let d = &e.dialogue;
    text_el("h3", "", "Dialogue", aside);
    let name = field("Name", "input", "name", &d.name, aside);
    bound(&name, "name");
    let adv = el("details", "advanced", aside);
    text_el("summary", "", "Advanced", &adv);
    let id = field("Dialogue id", "input", "id", d.id.as_str(), &adv);
    if e.new {
        bound(&id, "id");
    } else {
        id.set_attr("readonly", "");
    }

    let sec = el("section", "targeting", aside);
    crate::dom::aria(&sec, "Page targeting");
    text_el("h4", "", "Pages that show this dialogue", &sec);
    if d.targeting.is_empty() {
        text_el(
            "p",
            "muted",
            "No page rule: every page of the site shows it.",
            &sec,
        );
    }
    for (i, rule) in d.targeting.iter().enumerate() {
        let row = el("div", "row", &sec);
        let (kind, value) = match rule {
            UrlMatch::Exact(v) => ("exact", v),
            UrlMatch::Prefix(v) => ("prefix", v),
            UrlMatch::Contains(v) => ("contains", v),
        };
        let k = select(
            &format!("Page rule {} — the page", i + 1),
            "url-kind",
            &opts(&URL_MATCHES),
            kind,
            &row,
        );
        bound(&k, &format!("t.{i}.kind"));
        let v = field("URL or path", "input", "url-value", value, &row);
        crate::dom::say(&v, "placeholder", "/pricing");
        bound(&v, &format!("t.{i}.value"));
        op_button(
            "link",
            "Remove",
            &format!("rt.{i}"),
            &format!("Remove page rule {}", i + 1),
            &row,
        );
    }
    op_button("", "Add page rule", "at", "", &sec);
    let probe = field("Test a URL", "input", "probe-url", &e.url_probe, &sec);
    probe.set_attr("id", "probe-url");
    probe.set_attr("data-bind-msg", "probe-url");
    probe.set_attr(
        "placeholder",
        "https://www.example.com/pricing?utm_source=ads",
    );
    let answer = el("p", "probe-answer", &sec);
    answer.set_attr("id", "url-answer");
    answer.set_attr("role", "status");
    let n = m.dialogues.len();
    text_el(
        "p",
        "muted",
        &format!(
            "A page shows the first dialogue, in the order of the Dialogues list ({n} published), whose rules match it."
        ),
        &sec,
    );
    let bar = el("p", "toolbar", aside);
    op_button("", "Add branch", "ab", "", &bar);
}

fn branch(e: &Editor, report: &Found, b: usize, aside: &Element) {
    let br = &e.dialogue.branches[b];
    text_el("h3", "", &format!("Branch “{}”", br.id), aside);
    if b == 0 {
        text_el("p", "muted", "The dialogue starts here.", aside);
    }
    let name = field("Branch name", "input", "branch", &br.id, aside);
    bound(&name, &format!("b.{b}.id"));
    text_el(
        "p",
        "muted",
        "Answers that open this branch follow a new name. Letters, digits, - and _ only.",
        aside,
    );
    issue_box(report, &br.id, None, aside);
    let add = el("div", "toolbar", aside);
    kind_select("New card", &format!("add-kind-{b}"), &add);
    let btn = button("", "Add card at the end", "add-card", &add);
    btn.set_attr("data-b", &b.to_string());
    if b > 0 {
        let del = button("danger", "Delete branch", "ask-delete", aside);
        del.set_attr("data-sel", &sel_key(Sel::Branch(b)));
    }
}

fn card(m: &Model, e: &Editor, report: &Found, b: usize, c: usize, aside: &Element) {
    let d = &e.dialogue;
    let br = &d.branches[b];
    let card = &br.cards[c];
    let p = format!("b.{b}.c.{c}");
    text_el(
        "h3",
        "",
        &format!("{} card · branch “{}”", kind_label(&card.kind), br.id),
        aside,
    );
    issue_box(report, &br.id, Some(card.id.as_str()), aside);
    let k = select(
        "Kind",
        "kind",
        &opts(&CARD_KINDS),
        kind_key(&card.kind),
        aside,
    );
    bound(&k, &format!("{p}.kind"));
    let t = field(
        "Text the visitor reads",
        "textarea",
        "text",
        crate::fmt::card_text(&card.kind),
        aside,
    );
    t.set_attr("rows", "3");
    bound(&t, &format!("{p}.text"));
    let branches: Vec<(String, String)> = std::iter::once((String::new(), "Next card".into()))
        .chain(
            d.branches
                .iter()
                .map(|b| (b.id.clone(), format!("Branch “{}”", b.id))),
        )
        .collect();
    let adv = el("details", "advanced", aside);
    text_el("summary", "", "Advanced", &adv);
    let cid = field("Card id", "input", "card", card.id.as_str(), &adv);
    bound(&cid, &format!("{p}.id"));
    match &card.kind {
        CardKind::Message { .. } => {}
        CardKind::Question {
            buttons,
            when_unavailable,
            ..
        } => {
            let sec = el("fieldset", "items", aside);
            text_el("legend", "", "Answers", &sec);
            for (i, btn) in buttons.iter().enumerate() {
                let row = el("div", "row", &sec);
                let l = field(
                    &format!("Answer {}", i + 1),
                    "input",
                    "label",
                    &btn.label,
                    &row,
                );
                bound(&l, &format!("{p}.q.{i}.label"));
                let g = select(
                    "Opens",
                    "goto",
                    &branches,
                    btn.goto.as_deref().unwrap_or(""),
                    &row,
                );
                bound(&g, &format!("{p}.q.{i}.goto"));
                if btn.goto.is_none() {
                    op_button(
                        "link",
                        "New branch",
                        &format!("bf.{b}.{c}.{i}"),
                        &format!("New branch from answer {}", i + 1),
                        &row,
                    );
                }
                op_button(
                    "link",
                    "Remove",
                    &format!("ri.{b}.{c}.{i}"),
                    &format!("Remove answer {}", i + 1),
                    &row,
                );
                let id = field(
                    &format!("Answer {} id", i + 1),
                    "input",
                    "bid",
                    btn.id.as_str(),
                    &adv,
                );
                bound(&id, &format!("{p}.q.{i}.id"));
            }
            op_button("", "Add answer", &format!("ai.{b}.{c}"), "", &sec);
            unavailable(
                "When nobody can chat (closed, nobody available), skip to",
                "Ask it anyway",
                when_unavailable.as_deref(),
                &branches,
                &p,
                aside,
            );
        }
        CardKind::InfoCapture { fields, .. } => {
            let sec = el("fieldset", "items", aside);
            text_el("legend", "", "Fields", &sec);
            for (i, f) in fields.iter().enumerate() {
                let row = el("div", "row", &sec);
                let k = select(
                    &format!("Field {}", i + 1),
                    "fkind",
                    &opts(&FIELD_KINDS),
                    f.kind.key(),
                    &row,
                );
                bound(&k, &format!("{p}.f.{i}.kind"));
                let l = field("Label", "input", "flabel", &f.label, &row);
                bound(&l, &format!("{p}.f.{i}.label"));
                let r = checkbox("Required", "required", f.required, &row);
                bound(&r, &format!("{p}.f.{i}.required"));
                op_button(
                    "link",
                    "Remove",
                    &format!("ri.{b}.{c}.{i}"),
                    &format!("Remove field {}", i + 1),
                    &row,
                );
                let key = field(
                    &format!("Field {} key", i + 1),
                    "input",
                    "fkey",
                    &f.key,
                    &adv,
                );
                bound(&key, &format!("{p}.f.{i}.key"));
            }
            op_button("", "Add field", &format!("ai.{b}.{c}"), "", &sec);
        }
        CardKind::LiveChat {
            routing,
            when_unavailable,
            ..
        } => {
            unavailable(
                "When nobody can chat (closed, nobody available)",
                "Show the fallback message",
                when_unavailable.as_deref(),
                &branches,
                &p,
                aside,
            );
            routing_form(m, routing, &p, b, c, aside);
        }
    }
    let act = el("div", "toolbar card-actions", aside);
    kind_select("Add after this card", "add-after-kind", &act);
    let add = button("", "Add card", "add-card", &act);
    add.set_attr("data-b", &b.to_string());
    add.set_attr("data-after", &c.to_string());
    let act = el("div", "toolbar card-actions", aside);
    if c > 0 {
        op_button(
            "",
            "Move up",
            &format!("up.{b}.{c}"),
            &format!("Move up {}", card.id.as_str()),
            &act,
        );
    }
    if c + 1 < br.cards.len() {
        op_button(
            "",
            "Move down",
            &format!("down.{b}.{c}"),
            &format!("Move down {}", card.id.as_str()),
            &act,
        );
    }
    let del = button("danger", "Delete card", "ask-delete", &act);
    del.set_attr("data-sel", &sel_key(Sel::Card(b, c)));
}

/// The kind of card an "Add card" button adds (the button reads it from its sibling at click
/// time); kept across panel redraws, since it is not bound to the model.
fn kind_select(label: &str, id: &str, parent: &Element) {
    let s = select(label, "new-card", &opts(&CARD_KINDS), "message", parent);
    s.set_attr("id", id);
    s.set_attr("data-keep", "");
}

fn unavailable(
    label: &str,
    own: &str,
    value: Option<&str>,
    branches: &[(String, String)],
    p: &str,
    parent: &Element,
) {
    // The start branch cannot be a detour: skip the first.
    let choices: Vec<(String, String)> = std::iter::once((String::new(), own.to_owned()))
        .chain(branches.iter().skip(2).cloned())
        .collect();
    let u = select(
        label,
        "when_unavailable",
        &choices,
        value.unwrap_or(""),
        parent,
    );
    bound(&u, &format!("{p}.unavailable"));
}

fn routing_form(m: &Model, routing: &Routing, p: &str, b: usize, c: usize, aside: &Element) {
    let sec = el("fieldset", "items", aside);
    text_el("legend", "", "Routing", &sec);
    let mode = match routing {
        Routing::RoundRobin => "round_robin",
        Routing::Agent { .. } => "agent",
        Routing::Team { .. } => "team",
        Routing::Rules { .. } => "rules",
    };
    let s = select(
        "Who gets the chat",
        "routing",
        &opts(&[
            ("round_robin", "Every available agent in turn"),
            ("agent", "One agent"),
            ("team", "One team"),
            ("rules", "Rules on the visitor"),
        ]),
        mode,
        &sec,
    );
    bound(&s, &format!("{p}.routing"));
    let choose = || std::iter::once((String::new(), "Choose…".to_owned()));
    match routing {
        Routing::Agent { agent } => {
            let agents: Vec<_> = choose()
                .chain(m.agents.iter().map(|a| (a.id.clone(), a.name.clone())))
                .collect();
            bound(
                &select("Agent", "agent", &agents, agent.as_str(), &sec),
                &format!("{p}.agent"),
            );
        }
        Routing::Team { team } => {
            let teams: Vec<_> = choose()
                .chain(m.teams.iter().map(|t| (t.id.clone(), t.name.clone())))
                .collect();
            bound(
                &select("Team", "team", &teams, team.as_str(), &sec),
                &format!("{p}.team"),
            );
        }
        Routing::Rules { rules } => {
            text_el("p", "muted", "Rules are checked in order; the first whose conditions all hold routes the chat. No match shows the fallback message.", &sec);
            let mut targets: Vec<(String, String)> = m
                .teams
                .iter()
                .map(|t| (format!("team:{}", t.id), format!("Team {}", t.name)))
                .chain(
                    m.agents
                        .iter()
                        .map(|a| (format!("agent:{}", a.id), format!("Agent {}", a.name))),
                )
                .collect();
            for (i, r) in rules.iter().enumerate() {
                let rule = el("fieldset", "rule", &sec);
                text_el("legend", "", &format!("Rule {}", i + 1), &rule);
                for (k, cond) in r.conditions.iter().enumerate() {
                    let row = el("div", "row", &rule);
                    let at = format!("{p}.r.{i}.c.{k}");
                    let key = subject_key(&cond.subject);
                    let mut subjects = opts(&SUBJECTS);
                    if !subjects.iter().any(|(v, _)| *v == key) {
                        subjects.push((key.clone(), key.clone()));
                    }
                    let lead = if k == 0 { "If" } else { "and" };
                    bound(
                        &select(
                            &format!("{lead} (rule {} condition {})", i + 1, k + 1),
                            "subject",
                            &subjects,
                            &key,
                            &row,
                        ),
                        &format!("{at}.subject"),
                    );
                    bound(
                        &select(
                            "Operator",
                            "op",
                            &opts(&OPERATORS),
                            operator_key(cond.op),
                            &row,
                        ),
                        &format!("{at}.op"),
                    );
                    let v = field(
                        "Values (comma separated)",
                        "input",
                        "values",
                        &cond.values.join(", "),
                        &row,
                    );
                    bound(&v, &format!("{at}.values"));
                    op_button(
                        "link",
                        "Remove",
                        &format!("rcn.{b}.{c}.{i}.{k}"),
                        &format!("Remove condition {} of rule {}", k + 1, i + 1),
                        &row,
                    );
                }
                op_button(
                    "link",
                    "Add condition",
                    &format!("ac.{b}.{c}.{i}"),
                    &format!("Add a condition to rule {}", i + 1),
                    &rule,
                );
                let target = match &r.target {
                    RuleTarget::Agent { agent } => format!("agent:{}", agent.as_str()),
                    RuleTarget::Team { team } => format!("team:{}", team.as_str()),
                };
                if !targets.iter().any(|(v, _)| *v == target) {
                    targets.push((target.clone(), probe::target_text(&r.target)));
                }
                let row = el("div", "row", &rule);
                bound(
                    &select(
                        &format!("Rule {} routes to", i + 1),
                        "target",
                        &targets,
                        &target,
                        &row,
                    ),
                    &format!("{p}.r.{i}.target"),
                );
                op_button(
                    "link",
                    "Remove rule",
                    &format!("ri.{b}.{c}.{i}"),
                    &format!("Remove rule {}", i + 1),
                    &row,
                );
            }
            op_button("", "Add rule", &format!("ai.{b}.{c}"), "", &sec);
            sample_form(m, &sec);
        }
        Routing::RoundRobin => {}
    }
}

fn sample_form(m: &Model, parent: &Element) {
    let Some(e) = &m.editor else { return };
    let sec = el("details", "sample", parent);
    sec.set_attr("open", "");
    text_el("summary", "", "Test with a sample visitor", &sec);
    let grid = el("div", "sample-grid", &sec);
    for (key, label) in SUBJECTS {
        let v = e.sample.get(key).map(String::as_str).unwrap_or("");
        let f = field(label, "input", "sample", v, &grid);
        f.set_attr("data-bind-msg", "sample");
        f.set_attr("data-key", key);
        f.set_attr("id", &format!("sample-{}", key.replace(':', "-")));
    }
    let out = el("div", "probe-answer", &sec);
    out.set_attr("id", "rules-answer");
    out.set_attr("role", "status");
}

/// Fills the answers of the test boxes in place (called on every keystroke there).
pub fn answers(m: &Model, e: &Editor) -> Res<()> {
    let doc = document()?;
    if let Some(out) = doc.get_element_by_id("url-answer") {
        set_text(
            &out,
            &probe::page_answer(&m.dialogues, &e.dialogue, &e.url_probe),
        );
    }
    let Some(out) = doc.get_element_by_id("rules-answer") else {
        return Ok(());
    };
    let Sel::Card(b, c) = e.sel else {
        return Ok(());
    };
    let Some(CardKind::LiveChat {
        routing: Routing::Rules { rules },
        ..
    }) = e
        .dialogue
        .branches
        .get(b)
        .and_then(|br| br.cards.get(c))
        .map(|c| &c.kind)
    else {
        return Ok(());
    };
    crate::dom::clear(&out);
    let facts = probe::sample_facts(&e.sample);
    let (winner, checks) = probe::explain(rules, &facts);
    let verdict = match winner {
        Some(i) => format!(
            "Rule {} wins: the chat goes to {}.",
            i + 1,
            checks[i].target
        ),
        None => "No rule matches: this visitor gets the fallback message.".to_owned(),
    };
    text_el("p", "verdict", &verdict, &out);
    let ul = el("ul", "why", &out);
    for (i, check) in checks.iter().enumerate() {
        let li = el("li", if check.matched { "ok" } else { "no" }, &ul);
        text_el("strong", "", &format!("Rule {}: ", i + 1), &li);
        let parts: Vec<String> = check
            .conditions
            .iter()
            .map(|(text, ok)| format!("{} — {}", tr(text), tr(if *ok { "yes" } else { "no" })))
            .collect();
        // Each part is translated already: only the empty case has words of its own.
        let why = if parts.is_empty() {
            tr("no condition (always matches)")
        } else {
            parts.join("; ")
        };
        li.append_child(&doc.create_text_node(&why))?;
    }
    Ok(())
}
