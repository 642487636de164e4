//! Creates a connection from the documented example (the body of the
//! "update a connection" page), tests it, and prints the test result.
//!
//! Configured like `list_connections`: `CONNECTIONS_BASE_URL` (or
//! `CONNECTIONS_REGION`), and `CONNECTIONS_CLIENT_ID` with
//! `CONNECTIONS_CLIENT_SECRET` (plus `CONNECTIONS_TOKEN_URL` for a token
//! endpoint other than Sitecore's) or `CONNECTIONS_TOKEN`. An optional
//! argument replaces the example's `connectionUrl` (the URL the test calls).
//!
//! ```text
//! cargo run -p connections-client --example create_and_test -- http://127.0.0.1:9000/hook
//! ```
//!
//! This creates a connection in the tenant it runs against.

use anyhow::Context;
use connections_client::{ConnectionsClientBuilder, types};

/// The documented example body.
const EXAMPLE: &str = include_str!("../../spec/doc-examples/update-a-connection.request.json");

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = ConnectionsClientBuilder::from_env()
        .context("cannot configure the client from the environment")?
        .build()?;
    let mut input: types::ConnectionInput =
        serde_json::from_str(EXAMPLE).context("the documented example does not parse")?;
    if let Some(url) = std::env::args().nth(1) {
        input.request.connection_url = url;
    }

    let created = client.create_connection(&input).await?.into_inner();
    println!(
        "created {} ({}) at {}",
        created.ref_, created.name, created.href
    );

    // The retrieved connection is what the test operation expects.
    let retrieved = client
        .retrieve_connection(&created.ref_)
        .await?
        .into_inner();
    let connection: types::ConnectionInput =
        serde_json::from_value(serde_json::to_value(&retrieved)?)
            .context("the retrieved connection does not read as a connection input")?;
    let result = client
        .test_connection(&types::TestConnectionRequest { connection })
        .await?
        .into_inner();
    println!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}
