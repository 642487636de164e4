//! What every request of the generated [`Client`] goes through: the bearer
//! token is attached before it is sent, and idempotent operations are
//! retried.
//!
//! `cargo xtask regenerate` makes [`RequestPolicy`] the generated client's
//! inner value and requires the hooks below, so these rules hold for calls
//! made through [`ConnectionsClient`](crate::ConnectionsClient) and through
//! the generated [`Client`] alike.

use std::{
    future::Future,
    sync::{Arc, Mutex},
};

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::{
    StatusCode,
    header::{AUTHORIZATION, HeaderMap, HeaderValue},
};

use crate::{
    Client,
    auth::{BearerToken, TokenError, TokenProvider},
    error::Operation,
    retry::{self, RetryPolicy},
};

/// How the generated client authenticates and retries; its inner value.
///
/// [`RequestPolicy::default`] sends no `Authorization` header and retries
/// with [`RetryPolicy::default`]. A client made by
/// [`ConnectionsClient::builder`](crate::ConnectionsClient::builder) or
/// [`Client::with_bearer_token`] carries the credentials it was given.
#[derive(Clone, Debug, Default)]
pub struct RequestPolicy {
    pub(crate) token_source: TokenSource,
    pub(crate) retry: RetryPolicy,
}

impl RequestPolicy {
    /// The same policy with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The retry policy of idempotent operations.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }
}

/// Where the bearer token of a request comes from.
#[derive(Clone, Debug, Default)]
pub(crate) enum TokenSource {
    /// No `Authorization` header.
    #[default]
    None,
    /// A fixed access token, as the header value `Bearer <token>`.
    AccessToken(HeaderValue),
    /// Tokens fetched and renewed with client credentials.
    ClientCredentials(Arc<TokenProvider>),
}

impl TokenSource {
    /// The token the next request will carry, fetched if needed. `None`
    /// without credentials; the token of a fixed header has generation 0.
    pub(crate) async fn token(&self) -> Result<Option<BearerToken>, TokenError> {
        match self {
            TokenSource::None => Ok(None),
            TokenSource::AccessToken(header) => Ok(Some(BearerToken {
                header: header.clone(),
                generation: 0,
            })),
            TokenSource::ClientCredentials(provider) => provider.token().await.map(Some),
        }
    }

    /// The token provider, when tokens can be renewed.
    pub(crate) fn provider(&self) -> Option<&TokenProvider> {
        match self {
            TokenSource::ClientCredentials(provider) => Some(provider),
            _ => None,
        }
    }
}

/// The status and headers of an answer.
#[derive(Clone, Debug)]
pub(crate) struct ResponseHead {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
}

tokio::task_local! {
    /// Where `exec` notes the head of the last answer of an observed call.
    static LAST_RESPONSE: Arc<Mutex<Option<ResponseHead>>>;
}

/// Runs a call of the generated client and returns, beside its result, the
/// status and headers of the last answer it received. The generated code
/// drops them when an error body does not parse (an empty or HTML 503 from
/// a proxy, say); with them, the caller still reports the status.
pub(crate) async fn observing<F: Future>(call: F) -> (F::Output, Option<ResponseHead>) {
    let slot = Arc::new(Mutex::new(None));
    let output = LAST_RESPONSE.scope(slot.clone(), call).await;
    let head = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    (output, head)
}

impl ClientHooks<RequestPolicy> for Client {
    /// Attaches the bearer token. A token that cannot be obtained fails the
    /// call with [`Error::Custom`] holding the token error's message
    /// ([`ConnectionsClient`](crate::ConnectionsClient) obtains the token
    /// before the call and reports a typed error instead).
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let token = self
            .inner()
            .token_source
            .token()
            .await
            .map_err(|error| Error::Custom(error.to_string()))?;
        if let Some(token) = token {
            request.headers_mut().insert(AUTHORIZATION, token.header);
        }
        Ok(())
    }

    /// Sends the request under the client's [`RetryPolicy`] and the
    /// operation's retry rule (`retry::RetryRule`): reads and updates are retried,
    /// `testConnection` only after 429 or 503, `createConnection` is sent
    /// exactly once.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let operation = Operation::from_generated_id(info.operation_id);
        let rule = retry::RetryRule::of(operation);
        let name = operation.map_or(info.operation_id, Operation::as_str);
        let result = retry::send(self.client(), request, &self.inner().retry, rule, name).await;
        if let Ok(response) = &result {
            // Outside `observing`, there is no slot: nothing to note.
            let _ = LAST_RESPONSE.try_with(|slot| {
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(ResponseHead {
                    status: response.status(),
                    headers: response.headers().clone(),
                });
            });
        }
        result
    }
}
