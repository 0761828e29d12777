//! The exact path: a forward iterator over merged open stretches (UTC seconds) that uses the
//! precomputed window where it applies and generates local days chunk by chunk elsewhere.

use super::Inner;
use chrono::NaiveDate;

use super::rules::{DAY, epoch_day};

/// Days generated per chunk outside the window.
const CHUNK_DAYS: i64 = 14;
/// End marker of a stretch that never closes.
pub(crate) const FOREVER: i64 = i64::MAX;

#[derive(Debug, Clone, Copy)]
enum Source {
    /// Generate from this UTC day (days since the epoch).
    Slow(i64),
    /// Read window stretch `idx`.
    Window(usize),
    Done,
}

/// Why a cursor stopped yielding stretches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exhausted {
    /// The calendar never opens again.
    NoBusinessTime,
    /// The end of chrono's representable range was reached.
    OutOfRange,
}

/// Forward iterator over maximal open stretches `(start, end)` in UTC seconds, starting with the
/// stretch containing (or else following) the start second. The first stretch may be reported
/// with a start clipped to the start second's UTC midnight; `end == FOREVER` means open for good.
pub(crate) struct Cursor<'a> {
    inner: &'a Inner,
    src: Source,
    buf: Vec<(i64, i64)>,
    pos: usize,
    pending: Option<(i64, i64)>,
    pub(crate) exhausted: Exhausted,
}

/// Last UTC day number the cursor generates (the end of chrono's range).
pub(crate) fn last_day() -> i64 {
    epoch_day(NaiveDate::MAX)
}

/// First UTC day number the cursor generates (the start of chrono's range).
pub(crate) fn first_day() -> i64 {
    epoch_day(NaiveDate::MIN)
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(inner: &'a Inner, secs: i64) -> Self {
        let tl = &inner.timeline;
        let src = match tl.rel(secs) {
            Some(rel) => Source::Window(tl.locate(rel)),
            None => Source::Slow(secs.div_euclid(DAY).max(first_day())),
        };
        Self {
            inner,
            src,
            buf: Vec::new(),
            pos: 0,
            pending: None,
            exhausted: Exhausted::NoBusinessTime,
        }
    }

    /// Next non-overlapping piece, in order (adjacent pieces are not merged yet).
    fn raw_next(&mut self) -> Option<(i64, i64)> {
        loop {
            if self.pos < self.buf.len() {
                self.pos += 1;
                return Some(self.buf[self.pos - 1]);
            }
            let tl = &self.inner.timeline;
            let rules = &self.inner.rules;
            match self.src {
                Source::Done => return None,
                Source::Window(idx) => {
                    if idx < tl.n() {
                        self.src = Source::Window(idx + 1);
                        return Some(tl.span(idx));
                    }
                    self.src = Source::Slow((tl.origin + i64::from(tl.len)).div_euclid(DAY));
                }
                Source::Slow(day) => {
                    let at = day * DAY;
                    if rules.always_open_from.is_some_and(|x| at >= x) {
                        self.src = Source::Done;
                        return Some((at, FOREVER));
                    }
                    if rules.never_open_from.is_some_and(|x| at >= x) {
                        self.src = Source::Done;
                        self.exhausted = Exhausted::NoBusinessTime;
                        return None;
                    }
                    if let Some(first) = rules.first_open_from
                        && at < first
                    {
                        // Nothing opens before `first` (a midnight, 3 days before the first extra
                        // window): jump there. Rounding up guarantees progress.
                        let day = (first + DAY - 1).div_euclid(DAY);
                        self.src = match tl.rel(day * DAY) {
                            Some(rel) => Source::Window(tl.locate(rel)),
                            None => Source::Slow(day),
                        };
                        continue;
                    }
                    if day > last_day() {
                        self.src = Source::Done;
                        self.exhausted = Exhausted::OutOfRange;
                        return None;
                    }
                    let w0 = tl.origin.div_euclid(DAY);
                    let mut to = day + CHUNK_DAYS;
                    let enters_window = !tl.is_empty() && day < w0 && to >= w0;
                    if enters_window {
                        to = w0;
                    }
                    self.buf.clear();
                    self.pos = 0;
                    self.inner.rules.append_open(day, to, &mut self.buf);
                    self.src = if enters_window {
                        Source::Window(0)
                    } else {
                        Source::Slow(to)
                    };
                }
            }
        }
    }

    /// Next open piece: pieces are sorted and disjoint but may touch (at window or chunk
    /// edges); enough for summing and searching, and never walks further than needed.
    pub(crate) fn next_piece(&mut self) -> Option<(i64, i64)> {
        match self.pending.take() {
            Some(p) => Some(p),
            None => self.raw_next(),
        }
    }

    /// Next maximal open stretch (touching pieces merged; may walk far for long stretches).
    pub(crate) fn next_stretch(&mut self) -> Option<(i64, i64)> {
        let mut cur = match self.pending.take() {
            Some(p) => p,
            None => self.raw_next()?,
        };
        while cur.1 != FOREVER {
            match self.raw_next() {
                Some(p) if p.0 <= cur.1 => cur.1 = cur.1.max(p.1),
                Some(p) => {
                    self.pending = Some(p);
                    break;
                }
                None => break,
            }
        }
        Some(cur)
    }
}
