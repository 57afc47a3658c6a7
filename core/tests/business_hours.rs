//! Business hours: validation, open/closed across DST changes, exceptions, `next_change`.

use jiff::civil::datetime;
use jiff::tz::TimeZone;
use parlor_core::hours::{
    BusinessHours, Exception, HoursError, Range, Weekly, NEXT_CHANGE_HORIZON,
};
use parlor_core::settings::WorkspaceSettings;
use parlor_core::Millis;
use proptest::prelude::*;

/// The instant of a UTC wall time.
fn utc(y: i16, mo: i8, d: i8, h: i8, mi: i8) -> Millis {
    let ts = TimeZone::UTC
        .to_timestamp(datetime(y, mo, d, h, mi, 0, 0))
        .unwrap();
    Millis(u64::try_from(ts.as_millisecond()).unwrap())
}

fn minus_ms(m: Millis, ms: u64) -> Millis {
    Millis(m.0 - ms)
}

fn r(from: &str, to: &str) -> Range {
    Range::new(from, to)
}

fn office(zone: &str) -> BusinessHours {
    let day = || vec![r("09:00", "18:00")];
    BusinessHours {
        time_zone: zone.into(),
        weekly: Weekly {
            mon: day(),
            tue: day(),
            wed: day(),
            thu: day(),
            fri: day(),
            ..Weekly::default()
        },
        exceptions: Vec::new(),
    }
}

fn sundays(zone: &str, ranges: Vec<Range>) -> BusinessHours {
    BusinessHours {
        time_zone: zone.into(),
        weekly: Weekly {
            sun: ranges,
            ..Weekly::default()
        },
        exceptions: Vec::new(),
    }
}

#[test]
fn the_api_shape_reads_and_writes() {
    let json = r#"{"time_zone":"Europe/Paris","weekly":{"mon":[{"from":"09:00","to":"12:00"},{"from":"14:00","to":"18:00"}],"sat":[]},"exceptions":[{"date":"2026-12-25","ranges":[]}]}"#;
    let h: BusinessHours = serde_json::from_str(json).unwrap();
    assert_eq!(h.weekly.mon.len(), 2);
    assert!(h.weekly.tue.is_empty(), "a day left out is closed");
    assert_eq!(h.exceptions[0].date, "2026-12-25");
    assert!(h.validate().is_ok());
    let back: BusinessHours = serde_json::from_value(serde_json::to_value(&h).unwrap()).unwrap();
    assert_eq!(back, h);
    let written = serde_json::to_value(&h).unwrap();
    assert_eq!(written["weekly"]["mon"][1]["to"], "18:00");

    for bad in [
        r#"{"time_zone":"UTC","weekly":{"monday":[]}}"#,
        r#"{"time_zone":"UTC","weekly":{},"holidays":[]}"#,
        r#"{"time_zone":"UTC","weekly":{"mon":[{"from":"09:00","to":"10:00","x":1}]}}"#,
        r#"{"weekly":{}}"#,
    ] {
        assert!(serde_json::from_str::<BusinessHours>(bad).is_err(), "{bad}");
    }
}

