//! Parlor's agent inbox and admin views: Rust → WebAssembly over plain web-sys.
//!
//! Elm-style, like the widget: each view has a `Model`, a `Msg`, an `update` that holds the
//! rules (pure, tested natively) and a `view` that keeps the DOM in step. Visitor-provided
//! text only ever goes in as text (`textContent`).

#[cfg(feature = "admin")]
pub mod admin;
#[cfg(feature = "agent")]
pub mod inbox;
pub mod session;

mod alloc;
mod api;
mod dom;
mod error;
pub mod fmt;
#[cfg(feature = "admin")]
pub mod i18n;
mod json;
mod mailbox;
#[cfg(feature = "agent")]
mod notify;
#[cfg(feature = "agent")]
mod push;
mod socket;
#[cfg(feature = "agent")]
mod sound;
pub mod wire;

pub use error::InboxError;

use wasm_bindgen::prelude::*;

/// Builds the agent inbox inside `root`.
#[cfg(feature = "agent")]
#[wasm_bindgen]
pub fn start_inbox(root: web_sys::Element) -> Result<(), JsValue> {
    inbox::start(root)?;
    Ok(())
}

/// Builds the admin views inside `root`, in the language of `words` (a catalogue of
/// translations, see `i18n`; empty for English).
#[cfg(feature = "admin")]
#[wasm_bindgen]
pub fn start_admin(root: web_sys::Element, words: &str) -> Result<(), JsValue> {
    i18n::load(words);
    admin::start(root)?;
    Ok(())
}
