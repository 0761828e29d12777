//! The native `Helpdesk` (a backend and a clock) and `Desk` (a workspace
//! handle). Each owns its lifecycle; every operation of the table goes
//! through `call(op, kwargs)`, which converts the arguments with the GIL held
//! and returns a [`Pending`] that the Python layer runs blocking (`wait()`,
//! GIL released) or as an awaitable (`future()`).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ticketry_core::{Error, WorkspaceId};
use ticketry_wire::backend::{self, Backend, PgSettings, Reopen};

use crate::calendar::ManualClock;
use crate::convert::{bad, delta, flag, int_opt, py_dt, text, text_opt};
use crate::errors::core_err;
use crate::pending::{Pending, convert, generation, runtime};
use crate::wire::{Reader, to_py};

type Core = ticketry_core::Helpdesk;

/// The help desk: a backend and a clock.
#[pyclass(module = "ticketry._native", name = "Helpdesk", frozen)]
#[derive(Debug, Clone)]
pub struct Helpdesk {
    shared: Arc<Shared>,
}

/// What a `Helpdesk` and its `Desk`s share: the help desk as this process
/// opened it.
#[derive(Debug)]
struct Shared {
    /// Taken only with the GIL held and never across a wait, so no thread
    /// holds it when another forks (`os.fork` holds the GIL).
    live: Mutex<Live>,
    reopen: Option<Reopen>,
}

#[derive(Debug)]
struct Live {
    /// The fork generation it was opened in ([`generation`]).
    generation: usize,
    core: Core,
    backend: Backend,
}

impl Drop for Live {
    /// In a forked child, a help desk opened by an ancestor is never
    /// dropped: its connections are the ancestor's sockets, and dropping a
    /// temporary store would end the ancestor's sessions and drop its
    /// schema. A clone of each handle is forgotten, so the last reference
    /// here never goes.
    fn drop(&mut self) {
        if self.generation != generation() {
            std::mem::forget(self.core.clone());
            std::mem::forget(self.backend.clone());
        }
    }
}

impl From<backend::Opened> for Helpdesk {
    fn from(o: backend::Opened) -> Self {
        let live = Live {
            generation: generation(),
            core: o.desk,
            backend: o.backend,
        };
        Self {
            shared: Arc::new(Shared {
                live: Mutex::new(live),
                reopen: o.reopen,
            }),
        }
    }
}

impl Helpdesk {
    /// The backend for this process ([`Shared::live`]).
    fn backend(&self, py: Python<'_>) -> PyResult<Backend> {
        Ok(self.shared.live(py)?.1)
    }
}

impl Shared {
    /// The help desk as last opened, without reopening it (no I/O: names,
    /// the clock).
    fn current(&self, _py: Python<'_>) -> (Core, Backend) {
        let live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        (live.core.clone(), live.backend.clone())
    }

    /// The help desk for this process. In a child forked since a
    /// PostgreSQL help desk was opened, its first call opens the same help
    /// desk on connections of its own (blocking, once): the inherited ones
    /// are the parent's sockets, which the child never uses nor closes
    /// ([`Live`]'s drop). An in-memory help desk goes on with the child's
    /// copy of its data.
    fn live(&self, py: Python<'_>) -> PyResult<(Core, Backend)> {
        let now = generation();
        let lock = || self.live.lock().unwrap_or_else(|p| p.into_inner());
        let reopen = match &self.reopen {
            Some(reopen) if lock().generation != now => reopen,
            _ => return Ok(self.current(py)),
        };
        let rt = runtime()?;
        let opened = py
            .detach(|| rt.block_on(reopen.open()))
            .map_err(|e| core_err(py, &e))?;
        let mut live = lock();
        if live.generation != now {
            *live = Live {
                generation: now,
                core: opened.desk,
                backend: opened.backend,
            };
        }
        Ok((live.core.clone(), live.backend.clone()))
    }
}

/// A `timedelta` as a timeout.
fn timeout(ob: &Bound<'_, PyAny>, field: &str) -> PyResult<Duration> {
    delta(ob, field)?.to_std().map_err(|_| {
        core_err(
            ob.py(),
            &Error::invalid_input(field, "must not be negative"),
        )
    })
}