#[test]
fn validation_names_the_problem() {
    let check = |h: &BusinessHours| h.validate().err().map(|e| e.to_string());

    let mut h = office("Mars/Olympus_Mons");
    assert!(matches!(h.validate(), Err(HoursError::UnknownTimeZone(_))));
    h.time_zone = String::new();
    assert!(matches!(h.validate(), Err(HoursError::UnknownTimeZone(_))));
    for zone in ["Europe/Paris", "America/New_York", "UTC", "Asia/Kolkata"] {
        assert_eq!(office(zone).validate(), Ok(()), "{zone}");
    }

    let mut h = office("Europe/Paris");
    h.weekly.tue = vec![r("11:00", "14:00"), r("09:00", "12:00")];
    assert_eq!(
        check(&h).as_deref(),
        Some("Tuesday: 09:00–12:00 overlaps 11:00–14:00")
    );
    h.weekly.tue = vec![r("09:00", "12:00"), r("12:00", "14:00")];
    assert_eq!(h.validate(), Ok(()), "ranges that touch do not overlap");
    h.weekly.tue = vec![r("09:00", "12:00"), r("09:00", "12:00")];
    assert!(matches!(h.validate(), Err(HoursError::Overlap { .. })));

    for bad in [
        "9:00", "25:00", "12:60", "24:01", "ab:cd", "09:00:00", "", "09-00",
    ] {
        let mut h = office("Europe/Paris");
        h.weekly.wed = vec![r(bad, "18:00")];
        let msg = check(&h).unwrap_or_default();
        assert!(msg.starts_with("Wednesday: "), "{bad}: {msg}");
        assert!(matches!(
            h.validate(),
            Err(HoursError::MalformedTime { .. })
        ));
    }

    let mut h = office("Europe/Paris");
    h.weekly.fri = vec![r("18:00", "09:00")];
    assert!(check(&h)
        .unwrap_or_default()
        .starts_with("Friday: 18:00–09:00 must start before"));
    h.weekly.fri = vec![r("09:00", "09:00")];
    assert!(matches!(h.validate(), Err(HoursError::EmptyRange { .. })));
    h.weekly.fri = vec![r("00:00", "24:00")];
    assert_eq!(h.validate(), Ok(()));

    h.weekly.sat = (0..9)
        .map(|i| r(&format!("{i:02}:00"), &format!("{i:02}:30")))
        .collect();
    assert_eq!(
        check(&h).as_deref(),
        Some("Saturday: at most 8 ranges a day")
    );
    h.weekly.sat.pop();
    assert_eq!(h.validate(), Ok(()));

    let mut h = office("Europe/Paris");
    for date in [
        "2026-02-30",
        "2026/12/25",
        "26-12-25",
        "2026-12-25T00:00",
        "+2026-1-25",
    ] {
        h.exceptions = vec![Exception {
            date: date.into(),
            ranges: vec![],
        }];
        assert!(
            matches!(h.validate(), Err(HoursError::MalformedDate(_))),
            "{date}"
        );
    }
    h.exceptions = vec![
        Exception {
            date: "2026-12-25".into(),
            ranges: vec![],
        },
        Exception {
            date: "2026-12-25".into(),
            ranges: vec![r("10:00", "12:00")],
        },
    ];
    assert_eq!(
        check(&h).as_deref(),
        Some("exception date 2026-12-25 is listed twice")
    );
    h.exceptions = vec![Exception {
        date: "2026-12-24".into(),
        ranges: vec![r("10:00", "13:00"), r("12:00", "14:00")],
    }];
    assert_eq!(
        check(&h).as_deref(),
        Some("2026-12-24: 10:00–13:00 overlaps 12:00–14:00")
    );

    let mut h = office("UTC");
    let start = jiff::civil::date(2026, 1, 1);
    h.exceptions = (0..367)
        .map(|i| Exception {
            date: start
                .checked_add(jiff::Span::new().days(i))
                .unwrap()
                .to_string(),
            ranges: vec![],
        })
        .collect();
    assert_eq!(h.validate(), Err(HoursError::TooManyExceptions));
    h.exceptions.pop();
    assert_eq!(h.validate(), Ok(()));
}

