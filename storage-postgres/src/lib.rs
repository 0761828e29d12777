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
//!    `SET LOCAL ticketry.workspace_id = '<uuid>'` (a read in the same
//!    message as its statement, a write with its `BEGIN`: see
//!    `src/statement.rs`), and every table has a
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
//!   row per workspace. A ticket write is one statement that updates that
//!   row first and then writes the ticket, its messages and events, sent
//!   with its `COMMIT` (`src/writes.rs`), together with the other ticket
//!   writes of the workspace waiting at that moment (`src/group_commit.rs`):
//!   the lock is held only while the server executes and commits them. Numbers therefore never collide, and never
//!   skip on success (a rolled-back write rolls its increment back). The same
//!   lock makes the per-workspace event `seq` gap-free *and* equal to commit
//!   order: a transaction can only take seq `n + 1` once the one holding `n`
//!   has committed, so a reader paging with a cursor (`seq > last seen`)
//!   never misses an event, even when writers run in parallel. Every write
//!   of several ticket rows (a batch, `set_timers_due`, a priority change)
//!   takes the counter row first, so writers never deadlock.
//! * **The catalog** (settings, priorities, SLA policies) that every ticket
//!   write reads is cached per process and validated by the write itself
//!   against the workspace's `catalog_version` (`src/cache.rs`).
//! * **Optimistic concurrency**: an update applies only if the stored
//!   `version` still equals the version the writer read; otherwise nothing
//!   is written and the call fails with `VersionConflict`. The losers of a
//!   race within one process are let back in turns (the next one once a
//!   write of the ticket has been applied, or after 100 ms), so many tasks
//!   changing one ticket do not collide again round after round.
//! * **Idempotency**: ticket and message idempotency keys have unique
//!   indexes per workspace. A ticket's key is stored with the fingerprint of
//!   the request it came with (`idempotency_fingerprint`): a create whose key
//!   exists returns the earlier ticket when the fingerprints are equal (or
//!   the earlier row, written before fingerprints existed, has none), and
//!   fails with `IdempotencyMismatch` otherwise. A message whose key exists
//!   returns the earlier message. When two writers race with one key, the
//!   loser hits the unique index, rolls back, and then answers the same way
//!   from the winner's row.
//!
//! ## Failures
//!
//! * A failure before `COMMIT` was sent rolls the transaction back:
//!   `StoreError::Backend` (code `storage`), nothing was written. So is a
//!   server's error in answer to `COMMIT` (serialization failure, deferred
//!   constraint): the server rolled back.
//! * A failure once `COMMIT` is on its way (I/O error, connection closed,
//!   protocol error, the session terminated) is
//!   `StoreError::OutcomeUnknown` (code `outcome_unknown`): the change may
//!   or may not be stored. Retry with the same idempotency key, or read
//!   first.
//! * The pool does not test every connection before handing it out (that
//!   would cost every call a round trip). After a server restart every
//!   pooled connection is dead: a read sent on one is sent again on another;
//!   a write pings a connection that sat idle for 100 ms or more first, and
//!   a write whose session the server had ended before it ran anything is
//!   sent again, at most `max_connections + 1` times, so the first call
//!   after a restart succeeds. A connection lost without any answer to a
//!   write leaves it `OutcomeUnknown` (the write's message holds its
//!   `COMMIT`; see `statement.rs`).
//! * Error messages carry the server's message and SQLSTATE, never the
//!   server's source location, and at most [`MAX_MESSAGE`] characters.
//!
//! ## Indexes
//!
//! Tickets are indexed for the queues hosts show: by status + priority, the
//! agent queue (active tickets in urgency order, a partial index), by
//! assignee, by team, by customer, by tag (GIN), and by the instant of the
//! next SLA check (`ticket.sla.next_check()`), so the SLA sweep
//! ([`TicketStore::sla_due`]) reads only the due tickets. Numbers are found
//! ASCII-case-insensitively through `number_key`, a stored
//! `lower(number COLLATE "C")` with a unique index per workspace (a stored
//! column, not an expression index: `lower()` is not leakproof, so under
//! row-level security PostgreSQL would not use an index on it). Timestamps are
//! stored with microsecond precision (PostgreSQL's); the sweep re-checks the
//! exact instant on the decoded ticket.

