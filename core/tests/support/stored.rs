//! The conversation object's storage as the edge keeps it (`edge/src/conversation/store.rs`):
//! the dialogue written once at creation, the state written with the creation and on every
//! `Effect::Persist`, and one transcript row per `Effect::Append`. Loading goes through
//! `Conversation::restore`, so a test that compares a load with the live machine checks that
//! the core's effects say everything that must be stored.

#![allow(dead_code)] // each test file uses the part it needs

use parlor_core::conversation::{Conversation, Effect, StoredState};
use parlor_core::dialogue::Dialogue;
use parlor_core::protocol::TranscriptEntry;

#[derive(Debug, Clone)]
pub struct Stored {
    pub dialogue: Dialogue,
    /// The state's JSON, as the edge writes it.
    pub state: String,
    pub entries: Vec<TranscriptEntry>,
    /// State writes after the creation (one per `Persist`).
    pub state_writes: usize,
}

impl Stored {
    /// What the edge writes when it creates the conversation object.
    pub fn created(c: &Conversation) -> Self {
        Stored {
            dialogue: c.dialogue().clone(),
            state: state_json(c),
            entries: Vec::new(),
            state_writes: 0,
        }
    }

    /// Writes what one `handle`'s effects ask for (`c` is the machine after it).
    pub fn apply(&mut self, c: &Conversation, effects: &[Effect]) {
        for effect in effects {
            match effect {
                // INSERT OR IGNORE by seq, as the edge does.
                Effect::Append(entry) if self.entries.iter().all(|e| e.seq != entry.seq) => {
                    self.entries.push(entry.clone());
                }
                Effect::Persist => {
                    self.state = state_json(c);
                    self.state_writes += 1;
                }
                _ => {}
            }
        }
    }

    /// The conversation as a fresh object loads it.
    pub fn load(&self) -> Conversation {
        let state: StoredState = serde_json::from_str(&self.state).expect("stored state decodes");
        let after = state.last_seq();
        let tail: Vec<TranscriptEntry> = self
            .entries
            .iter()
            .filter(|e| e.seq > after)
            .cloned()
            .collect();
        Conversation::restore(self.dialogue.clone(), state, &tail)
    }
}

pub fn state_json(c: &Conversation) -> String {
    serde_json::to_string(c.stored_state()).expect("state encodes")
}

pub fn persists(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::Persist))
        .count()
}
