//! Tickets as CSV, for spreadsheets and a host's own reporting (the admin
//! "export to CSV" of seeds 000 and 002).

use crate::ticket::Ticket;
use std::fmt::Write;

/// The columns, in order.
pub const COLUMNS: &[&str] = &[
    "number",
    "subject",
    "status",
    "priority",
    "category",
    "channel",
    "customer",
    "assignee",
    "team",
    "tags",
    "links",
    "created_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "rating",
];

/// Most tickets one export writes.
pub const MAX_ROWS: usize = 100_000;

/// Appends the header line to `out`.
pub fn header(out: &mut String) {
    line(out, COLUMNS.iter().map(|c| (*c).to_owned()));
}

/// Appends `t` as one line to `out`.
pub fn row(out: &mut String, t: &Ticket) {
    let at =
        |x: Option<chrono::DateTime<chrono::Utc>>| x.map(|x| x.to_rfc3339()).unwrap_or_default();
    line(
        out,
        [
            t.number.clone(),
            t.subject.clone(),
            t.status.as_str().to_owned(),
            t.priority.clone(),
            t.category.map(|c| c.to_string()).unwrap_or_default(),
            t.channel.as_str().to_owned(),
            t.customer.to_string(),
            t.assignee
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            t.team.map(|x| x.to_string()).unwrap_or_default(),
            t.tags.join(" "),
            t.links
                .iter()
                .map(|l| format!("{}:{}", l.kind, l.id))
                .collect::<Vec<_>>()
                .join(" "),
            at(Some(t.created_at)),
            at(t.first_response_at),
            at(t.resolved_at),
            at(t.closed_at),
            t.satisfaction
                .as_ref()
                .map(|s| s.rating.to_string())
                .unwrap_or_default(),
        ],
    );
}

/// One CSV line (RFC 4180, CRLF). A cell a spreadsheet would run as a
/// formula (starting with `=`, `+`, `-`, `@`, tab or CR) is prefixed with `'`,
/// since subjects are a customer's text.
pub(crate) fn line(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let guarded = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{cell}")
        } else {
            cell
        };
        if guarded.contains([',', '"', '\n', '\r']) {
            let _ = write!(out, "\"{}\"", guarded.replace('"', "\"\""));
        } else {
            out.push_str(&guarded);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let mut out = String::new();
        line(
            &mut out,
            [
                "plain".into(),
                "a,b".into(),
                "say \"hi\"".into(),
                "=1+1".into(),
                "-2".into(),
            ],
        );
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",'=1+1,'-2\r\n");
    }
}
