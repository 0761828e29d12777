//! `between` and `add` over long ranges outside the window, without visiting every day.
//!
//! Write `L` for the open *local* time (the wall-clock rules, a set of local instants), and
//! `before → after` for a change of the zone's UTC offset at UTC instant `T`, `Δ = |after −
//! before|`, `B = T + max(before, after)`. Under the compatible rule every local time `w < B`
//! resolves to `w − before` (times the change skips or repeats included: forward by the gap,
//! the earlier instant) and every `w ≥ B` to `w − after`. Each open local interval `[s, e)` of
//! a date becomes `[r(s), r(e))` in UTC. From that, when the neighbouring changes are far enough:
//!
//! * an instant `u < T` is open iff `u + before ∈ L`: the intervals reaching below `T` start
//!   before `B` and, being open at `u + before < B`, end after it;
//! * an instant `u ≥ T + Δ` is open iff `u + after ∈ L`, symmetrically.
//!
//! So between two changes a range is **steady**: its business time is the open local time of
//! the range shifted by the offset, summed in closed form ([`LocalTime`]: whole weeks,
//! 400-year cycles for recurring holidays, one correction per dated rule). Only the UTC window
//! `[T, T + Δ)` (an hour, usually) needs the intervals themselves: those of the one or two dates
//! that meet local `[T + min, B + Δ]`, resolved around the change ([`Rules::open_near`]).
//!
//! Changes closer than 8 days to a neighbour, ranges where the zone's offsets are not known to
//! be fixed (before 1800 / after 2100, if a database says otherwise) and the ends of chrono's
//! range are walked day by day instead. Every piece is exact, so results are those of the
//! walk, to the nanosecond; the cost is about a microsecond per change in the range (about 2 a
//! year from 1970 to 2099 in DST zones, none after) plus the dated rules in the range.
//!
//! [`Rules::open_near`]: super::rules::Rules::open_near

use super::cursor::{first_day, last_day};
use super::local::LocalTime;
use super::rules::{DAY, Shift};
use super::zone::{SAMPLED_FROM_DAY, SAMPLED_TO_DAY, offset_at};
use super::{INF_NS, Inner, NS_I, SlowAdd, secs_ns};

/// Real time that `between` walks day by day rather than cutting into pieces (and that `add`
/// walks before switching), about the break-even of the two.
pub(crate) const WALK_NS: i128 = 8 * DAY as i128 * NS_I;
const DAY_NS: i128 = DAY as i128 * NS_I;
/// Days next to chrono's first and last representable days that are always walked.
const EDGE_DAYS: i64 = 16;
/// A change is treated in closed form when its neighbours are at least this far.
const ISOLATED: i64 = 8 * DAY;
/// Half-width of the walked stretch around changes that are not isolated: a wall-clock time
/// within a day of such changes resolves within 2 days of them (offsets are below a day).
const CLOSE_REACH: i64 = 3 * DAY;
/// First stretch of real time an `add` cuts into pieces (then 16 times more each round), so a
/// short `add` does not look up the zone's changes for decades ahead.
const ADD_ROUND_NS: i128 = 366 * DAY_NS;

#[derive(Debug, Clone, Copy)]
enum Piece {
    /// `[lo, hi)` (UTC ns) at constant `offset` (seconds east of UTC): open iff `u + offset` is
    /// open local time.
    Steady { lo: i128, hi: i128, offset: i32 },
    /// `[lo, hi)` within `[T, T + Δ)` of the isolated change `shift`.
    Near { lo: i128, hi: i128, shift: Shift },
    /// `[lo, hi)` walked day by day.
    Walk { lo: i128, hi: i128 },
}

/// UTC seconds `[lo, hi)` that are not steady: `[T, T + Δ)` of an isolated change, or walked
/// (`shift: None`).
#[derive(Debug, Clone, Copy)]
struct Reach {
    lo: i64,
    hi: i64,
    shift: Option<Shift>,
}

fn floor_day(secs: i64) -> i64 {
    secs.div_euclid(DAY) * DAY
}

fn ceil_day(secs: i64) -> i64 {
    -floor_day(-secs)
}

