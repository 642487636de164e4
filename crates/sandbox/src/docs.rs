//! The contract document and a readable reference page, served offline.

use axum::{
    http::{HeaderValue, header},
    response::{IntoResponse, Redirect, Response},
};

/// The committed OpenAPI 3.1 document, JSON.
pub const OPENAPI_JSON: &str = connections_openapi::COMMITTED_DOCUMENT;
/// The committed OpenAPI 3.1 document, YAML.
pub const OPENAPI_YAML: &str = include_str!("../../../openapi/connections.yaml");
/// The committed HTML reference of the document.
pub const REFERENCE_HTML: &str = include_str!("../../../openapi/connections.html");
/// The section about the sandbox's own endpoints, added to the reference.
pub const SANDBOX_SECTION_HTML: &str = include_str!("sandbox-section.html");

/// The reference page with the sandbox section inserted before `</body>`
/// (appended when the page has no `</body>`).
pub fn reference_page() -> String {
    let lower = REFERENCE_HTML.to_ascii_lowercase();
    match lower.rfind("</body>") {
        Some(at) => format!(
            "{}{}{}",
            &REFERENCE_HTML[..at],
            SANDBOX_SECTION_HTML,
            &REFERENCE_HTML[at..]
        ),
        None => format!("{REFERENCE_HTML}{SANDBOX_SECTION_HTML}"),
    }
}

fn typed(content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let mut response = Response::new(body.into());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// `GET /openapi.json`.
pub async fn openapi_json() -> Response {
    typed("application/json", OPENAPI_JSON)
}

/// `GET /openapi.yaml`.
pub async fn openapi_yaml() -> Response {
    typed("application/yaml; charset=utf-8", OPENAPI_YAML)
}

/// `GET /docs`.
pub async fn docs_page(
    axum::extract::State(state): axum::extract::State<crate::app::AppState>,
) -> Response {
    typed("text/html; charset=utf-8", state.docs_page().to_string())
}

/// `GET /`: to the reference.
pub async fn root() -> impl IntoResponse {
    Redirect::to("/docs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_section_sits_inside_the_body() {
        let page = reference_page();
        let section = page.find("id=\"sandbox\"").unwrap();
        let end = page.to_ascii_lowercase().rfind("</body>").unwrap();
        assert!(section < end);
        assert!(page.contains("/oauth/token") && page.contains("/sandbox/faults"));
        for operation in [
            "createConnection",
            "retrieveConnections",
            "retrieveConnection",
            "updateConnection",
            "testConnection",
        ] {
            assert!(page.contains(operation), "{operation}");
        }
    }
}
