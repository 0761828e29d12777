//! Tags: free labels on tickets, with optional display metadata.

use serde::{Deserialize, Serialize};

/// A tag's display metadata. Tickets carry tag slugs; a slug needs no
/// registered `Tag` to be used, registering one only names and colors it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Tag {
    /// Key used on tickets: 1–64 of `a-z 0-9 _ - . :`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// `#rrggbb`.
    pub color: Option<String>,
}
