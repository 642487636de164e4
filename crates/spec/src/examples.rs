//! The examples Sitecore's documentation publishes, verbatim.
//!
//! Each file under `crates/spec/doc-examples/` is one example body copied
//! from the docs page it names. They are attached to their operations in
//! the document (so readers and validators see them), and the tests prove
//! that each one deserializes into its Rust type and serializes back to the
//! same JSON.

/// Where an example sits in its operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// The request body.
    Request,
    /// The response body of this status.
    Response(u16),
}

/// Where an example comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// Copied from the named docs page, unchanged.
    Verbatim(&'static str),
    /// Written by us after the named docs page: the same members, types and
    /// quirks, with values of our own (the page's body is not reproduced).
    ShapedAfter(&'static str),
    /// Our own design where the docs publish no body.
    Designed,
}

/// One documented example body.
#[derive(Clone, Copy, Debug)]
pub struct DocExample {
    /// The example's name in the document (unique per media type).
    pub name: &'static str,
    /// A one-line summary for readers of the document.
    pub summary: &'static str,
    /// Where it comes from.
    pub provenance: Provenance,
    /// The operation it belongs to.
    pub operation_id: &'static str,
    /// Request body or which response.
    pub placement: Placement,
    /// The file under `crates/spec/doc-examples/`.
    pub file: &'static str,
    /// The JSON text.
    pub json: &'static str,
}

impl DocExample {
    /// The example parsed as JSON.
    ///
    /// # Panics
    /// Never for the embedded examples: a test parses each of them.
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(self.json)
            .unwrap_or_else(|e| panic!("embedded example {} is not JSON: {e}", self.file))
    }

    /// The description written into the document: summary and provenance.
    pub fn description(&self) -> String {
        match self.provenance {
            Provenance::Verbatim(page) => {
                format!("Verbatim from Sitecore's docs page \"{page}\".")
            }
            Provenance::ShapedAfter(page) => format!(
                "Shaped after Sitecore's docs page \"{page}\": the same members, types and quirks, our own values."
            ),
            Provenance::Designed => {
                "Designed by this contract: the docs publish no such body.".to_string()
            }
        }
    }
}

macro_rules! doc_example {
    ($name:literal, $summary:literal, $provenance:expr, $op:literal, $placement:expr, $file:literal) => {
        DocExample {
            name: $name,
            summary: $summary,
            provenance: $provenance,
            operation_id: $op,
            placement: $placement,
            file: $file,
            json: include_str!(concat!("../doc-examples/", $file)),
        }
    };
}

const CREATE: &str = "Create a connection";
const LIST: &str = "Retrieve connections";
const RETRIEVE: &str = "Retrieve a connection";
const UPDATE: &str = "Update a connection";
const TEST: &str = "Test a connection";

/// Every example, in document order.
pub const ALL: &[DocExample] = &[
    doc_example!(
        "connectToDataSystem",
        "Create a connection with the required attributes only",
        // The create page publishes the same body as the update page.
        Provenance::Verbatim(CREATE),
        "createConnection",
        Placement::Request,
        "update-a-connection.request.json"
    ),
    doc_example!(
        "created",
        "The created connection: no `revision`, no `description`",
        Provenance::ShapedAfter(CREATE),
        "createConnection",
        Placement::Response(201),
        "create-a-connection.response.json"
    ),
    doc_example!(
        "missingName",
        "A body without `name`",
        Provenance::Designed,
        "createConnection",
        Placement::Response(400),
        "error-400.json"
    ),
    doc_example!(
        "unauthorized",
        "No valid access token",
        Provenance::Designed,
        "createConnection",
        Placement::Response(401),
        "error-401.json"
    ),
    doc_example!(
        "oneOauthConnection",
        "One page holding an `OAUTH` connection",
        Provenance::ShapedAfter(LIST),
        "retrieveConnections",
        Placement::Response(200),
        "retrieve-connections.response.json"
    ),
    doc_example!(
        "weatherDataSystem",
        "The connection \"Weather Data System\"",
        Provenance::Verbatim(RETRIEVE),
        "retrieveConnection",
        Placement::Response(200),
        "retrieve-a-connection.response.json"
    ),
    doc_example!(
        "unknownRef",
        "No connection has this reference",
        Provenance::Designed,
        "retrieveConnection",
        Placement::Response(404),
        "error-404.json"
    ),
    doc_example!(
        "updateConnectionName",
        "Updating the connection name",
        Provenance::Verbatim(UPDATE),
        "updateConnection",
        Placement::Request,
        "update-a-connection.request.json"
    ),
    doc_example!(
        "updateConnectionName",
        "The updated connection: no `revision`, `description`, mappings, headers or URL parameters",
        Provenance::Verbatim(UPDATE),
        "updateConnection",
        Placement::Response(201),
        "update-a-connection.response.json"
    ),
    doc_example!(
        "smsDestination",
        "A connection as retrieved, with `{key}` placeholders and a `String` output mapping",
        Provenance::ShapedAfter(TEST),
        "testConnection",
        Placement::Request,
        "test-a-connection.request.json"
    ),
    doc_example!(
        "accepted",
        "The external service answered 202",
        Provenance::ShapedAfter(TEST),
        "testConnection",
        Placement::Response(200),
        "test-a-connection.response.json"
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_is_json_and_names_a_known_operation() {
        let operations = [
            "createConnection",
            "retrieveConnections",
            "retrieveConnection",
            "updateConnection",
            "testConnection",
        ];
        for example in ALL {
            assert!(
                operations.contains(&example.operation_id),
                "{}",
                example.file
            );
            assert!(
                serde_json::from_str::<serde_json::Value>(example.json).is_ok(),
                "{}",
                example.file
            );
        }
    }

    #[test]
    fn names_are_unique_per_media_type() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                let same_place = a.operation_id == b.operation_id && a.placement == b.placement;
                assert!(
                    !(same_place && a.name == b.name),
                    "duplicate example {}",
                    a.name
                );
            }
        }
    }

    #[test]
    fn descriptions_state_the_provenance() {
        let verbatim = ALL
            .iter()
            .find(|e| matches!(e.provenance, Provenance::Verbatim(_)))
            .unwrap();
        assert!(
            verbatim
                .description()
                .starts_with("Verbatim from Sitecore's docs page")
        );
        let designed = ALL
            .iter()
            .find(|e| e.provenance == Provenance::Designed)
            .unwrap();
        assert!(designed.description().contains("publish no such body"));
    }
}
