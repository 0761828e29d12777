//! How a store call reaches the server: one message.
//!
//! A call scoped to a workspace must run `SET LOCAL` (search path, role,
//! `ticketry.workspace_id` for row-level security) before its statement,
//! inside the same transaction. Through the extended protocol (bound
//! parameters) that costs a `BEGIN; SET LOCAL …` round trip, the statement's,
//! and a `COMMIT` or `ROLLBACK`: three or four per call, and a write holds its
//! workspace's counter lock while the client reads one answer and sends the
//! next message. So calls are sent through the simple protocol, with their
//! values written into the text as literals (the way psycopg and libpq's
//! `PQescapeLiteral` users do), the scope and the statement in one message:
//!
//! * **a read** is `SET LOCAL …; SELECT …`: one message, one implicit
//!   transaction, no `BEGIN`/`ROLLBACK`; a read whose pooled connection
//!   turns out dead is sent again on another;
//! * **a write** is `BEGIN; SET LOCAL …; <statement>; COMMIT`: one message,
//!   so every lock it takes is held only while the server executes and
//!   commits it. Ticket writes sent at the same time share that message and
//!   its transaction ([`crate::group_commit`]). A refused setting aborts the
//!   block, which the write rolls back itself. (A transaction the store or a
//!   host holds open across calls, `PgStore::begin`, sends `SET LOCAL …;
//!   BEGIN` instead: see `begin_with_retry`.)
//!
//! A write must not be sent twice, and a connection lost before its answer
//! leaves the outcome unknown. So a write learns that its pooled connection
//! is alive before sending, without a round trip of its own where it can:
//!
//! * a connection idle for [`IDLE_CHECK`] or more is pinged before a write
//!   takes it (by the pool's [`check_before_write`], or by the write when
//!   the store kept it, [`crate::kept`]; after a server restart every
//!   connection is idle that long and dead, and the write takes another or
//!   a new one);
//! * a connection used within [`IDLE_CHECK`] is written to at once. If the
//!   server ended its session before reading the write (the `FATAL` of
//!   `pg_terminate_backend` or of a fast shutdown, answered before any
//!   result of the message), nothing ran: the write is sent again on
//!   another connection. If the connection is lost without an answer, the
//!   write may have committed: `OutcomeUnknown`, as for a connection lost
//!   while committing;
//! * on a host's own pool ([`PgStore::from_pool`]), which has no such
//!   check, every write pings first.
//!
//! Every value passes through [`Param`], which writes a typed literal: ids,
//! numbers, booleans and instants from their Rust types, text as an
//! `E'…'` string with quotes and backslashes doubled (text holding NUL,
//! which PostgreSQL cannot store, is refused). No caller text reaches the
//! SQL otherwise.

use crate::{PgStore, backend, commit_error, ends_session, is_connection_error, is_refusal};
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::Either;
use sqlx::pool::{PoolConnection, PoolConnectionMetadata};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Postgres, Row};
use std::fmt::Write as _;
use std::time::Duration;
use ticketry_core::{StoreError, WorkspaceId};
use uuid::Uuid;

/// A value of one SQL type, written as a literal.
pub(crate) trait Scalar {
    /// Its SQL type (for `NULL`s and arrays).
    const TYPE: &'static str;
    /// Writes the literal, cast to [`Scalar::TYPE`].
    fn put(&self, out: &mut String) -> Result<(), StoreError>;
}

/// A statement's parameter: a scalar, an optional scalar or an array of them.
pub(crate) trait Param: Sync {
    /// Writes the literal.
    fn put_param(&self, out: &mut String) -> Result<(), StoreError>;
}

impl<T: Scalar + Sync> Param for T {
    fn put_param(&self, out: &mut String) -> Result<(), StoreError> {
        self.put(out)
    }
}

impl<T: Scalar + Sync> Param for Option<T> {
    fn put_param(&self, out: &mut String) -> Result<(), StoreError> {
        match self {
            Some(v) => v.put(out),
            None => {
                let _ = write!(out, "NULL::{}", T::TYPE);
                Ok(())
            }
        }
    }
}

impl<T: Param> Param for Vec<T>
where
    T: Element,
{
    fn put_param(&self, out: &mut String) -> Result<(), StoreError> {
        out.push_str("ARRAY[");
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            v.put_param(out)?;
        }
        let _ = write!(out, "]::{}[]", T::ELEMENT);
        Ok(())
    }
}

/// What an array may hold: a scalar or an optional one.
pub(crate) trait Element {
    /// The element's SQL type.
    const ELEMENT: &'static str;
}

