//! Which leads the Leads view and the CSV export show, and the page cursor.

use super::{Lead, LeadSource};
use crate::Millis;

/// Most leads on one page of the list.
pub const PAGE_SIZE: usize = 50;

/// Most leads in one CSV export (newest first).
pub const MAX_EXPORT: usize = 10_000;

/// Longest search text, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// The outcome codes a filter accepts.
pub const OUTCOME_CODES: [&str; 4] = ["no_live_chat", "missed", "chatted", "left_message"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("`{0}` must be a time in milliseconds since 1970.")]
    BadTime(&'static str),
    #[error("`source` must be `capture` or `offline_form`.")]
    BadSource,
    #[error("`outcome` must be one of no_live_chat, missed, chatted, left_message.")]
    BadOutcome,
    #[error("The search text is longer than {MAX_QUERY_CHARS} characters.")]
    QueryTooLong,
    #[error("That page cursor is not one this list gave out.")]
    BadCursor,
}

/// Where a page starts: after this (last seen, key) in newest-first order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub last_seen: Millis,
    pub key: String,
}

impl Cursor {
    pub fn after(lead: &Lead) -> Cursor {
        Cursor {
            last_seen: lead.last_seen,
            key: lead.key.clone(),
        }
    }

    /// `<last_seen>.<key>`; the key may itself contain dots.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.last_seen.0, self.key)
    }

    pub fn decode(s: &str) -> Result<Cursor, FilterError> {
        let (at, key) = s.split_once('.').ok_or(FilterError::BadCursor)?;
        let at = at.parse::<u64>().map_err(|_| FilterError::BadCursor)?;
        if key.is_empty() {
            return Err(FilterError::BadCursor);
        }
        Ok(Cursor {
            last_seen: Millis(at),
            key: key.to_owned(),
        })
    }
}

/// A filter over leads; every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadFilter {
    /// Last seen at or after.
    pub from: Option<Millis>,
    /// Last seen before.
    pub to: Option<Millis>,
    pub source: Option<LeadSource>,
    /// An outcome code (see [`OUTCOME_CODES`]).
    pub outcome: Option<String>,
    /// Case-insensitive text in the email, name, message, fields, answers or page.
    pub q: Option<String>,
}

impl LeadFilter {
    /// Reads the query parameters (`from`, `to`, `source`, `outcome`, `q`); empty means unset.
    pub fn parse<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<LeadFilter, FilterError> {
        let mut f = LeadFilter::default();
        for (name, value) in params {
            if value.is_empty() {
                continue;
            }
            match name {
                "from" => f.from = Some(time(value, "from")?),
                "to" => f.to = Some(time(value, "to")?),
                "source" => {
                    f.source = Some(LeadSource::parse(value).ok_or(FilterError::BadSource)?)
                }
                "outcome" => {
                    if !OUTCOME_CODES.contains(&value) {
                        return Err(FilterError::BadOutcome);
                    }
                    f.outcome = Some(value.to_owned());
                }
                "q" => {
                    if value.chars().count() > MAX_QUERY_CHARS {
                        return Err(FilterError::QueryTooLong);
                    }
                    let q = value.trim().to_lowercase();
                    f.q = (!q.is_empty()).then_some(q);
                }
                _ => {}
            }
        }
        Ok(f)
    }

    pub fn matches(&self, lead: &Lead) -> bool {
        if self.from.is_some_and(|from| lead.last_seen < from) {
            return false;
        }
        if self.to.is_some_and(|to| lead.last_seen >= to) {
            return false;
        }
        if self.source.is_some_and(|s| s != lead.source) {
            return false;
        }
        if self
            .outcome
            .as_deref()
            .is_some_and(|o| o != lead.outcome.code())
        {
            return false;
        }
        match &self.q {
            None => true,
            Some(q) => {
                let has = |s: &str| s.to_lowercase().contains(q.as_str());
                has(&lead.email)
                    || has(&lead.name)
                    || lead.message.as_deref().is_some_and(has)
                    || has(&lead.page_url)
                    || lead.fields.values().any(|v| has(v))
                    || lead.answers.values().any(|v| has(v))
            }
        }
    }
}

fn time(value: &str, name: &'static str) -> Result<Millis, FilterError> {
    value
        .parse::<u64>()
        .map(Millis)
        .map_err(|_| FilterError::BadTime(name))
}
