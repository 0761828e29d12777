//! Bulk import of another system's tickets: `COPY` into temporary tables,
//! then one `INSERT … SELECT` per table, in one transaction.
//!
//! `COPY` cannot write into a table under row-level security for a role
//! without `BYPASSRLS` (the recommended setup), so the rows are copied into
//! session-local staging tables (`ON COMMIT DROP`) and moved with
//! `INSERT … SELECT`, which row-level security checks like any write. The
//! workspace's counter row is locked first, as every ticket write does, so
//! numbers are taken in one order and the counter ends at the highest seq.

use crate::{PgStore, backend, missing_workspace, to_i64};
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use sqlx::PgConnection;
use ticketry_core::store::{ImportRow, StoreResult, TicketImport};
use ticketry_core::{ImportedTicket, StoreError, WorkspaceId};

/// The staging tables and the statements that move their rows (children
/// only of the imported tickets: no foreign key checks it, see migration
/// 0014).
const STAGE_SQL: &str = "
    CREATE TEMP TABLE ticketry_import_tickets (
        ticket_id uuid, seq int8, number text, status text, active bool, priority text,
        due_secs int8, sla_next_check timestamptz, customer_id text, assignee_id text,
        team_id uuid, category_id uuid, tags text[], created_at timestamptz,
        updated_at timestamptz, version int8, doc jsonb, timers_due timestamptz,
        search_head tsvector, search_public tsvector, search_notes tsvector, facts jsonb
    ) ON COMMIT DROP;
    CREATE TEMP TABLE ticketry_import_messages (
        n int8, message_id uuid, ticket_id uuid, kind text, created_at timestamptz, doc jsonb
    ) ON COMMIT DROP;
    CREATE TEMP TABLE ticketry_import_assignments (
        n int8, ticket_id uuid, at timestamptz, doc jsonb
    ) ON COMMIT DROP";

/// Moves the staged tickets in, with their rows of `ticket_terms` (their
/// public search terms, migrations 0017 and 0019) and `ticket_tags`
/// (migration 0020).
const MOVE_SQL: &str = "
    WITH t AS (
        INSERT INTO tickets (workspace_id, ticket_id, seq, number, status, active, priority,
            rank_key, due_secs, sla_next_check, customer_id, assignee_id, team_id, category_id,
            tags, created_at, updated_at, version, doc, timers_due, search_head, search_public,
            search_notes, facts, incident_id)
        SELECT $1, s.ticket_id, s.seq, s.number, s.status, s.active, s.priority,
            -COALESCE(p.rank, 0), s.due_secs, s.sla_next_check, s.customer_id, s.assignee_id,
            s.team_id, s.category_id, s.tags, s.created_at, s.updated_at, s.version, s.doc,
            s.timers_due, s.search_head, s.search_public, s.search_notes, s.facts,
            (s.doc->'incident'->>'id')::uuid
        FROM pg_temp.ticketry_import_tickets s
        LEFT JOIN priorities p ON p.workspace_id = $1 AND p.code = s.priority
        ORDER BY s.seq
        RETURNING ticket_id, tags, search_head || search_public AS terms
    ), tg AS (
        INSERT INTO ticket_tags (workspace_id, tag, ticket_id)
        SELECT DISTINCT $1, tag, ticket_id FROM t, unnest(t.tags) AS tag
    )
    INSERT INTO ticket_terms (workspace_id, ticket_id, terms)
    SELECT $1, ticket_id, scoped_terms($1, terms) FROM t";

const MOVE_CHILDREN_SQL: &str = "
    WITH m AS (
        INSERT INTO messages (workspace_id, message_id, ticket_id, kind, created_at, doc)
        SELECT $1, message_id, ticket_id, kind, created_at, doc
        FROM pg_temp.ticketry_import_messages
        WHERE ticket_id IN (SELECT ticket_id FROM pg_temp.ticketry_import_tickets)
        ORDER BY n
    )
    INSERT INTO assignments (workspace_id, ticket_id, at, doc)
    SELECT $1, ticket_id, at, doc FROM pg_temp.ticketry_import_assignments
    WHERE ticket_id IN (SELECT ticket_id FROM pg_temp.ticketry_import_tickets)
    ORDER BY n";

