//! Ticket writes: each one statement, sent with its `COMMIT`.
//!
//! A create or an update is one statement of data-modifying CTEs: the
//! idempotency check, the workspace's counter (ticket number and event seqs),
//! the ticket, its messages, assignment records and events. It is sent in
//! one message with `COMMIT`, together with the other ticket writes waiting
//! at that moment ([`crate::group_commit`]), so the counter row's lock,
//! which serializes the workspace's ticket writes and makes numbers and event
//! seqs gap-free and in commit order, is held only while the server executes
//! and commits.
//!
//! Numbers are therefore made inside the statement: the workspace's format
//! comes as [`NumberPiece`]s (text and zero-padded `{seq}`), and the ticket's
//! and its events' documents get their `seq` and `number` from the counter
//! (`doc || jsonb_build_object(…)`).
//!
//! Locks are taken in one order everywhere: the workspace's counter row,
//! then ticket rows (`save_priorities` too), so writers never deadlock.

use crate::statement::{Param, Prepared, WriteError, only_row};
use crate::{PgStore, backend, is_unique_violation, missing_workspace, to_i64};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::types::Json;
use ticketry_core::event::{Event, EventKind, NewEvent};
use ticketry_core::store::{CapacityGuard, StoreResult, TicketCreate, TicketWrite, WriteOutcome};
use ticketry_core::{AssignmentRecord, Message, NumberPiece, StoreError, Ticket, WorkspaceId};
use uuid::Uuid;

/// Inserts the rows written with a ticket (`$2..=$15`; `$1` is the
/// workspace) once the CTE `t` wrote the ticket `$16` (only that ticket's
/// children: this, not a foreign key, keeps them attached, see migration
/// 0014), numbering the events after
/// `n.base` and giving a `ticket.created` event `n.number`.
macro_rules! children_sql {
    () => {
        "m AS (
            INSERT INTO messages (workspace_id, message_id, ticket_id, kind, idempotency_key, created_at, doc)
            SELECT $1, u.id, u.ticket_id, u.kind, u.key, u.at,
                CASE WHEN (SELECT number FROM n) IS NULL THEN u.doc
                     ELSE u.doc
                         || jsonb_build_object('body', replace(u.doc->>'body',
                                '\u{E000}ticket.number\u{E000}', (SELECT number FROM n)))
                         || CASE WHEN u.doc->>'html' IS NULL THEN '{}'::jsonb
                                 ELSE jsonb_build_object('html', replace(u.doc->>'html',
                                     '\u{E000}ticket.number\u{E000}', (SELECT number FROM n))) END
                END
            FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[])
                 WITH ORDINALITY AS u(id, ticket_id, kind, key, at, doc, n)
            WHERE EXISTS (SELECT 1 FROM t) AND u.ticket_id = $16
            ORDER BY u.n
        ), a AS (
            INSERT INTO assignments (workspace_id, ticket_id, at, doc)
            SELECT $1, u.ticket_id, u.at, u.doc
            FROM unnest($8::uuid[], $9::timestamptz[], $10::jsonb[])
                 WITH ORDINALITY AS u(ticket_id, at, doc, n)
            WHERE EXISTS (SELECT 1 FROM t) AND u.ticket_id = $16
            ORDER BY u.n
        ), e AS (
            INSERT INTO events (workspace_id, seq, ticket_id, type, at, doc)
            SELECT $1, n.base + u.n, u.ticket_id, u.type, u.at,
                u.doc || jsonb_build_object('seq', n.base + u.n)
                    || CASE WHEN u.type = 'ticket.created' AND n.number IS NOT NULL
                            THEN jsonb_build_object('number', n.number)
                            ELSE '{}'::jsonb END
            FROM n, unnest($11::uuid[], $12::text[], $13::timestamptz[], $14::jsonb[])
                 WITH ORDINALITY AS u(ticket_id, type, at, doc, n)
        )"
    };
}

/// The earlier ticket a create's keys name (`$27`: its idempotency key;
/// `$34`: its messages' keys), with its fingerprint.
macro_rules! prior_by_keys {
    () => {
        "SELECT x.doc, x.fingerprint FROM (
            SELECT 0::int8 AS k, doc, idempotency_fingerprint AS fingerprint
            FROM tickets WHERE workspace_id = $1 AND idempotency_key = $27
            UNION ALL
            -- Driven by the keys (usually none): the generic plan, made
            -- once per connection, may otherwise start from the tickets
            -- and read the whole workspace on every call. `OFFSET 0` keeps
            -- each LATERAL subquery from being flattened and reordered.
            SELECT u.n AS k, t.doc, NULL::uuid
            FROM unnest($34::text[]) WITH ORDINALITY AS u(key, n)
            CROSS JOIN LATERAL (SELECT ticket_id FROM messages
                WHERE workspace_id = $1 AND idempotency_key = u.key OFFSET 0) m
            CROSS JOIN LATERAL (SELECT doc FROM tickets
                WHERE workspace_id = $1 AND ticket_id = m.ticket_id OFFSET 0) t
        ) x ORDER BY x.k LIMIT 1
    "
    };
}

