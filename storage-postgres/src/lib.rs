//! # Ticketry PostgreSQL backend
//!
//! Every storage trait of `ticketry-core` on a real PostgreSQL database
//! (15 or newer), through [sqlx](https://docs.rs/sqlx). Queries are checked at
//! run time: building this crate never needs a database.
//!
//! ```no_run
//! use std::sync::Arc;
//! use ticketry_core::{Helpdesk, NewWorkspace};
//! use ticketry_postgres::{PgOptions, PgStore};
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let store = PgStore::connect(
//!     "postgres://app@localhost/app",
//!     PgOptions { role: Some("ticketry_app".into()), ..PgOptions::default() },
//! )
//! .await?;
//! store.migrate().await?; // explicit, idempotent: run it at deploy or start-up
//! let desk = Helpdesk::new(Arc::new(store));
//! let ws = desk.create_workspace(NewWorkspace::new("Acme", "acme")).await?;
//! # Ok(()) }
//! ```
//!
//! ## Schema
//!
//! [`PgStore::migrate`] creates Ticketry's tables in their own schema
//! (`ticketry` unless [`PgOptions::schema`] says otherwise), so they live in
//! the host's database beside the host's tables without clashing; migrations
//! are embedded in the binary and recorded in that schema's
//! `_sqlx_migrations` table. Nothing is created implicitly: call `migrate()`
//! once at deploy time (or at start-up) with a role that may create tables.
//!
//! Every primary key leads with `workspace_id`, every foreign key includes it
//! and no unique index spans workspaces, so the tables can be distributed by
//! tenant (e.g. Citus, distribution column `workspace_id`) when one machine
//! is no longer enough. The one exception is `workspaces`, the tenant
//! directory, whose `slug` is unique across tenants: it is a reference table.
//!
//! Each row keeps the columns that queries filter or sort on, plus `doc`, a
//! `jsonb` holding the full value as `ticketry-core` serializes it.
//!
//! ## Tenant isolation, twice
//!
//! 1. Every query names the workspace in its `WHERE` clause.
//! 2. Every store call runs in a transaction that starts with
//!    `SET LOCAL ticketry.workspace_id = '<uuid>'`, and every table has a
//!    row-level-security policy, `FORCE`d so that even the tables' owner is
//!    subject to it, that shows and accepts only rows of that workspace. A
//!    transaction with no workspace set sees nothing.
//!
//! PostgreSQL never applies RLS to superusers or to roles with
//! `BYPASSRLS`. Hosts that connect as such a role (common in development)
//! should set [`PgOptions::role`]: each transaction then runs
//! `SET LOCAL ROLE <role>`, a plain role (`NOSUPERUSER NOBYPASSRLS`, may be
//! `NOLOGIN`) that the login user is a member of; `migrate()` grants it the
//! rights it needs on Ticketry's tables. [`PgStore::rls_enforced`] tells
//! whether the role the store runs as is subject to RLS. RLS is a second
//! line of defence against a query that forgets its workspace filter, not a
//! barrier against arbitrary SQL run by the library's own role, which may
//! set `ticketry.workspace_id` itself.
//!
//! ## Concurrency
//!
//! * **Ticket numbers and event seqs** come from `workspace_counters`, one
//!   row per workspace. A ticket write takes that row's lock
//!   (`UPDATE … RETURNING`) inside its transaction, and holds it until
//!   commit. Numbers therefore never collide, and never skip on success (a
//!   rolled-back write rolls its increment back). The same lock makes the
//!   per-workspace event `seq` gap-free *and* equal to commit order: a
//!   transaction can only take seq `n + 1` once the one holding `n` has
//!   committed, so a reader paging with a cursor (`seq > last seen`) never
//!   misses an event, even when writers run in parallel.
//! * **Optimistic concurrency**: an update applies only if the stored
//!   `version` still equals the version the writer read; otherwise nothing
//!   is written and the call fails with `VersionConflict`. The losers of a
//!   race within one process are let back in turns (the next one once a
//!   write of the ticket has been applied, or after 100 ms), so many tasks
//!   changing one ticket do not collide again round after round.
//! * **Idempotency**: ticket and message idempotency keys have unique
//!   indexes per workspace. A create (or message) whose key exists returns
//!   the earlier row; when two writers race with one key, the loser hits the
//!   unique index, rolls back, and returns the winner's row.
//!
//! ## Indexes
//!
//! Tickets are indexed for the queues hosts show: by status + priority, the
//! agent queue (active tickets in urgency order, a partial index), by
//! assignee, by team, by customer, by tag (GIN), and by the instant of the
//! next SLA check (`ticket.sla.next_check()`), so the SLA sweep
//! ([`TicketStore::sla_due`]) reads only the due tickets. Timestamps are
//! stored with microsecond precision (PostgreSQL's); the sweep re-checks the
//! exact instant on the decoded ticket.

mod catalog;
mod events;
mod tickets;
mod turns;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgPool, Postgres, Transaction};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use ticketry_core::{StoreError, WorkspaceId};

