//! Testing a connection: sending its request to the external service.
//!
//! The request is built from the connection as the Sitecore UI would send
//! it: the method, the URL with the URL parameters appended (query-encoded),
//! the custom headers, the body, each with its placeholders filled
//! ([`crate::placeholders`]), and for `OAUTH` a bearer token fetched first
//! with the client-credentials grant. `connectionTimeout` bounds connecting
//! (name resolution included) and `socketTimeout` bounds each wait for data.
//!
//! Safety: every host is resolved by the sandbox and checked against
//! [`crate::address_policy`] before anything is sent, and the HTTP client
//! is pinned to exactly the checked addresses (no second lookup, so no
//! DNS-rebinding window; no proxy). Redirects are not followed: the 3xx is
//! the result. The response body is read up to [`RESPONSE_BODY_LIMIT`].
//!
//! Every failure to get an answer (refused, timed out, refused by the
//! policy, not HTTP) is a result with `statusCode: null` and an `error`.

use std::{
    collections::BTreeMap,
    net::{IpAddr, SocketAddr},
    time::{Duration, Instant},
};

use connections_spec::{
    Auth, ConnectionInput, ConnectionTestResult, NameValue, TestedRequest, TestedResponse,
};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use url::{Host, Url};

use crate::{address_policy, placeholders::Placeholders};

/// How much of the external service's response body a result carries.
pub const RESPONSE_BODY_LIMIT: usize = 64 * 1024;
/// `connectionTimeout` and `socketTimeout` when the connection has none.
pub const DEFAULT_TIMEOUT_MS: u32 = 1000;
/// The longest `connectionTimeout`/`socketTimeout` honoured; `0` (which
/// some clients use for "no limit") also means this.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(120);
/// The longest a whole test may take, token request included.
pub const TOTAL_LIMIT: Duration = Duration::from_secs(300);

/// What the reported request shows instead of a bearer token.
const REDACTED_BEARER: &str = "Bearer [redacted]";

/// Where connection tests may send requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Allow loopback, private and other internal addresses (for tests
    /// against local services). Off by default.
    pub allow_private_targets: bool,
    /// Refuse every target but loopback addresses, without resolving any
    /// name but `localhost`: for CI runs and fuzzers, whose generated URLs
    /// must never leave the machine. Off by default.
    pub loopback_only: bool,
}

/// Sends the connection's request and reports what happened.
///
/// `stored_secret` is the OAuth client secret of the saved connection the
/// body names, used when the body carries none (secrets are write-only, so
/// a connection "as retrieved" has none).
pub async fn test_connection(
    connection: &ConnectionInput,
    stored_secret: Option<String>,
    policy: OutboundPolicy,
) -> ConnectionTestResult {
    let started = Instant::now();
    let placeholders =
        Placeholders::from_mappings(connection.input_mappings.as_deref().unwrap_or_default());
    let plan = Plan::new(connection, &placeholders);
    let mut reported = plan.reported_request();
    let outcome = plan
        .send(connection, stored_secret, policy, &mut reported)
        .await;
    let elapsed = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match outcome {
        Ok((status, response, error)) => ConnectionTestResult {
            status_code: Some(status),
            execution_time_in_milliseconds: elapsed,
            request: reported,
            response: Some(response),
            error,
        },
        Err(error) => ConnectionTestResult {
            status_code: None,
            execution_time_in_milliseconds: elapsed,
            request: reported,
            response: None,
            error: Some(error),
        },
    }
}

/// The URL a test of `connection` sends its request (and the bearer token
/// it fetched) to: placeholders filled, URL parameters appended.
pub fn target_url(connection: &ConnectionInput) -> String {
    let placeholders =
        Placeholders::from_mappings(connection.input_mappings.as_deref().unwrap_or_default());
    Plan::url(connection, &placeholders)
}

/// The request a connection describes, placeholders filled.
struct Plan {
    method: &'static str,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    connect_timeout: Duration,
    read_timeout: Duration,
}

