//! Validated calendar rules: which local wall-clock intervals are open on a local date, and
//! how a local wall-clock time maps to a UTC instant (RFC 5545 / Temporal "compatible").

use chrono::{Datelike, NaiveDate, Offset, TimeZone};
use chrono_tz::{GapInfo, Tz};

use super::config::{CalendarConfig, DateWindow};
use super::error::{CalendarError, CalendarErrorKind};

pub(crate) const DAY: i64 = 86_400;
/// `NaiveDate::num_days_from_ce()` of 1970-01-01.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// Local seconds-of-day interval `[start, end)`, `0 <= start < end <= 86_400`.
pub(crate) type LocalSpan = (u32, u32);

/// The validated, query-friendly form of a [`CalendarConfig`].
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub tz: Tz,
    /// Monday first; sorted, adjacent intervals merged.
    pub weekly: [Vec<LocalSpan>; 7],
    /// Sorted, deduplicated.
    pub holidays: Vec<NaiveDate>,
    /// Bit `d - 1` of entry `m - 1` is set when `MM-DD` is a recurring holiday.
    pub recurring: [u32; 12],
    /// Sorted by date.
    pub partials: Vec<(NaiveDate, LocalSpan)>,
    /// Sorted by date.
    pub extras: Vec<(NaiveDate, LocalSpan)>,
    /// UTC seconds from which the calendar is open without interruption (`i64::MIN`: always).
    pub always_open_from: Option<i64>,
    /// UTC seconds from which the calendar is never open again (`i64::MIN`: never opens).
    pub never_open_from: Option<i64>,
    /// UTC seconds before which a calendar that only opens through extra windows is closed.
    pub first_open_from: Option<i64>,
    /// UTC midnight before which the open set repeats every 400 years (no dated rule and no
    /// time-zone transition before it); `None` if that cannot be established.
    pub past_periodic_until: Option<i64>,
}

/// One UTC offset change: at UTC second `at` the offset goes from `before` to `after` (seconds
/// east of UTC). Also the resolution rule near an isolated change, see
/// [`Rules::open_near`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shift {
    pub at: i64,
    pub before: i32,
    pub after: i32,
}

/// First year after which chrono-tz is assumed to have no transitions (its generated data ends
/// in November 2099); checked per zone by sampling January and July offsets, see
/// [`tz_fixed_over`].
pub(crate) const TZ_FIXED_FROM_YEAR: i32 = 2100;
/// Year before which chrono-tz is assumed to use one fixed offset (its data starts in 1845).
pub(crate) const TZ_FIXED_UNTIL_YEAR: i32 = 1800;
/// Years sampled to accept that a zone keeps one offset from [`TZ_FIXED_FROM_YEAR`] on.
pub(crate) const TZ_FUTURE_SAMPLES: [i32; 5] = [TZ_FIXED_FROM_YEAR, 2101, 2150, 2399, 2999];
/// Years sampled to accept that a zone kept one offset before [`TZ_FIXED_UNTIL_YEAR`].
pub(crate) const TZ_PAST_SAMPLES: [i32; 5] = [1000, 1001, 1500, 1798, TZ_FIXED_UNTIL_YEAR - 1];

/// The UTC offset of `tz` on January 1 and July 1 (00:00 UTC) of every year in `years`, if it is
/// one and the same; a database extending DST rules past these years makes this `None`, which
/// disables the optimisations relying on it instead of making them wrong.
pub(crate) fn tz_fixed_over(tz: Tz, years: &[i32]) -> Option<i32> {
    let off = |y: i32, m: u32| {
        NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| tz.offset_from_utc_datetime(&t).fix().local_minus_utc())
    };
    let first = off(*years.first()?, 1)?;
    years
        .iter()
        .all(|&y| off(y, 1) == Some(first) && off(y, 7) == Some(first))
        .then_some(first)
}

fn days_in_month(month: u32) -> u32 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn two_digits(b: &[u8]) -> Option<u32> {
    match b {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
        }
        _ => None,
    }
}

/// Parses `"HH:MM"` / `"HH:MM:SS"` into seconds of the day; `"24:00"` only when `allow_24`.
pub(crate) fn parse_time(s: &str, allow_24: bool) -> Option<u32> {
    let b = s.as_bytes();
    let (h, m, sec) = match b.len() {
        5 if b[2] == b':' => (two_digits(&b[0..2])?, two_digits(&b[3..5])?, 0),
        8 if b[2] == b':' && b[5] == b':' => (
            two_digits(&b[0..2])?,
            two_digits(&b[3..5])?,
            two_digits(&b[6..8])?,
        ),
        _ => return None,
    };
    if h == 24 && m == 0 && sec == 0 {
        return allow_24.then_some(86_400);
    }
    (h < 24 && m < 60 && sec < 60).then_some(h * 3600 + m * 60 + sec)
}

