//! JavaScript values to and from the shared [`Value`]: the only conversion
//! the operations need. Arguments are taken as JavaScript wrote them
//! (`undefined` keys omitted, `Date`s as instants, numbers as integers when
//! they are whole and safe); anything JSON cannot say is refused here with
//! the caller's path: `NaN`, `BigInt`, functions, symbols, `Map`s, class
//! instances, cycles. Results come back as plain objects with camelCase keys,
//! `Date`s and millisecond durations.

use crate::convert::List;
use napi::bindgen_prelude::{
    Buffer, JsObjectValue, Null, Object, PromiseRaw, ToNapiValue, Uint8ArraySlice, Unknown,
};
use napi::{Env, JsDate, JsValue, ValueType, sys};
use ticketry_core as tc;
use ticketry_wire::value::Trail;
use ticketry_wire::value::camel;
use ticketry_wire::{Host, Value, ops};

/// Largest integer a JavaScript number holds exactly.
const SAFE: f64 = 9_007_199_254_740_991.0;

/// Reads JavaScript arguments into a [`Value`].
pub struct Reader<'e> {
    env: &'e Env,
    object_prototype: Unknown<'e>,
    trail: Trail,
}

impl<'e> Reader<'e> {
    /// A reader for one call.
    pub fn new(env: &'e Env) -> napi::Result<Self> {
        let object: Unknown<'e> = env.get_global()?.get_named_property("Object")?;
        let object = object.coerce_to_object()?;
        Ok(Self {
            env,
            object_prototype: object.get_named_property("prototype")?,
            trail: Trail::default(),
        })
    }

    /// A napi failure while reading the value at the current path. When
    /// JavaScript threw (a getter, a `Proxy` trap), its exception is taken
    /// off the engine, so that the call rejects with `invalid_input` naming
    /// the value instead of throwing the host's own exception; anything else
    /// is a bug (`internal`).
    pub fn failed(&self, e: napi::Error) -> tc::Error {
        match crate::convert::take_exception(self.env.raw()) {
            Some(thrown) => self
                .trail
                .fail(format!("could not be read: it threw {thrown}")),
            None => tc::Error::Internal {
                message: format!("reading an argument: {e}"),
            },
        }
    }

    /// Converts `v`; `undefined` becomes `None`.
    pub fn read(&mut self, v: Unknown<'e>) -> Result<Option<Value>, tc::Error> {
        self.trail.enter()?;
        let value = match v.get_type().map_err(|e| self.failed(e))? {
            ValueType::Undefined => return Ok(None),
            ValueType::Null => Value::Null,
            ValueType::Boolean => {
                Value::Bool(unsafe { v.cast::<bool>() }.map_err(|e| self.failed(e))?)
            }
            ValueType::Number => {
                let n = unsafe { v.cast::<f64>() }.map_err(|e| self.failed(e))?;
                if !n.is_finite() {
                    return Err(self
                        .trail
                        .fail(format!("must be a finite number (got {n})")));
                }
                if n.fract() == 0.0 && n.abs() <= SAFE {
                    Value::Int(n as i64)
                } else if n.fract() == 0.0 {
                    return Err(self.trail.fail(format!(
                        "{n} is beyond the integers a number holds exactly (±2^53)"
                    )));
                } else {
                    Value::Float(n)
                }
            }
            ValueType::String => {
                let s = unsafe { v.cast::<String>() }.map_err(|e| self.failed(e))?;
                self.trail.grow(s.len())?;
                Value::Str(s)
            }
            ValueType::Object => self.object(v)?,
            other => {
                let what = match other {
                    ValueType::BigInt => "a BigInt",
                    ValueType::Symbol => "a symbol",
                    ValueType::Function => "a function",
                    _ => "an unsupported value",
                };
                return Err(self
                    .trail
                    .fail(format!("expected a JSON value, got {what}")));
            }
        };
        Ok(Some(value))
    }

