//! Prints every connection of a tenant, following the pages of
//! `retrieveConnections`.
//!
//! Configured by environment variables:
//!
//! - `CONNECTIONS_BASE_URL` (or `CONNECTIONS_REGION`: eu, us, ap, jpe)
//! - `CONNECTIONS_CLIENT_ID` and `CONNECTIONS_CLIENT_SECRET` (the tenant's
//!   API key and secret), with `CONNECTIONS_TOKEN_URL` for a token endpoint
//!   other than Sitecore's; or `CONNECTIONS_TOKEN`, a fixed access token.
//!
//! ```text
//! CONNECTIONS_REGION=eu CONNECTIONS_CLIENT_ID=... CONNECTIONS_CLIENT_SECRET=... \
//!     cargo run -p connections-client --example list_connections
//! ```

use anyhow::Context;
use connections_client::{ConnectionsClientBuilder, types::Auth};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = ConnectionsClientBuilder::from_env()
        .context("cannot configure the client from the environment")?
        .build()?;
    let connections = client.all_connections().await?;
    for connection in &connections {
        let auth = match connection.auth {
            Auth::None(_) => "NONE",
            Auth::OAuth(_) => "OAUTH",
        };
        println!(
            "{}\t{}\t{}\t{}",
            connection.ref_, connection.system_type, auth, connection.name
        );
    }
    println!(
        "{} connection(s) at {}",
        connections.len(),
        client.base_url()
    );
    Ok(())
}
