//! Python ⇄ core value conversions: datetimes, durations, ids, enums and
//! small input shapes. Conversion only: every rule stays in the core.

use chrono::{DateTime, TimeDelta, Utc};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDateTime, PyDelta, PyDict, PyInt, PyModule, PyString, PyTzInfo};
use std::str::FromStr;
use ticketry_core::calendar::{BusinessCalendar, CalendarConfig};
use ticketry_core::{
    Actor, AgentId, Attachment, CustomerId, Error, Link, PriorityPreset, TicketOrder, View,
};

use crate::errors::core_err;

/// The `ticketry.models` module (dataclasses and enums), imported once.
pub fn models(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static MODELS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    MODELS
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("ticketry.models")?.unbind())
        })
        .map(|m| m.bind(py))
}

/// Builds a `ticketry.models` dataclass from keyword arguments:
/// `model!(py, "Tag" { slug: t.slug.as_str(), name: ..., })`.
macro_rules! model {
    ($py:expr, $cls:literal { $($key:ident : $val:expr),* $(,)? }) => {{
        let py: ::pyo3::Python<'_> = $py;
        let kw = ::pyo3::types::PyDict::new(py);
        $( kw.set_item(::pyo3::intern!(py, stringify!($key)), $val)?; )*
        $crate::convert::models(py)?
            .getattr(::pyo3::intern!(py, $cls))?
            .call((), Some(&kw))
    }};
}
pub(crate) use model;

/// A member of a `ticketry.models` str-valued enum: `enum_value(py, intern!(py, "Status"), "open")`.
pub fn enum_value<'py>(
    py: Python<'py>,
    class: &Bound<'py, PyString>,
    value: &str,
) -> PyResult<Bound<'py, PyAny>> {
    models(py)?.getattr(class)?.call1((value,))
}

/// Shorthand for [`enum_value`] with an interned class name.
macro_rules! py_enum {
    ($py:expr, $cls:literal, $value:expr) => {
        $crate::convert::enum_value($py, ::pyo3::intern!($py, $cls), $value)
    };
}
pub(crate) use py_enum;

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

/// An aware `datetime` (any tzinfo, any offset) as a UTC instant. A naive one
/// is `InvalidInputError` naming `what`; anything else is `TypeError`.
pub fn utc(ob: &Bound<'_, PyAny>, what: &str) -> PyResult<DateTime<Utc>> {
    let py = ob.py();
    if !ob.is_instance_of::<PyDateTime>() {
        return Err(PyTypeError::new_err(format!(
            "{what}: expected an aware datetime.datetime, got {}",
            ob.get_type().name()?
        )));
    }
    // `aware - epoch` applies the tzinfo's utcoffset() (zoneinfo, pytz,
    // fixed offsets alike); for a naive datetime Python raises TypeError.
    let since = match ob.sub(epoch(py)?) {
        Ok(d) => d,
        Err(e) if e.is_instance_of::<PyTypeError>(py) => {
            return Err(core_err(py, &naive_error(what)));
        }
        Err(e) => return Err(e),
    };
    let delta: TimeDelta = since.extract()?;
    DateTime::<Utc>::UNIX_EPOCH
        .checked_add_signed(delta)
        .ok_or_else(|| PyValueError::new_err(format!("{what}: out of range")))
}

