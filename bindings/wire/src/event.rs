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

/// A shaped event as an operation's result.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(transparent)]
pub struct Shaped(pub Value);

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Shaped {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Event".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        use ticketry_core::{Actor, TicketId, WorkspaceId};
        // `data`'s shapes: the kinds, for the generated clients' typings.
        let _ = g.subschema_for::<ticketry_core::EventKind>();
        schemars::json_schema!({
            "description": "A recorded event: the envelope, the dotted `type` and the kind's fields under `data`.",
            "type": "object",
            "properties": {
                "seq": { "type": "integer", "format": "uint64", "description": "Position in the workspace's log (the cursor), gap-free from 1." },
                "workspace_id": g.subschema_for::<WorkspaceId>(),
                "ticket_id": g.subschema_for::<Option<TicketId>>(),
                "actor": g.subschema_for::<Actor>(),
                "at": g.subschema_for::<chrono::DateTime<chrono::Utc>>(),
                "type": { "type": "string", "description": "The dotted name (`ticket.created`)." },
                "data": { "type": "object", "description": "The kind's fields (see `EventKind`).", "additionalProperties": true },
            },
            "required": ["seq", "workspace_id", "ticket_id", "actor", "at", "type", "data"],
        })
    }
}
