//! The collection returned by `GET /v2/connections` and its paging.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::connection::Connection;

/// The smallest page size a client may ask for.
pub const MIN_LIMIT: u32 = 1;
/// The largest page size a client may ask for.
pub const MAX_LIMIT: u32 = 100;
/// The page size when the client does not ask for one.
pub const DEFAULT_LIMIT: u32 = 10;

/// The envelope of `GET /v2/connections`.
///
/// The docs show `{"href": "<baseURL>/v2/connections", "items": [...]}` and
/// nothing else, so only `href` and `items` are required.
///
/// **Decision (paging):** the docs show no paging. We follow the paging of
/// Sitecore's other v2 collection resources: `offset` and `limit` query
/// parameters, echoed in the envelope, with `first`, `previous`, `next`
/// and `last` links. All of these are optional in the envelope, so a
/// tenant that returns the documented unpaged body still conforms; a client
/// follows `next.href` until it is absent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionList {
    /// The URL of this page.
    pub href: String,
    /// The offset of the first item of this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 2147483647)]
    pub offset: Option<u32>,
    /// The page size that was applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The total number of connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 2147483647)]
    pub total: Option<u32>,
    /// The first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<Link>,
    /// The page before this one; absent on the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Link>,
    /// The page after this one; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Link>,
    /// The last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Link>,
    /// The connections of this page.
    pub items: Vec<Connection>,
}

/// A link to another page of a collection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Link {
    /// The URL of the page.
    pub href: String,
}

/// The query parameters of `GET /v2/connections`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// How many connections to skip (default 0), at most 2147483647.
    #[param(minimum = 0, maximum = 2147483647)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    /// How many connections to return, from 1 to 100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}