/// Parses a strict `"YYYY-MM-DD"`.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = two_digits(&b[0..2])? * 100 + two_digits(&b[2..4])?;
    let year = i32::try_from(year).ok()?;
    NaiveDate::from_ymd_opt(year, two_digits(&b[5..7])?, two_digits(&b[8..10])?)
}

/// Parses a strict `"MM-DD"` (February 29 allowed).
fn parse_month_day(s: &str) -> Option<(u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b'-' {
        return None;
    }
    let (m, d) = (two_digits(&b[0..2])?, two_digits(&b[3..5])?);
    ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(m)).then_some((m, d))
}

fn time_err(field: String, value: &str, allow_24: bool) -> CalendarError {
    let hint = if allow_24 {
        "expected \"HH:MM\" or \"HH:MM:SS\" between 00:00 and 24:00"
    } else {
        "expected \"HH:MM\" or \"HH:MM:SS\" between 00:00 and 23:59:59 (24:00 is only allowed as an end)"
    };
    CalendarError::new(
        CalendarErrorKind::InvalidTime,
        field,
        format!("invalid time `{value}`: {hint}"),
    )
}

fn date_err(field: String, value: &str, expected: &str) -> CalendarError {
    CalendarError::new(
        CalendarErrorKind::InvalidDate,
        field,
        format!("invalid date `{value}`: expected an existing date {expected}"),
    )
}

fn span(
    start: &str,
    end: &str,
    start_field: String,
    end_field: String,
    field: String,
) -> Result<LocalSpan, CalendarError> {
    let s = parse_time(start, false).ok_or_else(|| time_err(start_field, start, false))?;
    let e = parse_time(end, true).ok_or_else(|| time_err(end_field, end, true))?;
    if s >= e {
        return Err(CalendarError::new(
            CalendarErrorKind::EmptyInterval,
            field,
            format!(
                "start `{start}` is not before end `{end}` (intervals are half-open [start, end))"
            ),
        ));
    }
    Ok((s, e))
}

fn windows(list: &[DateWindow], key: &str) -> Result<Vec<(NaiveDate, LocalSpan)>, CalendarError> {
    let mut out = Vec::with_capacity(list.len());
    for (i, w) in list.iter().enumerate() {
        let path = format!("{key}[{i}]");
        let date = parse_date(&w.date)
            .ok_or_else(|| date_err(format!("{path}.date"), &w.date, "\"YYYY-MM-DD\""))?;
        let sp = span(
            &w.from,
            &w.to,
            format!("{path}.from"),
            format!("{path}.to"),
            path,
        )?;
        out.push((date, sp));
    }
    out.sort_unstable();
    Ok(out)
}

/// Days since 1970-01-01 of a date.
pub(crate) fn epoch_day(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) - EPOCH_DAYS_FROM_CE
}

/// The date `day` days after 1970-01-01, if `chrono` can represent it.
pub(crate) fn date_of(day: i64) -> Option<NaiveDate> {
    let ce = i32::try_from(day.checked_add(EPOCH_DAYS_FROM_CE)?).ok()?;
    NaiveDate::from_num_days_from_ce_opt(ce)
}

/// Merges a sorted list of spans in place (overlapping or adjacent ones join).
fn merge_sorted<T: Copy + Ord>(v: &mut Vec<(T, T)>) {
    let mut w = 0;
    for r in 0..v.len() {
        let (s, e) = v[r];
        if w > 0 && s <= v[w - 1].1 {
            if e > v[w - 1].1 {
                v[w - 1].1 = e;
            }
        } else {
            v[w] = (s, e);
            w += 1;
        }
    }
    v.truncate(w);
}

/// Sorts and merges spans (overlapping or adjacent ones join).
pub(crate) fn normalize<T: Copy + Ord>(v: &mut Vec<(T, T)>) {
    v.sort_unstable();
    merge_sorted(v);
}

