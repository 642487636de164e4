//! Filling a connection's placeholders from its input mappings.
//!
//! A connection's request body (and URL, header values and URL parameter
//! values) may hold `${key}` placeholders; the test page also shows the
//! `{key}` form. Each placeholder whose `key` is the key of an input
//! mapping is replaced by that mapping's `exampleValue`; anything else,
//! such as `{sms}` when no mapping has the key `sms`, stays as written.
//! Replacement is a single pass, so a value that itself contains a
//! placeholder is not expanded again.

use std::collections::HashMap;

use connections_spec::InputMapping;

/// The values placeholders are filled with, by key.
#[derive(Debug, Default, Clone)]
pub struct Placeholders {
    values: HashMap<String, String>,
}

impl Placeholders {
    /// The example values of these input mappings, by key.
    pub fn from_mappings(mappings: &[InputMapping]) -> Self {
        Self {
            values: mappings
                .iter()
                .map(|m| (m.key.clone(), m.example_value.clone()))
                .collect(),
        }
    }

    /// `template` with every known `${key}` and `{key}` replaced.
    pub fn fill(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let dollar = open > 0 && rest.as_bytes()[open - 1] == b'$';
            let start = if dollar { open - 1 } else { open };
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) if self.values.contains_key(&after[..close]) => {
                    out.push_str(&rest[..start]);
                    out.push_str(&self.values[&after[..close]]);
                    rest = &after[close + 1..];
                }
                _ => {
                    out.push_str(&rest[..=open]);
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connections_spec::MappingType;

    fn mapping(key: &str, value: &str) -> InputMapping {
        InputMapping {
            label: key.to_uppercase(),
            key: key.to_string(),
            value_type: MappingType::String,
            example_value: value.to_string(),
            mapping: String::new(),
        }
    }

    #[test]
    fn both_forms_are_filled_and_unknown_keys_stay() {
        let p = Placeholders::from_mappings(&[mapping("key", "K1"), mapping("msg", "{\"a\":1}")]);
        assert_eq!(
            p.fill(r#"{"key":"${key}","message":${msg},"to":"{sms}","k2":"{key}"}"#),
            r#"{"key":"K1","message":{"a":1},"to":"{sms}","k2":"K1"}"#
        );
    }

    #[test]
    fn values_are_not_expanded_twice_and_odd_braces_survive() {
        let p = Placeholders::from_mappings(&[mapping("a", "${b}"), mapping("b", "B")]);
        assert_eq!(p.fill("${a}/{b}"), "${b}/B");
        assert_eq!(p.fill("{ unclosed ${"), "{ unclosed ${");
        assert_eq!(p.fill("$${b}}"), "$B}");
        assert_eq!(Placeholders::default().fill("${x}"), "${x}");
    }
}
