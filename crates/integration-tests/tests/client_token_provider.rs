//! The public `TokenProvider` against the sandbox's `/oauth/token` on
//! 127.0.0.1: the token it returns is accepted by the API, it is fetched
//! once and then reused, and a wrong secret is a `TokenError` naming the
//! token URL and `invalid_client`, also after one refused request only.

use std::{future::Future, time::Duration};

use connections_client::{
    RetryPolicy, TokenError,
    auth::{ClientCredentials, TokenProvider},
};
use connections_sandbox::{RunningSandbox, Sandbox, SandboxConfig};

/// Fails the test after 30 s instead of hanging.
async fn within<F: Future>(body: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), body)
        .await
        .expect("the test finished in time")
}

fn token_url(sandbox: &RunningSandbox) -> reqwest::Url {
    format!("{}/oauth/token", sandbox.base_url())
        .parse()
        .unwrap()
}

fn provider(sandbox: &RunningSandbox, secret: &str) -> TokenProvider {
    let credentials = ClientCredentials::new(sandbox.client_id(), secret)
        .with_token_url(token_url(sandbox))
        .with_audience("https://api.sitecorecloud.io");
    TokenProvider::new(credentials, reqwest::Client::new()).with_retry(RetryPolicy::new(
        3,
        Duration::from_millis(10),
        Duration::from_secs(1),
    ))
}

#[tokio::test]
async fn the_token_is_accepted_by_the_api_and_fetched_once() {
    within(async {
        let sandbox = Sandbox::start(SandboxConfig::ephemeral()).await.unwrap();
        let provider = provider(&sandbox, sandbox.client_secret());
        assert_eq!(
            provider.credentials().token_url().as_str(),
            token_url(&sandbox).as_str()
        );

        let token = provider.access_token().await.unwrap();
        assert!(!token.secret().is_empty());
        assert_ne!(token.secret(), sandbox.token(), "a token of its own");
        assert!(!format!("{token:?}").contains(token.secret()));

        let listed = reqwest::Client::new()
            .get(format!("{}/v2/connections", sandbox.base_url()))
            .bearer_auth(token.secret())
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), reqwest::StatusCode::OK);

        let again = provider.access_token().await.unwrap();
        assert_eq!(again, token, "the cached token is reused");
        assert_eq!(sandbox.stats().tokens_issued, 1);
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_wrong_secret_names_the_token_url_and_invalid_client() {
    within(async {
        let sandbox = Sandbox::start(SandboxConfig::ephemeral()).await.unwrap();
        let provider = provider(&sandbox, "not-the-secret");

        let error = provider.access_token().await.unwrap_err();
        assert!(
            matches!(&error, TokenError::Rejected { status, error: Some(code), .. }
                if status.as_u16() == 401 && code == "invalid_client"),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.starts_with(&format!(
                "token request to {}: 401 invalid_client",
                token_url(&sandbox)
            )),
            "{message}"
        );
        assert!(!message.contains("not-the-secret"), "{message}");
        assert!(!format!("{provider:?}").contains("not-the-secret"));

        let stats = sandbox.stats();
        assert_eq!(stats.tokens_issued, 0);
        assert_eq!(
            stats.requests.get("POST /oauth/token").copied(),
            Some(1),
            "a refusal is not retried: {:?}",
            stats.requests
        );
        sandbox.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_token_url_is_named() {
    within(async {
        // A port that was free a moment ago: nothing listens there.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let url: reqwest::Url = format!("http://{address}/oauth/token").parse().unwrap();
        let provider = TokenProvider::new(
            ClientCredentials::new("id", "secret").with_token_url(url.clone()),
            reqwest::Client::new(),
        )
        .with_retry(RetryPolicy::disabled());

        let error = provider.access_token().await.unwrap_err();
        assert!(matches!(error, TokenError::Unreachable { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .starts_with(&format!("token request to {url} failed")),
            "{error}"
        );
    })
    .await;
}