impl<T: Scalar> Element for T {
    const ELEMENT: &'static str = T::TYPE;
}

impl<T: Scalar> Element for Option<T> {
    const ELEMENT: &'static str = T::TYPE;
}

impl Scalar for Uuid {
    const TYPE: &'static str = "uuid";
    fn put(&self, out: &mut String) -> Result<(), StoreError> {
        let _ = write!(out, "'{}'::uuid", self.hyphenated());
        Ok(())
    }
}

impl Scalar for i64 {
    const TYPE: &'static str = "int8";
    fn put(&self, out: &mut String) -> Result<(), StoreError> {
        let _ = write!(out, "({self})::int8");
        Ok(())
    }
}

impl Scalar for i32 {
    const TYPE: &'static str = "int4";
    fn put(&self, out: &mut String) -> Result<(), StoreError> {
        let _ = write!(out, "({self})::int4");
        Ok(())
    }
}

impl Scalar for bool {
    const TYPE: &'static str = "bool";
    fn put(&self, out: &mut String) -> Result<(), StoreError> {
        out.push_str(if *self { "true" } else { "false" });
        Ok(())
    }
}

impl Scalar for DateTime<Utc> {
    const TYPE: &'static str = "timestamptz";
    fn put(&self, out: &mut String) -> Result<(), StoreError> {
        // The core keeps instants within 1970..=9999: RFC 3339 is what the
        // server parses. PostgreSQL keeps microseconds, as it would from a bind.
        let _ = write!(
            out,
            "'{}'::timestamptz",
            self.to_rfc3339_opts(SecondsFormat::Micros, true)
        );
        Ok(())
    }
}

impl Scalar for &str {
    const TYPE: &'static str = "text";
    fn put(&self, out: &mut String) -> Result<(), StoreError> {
        put_text(self, out)?;
        out.push_str("::text");
        Ok(())
    }
}

impl Scalar for String {
    const TYPE: &'static str = "text";
    fn put(&self, out: &mut String) -> Result<(), StoreError> {
        self.as_str().put(out)
    }
}

impl<T: serde::Serialize> Scalar for Json<T> {
    const TYPE: &'static str = "jsonb";
    fn put(&self, out: &mut String) -> Result<(), StoreError> {
        let text = serde_json::to_string(&self.0)
            .map_err(|e| StoreError::Backend(format!("cannot encode a document: {e}")))?;
        put_text(&text, out)?;
        out.push_str("::jsonb");
        Ok(())
    }
}

/// `E'…'`: valid whatever `standard_conforming_strings` says.
fn put_text(s: &str, out: &mut String) -> Result<(), StoreError> {
    if s.contains('\0') {
        return Err(StoreError::Backend(
            "text holding a NUL character cannot be stored in PostgreSQL".into(),
        ));
    }
    out.reserve(s.len() + 3);
    out.push_str("E'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(())
}

/// `sql` with each `$n` replaced by the literal of `params[n - 1]`, in
/// parentheses. The store's statements hold `$` only in placeholders.
pub(crate) fn interpolate(sql: &str, params: &[&dyn Param]) -> Result<String, StoreError> {
    let mut out = String::with_capacity(sql.len() + 48 * params.len());
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let param = rest[at + 1..at + 1 + digits]
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| params.get(i))
            .ok_or_else(|| {
                StoreError::Backend(format!(
                    "statement placeholder {} has no parameter",
                    &rest[at..at + 1 + digits]
                ))
            })?;
        out.push('(');
        param.put_param(&mut out)?;
        out.push(')');
        rest = &rest[at + 1 + digits..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `EXECUTE name(<literals>)`.
fn execute_text(name: &str, params: &[&dyn Param]) -> Result<String, StoreError> {
    let mut text = format!("EXECUTE {name}(");
    for (i, param) in params.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        param.put_param(&mut text)?;
    }
    text.push(')');
    Ok(text)
}

/// Whether the server does not know the prepared statement (SQLSTATE 26000:
/// a connection's first use of it, or after `DISCARD ALL`).
fn is_unknown_statement(e: &sqlx::Error) -> bool {
    crate::db_error(e).is_some_and(|(code, _)| code == "26000")
}

/// `SET LOCAL ticketry.workspace_id = '…'; ` (row-level security).
fn workspace_setting(ws: WorkspaceId) -> String {
    format!(
        "SET LOCAL ticketry.workspace_id = '{}'; ",
        ws.as_uuid().hyphenated()
    )
}

/// A statement built piece by piece (a query with optional filters).
#[derive(Default)]
pub(crate) struct Statement<'a> {
    /// The text, with `$n` placeholders.
    pub(crate) sql: String,
    /// The parameters, `$1` first.
    pub(crate) params: Vec<Box<dyn Param + Send + 'a>>,
}