pub use ticketry_core::store::{
    CatalogStore, DirectoryStore, EventStore, Store, StoreResult, TicketStore, WorkspaceStore,
};

/// The embedded migrations (`storage-postgres/migrations`).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Every table Ticketry creates, each under a row-level-security policy.
pub const TABLES: &[&str] = &[
    "workspaces",
    "workspace_counters",
    "agents",
    "customers",
    "teams",
    "priorities",
    "categories",
    "tags",
    "templates",
    "sla_policies",
    "tickets",
    "messages",
    "assignments",
    "events",
    "event_consumers",
];

/// Connection settings for [`PgStore::connect`].
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// The schema holding Ticketry's tables (default `ticketry`).
    pub schema: String,
    /// Pool size (default 10).
    pub max_connections: u32,
    /// How long a call waits for a free connection (default 10 s).
    pub acquire_timeout: Duration,
    /// Server-side limit for one statement (default 30 s; `None`: the server's).
    pub statement_timeout: Option<Duration>,
    /// A role subject to row-level security that every transaction switches
    /// to (`SET LOCAL ROLE`); the login user must be a member of it. `None`
    /// runs as the login user.
    pub role: Option<String>,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            schema: "ticketry".into(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: Some(Duration::from_secs(30)),
            role: None,
        }
    }
}

/// The PostgreSQL store. Cheap to clone (an `Arc` and a pool handle).
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    schema: String,
    role: Option<String>,
    /// `BEGIN; SET LOCAL search_path …; SET LOCAL ROLE …; ` (audited: quoted identifiers).
    begin_prefix: String,
    /// Drops the schema when the store goes away ([`PgStore::temporary`]).
    temporary: Option<TemporarySchema>,
    /// Retry turns of concurrent writers of one ticket.
    turns: turns::Turns,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("schema", &self.inner.schema)
            .field("role", &self.inner.role)
            .field("temporary", &self.inner.temporary.is_some())
            .finish()
    }
}

/// Maps a driver error onto the store's error.
pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// The SQLSTATE and constraint name of a database error.
pub(crate) fn db_error(e: &sqlx::Error) -> Option<(String, Option<String>)> {
    match e {
        sqlx::Error::Database(d) => Some((
            d.code().map(|c| c.into_owned()).unwrap_or_default(),
            d.constraint().map(str::to_owned),
        )),
        _ => None,
    }
}

/// Whether `e` is a unique violation (of `constraint`, when given).
pub(crate) fn is_unique_violation(e: &sqlx::Error, constraint: Option<&str>) -> bool {
    matches!(db_error(e), Some((code, c)) if code == "23505"
        && constraint.is_none_or(|want| c.as_deref() == Some(want)))
}

/// Maps a foreign-key violation (the workspace row is missing) to `NotFound`.
pub(crate) fn workspace_fk(e: sqlx::Error, ws: WorkspaceId) -> StoreError {
    match db_error(&e) {
        Some((code, _)) if code == "23503" => missing_workspace(ws),
        _ => backend(e),
    }
}

pub(crate) fn missing_workspace(ws: WorkspaceId) -> StoreError {
    StoreError::NotFound {
        entity: "workspace",
        id: ws.to_string(),
    }
}

/// `u64` → `bigint`, refusing values PostgreSQL cannot hold.
pub(crate) fn to_i64(v: u64, what: &str) -> StoreResult<i64> {
    i64::try_from(v).map_err(|_| StoreError::Backend(format!("{what} {v} is out of range")))
}

/// A quoted SQL identifier (`"name"`), or an error for names PostgreSQL refuses.
fn quote_ident(what: &str, name: &str) -> StoreResult<String> {
    if name.is_empty() || name.len() > 63 || name.contains('\0') {
        return Err(StoreError::Backend(format!(
            "invalid {what} name {name:?}: 1-63 bytes, no NUL"
        )));
    }
    Ok(format!("\"{}\"", name.replace('"', "\"\"")))
}

/// A string literal safe under any `standard_conforming_strings` (`E'…'`).
fn quote_literal(s: &str) -> Option<String> {
    if s.contains('\0') {
        return None;
    }
    Some(format!(
        "E'{}'",
        s.replace('\\', "\\\\").replace('\'', "''")
    ))
}

fn begin_prefix(schema: &str, role: Option<&str>) -> StoreResult<String> {
    let mut sql = format!(
        "BEGIN; SET LOCAL search_path TO {}; ",
        quote_ident("schema", schema)?
    );
    if let Some(role) = role {
        sql.push_str(&format!("SET LOCAL ROLE {}; ", quote_ident("role", role)?));
    }
    Ok(sql)
}