#[test]
fn paris_office_hours_follow_summer_time() {
    let h = office("Europe/Paris");
    // Monday 23 March 2026: winter time, UTC+1.
    assert!(!h.is_open(minus_ms(utc(2026, 3, 23, 8, 0), 1)));
    assert!(h.is_open(utc(2026, 3, 23, 8, 0)));
    assert!(h.is_open(minus_ms(utc(2026, 3, 23, 17, 0), 1)));
    assert!(!h.is_open(utc(2026, 3, 23, 17, 0)));
    // Monday 30 March 2026, the day after the clocks went forward: UTC+2.
    assert!(!h.is_open(minus_ms(utc(2026, 3, 30, 7, 0), 1)));
    assert!(h.is_open(utc(2026, 3, 30, 7, 0)));
    assert!(h.is_open(utc(2026, 3, 30, 15, 59)));
    assert!(!h.is_open(utc(2026, 3, 30, 16, 0)));
    // Monday 26 October 2026, the day after the clocks went back: UTC+1 again.
    assert!(!h.is_open(utc(2026, 10, 26, 7, 30)));
    assert!(h.is_open(utc(2026, 10, 26, 8, 0)));
    assert!(!h.is_open(utc(2026, 10, 26, 17, 0)));
    // Weekends are closed.
    assert!(!h.is_open(utc(2026, 3, 28, 10, 0)));
    assert!(!h.is_open(utc(2026, 3, 29, 10, 0)));
}

#[test]
fn new_york_office_hours_follow_daylight_saving_time() {
    let h = office("America/New_York");
    // Friday 6 March 2026: EST, UTC-5.
    assert!(!h.is_open(utc(2026, 3, 6, 13, 59)));
    assert!(h.is_open(utc(2026, 3, 6, 14, 0)));
    assert!(!h.is_open(utc(2026, 3, 6, 23, 0)));
    // Monday 9 March 2026: EDT, UTC-4.
    assert!(!h.is_open(utc(2026, 3, 9, 12, 59)));
    assert!(h.is_open(utc(2026, 3, 9, 13, 0)));
    assert!(!h.is_open(utc(2026, 3, 9, 22, 0)));
    // Monday 2 November 2026: EST again.
    assert!(!h.is_open(utc(2026, 11, 2, 13, 30)));
    assert!(h.is_open(utc(2026, 11, 2, 14, 0)));
    assert_eq!(
        h.next_change(utc(2026, 10, 30, 22, 0)),
        Some(utc(2026, 11, 2, 14, 0))
    );
}

#[test]
fn the_night_the_clocks_go_forward_is_an_hour_short() {
    // Sunday 29 March 2026 in Paris: 02:00 local becomes 03:00 (01:00 UTC).
    let h = sundays("Europe/Paris", vec![r("01:00", "05:00")]);
    assert!(!h.is_open(minus_ms(utc(2026, 3, 29, 0, 0), 1)));
    assert!(h.is_open(utc(2026, 3, 29, 0, 0)), "01:00 local, UTC+1");
    assert!(h.is_open(utc(2026, 3, 29, 2, 59)), "04:59 local, UTC+2");
    assert!(!h.is_open(utc(2026, 3, 29, 3, 0)), "05:00 local");
    assert_eq!(
        h.next_change(utc(2026, 3, 29, 0, 0)),
        Some(utc(2026, 3, 29, 3, 0))
    );
    assert_eq!(
        h.next_change(utc(2026, 3, 28, 12, 0)),
        Some(utc(2026, 3, 29, 0, 0))
    );

    // A range inside the gap never happens that night.
    let h = sundays("Europe/Paris", vec![r("02:00", "02:30")]);
    let mut t = utc(2026, 3, 28, 22, 0);
    while t < utc(2026, 3, 29, 4, 0) {
        assert!(!h.is_open(t), "{t:?}");
        t = t.after(Millis::from_secs(60));
    }
    // It does the next Sunday (winter ends, UTC+2: 02:00 local is 00:00 UTC).
    assert_eq!(
        h.next_change(utc(2026, 3, 28, 22, 0)),
        Some(utc(2026, 4, 5, 0, 0))
    );

    // A range starting in the gap opens when the clocks jump.
    let h = sundays("Europe/Paris", vec![r("02:30", "04:00")]);
    assert!(!h.is_open(minus_ms(utc(2026, 3, 29, 1, 0), 1)));
    assert!(h.is_open(utc(2026, 3, 29, 1, 0)), "03:00 local");
    assert_eq!(
        h.next_change(utc(2026, 3, 29, 0, 0)),
        Some(utc(2026, 3, 29, 1, 0))
    );
}

