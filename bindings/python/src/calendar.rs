//! `Calendar`: a compiled business calendar, and `ManualClock`.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use std::sync::Arc;
use ticketry_core::calendar::{BoundaryMode, BusinessCalendar};
use ticketry_core::clock::Clock;

use crate::convert::{bad, calendar_config, delta, py_dt, py_dt_opt, seq, utc};
use crate::errors::calendar_err;

/// Longer single calls release the GIL; shorter ones inside the precomputed
/// window finish in well under a microsecond, where handing the GIL to
/// another thread and waiting to get it back would cost far more.
const SHORT: TimeDelta = TimeDelta::days(62);

/// A compiled business calendar (immutable, thread-safe).
#[pyclass(module = "ticketry._native", name = "Calendar", frozen)]
#[derive(Debug, Clone)]
pub struct Calendar {
    pub inner: BusinessCalendar,
    window: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Calendar {
    fn new(inner: BusinessCalendar) -> Self {
        let window = inner.precomputed_range();
        Self { inner, window }
    }

    fn in_window(&self, t: DateTime<Utc>) -> bool {
        self.window.is_some_and(|(a, b)| a <= t && t < b)
    }

    /// Runs `f` holding the GIL when it is quick, else with the GIL released.
    fn run<T: Send>(&self, py: Python<'_>, quick: bool, f: impl FnOnce() -> T + Send) -> T {
        if quick { f() } else { py.detach(f) }
    }

    fn quick_span(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
        self.in_window(a) && self.in_window(b)
    }

    fn quick_add(&self, t: DateTime<Utc>, d: TimeDelta) -> bool {
        self.in_window(t) && d < SHORT
    }
}

fn pairs<'py>(
    ob: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
    seq(ob, what)?
        .into_iter()
        .map(|p| {
            p.extract::<(Bound<'py, PyAny>, Bound<'py, PyAny>)>()
                .map_err(|_| bad(ob.py(), what, "must be a sequence of 2-tuples"))
        })
        .collect()
}

/// `convert(name)` for an item of a batch, whose error names the item's own
/// path (`items[3][0]`); the path is made only on error, so a batch that
/// converts cleanly allocates none.
fn item<T>(convert: impl Fn(&str) -> PyResult<T>, path: impl FnOnce() -> String) -> PyResult<T> {
    convert("").or_else(|_| convert(&path()))
}

#[pymethods]
impl Calendar {
    /// Compiles a calendar from its JSON shape (a `str` or a `dict`):
    /// `{"timezone": "Europe/Berlin", "weekly": {"mon": [["09:00","17:00"]]}, "holidays": [...]}`.
    /// Errors are `InvalidInputError` whose `field` is the JSON path (`weekly.mon[1]`)
    /// and `kind` the category (`overlapping_intervals`).
    #[staticmethod]
    fn from_json(config: &Bound<'_, PyAny>) -> PyResult<Self> {
        let cfg = calendar_config(config)?;
        BusinessCalendar::from_config(&cfg)
            .map(Self::new)
            .map_err(|e| calendar_err(config.py(), &e, ""))
    }

    /// The 24/7 calendar (UTC, no holidays): `add` is plain addition.
    #[staticmethod]
    fn always_open() -> Self {
        Self::new(BusinessCalendar::always_open())
    }

    /// Like `from_json`, precomputing exactly the UTC days
    /// `[first_day, first_day + days)` (0 disables the window; results are
    /// identical whatever the window).
    #[staticmethod]
    fn with_window(
        config: &Bound<'_, PyAny>,
        first_day: &Bound<'_, PyAny>,
        days: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let first_day = crate::convert::day(first_day, "first_day")?;
        let days = crate::convert::int(days, "days")?;
        let cfg = calendar_config(config)?;
        BusinessCalendar::with_window(&cfg, first_day, days)
            .map(Self::new)
            .map_err(|e| calendar_err(config.py(), &e, ""))
    }

