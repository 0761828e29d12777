//! Property tests: random calendars in DST-heavy zones, instants within ±36 h of DST switches,
//! checked against the naive reference model and against the algebraic properties of
//! business time (`between(s, add(s, d)) == d`, monotonicity, batch == single, window-agnostic).
#![allow(clippy::unwrap_used)]

#[path = "calendar_reference.rs"]
#[allow(unused)]
mod reference;

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use ticketry_core::calendar::{BusinessCalendar, CalendarConfig};

use reference::{NS, RefCal, RefOps, delta, from_ns, ns};

const ZONES: [Tz; 6] = [
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::Australia::Sydney,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::America::Santiago,
];

/// UTC offset changes of each zone in 2025–2027 and 2089–2090 (hour precision), or a few fixed
/// instants for zones without DST.
fn switches(zone: usize) -> &'static [DateTime<Utc>] {
    static CACHE: OnceLock<Vec<Vec<DateTime<Utc>>>> = OnceLock::new();
    &CACHE.get_or_init(|| {
        ZONES
            .iter()
            .map(|tz| {
                let mut out = vec![];
                let off = |t: DateTime<Utc>| t.with_timezone(tz).offset().fix();
                // Near the present (inside the default window) and around 2090 (outside it).
                for (from, to) in [(2025, 2028), (2089, 2091)] {
                    let mut t = Utc.with_ymd_and_hms(from, 1, 1, 0, 0, 0).unwrap();
                    let end = Utc.with_ymd_and_hms(to, 1, 1, 0, 0, 0).unwrap();
                    while t < end {
                        let n = t + TimeDelta::hours(1);
                        if off(t) != off(n) {
                            out.push(n);
                        }
                        t = n;
                    }
                }
                if out.is_empty() {
                    out = vec![
                        Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap(),
                        Utc.with_ymd_and_hms(2026, 12, 31, 18, 30, 0).unwrap(),
                        Utc.with_ymd_and_hms(2090, 10, 29, 1, 0, 0).unwrap(),
                    ];
                }
                out
            })
            .collect()
    })[zone]
}

/// Local-seconds grid: quarter hours, so DST switch times (00:00, 02:00, 02:30, 03:00) occur.
const Q: u32 = 900;

#[derive(Debug, Clone)]
struct Case {
    zone: usize,
    switch: usize,
    weekly: [Vec<u32>; 7],
    holidays: Vec<i64>,
    recurring: Vec<i64>,
    partials: Vec<(i64, u32, u32)>,
    extras: Vec<(i64, u32, u32)>,
    next_opening: bool,
    /// 0: default window, 1: no window, 2: a short window near the switch.
    window: u8,
    window_offset: i64,
    window_days: u32,
    /// (offset from the switch in ns, duration in ns, second offset in ns)
    probes: Vec<(i64, i64, i64)>,
}

fn pair() -> impl Strategy<Value = (u32, u32)> {
    (0u32..96, 1u32..=96).prop_map(|(a, b)| {
        let (a, b) = if a < b {
            (a, b)
        } else {
            (b.min(95), (a + 1).min(96))
        };
        (a * Q, b * Q)
    })
}

fn instant_offset() -> impl Strategy<Value = i64> {
    let range = 36 * 3600i64;
    prop_oneof![
        (-range / 900..=range / 900).prop_map(|q| q * 900 * NS as i64),
        (-range..=range).prop_map(|s| s * NS as i64),
        (-range * 1000..=range * 1000).prop_map(|ms| ms * 1_000_000 + 7),
    ]
}

