//! The `Calendar` class: a compiled business calendar. Pure computation on
//! the calling thread (microseconds per call), so its methods are
//! synchronous; the batch forms take whole arrays in one crossing.

use crate::convert::{
    self, Arg, CoreResult, Date, Failure, List, at, duration, instants, ms, settle, sync,
};
use crate::wire::{Out, decode};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use napi::Env;
use napi::bindgen_prelude::{Either, Float64Array, Float64ArraySlice, Unknown};
use napi_derive::napi;
use ticketry_core as tc;
use ticketry_core::calendar::BusinessCalendar;
use ticketry_core::calendar::CalendarConfig;

/// The segments as JavaScript sees them (`{start, end}` `Date`s).
fn segments(v: &impl serde::Serialize) -> CoreResult<Out> {
    ticketry_wire::value::encode(v).map(Out)
}

/// A compiled business calendar (time zone, weekly hours, holidays): due
/// instants and business time between instants. Durations are milliseconds.
#[napi]
#[derive(Debug, Clone)]
pub struct Calendar {
    inner: BusinessCalendar,
}

#[inline]
fn epoch_ms(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 + f64::from(t.timestamp_subsec_nanos() % 1_000_000) / 1e6
}

#[inline]
fn from_epoch_ms(field: &str, x: f64) -> CoreResult<DateTime<Utc>> {
    let bad = || tc::Error::invalid_input(field, format!("not an instant: {x}"));
    if !x.is_finite() {
        return Err(bad());
    }
    let nanos = (x * 1e6).round();
    if nanos.abs() > 9.2e18 {
        return Err(bad());
    }
    Ok(DateTime::from_timestamp_nanos(nanos as i64))
}

#[napi]
impl Calendar {
    /// Parses and compiles the core's JSON shape (`{"timezone": …,
    /// "weekly": {"mon": [["09:00","17:00"]]}, "holidays": […], …}`).
    /// Throws `invalid_input` naming the field (`weekly.mon[1]`).
    #[napi(factory, catch_unwind)]
    pub fn from_json(
        env: &Env,
        #[napi(ts_arg_type = "string")] json: Arg<String>,
    ) -> napi::Result<Calendar> {
        let json = sync(env, json.text("json"))?;
        let inner = BusinessCalendar::from_json(&json).map_err(Failure::from);
        settle(env, inner.map(|inner| Calendar { inner }))
    }

