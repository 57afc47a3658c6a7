//! The missed-chat report: chat facts over a range of local days → one row per day, one per
//! agent, and totals. Pure; medians are exact (the mean of the two middle values, rounded
//! down, for an even count).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::facts::{ChatFacts, MissedReason, OfferOutcome};
use super::range::{DayRange, ReportZone};
use crate::AgentId;

/// Missed live chat requests, by reason: a fallback message before any agent accepted.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missed {
    pub total: u64,
    /// No agent could take it (offline, away, full), the offered agent went away, or the
    /// routing named nobody.
    pub nobody_available: u64,
    /// Offered, but no one accepted in time.
    pub expired: u64,
    /// Declined by every agent it was offered to.
    pub declined: u64,
    /// Asked outside business hours.
    pub outside_hours: u64,
    /// The plan's live chat engagement limit was reached.
    pub engagement_limit: u64,
}

impl Missed {
    fn add(&mut self, reason: MissedReason) {
        self.total += 1;
        *self.slot(reason) += 1;
    }

    fn slot(&mut self, reason: MissedReason) -> &mut u64 {
        match reason {
            MissedReason::NobodyAvailable => &mut self.nobody_available,
            MissedReason::Expired => &mut self.expired,
            MissedReason::Declined => &mut self.declined,
            MissedReason::OutsideHours => &mut self.outside_hours,
            MissedReason::EngagementLimit => &mut self.engagement_limit,
        }
    }

    pub fn of(&self, reason: MissedReason) -> u64 {
        let mut copy = *self;
        *copy.slot(reason)
    }
}

/// The counts of one day, or of the whole range.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "ReportCounts"))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Conversations started.
    pub conversations: u64,
    /// Conversations that asked for a live chat. accepted + missed.total ≤ requests.
    pub requests: u64,
    pub accepted: u64,
    pub missed: Missed,
    /// Exact median, live chat request → acceptance (an even count takes the mean of the two
    /// middle values, rounded down); null without samples.
    pub median_accept_ms: Option<u64>,
    /// Exact median, live chat request → first agent message; null without samples.
    pub median_first_response_ms: Option<u64>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "ReportDay"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRow {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// One agent over the range: the offers they were made and how each ended.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "ReportAgent"))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRow {
    pub agent: AgentId,
    /// Filled in by the caller from the agents it knows (empty for a removed agent).
    #[serde(default)]
    pub name: String,
    pub offers: u64,
    pub accepted: u64,
    pub declined: u64,
    /// Offers left unanswered until their deadline.
    pub expired: u64,
    /// Offers ended by the agent going offline or away before answering.
    pub went_away: u64,
    /// Median, offer to this agent → their acceptance.
    pub median_accept_ms: Option<u64>,
    /// Median, this agent's acceptance → the conversation's first agent message.
    pub median_first_response_ms: Option<u64>,
}

/// The missed-chat report of a range of local days.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The zone the days are counted in (business hours' zone, else UTC).
    pub time_zone: String,
    /// The first local date, `YYYY-MM-DD`.
    pub from: String,
    /// The last local date, `YYYY-MM-DD` (at most 92 days after `from`).
    pub to: String,
    /// Every local date of the range, in order, zeros included.
    pub days: Vec<DayRow>,
    /// Every agent offered a chat of the range (by id); `totals.accepted` is the sum of their
    /// `accepted`.
    pub agents: Vec<AgentRow>,
    pub totals: Counts,
    /// False when the caller could read only part of the range's conversations (more than
    /// 200,000: only the first were counted).
    #[serde(default = "yes")]
    pub complete: bool,
}

fn yes() -> bool {
    true
}

/// Samples for medians, beside the counts.
#[derive(Default)]
struct Tally {
    counts: Counts,
    accept: Vec<u64>,
    first_response: Vec<u64>,
}

impl Tally {
    fn add(&mut self, f: &ChatFacts) {
        let c = &mut self.counts;
        c.conversations += 1;
        let Some(requested) = f.requested_at else {
            return;
        };
        c.requests += 1;
        if let Some(accepted) = f.accepted_at {
            c.accepted += 1;
            self.accept.push(accepted.0.saturating_sub(requested.0));
        } else if let Some(reason) = f.missed {
            c.missed.add(reason);
        }
        if let Some(reply) = f.first_reply_at {
            self.first_response
                .push(reply.0.saturating_sub(requested.0));
        }
    }

    fn finish(mut self) -> Counts {
        self.counts.median_accept_ms = median(&mut self.accept);
        self.counts.median_first_response_ms = median(&mut self.first_response);
        self.counts
    }
}

#[derive(Default)]
struct AgentTally {
    row: AgentRow,
    accept: Vec<u64>,
    first_response: Vec<u64>,
}

/// The exact median (for an even count, the mean of the two middle values, rounded down).
pub fn median(samples: &mut [u64]) -> Option<u64> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let n = samples.len();
    let hi = samples[n / 2];
    if n % 2 == 1 {
        return Some(hi);
    }
    let lo = samples[n / 2 - 1];
    Some(lo + (hi - lo) / 2)
}

/// The report of the conversations created in `range` (local dates in `zone`); facts of
/// conversations created outside it are ignored.
pub fn aggregate(facts: &[ChatFacts], range: &DayRange, zone: &ReportZone) -> Report {
    let dates = range.dates();
    let index: BTreeMap<_, usize> = dates.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let mut days: Vec<Tally> = dates.iter().map(|_| Tally::default()).collect();
    let mut totals = Tally::default();
    let mut agents: BTreeMap<AgentId, AgentTally> = BTreeMap::new();
    for f in facts {
        let Some(&day) = zone.date_of(f.created_at).and_then(|d| index.get(&d)) else {
            continue;
        };
        days[day].add(f);
        totals.add(f);
        for o in &f.offers {
            let a = agents.entry(o.agent.clone()).or_default();
            a.row.offers += 1;
            match o.outcome {
                OfferOutcome::Accepted => {}
                OfferOutcome::Declined => a.row.declined += 1,
                OfferOutcome::Expired => a.row.expired += 1,
                OfferOutcome::WentAway => a.row.went_away += 1,
                OfferOutcome::Pending | OfferOutcome::Withdrawn => {}
            }
        }
        if let (Some(agent), Some(accepted)) = (&f.accepted_by, f.accepted_at) {
            let a = agents.entry(agent.clone()).or_default();
            a.row.accepted += 1;
            let offered = f
                .offers
                .iter()
                .filter(|o| &o.agent == agent && o.outcome == OfferOutcome::Accepted)
                .map(|o| o.at)
                .min()
                .or(f.requested_at)
                .unwrap_or(accepted);
            a.accept.push(accepted.0.saturating_sub(offered.0));
            if let Some(reply) = f.first_reply_at {
                a.first_response.push(reply.0.saturating_sub(accepted.0));
            }
        }
    }
    let agents = agents
        .into_iter()
        .map(|(agent, mut a)| {
            a.row.agent = agent;
            a.row.median_accept_ms = median(&mut a.accept);
            a.row.median_first_response_ms = median(&mut a.first_response);
            a.row
        })
        .collect();
    Report {
        time_zone: zone.name.clone(),
        from: range.from.to_string(),
        to: range.to.to_string(),
        days: dates
            .iter()
            .zip(days)
            .map(|(d, t)| DayRow {
                date: d.to_string(),
                counts: t.finish(),
            })
            .collect(),
        agents,
        totals: totals.finish(),
        complete: true,
    }
}
