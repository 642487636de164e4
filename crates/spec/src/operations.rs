//! The operations of the Connection API, described for utoipa.
//!
//! The functions here have no bodies: they exist to carry each operation's
//! `#[utoipa::path]` description (operationId, summary, parameters, request
//! body, every documented status). Servers implement them elsewhere.
//!
//! **Response statuses.** The response-codes page lists, for create and
//! update, 201, 400, 401, 404, 415, 500 and 503, and for reads 200, 400,
//! 401, 404, 415, 500 and 503; those are documented as they stand (404 on
//! create included, as the page groups it with update). Our additions:
//! 413 where a body is sent (the size limit of a request body), 507 where a
//! connection is stored (a server's storage quota: `INSUFFICIENT_STORAGE`,
//! nothing written; no Retry-After, as waiting does not free room), and for
//! testConnection, whose page states no status, 200 plus the same errors.
//! **Decision (update status):** the update page shows the updated
//! connection without a status, and response-codes groups update with
//! create under 201; both 200 and 201 are documented with the same body,
//! so a tenant answering either conforms.

#![allow(dead_code)]

use crate::{
    Connection, ConnectionInput, ConnectionList, ConnectionTestResult, ErrorBody,
    TestConnectionRequest, list::ListQuery,
};

/// The tag every Connection operation carries.
pub const TAG: &str = "Connections";

/// Create a connection.
#[utoipa::path(
    post,
    path = "/v2/connections",
    operation_id = "createConnection",
    tag = TAG,
    summary = "Create a connection",
    description = "Creates a connection. `name`, `auth`, `request` and `systemType` are required; \
        the server assigns `ref`, `href`, `clientKey`, `modifiedByRef`, `modifiedAt`, `revision` and `archived`.",
    request_body(content = ConnectionInput, content_type = "application/json", description = "The connection to create."),
    responses(
        (status = 201, description = "Created: the new connection; `href` is its canonical URL.", body = Connection, content_type = "application/json"),
        (status = 400, description = "Validation failed; the body says which field.", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing, malformed or expired access token.", body = ErrorBody, content_type = "application/json"),
        (status = 404, description = "Not found.", body = ErrorBody, content_type = "application/json"),
        (status = 413, description = "The request body is larger than the server accepts.", body = ErrorBody, content_type = "application/json"),
        (status = 415, description = "The request body is not `application/json`.", body = ErrorBody, content_type = "application/json"),
        (status = 500, description = "Internal server error.", body = ErrorBody, content_type = "application/json"),
        (status = 503, description = "Service unavailable; try again later.", body = ErrorBody, content_type = "application/json"),
        (status = 507, description = "The server's storage quota is reached; nothing was written.", body = ErrorBody, content_type = "application/json"),
    ),
    security(("bearerAuth" = []))
)]
fn create_connection() {}

/// Retrieve connections.
#[utoipa::path(
    get,
    path = "/v2/connections",
    operation_id = "retrieveConnections",
    tag = TAG,
    summary = "Retrieve connections",
    description = "Retrieves the connections of the tenant, a page at a time (`offset`, `limit`), in a stable order. \
        Follow `next.href` until it is absent to read them all.",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of connections.", body = ConnectionList, content_type = "application/json"),
        (status = 400, description = "A query parameter is invalid or out of range.", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing, malformed or expired access token.", body = ErrorBody, content_type = "application/json"),
        (status = 404, description = "Not found.", body = ErrorBody, content_type = "application/json"),
        (status = 415, description = "Unsupported media type.", body = ErrorBody, content_type = "application/json"),
        (status = 500, description = "Internal server error.", body = ErrorBody, content_type = "application/json"),
        (status = 503, description = "Service unavailable; try again later.", body = ErrorBody, content_type = "application/json"),
    ),
    security(("bearerAuth" = []))
)]
fn retrieve_connections() {}

