//! The benchmark's yardstick: a bare axum handler answering
//! `GET /v2/connections/{connectionRef}` with the retrieve example's fixed
//! bytes (no store, no token check, no log). `cargo xtask bench --part sandbox`
//! measures the sandbox against it.
//!
//! Usage: `bare_handler [ADDRESS]` (default `127.0.0.1:0`); the first
//! stdout line is `listening on http://ADDRESS`.

use std::io::Write;

use axum::{Router, http::header, routing::get};

const BODY: &str = include_str!("../../spec/doc-examples/retrieve-a-connection.response.json");

fn main() -> anyhow::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_string());
    tokio::runtime::Runtime::new()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&address).await?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{}", listener.local_addr()?)?;
        out.flush()?;
        drop(out);
        let router = Router::new().route(
            "/v2/connections/{connectionRef}",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], BODY) }),
        );
        axum::serve(listener, router).await?;
        Ok(())
    })
}
