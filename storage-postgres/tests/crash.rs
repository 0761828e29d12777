//! Crash test: the server is killed (`pg_ctl stop -m immediate`) while eight
//! writers open tickets, then restarted.
//!
//! * no acknowledged ticket is lost (`synchronous_commit` on; `fsync` off is
//!   safe here: a killed process loses nothing the OS already has);
//! * a `storage` error means nothing was written; a call whose ticket was
//!   written anyway failed with `outcome_unknown`;
//! * retrying every failed call with its idempotency key succeeds and never
//!   makes a second ticket;
//! * the first call after the restart succeeds although every pooled
//!   connection is dead.
//!
//! Starts its own PostgreSQL cluster (never the one of `DATABASE_URL`). Without
//! PostgreSQL binaries it skips, or fails when `TICKETRY_REQUIRE_POSTGRES` is
//! set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use ticketry_core::{CustomerId, CustomerInput, Helpdesk, NewWorkspace, OpenTicket, WorkspaceId};
use ticketry_postgres::{PgOptions, PgStore};

const WRITERS: usize = 8;
/// Tickets acknowledged before the kill.
const BEFORE_KILL: usize = 40;

/// Where `initdb` and `pg_ctl` are, like `scripts/pg-throwaway.sh` looks.
fn find_bin() -> Option<PathBuf> {
    let has = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(d) = std::env::var_os("PG_BIN") {
        return Some(PathBuf::from(d)).filter(|d| has(d));
    }
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.split('.').next()?.parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .collect();
    versioned.sort_by_key(|d| std::cmp::Reverse(d.0));
    let mut candidates: Vec<PathBuf> = versioned.into_iter().map(|(_, d)| d).collect();
    candidates.push("/usr/local/pgsql/bin".into());
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        candidates.push(String::from_utf8_lossy(&out.stdout).trim().into());
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    candidates.into_iter().find(|d| has(d))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A throwaway cluster; stopped (immediately) and removed on drop.
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    /// `runuser -u postgres --` when running as root (initdb refuses root).
    as_user: Vec<String>,
    /// Chosen at the first start, kept for the restart (the pools' URL).
    port: u16,
    started: bool,
}

