//! The storage backend behind a binding's `Helpdesk`, chosen by URL, with
//! its lifecycle (migrate, row-level-security check, close). Both bindings
//! open help desks here; only their option objects and warnings differ.

use std::sync::Arc;
use std::time::Duration;
use ticketry_core::{Error, Helpdesk, ManualClock};
use ticketry_memory::MemoryStore;
use ticketry_postgres::{PgOptions, PgStore};

/// The backend of a help desk.
#[derive(Debug, Clone)]
pub enum Backend {
    /// In this process.
    Memory,
    /// PostgreSQL.
    Postgres(PgStore),
}

/// How to reach PostgreSQL; `None` keeps [`PgOptions`]' default.
#[derive(Debug, Clone, Default)]
pub struct PgSettings {
    /// The schema holding Ticketry's tables.
    pub schema: Option<String>,
    /// A role subject to row-level security (`SET LOCAL ROLE`).
    pub role: Option<String>,
    /// Largest number of pooled connections.
    pub max_connections: Option<u32>,
    /// How long a call waits for a free connection.
    pub acquire_timeout: Option<Duration>,
    /// Server-side limit of one statement; `Some(None)`: the server's own.
    pub statement_timeout: Option<Option<Duration>>,
    /// Tests: migrate a fresh `<schema>_<random>` and drop it with the last handle.
    pub temporary: bool,
}

/// Most pooled connections a help desk may ask for (the pool reserves room
/// for them up front: a billion aborted the process; PostgreSQL's own
/// default is 100 connections per server).
pub const MAX_CONNECTIONS: u32 = 1_000;

impl PgSettings {
    /// `invalid_input` naming a setting out of range: a pool of 0 or more
    /// than [`MAX_CONNECTIONS`] connections, a statement timeout under a
    /// millisecond (PostgreSQL's unit: it would read as no limit) or over
    /// its largest, about 24.8 days.
    pub fn check(&self) -> Result<(), Error> {
        if let Some(n) = self.max_connections
            && !(1..=MAX_CONNECTIONS).contains(&n)
        {
            return Err(Error::invalid_input(
                "max_connections",
                format!("must be 1 to {MAX_CONNECTIONS}, got {n}"),
            ));
        }
        let most = Duration::from_millis(i32::MAX as u64);
        if let Some(Some(t)) = self.statement_timeout
            && !(Duration::from_millis(1)..=most).contains(&t)
        {
            return Err(Error::invalid_input(
                "statement_timeout",
                "must be 1 ms to 24 days (or none: the server's own)",
            ));
        }
        Ok(())
    }
}

/// A help desk and its backend, as [`open`] made them.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The service.
    pub desk: Helpdesk,
    /// Its backend.
    pub backend: Backend,
    /// Whether row-level security binds the store's role (`None` in memory
    /// or when it could not be read).
    pub rls: Option<bool>,
    /// How to open the same help desk on new connections (PostgreSQL).
    pub reopen: Option<Reopen>,
}

/// How to open a PostgreSQL help desk again: in a child process forked
/// after it was opened (a Celery or gunicorn worker), whose inherited
/// connections are the parent's sockets (a query sent on one mixes both
/// processes' answers) and whose runtime has no threads. The same URL and
/// settings, on the schema the store uses; never temporary (a temporary
/// schema stays the parent's to drop).
#[derive(Debug, Clone)]
pub struct Reopen {
    url: String,
    settings: PgSettings,
    clock: Option<Arc<ManualClock>>,
}

impl Reopen {
    /// The same help desk on new connections.
    pub async fn open(&self) -> Result<Opened, Error> {
        open(&self.url, self.settings.clone(), self.clock.clone()).await
    }
}

/// A help desk in memory.
pub fn in_memory(clock: Option<Arc<ManualClock>>) -> Opened {
    Opened {
        desk: with_clock(Arc::new(MemoryStore::new()), clock),
        backend: Backend::Memory,
        rls: None,
        reopen: None,
    }
}

/// A help desk on the backend `url` names: `memory:` for this process,
/// `postgres://…` or `postgresql://…` for PostgreSQL (not migrated: call
/// [`Backend::migrate`]).
pub async fn open(
    url: &str,
    settings: PgSettings,
    clock: Option<Arc<ManualClock>>,
) -> Result<Opened, Error> {
    settings.check()?;
    if url == "memory:" || url == "memory://" {
        return Ok(in_memory(clock));
    }
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(Error::invalid_input(
            "url",
            "must be memory: or a postgres:// URL",
        ));
    }
    let again = settings.clone();
    let mut options = PgOptions::default();
    if let Some(s) = settings.schema {
        options.schema = s;
    }
    if settings.role.is_some() {
        options.role = settings.role;
    }
    if let Some(n) = settings.max_connections {
        options.max_connections = n;
    }
    if let Some(t) = settings.acquire_timeout {
        options.acquire_timeout = t;
    }
    if let Some(t) = settings.statement_timeout {
        options.statement_timeout = t;
    }
    let store = if settings.temporary {
        PgStore::temporary(url, options).await
    } else {
        PgStore::connect(url, options).await
    }?;
    let rls = store.rls_enforced().await.ok();
    let reopen = Reopen {
        url: url.to_owned(),
        settings: PgSettings {
            schema: Some(store.schema().to_owned()),
            temporary: false,
            ..again
        },
        clock: clock.clone(),
    };
    Ok(Opened {
        desk: with_clock(Arc::new(store.clone()), clock),
        backend: Backend::Postgres(store),
        rls,
        reopen: Some(reopen),
    })
}

fn with_clock(
    store: Arc<dyn ticketry_core::store::Store>,
    clock: Option<Arc<ManualClock>>,
) -> Helpdesk {
    match clock {
        Some(c) => Helpdesk::with_clock(store, c),
        None => Helpdesk::new(store),
    }
}

impl Backend {
    /// `memory` or `postgres`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The PostgreSQL schema holding Ticketry's tables.
    pub fn schema(&self) -> Option<&str> {
        match self {
            Backend::Memory => None,
            Backend::Postgres(pg) => Some(pg.schema()),
        }
    }

    /// Creates or upgrades the tables (a no-op in memory).
    pub async fn migrate(self) -> Result<(), Error> {
        match self {
            Backend::Memory => Ok(()),
            Backend::Postgres(pg) => Ok(pg.migrate().await?),
        }
    }

    /// Whether row-level security binds the store's role; `None` in memory.
    pub async fn rls_enforced(self) -> Result<Option<bool>, Error> {
        match self {
            Backend::Memory => Ok(None),
            Backend::Postgres(pg) => Ok(Some(pg.rls_enforced().await?)),
        }
    }

    /// Closes the connection pool (a no-op in memory).
    pub async fn close(self) -> Result<(), Error> {
        if let Backend::Postgres(pg) = self {
            pg.close().await;
        }
        Ok(())
    }
}

/// The warning a binding gives when row-level security does not bind.
pub const RLS_OFF: &str = "ticketry: row-level security is off for this PostgreSQL role (a \
superuser or BYPASSRLS role): tenant isolation rests on the queries alone; connect with a role \
without those attributes";
