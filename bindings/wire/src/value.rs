//! The values that cross the language boundary, and the serde glue both ways.
//!
//! A binding turns a host value (a Python object, a JavaScript value) into a
//! [`Value`] without knowing what the operation expects; [`decode`] then
//! deserializes the operation's argument struct from it, strictly: unknown
//! keys, wrong types, out-of-range integers and fractional durations are
//! `invalid_input` errors naming the caller's own field path. Results travel
//! the other way: [`encode`] serializes a core value into a [`Value`] tree that
//! keeps what the host needs to build its own idioms (struct names for
//! Python's model classes, instants for `datetime`/`Date`, durations for
//! `timedelta`/milliseconds).

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};
use std::fmt;
use ticketry_core::Error;

/// The serde newtype name by which the core marks a duration in whole seconds
/// (see `ticketry_core::duration_serde`); JSON sees the plain number.
pub const SECONDS: &str = "$ticketry::seconds";

/// A value at the boundary.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `None` / `null` (and, as input, a JavaScript `undefined` in a list).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (input only from hosts; integers never arrive as floats).
    Float(f64),
    /// Text.
    Str(String),
    /// An instant (`datetime` / `Date`).
    Instant(DateTime<Utc>),
    /// A duration (`timedelta`; in Node, milliseconds as a number).
    Duration(TimeDelta),
    /// Raw bytes (`bytes` / `Buffer`): a message, an attachment.
    Bytes(Vec<u8>),
    /// A list.
    Seq(Vec<Value>),
    /// A mapping with the caller's keys (input objects, output maps).
    Map(Vec<(String, Value)>),
    /// Output only: a struct, by its Rust name, with its fields.
    Struct(&'static str, Vec<(&'static str, Value)>),
    /// Output only: an enum value by its enum's name and the variant's name.
    Variant(&'static str, &'static str),
}

impl Value {
    /// An encoded result as an argument again (structs as maps, enum
    /// values as their names): a host may pass back what it received.
    pub fn into_input(self) -> Value {
        match self {
            Value::Struct(_, fields) => Value::Map(
                fields
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.into_input()))
                    .collect(),
            ),
            Value::Variant(_, v) => Value::Str(v.to_owned()),
            Value::Seq(items) => Value::Seq(items.into_iter().map(Value::into_input).collect()),
            Value::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, v.into_input()))
                    .collect(),
            ),
            other => other,
        }
    }
}

/// How a host names keys and measures durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// Python: snake_case keys, durations are `timedelta`.
    Python,
    /// JavaScript: camelCase keys, durations are milliseconds.
    Node,
}

impl Host {
    /// A struct field's name as the host spells it.
    pub fn key(self, snake: &str) -> String {
        match self {
            Host::Python => snake.to_owned(),
            Host::Node => camel(snake),
        }
    }
}

impl Host {
    /// A core error with its field path (`targets[0].first_response`) as
    /// the host spells it (`targets[0].firstResponse` in Node).
    /// Below `custom_fields` the keys are the caller's own JSON, spelled as
    /// written (`customFields.order_info`).
    pub fn rename(self, e: Error) -> Error {
        match (self, e) {
            (Host::Node, Error::InvalidInput { field, message }) => {
                let mut own = false;
                let field = field
                    .split('.')
                    .map(|seg| {
                        let out = if own { seg.to_owned() } else { camel(seg) };
                        own = own || OWN_JSON.contains(&seg);
                        out
                    })
                    .collect::<Vec<_>>()
                    .join(".");
                Error::InvalidInput { field, message }
            }
            (_, e) => e,
        }
    }
}

/// The fields whose keys are a caller's own JSON (custom fields, and the
/// value a rule's `custom_field` condition compares them with), kept as
/// written in error paths.
const OWN_JSON: &[&str] = &["custom_fields", "equals"];

/// `first_response` → `firstResponse`.
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `firstResponse` → `first_response`.
pub fn snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

// ----- input: host value → Value --------------------------------------------------------

/// Where a binding is while it reads a host's arguments into a [`Value`]:
/// the path so far (for errors, as the caller wrote it) and the budget that
/// bounds one call's arguments.
#[derive(Debug, Default)]
pub struct Trail {
    path: Vec<String>,
    size: usize,
    bytes: usize,
}

impl Trail {
    /// Deepest nesting of an argument (a cyclic object ends here).
    pub const MAX_DEPTH: usize = 64;
    /// Most characters and entries in one call's arguments, all together.
    pub const MAX_SIZE: usize = 8 << 20;