impl<'a> Statement<'a> {
    /// Appends text.
    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder for `value`.
    pub(crate) fn param(&mut self, value: impl Param + Send + 'a) -> &mut Self {
        self.params.push(Box::new(value));
        let _ = write!(self.sql, "${}", self.params.len());
        self
    }

    /// The parameters as [`interpolate`] takes them.
    pub(crate) fn refs(&self) -> Vec<&dyn Param> {
        self.params.iter().map(|p| &**p as &dyn Param).collect()
    }
}

/// The one row a statement returns (a write's outcome, an aggregate read).
pub(crate) fn only_row(rows: &[PgRow]) -> Result<&PgRow, StoreError> {
    rows.first()
        .ok_or_else(|| StoreError::Backend("a statement returned no row".into()))
}

/// The most rows an earlier read passes to a page query as ids.
pub(crate) const FOUND_MAX: usize = 1_000;

/// A statement prepared on each connection that runs it.
#[derive(Clone, Copy)]
pub(crate) struct Prepared {
    /// Its name (unique among the store's statements; the store adds the
    /// schema's hash).
    pub(crate) name: &'static str,
    /// The types of `$1, $2, …`.
    pub(crate) types: &'static str,
    /// The statement.
    pub(crate) sql: &'static str,
}

/// A document by its key (`$1` workspace, `$2` key).
macro_rules! by_key {
    ($name:ident, $table:literal, $key:literal, $key_type:literal) => {
        pub(crate) const $name: Prepared = Prepared {
            name: concat!("get_", $table, "_by_", $key),
            types: concat!("uuid, ", $key_type),
            sql: concat!(
                "SELECT doc FROM ",
                $table,
                " WHERE workspace_id = $1 AND ",
                $key,
                " = $2"
            ),
        };
    };
}
pub(crate) use by_key;

/// One write's statements, scoped to its workspace, as
/// [`PgStore::send_writes`] sends them.
pub(crate) struct WriteJob {
    /// The workspace (the group commit queues its writes per workspace).
    pub(crate) ws: WorkspaceId,
    /// Its statement's name on this store's connections.
    name: String,
    /// Its statement, for a connection that has not prepared it.
    statement: Prepared,
    /// `SET LOCAL ticketry.workspace_id …; [lock;] EXECUTE …; `
    text: String,
}

impl WriteJob {
    /// The length of its text (a batch is bounded in bytes).
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }
}

/// A write the server refused: its transaction was rolled back, nothing was
/// written. Kept as the driver's error so the caller can tell which
/// constraint refused it.
pub(crate) enum WriteError {
    /// The server refused a statement (nothing written).
    Refused(sqlx::Error),
    /// Any other failure, already mapped (`OutcomeUnknown` when the commit
    /// may have happened).
    Store(StoreError),
}

impl WriteError {
    /// As a store error (a refusal is `Backend`).
    pub(crate) fn into_store(self) -> StoreError {
        match self {
            WriteError::Refused(e) => backend(e),
            WriteError::Store(e) => e,
        }
    }
}

impl From<StoreError> for WriteError {
    fn from(e: StoreError) -> Self {
        WriteError::Store(e)
    }
}

/// A pooled connection inside a transaction begun by [`PgStore::send_writes`]:
/// kept for the next call once the transaction ended ([`crate::kept`]); if
/// the call is abandoned before (an error, or the host dropping the future
/// of a write sent alone), the connection is closed rather than returned to
/// the pool with the transaction open (closing rolls it back).
struct InTransaction<'s> {
    store: &'s PgStore,
    /// `Some` until dropped.
    conn: Option<PoolConnection<Postgres>>,
    done: bool,
}