    /// The configuration (a `CalendarConfig`).
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value = ticketry_wire::value::encode(self.inner.config())
            .map_err(|e| crate::errors::core_err(py, &e))?;
        crate::wire::to_py(py, value)
    }

    /// The configuration as JSON text.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(self.inner.config())
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
    }

    /// The IANA time zone name.
    #[getter]
    fn timezone(&self) -> &'static str {
        self.inner.timezone().name()
    }

    /// The boundary convention (`BoundaryMode`).
    #[getter]
    fn boundary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = match self.inner.boundary() {
            BoundaryMode::StayAtClose => "stay_at_close",
            BoundaryMode::NextOpening => "next_opening",
        };
        crate::wire::to_py(py, ticketry_wire::Value::Variant("BoundaryMode", v))
    }

    /// Approximate bytes held by the compiled calendar.
    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }

    /// The UTC range of the precomputed window, or `None`.
    fn precomputed_range<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.window {
            Some((a, b)) => Ok(PyTuple::new(py, [py_dt(py, a)?, py_dt(py, b)?])?.into_any()),
            None => Ok(py.None().into_bound(py)),
        }
    }

    /// Breached iff `at` is strictly after `due` (both boundary modes).
    #[staticmethod]
    fn is_breached(due: &Bound<'_, PyAny>, at: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(BusinessCalendar::is_breached(
            utc(due, "due")?,
            utc(at, "at")?,
        ))
    }

    /// The due instant `duration` of business time after `start`; `None`
    /// when the calendar does not offer that much. Negative durations count as zero.
    fn add<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        duration: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (t, d) = (utc(start, "start")?, delta(duration, "duration")?);
        let due = self.run(py, self.quick_add(t, d), || self.inner.add(t, d));
        answer(py, due, "duration")
    }

    /// Like `add`, but raises `InvalidInputError` for a negative duration
    /// (`kind="negative_duration"`) or a calendar without enough business
    /// time (`kind="no_business_time"`).
    fn try_add<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        duration: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (t, d) = (utc(start, "start")?, delta(duration, "duration")?);
        match self.run(py, self.quick_add(t, d), || self.inner.try_add(t, d)) {
            Ok(due) => answer(py, Some(due), "duration"),
            Err(e) => Err(calendar_err(py, &e, "")),
        }
    }

    /// `add` over a sequence of `(start, duration)` pairs (GIL released while computing).
    fn add_many<'py>(
        &self,
        py: Python<'py>,
        items: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let items = pairs(items, "items")?
            .iter()
            .enumerate()
            .map(|(i, (s, d))| {
                let start = item(|f| utc(s, f), || format!("items[{i}][0]"))?;
                Ok((start, item(|f| delta(d, f), || format!("items[{i}][1]"))?))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let out = py.detach(|| self.inner.add_many(&items));
        let out = out
            .into_iter()
            .enumerate()
            .map(|(i, d)| item(|f| answer(py, d, f), || format!("items[{i}][1]")))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, out)
    }

    /// `add` over arrays (NumPy or any int64 buffer): `starts` in epoch
    /// microseconds (`datetime64[us]` viewed as `int64`), `durations` in
    /// microseconds; writes the due instants (epoch microseconds, `NaT` =
    /// `i64::MIN` where never) into `out`, or a new `bytearray`, and returns
    /// it. No Python object per item; the GIL is released while computing.
    #[pyo3(signature = (starts, durations, out=None))]
    fn add_many_epoch<'py>(
        &self,
        py: Python<'py>,
        starts: &Bound<'py, PyAny>,
        durations: &Bound<'py, PyAny>,
        out: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let items = epoch_pairs(starts, durations, "durations", |_, d| {
            Ok(TimeDelta::microseconds(d))
        })?;
        let due: Vec<i64> = py.detach(|| {
            self.inner
                .add_many(&items)
                .into_iter()
                .map(|t| t.map_or(i64::MIN, |t| t.timestamp_micros()))
                .collect()
        });
        write_int64s(py, out, &due)
    }

    /// `between` over arrays: `starts` and `ends` in epoch microseconds;
    /// writes the business durations in microseconds into `out` (or a new
    /// `bytearray`) and returns it.
    #[pyo3(signature = (starts, ends, out=None))]
    fn between_many_epoch<'py>(
        &self,
        py: Python<'py>,
        starts: &Bound<'py, PyAny>,
        ends: &Bound<'py, PyAny>,
        out: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ranges = epoch_pairs(starts, ends, "ends", |i, us| instant(py, "ends", i, us))?;
        let spans: Vec<i64> = py.detach(|| {
            self.inner
                .between_many(&ranges)
                .into_iter()
                .map(|d| d.num_microseconds().unwrap_or(i64::MAX))
                .collect()
        });
        write_int64s(py, out, &spans)
    }

    /// The business segments an `add` consumes (`list[Segment]`), or `None`.
    fn add_segments<'py>(
        &self,
        py: Python<'py>,
        start: &Bound<'py, PyAny>,
        duration: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (t, d) = (utc(start, "start")?, delta(duration, "duration")?);
        let segs = py
            .detach(|| self.inner.try_add_segments(t, d))
            .map_err(|e| calendar_err(py, &e, ""))?;
        if let Some(last) = segs.as_ref().and_then(|s| s.last()) {
            answer(py, Some(last.end), "duration")?;
        }
        let value =
            ticketry_wire::value::encode(&segs).map_err(|e| crate::errors::core_err(py, &e))?;
        crate::wire::to_py(py, value)
    }

    /// Business time in `[a, b)` (zero when `b <= a`).
    fn between(
        &self,
        py: Python<'_>,
        a: &Bound<'_, PyAny>,
        b: &Bound<'_, PyAny>,
    ) -> PyResult<TimeDelta> {
        let (a, b) = (utc(a, "a")?, utc(b, "b")?);
        Ok(self.run(py, self.quick_span(a, b), || self.inner.between(a, b)))
    }

    /// `between` over a sequence of `(a, b)` pairs (GIL released while computing).
    fn between_many<'py>(
        &self,
        py: Python<'py>,
        ranges: &Bound<'py, PyAny>,
    ) -> PyResult<Vec<TimeDelta>> {
        let ranges = pairs(ranges, "ranges")?
            .iter()
            .enumerate()
            .map(|(i, (a, b))| {
                let a = item(|f| utc(a, f), || format!("ranges[{i}][0]"))?;
                Ok((a, item(|f| utc(b, f), || format!("ranges[{i}][1]"))?))
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(py.detach(|| self.inner.between_many(&ranges)))
    }

    /// Whether `t` is business time.
    fn is_open(&self, py: Python<'_>, t: &Bound<'_, PyAny>) -> PyResult<bool> {
        let t = utc(t, "t")?;
        Ok(self.run(py, self.in_window(t), || self.inner.is_open(t)))
    }

    /// The first business instant at or after `t`, or `None`.
    fn next_open<'py>(
        &self,
        py: Python<'py>,
        t: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let t = utc(t, "t")?;
        let r = self.run(py, self.in_window(t), || self.inner.next_open(t));
        answer(py, r, "t")
    }

    /// The end of the open stretch containing `t` (or the next one), or `None`.
    fn next_close<'py>(
        &self,
        py: Python<'py>,
        t: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let t = utc(t, "t")?;
        let r = self.run(py, self.in_window(t), || self.inner.next_close(t));
        answer(py, r, "t")
    }

    /// Holiday dates (local) between `a` and `b`.
    fn holidays_between(
        &self,
        py: Python<'_>,
        a: &Bound<'_, PyAny>,
        b: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<NaiveDate>> {
        let (a, b) = (utc(a, "a")?, utc(b, "b")?);
        Ok(py.detach(|| self.inner.holidays_between(a, b)))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Calendar>()
            .is_ok_and(|o| o.get().inner.config() == self.inner.config())
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.config().hash(&mut h);
        h.finish()
    }

    fn __repr__(&self) -> String {
        let days = self
            .inner
            .config()
            .weekly
            .days()
            .iter()
            .filter(|d| d.1.is_some_and(|h| !h.is_empty()))
            .map(|d| d.0)
            .collect::<Vec<_>>()
            .join(",");
        format!(
            "Calendar(timezone={}, open=[{days}], holidays={})",
            crate::convert::quoted(self.inner.timezone().name()),
            self.inner.config().holidays.len() + self.inner.config().recurring_holidays.len()
        )
    }
}

