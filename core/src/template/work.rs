//! The work a render's filters may do, counted before each filter runs.
//!
//! The render's deadline is checked between its steps, and one step can be
//! one filter call: `sort`, `map` or `escape` over a large value ran for
//! seconds in one step. Each filter that goes through its input (and its
//! arguments, once per item for `map` and `select`) first takes that many
//! units from the render's budget, [`TEMPLATE_WORK`](limits::TEMPLATE_WORK):
//! one per value and one per byte of text, counted without going past what
//! is left, so even counting stays bounded.

use crate::limits;
use minijinja::value::{Rest, Value, ValueKind, ValueOrKwargs};
use std::cell::Cell;

thread_local! {
    /// Units left to the render running on this thread.
    static LEFT: Cell<u64> = const { Cell::new(limits::TEMPLATE_WORK) };
}

/// Gives the render about to run on this thread its whole budget.
pub(super) fn start() {
    LEFT.with(|l| l.set(limits::TEMPLATE_WORK));
}

/// Takes `units`, or fails (and spends the rest) when fewer are left.
fn charge(units: u64) -> Result<(), minijinja::Error> {
    LEFT.with(|l| match l.get().checked_sub(units) {
        Some(rest) => {
            l.set(rest);
            Ok(())
        }
        None => {
            l.set(0);
            Err(minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!(
                    "the filters would do more than {} units of work (a value or a byte each)",
                    limits::TEMPLATE_WORK
                ),
            ))
        }
    })
}

/// The units of going through `v` once, counted up to `cap` (a result
/// over `cap` means "more than `cap`").
fn size(v: &Value, cap: u64) -> u64 {
    let mut n = 0u64;
    let mut todo = vec![v.clone()];
    while let Some(v) = todo.pop() {
        n = n.saturating_add(1);
        if let Some(s) = v.as_str() {
            n = n.saturating_add(s.len() as u64);
        } else if (matches!(v.kind(), ValueKind::Seq | ValueKind::Map)
            // A lazy sequence (`a + b` of lists, `reverse`), not a one-shot
            // iterator (which has no length).
            || (v.kind() == ValueKind::Iterable && v.len().is_some()))
            && let Ok(items) = v.try_iter()
        {
            let map = v.kind() == ValueKind::Map;
            for item in items {
                if map {
                    todo.push(v.get_item(&item).unwrap_or_default());
                }
                todo.push(item);
                if n.saturating_add(todo.len() as u64) > cap {
                    return cap.saturating_add(1);
                }
            }
        }
        if n > cap {
            return n;
        }
    }
    n
}

/// Takes the units of a result of `bytes` a filter is about to make.
pub(super) fn producing(bytes: usize) -> Result<(), minijinja::Error> {
    charge(bytes as u64)
}

/// The units left now.
fn left() -> u64 {
    LEFT.with(Cell::get)
}

/// Takes the units of going through `v` once.
pub(super) fn through(v: &Value) -> Result<(), minijinja::Error> {
    charge(size(v, left()))
}

/// Takes the units of sorting `v`: going through it once per halving.
pub(super) fn sorting(v: &Value) -> Result<(), minijinja::Error> {
    let n = v.len().unwrap_or(1) as u64;
    let rounds = u64::from(u64::BITS - n.leading_zeros()).max(1);
    charge(size(v, left() / rounds).saturating_mul(rounds))
}

/// Takes the units of going through `v`, and through `args` once per item
/// of `v` (a test or filter applied to each item with these arguments).
pub(super) fn per_item(v: &Value, args: &Rest<ValueOrKwargs>) -> Result<(), minijinja::Error> {
    through(v)?;
    let items = v.len().unwrap_or(1).max(1) as u64;
    let budget = left() / items;
    // (Keyword arguments come as one map.)
    let units = args
        .iter()
        .fold(1u64, |n, a| n.saturating_add(size(a, budget)));
    charge(units.saturating_mul(items))
}
