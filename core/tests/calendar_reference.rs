//! A naive, obviously-correct reference model of a business calendar, shared by the calendar
//! test files (`#[path = "calendar_reference.rs"] mod reference;`), plus sanity tests of the
//! model itself against known DST facts.
//!
//! It works per local date: the open local wall-clock set of a date is evaluated point-wise
//! (`extra || (!holiday && weekly && !partial)`) on the elementary segments between all
//! boundaries, touching open segments are joined into the date's maximal open local intervals,
//! each interval's ends are turned into UTC with an independent implementation of the
//! "compatible" rule (gap: probe minute by minute for the offsets around it), and the union of
//! all those UTC spans is the open set. Operations walk that list linearly.
//!
//! Joining before resolving matters: "compatible" resolution is not monotone at the end of a DST
//! gap (a wall time inside the gap resolves later than the gap's end), so resolving the pieces of
//! one local interval separately would count time that the interval as a whole does not have,
//! and a redundant boundary (an extra window inside the weekly hours, two touching weekly
//! intervals) would change the result.
#![allow(clippy::unwrap_used, dead_code)]

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

pub const NS: i128 = 1_000_000_000;

/// A calendar as plain data (local seconds of day).
#[derive(Debug, Clone)]
pub struct RefCal {
    pub tz: Tz,
    /// Monday first; sorted, non-overlapping, `0 <= s < e <= 86400`.
    pub weekly: [Vec<(u32, u32)>; 7],
    pub holidays: Vec<NaiveDate>,
    pub recurring: Vec<(u32, u32)>,
    pub partials: Vec<(NaiveDate, u32, u32)>,
    pub extras: Vec<(NaiveDate, u32, u32)>,
    pub next_opening: bool,
}

pub fn hms(secs: u32) -> String {
    if secs.is_multiple_of(60) {
        format!("{:02}:{:02}", secs / 3600, secs / 60 % 60)
    } else {
        format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
    }
}

impl RefCal {
    pub fn new(tz: Tz) -> Self {
        Self {
            tz,
            weekly: Default::default(),
            holidays: vec![],
            recurring: vec![],
            partials: vec![],
            extras: vec![],
            next_opening: false,
        }
    }

    /// The JSON configuration for the library.
    pub fn to_json(&self) -> String {
        use serde_json::{Value, json};
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let mut weekly = serde_json::Map::new();
        for (i, d) in days.iter().enumerate() {
            if !self.weekly[i].is_empty() {
                let v: Vec<Value> = self.weekly[i]
                    .iter()
                    .map(|&(s, e)| json!([hms(s), hms(e)]))
                    .collect();
                weekly.insert((*d).to_owned(), Value::Array(v));
            }
        }
        let win = |l: &[(NaiveDate, u32, u32)]| -> Vec<Value> {
            l.iter()
                .map(|&(d, f, t)| json!({"date": d.to_string(), "from": hms(f), "to": hms(t)}))
                .collect()
        };
        let mut v = json!({
            "timezone": self.tz.name(),
            "weekly": weekly,
            "holidays": self.holidays.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            "recurring_holidays": self.recurring.iter().map(|(m, d)| format!("{m:02}-{d:02}")).collect::<Vec<_>>(),
            "partial_holidays": win(&self.partials),
            "extra_windows": win(&self.extras),
        });
        if self.next_opening {
            v["boundary"] = json!("next_opening");
        }
        v.to_string()
    }

    fn open_local(&self, d: NaiveDate, t: u32) -> bool {
        let inside = |&(s, e): &(u32, u32)| s <= t && t < e;
        if self
            .extras
            .iter()
            .any(|&(x, s, e)| x == d && inside(&(s, e)))
        {
            return true;
        }
        let holiday = self.holidays.contains(&d) || self.recurring.contains(&(d.month(), d.day()));
        if holiday {
            return false;
        }
        let wd = d.weekday().num_days_from_monday() as usize;
        self.weekly[wd].iter().any(inside)
            && !self
                .partials
                .iter()
                .any(|&(x, s, e)| x == d && inside(&(s, e)))
    }

