//! The `Helpdesk` class: a backend (memory or PostgreSQL), a clock, and
//! workspaces.

use crate::convert::{self, CoreResult, Date, duration, js_error, spawn, sync};
use crate::wire::Out;
use chrono::{DateTime, Utc};
use napi::Env;
use napi::bindgen_prelude::JsObjectValue;
use napi::bindgen_prelude::{Either, Null, PromiseRaw, Unknown};
use napi_derive::napi;
use std::sync::Arc;
use ticketry_core as tc;
use ticketry_core::Clock;
use ticketry_wire::backend::{self, Backend, PgSettings};

/// A clock that only moves when told to (tests, simulations). Give it to
/// `Helpdesk.inMemory({ clock })` or `Helpdesk.connect(url, { clock })`.
#[napi]
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<tc::ManualClock>,
}

#[napi]
impl ManualClock {
    /// A clock stopped at `start`.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: &Env, start: Date) -> napi::Result<Self> {
        let start = sync(env, start.instant("start"))?;
        Ok(ManualClock {
            inner: Arc::new(tc::ManualClock::new(start)),
        })
    }

    /// The current instant.
    #[napi(catch_unwind)]
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.now()
    }

    /// Moves the clock to `at` (backwards too).
    #[napi(catch_unwind)]
    pub fn set(&self, env: &Env, at: Date) -> napi::Result<()> {
        self.inner.set(sync(env, at.instant("at"))?);
        Ok(())
    }

    /// Moves the clock forward by `ms` milliseconds; returns the new instant.
    #[napi(catch_unwind)]
    pub fn advance(&self, env: &Env, ms: f64) -> napi::Result<DateTime<Utc>> {
        let d = sync(env, duration("ms", ms))?;
        sync(
            env,
            self.inner.try_advance(d).map_err(|e| e.for_field("ms")),
        )?;
        Ok(self.inner.now())
    }
}

/// Options of `Helpdesk.inMemory`.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone)]
pub struct InMemoryOptions {
    /// Run on this manual clock (default: the system clock).
    pub clock: Option<&'static ManualClock>,
}

/// Options of `Helpdesk.connect`.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// The PostgreSQL schema holding Ticketry's tables (default `ticketry`).
    pub schema: Option<String>,
    /// Largest number of pooled connections (default 10).
    pub max_connections: Option<f64>,
    /// How long a call waits for a free connection, in milliseconds (default 10 000).
    pub acquire_timeout_ms: Option<f64>,
    /// Server-side limit of one statement, in milliseconds (default 30 000;
    /// `null`: the server's own).
    pub statement_timeout_ms: Option<Either<f64, Null>>,
    /// A role subject to row-level security that every transaction switches
    /// to (`SET LOCAL ROLE`); the login user must be a member of it.
    pub role: Option<String>,
    /// Run on this manual clock (default: the system clock).
    pub clock: Option<&'static ManualClock>,
}

/// The help desk: one per process, shared by every request. Every method
/// that reads or writes returns a Promise; errors are `Error`s with a `code`.
#[napi]
#[derive(Debug, Clone)]
pub struct Helpdesk {
    desk: tc::Helpdesk,
    backend: Backend,
}

impl From<ticketry_wire::backend::Opened> for Helpdesk {
    fn from(o: ticketry_wire::backend::Opened) -> Self {
        Helpdesk {
            desk: o.desk,
            backend: o.backend,
        }
    }
}

/// Milliseconds as a timeout; `field` names it in errors.
fn timeout(field: &str, ms: f64) -> CoreResult<std::time::Duration> {
    duration(field, ms)?
        .to_std()
        .map_err(|_| tc::Error::invalid_input(field, "must not be negative"))
}

/// `ConnectOptions` as the shared backend takes them (the clock aside).
fn settings(o: &ConnectOptions) -> CoreResult<PgSettings> {
    Ok(PgSettings {
        schema: o.schema.clone(),
        role: o.role.clone(),
        max_connections: o
            .max_connections
            .map(|n| convert::integer("maxConnections", n))
            .transpose()?,
        acquire_timeout: o
            .acquire_timeout_ms
            .map(|ms| timeout("acquireTimeoutMs", ms))
            .transpose()?,
        statement_timeout: match o.statement_timeout_ms {
            None => None,
            Some(Either::B(Null)) => Some(None),
            Some(Either::A(ms)) => Some(Some(timeout("statementTimeoutMs", ms)?)),
        },
        temporary: false,
    })
}

#[napi]
impl Helpdesk {
    /// A help desk whose data lives in this process (the embedded default).
    #[napi(factory, catch_unwind)]
    pub fn in_memory(options: Option<InMemoryOptions>) -> Helpdesk {
        backend::in_memory(options.and_then(|o| o.clock).map(|c| c.inner.clone())).into()
    }