impl InTransaction<'_> {
    /// The connection (`Some` until the value is dropped).
    fn conn(&mut self) -> &mut PgConnection {
        self.conn
            .as_deref_mut()
            .expect("a connection until dropped")
    }

    /// Sends `text`, which ends with `COMMIT`: its rows, or the refusal
    /// (after ending the failed transaction), or the failure that leaves the
    /// outcome unknown, or [`Sent::NotRun`] when the server had ended the
    /// session before it ran any of `text`.
    async fn run(&mut self, text: &str) -> Result<Vec<PgRow>, Sent> {
        let mut rows = Vec::new();
        let mut answered = false;
        let store = self.store;
        let streamed = store.answered(text, async {
            let mut results = sqlx::raw_sql(AssertSqlSafe(text)).fetch_many(self.conn());
            loop {
                match std::future::poll_fn(|cx| results.as_mut().poll_next(cx)).await {
                    None => break None,
                    Some(Ok(Either::Left(_))) => answered = true,
                    Some(Ok(Either::Right(row))) => {
                        answered = true;
                        rows.push(row);
                    }
                    Some(Err(e)) => break Some(e),
                }
            }
        });
        // No answer in time: the connection is closed on drop (`done` unset).
        let Some(failure) = streamed.await else {
            return Err(Sent::Ran(WriteError::Store(store.silent(text, true))));
        };
        let Some(e) = failure else {
            self.done = true;
            return Ok(rows);
        };
        // The server answers each statement of the message in order; a
        // session ended before its first (`BEGIN`) ran nothing.
        if !answered && matches!(&e, sqlx::Error::Database(d) if ends_session(&**d)) {
            return Err(Sent::NotRun(e));
        }
        if !is_refusal(&e) {
            return Err(Sent::Ran(WriteError::Store(commit_error(e))));
        }
        // The rest of the message, COMMIT included, was skipped: end
        // the failed transaction (or close the connection).
        if sqlx::raw_sql(AssertSqlSafe("ROLLBACK"))
            .execute(self.conn())
            .await
            .is_ok()
        {
            self.done = true;
        }
        Err(Sent::Ran(WriteError::Refused(e)))
    }
}

/// Why [`InTransaction::run`] returned no rows.
enum Sent {
    /// The server ended the session before it ran anything of the message
    /// (nothing written: it may be sent again on another connection).
    NotRun(sqlx::Error),
    /// The message ran, and failed.
    Ran(WriteError),
}

impl From<Sent> for WriteError {
    fn from(s: Sent) -> Self {
        match s {
            Sent::NotRun(e) => WriteError::Store(backend(e)),
            Sent::Ran(e) => e,
        }
    }
}

impl Drop for InTransaction<'_> {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            if self.done {
                self.store.keep(conn);
            } else {
                conn.close_on_drop();
            }
        }
    }
}

impl PgStore {
    /// `SET LOCAL` of the search path, the role and the workspace.
    fn scope(&self, ws: WorkspaceId) -> String {
        format!("{}{}", self.inner.scope_prefix, workspace_setting(ws))
    }

    /// Runs `sql` (a statement, or several separated by `;`) scoped to `ws`,
    /// in one message and one implicit transaction; returns every row.
    pub(crate) async fn read(
        &self,
        ws: WorkspaceId,
        sql: &str,
        params: &[&dyn Param],
    ) -> Result<Vec<PgRow>, StoreError> {
        let text = format!("{}{}", self.scope(ws), interpolate(sql, params)?);
        self.send_read(&text, None).await
    }

    /// The ids one row of `sql` holds, when at most [`FOUND_MAX`].
    pub(crate) async fn few_ids(
        &self,
        ws: WorkspaceId,
        sql: &str,
        params: &[&dyn Param],
    ) -> Result<Option<Vec<Uuid>>, StoreError> {
        let rows = self.read(ws, sql, params).await?;
        let ids: Vec<Uuid> = only_row(&rows)?.try_get(0).map_err(backend)?;
        Ok((ids.len() <= FOUND_MAX).then_some(ids))
    }

    /// [`read`](Self::read) of the prepared statement `p`:
    /// `SET LOCAL …; EXECUTE p(…)`, with `PREPARE` in front the first time a
    /// connection does not know `p` (a read is planned once per connection
    /// rather than on every call).
    pub(crate) async fn read_prepared(
        &self,
        ws: WorkspaceId,
        p: &Prepared,
        params: &[&dyn Param],
    ) -> Result<Vec<PgRow>, StoreError> {
        let name = self.prepared_name(p);
        let execute = execute_text(&name, params)?;
        let scope = self.scope(ws);
        let prepare = || {
            format!(
                "{scope}PREPARE {name} ({}) AS {}; {execute}",
                p.types, p.sql
            )
        };
        self.send_read(&format!("{scope}{execute}"), Some(&prepare))
            .await
    }

