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
