//! # Ticketry for Node.js
//!
//! A napi-rs addon over `ticketry-core`: the operations of the shared table
//! (`ticketry-wire`) as Promises (run on one tokio runtime, never on the
//! event loop), plain camelCase objects with `Date` instants and millisecond
//! durations, and `Error`s whose `code` is the core's stable code. The typed
//! methods and `ERROR_CODES` are generated (`index.js`, `index.d.ts`); this crate only
//! converts values, owns the backend's lifecycle and the `Calendar` class.

mod calendar;
mod convert;
mod desk;
mod wire;
