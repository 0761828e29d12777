//! The native `Helpdesk` (a backend and a clock) and `Desk` (a workspace
//! handle). Each owns its lifecycle; every operation of the table goes
//! through `call(op, kwargs)`, which converts the arguments with the GIL held
//! and returns a [`Pending`] that the Python layer runs blocking (`wait()`,
//! GIL released) or as an awaitable (`future()`).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Arc;
use std::time::Duration;
use ticketry_core::store::Store;
use ticketry_core::{Error, WorkspaceId};
use ticketry_memory::MemoryStore;
use ticketry_postgres::{PgOptions, PgStore};

use crate::calendar::ManualClock;
use crate::convert::{delta, delta_opt, int_opt, py_dt};
use crate::errors::core_err;
use crate::pending::{Failure, Pending, convert};
use crate::wire::{Reader, to_py};

type Core = ticketry_core::Helpdesk;

/// The warning a connection without row-level security raises.
const RLS_OFF: &std::ffi::CStr = c"ticketry: row-level security is off for this PostgreSQL role \
(a superuser or BYPASSRLS role): tenant isolation rests on the queries alone; \
connect with role=<a role without those attributes>";

/// The help desk: a backend and a clock.
#[pyclass(module = "ticketry._native", name = "Helpdesk", frozen)]
#[derive(Debug, Clone)]
pub struct Helpdesk {
    core: Core,
    pg: Option<PgStore>,
}

impl Helpdesk {
    fn build(
        store: Arc<dyn Store>,
        clock: Option<&Bound<'_, ManualClock>>,
        pg: Option<PgStore>,
    ) -> Self {
        let core = match clock {
            Some(c) => Core::with_clock(store, c.get().inner.clone()),
            None => Core::new(store),
        };
        Self { core, pg }
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
        let value = call.await.map_err(Failure::Core)?;
        Ok(convert(move |py| {
            to_py(py, value).map_err(crate::wire::conversion)
        }))
    }))
}

#[pymethods]
impl Helpdesk {
    /// A help desk on the in-memory backend.
    #[staticmethod]
    #[pyo3(signature = (*, clock=None))]
    fn in_memory(clock: Option<&Bound<'_, ManualClock>>) -> Self {
        Self::build(Arc::new(MemoryStore::new()), clock, None)
    }