impl Inner {
    /// The stretches that are not steady (sorted, disjoint) that matter for UTC seconds
    /// `[lo, hi)`.
    fn reaches(&self, lo: i64, hi: i64) -> Vec<Reach> {
        let zone = self.zone();
        let mut changes = Vec::new();
        // A stretch reaches less than 4 days from its change; its neighbours count within 8 more.
        zone.changes(
            lo - 4 * ISOLATED,
            hi.saturating_add(4 * ISOLATED),
            &mut changes,
        );
        let mut out: Vec<Reach> = Vec::with_capacity(changes.len() + 2);
        for (i, c) in changes.iter().enumerate() {
            let isolated = (i == 0 || c.at - changes[i - 1].at >= ISOLATED)
                && changes.get(i + 1).is_none_or(|n| n.at - c.at >= ISOLATED);
            out.push(if isolated {
                Reach {
                    lo: c.at,
                    hi: c.at + i64::from(c.after.abs_diff(c.before)),
                    shift: Some(*c),
                }
            } else {
                Reach {
                    lo: floor_day(c.at - CLOSE_REACH),
                    hi: ceil_day(c.at + CLOSE_REACH),
                    shift: None,
                }
            });
        }
        // Where the offsets are not known to be fixed, walk (never with chrono-tz 0.10).
        if !zone.fixed_before {
            out.push(Reach {
                lo: i64::MIN,
                hi: SAMPLED_FROM_DAY * DAY + ISOLATED,
                shift: None,
            });
        }
        if !zone.fixed_after {
            out.push(Reach {
                lo: SAMPLED_TO_DAY * DAY - ISOLATED,
                hi: i64::MAX,
                shift: None,
            });
        }
        out.sort_unstable_by_key(|r| r.lo);
        // Overlapping stretches (not isolated, or unknown offsets) are walked together.
        let mut merged: Vec<Reach> = Vec::with_capacity(out.len());
        for r in out {
            match merged.last_mut() {
                Some(last) if r.lo < last.hi => {
                    last.hi = last.hi.max(r.hi);
                    last.shift = None;
                }
                _ => merged.push(r),
            }
        }
        merged
    }

    /// Cuts `[lo, hi)` (UTC ns) into pieces, in order.
    fn pieces(&self, lo: i128, hi: i128) -> Vec<Piece> {
        let mut out = Vec::new();
        let d0 = secs_ns((first_day() + EDGE_DAYS) * DAY);
        let d1 = secs_ns((last_day() - EDGE_DAYS) * DAY);
        if lo < d0 {
            out.push(Piece::Walk { lo, hi: hi.min(d0) });
        }
        let (a, b) = (lo.max(d0), hi.min(d1));
        if a < b {
            let tz = self.rules.tz;
            let secs = |x: i128| x.div_euclid(NS_I) as i64;
            let steady = |lo: i128, hi: i128| Piece::Steady {
                lo,
                hi,
                offset: offset_at(tz, secs(lo)),
            };
            let mut cur = a;
            for r in self.reaches(secs(a), secs(b) + 1) {
                let (rl, rh) = (secs_ns(r.lo).max(cur), secs_ns(r.hi).min(b));
                if rl >= rh {
                    continue;
                }
                if cur < rl {
                    out.push(steady(cur, rl));
                }
                out.push(match r.shift {
                    Some(shift) => Piece::Near {
                        lo: rl,
                        hi: rh,
                        shift,
                    },
                    None => Piece::Walk { lo: rl, hi: rh },
                });
                cur = rh;
            }
            if cur < b {
                out.push(steady(cur, b));
            }
        }
        if hi > d1 {
            out.push(Piece::Walk { lo: lo.max(d1), hi });
        }
        out
    }

    /// The open UTC spans (seconds) that can meet `[T, T + Δ)` of the isolated change `shift`:
    /// those of the dates meeting local `[T + min, B + Δ]`.
    fn near_spans(&self, shift: &Shift) -> Vec<(i64, i64)> {
        let (before, after) = (i64::from(shift.before), i64::from(shift.after));
        let delta = (after - before).abs();
        let first = (shift.at + before.min(after)).div_euclid(DAY);
        let last = (shift.at + before.max(after) + delta).div_euclid(DAY);
        self.rules.open_near(first, last, shift)
    }

    /// Business nanoseconds in `[a, b)`, piece by piece.
    pub(crate) fn fast_between(&self, a: i128, b: i128) -> i128 {
        let mut local = LocalTime::new(&self.rules);
        let mut sum = 0;
        for piece in self.pieces(a, b) {
            sum += match piece {
                Piece::Steady { lo, hi, offset } => {
                    let o = i128::from(offset) * NS_I;
                    local.between(lo + o, hi + o)
                }
                Piece::Near { lo, hi, shift } => self
                    .near_spans(&shift)
                    .iter()
                    .map(|&(s, e)| (secs_ns(e).min(hi) - secs_ns(s).max(lo)).max(0))
                    .sum(),
                Piece::Walk { lo, hi } => self.walk_between(lo, hi),
            };
        }
        sum
    }

