//! The precomputed window: open stretches as `u32` second offsets from a UTC midnight, with
//! cumulative business seconds, plus a per-UTC-day index into the stretches.

use super::rules::DAY;

pub(crate) const NS: u64 = 1_000_000_000;

/// One open stretch: `start` (seconds after the window origin) and `cum`, the business seconds
/// of all earlier stretches. The end is implicit: `start + (next.cum - cum)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stretch {
    start: u32,
    cum: u32,
}

/// Result of an `add` inside the window.
pub(crate) enum WindowAdd {
    /// Due at `(seconds since the epoch, nanoseconds)`.
    Due(i64, u32),
    /// The window ran out; this much business time (ns) remains after the window end.
    Rest(u128),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Timeline {
    /// UTC seconds of the window start (a UTC midnight).
    pub origin: i64,
    /// Window length in seconds (whole days).
    pub len: u32,
    /// `n` stretches plus a sentinel whose `cum` is the window's total business seconds.
    stretches: Box<[Stretch]>,
    /// For each UTC day of the window, the first stretch ending after that day's midnight.
    day_index: Box<[u16]>,
}

/// Most stretches a window may hold (the day index stores `u16`).
pub(crate) const MAX_STRETCHES: usize = u16::MAX as usize - 1;

impl Timeline {
    /// Builds the window from sorted, merged, non-adjacent spans within
    /// `[origin, origin + days * 86 400)`. Callers keep `spans.len() <= MAX_STRETCHES`.
    pub(crate) fn new(origin: i64, days: u32, spans: &[(i64, i64)]) -> Self {
        let len = days * DAY as u32;
        let mut stretches = Vec::with_capacity(spans.len() + 1);
        let mut cum: u32 = 0;
        for &(s, e) in spans {
            // Offsets fit: the window is at most ~100 years (< 2^32 s).
            let (s, e) = ((s - origin) as u32, (e - origin) as u32);
            stretches.push(Stretch { start: s, cum });
            cum += e - s;
        }
        stretches.push(Stretch { start: len, cum });
        let n = spans.len();
        let mut day_index = Vec::with_capacity(days as usize);
        let mut i = 0usize;
        let mut tl = Self {
            origin,
            len,
            stretches: stretches.into_boxed_slice(),
            day_index: Box::new([]),
        };
        for d in 0..days {
            let midnight = d * DAY as u32;
            while i < n && tl.end(i) <= midnight {
                i += 1;
            }
            day_index.push(i as u16);
        }
        tl.day_index = day_index.into_boxed_slice();
        tl
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of stretches.
    #[inline]
    pub(crate) fn n(&self) -> usize {
        self.stretches.len() - 1
    }

    #[inline]
    fn start(&self, i: usize) -> u32 {
        self.stretches[i].start
    }

    #[inline]
    pub(crate) fn end(&self, i: usize) -> u32 {
        let (a, b) = (self.stretches[i], self.stretches[i + 1]);
        a.start + (b.cum - a.cum)
    }

    /// Stretch `i` as UTC seconds.
    pub(crate) fn span(&self, i: usize) -> (i64, i64) {
        (
            self.origin + i64::from(self.start(i)),
            self.origin + i64::from(self.end(i)),
        )
    }

    /// Offset of UTC second `secs` into the window, if inside.
    #[inline]
    pub(crate) fn rel(&self, secs: i64) -> Option<u32> {
        let r = secs.wrapping_sub(self.origin);
        (r >= 0 && r < i64::from(self.len)).then_some(r as u32)
    }

    /// First stretch whose end is after the instant `rel + nanos` (`n()` if none).
    #[inline]
    pub(crate) fn locate(&self, rel: u32) -> usize {
        let n = self.n();
        let mut i = usize::from(self.day_index[(rel / DAY as u32) as usize]);
        // Ends are whole seconds, so `end <= rel` is `end <= rel + nanos`.
        while i < n && self.end(i) <= rel {
            i += 1;
        }
        i
    }

    /// Business nanoseconds from the window start to the instant (`rel`, `nanos`).
    #[inline]
    pub(crate) fn position(&self, rel: u32, nanos: u32) -> u64 {
        let i = self.locate(rel);
        self.position_at(i, rel, nanos)
    }

    #[inline]
    fn position_at(&self, i: usize, rel: u32, nanos: u32) -> u64 {
        let st = self.stretches[i];
        if i < self.n() && st.start <= rel {
            u64::from(st.cum) * NS + u64::from(rel - st.start) * NS + u64::from(nanos)
        } else {
            u64::from(st.cum) * NS
        }
    }

    /// Total business nanoseconds in the window.
    #[inline]
    pub(crate) fn total(&self) -> u64 {
        u64::from(self.stretches[self.n()].cum) * NS
    }

    /// Is the instant inside an open stretch?
    #[inline]
    pub(crate) fn is_open(&self, rel: u32) -> bool {
        let i = self.locate(rel);
        i < self.n() && self.start(i) <= rel
    }

    /// First open instant at or after (`rel`, `nanos`) inside the window, as UTC
    /// `(seconds, nanos)`.
    #[inline]
    pub(crate) fn next_open(&self, rel: u32, nanos: u32) -> Option<(i64, u32)> {
        let i = self.locate(rel);
        if i == self.n() {
            return None;
        }
        let s = self.start(i);
        Some(if s <= rel {
            (self.origin + i64::from(rel), nanos)
        } else {
            (self.origin + i64::from(s), 0)
        })
    }

    /// `add` with the stay-at-close convention for `d_ns > 0` business nanoseconds.
    #[inline]
    pub(crate) fn add(&self, rel: u32, nanos: u32, d_ns: u64) -> WindowAdd {
        let n = self.n();
        let i = self.locate(rel);
        let pos = self.position_at(i, rel, nanos);
        let total = self.total();
        let target = match pos.checked_add(d_ns) {
            Some(t) if t <= total => t,
            _ => return WindowAdd::Rest(u128::from(pos) + u128::from(d_ns) - u128::from(total)),
        };
        // Find the last stretch j >= i with cum_j * NS < target (target > pos >= cum_i * NS).
        // Compare in whole seconds: cum * NS >= target  <=>  cum >= ceil(target / NS).
        let tsec = target.div_ceil(NS);
        let reached = |k: usize| u64::from(self.stretches[k].cum) >= tsec;
        // Gallop from i, then binary search in (lo, hi].
        let mut lo = i;
        let mut step = 1;
        let mut hi = loop {
            let probe = lo + step;
            if probe >= n {
                break n;
            }
            if reached(probe) {
                break probe;
            }
            lo = probe;
            step *= 2;
        };
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if reached(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let j = lo;
        let st = self.stretches[j];
        let off = target - u64::from(st.cum) * NS;
        let secs = self.origin + i64::from(st.start) + (off / NS) as i64;
        WindowAdd::Due(secs, (off % NS) as u32)
    }

    /// Approximate heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.stretches.len() * size_of::<Stretch>() + self.day_index.len() * size_of::<u16>()
    }

    /// Bytes a window of `days` days with `stretches` stretches takes.
    pub(crate) fn cost(days: i64, stretches: usize) -> usize {
        (stretches + 1) * size_of::<Stretch>() + days as usize * size_of::<u16>()
    }
}
