//! What the admin typed survives a redraw of the panel: the panel is rebuilt from the model on
//! every change (a live update included), so without this a refused save would wipe the form
//! being corrected, and a conversation changing elsewhere would wipe a half-typed field. Values
//! are kept on every redraw of the same tab except the one right after a successful save (then
//! the server's values are the truth; see `view::mod`), and an opened `<details>` stays open.
//! A control outside a form that must survive too (the designer's "Add after this card" kind,
//! chosen just before a live update redraws the panel) is marked `data-keep` and kept by id.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};

use crate::dom;
use crate::dom::SetAttr;

#[derive(Default)]
pub struct Kept {
    values: Vec<(String, String)>,
    open: Vec<String>,
}

/// Controls whose values survive a redraw.
const KEPT: &str = "form [name], [data-keep]";

/// The form, its `data-id`, the control's name and, for a checkbox, its `value`; a `data-keep`
/// control outside a form by its id.
fn key(control: &Element) -> String {
    if control.has_attribute("data-keep") {
        return format!("#{}", control.id());
    }
    let form = control.closest("form").ok().flatten();
    let attr =
        |e: Option<&Element>, a: &str| e.and_then(|e| e.get_attribute(a)).unwrap_or_default();
    let checkbox_value = match control.dyn_ref::<HtmlInputElement>() {
        Some(i) if i.type_() == "checkbox" => i.value(),
        _ => String::new(),
    };
    format!(
        "{}|{}|{}|{checkbox_value}",
        attr(form.as_ref(), "data-form"),
        attr(form.as_ref(), "data-id"),
        attr(Some(control), "name"),
    )
}

fn each(panel: &Element, selector: &str, mut f: impl FnMut(Element)) {
    if let Ok(list) = panel.query_selector_all(selector) {
        for i in 0..list.length() {
            if let Some(e) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                f(e);
            }
        }
    }
}

pub fn keep(panel: &Element, values: bool) -> Kept {
    let mut kept = Kept::default();
    if values {
        each(panel, KEPT, |c| {
            kept.values.push((key(&c), dom::value(&c)));
        });
    }
    each(panel, "details[open] > summary", |s| {
        kept.open.push(s.text_content().unwrap_or_default());
    });
    kept
}

pub fn restore(panel: &Element, kept: &Kept) {
    if !kept.values.is_empty() {
        each(panel, KEPT, |c| {
            let k = key(&c);
            if let Some((_, v)) = kept.values.iter().find(|(kk, _)| *kk == k) {
                match c.dyn_ref::<HtmlInputElement>() {
                    Some(i) if i.type_() == "checkbox" => i.set_checked(v == "true"),
                    _ => dom::set_value(&c, v),
                }
            }
        });
    }
    each(panel, "details > summary", |s| {
        if kept.open.contains(&s.text_content().unwrap_or_default()) {
            if let Some(d) = s.parent_element() {
                d.set_attr("open", "");
            }
        }
    });
}
