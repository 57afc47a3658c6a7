//! Draws canned replies (`canned.rs`): the composer's list, an ARIA listbox the composer
//! controls (`aria-controls`, `aria-activedescendant`), and the manager of the agent's own
//! replies, a `<details>` in the top bar (the browser opens and closes it); and runs their
//! effects (the API calls, the composer's new text).

use std::rc::Rc;

use parlor_core::canned::{CannedReply, Scope};
use web_sys::Element;

use super::app::{dispatch, App};
use super::canned::{Fx, Msg as CannedMsg};
use super::model::{Model, Msg};
use crate::api::{self, ws_path};
use crate::dom::{self, button, clear, el, show, text_el, SetAttr};
use crate::session::Session;
use crate::wire;

pub struct Parts {
    list: Element,
    mine: Element,
    /// The manager's two fields, emptied once a reply is added.
    fields: [Element; 2],
    drawn: Option<u32>,
    saved: u32,
}

/// Sets attributes (constant names: see `dom::SetAttr`).
fn set(e: &Element, pairs: &[(&str, &str)]) {
    for (k, v) in pairs {
        e.set_attr(k, v);
    }
}

/// A reply as a list item: `/shortcut`, then its text.
fn line(r: &CannedReply, parent: &Element) -> Element {
    let li = el("li", "", parent);
    text_el("strong", "", &format!("/{}", r.shortcut), &li);
    text_el("span", "", &r.text, &li);
    li
}

impl Parts {
    /// The manager in the top bar (before Sign out), the list above the composer. (Not inlined
    /// into `View::build`: a `?` there drops the whole view.)
    #[inline(never)]
    pub fn build(top: &Element, form: &Element, composer: &Element) -> Parts {
        let manager = el("details", "canned-manager", top);
        let _ = top.insert_before(&manager, manager.previous_sibling().as_ref());
        let summary = text_el("summary", "", "Canned replies", &manager);
        set(&summary, &[("data-act", "canned-manage")]);
        let panel = el("div", "canned-panel", &manager);
        let mine = el("ul", "canned-mine", &panel);
        let add = el("form", "canned-add", &panel);
        set(&add, &[("data-form", "canned-add")]);
        let fields = [
            dom::field("Shortcut", "input", "shortcut", "", &add),
            dom::field("Text", "textarea", "text", "", &add),
        ];
        set(
            &text_el("button", "primary", "Add reply", &add),
            &[("type", "submit")],
        );

        let list = el("ul", "canned-list", form);
        let _ = form.insert_before(&list, form.first_child().as_ref());
        set(
            &list,
            &[
                ("id", "canned-list"),
                ("role", "listbox"),
                ("aria-label", "Canned replies"),
            ],
        );
        set(
            composer,
            &[
                ("aria-controls", "canned-list"),
                ("aria-autocomplete", "list"),
            ],
        );
        Parts {
            list,
            mine,
            fields,
            drawn: None,
            saved: 0,
        }
    }

    #[inline(never)]
    pub fn render(&mut self, m: &Model, composer: &Element) {
        let c = &m.canned;
        if self.drawn == Some(c.rev) {
            return;
        }
        self.drawn = Some(c.rev);
        clear(&self.list);
        let options = c.options();
        let mut active = String::new();
        for (i, r) in options.iter().enumerate() {
            let li = line(r, &self.list);
            let id = format!("canned-opt-{i}");
            let selected = i == c.active;
            if selected {
                active.clone_from(&id);
            }
            set(
                &li,
                &[
                    ("id", &id),
                    ("role", "option"),
                    ("data-act", "canned-pick"),
                    ("data-id", &r.id),
                    ("aria-selected", if selected { "true" } else { "false" }),
                ],
            );
        }
        show(&self.list, !options.is_empty());
        if active.is_empty() {
            let _ = composer.remove_attribute("aria-activedescendant");
        } else {
            set(composer, &[("aria-activedescendant", &active)]);
        }

        if self.saved != c.saved {
            self.saved = c.saved;
            for f in &self.fields {
                dom::set_value(f, "");
            }
        }
        clear(&self.mine);
        for r in c.replies.iter().filter(|r| r.scope == Scope::Personal) {
            let li = line(r, &self.mine);
            let label = format!("Delete /{}", r.shortcut);
            set(
                &button("link", &label, "canned-delete", &li),
                &[("data-id", &r.id)],
            );
        }
    }
}

/// Carries out one effect: `Compose` puts the text in the composer; the API calls answer with
/// a message (one request each, then one decision, so one small future).
pub fn run(app: &Rc<App>, session: Option<&Session>, composer: &Element, fx: Fx) {
    let Some(s) = session else { return };
    let mut path = ws_path(&s.workspace, "canned-replies");
    let (method, body, done) = match fx {
        Fx::Compose(text) => {
            dom::set_value(composer, &text);
            dom::focus(composer);
            return;
        }
        Fx::Load => ("GET", None, ""),
        Fx::Add(shortcut, text) => {
            let body = wire::Obj::new().strings([
                ("shortcut", shortcut.trim()),
                ("text", text.as_str()),
                ("scope", "personal"),
            ]);
            ("POST", body.into_json().ok(), "Reply added.")
        }
        Fx::Delete(id) => {
            path.push('/');
            path.push_str(&String::from(js_sys::encode_uri_component(&id)));
            ("DELETE", None, "Reply deleted.")
        }
    };
    let (token, a) = (s.token.clone(), app.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let answer = api::call(method, &path, Some(&token), body).await;
        let msg = match answer {
            Ok(v) if done.is_empty() => wire::canned_replies(&v).map(CannedMsg::Loaded),
            Ok(_) => Ok(CannedMsg::Saved(done.into())),
            Err(e) => Err(e),
        };
        let msg = msg.unwrap_or_else(|e| CannedMsg::Failed(e.to_string()));
        dispatch(&a, Msg::Canned(msg));
    });
}
