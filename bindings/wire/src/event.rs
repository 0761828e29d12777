//! Events as both bindings present them: the envelope (`seq`,
//! `workspace_id`, `ticket_id`, `actor`, `at`), the dotted `type`, and the
//! kind's own fields under `data` (instants and durations typed).

use crate::value::{Value, encode};
use ticketry_core::{Error, Event};

/// An event as a [`Value`] struct named `Event`.
pub fn shape(e: &Event) -> Result<Value, Error> {
    let data = match encode(&e.kind)? {
        Value::Struct(_, fields) => fields.into_iter().filter(|(k, _)| *k != "type").collect(),
        _ => Vec::new(),
    };
    Ok(Value::Struct(
        "Event",
        vec![
            ("seq", encode(&e.seq)?),
            ("workspace_id", encode(&e.workspace_id)?),
            ("ticket_id", encode(&e.ticket_id)?),
            ("actor", encode(&e.actor)?),
            ("at", encode(&e.at)?),
            ("type", Value::Str(e.kind.name().to_owned())),
            ("data", Value::Struct("EventData", data)),
        ],
    ))
}
