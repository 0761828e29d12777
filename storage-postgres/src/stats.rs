//! Daily statistics: one document per workspace and local day, inserted
//! once (`ON CONFLICT DO NOTHING`: the first one written stays).

use crate::catalog::docs;
use crate::{PgStore, backend, commit, workspace_fk};
use async_trait::async_trait;
use chrono::NaiveDate;
use sqlx::types::Json;
use ticketry_core::WorkspaceId;
use ticketry_core::metrics::DailyStats;
use ticketry_core::store::{StatsStore, StoreResult};

#[async_trait]
impl StatsStore for PgStore {
    async fn save_daily_stats(
        &self,
        ws: WorkspaceId,
        stats: &DailyStats,
    ) -> StoreResult<DailyStats> {
        let mut tx = self.begin(ws).await?;
        sqlx::query(
            "INSERT INTO daily_stats (workspace_id, day, doc) VALUES ($1, $2, $3)
             ON CONFLICT (workspace_id, day) DO NOTHING",
        )
        .bind(ws.as_uuid())
        .bind(stats.day)
        .bind(Json(stats))
        .execute(&mut *tx)
        .await
        .map_err(|e| workspace_fk(e, ws))?;
        let stored: Json<DailyStats> =
            sqlx::query_scalar("SELECT doc FROM daily_stats WHERE workspace_id = $1 AND day = $2")
                .bind(ws.as_uuid())
                .bind(stats.day)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
        commit(tx).await?;
        Ok(stored.0)
    }

    async fn list_daily_stats(
        &self,
        ws: WorkspaceId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DailyStats>> {
        let rows = self
            .read(
                ws,
                "SELECT doc FROM daily_stats WHERE workspace_id = $1 AND day BETWEEN $2::date AND $3::date
                 ORDER BY day",
                &[&ws.as_uuid(), &from.to_string(), &to.to_string()],
            )
            .await?;
        if rows.is_empty() {
            self.require_workspace(ws).await?;
        }
        docs(&rows)
    }
}
