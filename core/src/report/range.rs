//! The report's days: a range of whole local dates in the workspace's time zone, and which
//! local date an instant falls on (daylight saving time included: a local day may last 23
//! or 25 hours).

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::settings::WorkspaceSettings;
use crate::Millis;

/// The longest range a report covers, in days.
pub const MAX_DAYS: u32 = 92;

/// Why a range was refused; the message is shown to the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("{0} is not a date: write it as YYYY-MM-DD, for example 2026-03-29")]
    BadDate(String),
    #[error("the range starts ({from}) after it ends ({to})")]
    Reversed { from: String, to: String },
    #[error("the range covers {days} days; a report covers at most {MAX_DAYS} days")]
    TooLong { days: u32 },
    #[error("a report covers 1 to {MAX_DAYS} days")]
    BadLength,
    #[error("that date is too far from today")]
    OutOfBounds,
}

/// The zone the report counts days in: the business hours' zone if set, otherwise UTC.
#[derive(Debug, Clone)]
pub struct ReportZone {
    pub name: String,
    pub tz: TimeZone,
}

impl ReportZone {
    pub fn utc() -> Self {
        ReportZone {
            name: "UTC".into(),
            tz: TimeZone::UTC,
        }
    }

    pub fn named(name: &str) -> Option<Self> {
        if name.is_empty() || name.len() > 64 {
            return None;
        }
        Some(ReportZone {
            name: name.to_owned(),
            tz: TimeZone::get(name).ok()?,
        })
    }

    /// The workspace's zone (a stored zone jiff does not know falls back to UTC).
    pub fn of(settings: &WorkspaceSettings) -> Self {
        settings
            .business_hours
            .as_ref()
            .and_then(|h| ReportZone::named(&h.time_zone))
            .unwrap_or_else(ReportZone::utc)
    }

    /// The local date of an instant.
    pub fn date_of(&self, at: Millis) -> Option<Date> {
        let ms = i64::try_from(at.0).ok()?;
        let ts = Timestamp::from_millisecond(ms).ok()?;
        Some(self.tz.to_datetime(ts).date())
    }

    /// The first instant of a local date (after a gap, the first that exists).
    fn start_of(&self, date: Date) -> Result<Millis, RangeError> {
        let midnight = DateTime::from_parts(date, Time::midnight());
        let ts = self
            .tz
            .to_ambiguous_timestamp(midnight)
            .compatible()
            .map_err(|_| RangeError::OutOfBounds)?;
        u64::try_from(ts.as_millisecond())
            .map(Millis)
            .map_err(|_| RangeError::OutOfBounds)
    }
}

/// Whole local dates `from..=to`, and the instants `[start, end)` they cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRange {
    pub from: Date,
    pub to: Date,
    pub start: Millis,
    pub end: Millis,
}

impl DayRange {
    /// `from` and `to` as `YYYY-MM-DD`, both included, at most [`MAX_DAYS`] days.
    pub fn parse(from: &str, to: &str, zone: &ReportZone) -> Result<DayRange, RangeError> {
        let from = parse_date(from)?;
        let to = parse_date(to)?;
        DayRange::new(from, to, zone)
    }

    /// The `days` local dates ending today (as of `now`).
    pub fn last(days: u32, now: Millis, zone: &ReportZone) -> Result<DayRange, RangeError> {
        if days == 0 || days > MAX_DAYS {
            return Err(RangeError::BadLength);
        }
        let today = zone.date_of(now).ok_or(RangeError::OutOfBounds)?;
        let from = today
            .checked_sub(jiff::Span::new().days(i64::from(days - 1)))
            .map_err(|_| RangeError::OutOfBounds)?;
        DayRange::new(from, today, zone)
    }

    fn new(from: Date, to: Date, zone: &ReportZone) -> Result<DayRange, RangeError> {
        if from > to {
            return Err(RangeError::Reversed {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        let days = from
            .until(to)
            .map_err(|_| RangeError::OutOfBounds)?
            .get_days();
        let days = u32::try_from(days).map_err(|_| RangeError::OutOfBounds)? + 1;
        if days > MAX_DAYS {
            return Err(RangeError::TooLong { days });
        }
        let after = to.tomorrow().map_err(|_| RangeError::OutOfBounds)?;
        Ok(DayRange {
            from,
            to,
            start: zone.start_of(from)?,
            end: zone.start_of(after)?,
        })
    }

    /// Every date of the range, in order.
    pub fn dates(&self) -> Vec<Date> {
        let mut out = Vec::new();
        let mut d = self.from;
        while d <= self.to {
            out.push(d);
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
        out
    }
}

fn parse_date(s: &str) -> Result<Date, RangeError> {
    let bad = || RangeError::BadDate(s.chars().take(40).collect());
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<i16>().ok());
    let (y, m, d) = match (n(0..4), n(5..7), n(8..10)) {
        (Some(y), Some(m), Some(d)) => (y, m, d),
        _ => return Err(bad()),
    };
    let m = i8::try_from(m).map_err(|_| bad())?;
    let d = i8::try_from(d).map_err(|_| bad())?;
    Date::new(y, m, d).map_err(|_| bad())
}