#[test]
fn the_night_the_clocks_go_back_is_an_hour_long() {
    // Sunday 25 October 2026 in Paris: 03:00 CEST (01:00 UTC) becomes 02:00 CET.
    let h = sundays("Europe/Paris", vec![r("02:00", "03:00")]);
    assert!(!h.is_open(minus_ms(utc(2026, 10, 25, 0, 0), 1)));
    assert!(h.is_open(utc(2026, 10, 25, 0, 0)), "02:00 CEST");
    assert!(h.is_open(utc(2026, 10, 25, 1, 30)), "02:30 CET");
    assert!(!h.is_open(utc(2026, 10, 25, 2, 0)), "03:00 CET");
    assert_eq!(
        h.next_change(utc(2026, 10, 24, 22, 0)),
        Some(utc(2026, 10, 25, 0, 0))
    );
    assert_eq!(
        h.next_change(utc(2026, 10, 25, 0, 0)),
        Some(utc(2026, 10, 25, 2, 0))
    );

    // A range ending in the fold closes the first time its end comes and opens again.
    let h = sundays("Europe/Paris", vec![r("01:00", "02:30")]);
    assert!(h.is_open(utc(2026, 10, 24, 23, 0)), "01:00 CEST");
    assert!(!h.is_open(utc(2026, 10, 25, 0, 30)), "02:30 CEST");
    assert!(h.is_open(utc(2026, 10, 25, 1, 0)), "02:00 CET");
    assert!(!h.is_open(utc(2026, 10, 25, 1, 30)), "02:30 CET");
    assert_eq!(
        h.next_change(utc(2026, 10, 25, 0, 30)),
        Some(utc(2026, 10, 25, 1, 0))
    );
    assert_eq!(
        h.next_change(utc(2026, 10, 25, 1, 0)),
        Some(utc(2026, 10, 25, 1, 30))
    );
}

#[test]
fn a_range_may_end_at_midnight_and_continue_the_next_day() {
    // Friday 5 June 2026 in Paris, UTC+2.
    let mut h = BusinessHours {
        time_zone: "Europe/Paris".into(),
        weekly: Weekly {
            fri: vec![r("18:00", "24:00")],
            ..Weekly::default()
        },
        exceptions: vec![],
    };
    assert!(!h.is_open(minus_ms(utc(2026, 6, 5, 16, 0), 1)));
    assert!(h.is_open(utc(2026, 6, 5, 16, 0)));
    assert!(
        h.is_open(minus_ms(utc(2026, 6, 5, 22, 0), 1)),
        "23:59:59.999"
    );
    assert!(!h.is_open(utc(2026, 6, 5, 22, 0)), "Saturday 00:00");
    assert_eq!(
        h.next_change(utc(2026, 6, 5, 16, 0)),
        Some(utc(2026, 6, 5, 22, 0))
    );

    // Spanning midnight: no change at midnight.
    h.weekly.sat = vec![r("00:00", "02:00")];
    assert!(h.is_open(utc(2026, 6, 5, 22, 0)));
    assert!(!h.is_open(utc(2026, 6, 6, 0, 0)));
    assert_eq!(
        h.next_change(utc(2026, 6, 5, 16, 0)),
        Some(utc(2026, 6, 6, 0, 0))
    );
}

