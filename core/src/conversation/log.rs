//! What chat messages change in a conversation: all of it is written in the messages' own
//! transcript entries, so a message is stored as its entry alone and this part of the state is
//! rebuilt from the entries on load (`stored.rs`). `say` and that replay both go through
//! [`ChatLog::message`], so they cannot disagree.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::index::PREVIEW_CHARS;
use crate::protocol::Side;
use crate::Millis;

/// How many of a side's latest client ids are remembered, so a resend is stored once. A client
/// resends only what was in flight when its socket dropped, which the say rate limit keeps far
/// below this; remembering every id would grow the snapshot with every message.
pub const RESEND_WINDOW: usize = 256;

/// Stored flat in the conversation's snapshot (field names unchanged from when they were the
/// conversation's own).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatLog {
    pub(super) last_seq: u64,
    pub(super) last_activity: Millis,
    /// The latest chat message, shortened, for the Conversations view.
    #[serde(default)]
    pub(super) last_message: Option<String>,
    /// `client_id` → `seq` of stored messages, per side, so resends are stored once.
    /// The visitor's are kept as the visitor's own numbers (what their `ack` says).
    pub(super) visitor_messages: BTreeMap<String, u64>,
    pub(super) agent_messages: BTreeMap<String, u64>,
    /// Internal notes stored so far: an entry's number on the visitor's socket is its `seq`
    /// minus the notes before it.
    #[serde(default)]
    pub(super) notes: u64,
    /// `client_id` → `seq` of stored notes, so a resent note is stored once.
    #[serde(default)]
    pub(super) agent_notes: BTreeMap<String, u64>,
    /// Chat messages since the state was last stored: the entries a load replays.
    #[serde(skip)]
    pub(super) unsaved: u32,
}

impl ChatLog {
    /// A chat message stored as entry `seq` at `at` (the sequence number is already counted).
    pub(super) fn message(
        &mut self,
        from: Side,
        client_id: &str,
        seq: u64,
        at: Millis,
        text: &str,
    ) {
        self.touch(at);
        self.note_message(text);
        let seq = self.seq_for(from, seq);
        if let Some(seen) = self.messages_mut(from) {
            seen.insert(client_id.to_owned(), seq);
            forget_oldest_beyond(seen, RESEND_WINDOW);
        }
        self.unsaved = self.unsaved.saturating_add(1);
    }

    /// An internal note stored as entry `seq`: not activity, not the preview, not a reply.
    pub(super) fn note(&mut self, client_id: &str, seq: u64) {
        self.notes = self.notes.saturating_add(1);
        self.agent_notes.insert(client_id.to_owned(), seq);
        forget_oldest_beyond(&mut self.agent_notes, RESEND_WINDOW);
        self.unsaved = self.unsaved.saturating_add(1);
    }

    /// Entry `seq` (not a note) as `side` numbers it: the visitor does not count notes.
    pub(super) fn seq_for(&self, side: Side, seq: u64) -> u64 {
        match side {
            Side::Visitor => seq.saturating_sub(self.notes),
            Side::Agent | Side::Bot => seq,
        }
    }

    /// A copy without the resend memory (cheap): what an input's entries are replayed on to
    /// tell whether the input changed anything they do not record.
    pub(super) fn without_resends(&self) -> ChatLog {
        ChatLog {
            last_seq: self.last_seq,
            last_activity: self.last_activity,
            last_message: self.last_message.clone(),
            visitor_messages: BTreeMap::new(),
            agent_messages: BTreeMap::new(),
            notes: self.notes,
            agent_notes: BTreeMap::new(),
            unsaved: self.unsaved,
        }
    }

    /// Equal apart from the resend memory, which only [`ChatLog::message`] changes (and a load
    /// replays it alike).
    pub(super) fn same_but_resends(&self, other: &ChatLog) -> bool {
        self.last_seq == other.last_seq
            && self.last_activity == other.last_activity
            && self.last_message == other.last_message
            && self.notes == other.notes
            && self.unsaved == other.unsaved
    }

    /// Something a person did: pushes the inactivity deadline back.
    pub(super) fn touch(&mut self, now: Millis) {
        // Clocks of different edge isolates may disagree slightly; never move backwards.
        self.last_activity = self.last_activity.max(now);
    }

    /// Remembers a message for the preview.
    pub(super) fn note_message(&mut self, text: &str) {
        self.last_message = Some(text.chars().take(PREVIEW_CHARS).collect());
    }

    pub(super) fn messages(&self, side: Side) -> Option<&BTreeMap<String, u64>> {
        match side {
            Side::Visitor => Some(&self.visitor_messages),
            Side::Agent => Some(&self.agent_messages),
            Side::Bot => None,
        }
    }

    fn messages_mut(&mut self, side: Side) -> Option<&mut BTreeMap<String, u64>> {
        match side {
            Side::Visitor => Some(&mut self.visitor_messages),
            Side::Agent => Some(&mut self.agent_messages),
            Side::Bot => None,
        }
    }
}

/// Drops the entries with the lowest sequence numbers until at most `keep` remain.
fn forget_oldest_beyond(seen: &mut BTreeMap<String, u64>, keep: usize) {
    while seen.len() > keep {
        let oldest = seen
            .iter()
            .min_by_key(|(_, seq)| **seq)
            .map(|(id, _)| id.clone());
        match oldest {
            Some(id) => {
                seen.remove(&id);
            }
            None => break,
        }
    }
}