    /// Maximal open local intervals of date `d`: point-wise evaluation on the elementary
    /// segments, touching open segments joined (the date's open set as a set of wall times,
    /// however its rules happen to be written).
    pub fn local_segments(&self, d: NaiveDate) -> Vec<(u32, u32)> {
        let mut pts = vec![0u32, 86_400];
        let wd = d.weekday().num_days_from_monday() as usize;
        for &(s, e) in &self.weekly[wd] {
            pts.extend([s, e]);
        }
        for &(x, s, e) in self.partials.iter().chain(&self.extras) {
            if x == d {
                pts.extend([s, e]);
            }
        }
        pts.sort_unstable();
        pts.dedup();
        let mut out: Vec<(u32, u32)> = vec![];
        for w in pts.windows(2).filter(|w| self.open_local(d, w[0])) {
            match out.last_mut() {
                Some(l) if l.1 == w[0] => l.1 = w[1],
                _ => out.push((w[0], w[1])),
            }
        }
        out
    }

    /// UTC spans (seconds) of the open set restricted to local dates `[from, to]`, merged.
    pub fn spans(&self, from: NaiveDate, to: NaiveDate) -> Vec<(i64, i64)> {
        let mut out = vec![];
        let mut d = from;
        while d <= to {
            for (s, e) in self.local_segments(d) {
                let (us, ue) = (resolve(self.tz, d, s), resolve(self.tz, d, e));
                if us < ue {
                    out.push((us, ue));
                }
            }
            d = d.succ_opt().unwrap();
        }
        out.sort_unstable();
        let mut merged: Vec<(i64, i64)> = vec![];
        for (s, e) in out {
            match merged.last_mut() {
                Some(l) if s <= l.1 => l.1 = l.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }
}

/// Local wall time → UTC seconds, "compatible" rule, implemented independently of the library.
pub fn resolve(tz: Tz, d: NaiveDate, secs: u32) -> i64 {
    let naive = d.and_hms_opt(0, 0, 0).unwrap() + TimeDelta::seconds(i64::from(secs));
    resolve_naive(tz, naive)
}

pub fn resolve_naive(tz: Tz, naive: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.timestamp(),
        chrono::LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        chrono::LocalResult::None => {
            use chrono::Offset;
            let offset_of = |p: NaiveDateTime| {
                tz.from_local_datetime(&p)
                    .single()
                    .map(|t| i64::from(t.offset().fix().local_minus_utc()))
            };
            let mut k = 1;
            let before = loop {
                if let Some(o) = offset_of(naive - TimeDelta::minutes(k)) {
                    break o;
                }
                k += 1;
            };
            let mut k = 1;
            let after = loop {
                if let Some(o) = offset_of(naive + TimeDelta::minutes(k)) {
                    break o;
                }
                k += 1;
            };
            let gap = after - before;
            tz.from_local_datetime(&(naive + TimeDelta::seconds(gap)))
                .single()
                .unwrap()
                .timestamp()
        }
    }
}

/// Reference operations over an explicit list of merged UTC spans (nanosecond instants).
#[derive(Debug)]
pub struct RefOps {
    pub spans: Vec<(i128, i128)>,
    pub next_opening: bool,
}

pub fn ns(t: DateTime<Utc>) -> i128 {
    i128::from(t.timestamp()) * NS + i128::from(t.timestamp_subsec_nanos())
}

pub fn from_ns(x: i128) -> DateTime<Utc> {
    DateTime::from_timestamp(x.div_euclid(NS) as i64, x.rem_euclid(NS) as u32).unwrap()
}

pub fn delta(x: i128) -> TimeDelta {
    TimeDelta::new(x.div_euclid(NS) as i64, x.rem_euclid(NS) as u32).unwrap()
}

impl RefOps {
    /// Spans of `cal` for the local dates around `[a, b]` (with `margin_days` extra after `b`).
    pub fn around(cal: &RefCal, a: DateTime<Utc>, b: DateTime<Utc>, margin_days: i64) -> Self {
        let from = a.with_timezone(&cal.tz).date_naive() - TimeDelta::days(3);
        let to = b.with_timezone(&cal.tz).date_naive() + TimeDelta::days(margin_days + 3);
        let spans = cal
            .spans(from, to)
            .into_iter()
            .map(|(s, e)| (i128::from(s) * NS, i128::from(e) * NS))
            .collect();
        Self {
            spans,
            next_opening: cal.next_opening,
        }
    }

    pub fn is_open(&self, t: i128) -> bool {
        self.spans.iter().any(|&(s, e)| s <= t && t < e)
    }

