//! Unpublished drafts, kept in this browser (localStorage) so a reload, a closed tab or a
//! crash loses at most the last pause's typing. One key per workspace holds them all.

use wasm_bindgen::JsValue;

use super::model::Draft;
use super::wire::{dialogue, dialogue_js};
use crate::wire::{get, items, Obj};

fn key(ws: &str) -> String {
    let mut k = String::from("parlor:drafts:");
    k.push_str(ws);
    k
}

fn storage() -> Option<web_sys::Storage> {
    crate::dom::window().ok()?.local_storage().ok().flatten()
}

/// The drafts kept for this workspace (none when unreadable: a draft is a convenience).
pub fn load(ws: &str) -> Vec<Draft> {
    let Some(text) = storage().and_then(|s| s.get_item(&key(ws)).ok().flatten()) else {
        return Vec::new();
    };
    let v = js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL);
    items(&v, |r, o| {
        let base = r.number(o, "base");
        Draft {
            key: r.string(o, "key"),
            base: (base > 0).then_some(base),
            new: r.boolean(o, "new"),
            dialogue: dialogue(r, &get(o, "dialogue")),
        }
    })
    .unwrap_or_default()
}

/// Replaces the kept drafts (removes the key when there are none).
pub fn save(ws: &str, drafts: &[Draft]) {
    let Some(st) = storage() else { return };
    if drafts.is_empty() {
        let _ = st.remove_item(&key(ws));
        return;
    }
    let list: js_sys::Array = drafts
        .iter()
        .map(|d| {
            Obj::new()
                .set("key", d.key.as_str())
                .set("base", d.base.unwrap_or(0) as f64)
                .set("new", d.new)
                .set("dialogue", dialogue_js(&d.dialogue))
                .into_js()
        })
        .collect();
    if let Ok(Some(text)) = js_sys::JSON::stringify(&list).map(|s| s.as_string()) {
        // Full storage: the draft stays in this tab only.
        let _ = st.set_item(&key(ws), &text);
    }
}
