//! Injected time. The domain never reads the system clock directly, so tests
//! can travel through days in microseconds.

use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Mutex;

/// A source of "now".
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock (the default).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; for tests and simulations.
///
/// ```
/// use ticketry_core::clock::{Clock, ManualClock};
/// use chrono::{TimeDelta, TimeZone, Utc};
/// let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap());
/// clock.advance(TimeDelta::hours(25));
/// assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap());
/// ```
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// A clock stopped at `start`, or `invalid_input` on `start` if the help
    /// desk could not store it (before 1970 or after 9999: every later call
    /// would fail on `clock`).
    ///
    /// ```
    /// use ticketry_core::clock::ManualClock;
    /// use chrono::DateTime;
    /// assert!(ManualClock::try_new(DateTime::UNIX_EPOCH).is_ok());
    /// assert!(ManualClock::try_new(DateTime::<chrono::Utc>::MIN_UTC).is_err());
    /// ```
    pub fn try_new(start: DateTime<Utc>) -> crate::Result<Self> {
        crate::limits::instant("start", start).map(Self::new)
    }

    /// Moves the clock to `t` (it may go backwards; tests decide).
    pub fn set(&self, t: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = t;
    }

    /// [`set`](Self::set), or `invalid_input` on `t` (and the clock stays)
    /// if the help desk could not store `t`.
    pub fn try_set(&self, t: DateTime<Utc>) -> crate::Result<()> {
        crate::limits::instant("t", t).map(|t| self.set(t))
    }

    /// Moves the clock forward by `d`: `invalid_input` (and the clock stays)
    /// if `d` is negative or the result would leave the supported range
    /// ([`limits::max_instant`](crate::limits::max_instant)).
    ///
    /// ```
    /// use ticketry_core::clock::{Clock, ManualClock};
    /// use chrono::{TimeDelta, Utc};
    /// let clock = ManualClock::new(Utc::now());
    /// assert!(clock.try_advance(TimeDelta::hours(-1)).is_err());
    /// assert!(clock.try_advance(TimeDelta::days(5_000_000)).is_err());
    /// ```
    pub fn try_advance(&self, d: TimeDelta) -> crate::Result<()> {
        if d < TimeDelta::zero() {
            return Err(crate::Error::invalid_input(
                "by",
                "must not be negative (the clock only moves forward; use set)",
            ));
        }
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        let next = now
            .checked_add_signed(d)
            .filter(|t| *t <= crate::limits::max_instant())
            .ok_or_else(|| crate::Error::invalid_input("by", "moves the clock past 9999-12-31"))?;
        *now = next;
        Ok(())
    }

    /// Moves the clock forward by `d` (tests and simulations; hosts and
    /// bindings use [`try_advance`](Self::try_advance)).
    ///
    /// # Panics
    /// If `d` is negative or the result is past 9999-12-31.
    pub fn advance(&self, d: TimeDelta) {
        if let Err(e) = self.try_advance(d) {
            panic!("ManualClock::advance({d}): {e}");
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}