/// No earlier ticket or message (a write without keys).
macro_rules! prior_none {
    () => {
        "SELECT NULL::jsonb AS doc, NULL::uuid AS fingerprint WHERE false"
    };
}

/// A create statement whose CTE `prior` is `$prior!()`.
macro_rules! create_sql {
    ($prior:ident) => {
        concat!(
            "WITH prior AS (",
            $prior!(),
            "), c AS (
        UPDATE workspace_counters
        SET last_ticket = last_ticket + 1, last_event = last_event + $15
        WHERE workspace_id = $1 AND NOT EXISTS (SELECT 1 FROM prior)
          AND ($33 IS NULL OR catalog_version = $33)
          AND EXISTS (SELECT 1 FROM customers WHERE workspace_id = $1 AND customer_id = $22)
          AND ($40 IS NULL OR (SELECT count(*) FROM tickets WHERE workspace_id = $1
              AND assignee_id = $40 AND active) < $41)
        RETURNING last_ticket AS seq, last_event - $15 AS base
    ), n AS (
        SELECT c.seq, c.base,
            (SELECT string_agg(CASE WHEN p.width IS NULL THEN p.text
                    WHEN p.width < 0 THEN (
                        SELECT substr(x.abc, (z.idx / 1000 / 576 % 24)::int + 1, 1)
                            || substr(x.abc, (z.idx / 1000 / 24 % 24)::int + 1, 1)
                            || substr(x.abc, (z.idx / 1000 % 24)::int + 1, 1)
                            || lpad((z.idx % 1000)::text, 3, '0')
                            || CASE WHEN z.q > 0 THEN z.q::text ELSE '' END
                        FROM (SELECT ($37::int8 * ((c.seq - 1) % 13824000) + $38::int8) % 13824000 AS idx,
                                     (c.seq - 1) / 13824000 AS q) z,
                             (SELECT 'ABCDEFGHJKLMNPQRSTUVWXYZ'::text AS abc) x)
                    ELSE lpad(c.seq::text, greatest(p.width, length(c.seq::text)), '0') END,
                    '' ORDER BY p.i)
             FROM unnest($35::text[], $36::int4[]) WITH ORDINALITY AS p(text, width, i)) AS number
        FROM c
    ), t AS (
        INSERT INTO tickets (workspace_id, ticket_id, seq, number, status, active, priority,
            rank_key, due_secs, sla_next_check, customer_id, assignee_id, team_id, category_id,
            tags, idempotency_key, created_at, updated_at, version, doc, idempotency_fingerprint,
            timers_due, search_head, search_public, search_notes, facts, incident_id)
        SELECT $1, $16, n.seq, n.number, $17, $18, $19,
            -COALESCE((SELECT rank FROM priorities WHERE workspace_id = $1 AND code = $19), 0),
            $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30,
            $31 || jsonb_build_object('seq', n.seq, 'number', n.number), $32, $39,
            $42::tsvector, $43::tsvector, $44::tsvector, $46,
            ($31->'incident'->>'id')::uuid
        FROM n
        RETURNING ticket_id, search_head || search_public AS terms
    ), tt AS (
        -- Its public search terms' row (migrations 0017 and 0019).
        INSERT INTO ticket_terms (workspace_id, ticket_id, terms)
        SELECT $1, ticket_id, scoped_terms($1, terms) FROM t
    ), tg AS (
        -- Its tags' rows (migration 0020).
        INSERT INTO ticket_tags (workspace_id, tag, ticket_id)
        SELECT DISTINCT $1, tag, ticket_id FROM t, unnest($26::text[]) AS tag
    ), ",
            children_sql!(),
    ", sg AS (
        UPDATE kb_suggestions SET ticket_id = $16
        WHERE workspace_id = $1 AND suggestion_id = $45 AND ticket_id IS NULL
          AND EXISTS (SELECT 1 FROM t)
    )
    SELECT (SELECT seq FROM n), (SELECT doc FROM prior), (SELECT fingerprint FROM prior),
        (SELECT catalog_version FROM workspace_counters WHERE workspace_id = $1),
        EXISTS (SELECT 1 FROM customers WHERE workspace_id = $1 AND customer_id = $22),
        (SELECT count(*) FROM tickets WHERE workspace_id = $1
            AND assignee_id = $40 AND active) >= $41"
        )
    };
}

