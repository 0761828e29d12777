//! Python objects to and from the shared [`Value`]: the only conversion the
//! operations need. Arguments are taken as Python wrote them (aware
//! `datetime`s as instants, `timedelta`s as durations, str enums as their
//! value, the models of `ticketry.models` as their fields); anything else is
//! refused with the caller's path. Results become the model classes that
//! `ticketry.models` registers by name (`_STRUCTS`, `_ENUMS`), lists inside
//! them tuples, and aware UTC `datetime`s and `timedelta`s.

use chrono::{DateTime, TimeDelta, Utc};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDelta, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};
use ticketry_core::Error;
use ticketry_wire::Value;
use ticketry_wire::value::Trail;

/// Reads Python arguments into a [`Value`].
#[derive(Debug, Default)]
pub struct Reader {
    trail: Trail,
}

impl Reader {
    /// The keyword arguments of an operation (`None` values are omitted:
    /// the core's default applies).
    pub fn args(&mut self, kwargs: &Bound<'_, PyDict>) -> Result<Value, Error> {
        self.entries(kwargs, true)
    }

    fn entries(&mut self, d: &Bound<'_, PyDict>, skip_none: bool) -> Result<Value, Error> {
        let mut out = Vec::with_capacity(d.len());
        for (k, v) in d.iter() {
            let Ok(key) = k.cast::<PyString>().map(|s| s.to_string()) else {
                return Err(self
                    .trail
                    .fail(format!("keys must be str, got {}", type_name(&k))));
            };
            if skip_none && v.is_none() {
                continue;
            }
            self.trail.grow(key.len())?;
            self.trail.push(key);
            let value = self.read(&v)?;
            let key = self.trail.pop();
            out.push((key, value));
        }
        Ok(Value::Map(out))
    }

