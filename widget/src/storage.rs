//! The conversation token in localStorage under `parlor:<workspace>` (the loader reads it too).
//! Storage can be missing or throw (private modes, sandboxed frames): then nothing is kept.

use wasm_bindgen::JsCast;
use web_sys::Storage;

fn store() -> Option<Storage> {
    let s = crate::dom::global("localStorage");
    s.is_object().then(|| s.unchecked_into())
}

fn key(workspace: &str) -> String {
    let mut k = String::from("parlor:");
    k.push_str(workspace);
    k
}

pub fn load(workspace: &str) -> Option<String> {
    store()?
        .get_item(&key(workspace))
        .ok()?
        .filter(|t| !t.is_empty())
}

pub fn save(workspace: &str, token: &str) {
    if let Some(s) = store() {
        let _ = s.set_item(&key(workspace), token);
    }
}

pub fn clear(workspace: &str) {
    if let Some(s) = store() {
        let _ = s.remove_item(&key(workspace));
    }
}
