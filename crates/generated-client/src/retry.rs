//! Retrying requests that may be sent again: exponential backoff with full
//! jitter, `Retry-After`, and the statuses and failures worth retrying.
//!
//! Only the operations that can be repeated without changing the outcome
//! (`retrieveConnections`, `retrieveConnection`, `updateConnection`, which is
//! a `PUT`) are retried after any retryable failure; `createConnection`
//! never is, because a create whose answer was lost may already have
//! created the connection. `testConnection` makes the server call a third
//! party (an SMS gateway, say), so it is retried only when the server says
//! it did not act (429, 503), never after a lost answer. The token request
//! is retried under the same policy as reads: asking for a token twice is
//! harmless.

use std::{
    hash::{BuildHasher, Hasher},
    time::{Duration, SystemTime},
};

use reqwest::{StatusCode, header::RETRY_AFTER};

/// How a client retries idempotent requests that failed for a passing
/// reason: `503 Service Unavailable`, `429 Too Many Requests`, or a request
/// that got no answer (connection refused or reset, timeout).
///
/// The delay before retry *n* (1-based) is drawn uniformly from
/// `0 ..= min(max_delay, base_delay × 2^(n-1))` ("full jitter"), so many
/// clients that failed together do not come back together. When the server
/// sends `Retry-After` (seconds or an HTTP date), the client waits exactly
/// that long instead; a `Retry-After` longer than `max_delay` ends the
/// retries and the response is returned, so a call never sleeps longer than
/// `max_delay` at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts in all, 250 ms base delay, 30 s at most between two.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy of `max_attempts` attempts in all (the first one included;
    /// `1` means no retry), with the given base and maximum delays.
    pub fn new(max_attempts: u32, base_delay: Duration, max_delay: Duration) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            base_delay,
            max_delay,
        }
    }

    /// No retries: every request is sent once.
    pub fn disabled() -> Self {
        Self::new(1, Duration::ZERO, Duration::ZERO)
    }

    /// The same policy with `max_attempts` attempts in all (at least 1).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// The same policy with another base delay.
    pub fn with_base_delay(mut self, base_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self
    }

    /// The same policy with another maximum delay.
    pub fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// How many attempts a request gets in all, the first one included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay the backoff starts from.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The longest the client waits between two attempts.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// Whether requests are ever retried.
    pub fn is_enabled(&self) -> bool {
        self.max_attempts > 1
    }

    /// The upper bound of the jittered delay before retry `retry` (1-based).
    fn backoff_cap(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// What to do after attempt `attempt` (1-based) failed for a retryable
    /// reason: wait this long and try again, or give up.
    fn decide(&self, attempt: u32, retry_after: Option<Duration>) -> Decision {
        if attempt >= self.max_attempts {
            return Decision::GiveUp("no attempts left");
        }
        match retry_after {
            Some(wait) if wait > self.max_delay => {
                Decision::GiveUp("Retry-After is longer than the maximum delay")
            }
            Some(wait) => Decision::Wait(wait),
            None => Decision::Wait(full_jitter(self.backoff_cap(attempt))),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Wait(Duration),
    GiveUp(&'static str),
}

/// A delay drawn uniformly from `0 ..= cap`.
///
/// Jitter only has to decorrelate clients, not resist prediction, so the
/// standard library's randomly keyed hasher is the source: every
/// `RandomState` gets fresh keys (seeded from the operating system once per
/// thread), which avoids a random-number dependency for one number.
fn full_jitter(cap: Duration) -> Duration {
    let cap_nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
    if cap_nanos == 0 {
        return Duration::ZERO;
    }
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    Duration::from_nanos(hasher.finish() % cap_nanos.saturating_add(1))
}

/// The wait a response's `Retry-After` asks for: delay-seconds or an HTTP
/// date (a date in the past means "now"). `None` when absent or unreadable.
pub(crate) fn retry_after(
    headers: &reqwest::header::HeaderMap,
    now: SystemTime,
) -> Option<Duration> {
    parse_retry_after(headers.get(RETRY_AFTER)?.to_str().ok()?, now)
}

/// The wait a `Retry-After` value asks for at `now`: delay-seconds or an
/// HTTP date (a date in the past means "now"); `None` when unreadable.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is RFC 2822 syntax.
    let date: SystemTime = chrono::DateTime::parse_from_rfc2822(value).ok()?.into();
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// After which failures an operation may be sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RetryRule {
    /// Never (`createConnection`).
    Never,
    /// Only when the server answered that it did not act: 429 or 503
    /// (`testConnection`, whose side effect is outside the server).
    WhenRefused,
    /// On 429, 503 and a request that got no answer (reads, `PUT`, the
    /// token request).
    WhenRefusedOrUnanswered,
}

impl RetryRule {
    /// The rule of an operation; an operation the client does not know is
    /// never retried.
    pub(crate) fn of(operation: Option<crate::Operation>) -> Self {
        use crate::Operation;
        match operation {
            Some(
                Operation::RetrieveConnections
                | Operation::RetrieveConnection
                | Operation::UpdateConnection,
            ) => Self::WhenRefusedOrUnanswered,
            Some(Operation::TestConnection) => Self::WhenRefused,
            Some(Operation::CreateConnection) | None => Self::Never,
        }
    }
}

/// Why an attempt is worth repeating.
#[derive(Debug)]
struct RetryReason {
    description: String,
    retry_after: Option<Duration>,
}

impl RetryReason {
    fn of(result: &reqwest::Result<reqwest::Response>, rule: RetryRule) -> Option<Self> {
        match result {
            _ if rule == RetryRule::Never => None,
            Ok(response) => {
                let status = response.status();
                if status == StatusCode::SERVICE_UNAVAILABLE
                    || status == StatusCode::TOO_MANY_REQUESTS
                {
                    Some(Self {
                        description: status.to_string(),
                        retry_after: retry_after(response.headers(), SystemTime::now()),
                    })
                } else {
                    None
                }
            }
            // No answer came back: refused, reset, timed out. (`is_request`
            // covers every failure to send or to receive the head.)
            Err(error)
                if rule == RetryRule::WhenRefusedOrUnanswered
                    && (error.is_connect() || error.is_timeout() || error.is_request()) =>
            {
                Some(Self {
                    description: crate::error::error_chain(error),
                    retry_after: None,
                })
            }
            Err(_) => None,
        }
    }
}

/// Sends `request` with `http`, repeating it under `policy` while it fails
/// for a reason `rule` retries; returns the last outcome. `operation` names the
/// request in the log. Each retry is logged at `WARN` with the operation,
/// the attempt that failed, the reason and the delay.
pub(crate) async fn send(
    http: &reqwest::Client,
    mut request: reqwest::Request,
    policy: &RetryPolicy,
    rule: RetryRule,
    operation: &str,
) -> reqwest::Result<reqwest::Response> {
    let mut attempt = 1u32;
    loop {
        // A body that cannot be cloned (a stream) cannot be sent twice.
        let next = if attempt < policy.max_attempts {
            request.try_clone()
        } else {
            None
        };
        let result = http.execute(request).await;
        let Some(next) = next else {
            return result;
        };
        let Some(reason) = RetryReason::of(&result, rule) else {
            return result;
        };
        match policy.decide(attempt, reason.retry_after) {
            Decision::Wait(delay) => {
                tracing::warn!(
                    operation,
                    attempt,
                    reason = %reason.description,
                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "retrying"
                );
                drop(result);
                tokio::time::sleep(delay).await;
                request = next;
                attempt += 1;
            }
            Decision::GiveUp(why) => {
                tracing::warn!(
                    operation,
                    attempt,
                    reason = %reason.description,
                    "not retrying: {why}"
                );
                return result;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_maximum() {
        let policy = RetryPolicy::new(10, Duration::from_millis(100), Duration::from_secs(1));
        let caps: Vec<u128> = (1..=6).map(|n| policy.backoff_cap(n).as_millis()).collect();
        assert_eq!(caps, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(
            policy.backoff_cap(200),
            Duration::from_secs(1),
            "no overflow"
        );
    }

    #[test]
    fn jittered_delays_stay_within_the_cap_and_vary() {
        let cap = Duration::from_millis(400);
        let delays: Vec<Duration> = (0..200).map(|_| full_jitter(cap)).collect();
        assert!(delays.iter().all(|d| *d <= cap));
        let distinct: std::collections::HashSet<_> = delays.iter().collect();
        assert!(
            distinct.len() > 150,
            "only {} distinct delays",
            distinct.len()
        );
        assert_eq!(full_jitter(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn each_operation_has_its_retry_rule() {
        use crate::Operation;
        assert_eq!(
            RetryRule::of(Some(Operation::CreateConnection)),
            RetryRule::Never
        );
        assert_eq!(
            RetryRule::of(Some(Operation::TestConnection)),
            RetryRule::WhenRefused
        );
        for read_or_put in [
            Operation::RetrieveConnections,
            Operation::RetrieveConnection,
            Operation::UpdateConnection,
        ] {
            assert_eq!(
                RetryRule::of(Some(read_or_put)),
                RetryRule::WhenRefusedOrUnanswered
            );
        }
        assert_eq!(RetryRule::of(None), RetryRule::Never);
    }

    #[test]
    fn the_last_attempt_gives_up() {
        let policy = RetryPolicy::new(3, Duration::from_millis(10), Duration::from_secs(1));
        assert!(matches!(policy.decide(1, None), Decision::Wait(_)));
        assert!(matches!(policy.decide(2, None), Decision::Wait(_)));
        assert!(matches!(policy.decide(3, None), Decision::GiveUp(_)));
        assert!(matches!(
            RetryPolicy::disabled().decide(1, None),
            Decision::GiveUp(_)
        ));
        assert!(!RetryPolicy::disabled().is_enabled());
        assert_eq!(
            RetryPolicy::new(0, Duration::ZERO, Duration::ZERO).max_attempts(),
            1
        );
    }

    #[test]
    fn retry_after_is_waited_exactly_unless_too_long() {
        let policy = RetryPolicy::new(3, Duration::from_millis(10), Duration::from_secs(5));
        assert_eq!(
            policy.decide(1, Some(Duration::from_secs(2))),
            Decision::Wait(Duration::from_secs(2))
        );
        assert!(matches!(
            policy.decide(1, Some(Duration::from_secs(6))),
            Decision::GiveUp(_)
        ));
    }

    fn headers(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            retry_after(&headers("3"), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(retry_after(&headers(" 0 "), now), Some(Duration::ZERO));
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:49:42 GMT"), now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:49:00 GMT"), now),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&headers("-1"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
