//! [`ConnectionsClient`]: the five operations with token renewal, retries
//! and one error type.

use std::{future::Future, num::NonZeroU32};

use reqwest::{StatusCode, Url};

use crate::{
    Client, ClientInfo, ConnectionsClientBuilder, ResponseValue,
    error::{ConnectionsError, Operation},
    hooks, types,
};

/// The page size [`ConnectionsClient::all_connections`] asks for (the
/// contract's maximum).
const ALL_PAGE_SIZE: u32 = 100;

/// A client of the Connection API for services: tokens from client
/// credentials (cached, renewed before expiry and once on a 401), retries of
/// idempotent operations, and [`ConnectionsError`] for every failure.
///
/// Cheap to clone; clones share the connection pool and the token cache, so
/// one client can serve a whole service.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use connections_client::{ConnectionsClient, Region};
///
/// let client = ConnectionsClient::builder()
///     .region(Region::Eu)
///     .client_credentials("<API key>", "<API secret>")
///     .build()?;
/// for connection in client.all_connections().await? {
///     println!("{} {}", connection.ref_, connection.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ConnectionsClient {
    client: Client,
}

impl ConnectionsClient {
    /// A builder: choose the region or base URL and the credentials.
    pub fn builder() -> ConnectionsClientBuilder {
        ConnectionsClientBuilder::default()
    }

    /// Wraps a generated client (its inner [`RequestPolicy`](crate::RequestPolicy)
    /// decides authentication and retries).
    pub fn from_generated(client: Client) -> Self {
        Self { client }
    }

    /// The generated client, for calls without the renewal on 401 and the
    /// typed errors of this type (tokens and retries still apply).
    pub fn generated(&self) -> &Client {
        &self.client
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.client.baseurl()
    }

    /// `retrieveConnections`: one page of the tenant's connections.
    pub async fn retrieve_connections(
        &self,
        limit: Option<NonZeroU32>,
        offset: Option<i32>,
    ) -> Result<ResponseValue<types::ConnectionList>, ConnectionsError> {
        self.call(Operation::RetrieveConnections, || {
            self.client.retrieve_connections(limit, offset)
        })
        .await
    }

    /// `retrieveConnection`: the connection with reference `connection_ref`.
    pub async fn retrieve_connection(
        &self,
        connection_ref: &str,
    ) -> Result<ResponseValue<types::Connection>, ConnectionsError> {
        self.call(Operation::RetrieveConnection, || {
            self.client.retrieve_connection(connection_ref)
        })
        .await
    }

    /// `createConnection`. Never retried: a create whose answer was lost
    /// may have created the connection.
    pub async fn create_connection(
        &self,
        body: &types::ConnectionInput,
    ) -> Result<ResponseValue<types::Connection>, ConnectionsError> {
        self.call(Operation::CreateConnection, || {
            self.client.create_connection(body)
        })
        .await
    }

    /// `updateConnection`: replaces the writable fields of a connection.
    pub async fn update_connection(
        &self,
        connection_ref: &str,
        body: &types::ConnectionInput,
    ) -> Result<ResponseValue<types::Connection>, ConnectionsError> {
        self.call(Operation::UpdateConnection, || {
            self.client.update_connection(connection_ref, body)
        })
        .await
    }

    /// `testConnection`: sends the connection's request to the external
    /// service and reports what came back.
    pub async fn test_connection(
        &self,
        body: &types::TestConnectionRequest,
    ) -> Result<ResponseValue<types::ConnectionTestResult>, ConnectionsError> {
        self.call(Operation::TestConnection, || {
            self.client.test_connection(body)
        })
        .await
    }

    /// Every connection of the tenant, reading pages of 100 and following
    /// each page's `next` link until a page has none. A server that does
    /// not page (no `next`) answers in one request.
    pub async fn all_connections(&self) -> Result<Vec<types::Connection>, ConnectionsError> {
        let limit = NonZeroU32::new(ALL_PAGE_SIZE);
        let mut offset = 0i32;
        let mut connections = Vec::new();
        loop {
            let page = self
                .retrieve_connections(limit, Some(offset))
                .await?
                .into_inner();
            let received = i32::try_from(page.items.len()).unwrap_or(i32::MAX);
            connections.extend(page.items);
            let Some(next) = page.next else {
                return Ok(connections);
            };
            let next_offset = offset_of_link(&next.href, self.base_url())
                .unwrap_or(offset.saturating_add(received));
            if next_offset <= offset || received == 0 {
                return Err(ConnectionsError::PagingStalled {
                    operation: Operation::RetrieveConnections,
                    href: next.href,
                    offset: u64::try_from(offset).unwrap_or_default(),
                });
            }
            offset = next_offset;
        }
    }

    /// Runs one operation: gets the token first (so a token failure is a
    /// typed [`ConnectionsError::Token`]), calls the generated method (which
    /// retries what may be retried), and when the API answers 401 to a
    /// token from client credentials, retires that token and calls once
    /// more with a new one; a second 401 is returned.
    async fn call<T, F, Fut>(&self, operation: Operation, send: F) -> Result<T, ConnectionsError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, progenitor_client::Error<types::ErrorBody>>>,
    {
        let token_source = &self.client.inner().token_source;
        let mut renewed = false;
        loop {
            let token = token_source
                .token()
                .await
                .map_err(|error| ConnectionsError::Token { operation, error })?;
            let (result, head) = hooks::observing(send()).await;
            let error = match result {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if !renewed
                && error.status() == Some(StatusCode::UNAUTHORIZED)
                && let (Some(provider), Some(token)) = (token_source.provider(), token)
            {
                tracing::info!(
                    operation = operation.as_str(),
                    "the access token was refused (401): requesting a new one"
                );
                provider.retire(token.generation);
                renewed = true;
                continue;
            }
            return Err(ConnectionsError::from_generated(operation, error, head).await);
        }
    }
}

/// The `offset` query parameter of a page link (absolute, or relative to
/// the base URL).
fn offset_of_link(href: &str, base_url: &str) -> Option<i32> {
    let url = Url::parse(href)
        .or_else(|_| Url::parse(base_url).and_then(|base| base.join(href)))
        .ok()?;
    url.query_pairs()
        .find(|(name, _)| name == "offset")
        .and_then(|(_, value)| value.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_give_their_offset() {
        let base = "http://127.0.0.1:9";
        assert_eq!(
            offset_of_link(
                "http://127.0.0.1:9/v2/connections?offset=100&limit=100",
                base
            ),
            Some(100)
        );
        assert_eq!(
            offset_of_link("/v2/connections?limit=10&offset=20", base),
            Some(20)
        );
        assert_eq!(offset_of_link("<baseURL>/v2/connections", base), None);
        assert_eq!(offset_of_link("/v2/connections?offset=x", base), None);
    }
}
