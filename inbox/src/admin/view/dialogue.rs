//! The dialogue editor: branches and cards as forms; Check and Save show issues inline.

use parlor_core::dialogue::CardKind;
use parlor_core::routing::{Routing, RuleTarget};
use web_sys::Element;

use crate::admin::edit::{
    field_kind_key, kind_key, operator_key, subject_key, CARD_KINDS, FIELD_KINDS, OPERATORS,
};
use crate::admin::model::{Editor, Issue, Model};
use crate::dom::{button, checkbox, el, field, select, text_el, Res};

pub fn render(m: &Model, panel: &Element) -> Res<()> {
    match &m.editor {
        Some(e) => editor(m, e, panel),
        None => list(m, panel),
    }
}

fn list(m: &Model, panel: &Element) -> Res<()> {
    text_el("h2", "", "Dialogues", panel)?;
    let table = el("table", "", panel)?;
    table.set_attribute("aria-label", "Dialogues")?;
    let head = el("tr", "", &el("thead", "", &table)?)?;
    for h in ["Name", "Id", "Branches", "Cards", ""] {
        text_el("th", "", h, &head)?;
    }
    let body = el("tbody", "", &table)?;
    for d in &m.dialogues {
        let tr = el("tr", "", &body)?;
        text_el("td", "", &d.name, &tr)?;
        text_el("td", "", d.id.as_str(), &tr)?;
        text_el("td", "", &d.branches.len().to_string(), &tr)?;
        let cards: usize = d.branches.iter().map(|b| b.cards.len()).sum();
        text_el("td", "", &cards.to_string(), &tr)?;
        let td = el("td", "", &tr)?;
        let b = button("primary", "Edit", "edit-dialogue", &td)?;
        b.set_attribute("data-id", d.id.as_str())?;
        b.set_attribute("aria-label", &format!("Edit {}", d.name))?;
    }
    let bar = el("p", "toolbar", panel)?;
    button("", "New dialogue", "new-dialogue", &bar)?;
    Ok(())
}

fn issues_here<'a>(
    e: &'a Editor,
    branch: Option<&str>,
    card: Option<&str>,
) -> Vec<(&'a Issue, bool)> {
    let Some(c) = &e.check else { return Vec::new() };
    c.errors
        .iter()
        .map(|i| (i, true))
        .chain(c.warnings.iter().map(|i| (i, false)))
        .filter(|(i, _)| i.branch.as_deref() == branch && i.card.as_deref() == card)
        .collect()
}

fn show_issues(list: &[(&Issue, bool)], parent: &Element) -> Res<()> {
    if list.is_empty() {
        return Ok(());
    }
    let ul = el("ul", "issues", parent)?;
    for (i, error) in list {
        let li = text_el(
            "li",
            if *error {
                "issue-error"
            } else {
                "issue-warning"
            },
            &format!(
                "{}: {}",
                if *error { "Error" } else { "Best practice" },
                i.message
            ),
            &ul,
        )?;
        li.set_attribute("data-code", &i.code)?;
    }
    Ok(())
}

fn bound(e: &Element, path: &str) -> Res<()> {
    e.set_attribute("data-bind", path)?;
    e.set_attribute("id", &format!("f-{}", path.replace('.', "-")))?;
    Ok(())
}

