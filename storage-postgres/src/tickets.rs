//! Tickets, their threads and assignment history.

//!
//! Writes are in [`crate::writes`]; every read here is one message
//! ([`PgStore::read`]).

use crate::PgStore;
use crate::backend;
use crate::catalog::docs;
use crate::statement::{FOUND_MAX, Prepared, Statement, by_key, only_row};
use crate::writes::CreateError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::types::Json;
use ticketry_core::metrics::TicketFacts;
use ticketry_core::query::{Page, Position, TicketOrder, TicketQuery, page_from};
use ticketry_core::store::{
    AgentLoad, StoreResult, TicketCreate, TicketStore, TicketWrite, WriteOutcome,
};
use ticketry_core::{
    AssignmentRecord, Message, MessageId, Status, StoreError, Ticket, TicketId, WorkspaceId,
};
use uuid::Uuid;

by_key!(GET_TICKET, "tickets", "ticket_id", "uuid");
by_key!(GET_MESSAGE, "messages", "message_id", "uuid");

/// A ticket by number, ASCII-case-insensitively. `number_key` is
/// lower(number COLLATE "C") (migration 0002): the function applies to the
/// parameter only, so the unique index (workspace_id, number_key) serves the
/// lookup under row-level security too (lower() is not leakproof).
const GET_TICKET_BY_NUMBER: Prepared = Prepared {
    name: "get_ticket_by_number",
    types: "uuid, text",
    sql: "SELECT doc FROM tickets WHERE workspace_id = $1 AND number_key = lower($2 COLLATE \"C\")",
};

/// A ticket's thread, oldest first.
const LIST_MESSAGES: Prepared = Prepared {
    name: "list_messages",
    types: "uuid, uuid",
    sql: "SELECT doc FROM messages WHERE workspace_id = $1 AND ticket_id = $2 ORDER BY ord",
};

/// A ticket's assignment history, oldest first.
const LIST_ASSIGNMENTS: Prepared = Prepared {
    name: "list_assignments",
    types: "uuid, uuid",
    sql: "SELECT doc FROM assignments WHERE workspace_id = $1 AND ticket_id = $2 ORDER BY ord",
};

const SLA_DUE_SQL: &str = "SELECT doc FROM tickets
    WHERE workspace_id = $1 AND sla_next_check <= $2
    ORDER BY sla_next_check, seq LIMIT $3";

const TIMERS_DUE_SQL: &str = "SELECT doc FROM tickets
    WHERE workspace_id = $1 AND timers_due <= $2
    ORDER BY timers_due, seq LIMIT $3";

/// Sets `timers_due` (column and document) of the tickets still at the
/// version given, without a version step (a scheduling hint). Sent after
/// locking the workspace's counter row, like every write of several tickets.
const SET_TIMERS_DUE: Prepared = Prepared {
    name: "set_timers_due",
    types: "uuid, uuid[], int8[], jsonb[]",
    sql: "UPDATE tickets t SET timers_due = (u.due #>> '{}')::timestamptz,
            doc = t.doc || jsonb_build_object('timers',
                COALESCE(t.doc->'timers', '{\"marks\": []}'::jsonb) || jsonb_build_object('due', u.due))
          FROM unnest($2::uuid[], $3::int8[], $4::jsonb[]) AS u(id, version, due)
          WHERE t.workspace_id = $1 AND t.ticket_id = u.id AND t.version = u.version",
};

/// Each agent's open tickets and last assignment, in the order asked.
const AGENT_LOADS_SQL: &str = "SELECT
        (SELECT count(*) FROM tickets
            WHERE workspace_id = $1 AND assignee_id = u.id AND active),
        (SELECT max(at) FROM assignments
            WHERE workspace_id = $1 AND doc->>'to' = u.id)
    FROM unnest($2::text[]) WITH ORDINALITY AS u(id, n) ORDER BY u.n";