/// Creates a ticket unless an earlier create used its keys (and records it
/// on the suggestions `$45` shown before, when given): takes the next
/// number and `$15` event seqs (only while the catalog version is still
/// `$33`, when given, and the customer `$22` exists), renders the number
/// from the pieces `$35`/`$36` (a `{token}` with `$37`/`$38`, as
/// `NumberPiece::Token` does), and inserts everything, the ticket's row of
/// `ticket_terms` included. Returns the new seq, or the earlier ticket and
/// its fingerprint, the stored catalog version and whether the customer
/// exists.
const CREATE_SQL: &str = create_sql!(prior_by_keys);

/// [`CREATE_SQL`] for a create without keys (`$27` NULL, `$34` empty):
/// `prior` is empty, so the server neither starts nor runs its lookups (a
/// sort over two index searches) on every call.
const CREATE_KEYLESS_SQL: &str = create_sql!(prior_none);

/// The earliest message that used one of a change's message keys (`$32`).
macro_rules! dup_by_keys {
    () => {
        "SELECT m.doc FROM unnest($32::text[]) WITH ORDINALITY AS u(key, n)
        CROSS JOIN LATERAL (SELECT doc FROM messages
            WHERE workspace_id = $1 AND idempotency_key = u.key OFFSET 0) m
        ORDER BY u.n LIMIT 1
    "
    };
}

/// The CTEs of a change of the tags, over the ticket's rows of
/// `ticket_tags` (migration 0020): the dropped tags' deleted (the
/// statement's snapshot holds the ticket as it was), every tag's written if
/// missing.
macro_rules! tags_changed {
    () => {
        "), tg_gone AS (
        DELETE FROM ticket_tags
        WHERE workspace_id = $1 AND ticket_id = $16 AND EXISTS (SELECT 1 FROM t)
          AND tag IN (SELECT unnest(tags) FROM tickets WHERE workspace_id = $1 AND ticket_id = $16)
          AND tag <> ALL($27::text[])
    ), tg AS (
        INSERT INTO ticket_tags (workspace_id, tag, ticket_id)
        SELECT DISTINCT $1, tag, $16::uuid FROM t, unnest($27::text[]) AS tag
        ON CONFLICT DO NOTHING
    "
    };
}

/// No CTE: the change leaves the tags, and so their rows, as they were.
macro_rules! tags_unchanged {
    () => {
        ""
    };
}

