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
use ticketry_core::calendar::CalendarError;
use ticketry_wire::Value;

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

/// The exception for `error` with `details` as its attributes.
fn exception(py: Python<'_>, error: &Error, details: Vec<(&'static str, Value)>) -> PyErr {
    let made = details
        .into_iter()
        .try_fold(PyDict::new(py), |d, (key, value)| {
            d.set_item(key, crate::wire::to_py(py, value)?)?;
            Ok::<_, PyErr>(d)
        });
    match made {
        Ok(d) => build(py, error.code(), error.to_string(), &d),
        Err(err) => err,
    }
}

/// The Python exception for a core error (`NotFoundError`, `InvalidInputError`, …).
pub fn core_err(py: Python<'_>, e: &Error) -> PyErr {
    exception(py, e, ticketry_wire::error::details(e))
}

/// A calendar error as `InvalidInputError` (`field` under `prefix`, and
/// `kind`: [`ticketry_wire::error::calendar`]).
pub fn calendar_err(py: Python<'_>, e: &CalendarError, prefix: &str) -> PyErr {
    let (error, details) = ticketry_wire::error::calendar(e, prefix);
    exception(py, &error, details)
}
