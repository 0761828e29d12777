//! Business-hours calendars: "when is 8 business hours after this instant?" and "how much
//! business time lies between these two instants?", fast enough to recompute thousands of SLA
//! targets per request.
//!
//! A calendar is data ([`CalendarConfig`], a JSON shape) compiled into a [`BusinessCalendar`].
//!
//! # Semantics
//!
//! * Opening hours are half-open local wall-clock intervals `[start, end)` per weekday in an
//!   IANA time zone; `"24:00"` is allowed as an end. Dated and recurring (`"MM-DD"`) holidays
//!   close whole local dates, partial holidays close `[from, to)` on a date, and extra windows
//!   open `[from, to)` on a date. A date's open time is
//!   `(weekly hours − holidays − partial holidays) ∪ extra windows`, so an extra window also
//!   opens a holiday.
//! * Business time is **real elapsed time**. Every local boundary is turned into a UTC instant
//!   with the RFC 5545 / Temporal "compatible" rule: a wall time in a DST gap moves forward by
//!   the gap length, a wall time that occurs twice takes the earlier instant. An interval is the
//!   real time between its two resolved instants (empty if they are not increasing), so
//!   `09:00–17:00` is 8 h and `00:00–24:00` is 23 h or 25 h on DST-switch dates.
//! * Intervals that touch (`12:00–17:00` and `17:00–20:00`, or `22:00–24:00` and the next day's
//!   `00:00–06:00`) form one continuous stretch: no closing happens between them.
//! * `add(start, d)` counts `d` of business time from `start` (from the next opening when
//!   `start` is closed). A zero duration gives the first business instant at or after `start`.
//!   A due instant landing exactly on a stretch end follows the calendar's [`BoundaryMode`].
//!   The breach rule is: **breached iff the instant is strictly after the due instant**
//!   ([`BusinessCalendar::is_breached`]), in both modes.
//! * All instants are `DateTime<Utc>`, all durations `TimeDelta`, exact to the nanosecond.
//!
//! # Performance
//!
//! Compiling precomputes a window of a few years (starting January 1 of the previous year,
//! sized to keep [`BusinessCalendar::memory_bytes`] under 50 KiB) as open stretches with
//! cumulative business time and a per-day index, so `add`/`between` inside it are a table
//! lookup and a short search. Outside the window an exact path generates local days on the
//! fly for short ranges (up to 8 days); longer ones are cut at the time zone's UTC offset
//! changes: between two changes every local time has the same offset, so business time there is
//! the open local time summed in closed form (whole weeks, 400-year cycles for recurring
//! holidays, one correction per dated rule), and only the one or two dates holding each change
//! are generated. Any range costs about a microsecond per offset change in it (about two a year
//! from 1970 to 2099 in DST zones, none later) plus its dated rules: 1970–9999 takes about
//! 0.1 ms for an office-hours calendar and 1–2 ms at the size limits. A zone's offset changes
//! are found on first use (about a millisecond per century sampled) and shared by all calendars
//! of the zone in the process. Results never depend on the window or on the path taken.
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use ticketry_core::calendar::BusinessCalendar;
//!
//! let cal = BusinessCalendar::from_json(r#"{
//!     "timezone": "Europe/Berlin",
//!     "weekly": {"mon": [["09:00","12:00"],["13:00","17:00"]],
//!                "tue": [["09:00","12:00"],["13:00","17:00"]]},
//!     "holidays": ["2026-12-25"]
//! }"#).expect("valid calendar");
//!
//! // Monday 2026-03-02 10:00 Berlin (09:00 UTC) + 4 business hours = 15:00 Berlin.
//! let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
//! let due = cal.add(start, TimeDelta::hours(4)).expect("the calendar opens");
//! assert_eq!(due, Utc.with_ymd_and_hms(2026, 3, 2, 14, 0, 0).unwrap());
//! assert_eq!(cal.between(start, due), TimeDelta::hours(4));
//! ```

mod config;
mod cursor;
mod error;
mod fast;
mod local;
mod rules;
mod timeline;
mod zone;

use std::fmt;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use config::{BoundaryMode, CalendarConfig, DateWindow, DayHours, WeeklyHours};
pub use error::{CalendarError, CalendarErrorKind};

use cursor::{Cursor, Exhausted, FOREVER};
use fast::WALK_NS;
use rules::{DAY, Rules, date_of, epoch_day, normalize};
use timeline::{MAX_STRETCHES, NS, Timeline, WindowAdd};

const NS_I: i128 = NS as i128;
/// "Never" in nanoseconds: far beyond chrono's range, small enough not to overflow sums.
const INF_NS: i128 = i128::MAX / 4;
/// Memory goal per compiled calendar.
const MEMORY_GOAL: usize = 50 * 1024;
const _: () = assert!(WINDOW_BUDGET + 4 * 1024 <= MEMORY_GOAL);
/// What the default window may take, leaving room for the rules and the source config.
const WINDOW_BUDGET: usize = 46 * 1024;
/// Lower bound of the window budget when the config itself is large.
const MIN_WINDOW_BUDGET: usize = 8 * 1024;
/// Longest default window.
const DEFAULT_WINDOW_YEARS: i32 = 12;
/// Longest window [`BusinessCalendar::with_window`] builds.
const MAX_WINDOW_DAYS: u32 = 36_525;
/// Days generated per step while filling the window (the budget is checked per step).
const FILL_STEP_DAYS: i64 = 32;

/// One stretch of business time `[start, end)` in UTC, as listed by
/// [`BusinessCalendar::add_segments`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use ticketry_core::calendar::Segment;
///
/// let s = Segment {
///     start: Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
///     end: Utc.with_ymd_and_hms(2026, 3, 2, 11, 0, 0).unwrap(),
/// };
/// assert_eq!(s.duration(), chrono::TimeDelta::hours(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Segment {
    /// First business instant of the segment.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub start: DateTime<Utc>,
    /// End of the segment (exclusive).
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub end: DateTime<Utc>,
}

impl Segment {
    /// `end - start`.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use ticketry_core::calendar::Segment;
    /// let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// assert_eq!(Segment { start: t, end: t }.duration(), chrono::TimeDelta::zero());
    /// ```
    pub fn duration(&self) -> TimeDelta {
        self.end - self.start
    }
}

