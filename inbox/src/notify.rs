//! Browser notifications: permission, and one notification per offer when the tab is hidden.

use std::cell::RefCell;
use std::collections::BTreeMap;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Notification, NotificationOptions, NotificationPermission, VisibilityState};

use crate::dom::{document, window};
use crate::error::InboxError;

thread_local! {
    static OPEN: RefCell<BTreeMap<u64, Notification>> = const { RefCell::new(BTreeMap::new()) };
}

/// `"granted"`, `"denied"`, `"default"`, or `"unsupported"`.
pub fn permission() -> &'static str {
    let has = window()
        .ok()
        .map(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false))
        .unwrap_or(false);
    if !has {
        return "unsupported";
    }
    match Notification::permission() {
        NotificationPermission::Granted => "granted",
        NotificationPermission::Denied => "denied",
        _ => "default",
    }
}

fn permission_owned() -> String {
    permission().into()
}

/// Shows the browser's own Allow prompt; `done` gets the answer.
pub fn request(done: impl FnOnce(String) + 'static) -> Result<(), InboxError> {
    let p = Notification::request_permission()?;
    wasm_bindgen_futures::spawn_local(async move {
        let v = wasm_bindgen_futures::JsFuture::from(p).await;
        done(
            v.ok()
                .and_then(|v| v.as_string())
                .unwrap_or_else(permission_owned),
        );
    });
    Ok(())
}

/// Is the inbox out of sight (another tab, minimised, or another window focused)?
pub fn page_hidden() -> bool {
    document()
        .map(|d| d.visibility_state() == VisibilityState::Hidden || !d.has_focus().unwrap_or(true))
        .unwrap_or(false)
}

/// Shows "New live chat" for `offer`; clicking it focuses the window and calls `on_click`.
pub fn show(offer: u64, body: &str, on_click: impl FnMut() + 'static) -> Result<(), InboxError> {
    let opts = NotificationOptions::new();
    opts.set_body(body);
    opts.set_tag(&offer.to_string());
    opts.set_require_interaction(true);
    let n = Notification::new_with_options("New live chat", &opts)?;
    let mut on_click = on_click;
    let click = Closure::<dyn FnMut()>::new(move || {
        if let Ok(w) = window() {
            let _ = w.focus();
        }
        on_click();
    });
    n.set_onclick(Some(click.as_ref().unchecked_ref()));
    click.forget();
    OPEN.with(|o| o.borrow_mut().insert(offer, n));
    Ok(())
}

/// Closes the notification of an offer that was accepted, declined or withdrawn.
pub fn close(offer: u64) {
    if let Some(n) = OPEN.with(|o| o.borrow_mut().remove(&offer)) {
        n.close();
    }
}
