//! Business hours: when a workspace (later also a team) is open, as a pure rule.
//!
//! A schedule is an IANA time zone, a weekly plan of local wall-clock ranges (several a day) and
//! dated exceptions (holidays, a Sunday opening) that replace the weekly ranges of that local date.
//! [`BusinessHours::is_open`] turns an instant into local wall time in the zone — daylight saving
//! time included, from the tz database bundled with `jiff`, so it works in wasm32 with no
//! filesystem — and [`BusinessHours::next_change`] finds the next instant the state flips, for
//! alarms.
//!
//! Routing consults the workspace's hours: a live chat request made while closed falls back at
//! once (`FallbackReason::OutsideHours`, with the failed-action email). A team may have hours of
//! its own (`RoutingSettings::team_hours`): a closed team takes no chats, and an agent none of
//! whose teams is open is offered none.
//!
//! A range is `[from, to)`: open at `from`, closed at `to`. `to` may be `24:00`. A range that spans
//! midnight is written as two ranges (`22:00–24:00` one day, `00:00–02:00` the next); the state
//! then does not change at midnight. On a day when the clocks go forward, wall times in the gap
//! never happen (a range `02:00–02:30` is skipped that night); when they go back, wall times in the
//! fold happen twice and are open both times if a range covers them.

use std::collections::BTreeMap;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Millis;

/// Ranges allowed on one day.
pub const MAX_RANGES_PER_DAY: usize = 8;
/// Dated exceptions allowed.
pub const MAX_EXCEPTIONS: usize = 366;
/// How far ahead [`BusinessHours::next_change`] looks.
pub const NEXT_CHANGE_HORIZON: Millis = Millis(14 * DAY_MS);

const DAY_MS: u64 = 86_400_000;
const DAY_SECS: u32 = 86_400;
const MAX_ZONE_NAME: usize = 64;

/// When a workspace is open. See the module documentation.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// An IANA time zone name, `Europe/Paris`.
    pub time_zone: String,
    /// The usual week; a day left out is closed.
    #[serde(default)]
    pub weekly: Weekly,
    /// Dates (local to `time_zone`) whose ranges replace the weekly ones.
    #[serde(default)]
    pub exceptions: Vec<Exception>,
}

/// The ranges of each weekday, Monday first.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weekly {
    pub mon: Vec<Range>,
    pub tue: Vec<Range>,
    pub wed: Vec<Range>,
    pub thu: Vec<Range>,
    pub fri: Vec<Range>,
    pub sat: Vec<Range>,
    pub sun: Vec<Range>,
}

/// Local wall-clock opening, `"09:00"` to `"18:00"`; `to` may be `"24:00"`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "HoursRange"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    pub from: String,
    pub to: String,
}

/// One local date with its own ranges; no ranges closes the whole day.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default)]
    pub ranges: Vec<Range>,
}

/// Why a schedule is refused; each message names the day or date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("unknown time zone \"{0}\" (use an IANA name such as Europe/Paris)")]
    UnknownTimeZone(String),
    #[error("{day}: \"{time}\" is not a time (use HH:MM, 00:00 to 24:00)")]
    MalformedTime { day: String, time: String },
    #[error(
        "{day}: {from}–{to} must start before it ends (write a range past midnight as two ranges)"
    )]
    EmptyRange {
        day: String,
        from: String,
        to: String,
    },
    #[error("{day}: {first} overlaps {second}")]
    Overlap {
        day: String,
        first: String,
        second: String,
    },
    #[error("{day}: at most {MAX_RANGES_PER_DAY} ranges a day")]
    TooManyRanges { day: String },
    #[error("exception date \"{0}\" is not a date (use YYYY-MM-DD)")]
    MalformedDate(String),
    #[error("exception date {0} is listed twice")]
    DuplicateException(String),
    #[error("at most {MAX_EXCEPTIONS} exceptions")]
    TooManyExceptions,
}

const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl Weekly {
    /// The ranges of each day, Monday first.
    pub fn days(&self) -> [&[Range]; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }
}

impl Range {
    pub fn new(from: &str, to: &str) -> Range {
        Range {
            from: from.to_owned(),
            to: to.to_owned(),
        }
    }

