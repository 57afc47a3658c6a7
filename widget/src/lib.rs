//! Parlor's visitor widget: Rust → WebAssembly, rendered inside the loader's shadow root.
//!
//! Elm-style: [`model::Model`] is the state, [`update::update`] the only place rules live (pure,
//! tested natively), `view` keeps the DOM in step, and `app` runs the effects `update` asks
//! for (HTTP, WebSocket, timers, storage, focus). The loader (`loader.js`) calls [`mount`].

pub mod after_chat;
mod alloc;
pub mod email;
pub mod i18n;
pub mod model;
pub mod text;
pub mod update;
pub mod wire;

mod app;
mod dom;
mod error;
mod http;
mod socket;
mod storage;
mod style;
mod view;

pub use app::{App, Mode};
pub use error::WidgetError;

use wasm_bindgen::prelude::*;
use web_sys::ShadowRoot;

/// Takes over `root` (the loader's shadow root): renders the launcher and panel, resumes a
/// stored conversation, and opens the panel when `config.open` is true.
#[wasm_bindgen]
pub fn mount(root: ShadowRoot, config: JsValue) -> Result<(), JsValue> {
    let (Some(workspace), Some(mut base)) = (
        wire::field(&config, "workspace"),
        wire::field(&config, "base"),
    ) else {
        return Err(JsValue::from_str("parlor: mount needs {workspace, base}"));
    };
    // An origin (the loader passes `new URL(src).origin`); a trailing slash is dropped here,
    // once, so every URL built from it can append a path.
    if base.as_bytes().last() == Some(&b'/') {
        base.truncate(base.len() - 1);
    }
    let open = wire::object(&config, "open").as_bool().unwrap_or(false);
    // The look the loader drew the launcher with (`look` of the availability read).
    let look = wire::object(&config, "look");
    let look = model::WidgetSettings {
        color: wire::field(&look, "color"),
        position: wire::field(&look, "position"),
        language: wire::field(&look, "language"),
    };
    app::start(root, workspace, base, open, look, config, Mode::Live)?;
    Ok(())
}

/// Like [`mount`] but with no network: effects are recorded for tests to read.
#[doc(hidden)]
#[cfg(feature = "record")]
pub fn mount_recording(
    root: ShadowRoot,
    workspace: &str,
    open: bool,
) -> Result<std::rc::Rc<App>, JsValue> {
    Ok(std::rc::Rc::new(App(app::start(
        root,
        workspace.into(),
        "https://parlor.test".into(),
        open,
        model::WidgetSettings::default(),
        JsValue::UNDEFINED,
        Mode::Record,
    )?)))
}

/// Feeds `msg` to a mounted widget, as its events and effects do (a test hook).
#[doc(hidden)]
pub fn dispatch(app: &std::rc::Rc<App>, msg: model::Msg) {
    app::dispatch(app.0, msg)
}