impl PgStore {
    /// [`TicketStore::import_tickets`](ticketry_core::store::TicketStore::import_tickets).
    pub(crate) async fn import(
        &self,
        ws: WorkspaceId,
        mut import: TicketImport,
    ) -> StoreResult<Vec<ImportedTicket>> {
        let w = ws.as_uuid();
        let mut tx = self.begin(ws).await?;
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT last_ticket FROM workspace_counters WHERE workspace_id = $1 FOR UPDATE",
        )
        .bind(w)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let last = last.ok_or_else(|| missing_workspace(ws))?;
        let top = import.assign_numbers(u64::try_from(last).unwrap_or(0))?;
        // The first taken number and the first unknown customer in the
        // batch's order, as the memory backend reports them.
        let keys: Vec<String> = import
            .tickets
            .iter()
            .map(|r| r.ticket.number.to_ascii_lowercase())
            .collect();
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT i FROM unnest($2::text[]) WITH ORDINALITY AS u(k, i)
             WHERE EXISTS (SELECT 1 FROM tickets WHERE workspace_id = $1 AND number_key = u.k)
             ORDER BY i LIMIT 1",
        )
        .bind(w)
        .bind(&keys)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        if let Some(i) = taken {
            let row = usize::try_from(i - 1)
                .ok()
                .and_then(|i| import.tickets.get(i));
            return Err(StoreError::AlreadyExists {
                entity: "ticket",
                key: row.map(|r| r.ticket.number.clone()).unwrap_or_default(),
            });
        }
        let customers: Vec<&str> = import
            .tickets
            .iter()
            .map(|r| r.ticket.customer.as_str())
            .collect();
        let unknown: Option<String> = sqlx::query_scalar(
            "SELECT c FROM unnest($2::text[]) WITH ORDINALITY AS u(c, i) WHERE NOT EXISTS (
                SELECT 1 FROM customers WHERE workspace_id = $1 AND customer_id = u.c)
             ORDER BY i LIMIT 1",
        )
        .bind(w)
        .bind(&customers)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        if let Some(id) = unknown {
            return Err(StoreError::NotFound {
                entity: "customer",
                id,
            });
        }
        let landed = import.landed();
        sqlx::raw_sql(STAGE_SQL)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let rows = Staged::of(&import.tickets)?;
        copy(&mut tx, "ticketry_import_tickets", rows.tickets).await?;
        copy(&mut tx, "ticketry_import_messages", rows.messages).await?;
        copy(&mut tx, "ticketry_import_assignments", rows.assignments).await?;
        for sql in [MOVE_SQL, MOVE_CHILDREN_SQL] {
            sqlx::query(sql)
                .bind(w)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        sqlx::query("UPDATE workspace_counters SET last_ticket = $2 WHERE workspace_id = $1")
            .bind(w)
            .bind(to_i64(top, "ticket seq")?)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        crate::commit(tx).await?;
        Ok(landed)
    }
}

/// `COPY`s CSV `data` into the staging table `table`.
async fn copy(conn: &mut PgConnection, table: &str, data: String) -> StoreResult<()> {
    if data.is_empty() {
        return Ok(());
    }
    let statement = format!("COPY pg_temp.{table} FROM STDIN (FORMAT csv)");
    let mut copy = conn.copy_in_raw(&statement).await.map_err(backend)?;
    copy.send(data.into_bytes()).await.map_err(backend)?;
    copy.finish().await.map_err(backend)?;
    Ok(())
}

/// The staging tables' rows as CSV.
#[derive(Default)]
struct Staged {
    tickets: String,
    messages: String,
    assignments: String,
}

impl Staged {
    fn of(rows: &[ImportRow]) -> StoreResult<Self> {
        let mut out = Self::default();
        let (mut m, mut a) = (0u64, 0u64);
        for row in rows {
            let t = &row.ticket;
            let search = crate::writes::Search::of(Some(t), &row.messages, true);
            let tags = array(&t.tags);
            let facts = ticketry_core::metrics::TicketFacts::from(t);
            line(
                &mut out.tickets,
                &[
                    Some(&t.id.to_string()),
                    Some(&t.seq.to_string()),
                    Some(&t.number),
                    Some(t.status.as_str()),
                    Some(if t.status.is_active() { "t" } else { "f" }),
                    Some(&t.priority),
                    Some(
                        &t.sla
                            .due_at()
                            .map_or(i64::MAX, |d| d.timestamp())
                            .to_string(),
                    ),
                    t.sla.next_check().map(instant).as_deref(),
                    Some(t.customer.as_str()),
                    t.assignee.as_ref().map(|a| a.as_str()),
                    t.team.map(|x| x.to_string()).as_deref(),
                    t.category.map(|x| x.to_string()).as_deref(),
                    Some(&tags),
                    Some(&instant(t.created_at)),
                    Some(&instant(t.updated_at)),
                    Some(&to_i64(t.version, "ticket version")?.to_string()),
                    Some(&json(t)?),
                    t.timers.due.map(instant).as_deref(),
                    search.head.as_deref(),
                    Some(&search.public),
                    Some(&search.notes),
                    Some(&json(&facts)?),
                ],
            );
            for msg in &row.messages {
                m += 1;
                line(
                    &mut out.messages,
                    &[
                        Some(&m.to_string()),
                        Some(&msg.id.to_string()),
                        Some(&t.id.to_string()),
                        Some(msg.kind.as_str()),
                        Some(&instant(msg.created_at)),
                        Some(&json(msg)?),
                    ],
                );
            }
            for rec in &row.assignments {
                a += 1;
                line(
                    &mut out.assignments,
                    &[
                        Some(&a.to_string()),
                        Some(&t.id.to_string()),
                        Some(&instant(rec.at)),
                        Some(&json(rec)?),
                    ],
                );
            }
        }
        Ok(out)
    }
}

fn instant(t: DateTime<Utc>) -> String {
    // Truncated to the microseconds PostgreSQL keeps, as a bound parameter
    // is (the server would round the text's nanoseconds instead).
    t.trunc_subsecs(6)
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn json(v: &impl serde::Serialize) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(e.to_string()))
}

/// A `text[]` literal, each element quoted.
fn array(items: &[String]) -> String {
    let mut out = String::from("{");
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in s.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push('}');
    out
}

/// One CSV line of `COPY … (FORMAT csv)`: `None` is NULL (an empty
/// unquoted field), every value is quoted (so an empty string stays one).
fn line(out: &mut String, fields: &[Option<&str>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if let Some(v) = f {
            out.push('"');
            for c in v.chars() {
                if c == '"' {
                    out.push('"');
                }
                out.push(c);
            }
            out.push('"');
        }
    }
    out.push('\n');
}
