//! Hand-computed business-calendar cases: DST days, night shifts, 24:00 ends, partial
//! holidays, Lord Howe's 30-minute shift, both boundary conventions, validation errors,
//! recurring holidays, extra windows, 24/7, far-future instants, batch forms.
#![allow(clippy::unwrap_used)]

#[path = "calendar_reference.rs"]
#[allow(unused)]
mod reference;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use ticketry_core::calendar::{
    BoundaryMode, BusinessCalendar, CalendarConfig, CalendarErrorKind, Segment,
};

use reference::{RefCal, RefOps, from_ns, ns};

fn z(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn h(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

fn cal(json: &str) -> BusinessCalendar {
    BusinessCalendar::from_json(json).unwrap()
}

/// The same calendar compiled with the default window, with no window, and with a short
/// window, so every assertion covers the fast and the exact path.
fn variants(json: &str, around: NaiveDate) -> Vec<BusinessCalendar> {
    let cfg = CalendarConfig::from_json(json).unwrap();
    vec![
        BusinessCalendar::from_config(&cfg).unwrap(),
        BusinessCalendar::with_window(&cfg, around, 0).unwrap(),
        BusinessCalendar::with_window(&cfg, around - TimeDelta::days(1), 3).unwrap(),
    ]
}

const FULL_WEEK: &str = r#"{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],
    "thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]}"#;

fn berlin_24_7(holidays: &str) -> String {
    format!(r#"{{"timezone":"Europe/Berlin","weekly":{FULL_WEEK},"holidays":[{holidays}]}}"#)
}

#[test]
fn holiday_on_a_23_hour_day() {
    // 2026-03-29 is 23 h long in Berlin; local midnights: Mar 28 = 27th 23:00Z,
    // Mar 29 = 28th 23:00Z, Mar 30 = 29th 22:00Z, Mar 31 = 30th 22:00Z.
    for c in variants(&berlin_24_7(r#""2026-03-29""#), date(2026, 3, 29)) {
        assert_eq!(
            c.between(z(2026, 3, 27, 23, 0), z(2026, 3, 30, 22, 0)),
            h(48)
        );
        assert_eq!(
            c.add(z(2026, 3, 28, 22, 0), h(2)),
            Some(z(2026, 3, 29, 23, 0))
        );
        assert_eq!(
            c.next_close(z(2026, 3, 28, 12, 0)),
            Some(z(2026, 3, 28, 23, 0))
        );
        assert_eq!(
            c.next_open(z(2026, 3, 29, 5, 0)),
            Some(z(2026, 3, 29, 22, 0))
        );
        assert!(!c.is_open(z(2026, 3, 29, 21, 59)));
        assert!(c.is_open(z(2026, 3, 29, 22, 0)));
        assert_eq!(
            c.holidays_between(z(2026, 3, 20, 0, 0), z(2026, 4, 5, 0, 0)),
            vec![date(2026, 3, 29)]
        );
    }
    for c in variants(&berlin_24_7(""), date(2026, 3, 29)) {
        assert_eq!(
            c.between(z(2026, 3, 27, 23, 0), z(2026, 3, 30, 22, 0)),
            h(71)
        );
        assert_eq!(
            c.between(z(2026, 3, 28, 23, 0), z(2026, 3, 29, 22, 0)),
            h(23)
        );
        // No closure at all, so it never closes.
        assert_eq!(c.next_close(z(2026, 3, 28, 12, 0)), None);
    }
    // Holiday on the day after the switch: 24 h + 23 h remain.
    for c in variants(&berlin_24_7(r#""2026-03-30""#), date(2026, 3, 29)) {
        assert_eq!(
            c.between(z(2026, 3, 27, 23, 0), z(2026, 3, 30, 22, 0)),
            h(47)
        );
        assert_eq!(
            c.next_close(z(2026, 3, 27, 0, 0)),
            Some(z(2026, 3, 29, 22, 0))
        );
    }
}

#[test]
fn holiday_on_a_25_hour_day() {
    // 2026-10-25 is 25 h long; local midnights: Oct 24 = 23rd 22:00Z, Oct 25 = 24th 22:00Z,
    // Oct 26 = 25th 23:00Z, Oct 27 = 26th 23:00Z.
    for c in variants(&berlin_24_7(r#""2026-10-25""#), date(2026, 10, 25)) {
        assert_eq!(
            c.between(z(2026, 10, 23, 22, 0), z(2026, 10, 26, 23, 0)),
            h(48)
        );
        assert_eq!(
            c.add(z(2026, 10, 24, 21, 0), h(2)),
            Some(z(2026, 10, 26, 0, 0))
        );
        assert_eq!(
            c.next_open(z(2026, 10, 25, 0, 0)),
            Some(z(2026, 10, 25, 23, 0))
        );
    }
    for c in variants(&berlin_24_7(r#""2026-10-26""#), date(2026, 10, 25)) {
        assert_eq!(
            c.between(z(2026, 10, 23, 22, 0), z(2026, 10, 26, 23, 0)),
            h(49)
        );
    }
    for c in variants(&berlin_24_7(""), date(2026, 10, 25)) {
        assert_eq!(
            c.between(z(2026, 10, 24, 22, 0), z(2026, 10, 25, 23, 0)),
            h(25)
        );
        // 02:30 local happens twice; a 00:00–24:00 day simply counts both.
        assert_eq!(
            c.add(z(2026, 10, 24, 22, 0), h(25)),
            Some(z(2026, 10, 25, 23, 0))
        );
    }
}

#[test]
fn night_shift_is_one_continuous_stretch() {
    let base = r#"{"timezone":"UTC","weekly":{"mon":[["22:00","24:00"]],"tue":[["00:00","06:00"],["22:00","24:00"]],
        "wed":[["00:00","06:00"]]}%s}"#;
    let stay = variants(&base.replace("%s", ""), date(2026, 3, 3));
    let next = variants(
        &base.replace("%s", r#","boundary":"next_opening""#),
        date(2026, 3, 3),
    );
    for c in stay.iter().chain(&next) {
        assert_eq!(
            c.next_close(z(2026, 3, 2, 23, 0)),
            Some(z(2026, 3, 3, 6, 0))
        );
        assert!(c.is_open(z(2026, 3, 3, 0, 0)));
        assert_eq!(
            c.add(z(2026, 3, 2, 23, 30), h(1)),
            Some(z(2026, 3, 3, 0, 30))
        );
        // 24:00 joins the next day's 00:00: not a close, so even next_opening stays there.
        assert_eq!(c.add(z(2026, 3, 2, 22, 0), h(2)), Some(z(2026, 3, 3, 0, 0)));
        assert_eq!(
            c.add_segments(z(2026, 3, 2, 23, 0), h(2)).unwrap(),
            vec![Segment {
                start: z(2026, 3, 2, 23, 0),
                end: z(2026, 3, 3, 1, 0)
            }]
        );
        assert_eq!(c.between(z(2026, 3, 2, 0, 0), z(2026, 3, 4, 0, 0)), h(10));
    }
    for c in &stay {
        assert_eq!(c.add(z(2026, 3, 2, 22, 0), h(8)), Some(z(2026, 3, 3, 6, 0)));
    }
    for c in &next {
        assert_eq!(
            c.add(z(2026, 3, 2, 22, 0), h(8)),
            Some(z(2026, 3, 3, 22, 0))
        );
    }
}

#[test]
fn end_at_24_00_across_dst() {
    let json = r#"{"timezone":"America/Santiago","weekly":{"sat":[["20:00","24:00"]]}}"#;
    for c in variants(json, date(2026, 9, 5)) {
        // 2026-09-05: local 24:00 (Sunday 00:00) is in the gap and moves to 01:00 (-03).
        assert_eq!(c.between(z(2026, 9, 5, 0, 0), z(2026, 9, 7, 0, 0)), h(4));
        assert_eq!(c.next_close(z(2026, 9, 6, 1, 0)), Some(z(2026, 9, 6, 4, 0)));
        assert_eq!(c.add(z(2026, 9, 5, 0, 0), h(4)), Some(z(2026, 9, 6, 4, 0)));
        // The following Saturday: 20:00 -03 = 23:00Z.
        assert_eq!(
            c.next_open(z(2026, 9, 6, 4, 0)),
            Some(z(2026, 9, 12, 23, 0))
        );
    }
    for c in variants(json, date(2026, 4, 4)) {
        // 2026-04-04: 23:00–24:00 happens twice, so 20:00–24:00 lasts 5 h.
        assert_eq!(c.between(z(2026, 4, 4, 0, 0), z(2026, 4, 6, 0, 0)), h(5));
        assert_eq!(c.next_open(z(2026, 4, 4, 0, 0)), Some(z(2026, 4, 4, 23, 0)));
        assert_eq!(c.next_close(z(2026, 4, 5, 0, 0)), Some(z(2026, 4, 5, 4, 0)));
    }
}

#[test]
fn partial_holidays_and_recurring_holidays() {
    let json = r#"{"timezone":"Europe/Berlin",
        "weekly":{"mon":[["09:00","17:00"]],"tue":[["09:00","17:00"]],"wed":[["09:00","17:00"]],
                  "thu":[["09:00","17:00"]],"fri":[["09:00","17:00"]]},
        "partial_holidays":[{"date":"2026-12-31","from":"12:00","to":"24:00"}]%s}"#;
    for c in variants(&json.replace("%s", ""), date(2026, 12, 31)) {
        assert_eq!(c.between(z(2026, 12, 31, 0, 0), z(2027, 1, 1, 0, 0)), h(3));
        // Thu 11:00 local + 2 h: 1 h before the partial holiday, then Fri 09:00–10:00 local.
        assert_eq!(
            c.add(z(2026, 12, 31, 10, 0), h(2)),
            Some(z(2027, 1, 1, 9, 0))
        );
        assert_eq!(
            c.holidays_between(z(2026, 12, 28, 0, 0), z(2027, 1, 4, 0, 0)),
            vec![date(2026, 12, 31)]
        );
        // Before noon the partial holiday has not removed anything yet.
        assert!(
            c.holidays_between(z(2026, 12, 31, 8, 0), z(2026, 12, 31, 10, 0))
                .is_empty()
        );
    }
    let recurring = json.replace("%s", r#","recurring_holidays":["01-01","02-29"]"#);
    for c in variants(&recurring, date(2027, 1, 1)) {
        // Fri 2027-01-01 is closed every year: resume Monday 2027-01-04 10:00 local.
        assert_eq!(
            c.add(z(2026, 12, 31, 10, 0), h(2)),
            Some(z(2027, 1, 4, 9, 0))
        );
        assert_eq!(
            c.holidays_between(z(2026, 12, 28, 0, 0), z(2027, 1, 5, 0, 0)),
            vec![date(2026, 12, 31), date(2027, 1, 1)]
        );
        assert!(
            !c.is_open(z(2091, 1, 1, 10, 0)),
            "recurring in 2091 (a Monday)"
        );
        assert!(c.is_open(z(2091, 1, 2, 10, 0)));
        assert!(
            !c.is_open(z(2028, 2, 29, 10, 0)),
            "leap day 2028 (a Tuesday)"
        );
        assert!(
            c.is_open(z(2027, 3, 1, 10, 0)),
            "no Feb 29 in 2027: March 1 unaffected"
        );
    }
}

#[test]
fn lord_howe_thirty_minute_shift() {
    let day = |hours: &str| {
        format!(r#"{{"timezone":"Australia/Lord_Howe","weekly":{{"sun":[{hours}]}}}}"#)
    };
    // 2026-10-04: 02:00 (+10:30) jumps to 02:30 (+11).
    let m = TimeDelta::minutes;
    let (a, b) = (z(2026, 10, 3, 0, 0), z(2026, 10, 4, 0, 0));
    for c in variants(&day(r#"["01:00","04:00"]"#), date(2026, 10, 3)) {
        assert_eq!(c.between(a, b), m(150));
        assert_eq!(c.next_open(a), Some(z(2026, 10, 3, 14, 30)));
        assert_eq!(
            c.next_close(z(2026, 10, 3, 15, 0)),
            Some(z(2026, 10, 3, 17, 0))
        );
        // 01:30 local + 1 h of real time = 03:00 local (16:00Z).
        assert_eq!(
            c.add(z(2026, 10, 3, 15, 0), h(1)),
            Some(z(2026, 10, 3, 16, 0))
        );
    }
    for c in variants(&day(r#"["02:15","03:00"]"#), date(2026, 10, 3)) {
        // 02:15 does not exist: moved forward by 30 min to 02:45 (+11) = 15:45Z.
        assert_eq!(c.between(a, b), m(15));
        assert_eq!(c.next_open(a), Some(z(2026, 10, 3, 15, 45)));
    }
    for c in variants(&day(r#"["02:00","02:30"]"#), date(2026, 10, 3)) {
        // Entirely inside the gap: no business time that Sunday.
        assert_eq!(c.between(a, b), TimeDelta::zero());
        assert_eq!(c.next_open(a), Some(z(2026, 10, 10, 15, 0)));
    }
    // 2026-04-05: 02:00 (+11) falls back to 01:30 (+10:30).
    let (a, b) = (z(2026, 4, 4, 0, 0), z(2026, 4, 5, 0, 0));
    for c in variants(&day(r#"["01:00","03:00"]"#), date(2026, 4, 4)) {
        assert_eq!(c.between(a, b), m(150));
        assert_eq!(
            c.next_close(z(2026, 4, 4, 15, 0)),
            Some(z(2026, 4, 4, 16, 30))
        );
    }
    for c in variants(&day(r#"["01:45","02:00"]"#), date(2026, 4, 4)) {
        // 01:45 occurs twice: the earlier (+11) 14:45Z; 02:00 exists once (+10:30) = 15:30Z.
        assert_eq!(c.between(a, b), m(45));
        assert_eq!(c.next_open(a), Some(z(2026, 4, 4, 14, 45)));
    }
}

const SPLIT_DAY: &str = r#"{"timezone":"UTC","weekly":{"mon":[["09:00","12:00"],["13:00","17:00"]],
    "fri":[["09:00","12:00"],["13:00","17:00"]]}%s}"#;

#[test]
fn boundary_conventions() {
    let stay = variants(&SPLIT_DAY.replace("%s", ""), date(2026, 3, 2));
    let next = variants(
        &SPLIT_DAY.replace("%s", r#","boundary":"next_opening""#),
        date(2026, 3, 2),
    );
    let explicit = cal(&SPLIT_DAY.replace("%s", r#","boundary":"stay_at_close""#));
    assert_eq!(explicit.boundary(), BoundaryMode::StayAtClose);
    for c in &stay {
        assert_eq!(c.boundary(), BoundaryMode::StayAtClose);
        assert_eq!(c.add(z(2026, 3, 2, 9, 0), h(3)), Some(z(2026, 3, 2, 12, 0)));
        assert_eq!(
            c.add(z(2026, 3, 6, 16, 0), h(1)),
            Some(z(2026, 3, 6, 17, 0))
        );
        assert_eq!(c.add(z(2026, 3, 2, 9, 0), h(2)), Some(z(2026, 3, 2, 11, 0)));
        // From a closed instant: counting starts at the opening.
        assert_eq!(
            c.add(z(2026, 3, 2, 12, 30), h(1)),
            Some(z(2026, 3, 2, 14, 0))
        );
        // Zero: first business instant at or after start.
        assert_eq!(
            c.add(z(2026, 3, 2, 12, 0), h(0)),
            Some(z(2026, 3, 2, 13, 0))
        );
        assert_eq!(
            c.add(z(2026, 3, 2, 10, 0), h(0)),
            Some(z(2026, 3, 2, 10, 0))
        );
    }
    for c in &next {
        assert_eq!(c.boundary(), BoundaryMode::NextOpening);
        assert_eq!(c.add(z(2026, 3, 2, 9, 0), h(3)), Some(z(2026, 3, 2, 13, 0)));
        // Friday's close moves to Monday's opening.
        assert_eq!(c.add(z(2026, 3, 6, 16, 0), h(1)), Some(z(2026, 3, 9, 9, 0)));
        assert_eq!(c.add(z(2026, 3, 2, 9, 0), h(2)), Some(z(2026, 3, 2, 11, 0)));
        assert_eq!(
            c.add(z(2026, 3, 2, 12, 0), h(0)),
            Some(z(2026, 3, 2, 13, 0))
        );
        // The explain trace is the same in both modes.
        assert_eq!(
            c.add_segments(z(2026, 3, 2, 9, 0), h(3)).unwrap(),
            vec![Segment {
                start: z(2026, 3, 2, 9, 0),
                end: z(2026, 3, 2, 12, 0)
            }]
        );
        // Adding no business time from the due instant keeps it.
        assert_eq!(c.between(z(2026, 3, 2, 9, 0), z(2026, 3, 2, 13, 0)), h(3));
    }
    // The breach rule is "strictly after the due instant" in both modes.
    let due = stay[0].add(z(2026, 3, 2, 9, 0), h(3)).unwrap();
    assert!(!BusinessCalendar::is_breached(due, due));
    assert!(BusinessCalendar::is_breached(
        due,
        due + TimeDelta::nanoseconds(1)
    ));
}

#[test]
fn validation_errors_name_the_field() {
    use CalendarErrorKind as K;
    let w = |weekly: &str| format!(r#"{{"timezone":"UTC","weekly":{{{weekly}}}}}"#);
    let x = |extra: &str| format!(r#"{{"timezone":"UTC","weekly":{{}},{extra}}}"#);
    let cases: Vec<(String, K, &str)> = vec![
        (
            r#"{"timezone":"Europe/Berln","weekly":{}}"#.into(),
            K::UnknownTimeZone,
            "timezone",
        ),
        (
            r#"{"timezone":3,"weekly":{}}"#.into(),
            K::WrongType,
            "timezone",
        ),
        (r#"{"weekly":{}}"#.into(), K::MissingField, "timezone"),
        (r#"{"timezone":"UTC"}"#.into(), K::MissingField, "weekly"),
        (
            r#"{"timezone":"UTC","weekly":{},"colour":1}"#.into(),
            K::UnknownField,
            "colour",
        ),
        (
            w(r#""mon":[["09:00","12:00"]],"funday":[]"#),
            K::UnknownField,
            "weekly.funday",
        ),
        (
            w(r#""mon":[["09:00","12:00"],["13:00","25:00"]]"#),
            K::InvalidTime,
            "weekly.mon[1]",
        ),
        (
            w(r#""mon":[["09:00","12:00"],["13:00","12:30"]]"#),
            K::EmptyInterval,
            "weekly.mon[1]",
        ),
        (
            w(r#""tue":[["09:00","09:00"]]"#),
            K::EmptyInterval,
            "weekly.tue[0]",
        ),
        (
            w(r#""mon":[["09:00","12:00"],["11:00","13:00"]]"#),
            K::OverlappingIntervals,
            "weekly.mon[1]",
        ),
        (
            w(r#""mon":[["13:00","17:00"],["09:00","12:00"]]"#),
            K::UnsortedIntervals,
            "weekly.mon[1]",
        ),
        (
            w(r#""wed":[["24:00","24:00"]]"#),
            K::InvalidTime,
            "weekly.wed[0]",
        ),
        (
            w(r#""thu":[["9:00","12:00"]]"#),
            K::InvalidTime,
            "weekly.thu[0]",
        ),
        (
            w(r#""fri":[["09:00:60","12:00"]]"#),
            K::InvalidTime,
            "weekly.fri[0]",
        ),
        (w(r#""sat":[["09:00"]]"#), K::WrongType, "weekly.sat[0]"),
        (w(r#""sun":"09:00-17:00""#), K::WrongType, "weekly.sun"),
        (
            x(r#""holidays":["2026-01-01","2026-04-03","2026-05-01","2026-13-01"]"#),
            K::InvalidDate,
            "holidays[3]",
        ),
        (
            x(r#""holidays":["2026-02-29"]"#),
            K::InvalidDate,
            "holidays[0]",
        ),
        (
            x(r#""holidays":["26-01-01"]"#),
            K::InvalidDate,
            "holidays[0]",
        ),
        (x(r#""holidays":[20260101]"#), K::WrongType, "holidays[0]"),
        (
            x(r#""recurring_holidays":["12-25","02-30"]"#),
            K::InvalidDate,
            "recurring_holidays[1]",
        ),
        (
            x(r#""partial_holidays":[{"date":"2026-12-32","from":"12:00","to":"24:00"}]"#),
            K::InvalidDate,
            "partial_holidays[0].date",
        ),
        (
            x(r#""partial_holidays":[{"date":"2026-12-31","from":"24:00","to":"24:00"}]"#),
            K::InvalidTime,
            "partial_holidays[0].from",
        ),
        (
            x(r#""partial_holidays":[{"date":"2026-12-31","from":"12:00","to":"24:01"}]"#),
            K::InvalidTime,
            "partial_holidays[0].to",
        ),
        (
            x(r#""partial_holidays":[{"date":"2026-12-31","from":"12:00","to":"11:00"}]"#),
            K::EmptyInterval,
            "partial_holidays[0]",
        ),
        (
            x(r#""partial_holidays":[{"date":"2026-12-31","from":"12:00"}]"#),
            K::MissingField,
            "partial_holidays[0].to",
        ),
        (
            x(
                r#""extra_windows":[{"date":"2026-12-19","from":"09:00","to":"13:00"},
                                  {"date":"2026-12-20","from":"09:00","to":"13:00","note":"x"}]"#,
            ),
            K::UnknownField,
            "extra_windows[1].note",
        ),
        (
            x(r#""extra_windows":[{"date":"2026-12-19","from":"09:00","to":"9"}]"#),
            K::InvalidTime,
            "extra_windows[0].to",
        ),
        (x(r#""boundary":"nearest""#), K::WrongType, "boundary"),
        ("{\"timezone\": \"UTC\",".into(), K::Syntax, ""),
        ("[]".into(), K::WrongType, ""),
    ];
    for (json, kind, field) in cases {
        let err = BusinessCalendar::from_json(&json).expect_err(&json);
        assert_eq!((err.kind(), err.field()), (kind, field), "{json}: {err}");
        assert!(!err.message().is_empty());
        if !field.is_empty() {
            assert_eq!(err.to_string(), format!("{field}: {}", err.message()));
        }
    }
    // Validation also applies to configs deserialized by the host.
    let cfg: CalendarConfig =
        serde_json::from_str(r#"{"timezone":"UTC","weekly":{"mon":[["12:00","09:00"]]}}"#).unwrap();
    let err = BusinessCalendar::from_config(&cfg).unwrap_err();
    assert_eq!(err.field(), "weekly.mon[0]");
    // Valid edge forms.
    cal(
        r#"{"timezone":"UTC","weekly":{"mon":[["00:00:00","12:00:30"],["12:00:30","24:00:00"]],"tue":null}}"#,
    );
}

#[test]
fn extra_windows_open_saturdays_and_holidays() {
    let json = r#"{"timezone":"Europe/Berlin",
        "weekly":{"mon":[["09:00","17:00"]],"tue":[["09:00","17:00"]],"wed":[["09:00","17:00"]],
                  "thu":[["09:00","17:00"]],"fri":[["09:00","17:00"]]},
        "holidays":["2026-12-24","2026-12-25"],
        "extra_windows":[{"date":"2026-12-19","from":"09:00","to":"13:00"},
                         {"date":"2026-12-24","from":"10:00","to":"12:00"},
                         {"date":"2026-12-18","from":"17:00","to":"19:00"}]}"#;
    for c in variants(json, date(2026, 12, 19)) {
        // Saturday 09:00–13:00 local (08:00–12:00Z).
        assert!(c.is_open(z(2026, 12, 19, 9, 0)));
        assert_eq!(
            c.between(z(2026, 12, 19, 0, 0), z(2026, 12, 20, 0, 0)),
            h(4)
        );
        // Friday 17:00–19:00 extends Friday's 09:00–17:00 into one stretch.
        assert_eq!(
            c.next_close(z(2026, 12, 18, 10, 0)),
            Some(z(2026, 12, 18, 18, 0))
        );
        // An extra window wins over the holiday.
        assert_eq!(
            c.between(z(2026, 12, 24, 0, 0), z(2026, 12, 25, 0, 0)),
            h(2)
        );
        assert_eq!(
            c.holidays_between(z(2026, 12, 24, 0, 0), z(2026, 12, 26, 0, 0)),
            vec![date(2026, 12, 24), date(2026, 12, 25)]
        );
        // Friday 18:00 local + 5 h: 1 h Fri, 4 h Sat -> Saturday 13:00 local = 12:00Z.
        assert_eq!(
            c.add(z(2026, 12, 18, 17, 0), h(5)),
            Some(z(2026, 12, 19, 12, 0))
        );
    }
}

#[test]
fn always_open_calendar() {
    let a = BusinessCalendar::always_open();
    let json = format!(r#"{{"timezone":"UTC","weekly":{FULL_WEEK}}}"#);
    let b = cal(&json);
    assert_eq!(a.config(), b.config());
    let t = z(2026, 3, 29, 1, 30) + TimeDelta::nanoseconds(123);
    for c in [&a, &b] {
        for d in [
            TimeDelta::zero(),
            TimeDelta::nanoseconds(1),
            h(1),
            h(24 * 400),
        ] {
            assert_eq!(c.add(t, d), Some(t + d));
            assert_eq!(c.between(t, t + d), d);
        }
        assert!(c.is_open(t));
        assert_eq!(c.next_open(t), Some(t));
        assert_eq!(c.next_close(t), None);
        assert_eq!(c.add(z(2300, 1, 1, 0, 0), h(5)), Some(z(2300, 1, 1, 5, 0)));
    }
    // 24/7 with one holiday: closes for the holiday only.
    for c in variants(&berlin_24_7(r#""2026-12-25""#), date(2026, 12, 25)) {
        assert_eq!(
            c.next_close(z(2026, 12, 20, 0, 0)),
            Some(z(2026, 12, 24, 23, 0))
        );
        assert_eq!(
            c.next_open(z(2026, 12, 25, 12, 0)),
            Some(z(2026, 12, 25, 23, 0))
        );
        assert_eq!(c.next_close(z(2027, 1, 1, 0, 0)), None);
        assert_eq!(
            c.add(z(2026, 12, 24, 22, 0), h(2)),
            Some(z(2026, 12, 26, 0, 0))
        );
    }
}

#[test]
fn calendars_without_enough_business_time() {
    let closed = cal(r#"{"timezone":"Europe/Berlin","weekly":{}}"#);
    let t = z(2026, 1, 1, 0, 0);
    assert_eq!(closed.add(t, h(1)), None);
    assert_eq!(closed.add(t, TimeDelta::zero()), None);
    assert_eq!(closed.next_open(t), None);
    assert_eq!(closed.next_close(t), Some(t));
    assert!(!closed.is_open(t));
    assert_eq!(closed.between(t, z(2030, 1, 1, 0, 0)), TimeDelta::zero());
    assert_eq!(
        closed.try_add(t, h(1)).unwrap_err().kind(),
        CalendarErrorKind::NoBusinessTime
    );
    // Only extra windows: finite business time.
    let json = r#"{"timezone":"Europe/Berlin","weekly":{},
        "extra_windows":[{"date":"2026-06-06","from":"10:00","to":"12:00"}]}"#;
    for c in variants(json, date(2026, 6, 6)) {
        assert_eq!(c.add(t, h(2)), Some(z(2026, 6, 6, 10, 0)));
        assert_eq!(c.add(t, h(2) + TimeDelta::nanoseconds(1)), None);
        assert_eq!(c.next_open(z(2026, 6, 6, 10, 0)), None);
        assert_eq!(c.try_add(t, h(3)).unwrap_err().field(), "calendar");
    }
    // Every day a recurring holiday: never opens.
    let all: Vec<String> = (1..=12u32)
        .flat_map(|m| {
            let n = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m as usize - 1];
            (1..=n).map(move |d| format!("\"{m:02}-{d:02}\""))
        })
        .collect();
    let json = format!(
        r#"{{"timezone":"UTC","weekly":{FULL_WEEK},"recurring_holidays":[{}]}}"#,
        all.join(",")
    );
    let c = cal(&json);
    assert_eq!(c.add(t, h(1)), None);
    assert_eq!(c.next_open(t), None);
    // Negative durations: clamped by `add`, rejected by `try_add`.
    let c = BusinessCalendar::always_open();
    assert_eq!(c.add(t, h(-5)), Some(t));
    assert_eq!(
        c.try_add(t, h(-5)).unwrap_err().kind(),
        CalendarErrorKind::NegativeDuration
    );
    // Beyond chrono's range.
    assert_eq!(c.add(DateTime::<Utc>::MAX_UTC, h(1)), None);
    assert_eq!(
        c.try_add(DateTime::<Utc>::MAX_UTC, h(1))
            .unwrap_err()
            .kind(),
        CalendarErrorKind::OutOfRange
    );
}

const BENCH_LIKE: &str = r#"{"timezone":"Europe/Berlin",
    "weekly":{"mon":[["09:00","12:00"],["13:00","17:00"]],"tue":[["09:00","12:00"],["13:00","17:00"]],
              "wed":[["09:00","12:00"],["13:00","17:00"]],"thu":[["09:00","12:00"],["13:00","17:00"]],
              "fri":[["09:00","12:00"],["13:00","17:00"]]},
    "recurring_holidays":["01-01","05-01","10-03","12-25","12-26"],
    "holidays":["2090-04-14","2090-04-17"],
    "partial_holidays":[{"date":"2090-12-31","from":"12:00","to":"24:00"}]}"#;

fn bench_like_ref() -> RefCal {
    let mut r = RefCal::new(chrono_tz::Europe::Berlin);
    for d in 0..5 {
        r.weekly[d] = vec![(9 * 3600, 12 * 3600), (13 * 3600, 17 * 3600)];
    }
    r.recurring = vec![(1, 1), (5, 1), (10, 3), (12, 25), (12, 26)];
    r.holidays = vec![date(2090, 4, 14), date(2090, 4, 17)];
    r.partials = vec![(date(2090, 12, 31), 12 * 3600, 86_400)];
    r
}

#[test]
fn far_future_and_past_agree_with_reference() {
    let c = cal(BENCH_LIKE);
    let (w0, w1) = c.precomputed_range().unwrap();
    let r = bench_like_ref();
    for (year, month) in [
        (2090, 3),
        (2090, 10),
        (2090, 12),
        (1990, 3),
        (2150, 3),
        (2400, 2),
    ] {
        let base = z(year, month, 20, 0, 0);
        assert!(base < w0 || base >= w1);
        let ops = RefOps::around(&r, base, base + TimeDelta::days(30), 40);
        for k in 0..60i64 {
            let t = base + TimeDelta::seconds(k * 37_337 + k * k * 11);
            let d = TimeDelta::seconds((k * 7919) % (80 * 3600));
            let expected = ops
                .add(ns(t), d.num_seconds() as i128 * reference::NS)
                .map(from_ns);
            assert_eq!(c.add(t, d), expected, "add {t} {d}");
            let b = t + TimeDelta::seconds(k * 50_000);
            assert_eq!(
                c.between(t, b),
                reference::delta(ops.between(ns(t), ns(b))),
                "between {t} {b}"
            );
            assert_eq!(c.is_open(t), ops.is_open(ns(t)), "is_open {t}");
            assert_eq!(
                c.next_open(t),
                ops.next_open(ns(t)).map(from_ns),
                "next_open {t}"
            );
            assert_eq!(
                c.next_close(t),
                ops.next_close(ns(t)).map(from_ns),
                "next_close {t}"
            );
        }
    }
    // Spanning the window in both directions: 1990 -> 2150 equals the sum of the pieces.
    let (a, m1, m2, b) = (z(1990, 1, 1, 0, 0), w0, w1, z(2150, 1, 1, 0, 0));
    assert_eq!(
        c.between(a, b),
        c.between(a, m1) + c.between(m1, m2) + c.between(m2, b)
    );
    let uncached = BusinessCalendar::with_window(c.config(), date(2000, 1, 1), 0).unwrap();
    assert_eq!(c.between(a, b), uncached.between(a, b));
    let due = c.add(a, h(100_000)).unwrap();
    assert_eq!(uncached.add(a, h(100_000)), Some(due));
    assert_eq!(c.between(a, due), h(100_000));
}

#[test]
fn nanosecond_exactness() {
    let c = cal(&SPLIT_DAY.replace("%s", ""));
    let ns1 = TimeDelta::nanoseconds(1);
    let t = z(2026, 3, 2, 11, 0) + TimeDelta::nanoseconds(999_999_999);
    assert_eq!(
        c.add(t, h(1)),
        Some(z(2026, 3, 2, 13, 0) + TimeDelta::nanoseconds(999_999_999))
    );
    assert_eq!(
        c.add(z(2026, 3, 2, 9, 0), h(3) - ns1),
        Some(z(2026, 3, 2, 12, 0) - ns1)
    );
    assert_eq!(
        c.add(z(2026, 3, 2, 9, 0), h(3) + ns1),
        Some(z(2026, 3, 2, 13, 0) + ns1)
    );
    assert_eq!(
        c.between(z(2026, 3, 2, 12, 0) - ns1, z(2026, 3, 2, 13, 0) + ns1),
        ns1 + ns1
    );
    assert!(c.is_open(z(2026, 3, 2, 12, 0) - ns1));
    assert!(!c.is_open(z(2026, 3, 2, 12, 0)));
    assert_eq!(
        c.next_close(z(2026, 3, 2, 12, 0) - ns1),
        Some(z(2026, 3, 2, 12, 0))
    );
    assert_eq!(
        c.next_open(z(2026, 3, 2, 12, 0) + ns1),
        Some(z(2026, 3, 2, 13, 0))
    );
}

#[test]
fn batch_forms_equal_single_calls() {
    let c = cal(BENCH_LIKE);
    let base = z(2026, 1, 1, 0, 0);
    let items: Vec<(DateTime<Utc>, TimeDelta)> = (0..500i64)
        .map(|i| {
            let t = if i % 50 == 7 {
                z(2095, 1, 1, 0, 0)
            } else {
                base
            };
            (
                t + TimeDelta::seconds(i * 63_113),
                TimeDelta::seconds(i * 3_607 % 300_000),
            )
        })
        .collect();
    let singles: Vec<_> = items.iter().map(|&(s, d)| c.add(s, d)).collect();
    assert_eq!(c.add_many(&items), singles);
    let mut out = vec![None; 3];
    c.add_many_into(&items, &mut out);
    assert_eq!(out, singles);
    let ranges: Vec<_> = items.iter().map(|&(s, d)| (s, s + d * 3)).collect();
    let singles: Vec<_> = ranges.iter().map(|&(a, b)| c.between(a, b)).collect();
    assert_eq!(c.between_many(&ranges), singles);
    let mut out = Vec::new();
    c.between_many_into(&ranges, &mut out);
    assert_eq!(out, singles);
}

#[test]
fn segments_explain_an_add() {
    let c = cal(BENCH_LIKE);
    // Thu 2026-12-24 16:00 local (15:00Z) + 5 h: 1 h Thu, Fri 25 + Sat + Sun closed,
    // Mon 28 09:00–12:00 and 13:00–14:00 local.
    let start = z(2026, 12, 24, 15, 0);
    let segs = c.add_segments(start, h(5)).unwrap();
    assert_eq!(
        segs,
        vec![
            Segment {
                start,
                end: z(2026, 12, 24, 16, 0)
            },
            Segment {
                start: z(2026, 12, 28, 8, 0),
                end: z(2026, 12, 28, 11, 0)
            },
            Segment {
                start: z(2026, 12, 28, 12, 0),
                end: z(2026, 12, 28, 13, 0)
            },
        ]
    );
    assert_eq!(c.add(start, h(5)), Some(segs[2].end));
    let total: TimeDelta = segs.iter().map(Segment::duration).sum();
    assert_eq!(total, h(5));
    assert_eq!(
        c.holidays_between(start, segs[2].end),
        vec![date(2026, 12, 25)],
        "the 26th is a Saturday without hours"
    );
    assert_eq!(c.add_segments(start, TimeDelta::zero()), Some(vec![]));
}

#[test]
fn memory_and_sharing() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<BusinessCalendar>();
    let c = cal(BENCH_LIKE);
    assert!(c.memory_bytes() <= 50 * 1024, "{}", c.memory_bytes());
    let (w0, w1) = c.precomputed_range().unwrap();
    assert!(w1 - w0 >= TimeDelta::days(3 * 365), "{w0}..{w1}");
    // A dense calendar (48 half-hour slots a day) still fits, with a shorter window.
    let slots: Vec<String> = (0..48)
        .map(|i| {
            format!(
                r#"["{:02}:{:02}","{:02}:{:02}:30"]"#,
                i / 2,
                i % 2 * 30,
                i / 2,
                i % 2 * 30 + 29
            )
        })
        .collect();
    let day = format!("[{}]", slots.join(","));
    let dense = cal(&format!(
        r#"{{"timezone":"America/New_York","weekly":{{"mon":{day},"tue":{day},"wed":{day},"thu":{day},"fri":{day},"sat":{day},"sun":{day}}}}}"#
    ));
    assert!(
        dense.memory_bytes() <= 50 * 1024,
        "{}",
        dense.memory_bytes()
    );
    let now = Utc::now();
    let (d0, d1) = dense.precomputed_range().unwrap();
    assert!(d0 <= now && now < d1, "{d0}..{d1}");
    // Clones share the compiled data.
    let c2 = c.clone();
    assert_eq!(c2.memory_bytes(), c.memory_bytes());
    // The config serializes back to an equivalent calendar.
    let again = cal(&serde_json::to_string(c.config()).unwrap());
    assert_eq!(again.config(), c.config());
}

#[test]
fn whole_cycle_jumps_far_from_the_present() {
    let c = cal(BENCH_LIKE);
    let y = |year: i32| z(year, 1, 1, 0, 0);
    // Long ranges (jumped) equal the sum of yearly pieces (walked), future and past.
    for (from, to) in [(2190, 2230), (1760, 1810), (2400, 2441)] {
        let pieces: TimeDelta = (from..to).map(|k| c.between(y(k), y(k + 1))).sum();
        assert_eq!(c.between(y(from), y(to)), pieces, "{from}..{to}");
    }
    // Chained short adds (walked) equal one long add (jumped): stay-at-close composes.
    for start in [
        z(2190, 3, 4, 10, 30),
        z(1750, 6, 1, 0, 0),
        z(-3000, 1, 1, 0, 0),
    ] {
        let mut t = start;
        for _ in 0..40 {
            t = c.add(t, h(1000)).unwrap();
        }
        assert_eq!(c.add(start, h(40_000)), Some(t), "from {start}");
        assert_eq!(c.between(start, t), h(40_000));
    }
    // Extreme ranges answer quickly and consistently.
    let (lo, hi) = (z(-200_000, 1, 1, 0, 0), z(200_000, 1, 1, 0, 0));
    let mid = z(2026, 6, 1, 12, 0);
    let total = c.between(lo, hi);
    assert_eq!(total, c.between(lo, mid) + c.between(mid, hi));
    assert_eq!(
        total,
        c.between(lo, y(1000)) + c.between(y(1000), y(3000)) + c.between(y(3000), hi)
    );
    let d = c.between(mid, hi);
    assert_eq!(c.add(mid, d), c.next_close(c.add(mid, d - h(1)).unwrap()));
    let far = c.add(lo, h(24 * 365 * 50_000)).unwrap();
    assert_eq!(c.between(lo, far), h(24 * 365 * 50_000));
    assert_eq!(c.add(mid, TimeDelta::MAX), None);
    assert!(c.memory_bytes() <= 50 * 1024, "{}", c.memory_bytes());
}

/// Every operation at chrono's extremes (and at a leap second) answers without panicking and
/// `between` stays additive across the whole range.
fn check_extremes(c: &BusinessCalendar) {
    let (min, max) = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
    let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
        .unwrap()
        .and_utc();
    let now = z(2026, 1, 1, 0, 0);
    for t in [min, max, leap, now] {
        let _ = (
            c.add(t, h(1)),
            c.try_add(t, TimeDelta::MAX),
            c.add(t, h(24 * 365 * 1000)),
        );
        let _ = (c.add(t, TimeDelta::zero()), c.add_segments(t, h(100)));
        let _ = (c.is_open(t), c.next_open(t), c.next_close(t));
    }
    assert_eq!(
        c.between(min, max),
        c.between(min, now) + c.between(now, max)
    );
    assert_eq!(c.between(max, min), TimeDelta::zero());
    let month = TimeDelta::days(30);
    let _ = (
        c.holidays_between(min, min + month),
        c.holidays_between(max - month, max),
    );
}

#[test]
fn extremes_business_calendar() {
    check_extremes(&cal(BENCH_LIKE));
    // A leap second (23:59:60.5) is read as the last nanosecond of 23:59:59.
    let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
        .unwrap()
        .and_utc();
    let c = BusinessCalendar::always_open();
    assert_eq!(
        c.between(leap, z(2017, 1, 1, 0, 0)),
        TimeDelta::nanoseconds(1)
    );
}

#[test]
fn extremes_open_closed_and_sparse_calendars() {
    check_extremes(&BusinessCalendar::always_open());
    check_extremes(&cal(r#"{"timezone":"UTC","weekly":{}}"#));
    check_extremes(&cal(
        r#"{"timezone":"Europe/Berlin","weekly":{},"extra_windows":[{"date":"2026-06-06","from":"10:00","to":"12:00"}]}"#,
    ));
}

#[test]
fn extremes_24_7_with_a_holiday() {
    check_extremes(&cal(&berlin_24_7(r#""2026-12-25""#)));
}

#[test]
fn extremes_kiritimati_weekly_hour() {
    check_extremes(&cal(
        r#"{"timezone":"Pacific/Kiritimati","weekly":{"sun":[["23:00","24:00"]]}}"#,
    ));
}

/// The 24/7 fast path answers exactly like the general engine on a calendar
/// that is also open around the clock but not recognized as such (a Berlin
/// calendar with DST switches, written with an extra window that changes nothing).
#[test]
fn always_open_fast_path_matches_the_general_engine() {
    use chrono::{TimeDelta, TimeZone, Utc};
    use ticketry_core::calendar::BusinessCalendar;
    let fast = BusinessCalendar::always_open();
    let day = r#"[["00:00","24:00"]]"#;
    let general = BusinessCalendar::from_json(&format!(
        r#"{{"timezone":"Europe/Berlin","weekly":{{"mon":{day},"tue":{day},"wed":{day},"thu":{day},"fri":{day},"sat":{day},"sun":{day}}},
            "partial_holidays":[{{"date":"1999-01-01","from":"00:00","to":"00:01"}}]}}"#
    ))
    .expect("valid");
    for (i, start) in [
        Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 10, 24, 23, 59, 59).unwrap(),
        Utc.with_ymd_and_hms(2027, 6, 1, 12, 0, 0).unwrap(),
    ]
    .into_iter()
    .enumerate()
    {
        for d in [
            TimeDelta::zero(),
            TimeDelta::minutes(1),
            TimeDelta::hours(30 + i as i64),
            TimeDelta::days(40),
        ] {
            assert_eq!(fast.add(start, d), general.add(start, d), "add {start} {d}");
            let end = start + d;
            assert_eq!(fast.between(start, end), general.between(start, end));
            assert_eq!(fast.between(end, start), TimeDelta::zero());
            assert_eq!(
                fast.add_segments(start, d)
                    .map(|s| s.iter().map(|x| x.duration()).sum::<TimeDelta>()),
                Some(d)
            );
        }
        assert!(fast.is_open(start) && general.is_open(start));
        assert_eq!(fast.next_open(start), general.next_open(start));
        assert_eq!(fast.next_close(start), general.next_close(start));
    }
}

/// Regression (proptest seed in `calendar_props.proptest-regressions`): on Santiago's spring
/// date 2025-09-07 local 00:00–01:00 does not exist. Sunday hours `00:15–01:00` resolve to
/// 04:15Z–04:00Z, not increasing, so that Sunday has no business time; an extra window
/// `00:15–00:30` inside those hours changes nothing, since the date's open local set is still
/// the one interval `00:15–01:00` (nor do touching weekly intervals `00:15–00:30`,
/// `00:30–01:00`). The reference model used to resolve the pieces `00:15–00:30` (04:15Z–04:30Z)
/// and `00:30–01:00` (empty) separately and found 15 minutes.
#[test]
fn redundant_boundary_inside_a_dst_gap_adds_no_time() {
    let tz = chrono_tz::America::Santiago;
    let sunday = date(2025, 9, 7);
    let q = |n: u32| n * 900;
    let mut with_extra = RefCal::new(tz);
    with_extra.weekly[6] = vec![(q(1), q(4))];
    with_extra.extras = vec![(sunday, q(1), q(2))];
    let mut plain = RefCal::new(tz);
    plain.weekly[6] = vec![(q(1), q(4))];
    let mut split = RefCal::new(tz);
    split.weekly[6] = vec![(q(1), q(2)), (q(2), q(4))];

    let (lo, hi) = (z(2025, 9, 6, 0, 0), z(2025, 9, 8, 0, 0));
    let switch = z(2025, 9, 7, 4, 0); // local 00:00 -04 = 01:00 -03
    let next_sunday = z(2025, 9, 14, 3, 15); // 00:15 -03
    for r in [&with_extra, &plain, &split] {
        let cfg = CalendarConfig::from_json(&r.to_json()).unwrap();
        for c in [
            BusinessCalendar::with_window(&cfg, sunday, 0).unwrap(),
            BusinessCalendar::with_window(&cfg, sunday - TimeDelta::days(1), 3).unwrap(),
            BusinessCalendar::with_window(&cfg, date(2025, 1, 1), 365).unwrap(),
        ] {
            assert_eq!(c.between(lo, hi), TimeDelta::zero(), "{}", r.to_json());
            assert_eq!(c.add(switch, TimeDelta::zero()), Some(next_sunday));
            assert_eq!(c.next_open(switch), Some(next_sunday));
            assert!(!c.is_open(z(2025, 9, 7, 4, 15)));
            // 45 min on 2025-09-14 (03:15Z–04:00Z), then 15 min from 2025-09-21 03:15Z.
            assert_eq!(c.add(switch, h(1)), Some(z(2025, 9, 21, 3, 30)));
        }
        let ops = RefOps::around(r, lo, hi, 10);
        assert_eq!(ops.between(ns(lo), ns(hi)), 0, "{}", r.to_json());
        assert_eq!(ops.add(ns(switch), 0).map(from_ns), Some(next_sunday));
    }
}

/// New York hours with a night shift across midnight, dated rules spread over decades (inside
/// and far outside any window), recurring holidays including February 29.
const LONG_SPANS: &str = r#"{"timezone":"America/New_York",
    "weekly":{"mon":[["09:00","12:00"],["13:00","17:30"]],"tue":[["09:00","12:00"],["13:00","17:30"]],
              "wed":[["09:00","17:30"]],"thu":[["09:00","12:00"],["13:00","17:30"]],
              "fri":[["09:00","12:00"],["13:00","17:30"]],"sat":[["22:00","24:00"]],"sun":[["00:00","02:30"]]},
    "recurring_holidays":["01-01","07-04","12-25","02-29"],
    "holidays":["2026-11-26","2027-03-14","2031-11-02","2075-03-10","2099-12-31"],
    "partial_holidays":[{"date":"2026-12-24","from":"12:00","to":"24:00"},
                        {"date":"2040-03-11","from":"01:00","to":"02:15"}],
    "extra_windows":[{"date":"2028-03-12","from":"01:30","to":"04:00"},
                     {"date":"2150-11-07","from":"00:00","to":"24:00"}]}"#;

/// `between` over centuries equals the sum of its parts: yearly parts (each cut at the zone's
/// offset changes), and week-long parts (each walked day by day) across the years with DST,
/// with and without the precomputed window.
#[test]
fn long_spans_equal_the_sum_of_their_parts() {
    let y = |year: i32| z(year, 1, 1, 0, 0);
    let (a, b) = (y(2026), y(2600));
    let cs = variants(LONG_SPANS, date(2026, 3, 8));
    let total = cs[0].between(a, b);
    assert!(total > h(1_000_000), "{total}");
    for c in &cs {
        assert_eq!(c.between(a, b), total);
        let yearly: TimeDelta = (2026..2600).map(|k| c.between(y(k), y(k + 1))).sum();
        assert_eq!(yearly, total);
        // Odd cut points: the middle of a DST switch hour, a nanosecond off midnight.
        for cut in [
            z(2026, 3, 8, 7, 30),
            z(2075, 11, 3, 6, 15),
            y(2100) + TimeDelta::nanoseconds(1),
            z(2333, 7, 4, 13, 0),
        ] {
            assert_eq!(c.between(a, cut) + c.between(cut, b), total, "{cut}");
        }
        assert_eq!(c.between(b, a), TimeDelta::zero());
    }
    // Week-long parts take the day-by-day path.
    let c = &cs[1];
    let (from, to) = (z(2025, 12, 29, 5, 0), z(2101, 1, 3, 5, 0));
    let mut t = from;
    let mut weekly = TimeDelta::zero();
    while t < to {
        let next = (t + TimeDelta::days(7)).min(to);
        weekly += c.between(t, next);
        t = next;
    }
    assert_eq!(c.between(from, to), weekly);
    assert_eq!(cs[0].between(from, to), weekly);
}

/// A long `add` (cut at offset changes) equals the same time added in short steps (each
/// walked day by day: stay-at-close composes), with and without the window, from instants in
/// and out of DST, before the window and far after it.
#[test]
fn long_adds_equal_chained_short_adds() {
    let cs = variants(LONG_SPANS, date(2026, 3, 8));
    for start in [
        z(2026, 3, 8, 6, 45),
        z(1975, 10, 26, 5, 30),
        z(2027, 11, 7, 5, 59) + TimeDelta::nanoseconds(999_999_999),
        z(2098, 12, 31, 23, 0),
        z(2450, 6, 1, 12, 0),
    ] {
        let mut t = start;
        for _ in 0..300 {
            t = cs[1].add(t, h(10)).unwrap();
        }
        for c in &cs {
            assert_eq!(c.add(start, h(3000)), Some(t), "from {start}");
            assert_eq!(c.between(start, t), h(3000));
            assert_eq!(c.add_many(&[(start, h(3000))]), vec![Some(t)]);
        }
    }
    // Decades at once, in both directions of the window.
    let start = z(1990, 2, 3, 4, 5);
    let due = cs[0].add(start, h(150_000)).unwrap();
    for c in &cs {
        assert_eq!(c.add(start, h(150_000)), Some(due));
        assert_eq!(c.between(start, due), h(150_000));
        assert_eq!(c.between_many(&[(start, due)]), vec![h(150_000)]);
    }
    assert!(due > z(2050, 1, 1, 0, 0), "{due}");
}

/// A calendar at every size limit (48 intervals a day, 1 000 holidays, partial holidays and
/// extra windows, 366 recurring holidays but one) answers long ranges consistently with and
/// without the window, and its long `add` is the inverse of `between`.
#[test]
fn calendar_at_the_size_limits_over_long_spans() {
    let slots: Vec<String> = (0..48)
        .map(|i| {
            format!(
                r#"["{:02}:{:02}","{:02}:{:02}:30"]"#,
                i / 2,
                i % 2 * 30,
                i / 2,
                i % 2 * 30 + 29
            )
        })
        .collect();
    let day = format!("[{}]", slots.join(","));
    let dates = |from: NaiveDate| (0..1000).map(move |i| from + TimeDelta::days(i));
    let holidays: Vec<String> = dates(date(2026, 1, 1))
        .map(|d| format!(r#""{d}""#))
        .collect();
    let windows = |from, a: &str, b: &str| -> Vec<String> {
        dates(from)
            .map(|d| format!(r#"{{"date":"{d}","from":"{a}","to":"{b}"}}"#))
            .collect()
    };
    // Every month-day but March 3 and a few others recurring: open on those only (and on
    // February 29, not listed), plus the extra windows.
    let recurring: Vec<String> = (1..=12)
        .flat_map(|m| (1..=31).map(move |d| (m, d)))
        .filter(|&(m, d)| NaiveDate::from_ymd_opt(2024, m, d).is_some())
        .filter(|&(m, d)| !matches!((m, d), (2, 29) | (3, 3) | (7, 14) | (11, 2) | (12, 31)))
        .map(|(m, d)| format!(r#""{m:02}-{d:02}""#))
        .collect();
    let json = format!(
        r#"{{"timezone":"America/New_York","weekly":{{"mon":{day},"tue":{day},"wed":{day},"thu":{day},"fri":{day},"sat":{day},"sun":{day}}},
            "holidays":[{}],"partial_holidays":[{}],"extra_windows":[{}],"recurring_holidays":[{}]}}"#,
        holidays.join(","),
        windows(date(2029, 1, 1), "06:00", "18:00").join(","),
        windows(date(2031, 6, 1), "01:00", "03:00").join(","),
        recurring.join(",")
    );
    let cs = variants(&json, date(2026, 11, 1));
    let (a, b) = (z(1970, 1, 1, 0, 0), z(9999, 12, 31, 23, 59));
    let total = cs[0].between(a, b);
    for c in &cs {
        assert_eq!(c.between(a, b), total);
        for cut in [
            z(2026, 11, 1, 6, 30),
            z(2031, 6, 2, 5, 0),
            z(2100, 3, 3, 12, 0),
        ] {
            assert_eq!(c.between(a, cut) + c.between(cut, b), total, "{cut}");
        }
        let start = z(2026, 1, 1, 0, 0);
        let due = c.add(start, TimeDelta::days(366)).unwrap();
        assert_eq!(c.between(start, due), TimeDelta::days(366));
        assert_eq!(Some(due), cs[1].add(start, TimeDelta::days(366)));
    }
    // A year of it in week-long (walked) parts.
    let (from, to) = (z(2031, 1, 1, 0, 0), z(2032, 1, 1, 0, 0));
    let mut t = from;
    let mut parts = TimeDelta::zero();
    while t < to {
        let next = (t + TimeDelta::days(7)).min(to);
        parts += cs[1].between(t, next);
        t = next;
    }
    assert_eq!(cs[0].between(from, to), parts);
}
