//! # ticketry._native
//!
//! The native module of the `ticketry` Python package (pyo3, abi3). It is
//! conversion only: values in, [`ticketry_core`] calls, values out. The pure
//! Python package on top (`bindings/python/python/ticketry`) adds the
//! dataclasses, enums and exception classes, and the blocking and `async`
//! forms of every operation.

mod calendar;
mod convert;
mod desk;
mod errors;
mod model;
mod pending;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<desk::Helpdesk>()?;
    m.add_class::<desk::Desk>()?;
    m.add_class::<calendar::Calendar>()?;
    m.add_class::<calendar::ManualClock>()?;
    m.add_class::<pending::Pending>()?;
    m.add("ERROR_CODES", ticketry_core::Error::CODES.to_vec())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
