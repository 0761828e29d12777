//! Core errors as Python exceptions.
//!
//! The code → exception class mapping lives in one place, the Python module
//! `ticketry.errors` (`ERRORS`); this side only hands over the core's stable
//! code, its message and the variant's details.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};
use ticketry_core::Error;
use ticketry_core::calendar::{CalendarError, CalendarErrorKind};

fn errors_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    ERRORS
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("ticketry.errors")?.unbind())
        })
        .map(|m| m.bind(py))
}

fn build(py: Python<'_>, code: &str, message: String, details: &Bound<'_, PyDict>) -> PyErr {
    let made = errors_module(py).and_then(|m| {
        m.getattr(intern!(py, "_from_native"))?
            .call1((code, message, details))
    });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

fn details<'py>(py: Python<'py>, e: &Error) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (key, value) in ticketry_wire::error::details(e) {
        d.set_item(key, crate::wire::to_py(py, value)?)?;
    }
    Ok(d)
}

/// The Python exception for a core error (`NotFoundError`, `InvalidInputError`, …).
pub fn core_err(py: Python<'_>, e: &Error) -> PyErr {
    match details(py, e) {
        Ok(d) => build(py, e.code(), e.to_string(), &d),
        Err(err) => err,
    }
}

/// The calendar error kind as a snake_case name (`unknown_time_zone`).
fn kind_name(kind: CalendarErrorKind) -> String {
    let name = ticketry_wire::value::snake(&format!("{kind:?}"));
    name.trim_start_matches('_').to_owned()
}

/// A calendar error as `InvalidInputError`: `field` is the JSON path
/// (prefixed with `prefix.` when given), `kind` its category.
pub fn calendar_err(py: Python<'_>, e: &CalendarError, prefix: &str) -> PyErr {
    let field = match (prefix.is_empty(), e.field().is_empty()) {
        (true, _) => e.field().to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{}", e.field()),
    };
    let core = Error::invalid_input(field, e.message());
    let made = details(py, &core).and_then(|d| {
        d.set_item("kind", kind_name(e.kind()))?;
        Ok(d)
    });
    match made {
        Ok(d) => build(py, core.code(), core.to_string(), &d),
        Err(err) => err,
    }
}
