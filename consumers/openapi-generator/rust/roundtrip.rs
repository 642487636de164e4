//! A Rust team's use of the contract: the models openapi-generator's `rust`
//! generator made (default settings) parse every body `bodies.py` wrote and
//! write each back as the same JSON.
//!
//! Built as an example of the generated crate (`openapi`):
//! `cargo run --example roundtrip -- DIR`. Exit status 0 when every body
//! holds; 1 with one line per failure otherwise.

use std::{fs, path::Path, process::ExitCode};

use openapi::models;
use serde_json::Value;

/// Parses `text` as `T` and writes it back; the failure, if any.
fn round_trip<T>(text: &str) -> Result<(), String>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let expected: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let parsed: T = serde_json::from_str(text).map_err(|e| format!("does not parse: {e}"))?;
    let written = serde_json::to_string(&parsed).map_err(|e| format!("does not write: {e}"))?;
    // Read back as text, so a member written twice is caught.
    let actual: Value = serde_json::from_str(&written).map_err(|e| format!("writes bad JSON: {e}"))?;
    if duplicate_members(&written) {
        return Err(format!("writes a member twice: {written}"));
    }
    match difference(&expected, &actual, String::new()) {
        None => Ok(()),
        Some(found) => Err(format!("does not write back the same JSON: {found}")),
    }
}

/// Whether some object of `text` holds a member name twice.
fn duplicate_members(text: &str) -> bool {
    struct Unique;
    impl<'de> serde::de::Visitor<'de> for Unique {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    return Err(serde::de::Error::custom(format!("duplicate member {key}")));
                }
                map.next_value::<UniqueValue>()?;
            }
            Ok(())
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element::<UniqueValue>()?.is_some() {}
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }
    struct UniqueValue;
    impl<'de> serde::Deserialize<'de> for UniqueValue {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Unique).map(|()| UniqueValue)
        }
    }
    serde_json::from_str::<UniqueValue>(text).is_err()
}

fn difference(expected: &Value, actual: &Value, at: String) -> Option<String> {
    match (expected, actual) {
        (Value::Object(a), Value::Object(b)) => {
            let (left, right): (Vec<_>, Vec<_>) = (a.keys().collect(), b.keys().collect());
            if left.iter().collect::<std::collections::BTreeSet<_>>()
                != right.iter().collect::<std::collections::BTreeSet<_>>()
            {
                return Some(format!("{at}: members {left:?} != {right:?}"));
            }
            a.iter()
                .find_map(|(key, value)| difference(value, &b[key], format!("{at}/{key}")))
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| difference(x, y, format!("{at}/{i}"))),
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => None,
        _ if expected == actual => None,
        _ => Some(format!("{at}: {expected} != {actual}")),
    }
}

/// `fn round_trip_schema(schema, text)`: the round trip of the model of
/// that name, for each schema a body of the document is documented with.
macro_rules! schemas {
    ($($name:ident),* $(,)?) => {
        fn round_trip_schema(schema: &str, text: &str) -> Result<(), String> {
            match schema {
                $(stringify!($name) => round_trip::<models::$name>(text),)*
                other => Err(format!("no model is checked for schema {other}")),
            }
        }
    };
}

// `schemas!(...)` with the schema names of the document this crate was
// generated from, written by `cargo xtask consumers`.
include!("schemas.rs");

fn check(path: &Path) -> Result<(), String> {
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let file = path.file_name().unwrap_or_default().to_string_lossy();
    let schema = file.split('-').nth(1).unwrap_or_default();
    round_trip_schema(schema, &text)
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: roundtrip DIR");
        return ExitCode::from(2);
    };
    let mut paths: Vec<_> = match fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(error) => {
            eprintln!("cannot read {}: {error}", Path::new(&dir).display());
            return ExitCode::from(2);
        }
    };
    paths.retain(|p| p.extension().is_some_and(|e| e == "json"));
    paths.sort();
    let mut failed = 0;
    for path in &paths {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        match check(path) {
            Ok(()) => {}
            Err(why) => {
                failed += 1;
                println!("  FAILED: {name}: {why}");
            }
        }
    }
    println!(
        "  {} bodies parsed and written back, {failed} failed",
        paths.len() - failed
    );
    if failed == 0 && !paths.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