impl PgStore {
    /// Connects a pool to `url` (`postgres://user:pass@host:5432/db`).
    /// Does not create or migrate anything: see [`PgStore::migrate`].
    pub async fn connect(url: &str, options: PgOptions) -> StoreResult<Self> {
        let pool = Self::pool_options(&options)?
            .connect_with(Self::connect_options(url, &options, None)?)
            .await
            .map_err(backend)?;
        Self::build(pool, &options.schema, options.role, None)
    }

    /// A store on the host's own pool, with Ticketry's tables in `schema`.
    /// Runs as the pool's login user unless [`PgStore::with_role`] is used.
    pub fn from_pool(pool: PgPool, schema: &str) -> StoreResult<Self> {
        Self::build(pool, schema, None, None)
    }

    /// The same store, switching every transaction to `role` (see
    /// [`PgOptions::role`]).
    pub fn with_role(self, role: Option<&str>) -> StoreResult<Self> {
        Self::build(
            self.inner.pool.clone(),
            &self.inner.schema,
            role.map(str::to_owned),
            None,
        )
    }

    /// Connects like [`PgStore::connect`], migrates a fresh schema named
    /// `<options.schema>_<random>`, and drops that schema (with all its data)
    /// when the last clone of the store is dropped. Meant for tests: each
    /// test gets an isolated, empty store on a shared server. The drop
    /// blocks the dropping thread briefly while it terminates the store's
    /// connections and runs `DROP SCHEMA … CASCADE`.
    pub async fn temporary(url: &str, options: PgOptions) -> StoreResult<Self> {
        let schema = format!(
            "{}_{}",
            options.schema,
            &uuid::Uuid::now_v7().simple().to_string()[20..]
        );
        let options = PgOptions { schema, ..options };
        let app = options.schema.clone();
        let pool = Self::pool_options(&options)?
            .connect_with(Self::connect_options(url, &options, Some(&app))?)
            .await
            .map_err(backend)?;
        let guard = TemporarySchema {
            connect: Self::connect_options(url, &options, Some("ticketry-cleanup"))?,
            schema: options.schema.clone(),
            application_name: app,
        };
        let store = Self::build(pool, &options.schema, options.role, Some(guard))?;
        store.migrate().await?;
        Ok(store)
    }

    /// Options from the URL, with an application name (the URL's, else
    /// `app`, else `ticketry`) and the statement timeout.
    fn connect_options(
        url: &str,
        options: &PgOptions,
        app: Option<&str>,
    ) -> StoreResult<PgConnectOptions> {
        let mut opts = PgConnectOptions::from_str(url).map_err(backend)?;
        if let Some(app) = app {
            opts = opts.application_name(app);
        } else if opts.get_application_name().is_none() {
            opts = opts.application_name("ticketry");
        }
        if let Some(t) = options.statement_timeout {
            opts = opts.options([("statement_timeout", format!("{}ms", t.as_millis()))]);
        }
        Ok(opts)
    }