fn duration() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0i64),
        (1i64..=72).prop_map(|h| h * 3600 * NS as i64),
        (1i64..=72 * 4).prop_map(|q| q * 900 * NS as i64),
        (1i64..=72 * 3600).prop_map(|s| s * NS as i64 + 123),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let weekly = proptest::array::uniform7(prop::collection::vec(0u32..=96, 0..=6));
    let dated = || {
        prop::collection::vec((-3i64..=3, pair()), 0..=2).prop_map(|v| {
            v.into_iter()
                .map(|(d, (f, t))| (d, f, t))
                .collect::<Vec<_>>()
        })
    };
    (
        (0usize..ZONES.len(), 0usize..64, weekly),
        (
            prop::collection::vec(-3i64..=3, 0..=2),
            prop::collection::vec(-3i64..=3, 0..=1),
            dated(),
            dated(),
        ),
        (any::<bool>(), 0u8..3, -4i64..=3, 1u32..=6),
        prop::collection::vec((instant_offset(), duration(), instant_offset()), 4),
    )
        .prop_map(
            |(
                (zone, switch, weekly),
                (holidays, recurring, partials, extras),
                (next_opening, window, window_offset, window_days),
                probes,
            )| Case {
                zone,
                switch,
                weekly: weekly.map(|mut pts| {
                    pts.sort_unstable();
                    pts
                }),
                holidays,
                recurring,
                partials,
                extras,
                next_opening,
                window,
                window_offset,
                window_days,
                probes,
            },
        )
}

fn build(c: &Case) -> (RefCal, BusinessCalendar, DateTime<Utc>) {
    let tz = ZONES[c.zone];
    let sw = switches(c.zone);
    let center = sw[c.switch % sw.len()];
    let day0 = center.with_timezone(&tz).date_naive();
    let day = |k: i64| day0 + TimeDelta::days(k);
    let mut r = RefCal::new(tz);
    for (wd, pts) in c.weekly.iter().enumerate() {
        // Consecutive sorted grid points pair up as [start, end) (touching intervals allowed).
        for p in pts.chunks_exact(2) {
            if p[0] < p[1] {
                r.weekly[wd].push((p[0] * Q, p[1] * Q));
            }
        }
    }
    if r.weekly.iter().all(Vec::is_empty) {
        r.weekly[c.switch % 7] = vec![(9 * 3600, 17 * 3600)];
    }
    r.holidays = c.holidays.iter().map(|&k| day(k)).collect();
    r.recurring = c
        .recurring
        .iter()
        .map(|&k| {
            use chrono::Datelike;
            let d = day(k);
            (d.month(), d.day())
        })
        .collect();
    r.partials = c.partials.iter().map(|&(k, f, t)| (day(k), f, t)).collect();
    r.extras = c.extras.iter().map(|&(k, f, t)| (day(k), f, t)).collect();
    r.next_opening = c.next_opening;
    let cfg = CalendarConfig::from_json(&r.to_json()).unwrap();
    let cal = match c.window {
        0 => BusinessCalendar::from_config(&cfg).unwrap(),
        1 => BusinessCalendar::with_window(&cfg, day0, 0).unwrap(),
        _ => BusinessCalendar::with_window(
            &cfg,
            center.date_naive() + TimeDelta::days(c.window_offset),
            c.window_days,
        )
        .unwrap(),
    };
    (r, cal, center)
}