/// The list sizes of [`limits`](crate::limits), checked before anything is compiled.
fn check_sizes(cfg: &CalendarConfig) -> Result<(), CalendarError> {
    use crate::limits::{CALENDAR_DATED_ENTRIES, CALENDAR_INTERVALS_PER_DAY, CALENDAR_RECURRING};
    let too_large = |field: String, max: usize| {
        CalendarError::new(
            CalendarErrorKind::TooLarge,
            field,
            format!("at most {max} entries"),
        )
    };
    for (key, hours) in cfg.weekly.days() {
        if hours.is_some_and(|h| h.len() > CALENDAR_INTERVALS_PER_DAY) {
            return Err(too_large(
                format!("weekly.{key}"),
                CALENDAR_INTERVALS_PER_DAY,
            ));
        }
    }
    for (field, len, max) in [
        ("holidays", cfg.holidays.len(), CALENDAR_DATED_ENTRIES),
        (
            "partial_holidays",
            cfg.partial_holidays.len(),
            CALENDAR_DATED_ENTRIES,
        ),
        (
            "extra_windows",
            cfg.extra_windows.len(),
            CALENDAR_DATED_ENTRIES,
        ),
        (
            "recurring_holidays",
            cfg.recurring_holidays.len(),
            CALENDAR_RECURRING,
        ),
    ] {
        if len > max {
            return Err(too_large(field.to_owned(), max));
        }
    }
    Ok(())
}

impl Rules {
    pub(crate) fn compile(cfg: &CalendarConfig) -> Result<Self, CalendarError> {
        check_sizes(cfg)?;
        let tz: Tz = cfg.timezone.parse().map_err(|_| {
            CalendarError::new(
                CalendarErrorKind::UnknownTimeZone,
                "timezone",
                format!(
                    "unknown time zone `{}` (expected an IANA name such as \"Europe/Berlin\" or \"UTC\")",
                    crate::error::shown(&cfg.timezone)
                ),
            )
        })?;

        let mut weekly: [Vec<LocalSpan>; 7] = Default::default();
        for (wd, (key, hours)) in cfg.weekly.days().into_iter().enumerate() {
            let Some(hours) = hours else { continue };
            let mut prev: Option<LocalSpan> = None;
            for (i, [start, end]) in hours.iter().enumerate() {
                let field = format!("weekly.{key}[{i}]");
                let sp = span(start, end, field.clone(), field.clone(), field.clone())?;
                if let Some(p) = prev {
                    if sp.0 < p.0 {
                        return Err(CalendarError::new(
                            CalendarErrorKind::UnsortedIntervals,
                            field,
                            format!(
                                "interval starting `{start}` is not sorted: it starts before weekly.{key}[{}]",
                                i - 1
                            ),
                        ));
                    }
                    if sp.0 < p.1 {
                        return Err(CalendarError::new(
                            CalendarErrorKind::OverlappingIntervals,
                            field,
                            format!(
                                "interval starting `{start}` overlaps weekly.{key}[{}]",
                                i - 1
                            ),
                        ));
                    }
                }
                prev = Some(sp);
                weekly[wd].push(sp);
            }
            merge_sorted(&mut weekly[wd]);
        }

        let mut holidays = Vec::with_capacity(cfg.holidays.len());
        for (i, h) in cfg.holidays.iter().enumerate() {
            holidays.push(
                parse_date(h)
                    .ok_or_else(|| date_err(format!("holidays[{i}]"), h, "\"YYYY-MM-DD\""))?,
            );
        }
        holidays.sort_unstable();
        holidays.dedup();

        let mut recurring = [0u32; 12];
        for (i, h) in cfg.recurring_holidays.iter().enumerate() {
            let (m, d) = parse_month_day(h)
                .ok_or_else(|| date_err(format!("recurring_holidays[{i}]"), h, "\"MM-DD\""))?;
            recurring[(m - 1) as usize] |= 1 << (d - 1);
        }

        let partials = windows(&cfg.partial_holidays, "partial_holidays")?;
        let extras = windows(&cfg.extra_windows, "extra_windows")?;

        // Eventually-always-open: every weekday fully open and no recurring closure; then only
        // dated closures exist and the calendar is open for good shortly after the last one.
        // The margin of 3 days covers any UTC offset (< 24 h) around that local date.
        let horizon = |d: Option<NaiveDate>| d.map_or(i64::MIN, |d| (epoch_day(d) + 3) * DAY);
        let full_week = weekly.iter().all(|w| w.as_slice() == [(0, 86_400)]);
        let always_open_from = (full_week && recurring.iter().all(|&m| m == 0)).then(|| {
            let last = holidays
                .last()
                .copied()
                .max(partials.iter().map(|p| p.0).max());
            horizon(last)
        });
        // Eventually-never-open: no weekly hours, or every month-day a recurring holiday; then
        // only extra windows open, and none exists after the last one.
        let all_recurring = (1..=12u32).all(|m| {
            let mask = (1u64 << days_in_month(m)) - 1;
            u64::from(recurring[(m - 1) as usize]) == mask
        });
        let no_weekly = weekly.iter().all(Vec::is_empty);
        let never_open_from =
            (no_weekly || all_recurring).then(|| horizon(extras.iter().map(|e| e.0).max()));
        let first_open_from = never_open_from
            .and(extras.first())
            .map(|e| (epoch_day(e.0) - 3) * DAY);

        // Periodicity in the far past: no dated rule and a fixed UTC offset.
        let dated = || {
            holidays
                .iter()
                .copied()
                .chain(partials.iter().map(|p| p.0))
                .chain(extras.iter().map(|e| e.0))
        };
        let year_start = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).map_or(0, epoch_day);
        let past_periodic_until = tz_fixed_over(tz, &TZ_PAST_SAMPLES).map(|_| {
            let first = dated().min().map_or(i64::MAX, |d| epoch_day(d) - 3);
            year_start(TZ_FIXED_UNTIL_YEAR).min(first) * DAY
        });