    fn object(&mut self, v: Unknown<'e>) -> Result<Value, tc::Error> {
        if v.is_date().map_err(|e| self.failed(e))? {
            let ms = unsafe { v.cast::<JsDate<'e>>() }
                .and_then(|d| d.value_of())
                .map_err(|e| self.failed(e))?;
            if !ms.is_finite() {
                return Err(self
                    .trail
                    .fail("must be a valid Date (got an invalid Date)"));
            }
            return chrono::DateTime::from_timestamp_millis(ms as i64)
                .map(Value::Instant)
                .ok_or_else(|| {
                    self.trail
                        .fail(format!("is outside the supported range of instants ({ms})"))
                });
        }
        // A `Buffer` or `Uint8Array`: bytes (their own budget: a message
        // outweighs any text).
        if v.is_typedarray().map_err(|e| self.failed(e))? {
            return match unsafe { v.cast::<Uint8ArraySlice<'e>>() } {
                Ok(bytes) => {
                    self.trail.grow_bytes(bytes.len())?;
                    Ok(Value::Bytes(bytes.to_vec()))
                }
                Err(_) => Err(self
                    .trail
                    .fail("expected a Buffer or Uint8Array, got another typed array")),
            };
        }
        let obj = unsafe { v.cast::<Object<'e>>() }.map_err(|e| self.failed(e))?;
        if v.is_array().map_err(|e| self.failed(e))? {
            let len = obj.get_array_length().map_err(|e| self.failed(e))?;
            // A sparse array's length costs its maker nothing: refuse one
            // beyond the budget before reading its holes one by one.
            self.trail.room(len as usize)?;
            let mut items = Vec::with_capacity(len.min(1024) as usize);
            for i in 0..len {
                self.trail.push(format!("[{i}]"));
                let item = obj
                    .get_element::<Unknown<'e>>(i)
                    .map_err(|e| self.failed(e))?;
                items.push(self.read(item)?.unwrap_or(Value::Null));
                self.trail.pop();
            }
            return Ok(Value::Seq(items));
        }
        if let Some(name) = self.foreign(&obj)? {
            return Err(self
                .trail
                .fail(format!("expected a plain object, got {name}")));
        }
        let keys = obj.get_property_names().map_err(|e| self.failed(e))?;
        let n = keys.get_array_length().map_err(|e| self.failed(e))?;
        let mut entries = Vec::with_capacity(n.min(1024) as usize);
        for i in 0..n {
            // Read by the key's own JavaScript string: a key holding NUL
            // has no C string (the core then refuses it, naming it).
            let js_key: Unknown<'e> = keys.get_element(i).map_err(|e| self.failed(e))?;
            let key = unsafe { js_key.cast::<String>() }.map_err(|e| self.failed(e))?;
            self.trail.grow(key.len())?;
            self.trail.push(key);
            let item = obj
                .get_property_unchecked::<Unknown<'e>, Unknown<'e>>(js_key)
                .map_err(|e| self.failed(e))?;
            let value = self.read(item)?;
            let key = self.trail.pop();
            if let Some(value) = value {
                entries.push((key, value));
            }
        }
        Ok(Value::Map(entries))
    }

    /// `None` for a plain object (its prototype `Object.prototype` or
    /// `null`: what a literal or `JSON.parse` makes), else the name of its
    /// constructor (`Map`, `Date`, `Array`, a class).
    pub fn foreign(&self, obj: &Object<'e>) -> Result<Option<String>, tc::Error> {
        let proto = obj.get_prototype().map_err(|e| self.failed(e))?;
        let plain = proto.get_type().map_err(|e| self.failed(e))? == ValueType::Null
            || self
                .env
                .strict_equals(proto, self.object_prototype)
                .map_err(|e| self.failed(e))?;
        if plain {
            return Ok(None);
        }
        let name = obj
            .get_named_property::<Unknown<'e>>("constructor")
            .and_then(|c| c.coerce_to_object())
            .and_then(|c| c.get_named_property::<String>("name"))
            .unwrap_or_else(|e| {
                let _ = self.failed(e);
                "an object with a prototype".into()
            });
        Ok(Some(name))
    }

    /// The arguments of an operation: the positional values under their
    /// names, then the options object's keys (a key given twice is refused).
    pub fn args(
        &mut self,
        names: &[&str],
        positional: Vec<Unknown<'e>>,
        options: Option<Unknown<'e>>,
    ) -> Result<Value, tc::Error> {
        let mut entries = Vec::new();
        for (name, v) in names.iter().zip(positional) {
            self.trail.push(camel(name));
            if let Some(v) = self.read(v)? {
                entries.push((camel(name), v));
            }
            self.trail.pop();
        }
        if let Some(o) = options {
            match self.read(o)? {
                None | Some(Value::Null) => {}
                Some(Value::Map(more)) => {
                    for (k, v) in more {
                        if entries.iter().any(|(e, _)| *e == k) {
                            return Err(tc::Error::invalid_input(
                                k,
                                "given both as an argument and as an option",
                            ));
                        }
                        entries.push((k, v));
                    }
                }
                Some(_) => return Err(self.trail.fail("options must be an object")),
            }
        }
        Ok(Value::Map(entries))
    }
}

thread_local! {
    /// The camelCase names of struct fields, made once per name.
    static CAMEL: std::cell::RefCell<std::collections::HashMap<&'static str, std::ffi::CString>> =
        std::cell::RefCell::default();
}

/// A result on its way to JavaScript.
#[derive(Debug)]
pub struct Out(pub Value);

impl ToNapiValue for Out {
    /// Settling a Promise runs this outside napi's panic guard, where a
    /// panic would abort Node: a bug here becomes an `internal` rejection.
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
            Out::build(env, val)
        }))
        .unwrap_or_else(|_| {
            Err(napi::Error::new(
                napi::Status::GenericFailure,
                "internal error: converting a result panicked",
            ))
        })
    }
}