fn at(center: DateTime<Utc>, off_ns: i64) -> DateTime<Utc> {
    center + TimeDelta::nanoseconds(off_ns)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// add, between, is_open, next_open and next_close agree with the naive reference.
    #[test]
    fn agrees_with_reference(c in case()) {
        let (r, cal, center) = build(&c);
        let lo = at(center, -40 * 3600 * NS as i64);
        // 45 days of reference spans; sparse calendars may need more for long durations.
        let ops = RefOps::around(&r, lo, lo, 45);
        let horizon = ops.spans.last().map_or(i128::MIN, |s| s.1);
        let safe = horizon - 4 * 86_400 * NS;
        for &(o1, d, o2) in &c.probes {
            let t = at(center, o1);
            let tn = ns(t);
            let got = cal.add(t, TimeDelta::nanoseconds(d));
            match ops.add(tn, i128::from(d)) {
                Some(x) if x < safe => prop_assert_eq!(got, Some(from_ns(x)), "add {} {}", t, d),
                _ => prop_assert!(got.is_none_or(|g| ns(g) >= safe), "add {} {} -> {:?}", t, d, got),
            }
            let b = at(center, o2);
            prop_assert_eq!(cal.between(t, b), delta(ops.between(tn, ns(b))), "between {} {}", t, b);
            prop_assert_eq!(cal.is_open(t), ops.is_open(tn), "is_open {}", t);
            match ops.next_open(tn) {
                Some(x) if x < safe => prop_assert_eq!(cal.next_open(t), Some(from_ns(x)), "next_open {}", t),
                _ => {}
            }
            match ops.next_close(tn) {
                Some(x) if x < safe => prop_assert_eq!(cal.next_close(t), Some(from_ns(x)), "next_close {}", t),
                _ => {}
            }
        }
    }

    /// between(s, add(s, d)) == d; add is monotone in start and duration; batch == single;
    /// the explain segments sum to d.
    #[test]
    fn algebraic_properties(c in case()) {
        let (_, cal, center) = build(&c);
        let mut items = vec![];
        for &(o1, d, o2) in &c.probes {
            let t = at(center, o1);
            let d = TimeDelta::nanoseconds(d);
            let Some(due) = cal.add(t, d) else { continue };
            prop_assert_eq!(cal.between(t, due), d, "between(s, add(s, {})) from {}", d, t);
            let segs = cal.add_segments(t, d).unwrap();
            prop_assert_eq!(segs.iter().map(|s| s.duration()).sum::<TimeDelta>(), d);
            prop_assert!(segs.windows(2).all(|w| w[0].end < w[1].start));
            // Monotone in duration.
            let d2 = d + TimeDelta::nanoseconds(o2.abs() % (3600 * NS as i64));
            prop_assert!(cal.add(t, d2).unwrap() >= due);
            // Monotone in start.
            let t2 = at(center, o1.max(o2));
            let t1 = at(center, o1.min(o2));
            prop_assert!(cal.add(t1, d).unwrap() <= cal.add(t2, d).unwrap());
            // Stay-at-close: the last counted nanosecond is business time; next-opening (and
            // zero durations): the due instant itself is.
            if c.next_opening || d.is_zero() {
                prop_assert!(cal.is_open(due), "due {} not open", due);
            } else {
                prop_assert!(cal.is_open(due - TimeDelta::nanoseconds(1)), "due {}", due);
            }
            items.push((t, d));
            items.push((at(center, o2), d2));
        }
        let singles: Vec<_> = items.iter().map(|&(s, d)| cal.add(s, d)).collect();
        prop_assert_eq!(cal.add_many(&items), singles);
        let ranges: Vec<_> = items.iter().map(|&(s, d)| (s, s + d * 2)).collect();
        let singles: Vec<_> = ranges.iter().map(|&(a, b)| cal.between(a, b)).collect();
        prop_assert_eq!(cal.between_many(&ranges), singles);
    }

    /// The precomputed window never changes a result.
    #[test]
    fn window_does_not_matter(c in case()) {
        let (r, short, center) = build(&Case { window: 2, ..c.clone() });
        let cfg = CalendarConfig::from_json(&r.to_json()).unwrap();
        let none = BusinessCalendar::with_window(&cfg, NaiveDate::default(), 0).unwrap();
        for &(o1, d, o2) in &c.probes {
            let (t, b) = (at(center, o1), at(center, o2));
            let d = TimeDelta::nanoseconds(d);
            prop_assert_eq!(short.add(t, d), none.add(t, d));
            prop_assert_eq!(short.between(t, b), none.between(t, b));
            prop_assert_eq!(short.between(b, t), none.between(b, t));
            prop_assert_eq!(short.next_open(t), none.next_open(t));
            prop_assert_eq!(short.next_close(t), none.next_close(t));
            prop_assert_eq!(short.is_open(t), none.is_open(t));
            prop_assert_eq!(short.add_segments(t, d), none.add_segments(t, d));
            prop_assert_eq!(short.holidays_between(t, b), none.holidays_between(t, b));
        }
    }
}