    /// Connects a PostgreSQL pool (does not migrate: call `migrate()`).
    /// `temporary=True` (tests) migrates a fresh schema `<schema>_<random>`
    /// and drops it when the last handle of this help desk is gone.
    #[staticmethod]
    #[pyo3(signature = (url, *, schema="ticketry".to_owned(), role=None, max_connections=None, acquire_timeout=None, statement_timeout=None, clock=None, temporary=false))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        url: String,
        schema: String,
        role: Option<String>,
        max_connections: Option<&Bound<'_, PyAny>>,
        acquire_timeout: Option<&Bound<'_, PyAny>>,
        statement_timeout: Option<&Bound<'_, PyAny>>,
        clock: Option<Bound<'_, ManualClock>>,
        temporary: bool,
    ) -> PyResult<Pending> {
        let defaults = PgOptions::default();
        let to_std = |d: chrono::TimeDelta| d.to_std().unwrap_or(Duration::ZERO);
        let options = PgOptions {
            schema,
            role,
            max_connections: int_opt(max_connections, "max_connections")?
                .unwrap_or(defaults.max_connections),
            acquire_timeout: delta_opt(acquire_timeout, "acquire_timeout")?
                .map_or(defaults.acquire_timeout, to_std),
            statement_timeout: match statement_timeout {
                Some(d) if !d.is_none() => Some(to_std(delta(d, "statement_timeout")?)),
                _ => defaults.statement_timeout,
            },
        };
        let clock = clock.map(|c| c.get().inner.clone());
        Ok(Pending::raw(async move {
            let store = if temporary {
                // Connects, migrates `<schema>_<random>` and drops it with the
                // last handle.
                PgStore::temporary(&url, options).await
            } else {
                PgStore::connect(&url, options).await
            }
            .map_err(|e| Failure::Core(e.into()))?;
            let rls = store.rls_enforced().await.ok();
            let store_dyn: Arc<dyn Store> = Arc::new(store.clone());
            let core = match clock {
                Some(c) => Core::with_clock(store_dyn, c),
                None => Core::new(store_dyn),
            };
            let h = Helpdesk {
                core,
                pg: Some(store),
            };
            Ok(convert(move |py| {
                if rls == Some(false) {
                    PyErr::warn(
                        py,
                        &py.get_type::<pyo3::exceptions::PyRuntimeWarning>(),
                        RLS_OFF,
                        1,
                    )?;
                }
                Ok(Bound::new(py, h)?.into_any())
            }))
        }))
    }

    /// Whether PostgreSQL's row-level security applies to the role the
    /// store runs as (`False` for a superuser or `BYPASSRLS` role: tenant
    /// isolation then rests on the queries alone); `None` in memory.
    fn rls_enforced(&self) -> Pending {
        let pg = self.pg.clone();
        Pending::raw(async move {
            let rls = match pg {
                Some(pg) => Some(
                    pg.rls_enforced()
                        .await
                        .map_err(|e| Failure::Core(e.into()))?,
                ),
                None => None,
            };
            Ok(convert(move |py| {
                Ok(rls.into_pyobject(py)?.to_owned().into_any())
            }))
        })
    }

    /// `"memory"` or `"postgres"`.
    #[getter]
    fn backend(&self) -> &'static str {
        if self.pg.is_some() {
            "postgres"
        } else {
            "memory"
        }
    }

    /// The schema holding Ticketry's tables (Postgres), else `None`.
    #[getter]
    fn schema(&self) -> Option<String> {
        self.pg.as_ref().map(|p| p.schema().to_owned())
    }

    /// Creates or upgrades Ticketry's tables (Postgres; a no-op in memory).
    fn migrate(&self) -> Pending {
        let pg = self.pg.clone();
        Pending::new(async move {
            let Some(pg) = pg else { return Ok(()) };
            pg.migrate().await.map_err(Error::from)
        })
    }

    /// Closes the connection pool (Postgres; a no-op in memory).
    fn close(&self) -> Pending {
        let pg = self.pg.clone();
        Pending::new(async move {
            if let Some(pg) = pg {
                pg.pool().close().await;
            }
            Ok(())
        })
    }

    /// The desk's clock (UTC).
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_dt(py, self.core.clock().now())
    }

    /// The handle of a workspace (its id); no I/O.
    fn workspace(&self, py: Python<'_>, workspace: &str) -> PyResult<Desk> {
        let ws = workspace
            .parse::<WorkspaceId>()
            .map_err(|e: Error| core_err(py, &e.for_field("workspace")))?;
        Ok(Desk {
            core: self.core.clone(),
            ws,
        })
    }

    /// Runs operation `op` of the table (the Python client calls this).
    #[pyo3(signature = (op, kwargs))]
    fn call(&self, op: &str, kwargs: &Bound<'_, PyDict>) -> PyResult<Pending> {
        call(&self.core, None, op, kwargs)
    }

    fn __repr__(&self) -> String {
        match &self.pg {
            Some(pg) => format!(
                "Helpdesk(backend='postgres', schema={})",
                crate::convert::quoted(pg.schema())
            ),
            None => "Helpdesk(backend='memory')".to_owned(),
        }
    }
}

/// A workspace handle: the scope of every per-workspace operation.
#[pyclass(module = "ticketry._native", name = "Desk", frozen, eq, hash)]
#[derive(Debug, Clone)]
pub struct Desk {
    core: Core,
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
        call(&self.core, Some(self.ws), op, kwargs)
    }

    fn __repr__(&self) -> String {
        format!("Desk('{}')", self.ws)
    }
}
