//! SLA policies and clocks.
//!
//! A ticket carries up to three current clocks (first response, next
//! response, resolution), plus at most one breached next-response clock kept
//! on record after them. A metric left without a target pauses its clock;
//! stopped like that, the clock is void (neither met nor breached). Each counts business time on its policy's calendar toward a
//! target; the statuses in the policy's `pause_on` pause it (resuming moves
//! the due instant by exactly the paused business time); a public agent reply
//! meets the response clocks (internal notes never count); resolving stops
//! them and reopening restarts the resolution clock with the time it had
//! consumed. A change of priority, category, tags or channel re-evaluates the
//! policy and keeps the business time already consumed, so toggling a
//! condition never buys time. [`Helpdesk::sla_sweep`](crate::Helpdesk::sla_sweep)
//! records warnings and breaches exactly once, at their true instant.

mod clock;
pub mod engine;
mod explain;
mod policy;

pub use clock::{ClockStatus, Pause, SlaClock, SlaMetric, SlaState};
pub use explain::SlaExplanation;
pub use policy::{PolicyConditions, PolicyTarget, SlaPolicy, WarningThreshold};
