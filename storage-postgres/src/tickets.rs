//! Tickets, their threads and assignment history.

use crate::{PgStore, backend, commit, is_unique_violation, missing_workspace, to_i64};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder, Transaction};
use ticketry_core::event::{Event, NewEvent};
use ticketry_core::query::{Page, Position, TicketOrder, TicketQuery, page_from};
use ticketry_core::store::{StoreResult, TicketCreate, TicketStore, TicketWrite, WriteOutcome};
use ticketry_core::{
    AssignmentRecord, Message, MessageId, Status, StoreError, Ticket, TicketId, WorkspaceId,
};
use uuid::Uuid;

/// The rows written with a ticket: messages, assignment history, events.
/// Binds `$2..=$15` of [`CREATE_SQL`] and [`UPDATE_SQL`] (`$1` is the workspace).
macro_rules! children_sql {
    ($guard:literal) => {
        concat!(
            "m AS (
                INSERT INTO messages (workspace_id, message_id, ticket_id, kind, idempotency_key, created_at, doc)
                SELECT $1, u.id, u.ticket_id, u.kind, u.key, u.at, u.doc
                FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[])
                     WITH ORDINALITY AS u(id, ticket_id, kind, key, at, doc, n) ",
            $guard,
            " ORDER BY u.n
            ), a AS (
                INSERT INTO assignments (workspace_id, ticket_id, at, doc)
                SELECT $1, u.ticket_id, u.at, u.doc
                FROM unnest($8::uuid[], $9::timestamptz[], $10::jsonb[])
                     WITH ORDINALITY AS u(ticket_id, at, doc, n) ",
            $guard,
            " ORDER BY u.n
            ), e AS (
                INSERT INTO events (workspace_id, seq, ticket_id, type, at, doc)
                SELECT $1, u.seq, u.ticket_id, u.type, u.at, u.doc
                FROM unnest($11::int8[], $12::uuid[], $13::text[], $14::timestamptz[], $15::jsonb[])
                     AS u(seq, ticket_id, type, at, doc) ",
            $guard,
            "
            )
            SELECT count(*) FROM t"
        )
    };
}

/// Inserts a ticket with its children. Ticket binds `$16..=$34`.
const CREATE_SQL: &str = concat!(
    "WITH t AS (
        INSERT INTO tickets (workspace_id, ticket_id, seq, number, status, active, priority,
            rank_key, due_secs, sla_next_check, customer_id, assignee_id, team_id, category_id,
            tags, idempotency_key, created_at, updated_at, version, doc, idempotency_fingerprint)
        VALUES ($1, $16, $17, $18, $19, $20, $21,
            -COALESCE((SELECT rank FROM priorities WHERE workspace_id = $1 AND code = $21), 0),
            $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34)
        RETURNING ticket_id
    ), ",
    children_sql!("")
);

/// Updates a ticket if its version is still `$17`, and only then writes the
/// children. Ticket binds `$16..=$30`.
const UPDATE_SQL: &str = concat!(
    "WITH t AS (
        UPDATE tickets SET status = $18, active = $19, priority = $20,
            rank_key = -COALESCE((SELECT rank FROM priorities WHERE workspace_id = $1 AND code = $20), 0),
            due_secs = $21, sla_next_check = $22, customer_id = $23, assignee_id = $24,
            team_id = $25, category_id = $26, tags = $27, updated_at = $28, version = $29, doc = $30
        WHERE workspace_id = $1 AND ticket_id = $16 AND version = $17
        RETURNING ticket_id
    ), ",
    children_sql!("WHERE EXISTS (SELECT 1 FROM t)")
);

/// The earlier ticket a create's idempotency keys point to: by the ticket's
/// own key first (with the fingerprint of the request that made it), then by
/// its messages' keys in order (no fingerprint: a message key names one
/// message, whatever the request).
const EXISTING_TICKET_SQL: &str = "SELECT x.doc, x.fingerprint FROM (
        SELECT 0::int8 AS k, doc, idempotency_fingerprint AS fingerprint
        FROM tickets WHERE workspace_id = $1 AND idempotency_key = $2
        UNION ALL
        SELECT u.n AS k, t.doc, NULL::uuid
        FROM unnest($3::text[]) WITH ORDINALITY AS u(key, n)
        JOIN messages m ON m.workspace_id = $1 AND m.idempotency_key = u.key
        JOIN tickets t ON t.workspace_id = $1 AND t.ticket_id = m.ticket_id
    ) x ORDER BY x.k LIMIT 1";

