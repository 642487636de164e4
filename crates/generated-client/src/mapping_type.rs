//! The mapping `type` enum, written by hand for the generator.
//!
//! The contract's `MappingType` has both `string` and `String` (the docs
//! publish both spellings). The generator cannot give two values that differ
//! only by case distinct variant names, so `cargo xtask regenerate` tells it
//! to use this type instead. The test `every_document_value_round_trips`
//! checks this enum against every value of the document's schema.

use serde::{Deserialize, Serialize};

/// The type of an input or output mapping's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MappingType {
    /// `string`
    #[serde(rename = "string")]
    String,
    /// `number`
    #[serde(rename = "number")]
    Number,
    /// `boolean`
    #[serde(rename = "boolean")]
    Boolean,
    /// `object`: a JSON document carried in a string.
    #[serde(rename = "object")]
    Object,
    /// `array`: a JSON array carried in a string.
    #[serde(rename = "array")]
    Array,
    /// `String`, the capitalised spelling of the test-a-connection page;
    /// it means the same as [`MappingType::String`].
    #[serde(rename = "String")]
    StringCapitalized,
}

impl MappingType {
    /// The value as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Object => "object",
            Self::Array => "array",
            Self::StringCapitalized => "String",
        }
    }
}

impl std::fmt::Display for MappingType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a mapping type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownMappingType(pub String);

impl std::fmt::Display for UnknownMappingType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown mapping type `{}`", self.0)
    }
}

impl std::error::Error for UnknownMappingType {}

impl std::str::FromStr for MappingType {
    type Err = UnknownMappingType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Self::String,
            Self::Number,
            Self::Boolean,
            Self::Object,
            Self::Array,
            Self::StringCapitalized,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
        .ok_or_else(|| UnknownMappingType(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_value_round_trips() {
        let document: serde_json::Value =
            serde_json::from_str(include_str!("../../../openapi/connections.json")).unwrap();
        let values = document["components"]["schemas"]["MappingType"]["enum"]
            .as_array()
            .expect("MappingType is a string enum in the document")
            .clone();
        assert_eq!(
            values.len(),
            6,
            "a value was added or removed: update this type"
        );
        for value in values {
            let parsed: MappingType = serde_json::from_value(value.clone()).unwrap();
            assert_eq!(serde_json::to_value(parsed).unwrap(), value);
            assert_eq!(parsed.to_string(), value.as_str().unwrap());
            assert_eq!(value.as_str().unwrap().parse::<MappingType>(), Ok(parsed));
        }
    }

    #[test]
    fn other_spellings_are_rejected() {
        assert!(serde_json::from_str::<MappingType>("\"STRING\"").is_err());
        assert_eq!(
            "Number".parse::<MappingType>(),
            Err(UnknownMappingType("Number".into()))
        );
    }
}