/// A change's statement: the CTE `dup` is `$dup!()`, the tags' rows are
/// written by `$tags!()`.
macro_rules! update_sql {
    ($dup:ident, $tags:ident) => {
        concat!(
            "WITH dup AS (",
            $dup!(),
            "), counter AS (
        SELECT 1 FROM workspace_counters
        WHERE workspace_id = $1 AND ($31 IS NULL OR catalog_version = $31)
          AND NOT EXISTS (SELECT 1 FROM dup)
          -- A change computed from an old version (e.g. a remembered copy
          -- another process made stale) takes no lock: it writes nothing.
          AND EXISTS (SELECT 1 FROM tickets
              WHERE workspace_id = $1 AND ticket_id = $16 AND version = $17)
          AND ($33 IS NULL OR EXISTS (SELECT 1 FROM agents
              WHERE workspace_id = $1 AND agent_id = $33 AND (doc->>'active')::boolean))
          AND ($35 IS NULL OR (SELECT count(*) FROM tickets WHERE workspace_id = $1
              AND assignee_id = $35 AND active AND ticket_id <> $16) < $36)
        FOR UPDATE
    ), t AS (
        UPDATE tickets SET status = $18, active = $19, priority = $20,
            rank_key = -COALESCE((SELECT rank FROM priorities WHERE workspace_id = $1 AND code = $20), 0),
            due_secs = $21, sla_next_check = $22, customer_id = $23, assignee_id = $24,
            team_id = $25, category_id = $26, tags = $27, updated_at = $28, version = $29, doc = $30,
            facts = $40, incident_id = ($30->'incident'->>'id')::uuid,
            timers_due = $34, search_head = COALESCE($37::tsvector, search_head),
            -- A tsvector holds at most 1 MB: a ticket stops growing its index first.
            search_public = CASE WHEN pg_column_size(search_public) < 900000
                THEN search_public || $38::tsvector ELSE search_public END,
            search_notes = CASE WHEN pg_column_size(search_notes) < 900000
                THEN search_notes || $39::tsvector ELSE search_notes END
        WHERE workspace_id = $1 AND ticket_id = $16 AND version = $17
          AND EXISTS (SELECT 1 FROM counter)
        RETURNING ticket_id, search_head || search_public AS terms
    ), tu AS (
        -- The public terms' row (migrations 0016 and 0019) when only
        -- public terms were added (a reply): it grows by the new terms,
        -- scoped alone, which is what scoping the whole would give
        -- (`scoped_terms(w, a || b)` is `scoped_terms(w, a) ||
        -- scoped_terms(w, b)`), at the cost of the new terms instead of
        -- the whole ticket's. Not near the sizes where `t` stops growing
        -- the terms and `scoped_terms` answers its catch-all term.
        UPDATE ticket_terms SET terms = ticket_terms.terms || scoped_terms($1, $38::tsvector)
        FROM t
        WHERE ticket_terms.workspace_id = $1 AND ticket_terms.ticket_id = t.ticket_id
          AND $37::tsvector IS NULL AND $38::tsvector <> ''::tsvector
          AND pg_column_size(t.terms) + 10 * length(t.terms) < 900000
        RETURNING 1
    ), tt AS (
        -- Otherwise the whole row, when the terms changed; written if
        -- missing (a ticket a host copied in).
        INSERT INTO ticket_terms (workspace_id, ticket_id, terms)
        SELECT $1, ticket_id, scoped_terms($1, terms) FROM t
        WHERE ($37::tsvector IS NOT NULL OR $38::tsvector <> ''::tsvector)
          AND NOT EXISTS (SELECT 1 FROM tu)
        ON CONFLICT (workspace_id, ticket_id) DO UPDATE SET terms = EXCLUDED.terms
    ",
            $tags!(),
            "), n AS (
        UPDATE workspace_counters SET last_event = last_event + $15
        WHERE workspace_id = $1 AND EXISTS (SELECT 1 FROM t)
        RETURNING last_event - $15 AS base, NULL::text AS number
    ), ",
            children_sql!(),
    "
    SELECT (SELECT count(*) FROM t), (SELECT doc FROM dup),
        (SELECT version FROM tickets WHERE workspace_id = $1 AND ticket_id = $16),
        (SELECT catalog_version FROM workspace_counters WHERE workspace_id = $1),
        (SELECT (doc->>'active')::boolean FROM agents WHERE workspace_id = $1 AND agent_id = $33),
        (SELECT count(*) FROM tickets WHERE workspace_id = $1
            AND assignee_id = $35 AND active AND ticket_id <> $16) >= $36,
        EXISTS (SELECT 1 FROM counter)"
        )
    };
}

/// Updates a ticket if its version is still `$17` (checked before and
/// after the lock) and no message key `$32` was used before: locks the
/// counter row first (only while the catalog version is still `$31` and the
/// agent `$33` exists and is active, when given), then the ticket, then
/// takes `$15` event seqs. Returns how many
/// tickets it updated, the earlier message, the ticket's stored version, the
/// stored catalog version, whether the agent is active (NULL: no such agent),
/// whether the assignee is full and whether the counter row was taken (then
/// only the ticket's version, moved while the write waited for the row, can
/// have stopped it: the other values are read at the statement's start).
///
/// One of four variants: without the key lookup (`dup` empty, as `prior`
/// is in [`CREATE_KEYLESS_SQL`]) for a change whose messages have no keys
/// (`$32` empty), and without the tags' CTEs for a change that leaves the
/// tags as they were (most: a reply, a status, an assignment), so the
/// server neither starts nor runs either.
const UPDATE_SQL: &str = update_sql!(dup_by_keys, tags_changed);

/// The types of the children's `$1..=$15`.
macro_rules! children_types {
    () => {
        "uuid, uuid[], uuid[], text[], text[], timestamptz[], jsonb[], \
         uuid[], timestamptz[], jsonb[], uuid[], text[], timestamptz[], jsonb[], int8, "
    };
}

/// The types of a create's parameters.
const CREATE_TYPES: &str = concat!(
    children_types!(),
    "uuid, text, bool, text, int8, timestamptz, text, text, uuid, uuid, text[], text, \
     timestamptz, timestamptz, int8, jsonb, uuid, int8, text[], text[], int4[], int8, int8, \
     timestamptz, text, int8, text, text, text, uuid, jsonb"
);