/// The first earlier message one of the keys `$2` points to.
const EXISTING_MESSAGE_SQL: &str = "SELECT m.doc
    FROM unnest($2::text[]) WITH ORDINALITY AS u(key, n)
    JOIN messages m ON m.workspace_id = $1 AND m.idempotency_key = u.key
    ORDER BY u.n LIMIT 1";

const SLA_DUE_SQL: &str = "SELECT doc FROM tickets
    WHERE workspace_id = $1 AND sla_next_check <= $2
    ORDER BY sla_next_check, seq LIMIT $3";

/// The key columns of a ticket.
struct Cols<'a> {
    status: &'static str,
    active: bool,
    priority: &'a str,
    due_secs: i64,
    sla_next_check: Option<DateTime<Utc>>,
    customer: &'a str,
    assignee: Option<&'a str>,
    team: Option<Uuid>,
    category: Option<Uuid>,
    version: i64,
}

impl<'a> Cols<'a> {
    fn of(t: &'a Ticket) -> StoreResult<Self> {
        Ok(Self {
            status: t.status.as_str(),
            active: t.status.is_active(),
            priority: &t.priority,
            due_secs: t.sla.due_at().map_or(i64::MAX, |d| d.timestamp()),
            sla_next_check: t.sla.next_check(),
            customer: t.customer.as_str(),
            assignee: t.assignee.as_ref().map(|a| a.as_str()),
            team: t.team.map(|x| x.as_uuid()),
            category: t.category.map(|x| x.as_uuid()),
            version: to_i64(t.version, "ticket version")?,
        })
    }
}

/// Column arrays of the children rows (binds `$2..=$15`).
struct Children<'a> {
    m_id: Vec<Uuid>,
    m_ticket: Vec<Uuid>,
    m_kind: Vec<&'static str>,
    m_key: Vec<Option<&'a str>>,
    m_at: Vec<DateTime<Utc>>,
    m_doc: Vec<Json<&'a Message>>,
    a_ticket: Vec<Uuid>,
    a_at: Vec<DateTime<Utc>>,
    a_doc: Vec<Json<&'a AssignmentRecord>>,
    e_seq: Vec<i64>,
    e_ticket: Vec<Option<Uuid>>,
    e_type: Vec<&'static str>,
    e_at: Vec<DateTime<Utc>>,
    e_doc: Vec<Json<&'a Event>>,
}

impl<'a> Children<'a> {
    fn new(
        messages: &'a [Message],
        assignments: &'a [AssignmentRecord],
        events: &'a [Event],
    ) -> StoreResult<Self> {
        Ok(Self {
            m_id: messages.iter().map(|m| m.id.as_uuid()).collect(),
            m_ticket: messages.iter().map(|m| m.ticket_id.as_uuid()).collect(),
            m_kind: messages.iter().map(|m| m.kind.as_str()).collect(),
            m_key: messages
                .iter()
                .map(|m| m.idempotency_key.as_deref())
                .collect(),
            m_at: messages.iter().map(|m| m.created_at).collect(),
            m_doc: messages.iter().map(Json).collect(),
            a_ticket: assignments.iter().map(|a| a.ticket_id.as_uuid()).collect(),
            a_at: assignments.iter().map(|a| a.at).collect(),
            a_doc: assignments.iter().map(Json).collect(),
            e_seq: events
                .iter()
                .map(|e| to_i64(e.seq, "event seq"))
                .collect::<StoreResult<_>>()?,
            e_ticket: events
                .iter()
                .map(|e| e.ticket_id.map(|t| t.as_uuid()))
                .collect(),
            e_type: events.iter().map(|e| e.kind.name()).collect(),
            e_at: events.iter().map(|e| e.at).collect(),
            e_doc: events.iter().map(Json).collect(),
        })
    }