    fn pool_options(options: &PgOptions) -> StoreResult<PgPoolOptions> {
        if options.max_connections == 0 {
            return Err(StoreError::Backend(
                "max_connections must be at least 1".into(),
            ));
        }
        // sqlx checks each connection when it returns to the pool; checking
        // it again on acquire would cost every call one more round trip.
        Ok(PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false))
    }

    fn build(
        pool: PgPool,
        schema: &str,
        role: Option<String>,
        temporary: Option<TemporarySchema>,
    ) -> StoreResult<Self> {
        let begin_prefix = begin_prefix(schema, role.as_deref())?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                schema: schema.to_owned(),
                role,
                begin_prefix,
                temporary,
                turns: turns::Turns::default(),
            }),
        })
    }

    /// The connection pool (for the host's own queries).
    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// The schema holding Ticketry's tables.
    pub fn schema(&self) -> &str {
        &self.inner.schema
    }

    /// The role transactions switch to, if any.
    pub fn role(&self) -> Option<&str> {
        self.inner.role.as_deref()
    }

    /// Creates the schema if needed and applies the embedded migrations that
    /// have not run yet (idempotent; concurrent callers wait for each other).
    /// Runs as the login user, who must be allowed to create the schema and
    /// its tables and becomes their owner. When a [`PgOptions::role`] is set,
    /// also grants that role `USAGE` on the schema and read/write rights on
    /// Ticketry's tables.
    pub async fn migrate(&self) -> StoreResult<()> {
        let schema = quote_ident("schema", &self.inner.schema)?;
        // The session's search_path changes below: take the connection out
        // of the pool and close it afterwards.
        let mut conn = self.inner.pool.acquire().await.map_err(backend)?.detach();
        let result = async {
            let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
            if let Err(e) = sqlx::raw_sql(AssertSqlSafe(create))
                .execute(&mut conn)
                .await
            {
                // Two first migrations racing on one schema: the other one made it.
                if !is_unique_violation(&e, None) {
                    return Err(backend(e));
                }
            }
            sqlx::raw_sql(AssertSqlSafe(format!("SET search_path TO {schema}")))
                .execute(&mut conn)
                .await
                .map_err(backend)?;
            MIGRATOR
                .run(&mut conn)
                .await
                .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
            if let Some(role) = &self.inner.role {
                let role = quote_ident("role", role)?;
                let tables = TABLES.join(", ");
                let grants = format!(
                    "GRANT USAGE ON SCHEMA {schema} TO {role}; \
                     GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {role}; \
                     GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}; \
                     GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {role}"
                );
                sqlx::raw_sql(AssertSqlSafe(grants))
                    .execute(&mut conn)
                    .await
                    .map_err(backend)?;
            }
            Ok(())
        }
        .await;
        let _ = conn.close().await;
        result
    }

    /// Whether the role this store's transactions run as is subject to
    /// row-level security (neither superuser nor `BYPASSRLS`).
    pub async fn rls_enforced(&self) -> StoreResult<bool> {
        let mut tx = self
            .inner
            .pool
            .begin_with(AssertSqlSafe(self.inner.begin_prefix.clone()))
            .await
            .map_err(backend)?;
        let bypass: bool = sqlx::query_scalar(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        Ok(!bypass)
    }

    /// A transaction scoped to `ws` and run as the store's role, exactly like
    /// the store's own: Ticketry's tables (unqualified names resolve to its
    /// schema) show only that workspace's rows. For the host's own queries
    /// and reports on Ticketry's data.
    pub async fn begin(&self, ws: WorkspaceId) -> StoreResult<Transaction<'static, Postgres>> {
        let sql = format!(
            "{}SET LOCAL ticketry.workspace_id = '{}'",
            self.inner.begin_prefix,
            ws.as_uuid()
        );
        self.inner
            .pool
            .begin_with(AssertSqlSafe(sql))
            .await
            .map_err(backend)
    }

    /// A transaction that may see the workspace whose slug is `slug` (and no
    /// other row), for lookups by slug.
    pub(crate) async fn begin_slug(
        &self,
        slug: &str,
    ) -> StoreResult<Option<Transaction<'static, Postgres>>> {
        let Some(literal) = quote_literal(slug) else {
            return Ok(None);
        };
        let sql = format!(
            "{}SET LOCAL ticketry.workspace_slug = {literal}",
            self.inner.begin_prefix
        );
        self.inner
            .pool
            .begin_with(AssertSqlSafe(sql))
            .await
            .map(Some)
            .map_err(backend)
    }

    /// Fails with `NotFound` unless the workspace exists (called when a read
    /// found nothing, to tell "no rows" from "no workspace").
    pub(crate) async fn ensure_workspace(
        tx: &mut Transaction<'static, Postgres>,
        ws: WorkspaceId,
    ) -> StoreResult<()> {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM workspaces WHERE workspace_id = $1)")
                .bind(ws.as_uuid())
                .fetch_one(&mut **tx)
                .await
                .map_err(backend)?;
        if exists {
            Ok(())
        } else {
            Err(missing_workspace(ws))
        }
    }
}

/// Commits, mapping errors.
pub(crate) async fn commit(tx: Transaction<'static, Postgres>) -> StoreResult<()> {
    tx.commit().await.map_err(backend)
}

/// A schema to drop when the store is dropped.
struct TemporarySchema {
    connect: PgConnectOptions,
    schema: String,
    application_name: String,
}

impl Drop for TemporarySchema {
    fn drop(&mut self) {
        let connect = self.connect.clone();
        let schema = self.schema.clone();
        let app = self.application_name.clone();
        // Runs on its own thread and runtime: Drop may be called inside an
        // async runtime, where blocking on a future would panic.
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(mut conn) = sqlx::PgConnection::connect_with(&connect).await else {
                    return;
                };
                let Ok(schema) = quote_ident("schema", &schema) else {
                    return;
                };
                // The pool's idle connections may still hold a queued
                // rollback (and its locks): end them first.
                let _ = sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = $1 AND pid <> pg_backend_pid()",
                )
                .bind(&app)
                .execute(&mut conn)
                .await;
                let drop =
                    format!("SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {schema} CASCADE");
                let _ = sqlx::raw_sql(AssertSqlSafe(drop)).execute(&mut conn).await;
                let _ = conn.close().await;
            });
        });
        let _ = cleanup.join();
    }
}