/// A clock that only moves when told to (tests, simulations).
#[pyclass(module = "ticketry._native", name = "ManualClock", frozen)]
#[derive(Debug, Clone)]
pub struct ManualClock {
    pub inner: Arc<ticketry_core::ManualClock>,
}

#[pymethods]
impl ManualClock {
    #[new]
    fn py_new(start: &Bound<'_, PyAny>) -> PyResult<Self> {
        let clock = ticketry_core::ManualClock::try_new(utc(start, "start")?)
            .map_err(|e| crate::errors::core_err(start.py(), &e))?;
        Ok(Self {
            inner: Arc::new(clock),
        })
    }

    /// The current instant (UTC).
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_dt(py, self.inner.now())
    }

    /// Moves the clock to `t` (backwards too).
    fn set(&self, t: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner
            .try_set(utc(t, "t")?)
            .map_err(|e| crate::errors::core_err(t.py(), &e))
    }

    /// Moves the clock forward by `d`.
    fn advance(&self, py: Python<'_>, d: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner
            .try_advance(delta(d, "d")?)
            .map_err(|e| crate::errors::core_err(py, &e.for_field("d")))
    }

    fn __repr__(&self) -> String {
        format!("ManualClock({})", self.inner.now().to_rfc3339())
    }
}