    fn bind<'q>(
        &'q self,
        q: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
        q.bind(&self.m_id)
            .bind(&self.m_ticket)
            .bind(&self.m_kind)
            .bind(&self.m_key)
            .bind(&self.m_at)
            .bind(&self.m_doc)
            .bind(&self.a_ticket)
            .bind(&self.a_at)
            .bind(&self.a_doc)
            .bind(&self.e_seq)
            .bind(&self.e_ticket)
            .bind(&self.e_type)
            .bind(&self.e_at)
            .bind(&self.e_doc)
    }
}

/// Numbers events `base + 1 ..`.
fn number_events(ws: WorkspaceId, base: u64, events: Vec<NewEvent>) -> Vec<Event> {
    events
        .into_iter()
        .zip(base + 1..)
        .map(|(e, seq)| e.into_event(ws, seq))
        .collect()
}

fn message_keys(messages: &[Message]) -> Vec<&str> {
    messages
        .iter()
        .filter_map(|m| m.idempotency_key.as_deref())
        .collect()
}

fn event_count(events: &[NewEvent]) -> StoreResult<i64> {
    to_i64(events.len() as u64, "event count")
}

/// What a create whose keys were used before returns: the earlier ticket
/// when the request is the same (or the earlier one recorded no
/// fingerprint), `IdempotencyMismatch` when the key was sent with another
/// request.
fn replay(
    create: &TicketCreate,
    earlier: Ticket,
    fingerprint: Option<Uuid>,
) -> StoreResult<Ticket> {
    match (&create.idempotency, fingerprint) {
        (Some(idem), Some(stored)) if stored != idem.fingerprint => {
            Err(StoreError::IdempotencyMismatch {
                key: idem.key.clone(),
            })
        }
        _ => Ok(earlier),
    }
}

impl PgStore {
    /// The ticket an earlier create with the same keys made, if any (see
    /// [`replay`]).
    async fn existing_ticket(
        tx: &mut Transaction<'static, Postgres>,
        ws: WorkspaceId,
        create: &TicketCreate,
    ) -> StoreResult<Option<Ticket>> {
        let keys = message_keys(&create.messages);
        if create.idempotency.is_none() && keys.is_empty() {
            return Ok(None);
        }
        let row: Option<(Json<Ticket>, Option<Uuid>)> = sqlx::query_as(EXISTING_TICKET_SQL)
            .bind(ws.as_uuid())
            .bind(create.idempotency_key())
            .bind(&keys)
            .fetch_optional(&mut **tx)
            .await
            .map_err(backend)?;
        row.map(|(Json(t), fingerprint)| replay(create, t, fingerprint))
            .transpose()
    }

    /// The earlier message one of `messages`' keys names, if any.
    async fn existing_message(
        tx: &mut Transaction<'static, Postgres>,
        ws: WorkspaceId,
        messages: &[Message],
    ) -> StoreResult<Option<Message>> {
        let keys = message_keys(messages);
        if keys.is_empty() {
            return Ok(None);
        }
        let doc: Option<Json<Message>> = sqlx::query_scalar(EXISTING_MESSAGE_SQL)
            .bind(ws.as_uuid())
            .bind(&keys)
            .fetch_optional(&mut **tx)
            .await
            .map_err(backend)?;
        Ok(doc.map(|Json(m)| m))
    }