/// Like [`utc`], `None` staying `None`.
pub fn utc_opt(ob: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<DateTime<Utc>>> {
    match ob {
        Some(o) if !o.is_none() => utc(o, what).map(Some),
        _ => Ok(None),
    }
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

/// A `timedelta`; anything else is `TypeError` naming `what`.
pub fn delta(ob: &Bound<'_, PyAny>, what: &str) -> PyResult<TimeDelta> {
    if !ob.is_instance_of::<PyDelta>() {
        return Err(PyTypeError::new_err(format!(
            "{what}: expected a datetime.timedelta, got {}",
            ob.get_type().name()?
        )));
    }
    ob.extract()
}

/// Like [`delta`], `None` staying `None`.
pub fn delta_opt(ob: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<TimeDelta>> {
    match ob {
        Some(o) if !o.is_none() => delta(o, what).map(Some),
        _ => Ok(None),
    }
}

/// The text of an id given as `str`, `int` (host user ids), `uuid.UUID`, or
/// any object with an `id` attribute (a `Ticket`, an `Agent`, a `Desk`…).
pub fn id_text(ob: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if let Ok(s) = ob.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if ob.is_instance_of::<PyInt>() && !ob.is_instance_of::<PyBool>() {
        return Ok(ob.str()?.to_cow()?.into_owned());
    }
    static UUID: PyOnceLock<Py<pyo3::types::PyType>> = PyOnceLock::new();
    let uuid = UUID.import(ob.py(), "uuid", "UUID")?;
    if ob.is_instance(uuid)? {
        return Ok(ob.str()?.to_cow()?.into_owned());
    }
    if let Ok(inner) = ob.getattr(intern!(ob.py(), "id"))
        && (inner.is_instance_of::<PyString>() || inner.is_instance(uuid)?)
    {
        return id_text(&inner, what);
    }
    Err(PyTypeError::new_err(format!(
        "{what}: expected an id (str, int or uuid.UUID) or an object with .id, got {}",
        ob.get_type().name()?
    )))
}

/// An id of type `T` (parsed by the core, so a malformed UUID is `InvalidInputError`).
pub fn id<T>(ob: &Bound<'_, PyAny>, what: &str) -> PyResult<T>
where
    T: FromStr<Err = Error>,
{
    let text = id_text(ob, what)?;
    T::from_str(&text).map_err(|e| core_err(ob.py(), &e))
}

/// Like [`id`], `None` staying `None`.
pub fn id_opt<T>(ob: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<T>>
where
    T: FromStr<Err = Error>,
{
    match ob {
        Some(o) if !o.is_none() => id(o, what).map(Some),
        _ => Ok(None),
    }
}

/// A list of ids.
pub fn ids<T>(ob: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<T>>
where
    T: FromStr<Err = Error>,
{
    seq(ob, what)?.iter().map(|o| id(o, what)).collect()
}

/// The items of any iterable except a `str` (a lone string is almost always a mistake).
pub fn seq<'py>(ob: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if ob.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what}: expected a sequence, got a single str"
        )));
    }
    ob.try_iter()?.collect()
}

/// A Python `int` that fits `T` (a rating, a count, a limit): never
/// wrapped, truncated or coerced (no `bool`, no `float`); otherwise
/// `InvalidInputError` naming `field` (not a bare `OverflowError`).
pub fn int<T: TryFrom<i128>>(ob: &Bound<'_, PyAny>, field: &str) -> PyResult<T> {
    let py = ob.py();
    let bad =
        |msg: String| crate::errors::core_err(py, &ticketry_core::Error::invalid_input(field, msg));
    if ob.is_instance_of::<pyo3::types::PyBool>() || !ob.is_instance_of::<pyo3::types::PyInt>() {
        let ty = ob
            .get_type()
            .name()
            .map_or_else(|_| "?".into(), |n| n.to_string());
        return Err(bad(format!("must be an int, got {ty}")));
    }
    let n: i128 = ob.extract().map_err(|_| bad("is out of range".into()))?;
    T::try_from(n).map_err(|_| bad(format!("{n} is out of range")))
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

/// A string, for enum-valued arguments (`str`-valued enums are `str`).
pub fn text(ob: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    ob.cast::<PyString>()
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{what}: expected a str, got {}",
                ob.get_type()
                    .name()
                    .map_or_else(|_| "?".into(), |n| n.to_string())
            ))
        })?
        .to_cow()
        .map(std::borrow::Cow::into_owned)
}