/// The sums of a dashboard in one pass over the workspace's tickets:
/// `$2` the day's start, `$3`/`$4` now and now + 1 h in Unix seconds
/// (`due_secs` is the earliest running clock's due instant, `i64::MAX` if
/// none). Instants and clock states come from the small `facts` column (the
/// document only for rows written before it).
const DASHBOARD_SQL: &str = "WITH t AS (
        SELECT active, assignee_id, created_at, due_secs,
            (COALESCE(facts, doc)->>'resolved_at')::timestamptz AS resolved_at,
            (COALESCE(facts, doc)->>'closed_at')::timestamptz AS closed_at,
            (COALESCE(facts, doc)->>'first_response_at')::timestamptz AS first_response_at,
            CASE WHEN facts IS NULL
                THEN doc->'sla'->'clocks' @> '[{\"status\": \"breached\"}]'::jsonb
                ELSE facts->'clocks' @> '[[\"first_response\", \"breached\"]]'::jsonb
                    OR facts->'clocks' @> '[[\"next_response\", \"breached\"]]'::jsonb
                    OR facts->'clocks' @> '[[\"resolution\", \"breached\"]]'::jsonb
            END AS breached
        FROM tickets WHERE workspace_id = $1
    ), b AS (
        SELECT *, active AND (breached OR due_secs <= $3) AS breaching FROM t
    )
    SELECT count(*) FILTER (WHERE active),
        count(*) FILTER (WHERE active AND assignee_id IS NULL),
        count(*) FILTER (WHERE created_at >= $2),
        count(*) FILTER (WHERE resolved_at >= $2),
        count(*) FILTER (WHERE closed_at >= $2),
        count(*) FILTER (WHERE breaching),
        count(*) FILTER (WHERE active AND NOT breaching AND due_secs <= $4),
        COALESCE(sum(extract(epoch FROM first_response_at - created_at))
            FILTER (WHERE first_response_at >= $2), 0)::float8,
        count(*) FILTER (WHERE first_response_at >= $2),
        COALESCE(sum(extract(epoch FROM resolved_at - created_at))
            FILTER (WHERE resolved_at >= $2), 0)::float8
    FROM b";

/// Tickets found by earlier reads through an index a role under row-level
/// security can use, for the page query to take by their key (rechecking
/// each ticket itself: those reads had snapshots of their own).
struct Candidates {
    /// Matching a public search ([`PgStore::search_candidates`]).
    found: Option<Vec<Uuid>>,
    /// Carrying the tag ([`PgStore::tag_candidates`]).
    tagged: Option<Vec<Uuid>>,
}

impl PgStore {
    /// The candidates of `q`'s page query (both reads at once, each on a
    /// connection of its own, when it searches and filters by tag).
    async fn candidates(&self, ws: WorkspaceId, q: &TicketQuery) -> StoreResult<Candidates> {
        let (found, tagged) =
            tokio::try_join!(self.search_candidates(ws, q), self.tag_candidates(ws, q))?;
        Ok(Candidates { found, tagged })
    }

    /// The tickets whose public terms match `q`'s search, found through the
    /// index of `ticket_terms` (`ticket_search`, migration 0016), when there
    /// are at most [`FOUND_MAX`] of them; `None` when the query is no public
    /// search or matches more (the page query then matches the workspace's
    /// tickets' terms itself, as it did before migration 0016: for common
    /// words that costs less than fetching and passing every id).
    async fn search_candidates(
        &self,
        ws: WorkspaceId,
        q: &TicketQuery,
    ) -> StoreResult<Option<Vec<Uuid>>> {
        let Ok(Some(Some(query))) = q.text() else {
            return Ok(None);
        };
        if q.search_notes {
            return Ok(None);
        }
        self.few_ids(
            ws,
            "SELECT ARRAY(SELECT ticket_search($1::tsquery, $2))",
            &[&query.to_tsquery(), &(FOUND_MAX as i32 + 1)],
        )
        .await
    }