        Ok(Self {
            tz,
            weekly,
            holidays,
            recurring,
            partials,
            extras,
            always_open_from,
            never_open_from,
            first_open_from,
            past_periodic_until,
        })
    }

    /// Whole-day holiday (dated or recurring)?
    pub(crate) fn is_full_holiday(&self, d: NaiveDate) -> bool {
        self.recurring[d.month0() as usize] & (1 << d.day0()) != 0
            || self.holidays.binary_search(&d).is_ok()
    }

    fn dated(list: &[(NaiveDate, LocalSpan)], d: NaiveDate) -> &[(NaiveDate, LocalSpan)] {
        let lo = list.partition_point(|x| x.0 < d);
        let hi = lo + list[lo..].partition_point(|x| x.0 == d);
        &list[lo..hi]
    }

    /// The weekly hours of `d`'s weekday, ignoring holidays and extra windows.
    pub(crate) fn weekly_of(&self, d: NaiveDate) -> &[LocalSpan] {
        &self.weekly[d.weekday().num_days_from_monday() as usize]
    }

    /// The open local intervals of date `d` (sorted, merged) into `out`:
    /// `(weekly − holidays − partial holidays) ∪ extra windows`.
    pub(crate) fn local_spans(&self, d: NaiveDate, out: &mut Vec<LocalSpan>) {
        out.clear();
        if !self.is_full_holiday(d) {
            out.extend_from_slice(self.weekly_of(d));
            for &(_, (f, t)) in Self::dated(&self.partials, d) {
                let mut i = 0;
                while i < out.len() {
                    let (s, e) = out[i];
                    if e <= f || s >= t {
                        i += 1;
                        continue;
                    }
                    // Cut [f, t) out of [s, e).
                    match (s < f, e > t) {
                        (true, true) => {
                            out[i] = (s, f);
                            out.insert(i + 1, (t, e));
                            i += 2;
                        }
                        (true, false) => {
                            out[i] = (s, f);
                            i += 1;
                        }
                        (false, true) => {
                            out[i] = (t, e);
                            i += 1;
                        }
                        (false, false) => {
                            out.remove(i);
                        }
                    }
                }
            }
        }
        let extras = Self::dated(&self.extras, d);
        if !extras.is_empty() {
            out.extend(extras.iter().map(|x| x.1));
            normalize(out);
        }
    }

    /// UTC seconds of local wall-clock time `secs` (0..=86 400) on date `d`, using the
    /// "compatible" disambiguation: a time in a gap moves forward by the gap length (i.e. it is
    /// read with the offset in force before the gap), a repeated time takes the earlier instant.
    /// `None` only at the edges of chrono's date range.
    pub(crate) fn resolve(&self, d: NaiveDate, secs: u32) -> Option<i64> {
        let wall = epoch_day(d) * DAY + i64::from(secs);
        let naive = chrono::DateTime::from_timestamp(wall, 0)?.naive_utc();
        let off = match self.tz.offset_from_local_datetime(&naive) {
            chrono::LocalResult::Single(o) => i64::from(o.fix().local_minus_utc()),
            chrono::LocalResult::Ambiguous(a, b) => {
                // The earlier instant is the one with the larger offset.
                i64::from(a.fix().local_minus_utc().max(b.fix().local_minus_utc()))
            }
            chrono::LocalResult::None => {
                let before = GapInfo::new(&naive, &self.tz)
                    .and_then(|g| g.begin)
                    .map(|(_, o)| o.fix().local_minus_utc());
                let before = before.unwrap_or_else(|| {
                    // Unreachable with chrono-tz data; read the offset one day earlier.
                    let probe = naive - chrono::TimeDelta::days(1);
                    self.tz
                        .offset_from_utc_datetime(&probe)
                        .fix()
                        .local_minus_utc()
                });
                i64::from(before)
            }
        };
        Some(wall - off)
    }

    /// [`resolve`](Self::resolve) of local date `d` (day number `day`) where `shift` is the
    /// zone's only offset change nearby: away from the change the offset is read directly; local
    /// times the change skips or repeats (`[at + min, at + max)` of the two offsets) take the
    /// offset before it under the compatible rule (forward by the gap; the earlier of two
    /// instants), and are still resolved through the database.
    fn resolve_near(&self, d: NaiveDate, day: i64, secs: u32, shift: &Shift) -> Option<i64> {
        let wall = day * DAY + i64::from(secs);
        let (before, after) = (i64::from(shift.before), i64::from(shift.after));
        if wall < shift.at + before.min(after) {
            return Some(wall - before);
        }
        if wall >= shift.at + before.max(after) {
            return Some(wall - after);
        }
        self.resolve(d, secs)
    }

    /// Appends the UTC spans (seconds) of local date `d` to `out` (unsorted across days).
    pub(crate) fn utc_spans_of_day(
        &self,
        d: NaiveDate,
        scratch: &mut Vec<LocalSpan>,
        out: &mut Vec<(i64, i64)>,
    ) {
        self.local_spans(d, scratch);
        self.push_resolved(d, scratch, out);
    }

    /// Resolves local spans of date `d` to UTC and appends the non-empty ones.
    pub(crate) fn push_resolved(
        &self,
        d: NaiveDate,
        spans: &[LocalSpan],
        out: &mut Vec<(i64, i64)>,
    ) {
        for &(s, e) in spans {
            if let (Some(us), Some(ue)) = (self.resolve(d, s), self.resolve(d, e))
                && us < ue
            {
                out.push((us, ue));
            }
        }
    }

    /// The open UTC spans (seconds, sorted, merged) of the local dates `first_day ..= last_day`,
    /// where `shift` is the zone's only offset change from 2 days before the first date to 2 days
    /// after the last one, so every local time resolves by [`resolve_near`](Self::resolve_near).
    pub(crate) fn open_near(
        &self,
        first_day: i64,
        last_day: i64,
        shift: &Shift,
    ) -> Vec<(i64, i64)> {
        let (mut spans, mut scratch) = (Vec::new(), Vec::new());
        for day in first_day..=last_day {
            if let Some(d) = date_of(day) {
                self.local_spans(d, &mut scratch);
                for &(s, e) in &scratch {
                    if let (Some(us), Some(ue)) = (
                        self.resolve_near(d, day, s, shift),
                        self.resolve_near(d, day, e, shift),
                    ) && us < ue
                    {
                        spans.push((us, ue));
                    }
                }
            }
        }
        normalize(&mut spans);
        spans
    }

    /// Appends to `out` the open time within UTC days `[from_day, to_day)` (day numbers since
    /// the epoch), as sorted, merged, clipped spans; a span adjacent to `out`'s last one joins it.
    pub(crate) fn append_open(&self, from_day: i64, to_day: i64, out: &mut Vec<(i64, i64)>) {
        let (lo, hi) = (from_day * DAY, to_day * DAY);
        let mut spans = Vec::new();
        let mut scratch = Vec::new();
        // Local date D only produces instants within (D 00:00 − 24 h, D+1 24:00 + 24 h) read as
        // UTC, so dates from_day−1 ..= to_day cover the range; one more day each side is margin.
        for day in from_day - 2..=to_day + 1 {
            if let Some(d) = date_of(day) {
                self.utc_spans_of_day(d, &mut scratch, &mut spans);
            }
        }
        normalize(&mut spans);
        for (s, e) in spans {
            let (s, e) = (s.max(lo), e.min(hi));
            if s >= e {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.1 >= s => last.1 = last.1.max(e),
                _ => out.push((s, e)),
            }
        }
    }

    /// Approximate heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.weekly
            .iter()
            .map(|w| w.capacity() * size_of::<LocalSpan>())
            .sum::<usize>()
            + self.holidays.capacity() * size_of::<NaiveDate>()
            + (self.partials.capacity() + self.extras.capacity())
                * size_of::<(NaiveDate, LocalSpan)>()
    }
}