    /// Stay-at-close `add` of `rem > 0` from `t`, piece by piece, stopping at `limit` if given.
    pub(crate) fn fast_add(&self, mut t: i128, mut rem: i128, limit: Option<i128>) -> SlowAdd {
        let mut local = LocalTime::new(&self.rules);
        let d1 = secs_ns((last_day() - EDGE_DAYS) * DAY);
        let stop = limit.unwrap_or(INF_NS).min(d1);
        let mut round = ADD_ROUND_NS;
        while t < stop {
            let hi = stop.min(t + round);
            for piece in self.pieces(t, hi) {
                match piece {
                    Piece::Steady { lo, hi, offset } => {
                        let o = i128::from(offset) * NS_I;
                        let avail = local.between(lo + o, hi + o);
                        if rem <= avail {
                            return SlowAdd::Due(local.reach(lo + o, rem, hi + o) - o);
                        }
                        rem -= avail;
                    }
                    Piece::Near { lo, hi, shift } => {
                        for (s, e) in self.near_spans(&shift) {
                            let (s, e) = (secs_ns(s).max(lo), secs_ns(e).min(hi));
                            if s < e {
                                if rem <= e - s {
                                    return SlowAdd::Due(s + rem);
                                }
                                rem -= e - s;
                            }
                        }
                    }
                    Piece::Walk { lo, hi } => match self.walk_add(lo, rem, Some(hi)) {
                        SlowAdd::Rest(r) => rem = r,
                        done => return done,
                    },
                }
            }
            t = hi;
            round = round.saturating_mul(16);
        }
        match limit {
            Some(l) if l <= t => SlowAdd::Rest(rem),
            // The last days of chrono's range: walk, which also tells why time runs out.
            _ => self.walk_add(t, rem, limit),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::calendar::rules::{self, date_of};
    use crate::calendar::{BusinessCalendar, CalendarConfig, zone};
    use chrono::NaiveDate;
    use proptest::prelude::*;

    /// DST zones plus unusual ones: negative DST (Dublin), 30-minute DST (Lord Howe), 2-hour DST
    /// (Troll), a skipped day (Apia 2011), Ramadan suspensions (Casablanca), changes 7 days apart
    /// (Noronha 2000, Gaza in the 2040s), no DST at all (Kolkata).
    const ZONES: [&str; 12] = [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Lord_Howe",
        "America/Santiago",
        "Europe/Dublin",
        "Antarctica/Troll",
        "Pacific/Apia",
        "Africa/Casablanca",
        "America/Noronha",
        "Asia/Gaza",
        "Asia/Kolkata",
        "Pacific/Chatham",
    ];

    fn hm(q: u32) -> String {
        format!("{:02}:{:02}", q / 4, q % 4 * 15)
    }

    fn date(day: i64) -> String {
        date_of(day).unwrap().to_string()
    }

    #[derive(Debug, Clone)]
    struct Case {
        zone: usize,
        weekly: [Vec<u32>; 7],
        dated: Vec<(u8, i64, u32, u32)>,
        recurring: Vec<(u32, u32)>,
        /// A change of the zone (index) or a day between 1970 and 2200 to centre on.
        centre: (bool, usize, i64),
        ranges: Vec<(i64, i64)>,
        adds: Vec<(i64, i64)>,
        /// Ranges ending within 3 hours of the centre (ns), `len` seconds long.
        ends: Vec<(i64, i64)>,
    }

    fn case() -> impl Strategy<Value = Case> {
        (
            0..ZONES.len(),
            proptest::array::uniform7(prop::collection::vec(0u32..=96, 0..=6)),
            prop::collection::vec((0u8..3, -40i64..40, 0u32..96, 1u32..=96), 0..6),
            prop::collection::vec((1u32..=12, 1u32..=29), 0..3),
            (any::<bool>(), 0usize..4000, 0i64..84_000),
            prop::collection::vec(
                (-20 * 86_400i64..20 * 86_400, 8 * 86_400i64..900 * 86_400),
                3,
            ),
            prop::collection::vec((-20 * 86_400i64..20 * 86_400, 1i64..5_000 * 3600), 3),
            prop::collection::vec(
                (
                    -3 * 3_600_000_000_000i64..3 * 3_600_000_000_000,
                    8 * 86_400i64..200 * 86_400,
                ),
                3,
            ),
        )
            .prop_map(
                |(zone, weekly, dated, recurring, centre, ranges, adds, ends)| Case {
                    zone,
                    weekly: weekly.map(|mut v| {
                        v.sort_unstable();
                        v
                    }),
                    dated,
                    recurring,
                    centre,
                    ranges,
                    adds,
                    ends,
                },
            )
    }

    fn build(c: &Case) -> (BusinessCalendar, i64) {
        let tz: chrono_tz::Tz = ZONES[c.zone].parse().unwrap();
        let mut changes = Vec::new();
        zone::zone(tz).changes(0, SAMPLED_TO_DAY * DAY, &mut changes);
        let centre = match (c.centre.0, changes.len()) {
            (true, n) if n > 0 => changes[c.centre.1 % n].at,
            _ => c.centre.2 * DAY + 3600 * 7,
        };
        let day0 = centre.div_euclid(DAY);
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let weekly: Vec<String> = c
            .weekly
            .iter()
            .zip(days)
            .map(|(pts, d)| {
                let iv: Vec<String> = pts
                    .chunks_exact(2)
                    .filter(|p| p[0] < p[1])
                    .map(|p| {
                        let end = if p[1] == 96 { "24:00".into() } else { hm(p[1]) };
                        format!(r#"["{}","{end}"]"#, hm(p[0]))
                    })
                    .collect();
                format!(r#""{d}":[{}]"#, iv.join(","))
            })
            .collect();
        let (mut hol, mut par, mut ext) = (vec![], vec![], vec![]);
        for &(kind, k, a, b) in &c.dated {
            let (a, b) = (a.min(b - 1), b);
            let end = if b == 96 { "24:00".into() } else { hm(b) };
            let w = format!(
                r#"{{"date":"{}","from":"{}","to":"{end}"}}"#,
                date(day0 + k),
                hm(a)
            );
            match kind {
                0 => hol.push(format!(r#""{}""#, date(day0 + k))),
                1 => par.push(w),
                _ => ext.push(w),
            }
        }
        let rec: Vec<String> = c
            .recurring
            .iter()
            .map(|&(m, d)| format!(r#""{m:02}-{:02}""#, d.min(28 + u32::from(m == 2))))
            .collect();
        let json = format!(
            r#"{{"timezone":"{}","weekly":{{{}}},"holidays":[{}],"partial_holidays":[{}],"extra_windows":[{}],"recurring_holidays":[{}]}}"#,
            ZONES[c.zone],
            weekly.join(","),
            hol.join(","),
            par.join(","),
            ext.join(","),
            rec.join(",")
        );
        let cfg = CalendarConfig::from_json(&json).unwrap();
        let first = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        (
            BusinessCalendar::with_window(&cfg, first, 0).unwrap(),
            centre,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

        /// The pieces (steady, near a change, walked) give exactly what walking every day gives.
        #[test]
        fn pieces_agree_with_the_walk(c in case()) {
            let (cal, centre) = build(&c);
            let inner = &*cal.inner;
            let at = |off: i64| i128::from(centre + off) * NS_I + 123_456_789;
            for &(off, len) in &c.ranges {
                let (a, b) = (at(off), at(off + len));
                prop_assert_eq!(inner.fast_between(a, b), inner.walk_between(a, b), "{}..{}", a, b);
            }
            for &(off, secs) in &c.adds {
                let (t, rem) = (at(off), i128::from(secs) * NS_I + 7);
                let want = match inner.walk_add(t, rem, None) {
                    SlowAdd::Due(x) => Some(x),
                    _ => None,
                };
                let got = match inner.fast_add(t, rem, None) {
                    SlowAdd::Due(x) => Some(x),
                    _ => None,
                };
                prop_assert_eq!(got, want, "add {} {}", t, rem);
                // Stopping at a limit leaves what the walk leaves.
                let limit = Some(t + 30 * DAY_NS);
                let rest = |r: SlowAdd| match r {
                    SlowAdd::Due(x) => (Some(x), None),
                    SlowAdd::Rest(r) => (None, Some(r)),
                    SlowAdd::Exhausted(_) => (None, None),
                };
                prop_assert_eq!(rest(inner.fast_add(t, rem, limit)), rest(inner.walk_add(t, rem, limit)));
            }
            // Ranges, and adds, ending at the change itself (inside [T, T + Δ)).
            for &(end_ns, len) in &c.ends {
                let x = i128::from(centre) * NS_I + i128::from(end_ns);
                let t = x - i128::from(len) * NS_I;
                let walked = inner.walk_between(t, x);
                prop_assert_eq!(inner.fast_between(t, x), walked);
                if walked > 0 {
                    let due = match inner.walk_add(t, walked, None) {
                        SlowAdd::Due(d) => d,
                        _ => unreachable!("the time is there"),
                    };
                    prop_assert!(matches!(inner.fast_add(t, walked, None), SlowAdd::Due(d) if d == due));
                }
            }
        }
    }

    /// Where a zone's offsets are not known to be fixed (never with chrono-tz 0.10), ranges
    /// are walked there and still cut elsewhere.
    #[test]
    fn unknown_offsets_are_walked() {
        let json = r#"{"timezone":"Europe/Berlin","weekly":{"mon":[["09:00","17:00"]],
            "sat":[["22:00","24:00"]],"sun":[["00:00","03:00"]]},"recurring_holidays":["01-01"]}"#;
        let cfg = CalendarConfig::from_json(json).unwrap();
        let cal = BusinessCalendar::with_window(&cfg, NaiveDate::default(), 0).unwrap();
        let tz = chrono_tz::Europe::Berlin;
        cal.inner
            .zone
            .set(std::sync::Arc::new(zone::Zone::with_unknown_ends(tz)))
            .unwrap();
        let inner = &*cal.inner;
        let year = |y: i32| {
            let day = rules::epoch_day(NaiveDate::from_ymd_opt(y, 1, 1).unwrap());
            i128::from(day * DAY) * NS_I
        };
        for (a, b) in [(1795, 1803), (2095, 2104), (2000, 2001), (1799, 1812)] {
            let (a, b) = (year(a) + 7, year(b) - 3);
            let pieces = inner.pieces(a, b);
            let walked = pieces.iter().any(|p| matches!(p, Piece::Walk { .. }));
            assert_eq!(walked, a < year(1801) || b > year(2099), "{pieces:?}");
            assert_eq!(inner.fast_between(a, b), inner.walk_between(a, b));
            let rem = inner.walk_between(a, b) - 1;
            let (SlowAdd::Due(x), SlowAdd::Due(y)) =
                (inner.fast_add(a, rem, None), inner.walk_add(a, rem, None))
            else {
                unreachable!("the time is there")
            };
            assert_eq!(x, y);
        }
    }

    #[test]
    fn zone_changes_are_found_to_the_second() {
        let tz = chrono_tz::Europe::Berlin;
        let mut changes = Vec::new();
        let z = zone::zone(tz);
        z.changes(0, SAMPLED_TO_DAY * DAY, &mut changes);
        assert!(z.fixed_before && z.fixed_after);
        // 2026-03-29 01:00 UTC: +1 h -> +2 h; 2026-10-25 01:00 UTC: back.
        let spring = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let at = rules::epoch_day(spring) * DAY + 3600;
        let i = changes.iter().position(|c| c.at == at).unwrap();
        assert_eq!((changes[i].before, changes[i].after), (3600, 7200));
        assert_eq!(changes[i + 1].at, at + 210 * DAY);
        assert_eq!((changes[i + 1].before, changes[i + 1].after), (7200, 3600));
        // Every change alternates and is an actual change; the last is before 2100.
        assert!(
            changes
                .windows(2)
                .all(|w| w[0].after == w[1].before && w[0].at < w[1].at)
        );
        assert!(changes.iter().all(|c| c.before != c.after));
        assert!(changes.last().unwrap().at < SAMPLED_TO_DAY * DAY);
        assert_eq!(
            (SAMPLED_FROM_DAY, SAMPLED_TO_DAY),
            (
                rules::epoch_day(NaiveDate::from_ymd_opt(1800, 1, 1).unwrap()),
                rules::epoch_day(NaiveDate::from_ymd_opt(2100, 1, 1).unwrap())
            )
        );
        // The shared list stays small: a few KiB per zone for 1800–2100.
        assert!(z.heap_bytes() < 8 * 1024, "{}", z.heap_bytes());
        // Samoa skipped 2011-12-30: -10 h -> +14 h at 2011-12-30 10:00 UTC.
        let mut apia = Vec::new();
        let t = rules::epoch_day(NaiveDate::from_ymd_opt(2011, 12, 30).unwrap()) * DAY;
        zone::zone(chrono_tz::Pacific::Apia).changes(t - DAY, t + DAY, &mut apia);
        assert_eq!(
            apia,
            [Shift {
                at: t + 10 * 3600,
                before: -10 * 3600,
                after: 14 * 3600
            }]
        );
    }
}
