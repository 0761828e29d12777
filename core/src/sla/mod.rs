//! SLA policies and clocks.

mod clock;
mod policy;

pub use clock::{ClockStatus, SlaClock, SlaMetric, SlaState};
pub use policy::{PolicyConditions, PolicyTarget, SlaPolicy, WarningThreshold};
