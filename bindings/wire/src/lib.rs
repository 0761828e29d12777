//! # ticketry-wire
//!
//! What the Python and the Node binding share: the [operation table](ops)
//! (each operation defined once: its arguments, its core call, its doc) and
//! the strict conversion between host values and core types
//! ([`value`]). A binding only turns its own values into a [`Value`] and
//! back, and calls [`ops::call`]; every rule and default lives in the core
//! or in the table.
//!
//! ```
//! use ticketry_wire::{Host, Value, ops};
//! use ticketry_core::Helpdesk;
//! # let desk = Helpdesk::new(std::sync::Arc::new(ticketry_memory::MemoryStore::new()));
//! let args = Value::Map(vec![
//!     ("name".into(), Value::Str("Acme".into())),
//!     ("slug".into(), Value::Str("acme".into())),
//!     ("prioritPreset".into(), Value::Null),
//! ]);
//! let err = ops::call(&desk, None, "create_workspace", args, Host::Node).err().unwrap();
//! assert_eq!(err.to_string(), "invalid input: prioritPreset: unknown key");
//! ```

pub mod backend;
pub mod error;
pub mod event;
pub mod ops;
pub mod value;

pub use value::{Host, Value};

/// `invalid_input` (field `arrays`) unless two batch arrays have the same
/// length (the `Calendar` batch calls of both bindings).
pub fn same_length(a: usize, b: usize) -> Result<(), ticketry_core::Error> {
    if a == b {
        return Ok(());
    }
    Err(ticketry_core::Error::invalid_input(
        "arrays",
        format!("both arrays must have the same length (got {a} and {b})"),
    ))
}