impl Plan {
    fn new(connection: &ConnectionInput, placeholders: &Placeholders) -> Self {
        Self {
            method: connection.request.request_type.as_str(),
            url: Self::url(connection, placeholders),
            headers: connection
                .custom_headers
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|h| (h.name.clone(), placeholders.fill(&h.value)))
                .collect(),
            body: connection
                .request
                .request_body
                .as_deref()
                .filter(|b| !b.is_empty())
                .map(|b| placeholders.fill(b)),
            connect_timeout: timeout(connection.connection_timeout),
            read_timeout: timeout(connection.socket_timeout),
        }
    }

    fn url(connection: &ConnectionInput, placeholders: &Placeholders) -> String {
        let mut url = placeholders.fill(&connection.request.connection_url);
        let parameters = connection.url_parameters.as_deref().unwrap_or_default();
        if !parameters.is_empty() {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for NameValue { name, value } in parameters {
                query.append_pair(name, &placeholders.fill(value));
            }
            let separator = match url.find('?') {
                None => "?",
                Some(_) if url.ends_with('?') || url.ends_with('&') => "",
                Some(_) => "&",
            };
            url = format!("{url}{separator}{}", query.finish());
        }
        url
    }

    fn reported_request(&self) -> TestedRequest {
        let mut headers = BTreeMap::new();
        for (name, value) in &self.headers {
            headers
                .entry(name.clone())
                .and_modify(|v: &mut String| {
                    v.push_str(", ");
                    v.push_str(value)
                })
                .or_insert_with(|| value.clone());
        }
        TestedRequest {
            headers,
            method: Some(self.method.to_string()),
            url: Some(self.url.clone()),
            body: self.body.clone(),
        }
    }

    /// Sends the request: `Ok((status, response, error))` once an answer
    /// came (error: the body could not be read to the end), `Err` when none.
    async fn send(
        &self,
        connection: &ConnectionInput,
        stored_secret: Option<String>,
        policy: OutboundPolicy,
        reported: &mut TestedRequest,
    ) -> Result<(u16, TestedResponse, Option<String>), String> {
        let url = http_url(&self.url, "connectionUrl")?;
        let headers = header_map(&self.headers, "custom header")?;
        let method = reqwest::Method::from_bytes(self.method.as_bytes())
            .map_err(|e| format!("bad method {}: {e}", self.method))?;

        let mut pins = vec![resolve_checked(&url, policy, self.connect_timeout).await?];
        // What no answer shown to the caller may hold: the secret and the
        // token it buys (an endpoint may echo them).
        let mut hidden = Hidden::default();
        let token_request = match &connection.auth {
            Auth::None => None,
            Auth::OAuth {
                client_id,
                client_secret,
                access_token_url,
                use_mutual_tls,
                oauth_custom_headers,
                form_url_encoded_items,
            } => {
                if use_mutual_tls == &Some(true) {
                    return Err(
                        "the connection asks for mutual TLS (useMutualTls), which the \
                                sandbox cannot present: it has no client certificate"
                            .to_string(),
                    );
                }
                let token_url = http_url(access_token_url, "accessTokenUrl")?;
                pins.push(resolve_checked(&token_url, policy, self.connect_timeout).await?);
                let mut form = vec![
                    ("grant_type".to_string(), "client_credentials".to_string()),
                    ("client_id".to_string(), client_id.clone()),
                ];
                if let Some(secret) = client_secret.clone().or(stored_secret) {
                    hidden.add(&secret);
                    form.push(("client_secret".to_string(), secret));
                }
                for item in form_url_encoded_items.as_deref().unwrap_or_default() {
                    form.push((item.name.clone(), item.value.clone()));
                }
                let token_headers: Vec<_> = oauth_custom_headers
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .map(|h| (h.name.clone(), h.value.clone()))
                    .collect();
                Some((
                    token_url,
                    header_map(&token_headers, "OAuth custom header")?,
                    form,
                ))
            }
        };

        let client = self.client(&pins)?;
        let mut headers = headers;
        if let Some((token_url, token_headers, form)) = token_request {
            let token =
                fetch_token(&client, token_url, token_headers, &form, self, &hidden).await?;
            hidden.add(&token);
            let mut bearer = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| "the access token cannot be sent in a header".to_string())?;
            bearer.set_sensitive(true);
            headers.insert(AUTHORIZATION, bearer);
            reported
                .headers
                .insert("Authorization".to_string(), REDACTED_BEARER.to_string());
        }

        let mut request = client.request(method, url).headers(headers);
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        let response = request
            .send()
            .await
            .map_err(|e| describe(&e, self, "the request"))?;
        let status = response.status().as_u16();
        let headers = response_headers(response.headers())
            .into_iter()
            .map(|(name, value)| (name, hidden.apply(&value)))
            .collect();
        let (body, truncated, error) = read_capped(response, self, &hidden).await;
        Ok((
            status,
            TestedResponse {
                headers,
                body: Some(body),
                truncated: Some(truncated),
            },
            error,
        ))
    }

    fn client(&self, pins: &[(String, Vec<SocketAddr>)]) -> Result<reqwest::Client, String> {
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .timeout(TOTAL_LIMIT)
            .dns_resolver(std::sync::Arc::new(RefuseUnpinned));
        for (domain, addresses) in pins {
            if !domain.is_empty() {
                builder = builder.resolve_to_addrs(domain, addresses);
            }
        }
        builder
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))
    }
}

