//! Python ⇄ core value conversions for the native `Calendar` and
//! `ManualClock` (hand-optimised paths outside the operation table):
//! datetimes, durations, integers, enums and calendar configurations.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDate, PyDateTime, PyDelta, PyDict, PyString, PyTzInfo};
use ticketry_core::Error;
use ticketry_core::calendar::{BusinessCalendar, CalendarConfig};

use crate::errors::core_err;

fn epoch(py: Python<'_>) -> PyResult<&Bound<'_, PyDateTime>> {
    static EPOCH: PyOnceLock<Py<PyDateTime>> = PyOnceLock::new();
    EPOCH
        .get_or_try_init(py, || {
            let utc = PyTzInfo::utc(py)?;
            Ok::<_, PyErr>(PyDateTime::new(py, 1970, 1, 1, 0, 0, 0, 0, Some(&utc))?.unbind())
        })
        .map(|e| e.bind(py))
}

fn naive_error(what: &str) -> Error {
    Error::invalid_input(
        what,
        "a naive datetime (no tzinfo) is ambiguous: pass an aware datetime, \
         e.g. datetime.now(timezone.utc) or dt.replace(tzinfo=ZoneInfo(\"Europe/Berlin\"))",
    )
}

/// `InvalidInputError` on `field` (the argument as the caller named it).
pub fn bad(py: Python<'_>, field: &str, message: &str) -> PyErr {
    core_err(py, &Error::invalid_input(field, message))
}

/// `InvalidInputError` on `field`: `ob` is not `expected` (`a str`); the
/// message names the type it is.
fn wrong_type(ob: &Bound<'_, PyAny>, field: &str, expected: &str) -> PyErr {
    let got = ob
        .get_type()
        .name()
        .map_or_else(|_| "?".into(), |n| n.to_string());
    bad(ob.py(), field, &format!("must be {expected}, got {got}"))
}

/// An aware `datetime` (any tzinfo, any offset) as a UTC instant. Anything
/// else, a naive one included, is `InvalidInputError` naming `what`.
pub fn utc(ob: &Bound<'_, PyAny>, what: &str) -> PyResult<DateTime<Utc>> {
    let py = ob.py();
    if !ob.is_instance_of::<PyDateTime>() {
        return Err(wrong_type(ob, what, "an aware datetime.datetime"));
    }
    // `aware - epoch` applies the tzinfo's utcoffset() (zoneinfo, pytz,
    // fixed offsets alike); for a naive datetime Python raises TypeError.
    let since = match ob.sub(epoch(py)?) {
        Ok(d) => d,
        Err(e) if e.is_instance_of::<PyTypeError>(py) => {
            return Err(core_err(py, &naive_error(what)));
        }
        // The caller's own tzinfo (or subclass) failed: its error, named.
        // A `BaseException` that is not an `Exception` (KeyboardInterrupt,
        // SystemExit) goes on as it is.
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyException>(py) => {
            return Err(bad(py, what, &format!("its time zone failed: {e}")));
        }
        Err(e) => return Err(e),
    };
    let delta: TimeDelta = since.extract().map_err(|_| {
        bad(
            py,
            what,
            "is not a datetime whose difference is a timedelta",
        )
    })?;
    DateTime::<Utc>::UNIX_EPOCH
        .checked_add_signed(delta)
        .ok_or_else(|| bad(py, what, "is outside the supported range of instants"))
}

/// A UTC instant as an aware `datetime` with `tzinfo=timezone.utc`
/// (microsecond precision: nanoseconds are truncated).
pub fn py_dt(py: Python<'_>, t: DateTime<Utc>) -> PyResult<Bound<'_, PyAny>> {
    use chrono::{Datelike, Timelike};
    let utc = PyTzInfo::utc(py)?;
    let micros = (t.nanosecond() / 1000).min(999_999);
    PyDateTime::new(
        py,
        t.year(),
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
        micros,
        Some(&utc),
    )
    .map(Bound::into_any)
}

/// Like [`py_dt`], `None` staying `None`.
pub fn py_dt_opt(py: Python<'_>, t: Option<DateTime<Utc>>) -> PyResult<Bound<'_, PyAny>> {
    match t {
        Some(t) => py_dt(py, t),
        None => Ok(py.None().into_bound(py)),
    }
}

/// A `date` (not a `datetime`, whose time would be dropped); anything else
/// is `InvalidInputError` naming `what`.
pub fn day(ob: &Bound<'_, PyAny>, what: &str) -> PyResult<NaiveDate> {
    if ob.is_instance_of::<PyDateTime>() || !ob.is_instance_of::<PyDate>() {
        return Err(wrong_type(ob, what, "a datetime.date"));
    }
    ob.extract()
}

/// A `timedelta`; anything else is `InvalidInputError` naming `what`.
pub fn delta(ob: &Bound<'_, PyAny>, what: &str) -> PyResult<TimeDelta> {
    if !ob.is_instance_of::<PyDelta>() {
        return Err(wrong_type(ob, what, "a datetime.timedelta"));
    }
    ob.extract()
}

/// The items of an ordered iterable (a `list`, a `tuple`, an iterator), not
/// a `str` (a lone string is almost always a mistake), a `set` or a `dict`;
/// anything else is `InvalidInputError` naming `what`.
pub fn seq<'py>(ob: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if ob.is_instance_of::<PyString>() {
        return Err(bad(ob.py(), what, "must be a sequence, got a single str"));
    }
    // A set's order is arbitrary, so the answers could not be matched to
    // the items; a dict's items would be its keys.
    use pyo3::types::{PyFrozenSet, PySet};
    if ob.is_instance_of::<PySet>()
        || ob.is_instance_of::<PyFrozenSet>()
        || ob.is_instance_of::<PyDict>()
    {
        return Err(wrong_type(
            ob,
            what,
            "an ordered sequence (a list, a tuple, an iterator)",
        ));
    }
    ob.try_iter()
        .map_err(|_| wrong_type(ob, what, "a sequence"))?
        .collect()
}

/// A `str`; anything else is `InvalidInputError` naming `field`.
pub fn text(ob: &Bound<'_, PyAny>, field: &str) -> PyResult<String> {
    match ob.cast::<PyString>() {
        Ok(s) => Ok(s.to_cow()?.into_owned()),
        Err(_) => Err(wrong_type(ob, field, "a str")),
    }
}

/// [`text`] for an optional argument (`None` stays `None`).
pub fn text_opt(ob: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<String>> {
    ob.filter(|o| !o.is_none())
        .map(|o| text(o, field))
        .transpose()
}

/// A `bool` (not an `int` or any other truthy value); else `InvalidInputError`.
pub fn flag(ob: &Bound<'_, PyAny>, field: &str) -> PyResult<bool> {
    match ob.cast::<pyo3::types::PyBool>() {
        Ok(b) => Ok(b.is_true()),
        Err(_) => Err(wrong_type(ob, field, "a bool")),
    }
}

/// A Python `int` that fits `T` (a rating, a count, a limit): never
/// wrapped, truncated or coerced (no `bool`, no `float`); otherwise
/// `InvalidInputError` naming `field` (not a bare `OverflowError`).
pub fn int<T: TryFrom<i128>>(ob: &Bound<'_, PyAny>, field: &str) -> PyResult<T> {
    let py = ob.py();
    if ob.is_instance_of::<pyo3::types::PyBool>() || !ob.is_instance_of::<pyo3::types::PyInt>() {
        return Err(wrong_type(ob, field, "an int"));
    }
    let n: i128 = ob
        .extract()
        .map_err(|_| bad(py, field, "is out of range"))?;
    T::try_from(n).map_err(|_| bad(py, field, &format!("{n} is out of range")))
}

/// [`int`] for an optional argument (`None` stays `None`).
pub fn int_opt<T: TryFrom<i128>>(
    ob: Option<&Bound<'_, PyAny>>,
    field: &str,
) -> PyResult<Option<T>> {
    match ob {
        Some(o) if !o.is_none() => int(o, field).map(Some),
        _ => Ok(None),
    }
}

/// A calendar configuration from a `Calendar`, a JSON `str`, a `dict` or a
/// `CalendarConfig` model. A `dict` or a model is read as every argument
/// is (bounded; cycles, sets and foreign objects refused naming their path;
/// `date`s taken as dates), where `json.dumps` raised its own `TypeError`,
/// `ValueError` or `RecursionError`. Errors are `InvalidInputError`
/// naming the JSON path (`weekly.mon[1]`).
pub fn calendar_config(ob: &Bound<'_, PyAny>) -> PyResult<CalendarConfig> {
    let py = ob.py();
    if let Ok(c) = ob.cast::<crate::calendar::Calendar>() {
        return Ok(c.get().inner.config().clone());
    }
    let json = if let Ok(s) = ob.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else if ob.is_instance_of::<PyDict>() || ob.hasattr(intern!(py, "__dataclass_fields__"))? {
        let value = crate::wire::Reader::default()
            .read(ob)
            .map_err(|e| core_err(py, &e))?;
        serde_json::to_string(&value).map_err(|e| bad(py, "config", &e.to_string()))?
    } else {
        let expected = "a Calendar, a JSON str, a dict or a CalendarConfig";
        return Err(wrong_type(ob, "config", expected));
    };
    // The JSON form's errors carry their `kind` (`unknown_field`, …).
    let cfg =
        CalendarConfig::from_json(&json).map_err(|e| crate::errors::calendar_err(py, &e, ""))?;
    // Validate now, so the error names the field (the core would too, later).
    BusinessCalendar::from_config(&cfg).map_err(|e| crate::errors::calendar_err(py, &e, ""))?;
    Ok(cfg)
}

/// `s` as a Python string literal (for `__repr__`).
pub fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}