    /// Compiles a calendar from its camelCase object form.
    #[napi(factory, catch_unwind)]
    pub fn from_config<'e>(
        env: &'e Env,
        #[napi(ts_arg_type = "CalendarConfig")] config: Unknown<'e>,
    ) -> napi::Result<Calendar> {
        let config = sync(env, decode::<CalendarConfig>(env, "config", config))?;
        let inner = BusinessCalendar::from_config(&config).map_err(Failure::from);
        settle(env, inner.map(|inner| Calendar { inner }))
    }

    /// Like `fromJson`/`fromConfig`, but precomputes exactly the UTC days
    /// `[firstDay, firstDay + days)` (`firstDay` as `YYYY-MM-DD`) instead of
    /// the default window; `days = 0` disables the window. Results are the
    /// same whatever the window; only speed and memory change.
    #[napi(factory, catch_unwind)]
    pub fn with_window<'e>(
        env: &'e Env,
        #[napi(ts_arg_type = "string | CalendarConfig")] config: Either<String, Unknown<'e>>,
        #[napi(ts_arg_type = "string")] first_day: Arg<String>,
        #[napi(ts_arg_type = "number")] days: Arg<f64>,
    ) -> napi::Result<Calendar> {
        let r = (|| -> Result<Calendar, Failure> {
            let days: u32 = crate::convert::integer("days", days.number("days")?)?;
            let first_day = first_day.text("firstDay")?;
            let cfg = match config {
                Either::A(json) => CalendarConfig::from_json(&json)?,
                Either::B(c) => decode::<CalendarConfig>(env, "config", c)?,
            };
            let day = NaiveDate::parse_from_str(&first_day, "%Y-%m-%d").map_err(|_| {
                tc::Error::invalid_input(
                    "firstDay",
                    format!("not a YYYY-MM-DD date: {first_day:?}"),
                )
            })?;
            let inner = BusinessCalendar::with_window(&cfg, day, days)?;
            Ok(Calendar { inner })
        })();
        settle(env, r)
    }

    /// Whether an SLA target due at `due` is breached at `at`: strictly after.
    #[napi(catch_unwind)]
    pub fn is_breached(env: &Env, due: Date, at: Date) -> napi::Result<bool> {
        let (due, at) = sync(env, both(due, "due", at, "at"))?;
        Ok(BusinessCalendar::is_breached(due, at))
    }

    /// The 24/7 calendar: `add` is plain addition.
    #[napi(factory, catch_unwind)]
    pub fn always_open() -> Calendar {
        Calendar {
            inner: BusinessCalendar::always_open(),
        }
    }

    /// The configuration, as an object.
    #[napi(getter, ts_return_type = "CalendarConfig", catch_unwind)]
    pub fn config(&self, env: &Env) -> napi::Result<Out> {
        sync(env, segments(self.inner.config()))
    }

    /// The configuration in the core's JSON shape.
    #[napi(catch_unwind)]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self.inner.config()).unwrap_or_default()
    }

    /// The IANA time zone.
    #[napi(getter, catch_unwind)]
    pub fn timezone(&self) -> String {
        self.inner.timezone().name().to_owned()
    }

    /// What a due instant landing exactly on a closing time becomes.
    #[napi(getter, ts_return_type = "BoundaryMode", catch_unwind)]
    pub fn boundary(&self) -> String {
        convert::name(&self.inner.boundary())
    }

    /// The UTC range the precomputed window covers, if any (diagnostics only).
    #[napi(getter, ts_return_type = "Segment | null", catch_unwind)]
    pub fn precomputed_range(&self, env: &Env) -> napi::Result<Out> {
        let range = self
            .inner
            .precomputed_range()
            .map(|(start, end)| tc::calendar::Segment { start, end });
        sync(env, segments(&range))
    }

    /// Approximate bytes held by the compiled calendar.
    #[napi(getter, catch_unwind)]
    pub fn memory_bytes(&self) -> f64 {
        self.inner.memory_bytes() as f64
    }

    /// The due instant `durationMs` of business time after `start`
    /// (negative durations count as zero); `null` if the calendar never
    /// offers that much business time.
    #[napi(ts_return_type = "Date | null", catch_unwind)]
    pub fn add(
        &self,
        env: &Env,
        start: Date,
        #[napi(ts_arg_type = "number")] duration_ms: Arg<f64>,
    ) -> napi::Result<Option<DateTime<Utc>>> {
        let start = sync(env, start.instant("start"))?;
        let d = sync(env, duration_ms.millis("durationMs"))?;
        Ok(self.inner.add(start, d))
    }

    /// Like `add`, but throws `invalid_input` for a negative duration or
    /// when no due instant exists.
    #[napi(catch_unwind)]
    pub fn try_add(
        &self,
        env: &Env,
        start: Date,
        #[napi(ts_arg_type = "number")] duration_ms: Arg<f64>,
    ) -> napi::Result<DateTime<Utc>> {
        let start = sync(env, start.instant("start"))?;
        let d = sync(env, duration_ms.millis("durationMs"))?;
        settle(env, self.inner.try_add(start, d).map_err(Failure::from))
    }

    /// Business time in `[a, b)`, in milliseconds (0 when `b <= a`).
    #[napi(catch_unwind)]
    pub fn between(&self, env: &Env, a: Date, b: Date) -> napi::Result<f64> {
        let (a, b) = sync(env, both(a, "a", b, "b"))?;
        Ok(ms(self.inner.between(a, b)))
    }

    /// Is `t` business time?
    #[napi(catch_unwind)]
    pub fn is_open(&self, env: &Env, t: Date) -> napi::Result<bool> {
        Ok(self.inner.is_open(sync(env, t.instant("t"))?))
    }

    /// The first business instant at or after `t`; `null` if it never opens again.
    #[napi(ts_return_type = "Date | null", catch_unwind)]
    pub fn next_open(&self, env: &Env, t: Date) -> napi::Result<Option<DateTime<Utc>>> {
        Ok(self.inner.next_open(sync(env, t.instant("t"))?))
    }

    /// The first closed instant at or after `t`; `null` if it stays open for good.
    #[napi(ts_return_type = "Date | null", catch_unwind)]
    pub fn next_close(&self, env: &Env, t: Date) -> napi::Result<Option<DateTime<Utc>>> {
        Ok(self.inner.next_close(sync(env, t.instant("t"))?))
    }

    /// The business segments an `add` consumes (for explain traces).
    #[napi(ts_return_type = "Segment[] | null", catch_unwind)]
    pub fn add_segments(
        &self,
        env: &Env,
        start: Date,
        #[napi(ts_arg_type = "number")] duration_ms: Arg<f64>,
    ) -> napi::Result<Out> {
        let start = sync(env, start.instant("start"))?;
        let d = sync(env, duration_ms.millis("durationMs"))?;
        let segs = settle(
            env,
            self.inner.try_add_segments(start, d).map_err(Failure::from),
        )?;
        sync(env, segments(&segs))
    }

    /// Holidays (`YYYY-MM-DD`) that removed business time within `[a, b)`.
    #[napi(catch_unwind)]
    pub fn holidays_between(&self, env: &Env, a: Date, b: Date) -> napi::Result<Vec<String>> {
        let (a, b) = sync(env, both(a, "a", b, "b"))?;
        Ok(self
            .inner
            .holidays_between(a, b)
            .into_iter()
            .map(|d| d.to_string())
            .collect())
    }

    /// `add` over arrays: `starts[i] + durationsMs[i]`.
    #[napi(ts_return_type = "Array<Date | null>", catch_unwind)]
    pub fn add_many(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "Array<Date>")] starts: List<Date>,
        #[napi(ts_arg_type = "Array<number>")] durations_ms: List<Arg<f64>>,
    ) -> napi::Result<Vec<Option<DateTime<Utc>>>> {
        let items = sync(env, pairs(starts, durations_ms))?;
        Ok(self.inner.add_many(&items))
    }

    /// `between` over arrays: business milliseconds in `[starts[i], ends[i])`.
    #[napi(catch_unwind)]
    pub fn between_many(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "Array<Date>")] starts: List<Date>,
        #[napi(ts_arg_type = "Array<Date>")] ends: List<Date>,
    ) -> napi::Result<Vec<f64>> {
        let starts = sync(env, instants("starts", starts))?;
        let ends = sync(env, instants("ends", ends))?;
        sync(env, ticketry_wire::same_length(starts.len(), ends.len()))?;
        let ranges: Vec<_> = starts.into_iter().zip(ends).collect();
        Ok(self
            .inner
            .between_many(&ranges)
            .into_iter()
            .map(ms)
            .collect())
    }

    /// The fastest batch `add`: instants as epoch milliseconds (`Date.getTime()`)
    /// in a `Float64Array`; due instants likewise, `NaN` where none exists.
    #[napi(catch_unwind)]
    pub fn add_many_epoch(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "Float64Array")] starts: Arg<Float64ArraySlice<'_>>,
        #[napi(ts_arg_type = "Float64Array")] durations_ms: Arg<Float64ArraySlice<'_>>,
    ) -> napi::Result<Float64Array> {
        let starts = sync(env, starts.floats("starts"))?;
        let durations_ms = sync(env, durations_ms.floats("durationsMs"))?;
        let items = sync(
            env,
            ticketry_wire::same_length(starts.len(), durations_ms.len()).and_then(|()| {
                starts
                    .iter()
                    .zip(durations_ms.iter())
                    .enumerate()
                    .map(|(i, (&s, &d))| {
                        let s = from_epoch_ms("starts", s).map_err(|e| at(e, "starts", i))?;
                        Ok((
                            s,
                            duration("durationsMs", d).map_err(|e| at(e, "durationsMs", i))?,
                        ))
                    })
                    .collect::<CoreResult<Vec<(DateTime<Utc>, TimeDelta)>>>()
            }),
        )?;
        let out: Vec<f64> = self
            .inner
            .add_many(&items)
            .into_iter()
            .map(|t| t.map_or(f64::NAN, epoch_ms))
            .collect();
        Ok(Float64Array::new(out))
    }

    /// The fastest batch `between`: epoch milliseconds in, business
    /// milliseconds out.
    #[napi(catch_unwind)]
    pub fn between_many_epoch(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "Float64Array")] starts: Arg<Float64ArraySlice<'_>>,
        #[napi(ts_arg_type = "Float64Array")] ends: Arg<Float64ArraySlice<'_>>,
    ) -> napi::Result<Float64Array> {
        let starts = sync(env, starts.floats("starts"))?;
        let ends = sync(env, ends.floats("ends"))?;
        let ranges = sync(
            env,
            ticketry_wire::same_length(starts.len(), ends.len()).and_then(|()| {
                starts
                    .iter()
                    .zip(ends.iter())
                    .enumerate()
                    .map(|(i, (&a, &b))| {
                        let a = from_epoch_ms("starts", a).map_err(|e| at(e, "starts", i))?;
                        Ok((a, from_epoch_ms("ends", b).map_err(|e| at(e, "ends", i))?))
                    })
                    .collect::<CoreResult<Vec<_>>>()
            }),
        )?;
        let out: Vec<f64> = self
            .inner
            .between_many(&ranges)
            .into_iter()
            .map(ms)
            .collect();
        Ok(Float64Array::new(out))
    }
}

fn pairs(
    starts: List<Date>,
    durations: List<Arg<f64>>,
) -> CoreResult<Vec<(DateTime<Utc>, TimeDelta)>> {
    let (starts, durations) = (instants("starts", starts)?, durations.items("durationsMs")?);
    ticketry_wire::same_length(starts.len(), durations.len())?;
    starts
        .into_iter()
        .zip(durations)
        .enumerate()
        .map(|(i, (s, d))| {
            let field = "durationsMs";
            let d = d.millis(field).map_err(|e| at(e, field, i))?;
            Ok((s, d))
        })
        .collect()
}

/// Two instants, checked in argument order.
fn both(
    a: Date,
    a_field: &str,
    b: Date,
    b_field: &str,
) -> CoreResult<(DateTime<Utc>, DateTime<Utc>)> {
    Ok((a.instant(a_field)?, b.instant(b_field)?))
}
