//! The latest settled request of recent conversations: link messages may arrive twice or out
//! of order, and a request repeated after its end (or overtaken by its own cancel) must not be
//! routed again. Bounded: the oldest entries are forgotten first; duplicates arrive within
//! seconds, far sooner than [`SETTLED_MEMORY`] other requests settle.

use std::collections::{BTreeMap, VecDeque};

use crate::ConversationId;

/// How many conversations' settled requests are remembered.
pub const SETTLED_MEMORY: usize = 10_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settled {
    latest: BTreeMap<ConversationId, u32>,
    /// First settled first, for forgetting.
    order: VecDeque<ConversationId>,
    /// Inserted or changed since the last [`Settled::take_changes`] (for storing).
    changed: Vec<ConversationId>,
    /// Forgotten since the last [`Settled::take_changes`].
    forgotten: Vec<ConversationId>,
}

impl Settled {
    /// Rebuilds the memory from stored rows, oldest first.
    pub fn from_rows(rows: impl IntoIterator<Item = (ConversationId, u32)>) -> Self {
        let mut s = Settled::default();
        for (conversation, request) in rows {
            s.order.push_back(conversation.clone());
            s.latest.insert(conversation, request);
        }
        s
    }

    /// The rows to store, oldest first.
    pub fn rows(&self) -> impl Iterator<Item = (&ConversationId, u32)> + '_ {
        self.order
            .iter()
            .filter_map(|c| self.latest.get(c).map(|&r| (c, r)))
    }

    /// Whether request `request` of `conversation` has settled already.
    pub fn has_settled(&self, conversation: &ConversationId, request: u32) -> bool {
        self.latest
            .get(conversation)
            .is_some_and(|&latest| request <= latest)
    }

    /// The latest settled request of the conversation, if remembered.
    pub fn latest(&self, conversation: &ConversationId) -> Option<u32> {
        self.latest.get(conversation).copied()
    }

    /// Records that `request` (and every older one) of `conversation` is over.
    pub fn settle(&mut self, conversation: &ConversationId, request: u32) {
        match self.latest.get_mut(conversation) {
            Some(latest) if *latest >= request => return,
            Some(latest) => *latest = request,
            None => {
                self.latest.insert(conversation.clone(), request);
                self.order.push_back(conversation.clone());
                while self.order.len() > SETTLED_MEMORY {
                    if let Some(old) = self.order.pop_front() {
                        self.latest.remove(&old);
                        self.forgotten.push(old);
                    }
                }
            }
        }
        self.changed.push(conversation.clone());
    }

    /// What changed since the last call: `(changed, forgotten)`.
    pub fn take_changes(&mut self) -> (Vec<ConversationId>, Vec<ConversationId>) {
        let forgotten = std::mem::take(&mut self.forgotten);
        let changed = std::mem::take(&mut self.changed)
            .into_iter()
            .filter(|c| self.latest.contains_key(c))
            .collect();
        (changed, forgotten)
    }
}
