//! Conversion helpers between JavaScript values and core values: ids,
//! instants (`Date` in JS), durations (milliseconds in JS), enum names and
//! errors.

use crate::wire::Out;
use chrono::{DateTime, TimeDelta, Utc};
use napi::bindgen_prelude::{
    Float64ArraySlice, FromNapiValue, JsError, JsObjectValue, Object, PromiseRaw, ToNapiValue,
    TypeName, Unknown,
};
use napi::{Env, JsDate, JsValue, ValueType, sys};
use serde::Serialize;
use std::future::Future;
use std::str::FromStr;
use ticketry_core as tc;
use ticketry_core::calendar::CalendarError;
use ticketry_wire::Value;

/// The core's result type.
pub type CoreResult<T> = Result<T, tc::Error>;

/// Builds the JavaScript `Error` for a core error: `message` is the core's
/// text, `code` its stable code, and its details are properties (`field` and
/// `reason` of an `invalid_input` error, `entity` and `id` of `not_found`, …:
/// [`ticketry_wire::error::details`]). The returned `napi::Error` holds a
/// reference to that exact object, so throwing or rejecting with it hands it
/// to JavaScript as is. Must run on the JavaScript thread.
pub fn js_error(env: &Env, e: &tc::Error) -> napi::Error {
    error_object(env, e, ticketry_wire::error::details(e))
}

/// The JavaScript `Error` for `e` with `details` as its properties.
fn error_object(env: &Env, e: &tc::Error, details: Vec<(&'static str, Value)>) -> napi::Error {
    let err = napi::Error::new(e.code().to_owned(), e.to_string());
    let value = JsError::from(err).into_unknown(*env);
    if let Ok(mut obj) = value.coerce_to_object() {
        for (key, detail) in details {
            // Best effort: the error is still thrown without the detail.
            let _ = obj.set(key, Out(detail));
        }
    }
    napi::Error::from(value)
}

/// What a `Calendar` call can fail with: a core error, or a calendar error,
/// which keeps its kind (`err.kind`: `overlapping_intervals`).
#[derive(Debug)]
pub enum Failure {
    /// A core error (an argument of the wrong type, …).
    Core(tc::Error),
    /// A calendar's own error.
    Calendar(CalendarError),
}

impl From<tc::Error> for Failure {
    fn from(e: tc::Error) -> Self {
        Failure::Core(e)
    }
}

impl From<CalendarError> for Failure {
    fn from(e: CalendarError) -> Self {
        Failure::Calendar(e)
    }
}

/// [`sync`] for a `Calendar` call: a calendar error is `invalid_input` on
/// its JSON path with its `kind` ([`ticketry_wire::error::calendar`]).
pub fn settle<T>(env: &Env, r: Result<T, Failure>) -> napi::Result<T> {
    r.map_err(|f| match f {
        Failure::Core(e) => js_error(env, &e),
        Failure::Calendar(e) => {
            let (error, details) = match e.field() {
                // Node's calendar takes durations in milliseconds, as `durationMs`.
                "duration" => ticketry_wire::error::calendar_on(&e, "durationMs".into()),
                _ => ticketry_wire::error::calendar(&e, ""),
            };
            error_object(env, &error, details)
        }
    })
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

/// A JavaScript type as `typeof` names it (`null` apart), for errors.
pub fn type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Undefined => "undefined",
        ValueType::Null => "null",
        ValueType::Boolean => "boolean",
        ValueType::Number => "number",
        ValueType::String => "string",
        ValueType::Symbol => "symbol",
        ValueType::Function => "function",
        ValueType::BigInt => "bigint",
        ValueType::Object | ValueType::External => "object",
        _ => "an unknown type",
    }
}