    /// Takes the workspace's counter lock and reserves `tickets` ticket
    /// numbers and `events` event seqs; returns the new last values.
    async fn reserve(
        tx: &mut Transaction<'static, Postgres>,
        ws: WorkspaceId,
        tickets: i64,
        events: i64,
    ) -> StoreResult<(u64, u64)> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE workspace_counters
             SET last_ticket = last_ticket + $2, last_event = last_event + $3
             WHERE workspace_id = $1
             RETURNING last_ticket, last_event",
        )
        .bind(ws.as_uuid())
        .bind(tickets)
        .bind(events)
        .fetch_optional(&mut **tx)
        .await
        .map_err(backend)?;
        let (t, e) = row.ok_or_else(|| missing_workspace(ws))?;
        Ok((t.unsigned_abs(), e.unsigned_abs()))
    }

    async fn try_create(
        &self,
        ws: WorkspaceId,
        mut create: TicketCreate,
    ) -> Result<(Ticket, bool), CreateError> {
        let mut tx = self.begin(ws).await?;
        if let Some(t) = Self::existing_ticket(&mut tx, ws, &create).await? {
            return Ok((t, false));
        }
        let (seq, last_event) = Self::reserve(&mut tx, ws, 1, event_count(&create.events)?).await?;
        create.assign_number(seq);
        let base = last_event - create.events.len() as u64;
        let events = number_events(ws, base, std::mem::take(&mut create.events));
        let children = Children::new(&create.messages, &create.assignments, &events)?;
        let t = &create.ticket;
        let c = Cols::of(t)?;
        let q = children
            .bind(sqlx::query(CREATE_SQL).bind(ws.as_uuid()))
            .bind(t.id.as_uuid())
            .bind(to_i64(t.seq, "ticket seq")?)
            .bind(&t.number)
            .bind(c.status)
            .bind(c.active)
            .bind(c.priority)
            .bind(c.due_secs)
            .bind(c.sla_next_check)
            .bind(c.customer)
            .bind(c.assignee)
            .bind(c.team)
            .bind(c.category)
            .bind(&t.tags)
            .bind(create.idempotency_key())
            .bind(t.created_at)
            .bind(t.updated_at)
            .bind(c.version)
            .bind(Json(t))
            .bind(create.idempotency.as_ref().map(|i| i.fingerprint));
        match q.execute(&mut *tx).await {
            Ok(_) => {}
            Err(e)
                if is_unique_violation(&e, Some("tickets_idempotency"))
                    || is_unique_violation(&e, Some("messages_idempotency")) =>
            {
                return Err(CreateError::KeyRace);
            }
            Err(e)
                if is_unique_violation(&e, Some("tickets_number_ci"))
                    || is_unique_violation(&e, Some("tickets_number")) =>
            {
                return Err(StoreError::AlreadyExists {
                    entity: "ticket",
                    key: create.ticket.number,
                }
                .into());
            }
            Err(e) if is_unique_violation(&e, Some("tickets_pkey")) => {
                return Err(StoreError::AlreadyExists {
                    entity: "ticket",
                    key: create.ticket.id.to_string(),
                }
                .into());
            }
            Err(e) => return Err(backend(e).into()),
        }
        commit(tx).await?;
        Ok((create.ticket, true))
    }

    async fn try_update(
        &self,
        ws: WorkspaceId,
        w: TicketWrite,
    ) -> Result<WriteOutcome, CreateError> {
        let mut tx = self.begin(ws).await?;
        if let Some(m) = Self::existing_message(&mut tx, ws, &w.messages).await? {
            return Ok(WriteOutcome::DuplicateMessage(m));
        }
        let (_, last_event) = Self::reserve(&mut tx, ws, 0, event_count(&w.events)?).await?;
        let base = last_event - w.events.len() as u64;
        let events = number_events(ws, base, w.events);
        let children = Children::new(&w.messages, &w.assignments, &events)?;
        let t = &w.ticket;
        let c = Cols::of(t)?;
        let q = children
            .bind(sqlx::query(UPDATE_SQL).bind(ws.as_uuid()))
            .bind(t.id.as_uuid())
            .bind(to_i64(w.expected_version, "expected version")?)
            .bind(c.status)
            .bind(c.active)
            .bind(c.priority)
            .bind(c.due_secs)
            .bind(c.sla_next_check)
            .bind(c.customer)
            .bind(c.assignee)
            .bind(c.team)
            .bind(c.category)
            .bind(&t.tags)
            .bind(t.updated_at)
            .bind(c.version)
            .bind(Json(t));
        let updated: i64 = match q.fetch_one(&mut *tx).await {
            Ok(row) => sqlx::Row::try_get(&row, 0).map_err(backend)?,
            Err(e) if is_unique_violation(&e, Some("messages_idempotency")) => {
                return Err(CreateError::KeyRace);
            }
            Err(e) => return Err(backend(e).into()),
        };
        if updated == 0 {
            let version: Option<i64> = sqlx::query_scalar(
                "SELECT version FROM tickets WHERE workspace_id = $1 AND ticket_id = $2",
            )
            .bind(ws.as_uuid())
            .bind(t.id.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            return Err(match version {
                None => StoreError::NotFound {
                    entity: "ticket",
                    id: t.id.to_string(),
                },
                Some(_) => StoreError::VersionConflict {
                    entity: "ticket",
                    id: t.id.to_string(),
                    expected: w.expected_version,
                },
            }
            .into());
        }
        commit(tx).await?;
        Ok(WriteOutcome::Applied)
    }

    /// The page query of `list_tickets`, optionally prefixed (`EXPLAIN …`).
    fn list_query(
        prefix: &str,
        ws: WorkspaceId,
        q: &TicketQuery,
        after: Option<Position>,
    ) -> QueryBuilder<Postgres> {
        let mut b = QueryBuilder::new(prefix);
        b.push("SELECT doc, rank_key FROM tickets WHERE workspace_id = ")
            .push_bind(ws.as_uuid());
        match q.statuses.as_slice() {
            [] => {}
            [one] => {
                b.push(" AND status = ").push_bind(one.as_str());
            }
            many => {
                let names: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
                b.push(" AND status = ANY(").push_bind(names).push(")");
            }
        }
        if !q.statuses.is_empty() && q.statuses.iter().all(|s| s.is_active()) {
            // Lets the planner use the agent queue's partial index.
            b.push(" AND active");
        }
        if let Some(p) = &q.priority {
            b.push(" AND priority = ").push_bind(p.clone());
        }
        if let Some(a) = &q.assignee {
            b.push(" AND assignee_id = ")
                .push_bind(a.as_str().to_owned());
        }
        if q.unassigned {
            b.push(" AND assignee_id IS NULL");
        }
        if let Some(t) = q.team {
            b.push(" AND team_id = ").push_bind(t.as_uuid());
        }
        if let Some(c) = q.category {
            b.push(" AND category_id = ").push_bind(c.as_uuid());
        }
        if let Some(tag) = &q.tag {
            b.push(" AND tags @> ARRAY[")
                .push_bind(tag.clone())
                .push("]::text[]");
        }
        if let Some(c) = &q.customer {
            b.push(" AND customer_id = ")
                .push_bind(c.as_str().to_owned());
        }
        let seq_after = |p: Option<Position>| match p {
            Some(Position::Seq(s)) => Some(i64::try_from(s).unwrap_or(i64::MAX)),
            _ => None,
        };
        match q.order {
            TicketOrder::Newest => {
                if let Some(s) = seq_after(after) {
                    b.push(" AND seq < ").push_bind(s);
                }
                b.push(" ORDER BY seq DESC");
            }
            TicketOrder::Oldest => {
                if let Some(s) = seq_after(after) {
                    b.push(" AND seq > ").push_bind(s);
                }
                b.push(" ORDER BY seq");
            }
            TicketOrder::Urgency => {
                if let Some(Position::Urgency { rank, due, seq }) = after {
                    b.push(" AND (rank_key, due_secs, seq) > (")
                        .push_bind(rank.saturating_neg())
                        .push(", ")
                        .push_bind(due)
                        .push(", ")
                        .push_bind(i64::try_from(seq).unwrap_or(i64::MAX))
                        .push(")");
                }
                b.push(" ORDER BY rank_key, due_secs, seq");
            }
        }
        b.push(" LIMIT ").push_bind(i64::from(q.limit) + 1);
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
        let mut b = Self::list_query("EXPLAIN (ANALYZE, BUFFERS) ", ws, query, after);
        let mut tx = self.begin(ws).await?;
        b.build_query_scalar::<String>()
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)
    }

    /// The plan PostgreSQL runs for [`TicketStore::sla_due`]
    /// (`EXPLAIN (ANALYZE, BUFFERS)`).
    pub async fn explain_sla_due(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<String>> {
        let mut tx = self.begin(ws).await?;
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "EXPLAIN (ANALYZE, BUFFERS) {SLA_DUE_SQL}"
        )))
        .bind(ws.as_uuid())
        .bind(now)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)
    }
}

