//! The signed-in session, kept in localStorage so a reload stays signed in.

use serde::{Deserialize, Serialize};

use crate::dom::window;

/// The signed-in agent, as `POST …/sessions` and `GET …/me` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct AgentInfo {
    pub id: String,
    pub email: String,
    pub name: String,
    pub avatar_url: Option<String>,
    pub live_chat: bool,
    pub role: String,
    pub teams: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub workspace: String,
    pub token: String,
    /// `None` when signed in with the workspace admin key.
    pub agent: Option<AgentInfo>,
}

fn storage() -> Option<web_sys::Storage> {
    window().ok()?.local_storage().ok().flatten()
}

pub fn load(key: &str) -> Option<Session> {
    let text = storage()?.get_item(key).ok().flatten()?;
    crate::wire::session(&text)
}

pub fn save(key: &str, s: &Session) {
    if let (Some(st), Ok(text)) = (storage(), crate::wire::session_json(s)) {
        let _ = st.set_item(key, &text);
    }
}

pub fn clear(key: &str) {
    if let Some(st) = storage() {
        let _ = st.remove_item(key);
    }
}

/// A one-time choice this browser remembers (a tip the agent dismissed).
pub fn flag(key: &str) -> bool {
    storage()
        .and_then(|s| s.get_item(key).ok().flatten())
        .is_some()
}

pub fn set_flag(key: &str) {
    if let Some(st) = storage() {
        let _ = st.set_item(key, "1");
    }
}

/// What the sign-in page says after the server ended the session (close code 4001): the
/// server's reason, which is written for a person, or a general sentence.
pub fn ended_words(reason: &str) -> String {
    let reason = reason.trim();
    if reason.is_empty() {
        "Your session has ended. Please sign in again.".into()
    } else {
        reason.into()
    }
}