    /// Sends a read's message and returns its rows; when the server does not
    /// know a prepared statement, sends `prepare()` instead on the same
    /// connection. Retried on a fresh connection when the pooled one turns
    /// out dead (a read may be sent twice).
    async fn send_read(
        &self,
        text: &str,
        prepare: Option<&(dyn Fn() -> String + Sync)>,
    ) -> Result<Vec<PgRow>, StoreError> {
        let attempts = self.connection_attempts();
        let mut attempt = 1;
        loop {
            let mut conn = match self.inner.kept.take() {
                Some((conn, _)) => conn,
                None => self.inner.pool.acquire().await.map_err(backend)?,
            };
            let answer = self.answered(text, async {
                match sqlx::raw_sql(AssertSqlSafe(text))
                    .fetch_all(&mut *conn)
                    .await
                {
                    Err(e) if is_unknown_statement(&e) && prepare.is_some() => {
                        let again = prepare.map(|f| f()).unwrap_or_default();
                        sqlx::raw_sql(AssertSqlSafe(again))
                            .fetch_all(&mut *conn)
                            .await
                    }
                    result => result,
                }
            });
            let Some(result) = answer.await else {
                conn.close_on_drop();
                return Err(self.silent(text, false));
            };
            match result {
                Ok(rows) => {
                    self.keep(conn);
                    return Ok(rows);
                }
                Err(e) if attempt < attempts && is_connection_error(&e) => {
                    conn.close_on_drop();
                    attempt += 1;
                }
                Err(e) => return Err(backend(e)),
            }
        }
    }

    /// Runs the statement `p` with `params` scoped to `ws` in a transaction
    /// of its own and commits it: `BEGIN; SET LOCAL …; EXECUTE …; COMMIT`
    /// in one message ([`Self::send_writes`]). Returns
    /// the statement's rows.
    ///
    /// `p` is prepared once per connection (`PREPARE`, the first time a
    /// connection says it does not know it: the write is then sent again
    /// with the `PREPARE` in front), so the server can keep its generic plan:
    /// planning a statement of this size costs more than executing it.
    pub(crate) async fn write(
        &self,
        ws: WorkspaceId,
        p: &Prepared,
        params: &[&dyn Param],
    ) -> Result<Vec<PgRow>, WriteError> {
        let job = self.write_job(ws, p, params, false)?;
        self.send_writes(std::slice::from_ref(&job)).await
    }

    /// A write of `p` with `params` scoped to `ws`, ready to be sent alone
    /// ([`Self::send_writes`]) or with others ([`crate::group_commit`]).
    /// With `lock_first`, the workspace's counter row is locked by a
    /// statement of its own before `p` runs (in the same message), so `p`'s
    /// snapshot sees every write that committed while this one waited.
    pub(crate) fn write_job(
        &self,
        ws: WorkspaceId,
        p: &Prepared,
        params: &[&dyn Param],
        lock_first: bool,
    ) -> Result<WriteJob, StoreError> {
        let name = self.prepared_name(p);
        let mut text = workspace_setting(ws);
        if lock_first {
            // An UPDATE that changes nothing takes the row lock and, unlike
            // SELECT … FOR UPDATE, returns no row to the caller.
            let _ = write!(
                text,
                "UPDATE workspace_counters SET last_event = last_event \
                 WHERE workspace_id = '{}'; ",
                ws.as_uuid()
            );
        }
        text.push_str(&execute_text(&name, params)?);
        text.push_str("; ");
        Ok(WriteJob {
            ws,
            name,
            statement: *p,
            text,
        })
    }

    /// Sends `jobs` in one transaction, in one message: `BEGIN; SET LOCAL
    /// …`, every job's statements and `COMMIT`, so every lock they take is
    /// held only while the server executes and commits them. Returns the
    /// rows of all the jobs, in order. Sent again on another connection
    /// when the pooled one's session had ended before it ran anything (see
    /// the module's doc), at most `max_connections + 1` times.
    ///
    /// When a connection does not know a job's statement yet, a single job
    /// is sent again with its `PREPARE` in front (in the same transaction,
    /// so a pooler that hands out server connections per transaction sees
    /// both together); several jobs come back as that refusal.
    pub(crate) async fn send_writes(&self, jobs: &[WriteJob]) -> Result<Vec<PgRow>, WriteError> {
        // Not `plan_cache_mode = force_generic_plan`: it would also hold the
        // foreign-key checks' cached plans to their first generic plan, made
        // while the tables were small (a check that scans the workspace).
        let begin = format!("BEGIN; {}", self.inner.scope_prefix);
        let mut text = begin.clone();
        text.extend(jobs.iter().map(|j| j.text.as_str()));
        text.push_str("COMMIT");
        let attempts = self.connection_attempts();
        let mut attempt = 1;
        let (mut tx, result) = loop {
            let mut tx = InTransaction {
                store: self,
                conn: Some(self.write_connection().await?),
                done: false,
            };
            match tx.run(&text).await {
                Err(Sent::NotRun(_)) if attempt < attempts => attempt += 1,
                result => break (tx, result),
            }
        };
        match (result, jobs) {
            (Err(Sent::Ran(WriteError::Refused(e))), [job])
                if tx.done && is_unknown_statement(&e) =>
            {
                tx.done = false;
                let p = job.statement;
                let rest = &text[begin.len()..];
                let prepare = format!("PREPARE {} ({}) AS {}; ", job.name, p.types, p.sql);
                Ok(tx.run(&format!("{begin}{prepare}{rest}")).await?)
            }
            (result, _) => Ok(result?),
        }
    }

