//! The Overview tab's words and chart geometry, pure (natively tested): headline numbers,
//! durations for people, and the stacked bars per day (accepted, then each missed reason).

use parlor_core::report::{Counts, DayRow, MissedReason, Report};

/// One series of the stacked bars: its key (a CSS-safe name), its label and its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    pub key: &'static str,
    pub label: &'static str,
    pub color: &'static str,
}

pub const ACCEPTED: Series = Series {
    key: "accepted",
    label: "Accepted",
    color: "#2e7d32",
};

/// The missed series, in the order they stack above the accepted chats.
pub fn missed_series(reason: MissedReason) -> Series {
    match reason {
        MissedReason::NobodyAvailable => Series {
            key: "nobody_available",
            label: "Missed: nobody available",
            color: "#c62828",
        },
        MissedReason::Expired => Series {
            key: "expired",
            label: "Missed: no one accepted in time",
            color: "#ef6c00",
        },
        MissedReason::Declined => Series {
            key: "declined",
            label: "Missed: declined by everyone",
            color: "#8e24aa",
        },
        MissedReason::OutsideHours => Series {
            key: "outside_hours",
            label: "Missed: outside business hours",
            color: "#455a64",
        },
        MissedReason::EngagementLimit => Series {
            key: "engagement_limit",
            label: "Missed: engagement limit reached",
            color: "#6d4c41",
        },
    }
}

/// Every series, bottom to top.
pub fn series() -> Vec<Series> {
    let mut all = vec![ACCEPTED];
    all.extend(MissedReason::ALL.into_iter().map(missed_series));
    all
}

/// A count per series for one day's counts, in [`series`] order.
fn values(c: &Counts) -> Vec<u64> {
    let mut v = vec![c.accepted];
    v.extend(MissedReason::ALL.into_iter().map(|r| c.missed.of(r)));
    v
}

/// "4 s", "1 min 20 s", "2 h 5 min"; "—" when there is nothing to measure.
pub fn duration(ms: Option<u64>) -> String {
    let Some(ms) = ms else {
        return "—".into();
    };
    let s = ms / 1000;
    match s {
        0 if ms > 0 => "under 1 s".into(),
        0..=59 => format!("{s} s"),
        60..=3_599 if s % 60 == 0 => format!("{} min", s / 60),
        60..=3_599 => format!("{} min {} s", s / 60, s % 60),
        _ if s % 3600 / 60 == 0 => format!("{} h", s / 3600),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

/// A rounded share, "17%"; "—" of nothing.
fn percent(part: u64, whole: u64) -> String {
    (part * 100 + whole / 2)
        .checked_div(whole)
        .map_or_else(|| "—".into(), |p| format!("{p}%"))
}

/// "75%" of requests accepted; "—" without requests.
pub fn accept_rate(c: &Counts) -> String {
    percent(c.accepted, c.requests)
}

/// The headline numbers, as (label, value) pairs.
pub fn headline(r: &Report) -> Vec<(&'static str, String)> {
    let t = &r.totals;
    vec![
        ("Chat requests", t.requests.to_string()),
        ("Accepted", t.accepted.to_string()),
        ("Missed", t.missed.total.to_string()),
        ("Accept rate", accept_rate(t)),
        ("Median time to accept", duration(t.median_accept_ms)),
        (
            "Median first response",
            duration(t.median_first_response_ms),
        ),
    ]
}

/// One coloured part of a bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub series: Series,
    pub count: u64,
    pub y: f64,
    pub height: f64,
}

/// One day's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub date: String,
    pub x: f64,
    pub width: f64,
    /// The day's date under the bar, or empty when the axis would be too crowded.
    pub label: String,
    /// What a screen reader (and a hover) says of the day.
    pub title: String,
    pub segments: Vec<Segment>,
}

/// The chart's geometry inside a `width` × `height` drawing (axis labels included).
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub width: f64,
    pub height: f64,
    /// The plotting area: left edge, top, bottom (the x axis).
    pub left: f64,
    pub top: f64,
    pub bottom: f64,
    /// Gridlines: (y, count).
    pub ticks: Vec<(f64, u64)>,
    pub bars: Vec<Bar>,
}