/// [`CREATE_SQL`] and [`CREATE_KEYLESS_SQL`], prepared, by whether the
/// create carries keys (as [`UPDATES`]).
const CREATES: [Prepared; 2] = [
    Prepared {
        name: "create_ticket_keyless",
        types: CREATE_TYPES,
        sql: CREATE_KEYLESS_SQL,
    },
    Prepared {
        name: "create_ticket",
        types: CREATE_TYPES,
        sql: CREATE_SQL,
    },
];

/// The types of an update's parameters.
const UPDATE_TYPES: &str = concat!(
    children_types!(),
    "uuid, int8, text, bool, text, int8, timestamptz, text, text, uuid, uuid, text[], \
     timestamptz, int8, jsonb, int8, text[], text, timestamptz, text, int8, text, text, text, \
     jsonb"
);

/// [`UPDATE_SQL`] and its variants, prepared, by whether the change's
/// messages carry keys, then whether it changes the tags.
const UPDATES: [[Prepared; 2]; 2] = [
    [
        Prepared {
            name: "update_ticket_keyless_same_tags",
            types: UPDATE_TYPES,
            sql: update_sql!(prior_none, tags_unchanged),
        },
        Prepared {
            name: "update_ticket_keyless",
            types: UPDATE_TYPES,
            sql: update_sql!(prior_none, tags_changed),
        },
    ],
    [
        Prepared {
            name: "update_ticket_same_tags",
            types: UPDATE_TYPES,
            sql: update_sql!(dup_by_keys, tags_unchanged),
        },
        Prepared {
            name: "update_ticket",
            types: UPDATE_TYPES,
            sql: UPDATE_SQL,
        },
    ],
];

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
    tags: Vec<&'a str>,
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
            tags: t.tags.iter().map(String::as_str).collect(),
            version: to_i64(t.version, "ticket version")?,
        })
    }

    /// The columns both statements set in this order, `status` to `tags`.
    fn params(&self) -> [&dyn Param; 10] {
        [
            &self.status,
            &self.active,
            &self.priority,
            &self.due_secs,
            &self.sla_next_check,
            &self.customer,
            &self.assignee,
            &self.team,
            &self.category,
            &self.tags,
        ]
    }
}

/// Column arrays of the children rows (`$2..=$15`).
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
    e_ticket: Vec<Option<Uuid>>,
    e_type: Vec<&'static str>,
    e_at: Vec<DateTime<Utc>>,
    /// Each event with seq 0: the statement sets it.
    e_doc: Vec<Json<Event>>,
    e_count: i64,
}

impl<'a> Children<'a> {
    /// The rows of a write of `ticket`; an error if one belongs to another
    /// ticket (the statement would leave it out: see [`children_sql`]).
    fn new(
        ws: WorkspaceId,
        ticket: &Ticket,
        messages: &'a [Message],
        assignments: &'a [AssignmentRecord],
        events: &[NewEvent],
    ) -> StoreResult<Self> {
        if let Some(other) = messages
            .iter()
            .map(|m| m.ticket_id)
            .chain(assignments.iter().map(|a| a.ticket_id))
            .find(|id| *id != ticket.id)
        {
            return Err(StoreError::Backend(format!(
                "a write of ticket {} carries a row of ticket {other}",
                ticket.id
            )));
        }
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
            e_ticket: events
                .iter()
                .map(|e| e.ticket_id.map(|t| t.as_uuid()))
                .collect(),
            e_type: events.iter().map(|e| e.kind.name()).collect(),
            e_at: events.iter().map(|e| e.at).collect(),
            e_doc: events
                .iter()
                .map(|e| Json(e.clone().into_event(ws, 0)))
                .collect(),
            e_count: to_i64(events.len() as u64, "event count")?,
        })
    }

    /// `$1..=$15`.
    fn params<'s>(&'s self, ws: &'s Uuid) -> [&'s dyn Param; 15] {
        [
            ws,
            &self.m_id,
            &self.m_ticket,
            &self.m_kind,
            &self.m_key,
            &self.m_at,
            &self.m_doc,
            &self.a_ticket,
            &self.a_at,
            &self.a_doc,
            &self.e_ticket,
            &self.e_type,
            &self.e_at,
            &self.e_doc,
            &self.e_count,
        ]
    }
}