/// A write failed, or lost an idempotency-key race (retry by reading).
enum CreateError {
    Store(StoreError),
    KeyRace,
}

impl From<StoreError> for CreateError {
    fn from(e: StoreError) -> Self {
        CreateError::Store(e)
    }
}

#[async_trait]
impl TicketStore for PgStore {
    async fn create_ticket(
        &self,
        ws: WorkspaceId,
        create: TicketCreate,
    ) -> StoreResult<(Ticket, bool)> {
        let retry = create.clone();
        match self.try_create(ws, create).await {
            Ok(r) => Ok(r),
            Err(CreateError::Store(e)) => Err(e),
            Err(CreateError::KeyRace) => {
                // A concurrent create with the same key committed first: its
                // row is visible now.
                let mut tx = self.begin(ws).await?;
                match Self::existing_ticket(&mut tx, ws, &retry).await? {
                    Some(t) => Ok((t, false)),
                    None => Err(StoreError::Backend(
                        "idempotency key conflict without a visible earlier ticket".into(),
                    )),
                }
            }
        }
    }

    async fn update_ticket(
        &self,
        ws: WorkspaceId,
        write: TicketWrite,
    ) -> StoreResult<WriteOutcome> {
        let messages = write.messages.clone();
        let id = write.ticket.id;
        match self.try_update(ws, write).await {
            Ok(r) => {
                if r == WriteOutcome::Applied {
                    self.inner.turns.applied(ws, id);
                }
                Ok(r)
            }
            Err(CreateError::Store(e @ StoreError::VersionConflict { .. })) => {
                self.inner.turns.wait(ws, id).await;
                Err(e)
            }
            Err(CreateError::Store(e)) => Err(e),
            Err(CreateError::KeyRace) => {
                let mut tx = self.begin(ws).await?;
                match Self::existing_message(&mut tx, ws, &messages).await? {
                    Some(m) => Ok(WriteOutcome::DuplicateMessage(m)),
                    None => Err(StoreError::Backend(
                        "idempotency key conflict without a visible earlier message".into(),
                    )),
                }
            }
        }
    }

