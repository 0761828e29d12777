//! The conversion of host values into argument structs: integers are
//! range-checked, unknown keys refused, error paths spelled as the host
//! spells its keys.
#![allow(clippy::unwrap_used)]

use serde::Deserialize;
use ticketry_core::Error;
use ticketry_wire::value::{Host, Value, camel, decode, snake};

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Args {
    rating: u8,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    first_response: Option<Inner>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Inner {
    storage_key: String,
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

fn field(e: Error) -> String {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("{other:?}"),
    }
}

#[test]
fn integers_are_range_checked_never_wrapped() {
    for bad in [Value::Int(4_294_967_301), Value::Int(-1), Value::Float(4.5)] {
        let e = decode::<Args>(map(&[("rating", bad)]), Host::Node).unwrap_err();
        assert_eq!(field(e), "rating");
    }
    let ok: Args = decode(map(&[("rating", Value::Int(5))]), Host::Node).unwrap();
    assert_eq!(ok.rating, 5);
}

#[test]
fn unknown_keys_and_paths_use_the_hosts_spelling() {
    let e = decode::<Args>(
        map(&[("rating", Value::Int(1)), ("custmer", Value::Null)]),
        Host::Node,
    )
    .unwrap_err();
    assert_eq!(field(e), "custmer");
    let inner = map(&[("storageKey", Value::Int(3))]);
    let e = decode::<Args>(
        map(&[("rating", Value::Int(1)), ("firstResponse", inner.clone())]),
        Host::Node,
    )
    .unwrap_err();
    assert_eq!(field(e), "firstResponse.storageKey");
    // Python spells it snake_case; the camelCase key is unknown there.
    let e = decode::<Args>(
        map(&[("rating", Value::Int(1)), ("firstResponse", inner)]),
        Host::Python,
    )
    .unwrap_err();
    assert_eq!(field(e), "firstResponse");
}

#[test]
fn camel_and_snake_round_trip() {
    assert_eq!(camel("first_response_at"), "firstResponseAt");
    assert_eq!(snake("firstResponseAt"), "first_response_at");
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Kinds {
    #[serde(default)]
    at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    count: Option<i64>,
    #[serde(default)]
    json: Option<serde_json::Value>,
}

/// An instant goes where the core takes an instant, a duration where it
/// takes a duration: neither turns into text or a number elsewhere. (ISO
/// text is an instant: JSON, which the HTTP hosts relay, has no other.)
#[test]
fn instants_and_durations_are_not_text_or_numbers() {
    let t = chrono::DateTime::from_timestamp(1_772_442_000, 0).unwrap();
    let d = chrono::TimeDelta::milliseconds(1500);
    let ok: Kinds = decode(map(&[("at", Value::Instant(t))]), Host::Python).unwrap();
    assert_eq!(ok.at, Some(t));
    assert!(ok.text.is_none() && ok.count.is_none() && ok.json.is_none());
    for (key, v) in [
        ("text", Value::Instant(t)),
        ("count", Value::Duration(d)),
        ("json", Value::Duration(d)),
    ] {
        let err = decode::<Kinds>(map(&[(key, v)]), Host::Python).unwrap_err();
        assert_eq!(field(err), key);
    }
}

/// Node spells the core's field paths in camelCase, except the keys of a
/// caller's own JSON (custom fields), which it wrote itself.
#[test]
fn node_paths_keep_the_callers_own_json_keys() {
    let renamed = |f: &str| field(Host::Node.rename(Error::invalid_input(f, "x")));
    assert_eq!(
        renamed("custom_fields.order_info.deep_key"),
        "customFields.order_info.deep_key"
    );
    assert_eq!(
        renamed("targets[0].first_response"),
        "targets[0].firstResponse"
    );
    assert_eq!(
        field(Host::Python.rename(Error::invalid_input("custom_fields.a_b", "x"))),
        "custom_fields.a_b"
    );
}
