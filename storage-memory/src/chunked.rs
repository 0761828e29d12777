//! An append-only vector stored in fixed-size chunks.
//!
//! Tickets and events only ever grow at the end. A `Vec` would double its
//! buffer and copy everything when full, leaving up to half of it unused
//! (31 % at 100 000 tickets); chunks never move what they hold and waste at
//! most one partly filled chunk.

use std::ops::{Index, IndexMut};

const CHUNK: usize = 1024;

/// Append-only storage in chunks of 1024 items.
#[derive(Debug)]
pub(crate) struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    /// Number of items.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends an item.
    pub(crate) fn push(&mut self, item: T) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        if let Some(last) = self.chunks.last_mut() {
            last.push(item);
            self.len += 1;
        }
    }

    /// Items `start..end` (clamped to the length), in order; reversible.
    pub(crate) fn range(&self, start: usize, end: usize) -> impl DoubleEndedIterator<Item = &T> {
        let end = end.min(self.len);
        let start = start.min(end);
        let first = start / CHUNK;
        let last = end.div_ceil(CHUNK);
        self.chunks[first..last]
            .iter()
            .enumerate()
            .flat_map(move |(k, chunk)| {
                let base = (first + k) * CHUNK;
                let lo = start.saturating_sub(base);
                let hi = (end - base).min(chunk.len());
                &chunk[lo..hi]
            })
    }

    /// All items, in order.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

impl<T> Index<usize> for Chunked<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

impl<T> IndexMut<usize> for Chunked<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.chunks[i / CHUNK][i % CHUNK]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cross_chunks_both_ways() {
        let mut c = Chunked::default();
        for i in 0..3000 {
            c.push(i);
        }
        assert_eq!(c.len(), 3000);
        assert_eq!(c[2999], 2999);
        let mid: Vec<i32> = c.range(1000, 2100).copied().collect();
        assert_eq!(mid, (1000..2100).collect::<Vec<_>>());
        let back: Vec<i32> = c.range(0, 1030).rev().take(3).copied().collect();
        assert_eq!(back, [1029, 1028, 1027]);
        assert_eq!(c.range(2990, 9999).count(), 10);
        assert_eq!(c.range(5000, 6000).count(), 0);
        assert_eq!(Chunked::<i32>::default().range(0, 10).count(), 0);
        assert_eq!(c.iter().next_back(), Some(&2999));
    }
}
