//! The `Helpdesk` class: a backend (memory or PostgreSQL), a clock, and
//! workspaces.

use crate::convert::{self, Arg, CoreResult, Date, List, duration, js_error, spawn, sync};
use crate::wire::{Out, Reader};
use chrono::{DateTime, Utc};
use napi::Env;
use napi::bindgen_prelude::JsObjectValue;
use napi::bindgen_prelude::{
    ClassInstance, Either, FromNapiValue, Null, Object, PromiseRaw, Unknown,
};
use napi::{JsValue, ValueType};
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
        let clock = sync(env, tc::ManualClock::try_new(start))?;
        Ok(ManualClock {
            inner: Arc::new(clock),
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
        let at = sync(env, at.instant("at"))?;
        sync(env, self.inner.try_set(at).map_err(|e| e.for_field("at")))
    }

    /// Moves the clock forward by `ms` milliseconds; returns the new instant.
    #[napi(catch_unwind)]
    pub fn advance(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "number")] ms: Arg<f64>,
    ) -> napi::Result<DateTime<Utc>> {
        let d = sync(env, ms.millis("ms"))?;
        sync(
            env,
            self.inner.try_advance(d).map_err(|e| e.for_field("ms")),
        )?;
        Ok(self.inner.now())
    }
}

// This struct and `ConnectOptions` give the typings their shape; the
// objects themselves are read by `Options`, strictly.
/// Options of `Helpdesk.inMemory`.
#[allow(dead_code)]
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone)]
pub struct InMemoryOptions {
    /// Run on this manual clock (default: the system clock).
    pub clock: Option<&'static ManualClock>,
}

/// Options of `Helpdesk.connect`.
#[allow(dead_code)]
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
    /// Tests: migrate a fresh schema `<schema>_<random>`, dropped (with its
    /// data) by `close()`, else when the help desk is garbage-collected
    /// (default `false`).
    pub temporary: Option<bool>,
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

/// An options object (`InMemoryOptions`, `ConnectOptions`), read by hand so
/// that a key it does not know (`maxConections`) or a value of the wrong
/// type is `invalid_input` naming it, not silently the default or napi's own
/// error. `undefined` and `null` are no options; anything but a plain object
/// (a `Map`, a `Date`, an array, a class instance) is refused. A getter that
/// throws is `invalid_input` naming its key (see [`Reader`]).
struct Options<'e> {
    object: Option<Object<'e>>,
    reader: Reader<'e>,
}

impl<'e> Options<'e> {
    fn read(env: &'e Env, v: Option<Unknown<'e>>, known: &[&str]) -> CoreResult<Self> {
        let reader = Reader::new(env).map_err(internal)?;
        let none = |reader| {
            Ok(Self {
                object: None,
                reader,
            })
        };
        let Some(v) = v else { return none(reader) };
        let got = match v.get_type().map_err(internal)? {
            ValueType::Undefined | ValueType::Null => return none(reader),
            ValueType::Object => {
                let obj = v.coerce_to_object().map_err(internal)?;
                match reader.foreign(&obj)? {
                    None => return Self::known(reader, obj, known),
                    Some(name) => name,
                }
            }
            other => convert::type_name(other).to_owned(),
        };
        let got = format!("must be a plain object, got {got}");
        Err(tc::Error::invalid_input("options", got))
    }

    /// The options in `obj`, all of whose keys are `known`.
    fn known(reader: Reader<'e>, obj: Object<'e>, known: &[&str]) -> CoreResult<Self> {
        let keys = obj
            .get_property_names()
            .map_err(|e| reader.failed(e).for_field("options"))?;
        for i in 0..keys.get_array_length().map_err(internal)? {
            let key: String = keys.get_element(i).map_err(internal)?;
            if !known.contains(&key.as_str()) {
                let field = ticketry_core::error::shown(&key);
                return Err(tc::Error::invalid_input(field, "unknown key"));
            }
        }
        Ok(Self {
            object: Some(obj),
            reader,
        })
    }

    /// The value of `key`, `None` when not given (`undefined`).
    fn get(&self, key: &str) -> CoreResult<Option<Unknown<'e>>> {
        let Some(obj) = &self.object else {
            return Ok(None);
        };
        let v: Unknown<'e> = obj
            .get_named_property(key)
            .map_err(|e| self.reader.failed(e).for_field(key))?;
        Ok((v.get_type().ok() != Some(ValueType::Undefined)).then_some(v))
    }

    /// The string at `key`.
    fn text(&self, key: &str) -> CoreResult<Option<String>> {
        self.get(key)?
            .map(|v| convert::arg::<String>(v).text(key))
            .transpose()
    }

    /// The boolean at `key`.
    fn flag(&self, key: &str) -> CoreResult<Option<bool>> {
        self.get(key)?
            .map(|v| convert::arg::<bool>(v).flag(key))
            .transpose()
    }

    /// The number at `key`.
    fn number(&self, key: &str) -> CoreResult<Option<f64>> {
        self.get(key)?
            .map(|v| convert::arg::<f64>(v).number(key))
            .transpose()
    }

    /// The `ManualClock` at `key`.
    fn clock(&self, key: &str) -> CoreResult<Option<Arc<tc::ManualClock>>> {
        let Some(v) = self.get(key)? else {
            return Ok(None);
        };
        // SAFETY: a live value of this call's `env`.
        let clock =
            unsafe { ClassInstance::<ManualClock>::from_napi_value(v.value().env, v.raw()) };
        clock
            .map(|c| Some(c.inner.clone()))
            .map_err(|_| tc::Error::invalid_input(key, "must be a ManualClock"))
    }
}

