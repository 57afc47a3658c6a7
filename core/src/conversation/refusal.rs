//! Why an input was refused: a stable code for programs, a sentence for people.

use crate::protocol::{ChatServerMsg, MAX_MESSAGE_BYTES};

use super::settings::MAX_CLIENT_ID_CHARS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("This conversation is over.")]
    Closed,
    #[error("This conversation has already started.")]
    AlreadyStarted,
    #[error("This conversation has not started yet.")]
    NotStarted,
    #[error("That card is not the one waiting for an answer.")]
    NotCurrentCard,
    #[error("That button is not part of this card.")]
    UnknownButton,
    #[error("Messages can be sent once you have asked to talk to someone.")]
    ChatNotOpen,
    #[error("Only the agent of an accepted live chat can do that.")]
    NoLiveChat,
    #[error("No live chat was requested in this conversation.")]
    NoLiveChatRequest,
    #[error("An agent has already joined this live chat.")]
    AlreadyAccepted,
    #[error("The message is empty.")]
    EmptyMessage,
    #[error("The message is longer than {MAX_MESSAGE_BYTES} bytes.")]
    MessageTooLong,
    #[error("A message id must be 1 to {MAX_CLIENT_ID_CHARS} characters.")]
    InvalidClientId,
    #[error("The bot cannot do that.")]
    NotAllowed,
    #[error("A message can be left only when live chat could not happen.")]
    NoFallback,
    #[error("A message was already left in this conversation.")]
    MessageAlreadyLeft,
    #[error("Please give your email address so we can answer you.")]
    EmailRequired,
    #[error("This doesn't look like an email address.")]
    InvalidEmail,
    #[error("The transcript can be emailed once a chat with an agent has ended.")]
    TranscriptUnavailable,
    #[error("No email address was given in this conversation.")]
    NoEmail,
    #[error("The transcript was already emailed.")]
    TranscriptAlreadySent,
}

impl Refusal {
    /// Stable snake_case code sent in `ChatServerMsg::Error`. Never renamed.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Closed => "conversation_closed",
            Refusal::AlreadyStarted => "already_started",
            Refusal::NotStarted => "not_started",
            Refusal::NotCurrentCard => "not_current_card",
            Refusal::UnknownButton => "unknown_button",
            Refusal::ChatNotOpen => "chat_not_open",
            Refusal::NoLiveChat => "no_live_chat",
            Refusal::NoLiveChatRequest => "no_live_chat_request",
            Refusal::AlreadyAccepted => "already_accepted",
            Refusal::EmptyMessage => "empty_message",
            Refusal::MessageTooLong => "message_too_long",
            Refusal::InvalidClientId => "invalid_client_id",
            Refusal::NotAllowed => "not_allowed",
            Refusal::NoFallback => "no_fallback",
            Refusal::MessageAlreadyLeft => "message_already_left",
            Refusal::EmailRequired => "email_required",
            Refusal::InvalidEmail => "invalid_email",
            Refusal::TranscriptUnavailable => "transcript_unavailable",
            Refusal::NoEmail => "no_email",
            Refusal::TranscriptAlreadySent => "transcript_already_sent",
        }
    }

    pub fn to_msg(self) -> ChatServerMsg {
        ChatServerMsg::Error {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
    }
}