/// An answer for Python, or `InvalidInputError` on `field` (the argument
/// that led there) when it is after the year 9999: the calendar reaches far
/// beyond, a `datetime` does not (it raised a bare `ValueError`).
fn answer<'py>(
    py: Python<'py>,
    t: Option<DateTime<Utc>>,
    field: &str,
) -> PyResult<Bound<'py, PyAny>> {
    match t {
        Some(t) if t > ticketry_core::limits::max_instant() => Err(bad(
            py,
            field,
            &format!("leads to {t}, after the year 9999, which a Python datetime cannot hold"),
        )),
        t => py_dt_opt(py, t),
    }
}

/// An epoch-microsecond instant of an array, or `invalid_input` naming the item.
fn instant(py: Python<'_>, field: &str, i: usize, us: i64) -> PyResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us)
        .ok_or_else(|| bad(py, &format!("{field}[{i}]"), "is not an instant"))
}

/// The pairs `(starts[i], second(i, others[i]))` of two int64 buffers of the
/// same length, `starts` in epoch microseconds.
fn epoch_pairs<T>(
    starts: &Bound<'_, PyAny>,
    others: &Bound<'_, PyAny>,
    field: &str,
    second: impl Fn(usize, i64) -> PyResult<T>,
) -> PyResult<Vec<(DateTime<Utc>, T)>> {
    let py = starts.py();
    let (a, b) = (int64s(starts, "starts")?, int64s(others, field)?);
    ticketry_wire::same_length(a.len(), b.len()).map_err(|e| crate::errors::core_err(py, &e))?;
    a.iter()
        .zip(&b)
        .enumerate()
        .map(|(i, (&s, &o))| Ok((instant(py, "starts", i, s)?, second(i, o)?)))
        .collect()
}

/// The items of an int64 buffer (a NumPy `int64` array, `array.array('q')`,
/// …), read in one copy through `memoryview` (the buffer protocol is outside
/// the stable ABI before Python 3.11).
fn int64s(ob: &Bound<'_, PyAny>, field: &str) -> PyResult<Vec<i64>> {
    let py = ob.py();
    let wrong = |why: String| {
        bad(
            py,
            field,
            &format!(
                "must be an int64 buffer (a NumPy int64 array; view datetime64[us] as int64): {why}"
            ),
        )
    };
    let view = int64_view(ob).map_err(|e| wrong(e.to_string()))?;
    let bytes = view.call_method0("tobytes")?;
    let bytes = bytes.cast::<pyo3::types::PyBytes>()?.as_bytes();
    Ok(bytes
        .chunks_exact(8)
        .map(|c| i64::from_ne_bytes(c.try_into().unwrap_or([0; 8])))
        .collect())
}

/// A `memoryview` of `ob`, if its items are int64 (`q`, or `l` of 8 bytes).
fn int64_view<'py>(ob: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let view = ob
        .py()
        .import("builtins")?
        .getattr("memoryview")?
        .call1((ob,))?;
    let format: String = view.getattr("format")?.extract()?;
    let itemsize: usize = view.getattr("itemsize")?.extract()?;
    if itemsize != 8 || !matches!(format.as_str(), "q" | "l" | "<q" | "<l" | "=q" | "=l") {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "its items are {format:?} of {itemsize} bytes"
        )));
    }
    Ok(view)
}

/// Writes `items` into `out` (a writable int64 buffer of the same length:
/// a float or int32 buffer of the same size in bytes is refused, not filled
/// with reinterpreted bytes), or into a new `bytearray`, and returns it.
fn write_int64s<'py>(
    py: Python<'py>,
    out: Option<Bound<'py, PyAny>>,
    items: &[i64],
) -> PyResult<Bound<'py, PyAny>> {
    let bytes: Vec<u8> = items.iter().flat_map(|v| v.to_ne_bytes()).collect();
    let Some(out) = out else {
        return Ok(pyo3::types::PyByteArray::new(py, &bytes).into_any());
    };
    let view = int64_view(&out)
        .and_then(|v| v.call_method1("cast", ("B",)))
        .map_err(|e| bad(py, "out", &format!("must be a writable int64 buffer: {e}")))?;
    if view.len()? != bytes.len() {
        return Err(bad(
            py,
            "out",
            &format!("must hold {} int64 items", items.len()),
        ));
    }
    view.set_item(
        pyo3::types::PySlice::full(py),
        pyo3::types::PyBytes::new(py, &bytes),
    )
    .map_err(|e| bad(py, "out", &format!("must be a writable int64 buffer: {e}")))?;
    Ok(out)
}