/// The JavaScript type of `v`, for errors.
fn type_of(v: &Unknown<'_>) -> &'static str {
    v.get_type().map_or("an unknown type", type_name)
}

/// `v` read as an [`Arg`] (a value of its own, e.g. an options object's).
pub fn arg<T: FromNapiValue>(v: Unknown<'_>) -> Arg<T> {
    // SAFETY: a live value of its own `env`.
    unsafe { Arg::<T>::from_napi_value(v.value().env, v.raw()) }.unwrap_or(Arg(Err(type_of(&v))))
}

/// An argument of the native classes (`Calendar`, `ManualClock`, `Helpdesk`)
/// as JavaScript passed it: its value when of the expected type, or the type
/// it had. napi's own conversion would throw its own codes (`DateExpected`,
/// `NumberExpected`) without the argument's name before the method runs;
/// this conversion never fails, and its accessors (`number`, `text`, …), the
/// only way to the value, report a wrong type as `invalid_input` naming the
/// argument.
#[derive(Debug, Clone, Copy)]
pub struct Arg<T>(Result<T, &'static str>);

impl<T> Arg<T> {
    /// The value, or `invalid_input` on `field` naming the type expected
    /// (`what`: `a Date`) and the type received.
    fn get_or(self, field: &str, what: &str) -> CoreResult<T> {
        self.0
            .map_err(|got| tc::Error::invalid_input(field, format!("must be {what}, got {got}")))
    }
}

/// napi's own conversion when `val` has the type it expects (a single napi
/// call, as before: the batch calls convert every item so), else the type
/// `val` had. napi reports a wrong type by a status, without a JavaScript
/// exception, so trying first costs a right value nothing.
impl<T: FromNapiValue> FromNapiValue for Arg<T> {
    unsafe fn from_napi_value(env: sys::napi_env, val: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: the caller's pair, under this function's own contract.
        match unsafe { T::from_napi_value(env, val) } {
            Ok(t) => Ok(Arg(Ok(t))),
            // SAFETY: as above.
            Err(_) => Ok(Arg(Err(type_of(&unsafe {
                Unknown::from_napi_value(env, val)
            }?)))),
        }
    }
}

impl Arg<f64> {
    /// The number, or `invalid_input` on `field`.
    pub fn number(self, field: &str) -> CoreResult<f64> {
        self.get_or(field, "a number")
    }

    /// The number as milliseconds ([`duration`]), or `invalid_input` on `field`.
    pub fn millis(self, field: &str) -> CoreResult<TimeDelta> {
        duration(field, self.number(field)?)
    }
}

impl Arg<bool> {
    /// The boolean, or `invalid_input` on `field`.
    pub fn flag(self, field: &str) -> CoreResult<bool> {
        self.get_or(field, "a boolean")
    }
}

impl Arg<String> {
    /// The string, or `invalid_input` on `field`.
    pub fn text(self, field: &str) -> CoreResult<String> {
        self.get_or(field, "a string")
    }
}

/// An array argument: its items when it is an array of at most `MAX` items,
/// else what it was. napi's own `Vec` conversion reserves room for the
/// array's whole `length` before reading an item, so a sparse `[]` with
/// `length = 2 ** 32 - 1` (free to make) asked for 64 GiB and aborted the
/// process; the length is checked first. `MAX` is the budget of one
/// operation's arguments, [`ticketry_wire::value::Trail::MAX_SIZE`], unless
/// the argument takes fewer (`call`'s positional arguments).
#[derive(Debug, Clone)]
pub struct List<T, const MAX: u32 = { ticketry_wire::value::Trail::MAX_SIZE as u32 }>(
    Result<Vec<T>, String>,
);

impl<T, const MAX: u32> List<T, MAX> {
    /// The array's items, or `invalid_input` on `field`.
    pub fn items(self, field: &str) -> CoreResult<Vec<T>> {
        self.0.map_err(|why| tc::Error::invalid_input(field, why))
    }
}

impl<T: FromNapiValue, const MAX: u32> FromNapiValue for List<T, MAX> {
    unsafe fn from_napi_value(env: sys::napi_env, val: sys::napi_value) -> napi::Result<Self> {
        let mut is_array = false;
        let mut len = 0;
        // SAFETY: the caller's live pair; both calls only read.
        unsafe {
            if sys::napi_is_array(env, val, &mut is_array) == sys::Status::napi_ok && is_array {
                sys::napi_get_array_length(env, val, &mut len);
            }
        }
        if len > MAX {
            return Ok(List(Err(format!(
                "must hold at most {MAX} items, got {len}"
            ))));
        }
        // SAFETY: as above.
        let items = unsafe { Arg::<Vec<T>>::from_napi_value(env, val) }?;
        Ok(List(items.0.map_err(|got| match take_exception(env) {
            // An item's getter threw while napi read it.
            Some(thrown) => format!("could not be read: it threw {thrown}"),
            None => format!("must be an array, got {got}"),
        })))
    }
}

/// Takes a pending JavaScript exception (a getter's, a `Proxy` trap's) off
/// the engine and describes it: `None` when none is pending. The
/// description runs no JavaScript that could throw in turn: a string or a
/// number as it is, an `Error` by its `message` (read once; if that throws
/// too, it is cleared), anything else by its type.
pub fn take_exception(env: sys::napi_env) -> Option<String> {
    let clear = || {
        let mut pending = false;
        let mut thrown = std::ptr::null_mut();
        // SAFETY: a live `env` on the JavaScript thread.
        unsafe {
            sys::napi_is_exception_pending(env, &mut pending);
            if pending {
                sys::napi_get_and_clear_last_exception(env, &mut thrown);
            }
        }
        pending.then_some(thrown)
    };
    let thrown = clear()?;
    // SAFETY: the exception is a value of `env`.
    let v = unsafe { Unknown::from_raw_unchecked(env, thrown) };
    let kind = v.get_type().ok();
    let text = match kind {
        Some(ValueType::String) => unsafe { v.cast::<String>() }.ok(),
        Some(ValueType::Number) => unsafe { v.cast::<f64>() }.ok().map(|n| n.to_string()),
        Some(ValueType::Object) if v.is_error().unwrap_or(false) => {
            unsafe { v.cast::<Object<'_>>() }
                .ok()
                .and_then(|o| o.get_named_property::<Unknown<'_>>("message").ok())
                .filter(|m| m.get_type().ok() == Some(ValueType::String))
                .and_then(|m| unsafe { m.cast::<String>() }.ok())
        }
        _ => None,
    };
    // Reading `message` may have run a getter that threw in turn.
    let _ = clear();
    let mut text = text.unwrap_or_else(|| match kind {
        Some(t) => format!("a value of type {}", type_name(t)),
        None => "a value".to_owned(),
    });
    text.truncate(text.floor_char_boundary(400));
    Some(text)
}

impl<'a> Arg<Float64ArraySlice<'a>> {
    /// The `Float64Array`, or `invalid_input` on `field`.
    pub fn floats(self, field: &str) -> CoreResult<Float64ArraySlice<'a>> {
        self.get_or(field, "a Float64Array")
    }
}

/// A JavaScript `Date` received as an argument or an input field: its time
/// value, not yet validated, or the type of a value that is not a `Date`. An
/// invalid `Date` (`new Date('x')`) has the time value `NaN`, which napi's own
/// `DateTime` conversion turns into the epoch; this type keeps it, and
/// [`Date::instant`] — the only way to the instant — rejects it, or a value
/// that is not a `Date`, as `invalid_input` naming the argument. Checking at
/// the call site, not during napi's argument conversion, is what lets the
/// error name the argument and lets Promise-returning methods reject instead
/// of throwing.
///
/// The name is deliberate: napi's typings generator maps a Rust type named
/// `Date` to the TypeScript `Date`. Outputs stay `DateTime<Utc>`.
#[derive(Debug, Clone, Copy)]
pub struct Date(Arg<f64>);

impl Date {
    /// The instant, or `invalid_input` on `field` for a value that is not a
    /// `Date`, an invalid `Date` (time value `NaN`) or one outside the range
    /// of instants.
    pub fn instant(self, field: &str) -> CoreResult<DateTime<Utc>> {
        let ms = self.0.get_or(field, "a Date")?;
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

/// `e` naming item `i` of the array `field` (`starts[3]`); called only on
/// error, so a batch that converts cleanly formats no path.
pub fn at(e: tc::Error, field: &str, i: usize) -> tc::Error {
    e.for_field(&format!("{field}[{i}]"))
}

/// The instants of an array of `Date`s; errors name the element (`starts[2]`).
pub fn instants(field: &str, dates: List<Date>) -> CoreResult<Vec<DateTime<Utc>>> {
    dates
        .items(field)?
        .iter()
        .enumerate()
        // The element's path is made only for an error (batches convert every item).
        .map(|(i, d)| d.instant(field).map_err(|e| at(e, field, i)))
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

impl FromNapiValue for Date {
    unsafe fn from_napi_value(env: sys::napi_env, napi_val: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: forwards the caller's pair under this function's own contract
        // (a live `env` and a value of it); the `JsDate` is dropped before returning.
        let time = unsafe { JsDate::from_napi_value(env, napi_val) }.and_then(|d| d.value_of());
        match time {
            Ok(ms) => Ok(Date(Arg(Ok(ms)))),
            // `napi_get_date_value` failed: not a `Date` (see `Arg`).
            // SAFETY: as above.
            Err(_) => Ok(Date(Arg(Err(type_of(&unsafe {
                Unknown::from_napi_value(env, napi_val)
            }?))))),
        }
    }
}

/// Milliseconds (possibly fractional) to a duration; `field` names it in
/// errors. A duration is held in nanoseconds, so its range is about ±292
/// years ([`MAX_MS`]): beyond it is an error, never a shorter duration.
#[inline]
pub fn duration(field: &str, ms: f64) -> CoreResult<TimeDelta> {
    if !ms.is_finite() {
        return Err(tc::Error::invalid_input(
            field,
            format!("must be a finite number of milliseconds (got {ms})"),
        ));
    }
    if ms.abs() > MAX_MS {
        return Err(tc::Error::invalid_input(
            field,
            format!("must be at most {MAX_MS} milliseconds either way (about 292 years), got {ms}"),
        ));
    }
    Ok(TimeDelta::nanoseconds((ms * 1e6).round() as i64))
}

/// The longest duration in milliseconds: whole milliseconds whose
/// nanoseconds fit an `i64`.
pub const MAX_MS: f64 = 9_223_372_036_854.0;

/// A duration as (possibly fractional) milliseconds.
#[inline]
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
