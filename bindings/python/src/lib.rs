//! # ticketry._native
//!
//! The native module of the `ticketry` Python package (pyo3, abi3). It is
//! conversion only: Python values to and from the shared operation table
//! (`ticketry-wire`), the backend's lifecycle, and the `Calendar` class. The
//! pure Python package on top (`bindings/python/python/ticketry`) holds the
//! generated dataclasses, enums and typed methods, and the exception classes.

mod calendar;
mod convert;
mod desk;
mod errors;
mod pending;
mod wire;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<desk::Helpdesk>()?;
    m.add_class::<desk::Desk>()?;
    m.add_class::<calendar::Calendar>()?;
    m.add_class::<calendar::ManualClock>()?;
    m.add_class::<pending::Pending>()?;
    m.add_function(wrap_pyfunction!(pending::after_fork, m)?)?;
    m.add_function(wrap_pyfunction!(pending::before_exit, m)?)?;
    // At exit no runtime thread may be inside Python (`pending`).
    m.py()
        .import("atexit")?
        .call_method1("register", (m.getattr("before_exit")?,))?;
    // A forked child (a Celery or gunicorn worker) starts its own runtime
    // and connections (`pending`); `register_at_fork` is POSIX only.
    let os = m.py().import("os")?;
    if os.hasattr("register_at_fork")? {
        let kwargs = pyo3::types::PyDict::new(m.py());
        kwargs.set_item("after_in_child", m.getattr("after_fork")?)?;
        os.call_method("register_at_fork", (), Some(&kwargs))?;
    }
    m.add("ERROR_CODES", ticketry_core::Error::CODES.to_vec())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