mod backlog;
mod cache;
mod catalog;
mod events;
mod group_commit;
mod import;
mod incidents;
mod kb;
mod kept;
mod mail;
mod recent;
mod statement;
mod stats;
mod tickets;
mod turns;
mod writes;

pub use group_commit::GroupCommitStats;

use sqlx::error::DatabaseError;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgDatabaseError, PgPoolOptions, PgSeverity};
use sqlx::{AssertSqlSafe, Connection, PgPool, Postgres, Transaction};
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use ticketry_core::error::shown;
use ticketry_core::{StoreError, WorkspaceId};

pub use ticketry_core::store::{
    CatalogStore, DirectoryStore, EventStore, Store, StoreResult, TicketStore, WorkspaceStore,
};

/// The embedded migrations (`storage-postgres/migrations`).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Every table Ticketry creates, each under a row-level-security policy
/// (`FORCE`d on all but the search terms' tables `ticket_terms`,
/// `article_terms` and `customer_terms`: see migrations 0016, 0022, 0023).
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
    "rules",
    "tickets",
    "messages",
    "assignments",
    "events",
    "event_consumers",
    "incidents",
    "access_requests",
    "kb_categories",
    "articles",
    "article_votes",
    "article_views",
    "kb_suggestions",
    "daily_stats",
    "inbound_mail",
    "ticket_terms",
    "ticket_tags",
    "article_terms",
    "customer_terms",
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

/// How much longer than its statements' timeouts a call waits for the
/// server's answer ([`Inner::answer_within`]).
pub(crate) const ANSWER_MARGIN: Duration = Duration::from_secs(5);

/// A store's [`Inner::answer_within`]: its statement timeout.
fn answer_within(options: &PgOptions) -> Option<Duration> {
    options.statement_timeout
}

struct Inner {
    pool: PgPool,
    /// The statement timeout: a message of `n` statements gets `n` times it
    /// and [`ANSWER_MARGIN`] to answer before the call gives up (the server
    /// cancels each statement at its timeout, counted again for each one of
    /// a message since PostgreSQL 13, so a longer silence is the network or
    /// the server gone: TCP alone would wait for minutes). `None` without a
    /// statement timeout, or on a host's own pool.
    answer_within: Option<Duration>,
    /// Whether `pool` pings a connection idle for long before a write takes
    /// it ([`statement::check_before_write`]).
    checks_idle: bool,
    /// Connections kept between calls, off the pool ([`kept`]).
    kept: kept::Kept,
    schema: String,
    role: Option<String>,
    /// `SET LOCAL search_path …; SET LOCAL ROLE …; ` (audited: quoted identifiers).
    scope_prefix: String,
    /// Workspace catalogs read by ticket writes.
    catalogs: cache::Catalogs,
    /// Drops the schema when the store goes away ([`PgStore::temporary`]).
    temporary: Option<TemporarySchema>,
    /// Retry turns of concurrent writers of one ticket.
    turns: turns::Turns,
    /// Tickets this process wrote lately, for the next change of them.
    recent: recent::Recent,
    /// Ticket writes waiting to be sent together.
    group_commit: group_commit::GroupCommit,
    /// [`PgStore::rls_enforced`], once known.
    rls: OnceLock<bool>,
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

/// Locks `m`; a panic of another holder (a bug) does not poison the
/// store's in-process state, which every writer leaves consistent.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Longest message a [`StoreError`] of this backend carries, in characters.
pub const MAX_MESSAGE: usize = 300;

/// `text`, cut to [`MAX_MESSAGE`] characters (the rest replaced by `…`).
fn capped(mut text: String) -> String {
    if let Some((cut, _)) = text.char_indices().nth(MAX_MESSAGE) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// A driver error as text for a [`StoreError`]: for a server error its
/// message and SQLSTATE, without the ` at line N` that sqlx's `Display`
/// appends (the line of the PostgreSQL *source file* that raised it, field
/// `L` of the error response, meaningless to a caller), bounded by
/// [`MAX_MESSAGE`].
pub(crate) fn describe(e: &sqlx::Error) -> String {
    capped(describe_unbounded(e))
}

fn describe_unbounded(e: &sqlx::Error) -> String {
    use sqlx::migrate::MigrateError;
    match e {
        sqlx::Error::Database(d) => match d.code() {
            Some(code) => format!("error returned from database: {} ({code})", d.message()),
            None => format!("error returned from database: {}", d.message()),
        },
        sqlx::Error::Migrate(m) => match &**m {
            MigrateError::Execute(e) => format!("while executing migrations: {}", describe(e)),
            MigrateError::ExecuteMigration(e, v) => {
                format!("while executing migration {v}: {}", describe(e))
            }
            other => other.to_string(),
        },
        other => other.to_string(),
    }
}

/// Maps a driver error onto the store's error (a failure before anything
/// was committed: the transaction, if any, is rolled back).
pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend(describe(&e))
}

/// Whether `e` says the connection is unusable (I/O, TLS, protocol, the
/// server shutting down or crashing) rather than answering the statement.
/// Only such errors are retried on a fresh connection.
pub(crate) fn is_connection_error(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| is_connection_code(&c)),
        _ => false,
    }
}