#[derive(Debug)]
pub(crate) struct Inner {
    config: CalendarConfig,
    /// Open every instant (every day `00:00–24:00`, no holidays): business
    /// time is plain elapsed time, answered without the timeline.
    always: bool,
    rules: Rules,
    boundary: BoundaryMode,
    timeline: Timeline,
    /// The time zone's UTC offset changes (shared by every calendar of the zone, fetched on
    /// first use by a long range outside the window).
    zone: OnceLock<Arc<zone::Zone>>,
}

/// A compiled business calendar. Cheap to clone (an `Arc`), `Send + Sync`.
///
/// Build it with [`from_json`](Self::from_json), [`from_config`](Self::from_config) or
/// [`always_open`](Self::always_open); see the [module docs](self) for the semantics.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use ticketry_core::calendar::BusinessCalendar;
///
/// let cal = BusinessCalendar::always_open();
/// let t = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
/// assert_eq!(cal.add(t, TimeDelta::hours(30)), Some(t + TimeDelta::hours(30)));
/// ```
#[derive(Clone)]
pub struct BusinessCalendar {
    inner: Arc<Inner>,
}

impl fmt::Debug for BusinessCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tl = &self.inner.timeline;
        f.debug_struct("BusinessCalendar")
            .field("timezone", &self.inner.rules.tz)
            .field("boundary", &self.inner.boundary)
            .field("window", &self.precomputed_range())
            .field("stretches", &tl.n())
            .finish_non_exhaustive()
    }
}

#[inline]
fn split(t: DateTime<Utc>) -> (i64, u32) {
    // A leap second (nanos >= 1e9) is read as the last nanosecond of its second.
    (t.timestamp(), t.timestamp_subsec_nanos().min(999_999_999))
}

/// Whether `t` falls in a leap second (chrono's nanos ≥ 1e9).
#[inline]
fn is_leap(t: DateTime<Utc>) -> bool {
    t.timestamp_subsec_nanos() >= 1_000_000_000
}

#[inline]
fn to_ns(t: DateTime<Utc>) -> i128 {
    let (s, n) = split(t);
    i128::from(s) * NS_I + i128::from(n)
}

#[inline]
fn secs_ns(secs: i64) -> i128 {
    if secs == FOREVER {
        INF_NS
    } else {
        i128::from(secs) * NS_I
    }
}

fn from_ns(ns: i128) -> Option<DateTime<Utc>> {
    let secs = i64::try_from(ns.div_euclid(NS_I)).ok()?;
    DateTime::from_timestamp(secs, ns.rem_euclid(NS_I) as u32)
}

fn dur_ns(d: TimeDelta) -> i128 {
    i128::from(d.num_seconds()) * NS_I + i128::from(d.subsec_nanos())
}

fn delta_ns(ns: i128) -> TimeDelta {
    let secs = i64::try_from(ns.div_euclid(NS_I)).unwrap_or(i64::MAX / 1000);
    TimeDelta::new(secs, ns.rem_euclid(NS_I) as u32).unwrap_or(TimeDelta::MAX)
}

fn exhausted_error(e: Exhausted) -> CalendarError {
    match e {
        Exhausted::NoBusinessTime => CalendarError::new(
            CalendarErrorKind::NoBusinessTime,
            "calendar",
            "the calendar has not enough business time after the start",
        ),
        Exhausted::OutOfRange => CalendarError::new(
            CalendarErrorKind::OutOfRange,
            "duration",
            "the due instant is beyond the representable range",
        ),
    }
}

pub(crate) enum SlowAdd {
    Due(i128),
    Rest(i128),
    Exhausted(Exhausted),
}

impl BusinessCalendar {
    /// Parses and compiles a calendar from its JSON shape (see [`CalendarConfig`]).
    ///
    /// Errors name the offending field: `timezone`, `weekly.mon[1]`, `holidays[3]`,
    /// `partial_holidays[0].from`, an unknown key, ...
    ///
    /// ```
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// let cal = BusinessCalendar::from_json(
    ///     r#"{"timezone": "America/New_York", "weekly": {"fri": [["09:00","17:00"]]}}"#,
    /// ).expect("valid");
    /// assert_eq!(cal.timezone(), chrono_tz::America::New_York);
    ///
    /// let err = BusinessCalendar::from_json(r#"{"timezone": "UTC", "weekly": {"fri": [["17:00","09:00"]]}}"#)
    ///     .expect_err("start after end");
    /// assert_eq!(err.field(), "weekly.fri[0]");
    /// ```
    pub fn from_json(json: &str) -> Result<Self, CalendarError> {
        Self::from_config(&CalendarConfig::from_json(json)?)
    }

    /// Validates and compiles a calendar, precomputing the default window (a few years from
    /// January 1 of the previous UTC year, as far as the memory goal allows).
    ///
    /// ```
    /// use ticketry_core::calendar::{BusinessCalendar, CalendarConfig};
    ///
    /// let cfg = CalendarConfig::always_open();
    /// let cal = BusinessCalendar::from_config(&cfg).expect("valid");
    /// assert_eq!(cal.config(), &cfg);
    /// ```
    pub fn from_config(config: &CalendarConfig) -> Result<Self, CalendarError> {
        Self::from_config_at(config, Utc::now())
    }

