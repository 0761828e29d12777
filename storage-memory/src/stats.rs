//! Daily statistics.

use super::*;
use chrono::NaiveDate;
use ticketry_core::metrics::DailyStats;
use ticketry_core::store::StatsStore;

#[async_trait]
impl StatsStore for MemoryStore {
    async fn save_daily_stats(
        &self,
        ws: WorkspaceId,
        stats: &DailyStats,
    ) -> StoreResult<DailyStats> {
        self.with_mut(ws, |d| {
            Ok(d.daily_stats
                .entry(stats.day)
                .or_insert_with(|| stats.clone())
                .clone())
        })
    }

    async fn list_daily_stats(
        &self,
        ws: WorkspaceId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DailyStats>> {
        self.with(ws, |d| {
            d.daily_stats
                .range(from..=to)
                .map(|(_, s)| s.clone())
                .collect()
        })
    }
}
