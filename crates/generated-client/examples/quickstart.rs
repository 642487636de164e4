//! Creates a connection, then lists every connection: the README's quick
//! start.
//!
//! Configured like the other examples: `CONNECTIONS_BASE_URL` (or
//! `CONNECTIONS_REGION`: eu, us, ap, jpe), `CONNECTIONS_CLIENT_ID` and
//! `CONNECTIONS_CLIENT_SECRET` (the tenant's API key and secret), with
//! `CONNECTIONS_TOKEN_URL` for a token endpoint other than Sitecore's.
//! This creates a connection wherever it runs (the API has no delete).

use anyhow::Context;
use connections_client::{ConnectionsClientBuilder, types::ConnectionInput};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = ConnectionsClientBuilder::from_env()
        .context("cannot configure the client from the environment")?
        .build()?;

    let input: ConnectionInput = serde_json::from_value(serde_json::json!({
        "name": "Weather by city",
        "systemType": "DATA_SYSTEM",
        "auth": {"authType": "NONE"},
        "request": {
            "requestType": "GET",
            "connectionUrl": "https://api.example.com/weather?city={city}"
        }
    }))?;
    let created = client.create_connection(&input).await?.into_inner();
    println!("created {} ({})", created.ref_, created.name);

    let connections = client.all_connections().await?;
    for connection in &connections {
        println!("{}\t{}", connection.ref_, connection.name);
    }
    println!(
        "{} connection(s) at {}",
        connections.len(),
        client.base_url()
    );
    Ok(())
}