    /// [`from_config`](Self::from_config) with the window placed around
    /// `now` (the service passes its injected clock's instant). Results are
    /// the same whatever the window; only speed and memory change.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ticketry_core::calendar::{BusinessCalendar, CalendarConfig};
    ///
    /// let cfg = CalendarConfig::from_json(r#"{"timezone":"UTC","weekly":{"mon":[["09:00","17:00"]]}}"#)
    ///     .expect("valid");
    /// let at = Utc.with_ymd_and_hms(2040, 6, 1, 0, 0, 0).unwrap();
    /// let cal = BusinessCalendar::from_config_at(&cfg, at).expect("valid");
    /// let (from, to) = cal.precomputed_range().expect("a window");
    /// assert!(from <= at && at < to);
    /// ```
    pub fn from_config_at(
        config: &CalendarConfig,
        now: DateTime<Utc>,
    ) -> Result<Self, CalendarError> {
        let rules = Rules::compile(config)?;
        let fixed = Self::fixed_bytes(config, &rules);
        let budget = WINDOW_BUDGET.saturating_sub(fixed).max(MIN_WINDOW_BUDGET);
        let this_year = now.year();
        let mut first = NaiveDate::from_ymd_opt(this_year - 1, 1, 1).unwrap_or_default();
        let last =
            NaiveDate::from_ymd_opt(this_year - 1 + DEFAULT_WINDOW_YEARS, 1, 1).unwrap_or_default();
        // Dense calendars fit only a short window: centre it more on the present.
        let spans_per_week: usize = rules.weekly.iter().map(Vec::len).sum();
        let per_day = 2.0 + 8.0 * (spans_per_week as f64 / 7.0 + 0.05);
        let days_fit = (budget as f64 / per_day) as i64;
        if days_fit < 3 * 365 {
            let today = epoch_day(now.date_naive());
            first = date_of(today - days_fit / 4).unwrap_or(first);
        }
        let days = epoch_day(last) - epoch_day(first);
        let timeline = build_window(&rules, epoch_day(first), days, budget);
        Ok(Self::assemble(config, rules, timeline))
    }

    /// Like [`from_config`](Self::from_config) but precomputes exactly the UTC days
    /// `[first_day, first_day + days)` (shortened if it would exceed ~65 000 stretches or
    /// 100 years), ignoring the memory goal. `days == 0` disables the window, so every query
    /// takes the exact path used outside it (day by day for short ranges, cut at the zone's
    /// offset changes for long ones). Useful for historical reporting ranges and for tests;
    /// results are identical whatever the window.
    ///
    /// ```
    /// use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
    /// use ticketry_core::calendar::{BusinessCalendar, CalendarConfig};
    ///
    /// let cfg = CalendarConfig::from_json(r#"{"timezone":"UTC","weekly":{"mon":[["09:00","17:00"]]}}"#)
    ///     .expect("valid");
    /// let day = NaiveDate::from_ymd_opt(2030, 1, 1).expect("date");
    /// let windowed = BusinessCalendar::with_window(&cfg, day, 365).expect("valid");
    /// let slow = BusinessCalendar::with_window(&cfg, day, 0).expect("valid");
    /// let t = Utc.with_ymd_and_hms(2030, 6, 1, 0, 0, 0).unwrap();
    /// assert_eq!(windowed.add(t, TimeDelta::hours(20)), slow.add(t, TimeDelta::hours(20)));
    /// ```
    pub fn with_window(
        config: &CalendarConfig,
        first_day: NaiveDate,
        days: u32,
    ) -> Result<Self, CalendarError> {
        let rules = Rules::compile(config)?;
        let days = days.min(MAX_WINDOW_DAYS);
        let timeline = build_window(&rules, epoch_day(first_day), i64::from(days), usize::MAX);
        Ok(Self::assemble(config, rules, timeline))
    }

    /// The 24/7 calendar (UTC, every day `00:00–24:00`, no holidays): `add` is plain addition.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// let cal = BusinessCalendar::always_open();
    /// let t = Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap();
    /// assert!(cal.is_open(t));
    /// assert_eq!(cal.next_close(t), None);
    /// ```
    pub fn always_open() -> Self {
        Self::from_config(&CalendarConfig::always_open())
            .expect("the built-in 24/7 configuration is valid")
    }

    fn assemble(config: &CalendarConfig, rules: Rules, timeline: Timeline) -> Self {
        Self {
            inner: Arc::new(Inner {
                always: config.is_always_open(),
                config: config.clone(),
                boundary: config.boundary.unwrap_or_default(),
                rules,
                timeline,
                zone: OnceLock::new(),
            }),
        }
    }

    fn config_heap_bytes(c: &CalendarConfig) -> usize {
        let s = |s: &String| s.capacity();
        let w = |w: &DateWindow| s(&w.date) + s(&w.from) + s(&w.to);
        let days: usize = c
            .weekly
            .days()
            .iter()
            .filter_map(|d| d.1)
            .map(|h| {
                h.capacity() * size_of::<[String; 2]>()
                    + h.iter().map(|[a, b]| s(a) + s(b)).sum::<usize>()
            })
            .sum();
        s(&c.timezone)
            + days
            + c.holidays.capacity() * size_of::<String>()
            + c.holidays.iter().map(s).sum::<usize>()
            + c.recurring_holidays.capacity() * size_of::<String>()
            + c.recurring_holidays.iter().map(s).sum::<usize>()
            + (c.partial_holidays.capacity() + c.extra_windows.capacity()) * size_of::<DateWindow>()
            + c.partial_holidays.iter().map(w).sum::<usize>()
            + c.extra_windows.iter().map(w).sum::<usize>()
    }

    fn fixed_bytes(config: &CalendarConfig, rules: &Rules) -> usize {
        size_of::<Self>()
            + 2 * size_of::<usize>()
            + size_of::<Inner>()
            + Self::config_heap_bytes(config)
            + rules.heap_bytes()
    }

    /// The configuration this calendar was compiled from (serialize it to store it back).
    ///
    /// ```
    /// # use ticketry_core::calendar::BusinessCalendar;
    /// let json = r#"{"timezone":"UTC","weekly":{"mon":[["09:00","17:00"]]},"boundary":"next_opening"}"#;
    /// let cal = BusinessCalendar::from_json(json).expect("valid");
    /// assert_eq!(serde_json::to_string(cal.config()).expect("serializable"), json);
    /// ```
    pub fn config(&self) -> &CalendarConfig {
        &self.inner.config
    }

    /// The IANA time zone of the calendar.
    ///
    /// ```
    /// # use ticketry_core::calendar::BusinessCalendar;
    /// assert_eq!(BusinessCalendar::always_open().timezone(), chrono_tz::UTC);
    /// ```
    pub fn timezone(&self) -> Tz {
        self.inner.rules.tz
    }

