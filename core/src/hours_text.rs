//! Business hours as an admin types them: one line of ranges per weekday
//! (`09:00-12:00, 14:00-18:00`; empty is closed) and one exception per line
//! (`2026-12-25 closed`, `2026-12-24 09:00-12:00`).
//!
//! Only the shape is read here: times and dates are kept as written, and
//! [`BusinessHours::validate`] (which names the day, and needs the tz database) judges them. So
//! this module pulls nothing heavy into the admin page's bundle.

use crate::hours::{Exception, Range, Weekly};

/// Why a line could not be read; the message names the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursTextError {
    #[error("{day}: \"{part}\" is not a range (write 09:00-18:00, several separated by commas)")]
    NotARange { day: String, part: String },
    #[error("exceptions, line {line}: write a date then \"closed\" or ranges, as 2026-12-24 09:00-12:00")]
    NotAnException { line: usize },
}

const WORDS_FOR_CLOSED: [&str; 3] = ["closed", "fermé", "ferme"];

/// `09:00-12:00, 14:00-18:00`; empty for a closed day.
pub fn format_ranges(ranges: &[Range]) -> String {
    ranges
        .iter()
        .map(|r| format!("{}-{}", r.from, r.to))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads [`format_ranges`]' form. Accepts `-`, `–` or `to` between the times and commas or
/// semicolons between ranges; empty or `closed` is a closed day.
pub fn parse_ranges(day: &str, text: &str) -> Result<Vec<Range>, HoursTextError> {
    let text = text.trim();
    if text.is_empty() || WORDS_FOR_CLOSED.contains(&text.to_lowercase().as_str()) {
        return Ok(Vec::new());
    }
    text.split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let normal = part.replace('–', "-").replace(" to ", "-");
            match normal.split_once('-') {
                Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
                    Ok(Range::new(from.trim(), to.trim()))
                }
                _ => Err(HoursTextError::NotARange {
                    day: day.to_owned(),
                    part: part.to_owned(),
                }),
            }
        })
        .collect()
}

/// One line per exception: `2026-12-25 closed` or `2026-12-24 09:00-12:00`.
pub fn format_exceptions(exceptions: &[Exception]) -> String {
    exceptions
        .iter()
        .map(|e| {
            if e.ranges.is_empty() {
                format!("{} closed", e.date)
            } else {
                format!("{} {}", e.date, format_ranges(&e.ranges))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads [`format_exceptions`]' form; blank lines are skipped.
pub fn parse_exceptions(text: &str) -> Result<Vec<Exception>, HoursTextError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = || HoursTextError::NotAnException { line: i + 1 };
        let (date, rest) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
        let rest = rest.trim();
        if rest.is_empty() {
            return Err(bad());
        }
        let ranges = parse_ranges(date, rest).map_err(|_| bad())?;
        out.push(Exception {
            date: date.to_owned(),
            ranges,
        });
    }
    Ok(out)
}

/// The seven day lines, Monday first, as [`format_ranges`] writes them.
pub fn format_week(weekly: &Weekly) -> [String; 7] {
    weekly.days().map(format_ranges)
}

/// A week from seven day lines, Monday first; `names` label the errors.
pub fn parse_week(names: [&str; 7], lines: [&str; 7]) -> Result<Weekly, HoursTextError> {
    let mut days: [Vec<Range>; 7] = Default::default();
    for (i, day) in days.iter_mut().enumerate() {
        *day = parse_ranges(names[i], lines[i])?;
    }
    let [mon, tue, wed, thu, fri, sat, sun] = days;
    Ok(Weekly {
        mon,
        tue,
        wed,
        thu,
        fri,
        sat,
        sun,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_what_admins_type() {
        let r = parse_ranges("Monday", " 09:00 - 12:00 ; 14:00–18:00 ").unwrap();
        assert_eq!(
            r,
            vec![Range::new("09:00", "12:00"), Range::new("14:00", "18:00")]
        );
        assert_eq!(
            parse_ranges("Monday", "9:00 to 17:30").unwrap(),
            vec![Range::new("9:00", "17:30")]
        );
        assert!(parse_ranges("Sunday", "Closed").unwrap().is_empty());
        assert!(parse_ranges("Sunday", "").unwrap().is_empty());
        assert_eq!(
            parse_ranges("Tuesday", "09:00").unwrap_err().to_string(),
            "Tuesday: \"09:00\" is not a range (write 09:00-18:00, several separated by commas)"
        );
    }

    #[test]
    fn reads_exceptions_and_names_the_bad_line() {
        let e = parse_exceptions("2026-12-25 closed\n\n2026-12-24 09:00-12:00").unwrap();
        assert_eq!(e.len(), 2);
        assert!(e[0].ranges.is_empty());
        assert_eq!(e[1].ranges, vec![Range::new("09:00", "12:00")]);
        assert_eq!(
            parse_exceptions("2026-12-25 closed\n2026-12-31").unwrap_err(),
            HoursTextError::NotAnException { line: 2 }
        );
    }

    fn time() -> impl Strategy<Value = String> {
        (0u32..24, 0u32..60).prop_map(|(h, m)| format!("{h:02}:{m:02}"))
    }

    proptest! {
        #[test]
        fn ranges_round_trip(ranges in prop::collection::vec((time(), time()), 0..8)) {
            let ranges: Vec<Range> = ranges.iter().map(|(a, b)| Range::new(a, b)).collect();
            prop_assert_eq!(parse_ranges("Monday", &format_ranges(&ranges)).unwrap(), ranges);
        }

        #[test]
        fn exceptions_round_trip(
            ex in prop::collection::vec(
                ((2000u32..2100, 1u32..13, 1u32..29), prop::collection::vec((time(), time()), 0..3)),
                0..6,
            )
        ) {
            let ex: Vec<Exception> = ex
                .iter()
                .map(|((y, m, d), r)| Exception {
                    date: format!("{y:04}-{m:02}-{d:02}"),
                    ranges: r.iter().map(|(a, b)| Range::new(a, b)).collect(),
                })
                .collect();
            prop_assert_eq!(parse_exceptions(&format_exceptions(&ex)).unwrap(), ex);
        }
    }
}
