//! # Ticketry core
//!
//! The domain of an embeddable, multi-tenant help desk: workspaces, tickets
//! and their threads, the status workflow, priorities, categories, teams,
//! tags, response templates, the event log, business-hours calendars and SLA
//! clocks — as pure rules over values — plus the storage traits every
//! backend implements and the [`Helpdesk`] service that ties them together.
//!
//! Start with [`Helpdesk`] over a store such as `ticketry_memory::MemoryStore`.

pub mod access;
pub mod assignment;
pub mod automation;
pub mod calendar;
pub mod category;
pub mod clock;
pub mod duration_serde;
pub mod error;
pub mod event;
pub mod export;
pub mod html;
pub mod ids;
pub mod incident;
pub mod kb;
pub mod limits;
pub mod mail;
pub mod metrics;
pub mod panic;
pub mod people;
pub mod priority;
pub mod query;
pub mod report;
pub mod search;
mod service;
pub mod sla;
pub mod store;
pub mod tag;
pub mod team;
pub mod template;
pub mod ticket;
pub mod time_serde;
mod validate;
pub mod workspace;

#[cfg(feature = "testing")]
pub mod testing;

pub use category::{Category, CategoryInput};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result, StoreError};
pub use event::{Event, EventKind};
pub use ids::{
    AccessRequestId, AgentId, ArticleId, CategoryId, CustomerId, IncidentId, KbCategoryId,
    MessageId, PolicyId, SuggestionId, TeamId, TemplateId, TicketId, WorkspaceId,
};
pub use people::{Agent, AgentInput, Customer, CustomerInput};
pub use priority::{Priority, PriorityPreset};
pub use query::{Page, TicketOrder, TicketQuery};
pub use service::{
    AccessRequestInput, AlertKind, ArticleFilter, Assign, AutomationReport, BulkError, BulkOutcome,
    Health, Helpdesk, MessageInput, OpenTicket, SearchHit, SlaAlert, SweepReport, TicketStats,
    TicketUpdate, TimerFired,
};
pub use sla::{SlaMetric, SlaPolicy};
pub use tag::Tag;
pub use team::{Team, TeamInput};
pub use template::{Template, TemplateInput};
pub use ticket::{
    Activity, Actor, AssignmentAction, AssignmentRecord, Attachment, Channel, ImportMessage,
    ImportTicket, ImportedTicket, Link, Message, MessageKind, Satisfaction, Sender, Status, Thread,
    Ticket, View,
};
pub use workspace::{
    NewWorkspace, NumberFormat, NumberPiece, SettingsPatch, Workspace, WorkspaceSettings,
};