    /// The tickets carrying `q`'s tag, through the key of `ticket_tags`
    /// (migration 0020), when there are at most [`FOUND_MAX`] of them;
    /// `None` when the query has no tag or the tag is that common (the page
    /// query then checks the tags of the tickets it walks in its order: a
    /// common tag's tickets come soon, and taking thousands by their key
    /// costs more). One query that does both is planned badly: PostgreSQL
    /// estimates a join of the two tables by their sizes over every
    /// workspace, expects a handful of rows and sorts them all.
    async fn tag_candidates(
        &self,
        ws: WorkspaceId,
        q: &TicketQuery,
    ) -> StoreResult<Option<Vec<Uuid>>> {
        let Some(tag) = &q.tag else {
            return Ok(None);
        };
        self.few_ids(
            ws,
            "SELECT ARRAY(SELECT ticket_id FROM ticket_tags
                 WHERE workspace_id = $1 AND tag = $2 LIMIT $3)",
            &[&ws.as_uuid(), tag, &(FOUND_MAX as i64 + 1)],
        )
        .await
    }

    /// The page query of `list_tickets`, optionally prefixed (`EXPLAIN …`).
    fn list_query(
        prefix: &str,
        ws: WorkspaceId,
        q: &TicketQuery,
        after: Option<Position>,
        candidates: Candidates,
    ) -> Statement<'static> {
        let mut b = Statement::default();
        let text = q.text();
        // The searched messages.
        let body = if q.search_notes {
            "(search_public || search_notes)"
        } else {
            "search_public"
        };
        b.push(prefix);
        match (&text, q.order) {
            (Ok(Some(Some(query))), TicketOrder::Relevance) => {
                // Query::score: 2 per wanted clause in the head, 1 in the body.
                b.push("SELECT doc, rank_key, score FROM (SELECT doc, rank_key, seq, 0");
                for c in query.wanted() {
                    b.push(" + (search_head @@ ")
                        .param(c.to_tsquery())
                        .push("::tsquery)::int * 2 + (")
                        .push(body)
                        .push(" @@ ")
                        .param(c.to_tsquery())
                        .push("::tsquery)::int");
                }
                b.push(" AS score FROM tickets WHERE workspace_id = ");
            }
            _ => {
                b.push("SELECT doc, rank_key FROM tickets WHERE workspace_id = ");
            }
        }
        b.param(ws.as_uuid());
        match q.statuses.as_slice() {
            [] => {}
            [one] => {
                b.push(" AND status = ").param(one.as_str());
            }
            many => {
                let names: Vec<&'static str> = many.iter().map(|s| s.as_str()).collect();
                b.push(" AND status = ANY(").param(names).push(")");
            }
        }
        if !q.statuses.is_empty() && q.statuses.iter().all(|s| s.is_active()) {
            // Lets the planner use the agent queue's partial index.
            b.push(" AND active");
        }
        if let Some(p) = &q.priority {
            b.push(" AND priority = ").param(p.clone());
        }
        if let Some(a) = &q.assignee {
            b.push(" AND assignee_id = ").param(a.as_str().to_owned());
        }
        if q.unassigned {
            b.push(" AND assignee_id IS NULL");
        }
        if let Some(t) = q.team {
            b.push(" AND team_id = ").param(t.as_uuid());
        }
        if let Some(c) = q.category {
            b.push(" AND category_id = ").param(c.as_uuid());
        }
        if let Some(tag) = &q.tag {
            if let Some(ids) = candidates.tagged {
                // Found through `ticket_tags`' key by an earlier read.
                b.push(" AND ticket_id = ANY(").param(ids).push(")");
            }
            b.push(" AND tags @> ARRAY[")
                .param(tag.clone())
                .push("]::text[]");
        }
        if let Some(c) = &q.customer {
            b.push(" AND customer_id = ").param(c.as_str().to_owned());
        }
        if !q.priorities.is_empty() {
            b.push(" AND priority = ANY(")
                .param(q.priorities.clone())
                .push(")");
        }
        for (column, op, at) in [
            ("created_at", " >= ", q.created_since),
            ("created_at", " < ", q.created_before),
            ("updated_at", " >= ", q.updated_since),
            ("updated_at", " < ", q.updated_before),
            (
                "(doc->>'resolved_at')::timestamptz",
                " >= ",
                q.resolved_since,
            ),
            (
                "(doc->>'resolved_at')::timestamptz",
                " < ",
                q.resolved_before,
            ),
        ] {
            if let Some(at) = at {
                b.push(" AND ").push(column).push(op).param(at);
            }
        }
        if let Some(due) = q.due_before {
            // `due_secs` is the earliest running clock's due instant (i64::MAX: none).
            b.push(" AND due_secs < ")
                .param(TicketQuery::due_bound(due));
        }
        if q.breached {
            b.push(" AND doc->'sla'->'clocks' @> '[{\"status\": \"breached\"}]'::jsonb");
        }
        if let Some(link) = &q.link {
            let doc = serde_json::json!([link]).to_string();
            b.push(" AND doc->'links' @> ").param(doc).push("::jsonb");
        }
        if let Some(rated) = q.rated {
            b.push(if rated { " AND " } else { " AND NOT " })
                .push("COALESCE(doc->'satisfaction', 'null'::jsonb) <> 'null'::jsonb");
        }
        if let Some(incident) = q.incident {
            // A plain column (migration 0018): `=` on uuid is leakproof,
            // so `tickets_incident` serves a role under row-level security.
            b.push(" AND incident_id = ").param(incident.as_uuid());
        }
        match &text {
            Ok(None) => {}
            Ok(Some(Some(query))) => {
                // The workspace repeated in the text branch lets the planner
                // find the matches through the primary key inside the OR below.
                b.push(" AND ((workspace_id = ").param(ws.as_uuid());
                if let Some(ids) = candidates.found {
                    // Found through `ticket_terms`' index by an earlier read:
                    // their ids, rechecked against the tickets' own terms (a
                    // subject may have changed since, or a row be missing).
                    b.push(" AND ticket_id = ANY(").param(ids).push(")");
                }
                b.push(" AND (search_head || ")
                    .push(body)
                    .push(") @@ ")
                    .param(query.to_tsquery())
                    .push("::tsquery)");
                if q.customer.is_none() {
                    // The agent view: the matching customers' tickets too
                    // (an array computed once, so `tickets_customer` serves
                    // it), found through `customer_terms`' index by
                    // `customer_search` (migration 0023).
                    b.push(" OR (customer_id = ANY(ARRAY(SELECT customer_search(")
                        .param(query.to_tsquery())
                        .push("::tsquery, ")
                        .param(ticketry_core::query::MAX_SEARCH_CUSTOMERS as i32)
                        .push(")))");
                    // The customer's tickets too, minus the excluded words.
                    if let Some(excluded) = query.exclusions_tsquery() {
                        b.push(" AND NOT (search_head || ")
                            .push(body)
                            .push(") @@ ")
                            .param(excluded)
                            .push("::tsquery");
                    }
                    b.push(")");
                }
                b.push(")");
            }
            // Nothing to look for (or a query the service refuses first).
            Ok(Some(None)) | Err(_) => {
                b.push(" AND false");
            }
        }
        let seq_after = |p: Option<Position>| match p {
            Some(Position::Seq(s)) => Some(i64::try_from(s).unwrap_or(i64::MAX)),
            _ => None,
        };
        match q.order {
            TicketOrder::Newest => {
                if let Some(s) = seq_after(after) {
                    b.push(" AND seq < ").param(s);
                }
                b.push(" ORDER BY seq DESC");
            }
            TicketOrder::Oldest => {
                if let Some(s) = seq_after(after) {
                    b.push(" AND seq > ").param(s);
                }
                b.push(" ORDER BY seq");
            }
            TicketOrder::Urgency => {
                if let Some(Position::Urgency { rank, due, seq }) = after {
                    b.push(" AND (rank_key, due_secs, seq) > (")
                        .param(rank.saturating_neg())
                        .push(", ")
                        .param(due)
                        .push(", ")
                        .param(i64::try_from(seq).unwrap_or(i64::MAX))
                        .push(")");
                }
                b.push(" ORDER BY rank_key, due_secs, seq");
            }
            TicketOrder::Relevance => {
                if matches!(text, Ok(Some(Some(_)))) {
                    b.push(") s");
                    if let Some(Position::Relevance { score, seq }) = after {
                        b.push(" WHERE (score, seq) < (")
                            .param(i32::try_from(score).unwrap_or(i32::MAX))
                            .push(", ")
                            .param(i64::try_from(seq).unwrap_or(i64::MAX))
                            .push(")");
                    }
                    b.push(" ORDER BY score DESC, seq DESC");
                } else {
                    // Nothing matches (`AND false` above).
                    b.push(" ORDER BY seq DESC");
                }
            }
        }
        b.push(" LIMIT ").param(i64::from(q.limit) + 1);
        b
    }

    /// The plan PostgreSQL runs for [`TicketStore::list_tickets`]
    /// (`EXPLAIN (ANALYZE, BUFFERS)`, one line per row): to check which
    /// index a host's queue uses.
    pub async fn explain_list_tickets(
        &self,
        ws: WorkspaceId,
        query: &TicketQuery,
    ) -> StoreResult<Vec<String>> {
        let after = query
            .validate()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let candidates = self.candidates(ws, query).await?;
        let b = Self::list_query("EXPLAIN (ANALYZE, BUFFERS) ", ws, query, after, candidates);
        let rows = self.read(ws, &b.sql, &b.refs()).await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).map_err(backend))
            .collect()
    }

    /// The plan PostgreSQL runs for [`TicketStore::sla_due`]
    /// (`EXPLAIN (ANALYZE, BUFFERS)`).
    pub async fn explain_sla_due(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<String>> {
        let rows = self
            .read(
                ws,
                &format!("EXPLAIN (ANALYZE, BUFFERS) {SLA_DUE_SQL}"),
                &[
                    &ws.as_uuid(),
                    &now,
                    &i64::try_from(limit).unwrap_or(i64::MAX),
                ],
            )
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).map_err(backend))
            .collect()
    }

    /// A ticket's messages or assignments (empty for an unknown ticket,
    /// `NotFound` for an unknown workspace).
    async fn fetch_children<T: serde::de::DeserializeOwned>(
        &self,
        ws: WorkspaceId,
        statement: &Prepared,
        ticket: TicketId,
    ) -> StoreResult<Vec<T>> {
        let rows = self
            .read_prepared(ws, statement, &[&ws.as_uuid(), &ticket.as_uuid()])
            .await?;
        if rows.is_empty() {
            self.require_workspace(ws).await?;
        }
        docs(&rows)
    }
}

