//! Shared benchmark workloads for Ticketry's criterion benches (and the inputs the Python/Node
//! comparison scripts regenerate).

pub mod sla_workload {
    //! The SLA calendar workload (`benches/benches/sla.rs`).
    //!
    //! Everything is defined by integer formulas so other languages can regenerate identical
    //! inputs:
    //!
    //! * Calendar ([`CALENDAR_JSON`]): `Europe/Berlin`, Monday–Friday `09:00–12:00` and
    //!   `13:00–17:00`, the German national holidays of 2026 and 2027 listed literally
    //!   (Neujahr, Karfreitag, Ostermontag, 1. Mai, Christi Himmelfahrt, Pfingstmontag, Tag der
    //!   Deutschen Einheit, 1./2. Weihnachtstag; Easter Sunday is 2026-04-05 and 2027-03-28,
    //!   Karfreitag = Easter − 2 days, Ostermontag = +1, Himmelfahrt = +39, Pfingstmontag = +50).
    //! * [`N`] = 2000 items, `i = 0..2000`, all instants whole seconds in UTC:
    //!   * `start_i = 1767225600 + i * 15768` Unix seconds, i.e. 2026-01-01T00:00:00Z plus
    //!     `i * (365 days / 2000)` (365 × 86400 / 2000 = 15768 exactly);
    //!   * `hours_i = 1 + (i * 37 mod 80)` whole business hours, `add(start_i, hours_i h)`;
    //!   * `end_i = start_i + ((i * 13) mod 31) * 86400 + ((i * 7) mod 24) * 3600` seconds,
    //!     `between(start_i, end_i)`.
    //!
    //! [`checksums`] gives integer digests of the expected results (sum of due Unix seconds and
    //! sum of business seconds) for cross-language comparison.

    use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
    use ticketry_core::calendar::BusinessCalendar;

    /// Number of items per batch.
    pub const N: usize = 2000;
    /// 2026-01-01T00:00:00Z.
    pub const START_UNIX: i64 = 1_767_225_600;
    /// 365 days / 2000, in seconds.
    pub const STEP_SECS: i64 = 15_768;

    /// The benchmark calendar (see the module docs).
    pub const CALENDAR_JSON: &str = r#"{
  "timezone": "Europe/Berlin",
  "weekly": {
    "mon": [["09:00", "12:00"], ["13:00", "17:00"]],
    "tue": [["09:00", "12:00"], ["13:00", "17:00"]],
    "wed": [["09:00", "12:00"], ["13:00", "17:00"]],
    "thu": [["09:00", "12:00"], ["13:00", "17:00"]],
    "fri": [["09:00", "12:00"], ["13:00", "17:00"]]
  },
  "holidays": [
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14",
    "2026-05-25", "2026-10-03", "2026-12-25", "2026-12-26",
    "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-01", "2027-05-06",
    "2027-05-17", "2027-10-03", "2027-12-25", "2027-12-26"
  ]
}"#;

    /// Compiles [`CALENDAR_JSON`].
    pub fn calendar() -> BusinessCalendar {
        BusinessCalendar::from_json(CALENDAR_JSON).expect("the benchmark calendar is valid")
    }

    fn at(unix: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(unix, 0).expect("2026-2027 is representable")
    }

    /// `start_i`.
    pub fn start(i: usize) -> DateTime<Utc> {
        at(START_UNIX + i as i64 * STEP_SECS)
    }

    /// `hours_i`.
    pub fn hours(i: usize) -> i64 {
        1 + (i as i64 * 37) % 80
    }

    /// `end_i`.
    pub fn end(i: usize) -> DateTime<Utc> {
        let i = i as i64;
        at(START_UNIX + i * STEP_SECS + (i * 13 % 31) * 86_400 + (i * 7 % 24) * 3_600)
    }

    /// `(start_i, hours_i)` for `add`.
    pub fn add_inputs() -> Vec<(DateTime<Utc>, TimeDelta)> {
        (0..N)
            .map(|i| (start(i), TimeDelta::hours(hours(i))))
            .collect()
    }

    /// `(start_i, end_i)` for `between`.
    pub fn between_inputs() -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        (0..N).map(|i| (start(i), end(i))).collect()
    }

    /// `(Σ due Unix seconds, Σ business seconds of between)` over the workload.
    pub fn checksums(cal: &BusinessCalendar) -> (i64, i64) {
        let due: i64 = cal
            .add_many(&add_inputs())
            .iter()
            .map(|d| d.expect("the calendar opens").timestamp())
            .sum();
        let between: i64 = cal
            .between_many(&between_inputs())
            .iter()
            .map(TimeDelta::num_seconds)
            .sum();
        (due, between)
    }

    /// Easter Sunday (Gregorian, anonymous algorithm), to check the literal holiday list.
    pub fn easter(year: i32) -> NaiveDate {
        let (a, b, c) = (year % 19, year / 100, year % 100);
        let (d, e) = (b / 4, b % 4);
        let f = (b + 8) / 25;
        let g = (b - f + 1) / 3;
        let h = (19 * a + b - d - g + 15) % 30;
        let (i, k) = (c / 4, c % 4);
        let l = (32 + 2 * e + 2 * i - h - k) % 7;
        let m = (a + 11 * h + 22 * l) / 451;
        let month = (h + l - 7 * m + 114) / 31;
        let day = (h + l - 7 * m + 114) % 31 + 1;
        NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("valid Easter date")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn holiday_list_matches_the_easter_computation() {
            let day = |d: NaiveDate, k: i64| (d + TimeDelta::days(k)).to_string();
            let mut expected = vec![];
            for year in [2026, 2027] {
                let e = easter(year);
                expected.extend([
                    format!("{year}-01-01"),
                    day(e, -2),
                    day(e, 1),
                    format!("{year}-05-01"),
                    day(e, 39),
                    day(e, 50),
                    format!("{year}-10-03"),
                    format!("{year}-12-25"),
                    format!("{year}-12-26"),
                ]);
            }
            assert_eq!(easter(2026).to_string(), "2026-04-05");
            assert_eq!(easter(2027).to_string(), "2027-03-28");
            let cal = calendar();
            assert_eq!(cal.config().holidays, expected);
        }

        #[test]
        fn workload_formulas() {
            assert_eq!(start(0).to_rfc3339(), "2026-01-01T00:00:00+00:00");
            assert_eq!(start(N).to_rfc3339(), "2027-01-01T00:00:00+00:00");
            assert_eq!((hours(0), hours(1), hours(3)), (1, 38, 32));
            assert_eq!(end(1) - start(1), TimeDelta::days(13) + TimeDelta::hours(7));
            let cal = calendar();
            assert!(cal.memory_bytes() <= 50 * 1024);
            let (due, between) = checksums(&cal);
            assert!(due > 0 && between > 0);
        }
    }
}

