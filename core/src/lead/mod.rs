//! Leads: one record per visitor who gave an email, per workspace, keyed by the normalised
//! email. Conversations report what they learn ([`LeadUpdate`]); [`merge`] folds an update
//! into the stored record (never a duplicate), [`utm`] reads campaign parameters from the page
//! URL, [`csv`] renders the export, [`filter`] selects for the Leads view, and [`mail`] writes
//! the "new lead" email.

pub mod csv;
pub mod filter;
pub mod mail;
mod merge;
pub mod utm;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::routing::FallbackReason;
use crate::{ConversationId, Millis};

pub use merge::{merge, Merged, MAX_REMEMBERED_CONVERSATIONS};

/// Longest offline message kept on a lead (the transcript keeps it whole).
pub const MAX_LEAD_MESSAGE_CHARS: usize = 4_000;

/// How the visitor gave their email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadSource {
    /// An info capture card of the dialogue.
    Capture,
    /// The offline form shown after live chat could not happen.
    OfflineForm,
}

impl LeadSource {
    pub fn code(self) -> &'static str {
        match self {
            LeadSource::Capture => "capture",
            LeadSource::OfflineForm => "offline_form",
        }
    }

    pub fn parse(s: &str) -> Option<LeadSource> {
        match s {
            "capture" => Some(LeadSource::Capture),
            "offline_form" => Some(LeadSource::OfflineForm),
            _ => None,
        }
    }
}

/// What came of the visitor's conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LeadOutcome {
    /// The visitor never asked for a person (or is still waiting).
    NoLiveChat,
    /// Asked for a person; live chat could not happen for this reason.
    Missed { reason: FallbackReason },
    /// Chatted with this agent (their name as the visitor saw it).
    Chatted { agent: String },
    /// Live chat could not happen and the visitor left a message.
    LeftMessage {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<FallbackReason>,
    },
}

impl LeadOutcome {
    /// Within one conversation the outcome only moves forward: a message left needs an answer
    /// most, a chat held is more than a miss, a miss more than nothing asked.
    pub fn rank(&self) -> u8 {
        match self {
            LeadOutcome::NoLiveChat => 0,
            LeadOutcome::Missed { .. } => 1,
            LeadOutcome::Chatted { .. } => 2,
            LeadOutcome::LeftMessage { .. } => 3,
        }
    }

    /// The filter code: `no_live_chat`, `missed`, `chatted`, `left_message`.
    pub fn code(&self) -> &'static str {
        match self {
            LeadOutcome::NoLiveChat => "no_live_chat",
            LeadOutcome::Missed { .. } => "missed",
            LeadOutcome::Chatted { .. } => "chatted",
            LeadOutcome::LeftMessage { .. } => "left_message",
        }
    }

    /// In words, for the admin view, the CSV and the email.
    pub fn describe(&self) -> String {
        match self {
            LeadOutcome::NoLiveChat => "no live chat asked".to_owned(),
            LeadOutcome::Missed { reason } => format!("missed: {}", reason.describe()),
            LeadOutcome::Chatted { agent } => format!("chatted with {agent}"),
            LeadOutcome::LeftMessage { .. } => "left a message".to_owned(),
        }
    }
}

/// What one conversation knows of its visitor at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadUpdate {
    pub conversation: ConversationId,
    pub at: Millis,
    /// As the visitor typed it (trimmed); [`normalise_email`] makes the key.
    pub email: String,
    /// Every captured field by key (email included).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// The dialogue's questions and the buttons clicked, as labels.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    #[serde(default)]
    pub page_url: String,
    /// UTM parameters by name without the `utm_` prefix.
    #[serde(default)]
    pub utm: BTreeMap<String, String>,
    pub source: LeadSource,
    pub outcome: LeadOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One lead as stored and listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    /// The normalised email: the record's key.
    pub key: String,
    /// The email as the visitor last gave it.
    pub email: String,
    /// First and last name when captured, else empty.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    #[serde(default)]
    pub page_url: String,
    #[serde(default)]
    pub utm: BTreeMap<String, String>,
    pub source: LeadSource,
    pub outcome: LeadOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub first_seen: Millis,
    pub last_seen: Millis,
    pub conversations: u32,
    pub last_conversation: ConversationId,
    /// The latest conversations counted (bounded), so a repeated update counts once.
    #[serde(default)]
    pub recent: Vec<ConversationId>,
}

/// The key of an email: trimmed, lower-cased. Two spellings of one address are one lead.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// "First Last" from the captured fields, or empty.
pub fn name_of(fields: &BTreeMap<String, String>) -> String {
    let get = |k: &str| fields.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    match (get("first_name"), get("last_name")) {
        (Some(f), Some(l)) => format!("{f} {l}"),
        (Some(n), None) | (None, Some(n)) => n.to_owned(),
        (None, None) => fields
            .get("name")
            .map(|v| v.trim().to_owned())
            .unwrap_or_default(),
    }
}

/// What is left of a lead once one of its conversations is erased: `None` when it was the
/// lead's only conversation (nothing else names the email), else the lead without it.
pub fn without_conversation(mut lead: Lead, conversation: &ConversationId) -> Option<Lead> {
    let before = lead.recent.len();
    lead.recent.retain(|c| c != conversation);
    if lead.recent.len() == before && &lead.last_conversation != conversation {
        return Some(lead);
    }
    lead.conversations = lead.conversations.saturating_sub(1);
    if lead.conversations == 0 || lead.recent.is_empty() {
        return None;
    }
    if &lead.last_conversation == conversation {
        if let Some(latest) = lead.recent.last() {
            lead.last_conversation = latest.clone();
        }
    }
    Some(lead)
}

/// Whether the retention period makes this lead due for purging: not seen for that long.
pub fn is_expired(lead: &Lead, retention: Option<Millis>, now: Millis) -> bool {
    retention.is_some_and(|keep| lead.last_seen.after(keep) <= now)
}

/// The retention purge takes every lead last seen at or before this time (see [`is_expired`]);
/// `None` when leads are kept forever.
pub fn purge_cutoff(retention: Option<Millis>, now: Millis) -> Option<Millis> {
    retention
        .and_then(|keep| now.0.checked_sub(keep.0))
        .map(Millis)
}

#[cfg(test)]
mod tests;