/// Runs a write, and once more if it lost a race on an idempotency key: a
/// concurrent write with the same key committed first, and the write, sent
/// again, answers from that `earlier` row.
async fn key_race_retried<T, F, Fut>(earlier: &str, write: F) -> StoreResult<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, CreateError>>,
{
    for _ in 0..2 {
        match write().await {
            Ok(r) => return Ok(r),
            Err(CreateError::Store(e)) => return Err(e),
            Err(CreateError::KeyRace) => {}
        }
    }
    Err(StoreError::Backend(format!(
        "idempotency key conflict without a visible earlier {earlier}"
    )))
}

#[async_trait]
impl TicketStore for PgStore {
    async fn create_ticket(
        &self,
        ws: WorkspaceId,
        create: TicketCreate,
    ) -> StoreResult<(Ticket, bool)> {
        key_race_retried("ticket", || self.try_create(ws, create.clone())).await
    }

    async fn import_tickets(
        &self,
        ws: WorkspaceId,
        import: ticketry_core::store::TicketImport,
    ) -> StoreResult<Vec<ticketry_core::ImportedTicket>> {
        self.import(ws, import).await
    }

    async fn update_ticket(
        &self,
        ws: WorkspaceId,
        write: TicketWrite,
    ) -> StoreResult<WriteOutcome> {
        let id = write.ticket.id;
        let outcome = key_race_retried("message", || self.try_update(ws, write.clone())).await;
        match outcome {
            Ok(r) => {
                if r == WriteOutcome::Applied {
                    self.inner.turns.applied(ws, id);
                }
                Ok(r)
            }
            Err(e @ StoreError::VersionConflict { .. }) => {
                self.inner.turns.wait(ws, id).await;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    async fn get_ticket(&self, ws: WorkspaceId, id: TicketId) -> StoreResult<Option<Ticket>> {
        let ticket: Option<Ticket> = self.fetch_doc(ws, &GET_TICKET, id.as_uuid()).await?;
        if let Some(t) = &ticket {
            self.inner.recent.seen(ws, t);
        }
        Ok(ticket)
    }

    fn remembered_ticket(&self, ws: WorkspaceId, id: TicketId) -> Option<Ticket> {
        self.inner.recent.get(ws, id)
    }

    async fn get_ticket_by_number(
        &self,
        ws: WorkspaceId,
        number: &str,
    ) -> StoreResult<Option<Ticket>> {
        self.fetch_doc(ws, &GET_TICKET_BY_NUMBER, number).await
    }

    async fn list_messages(&self, ws: WorkspaceId, ticket: TicketId) -> StoreResult<Vec<Message>> {
        self.fetch_children(ws, &LIST_MESSAGES, ticket).await
    }

    async fn get_message(&self, ws: WorkspaceId, id: MessageId) -> StoreResult<Option<Message>> {
        self.fetch_doc(ws, &GET_MESSAGE, id.as_uuid()).await
    }

    async fn list_messages_page(
        &self,
        ws: WorkspaceId,
        ticket: TicketId,
        after: Option<MessageId>,
        limit: usize,
        public_only: bool,
    ) -> StoreResult<Vec<Message>> {
        // Threads are in `ord` order (an identity, increasing in insertion
        // order, shared by all workspaces: it never leaves the store). The
        // page starts after the `ord` of the message `after`, found by its
        // key (no such message of this ticket: NULL, no rows); the index
        // `messages_thread` serves the range.
        let rows = self
            .read(
                ws,
                "SELECT doc FROM messages \
                 WHERE workspace_id = $1 AND ticket_id = $2 \
                   AND ord > CASE WHEN $3 IS NULL THEN 0 ELSE ( \
                       SELECT a.ord FROM messages a \
                       WHERE a.workspace_id = $1 AND a.message_id = $3 AND a.ticket_id = $2) END \
                   AND (NOT $5 OR kind <> 'note') \
                 ORDER BY ord LIMIT $4",
                &[
                    &ws.as_uuid(),
                    &ticket.as_uuid(),
                    &after.map(|m| m.as_uuid()),
                    &i64::try_from(limit).unwrap_or(i64::MAX),
                    &public_only,
                ],
            )
            .await?;
        docs(&rows)
    }

    async fn list_assignments(
        &self,
        ws: WorkspaceId,
        ticket: TicketId,
    ) -> StoreResult<Vec<AssignmentRecord>> {
        self.fetch_children(ws, &LIST_ASSIGNMENTS, ticket).await
    }

    async fn list_tickets(&self, ws: WorkspaceId, q: &TicketQuery) -> StoreResult<Page<Ticket>> {
        let after = q
            .validate()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let candidates = self.candidates(ws, q).await?;
        let b = Self::list_query("", ws, q, after, candidates);
        let rows = self.read(ws, &b.sql, &b.refs()).await?;
        if rows.is_empty() {
            self.require_workspace(ws).await?;
        }
        let items: Vec<Ticket> = docs(&rows)?;
        let ranks: Vec<(TicketId, i32)> = rows
            .iter()
            .zip(&items)
            .map(|(r, t)| {
                Ok((
                    t.id,
                    r.try_get::<i32, _>(1).map_err(backend)?.saturating_neg(),
                ))
            })
            .collect::<StoreResult<_>>()?;
        Ok(match q.order {
            TicketOrder::Newest | TicketOrder::Oldest => {
                page_from(items, q.limit, |t| Position::Seq(t.seq))
            }
            TicketOrder::Relevance => {
                let scores: Vec<(TicketId, i32)> = rows
                    .iter()
                    .zip(&items)
                    .map(|(r, t)| Ok((t.id, r.try_get::<i32, _>(2).map_err(backend)?)))
                    .collect::<StoreResult<_>>()?;
                page_from(items, q.limit, |t| Position::Relevance {
                    score: scores
                        .iter()
                        .find(|(id, _)| *id == t.id)
                        .map_or(0, |&(_, s)| u32::try_from(s).unwrap_or(0)),
                    seq: t.seq,
                })
            }
            TicketOrder::Urgency => page_from(items, q.limit, |t| {
                let rank = ranks
                    .iter()
                    .find(|(id, _)| *id == t.id)
                    .map_or(0, |&(_, r)| r);
                let (std::cmp::Reverse(rank), due, seq) = Position::urgency_key(rank, t);
                Position::Urgency { rank, due, seq }
            }),
        })
    }

    async fn report_tickets(
        &self,
        ws: WorkspaceId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<TicketFacts>> {
        // The small `facts` column; the document only for rows written before it.
        let rows = self
            .read(
                ws,
                "SELECT facts, CASE WHEN facts IS NULL THEN doc END FROM tickets
                 WHERE workspace_id = $1 AND created_at < $3
                   AND (active OR updated_at >= $2) ORDER BY seq",
                &[&ws.as_uuid(), &since, &until],
            )
            .await?;
        if rows.is_empty() {
            self.require_workspace(ws).await?;
        }
        rows.iter()
            .map(|r| {
                if let Some(Json(facts)) = r
                    .try_get::<Option<Json<TicketFacts>>, _>(0)
                    .map_err(backend)?
                {
                    return Ok(facts);
                }
                let Json(t): Json<Ticket> = r.try_get(1).map_err(backend)?;
                Ok(TicketFacts::from(&t))
            })
            .collect()
    }

    async fn dashboard_counts(
        &self,
        ws: WorkspaceId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
        soon: DateTime<Utc>,
    ) -> StoreResult<ticketry_core::report::DashboardCounts> {
        let rows = self
            .read(
                ws,
                DASHBOARD_SQL,
                &[&ws.as_uuid(), &since, &now.timestamp(), &soon.timestamp()],
            )
            .await?;
        let row = only_row(&rows)?;
        let n = |i: usize| -> StoreResult<u64> {
            Ok(row.try_get::<i64, _>(i).map_err(backend)?.unsigned_abs())
        };
        let f = |i: usize| -> StoreResult<f64> { row.try_get::<f64, _>(i).map_err(backend) };
        if n(0)? == 0 && n(2)? == 0 {
            self.require_workspace(ws).await?;
        }
        Ok(ticketry_core::report::DashboardCounts {
            active: n(0)?,
            unassigned: n(1)?,
            created: n(2)?,
            resolved: n(3)?,
            closed: n(4)?,
            breaching: n(5)?,
            due_soon: n(6)?,
            first_response_secs: f(7)?,
            first_responses: n(8)?,
            resolution_secs: f(9)?,
        })
    }

    async fn count_by_status(&self, ws: WorkspaceId) -> StoreResult<Vec<(Status, u64)>> {
        let rows = self
            .read(
                ws,
                "SELECT status, count(*) FROM tickets WHERE workspace_id = $1 GROUP BY status",
                &[&ws.as_uuid()],
            )
            .await?;
        if rows.is_empty() {
            self.require_workspace(ws).await?;
        }
        let mut out = rows
            .iter()
            .map(|r| {
                let status: String = r.try_get(0).map_err(backend)?;
                let n: i64 = r.try_get(1).map_err(backend)?;
                let status = status
                    .parse::<Status>()
                    .map_err(|e| StoreError::Backend(e.to_string()))?;
                Ok((status, n.unsigned_abs()))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by_key(|&(s, _)| s);
        Ok(out)
    }

    async fn sla_due(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Ticket>> {
        self.due(ws, SLA_DUE_SQL, now, limit, |t| t.sla.next_check())
            .await
    }

    async fn timers_due(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Ticket>> {
        self.due(ws, TIMERS_DUE_SQL, now, limit, |t| t.timers.due)
            .await
    }

    async fn set_timers_due(
        &self,
        ws: WorkspaceId,
        due: &[(TicketId, u64, Option<DateTime<Utc>>)],
    ) -> StoreResult<()> {
        #[derive(serde::Serialize)]
        struct Due(
            #[serde(serialize_with = "ticketry_core::time_serde::opt_instant")]
            Option<DateTime<Utc>>,
        );
        let ids: Vec<Uuid> = due.iter().map(|d| d.0.as_uuid()).collect();
        let versions = due
            .iter()
            .map(|d| crate::to_i64(d.1, "ticket version"))
            .collect::<StoreResult<Vec<i64>>>()?;
        let at: Vec<Json<Due>> = due.iter().map(|d| Json(Due(d.2))).collect();
        // The counter row first, as every ticket write: a batch of ticket
        // writes (group commit) locks several tickets of the workspace after it.
        let job = self.write_job(
            ws,
            &SET_TIMERS_DUE,
            &[&ws.as_uuid(), &ids, &versions, &at],
            true,
        )?;
        self.send_writes(std::slice::from_ref(&job))
            .await
            .map_err(crate::statement::WriteError::into_store)?;
        for &(id, version, at) in due {
            self.inner.recent.timers_due(ws, id, version, at);
        }
        Ok(())
    }

    async fn agent_loads(
        &self,
        ws: WorkspaceId,
        agents: &[ticketry_core::AgentId],
    ) -> StoreResult<Vec<AgentLoad>> {
        let ids: Vec<&str> = agents.iter().map(|a| a.as_str()).collect();
        let rows = self
            .read(ws, AGENT_LOADS_SQL, &[&ws.as_uuid(), &ids])
            .await?;
        agents
            .iter()
            .zip(&rows)
            .map(|(a, r)| {
                let open: i64 = r.try_get(0).map_err(backend)?;
                Ok(AgentLoad {
                    agent: a.clone(),
                    open: u32::try_from(open).unwrap_or(u32::MAX),
                    last_assigned: r.try_get(1).map_err(backend)?,
                })
            })
            .collect()
    }
}

impl PgStore {
    /// The tickets `sql` finds due by `now` (an indexed instant column, at
    /// most `limit`), earliest first by `at`, their exact instant.
    async fn due(
        &self,
        ws: WorkspaceId,
        sql: &str,
        now: DateTime<Utc>,
        limit: usize,
        at: fn(&Ticket) -> Option<DateTime<Utc>>,
    ) -> StoreResult<Vec<Ticket>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.read(ws, sql, &[&ws.as_uuid(), &now, &limit]).await?;
        if rows.is_empty() {
            self.require_workspace(ws).await?;
        }
        let tickets: Vec<Ticket> = docs(&rows)?;
        // The column holds microseconds; the decoded ticket has the exact instant.
        let mut due: Vec<(DateTime<Utc>, Ticket)> = tickets
            .into_iter()
            .filter_map(|t| at(&t).filter(|c| *c <= now).map(|c| (c, t)))
            .collect();
        due.sort_by_key(|(at, t)| (*at, t.seq));
        Ok(due.into_iter().map(|(_, t)| t).collect())
    }
}
