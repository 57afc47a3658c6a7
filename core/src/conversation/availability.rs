//! A question card that branches on availability: before it is shown, the conversation asks its
//! workspace whether someone can chat now. Yes: the question is shown. No: the visitor goes on
//! with the card's `when_unavailable` branch, never asked "Talk to sales?" at 3 a.m. No answer
//! within [`CHECK_WAIT`] (the workspace unreachable): the question is shown, and a live chat it
//! leads to falls back as usual, so the visitor is never left waiting on the check.

use super::io::Effect;
use super::state::{Conversation, Position};
use crate::dialogue::CardKind;
use crate::link::ConversationToWorkspace;
use crate::{CardId, Millis};

/// How long the visitor may wait for the workspace's answer before the question is shown.
pub const CHECK_WAIT: Millis = Millis(5_000);

impl Conversation {
    /// Called as the dialogue reaches `card`: true when the card must wait for the check
    /// (asked for here), false when it can be shown now.
    pub(super) fn check_before_showing(
        &mut self,
        card: &CardId,
        kind: &CardKind,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> bool {
        let CardKind::Question {
            when_unavailable: Some(_),
            ..
        } = kind
        else {
            return false;
        };
        self.position = Position::Checking {
            card: card.clone(),
            since: now,
        };
        fx.push(Effect::ToWorkspace(
            ConversationToWorkspace::CheckAvailability { card: card.clone() },
        ));
        true
    }

    /// The workspace's answer. One for another card, or after the wait ran out, changes nothing.
    pub(super) fn availability_known(
        &mut self,
        card: &CardId,
        can_chat: bool,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) {
        if self.closed.is_some() || !self.checking(card) {
            return;
        }
        let branch = match self.dialogue.card(card).map(|c| &c.kind) {
            Some(CardKind::Question {
                when_unavailable: Some(branch),
                ..
            }) if !can_chat => branch.to_string(),
            _ => return self.show_checked(card, now, fx),
        };
        self.show_from(&branch, 0, now, fx);
    }

    /// When the check stops being waited for.
    pub(super) fn check_deadline(&self) -> Option<Millis> {
        match (&self.position, self.closed) {
            (Position::Checking { since, .. }, None) => Some(since.after(CHECK_WAIT)),
            _ => None,
        }
    }

    /// Past the deadline: the question is shown as if someone could chat.
    pub(super) fn check_timer(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        if self.check_deadline().is_none_or(|d| now < d) {
            return;
        }
        if let Position::Checking { card, .. } = self.position.clone() {
            self.show_checked(&card, now, fx);
        }
    }

    fn checking(&self, card: &CardId) -> bool {
        matches!(&self.position, Position::Checking { card: c, .. } if c == card)
    }

    fn show_checked(&mut self, card: &CardId, now: Millis, fx: &mut Vec<Effect>) {
        let Some(shown) = self.dialogue.card(card).cloned() else {
            self.position = Position::Finished;
            return;
        };
        let shown = self.shown(shown);
        self.append(shown, now, fx);
        self.position = Position::Card { card: card.clone() };
    }
}