    /// `invalid_input` naming the current path (`attachments[0].size`).
    pub fn fail(&self, message: impl Into<String>) -> Error {
        let mut field = String::new();
        // As in `decode`: the fields of an argument named `input` are named
        // as the caller wrote them, without `input.`.
        let skip = usize::from(self.path.len() > 1 && self.path[0] == "input");
        for seg in &self.path[skip..] {
            if !seg.starts_with('[') && !field.is_empty() {
                field.push('.');
            }
            field.push_str(seg);
        }
        if field.is_empty() {
            field.push_str("arguments");
        }
        Error::invalid_input(field, message)
    }

    /// Checks that `n` more entries (a list's, before reading them) fit
    /// the budget, without counting them yet.
    pub fn room(&self, n: usize) -> Result<(), Error> {
        if self.size.saturating_add(n) > Self::MAX_SIZE {
            return Err(self.fail(format!(
                "holds {n} items: the arguments exceed {} characters and entries",
                Self::MAX_SIZE
            )));
        }
        Ok(())
    }

    /// Counts `n` characters or entries against the budget.
    pub fn grow(&mut self, n: usize) -> Result<(), Error> {
        self.size += n;
        if self.size > Self::MAX_SIZE {
            return Err(self.fail(format!(
                "the arguments exceed {} characters and entries",
                Self::MAX_SIZE
            )));
        }
        Ok(())
    }

    /// Most bytes (`bytes` / `Buffer`) in one call's arguments, all
    /// together: above the largest message an operation takes, so the
    /// operation names its own limit, and checked before anything is copied.
    pub const MAX_BYTES: usize = 64 << 20;

    /// Counts `n` bytes against [`Trail::MAX_BYTES`] (a separate budget:
    /// one message outweighs any text argument).
    pub fn grow_bytes(&mut self, n: usize) -> Result<(), Error> {
        self.bytes += n;
        if self.bytes > Self::MAX_BYTES {
            return Err(self.fail(format!("the arguments exceed {} bytes", Self::MAX_BYTES)));
        }
        Ok(())
    }

    /// Starts reading one value: checks the depth, counts it.
    pub fn enter(&mut self) -> Result<(), Error> {
        if self.path.len() > Self::MAX_DEPTH {
            return Err(self.fail(format!(
                "nesting deeper than {} levels (a cyclic object?)",
                Self::MAX_DEPTH
            )));
        }
        self.grow(1)
    }

    /// Goes into a key (`name`) or an index (`[3]`).
    pub fn push(&mut self, segment: String) {
        self.path.push(segment);
    }

    /// Comes back out; returns the segment.
    pub fn pop(&mut self) -> String {
        self.path.pop().unwrap_or_default()
    }
}

// ----- input: Value → T ---------------------------------------------------------------

/// Deserializes `T` from a host's value, naming the failing field as the
/// host spells it (`attachments[0].storageKey` in Node).
pub fn decode<T: DeserializeOwned>(value: Value, host: Host) -> Result<T, Error> {
    serde_path_to_error::deserialize(De { v: value, host }).map_err(|e| {
        let mut field = String::new();
        // An argument named `input` is the caller's object itself (Node
        // passes it whole, Python spreads it as keywords): its fields are
        // named as the caller wrote them, without `input.`.
        let mut segments = e.path().iter().peekable();
        if let Some(serde_path_to_error::Segment::Map { key }) = segments.peek()
            && key == "input"
        {
            segments.next();
        }
        // Below `custom_fields`, keys are the caller's JSON, as written.
        let mut own = false;
        for seg in segments {
            match seg {
                serde_path_to_error::Segment::Seq { index } => {
                    field.push_str(&format!("[{index}]"));
                }
                serde_path_to_error::Segment::Map { key: name }
                | serde_path_to_error::Segment::Enum { variant: name } => {
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(&if own { name.clone() } else { host.key(name) });
                    own = own || OWN_JSON.contains(&name.as_str());
                }
                _ => {}
            }
        }
        let DeError {
            field: inner,
            message,
        } = e.into_inner();
        if let Some(k) = inner {
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(&k.spelled(host));
        }
        if field.is_empty() {
            field.push_str("arguments");
        }
        Error::invalid_input(field, message)
    })
}

/// A deserialization failure: its message and, for an unknown key, the key.
#[derive(Debug)]
pub struct DeError {
    field: Option<Key>,
    message: String,
}

/// A key a failure names beyond the path.
#[derive(Debug)]
enum Key {
    /// As the caller wrote it (an unknown key).
    Written(String),
    /// A field of the core's (a missing one, a nested one the core named).
    Core(String),
}

