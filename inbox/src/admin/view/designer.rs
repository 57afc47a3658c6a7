//! The dialogue designer: a toolbar, the flow drawn (branches as columns of card nodes, answers
//! as edges), and the inspector for what is selected. Issues from core's validator are drawn on
//! the node they name, as the admin edits.

use parlor_core::dialogue::CardKind;
use web_sys::Element;

use super::inspector;
use super::overview::svg_el;
use crate::admin::designer_events::sel_key;
use crate::admin::edit::kind_key;
use crate::admin::flow::{self, COL_W, HEAD_H, PAD, ROW_H};
use crate::admin::model::{Editor, Issue, Model, Sel};
use crate::dom::{button, clear, data_el, document, el, field, text_el, Res, SetAttr};

pub fn render(m: &Model, e: &Editor, panel: &Element) -> Res<()> {
    let root = el("div", "designer", panel);
    toolbar(e, &root);
    let report = Found::of(e);
    let status_box = el("div", "check-summary", &root);
    status_box.set_attr("id", "designer-status");
    status_box.set_attr("role", "status");
    status_box.set_attr("aria-live", "polite");
    status(e, &report, &status_box);
    if let Some(sel) = e.confirm {
        confirm(e, sel, &root);
    }
    if e.versions.is_some() {
        versions(e, &root);
    }
    let main = el("div", "designer-main", &root);
    let wrap = el("div", "flow-wrap", &main);
    wrap.set_attr("id", "flow-wrap");
    draw(e, &report, &wrap);
    let aside = el("aside", "inspector", &main);
    aside.set_attr("id", "inspector");
    crate::dom::aria(&aside, "Inspector");
    inspector::render(m, e, &report, &aside)?;
    if e.json {
        let t = field(
            "Dialogue JSON (read only)",
            "textarea",
            "json",
            &crate::json::pretty_js(&crate::admin::wire::dialogue_js(&e.dialogue)),
            &root,
        );
        t.set_attr("rows", "18");
        t.set_attr("readonly", "");
        t.set_attr("class", "pre");
    }
    Ok(())
}

/// Redraws only the drawing and the test answers (typing in the inspector keeps its focus).
pub fn redraw(m: &Model) -> Res<()> {
    let Some(e) = &m.editor else { return Ok(()) };
    let doc = document()?;
    let report = Found::of(e);
    let focused = super::focus::remember();
    if let Some(wrap) = doc.get_element_by_id("flow-wrap") {
        clear(&wrap);
        draw(e, &report, &wrap);
    }
    super::focus::restore(focused);
    if let Some(s) = doc.get_element_by_id("designer-status") {
        clear(&s);
        status(e, &report, &s);
    }
    inspector::refresh(&report)?;
    inspector::answers(m, e)
}

fn toolbar(e: &Editor, root: &Element) {
    let top = el("div", "toolbar", root);
    button("", "← All dialogues", "close-editor", &top);
    let title = if e.new {
        "New dialogue"
    } else {
        "Edit dialogue"
    };
    text_el("h2", "", &format!("{title} “{}”", e.dialogue.name), &top);
    let bar = el("div", "toolbar designer-bar", root);
    let settings = button("", "Dialogue settings", "select", &bar);
    settings.set_attr("data-sel", "d");
    settings.set_attr(
        "aria-pressed",
        if e.sel == Sel::Dialogue {
            "true"
        } else {
            "false"
        },
    );
    let undo = button("", "Undo", "undo", &bar);
    undo.set_attr("aria-keyshortcuts", "Control+Z");
    if !e.history.can_undo() {
        undo.set_attr("disabled", "");
    }
    let redo = button("", "Redo", "redo", &bar);
    redo.set_attr("aria-keyshortcuts", "Control+Shift+Z");
    if !e.history.can_redo() {
        redo.set_attr("disabled", "");
    }
    let b = button("", "Check", "check-dialogue", &bar);
    b.set_attr("id", "check-dialogue");
    let b = button("primary", "Publish", "save-dialogue", &bar);
    b.set_attr("id", "save-dialogue");
    if e.busy {
        b.set_attr("disabled", "");
    }
    if !e.new {
        let v = button(
            "",
            if e.versions.is_some() {
                "Hide versions"
            } else {
                "Versions"
            },
            "toggle-versions",
            &bar,
        );
        v.set_attr(
            "aria-expanded",
            if e.versions.is_some() {
                "true"
            } else {
                "false"
            },
        );
    }
    let p = button(
        "",
        if e.preview {
            "Close preview"
        } else {
            "Preview"
        },
        "toggle-preview",
        &bar,
    );
    p.set_attr("aria-expanded", if e.preview { "true" } else { "false" });
    button(
        "ghost",
        if e.json { "Hide JSON" } else { "Show JSON" },
        "toggle-json",
        &bar,
    );
    let state = match (e.new, e.dirty) {
        (true, _) => "Draft — not published yet".to_owned(),
        (false, true) => "Draft — unpublished changes".to_owned(),
        (false, false) => match e.version {
            Some(v) => format!("Published (version {v})"),
            None => "Published".to_owned(),
        },
    };
    text_el("span", "muted draft-state", &state, &bar);
}