/// Fetches a client-credentials access token.
async fn fetch_token(
    client: &reqwest::Client,
    token_url: Url,
    headers: HeaderMap,
    form: &[(String, String)],
    plan: &Plan,
    hidden: &Hidden,
) -> Result<String, String> {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let response = client
        .post(token_url.clone())
        .headers(headers)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .map_err(|e| describe(&e, plan, "the token request"))?;
    let status = response.status();
    let (text, _, error) = read_capped(response, plan, hidden).await;
    if let Some(error) = error {
        return Err(format!(
            "the token endpoint's answer could not be read: {error}"
        ));
    }
    if !status.is_success() {
        return Err(format!(
            "the token endpoint {token_url} answered {status}: {}",
            shorten(&text)
        ));
    }
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("access_token")?.as_str().map(str::to_string))
        .ok_or_else(|| {
            format!(
                "the token endpoint {token_url} answered without an access_token: {}",
                shorten(&text)
            )
        })
}

/// Values no text shown to the caller may hold, in each spelling an
/// echo may give them (as written, form-encoded, JSON-escaped).
#[derive(Debug, Default)]
struct Hidden {
    spellings: Vec<String>,
}

impl Hidden {
    fn add(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        let form: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let json = serde_json::Value::from(value).to_string();
        self.spellings.extend([
            value.to_string(),
            form.replace('+', "%20"),
            form,
            json[1..json.len() - 1].to_string(),
        ]);
        self.spellings.sort_by_key(|s| std::cmp::Reverse(s.len()));
        self.spellings.dedup();
    }

    /// `text` with every hidden value replaced by `[redacted]`.
    fn apply(&self, text: &str) -> String {
        self.spellings
            .iter()
            .fold(text.to_string(), |text, spelled| {
                text.replace(spelled, "[redacted]")
            })
    }

    /// The longest spelling: how far past a cut a hidden value may reach.
    fn reach(&self) -> usize {
        self.spellings.first().map_or(0, String::len)
    }
}

/// Reads at most [`RESPONSE_BODY_LIMIT`] bytes of text, hidden values
/// redacted before the cut (so none is shown in part): (text, truncated,
/// error).
async fn read_capped(
    mut response: reqwest::Response,
    plan: &Plan,
    hidden: &Hidden,
) -> (String, bool, Option<String>) {
    let cap = RESPONSE_BODY_LIMIT + hidden.reach();
    let mut bytes = Vec::new();
    let mut truncated = false;
    let mut error = None;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = cap - bytes.len();
                if chunk.len() > room {
                    bytes.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                error = Some(describe(&e, plan, "reading the response body"));
                break;
            }
        }
    }
    let mut text = hidden.apply(&String::from_utf8_lossy(&bytes));
    if text.len() > RESPONSE_BODY_LIMIT {
        let mut end = RESPONSE_BODY_LIMIT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        truncated = true;
    }
    (text, truncated, error)
}