#[test]
fn exceptions_replace_the_weekly_ranges_of_their_date() {
    let mut h = office("Europe/Paris");
    h.exceptions = vec![
        // Christmas, a Friday: closed.
        Exception {
            date: "2026-12-25".into(),
            ranges: vec![],
        },
        // A Sunday opening before Christmas.
        Exception {
            date: "2026-12-20".into(),
            ranges: vec![r("10:00", "16:00")],
        },
        // Christmas Eve, a Thursday: mornings only.
        Exception {
            date: "2026-12-24".into(),
            ranges: vec![r("09:00", "12:00")],
        },
    ];
    assert!(h.validate().is_ok());
    // Winter: UTC+1.
    assert!(!h.is_open(utc(2026, 12, 25, 11, 0)));
    assert!(
        h.is_open(utc(2026, 12, 18, 11, 0)),
        "the Friday before is open"
    );
    assert!(h.is_open(utc(2026, 12, 20, 9, 0)), "Sunday 10:00");
    assert!(!h.is_open(utc(2026, 12, 20, 15, 0)), "Sunday 16:00");
    assert!(
        !h.is_open(utc(2026, 12, 13, 9, 0)),
        "other Sundays stay closed"
    );
    assert!(h.is_open(utc(2026, 12, 24, 10, 59)));
    assert!(
        !h.is_open(utc(2026, 12, 24, 11, 0)),
        "Christmas Eve closes at noon"
    );
    // Thursday noon → Monday 28th 09:00, skipping Christmas.
    assert_eq!(
        h.next_change(utc(2026, 12, 24, 11, 0)),
        Some(utc(2026, 12, 28, 8, 0))
    );
    // Saturday → the Sunday opening.
    assert_eq!(
        h.next_change(utc(2026, 12, 19, 12, 0)),
        Some(utc(2026, 12, 20, 9, 0))
    );
}

#[test]
fn next_change_looks_two_weeks_ahead() {
    let h = office("Europe/Paris");
    // Friday 5 June 2026 17:00 local → closes at 18:00 local.
    assert_eq!(
        h.next_change(utc(2026, 6, 5, 15, 0)),
        Some(utc(2026, 6, 5, 16, 0))
    );
    // Friday evening → Monday 09:00 local.
    assert_eq!(
        h.next_change(utc(2026, 6, 5, 17, 0)),
        Some(utc(2026, 6, 8, 7, 0))
    );
    // Exactly at a change: the following one.
    assert_eq!(
        h.next_change(utc(2026, 6, 8, 7, 0)),
        Some(utc(2026, 6, 8, 16, 0))
    );

    let closed = BusinessHours {
        time_zone: "Europe/Paris".into(),
        weekly: Weekly::default(),
        exceptions: vec![],
    };
    assert_eq!(closed.next_change(utc(2026, 6, 5, 15, 0)), None);
    assert!(!closed.is_open(utc(2026, 6, 5, 15, 0)));

    let all = || vec![r("00:00", "24:00")];
    let always = BusinessHours {
        time_zone: "America/New_York".into(),
        weekly: Weekly {
            mon: all(),
            tue: all(),
            wed: all(),
            thu: all(),
            fri: all(),
            sat: all(),
            sun: all(),
        },
        exceptions: vec![],
    };
    assert!(
        always.is_open(utc(2026, 3, 8, 7, 0)),
        "across the DST change"
    );
    assert_eq!(always.next_change(utc(2026, 3, 1, 0, 0)), None);

    // Only a far exception: beyond the horizon is None, within it is found.
    let mut far = closed.clone();
    far.exceptions = vec![Exception {
        date: "2026-06-25".into(),
        ranges: vec![r("10:00", "11:00")],
    }];
    assert_eq!(far.next_change(utc(2026, 6, 5, 15, 0)), None);
    assert_eq!(
        far.next_change(utc(2026, 6, 15, 0, 0)),
        Some(utc(2026, 6, 25, 8, 0))
    );
    assert!(NEXT_CHANGE_HORIZON == Millis(14 * 86_400_000));

    // Instants jiff cannot represent are closed with no change.
    assert!(!always.is_open(Millis(u64::MAX)));
    assert_eq!(always.next_change(Millis(u64::MAX - 1)), None);
}

