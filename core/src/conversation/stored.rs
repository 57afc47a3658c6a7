//! How a conversation is stored, and loaded back.
//!
//! Three parts, so that a chat message costs one row:
//! - the dialogue, written once when the conversation is created;
//! - the state without the dialogue (the serialization of [`Conversation`]), written when the
//!   core emits [`Effect::Persist`];
//! - the transcript, one row per [`Effect::Append`]ed entry.
//!
//! A chat message changes only what its entry records (`log.rs`), so it is stored as that entry
//! alone, and [`Conversation::restore`] replays the entries after the stored state's `last_seq`.
//! Every input that changes anything else ends with `Persist`, in the same commit as its
//! entries; so do [`CHECKPOINT_EVERY`] messages in a row, so a load replays few entries. One
//! field is let wait for the next write: the preview pace, the workspace's advice (see
//! [`crate::link::WorkspaceToConversation::is_advice`]), so a `Pace` costs no commit.

use std::mem;

use serde::{Deserialize, Serialize};

use super::io::Effect;
use super::log::ChatLog;
use super::state::{no_dialogue, Conversation};
use crate::dialogue::Dialogue;
use crate::protocol::{TranscriptEntry, TranscriptEvent};

/// At most this many chat messages in a row are stored without the state.
pub const CHECKPOINT_EVERY: u32 = 64;

/// A stored state, decoded: a conversation again once given its dialogue and the entries
/// stored after it ([`Conversation::restore`]).
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct StoredState(Conversation);

impl StoredState {
    /// The last entry the state counts; the entries after it must be passed to `restore`.
    pub fn last_seq(&self) -> u64 {
        self.0.log.last_seq
    }
}

/// A snapshot as versions before the split stored it: the state with the dialogue embedded.
#[derive(Debug, Deserialize)]
pub struct WholeSnapshot {
    dialogue: Dialogue,
    #[serde(flatten)]
    state: StoredState,
}

impl WholeSnapshot {
    /// The two parts stored now.
    pub fn into_parts(self) -> (Dialogue, StoredState) {
        (self.dialogue, self.state)
    }
}

impl Conversation {
    /// What to store when [`Effect::Persist`] says so: the state without the dialogue.
    pub fn stored_state(&self) -> &impl Serialize {
        self
    }

    /// The conversation from its stored parts: `entries` are those stored after
    /// `state.last_seq()`, in `seq` order (earlier ones are skipped).
    pub fn restore(dialogue: Dialogue, state: StoredState, entries: &[TranscriptEntry]) -> Self {
        let mut c = state.0;
        c.dialogue = dialogue;
        for entry in entries {
            c.log.replay(entry);
        }
        c.remember_stored();
        c
    }

    /// After an input: asks for the state to be stored unless reloading the stored state and
    /// the entries gives this machine anyway. `log_before` is [`ChatLog::without_resends`]
    /// from before the input.
    pub(super) fn persist_if_needed(&mut self, mut log_before: ChatLog, fx: &mut Vec<Effect>) {
        let mut replayable = true;
        for effect in fx.iter() {
            if let Effect::Append(entry) = effect {
                replayable &= matches!(
                    entry.event,
                    TranscriptEvent::Message { .. } | TranscriptEvent::Note { .. }
                );
                log_before.replay(entry);
            }
        }
        let log_replayed = log_before.same_but_resends(&self.log);
        if !(replayable && log_replayed)
            || self.log.unsaved >= CHECKPOINT_EVERY
            || self.differs_from_stored()
        {
            self.log.unsaved = 0;
            self.remember_stored();
            fx.push(Effect::Persist);
        }
    }

    /// Whether anything but the dialogue (stored apart) and the message log (stored in the
    /// entries) differs from the state as last stored. Compares the whole machine with those
    /// set aside, so a field added later is compared without being listed here.
    fn differs_from_stored(&mut self) -> bool {
        let Some(stored) = self.stored.take() else {
            return true;
        };
        let dialogue = mem::replace(&mut self.dialogue, no_dialogue());
        let log = mem::take(&mut self.log);
        // The preview pace is the workspace's advice: it goes with the next write rather than
        // costing one (a restart before it only sends previews at the older pace until the
        // workspace's next reply says it again).
        let pace = mem::replace(&mut self.preview_every, stored.preview_every);
        let differs = *self != *stored;
        self.preview_every = pace;
        self.dialogue = dialogue;
        self.log = log;
        self.stored = Some(stored);
        differs
    }

    /// Keeps a copy of the state as it is being stored (without the dialogue and the log).
    pub(super) fn remember_stored(&mut self) {
        let dialogue = mem::replace(&mut self.dialogue, no_dialogue());
        let log = mem::take(&mut self.log);
        self.stored = None;
        let copy = self.clone();
        self.dialogue = dialogue;
        self.log = log;
        self.stored = Some(Box::new(copy));
    }
}

impl ChatLog {
    /// One stored entry, as a load applies it.
    fn replay(&mut self, entry: &TranscriptEntry) {
        if entry.seq <= self.last_seq {
            return;
        }
        // Whatever the entry, its number is taken: a later entry never reuses it.
        self.last_seq = entry.seq;
        match &entry.event {
            TranscriptEvent::Message {
                from,
                text,
                client_id,
            } => self.message(*from, client_id, entry.seq, entry.at, text),
            TranscriptEvent::Note { client_id, .. } => self.note(client_id, entry.seq),
            _ => {}
        }
    }
}