    /// The boundary convention (from the config's `boundary`, default `StayAtClose`).
    ///
    /// ```
    /// # use ticketry_core::calendar::{BoundaryMode, BusinessCalendar};
    /// assert_eq!(BusinessCalendar::always_open().boundary(), BoundaryMode::StayAtClose);
    /// ```
    pub fn boundary(&self) -> BoundaryMode {
        self.inner.boundary
    }

    /// Approximate bytes held by this calendar (inline, rules, source config and the
    /// precomputed window). The default window keeps this under 50 KiB unless the config itself
    /// is huge (thousands of dated holidays). Queries allocate nothing that stays with the
    /// calendar; the time zone's offset changes, used by long ranges outside the window, are
    /// shared by all calendars of the zone and not counted here.
    ///
    /// ```
    /// # use ticketry_core::calendar::BusinessCalendar;
    /// assert!(BusinessCalendar::always_open().memory_bytes() < 50 * 1024);
    /// ```
    pub fn memory_bytes(&self) -> usize {
        let inner = &*self.inner;
        Self::fixed_bytes(&inner.config, &inner.rules) + inner.timeline.heap_bytes()
    }

    /// The UTC range covered by the precomputed window, if any (diagnostics only: results do
    /// not depend on it).
    ///
    /// ```
    /// # use ticketry_core::calendar::BusinessCalendar;
    /// // The 24/7 calendar needs no window.
    /// assert_eq!(BusinessCalendar::always_open().precomputed_range(), None);
    /// ```
    pub fn precomputed_range(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let tl = &self.inner.timeline;
        if tl.is_empty() {
            return None;
        }
        Some((
            DateTime::from_timestamp(tl.origin, 0)?,
            DateTime::from_timestamp(tl.origin + i64::from(tl.len), 0)?,
        ))
    }

    /// The SLA breach rule, identical for both [`BoundaryMode`]s: breached iff `at` is
    /// strictly after `due`.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// let due = Utc.with_ymd_and_hms(2026, 3, 2, 11, 0, 0).unwrap();
    /// assert!(!BusinessCalendar::is_breached(due, due));
    /// assert!(BusinessCalendar::is_breached(due, due + TimeDelta::nanoseconds(1)));
    /// ```
    pub fn is_breached(due: DateTime<Utc>, at: DateTime<Utc>) -> bool {
        at > due
    }

    // ----- add -------------------------------------------------------------------------

    /// The due instant `duration` of business time after `start`.
    ///
    /// Counting starts at `start`, or at the next opening when `start` is closed; a zero
    /// duration gives the first business instant at or after `start`. A due instant that lands
    /// exactly on the end of a stretch stays there or moves to the next opening according to
    /// [`boundary`](Self::boundary). **Negative durations are clamped to zero** (use
    /// [`try_add`](Self::try_add) to get an error instead). Returns `None` when the calendar
    /// does not offer that much business time after `start` (it never opens, or only has extra
    /// windows that run out) or the result is beyond chrono's range.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// let json = r#"{"timezone":"UTC","weekly":{"mon":[["09:00","12:00"],["13:00","17:00"]]}%s}"#;
    /// let stay = BusinessCalendar::from_json(&json.replace("%s", "")).expect("valid");
    /// let next = BusinessCalendar::from_json(&json.replace("%s", r#","boundary":"next_opening""#))
    ///     .expect("valid");
    /// let monday_9 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    /// let h = |h| Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap();
    /// assert_eq!(stay.add(monday_9, TimeDelta::hours(3)), Some(h(12)));
    /// assert_eq!(next.add(monday_9, TimeDelta::hours(3)), Some(h(13)));
    /// // Sunday evening + 1 h = Monday 10:00.
    /// let sunday = Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap();
    /// assert_eq!(stay.add(sunday, TimeDelta::hours(1)), Some(h(10)));
    /// ```
    #[inline]
    pub fn add(&self, start: DateTime<Utc>, duration: TimeDelta) -> Option<DateTime<Utc>> {
        let inner = &*self.inner;
        if inner.always {
            return match is_leap(start) {
                false => start.checked_add_signed(duration.max(TimeDelta::zero())),
                true => from_ns(to_ns(start) + dur_ns(duration.max(TimeDelta::zero()))),
            };
        }
        if inner.boundary == BoundaryMode::StayAtClose
            && let Some(d) = duration.num_nanoseconds()
            && d > 0
        {
            let (secs, nanos) = split(start);
            if let Some(rel) = inner.timeline.rel(secs)
                && let WindowAdd::Due(s, n) = inner.timeline.add(rel, nanos, d as u64)
            {
                return DateTime::from_timestamp(s, n);
            }
        }
        self.add_general(start, duration.max(TimeDelta::zero()))
            .ok()
    }

    /// Like [`add`](Self::add) but with typed errors: `NegativeDuration` (field `duration`),
    /// `NoBusinessTime` (field `calendar`) or `OutOfRange`.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use ticketry_core::calendar::{BusinessCalendar, CalendarErrorKind};
    ///
    /// let closed = BusinessCalendar::from_json(r#"{"timezone":"UTC","weekly":{}}"#).expect("valid");
    /// let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let err = closed.try_add(t, TimeDelta::hours(1)).expect_err("never opens");
    /// assert_eq!(err.kind(), CalendarErrorKind::NoBusinessTime);
    /// let err = closed.try_add(t, TimeDelta::hours(-1)).expect_err("negative");
    /// assert_eq!((err.kind(), err.field()), (CalendarErrorKind::NegativeDuration, "duration"));
    /// ```
    pub fn try_add(
        &self,
        start: DateTime<Utc>,
        duration: TimeDelta,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if duration < TimeDelta::zero() {
            return Err(CalendarError::new(
                CalendarErrorKind::NegativeDuration,
                "duration",
                format!("duration {duration} is negative"),
            ));
        }
        self.add_general(start, duration).map_err(exhausted_error)
    }

    fn add_general(&self, start: DateTime<Utc>, d: TimeDelta) -> Result<DateTime<Utc>, Exhausted> {
        let t = to_ns(start);
        let d = dur_ns(d);
        let due = if d == 0 {
            self.inner.next_open_ns(t)?
        } else {
            let x = self.inner.add_stay(t, d)?;
            match self.inner.boundary {
                BoundaryMode::StayAtClose => x,
                BoundaryMode::NextOpening => self.inner.next_open_ns(x).unwrap_or(x),
            }
        };
        from_ns(due).ok_or(Exhausted::OutOfRange)
    }