impl Key {
    fn spelled(self, host: Host) -> String {
        match self {
            Key::Written(k) => k,
            Key::Core(k) => k
                .split('.')
                .map(|s| host.key(s))
                .collect::<Vec<_>>()
                .join("."),
        }
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn missing_field(field: &'static str) -> Self {
        DeError {
            field: Some(Key::Core(field.to_owned())),
            message: "is required".to_owned(),
        }
    }

    fn custom<T: fmt::Display>(msg: T) -> Self {
        let message = msg.to_string();
        // The core's own validation errors come back as their message; a
        // nested field they name (`link.kind`) extends the path (`kind`).
        match message
            .strip_prefix("invalid input: ")
            .and_then(|m| m.split_once(": "))
        {
            Some((field, m)) => DeError {
                field: field
                    .split_once('.')
                    .map(|(_, inner)| Key::Core(inner.to_owned())),
                message: m.to_owned(),
            },
            None => DeError {
                field: None,
                message,
            },
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Str(_) => "a string",
        Value::Instant(_) => "a date",
        Value::Duration(_) => "a duration",
        Value::Bytes(_) => "bytes",
        Value::Seq(_) => "a list",
        Value::Map(_) | Value::Struct(..) => "an object",
        Value::Variant(..) => "an enum value",
    }
}

struct De {
    v: Value,
    host: Host,
}

impl De {
    /// A value that no JSON type holds (a duration) where the core asks
    /// for a number or any JSON value.
    fn wrong_here(&self) -> DeError {
        DeError {
            field: None,
            message: format!("expected a number, text or JSON, got {}", kind(&self.v)),
        }
    }

    fn wrong(&self, want: &str) -> DeError {
        DeError {
            field: None,
            message: format!("expected {want}, got {}", kind(&self.v)),
        }
    }
}

fn instant_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl<'de> de::Deserializer<'de> for De {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let host = self.host;
        match self.v {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(b),
            Value::Int(i) => v.visit_i64(i),
            Value::Float(f) => v.visit_f64(f),
            Value::Str(s) => v.visit_string(s),
            Value::Instant(t) => v.visit_string(instant_text(&t)),
            // A duration goes only where the core takes one (`SECONDS`):
            // as a number (a rating, a limit, a custom field's value) it
            // lost its fraction, and `timedelta(seconds=4)` rated 4.
            Value::Duration(_) => Err(self.wrong_here()),
            Value::Bytes(b) => v.visit_byte_buf(b),
            Value::Seq(items) => v.visit_seq(Items {
                it: items.into_iter(),
                host,
            }),
            Value::Map(entries) => v.visit_map(Entries {
                it: entries.into_iter(),
                host,
                fields: None,
                pending: None,
            }),
            Value::Struct(..) | Value::Variant(..) => Err(de::Error::custom("unexpected value")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Bool(b) => v.visit_bool(b),
            _ => Err(self.wrong("a boolean")),
        }
    }

    /// Text (`String` and the ids). An instant is not text: a `Date` or a
    /// `datetime` given as a subject or an id was taken as its ISO form.
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Str(s) => v.visit_string(s),
            _ => Err(self.wrong("a string")),
        }
    }