/// Parses with the core's `FromStr` (its error names the field).
pub fn parse<T>(ob: &Bound<'_, PyAny>, what: &str) -> PyResult<T>
where
    T: FromStr<Err = Error>,
{
    T::from_str(&text(ob, what)?).map_err(|e| core_err(ob.py(), &e))
}

fn bad_choice(py: Python<'_>, what: &str, v: &str, choices: &[&str]) -> PyErr {
    core_err(
        py,
        &Error::invalid_input(
            what,
            format!(
                "unknown value {v:?}; expected one of {}",
                choices.join(", ")
            ),
        ),
    )
}

/// `"agent"` / `"customer"`.
/// `"agent"` (also when omitted) / `"customer"`.
pub fn view(ob: Option<&Bound<'_, PyAny>>) -> PyResult<View> {
    let Some(ob) = ob else {
        return Ok(View::default());
    };
    match text(ob, "view")?.as_str() {
        "agent" => Ok(View::Agent),
        "customer" => Ok(View::Customer),
        v => Err(bad_choice(ob.py(), "view", v, &["agent", "customer"])),
    }
}

/// `"newest"` / `"oldest"` / `"urgency"`.
pub fn order(ob: &Bound<'_, PyAny>) -> PyResult<TicketOrder> {
    match text(ob, "order")?.as_str() {
        "newest" => Ok(TicketOrder::Newest),
        "oldest" => Ok(TicketOrder::Oldest),
        "urgency" => Ok(TicketOrder::Urgency),
        v => Err(bad_choice(
            ob.py(),
            "order",
            v,
            &["newest", "oldest", "urgency"],
        )),
    }
}

/// `"low_to_urgent"` / `"p0_to_p3"`.
pub fn preset(ob: &Bound<'_, PyAny>) -> PyResult<PriorityPreset> {
    match text(ob, "priority_preset")?.as_str() {
        "low_to_urgent" => Ok(PriorityPreset::LowToUrgent),
        "p0_to_p3" => Ok(PriorityPreset::P0ToP3),
        v => Err(bad_choice(
            ob.py(),
            "priority_preset",
            v,
            &["low_to_urgent", "p0_to_p3"],
        )),
    }
}

/// Reads fields of a dataclass-like object or of a `dict` (missing keys are `None`).
pub struct Fields<'a, 'py>(pub &'a Bound<'py, PyAny>);

impl<'py> Fields<'_, 'py> {
    /// The field, `None` when missing or `None`.
    pub fn get(&self, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let v = match self.0.cast::<PyDict>() {
            Ok(d) => d.get_item(name)?,
            Err(_) => match self.0.getattr(name) {
                Ok(v) => Some(v),
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(self.0.py()) => {
                    None
                }
                Err(e) => return Err(e),
            },
        };
        Ok(v.filter(|v| !v.is_none()))
    }

    /// Whether the field is present at all (a dict key, or an attribute).
    pub fn has(&self, name: &str) -> PyResult<bool> {
        match self.0.cast::<PyDict>() {
            Ok(d) => d.contains(name),
            Err(_) => self.0.hasattr(name),
        }
    }

    /// A required field.
    pub fn req(&self, name: &str) -> PyResult<Bound<'py, PyAny>> {
        self.get(name)?
            .ok_or_else(|| core_err(self.0.py(), &Error::invalid_input(name, "is required")))
    }
}

/// Who acts: `None` is the system; otherwise an `Actor` (or a dict with `type` and `id`).
pub fn actor(ob: Option<&Bound<'_, PyAny>>) -> PyResult<Actor> {
    let Some(ob) = ob.filter(|o| !o.is_none()) else {
        return Ok(Actor::System);
    };
    let f = Fields(ob);
    let kind = text(&f.req("type")?, "by.type")?;
    let py = ob.py();
    match kind.as_str() {
        "system" => Ok(Actor::System),
        "agent" => Ok(Actor::Agent(id::<AgentId>(&f.req("id")?, "by.id")?)),
        "customer" => Ok(Actor::Customer(id::<CustomerId>(&f.req("id")?, "by.id")?)),
        v => Err(bad_choice(
            py,
            "by.type",
            v,
            &["agent", "customer", "system"],
        )),
    }
}