    /// [`add`](Self::add) over a slice of `(start, duration)` pairs.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// let cal = BusinessCalendar::always_open();
    /// let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let items = [(t, TimeDelta::hours(1)), (t, TimeDelta::zero())];
    /// assert_eq!(cal.add_many(&items), vec![Some(t + TimeDelta::hours(1)), Some(t)]);
    /// ```
    pub fn add_many(&self, items: &[(DateTime<Utc>, TimeDelta)]) -> Vec<Option<DateTime<Utc>>> {
        let mut out = Vec::with_capacity(items.len());
        self.add_many_into(items, &mut out);
        out
    }

    /// [`add`](Self::add) over a slice, written into `out` (cleared first; its allocation is
    /// reused, so a host recomputing targets repeatedly allocates nothing).
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// let cal = BusinessCalendar::always_open();
    /// let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let mut out = Vec::new();
    /// cal.add_many_into(&[(t, TimeDelta::minutes(5))], &mut out);
    /// assert_eq!(out, [Some(t + TimeDelta::minutes(5))]);
    /// ```
    pub fn add_many_into(
        &self,
        items: &[(DateTime<Utc>, TimeDelta)],
        out: &mut Vec<Option<DateTime<Utc>>>,
    ) {
        out.clear();
        out.reserve(items.len());
        out.extend(items.iter().map(|&(s, d)| self.add(s, d)));
    }

    /// The business segments an [`add`](Self::add) consumes, in UTC, for the SLA explain
    /// trace: maximal open stretches clipped to `[start, due)` (stay-at-close due). Empty for a
    /// zero (or negative) duration; `None` when `add` would return `None`.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use ticketry_core::calendar::{BusinessCalendar, Segment};
    ///
    /// let cal = BusinessCalendar::from_json(
    ///     r#"{"timezone":"UTC","weekly":{"mon":[["09:00","12:00"],["13:00","17:00"]]}}"#,
    /// ).expect("valid");
    /// let h = |h| Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap();
    /// let segs = cal.add_segments(h(11), TimeDelta::hours(2)).expect("opens");
    /// assert_eq!(segs, vec![Segment { start: h(11), end: h(12) }, Segment { start: h(13), end: h(14) }]);
    /// ```
    pub fn add_segments(&self, start: DateTime<Utc>, duration: TimeDelta) -> Option<Vec<Segment>> {
        self.segments(start, duration)
    }

    /// [`add_segments`](Self::add_segments) for a caller's duration, which
    /// must be at most [`limits::SLA_TARGET`](crate::limits::SLA_TARGET)
    /// (366 days, the longest SLA target) and must end within
    /// [`limits::SLA_HORIZON`](crate::limits::SLA_HORIZON) of `start`, so that
    /// one trace stays a bounded list: a duration of millions of days took
    /// seconds and gigabytes of segments. Beyond either, `TooLarge` on
    /// `duration`.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use ticketry_core::calendar::{BusinessCalendar, CalendarErrorKind};
    ///
    /// let cal = BusinessCalendar::always_open();
    /// let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// assert_eq!(cal.try_add_segments(t, TimeDelta::days(2)).unwrap().unwrap().len(), 1);
    /// let err = cal.try_add_segments(t, TimeDelta::days(367)).unwrap_err();
    /// assert_eq!((err.kind(), err.field()), (CalendarErrorKind::TooLarge, "duration"));
    /// // One second of business time a day: 366 days of it take 86,000 years.
    /// let second = r#"[["09:00:00","09:00:01"]]"#;
    /// let thin = BusinessCalendar::from_json(&format!(
    ///     r#"{{"timezone":"UTC","weekly":{{"mon":{second},"tue":{second},"wed":{second},
    ///         "thu":{second},"fri":{second},"sat":{second},"sun":{second}}}}}"#
    /// )).expect("valid");
    /// let err = thin.try_add_segments(t, TimeDelta::days(366)).unwrap_err();
    /// assert_eq!(err.kind(), CalendarErrorKind::TooLarge);
    /// ```
    pub fn try_add_segments(
        &self,
        start: DateTime<Utc>,
        duration: TimeDelta,
    ) -> Result<Option<Vec<Segment>>, CalendarError> {
        let most = crate::limits::SLA_TARGET;
        if duration > most {
            return Err(CalendarError::new(
                CalendarErrorKind::TooLarge,
                "duration",
                format!(
                    "a trace covers at most {} days of business time",
                    most.num_days()
                ),
            ));
        }
        // A calendar of short windows spreads that much business time over
        // centuries (48 one-second windows a day: about 31 M segments); the
        // trace also ends within the SLA horizon, as every due date does.
        let horizon = crate::limits::SLA_HORIZON;
        if self
            .add(start, duration)
            .is_some_and(|due| due - start > horizon)
        {
            return Err(CalendarError::new(
                CalendarErrorKind::TooLarge,
                "duration",
                format!(
                    "a trace ends within {} days of its start",
                    horizon.num_days()
                ),
            ));
        }
        Ok(self.segments(start, duration))
    }

    fn segments(&self, start: DateTime<Utc>, duration: TimeDelta) -> Option<Vec<Segment>> {
        let d = dur_ns(duration);
        if d <= 0 {
            return Some(Vec::new());
        }
        if self.inner.always {
            let end = self.add(start, duration)?;
            return Some(vec![Segment { start, end }]);
        }
        let t = to_ns(start);
        let due = self.inner.add_stay(t, d).ok()?;
        let mut spans: Vec<(i128, i128)> = Vec::new();
        let mut cur = Cursor::new(&self.inner, t.div_euclid(NS_I) as i64);
        while let Some((s, e)) = cur.next_piece() {
            let (s, e) = (secs_ns(s), secs_ns(e));
            let (from, to) = (s.max(t), e.min(due));
            if from < to {
                // Touching pieces (window or chunk edges, midnight) form one segment.
                match spans.last_mut() {
                    Some(last) if last.1 == from => last.1 = to,
                    _ => spans.push((from, to)),
                }
            }
            if e >= due {
                break;
            }
        }
        spans
            .into_iter()
            .map(|(from, to)| {
                Some(Segment {
                    start: from_ns(from)?,
                    end: from_ns(to)?,
                })
            })
            .collect()
    }