    /// Converts one object.
    pub fn read(&mut self, ob: &Bound<'_, PyAny>) -> Result<Value, Error> {
        self.trail.enter()?;
        let py = ob.py();
        if ob.is_none() {
            return Ok(Value::Null);
        }
        if let Ok(b) = ob.cast::<PyBool>() {
            return Ok(Value::Bool(b.is_true()));
        }
        if let Ok(s) = ob.cast::<PyString>() {
            let s = s
                .to_cow()
                .map_err(|e| self.trail.fail(e.to_string()))?
                .into_owned();
            self.trail.grow(s.len())?;
            return Ok(Value::Str(s));
        }
        // Bytes have their own budget (a message outweighs any text).
        if let Ok(b) = ob.cast::<PyBytes>() {
            self.trail.grow_bytes(b.as_bytes().len())?;
            return Ok(Value::Bytes(b.as_bytes().to_vec()));
        }
        if let Ok(b) = ob.cast::<PyByteArray>() {
            self.trail.grow_bytes(b.len())?;
            return Ok(Value::Bytes(b.to_vec()));
        }
        if ob.is_instance_of::<PyInt>() {
            return ob
                .extract::<i64>()
                .map(Value::Int)
                .map_err(|_| self.trail.fail(format!("{ob} is out of range")));
        }
        if let Ok(f) = ob.cast::<PyFloat>() {
            let f = f.value();
            if !f.is_finite() {
                return Err(self
                    .trail
                    .fail(format!("must be a finite number (got {f})")));
            }
            return Ok(Value::Float(f));
        }
        if let Ok(d) = ob.cast::<PyDelta>() {
            return d
                .extract::<TimeDelta>()
                .map(Value::Duration)
                .map_err(|e| self.trail.fail(e.to_string()));
        }
        let types = types(py).map_err(|e| self.trail.fail(e.to_string()))?;
        if ob.is_instance(types.datetime.bind(py)).unwrap_or(false) {
            if ob.getattr(intern!(py, "tzinfo")).is_ok_and(|t| t.is_none()) {
                return Err(self
                    .trail
                    .fail("must be an aware datetime (it has no tzinfo)"));
            }
            return ob
                .extract::<DateTime<chrono::FixedOffset>>()
                .map(|t| Value::Instant(t.with_timezone(&Utc)))
                .map_err(|e| self.trail.fail(e.to_string()));
        }
        if ob.is_instance(types.date.bind(py)).unwrap_or(false)
            || ob.is_instance(types.uuid.bind(py)).unwrap_or(false)
        {
            return Ok(Value::Str(
                ob.str()
                    .map_err(|e| self.trail.fail(e.to_string()))?
                    .to_string(),
            ));
        }
        if let Ok(d) = ob.cast::<PyDict>() {
            return self.entries(d, false);
        }
        if ob.is_instance_of::<PyList>() || ob.is_instance_of::<PyTuple>() {
            let mut items = Vec::new();
            for (i, item) in ob
                .try_iter()
                .map_err(|e| self.trail.fail(e.to_string()))?
                .enumerate()
            {
                let item = item.map_err(|e| self.trail.fail(e.to_string()))?;
                self.trail.push(format!("[{i}]"));
                items.push(self.read(&item)?);
                self.trail.pop();
            }
            return Ok(Value::Seq(items));
        }
        if let Ok(cal) = ob.cast::<crate::calendar::Calendar>() {
            return ticketry_wire::value::encode(cal.get().inner.config()).map(Value::into_input);
        }
        // A model of `ticketry.models` (a dataclass): its fields, except
        // those left at a `None` default (so the core's default applies).
        // A dataclass of the caller's own is not JSON: reading it as a
        // model dropped its `None` fields.
        if let Ok(fields) = ob.getattr(intern!(py, "__dataclass_fields__"))
            && is_model(ob)
        {
            let fields = fields
                .cast_into::<PyDict>()
                .map_err(|e| self.trail.fail(e.to_string()))?;
            let d = PyDict::new(py);
            for (name, f) in fields.iter() {
                let err = |e: PyErr| self.trail.fail(e.to_string());
                let v = ob
                    .getattr(
                        name.cast::<PyString>()
                            .map_err(|e| self.trail.fail(e.to_string()))?,
                    )
                    .map_err(err)?;
                if v.is_none() && f.getattr(intern!(py, "default")).is_ok_and(|d| d.is_none()) {
                    continue;
                }
                d.set_item(name, v).map_err(err)?;
            }
            return self.entries(&d, false);
        }
        Err(self
            .trail
            .fail(format!("expected a JSON-like value, got {}", type_name(ob))))
    }
}

/// Whether `ob` is an instance of a class of `ticketry.models`.
fn is_model(ob: &Bound<'_, PyAny>) -> bool {
    ob.get_type()
        .getattr(intern!(ob.py(), "__module__"))
        .and_then(|m| m.extract::<String>())
        .is_ok_and(|m| m == "ticketry.models")
}

fn type_name(ob: &Bound<'_, PyAny>) -> String {
    ob.get_type()
        .name()
        .map_or_else(|_| "an object".to_owned(), |n| n.to_string())
}

struct Types {
    datetime: Py<PyAny>,
    date: Py<PyAny>,
    uuid: Py<PyAny>,
    structs: Py<PyDict>,
    enums: Py<PyDict>,
    object_new: Py<PyAny>,
    object_setattr: Py<PyAny>,
}

fn types(py: Python<'_>) -> PyResult<&Types> {
    static TYPES: PyOnceLock<Types> = PyOnceLock::new();
    TYPES.get_or_try_init(py, || {
        let dt = py.import("datetime")?;
        let models = py.import("ticketry.models")?;
        let object = py.import("builtins")?.getattr("object")?;
        Ok::<_, PyErr>(Types {
            datetime: dt.getattr("datetime")?.unbind(),
            date: dt.getattr("date")?.unbind(),
            uuid: py.import("uuid")?.getattr("UUID")?.unbind(),
            structs: models.getattr("_STRUCTS")?.cast_into::<PyDict>()?.unbind(),
            enums: models.getattr("_ENUMS")?.cast_into::<PyDict>()?.unbind(),
            object_new: object.getattr("__new__")?.unbind(),
            object_setattr: object.getattr("__setattr__")?.unbind(),
        })
    })
}