    /// Connects to the backend `url` names: `postgres://user:pass@host/db`
    /// (call `migrate()` once to create or upgrade the schema) or `memory:`.
    #[napi(ts_return_type = "Promise<Helpdesk>", catch_unwind)]
    pub fn connect<'e>(
        env: &'e Env,
        url: String,
        options: Option<ConnectOptions>,
    ) -> napi::Result<PromiseRaw<'e, Helpdesk>> {
        // Take what the connection needs now: the clock reference is only
        // valid during this call.
        let clock = options
            .as_ref()
            .and_then(|o| o.clock)
            .map(|c| c.inner.clone());
        let settings = options.as_ref().map(settings).transpose();
        env.spawn_future_with_callback(
            async move {
                let opened =
                    async { backend::open(&url, settings?.unwrap_or_default(), clock).await };
                Ok(tc::panic::catch_panic(opened).await.and_then(|r| r))
            },
            |env, out| {
                let opened = out.map_err(|e| js_error(env, &e))?;
                if opened.rls == Some(false) {
                    emit_warning(env, backend::RLS_OFF);
                }
                Ok(Helpdesk::from(opened))
            },
        )
    }

    /// Whether PostgreSQL's row-level security applies to the role the
    /// store runs as (`false` for a superuser or `BYPASSRLS` role: tenant
    /// isolation then rests on the queries alone); `null` in memory.
    #[napi(ts_return_type = "Promise<boolean | null>", catch_unwind)]
    pub fn rls_enforced<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, Option<bool>>> {
        spawn(env, self.backend.clone().rls_enforced())
    }

    /// Creates or upgrades the database schema (a no-op in memory).
    #[napi(ts_return_type = "Promise<void>", catch_unwind)]
    pub fn migrate<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, ()>> {
        spawn(env, self.backend.clone().migrate())
    }

    /// Closes the connection pool (a no-op in memory).
    #[napi(ts_return_type = "Promise<void>", catch_unwind)]
    pub fn close<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, ()>> {
        spawn(env, self.backend.clone().close())
    }

    /// The PostgreSQL schema holding Ticketry's tables; `null` in memory.
    #[napi(getter, catch_unwind)]
    pub fn schema(&self) -> Option<String> {
        self.backend.schema().map(str::to_owned)
    }

    /// `memory` or `postgres`.
    #[napi(getter, ts_return_type = "'memory' | 'postgres'", catch_unwind)]
    pub fn backend(&self) -> &'static str {
        self.backend.name()
    }

    /// The handle of a workspace by id, without I/O (a missing workspace
    /// shows as `not_found` on first use). Throws `invalid_input` for a
    /// malformed id.
    #[napi(catch_unwind)]
    pub fn workspace(&self, env: &Env, id: String) -> napi::Result<Workspace> {
        let ws = sync(
            env,
            convert::id::<tc::WorkspaceId>(&id).map_err(|e| e.for_field("id")),
        )?;
        Ok(Workspace {
            desk: self.desk.clone(),
            ws,
        })
    }

    /// Runs operation `op` of the table (the generated client calls this).
    #[napi(ts_return_type = "Promise<unknown>", catch_unwind)]
    pub fn call<'e>(
        &self,
        env: &'e Env,
        op: String,
        positional: Vec<Unknown<'e>>,
        options: Option<Unknown<'e>>,
    ) -> napi::Result<PromiseRaw<'e, Out>> {
        crate::wire::call(env, &self.desk, None, &op, positional, options)
    }

    /// The desk's current time (its manual clock, or the system clock).
    #[napi(catch_unwind)]
    pub fn now(&self) -> DateTime<Utc> {
        self.desk.clock().now()
    }
}

/// `process.emitWarning(message)`, best effort (a warning never fails a call).
fn emit_warning(env: &Env, message: &str) {
    let _ = (|| -> napi::Result<()> {
        let process: napi::bindgen_prelude::Object<'_> =
            env.get_global()?.get_named_property("process")?;
        let emit: napi::bindgen_prelude::Function<'_, &str, napi::bindgen_prelude::Unknown<'_>> =
            process.get_named_property("emitWarning")?;
        emit.apply(process, message)?;
        Ok(())
    })();
}

/// A workspace (tenant) of a `Helpdesk`: the scope of every per-workspace
/// operation (the generated client adds them as methods).
#[napi]
#[derive(Debug, Clone)]
pub struct Workspace {
    desk: tc::Helpdesk,
    ws: tc::WorkspaceId,
}

#[napi]
impl Workspace {
    /// The workspace's id (UUID).
    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> String {
        self.ws.to_string()
    }

    /// Runs operation `op` of the table in this workspace (the generated
    /// client calls this).
    #[napi(ts_return_type = "Promise<unknown>", catch_unwind)]
    pub fn call<'e>(
        &self,
        env: &'e Env,
        op: String,
        positional: Vec<Unknown<'e>>,
        options: Option<Unknown<'e>>,
    ) -> napi::Result<PromiseRaw<'e, Out>> {
        crate::wire::call(env, &self.desk, Some(self.ws), &op, positional, options)
    }
}