    // ----- between ---------------------------------------------------------------------

    /// Business time in `[a, b)` (zero when `b <= a`).
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// let cal = BusinessCalendar::from_json(
    ///     r#"{"timezone":"UTC","weekly":{"mon":[["09:00","12:00"],["13:00","17:00"]]}}"#,
    /// ).expect("valid");
    /// let a = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    /// let b = Utc.with_ymd_and_hms(2026, 3, 3, 0, 0, 0).unwrap();
    /// assert_eq!(cal.between(a, b), TimeDelta::hours(7));
    /// assert_eq!(cal.between(b, a), TimeDelta::zero());
    /// ```
    #[inline]
    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> TimeDelta {
        if self.inner.always {
            return match is_leap(a) || is_leap(b) {
                false => (b - a).max(TimeDelta::zero()),
                true => delta_ns((to_ns(b) - to_ns(a)).max(0)),
            };
        }
        let tl = &self.inner.timeline;
        let ((sa, na), (sb, nb)) = (split(a), split(b));
        if let (Some(ra), Some(rb)) = (tl.rel(sa), tl.rel(sb)) {
            let (pa, pb) = (tl.position(ra, na), tl.position(rb, nb));
            return if pb > pa {
                let d = pb - pa;
                TimeDelta::new((d / NS) as i64, (d % NS) as u32).unwrap_or(TimeDelta::MAX)
            } else {
                TimeDelta::zero()
            };
        }
        self.between_general(to_ns(a), to_ns(b))
    }

    fn between_general(&self, a: i128, b: i128) -> TimeDelta {
        if b <= a {
            return TimeDelta::zero();
        }
        let tl = &self.inner.timeline;
        if tl.is_empty() {
            return delta_ns(self.inner.slow_between(a, b));
        }
        let w0 = secs_ns(tl.origin);
        let w1 = secs_ns(tl.origin + i64::from(tl.len));
        let mut sum = 0i128;
        if a < w0 {
            sum += self.inner.slow_between(a, b.min(w0));
        }
        let (lo, hi) = (a.max(w0), b.min(w1));
        if lo < hi {
            let pos = |x: i128| {
                if x >= w1 {
                    tl.total()
                } else {
                    let rel = ((x - w0).div_euclid(NS_I)) as u32;
                    tl.position(rel, x.rem_euclid(NS_I) as u32)
                }
            };
            sum += i128::from(pos(hi) - pos(lo));
        }
        if b > w1 {
            sum += self.inner.slow_between(a.max(w1), b);
        }
        delta_ns(sum)
    }

    /// [`between`](Self::between) over a slice of `(a, b)` pairs.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// let cal = BusinessCalendar::always_open();
    /// let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// assert_eq!(cal.between_many(&[(t, t + TimeDelta::hours(2))]), vec![TimeDelta::hours(2)]);
    /// ```
    pub fn between_many(&self, ranges: &[(DateTime<Utc>, DateTime<Utc>)]) -> Vec<TimeDelta> {
        let mut out = Vec::with_capacity(ranges.len());
        self.between_many_into(ranges, &mut out);
        out
    }

    /// [`between`](Self::between) over a slice, written into `out` (cleared first).
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// let cal = BusinessCalendar::always_open();
    /// let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let mut out = vec![TimeDelta::zero(); 8];
    /// cal.between_many_into(&[(t, t + TimeDelta::seconds(1))], &mut out);
    /// assert_eq!(out, [TimeDelta::seconds(1)]);
    /// ```
    pub fn between_many_into(
        &self,
        ranges: &[(DateTime<Utc>, DateTime<Utc>)],
        out: &mut Vec<TimeDelta>,
    ) {
        out.clear();
        out.reserve(ranges.len());
        out.extend(ranges.iter().map(|&(a, b)| self.between(a, b)));
    }

    // ----- open / close ----------------------------------------------------------------