/// The issues of the draft as the server's validator (core's) last reported them.
pub struct Found<'a> {
    pub errors: &'a [Issue],
    pub warnings: &'a [Issue],
    pub known: bool,
}

impl<'a> Found<'a> {
    pub fn of(e: &'a Editor) -> Found<'a> {
        match &e.check {
            Some(c) => Found {
                errors: &c.errors,
                warnings: &c.warnings,
                known: true,
            },
            None => Found {
                errors: &[],
                warnings: &[],
                known: false,
            },
        }
    }

    /// Each issue with whether it is an error.
    pub fn all(&self) -> impl Iterator<Item = (&'a Issue, bool)> {
        let errors = self.errors.iter().map(|i| (i, true));
        errors.chain(self.warnings.iter().map(|i| (i, false)))
    }
}

fn status(e: &Editor, report: &Found, summary: &Element) {
    if let Some((note, ok)) = &e.note {
        text_el("p", if *ok { "ok" } else { "error" }, note, summary);
    }
    let (errors, warnings) = (report.errors.len(), report.warnings.len());
    let text = match (errors, warnings) {
        _ if !report.known => "Checking…".to_owned(),
        (0, 0) => "No problems: ready to publish.".to_owned(),
        (0, w) => format!("Ready to publish; {w} best-practice suggestion(s) on the drawing."),
        (n, _) => format!("{n} error(s) to fix before publishing — shown on the cards concerned."),
    };
    text_el(
        "p",
        if errors == 0 { "muted" } else { "error" },
        &text,
        summary,
    );
    // Issues that name no card (the dialogue or a branch) are listed here.
    let loose: Vec<(&Issue, bool)> = report.all().filter(|(i, _)| i.card.is_none()).collect();
    inspector::issue_list(&loose, summary);
}

fn confirm(e: &Editor, sel: Sel, root: &Element) {
    let what = match sel {
        Sel::Card(b, c) => e
            .dialogue
            .branches
            .get(b)
            .and_then(|br| br.cards.get(c))
            .map(|card| {
                format!(
                    "Delete this {} card?",
                    kind_label(&card.kind).to_lowercase()
                )
            }),
        Sel::Branch(b) => e.dialogue.branches.get(b).map(|br| {
            format!(
                "Delete branch “{}” and its {} card(s)?",
                br.id,
                br.cards.len()
            )
        }),
        Sel::Dialogue => None,
    };
    let Some(what) = what else { return };
    let box_ = el("div", "confirm", root);
    box_.set_attr("role", "alertdialog");
    crate::dom::aria(&box_, "Confirm deletion");
    text_el("p", "", &format!("{what} Undo can bring it back."), &box_);
    let yes = button("danger", "Delete", "confirm-delete", &box_);
    yes.set_attr("id", "confirm-delete");
    button("", "Keep it", "cancel-delete", &box_);
}

fn versions(e: &Editor, root: &Element) {
    let sec = el("section", "versions", root);
    crate::dom::aria(&sec, "Versions");
    text_el("h3", "", "Published versions (the last 10)", &sec);
    let list = e.versions.as_deref().unwrap_or(&[]);
    if list.is_empty() {
        text_el(
            "p",
            "muted",
            "No version recorded yet: the next publish makes the first.",
            &sec,
        );
    }
    let ul = el("ul", "", &sec);
    for v in list {
        let li = el("li", "", &ul);
        let when = crate::fmt::date_time(v.saved_at);
        let (n, by) = (v.version, &v.saved_by);
        let line = if Some(n) == e.version {
            format!("Version {n} (current) · {when} · by {by}")
        } else {
            format!("Version {n} · {when} · by {by}")
        };
        text_el("span", "", &line, &li);
        let b = button("link", "Restore as draft", "restore", &li);
        b.set_attr("data-version", &v.version.to_string());
        crate::dom::aria(&b, &format!("Restore version {}", v.version));
    }
}

pub fn kind_label(k: &CardKind) -> &'static str {
    match k {
        CardKind::Message { .. } => "Message",
        CardKind::Question { .. } => "Question",
        CardKind::InfoCapture { .. } => "Info capture",
        CardKind::LiveChat { .. } => "Live chat",
    }
}

fn px(v: i32) -> String {
    format!("{v}px")
}

