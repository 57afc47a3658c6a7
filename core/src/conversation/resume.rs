//! Resuming a client after a reconnect (a deploy drops every socket).
//!
//! The edge stores every appended entry (by `seq`) and the conversation snapshot. On
//! `hello { last_seq }` it sends `welcome` then every stored entry with `seq > last_seq`,
//! in order: [`resume_frames`]. A client never sees an entry twice because it only asks
//! for what comes after the last `seq` it applied.

use crate::protocol::{ChatServerMsg, ConversationView, TranscriptEntry};

/// The entries a client that has seen up to `last_seq` is missing.
/// `entries` must be in `seq` order (as stored).
pub fn replay_after(entries: &[TranscriptEntry], last_seq: u64) -> &[TranscriptEntry] {
    let from = entries.partition_point(|e| e.seq <= last_seq);
    &entries[from..]
}

/// The frames answering `hello { last_seq }`: `welcome`, then the missing entries.
pub fn resume_frames(
    view: ConversationView,
    entries: &[TranscriptEntry],
    last_seq: u64,
) -> Vec<ChatServerMsg> {
    let missing = replay_after(entries, last_seq);
    let mut frames = Vec::with_capacity(missing.len() + 1);
    frames.push(ChatServerMsg::Welcome { conversation: view });
    frames.extend(
        missing
            .iter()
            .cloned()
            .map(|entry| ChatServerMsg::Entry { entry }),
    );
    frames
}
