//! The query and the envelope of `GET /v2/connections`.

use connections_spec::{ConnectionList, DEFAULT_LIMIT, FieldError, Link, MAX_LIMIT, MIN_LIMIT};

use crate::error::ApiError;

/// A validated page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// How many connections to skip.
    pub offset: u32,
    /// How many to return.
    pub limit: u32,
}

impl PageRequest {
    /// Reads `offset` and `limit` from a raw query string. Unknown or
    /// repeated parameters, non-integers and values out of range are a 400
    /// naming the parameter.
    pub fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let mut offset = None;
        let mut limit = None;
        let mut errors = Vec::new();
        for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let slot = match name.as_ref() {
                "offset" => &mut offset,
                "limit" => &mut limit,
                other => {
                    errors.push(FieldError {
                        field: other.to_string(),
                        message: format!(
                            "unknown query parameter `{other}`; the parameters are offset and limit"
                        ),
                    });
                    continue;
                }
            };
            if slot.is_some() {
                errors.push(FieldError {
                    field: name.to_string(),
                    message: format!("{name} is given more than once"),
                });
                continue;
            }
            *slot = Some(value.to_string());
        }
        // The document's bound (a JVM `int`), not u32's: Schemathesis sent
        // offset=2147483648 and the sandbox answered 200.
        let offset = number(
            &mut errors,
            "offset",
            offset,
            0,
            connections_spec::MAX_INT32,
            0,
        );
        let limit = number(
            &mut errors,
            "limit",
            limit,
            MIN_LIMIT,
            MAX_LIMIT,
            DEFAULT_LIMIT,
        );
        match errors.first() {
            None => Ok(Self { offset, limit }),
            Some(first) => {
                let message = format!("invalid query parameter {}: {}", first.field, first.message);
                Err(ApiError::validation(message, errors))
            }
        }
    }
}

/// Parses one integer parameter; on a problem, records it and returns the
/// default so the other parameters are still checked.
fn number(
    errors: &mut Vec<FieldError>,
    name: &str,
    text: Option<String>,
    min: u32,
    max: u32,
    default: u32,
) -> u32 {
    let Some(text) = text else {
        return default;
    };
    match text.parse::<i64>() {
        Ok(n) if (i64::from(min)..=i64::from(max)).contains(&n) => n as u32,
        _ => {
            let range = if max == u32::MAX {
                format!("at least {min}")
            } else {
                format!("from {min} to {max}")
            };
            errors.push(FieldError {
                field: name.to_string(),
                message: format!("{name} must be an integer {range}, not `{text}`"),
            });
            default
        }
    }
}

/// The envelope of one page; `base` is the absolute URL of the collection.
pub fn envelope(
    base: &str,
    page: PageRequest,
    total: u32,
    items: Vec<connections_spec::Connection>,
) -> ConnectionList {
    let link = |offset: u32| Link {
        href: format!("{base}?offset={offset}&limit={}", page.limit),
    };
    let last_offset = if total == 0 {
        0
    } else {
        (total - 1) / page.limit * page.limit
    };
    let next_offset = page.offset.saturating_add(page.limit);
    ConnectionList {
        href: link(page.offset).href,
        offset: Some(page.offset),
        limit: Some(page.limit),
        total: Some(total),
        first: Some(link(0)),
        previous: (page.offset > 0)
            .then(|| link(page.offset.saturating_sub(page.limit).min(last_offset))),
        next: (next_offset < total).then(|| link(next_offset)),
        last: Some(link(last_offset)),
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<PageRequest, ApiError> {
        PageRequest::parse(Some(q))
    }

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            PageRequest::parse(None).unwrap(),
            PageRequest {
                offset: 0,
                limit: 10
            }
        );
        assert_eq!(parse("offset=5&limit=100").unwrap().limit, 100);
        assert_eq!(parse("limit=1").unwrap().limit, 1);
        assert_eq!(parse("offset=2147483647").unwrap().offset, 2_147_483_647);
        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=ten", "limit"),
            ("offset=-1", "offset"),
            ("offset=1.5", "offset"),
            ("offset=99999999999", "offset"),
            ("offset=2147483648", "offset"),
            ("page=2", "page"),
            ("limit=5&limit=6", "limit"),
        ] {
            let e = parse(query).unwrap_err();
            assert_eq!(e.status.as_u16(), 400, "{query}");
            assert_eq!(e.body.errors.as_ref().unwrap()[0].field, field, "{query}");
            assert!(e.body.message.unwrap().contains(field), "{query}");
        }
    }

    #[test]
    fn links_of_first_middle_last_and_empty_pages() {
        let base = "http://h/v2/connections";
        let page = |offset, limit| PageRequest { offset, limit };
        let first = envelope(base, page(0, 10), 25, vec![]);
        assert!(first.previous.is_none());
        assert_eq!(
            first.next.unwrap().href,
            format!("{base}?offset=10&limit=10")
        );
        assert_eq!(
            first.last.unwrap().href,
            format!("{base}?offset=20&limit=10")
        );
        let middle = envelope(base, page(10, 10), 25, vec![]);
        assert_eq!(
            middle.previous.unwrap().href,
            format!("{base}?offset=0&limit=10")
        );
        let last = envelope(base, page(20, 10), 25, vec![]);
        assert!(last.next.is_none());
        let empty = envelope(base, page(0, 10), 0, vec![]);
        assert!(empty.next.is_none() && empty.previous.is_none());
        assert_eq!(
            empty.last.unwrap().href,
            format!("{base}?offset=0&limit=10")
        );
        let beyond = envelope(base, page(50, 10), 25, vec![]);
        assert_eq!(
            beyond.previous.unwrap().href,
            format!("{base}?offset=20&limit=10")
        );
    }
}
