//! Support metrics over a period, their CSV, and daily statistics (see
//! [`crate::metrics`]).

use super::Helpdesk;
use crate::calendar::BusinessCalendar;
use crate::error::{Error, Result};
use crate::ids::{PolicyId, WorkspaceId};
use crate::metrics::{DailyStats, Metrics, MetricsQuery};
use chrono::{NaiveDate, TimeDelta};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most days one `daily_stats` call returns.
const MAX_DAYS: i64 = 3_660;

impl Helpdesk {
    /// Support metrics over `[q.since, q.until)`, grouped by `q.interval`
    /// (local days, weeks, months) and/or `q.group_by`; see
    /// [`crate::metrics`] for every definition.
    pub async fn metrics(&self, ws: WorkspaceId, q: &MetricsQuery) -> Result<Metrics> {
        crate::limits::instant("since", q.since)?;
        crate::limits::instant("until", q.until)?;
        if q.until <= q.since {
            return Err(Error::invalid_input("until", "must be after `since`"));
        }
        let catalog = self.catalog(ws).await?;
        let tickets = self.store.report_tickets(ws, q.since, q.until).await?;
        // One compiled calendar per SLA policy.
        let calendars: Mutex<HashMap<Option<PolicyId>, Arc<BusinessCalendar>>> = Mutex::default();
        let business = |t: &crate::metrics::TicketFacts, a, b| {
            let mut cache = calendars.lock().unwrap_or_else(|e| e.into_inner());
            let cal = match cache.get(&t.sla_policy) {
                Some(c) => c.clone(),
                None => match self.policy_calendar(t.sla_policy, &catalog) {
                    Ok(c) => cache.entry(t.sla_policy).or_insert(c).clone(),
                    Err(_) => return TimeDelta::zero(),
                },
            };
            cal.between(a, b)
        };
        crate::metrics::compute(q, catalog.workspace.settings.tz(), &tickets, business)
    }

    /// [`metrics`](Self::metrics) as CSV: the totals, then one line per group.
    pub async fn export_metrics_csv(&self, ws: WorkspaceId, q: &MetricsQuery) -> Result<String> {
        let m = self.metrics(ws, q).await?;
        let tz = m.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
        crate::metrics::csv(&m, tz)
    }

    /// Computes and stores the figures of one local day of the workspace
    /// (default: yesterday), once: a day already stored is returned as it was
    /// stored. A day that has not ended yet is `invalid_input`.
    pub async fn record_daily_stats(
        &self,
        ws: WorkspaceId,
        day: Option<NaiveDate>,
    ) -> Result<DailyStats> {
        let catalog = self.catalog(ws).await?;
        let settings = &catalog.workspace.settings;
        let now = self.now()?;
        let today = now.with_timezone(&settings.tz()).date_naive();
        let day = day.unwrap_or_else(|| today.pred_opt().unwrap_or(today));
        if day >= today {
            return Err(Error::invalid_input("day", "the day has not ended yet"));
        }
        let since = local_midnight(settings, day)?;
        let until = local_midnight(settings, day.succ_opt().unwrap_or(day))?;
        let m = self
            .metrics(
                ws,
                &MetricsQuery {
                    since,
                    until,
                    interval: None,
                    group_by: None,
                },
            )
            .await?;
        let stats = DailyStats {
            day,
            recorded_at: now,
            figures: m.totals,
        };
        Ok(self.store.save_daily_stats(ws, &stats).await?)
    }

    /// The stored daily statistics of `[from, to]`, by day.
    pub async fn daily_stats(
        &self,
        ws: WorkspaceId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyStats>> {
        if to < from {
            return Err(Error::invalid_input("to", "must not be before `from`"));
        }
        if (to - from).num_days() > MAX_DAYS {
            return Err(Error::invalid_input(
                "to",
                format!("at most {MAX_DAYS} days at once"),
            ));
        }
        self.catalog(ws).await?;
        Ok(self.store.list_daily_stats(ws, from, to).await?)
    }
}

/// The start of local day `d` in the workspace's zone.
fn local_midnight(
    settings: &crate::workspace::WorkspaceSettings,
    d: NaiveDate,
) -> Result<chrono::DateTime<chrono::Utc>> {
    let noon = d
        .and_hms_opt(12, 0, 0)
        .ok_or_else(|| Error::invalid_input("day", "out of range"))?;
    use chrono::TimeZone;
    let at = settings
        .tz()
        .from_local_datetime(&noon)
        .earliest()
        .ok_or_else(|| Error::invalid_input("day", "out of range"))?;
    Ok(settings.day_start(at.with_timezone(&chrono::Utc)))
}
