//! Business-hours calendars (being written; temporary wiring by the core author).
mod config;
mod error;
pub use config::*;
pub use error::*;