    /// What parses from text: chrono's instants ask for a `str`, and take
    /// an instant as its ISO form; text types ask for a `String`.
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Instant(t) => v.visit_string(instant_text(&t)),
            _ => self.deserialize_string(v),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Bytes(b) => v.visit_byte_buf(b),
            _ => Err(self.wrong("bytes")),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_byte_buf(v)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Seq(_) => self.deserialize_any(v),
            _ => Err(self.wrong("a list")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Map(_) => self.deserialize_any(v),
            _ => Err(self.wrong("an object")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match self.v {
            Value::Map(entries) => v.visit_map(Entries {
                it: entries.into_iter(),
                host: self.host,
                fields: Some(fields),
                pending: None,
            }),
            _ => Err(self.wrong("an object")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        if name != SECONDS {
            return v.visit_newtype_struct(self);
        }
        let secs = match (&self.v, self.host) {
            (Value::Duration(d), _) if d.subsec_nanos() == 0 => d.num_seconds(),
            (Value::Duration(_), _) => return Err(de::Error::custom("must be whole seconds")),
            (Value::Int(ms), Host::Node) if ms % 1000 == 0 => ms / 1000,
            (Value::Int(_), Host::Node) => {
                return Err(de::Error::custom(
                    "must be whole seconds (a multiple of 1000 ms)",
                ));
            }
            (Value::Int(s), Host::Python) => {
                return Err(de::Error::custom(format!(
                    "expected a timedelta, got the integer {s}"
                )));
            }
            _ if self.host == Host::Node => return Err(self.wrong("milliseconds (an integer)")),
            _ => return Err(self.wrong("a timedelta")),
        };
        v.visit_i64(secs)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match self.v {
            Value::Str(s) => v.visit_enum(s.into_deserializer()),
            Value::Map(mut entries) if entries.len() == 1 => {
                let (key, value) = entries.pop().expect("one entry");
                // The variant is a name: `setPriority` in Node.
                let key = match self.host {
                    Host::Node => snake(&key),
                    Host::Python => key,
                };
                v.visit_enum(Variant {
                    key,
                    value: De {
                        v: value,
                        host: self.host,
                    },
                })
            }
            _ => Err(self.wrong("a string")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char
        unit unit_struct tuple tuple_struct identifier
    }
}

struct Items {
    it: std::vec::IntoIter<Value>,
    host: Host,
}

impl<'de> de::SeqAccess<'de> for Items {
    type Error = DeError;
    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.it.next() {
            None => Ok(None),
            Some(v) => seed.deserialize(De { v, host: self.host }).map(Some),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.it.len())
    }
}

struct Entries {
    it: std::vec::IntoIter<(String, Value)>,
    host: Host,
    /// A struct's fields: keys are translated to them and unknown keys refused.
    fields: Option<&'static [&'static str]>,
    pending: Option<Value>,
}

impl<'de> de::MapAccess<'de> for Entries {
    type Error = DeError;
    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.it.next() else {
            return Ok(None);
        };
        let key = match self.fields {
            None => key,
            Some(fields) => {
                let name = match self.host {
                    Host::Python => key.clone(),
                    Host::Node => snake(&key),
                };
                let known = fields.contains(&name.as_str())
                    && (self.host == Host::Python || camel(&name) == key);
                if !known {
                    return Err(DeError {
                        field: Some(Key::Written(key)),
                        message: "unknown key".to_owned(),
                    });
                }
                name
            }
        };
        self.pending = Some(value);
        seed.deserialize(key.into_deserializer()).map(Some)
    }
    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DeError> {
        let v = self.pending.take().unwrap_or(Value::Null);
        seed.deserialize(De { v, host: self.host })
    }
}

struct Variant {
    key: String,
    value: De,
}

impl<'de> de::EnumAccess<'de> for Variant {
    type Error = DeError;
    type Variant = De;
    fn variant_seed<S: de::DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, De), DeError> {
        let key: de::value::StringDeserializer<DeError> = self.key.into_deserializer();
        Ok((seed.deserialize(key)?, self.value))
    }
}

impl<'de> de::VariantAccess<'de> for De {
    type Error = DeError;
    fn unit_variant(self) -> Result<(), DeError> {
        Err(de::Error::custom("expected a name, not an object"))
    }
    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self, v)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_struct(self, "", fields, v)
    }
}

// ----- output: T → Value ------------------------------------------------------------

/// Serializes a core value into the tree a binding turns into host objects.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
    value.serialize(Ser).map_err(|e| Error::Internal {
        message: format!("result conversion: {}", e.0),
    })
}

/// A serialization failure (a bug: core values always serialize).
#[derive(Debug)]
pub struct SerError(String);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

struct Ser;

/// `serialize_*` of the integer types that fit an `i64` losslessly.
macro_rules! ints {
    ($($method:ident: $t:ty),* $(,)?) => {
        $(
            fn $method(self, v: $t) -> R {
                Ok(Value::Int(v.into()))
            }
        )*
    };
}

type R = Result<Value, SerError>;

impl ser::Serializer for Ser {
    type Ok = Value;
    type Error = SerError;
    type SerializeSeq = SeqOut;
    type SerializeTuple = SeqOut;
    type SerializeTupleStruct = SeqOut;
    type SerializeTupleVariant = SeqOut;
    type SerializeMap = MapOut;
    type SerializeStruct = StructOut;
    type SerializeStructVariant = StructOut;