fn timeout(milliseconds: Option<u32>) -> Duration {
    match milliseconds.unwrap_or(DEFAULT_TIMEOUT_MS) {
        0 => MAX_TIMEOUT,
        ms => Duration::from_millis(ms.into()).min(MAX_TIMEOUT),
    }
}

fn http_url(text: &str, field: &str) -> Result<Url, String> {
    let url =
        Url::parse(text).map_err(|e| format!("{field} `{text}` is not an absolute URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("{field} `{text}` is not an http or https URL"));
    }
    Ok(url)
}

fn header_map(headers: &[(String, String)], what: &str) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let header_name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("{what} name `{name}` is not a valid HTTP header name"))?;
        let header_value = HeaderValue::from_str(value)
            .map_err(|_| format!("{what} `{name}` has a value that cannot be sent in a header"))?;
        map.append(header_name, header_value);
    }
    Ok(map)
}

/// Resolves the URL's host and checks every address against the policy:
/// (domain to pin, addresses). IP literals are checked as they stand.
async fn resolve_checked(
    url: &Url,
    policy: OutboundPolicy,
    within: Duration,
) -> Result<(String, Vec<SocketAddr>), String> {
    let port = url.port_or_known_default().unwrap_or(80);
    if policy.loopback_only
        && let Some(Host::Domain(domain)) = url.host()
        && !domain.eq_ignore_ascii_case("localhost")
    {
        return Err(format!(
            "refused by the sandbox's outbound policy: only loopback targets are allowed \
             (--loopback-only-targets), and {domain} is not resolved"
        ));
    }
    let (domain, addresses) = match url.host() {
        Some(Host::Ipv4(ip)) => (String::new(), vec![SocketAddr::new(IpAddr::V4(ip), port)]),
        Some(Host::Ipv6(ip)) => (String::new(), vec![SocketAddr::new(IpAddr::V6(ip), port)]),
        Some(Host::Domain(domain)) => {
            let lookup = tokio::net::lookup_host((domain, port));
            let addresses: Vec<SocketAddr> = tokio::time::timeout(within, lookup)
                .await
                .map_err(|_| {
                    format!(
                        "resolving {domain} timed out after {} ms (connectionTimeout)",
                        within.as_millis()
                    )
                })?
                .map_err(|e| format!("cannot resolve {domain}: {e}"))?
                .collect();
            if addresses.is_empty() {
                return Err(format!("{domain} resolves to no address"));
            }
            (domain.to_string(), addresses)
        }
        None => return Err(format!("{url} has no host")),
    };
    if policy.loopback_only {
        if let Some(address) = addresses.iter().find(|a| !a.ip().is_loopback()) {
            return Err(format!(
                "refused by the sandbox's outbound policy: only loopback targets are allowed \
                 (--loopback-only-targets), and {} is not one",
                address.ip()
            ));
        }
    } else if !policy.allow_private_targets {
        for address in &addresses {
            if let Some(reason) = address_policy::refusal_reason(address.ip()) {
                let host = url.host_str().unwrap_or_default();
                return Err(format!(
                    "refused by the sandbox's outbound policy: {host} is a {reason} address ({}); \
                     start the sandbox with --allow-private-targets to test local services",
                    address.ip()
                ));
            }
        }
    }
    Ok((domain, addresses))
}

/// A resolver that answers nothing: every host the client may contact is
/// pinned to checked addresses, so any other lookup is a bug to refuse.
struct RefuseUnpinned;

impl reqwest::dns::Resolve for RefuseUnpinned {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let message = format!("{} was not checked by the outbound policy", name.as_str());
        Box::pin(async move { Err(message.into()) })
    }
}

fn response_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        map.entry(name.as_str().to_string())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value)
            })
            .or_insert(value);
    }
    map
}

