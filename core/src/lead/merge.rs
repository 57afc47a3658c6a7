//! Folding a conversation's [`LeadUpdate`] into the stored [`Lead`]: one record per email,
//! safe to apply late, reordered or twice.

use super::{name_of, normalise_email, Lead, LeadUpdate, MAX_LEAD_MESSAGE_CHARS};
use crate::failed_action::truncate_chars;

/// Conversations a lead remembers by id, so a repeated update is not counted again.
pub const MAX_REMEMBERED_CONVERSATIONS: usize = 50;

/// The result of a merge.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub lead: Lead,
    /// No record existed for this email.
    pub created: bool,
    /// Anything the Leads view shows changed (a repeated update changes nothing).
    pub changed: bool,
    /// The admins are emailed: a new lead, or a new offline message.
    pub notify: bool,
}

/// Folds `update` into `existing` (the record stored under the same normalised email).
///
/// - The newest information wins (by the update's time); older updates only fill gaps.
/// - Within one conversation the outcome only moves forward ([`super::LeadOutcome::rank`]);
///   a newer conversation's outcome replaces an older one's.
/// - Each conversation is counted once; the first source is kept (how the lead came in).
pub fn merge(existing: Option<Lead>, update: &LeadUpdate) -> Merged {
    let message = update
        .message
        .as_deref()
        .map(|m| truncate_chars(m.trim(), MAX_LEAD_MESSAGE_CHARS))
        .filter(|m| !m.is_empty());
    let Some(old) = existing else {
        let lead = Lead {
            key: normalise_email(&update.email),
            email: update.email.trim().to_owned(),
            name: name_of(&update.fields),
            fields: update.fields.clone(),
            answers: update.answers.clone(),
            page_url: update.page_url.clone(),
            utm: update.utm.clone(),
            source: update.source,
            outcome: update.outcome.clone(),
            message,
            first_seen: update.at,
            last_seen: update.at,
            conversations: 1,
            last_conversation: update.conversation.clone(),
            recent: vec![update.conversation.clone()],
        };
        return Merged {
            lead,
            created: true,
            changed: true,
            notify: true,
        };
    };
    let mut lead = old.clone();
    let newest = update.at >= lead.last_seen;
    let known = lead.recent.contains(&update.conversation);
    if !known {
        lead.conversations = lead.conversations.saturating_add(1);
        lead.recent.push(update.conversation.clone());
        if lead.recent.len() > MAX_REMEMBERED_CONVERSATIONS {
            lead.recent.remove(0);
        }
    }
    for (k, v) in &update.fields {
        if newest || !lead.fields.contains_key(k) {
            lead.fields.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in &update.answers {
        if newest || !lead.answers.contains_key(k) {
            lead.answers.insert(k.clone(), v.clone());
        }
    }
    if update.conversation == lead.last_conversation {
        if update.outcome.rank() > lead.outcome.rank() {
            lead.outcome = update.outcome.clone();
        }
    } else if newest {
        lead.last_conversation = update.conversation.clone();
        lead.outcome = update.outcome.clone();
    }
    if newest {
        lead.email = update.email.trim().to_owned();
        if !update.page_url.is_empty() {
            lead.page_url = update.page_url.clone();
        }
        if !update.utm.is_empty() {
            lead.utm = update.utm.clone();
        }
    }
    let new_message =
        message.is_some() && message != lead.message && (newest || lead.message.is_none());
    if new_message {
        lead.message = message;
    }
    lead.name = name_of(&lead.fields);
    lead.first_seen = lead.first_seen.min(update.at);
    lead.last_seen = lead.last_seen.max(update.at);
    let changed = lead != old;
    Merged {
        lead,
        created: false,
        changed,
        notify: new_message,
    }
}
