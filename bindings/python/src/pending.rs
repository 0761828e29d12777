//! One tokio runtime for the whole process, and [`Pending`]: an operation
//! that has been validated and is ready to run, either blocking (GIL
//! released) or as an asyncio awaitable.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use crate::errors::core_err;

/// Turns the result into Python once the GIL is held.
pub type Convert = Box<dyn for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyAny>> + Send>;

/// Boxes a conversion (the bound makes the closure generic over the GIL lifetime).
pub fn convert<F>(f: F) -> Convert
where
    F: for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyAny>> + Send + 'static,
{
    Box::new(f)
}

type Fut = Pin<Box<dyn Future<Output = Result<Convert, ticketry_core::Error>> + Send>>;

/// The process-wide tokio runtime (the one `pyo3-async-runtimes` drives
/// awaitables on; blocking calls `block_on` it with the GIL released).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// How often a blocking call looks at Python's signals (Ctrl-C).
const SIGNAL_CHECK: std::time::Duration = std::time::Duration::from_millis(100);

/// A ready operation. Python calls exactly one of `wait()` or `future()`.
#[pyclass(module = "ticketry._native", frozen)]
pub struct Pending {
    fut: Mutex<Option<Fut>>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending")
    }
}

impl Pending {
    /// An operation producing a value the binding knows how to convert.
    pub fn new<T, F>(fut: F) -> Self
    where
        T: serde::Serialize + Send + 'static,
        F: Future<Output = ticketry_core::Result<T>> + Send + 'static,
    {
        Self::raw(async move {
            let value = fut.await.and_then(|v| ticketry_wire::value::encode(&v))?;
            Ok(convert(move |py| crate::wire::to_py(py, value)))
        })
    }

    /// An operation with its own conversion.
    /// Every operation's future: a panic inside it (a bug) becomes
    /// `InternalError` instead of unwinding into Python.
    pub fn raw(
        fut: impl Future<Output = Result<Convert, ticketry_core::Error>> + Send + 'static,
    ) -> Self {
        let guarded = async move {
            ticketry_core::panic::catch_panic(fut)
                .await
                .unwrap_or_else(Err)
        };
        Self {
            fut: Mutex::new(Some(Box::pin(guarded))),
        }
    }

    fn take(&self) -> PyResult<Fut> {
        self.fut
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("this operation already ran"))
    }
}

/// Carries the conversion out of the tokio task into the asyncio loop.
struct Deferred(Convert);

impl<'py> IntoPyObject<'py> for Deferred {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        (self.0)(py)
    }
}

#[pymethods]
impl Pending {
    /// Runs the operation to completion with the GIL released.
    ///
    /// A call that waits long (a server that does not answer) looks at
    /// Python's signals every [`SIGNAL_CHECK`]: Ctrl-C raises
    /// `KeyboardInterrupt` at once, and the operation goes on to its end on
    /// the runtime, unobserved, as an awaitable the caller stopped awaiting
    /// does (a write stopped halfway would leave its outcome unknown).
    fn wait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let mut fut = self.take()?;
        let done = loop {
            let step = py.detach(|| {
                runtime().block_on(async {
                    tokio::select! {
                        // A call that is ready at once never starts the timer.
                        biased;
                        out = &mut fut => Some(out),
                        () = tokio::time::sleep(SIGNAL_CHECK) => None,
                    }
                })
            });
            if let Some(out) = step {
                break out;
            }
            if let Err(interrupted) = py.check_signals() {
                runtime().spawn(fut);
                return Err(interrupted);
            }
        };
        match done {
            Ok(convert) => convert(py).map(Bound::unbind),
            Err(e) => Err(core_err(py, &e)),
        }
    }

    /// Starts the operation on the runtime; returns an asyncio future
    /// (needs a running event loop).
    fn future<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let fut = self.take()?;
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            match fut.await {
                Ok(convert) => Ok(Deferred(convert)),
                Err(e) => Err(Python::attach(|py| core_err(py, &e))),
            }
        })
    }

    fn __repr__(&self) -> &'static str {
        "<ticketry._native.Pending>"
    }
}
