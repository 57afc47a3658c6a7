//! The conversation token in localStorage under `parlor:<workspace>` (the loader reads it too),
//! and the key of a start not answered yet under `parlor:<workspace>:start`. Storage can be
//! missing or throw (private modes, sandboxed frames): then nothing is kept.

use wasm_bindgen::JsCast;
use web_sys::Storage;

fn store() -> Option<Storage> {
    let s = crate::dom::global("localStorage");
    s.is_object().then(|| s.unchecked_into())
}

/// What is kept: the token (`parlor:<workspace>`) or a start's key.
pub const TOKEN: &str = "";
pub const START_KEY: &str = ":start";

fn key(workspace: &str, what: &str) -> String {
    let mut k = String::from("parlor:");
    k.push_str(workspace);
    k.push_str(what);
    k
}

pub fn load(workspace: &str, what: &str) -> Option<String> {
    store()?
        .get_item(&key(workspace, what))
        .ok()?
        .filter(|t| !t.is_empty())
}

pub fn save(workspace: &str, what: &str, value: &str) {
    if let Some(s) = store() {
        let _ = s.set_item(&key(workspace, what), value);
    }
}

pub fn clear(workspace: &str, what: &str) {
    if let Some(s) = store() {
        let _ = s.remove_item(&key(workspace, what));
    }
}
