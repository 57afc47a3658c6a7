//! Walking the dialogue: start, answers, captures, and showing cards until one waits.

use std::collections::BTreeMap;

use super::io::{Effect, LiveState};
use super::refusal::Refusal;
use super::state::{Conversation, Position};
use crate::dialogue::{validate_capture, Card, CardKind, START_BRANCH};
use crate::lead::{LeadOutcome, LeadSource};
use crate::link::ConversationToWorkspace;
use crate::protocol::{ChatServerMsg, Side, TranscriptEvent};
use crate::routing::VisitorFacts;
use crate::{ButtonId, CardId, Millis};

impl Conversation {
    /// Starts the dialogue for a visitor of whom nothing is captured yet: `facts.fields` is
    /// not read.
    pub(super) fn start(
        &mut self,
        facts: VisitorFacts,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        self.ensure_open()?;
        if self.position != Position::NotStarted {
            return Err(Refusal::AlreadyStarted);
        }
        self.facts = VisitorFacts {
            fields: std::mem::take(&mut self.facts.fields),
            ..facts
        };
        self.touch(now);
        self.show_from(START_BRANCH, 0, now, fx);
        Ok(())
    }

    pub(super) fn answer(
        &mut self,
        card: &CardId,
        button: &ButtonId,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let (branch, index) = self.waiting_on(card)?;
        let Some(CardKind::Question { buttons, .. }) = self.card_kind(&branch, index) else {
            return Err(Refusal::NotCurrentCard);
        };
        let Some(chosen) = buttons.iter().find(|b| &b.id == button).cloned() else {
            return Err(Refusal::UnknownButton);
        };
        self.touch(now);
        let event = TranscriptEvent::Answered {
            card: card.clone(),
            button: button.clone(),
            label: chosen.label,
        };
        self.append(event, now, fx);
        self.answers.insert(card.clone(), button.clone());
        match chosen.goto {
            Some(goto) => self.show_from(&goto, 0, now, fx),
            None => self.show_from(&branch, index + 1, now, fx),
        }
        Ok(())
    }

    pub(super) fn capture(
        &mut self,
        card: &CardId,
        values: &BTreeMap<String, String>,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let (branch, index) = self.waiting_on(card)?;
        let Some(CardKind::InfoCapture { fields, .. }) = self.card_kind(&branch, index) else {
            return Err(Refusal::NotCurrentCard);
        };
        let clean = match validate_capture(fields, values) {
            Ok(clean) => clean,
            Err(errors) => {
                fx.push(Effect::Reply(ChatServerMsg::Invalid {
                    card: card.clone(),
                    errors,
                }));
                return Ok(());
            }
        };
        self.touch(now);
        self.facts
            .fields
            .extend(clean.iter().map(|(k, v)| (k.clone(), v.clone())));
        let event = TranscriptEvent::Captured {
            card: card.clone(),
            values: clean,
        };
        self.append(event, now, fx);
        // Reported before the next cards, so a live chat's own outcome follows it.
        self.report_lead(LeadOutcome::NoLiveChat, LeadSource::Capture, None, now, fx);
        self.show_from(&branch, index + 1, now, fx);
        Ok(())
    }

    /// The branch and index of `card` if it is the card the dialogue waits on.
    fn waiting_on(&self, card: &CardId) -> Result<(String, usize), Refusal> {
        self.ensure_open()?;
        match &self.position {
            Position::NotStarted => Err(Refusal::NotStarted),
            Position::Card { card: current } if current == card && self.live == LiveState::None => {
                self.dialogue
                    .locate(card)
                    .map(|(b, i)| (b.id.clone(), i))
                    .ok_or(Refusal::NotCurrentCard)
            }
            Position::Card { .. } | Position::Checking { .. } | Position::Finished => {
                Err(Refusal::NotCurrentCard)
            }
        }
    }

    fn card_kind(&self, branch: &str, index: usize) -> Option<&CardKind> {
        self.dialogue
            .branch(branch)
            .and_then(|b| b.cards.get(index))
            .map(|c| &c.kind)
    }

    /// The entry that shows `card`: an info capture card's fields start filled with what the
    /// site said of the visitor (`crate::identity`); the visitor can still change them.
    pub(super) fn shown(&self, card: Card) -> TranscriptEvent {
        let prefill = match (&card.kind, &self.facts.identity) {
            (CardKind::InfoCapture { fields, .. }, Some(who)) => fields
                .iter()
                .filter_map(|f| Some((f.key.clone(), who.prefill(f)?)))
                .collect(),
            _ => BTreeMap::new(),
        };
        TranscriptEvent::Card { card, prefill }
    }

    /// The bot has nothing more to show and no live chat goes on: nothing more can happen in
    /// this conversation, so it ends (`ended {by: bot}`) and the visitor is offered a new one
    /// rather than a panel that waits, with nothing to answer, for the inactivity timeout.
    fn dialogue_finished(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        if self.closed.is_some() || self.live != LiveState::None {
            return;
        }
        self.close_ended(Side::Bot, false, now, fx);
    }

    /// Shows cards from `branch[index]` on: messages flow by, a question, info capture or
    /// live chat card stops the walk. Running off the end of a branch finishes the dialogue.
    pub(super) fn show_from(
        &mut self,
        branch: &str,
        mut index: usize,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) {
        loop {
            let Some(card) = self
                .dialogue
                .branch(branch)
                .and_then(|b| b.cards.get(index))
                .cloned()
            else {
                self.position = Position::Finished;
                self.dialogue_finished(now, fx);
                return;
            };
            let id = card.id.clone();
            let routing = match &card.kind {
                CardKind::LiveChat { routing, .. } => Some(routing.clone()),
                _ => None,
            };
            let waits = !matches!(card.kind, CardKind::Message { .. });
            if self.check_before_showing(&id, &card.kind, now, fx) {
                return;
            }
            let shown = self.shown(card);
            self.append(shown, now, fx);
            if let Some(routing) = routing {
                self.append(TranscriptEvent::LiveChatRequested, now, fx);
                self.live = LiveState::Requested;
                self.request += 1;
                fx.push(Effect::ToWorkspace(
                    ConversationToWorkspace::RequestLiveChat {
                        routing,
                        facts: self.facts.clone(),
                        request: self.request,
                    },
                ));
            }
            if waits {
                self.position = Position::Card { card: id };
                return;
            }
            index += 1;
        }
    }
}
