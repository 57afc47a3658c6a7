//! What the conversation tells the workspace about its visitor as a lead (see [`crate::lead`]).

use std::collections::BTreeMap;

use super::io::Effect;
use super::state::Conversation;
use crate::dialogue::{CardKind, FieldKind};
use crate::lead::{utm, LeadOutcome, LeadSource, LeadUpdate};
use crate::link::ConversationToWorkspace;
use crate::Millis;

impl Conversation {
    /// The email the visitor gave: a captured field of the email kind, else one keyed `email`.
    pub fn captured_email(&self) -> Option<String> {
        let by_kind = self
            .dialogue
            .branches
            .iter()
            .flat_map(|b| &b.cards)
            .find_map(|c| match &c.kind {
                CardKind::InfoCapture { fields, .. } => fields
                    .iter()
                    .filter(|f| f.kind == FieldKind::Email)
                    .find_map(|f| self.facts.fields.get(&f.key)),
                _ => None,
            });
        by_kind
            .or_else(|| self.facts.fields.get("email"))
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
    }

    /// The questions answered and the buttons clicked, as labels.
    pub fn answer_labels(&self) -> BTreeMap<String, String> {
        self.answers
            .iter()
            .filter_map(
                |(card, button)| match self.dialogue.card(card).map(|c| &c.kind) {
                    Some(CardKind::Question { text, buttons, .. }) => buttons
                        .iter()
                        .find(|b| &b.id == button)
                        .map(|b| (text.clone(), b.label.clone())),
                    _ => None,
                },
            )
            .collect()
    }

    /// Tells the workspace what is known of the visitor, if they gave an email.
    pub(super) fn report_lead(
        &self,
        outcome: LeadOutcome,
        source: LeadSource,
        message: Option<String>,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) {
        let Some(email) = self.captured_email() else {
            return;
        };
        let mut campaign = utm::from_url(&self.facts.page_url);
        campaign.extend(utm::known_only(&self.facts.utm));
        let update = LeadUpdate {
            conversation: self.id.clone(),
            at: now,
            email,
            fields: self.facts.fields.clone(),
            answers: self.answer_labels(),
            page_url: self.facts.page_url.clone(),
            utm: campaign,
            source,
            outcome,
            message,
        };
        fx.push(Effect::ToWorkspace(ConversationToWorkspace::Lead {
            update,
        }));
    }
}
