//! One tokio runtime per process, and [`Pending`]: an operation that has
//! been validated and is ready to run, either blocking (GIL released) or as
//! an asyncio awaitable.
//!
//! A process forked after the runtime started (a Celery or gunicorn
//! worker) inherits it without its threads: nothing on it would ever run.
//! [`after_fork`], which the module registers with `os.register_at_fork`,
//! leaves it behind and counts a new [`generation`]; the child's first call
//! starts a runtime of its own, and a PostgreSQL help desk opens its own
//! connections (`desk.rs`). At exit, [`before_exit`] (registered with
//! `atexit`) stops runtime threads from entering Python before the
//! interpreter shuts down.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, Runtime};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use tokio::runtime::Runtime as Tokio;

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

/// Forks since the module loaded, in this process's line: 0 in the process
/// that loaded it, 1 in a child it forked, and so on.
static GENERATION: AtomicUsize = AtomicUsize::new(0);
/// Forks deep a process may be and still start a runtime.
const MAX_GENERATIONS: usize = 16;
/// The runtime of each generation, started by its first call. A process
/// only ever uses its own generation's: one that an ancestor was starting
/// when it forked is left as it was.
static RUNTIMES: [OnceLock<Result<Tokio, String>>; MAX_GENERATIONS] =
    [const { OnceLock::new() }; MAX_GENERATIONS];

/// This process's tokio runtime: awaitables run on it, and blocking calls
/// `block_on` it with the GIL released. Lock free: it is also reached from
/// its own tasks, without the GIL, and a lock some thread held when another
/// forked would stay locked in the child.
pub fn runtime() -> PyResult<&'static Tokio> {
    let slot = RUNTIMES.get(generation()).ok_or_else(|| {
        PyRuntimeError::new_err(format!(
            "ticketry: a process forked more than {MAX_GENERATIONS} times deep cannot start its runtime"
        ))
    })?;
    let rt = slot.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    rt.as_ref()
        .map_err(|e| PyRuntimeError::new_err(format!("ticketry: starting its runtime: {e}")))
}

/// The fork generation of this process (a help desk opened in an earlier
/// one reopens its connections).
pub fn generation() -> usize {
    GENERATION.load(Ordering::Acquire)
}

/// Runs in the child after `os.fork()`: the parent's runtime has no threads
/// here, so it is left as it is (shutting it down would wait on threads
/// that do not exist) and the next call starts the child's own.
#[pyfunction]
pub fn after_fork() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
    DELIVERING.store(0, Ordering::SeqCst);
}

/// Set at exit: no result is handed to asyncio any more.
static STOPPING: AtomicBool = AtomicBool::new(false);
/// Results being handed to asyncio now.
static DELIVERING: AtomicUsize = AtomicUsize::new(0);
/// How long exit waits for the results being handed over.
const EXIT_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Registered with `atexit`, which runs while the interpreter is whole:
/// stops handing results to asyncio, and waits (GIL released, at most
/// [`EXIT_WAIT`]) for those under way, so no runtime thread is inside
/// Python when it shuts down. Calls still running go on, unobserved.
#[pyfunction]
pub fn before_exit(py: Python<'_>) {
    STOPPING.store(true, Ordering::SeqCst);
    py.detach(|| {
        let until = std::time::Instant::now() + EXIT_WAIT;
        while DELIVERING.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    });
}

/// [`runtime`] for `pyo3-async-runtimes`' awaitables (its own runtime is
/// one per address space, which a fork leaves without threads).
struct PerProcess;

tokio::task_local! {
    static LOCALS: std::cell::OnceCell<TaskLocals>;
}

impl Runtime for PerProcess {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        match runtime() {
            Ok(rt) => rt.spawn(fut),
            // Reached from a task of the runtime, which therefore exists.
            Err(_) => tokio::spawn(fut),
        }
    }

    /// `pyo3-async-runtimes` hands an awaitable's result to asyncio here,
    /// attaching to Python. A call that ends once the interpreter is
    /// shutting down (a program whose loop ended with calls in flight) must
    /// not: a thread inside Python then aborts the process. So deliveries
    /// stop at exit ([`before_exit`]), and their results are dropped.
    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        let deliver = move || {
            // Counted before the check, so `before_exit` waits for it.
            DELIVERING.fetch_add(1, Ordering::SeqCst);
            if !STOPPING.load(Ordering::SeqCst) {
                // Nested inside, `f`'s own attach is free.
                let _ = Python::try_attach(|_| f());
            }
            DELIVERING.fetch_sub(1, Ordering::SeqCst);
        };
        match runtime() {
            Ok(rt) => rt.spawn_blocking(deliver),
            Err(_) => tokio::task::spawn_blocking(deliver),
        }
    }
}

impl ContextExt for PerProcess {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        Box::pin(LOCALS.scope(std::cell::OnceCell::from(locals), fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        LOCALS.try_with(|c| c.get().cloned()).unwrap_or_default()
    }
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

/// Carries the outcome out of the tokio task into the asyncio loop, where
/// it becomes Python objects (or the exception) with the GIL held: the task
/// itself never attaches to Python.
struct Deferred(Result<Convert, ticketry_core::Error>);

impl<'py> IntoPyObject<'py> for Deferred {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            Ok(convert) => convert(py),
            Err(e) => Err(core_err(py, &e)),
        }
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
        let rt = runtime()?;
        let done = loop {
            let step = py.detach(|| {
                rt.block_on(async {
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
                rt.spawn(fut);
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
        runtime()?;
        let fut = self.take()?;
        pyo3_async_runtimes::generic::future_into_py::<PerProcess, _, _>(py, async move {
            Ok(Deferred(fut.await))
        })
    }

    fn __repr__(&self) -> &'static str {
        "<ticketry._native.Pending>"
    }
}