fn message_keys(messages: &[Message]) -> Vec<&str> {
    messages
        .iter()
        .filter_map(|m| m.idempotency_key.as_deref())
        .collect()
}

/// The number format as the statement's `$35` (text, or NULL for `{seq}`
/// and `{token}`), `$36` (NULL, the width of `{seq}`, or -1 for `{token}`)
/// and `$37`/`$38` (the token's multiplier and offset, 0 without one).
struct NumberParams {
    texts: Vec<Option<String>>,
    widths: Vec<Option<i32>>,
    mul: i64,
    add: i64,
}

impl NumberParams {
    fn of(create: &TicketCreate) -> Self {
        let mut p = Self {
            texts: Vec::new(),
            widths: Vec::new(),
            mul: 0,
            add: 0,
        };
        for piece in create
            .number_format
            .pieces(create.local_year, create.ticket.workspace_id)
        {
            let (text, width) = match piece {
                NumberPiece::Text(t) => (Some(t), None),
                NumberPiece::Seq { width } => (None, Some(i32::try_from(width).unwrap_or(12))),
                NumberPiece::Token { mul, add } => {
                    // Both are below NumberPiece::TOKENS (< 2^24).
                    (p.mul, p.add) = (mul as i64, add as i64);
                    (None, Some(-1))
                }
            };
            p.texts.push(text);
            p.widths.push(width);
        }
        p
    }
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

/// A write's search terms as `tsvector` literals: the head (subject and
/// description) when given, and the terms of its public messages and notes
/// (a new ticket's opening message is its description, in the head).
pub(crate) struct Search {
    pub(crate) head: Option<String>,
    pub(crate) public: String,
    pub(crate) notes: String,
}

impl Search {
    pub(crate) fn of(head: Option<&Ticket>, messages: &[Message], opening: bool) -> Self {
        use ticketry_core::search::{index_terms, tsvector};
        let head = head.map(|t| {
            let mut all = index_terms(&t.subject);
            all.extend(index_terms(&t.description));
            tsvector(&all)
        });
        let (mut public, mut notes) = (Vec::new(), Vec::new());
        for m in messages.iter().skip(usize::from(opening)) {
            // System messages (auto-replies, broadcasts) are not searched.
            match m.kind {
                ticketry_core::MessageKind::System => {}
                ticketry_core::MessageKind::Note => notes.extend(index_terms(&m.body)),
                _ => public.extend(index_terms(&m.body)),
            }
        }
        Self {
            head,
            public: tsvector(&within_limit(public)),
            notes: tsvector(&within_limit(notes)),
        }
    }
}

/// The distinct `terms` up to about [`VIEW_BYTES`] of `tsvector` (an
/// imported thread can hold more than PostgreSQL's 1 MB; the live path stops
/// appending at 900 kB): the rest is not searchable, as documented.
fn within_limit(terms: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut bytes = 0;
    let mut out = Vec::new();
    for t in terms {
        if bytes >= VIEW_BYTES {
            break;
        }
        if seen.insert(t.clone()) {
            // A lexeme costs its text and about eight bytes of entry.
            bytes += t.len() + 8;
            out.push(t);
        }
    }
    out
}

/// The most `tsvector` one imported view gets (see [`within_limit`]).
const VIEW_BYTES: usize = 800_000;

/// A write's [`CapacityGuard`] as the statements' parameters.
struct Guard<'a> {
    agent: Option<&'a str>,
    max: Option<i64>,
}

impl<'a> Guard<'a> {
    fn of(g: Option<&'a CapacityGuard>) -> StoreResult<Self> {
        Ok(Self {
            agent: g.map(|g| g.agent.as_str()),
            max: g.map(|g| i64::from(g.max)),
        })
    }

    /// A guarded write first locks the workspace's counter row in a
    /// statement of its own: the statement that counts the agent's tickets
    /// then starts after every write that held the lock committed (under
    /// READ COMMITTED each statement sees what committed before it began).
    fn lock_first(&self) -> bool {
        self.agent.is_some()
    }

    fn at_capacity(&self) -> StoreError {
        StoreError::AtCapacity {
            id: self.agent.unwrap_or_default().to_owned(),
        }
    }
}

/// A write failed, or lost an idempotency-key race (retry by reading).
pub(crate) enum CreateError {
    Store(StoreError),
    KeyRace,
}

impl From<StoreError> for CreateError {
    fn from(e: StoreError) -> Self {
        CreateError::Store(e)
    }
}

