//! Prints the operation catalog with JSON Schemas (the input of
//! `scripts/gen-clients.py`).

fn main() {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let ops = ticketry_wire::ops::catalog(&mut generator);
    let definitions = generator.take_definitions(true);
    let out = serde_json::json!({
        "ops": ops,
        "definitions": definitions,
        "error_codes": ticketry_core::Error::CODES,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("JSON"));
}
