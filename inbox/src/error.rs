//! The inbox's errors. Nothing panics: every failure becomes one of these, is logged, and
//! (when a person should know) shown in words.

use wasm_bindgen::JsValue;

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// A browser API threw.
    #[error("the browser refused: {0}")]
    Js(String),
    /// Something the page needs is not there (window, document, an element…).
    #[error("missing {0}")]
    Missing(&'static str),
    /// The server's JSON did not have the expected shape.
    #[error("unexpected data from the server: {0}")]
    Data(String),
    /// The server could not be reached.
    #[error("Cannot reach the server. Check your connection and try again.")]
    Network,
    /// The server answered with an error (`{"error", "message", "issues"?}`).
    #[error("{message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        /// The body as sent, for callers that read more (dialogue issues).
        body: JsValue,
    },
}

impl InboxError {
    pub fn status(&self) -> u16 {
        match self {
            InboxError::Api { status, .. } => *status,
            _ => 0,
        }
    }
}

/// Sign-in failures in words a person understands.
pub fn sign_in_error(e: &InboxError) -> String {
    match e.status() {
        401 => "That email and password do not match. Check them and try again.".into(),
        404 => "There is no workspace with that name. Check the workspace id.".into(),
        400 | 422 => "Please check the workspace id, email and password.".into(),
        429 => "Too many attempts. Please wait a few minutes (at most 15) and try again.".into(),
        _ => e.to_string(),
    }
}

impl From<JsValue> for InboxError {
    fn from(v: JsValue) -> Self {
        let text = v
            .as_string()
            .or_else(|| {
                js_sys::Reflect::get(&v, &JsValue::from_str("message"))
                    .ok()
                    .and_then(|m| m.as_string())
            })
            .unwrap_or_else(|| "unknown error".into());
        InboxError::Js(text)
    }
}

impl From<InboxError> for JsValue {
    fn from(e: InboxError) -> JsValue {
        JsValue::from_str(&e.to_string())
    }
}

/// Logs an error to the console; the page carries on.
pub fn log(e: &InboxError) {
    web_sys::console::error_2(
        &JsValue::from_str("parlor inbox:"),
        &JsValue::from_str(&e.to_string()),
    );
}
