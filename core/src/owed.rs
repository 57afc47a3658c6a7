//! What a conversation owes its workspace: link messages whose call failed (the workspace was
//! being replaced by a deploy, overloaded, unreachable). They stay with the conversation and go
//! again, first, with its next call; its alarm tries again after a back-off. A lead, a failed
//! action or a live chat request is thus never dropped on the way. The link is safe to repeat
//! and to reorder (see [`crate::link`]), so a message sent twice, or overtaken, does no harm.

use serde::{Deserialize, Serialize};

use crate::link::ConversationToWorkspace;
use crate::Millis;

/// The first retry after a failed call.
pub const FIRST_RETRY: Millis = Millis(2_000);
/// Retries double up to this.
pub const MAX_RETRY: Millis = Millis(5 * 60 * 1000);
/// At most this many messages are kept (the oldest go first): far more than a conversation
/// produces while its workspace is away, since index rows replace each other.
pub const MAX_OWED: usize = 500;

/// The messages owed, oldest first, and the failed calls since the last that went through.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Owed {
    pub messages: Vec<ConversationToWorkspace>,
    #[serde(default)]
    pub attempts: u32,
}

impl Owed {
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// What to send first with the next call (the owed messages stay owed until a call
    /// carrying them goes through: see [`Owed::failed`] and [`Owed::delivered`]).
    pub fn take(&mut self) -> Vec<ConversationToWorkspace> {
        std::mem::take(&mut self.messages)
    }

    /// The call carrying `batch` failed at `now`: its messages are owed, before any owed since
    /// it was sent. Returns when to try again.
    pub fn failed(&mut self, batch: Vec<ConversationToWorkspace>, now: Millis) -> Millis {
        let later = std::mem::take(&mut self.messages);
        let mut all = batch;
        all.extend(later);
        // Only the newest index row counts; an availability check is answered by the
        // conversation's own wait when no answer comes (`conversation::CHECK_WAIT`).
        let newest_index = all
            .iter()
            .rposition(|m| matches!(m, ConversationToWorkspace::Index { .. }));
        let mut at = 0;
        all.retain(|m| {
            let keep = match m {
                ConversationToWorkspace::Index { .. } => Some(at) == newest_index,
                ConversationToWorkspace::CheckAvailability { .. } => false,
                _ => true,
            };
            at += 1;
            keep
        });
        let over = all.len().saturating_sub(MAX_OWED);
        all.drain(..over);
        self.messages = all;
        self.attempts = self.attempts.saturating_add(1);
        now.after(self.delay())
    }

    /// A call went through: the next failure starts the back-off again.
    pub fn delivered(&mut self) {
        self.attempts = 0;
    }

    fn delay(&self) -> Millis {
        let doublings = self.attempts.saturating_sub(1).min(16);
        Millis(
            FIRST_RETRY
                .0
                .saturating_mul(1 << doublings)
                .min(MAX_RETRY.0),
        )
    }
}