/// Room for the y axis numbers and the dates under the bars.
const LEFT: f64 = 36.0;
const TOP: f64 = 8.0;
const BELOW: f64 = 24.0;

/// A round step so that about four gridlines cover `max`.
fn step(max: u64) -> u64 {
    let raw = max.div_ceil(4).max(1);
    let mut unit = 1;
    loop {
        for m in [1, 2, 5] {
            if unit * m >= raw {
                return unit * m;
            }
        }
        unit *= 10;
    }
}

/// "Mon 4 May"-free and locale-free: the date as `MM-DD` under a bar, `YYYY-MM-DD` in words.
fn short(date: &str) -> String {
    date.get(5..).unwrap_or(date).to_owned()
}

fn day_title(d: &DayRow) -> String {
    let c = &d.counts;
    let mut parts = vec![format!("{} accepted", c.accepted)];
    if c.missed.total > 0 {
        let reasons: Vec<String> = MissedReason::ALL
            .into_iter()
            .filter(|r| c.missed.of(*r) > 0)
            .map(|r| {
                let label = missed_series(r).label.trim_start_matches("Missed: ");
                format!("{} {label}", c.missed.of(r))
            })
            .collect();
        parts.push(format!(
            "{} missed ({})",
            c.missed.total,
            reasons.join(", ")
        ));
    } else {
        parts.push("0 missed".into());
    }
    format!(
        "{}: {} chat requests, {}",
        d.date,
        c.requests,
        parts.join(", ")
    )
}

/// Stacked bars, one per day, accepted at the bottom.
pub fn chart(days: &[DayRow], width: f64, height: f64) -> Chart {
    let bottom = height - BELOW;
    let plot_h = bottom - TOP;
    let max = days
        .iter()
        .map(|d| values(&d.counts).iter().sum::<u64>())
        .max()
        .unwrap_or(0);
    let step = step(max);
    let top_value = (max.div_ceil(step) * step).max(step);
    let scale = plot_h / top_value as f64;
    let ticks = (0..=top_value / step)
        .map(|i| (bottom - (i * step) as f64 * scale, i * step))
        .collect();
    let n = days.len().max(1) as f64;
    let slot = (width - LEFT) / n;
    let bar_w = (slot * 0.7).max(1.0);
    // About eight dates fit under the bars.
    let every = (days.len() / 8).max(1);
    let series = series();
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut y = bottom;
            let segments = values(&d.counts)
                .into_iter()
                .zip(series.iter())
                .filter(|(count, _)| *count > 0)
                .map(|(count, s)| {
                    let h = count as f64 * scale;
                    y -= h;
                    Segment {
                        series: *s,
                        count,
                        y,
                        height: h,
                    }
                })
                .collect();
            Bar {
                date: d.date.clone(),
                x: LEFT + i as f64 * slot + (slot - bar_w) / 2.0,
                width: bar_w,
                label: if i % every == 0 {
                    short(&d.date)
                } else {
                    String::new()
                },
                title: day_title(d),
                segments,
            }
        })
        .collect();
    Chart {
        width,
        height,
        left: LEFT,
        top: TOP,
        bottom,
        ticks,
        bars,
    }
}