/// SQLSTATEs of a lost session: class 08 (connection exception), 57P01
/// (admin shutdown, also sent to every session by a fast shutdown or
/// `pg_terminate_backend`) and 57P02 (crash shutdown).
fn is_connection_code(code: &str) -> bool {
    code.starts_with("08") || code == "57P01" || code == "57P02"
}

/// Whether a server error ends the session (`FATAL`/`PANIC`, or one of the
/// codes of [`is_connection_error`]): sent in answer to `COMMIT`, it does not
/// tell whether the commit happened first.
fn ends_session(d: &dyn DatabaseError) -> bool {
    d.try_downcast_ref::<PgDatabaseError>()
        .is_some_and(|p| matches!(p.severity(), PgSeverity::Fatal | PgSeverity::Panic))
        || d.code().is_some_and(|c| is_connection_code(&c))
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
            "invalid {what} name {:?}: 1-63 bytes, no NUL",
            shown(name)
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

/// `SET LOCAL` of the search path and the role, for the start of a transaction.
fn scope_prefix(schema: &str, role: Option<&str>) -> StoreResult<String> {
    let mut sql = format!(
        "SET LOCAL search_path TO {}; ",
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
        let within = answer_within(&options);
        let store = Self::build(pool, &options.schema, options.role, None, true, within)?;
        // Known from now on; if the check fails (e.g. the role is created
        // later), the first call of `rls_enforced` or `migrate` makes it.
        let _ = store.rls_enforced().await;
        Ok(store)
    }

    /// A store on the host's own pool, with Ticketry's tables in `schema`.
    /// Runs as the pool's login user unless [`PgStore::with_role`] is used.
    pub fn from_pool(pool: PgPool, schema: &str) -> StoreResult<Self> {
        Self::build(pool, schema, None, None, false, None)
    }

    /// The same store, switching every transaction to `role` (see
    /// [`PgOptions::role`]).
    pub fn with_role(self, role: Option<&str>) -> StoreResult<Self> {
        Self::build(
            self.inner.pool.clone(),
            &self.inner.schema,
            role.map(str::to_owned),
            None,
            self.inner.checks_idle,
            self.inner.answer_within,
        )
    }

    /// Connects like [`PgStore::connect`], migrates a fresh schema named
    /// `<options.schema>_<random>`, and drops that schema (with all its data)
    /// on [`close`](PgStore::close), else when the last clone of the store
    /// is dropped. Meant for tests: each
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
            dropped: Default::default(),
        };
        let within = answer_within(&options);
        let store = Self::build(
            pool,
            &options.schema,
            options.role,
            Some(guard),
            true,
            within,
        )?;
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
        // sqlx checks each connection when it returns to the pool (a call
        // that ends well keeps its connection instead, with nothing pending
        // on it: `kept.rs`); checking it again on acquire would cost every
        // call one more round trip. Only a write that takes a connection
        // idle for a while pings it first (`statement::check_before_write`).
        Ok(PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false)
            .before_acquire(|conn, meta| Box::pin(statement::check_before_write(conn, meta))))
    }

    /// A store on `pool`; `checks_idle`: the pool was made by
    /// [`PgStore::pool_options`] and pings a connection idle for long before
    /// a write takes it (a host's own pool does not: every write pings).
    fn build(
        pool: PgPool,
        schema: &str,
        role: Option<String>,
        temporary: Option<TemporarySchema>,
        checks_idle: bool,
        answer_within: Option<Duration>,
    ) -> StoreResult<Self> {
        let scope_prefix = scope_prefix(schema, role.as_deref())?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                checks_idle,
                answer_within,
                kept: kept::Kept::default(),
                schema: schema.to_owned(),
                role,
                scope_prefix,
                catalogs: cache::Catalogs::default(),
                temporary,
                turns: turns::Turns::default(),
                recent: recent::Recent::default(),
                group_commit: group_commit::GroupCommit::default(),
                rls: OnceLock::new(),
            }),
        })
    }

    /// The connection pool (for the host's own queries). The store keeps
    /// the connections of its recent calls off the pool for up to a second
    /// (see `kept.rs`); close the store with [`PgStore::close`] rather than
    /// the pool, which would wait for them.
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
    /// Ticketry's tables; that role must exist first (else nothing is
    /// created or migrated).
    pub async fn migrate(&self) -> StoreResult<()> {
        let schema = quote_ident("schema", &self.inner.schema)?;
        // The session's search_path changes below: take the connection out
        // of the pool and close it afterwards.
        let mut conn = self.acquire_live().await?.detach();
        let result = async {
            if let Some(role) = &self.inner.role {
                let found: Option<i32> =
                    sqlx::query_scalar("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1")
                        .bind(role)
                        .fetch_optional(&mut conn)
                        .await
                        .map_err(backend)?;
                if found.is_none() {
                    return Err(StoreError::Backend(format!(
                        "role {:?} does not exist: create it before migrating \
                         (the migration grants it its rights)",
                        ticketry_core::error::shown(role)
                    )));
                }
            }
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
            // `run_direct` on the connection itself: `run` takes an
            // `Acquire<'a>`, whose higher-ranked bound makes this future
            // not `Send` (hosts could not spawn it on a multi-thread runtime).
            MIGRATOR
                .run_direct(None, &mut conn, false)
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
            self.drain_search_backlog(&mut conn).await?;
            Ok(())
        }
        .await;
        let _ = conn.close().await;
        result?;
        // The role's rights may have changed with this migration's grants.
        let enforced = self.check_rls().await?;
        let _ = self.inner.rls.set(enforced);
        Ok(())
    }

    /// Whether the role this store's transactions run as is subject to
    /// row-level security: `true` iff that role, [`PgOptions::role`] (or
    /// [`PgStore::with_role`]) when set, else the login user, is neither a
    /// superuser nor `BYPASSRLS`. When it is `false`, tenant isolation rests
    /// on the queries' `WHERE workspace_id = …` alone.
    ///
    /// Computed once per store: by [`PgStore::connect`] and
    /// [`PgStore::temporary`], by [`PgStore::migrate`], else by the first
    /// call (for [`PgStore::from_pool`] and [`PgStore::with_role`]); later
    /// calls only read it, so changing the role's attributes afterwards is
    /// not noticed. Prints nothing: a host that requires RLS checks this at
    /// start-up and decides itself (warn, or refuse to start).
    pub async fn rls_enforced(&self) -> StoreResult<bool> {
        if let Some(&enforced) = self.inner.rls.get() {
            return Ok(enforced);
        }
        let enforced = self.check_rls().await?;
        Ok(*self.inner.rls.get_or_init(|| enforced))
    }

    /// Asks the server whether the transactions' role bypasses RLS.
    async fn check_rls(&self) -> StoreResult<bool> {
        let mut tx = self
            .begin_with_retry(self.inner.scope_prefix.clone())
            .await?;
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
    ///
    /// A connection found dead while beginning (e.g. every pooled connection
    /// after a server restart) is discarded and the transaction begun on
    /// another one (at most `max_connections + 1` attempts).
    pub async fn begin(&self, ws: WorkspaceId) -> StoreResult<Transaction<'static, Postgres>> {
        let scope = format!(
            "{}SET LOCAL ticketry.workspace_id = '{}'; ",
            self.inner.scope_prefix,
            ws.as_uuid()
        );
        self.begin_with_retry(scope).await
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
        let scope = format!(
            "{}SET LOCAL ticketry.workspace_slug = {literal}; ",
            self.inner.scope_prefix
        );
        self.begin_with_retry(scope).await.map(Some)
    }

    /// How many connections a call may try before giving up on a connection
    /// error: every pooled one may be dead, plus a fresh one.
    fn connection_attempts(&self) -> u32 {
        self.inner
            .pool
            .options()
            .get_max_connections()
            .saturating_add(1)
    }

    /// Takes a connection and begins a transaction on it with the settings
    /// `scope` (`SET LOCAL …; `), sent as one message `scope BEGIN`.
    ///
    /// The settings come before `BEGIN`: they run in the message's implicit
    /// transaction, which `BEGIN` then turns into the explicit one, keeping
    /// them. So when the server refuses one (a role that does not exist or
    /// is not granted), the implicit transaction ends with the message and
    /// the connection goes back to the pool out of any transaction. With
    /// `BEGIN` first it stayed in the aborted block (sqlx rolls back only a
    /// transaction it saw begin), and the next call on it failed with
    /// "current transaction is aborted" instead of the server's reason.
    ///
    /// The pool does not test connections before handing them out (that
    /// would cost every call a round trip), so after a server restart every
    /// idle connection is dead and fails here. Nothing of the transaction can
    /// have been written at this point, so on a connection error (see
    /// [`is_connection_error`]) the call is repeated: the failed connection
    /// is not returned to the pool (its release check fails and closes it),
    /// and the next one is another idle connection or a new one. At most
    /// `max_connections + 1` attempts; other errors are returned at once.
    async fn begin_with_retry(&self, scope: String) -> StoreResult<Transaction<'static, Postgres>> {
        let sql = format!("{scope}BEGIN");
        let attempts = self.connection_attempts();
        let mut attempt = 1;
        loop {
            match self.inner.pool.begin_with(AssertSqlSafe(sql.clone())).await {
                Ok(tx) => return Ok(tx),
                Err(e) if attempt < attempts && is_connection_error(&e) => attempt += 1,
                Err(e) => return Err(backend(e)),
            }
        }
    }

    /// A pooled connection that answered a ping (for [`PgStore::migrate`],
    /// which is rare enough to afford the round trip), with the same
    /// bounded retry as [`PgStore::begin_with_retry`].
    async fn acquire_live(&self) -> StoreResult<PoolConnection<Postgres>> {
        let attempts = self.connection_attempts();
        let mut attempt = 1;
        loop {
            let result = match self.inner.pool.acquire().await {
                Ok(mut conn) => conn.ping().await.map(|()| conn),
                Err(e) => Err(e),
            };
            match result {
                Ok(conn) => return Ok(conn),
                Err(e) if attempt < attempts && is_connection_error(&e) => attempt += 1,
                Err(e) => return Err(backend(e)),
            }
        }
    }
}

