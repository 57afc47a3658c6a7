//! The missed-chat report (the admin's Overview): per local day and per agent, how many
//! conversations started, asked for a live chat, were accepted or missed and why, and how
//! fast agents accepted and first answered.
//!
//! - `facts` — one conversation's [`ChatFacts`], folded from the workspace machine's audit
//!   entries and index rows ([`events_of`], [`ChatFacts::apply`]); the edge stores one small
//!   row per conversation and erases it with the conversation.
//! - `range` — whole local dates in the workspace's time zone ([`DayRange`], [`ReportZone`]).
//! - `aggregate` — facts over a range → [`Report`] (days, agents, totals, exact medians).

mod aggregate;
mod facts;
mod range;

pub use aggregate::{aggregate, median, AgentRow, Counts, DayRow, Missed, Report};
pub use facts::{
    events_of, ChatFacts, FactEvent, MissedReason, OfferFact, OfferOutcome, MAX_OFFERS,
};
pub use range::{DayRange, RangeError, ReportZone, MAX_DAYS};