/// Retrieve a connection.
#[utoipa::path(
    get,
    path = "/v2/connections/{connectionRef}",
    operation_id = "retrieveConnection",
    tag = TAG,
    summary = "Retrieve a connection",
    description = "Retrieves a connection by its reference. The response can be sent as is to test the connection.",
    params(
        ("connectionRef" = String, Path, description = "The reference of the connection. If you do not know it, first retrieve connections.", example = "47c20b31-b5d8-492f-94e5-064958716c21"),
    ),
    responses(
        (status = 200, description = "The connection.", body = Connection, content_type = "application/json"),
        (status = 400, description = "Bad request.", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing, malformed or expired access token.", body = ErrorBody, content_type = "application/json"),
        (status = 404, description = "No connection has this reference.", body = ErrorBody, content_type = "application/json"),
        (status = 415, description = "Unsupported media type.", body = ErrorBody, content_type = "application/json"),
        (status = 500, description = "Internal server error.", body = ErrorBody, content_type = "application/json"),
        (status = 503, description = "Service unavailable; try again later.", body = ErrorBody, content_type = "application/json"),
    ),
    security(("bearerAuth" = []))
)]
fn retrieve_connection() {}

/// Update a connection.
#[utoipa::path(
    put,
    path = "/v2/connections/{connectionRef}",
    operation_id = "updateConnection",
    tag = TAG,
    summary = "Update a connection",
    description = "Replaces the writable fields of a connection. `name`, `auth`, `request` and `systemType` are required; \
        server-assigned fields in the body are ignored. Every update increments `revision` by one.",
    params(
        ("connectionRef" = String, Path, description = "The reference of the connection. If you do not know it, first retrieve connections.", example = "47c20b31-b5d8-492f-94e5-064958716c21"),
    ),
    request_body(content = ConnectionInput, content_type = "application/json", description = "The new state of the connection."),
    responses(
        (status = 200, description = "The updated connection.", body = Connection, content_type = "application/json"),
        (status = 201, description = "The updated connection (the status the response-codes page gives for updates).", body = Connection, content_type = "application/json"),
        (status = 400, description = "Validation failed; the body says which field.", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing, malformed or expired access token.", body = ErrorBody, content_type = "application/json"),
        (status = 404, description = "No connection has this reference.", body = ErrorBody, content_type = "application/json"),
        (status = 413, description = "The request body is larger than the server accepts.", body = ErrorBody, content_type = "application/json"),
        (status = 415, description = "The request body is not `application/json`.", body = ErrorBody, content_type = "application/json"),
        (status = 500, description = "Internal server error.", body = ErrorBody, content_type = "application/json"),
        (status = 503, description = "Service unavailable; try again later.", body = ErrorBody, content_type = "application/json"),
        (status = 507, description = "The server's storage quota is reached; nothing was written.", body = ErrorBody, content_type = "application/json"),
    ),
    security(("bearerAuth" = []))
)]
fn update_connection() {}

/// Test a connection.
#[utoipa::path(
    post,
    path = "/v2/connections/testConnection",
    operation_id = "testConnection",
    tag = TAG,
    summary = "Test a connection",
    description = "Sends the connection's request to the external service, with its placeholders filled from the \
        input mappings, and reports what came back. `statusCode` in the result is the external service's status.",
    request_body(content = TestConnectionRequest, content_type = "application/json", description = "The connection to test, as retrieved."),
    responses(
        (status = 200, description = "The outcome of the test request.", body = ConnectionTestResult, content_type = "application/json"),
        (status = 400, description = "Validation failed; the body says which field.", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing, malformed or expired access token.", body = ErrorBody, content_type = "application/json"),
        (status = 413, description = "The request body is larger than the server accepts.", body = ErrorBody, content_type = "application/json"),
        (status = 415, description = "The request body is not `application/json`.", body = ErrorBody, content_type = "application/json"),
        (status = 500, description = "Internal server error.", body = ErrorBody, content_type = "application/json"),
        (status = 503, description = "Service unavailable; try again later.", body = ErrorBody, content_type = "application/json"),
    ),
    security(("bearerAuth" = []))
)]
fn test_connection() {}