fn editor(m: &Model, e: &Editor, panel: &Element) -> Res<()> {
    let d = &e.dialogue;
    let top = el("div", "toolbar", panel)?;
    button("", "← All dialogues", "close-editor", &top)?;
    text_el("h2", "", &format!("Edit dialogue “{}”", d.name), &top)?;
    let bar = el("div", "toolbar", panel)?;
    let id = field("Dialogue id", "input", "id", d.id.as_str(), &bar)?;
    if e.new {
        bound(&id, "id")?;
    } else {
        id.set_attribute("readonly", "")?;
    }
    let name = field("Name", "input", "name", &d.name, &bar)?;
    bound(&name, "name")?;
    let b = button("", "Check", "check-dialogue", &bar)?;
    b.set_attribute("id", "check-dialogue")?;
    let b = button("primary", "Save", "save-dialogue", &bar)?;
    b.set_attribute("id", "save-dialogue")?;
    if e.busy {
        b.set_attribute("disabled", "")?;
    }
    button(
        "ghost",
        if e.json { "Hide JSON" } else { "Show JSON" },
        "toggle-json",
        &bar,
    )?;

    let summary = el("div", "check-summary", panel)?;
    summary.set_attribute("role", "status")?;
    summary.set_attribute("aria-live", "polite")?;
    if let Some(c) = &e.check {
        text_el("p", if c.ok { "ok" } else { "error" }, &c.summary, &summary)?;
    }
    show_issues(&issues_here(e, None, None), &summary)?;
    if e.json {
        let t = field(
            "Dialogue JSON (read only)",
            "textarea",
            "json",
            &crate::json::pretty_js(&crate::admin::wire::dialogue_js(d)),
            panel,
        )?;
        t.set_attribute("rows", "18")?;
        t.set_attribute("readonly", "")?;
        t.set_attribute("class", "pre")?;
    }
    let branch_ids: Vec<(String, String)> = std::iter::once((String::new(), "Next card".into()))
        .chain(
            d.branches
                .iter()
                .map(|b| (b.id.clone(), format!("Branch “{}”", b.id))),
        )
        .collect();
    for (bi, br) in d.branches.iter().enumerate() {
        let sec = el("section", "dlg-branch", panel)?;
        sec.set_attribute("aria-label", &format!("Branch {}", br.id))?;
        let head = el("header", "", &sec)?;
        let bid = field("Branch id", "input", "branch", &br.id, &head)?;
        bound(&bid, &format!("b.{bi}.id"))?;
        let rm = button("danger", "Remove branch", "op", &head)?;
        rm.set_attribute("data-op", &format!("rb.{bi}"))?;
        show_issues(&issues_here(e, Some(&br.id), None), &sec)?;
        let ol = el("ol", "dlg-cards", &sec)?;
        for (ci, card) in br.cards.iter().enumerate() {
            let li = el("li", "", &ol)?;
            let here = issues_here(e, Some(&br.id), Some(card.id.as_str()));
            let mut class = format!("dlg-card kind-{}", kind_key(&card.kind));
            if here.iter().any(|(_, err)| *err) {
                class.push_str(" has-error");
            }
            li.set_class_name(&class);
            li.set_attribute("data-card", card.id.as_str())?;
            li.set_attribute(
                "aria-label",
                &format!("Card {} of branch {}", card.id.as_str(), br.id),
            )?;
            let p = format!("b.{bi}.c.{ci}");
            let h = el("div", "dlg-card-head", &li)?;
            let k = select(
                "Kind",
                "kind",
                &super::opts(&CARD_KINDS),
                kind_key(&card.kind),
                &h,
            )?;
            bound(&k, &format!("{p}.kind"))?;
            let cid = field("Card id", "input", "card", card.id.as_str(), &h)?;
            bound(&cid, &format!("{p}.id"))?;
            let sp = el("span", "spacer", &h)?;
            for (label, op, aria) in [
                ("↑", "up", "Move up"),
                ("↓", "down", "Move down"),
                ("Remove", "rc", "Remove card"),
            ] {
                let b = button(if op == "rc" { "danger" } else { "" }, label, "op", &sp)?;
                b.set_attribute("data-op", &format!("{op}.{bi}.{ci}"))?;
                b.set_attribute("aria-label", &format!("{aria} {}", card.id.as_str()))?;
            }
            show_issues(&here, &li)?;
            let t = field(
                "Text",
                "textarea",
                "text",
                crate::fmt::card_text(&card.kind),
                &li,
            )?;
            t.set_attribute("rows", "1")?;
            bound(&t, &format!("{p}.text"))?;
            card_body(m, &card.kind, &p, bi, ci, &branch_ids, &li)?;
        }
        let add = el("div", "toolbar", &sec)?;
        add.set_attribute("style", "padding:0 .8rem .6rem")?;
        let s = select(
            "New card",
            "new-card",
            &super::opts(&CARD_KINDS),
            "message",
            &add,
        )?;
        s.set_attribute("data-add-kind", &bi.to_string())?;
        s.set_attribute("id", &format!("add-kind-{bi}"))?;
        let b = button("", "Add card", "add-card", &add)?;
        b.set_attribute("data-b", &bi.to_string())?;
    }
    let bar = el("p", "toolbar", panel)?;
    let b = button("", "Add branch", "op", &bar)?;
    b.set_attribute("data-op", "ab")?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn card_body(
    m: &Model,
    kind: &CardKind,
    p: &str,
    bi: usize,
    ci: usize,
    branches: &[(String, String)],
    li: &Element,
) -> Res<()> {
    let rows = el("div", "rows", li)?;
    let item_btn = |label: &str, parent: &Element| -> Res<()> {
        let b = button("", label, "op", parent)?;
        b.set_attribute("data-op", &format!("ai.{bi}.{ci}"))?;
        Ok(())
    };
    let remove = |i: usize, what: &str, parent: &Element| -> Res<()> {
        let b = button("link", "Remove", "op", parent)?;
        b.set_attribute("data-op", &format!("ri.{bi}.{ci}.{i}"))?;
        b.set_attribute("aria-label", &format!("Remove {what} {}", i + 1))?;
        Ok(())
    };
    match kind {
        CardKind::Message { .. } => {}
        CardKind::Question {
            buttons,
            when_unavailable,
            ..
        } => {
            // Ask only when someone can answer: else straight on to another branch.
            let unavailable = Unavailable {
                label: "When nobody can chat (closed, nobody available), skip to",
                own: "Ask it anyway",
                value: when_unavailable.as_deref(),
            };
            unavailable.render(branches, &format!("{p}.unavailable"), &rows)?;
            for (i, b) in buttons.iter().enumerate() {
                let row = el("div", "row", &rows)?;
                let l = field(
                    &format!("Button {} label", i + 1),
                    "input",
                    "label",
                    &b.label,
                    &row,
                )?;
                bound(&l, &format!("{p}.q.{i}.label"))?;
                let id = field("Button id", "input", "bid", b.id.as_str(), &row)?;
                bound(&id, &format!("{p}.q.{i}.id"))?;
                let g = select(
                    "Opens",
                    "goto",
                    branches,
                    b.goto.as_deref().unwrap_or(""),
                    &row,
                )?;
                bound(&g, &format!("{p}.q.{i}.goto"))?;
                remove(i, "button", &row)?;
            }
            item_btn("Add button", &rows)?;
        }
        CardKind::InfoCapture { fields, .. } => {
            for (i, f) in fields.iter().enumerate() {
                let row = el("div", "row", &rows)?;
                let k = select(
                    "Field",
                    "fkind",
                    &super::opts(&FIELD_KINDS),
                    field_kind_key(f.kind),
                    &row,
                )?;
                bound(&k, &format!("{p}.f.{i}.kind"))?;
                let l = field("Label", "input", "flabel", &f.label, &row)?;
                bound(&l, &format!("{p}.f.{i}.label"))?;
                let key = field("Key", "input", "fkey", &f.key, &row)?;
                bound(&key, &format!("{p}.f.{i}.key"))?;
                let r = checkbox("Required", "required", f.required, &row)?;
                bound(&r, &format!("{p}.f.{i}.required"))?;
                remove(i, "field", &row)?;
            }
            item_btn("Add field", &rows)?;
        }
        CardKind::LiveChat {
            routing,
            when_unavailable,
            ..
        } => {
            // Where visitors go when nobody can chat at the moment they ask.
            let unavailable = Unavailable {
                label: "When nobody can chat (closed, nobody available)",
                own: "Show the fallback message",
                value: when_unavailable.as_deref(),
            };
            unavailable.render(branches, &format!("{p}.unavailable"), &rows)?;
            let mode = match routing {
                Routing::RoundRobin => "round_robin",
                Routing::Agent { .. } => "agent",
                Routing::Team { .. } => "team",
                Routing::Rules { .. } => "rules",
            };
            let row = el("div", "row", &rows)?;
            let s = select(
                "Routing",
                "routing",
                &super::opts(&[
                    ("round_robin", "Round robin"),
                    ("agent", "One agent"),
                    ("team", "One team"),
                    ("rules", "Custom rules"),
                ]),
                mode,
                &row,
            )?;
            bound(&s, &format!("{p}.routing"))?;
            let agents: Vec<(String, String)> = std::iter::once((String::new(), "Choose…".into()))
                .chain(m.agents.iter().map(|a| (a.id.clone(), a.name.clone())))
                .collect();
            let teams: Vec<(String, String)> = std::iter::once((String::new(), "Choose…".into()))
                .chain(m.teams.iter().map(|t| (t.id.clone(), t.name.clone())))
                .collect();
            match routing {
                Routing::Agent { agent } => {
                    let s = select("Agent", "agent", &agents, agent.as_str(), &row)?;
                    bound(&s, &format!("{p}.agent"))?;
                }
                Routing::Team { team } => {
                    let s = select("Team", "team", &teams, team.as_str(), &row)?;
                    bound(&s, &format!("{p}.team"))?;
                }
                Routing::Rules { rules } => {
                    text_el("p", "muted", "Rules are checked in order; the first match routes. No match shows the live chat fallback message.", &rows)?;
                    let targets: Vec<(String, String)> = m
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
                        let row = el("div", "row", &rows)?;
                        let (subject, op, values) = r
                            .conditions
                            .first()
                            .map(|c| {
                                (
                                    subject_key(&c.subject),
                                    operator_key(c.op),
                                    c.values.join(", "),
                                )
                            })
                            .unwrap_or_else(|| ("page_url".into(), "contains", String::new()));
                        let mut subjects: Vec<(String, String)> = super::opts(&[
                            ("field:email", "Email"),
                            ("field:first_name", "First name"),
                            ("field:last_name", "Last name"),
                            ("field:company", "Company"),
                            ("field:job_title", "Job title"),
                            ("field:phone", "Phone"),
                            ("page_url", "Page URL"),
                            ("language", "Language"),
                            ("country", "Country"),
                            ("utm:source", "UTM source"),
                            ("utm:medium", "UTM medium"),
                            ("utm:campaign", "UTM campaign"),
                        ]);
                        if !subjects.iter().any(|(v, _)| *v == subject) {
                            subjects.push((subject.clone(), subject.clone()));
                        }
                        let s = select(
                            &format!("Rule {} subject", i + 1),
                            "subject",
                            &subjects,
                            &subject,
                            &row,
                        )?;
                        bound(&s, &format!("{p}.r.{i}.subject"))?;
                        let o = select("Operator", "op", &super::opts(&OPERATORS), op, &row)?;
                        bound(&o, &format!("{p}.r.{i}.op"))?;
                        let v =
                            field("Values (comma separated)", "input", "values", &values, &row)?;
                        bound(&v, &format!("{p}.r.{i}.values"))?;
                        let target = match &r.target {
                            RuleTarget::Agent { agent } => format!("agent:{}", agent.as_str()),
                            RuleTarget::Team { team } => format!("team:{}", team.as_str()),
                        };
                        let t = select("Route to", "target", &targets, &target, &row)?;
                        bound(&t, &format!("{p}.r.{i}.target"))?;
                        remove(i, "rule", &row)?;
                    }
                    item_btn("Add rule", &rows)?;
                }
                Routing::RoundRobin => {}
            }
        }
    }
    Ok(())
}

/// A card's "when nobody can chat" select: the card's own behaviour first, then every branch
/// but the first (the dialogue's start).
struct Unavailable<'a> {
    label: &'a str,
    own: &'a str,
    value: Option<&'a str>,
}

impl Unavailable<'_> {
    fn render(&self, branches: &[(String, String)], path: &str, rows: &Element) -> Res<()> {
        let row = el("div", "row", rows)?;
        let choices: Vec<(String, String)> = std::iter::once((String::new(), self.own.to_owned()))
            .chain(branches.iter().skip(1).cloned())
            .collect();
        let u = select(
            self.label,
            "when_unavailable",
            &choices,
            self.value.unwrap_or(""),
            &row,
        )?;
        bound(&u, path)
    }
}
