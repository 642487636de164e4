//! The committed document and the reference page are served as they are.

use crate::common::{Raw, start, within};

#[tokio::test]
async fn the_document_and_the_reference_are_served() {
    let sandbox = start().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let get = |path: &str| http.get(format!("{}{path}", sandbox.base_url())).send();

    let json = within(get("/openapi.json")).await.unwrap();
    assert_eq!(json.headers()["content-type"], "application/json");
    assert_eq!(
        within(json.text()).await.unwrap(),
        include_str!("../../../../openapi/connections.json")
    );
    let yaml = within(get("/openapi.yaml")).await.unwrap();
    assert!(
        yaml.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/yaml")
    );
    assert_eq!(
        within(yaml.text()).await.unwrap(),
        include_str!("../../../../openapi/connections.yaml")
    );
    let docs = within(get("/docs")).await.unwrap();
    assert!(
        docs.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = within(docs.text()).await.unwrap();
    assert!(page.contains("createConnection") && page.contains("testConnection"));
    assert!(page.contains("id=\"sandbox\"") && page.contains("/oauth/token"));
    assert!(!page.contains("https://cdn"), "the page needs no CDN");

    // No token is needed for the documentation; an unknown path is a 404 ErrorBody.
    let raw = Raw::new(&sandbox);
    let missing = raw
        .call_with_auth("GET", "/nothing-here", None, None, None)
        .await;
    crate::common::assert_error(&missing, 404, "NOT_FOUND");
    within(sandbox.shutdown()).await.unwrap();
}