/// Commits, telling a refused commit from one whose outcome is unknown.
///
/// * The server answered `COMMIT` with an error (a serialization failure, a
///   deferred constraint): the transaction was rolled back, nothing was
///   written: `Backend`.
/// * The connection failed once `COMMIT` was on its way (I/O error, closed
///   connection, protocol error, the session terminated with `FATAL`): the
///   server may have committed before the reply was lost: `OutcomeUnknown`.
///
/// Every statement before `COMMIT` is awaited to its end (`ReadyForQuery`)
/// by the store's code, so nothing is pending on the connection and sqlx's
/// `commit` starts by writing `COMMIT`: any failure in it happens after the
/// commit may have reached the server. A failure of an earlier statement
/// never gets here (its `Backend` error returns first and the dropped
/// transaction rolls back).
pub(crate) async fn commit(tx: Transaction<'static, Postgres>) -> StoreResult<()> {
    tx.commit().await.map_err(commit_error)
}

/// Whether the server answered with an error that refuses the statement and
/// keeps the session: the transaction is aborted, nothing of it is committed.
pub(crate) fn is_refusal(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if !ends_session(&**d))
}

pub(crate) fn commit_error(e: sqlx::Error) -> StoreError {
    match &e {
        _ if is_refusal(&e) => backend(e),
        _ => StoreError::OutcomeUnknown(capped(format!(
            "the connection failed while committing, the change may or may not be stored: {}",
            describe(&e)
        ))),
    }
}