impl PgStore {
    /// The write of a new ticket (see [`CREATE_SQL`]).
    pub(crate) async fn try_create(
        &self,
        ws: WorkspaceId,
        mut create: TicketCreate,
    ) -> Result<(Ticket, bool), CreateError> {
        let ws_id = ws.as_uuid();
        let children = Children::new(
            ws,
            &create.ticket,
            &create.messages,
            &create.assignments,
            &create.events,
        )?;
        let t = &create.ticket;
        let c = Cols::of(t)?;
        let keys = message_keys(&create.messages);
        let number = NumberParams::of(&create);
        let catalog = create
            .catalog_version
            .map(|v| to_i64(v, "catalog version"))
            .transpose()?;
        let id = t.id.as_uuid();
        let guard = Guard::of(create.capacity.as_ref())?;
        let search = Search::of(Some(t), &create.messages, true);
        let suggestions = create.suggestions.map(|s| s.as_uuid());
        let facts = Json(ticketry_core::metrics::TicketFacts::from(t));
        let rest: [&dyn Param; 20] = [
            &create.idempotency_key(),
            &t.created_at,
            &t.updated_at,
            &c.version,
            &Json(t),
            &create.idempotency.as_ref().map(|i| i.fingerprint),
            &catalog,
            &keys,
            &number.texts,
            &number.widths,
            &number.mul,
            &number.add,
            &t.timers.due,
            &guard.agent,
            &guard.max,
            &search.head,
            &search.public,
            &search.notes,
            &suggestions,
            &facts,
        ];
        let params: Vec<&dyn Param> = children
            .params(&ws_id)
            .into_iter()
            .chain([&id as &dyn Param])
            .chain(c.params())
            .chain(rest)
            .collect();
        let keyed = create.idempotency.is_some() || !keys.is_empty();
        let statement = &CREATES[usize::from(keyed)];
        let job = self.write_job(ws, statement, &params, guard.lock_first())?;
        let size = job.len();
        let rows = match self.write_grouped(job).await {
            Ok(rows) => rows,
            Err(WriteError::Refused(e))
                if is_unique_violation(&e, Some("tickets_idempotency"))
                    || is_unique_violation(&e, Some("messages_idempotency")) =>
            {
                return Err(CreateError::KeyRace);
            }
            Err(WriteError::Refused(e)) if is_unique_violation(&e, Some("tickets_number_ci")) => {
                // The number the rolled-back statement rendered: the next one.
                let rows = self
                    .read(
                        ws,
                        "SELECT last_ticket FROM workspace_counters WHERE workspace_id = $1",
                        &[&ws_id],
                    )
                    .await?;
                let last: i64 = only_row(&rows)?.try_get(0).map_err(backend)?;
                let seq = last.unsigned_abs() + 1;
                return Err(StoreError::AlreadyExists {
                    entity: "ticket",
                    key: create.number_format.render(seq, create.local_year, ws),
                }
                .into());
            }
            Err(WriteError::Refused(e)) if is_unique_violation(&e, Some("tickets_pkey")) => {
                return Err(StoreError::AlreadyExists {
                    entity: "ticket",
                    key: create.ticket.id.to_string(),
                }
                .into());
            }
            Err(e) => return Err(e.into_store().into()),
        };
        let row = only_row(&rows)?;
        let seq: Option<i64> = row.try_get(0).map_err(backend)?;
        if let Some(seq) = seq {
            create.assign_number(seq.unsigned_abs());
            self.inner.recent.keep(ws, create.ticket.clone(), size);
            return Ok((create.ticket, true));
        }
        let earlier: Option<Json<Ticket>> = row.try_get(1).map_err(backend)?;
        if let Some(Json(earlier)) = earlier {
            let fingerprint: Option<Uuid> = row.try_get(2).map_err(backend)?;
            return Ok((replay(&create, earlier, fingerprint)?, false));
        }
        let stored: Option<i64> = row.try_get(3).map_err(backend)?;
        let customer: bool = row.try_get(4).map_err(backend)?;
        let full: Option<bool> = row.try_get(5).map_err(backend)?;
        Err(match stored {
            None => missing_workspace(ws),
            Some(_) if full == Some(true) => guard.at_capacity(),
            Some(_) if !customer => StoreError::NotFound {
                entity: "customer",
                id: create.ticket.customer.to_string(),
            },
            Some(_) => self.catalog_changed(ws),
        }
        .into())
    }

