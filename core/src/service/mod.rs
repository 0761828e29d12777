//! The service: one entry point over a store and a clock.
//!
//! Every operation is scoped by a [`WorkspaceId`]; an id of another workspace
//! is `not_found`, never data. Validation happens before anything is written,
//! so an operation that returns an error changed nothing.

mod access;
mod assignment;
mod automation;
mod catalog;
mod directory;
mod import;
mod incidents;
mod kb;
mod mail;
mod merge;
mod metrics;
mod sla;
mod tickets;
mod timers;

pub use access::AccessRequestInput;
pub use kb::ArticleFilter;
#[cfg(feature = "testing")]
pub(crate) use mail::mail_key;
pub use sla::{AlertKind, SlaAlert, SweepReport};
pub use tickets::{
    Assign, BulkError, BulkOutcome, MessageInput, OpenTicket, SearchHit, TicketStats, TicketUpdate,
};

pub use timers::{AutomationReport, TimerFired};

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::ids::WorkspaceId;
use crate::priority::PriorityPreset;
use crate::store::{Store, WorkspaceCatalog};
use crate::validate;
use crate::workspace::{NewWorkspace, SettingsPatch, Workspace, WorkspaceSettings};
use std::sync::Arc;

/// The help desk: all operations, over a [`Store`] and a [`Clock`].
///
/// Cheap to clone (two `Arc`s); share one per process.
///
/// ```
/// # use ticketry_core::*;
/// # async fn demo(store: std::sync::Arc<dyn ticketry_core::store::Store>) -> Result<()> {
/// let desk = Helpdesk::new(store);
/// let ws = desk.create_workspace(NewWorkspace::new("Acme", "acme")).await?;
/// let alice = CustomerId::new("user-1")?;
/// desk.put_customer(ws.id, CustomerInput::new(alice.clone(), "Alice")).await?;
/// let t = desk.open_ticket(ws.id, OpenTicket::new(alice, "Cannot log in", "It says 403")).await?;
/// assert_eq!(t.number, format!("TKT-{}-00001", t.created_at.format("%Y")));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Helpdesk {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    calendars: Arc<sla::CalendarCache>,
}

impl NewWorkspace {
    /// A workspace with default settings and the low..urgent priorities.
    pub fn new(name: impl Into<String>, slug: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            slug: slug.into(),
            settings: WorkspaceSettings::default(),
            priority_preset: Some(PriorityPreset::LowToUrgent),
        }
    }
}

/// What [`Helpdesk::health`] found.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Health {
    /// When it was checked (the desk's clock).
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub at: chrono::DateTime<chrono::Utc>,
    /// How long the store took to answer, in microseconds.
    pub round_trip_us: u64,
}

impl Helpdesk {
    /// Checks that the store answers (one cheap round trip); `storage` when
    /// it does not. For a host's health endpoint.
    pub async fn health(&self) -> Result<Health> {
        let started = std::time::Instant::now();
        self.store.ping().await?;
        Ok(Health {
            at: self.clock.now(),
            round_trip_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        })
    }

    /// A help desk on `store` with the system clock.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::with_clock(store, Arc::new(SystemClock))
    }

    /// A help desk with an injected clock (tests, simulations).
    pub fn with_clock(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            calendars: Arc::default(),
        }
    }

    /// The store (for hosts that need a backend-specific call).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The clock's reading, if Ticketry can store it (`invalid_input` on
    /// `clock` otherwise: a host's manual clock set to year -10000 must not
    /// write what one backend accepts and another cannot store).
    pub fn now(&self) -> Result<chrono::DateTime<chrono::Utc>> {
        crate::limits::instant("clock", self.clock.now())
    }

    /// Creates a workspace; `already_exists` if the slug is taken.
    pub async fn create_workspace(&self, input: NewWorkspace) -> Result<Workspace> {
        let ws = Workspace {
            id: WorkspaceId::generate(),
            name: validate::text("name", &input.name, 200)?,
            slug: validate::key("slug", &input.slug)?,
            settings: input.settings,
            created_at: self.now()?,
        };
        ws.settings.validate()?;
        self.store.insert_workspace(&ws).await?;
        if let Some(preset) = input.priority_preset {
            self.store
                .save_priorities(ws.id, &preset.priorities())
                .await?;
        }
        Ok(ws)
    }

    /// A workspace by id.
    pub async fn get_workspace(&self, id: WorkspaceId) -> Result<Workspace> {
        self.store
            .get_workspace(id)
            .await?
            .ok_or_else(|| Error::not_found("workspace", id))
    }

    /// What ticket writes read about the workspace (settings, priorities,
    /// SLA policies), as the store serves it: possibly from a cache that the
    /// write validates. Also the cheap way to check that the workspace
    /// exists (`not_found` otherwise).
    pub(crate) async fn catalog(&self, ws: WorkspaceId) -> Result<Arc<WorkspaceCatalog>> {
        self.store
            .catalog(ws)
            .await?
            .ok_or_else(|| Error::not_found("workspace", ws))
    }

    /// A workspace by slug.
    pub async fn get_workspace_by_slug(&self, slug: &str) -> Result<Workspace> {
        let found = match slug.contains('\0') {
            // No stored slug holds NUL (PostgreSQL could not store it).
            true => None,
            false => self.store.get_workspace_by_slug(slug).await?,
        };
        found.ok_or_else(|| Error::not_found("workspace", slug))
    }

    /// Renames a workspace and/or changes some of its settings (the ones
    /// the patch leaves `None` keep their value).
    pub async fn update_workspace(
        &self,
        id: WorkspaceId,
        name: Option<String>,
        settings: Option<SettingsPatch>,
    ) -> Result<Workspace> {
        let mut ws = self.get_workspace(id).await?;
        if let Some(name) = name {
            ws.name = validate::text("name", &name, 200)?;
        }
        if let Some(patch) = settings {
            let settings = patch.apply(ws.settings);
            settings.validate()?;
            ws.settings = settings;
        }
        self.store.update_workspace(&ws).await?;
        Ok(ws)
    }

    /// Events with `seq > after`, oldest first, at most `limit` (1..=1000).
    pub async fn events(&self, ws: WorkspaceId, after: u64, limit: usize) -> Result<Vec<Event>> {
        if !(1..=1000).contains(&limit) {
            return Err(Error::invalid_input("limit", "must be between 1 and 1000"));
        }
        self.catalog(ws).await?;
        Ok(self.store.events_after(ws, after, limit).await?)
    }

    /// Records that `consumer` (e.g. `"mailer"`) handled every event up to `seq`.
    /// Acknowledging an event that does not exist yet is `invalid_input`: it
    /// would make the consumer skip events written later.
    pub async fn ack_events(&self, ws: WorkspaceId, consumer: &str, seq: u64) -> Result<()> {
        validate::key("consumer", consumer)?;
        self.catalog(ws).await?;
        if seq > 0 && self.store.events_after(ws, seq - 1, 1).await?.is_empty() {
            return Err(Error::invalid_input(
                "seq",
                format!("there is no event {seq} yet"),
            ));
        }
        Ok(self.store.ack_events(ws, consumer, seq).await?)
    }

    /// The last `seq` `consumer` acknowledged (0 if none): where to resume.
    pub async fn consumer_position(&self, ws: WorkspaceId, consumer: &str) -> Result<u64> {
        validate::key("consumer", consumer)?;
        Ok(self.store.consumer_position(ws, consumer).await?)
    }
}