/// A reqwest error as one clear sentence, with its causes.
fn describe(error: &reqwest::Error, plan: &Plan, what: &str) -> String {
    if error.is_timeout() {
        return if error.is_connect() {
            format!(
                "{what} timed out connecting after {} ms (connectionTimeout)",
                plan.connect_timeout.as_millis()
            )
        } else {
            format!(
                "{what} timed out: no data for {} ms (socketTimeout)",
                plan.read_timeout.as_millis()
            )
        };
    }
    let mut message = format!("{what} failed");
    let mut source: Option<&dyn std::error::Error> = Some(error);
    let mut last = String::new();
    while let Some(cause) = source {
        let text = cause.to_string();
        if text != last && !last.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        last = text;
        source = cause.source();
    }
    message
}

fn shorten(text: &str) -> String {
    const KEEP: usize = 200;
    match text.char_indices().nth(KEEP) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connections_spec::{InputMapping, MappingType, OutboundRequest, RequestType, SystemType};

    fn input(url: &str) -> ConnectionInput {
        serde_json::from_value(serde_json::json!({
            "name": "n", "auth": {"authType": "NONE"}, "systemType": "DATA_SYSTEM",
            "request": {"requestType": "GET", "connectionUrl": url}
        }))
        .unwrap()
    }

    #[test]
    fn the_plan_fills_placeholders_and_appends_parameters() {
        let mut c = input("https://api.example/${city}/weather?units=metric");
        c.request = OutboundRequest {
            request_type: RequestType::Post,
            connection_url: c.request.connection_url.clone(),
            request_body: Some("{\"to\":\"{sms}\",\"city\":\"${city}\"}".into()),
        };
        c.input_mappings = Some(vec![InputMapping {
            label: "City".into(),
            key: "city".into(),
            value_type: MappingType::String,
            example_value: "Den Haag".into(),
            mapping: String::new(),
        }]);
        c.url_parameters = Some(vec![NameValue {
            name: "q".into(),
            value: "${city} & co".into(),
        }]);
        c.custom_headers = Some(vec![NameValue {
            name: "X-City".into(),
            value: "{city}".into(),
        }]);
        c.socket_timeout = Some(0);
        c.system_type = SystemType::Destination;
        let plan = Plan::new(
            &c,
            &Placeholders::from_mappings(c.input_mappings.as_deref().unwrap()),
        );
        assert_eq!(plan.method, "POST");
        assert_eq!(
            plan.url,
            "https://api.example/Den Haag/weather?units=metric&q=Den+Haag+%26+co"
        );
        assert_eq!(
            plan.headers,
            [("X-City".to_string(), "Den Haag".to_string())]
        );
        assert_eq!(
            plan.body.as_deref(),
            Some("{\"to\":\"{sms}\",\"city\":\"Den Haag\"}")
        );
        assert_eq!(plan.connect_timeout, Duration::from_millis(1000));
        assert_eq!(plan.read_timeout, MAX_TIMEOUT);
    }

    #[tokio::test]
    async fn unusable_urls_and_headers_are_results_not_panics() {
        let result = test_connection(&input("<baseURL>/x"), None, OutboundPolicy::default()).await;
        assert_eq!(result.status_code, None);
        assert!(result.error.unwrap().contains("not an absolute URL"));

        let result = test_connection(&input("ftp://host/x"), None, OutboundPolicy::default()).await;
        assert!(result.error.unwrap().contains("not an http or https URL"));

        let mut c = input("http://127.0.0.1:9/");
        c.custom_headers = Some(vec![NameValue {
            name: "Bad Header".into(),
            value: "v".into(),
        }]);
        let result = test_connection(&c, None, OutboundPolicy::default()).await;
        assert!(
            result
                .error
                .unwrap()
                .contains("not a valid HTTP header name")
        );
    }

    #[tokio::test]
    async fn internal_targets_are_refused_before_any_connection() {
        for url in [
            "http://127.0.0.1:9/",
            "http://[::1]:9/",
            "http://169.254.169.254/latest/meta-data/",
            "http://localhost:9/",
        ] {
            let result = test_connection(&input(url), None, OutboundPolicy::default()).await;
            assert_eq!(result.status_code, None, "{url}");
            let error = result.error.unwrap();
            assert!(error.contains("outbound policy"), "{url}: {error}");
        }
    }
}