impl Out {
    /// The JavaScript value (see [`ToNapiValue`]).
    unsafe fn build(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let e = Env::from_raw(env);
        unsafe {
            match val.0 {
                Value::Null => Null::to_napi_value(env, Null),
                Value::Bool(b) => bool::to_napi_value(env, b),
                Value::Int(i) => f64::to_napi_value(env, i as f64),
                Value::Float(f) => f64::to_napi_value(env, f),
                Value::Str(s) => String::to_napi_value(env, s),
                Value::Variant(_, v) => <&str>::to_napi_value(env, v),
                Value::Instant(t) => Ok(e.create_date(t.timestamp_millis() as f64)?.raw()),
                Value::Duration(d) => f64::to_napi_value(env, d.num_milliseconds() as f64),
                Value::Bytes(b) => Buffer::to_napi_value(env, Buffer::from(b)),
                Value::Seq(items) => {
                    let mut a = e.create_array(items.len() as u32)?;
                    for (i, v) in items.into_iter().enumerate() {
                        let raw = Out::build(env, Out(v))?;
                        a.set(i as u32, Unknown::from_raw_unchecked(env, raw))?;
                    }
                    napi::bindgen_prelude::Array::to_napi_value(env, a)
                }
                Value::Map(entries) => {
                    // Keys are the data's own (custom fields): each becomes
                    // an own property named by a JavaScript string. An
                    // assignment would run the `__proto__` setter, making a
                    // stored `"__proto__"` key the object's prototype, and a
                    // C-string name cannot hold NUL.
                    let mut props = Vec::with_capacity(entries.len());
                    for (k, v) in entries {
                        let name = String::to_napi_value(env, k)?;
                        props.push(own(std::ptr::null(), name, Out::build(env, Out(v))?));
                    }
                    napi::bindgen_prelude::create_object_with_properties(env, &props)
                }
                Value::Struct(_, fields) => {
                    // One `napi_define_properties` per object, as napi's own
                    // `#[napi(object)]` does; names are C strings cached per field.
                    let mut props = Vec::with_capacity(fields.len());
                    for (k, v) in fields {
                        let name = CAMEL.with_borrow_mut(|names| {
                            names
                                .entry(k)
                                .or_insert_with(|| {
                                    std::ffi::CString::new(camel(k)).unwrap_or_default()
                                })
                                .as_ptr()
                        });
                        let value = Out::build(env, Out(v))?;
                        props.push(own(name, std::ptr::null_mut(), value));
                    }
                    // SAFETY: every name points into the thread's cache, which
                    // keeps its C strings (never removed) for the thread's life.
                    napi::bindgen_prelude::create_object_with_properties(env, &props)
                }
            }
        }
    }
}