/// The drawing: SVG edges under absolutely placed nodes (positions from `flow::layout`).
fn draw(e: &Editor, report: &Found, wrap: &Element) {
    let d = &e.dialogue;
    let l = flow::layout(d);
    let canvas = el("div", "flow", wrap);
    canvas.set_attr("role", "group");
    crate::dom::aria(&canvas, "Dialogue flow");
    canvas.set_attr(
        "style",
        &format!("width:{};height:{}", px(l.width), px(l.height + 40)),
    );
    let svg = svg_el("svg", &canvas);
    svg.set_attr("class", "edges");
    svg.set_attr("width", &l.width.to_string());
    svg.set_attr("height", &(l.height + 40).to_string());
    svg.set_attr("aria-hidden", "true");
    let defs = svg_el("defs", &svg);
    let marker = svg_el("marker", &defs);
    for (k, v) in [
        ("id", "arrow"),
        ("viewBox", "0 0 10 10"),
        ("refX", "4"),
        ("refY", "5"),
        ("markerWidth", "7"),
        ("markerHeight", "7"),
        ("orient", "auto-start-reverse"),
    ] {
        marker.set_attr(k, v);
    }
    svg_el("path", &marker).set_attr("d", "M0 0 L10 5 L0 10 z");
    for edge in &l.edges {
        let p = svg_el("path", &svg);
        p.set_attr("d", &edge.path);
        p.set_attr("class", if edge.dashed { "edge dashed" } else { "edge" });
        p.set_attr("marker-end", "url(#arrow)");
        p.set_attr("data-from", &sel_key(Sel::Card(edge.from.0, edge.from.1)));
        p.set_attr("data-to", &d.branches[edge.to].id);
    }
    for (bi, br) in d.branches.iter().enumerate() {
        let x = l.columns[bi];
        let sel = e.sel == Sel::Branch(bi);
        let head = text_el(
            "div",
            if sel {
                "branch-head selected"
            } else {
                "branch-head"
            },
            &format!("{} · {} card(s)", br.id, br.cards.len()),
            &canvas,
        );
        head.set_attr("role", "button");
        head.set_attr("tabindex", "0");
        head.set_attr("data-act", "select");
        head.set_attr("data-sel", &sel_key(Sel::Branch(bi)));
        head.set_attr("aria-pressed", if sel { "true" } else { "false" });
        crate::dom::aria(&head, &format!("Branch {}", br.id));
        head.set_attr(
            "style",
            &format!(
                "left:{};top:{};width:{};height:{}",
                px(x),
                px(PAD),
                px(COL_W),
                px(HEAD_H)
            ),
        );
        // Below the last node: drop here to move a card to the end of this branch.
        let end_y = l
            .nodes
            .iter()
            .filter(|n| n.b == bi)
            .map(|n| n.y + n.h)
            .max()
            .unwrap_or(PAD + HEAD_H);
        let end = text_el("div", "drop-end", "Drop a card here", &canvas);
        end.set_attr("data-drop", &sel_key(Sel::Card(bi, br.cards.len())));
        end.set_attr(
            "style",
            &format!("left:{};top:{};width:{}", px(x), px(end_y + 6), px(COL_W)),
        );
    }
    for n in &l.nodes {
        let Some(card) = d.branches.get(n.b).and_then(|br| br.cards.get(n.c)) else {
            continue;
        };
        let branch = &d.branches[n.b].id;
        let here = |list: &[Issue]| {
            list.iter()
                .filter(|i| {
                    i.branch.as_deref() == Some(branch.as_str())
                        && i.card.as_deref() == Some(card.id.as_str())
                })
                .count()
        };
        let (errors, warnings) = (here(report.errors), here(report.warnings));
        let selected = e.sel == Sel::Card(n.b, n.c);
        let mut class = format!("node kind-{}", kind_key(&card.kind));
        if selected {
            class.push_str(" selected");
        }
        if errors > 0 {
            class.push_str(" has-error");
        } else if warnings > 0 {
            class.push_str(" has-warning");
        }
        let node = el("div", &class, &canvas);
        let key = sel_key(Sel::Card(n.b, n.c));
        for (k, v) in [
            ("role", "button"),
            ("tabindex", "0"),
            ("draggable", "true"),
            ("data-act", "select"),
            ("data-sel", key.as_str()),
            ("data-drop", key.as_str()),
            ("data-card", card.id.as_str()),
            ("aria-pressed", if selected { "true" } else { "false" }),
        ] {
            node.set_attr(k, v);
        }
        let text = crate::fmt::card_text(&card.kind);
        let mut label = format!(
            "{} card “{}” in branch {branch}",
            kind_label(&card.kind),
            short(text, 60)
        );
        if errors > 0 {
            label.push_str(&format!(", {errors} error(s)"));
        }
        if warnings > 0 {
            label.push_str(&format!(", {warnings} suggestion(s)"));
        }
        crate::dom::aria(&node, &label);
        node.set_attr(
            "style",
            &format!(
                "left:{};top:{};width:{};height:{}",
                px(n.x),
                px(n.y),
                px(COL_W),
                px(n.h)
            ),
        );
        let top = text_el("div", "node-kind", kind_label(&card.kind), &node);
        if errors > 0 {
            text_el("span", "badge error", &format!("{errors} error(s)"), &top);
        } else if warnings > 0 {
            text_el("span", "badge warning", &format!("{warnings} tip(s)"), &top);
        }
        data_el("div", "node-text", text, &node);
        for (i, row) in n.rows.iter().enumerate() {
            let r = text_el(
                "div",
                if row.broken {
                    "node-row broken"
                } else {
                    "node-row"
                },
                &row.text,
                &node,
            );
            r.set_attr(
                "style",
                &format!(
                    "top:{};height:{}",
                    px(flow::NODE_TOP + i as i32 * ROW_H),
                    px(ROW_H)
                ),
            );
        }
    }
}

fn short(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}
