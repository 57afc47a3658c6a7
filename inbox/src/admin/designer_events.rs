//! The designer's DOM events as messages: clicks, keys on nodes, drag and drop, test boxes.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::Element;

use super::edit::Op;
use super::model::{Msg, Sel};
use super::{dispatch, App};
use crate::dom::{self, attr, on, Res};

/// A designer click, if `name` is one of the designer's actions.
pub fn click(t: &Element, name: &str) -> Option<Option<Msg>> {
    let n = |k: &str| attr(t, k).parse::<usize>().ok();
    Some(match name {
        "select" => parse_sel(&attr(t, "data-sel")).map(Msg::Select),
        "undo" => Some(Msg::Undo),
        "redo" => Some(Msg::Redo),
        "ask-delete" => parse_sel(&attr(t, "data-sel")).map(Msg::AskDelete),
        "confirm-delete" => Some(Msg::ConfirmDelete),
        "cancel-delete" => Some(Msg::CancelDelete),
        "toggle-versions" => Some(Msg::ToggleVersions),
        "toggle-preview" => Some(Msg::TogglePreview),
        "restore" => attr(t, "data-version").parse().ok().map(Msg::Restore),
        "new-from" => Some(Msg::NewFrom(attr(t, "data-template"))),
        "move-dialogue" => n("data-i").map(|i| Msg::MoveDialogue(i, attr(t, "data-up") == "1")),
        "add-card" => {
            let kind = dom::value(&t.parent_element()?.query_selector("select").ok()??);
            let b = n("data-b")?;
            Some(Msg::EditOp(match n("data-after") {
                Some(c) => Op::AddCardAfter(b, c, kind),
                None => Op::AddCard(b, kind),
            }))
        }
        "op" => parse_op(&attr(t, "data-op")).map(Msg::EditOp),
        _ => return None,
    })
}

/// The designer's text boxes that are not bound to the dialogue.
pub fn input(t: &Element) -> Option<Msg> {
    match attr(t, "data-bind-msg").as_str() {
        "probe-url" => Some(Msg::ProbeUrl(dom::value(t))),
        "sample" => Some(Msg::Sample(attr(t, "data-key"), dom::value(t))),
        _ => None,
    }
}

/// `d`, `b.2`, `c.2.0`.
pub fn parse_sel(s: &str) -> Option<Sel> {
    let p: Vec<&str> = s.split('.').collect();
    let n = |i: usize| p.get(i).and_then(|x| x.parse::<usize>().ok());
    Some(match *p.first()? {
        "d" => Sel::Dialogue,
        "b" => Sel::Branch(n(1)?),
        "c" => Sel::Card(n(1)?, n(2)?),
        _ => return None,
    })
}

pub fn sel_key(s: Sel) -> String {
    match s {
        Sel::Dialogue => "d".into(),
        Sel::Branch(b) => format!("b.{b}"),
        Sel::Card(b, c) => format!("c.{b}.{c}"),
    }
}

pub fn parse_op(s: &str) -> Option<Op> {
    let p: Vec<&str> = s.split('.').collect();
    let n = |i: usize| p.get(i).and_then(|x| x.parse::<usize>().ok());
    Some(match *p.first()? {
        "ab" => Op::AddBranch,
        "rb" => Op::RemoveBranch(n(1)?),
        "up" => Op::MoveCard(n(1)?, n(2)?, true),
        "down" => Op::MoveCard(n(1)?, n(2)?, false),
        "rc" => Op::RemoveCard(n(1)?, n(2)?),
        "ai" => Op::AddItem(n(1)?, n(2)?),
        "ri" => Op::RemoveItem(n(1)?, n(2)?, n(3)?),
        "bf" => Op::BranchFrom(n(1)?, n(2)?, n(3)?),
        "ac" => Op::AddCondition(n(1)?, n(2)?, n(3)?),
        "rcn" => Op::RemoveCondition(n(1)?, n(2)?, n(3)?, n(4)?),
        "at" => Op::AddTarget,
        "rt" => Op::RemoveTarget(n(1)?),
        _ => return None,
    })
}

