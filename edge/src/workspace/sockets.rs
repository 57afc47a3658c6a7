//! The workspace object's WebSockets: agents' inboxes (tag `agent:<id>`) and admin views
//! (tag `admin`). Hibernatable: who is on a socket is kept in its attachment.

use serde::{Deserialize, Serialize};
use worker::{State, WebSocket};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Peer {
    Agent { agent: String },
    Admin,
}

pub fn agent_tag(agent: &str) -> String {
    format!("agent:{agent}")
}

pub fn send_json<T: Serialize>(ws: &WebSocket, msg: &T) {
    if let Ok(text) = serde_json::to_string(msg) {
        let _ = ws.send_with_str(text);
    }
}

/// Sends to every open inbox of one agent.
pub fn to_agent<T: Serialize>(state: &State, agent: &str, msg: &T) {
    for ws in state.get_websockets_with_tag(&agent_tag(agent)) {
        send_json(&ws, msg);
    }
}

pub fn to_admins<T: Serialize>(state: &State, msg: &T) {
    for ws in state.get_websockets_with_tag("admin") {
        send_json(&ws, msg);
    }
}

/// Is any inbox of this agent still open (other than `except`)?
pub fn agent_connected(state: &State, agent: &str, except: Option<&WebSocket>) -> bool {
    state
        .get_websockets_with_tag(&agent_tag(agent))
        .iter()
        .any(|ws| except.is_none_or(|e| e != ws))
}