    fn label(&self) -> String {
        format!("{}–{}", self.from, self.to)
    }
}

/// Seconds of the day of `HH:MM` (00:00 to 24:00).
fn parse_time(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' || ![b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let h = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    let m = u32::from(b[3] - b'0') * 10 + u32::from(b[4] - b'0');
    let secs = h * 3600 + m * 60;
    (m < 60 && secs <= DAY_SECS).then_some(secs)
}

fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<i16>().ok());
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

fn time_zone(name: &str) -> Option<TimeZone> {
    if name.is_empty() || name.len() > MAX_ZONE_NAME {
        return None;
    }
    TimeZone::get(name).ok()
}

/// Checks one day's ranges and returns them as sorted `[from, to)` seconds of the day.
fn check_day(day: &str, ranges: &[Range]) -> Result<Vec<(u32, u32)>, HoursError> {
    if ranges.len() > MAX_RANGES_PER_DAY {
        return Err(HoursError::TooManyRanges {
            day: day.to_owned(),
        });
    }
    let mut parsed = Vec::with_capacity(ranges.len());
    for r in ranges {
        let time = |t: &str| {
            parse_time(t).ok_or_else(|| HoursError::MalformedTime {
                day: day.to_owned(),
                time: t.to_owned(),
            })
        };
        let (from, to) = (time(&r.from)?, time(&r.to)?);
        if from >= to {
            return Err(HoursError::EmptyRange {
                day: day.to_owned(),
                from: r.from.clone(),
                to: r.to.clone(),
            });
        }
        parsed.push((from, to, r));
    }
    parsed.sort_by_key(|&(from, to, _)| (from, to));
    for pair in parsed.windows(2) {
        if let [(_, a_to, a), (b_from, _, b)] = pair {
            if b_from < a_to {
                return Err(HoursError::Overlap {
                    day: day.to_owned(),
                    first: a.label(),
                    second: b.label(),
                });
            }
        }
    }
    Ok(parsed.into_iter().map(|(f, t, _)| (f, t)).collect())
}

/// Ranges as seconds of the day, skipping what does not parse (validated schedules have none).
fn lenient(ranges: &[Range]) -> Vec<(u32, u32)> {
    ranges
        .iter()
        .filter_map(|r| Some((parse_time(&r.from)?, parse_time(&r.to)?)))
        .filter(|(f, t)| f < t)
        .collect()
}

/// A schedule ready for lookups: the zone resolved, times and dates parsed.
struct Compiled {
    tz: TimeZone,
    weekly: [Vec<(u32, u32)>; 7],
    exceptions: BTreeMap<Date, Vec<(u32, u32)>>,
}

impl Compiled {
    fn ranges(&self, date: Date) -> &[(u32, u32)] {
        match self.exceptions.get(&date) {
            Some(r) => r,
            None => {
                let i = usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0);
                self.weekly.get(i).map_or(&[], Vec::as_slice)
            }
        }
    }

    fn is_open(&self, ts: Timestamp) -> bool {
        let local = self.tz.to_datetime(ts);
        let t = local.time();
        let secs = u32::try_from(
            i32::from(t.hour()) * 3600 + i32::from(t.minute()) * 60 + i32::from(t.second()),
        )
        .unwrap_or(0);
        self.ranges(local.date())
            .iter()
            .any(|&(from, to)| from <= secs && secs < to)
    }

    /// Instants at which the state may change in `(after, until]`, ascending: every range
    /// boundary and local midnight of the dates concerned (both instants of a wall time that
    /// happens twice) and every offset transition of the zone.
    fn candidates(&self, after: Timestamp, until: Timestamp) -> Vec<Timestamp> {
        let mut out = Vec::new();
        let (Ok(first), Ok(last)) = (
            self.tz.to_datetime(after).date().yesterday(),
            self.tz.to_datetime(until).date().tomorrow(),
        ) else {
            return out;
        };
        let mut date = first;
        while date <= last {
            let mut secs: Vec<u32> = vec![0];
            for &(from, to) in self.ranges(date) {
                secs.push(from);
                if to < DAY_SECS {
                    secs.push(to);
                }
            }
            for s in secs {
                let time = Time::new(
                    i8::try_from(s / 3600).unwrap_or(0),
                    i8::try_from(s % 3600 / 60).unwrap_or(0),
                    0,
                    0,
                );
                let Ok(time) = time else { continue };
                let ambiguous = self
                    .tz
                    .to_ambiguous_timestamp(DateTime::from_parts(date, time));
                out.extend(ambiguous.earlier().ok());
                out.extend(ambiguous.later().ok());
            }
            let Ok(next) = date.tomorrow() else { break };
            date = next;
        }
        out.extend(
            self.tz
                .following(after)
                .map(|t| t.timestamp())
                .take_while(|&t| t <= until),
        );
        out.retain(|&t| after < t && t <= until);
        out.sort();
        out.dedup();
        out
    }
}

