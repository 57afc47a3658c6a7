//! Resuming a client after a reconnect (a deploy drops every socket).
//!
//! The edge stores every appended entry (by `seq`) and the conversation snapshot. On
//! `hello { last_seq }` it sends `welcome` then every stored entry with `seq > last_seq`,
//! in order: [`resume_frames`]. A client never sees an entry twice because it only asks
//! for what comes after the last `seq` it applied.
//!
//! Internal notes are never sent to a visitor, who numbers the entries they get on their own
//! (contiguous from 1; [`for_visitor`]): the visitor's `hello`, `welcome`, `entry` and `ack`
//! all use it, so the widget's gapless sequencer is unchanged. An agent gets every entry
//! under its transcript `seq`.

use super::state::Conversation;
use crate::dialogue::{Card, CardKind};
use crate::protocol::{ChatServerMsg, ConversationView, Side, TranscriptEntry, TranscriptEvent};
use crate::routing::Routing;

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

/// The entries as the visitor's socket carries them: internal notes left out, each other
/// entry renumbered in the visitor's own sequence (its `seq` minus the notes before it), so
/// the visitor's numbers are contiguous from 1 like the transcript's, and cards without what
/// only the server acts on ([`card_for_visitor`]). `notes_before` is how many notes precede
/// `entries[0]` (0 when `entries` starts at the first entry).
pub fn for_visitor(entries: &[TranscriptEntry], notes_before: u64) -> Vec<TranscriptEntry> {
    let mut notes = notes_before;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        if e.event.is_internal() {
            notes = notes.saturating_add(1);
        } else {
            let mut e = e.clone();
            e.seq = e.seq.saturating_sub(notes);
            if let TranscriptEvent::Card { card, .. } = &mut e.event {
                card_for_visitor(card);
            }
            out.push(e);
        }
    }
    out
}

/// A card as a visitor sees it. Who may answer a live chat (the routing: agents, teams, the
/// rules and their conditions) and where the dialogue goes when nobody can is the
/// workspace's business, never the visitor's: the live chat card carries `round_robin` in
/// place of its routing, and no card carries `when_unavailable`. The stored entry keeps them.
fn card_for_visitor(card: &mut Card) {
    match &mut card.kind {
        CardKind::LiveChat {
            routing,
            when_unavailable,
            ..
        } => {
            *routing = Routing::RoundRobin;
            *when_unavailable = None;
        }
        CardKind::Question {
            when_unavailable, ..
        } => *when_unavailable = None,
        CardKind::Message { .. } | CardKind::InfoCapture { .. } => {}
    }
}

/// The frames answering `hello { last_seq }` on a socket of `side`, `last_seq` in that side's
/// numbering. `view` is [`Conversation::view_for`] and `entries` the stored entries after
/// [`Conversation::replay_from`]: an agent gets [`resume_frames`]; a visitor gets the entries
/// of [`for_visitor`] after their `last_seq`, never a note.
pub fn resume_frames_for(
    side: Side,
    view: ConversationView,
    entries: &[TranscriptEntry],
    last_seq: u64,
) -> Vec<ChatServerMsg> {
    match side {
        Side::Visitor => resume_frames(view, &for_visitor(entries, 0), last_seq),
        Side::Agent | Side::Bot => resume_frames(view, entries, last_seq),
    }
}

impl Conversation {
    /// The `welcome` view for a socket of `side` (the visitor's `last_seq` does not count notes).
    pub fn view_for(&self, side: Side) -> ConversationView {
        let mut view = self.view();
        view.last_seq = self.log.seq_for(side, view.last_seq);
        view
    }

    /// After which stored `seq` to read entries for a `hello {last_seq}` of `side`, or `None`
    /// when the socket already has every entry (a page view of a visitor who is caught up reads
    /// nothing). The visitor's numbers differ from the transcript's once there are notes, and
    /// then the whole transcript is read (a visitor reconnect in a chat with notes reads every
    /// entry).
    pub fn replay_from(&self, side: Side, last_seq: u64) -> Option<u64> {
        if last_seq >= self.log.seq_for(side, self.log.last_seq) {
            return None;
        }
        Some(match side {
            Side::Visitor if self.log.notes > 0 => 0,
            _ => last_seq,
        })
    }

    /// The entries this input appended (the `Append` effects', in order), as the visitor's
    /// sockets receive them: [`for_visitor`], counting the notes stored before them.
    pub fn to_visitors(&self, appended: &[TranscriptEntry]) -> Vec<TranscriptEntry> {
        let in_batch = appended.iter().filter(|e| e.event.is_internal()).count() as u64;
        for_visitor(appended, self.log.notes.saturating_sub(in_batch))
    }
}