    /// How long the server may take to answer the message `text`: the
    /// statement timeout for each of its statements (`;` counted, a bound
    /// from above) and [`ANSWER_MARGIN`](crate::ANSWER_MARGIN).
    fn deadline(&self, text: &str) -> Option<std::time::Duration> {
        let statements = text.matches(';').count() as u32 + 1;
        self.inner
            .answer_within
            .map(|t| t.saturating_mul(statements) + crate::ANSWER_MARGIN)
    }

    /// `fut`'s output, or `None` when the server has not answered the
    /// message `text` within its [`deadline`](Self::deadline).
    pub(crate) async fn answered<T>(&self, text: &str, fut: impl Future<Output = T>) -> Option<T> {
        match self.deadline(text) {
            None => Some(fut.await),
            Some(within) => tokio::time::timeout(within, fut).await.ok(),
        }
    }

    /// The error of a call the server did not answer in time: a write's
    /// outcome is unknown; a read read nothing.
    pub(crate) fn silent(&self, text: &str, write: bool) -> StoreError {
        let within = self.deadline(text).unwrap_or_default();
        let message = |what| {
            format!(
                "no answer from PostgreSQL within {within:?} (the network or the server is down): {what}"
            )
        };
        match write {
            true => StoreError::OutcomeUnknown(message("the change may or may not be stored")),
            false => StoreError::Backend(message("nothing was read")),
        }
    }

    /// A connection for a write: a kept one ([`crate::kept`]) or one from
    /// the pool, pinged first if it sat idle for [`IDLE_CHECK`] (by the pool,
    /// [`check_before_write`], or here) or if the pool is the host's own.
    async fn write_connection(&self) -> Result<PoolConnection<Postgres>, StoreError> {
        while let Some((mut conn, idle)) = self.inner.kept.take() {
            if idle < IDLE_CHECK
                || matches!(
                    self.answered("", sqlx::Connection::ping(&mut *conn)).await,
                    Some(Ok(()))
                )
            {
                return Ok(conn);
            }
            conn.close_on_drop();
        }
        if !self.inner.checks_idle {
            return self.acquire_live().await;
        }
        WRITING
            .scope((), self.inner.pool.acquire())
            .await
            .map_err(backend)
    }

    /// `p`'s name on this store's connections: its own, and a hash of the
    /// schema (a host's pool may serve stores of several schemas).
    fn prepared_name(&self, p: &Prepared) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325; // FNV-1a
        for b in self.inner.schema.bytes() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        format!("ticketry_{}_{hash:016x}", p.name)
    }
}

tokio::task_local! {
    /// Set while a write takes its connection from the pool.
    static WRITING: ();
}

/// How long a pooled connection may sit idle and still take a write without
/// a ping first. A server restart takes longer, so after one every pooled
/// connection is pinged (and replaced) before a write; connections of a
/// busy host are used far more often, so their writes cost one round trip.
pub(crate) const IDLE_CHECK: Duration = Duration::from_millis(100);

/// The pool's check of an idle connection before it hands it out: a write
/// (inside [`WRITING`]) pings a connection idle for [`IDLE_CHECK`] or more;
/// a failed ping makes the pool close it and take another. Reads skip it:
/// a read is sent again when its connection turns out dead.
pub(crate) async fn check_before_write(
    conn: &mut PgConnection,
    meta: PoolConnectionMetadata,
) -> Result<bool, sqlx::Error> {
    if meta.idle_for >= IDLE_CHECK && WRITING.try_with(|()| ()).is_ok() {
        sqlx::Connection::ping(conn).await?;
    }
    Ok(true)
}
