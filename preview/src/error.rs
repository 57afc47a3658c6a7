//! The preview's errors: shown in the page's control bar, never thrown at the widget.

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The dialogue, a start request or a client frame was not the JSON expected.
    #[error("unreadable JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A socket frame or an agent action before the widget started the conversation.
    #[error("The conversation has not started yet.")]
    NotStarted,
    /// "An agent joins" / "Nobody answers" while no live chat is waiting.
    #[error("No live chat is waiting for an agent.")]
    NotWaiting,
    /// "The agent writes" before an agent joined (or after the chat ended).
    #[error("No agent is in the chat.")]
    NotChatting,
    /// The conversation machine refused what the simulated agent or workspace did.
    #[error("{0}")]
    Refused(String),
}