/// An own, writable, enumerable and configurable data property (as an
/// assignment makes), named by a C string (`utf8name`) or a JavaScript
/// string (`name`).
fn own(
    utf8name: *const std::ffi::c_char,
    name: sys::napi_value,
    value: sys::napi_value,
) -> sys::napi_property_descriptor {
    sys::napi_property_descriptor {
        utf8name,
        name,
        method: None,
        getter: None,
        setter: None,
        value,
        attributes: sys::PropertyAttributes::writable
            | sys::PropertyAttributes::enumerable
            | sys::PropertyAttributes::configurable,
        data: std::ptr::null_mut(),
    }
}

/// Runs operation `op` with JavaScript arguments: a rejected Promise (never
/// a throw) for bad arguments, as for any other failure.
pub fn call<'e>(
    env: &'e Env,
    desk: &tc::Helpdesk,
    ws: Option<tc::WorkspaceId>,
    op: &str,
    positional: List<Unknown<'e>, 16>,
    options: Option<Unknown<'e>>,
) -> napi::Result<PromiseRaw<'e, Out>> {
    let prepared = (|| {
        let positional = positional.items("positional")?;
        let spec = ops::OPS
            .iter()
            .find(|o| o.name == op && (o.scope == "ws") == ws.is_some())
            .ok_or_else(|| {
                tc::Error::invalid_input("operation", format!("unknown operation {op:?}"))
            })?;
        if positional.len() > spec.js {
            return Err(tc::Error::invalid_input(
                "arguments",
                format!(
                    "{} takes {} arguments and an options object",
                    camel(op),
                    spec.js
                ),
            ));
        }
        let names = &spec.args[..spec.js.min(spec.args.len())];
        let mut reader = Reader::new(env).map_err(|e| tc::Error::Internal {
            message: e.to_string(),
        })?;
        let args = reader.args(names, positional, options)?;
        let objects: Vec<String> = names.iter().map(|n| format!("{}.", camel(n))).collect();
        // A positional object's fields are the caller's own: `capacity`,
        // not `input.capacity`.
        let unprefix = move |e: tc::Error| match e {
            tc::Error::InvalidInput { field, message } => {
                let field = objects
                    .iter()
                    .find_map(|p| field.strip_prefix(p.as_str()))
                    .map_or(field.clone(), str::to_owned);
                tc::Error::InvalidInput { field, message }
            }
            other => other,
        };
        let call = ops::call(desk, ws, op, args, Host::Node).map_err(&unprefix)?;
        Ok(async move { call.await.map_err(unprefix) })
    })();
    crate::convert::spawn(env, async move { prepared?.await.map(Out) })
}

/// Decodes a value the caller passed directly (a calendar configuration).
pub fn decode<'e, T: serde::de::DeserializeOwned>(
    env: &'e Env,
    field: &str,
    v: Unknown<'e>,
) -> Result<T, tc::Error> {
    let mut reader = Reader::new(env).map_err(|e| tc::Error::Internal {
        message: e.to_string(),
    })?;
    reader.trail.push(field.to_owned());
    let value = reader.read(v)?.unwrap_or(Value::Null);
    ticketry_wire::value::decode(value, Host::Node).map_err(|e| match e {
        tc::Error::InvalidInput { field: f, message } if f == "arguments" => {
            tc::Error::invalid_input(field, message)
        }
        other => other,
    })
}
