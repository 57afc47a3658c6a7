//! Agents who can take live chats, signed in with an inbox open: how most workspace tests begin.

use parlor_core::protocol::AgentProfile;
use parlor_core::workspace::{Workspace, WorkspaceInput};
use parlor_core::{AgentId, Millis};

/// Adds agent `name` (live chat allowed, no team, named `NAME`) and opens their inbox, at 0.
pub fn sign_in(w: &mut Workspace, name: &str) {
    let agent = AgentId::new(name);
    w.handle(
        WorkspaceInput::UpsertAgent {
            agent: agent.clone(),
            live_chat: true,
            teams: Vec::new(),
            profile: AgentProfile {
                name: name.to_uppercase(),
                avatar_url: None,
            },
        },
        Millis(0),
    );
    w.handle(WorkspaceInput::InboxOpened { agent }, Millis(0));
}
