//! Response templates (macros): canned replies with variables, rendered by
//! minijinja (Jinja2 syntax, so Django hosts already know it).

use crate::error::{Error, Result};
use crate::ids::{CategoryId, TemplateId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A canned reply.
///
/// Variables available in `body`: `ticket` (`number`, `subject`, `status`,
/// `priority`, `channel`, `created_at`, `custom_fields`…), `customer` (`id`,
/// `name`, `email`, `tier`), `agent` (`id`, `name`, `email`; the agent the
/// render is for, or the assignee) and `workspace` (`name`, `slug`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// Id.
    pub id: TemplateId,
    /// Display name.
    pub name: String,
    /// Jinja2 body, e.g. `Hello {{ customer.name }}, about {{ ticket.number }}…`.
    pub body: String,
    /// Language code (`en`, `ru`).
    pub language: Option<String>,
    /// Only offered for tickets of this category (and its children).
    pub category: Option<CategoryId>,
    /// How many times it was rendered for a ticket.
    pub usage_count: u64,
    /// Inactive templates cannot be rendered.
    pub active: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Input for creating or updating a template.
#[derive(Debug, Clone, Default)]
pub struct TemplateInput {
    /// Display name.
    pub name: String,
    /// Jinja2 body; rejected with `invalid_input` (field `body`) if it does not parse.
    pub body: String,
    /// Language code.
    pub language: Option<String>,
    /// Category filter.
    pub category: Option<CategoryId>,
    /// `None` means active.
    pub active: Option<bool>,
}

fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
}

/// Checks that `body` is a valid template.
///
/// ```
/// use ticketry_core::template::check_syntax;
/// assert!(check_syntax("Hi {{ customer.name }}").is_ok());
/// assert_eq!(check_syntax("Hi {{ customer.name ").unwrap_err().code(), "invalid_input");
/// ```
pub fn check_syntax(body: &str) -> Result<()> {
    environment()
        .template_from_str(body)
        .map(|_| ())
        .map_err(|e| Error::invalid_input("body", format!("template does not parse: {e}")))
}

/// Renders `body` with a serializable context.
pub(crate) fn render(body: &str, context: impl Serialize) -> Result<String> {
    environment()
        .render_str(body, minijinja::value::Serde(context))
        .map_err(|e| Error::invalid_input("body", format!("template failed to render: {e}")))
}