/// The median and the 99th percentile of `times`.
pub fn percentiles(
    mut times: Vec<std::time::Duration>,
) -> (std::time::Duration, std::time::Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

/// Runs a figures-printing bench (not a criterion one): `memory()`, then
/// `postgres(url)` when `DATABASE_URL` is set, on a multi-thread runtime.
/// Outside `cargo bench` (e.g. under `cargo test`) it only says it skipped.
pub fn run<M, P>(name: &str, memory: impl FnOnce() -> M, postgres: impl FnOnce(String) -> P)
where
    M: std::future::Future<Output = ()>,
    P: std::future::Future<Output = ()>,
{
    if !std::env::args().any(|a| a == "--bench") {
        println!("{name} bench: skipped (run it with `cargo bench --bench {name}`)");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        memory().await;
        if let Ok(url) = std::env::var("DATABASE_URL") {
            postgres(url).await;
        }
    });
}

/// The role (subject to row-level security) the measured PostgreSQL stores
/// run as, as hosts should.
pub const ROLE: &str = "ticketry_bench_app";

/// Creates [`ROLE`] (`NOLOGIN NOSUPERUSER NOBYPASSRLS`) unless it exists.
pub async fn ensure_role(url: &str) {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .expect("a PostgreSQL connection");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
                CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
            END IF;
        END $$"
    )))
    .execute(&mut conn)
    .await
    .expect("the benchmark role");
}

/// A store in a fresh `schema` (dropped and migrated again), as [`ROLE`].
pub async fn fresh_store(
    url: &str,
    schema: &str,
    max_connections: u32,
) -> ticketry_postgres::PgStore {
    ensure_role(url).await;
    let options = ticketry_postgres::PgOptions {
        schema: schema.into(),
        max_connections,
        statement_timeout: None,
        role: Some(ROLE.into()),
        ..ticketry_postgres::PgOptions::default()
    };
    let store = ticketry_postgres::PgStore::connect(url, options)
        .await
        .expect("a PostgreSQL store");
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .expect("a PostgreSQL connection");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&mut conn)
    .await
    .expect("the schema dropped");
    store.migrate().await.expect("the schema migrated");
    store
}

/// The memory workspace's size: `TICKETRY_BENCH_TICKETS`, else `default`.
pub fn tickets(default: usize) -> usize {
    std::env::var("TICKETRY_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// An in-memory help desk on a manual clock at `start`, with one workspace,
/// its customer `c1` and its agent `a1`.
#[derive(Debug)]
pub struct MemoryDesk {
    /// The desk.
    pub desk: ticketry_core::Helpdesk,
    /// Its clock.
    pub clock: std::sync::Arc<ticketry_core::ManualClock>,
    /// The workspace.
    pub ws: ticketry_core::WorkspaceId,
    /// The customer.
    pub customer: ticketry_core::CustomerId,
    /// The agent.
    pub agent: ticketry_core::AgentId,
}

impl MemoryDesk {
    /// Builds it.
    pub async fn new(start: chrono::DateTime<chrono::Utc>) -> Self {
        use ticketry_core::{AgentId, AgentInput, CustomerId, CustomerInput, NewWorkspace};
        let clock = std::sync::Arc::new(ticketry_core::ManualClock::new(start));
        let store = std::sync::Arc::new(ticketry_memory::MemoryStore::new());
        let desk = ticketry_core::Helpdesk::with_clock(store, clock.clone());
        let ws = desk
            .create_workspace(NewWorkspace::new("Bench", "bench"))
            .await
            .expect("a workspace")
            .id;
        let customer = CustomerId::new("c1").expect("an id");
        desk.put_customer(ws, CustomerInput::new(customer.clone(), "C"))
            .await
            .expect("a customer");
        let agent = AgentId::new("a1").expect("an id");
        desk.put_agent(ws, AgentInput::new(agent.clone(), "A"))
            .await
            .expect("an agent");
        Self {
            desk,
            clock,
            ws,
            customer,
            agent,
        }
    }
}