/// napi failed to read an options object it had already checked (a bug).
fn internal(e: napi::Error) -> tc::Error {
    tc::Error::Internal {
        message: format!("reading options: {e}"),
    }
}

/// `ConnectOptions` as the shared backend takes them, and the clock.
fn connect_options<'e>(
    env: &'e Env,
    v: Option<Unknown<'e>>,
) -> CoreResult<(PgSettings, Option<Arc<tc::ManualClock>>)> {
    let o = Options::read(
        env,
        v,
        &[
            "schema",
            "maxConnections",
            "acquireTimeoutMs",
            "statementTimeoutMs",
            "role",
            "clock",
            "temporary",
        ],
    )?;
    let statement_timeout = match o.get("statementTimeoutMs")? {
        None => None,
        Some(v) if v.get_type().ok() == Some(ValueType::Null) => Some(None),
        Some(v) => {
            let ms = convert::arg::<f64>(v).number("statementTimeoutMs")?;
            Some(Some(timeout("statementTimeoutMs", ms)?))
        }
    };
    let settings = PgSettings {
        schema: o.text("schema")?,
        role: o.text("role")?,
        max_connections: o
            .number("maxConnections")?
            .map(|n| convert::integer("maxConnections", n))
            .transpose()?,
        acquire_timeout: o
            .number("acquireTimeoutMs")?
            .map(|ms| timeout("acquireTimeoutMs", ms))
            .transpose()?,
        statement_timeout,
        temporary: o.flag("temporary")?.unwrap_or(false),
    };
    settings.check().map_err(|e| match &e {
        tc::Error::InvalidInput { field, .. } if field == "max_connections" => {
            e.for_field("maxConnections")
        }
        tc::Error::InvalidInput { field, .. } if field == "statement_timeout" => {
            e.for_field("statementTimeoutMs")
        }
        _ => e,
    })?;
    Ok((settings, o.clock("clock")?))
}

#[napi]
impl Helpdesk {
    /// A help desk whose data lives in this process (the embedded default).
    #[napi(factory, catch_unwind)]
    pub fn in_memory<'e>(
        env: &'e Env,
        #[napi(ts_arg_type = "InMemoryOptions | undefined | null")] options: Option<Unknown<'e>>,
    ) -> napi::Result<Helpdesk> {
        let clock = sync(
            env,
            Options::read(env, options, &["clock"]).and_then(|o| o.clock("clock")),
        )?;
        Ok(backend::in_memory(clock).into())
    }

    /// Connects to the backend `url` names: `postgres://user:pass@host/db`
    /// (call `migrate()` once to create or upgrade the schema) or `memory:`.
    #[napi(ts_return_type = "Promise<Helpdesk>", catch_unwind)]
    pub fn connect<'e>(
        env: &'e Env,
        #[napi(ts_arg_type = "string")] url: Arg<String>,
        #[napi(ts_arg_type = "ConnectOptions | undefined | null")] options: Option<Unknown<'e>>,
    ) -> napi::Result<PromiseRaw<'e, Helpdesk>> {
        // Read what the connection needs now (the options object is only
        // valid during this call); a bad one rejects the Promise.
        let read = url
            .text("url")
            .and_then(|url| Ok((url, connect_options(env, options)?)));
        env.spawn_future_with_callback(
            async move {
                let opened = async {
                    let (url, (settings, clock)) = read?;
                    backend::open(&url, settings, clock).await
                };
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
    pub fn workspace(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "string")] id: Arg<String>,
    ) -> napi::Result<Workspace> {
        let ws = sync(
            env,
            id.text("id")
                .and_then(|id| convert::id::<tc::WorkspaceId>(&id).map_err(|e| e.for_field("id"))),
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
        #[napi(ts_arg_type = "Array<unknown>")] positional: List<Unknown<'e>, 16>,
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
        #[napi(ts_arg_type = "Array<unknown>")] positional: List<Unknown<'e>, 16>,
        options: Option<Unknown<'e>>,
    ) -> napi::Result<PromiseRaw<'e, Out>> {
        crate::wire::call(env, &self.desk, Some(self.ws), &op, positional, options)
    }
}