/// The missed-by-reason table: (label, count, share of requests).
pub fn missed_rows(t: &Counts) -> Vec<(String, u64, String)> {
    MissedReason::ALL
        .into_iter()
        .map(|r| {
            let n = t.missed.of(r);
            let share = percent(n, t.requests);
            let label = missed_series(r).label.trim_start_matches("Missed: ");
            (crate::fmt::field_label(label), n, share)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use parlor_core::report::Missed;

    use super::*;

    fn day(date: &str, accepted: u64, declined: u64, nobody: u64) -> DayRow {
        DayRow {
            date: date.into(),
            counts: Counts {
                conversations: accepted + declined + nobody,
                requests: accepted + declined + nobody,
                accepted,
                missed: Missed {
                    total: declined + nobody,
                    declined,
                    nobody_available: nobody,
                    ..Missed::default()
                },
                median_accept_ms: None,
                median_first_response_ms: None,
            },
        }
    }

    #[test]
    fn durations_read_like_a_person_would_say_them() {
        assert_eq!(duration(None), "—");
        assert_eq!(duration(Some(400)), "under 1 s");
        assert_eq!(duration(Some(4_200)), "4 s");
        assert_eq!(duration(Some(80_000)), "1 min 20 s");
        assert_eq!(duration(Some(120_000)), "2 min");
        assert_eq!(duration(Some(7_500_000)), "2 h 5 min");
        assert_eq!(duration(Some(7_200_000)), "2 h");
    }

    #[test]
    fn the_accept_rate_is_rounded_and_absent_without_requests() {
        let d = day("2026-05-04", 2, 1, 0);
        assert_eq!(accept_rate(&d.counts), "67%");
        assert_eq!(accept_rate(&Counts::default()), "—");
    }

    #[test]
    fn bars_stack_accepted_below_missed_and_fit_the_plot() {
        let days = [day("2026-05-04", 3, 1, 2), day("2026-05-05", 0, 0, 0)];
        let c = chart(&days, 600.0, 200.0);
        assert_eq!(c.bars.len(), 2);
        let b = &c.bars[0];
        let keys: Vec<&str> = b.segments.iter().map(|s| s.series.key).collect();
        assert_eq!(keys, ["accepted", "nobody_available", "declined"]);
        // Stacked upwards from the axis without gaps.
        assert!((b.segments[0].y + b.segments[0].height - c.bottom).abs() < 1e-9);
        for w in b.segments.windows(2) {
            assert!((w[1].y + w[1].height - w[0].y).abs() < 1e-9);
        }
        assert!(b.segments.last().is_some_and(|s| s.y >= c.top - 1e-9));
        assert!(c.bars[1].segments.is_empty());
        assert!(b.title.contains("3 accepted"), "{}", b.title);
        assert!(
            b.title
                .contains("3 missed (2 nobody available, 1 declined by everyone)"),
            "{}",
            b.title
        );
        // Gridlines from zero up to a round number at or above the tallest bar.
        assert_eq!(c.ticks.first().map(|t| t.1), Some(0));
        assert!(c.ticks.last().is_some_and(|t| t.1 >= 6));
        // Bars stay inside the drawing.
        for b in &c.bars {
            assert!(b.x >= c.left && b.x + b.width <= c.width);
        }
    }

    #[test]
    fn a_month_labels_about_eight_dates() {
        let days: Vec<DayRow> = (1..=30)
            .map(|d| day(&format!("2026-04-{d:02}"), 1, 0, 0))
            .collect();
        let c = chart(&days, 900.0, 240.0);
        let labelled = c.bars.iter().filter(|b| !b.label.is_empty()).count();
        assert!((7..=10).contains(&labelled), "{labelled}");
        assert_eq!(c.bars[0].label, "04-01");
    }

    #[test]
    fn an_empty_range_draws_an_empty_axis() {
        let days = [day("2026-05-04", 0, 0, 0)];
        let c = chart(&days, 300.0, 150.0);
        assert_eq!(c.ticks.first().map(|t| t.1), Some(0));
        assert!(c.bars[0].segments.is_empty());
    }

    #[test]
    fn gridline_steps_are_round() {
        assert_eq!(step(0), 1);
        assert_eq!(step(3), 1);
        assert_eq!(step(7), 2);
        assert_eq!(step(18), 5);
        assert_eq!(step(37), 10);
        assert_eq!(step(170), 50);
    }

    #[test]
    fn every_reason_has_a_row_with_its_share() {
        let d = day("2026-05-04", 2, 1, 1);
        let rows = missed_rows(&d.counts);
        assert_eq!(rows.len(), 5);
        assert!(rows.contains(&("Declined by everyone".into(), 1, "25%".into())));
        assert!(rows.contains(&("Outside business hours".into(), 0, "0%".into())));
    }
}
