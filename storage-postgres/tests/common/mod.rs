//! Shared helpers of the PostgreSQL tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use sqlx::{AssertSqlSafe, Connection};
use ticketry_postgres::{PgOptions, PgStore};

/// The role the tests' stores run as: subject to row-level security.
pub const APP_ROLE: &str = "ticketry_test_app";

/// The server under test. A missing `DATABASE_URL` fails the test loudly.
pub fn database_url() -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "DATABASE_URL is not set. The PostgreSQL tests need a server: run them as \
             `scripts/pg-throwaway.sh cargo test -p ticketry-postgres` (starts a throwaway \
             PostgreSQL 15 and removes it afterwards), or set DATABASE_URL to a database where \
             the user may create schemas and roles."
        ),
    }
}

/// Creates [`APP_ROLE`] (NOLOGIN, no superuser, no BYPASSRLS) if missing,
/// and makes the login user a member so it can `SET ROLE` to it.
pub async fn ensure_app_role() {
    let mut conn = sqlx::PgConnection::connect(&database_url())
        .await
        .expect("connect to DATABASE_URL");
    let sql = format!(
        "DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
            END IF;
            IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
                EXECUTE 'GRANT {APP_ROLE} TO ' || quote_ident(current_user);
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$"
    );
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .expect("create the test role");
    conn.close().await.ok();
}

/// Options of the tests' stores.
pub fn options() -> PgOptions {
    PgOptions {
        schema: "ticketry_test".into(),
        role: Some(APP_ROLE.into()),
        max_connections: 8,
        ..PgOptions::default()
    }
}

/// A fresh, migrated store in its own schema (dropped with the store).
pub async fn store() -> PgStore {
    ensure_app_role().await;
    PgStore::temporary(&database_url(), options())
        .await
        .expect("create a temporary store")
}
