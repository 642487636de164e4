//! JSON pointers (RFC 6901): escaping one reference token, joining and
//! splitting pointers.

use std::borrow::Cow;

/// Escapes one reference token: `~` → `~0`, `/` → `~1`.
pub fn escape(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Unescapes one reference token: `~1` → `/`, then `~0` → `~` (in that
/// order, so `~01` stays `~1`).
pub fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// `pointer` with one more reference token, escaped.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape(token))
}

/// The unescaped reference tokens of a pointer (`""` has none).
pub fn tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(|token| unescape(token).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips_and_orders_the_two_rules() {
        assert_eq!(escape("/v2/{ref}"), "~1v2~1{ref}");
        assert_eq!(escape("a~b"), "a~0b");
        assert_eq!(unescape("~01"), "~1");
        assert_eq!(unescape("~1v2~1{ref}"), "/v2/{ref}");
        for token in ["", "plain", "~", "/", "~1", "a/b~c", "~0~1//~~"] {
            assert_eq!(unescape(&escape(token)), token);
        }
    }

    #[test]
    fn pointers_join_and_split() {
        let pointer = join("/paths", "/v2/connections");
        assert_eq!(pointer, "/paths/~1v2~1connections");
        assert_eq!(tokens(&pointer), ["paths", "/v2/connections"]);
        assert!(tokens("").is_empty());
        assert_eq!(tokens("/"), [""]);
    }
}
