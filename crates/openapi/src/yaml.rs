//! The YAML form of the document: the JSON document, written so that every
//! YAML loader, 1.1 or 1.2, reads back exactly the JSON.
//!
//! A general YAML serializer writes a string plain whenever a YAML 1.2
//! loader reads it back as a string; YAML 1.1 loaders (PyYAML, ruamel.yaml
//! in safe mode, js-yaml, SnakeYAML) resolve more plain scalars: timestamps
//! (`2024-05-01T10:00:00Z`), `yes`/`no`/`on`/`off`/`y`/`n`, `~`, sexagesimal
//! and underscored numbers. So this writer quotes every string that is not
//! plainly a word: a plain scalar must start with a letter, hold only
//! letters, digits, spaces and `_ - . / , ( ) < > $ { } ' + *` (no `: `,
//! no ` #`, no trailing space) and not be one of the words any YAML
//! version resolves to a boolean or null. Everything else is written
//! double-quoted with JSON's escapes (a double-quoted YAML scalar accepts
//! them all), and text with line breaks as a literal block.

use serde_json::Value;

/// The words that YAML 1.1 or 1.2 resolves to a boolean or null.
const RESERVED_WORDS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL",
];

/// Writes `value` as a block-style YAML document (two-space indentation).
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_mapping(&mut out, map, 0, false),
        Value::Array(items) if !items.is_empty() => write_sequence(&mut out, items, 0, false),
        scalar => {
            write_scalar(&mut out, scalar, 0);
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n(' ', level));
}

/// Writes a block mapping; its first line's indentation is already written
/// when `inline_first` (a mapping that is a sequence entry: `- key: ...`).
fn write_mapping(
    out: &mut String,
    map: &serde_json::Map<String, Value>,
    level: usize,
    inline_first: bool,
) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline_first {
            indent(out, level);
        }
        write_string(out, key, level, true);
        out.push(':');
        write_child(out, value, level);
    }
}

/// Writes a block sequence; a mapping or sequence entry starts on the
/// dash's line (`- key: value`, `- - item`).
fn write_sequence(out: &mut String, items: &[Value], level: usize, inline_first: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            indent(out, level);
        }
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                out.push(' ');
                write_mapping(out, map, level + 2, true);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push(' ');
                write_sequence(out, items, level + 2, true);
            }
            scalar => write_child(out, scalar, level),
        }
    }
}

/// Writes what follows `key:` or `-`: a nested block on the next lines, or
/// a space and a scalar (or an empty collection) on this one.
fn write_child(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_mapping(out, map, level + 2, false);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_sequence(out, items, level + 2, false);
        }
        scalar => {
            out.push(' ');
            write_scalar(out, scalar, level + 2);
            out.push('\n');
        }
    }
}

fn write_scalar(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s, level, false),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn write_string(out: &mut String, s: &str, level: usize, is_key: bool) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else if !is_key && is_literal_safe(s) {
        write_literal(out, s, level);
    } else {
        // JSON's string escapes are all valid in a double-quoted YAML scalar.
        out.push_str(&Value::String(s.to_string()).to_string());
    }
}

/// Whether `s` can stand as a plain scalar that every YAML loader reads as
/// this very string.
fn is_plain_safe(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_ascii_alphabetic()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    ' ' | '_'
                        | '-'
                        | '.'
                        | '/'
                        | ','
                        | '('
                        | ')'
                        | '<'
                        | '>'
                        | '$'
                        | '{'
                        | '}'
                        | '\''
                        | '+'
                        | '*'
                )
        })
        && !s.ends_with(' ')
        && !s.contains(" #")
        && !RESERVED_WORDS.contains(&s)
}

/// Whether `s` has line breaks and can be written as a literal block: no
/// control characters but line feed and tab, no carriage return, no
/// leading space or line break (a block's indentation would swallow it),
/// no line of spaces only.
fn is_literal_safe(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\n'])
        && s.chars().all(|c| c == '\n' || c == '\t' || !c.is_control())
        && !s.contains('\u{feff}')
        && s.split('\n')
            .all(|line| line.is_empty() || !line.trim_start_matches(' ').is_empty())
}

fn write_literal(out: &mut String, s: &str, level: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(out, level);
            out.push_str(line);
        }
    }
    // `|+` keeps every trailing line break: write the extra ones as empty
    // lines (the one that ends the scalar's last line is written by the caller).
    for _ in 1..trailing {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(value: &Value) -> Value {
        let text = to_string(value);
        yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn strings_a_yaml_1_1_loader_would_retype_are_quoted() {
        for s in [
            "2024-05-01T10:00:00.000Z",
            "2024-05-01",
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "~",
            "null",
            "",
            "1_000",
            "190:20:30",
            "0x1F",
            "1e3",
            ".inf",
            "<<",
            "=",
            "12",
            "-1",
        ] {
            let line = to_string(&json!({ "v": s }));
            assert_eq!(line, format!("v: {}\n", json!(s)), "{s:?}");
        }
    }

    #[test]
    fn words_stay_plain() {
        for s in [
            "NONE",
            "application/json",
            "Connections",
            "fad fa-sms",
            "a, b (c)",
        ] {
            assert_eq!(to_string(&json!({ "v": s })), format!("v: {s}\n"));
        }
    }

    #[test]
    fn the_document_survives_a_round_trip() {
        let document: Value = serde_json::from_str(crate::COMMITTED_DOCUMENT).unwrap();
        assert_eq!(round_trip(&document), document);
    }

    #[test]
    fn awkward_values_survive_a_round_trip() {
        let value = json!({
            "multi": "line one\nline two\n",
            "kept": "a\n\n\n",
            "stripped": "a\nb",
            "indented": "  starts with spaces\nx",
            "blank line": "a\n\nb",
            "spaces only line": "a\n  \nb",
            "cr": "a\r\nb",
            "quote": "say \"hi\" # not a comment",
            "colon": "key: value",
            "unicode": "café → ✓",
            "tab": "a\tb\nc",
            "200": { "empty": {}, "none": [], "list": [1, 2.5, -3, true, null, "x"] },
            "nested": [[{ "a": [] }], { "b": { "c": "d" } }],
        });
        assert_eq!(round_trip(&value), value);
    }
}