    pub fn next_open(&self, t: i128) -> Option<i128> {
        if self.is_open(t) {
            return Some(t);
        }
        self.spans.iter().map(|s| s.0).find(|&s| s > t)
    }

    pub fn next_close(&self, t: i128) -> Option<i128> {
        match self.spans.iter().find(|&&(s, e)| s <= t && t < e) {
            None => Some(t),
            Some(&(_, e)) => Some(e),
        }
    }

    pub fn between(&self, a: i128, b: i128) -> i128 {
        self.spans
            .iter()
            .map(|&(s, e)| (e.min(b) - s.max(a)).max(0))
            .sum()
    }

    /// `None` when the spans run out (the caller widens the range or expects `None`).
    pub fn add(&self, t: i128, d: i128) -> Option<i128> {
        if d == 0 {
            return self.next_open(t);
        }
        let mut left = d;
        for (k, &(s, e)) in self.spans.iter().enumerate() {
            if e <= t {
                continue;
            }
            let from = s.max(t);
            if left < e - from {
                return Some(from + left);
            }
            if left == e - from {
                // Exactly on a close.
                if self.next_opening {
                    return self.spans.get(k + 1).map(|n| n.0).or(Some(e));
                }
                return Some(e);
            }
            left -= e - from;
        }
        None
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn reference_resolves_known_transitions() {
    use chrono_tz::{America, Australia, Europe};
    // Berlin spring 2026-03-29 02:00 -> 03:00: 02:30 moves forward to 03:30 CEST.
    assert_eq!(
        resolve(Europe::Berlin, date(2026, 3, 29), 9000),
        utc(2026, 3, 29, 1, 30)
    );
    // Berlin fall 2026-10-25 03:00 -> 02:00: 02:30 takes the earlier (CEST) instant.
    assert_eq!(
        resolve(Europe::Berlin, date(2026, 10, 25), 9000),
        utc(2026, 10, 25, 0, 30)
    );
    // Lord Howe 2026-10-04 02:00 -> 02:30 (+10:30 -> +11): 02:15 -> 02:45 (+11) = 15:45 UTC.
    assert_eq!(
        resolve(Australia::Lord_Howe, date(2026, 10, 4), 2 * 3600 + 900),
        utc(2026, 10, 3, 15, 45)
    );
    // Santiago: 2026-09-06 starts at 01:00 (-03); local 00:00 moves forward to 01:00 = 04:00 UTC.
    assert_eq!(
        resolve(America::Santiago, date(2026, 9, 6), 0),
        utc(2026, 9, 6, 4, 0)
    );
    // A 00:00–24:00 Berlin day lasts 23 h and 25 h on the switch dates.
    let len = |d| resolve(Europe::Berlin, d, 86_400) - resolve(Europe::Berlin, d, 0);
    assert_eq!(len(date(2026, 3, 29)), 23 * 3600);
    assert_eq!(len(date(2026, 10, 25)), 25 * 3600);
}

#[test]
fn reference_ops_basics() {
    let mut cal = RefCal::new(chrono_tz::UTC);
    cal.weekly[0] = vec![(9 * 3600, 12 * 3600), (13 * 3600, 17 * 3600)];
    let a = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let ops = RefOps::around(&cal, a, a, 10);
    assert_eq!(ops.add(ns(a), 3 * 3600 * NS), Some(ns(a) + 3 * 3600 * NS));
    cal.next_opening = true;
    let ops = RefOps::around(&cal, a, a, 10);
    assert_eq!(ops.add(ns(a), 3 * 3600 * NS), Some(ns(a) + 4 * 3600 * NS));
    assert_eq!(ops.between(ns(a), ns(a) + 86_400 * NS), 7 * 3600 * NS);
}

#[test]
fn reference_joins_touching_pieces_before_resolving() {
    // Santiago 2025-09-07: local 00:00–01:00 is a gap. 00:15–01:00 resolves to 04:15Z–04:00Z
    // (empty) however it is written.
    let sunday = date(2025, 9, 7);
    let mut cal = RefCal::new(chrono_tz::America::Santiago);
    cal.weekly[6] = vec![(900, 1800), (1800, 3600)];
    cal.extras = vec![(sunday, 900, 1800)];
    assert_eq!(cal.local_segments(sunday), vec![(900, 3600)]);
    assert!(cal.spans(sunday, sunday).is_empty());
}