/// The `ManualClock` given as `clock`, if any; anything else is
/// `InvalidInputError`.
fn manual_clock(
    clock: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<std::sync::Arc<ticketry_core::ManualClock>>> {
    match clock.filter(|c| !c.is_none()) {
        None => Ok(None),
        Some(c) => match c.cast::<ManualClock>() {
            Ok(c) => Ok(Some(c.get().inner.clone())),
            Err(_) => Err(bad(c.py(), "clock", "must be a ManualClock")),
        },
    }
}

/// Runs operation `op` of the table with keyword arguments.
fn call(
    core: &Core,
    ws: Option<WorkspaceId>,
    op: &str,
    kwargs: &Bound<'_, PyDict>,
) -> PyResult<Pending> {
    let py = kwargs.py();
    let prepared = Reader::default()
        .args(kwargs)
        .and_then(|args| ticketry_wire::ops::call(core, ws, op, args, ticketry_wire::Host::Python));
    let call = prepared.map_err(|e| core_err(py, &e))?;
    Ok(Pending::raw(async move {
        let value = call.await?;
        Ok(convert(move |py| {
            to_py(py, value).map_err(|e| crate::wire::conversion(py, e))
        }))
    }))
}

#[pymethods]
impl Helpdesk {
    /// A help desk on the in-memory backend.
    #[staticmethod]
    #[pyo3(signature = (*, clock=None))]
    fn in_memory(clock: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(backend::in_memory(manual_clock(clock)?).into())
    }

    /// Connects to the backend `url` names: `postgres://…` (does not
    /// migrate: call `migrate()`) or `memory:`. `temporary=True` (tests)
    /// migrates a fresh schema `<schema>_<random>` and drops it on
    /// `close()`, else when the last handle of this help desk is gone.
    #[staticmethod]
    #[pyo3(signature = (url, *, schema=None, role=None, max_connections=None, acquire_timeout=None, statement_timeout=None, clock=None, temporary=None))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        url: &Bound<'_, PyAny>,
        schema: Option<&Bound<'_, PyAny>>,
        role: Option<&Bound<'_, PyAny>>,
        max_connections: Option<&Bound<'_, PyAny>>,
        acquire_timeout: Option<&Bound<'_, PyAny>>,
        statement_timeout: Option<&Bound<'_, PyAny>>,
        clock: Option<&Bound<'_, PyAny>>,
        temporary: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let url = text(url, "url")?;
        let settings = PgSettings {
            schema: text_opt(schema, "schema")?,
            role: text_opt(role, "role")?,
            max_connections: int_opt(max_connections, "max_connections")?,
            acquire_timeout: acquire_timeout
                .map(|t| timeout(t, "acquire_timeout"))
                .transpose()?,
            statement_timeout: match statement_timeout {
                None => None,
                Some(t) if t.is_none() => Some(None),
                Some(t) => Some(Some(timeout(t, "statement_timeout")?)),
            },
            temporary: match temporary.filter(|t| !t.is_none()) {
                Some(t) => flag(t, "temporary")?,
                None => false,
            },
        };
        let clock = manual_clock(clock)?;
        Ok(Pending::raw(async move {
            let opened = backend::open(&url, settings, clock).await?;
            Ok(convert(move |py| {
                if opened.rls == Some(false) {
                    let warning = std::ffi::CString::new(backend::RLS_OFF).unwrap_or_default();
                    let kind = py.get_type::<pyo3::exceptions::PyRuntimeWarning>();
                    PyErr::warn(py, &kind, &warning, 1)?;
                }
                Ok(Bound::new(py, Helpdesk::from(opened))?.into_any())
            }))
        }))
    }

    /// Whether PostgreSQL's row-level security applies to the role the
    /// store runs as (`False` for a superuser or `BYPASSRLS` role: tenant
    /// isolation then rests on the queries alone); `None` in memory.
    fn rls_enforced(&self, py: Python<'_>) -> PyResult<Pending> {
        Ok(Pending::new(self.backend(py)?.rls_enforced()))
    }

    /// `"memory"` or `"postgres"`.
    #[getter(backend)]
    fn backend_name(&self, py: Python<'_>) -> &'static str {
        self.shared.current(py).1.name()
    }

    /// The schema holding Ticketry's tables (Postgres), else `None`.
    #[getter]
    fn schema(&self, py: Python<'_>) -> Option<String> {
        self.shared.current(py).1.schema().map(str::to_owned)
    }

    /// Creates or upgrades Ticketry's tables (Postgres; a no-op in memory).
    fn migrate(&self, py: Python<'_>) -> PyResult<Pending> {
        Ok(Pending::new(self.backend(py)?.migrate()))
    }

    /// Closes the connection pool (Postgres; a no-op in memory).
    fn close(&self, py: Python<'_>) -> PyResult<Pending> {
        Ok(Pending::new(self.backend(py)?.close()))
    }

    /// The desk's clock (UTC).
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_dt(py, self.shared.current(py).0.clock().now())
    }

    /// The handle of a workspace (its id); no I/O.
    fn workspace(&self, workspace: &Bound<'_, PyAny>) -> PyResult<Desk> {
        // A `str` only: `str(x)` of anything (`None`, bytes) made an id to parse.
        let ws = text(workspace, "workspace")?
            .parse::<WorkspaceId>()
            .map_err(|e: Error| core_err(workspace.py(), &e.for_field("workspace")))?;
        Ok(Desk {
            shared: self.shared.clone(),
            ws,
        })
    }

    /// Runs operation `op` of the table (the Python client calls this).
    #[pyo3(signature = (op, kwargs))]
    fn call(&self, op: &str, kwargs: &Bound<'_, PyDict>) -> PyResult<Pending> {
        call(&self.shared.live(kwargs.py())?.0, None, op, kwargs)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        match self.shared.current(py).1.schema() {
            Some(schema) => format!(
                "Helpdesk(backend='postgres', schema={})",
                crate::convert::quoted(schema)
            ),
            None => "Helpdesk(backend='memory')".to_owned(),
        }
    }
}

/// A workspace handle: the scope of every per-workspace operation.
#[pyclass(module = "ticketry._native", name = "Desk", frozen, eq, hash)]
#[derive(Debug, Clone)]
pub struct Desk {
    shared: Arc<Shared>,
    ws: WorkspaceId,
}

impl PartialEq for Desk {
    fn eq(&self, other: &Self) -> bool {
        self.ws == other.ws
    }
}

impl std::hash::Hash for Desk {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.ws.hash(state);
    }
}

#[pymethods]
impl Desk {
    /// The workspace id.
    #[getter]
    fn id(&self) -> String {
        self.ws.to_string()
    }

    /// Runs operation `op` of the table in this workspace (the Python client calls this).
    #[pyo3(signature = (op, kwargs))]
    fn call(&self, op: &str, kwargs: &Bound<'_, PyDict>) -> PyResult<Pending> {
        call(&self.shared.live(kwargs.py())?.0, Some(self.ws), op, kwargs)
    }

    fn __repr__(&self) -> String {
        format!("Desk('{}')", self.ws)
    }
}