    async fn get_ticket(&self, ws: WorkspaceId, id: TicketId) -> StoreResult<Option<Ticket>> {
        self.fetch_doc(
            ws,
            "SELECT doc FROM tickets WHERE workspace_id = $1 AND ticket_id = $2",
            id.as_uuid(),
        )
        .await
    }

    async fn get_ticket_by_number(
        &self,
        ws: WorkspaceId,
        number: &str,
    ) -> StoreResult<Option<Ticket>> {
        // `number_key` is lower(number COLLATE "C") (migration 0002): the
        // function applies to the parameter only, so the unique index
        // (workspace_id, number_key) serves the lookup under row-level
        // security too (lower() is not leakproof).
        self.fetch_doc(
            ws,
            "SELECT doc FROM tickets WHERE workspace_id = $1 AND number_key = lower($2 COLLATE \"C\")",
            number.to_owned(),
        )
        .await
    }

    async fn list_messages(&self, ws: WorkspaceId, ticket: TicketId) -> StoreResult<Vec<Message>> {
        self.fetch_children(
            ws,
            "SELECT doc FROM messages WHERE workspace_id = $1 AND ticket_id = $2 ORDER BY ord",
            ticket,
        )
        .await
    }

    async fn get_message(&self, ws: WorkspaceId, id: MessageId) -> StoreResult<Option<Message>> {
        let mut tx = self.begin(ws).await?;
        let doc: Option<Json<Message>> = sqlx::query_scalar(
            "SELECT doc FROM messages WHERE workspace_id = $1 AND message_id = $2",
        )
        .bind(ws.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        if doc.is_none() {
            Self::ensure_workspace(&mut tx, ws).await?;
        }
        Ok(doc.map(|Json(m)| m))
    }

    async fn list_messages_page(
        &self,
        ws: WorkspaceId,
        ticket: TicketId,
        after: Option<u64>,
        limit: usize,
        public_only: bool,
    ) -> StoreResult<Vec<(u64, Message)>> {
        // A message's position is its `ord` (an identity, increasing in
        // insertion order); the index `messages_thread` serves the range.
        let mut tx = self.begin(ws).await?;
        let rows: Vec<(i64, Json<Message>)> = sqlx::query_as(
            "SELECT ord, doc FROM messages \
             WHERE workspace_id = $1 AND ticket_id = $2 AND ord > $3 \
               AND (NOT $5 OR kind <> 'note') \
             ORDER BY ord LIMIT $4",
        )
        .bind(ws.as_uuid())
        .bind(ticket.as_uuid())
        .bind(i64::try_from(after.unwrap_or(0)).unwrap_or(i64::MAX))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(public_only)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        Ok(rows
            .into_iter()
            .map(|(ord, Json(m))| (u64::try_from(ord).unwrap_or(0), m))
            .collect())
    }

    async fn list_assignments(
        &self,
        ws: WorkspaceId,
        ticket: TicketId,
    ) -> StoreResult<Vec<AssignmentRecord>> {
        self.fetch_children(
            ws,
            "SELECT doc FROM assignments WHERE workspace_id = $1 AND ticket_id = $2 ORDER BY ord",
            ticket,
        )
        .await
    }

    async fn list_tickets(&self, ws: WorkspaceId, q: &TicketQuery) -> StoreResult<Page<Ticket>> {
        let after = q
            .validate()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut b = Self::list_query("", ws, q, after);
        let mut tx = self.begin(ws).await?;
        let rows: Vec<(Json<Ticket>, i32)> = b
            .build_query_as()
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
        if rows.is_empty() {
            Self::ensure_workspace(&mut tx, ws).await?;
        }
        let ranks: Vec<(TicketId, i32)> = rows
            .iter()
            .map(|(Json(t), rank_key)| (t.id, rank_key.saturating_neg()))
            .collect();
        let items: Vec<Ticket> = rows.into_iter().map(|(Json(t), _)| t).collect();
        Ok(match q.order {
            TicketOrder::Newest | TicketOrder::Oldest => {
                page_from(items, q.limit, |t| Position::Seq(t.seq))
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

    async fn count_by_status(&self, ws: WorkspaceId) -> StoreResult<Vec<(Status, u64)>> {
        let mut tx = self.begin(ws).await?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, count(*) FROM tickets WHERE workspace_id = $1 GROUP BY status",
        )
        .bind(ws.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        if rows.is_empty() {
            Self::ensure_workspace(&mut tx, ws).await?;
        }
        let mut out = rows
            .into_iter()
            .map(|(s, n)| {
                let status = s
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
        let mut tx = self.begin(ws).await?;
        let docs: Vec<Json<Ticket>> = sqlx::query_scalar(SLA_DUE_SQL)
            .bind(ws.as_uuid())
            .bind(now)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
        if docs.is_empty() {
            Self::ensure_workspace(&mut tx, ws).await?;
        }
        // The column holds microseconds; the decoded ticket has the exact instant.
        let mut due: Vec<(DateTime<Utc>, Ticket)> = docs
            .into_iter()
            .filter_map(|Json(t)| t.sla.next_check().filter(|c| *c <= now).map(|c| (c, t)))
            .collect();
        due.sort_by_key(|(at, t)| (*at, t.seq));
        Ok(due.into_iter().map(|(_, t)| t).collect())
    }
}

impl PgStore {
    /// A ticket's messages or assignments (empty for an unknown ticket,
    /// `NotFound` for an unknown workspace).
    async fn fetch_children<T>(
        &self,
        ws: WorkspaceId,
        sql: &'static str,
        ticket: TicketId,
    ) -> StoreResult<Vec<T>>
    where
        T: serde::de::DeserializeOwned + Send + Unpin + 'static,
    {
        let mut tx = self.begin(ws).await?;
        let docs: Vec<Json<T>> = sqlx::query_scalar(sql)
            .bind(ws.as_uuid())
            .bind(ticket.as_uuid())
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
        if docs.is_empty() {
            Self::ensure_workspace(&mut tx, ws).await?;
        }
        Ok(docs.into_iter().map(|Json(v)| v).collect())
    }
}
