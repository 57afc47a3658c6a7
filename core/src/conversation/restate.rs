//! What a conversation says again to a workspace that may have missed what it said first.
//!
//! A start whose answer was lost on the way, tried again with its key (`crate::start_key`),
//! meets the conversation its first try made. That try's reply to the workspace — the
//! conversation's index row and, when its first card is a live chat card, its live chat request
//! — may never have been applied: without them the conversation is in no Conversations view and
//! its visitor waits for an agent nobody was asked for. So the retry's init answers with
//! [`Conversation::restate`] instead of nothing.

use super::io::LiveState;
use super::state::{Conversation, Position};
use crate::dialogue::CardKind;
use crate::link::ConversationToWorkspace;
use crate::routing::Routing;
use crate::Millis;

impl Conversation {
    /// Its current index row; while it waits for an agent, its current live chat request; while
    /// it waits on an availability check, that check: each safe to apply again (the row's revision is the one last sent, and the newest
    /// revision wins; the router takes a request it holds for a duplicate, and one settled is
    /// never routed again; an availability answer for a card no longer checked changes nothing).
    /// Changes nothing here: nothing new is said.
    pub fn restate(&self, now: Millis) -> Vec<ConversationToWorkspace> {
        // In the order the first reply said them: what it asks for, then its row.
        let mut out = Vec::with_capacity(2);
        if let (Position::Checking { card, .. }, None) = (&self.position, &self.closed) {
            // Still waiting on the availability check its first card asked for.
            out.push(ConversationToWorkspace::CheckAvailability { card: card.clone() });
        }
        if self.live == LiveState::Requested && !self.is_closed() {
            if let Some(routing) = self.live_chat_routing() {
                out.push(ConversationToWorkspace::RequestLiveChat {
                    routing,
                    facts: self.facts.clone(),
                    request: self.request,
                });
            }
        }
        out.push(ConversationToWorkspace::Index {
            record: self.record(now),
            preview_every: self.preview_every,
        });
        out
    }

    /// The routing of the live chat card the conversation stands on, if it stands on one.
    pub(super) fn live_chat_routing(&self) -> Option<Routing> {
        match &self.position {
            Position::Card { card } => match self.dialogue.card(card).map(|c| &c.kind) {
                Some(CardKind::LiveChat { routing, .. }) => Some(routing.clone()),
                _ => None,
            },
            _ => None,
        }
    }
}