    /// Is `t` business time?
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// let cal = BusinessCalendar::from_json(r#"{"timezone":"UTC","weekly":{"mon":[["09:00","17:00"]]}}"#)
    ///     .expect("valid");
    /// assert!(cal.is_open(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()));
    /// assert!(!cal.is_open(Utc.with_ymd_and_hms(2026, 3, 2, 17, 0, 0).unwrap()));
    /// ```
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        if self.inner.always {
            return true;
        }
        let tl = &self.inner.timeline;
        let (secs, _) = split(t);
        if let Some(rel) = tl.rel(secs) {
            return tl.is_open(rel);
        }
        let t = to_ns(t);
        let mut cur = Cursor::new(&self.inner, secs);
        while let Some((s, e)) = cur.next_piece() {
            if secs_ns(e) > t {
                return secs_ns(s) <= t;
            }
        }
        false
    }

    /// The first business instant at or after `t` (`t` itself when open); `None` if the
    /// calendar never opens again.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// let cal = BusinessCalendar::from_json(r#"{"timezone":"UTC","weekly":{"mon":[["09:00","17:00"]]}}"#)
    ///     .expect("valid");
    /// let sunday = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// assert_eq!(cal.next_open(sunday), Some(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()));
    /// ```
    pub fn next_open(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.inner.always {
            return Some(t);
        }
        from_ns(self.inner.next_open_ns(to_ns(t)).ok()?)
    }

    /// The first closed instant at or after `t`: `t` itself when closed, else the end of the
    /// stretch containing `t`. `None` if the calendar stays open for good from `t`.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// // A night shift: 22:00–24:00 and 00:00–06:00 the next day form one stretch.
    /// let cal = BusinessCalendar::from_json(r#"{"timezone":"UTC","weekly":{
    ///     "mon":[["22:00","24:00"]], "tue":[["00:00","06:00"]]}}"#).expect("valid");
    /// let t = Utc.with_ymd_and_hms(2026, 3, 2, 23, 0, 0).unwrap();
    /// assert_eq!(cal.next_close(t), Some(Utc.with_ymd_and_hms(2026, 3, 3, 6, 0, 0).unwrap()));
    /// ```
    pub fn next_close(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.inner.always {
            return None;
        }
        let tl = &self.inner.timeline;
        let (secs, _) = split(t);
        if let Some(rel) = tl.rel(secs) {
            let i = tl.locate(rel);
            if i == tl.n() || tl.span(i).0 > secs {
                return Some(t);
            }
            let end = tl.end(i);
            if end < tl.len {
                return DateTime::from_timestamp(tl.origin + i64::from(end), 0);
            }
        }
        let (mut t, mut tn, mut from) = (t, to_ns(t), secs);
        let rules = &self.inner.rules;
        // A calendar whose only closures are dated ones is open throughout the periodic past,
        // so next_close(t) = next_close(end of that past): skip (possibly) millennia of open days.
        if let (Some(_), Some(q)) = (rules.always_open_from, rules.past_periodic_until)
            && secs < q
        {
            (t, tn, from) = (DateTime::from_timestamp(q, 0)?, secs_ns(q), q);
        }
        let mut cur = Cursor::new(&self.inner, from);
        while let Some((s, e)) = cur.next_stretch() {
            if secs_ns(e) > tn {
                if secs_ns(s) > tn {
                    return Some(t);
                }
                return if e == FOREVER {
                    None
                } else {
                    DateTime::from_timestamp(e, 0)
                };
            }
        }
        Some(t)
    }

    // ----- explain ---------------------------------------------------------------------

    /// The holidays (local dates, ascending) that removed business time within `[a, b)`: dated,
    /// recurring or partial holidays whose date's weekly hours, minus what the date still has
    /// open (extra windows count as open), intersect `[a, b)`. A holiday on a day without
    /// weekly hours is not listed. Cost grows with the number of holidays in the range.
    ///
    /// ```
    /// use chrono::{NaiveDate, TimeZone, Utc};
    /// use ticketry_core::calendar::BusinessCalendar;
    ///
    /// let cal = BusinessCalendar::from_json(r#"{"timezone":"Europe/Berlin",
    ///     "weekly":{"fri":[["09:00","17:00"]],"sat":[["09:00","12:00"]]},
    ///     "holidays":["2026-12-25","2026-12-27"]}"#).expect("valid");
    /// let a = Utc.with_ymd_and_hms(2026, 12, 20, 0, 0, 0).unwrap();
    /// let b = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    /// // The 27th is a Sunday without hours: nothing was skipped.
    /// assert_eq!(cal.holidays_between(a, b), vec![NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()]);
    /// ```
    pub fn holidays_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        if b <= a {
            return out;
        }
        let rules = &self.inner.rules;
        let (an, bn) = (to_ns(a), to_ns(b));
        // Local day numbers without building local date-times (which overflow at chrono's edges).
        let local_day = |t: DateTime<Utc>| {
            let off = rules.tz.offset_from_utc_datetime(&t.naive_utc()).fix();
            (t.timestamp() + i64::from(off.local_minus_utc())).div_euclid(DAY)
        };
        let first = date_of(local_day(a) - 1).unwrap_or(NaiveDate::MIN);
        let last = date_of(local_day(b) + 1).unwrap_or(NaiveDate::MAX);
        // Candidate dates only (dated, partial and recurring holidays in range), so the cost
        // follows the number of holidays rather than the number of days.
        let in_range = |d: &NaiveDate| (first..=last).contains(d);
        let mut dates: Vec<NaiveDate> = rules.holidays.iter().copied().filter(in_range).collect();
        dates.extend(rules.partials.iter().map(|p| p.0).filter(in_range));
        if rules.recurring.iter().any(|&m| m != 0) {
            for year in first.year()..=last.year() {
                for (m, &bits) in (1u32..).zip(&rules.recurring) {
                    for d in (1u32..=31).filter(|d| bits & (1 << (d - 1)) != 0) {
                        if let Some(date) = NaiveDate::from_ymd_opt(year, m, d)
                            && in_range(&date)
                        {
                            dates.push(date);
                        }
                    }
                }
            }
        }
        dates.sort_unstable();
        dates.dedup();
        let (mut weekly, mut open, mut scratch) = (Vec::new(), Vec::new(), Vec::new());
        for d in dates {
            if rules.weekly_of(d).is_empty() {
                continue; // nothing to remove on a day without weekly hours
            }
            weekly.clear();
            open.clear();
            rules.push_resolved(d, rules.weekly_of(d), &mut weekly);
            rules.utc_spans_of_day(d, &mut scratch, &mut open);
            normalize(&mut weekly);
            normalize(&mut open);
            if removed_intersects(&weekly, &open, an, bn) {
                out.push(d);
            }
        }
        out
    }
}

impl Inner {
    fn zone(&self) -> &zone::Zone {
        self.zone.get_or_init(|| zone::zone(self.rules.tz))
    }

    /// Business nanoseconds in `[a, b)` outside the window: walked day by day when short, cut
    /// at the zone's offset changes otherwise ([`fast`]).
    pub(crate) fn slow_between(&self, a: i128, b: i128) -> i128 {
        if b - a <= WALK_NS || self.settled(a) {
            self.walk_between(a, b)
        } else {
            self.fast_between(a, b)
        }
    }

    /// From `t` on the calendar is open for good or never opens again: the walk answers at once.
    fn settled(&self, t: i128) -> bool {
        let r = &self.rules;
        [r.always_open_from, r.never_open_from]
            .into_iter()
            .flatten()
            .any(|x| secs_ns(x) <= t)
    }

    /// Stay-at-close `add` outside the window (stopping at `limit` if given): walked day by day
    /// for a few days, then cut at the zone's offset changes ([`fast`]).
    fn slow_add(&self, t: i128, rem: i128, limit: Option<i128>) -> SlowAdd {
        let walked = t + WALK_NS;
        if limit.is_some_and(|l| l <= walked) || self.settled(t) {
            return self.walk_add(t, rem, limit);
        }
        match self.walk_add(t, rem, Some(walked)) {
            SlowAdd::Rest(r) => self.fast_add(walked, r, limit),
            done => done,
        }
    }

