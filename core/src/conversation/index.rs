//! The conversation's row in the workspace's Conversations view, and when to send it.
//!
//! Status, agent and captured-field changes, and the first agent reply, go at once. A new chat
//! message only changes the last-message preview, which is coalesced: at most one preview per
//! `preview_every` (set by the workspace, see [`crate::link::WorkspaceToConversation::Pace`]),
//! with a trailing flush, so the view always ends on the latest message and a single message
//! shows within the pace and its slack (below).
//!
//! Each conversation keeps its own extra wait on top of the pace (up to half of it, fixed by its
//! id), so conversations that started together — a campaign, a benchmark — drift apart instead
//! of all sending their previews in the same instant; and the trailing flush comes a quarter of
//! the pace after that, so in a chat that goes on the next message carries the owed preview in
//! its own commit and no flush is needed.
//!
//! Owing a preview is not stored: [`Conversation::preview_due`] derives it from the row last
//! sent, and it is not part of [`Conversation::alarm_deadline`], so the edge flushes it from a
//! timer in memory instead of moving the durable alarm (a write, and an alarm invocation, per
//! preview). A restart that loses the timer only delays the preview to the next input.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::io::{Effect, LiveState};
use super::state::Conversation;
use crate::identity::VisitorIdentity;
use crate::link::ConversationToWorkspace;
use crate::protocol::{ConversationRecord, ConversationStatus};
use crate::{AgentId, Millis};

/// The pace of previews until the workspace asks for another.
pub const DEFAULT_PREVIEW_EVERY: Millis = Millis(2_000);

/// Longest preview of a chat message in the view, in characters.
pub const PREVIEW_CHARS: usize = 140;

/// What the workspace's index was last sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indexed {
    revision: u64,
    at: Millis,
    status: ConversationStatus,
    agent: Option<AgentId>,
    captured: BTreeMap<String, String>,
    preview: Option<String>,
    #[serde(default)]
    first_reply: Option<Millis>,
    #[serde(default)]
    identity: Option<VisitorIdentity>,
}

impl Conversation {
    /// Where the conversation stands, as the Conversations view shows it.
    pub fn status(&self) -> ConversationStatus {
        match self.live {
            LiveState::None if self.is_closed() => ConversationStatus::Ended,
            LiveState::None => ConversationStatus::Automated,
            LiveState::Requested => ConversationStatus::Waiting,
            LiveState::Accepted => ConversationStatus::Live,
            LiveState::Ended => ConversationStatus::Ended,
            LiveState::Expired => ConversationStatus::Expired,
            LiveState::FellBack => ConversationStatus::FellBack,
        }
    }

    /// The conversation's current row (its revision is the last one sent).
    pub fn record(&self, now: Millis) -> ConversationRecord {
        ConversationRecord {
            id: self.id.to_string(),
            created_at: self.created_at.0,
            updated_at: now.0,
            dialogue: self.dialogue.id.to_string(),
            page_url: self.facts.page_url.clone(),
            status: self.status(),
            agent: self.agent.as_ref().map(ToString::to_string),
            captured: self.facts.fields.clone(),
            last_message: self.log.last_message.clone(),
            revision: self.indexed.as_ref().map_or(0, |i| i.revision),
            first_agent_reply_at: self.first_agent_reply_at.map(|t| t.0),
            identity: self.facts.identity.clone(),
        }
    }

    /// Sends the row when the view would show something new: at once for status, agent and
    /// captured fields; for the preview, at the pace (or later, as a trailing flush).
    pub(super) fn index(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let status = self.status();
        let (urgent, preview_changed, last_at) = match &self.indexed {
            None => (true, true, Millis(0)),
            Some(i) => (
                // The first agent reply goes at once (once): the report times it.
                i.status != status
                    || i.agent != self.agent
                    || i.captured != self.facts.fields
                    || i.first_reply != self.first_agent_reply_at
                    || i.identity != self.facts.identity,
                i.preview != self.log.last_message,
                i.at,
            ),
        };
        if !urgent && !preview_changed {
            return;
        }
        if !urgent && now < self.preview_pace_from(last_at) {
            // Past the pace the next message sends it; without one, the tick at
            // `preview_due` does.
            return;
        }
        let revision = self.indexed.as_ref().map_or(0, |i| i.revision) + 1;
        self.indexed = Some(Indexed {
            revision,
            at: now,
            status,
            agent: self.agent.clone(),
            captured: self.facts.fields.clone(),
            preview: self.log.last_message.clone(),
            first_reply: self.first_agent_reply_at,
            identity: self.facts.identity.clone(),
        });
        fx.push(Effect::ToWorkspace(ConversationToWorkspace::Index {
            record: self.record(now),
            preview_every: self.preview_every,
        }));
    }
}

impl Conversation {
    /// When the preview owed to the workspace is flushed if no message carries it first: a
    /// quarter of the pace after the pace has passed. Derived from what was sent, so owing a
    /// preview changes nothing stored (a chat message stays one row).
    pub fn preview_due(&self) -> Option<Millis> {
        let indexed = self.indexed.as_ref()?;
        if indexed.preview == self.log.last_message {
            return None;
        }
        let slack = Millis(self.preview_every.0 / 4);
        Some(self.preview_pace_from(indexed.at).after(slack))
    }

    /// When, after a row sent at `last_at`, the next preview may go.
    fn preview_pace_from(&self, last_at: Millis) -> Millis {
        last_at.after(self.preview_every).after(self.stagger())
    }

    /// This conversation's own extra wait past the pace: under half of it, fixed by its id.
    fn stagger(&self) -> Millis {
        let half = (self.preview_every.0 / 2).max(1);
        Millis(spread(self.id.as_str()) % half)
    }
}

/// A fixed, well-spread number for a conversation id (FNV-1a).
fn spread(id: &str) -> u64 {
    crate::hash::fnv1a(id.bytes())
}