    /// The write of a change (see [`UPDATE_SQL`]).
    pub(crate) async fn try_update(
        &self,
        ws: WorkspaceId,
        w: TicketWrite,
    ) -> Result<WriteOutcome, CreateError> {
        let ws_id = ws.as_uuid();
        let children = Children::new(ws, &w.ticket, &w.messages, &w.assignments, &w.events)?;
        let t = &w.ticket;
        let c = Cols::of(t)?;
        let keys = message_keys(&w.messages);
        let id = t.id.as_uuid();
        let expected = to_i64(w.expected_version, "expected version")?;
        let catalog = w
            .catalog_version
            .map(|v| to_i64(v, "catalog version"))
            .transpose()?;
        let head: [&dyn Param; 2] = [&id, &expected];
        let agent = w.active_agent.as_ref().map(|a| a.as_str());
        let guard = Guard::of(w.capacity.as_ref())?;
        let edited = w.events.iter().any(|e| {
            matches!(&e.kind, EventKind::Updated { fields }
                if fields.iter().any(|f| f == "subject" || f == "description"))
        });
        let search = Search::of(edited.then_some(t), &w.messages, false);
        let facts = Json(ticketry_core::metrics::TicketFacts::from(t));
        let rest: [&dyn Param; 13] = [
            &t.updated_at,
            &c.version,
            &Json(t),
            &catalog,
            &keys,
            &agent,
            &t.timers.due,
            &guard.agent,
            &guard.max,
            &search.head,
            &search.public,
            &search.notes,
            &facts,
        ];
        let params: Vec<&dyn Param> = children
            .params(&ws_id)
            .into_iter()
            .chain(head)
            .chain(c.params())
            .chain(rest)
            .collect();
        let tags_changed = w.tags_before.as_ref() != Some(&t.tags);
        let statement = &UPDATES[usize::from(!keys.is_empty())][usize::from(tags_changed)];
        let job = self.write_job(ws, statement, &params, guard.lock_first())?;
        let size = job.len();
        let rows = match self.write_grouped(job).await {
            Ok(rows) => rows,
            Err(WriteError::Refused(e))
                if is_unique_violation(&e, Some("messages_idempotency")) =>
            {
                return Err(CreateError::KeyRace);
            }
            Err(e) => return Err(e.into_store().into()),
        };
        let row = only_row(&rows)?;
        let updated: i64 = row.try_get(0).map_err(backend)?;
        if updated > 0 {
            self.inner.recent.keep(ws, w.ticket, size);
            return Ok(WriteOutcome::Applied);
        }
        let dup: Option<Json<Message>> = row.try_get(1).map_err(backend)?;
        if let Some(Json(m)) = dup {
            return Ok(WriteOutcome::DuplicateMessage(Box::new(m)));
        }
        let version: Option<i64> = row.try_get(2).map_err(backend)?;
        let stored: Option<i64> = row.try_get(3).map_err(backend)?;
        let active: Option<bool> = row.try_get(4).map_err(backend)?;
        let full: Option<bool> = row.try_get(5).map_err(backend)?;
        let taken: bool = row.try_get(6).map_err(backend)?;
        Err(match (stored, version) {
            (None, _) => missing_workspace(ws),
            (Some(_), None) => StoreError::NotFound {
                entity: "ticket",
                id: t.id.to_string(),
            },
            (Some(_), Some(_)) if taken => self.moved(ws, &w),
            (Some(_), Some(_)) if agent.is_some() && active != Some(true) => {
                let id = agent.unwrap_or_default().to_owned();
                match active {
                    None => StoreError::NotFound {
                        entity: "agent",
                        id,
                    },
                    Some(_) => StoreError::InactiveAgent { id },
                }
            }
            (Some(_), Some(v)) if v == expected && full == Some(true) => guard.at_capacity(),
            // The ticket was as expected: the counter row was not taken,
            // because the catalog moved (perhaps while this write waited).
            (Some(_), Some(v)) if v == expected && catalog.is_some() => self.catalog_changed(ws),
            (Some(_), Some(_)) => self.moved(ws, &w),
        }
        .into())
    }

    /// Another write moved the ticket `w` was computed from: its copy is stale.
    fn moved(&self, ws: WorkspaceId, w: &TicketWrite) -> StoreError {
        self.inner.recent.moved(ws, w.ticket.id, w.expected_version);
        StoreError::VersionConflict {
            entity: "ticket",
            id: w.ticket.id.to_string(),
            expected: w.expected_version,
        }
    }

    /// Drops the stale cached catalog: the service reads it again.
    fn catalog_changed(&self, ws: WorkspaceId) -> StoreError {
        self.inner.catalogs.forget(ws);
        StoreError::CatalogChanged
    }
}
