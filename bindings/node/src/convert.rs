//! Conversion helpers between JavaScript values and core values: ids,
//! instants (`Date` in JS), durations (milliseconds in JS), enum names and
//! errors.

use crate::wire::Out;
use chrono::{DateTime, TimeDelta, Utc};
use napi::bindgen_prelude::{
    FromNapiValue, JsError, PromiseRaw, ToNapiValue, TypeName, ValidateNapiValue,
};
use napi::{Env, JsDate, JsValue, ValueType, sys};
use serde::Serialize;
use std::future::Future;
use std::str::FromStr;
use ticketry_core as tc;

/// The core's result type.
pub type CoreResult<T> = Result<T, tc::Error>;

/// Builds the JavaScript `Error` for a core error: `message` is the core's
/// text, `code` its stable code, and its details are properties (`field` and
/// `reason` of an `invalid_input` error, `entity` and `id` of `not_found`, …:
/// [`ticketry_wire::error::details`]). The returned `napi::Error` holds a
/// reference to that exact object, so throwing or rejecting with it hands it
/// to JavaScript as is. Must run on the JavaScript thread.
pub fn js_error(env: &Env, e: &tc::Error) -> napi::Error {
    let err = napi::Error::new(e.code().to_owned(), e.to_string());
    let value = JsError::from(err).into_unknown(*env);
    if let Ok(mut obj) = value.coerce_to_object() {
        for (key, detail) in ticketry_wire::error::details(e) {
            // Best effort: the error is still thrown without the detail.
            let _ = obj.set(key, Out(detail));
        }
    }
    napi::Error::from(value)
}

/// Runs `fut` on the addon's tokio runtime and settles a Promise with its
/// output on the JavaScript thread: a value, or a rejection with the core
/// error's `Error` object (see [`js_error`]). Never blocks the event loop.
pub fn spawn<'e, T, F>(env: &'e Env, fut: F) -> napi::Result<PromiseRaw<'e, T>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = CoreResult<T>> + Send + 'static,
{
    // A panic inside the future (a bug) becomes an `internal` rejection
    // instead of unwinding into Node.
    env.spawn_future_with_callback(
        async move { Ok(tc::panic::catch_panic(fut).await.and_then(|r| r)) },
        |env, out| out.map_err(|e| js_error(env, &e)),
    )
}

/// Converts a synchronous core result for a method that throws.
pub fn sync<T>(env: &Env, r: CoreResult<T>) -> napi::Result<T> {
    r.map_err(|e| js_error(env, &e))
}

/// Parses an id (UUID or host id) with the core's own validation.
pub fn id<T: FromStr<Err = tc::Error>>(s: &str) -> CoreResult<T> {
    s.parse()
}

/// A JavaScript `Date` received as an argument or an input field: its time
/// value, not yet validated. An invalid `Date` (`new Date('x')`) has the time
/// value `NaN`, which napi's own `DateTime` conversion turns into the epoch;
/// this type keeps it, and [`Date::instant`] — the only way to the instant —
/// rejects it as `invalid_input` naming the argument. Checking at the call
/// site, not during napi's argument conversion, is what lets the error name
/// the argument and lets Promise-returning methods reject instead of throwing.
/// A value that is not a `Date` at all fails the conversion, as before.
///
/// The name is deliberate: napi's typings generator maps a Rust type named
/// `Date` to the TypeScript `Date`. Outputs stay `DateTime<Utc>`.
#[derive(Debug, Clone, Copy)]
pub struct Date(f64);

impl Date {
    /// The instant, or `invalid_input` on `field` for an invalid `Date`
    /// (time value `NaN`) or one outside the range of instants.
    pub fn instant(self, field: &str) -> CoreResult<DateTime<Utc>> {
        let ms = self.0;
        if !ms.is_finite() {
            return Err(tc::Error::invalid_input(
                field,
                "must be a valid Date (got an invalid Date: its time value is NaN)",
            ));
        }
        // A valid `Date`'s time value is a whole number of milliseconds.
        DateTime::from_timestamp_millis(ms as i64).ok_or_else(|| {
            tc::Error::invalid_input(
                field,
                format!("is outside the supported range of instants (time value {ms})"),
            )
        })
    }
}

/// The instants of an array of `Date`s; errors name the element (`starts[2]`).
pub fn instants(field: &str, dates: &[Date]) -> CoreResult<Vec<DateTime<Utc>>> {
    dates
        .iter()
        .enumerate()
        .map(|(i, d)| d.instant(&format!("{field}[{i}]")))
        .collect()
}

impl TypeName for Date {
    fn type_name() -> &'static str {
        "Date"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for Date {
    unsafe fn validate(
        env: sys::napi_env,
        napi_val: sys::napi_value,
    ) -> napi::Result<sys::napi_value> {
        // SAFETY: forwards the caller's pair under this function's own contract
        // (a live `env` and a value of it).
        unsafe { <JsDate<'_> as ValidateNapiValue>::validate(env, napi_val) }
    }
}

impl FromNapiValue for Date {
    unsafe fn from_napi_value(env: sys::napi_env, napi_val: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: forwards the caller's pair under this function's own contract
        // (a live `env` and a value of it); the `JsDate` is dropped before returning.
        let date = unsafe { JsDate::from_napi_value(env, napi_val) }?;
        // `napi_get_date_value` fails (`DateExpected`) for a value that is not
        // a `Date`: the same error as napi's own `DateTime` conversion.
        date.value_of().map(Date).map_err(|e| {
            napi::Error::new(
                e.status,
                "Failed to convert napi value into rust type `DateTime`",
            )
        })
    }
}

/// Milliseconds (possibly fractional) to a duration; `field` names it in errors.
pub fn duration(field: &str, ms: f64) -> CoreResult<TimeDelta> {
    if !ms.is_finite() || ms.abs() > 9.0e15 {
        return Err(tc::Error::invalid_input(
            field,
            format!("must be a finite number of milliseconds (got {ms})"),
        ));
    }
    Ok(TimeDelta::nanoseconds((ms * 1e6).round() as i64))
}

/// A duration as (possibly fractional) milliseconds.
pub fn ms(d: TimeDelta) -> f64 {
    d.num_seconds() as f64 * 1000.0 + f64::from(d.subsec_nanos()) / 1e6
}

/// The serde name of a core enum value (`in_progress`, `first_response`, …).
pub fn name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A JS number that must be an integer fitting `T` (a count, a rank, a
/// rating): never wrapped or truncated; `invalid_input` on `field` otherwise.
pub fn integer<T: TryFrom<i64>>(field: &str, n: f64) -> CoreResult<T> {
    const SAFE: f64 = 9_007_199_254_740_991.0;
    if !(n.is_finite() && n.fract() == 0.0 && n.abs() <= SAFE) {
        return Err(tc::Error::invalid_input(
            field,
            format!("must be an integer (got {n})"),
        ));
    }
    T::try_from(n as i64)
        .map_err(|_| tc::Error::invalid_input(field, format!("{n} is out of range")))
}