#[test]
fn settings_carry_optional_business_hours() {
    let s = WorkspaceSettings::default();
    assert_eq!(s.business_hours, None, "always open by default");
    let s: WorkspaceSettings = serde_json::from_str(
        r#"{"business_hours":{"time_zone":"Europe/Paris","weekly":{"tue":[{"from":"09:00","to":"12:00"},{"from":"11:00","to":"14:00"}]}}}"#,
    )
    .unwrap();
    let errors = s.validate().err().unwrap_or_default();
    assert_eq!(
        errors,
        vec!["business_hours: Tuesday: 09:00–12:00 overlaps 11:00–14:00".to_owned()]
    );
    let s = WorkspaceSettings {
        business_hours: Some(office("Mars/Base")),
        ..WorkspaceSettings::default()
    };
    assert!(s.validate().err().unwrap_or_default()[0].contains("Mars/Base"));
    let s = WorkspaceSettings {
        business_hours: Some(office("Europe/Paris")),
        ..WorkspaceSettings::default()
    };
    assert_eq!(s.validate(), Ok(()));
    let back: WorkspaceSettings =
        serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
    assert_eq!(back, s);
}

// ---- property: the state changes only where next_change says ----

const ZONES: &[&str] = &[
    "Europe/Paris",
    "America/New_York",
    "Australia/Lord_Howe", // a 30-minute DST shift
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Santiago",
    "UTC",
];

/// A day's ranges from sorted distinct quarter-hours (0..=96), paired up.
fn day() -> impl Strategy<Value = Vec<Range>> {
    proptest::collection::btree_set(0u32..=96, 0..=6).prop_map(|set| {
        let q: Vec<u32> = set.into_iter().collect();
        let hm = |q: u32| format!("{:02}:{:02}", q / 4, q % 4 * 15);
        q.chunks_exact(2)
            .map(|p| Range::new(&hm(p[0]), &hm(p[1])))
            .collect()
    })
}

fn schedule() -> impl Strategy<Value = BusinessHours> {
    let weekly = [day(), day(), day(), day(), day(), day(), day()].prop_map(
        |[mon, tue, wed, thu, fri, sat, sun]| Weekly {
            mon,
            tue,
            wed,
            thu,
            fri,
            sat,
            sun,
        },
    );
    let exceptions = proptest::collection::btree_map(1i8..=28, day(), 0..4);
    (
        proptest::sample::select(ZONES),
        weekly,
        1i8..=12,
        exceptions,
    )
        .prop_map(|(zone, weekly, month, exceptions)| BusinessHours {
            time_zone: zone.to_owned(),
            weekly,
            exceptions: exceptions
                .into_iter()
                .map(|(d, ranges)| Exception {
                    date: format!("2026-{month:02}-{d:02}"),
                    ranges,
                })
                .collect(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_state_changes_only_at_next_change(
        h in schedule(),
        start in utc(2025, 12, 1, 0, 0).0..utc(2027, 1, 1, 0, 0).0,
    ) {
        prop_assert_eq!(h.validate(), Ok(()));
        let mut t = Millis(start);
        for _ in 0..6 {
            let state = h.is_open(t);
            let end = match h.next_change(t) {
                Some(n) => {
                    prop_assert!(n > t && n <= t.after(NEXT_CHANGE_HORIZON));
                    prop_assert_ne!(h.is_open(n), state, "no change at {:?}", n);
                    prop_assert_eq!(h.is_open(minus_ms(n, 1)), state);
                    n
                }
                None => t.after(NEXT_CHANGE_HORIZON),
            };
            let span = end.0 - t.0;
            for k in 1..24u64 {
                let p = Millis(t.0 + span * k / 24);
                prop_assert_eq!(h.is_open(p), state, "between {:?} and {:?} at {:?}", t, end, p);
            }
            // Every quarter-hour boundary in between too, where most changes would hide.
            let mut q = Millis((t.0 / 900_000 + 1) * 900_000);
            while q < end {
                prop_assert_eq!(h.is_open(q), state, "at {:?} before {:?}", q, end);
                q = q.after(Millis(900_000));
            }
            if end == t.after(NEXT_CHANGE_HORIZON) && h.next_change(t).is_none() {
                break;
            }
            t = end;
        }
    }
}