    fn serialize_bool(self, v: bool) -> R {
        Ok(Value::Bool(v))
    }
    ints! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
    }
    fn serialize_u64(self, v: u64) -> R {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| SerError(format!("{v} exceeds i64")))
    }
    fn serialize_f32(self, v: f32) -> R {
        Ok(Value::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> R {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> R {
        Ok(Value::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> R {
        Ok(Value::Str(v.to_owned()))
    }
    /// Not human-readable: the core's instants arrive as
    /// [`ticketry_core::time_serde::INSTANT`] newtypes of epoch microseconds.
    fn is_human_readable(&self) -> bool {
        false
    }
    /// An instant the core did not mark (chrono's own serialization) is
    /// recognised by its RFC 3339 text.
    fn collect_str<T: fmt::Display + ?Sized>(self, v: &T) -> R {
        let s = v.to_string();
        Ok(match DateTime::parse_from_rfc3339(&s) {
            Ok(t) => Value::Instant(t.with_timezone(&Utc)),
            Err(_) => Value::Str(s),
        })
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> R {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> R {
        v.serialize(Ser)
    }
    fn serialize_unit(self) -> R {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> R {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(self, name: &'static str, _i: u32, variant: &'static str) -> R {
        Ok(Value::Variant(name, variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, v: &T) -> R {
        match (name, v.serialize(Ser)?) {
            (SECONDS, Value::Int(s)) => TimeDelta::try_seconds(s)
                .map(Value::Duration)
                .ok_or_else(|| SerError("duration out of range".into())),
            (ticketry_core::time_serde::INSTANT, Value::Int(us)) => {
                DateTime::from_timestamp_micros(us)
                    .map(Value::Instant)
                    .ok_or_else(|| SerError("instant out of range".into()))
            }
            (_, inner) => Ok(inner),
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _i: u32,
        variant: &'static str,
        v: &T,
    ) -> R {
        // A one-key object whose key is a name (`{"set_priority": "high"}`):
        // a struct, so Node spells it `setPriority` as its typings do.
        Ok(Value::Struct(name, vec![(variant, v.serialize(Ser)?)]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqOut, SerError> {
        Ok(SeqOut(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqOut, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _n: &'static str, len: usize) -> Result<SeqOut, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        len: usize,
    ) -> Result<SeqOut, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapOut, SerError> {
        Ok(MapOut(Vec::with_capacity(len.unwrap_or(0)), None))
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<StructOut, SerError> {
        Ok(StructOut(name, Vec::with_capacity(len)))
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<StructOut, SerError> {
        Ok(StructOut(variant, Vec::with_capacity(len)))
    }
}

struct SeqOut(Vec<Value>);

macro_rules! seq_out {
    ($($t:ident :: $m:ident),*) => {$(
        impl ser::$t for SeqOut {
            type Ok = Value;
            type Error = SerError;
            fn $m<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
                self.0.push(v.serialize(Ser)?);
                Ok(())
            }
            fn end(self) -> R {
                Ok(Value::Seq(self.0))
            }
        }
    )*};
}
seq_out!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

struct MapOut(Vec<(String, Value)>, Option<String>);

impl ser::SerializeMap for MapOut {
    type Ok = Value;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), SerError> {
        self.1 = Some(match k.serialize(Ser)? {
            Value::Str(s) => s,
            Value::Variant(_, v) => v.to_owned(),
            Value::Int(i) => i.to_string(),
            other => return Err(SerError(format!("map key {other:?}"))),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        let k = self.1.take().unwrap_or_default();
        self.0.push((k, v.serialize(Ser)?));
        Ok(())
    }
    fn end(self) -> R {
        Ok(Value::Map(self.0))
    }
}

struct StructOut(&'static str, Vec<(&'static str, Value)>);

macro_rules! struct_out {
    ($($t:ident),*) => {$(
        impl ser::$t for StructOut {
            type Ok = Value;
            type Error = SerError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                k: &'static str,
                v: &T,
            ) -> Result<(), SerError> {
                self.1.push((k, v.serialize(Ser)?));
                Ok(())
            }
            fn end(self) -> R {
                Ok(Value::Struct(self.0, self.1))
            }
        }
    )*};
}
struct_out!(SerializeStruct, SerializeStructVariant);

/// A [`Value`] serializes as what it stands for, so a shaped result (see
/// [`crate::event`]) can be returned by an operation like any core value.
impl Serialize for Value {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::{SerializeMap, SerializeSeq, SerializeStruct};
        match self {
            Value::Null => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(v) => s.serialize_str(v),
            Value::Instant(t) => s.collect_str(&instant_text(t)),
            Value::Duration(d) => s.serialize_newtype_struct(SECONDS, &d.num_seconds()),
            Value::Bytes(b) => s.serialize_bytes(b),
            Value::Variant(e, v) => s.serialize_unit_variant(e, 0, v),
            Value::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Value::Struct(name, fields) => {
                let mut st = s.serialize_struct(name, fields.len())?;
                for (k, v) in fields {
                    st.serialize_field(k, v)?;
                }
                st.end()
            }
        }
    }
}
