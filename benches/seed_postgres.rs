//! Seeds the PostgreSQL benchmark data set (1 M tickets in 100 workspaces)
//! into the schema `ticketry_bench` of `DATABASE_URL`:
//!
//! ```text
//! scripts/pg-throwaway.sh cargo run --release -p ticketry-benches --bin seed-postgres
//! ```
//!
//! The `postgres` bench seeds by itself when the data is missing; this
//! binary is for seeding a long-lived server once.

#[path = "pg_seed.rs"]
mod pg_seed;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| "DATABASE_URL is not set (run through scripts/pg-throwaway.sh)")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let seeded = rt.block_on(pg_seed::seed(&url))?;
    if !seeded {
        eprintln!("seed: {} already holds the data set", pg_seed::SCHEMA);
    }
    Ok(())
}
