//! Tickets as CSV, for spreadsheets and a host's own reporting (the admin
//! "export to CSV" of seeds 000 and 002): the columns a caller chooses,
//! instants in the workspace's time zone, written by the `csv` crate
//! (RFC 4180 quoting, CRLF line ends), a page at a time so that an export
//! of any size is streamed, never held whole.
//!
//! ```
//! use ticketry_core::export::{Column, Exporter};
//! let e = Exporter::new(vec![Column::Number, Column::Subject], chrono_tz::UTC);
//! let mut out = Vec::new();
//! e.header(&mut out).unwrap();
//! assert_eq!(String::from_utf8(out).unwrap(), "number,subject\r\n");
//! ```

use crate::error::{Error, Result};
use crate::ticket::Ticket;
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A column of a ticket export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// Ticket id.
    Id,
    /// Number (`TKT-2026-00042`).
    Number,
    /// Subject.
    Subject,
    /// Description.
    Description,
    /// Status.
    Status,
    /// Priority code.
    Priority,
    /// Category id.
    Category,
    /// Channel.
    Channel,
    /// Customer id.
    Customer,
    /// Assignee id.
    Assignee,
    /// Team id.
    Team,
    /// Tags, space-separated.
    Tags,
    /// Links (`order:8812`), space-separated.
    Links,
    /// Created.
    CreatedAt,
    /// Last changed.
    UpdatedAt,
    /// First public agent reply.
    FirstResponseAt,
    /// Last resolved.
    ResolvedAt,
    /// Last closed.
    ClosedAt,
    /// Rating, 1–5.
    Rating,
}

impl Column {
    /// The default columns, in order.
    pub const DEFAULT: [Column; 16] = [
        Column::Number,
        Column::Subject,
        Column::Status,
        Column::Priority,
        Column::Category,
        Column::Channel,
        Column::Customer,
        Column::Assignee,
        Column::Team,
        Column::Tags,
        Column::Links,
        Column::CreatedAt,
        Column::FirstResponseAt,
        Column::ResolvedAt,
        Column::ClosedAt,
        Column::Rating,
    ];

    /// The header name (the serde name).
    pub fn name(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Number => "number",
            Column::Subject => "subject",
            Column::Description => "description",
            Column::Status => "status",
            Column::Priority => "priority",
            Column::Category => "category",
            Column::Channel => "channel",
            Column::Customer => "customer",
            Column::Assignee => "assignee",
            Column::Team => "team",
            Column::Tags => "tags",
            Column::Links => "links",
            Column::CreatedAt => "created_at",
            Column::UpdatedAt => "updated_at",
            Column::FirstResponseAt => "first_response_at",
            Column::ResolvedAt => "resolved_at",
            Column::ClosedAt => "closed_at",
            Column::Rating => "rating",
        }
    }
}

/// Most tickets [`Helpdesk::export_tickets_csv`](crate::Helpdesk::export_tickets_csv)
/// writes into one string (page with `export_tickets_csv_page` beyond).
pub const MAX_ROWS: usize = 100_000;

/// The UTF-8 byte-order mark, which tells Excel the file is UTF-8.
pub const BOM: &str = "\u{feff}";

/// Writes tickets as CSV lines.
#[derive(Debug, Clone)]
pub struct Exporter {
    columns: Vec<Column>,
    tz: Tz,
}

impl Exporter {
    /// An exporter of `columns` (none: [`Column::DEFAULT`]) with instants in `tz`.
    pub fn new(columns: Vec<Column>, tz: Tz) -> Self {
        let columns = if columns.is_empty() {
            Column::DEFAULT.to_vec()
        } else {
            columns
        };
        Self { columns, tz }
    }

    /// Checks a caller's column list: each once, at most 50.
    pub fn check(columns: &[Column]) -> Result<()> {
        if columns.len() > 50 {
            return Err(Error::invalid_input("columns", "at most 50 columns"));
        }
        if let Some(i) = (1..columns.len()).find(|&i| columns[..i].contains(&columns[i])) {
            return Err(Error::invalid_input(
                format!("columns[{i}]"),
                "listed twice",
            ));
        }
        Ok(())
    }

    /// Appends the header line.
    pub fn header(&self, out: &mut Vec<u8>) -> Result<()> {
        record(out, self.columns.iter().map(|c| c.name().to_owned()))
    }

    /// Appends `t` as one line.
    pub fn row(&self, out: &mut Vec<u8>, t: &Ticket) -> Result<()> {
        let at = |x: Option<DateTime<Utc>>| {
            x.map(|x| {
                x.with_timezone(&self.tz)
                    .to_rfc3339_opts(SecondsFormat::Secs, true)
            })
            .unwrap_or_default()
        };
        let opt = |x: Option<String>| x.unwrap_or_default();
        record(
            out,
            self.columns.iter().map(|c| match c {
                Column::Id => t.id.to_string(),
                Column::Number => t.number.clone(),
                Column::Subject => t.subject.clone(),
                Column::Description => t.description.clone(),
                Column::Status => t.status.as_str().to_owned(),
                Column::Priority => t.priority.clone(),
                Column::Category => opt(t.category.map(|c| c.to_string())),
                Column::Channel => t.channel.as_str().to_owned(),
                Column::Customer => t.customer.to_string(),
                Column::Assignee => opt(t.assignee.as_ref().map(ToString::to_string)),
                Column::Team => opt(t.team.map(|x| x.to_string())),
                Column::Tags => t.tags.join(" "),
                Column::Links => t
                    .links
                    .iter()
                    .map(|l| format!("{}:{}", l.kind, l.id))
                    .collect::<Vec<_>>()
                    .join(" "),
                Column::CreatedAt => at(Some(t.created_at)),
                Column::UpdatedAt => at(Some(t.updated_at)),
                Column::FirstResponseAt => at(t.first_response_at),
                Column::ResolvedAt => at(t.resolved_at),
                Column::ClosedAt => at(t.closed_at),
                Column::Rating => opt(t.satisfaction.as_ref().map(|s| s.rating.to_string())),
            }),
        )
    }
}

/// One page of a ticket export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CsvPage {
    /// CSV lines (the header first on the first page).
    pub csv: String,
    /// Pass as the query's `after` for the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// Appends one CSV record (RFC 4180, CRLF). A cell a spreadsheet would run
/// as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is prefixed
/// with `'`, since subjects are a customer's text.
pub(crate) fn record(out: &mut Vec<u8>, cells: impl IntoIterator<Item = String>) -> Result<()> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let cells = cells.into_iter().map(|cell| {
        if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{cell}")
        } else {
            cell
        }
    });
    w.write_record(cells)
        .and_then(|()| w.flush().map_err(csv::Error::from))
        .map_err(|e| Error::Internal {
            message: format!("writing CSV: {e}"),
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let mut out = Vec::new();
        record(
            &mut out,
            [
                "plain".into(),
                "a,b".into(),
                "say \"hi\"".into(),
                "=1+1".into(),
                "-2".into(),
                "two\nlines".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain,\"a,b\",\"say \"\"hi\"\"\",'=1+1,'-2,\"two\nlines\"\r\n"
        );
    }
}