fn timestamp(at: Millis) -> Option<Timestamp> {
    Timestamp::from_millisecond(i64::try_from(at.0).ok()?).ok()
}

fn millis(ts: Timestamp) -> Option<Millis> {
    u64::try_from(ts.as_millisecond()).ok().map(Millis)
}

impl BusinessHours {
    /// Refuses an unknown zone, malformed times or dates, empty or overlapping ranges,
    /// duplicate exception dates and oversized schedules.
    pub fn validate(&self) -> Result<(), HoursError> {
        self.compile().map(|_| ())
    }

    fn compile(&self) -> Result<Compiled, HoursError> {
        let tz = time_zone(&self.time_zone)
            .ok_or_else(|| HoursError::UnknownTimeZone(self.time_zone.clone()))?;
        if self.exceptions.len() > MAX_EXCEPTIONS {
            return Err(HoursError::TooManyExceptions);
        }
        let mut weekly: [Vec<(u32, u32)>; 7] = Default::default();
        for ((slot, ranges), name) in weekly.iter_mut().zip(self.weekly.days()).zip(DAY_NAMES) {
            *slot = check_day(name, ranges)?;
        }
        let mut exceptions = BTreeMap::new();
        for e in &self.exceptions {
            let date =
                parse_date(&e.date).ok_or_else(|| HoursError::MalformedDate(e.date.clone()))?;
            let ranges = check_day(&e.date, &e.ranges)?;
            if exceptions.insert(date, ranges).is_some() {
                return Err(HoursError::DuplicateException(e.date.clone()));
            }
        }
        Ok(Compiled {
            tz,
            weekly,
            exceptions,
        })
    }

    /// Like `compile` but never fails: what does not parse is left out, an unknown zone reads
    /// as UTC. Only reached for schedules that skipped validation.
    fn compile_lenient(&self) -> Compiled {
        if let Ok(c) = self.compile() {
            return c;
        }
        let days = self.weekly.days();
        Compiled {
            tz: time_zone(&self.time_zone).unwrap_or(TimeZone::UTC),
            weekly: days.map(lenient),
            exceptions: self
                .exceptions
                .iter()
                .filter_map(|e| Some((parse_date(&e.date)?, lenient(&e.ranges))))
                .collect(),
        }
    }

    /// Is the schedule open at `at`? The exception for the local date, if any, replaces that
    /// weekday's ranges. An instant outside the years jiff handles (-9999 to 9999) is closed.
    pub fn is_open(&self, at: Millis) -> bool {
        timestamp(at).is_some_and(|ts| self.compile_lenient().is_open(ts))
    }

    /// The first instant after `at` when [`is_open`](Self::is_open) differs from its value at
    /// `at`, looking [`NEXT_CHANGE_HORIZON`] (14 days) ahead; `None` if it stays the same.
    pub fn next_change(&self, at: Millis) -> Option<Millis> {
        let after = timestamp(at)?;
        let until = timestamp(at.after(NEXT_CHANGE_HORIZON))?;
        let c = self.compile_lenient();
        let now = c.is_open(after);
        let change = c
            .candidates(after, until)
            .into_iter()
            .find(|&t| c.is_open(t) != now)?;
        millis(change)
    }
}