    /// Stay-at-close `add` for `d > 0`, in nanoseconds.
    pub(crate) fn add_stay(&self, t: i128, d: i128) -> Result<i128, Exhausted> {
        let tl = &self.timeline;
        let (mut t, mut rem) = (t, d);
        if !tl.is_empty() {
            let w0 = secs_ns(tl.origin);
            let w1 = secs_ns(tl.origin + i64::from(tl.len));
            if t < w0 {
                match self.slow_add(t, rem, Some(w0)) {
                    SlowAdd::Due(x) => return Ok(x),
                    SlowAdd::Rest(r) => (t, rem) = (w0, r),
                    SlowAdd::Exhausted(e) => return Err(e),
                }
            }
            if t < w1 {
                let rel = u32::try_from((t - w0).div_euclid(NS_I)).unwrap_or(0);
                let nanos = t.rem_euclid(NS_I) as u32;
                match u64::try_from(rem) {
                    Ok(r) => match tl.add(rel, nanos, r) {
                        WindowAdd::Due(s, n) => return Ok(i128::from(s) * NS_I + i128::from(n)),
                        WindowAdd::Rest(r) => rem = r as i128,
                    },
                    Err(_) => rem -= i128::from(tl.total() - tl.position(rel, nanos)),
                }
                t = w1;
            }
        }
        match self.slow_add(t, rem, None) {
            SlowAdd::Due(x) => Ok(x),
            SlowAdd::Rest(_) => Err(Exhausted::NoBusinessTime),
            SlowAdd::Exhausted(e) => Err(e),
        }
    }

    /// Exact day-by-day `add` from `t` (ns) for `rem > 0`, stopping at `limit` if given.
    fn walk_add(&self, t: i128, mut rem: i128, limit: Option<i128>) -> SlowAdd {
        let mut cur = Cursor::new(self, t.div_euclid(NS_I) as i64);
        let limit_ns = limit.unwrap_or(INF_NS);
        while let Some((s, e)) = cur.next_piece() {
            let (s, e) = (secs_ns(s), secs_ns(e));
            if e <= t {
                continue;
            }
            if s >= limit_ns {
                return SlowAdd::Rest(rem);
            }
            let from = s.max(t);
            let avail = e.min(limit_ns) - from;
            if rem <= avail {
                return SlowAdd::Due(from + rem);
            }
            rem -= avail;
        }
        match limit {
            Some(_) => SlowAdd::Rest(rem),
            None => SlowAdd::Exhausted(cur.exhausted),
        }
    }

    /// Exact business nanoseconds in `[a, b)` by walking stretches.
    pub(crate) fn walk_between(&self, a: i128, b: i128) -> i128 {
        let mut cur = Cursor::new(self, a.div_euclid(NS_I) as i64);
        let mut sum = 0;
        while let Some((s, e)) = cur.next_piece() {
            let (s, e) = (secs_ns(s), secs_ns(e));
            if s >= b {
                break;
            }
            if e > a {
                sum += e.min(b) - s.max(a);
            }
        }
        sum
    }

    pub(crate) fn next_open_ns(&self, t: i128) -> Result<i128, Exhausted> {
        let tl = &self.timeline;
        let secs = t.div_euclid(NS_I) as i64;
        let mut from = secs;
        if let Some(rel) = tl.rel(secs) {
            if let Some((s, n)) = tl.next_open(rel, t.rem_euclid(NS_I) as u32) {
                return Ok(i128::from(s) * NS_I + i128::from(n));
            }
            from = tl.origin + i64::from(tl.len);
        }
        let mut cur = Cursor::new(self, from);
        while let Some((s, e)) = cur.next_piece() {
            if secs_ns(e) > t {
                return Ok(secs_ns(s).max(t));
            }
        }
        Err(cur.exhausted)
    }
}

/// Does `base \ open` (UTC-second spans, both sorted and merged) intersect `[lo, hi)` (ns)?
fn removed_intersects(base: &[(i64, i64)], open: &[(i64, i64)], lo: i128, hi: i128) -> bool {
    let hits = |s: i64, e: i64| secs_ns(s).max(lo) < secs_ns(e).min(hi);
    for &(ws, we) in base {
        let mut c = ws;
        for &(os, oe) in open {
            if oe <= c {
                continue;
            }
            if os >= we {
                break;
            }
            if os > c && hits(c, os) {
                return true;
            }
            c = c.max(oe);
        }
        if c < we && hits(c, we) {
            return true;
        }
    }
    false
}

/// Fills the window from UTC day `first_day` for up to `max_days` days while it stays within
/// `budget` bytes and `MAX_STRETCHES`.
fn build_window(rules: &Rules, first_day: i64, max_days: i64, budget: usize) -> Timeline {
    // Nothing to accelerate for calendars that are open (or closed) everywhere.
    if rules.always_open_from == Some(i64::MIN) || rules.never_open_from == Some(i64::MIN) {
        return Timeline::default();
    }
    let end = first_day + max_days;
    let mut spans: Vec<(i64, i64)> = Vec::new();
    let mut day = first_day;
    while day < end {
        let to = (day + FILL_STEP_DAYS).min(end);
        let (len_before, last_before) = (spans.len(), spans.last().copied());
        rules.append_open(day, to, &mut spans);
        if spans.len() > MAX_STRETCHES || Timeline::cost(to - first_day, spans.len()) > budget {
            spans.truncate(len_before);
            if let (Some(last), Some(prev)) = (spans.last_mut(), last_before) {
                *last = prev;
            }
            break;
        }
        day = to;
    }
    if day == first_day {
        return Timeline::default();
    }
    Timeline::new(first_day * DAY, (day - first_day) as u32, &spans)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parse_time_rules() {
        use rules::parse_time;
        assert_eq!(parse_time("09:30", false), Some(34_200));
        assert_eq!(parse_time("09:30:15", false), Some(34_215));
        assert_eq!(parse_time("24:00", true), Some(86_400));
        assert_eq!(parse_time("24:00:00", true), Some(86_400));
        assert_eq!(parse_time("24:00", false), None);
        for bad in [
            "9:30", "09:60", "25:00", "24:01", "09-30", "09:30:60", "", "0930",
        ] {
            assert_eq!(parse_time(bad, true), None, "{bad}");
        }
    }
}