/// A result as Python objects: registered models and enums, tuples inside
/// models, lists at the top.
pub fn to_py(py: Python<'_>, v: Value) -> PyResult<Bound<'_, PyAny>> {
    build(py, v, false)
}

/// `in_model`: a list is a model's field (a tuple), not JSON data (a list).
fn build(py: Python<'_>, v: Value, in_model: bool) -> PyResult<Bound<'_, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => f.into_pyobject(py)?.into_any(),
        Value::Str(s) => PyString::new(py, &s).into_any(),
        Value::Instant(t) => crate::convert::py_dt(py, t)?,
        Value::Duration(d) => d.into_pyobject(py)?.into_any(),
        Value::Bytes(b) => PyBytes::new(py, &b).into_any(),
        Value::Variant(name, variant) => match types(py)?.enums.bind(py).get_item(name)? {
            Some(cls) => cls.call1((variant,))?,
            None => PyString::new(py, variant).into_any(),
        },
        Value::Seq(items) => {
            let items = items
                .into_iter()
                .map(|v| build(py, v, in_model))
                .collect::<PyResult<Vec<_>>>()?;
            if in_model {
                PyTuple::new(py, items)?.into_any()
            } else {
                PyList::new(py, items)?.into_any()
            }
        }
        Value::Map(entries) => {
            let d = PyDict::new(py);
            for (k, v) in entries {
                d.set_item(k, build(py, v, false)?)?;
            }
            d.into_any()
        }
        Value::Struct(name, fields) => {
            let d = PyDict::new(py);
            let cls = types(py)?.structs.bind(py).get_item(name)?;
            for (k, v) in fields {
                let v = build(py, v, cls.is_some())?;
                match cls {
                    // A model's fields are attributes: `from` becomes `from_`.
                    Some(_) => d.set_item(key(py, k), v)?,
                    None => d.set_item(k, v)?,
                }
            }
            match cls {
                // The model's fields as its `__dict__` (what its `__init__`
                // would set one `object.__setattr__` at a time).
                Some(cls) => {
                    let t = types(py)?;
                    let obj = t.object_new.bind(py).call1((cls,))?;
                    t.object_setattr
                        .bind(py)
                        .call1((&obj, intern!(py, "__dict__"), d))?;
                    obj
                }
                None => d.into_any(),
            }
        }
    })
}

/// A model field's name as an interned Python string (made once per name).
fn key<'py>(py: Python<'py>, k: &'static str) -> Bound<'py, PyString> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static KEYS: PyOnceLock<Mutex<HashMap<&'static str, Py<PyString>>>> = PyOnceLock::new();
    let keys = KEYS.get_or_init(py, || Mutex::new(HashMap::new()));
    let mut keys = keys.lock().unwrap_or_else(|p| p.into_inner());
    keys.entry(k)
        .or_insert_with(|| PyString::intern(py, &py_key(k)).unbind())
        .bind(py)
        .clone()
}

/// A field name that is a Python keyword gets a trailing `_` (`from_`).
fn py_key(k: &str) -> String {
    match k {
        "from" | "in" | "is" | "not" | "and" | "or" | "class" | "def" | "global" | "import"
        | "lambda" | "pass" | "return" | "with" | "yield" | "async" | "await" => format!("{k}_"),
        _ => k.to_owned(),
    }
}

/// `InternalError` if a result could not become Python objects (a bug:
/// the core keeps every instant it returns within Python's range).
pub fn conversion(py: Python<'_>, e: PyErr) -> PyErr {
    let message = format!("converting a result: {e}");
    crate::errors::core_err(py, &ticketry_core::Error::Internal { message })
}
