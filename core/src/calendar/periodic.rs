//! Exact jumps over whole 400-year Gregorian cycles far from the present.
//!
//! Far enough in the future (after the last dated rule and after the time-zone database's last
//! transition, which for chrono-tz is before 2100) and far enough in the past (before the first
//! dated rule and the zone's first transition), the open set repeats every 400 Gregorian years:
//! 146 097 days, exactly 20 871 weeks, with the same month-days. There, business time over
//! long ranges is computed from per-block sums of one reference cycle instead of walking every
//! day, so `between(a, b)` and `add` stay fast (milliseconds) for any instants chrono represents.

use super::Inner;
use super::cursor::Cursor;
use super::rules::DAY;

const NS: i128 = 1_000_000_000;
pub(crate) const CYCLE_DAYS: i64 = 146_097;
pub(crate) const CYCLE_SECS: i64 = CYCLE_DAYS * DAY;
const CYCLE_NS: i128 = CYCLE_SECS as i128 * NS;
/// 146 097 = 189 × 773: blocks of 773 days (about 2.1 years).
const BLOCKS: usize = 189;
const BLOCK_SECS: i64 = CYCLE_SECS / BLOCKS as i64;
const BLOCK_NS: i128 = BLOCK_SECS as i128 * NS;

/// Cumulative business seconds per block of the reference cycle `[base, base + cycle)`.
#[derive(Debug)]
pub(crate) struct Periodic {
    base: i64,
    /// `cum[k]`: business seconds in `[base, base + k blocks)`; `BLOCKS + 1` entries.
    cum: Box<[u64]>,
}

impl Periodic {
    /// Sums one reference cycle starting at UTC second `base` (a UTC midnight).
    pub(crate) fn new(inner: &Inner, base: i64) -> Self {
        let end = base + CYCLE_SECS;
        let mut sums = vec![0u64; BLOCKS];
        let mut cur = Cursor::new(inner, base);
        while let Some((s, e)) = cur.next_piece() {
            let (mut s, e) = (s.max(base), e.min(end));
            if s >= end {
                break;
            }
            while s < e {
                let blk = ((s - base) / BLOCK_SECS) as usize;
                let take = e.min(base + (blk as i64 + 1) * BLOCK_SECS) - s;
                sums[blk] += take as u64;
                s += take;
            }
        }
        let mut cum = Vec::with_capacity(BLOCKS + 1);
        let mut acc = 0u64;
        cum.push(0);
        for x in sums {
            acc += x;
            cum.push(acc);
        }
        Self {
            base,
            cum: cum.into_boxed_slice(),
        }
    }

    fn total_ns(&self) -> i128 {
        i128::from(self.cum[BLOCKS]) * NS
    }

    /// Business nanoseconds in `[base, t)` (negative for `t < base`), valid for any `t` in the
    /// periodic domain.
    pub(crate) fn position(&self, inner: &Inner, t: i128) -> i128 {
        let base = i128::from(self.base) * NS;
        let (q, r) = (
            (t - base).div_euclid(CYCLE_NS),
            (t - base).rem_euclid(CYCLE_NS),
        );
        let blk = r / BLOCK_NS;
        let from = base + blk * BLOCK_NS;
        q * self.total_ns()
            + i128::from(self.cum[blk as usize]) * NS
            + inner.walk_between(from, base + r)
    }

    /// The earliest instant whose [`position`](Self::position) is `target`; `None` if the
    /// cycle has no business time.
    pub(crate) fn inverse(&self, inner: &Inner, target: i128) -> Option<i128> {
        let c = self.total_ns();
        if c == 0 {
            return None;
        }
        // Reduce to (0, c] within the reference cycle.
        let q = (target - 1).div_euclid(c);
        let t1 = target - q * c;
        let j = self.cum.partition_point(|&x| i128::from(x) * NS < t1) - 1;
        let from = i128::from(self.base) * NS + j as i128 * BLOCK_NS;
        let x = inner.walk_due(from, t1 - i128::from(self.cum[j]) * NS)?;
        Some(x + q * CYCLE_NS)
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.cum.len() * size_of::<u64>()
    }
}