/// A schema to drop when the store is dropped.
struct TemporarySchema {
    connect: PgConnectOptions,
    schema: String,
    application_name: String,
    /// Set once the schema is dropped (by [`PgStore::close`] or the drop).
    dropped: std::sync::atomic::AtomicBool,
}

impl TemporarySchema {
    /// Drops the schema, once: ends the store's own sessions first (idle
    /// pooled connections may still hold a queued rollback and its locks).
    async fn drop_schema(&self) {
        if self.dropped.swap(true, std::sync::atomic::Ordering::AcqRel) {
            return;
        }
        let Ok(mut conn) = sqlx::PgConnection::connect_with(&self.connect).await else {
            // Not dropped: the last handle's drop tries again.
            self.dropped
                .store(false, std::sync::atomic::Ordering::Release);
            return;
        };
        let Ok(schema) = quote_ident("schema", &self.schema) else {
            return;
        };
        let _ = sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1 AND pid <> pg_backend_pid()",
        )
        .bind(&self.application_name)
        .execute(&mut conn)
        .await;
        let drop = format!("SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {schema} CASCADE");
        let _ = sqlx::raw_sql(AssertSqlSafe(drop)).execute(&mut conn).await;
        let _ = conn.close().await;
    }
}

impl Drop for TemporarySchema {
    fn drop(&mut self) {
        if *self.dropped.get_mut() {
            return;
        }
        // Runs on its own thread and runtime: Drop may be called inside an
        // async runtime, where blocking on a future would panic.
        let this: &TemporarySchema = self;
        std::thread::scope(|scope| {
            scope.spawn(|| {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(this.drop_schema());
                }
            });
        });
    }
}

/// `migrate` and `temporary` return `Send` futures: a host spawns them on
/// any tokio runtime (checked at compile time).
#[allow(dead_code)]
fn migration_futures_are_send(store: &PgStore, url: &str) {
    fn is_send<T: Send>(_: &T) {}
    is_send(&store.migrate());
    is_send(&PgStore::temporary(url, PgOptions::default()));
}