impl Cluster {
    /// Why it cannot run here, or a fresh initialized (not started) cluster.
    fn create() -> Result<Self, String> {
        let bin = find_bin().ok_or("no PostgreSQL binaries (initdb, pg_ctl) found; set PG_BIN")?;
        let as_user: Vec<String> = if is_root() {
            if !Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|o| o.status.success())
            {
                return Err("running as root and there is no user `postgres` to run initdb".into());
            }
            ["runuser", "-u", "postgres", "--"]
                .map(String::from)
                .to_vec()
        } else {
            Vec::new()
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir =
            std::env::temp_dir().join(format!("ticketry-crash-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir).unwrap();
        let cluster = Self {
            bin,
            dir,
            as_user,
            port: 0,
            started: false,
        };
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&cluster.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        if !cluster.as_user.is_empty() {
            let ok = Command::new("chown")
                .arg("postgres")
                .arg(&cluster.dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown postgres {}", cluster.dir.display());
        }
        let data = cluster.data();
        let out = cluster
            .command("initdb")
            .args(["-D", &data, "-U", "postgres", "-A", "trust", "-E", "UTF8"])
            .args(["--no-locale", "--no-sync"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(cluster)
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    /// `tool` of the cluster's binaries, as the cluster's user, run in its directory.
    fn command(&self, tool: &str) -> Command {
        let tool = self.bin.join(tool);
        let mut c = match self.as_user.split_first() {
            Some((runner, args)) => {
                let mut c = Command::new(runner);
                c.args(args).arg(tool);
                c
            }
            None => Command::new(tool),
        };
        c.current_dir(&self.dir);
        c
    }

    /// Starts the server (on a free port the first time, on the same port after).
    fn start(&mut self) {
        for _ in 0..5 {
            if !self.started {
                self.port = std::net::TcpListener::bind("127.0.0.1:0")
                    .unwrap()
                    .local_addr()
                    .unwrap()
                    .port();
            }
            let options = format!(
                "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} \
                 -c fsync=off -c synchronous_commit=on -c max_connections=100",
                self.port,
                self.dir.display()
            );
            let log = self.dir.join("server.log").display().to_string();
            let ok = self
                .command("pg_ctl")
                .args([
                    "-D",
                    &self.data(),
                    "-l",
                    &log,
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    &options,
                ])
                .arg("start")
                .output()
                .unwrap()
                .status
                .success();
            if ok {
                self.started = true;
                return;
            }
        }
        let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        panic!("pg_ctl start failed:\n{log}");
    }

    /// Kills the server: no checkpoint, no goodbye to clients (like a crash).
    fn kill(&self) {
        let ok = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "pg_ctl stop -m immediate failed");
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One call of a writer.
struct Call {
    key: String,
    input: OpenTicket,
    result: ticketry_core::Result<ticketry_core::Ticket>,
}

fn input(customer: &CustomerId, key: &str) -> OpenTicket {
    let mut input = OpenTicket::new(customer.clone(), format!("crash {key}"), "written twice?");
    input.idempotency_key = Some(key.into());
    input
}

/// Opens `n` transactions at once and ends them: `n` idle pooled connections.
async fn warm(store: &PgStore, ws: WorkspaceId, n: usize) {
    let mut open = Vec::new();
    for _ in 0..n {
        open.push(store.begin(ws).await.unwrap());
    }
    drop(open);
    for _ in 0..200 {
        if store.pool().num_idle() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the pool did not get {n} idle connections");
}

/// Tickets per idempotency key in `ws`, and whether seqs are 1..=count.
async fn tickets_by_key(store: &PgStore, ws: WorkspaceId) -> (HashMap<String, i64>, bool) {
    let mut tx = store.begin(ws).await.unwrap();
    let rows: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT idempotency_key, count(*) FROM tickets WHERE workspace_id = $1 GROUP BY 1",
    )
    .bind(ws.as_uuid())
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let (count, max): (i64, Option<i64>) =
        sqlx::query_as("SELECT count(*), max(seq) FROM tickets WHERE workspace_id = $1")
            .bind(ws.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let keys = rows
        .into_iter()
        .map(|(k, n)| (k.unwrap_or_default(), n))
        .collect();
    (keys, max.unwrap_or(0) == count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_server_loses_no_acknowledged_ticket_and_retries_make_no_duplicate() {
    let mut cluster = match Cluster::create() {
        Ok(c) => c,
        Err(why) => {
            if std::env::var_os("TICKETRY_REQUIRE_POSTGRES").is_some() {
                panic!("crash test cannot run and TICKETRY_REQUIRE_POSTGRES is set: {why}");
            }
            println!("crash test skipped: {why}");
            return;
        }
    };
    cluster.start();
    let url = cluster.url();
    let options = |max_connections| PgOptions {
        max_connections,
        acquire_timeout: Duration::from_secs(10),
        ..PgOptions::default()
    };
    // More connections than writers: some of them are idle (and die) at the kill.
    let store = PgStore::connect(&url, options(WRITERS as u32 + 4))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let desk = Helpdesk::new(Arc::new(store.clone()));
    let ws = desk
        .create_workspace(NewWorkspace::new("Crash", "crash"))
        .await
        .unwrap()
        .id;
    let customer = CustomerId::new("crash-customer").unwrap();
    desk.put_customer(ws, CustomerInput::new(customer.clone(), "Carol"))
        .await
        .unwrap();
    // A second store that stays idle through the crash: after the restart
    // every one of its pooled connections is dead.
    let idle_store = PgStore::connect(&url, options(4)).await.unwrap();
    let idle_desk = Helpdesk::new(Arc::new(idle_store.clone()));
    warm(&store, ws, WRITERS + 4).await;
    warm(&idle_store, ws, 4).await;

    // Writers: each opens tickets with fresh keys until its first failure
    // (or until told to stop).
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (desk, customer) = (desk.clone(), customer.clone());
            let (stop, acknowledged) = (stop.clone(), acknowledged.clone());
            tokio::spawn(async move {
                let mut calls = Vec::new();
                for i in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let key = format!("w{w}-{i}");
                    let input = input(&customer, &key);
                    let result = desk.open_ticket(ws, input.clone()).await;
                    let failed = result.is_err();
                    if !failed {
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                    calls.push(Call { key, input, result });
                    if failed {
                        break;
                    }
                }
                calls
            })
        })
        .collect();
    while acknowledged.load(Ordering::SeqCst) < BEFORE_KILL {
        assert!(
            writers.iter().any(|w| !w.is_finished()),
            "the writers stopped before the kill"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tokio::task::block_in_place(|| cluster.kill());
    // Back at once: a call that found the server down waits for it (sqlx
    // retries a refused connection until `acquire_timeout`) and may succeed.
    tokio::task::block_in_place(|| cluster.start());
    stop.store(true, Ordering::SeqCst);
    let mut calls = Vec::new();
    for w in writers {
        calls.extend(w.await.unwrap());
    }

    // The first calls after the restart succeed, on dead pooled connections.
    assert!(idle_store.pool().num_idle() > 0);
    let first = idle_desk
        .open_ticket(ws, input(&customer, "first-after-restart"))
        .await;
    assert!(first.is_ok(), "first call after the restart: {first:?}");
    desk.get_workspace(ws).await.unwrap();

    let (stored, _) = tickets_by_key(&store, ws).await;
    let (mut ok, mut storage, mut unknown, mut unknown_written) = (0, 0, 0, 0);
    for c in &calls {
        let written = stored.get(&c.key).copied().unwrap_or(0);
        assert!(written <= 1, "{}: {written} tickets", c.key);
        match &c.result {
            Ok(t) => {
                ok += 1;
                assert_eq!(written, 1, "{}: acknowledged ticket lost", c.key);
                let found = desk.get_ticket(ws, t.id).await.unwrap();
                assert_eq!(found.id, t.id);
            }
            Err(e) if e.code() == "storage" => {
                storage += 1;
                assert_eq!(written, 0, "{}: `storage` but written: {e}", c.key);
            }
            Err(e) if e.code() == "outcome_unknown" => {
                unknown += 1;
                unknown_written += written;
            }
            Err(e) => panic!("{}: unexpected error {} ({e})", c.key, e.code()),
        }
    }
    if storage + unknown == 0 {
        // Rare: the kill landed between transactions and every writer's next
        // begin was retried on a fresh connection. The guarantees above still
        // held; only the failure paths went unexercised this run.
        eprintln!("crash: no call failed (the kill fell between transactions)");
    }

    // Retrying every failed call with its key succeeds, without duplicates.
    for c in calls.iter().filter(|c| c.result.is_err()) {
        let again = desk.open_ticket(ws, c.input.clone()).await;
        assert!(again.is_ok(), "{}: retry failed: {again:?}", c.key);
    }
    let (stored, gap_free) = tickets_by_key(&store, ws).await;
    let keys: HashSet<&str> = calls.iter().map(|c| c.key.as_str()).collect();
    for key in &keys {
        assert_eq!(stored.get(*key), Some(&1), "{key}: not exactly one ticket");
    }
    assert_eq!(stored.len(), keys.len() + 1, "{stored:?}");
    assert!(gap_free, "ticket numbers skipped");
    println!(
        "crash test: {} calls: {ok} ok, {storage} storage, {unknown} outcome_unknown \
         ({unknown_written} of them had committed); all retries ok, one ticket per key",
        calls.len()
    );
}
