//! Loading an OpenAPI document, JSON or YAML, and the committed one.

use std::path::Path;

use serde_json::Value;

/// The committed OpenAPI 3.1 document (`openapi/connections.json`), embedded.
pub const COMMITTED_DOCUMENT: &str = include_str!("../../../openapi/connections.json");

/// The syntax of a document's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// YAML (a superset of JSON).
    Yaml,
}

impl Format {
    /// YAML for a `.yaml` or `.yml` file name, else JSON.
    pub fn of_path(path: &Path) -> Self {
        let yaml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        if yaml { Self::Yaml } else { Self::Json }
    }

    /// `JSON` or `YAML`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "JSON",
            Self::Yaml => "YAML",
        }
    }
}

/// Why a document could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The reason.
        source: std::io::Error,
    },
    /// The text is not valid JSON.
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The text is not valid YAML (or holds what JSON cannot).
    #[error("not valid YAML: {0}")]
    Yaml(String),
}

/// Parses a document's text.
pub fn parse(text: &str, format: Format) -> Result<Value, LoadError> {
    match format {
        Format::Json => Ok(serde_json::from_str(text)?),
        Format::Yaml => yaml_serde::from_str(text).map_err(|e| LoadError::Yaml(e.to_string())),
    }
}

/// Reads and parses a document file; the format follows its extension.
pub fn load(path: &Path) -> Result<Value, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, Format::of_path(path))
}

/// The committed document, parsed.
pub fn committed() -> Result<Value, LoadError> {
    parse(COMMITTED_DOCUMENT, Format::Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_give_the_same_value() {
        let json = parse(r#"{"openapi": "3.1.0", "paths": {}}"#, Format::Json).unwrap();
        let yaml = parse("openapi: 3.1.0\npaths: {}\n", Format::Yaml).unwrap();
        assert_eq!(json, yaml);
        assert!(matches!(parse("{", Format::Json), Err(LoadError::Json(_))));
        assert!(matches!(
            parse("a: [", Format::Yaml),
            Err(LoadError::Yaml(_))
        ));
        assert_eq!(Format::of_path(Path::new("x.YML")), Format::Yaml);
        assert_eq!(Format::of_path(Path::new("x.json")), Format::Json);
    }

    #[test]
    fn files_load_by_extension_and_missing_files_are_named() {
        let dir = std::env::temp_dir().join(format!("openapi-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("doc.yaml");
        std::fs::write(&file, "openapi: 3.1.0\n").unwrap();
        assert_eq!(load(&file).unwrap()["openapi"], "3.1.0");
        let missing = load(&dir.join("missing.json")).unwrap_err();
        assert!(missing.to_string().contains("missing.json"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_committed_document_parses() {
        assert!(
            committed().unwrap()["openapi"]
                .as_str()
                .unwrap()
                .starts_with("3.1")
        );
    }
}
