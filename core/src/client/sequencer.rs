//! Transcript entries in, each `seq` applied once and in order.
//!
//! The server numbers entries from 1 without gaps and replays everything after the `last_seq`
//! a client sends in `hello`, so a client that applies gaplessly never misses or repeats one.
//! An entry from the future (a gap) waits here until the gap is filled; duplicates and old
//! entries are dropped.

use crate::protocol::TranscriptEntry;

/// How many early entries are held; beyond that they are dropped (the next replay resends them).
const MAX_AHEAD: usize = 256;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sequencer {
    last_seq: u64,
    ahead: Vec<TranscriptEntry>,
}

impl Sequencer {
    /// The highest seq applied: what `hello` asks to resume after.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Takes one entry and appends to `ready` every entry that can now be applied, in order.
    pub fn push(&mut self, entry: TranscriptEntry, ready: &mut Vec<TranscriptEntry>) {
        if entry.seq <= self.last_seq || self.ahead.iter().any(|e| e.seq == entry.seq) {
            return;
        }
        if entry.seq > self.last_seq + 1 {
            if self.ahead.len() < MAX_AHEAD {
                self.ahead.push(entry);
            }
            return;
        }
        // Plain scans: the held entries are few (usually none), and the widget pays for code.
        let mut next = Some(entry);
        while let Some(e) = next {
            self.last_seq = e.seq;
            ready.push(e);
            let want = self.last_seq + 1;
            let held = self.ahead.iter().position(|e| e.seq == want);
            next = held.map(|i| self.ahead.swap_remove(i));
        }
    }
}
