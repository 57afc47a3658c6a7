//! Identifier newtypes, so an agent id can never be passed where a team id is expected.

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(s: impl Into<String>) -> Self {
                Self(s.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    )*};
}

string_id!(
    /// A workspace (one customer account): its settings, agents, dialogues.
    WorkspaceId,
    /// An agent (a human who answers live chats).
    AgentId,
    /// A team of agents.
    TeamId,
    /// A conversation between one visitor and the workspace.
    ConversationId,
    /// A dialogue (a tree of cards).
    DialogueId,
    /// A card inside a dialogue.
    CardId,
    /// A button of a question card.
    ButtonId,
);