/// Keys on the drawing: arrows walk the nodes, Alt+arrows move the selected card, Delete asks
/// to delete it, Enter or Space selects; Ctrl/Cmd+Z and Ctrl/Cmd+Shift+Z (or Y) undo and redo.
pub fn listen(app: &Rc<App>, root: &Element) -> Res<()> {
    let a = app.clone();
    on(root, "keydown", move |e| {
        let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
            return;
        };
        let Some(t) = dom::target(&e) else { return };
        let key = k.key();
        let in_designer = t.closest(".designer").ok().flatten().is_some();
        let typing = matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT");
        if in_designer && !typing && (k.ctrl_key() || k.meta_key()) {
            let msg = match key.as_str() {
                "z" | "Z" if k.shift_key() => Msg::Redo,
                "z" | "Z" => Msg::Undo,
                "y" | "Y" => Msg::Redo,
                _ => return,
            };
            e.prevent_default();
            dispatch(&a, msg);
            return;
        }
        let Some(Sel::Card(b, c)) = parse_sel(&attr(&t, "data-sel")) else {
            return;
        };
        if attr(&t, "data-act") != "select" {
            return;
        }
        let (msg, focus) = match (key.as_str(), k.alt_key()) {
            ("Enter" | " ", _) => (Msg::Select(Sel::Card(b, c)), None),
            ("ArrowUp", true) if c > 0 => (
                Msg::EditOp(Op::MoveCard(b, c, true)),
                Some(Sel::Card(b, c - 1)),
            ),
            ("ArrowDown", true) => (
                Msg::EditOp(Op::MoveCard(b, c, false)),
                Some(Sel::Card(b, c + 1)),
            ),
            ("ArrowUp", false) if c > 0 => {
                (Msg::Select(Sel::Card(b, c - 1)), Some(Sel::Card(b, c - 1)))
            }
            ("ArrowDown", false) => (Msg::Select(Sel::Card(b, c + 1)), Some(Sel::Card(b, c + 1))),
            ("ArrowLeft", false) if b > 0 => {
                (Msg::Select(Sel::Card(b - 1, 0)), Some(Sel::Card(b - 1, 0)))
            }
            ("ArrowRight", false) => (Msg::Select(Sel::Card(b + 1, 0)), Some(Sel::Card(b + 1, 0))),
            ("Delete" | "Backspace", _) => (Msg::AskDelete(Sel::Card(b, c)), None),
            _ => return,
        };
        e.prevent_default();
        // Walking past the last node selects nothing new.
        if let Some(sel) = focus {
            if find(&sel).is_none() {
                return;
            }
        }
        dispatch(&a, msg);
        if let Some(el) = focus
            .and_then(|s| find(&s))
            .or_else(|| find(&Sel::Card(b, c)))
        {
            dom::focus(&el);
        }
    })?;
    drag_and_drop(app, root)?;
    // The preview page says it loaded: it gets the draft (same origin only).
    let a = app.clone();
    let win = dom::window()?;
    let origin = win.location().origin()?;
    on(&win, "message", move |e| {
        let Some(m) = e.dyn_ref::<web_sys::MessageEvent>() else {
            return;
        };
        let ready = crate::json::get_str(&m.data(), "type") == "parlor-preview-ready";
        if ready && m.origin() == origin {
            dispatch(&a, Msg::PreviewReady);
        }
    })
}

fn find(sel: &Sel) -> Option<Element> {
    let q = format!(".flow [data-sel=\"{}\"]", sel_key(*sel));
    dom::document().ok()?.query_selector(&q).ok().flatten()
}

/// Drag a node onto another (it goes before it) or onto a column's end (it goes last); drag a
/// row of the dialogue list onto another to take its place in the targeting order.
fn drag_and_drop(app: &Rc<App>, root: &Element) -> Res<()> {
    on(root, "dragstart", move |e| {
        let Some(t) = dom::target(&e) else { return };
        let Some(d) = e.dyn_ref::<web_sys::DragEvent>() else {
            return;
        };
        if let Some(dt) = d.data_transfer() {
            let _ = dt.set_data("text/plain", &attr(&t, "data-sel"));
            dt.set_effect_allowed("move");
        }
    })?;
    on(root, "dragover", move |e| {
        let over = dom::target(&e).and_then(|t| t.closest("[data-drop]").ok().flatten());
        if over.is_some() {
            e.prevent_default();
        }
    })?;
    let a = app.clone();
    on(root, "drop", move |e| {
        let Some(zone) = dom::target(&e).and_then(|t| t.closest("[data-drop]").ok().flatten())
        else {
            return;
        };
        e.prevent_default();
        let Some(d) = e.dyn_ref::<web_sys::DragEvent>() else {
            return;
        };
        let from = d
            .data_transfer()
            .and_then(|dt| dt.get_data("text/plain").ok());
        let to = attr(&zone, "data-drop");
        // A dialogue row of the list (`o.2`) onto another.
        let row = |s: &str| s.strip_prefix("o.").and_then(|i| i.parse::<usize>().ok());
        if let (Some(f), Some(t)) = (from.as_deref().and_then(row), row(&to)) {
            return dispatch(&a, Msg::MoveDialogueTo(f, t));
        }
        if let (Some(Sel::Card(fb, fc)), Some(Sel::Card(tb, tc))) =
            (from.as_deref().and_then(parse_sel), parse_sel(&to))
        {
            dispatch(&a, Msg::EditOp(Op::MoveTo((fb, fc), (tb, tc))));
        }
    })
}
