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
use ticketry_memory::MemoryStore;

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

#[derive(Debug, Clone)]
enum Backend {
    Memory,
    #[cfg(feature = "postgres")]
    Postgres(Arc<ticketry_postgres::PgStore>),
}

/// The help desk: one per process, shared by every request. Every method
/// that reads or writes returns a Promise; errors are `Error`s with a `code`.
#[napi]
#[derive(Debug, Clone)]
pub struct Helpdesk {
    desk: tc::Helpdesk,
    backend: Backend,
}

fn with_clock(store: Arc<dyn tc::store::Store>, clock: Option<Arc<tc::ManualClock>>) -> Helpdesk {
    let desk = match clock {
        Some(c) => tc::Helpdesk::with_clock(store, c),
        None => tc::Helpdesk::new(store),
    };
    Helpdesk {
        desk,
        backend: Backend::Memory,
    }
}

#[napi]
impl Helpdesk {
    /// A help desk whose data lives in this process (the embedded default).
    #[napi(factory, catch_unwind)]
    pub fn in_memory(options: Option<InMemoryOptions>) -> Helpdesk {
        with_clock(
            Arc::new(MemoryStore::new()),
            options.and_then(|o| o.clock).map(|c| c.inner.clone()),
        )
    }

    /// Connects to PostgreSQL (`postgres://user:pass@host/db`). Call
    /// `migrate()` once to create or upgrade the schema.
    #[napi(ts_return_type = "Promise<Helpdesk>", catch_unwind)]
    pub fn connect<'e>(
        env: &'e Env,
        url: String,
        options: Option<ConnectOptions>,
    ) -> napi::Result<PromiseRaw<'e, Helpdesk>> {
        // Take what the connection needs now: the clock reference is only
        // valid during this call.
        let (settings, clock) = match options {
            Some(o) => {
                let clock = o.clock.map(|c| c.inner.clone());
                let settings = PgSettings {
                    schema: o.schema,
                    max_connections: o.max_connections,
                    acquire_timeout_ms: o.acquire_timeout_ms,
                    statement_timeout_ms: o.statement_timeout_ms.map(|e| match e {
                        Either::A(ms) => Some(ms),
                        Either::B(Null) => None,
                    }),
                    role: o.role,
                };
                (settings, clock)
            }
            None => (PgSettings::default(), None),
        };
        env.spawn_future_with_callback(
            async move {
                Ok(tc::panic::catch_panic(connect(url, settings, clock))
                    .await
                    .and_then(|r| r))
            },
            |env, out| {
                let (desk, rls) = out.map_err(|e| js_error(env, &e))?;
                if rls == Some(false) {
                    emit_warning(env, RLS_OFF);
                }
                Ok(desk)
            },
        )
    }

    /// Whether PostgreSQL's row-level security applies to the role the
    /// store runs as (`false` for a superuser or `BYPASSRLS` role: tenant
    /// isolation then rests on the queries alone); `null` in memory.
    #[napi(ts_return_type = "Promise<boolean | null>", catch_unwind)]
    pub fn rls_enforced<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, Option<bool>>> {
        let backend = self.backend.clone();
        spawn(env, async move {
            match backend {
                Backend::Memory => Ok(None),
                #[cfg(feature = "postgres")]
                Backend::Postgres(pg) => Ok(Some(pg.rls_enforced().await?)),
            }
        })
    }

    /// Creates or upgrades the database schema (a no-op in memory).
    #[napi(ts_return_type = "Promise<void>", catch_unwind)]
    pub fn migrate<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, ()>> {
        let backend = self.backend.clone();
        spawn(env, async move {
            match backend {
                Backend::Memory => Ok(()),
                #[cfg(feature = "postgres")]
                Backend::Postgres(pg) => pg.migrate().await.map_err(tc::Error::from),
            }
        })
    }

    /// Closes the connection pool (a no-op in memory).
    #[napi(ts_return_type = "Promise<void>", catch_unwind)]
    pub fn close<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, ()>> {
        let backend = self.backend.clone();
        spawn(env, async move {
            match backend {
                Backend::Memory => {}
                #[cfg(feature = "postgres")]
                Backend::Postgres(pg) => pg.pool().close().await,
            }
            Ok(())
        })
    }

    /// The PostgreSQL schema holding Ticketry's tables; `null` in memory.
    #[napi(getter, catch_unwind)]
    pub fn schema(&self) -> Option<String> {
        match &self.backend {
            Backend::Memory => None,
            #[cfg(feature = "postgres")]
            Backend::Postgres(pg) => Some(pg.schema().to_owned()),
        }
    }

    /// `memory` or `postgres`.
    #[napi(getter, ts_return_type = "'memory' | 'postgres'", catch_unwind)]
    pub fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Memory => "memory",
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => "postgres",
        }
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

/// `ConnectOptions` without the clock, ready to cross to the runtime.
#[derive(Debug, Default)]
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
struct PgSettings {
    schema: Option<String>,
    max_connections: Option<f64>,
    acquire_timeout_ms: Option<f64>,
    statement_timeout_ms: Option<Option<f64>>,
    role: Option<String>,
}

#[cfg(feature = "postgres")]
fn std_duration(field: &str, ms: f64) -> CoreResult<std::time::Duration> {
    duration(field, ms)?
        .to_std()
        .map_err(|_| tc::Error::invalid_input(field, "must not be negative"))
}

#[cfg(feature = "postgres")]
async fn connect(
    url: String,
    s: PgSettings,
    clock: Option<Arc<tc::ManualClock>>,
) -> CoreResult<(Helpdesk, Option<bool>)> {
    let mut opts = ticketry_postgres::PgOptions::default();
    if let Some(schema) = s.schema {
        opts.schema = schema;
    }
    if let Some(n) = s.max_connections {
        opts.max_connections = convert::integer("maxConnections", n)?;
    }
    if let Some(ms) = s.acquire_timeout_ms {
        opts.acquire_timeout = std_duration("acquire_timeout", ms)?;
    }
    if let Some(t) = s.statement_timeout_ms {
        opts.statement_timeout = t
            .map(|ms| std_duration("statement_timeout", ms))
            .transpose()?;
    }
    if s.role.is_some() {
        opts.role = s.role;
    }
    let pg = Arc::new(ticketry_postgres::PgStore::connect(&url, opts).await?);
    let rls = pg.rls_enforced().await.ok();
    let mut desk = with_clock(pg.clone(), clock);
    desk.backend = Backend::Postgres(pg);
    Ok((desk, rls))
}

/// The warning a connection without row-level security emits.
const RLS_OFF: &str = "ticketry: row-level security is off for this PostgreSQL role (a superuser or \
BYPASSRLS role): tenant isolation rests on the queries alone; connect with { role } set to a role \
without those attributes";

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

#[cfg(not(feature = "postgres"))]
async fn connect(
    url: String,
    s: PgSettings,
    clock: Option<Arc<tc::ManualClock>>,
) -> CoreResult<(Helpdesk, Option<bool>)> {
    let _ = (url, s, clock);
    Err(tc::Error::Storage {
        message: "this build of ticketry has no PostgreSQL backend".into(),
    })
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
