//! What one object owes another on the link: messages whose call failed (the other object was
//! being replaced by a deploy, overloaded, unreachable). They stay with the sender and go again,
//! first, with its next call to that object; its alarm tries again after a back-off. A lead, a
//! live chat request, an acceptance or a fallback is thus never dropped on the way, in either
//! direction. The link is safe to repeat and to reorder (see [`crate::link`]), so a message sent
//! twice, or overtaken, does no harm.

use serde::{Deserialize, Serialize};

use crate::link::{ConversationToWorkspace, WorkspaceToConversation};
use crate::Millis;

/// What becomes of an owed message when more are owed beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    Keep,
    /// Only the newest of this kind counts (a later one replaces it).
    Newest,
    /// Stale once its call failed: the receiver's answer would come too late to matter.
    Drop,
}

/// A link message, as something that may be owed.
pub trait Owable {
    fn fold(&self) -> Fold;
}

impl Owable for ConversationToWorkspace {
    fn fold(&self) -> Fold {
        match self {
            // Only the newest index row counts.
            ConversationToWorkspace::Index { .. } => Fold::Newest,
            // Answered by the conversation's own wait when no answer comes
            // (`conversation::CHECK_WAIT`).
            ConversationToWorkspace::CheckAvailability { .. } => Fold::Drop,
            _ => Fold::Keep,
        }
    }
}

impl Owable for WorkspaceToConversation {
    fn fold(&self) -> Fold {
        match self {
            WorkspaceToConversation::Pace { .. } => Fold::Newest,
            // The conversation stopped waiting for it after `CHECK_WAIT`.
            WorkspaceToConversation::Availability { .. } => Fold::Drop,
            _ => Fold::Keep,
        }
    }
}

/// The first retry after a failed call.
pub const FIRST_RETRY: Millis = Millis(2_000);
/// Retries double up to this.
pub const MAX_RETRY: Millis = Millis(5 * 60 * 1000);
/// After this many failed calls in a row (about four hours at the longest back-off) the
/// receiver is taken to be gone for good (erased, or never to answer) and the messages dropped.
pub const MAX_ATTEMPTS: u32 = 50;
/// At most this many messages are kept (the oldest go first): far more than a conversation
/// produces while its workspace is away, since index rows replace each other.
pub const MAX_OWED: usize = 500;

/// The messages owed, oldest first, and the failed calls since the last that went through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owed<M> {
    pub messages: Vec<M>,
    #[serde(default)]
    pub attempts: u32,
}

impl<M> Default for Owed<M> {
    fn default() -> Self {
        Owed {
            messages: Vec::new(),
            attempts: 0,
        }
    }
}

impl<M: Owable> Owed<M> {
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// What to send first with the next call (the owed messages stay owed until a call
    /// carrying them goes through: see [`Owed::failed`] and [`Owed::delivered`]).
    pub fn take(&mut self) -> Vec<M> {
        std::mem::take(&mut self.messages)
    }

    /// The call carrying `batch` failed at `now`: its messages are owed, before any owed since
    /// it was sent. Returns when to try again.
    pub fn failed(&mut self, batch: Vec<M>, now: Millis) -> Millis {
        let later = std::mem::take(&mut self.messages);
        let mut all = batch;
        all.extend(later);
        let newest = all.iter().rposition(|m| m.fold() == Fold::Newest);
        let mut at = 0;
        all.retain(|m| {
            let keep = match m.fold() {
                Fold::Keep => true,
                Fold::Newest => Some(at) == newest,
                Fold::Drop => false,
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

    /// Whether the receiver failed so often in a row that it counts as gone for good.
    pub fn gave_up(&self) -> bool {
        self.attempts >= MAX_ATTEMPTS
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