/// Attachment metadata from `Attachment` objects or dicts.
pub fn attachments(ob: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Attachment>> {
    let Some(ob) = ob.filter(|o| !o.is_none()) else {
        return Ok(Vec::new());
    };
    seq(ob, "attachments")?
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let f = Fields(a);
            Ok(Attachment {
                filename: f.req("filename")?.extract()?,
                size: int(&f.req("size")?, &format!("attachments[{i}].size"))?,
                mime_type: f.req("mime_type")?.extract()?,
                storage_key: f.req("storage_key")?.extract()?,
            })
        })
        .collect()
}

/// A link from a `Link`, a dict, or `"kind:id"`.
pub fn link(ob: &Bound<'_, PyAny>) -> PyResult<Link> {
    let py = ob.py();
    if let Ok(s) = ob.cast::<PyString>() {
        return Link::from_str(&s.to_cow()?).map_err(|e| core_err(py, &e));
    }
    let f = Fields(ob);
    let kind: String = f.req("kind")?.extract()?;
    let id = id_text(&f.req("id")?, "link.id")?;
    Link::new(&kind, &id).map_err(|e| core_err(py, &e))
}

/// Links from any iterable of links.
pub fn links(ob: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Link>> {
    match ob.filter(|o| !o.is_none()) {
        Some(ob) => seq(ob, "links")?.iter().map(link).collect(),
        None => Ok(Vec::new()),
    }
}

/// Strings from any iterable of `str`.
pub fn strings(ob: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Vec<String>> {
    match ob.filter(|o| !o.is_none()) {
        Some(ob) => seq(ob, what)?.iter().map(|s| text(s, what)).collect(),
        None => Ok(Vec::new()),
    }
}

/// A JSON object (`dict`) as a serde map, through the `json` module so every
/// JSON-able value works and anything else fails with Python's own message.
pub fn json_object(
    ob: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Option<serde_json::Map<String, serde_json::Value>>> {
    let Some(ob) = ob.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let py = ob.py();
    if !ob.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err(format!(
            "{what}: expected a dict, got {}",
            ob.get_type().name()?
        )));
    }
    let text: String = py
        .import(intern!(py, "json"))?
        .call_method1(intern!(py, "dumps"), (ob,))?
        .extract()?;
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(m)) => Ok(Some(m)),
        _ => Err(core_err(
            py,
            &Error::invalid_input(what, "must be a JSON object"),
        )),
    }
}

/// A serde value as Python data (`json.loads` of its JSON).
pub fn json_to_py<'py>(py: Python<'py>, v: &impl serde::Serialize) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(v).map_err(|e| PyValueError::new_err(e.to_string()))?;
    py.import(intern!(py, "json"))?
        .call_method1(intern!(py, "loads"), (text,))
}

/// A calendar configuration from a `Calendar`, a JSON `str` or a `dict`.
/// Errors are `InvalidInputError` on `{prefix}.{field}`.
pub fn calendar_config(ob: &Bound<'_, PyAny>, prefix: &str) -> PyResult<CalendarConfig> {
    let py = ob.py();
    if let Ok(c) = ob.cast::<crate::calendar::Calendar>() {
        return Ok(c.get().inner.config().clone());
    }
    let json: String = if let Ok(s) = ob.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else if ob.is_instance_of::<PyDict>() {
        py.import(intern!(py, "json"))?
            .call_method1(intern!(py, "dumps"), (ob,))?
            .extract()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "{prefix}: expected a Calendar, a JSON str or a dict, got {}",
            ob.get_type().name()?
        )));
    };
    let cfg = CalendarConfig::from_json(&json)
        .map_err(|e| crate::errors::calendar_err(py, &e, prefix))?;
    // Validate now, so the error names the field (the core would too, later).
    BusinessCalendar::from_config(&cfg).map_err(|e| crate::errors::calendar_err(py, &e, prefix))?;
    Ok(cfg)
}

/// `s` as a Python string literal (for `__repr__`).
pub fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}
