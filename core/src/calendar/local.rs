//! Business time of the wall-clock rules alone, in local time: open local seconds over ranges
//! of local dates, in closed form over weeks and 400-year Gregorian cycles, plus one correction
//! per dated rule. Where a zone keeps one UTC offset, UTC business time is exactly this, shifted
//! by the offset (see [`fast`](super::fast)).
//!
//! Local instants are nanoseconds of wall-clock time since 1970-01-01 00:00 local (local day `d`
//! starts at `d · 86 400 s`); results are nanoseconds of open wall-clock time.

use chrono::Datelike;

use super::rules::{DAY, LocalSpan, Rules, date_of, epoch_day};

const NS: i128 = 1_000_000_000;
const DAY_NS: i128 = DAY as i128 * NS;
/// 2000-01-01 (days since the epoch), where a 400-year Gregorian cycle starts.
const ANCHOR_DAY: i64 = 10_957;
const ANCHOR_YEAR: i32 = 2000;
/// Years per Gregorian cycle (146 097 days, exactly 20 871 weeks).
const CYCLE_YEARS: usize = 400;
/// Days before each month, in common and in leap years.
const MONTH_START: [[u32; 12]; 2] = [
    [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334],
    [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335],
];

/// Weekday of a day number, Monday = 0 (1970-01-01 was a Thursday).
fn weekday(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Open local time of the rules, summed without visiting every day. Built per query (cheap:
/// a few hundred additions with recurring holidays, none without).
pub(crate) struct LocalTime<'a> {
    rules: &'a Rules,
    /// Weekly open seconds per weekday, Monday first.
    week: [i64; 7],
    week_total: i64,
    /// `week_prefix[k]`: weekly open seconds of the first `k` days of a week starting on a
    /// Thursday (day 0 of the epoch, and every 7th day from it).
    week_prefix: [i64; 8],
    /// `recurring[k]`: weekly open seconds that recurring holidays remove in the years
    /// `2000 .. 2000 + k`, `k <= 400`; empty without recurring holidays.
    recurring: Vec<i64>,
    spans: Vec<LocalSpan>,
}

impl<'a> LocalTime<'a> {
    pub(crate) fn new(rules: &'a Rules) -> Self {
        let week: [i64; 7] = std::array::from_fn(|wd| {
            rules.weekly[wd]
                .iter()
                .map(|&(s, e)| i64::from(e - s))
                .sum()
        });
        let mut week_prefix = [0i64; 8];
        for k in 0..7 {
            week_prefix[k + 1] = week_prefix[k] + week[(3 + k) % 7];
        }
        let mut this = Self {
            rules,
            week,
            week_total: week.iter().sum(),
            week_prefix,
            recurring: Vec::new(),
            spans: Vec::new(),
        };
        if rules.recurring.iter().any(|&m| m != 0) {
            // Removed per year type (weekday of January 1, leap year), then over one cycle.
            let per_type: [[i64; 2]; 7] = std::array::from_fn(|wd| {
                [false, true].map(|leap| this.recurring_within(wd, leap, 366))
            });
            let mut cum = Vec::with_capacity(CYCLE_YEARS + 1);
            cum.push(0);
            let (mut jan1, mut acc) = (ANCHOR_DAY, 0);
            for year in ANCHOR_YEAR..ANCHOR_YEAR + CYCLE_YEARS as i32 {
                let leap = is_leap(year);
                acc += per_type[weekday(jan1)][usize::from(leap)];
                cum.push(acc);
                jan1 += 365 + i64::from(leap);
            }
            this.recurring = cum;
        }
        this
    }

    /// Weekly open seconds that recurring holidays remove in the first `end` days of a year
    /// whose January 1 falls on weekday `jan1` (February 29 counts in leap years only).
    fn recurring_within(&self, jan1: usize, leap: bool, end: u32) -> i64 {
        let mut sum = 0;
        for (m, (&bits, &start)) in self
            .rules
            .recurring
            .iter()
            .zip(&MONTH_START[usize::from(leap)])
            .enumerate()
        {
            if start >= end {
                break;
            }
            let mut bits = if m == 1 && !leap {
                bits & !(1 << 28)
            } else {
                bits
            };
            while bits != 0 {
                let ord = start + bits.trailing_zeros();
                if ord >= end {
                    break;
                }
                bits &= bits - 1;
                sum += self.week[(jan1 + ord as usize) % 7];
            }
        }
        sum
    }

    /// Weekly open seconds of the days `[0, day)` (negated sum for `day < 0`).
    fn weekly_before(&self, day: i64) -> i64 {
        day.div_euclid(7) * self.week_total + self.week_prefix[day.rem_euclid(7) as usize]
    }

    /// Weekly open seconds that recurring holidays remove in the days `[2000-01-01, day)`
    /// (negated for earlier days).
    fn recurring_before(&self, day: i64) -> i64 {
        let Some(cycle) = self.recurring.last() else {
            return 0;
        };
        let Some(date) = date_of(day) else {
            return 0;
        };
        let (year, ord) = (date.year(), date.ordinal0());
        let k = i64::from(year - ANCHOR_YEAR);
        let (q, r) = (
            k.div_euclid(CYCLE_YEARS as i64),
            k.rem_euclid(CYCLE_YEARS as i64),
        );
        let jan1 = weekday(day - i64::from(ord));
        q * cycle + self.recurring[r as usize] + self.recurring_within(jan1, is_leap(year), ord)
    }

    /// Open seconds of the dates `[a, b)` under the weekly hours and recurring holidays only.
    fn periodic_days(&self, a: i64, b: i64) -> i64 {
        self.weekly_before(b)
            - self.weekly_before(a)
            - (self.recurring_before(b) - self.recurring_before(a))
    }

    /// Open seconds of date `day` under the weekly hours and recurring holidays only.
    fn periodic_day(&self, day: i64) -> i64 {
        let recurring = date_of(day)
            .is_some_and(|d| self.rules.recurring[d.month0() as usize] & (1 << d.day0()) != 0);
        if recurring {
            0
        } else {
            self.week[weekday(day)]
        }
    }

    /// The dates in `[a, b)` with a dated rule (holiday, partial holiday, extra window), as
    /// sorted day numbers, each once.
    fn dated_days(&self, a: i64, b: i64) -> Vec<i64> {
        let (Some(from), Some(to)) = (date_of(a), date_of(b)) else {
            return Vec::new();
        };
        let r = self.rules;
        let hol = &r.holidays[r.holidays.partition_point(|&d| d < from)..];
        let par = &r.partials[r.partials.partition_point(|p| p.0 < from)..];
        let ext = &r.extras[r.extras.partition_point(|e| e.0 < from)..];
        let mut days: Vec<i64> = hol
            .iter()
            .take_while(|&&d| d < to)
            .copied()
            .chain(par.iter().take_while(|p| p.0 < to).map(|p| p.0))
            .chain(ext.iter().take_while(|e| e.0 < to).map(|e| e.0))
            .map(epoch_day)
            .collect();
        days.sort_unstable();
        days.dedup();
        days
    }

    /// Loads the open local spans of date `day` into `self.spans`.
    fn load(&mut self, day: i64) {
        match date_of(day) {
            Some(d) => self.rules.local_spans(d, &mut self.spans),
            None => self.spans.clear(),
        }
    }

    /// How much a dated rule changes date `day` compared with its periodic hours (seconds).
    fn correction(&mut self, day: i64) -> i64 {
        self.load(day);
        let open: i64 = self.spans.iter().map(|&(s, e)| i64::from(e - s)).sum();
        open - self.periodic_day(day)
    }

    /// Open seconds of the dates `[a, b)`.
    fn days(&mut self, a: i64, b: i64) -> i64 {
        if a >= b {
            return 0;
        }
        let dated = self.dated_days(a, b);
        let corrections: i64 = dated.iter().map(|&d| self.correction(d)).sum();
        self.periodic_days(a, b) + corrections
    }

    /// Open nanoseconds of date `day` within its first `upto` nanoseconds.
    fn open_before(&mut self, day: i64, upto: i128) -> i128 {
        if upto <= 0 {
            return 0;
        }
        self.load(day);
        self.spans
            .iter()
            .map(|&(s, e)| (i128::from(e) * NS).min(upto) - (i128::from(s) * NS).min(upto))
            .sum()
    }

    /// Open local nanoseconds in `[x, y)` (zero if `y <= x`).
    pub(crate) fn between(&mut self, x: i128, y: i128) -> i128 {
        if y <= x {
            return 0;
        }
        let (dx, sx) = (x.div_euclid(DAY_NS) as i64, x.rem_euclid(DAY_NS));
        let (dy, sy) = (y.div_euclid(DAY_NS) as i64, y.rem_euclid(DAY_NS));
        i128::from(self.days(dx, dy)) * NS + self.open_before(dy, sy) - self.open_before(dx, sx)
    }

    /// The earliest local instant `z` with `between(x, z) == rem`, for
    /// `0 < rem <= between(x, y)` (so `z <= y`).
    pub(crate) fn reach(&mut self, x: i128, mut rem: i128, y: i128) -> i128 {
        let (dx, sx) = (x.div_euclid(DAY_NS) as i64, x.rem_euclid(DAY_NS));
        // The rest of x's date.
        if let Some(z) = self.reach_in_day(dx, sx, &mut rem) {
            return z;
        }
        // Whole dates from dx + 1: the first date D by whose end rem is reached.
        let lo = dx + 1;
        let last = y.div_euclid(DAY_NS) as i64;
        let dated = self.dated_days(lo, last + 1);
        let mut cum = Vec::with_capacity(dated.len() + 1);
        cum.push(0i64);
        for &d in &dated {
            let c = self.correction(d);
            cum.push(cum[cum.len() - 1] + c);
        }
        // Open nanoseconds of the dates [lo, end).
        let upto = |this: &Self, end: i64| {
            let c = cum[dated.partition_point(|&d| d < end)];
            i128::from(this.periodic_days(lo, end) + c) * NS
        };
        let (mut a, mut b) = (lo, last.max(lo));
        while a < b {
            let mid = a + (b - a) / 2;
            if upto(self, mid + 1) >= rem {
                b = mid;
            } else {
                a = mid + 1;
            }
        }
        rem -= upto(self, a);
        self.reach_in_day(a, 0, &mut rem)
            .unwrap_or((i128::from(a) + 1) * DAY_NS)
    }

    /// Within date `day` from its nanosecond `from`: where `rem` open nanoseconds are reached,
    /// or `None` after subtracting what the date has.
    fn reach_in_day(&mut self, day: i64, from: i128, rem: &mut i128) -> Option<i128> {
        self.load(day);
        let start = i128::from(day) * DAY_NS;
        for &(s, e) in &self.spans {
            let (s, e) = (i128::from(s) * NS, i128::from(e) * NS);
            if e <= from {
                continue;
            }
            let f = s.max(from);
            if *rem <= e - f {
                return Some(start + f + *rem);
            }
            *rem -= e - f;
        }
        None
    }
}
