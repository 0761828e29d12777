//! The UTC offset changes of a time zone, found once per zone and process.
//!
//! chrono-tz does not list a zone's transitions, so they are found by reading the offset at
//! every UTC midnight from 1800 to 2100 and bisecting each day whose two midnights differ down
//! to the second. This finds every change as long as a zone never changes its offset and changes
//! it back within one day (the closest changes in the database are 7 days apart). Before 1800 and
//! after 2100 the database uses one offset per zone, which [`tz_fixed_over`] checks by sampling;
//! where that check fails the callers walk day by day instead.
//!
//! The lists are derived from the static time-zone data, so they are shared by every calendar
//! of the zone (a few KiB per zone, at most a few hundred zones) rather than held per calendar,
//! and built lazily in blocks of about 5.6 years.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use chrono::{DateTime, NaiveDate, NaiveTime, Offset, TimeZone};
use chrono_tz::Tz;

use super::rules::{DAY, Shift, TZ_FUTURE_SAMPLES, TZ_PAST_SAMPLES, date_of, tz_fixed_over};

/// 1800-01-01, the first UTC day sampled (days since the epoch).
pub(crate) const SAMPLED_FROM_DAY: i64 = -62_091;
/// 2100-01-01, the last UTC day sampled.
pub(crate) const SAMPLED_TO_DAY: i64 = 47_482;
/// Days sampled per block.
const BLOCK_DAYS: i64 = 2_048;
const BLOCKS: usize = ((SAMPLED_TO_DAY - SAMPLED_FROM_DAY + BLOCK_DAYS - 1) / BLOCK_DAYS) as usize;

/// The offset changes of one zone.
#[derive(Debug)]
pub(crate) struct Zone {
    tz: Tz,
    /// The zone kept its 1800-01-01 offset before that day.
    pub fixed_before: bool,
    /// The zone keeps its 2100-01-01 offset after that day.
    pub fixed_after: bool,
    /// Block `k`: the changes at instants in `(from, to]`, the UTC midnights of days
    /// `SAMPLED_FROM_DAY + k * BLOCK_DAYS` and `BLOCK_DAYS` later (capped at `SAMPLED_TO_DAY`).
    blocks: [OnceLock<Box<[Shift]>>; BLOCKS],
}

/// The shared change list of `tz`.
pub(crate) fn zone(tz: Tz) -> Arc<Zone> {
    static ZONES: OnceLock<Mutex<HashMap<Tz, Arc<Zone>>>> = OnceLock::new();
    let mut zones = ZONES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    Arc::clone(zones.entry(tz).or_insert_with(|| Arc::new(Zone::new(tz))))
}

/// The UTC offset of `tz` at UTC second `secs` (seconds east of UTC).
pub(crate) fn offset_at(tz: Tz, secs: i64) -> i32 {
    DateTime::from_timestamp(secs, 0).map_or(0, |t| {
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    })
}

impl Zone {
    fn new(tz: Tz) -> Self {
        let at = |day: i64| Some(offset_at(tz, day * DAY));
        Self {
            tz,
            fixed_before: tz_fixed_over(tz, &TZ_PAST_SAMPLES) == at(SAMPLED_FROM_DAY),
            fixed_after: tz_fixed_over(tz, &TZ_FUTURE_SAMPLES) == at(SAMPLED_TO_DAY),
            blocks: [const { OnceLock::new() }; BLOCKS],
        }
    }

    /// Appends to `out`, in order, the changes at UTC seconds in `[lo, hi)` (only changes
    /// between 1800 and 2100 exist; see [`fixed_before`](Self::fixed_before) and
    /// [`fixed_after`](Self::fixed_after)).
    pub(crate) fn changes(&self, lo: i64, hi: i64, out: &mut Vec<Shift>) {
        let first = SAMPLED_FROM_DAY * DAY;
        let block_secs = BLOCK_DAYS * DAY;
        // Block k holds (first + k·B, first + (k+1)·B]: the blocks holding [lo, hi).
        let k0 = (lo - 1 - first).div_euclid(block_secs).max(0);
        let k1 = (hi - 2 - first)
            .div_euclid(block_secs)
            .min(BLOCKS as i64 - 1);
        for k in k0..=k1 {
            let block = self.blocks[k as usize].get_or_init(|| {
                let from = SAMPLED_FROM_DAY + k * BLOCK_DAYS;
                sample(self.tz, from, (from + BLOCK_DAYS).min(SAMPLED_TO_DAY))
            });
            out.extend(block.iter().filter(|c| (lo..hi).contains(&c.at)));
        }
    }

    /// The changes of `tz`, as if its offsets were unknown before 1800 and after 2100.
    #[cfg(test)]
    pub(crate) fn with_unknown_ends(tz: Tz) -> Self {
        Self {
            fixed_before: false,
            fixed_after: false,
            ..Self::new(tz)
        }
    }

    /// Approximate heap bytes held (shared by the zone's calendars).
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.blocks
            .iter()
            .filter_map(OnceLock::get)
            .map(|b| b.len() * size_of::<Shift>())
            .sum()
    }
}

/// The changes of `tz` at instants in `(from_day, to_day]` (UTC midnights): the offset is read
/// at every midnight, and a day whose midnights differ is bisected to the second, once per
/// change it holds.
fn sample(tz: Tz, from_day: i64, to_day: i64) -> Box<[Shift]> {
    let off = |secs: i64| offset_at(tz, secs);
    let midnight = |d: NaiveDate| {
        tz.offset_from_utc_datetime(&d.and_time(NaiveTime::MIN))
            .fix()
            .local_minus_utc()
    };
    let mut out = Vec::new();
    let Some(mut date) = date_of(from_day) else {
        return out.into_boxed_slice();
    };
    let mut prev = midnight(date);
    for day in from_day..to_day {
        let Some(next_date) = date.succ_opt() else {
            break;
        };
        date = next_date;
        let next = midnight(date);
        let (mut lo, mut cur) = (day * DAY, prev);
        while cur != next {
            // off(lo) == cur, off(hi) != cur: the first second after lo with another offset.
            let mut hi = (day + 1) * DAY;
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if off(mid) == cur {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let after = off(hi);
            out.push(Shift {
                at: hi,
                before: cur,
                after,
            });
            (lo, cur) = (hi, after);
        }
        prev = next;
    }
    out.into_boxed_slice()
}
