//! The Connection API routes: create, list, retrieve, update, test.

use std::sync::Arc;

use axum::{
    Extension, Json,
    body::{Body, Bytes},
    extract::{Path, RawQuery, State, rejection::PathRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{SubsecRound, Utc};
use connections_spec::{
    Auth, Connection, ConnectionInput, ConnectionTestResult, FieldError, TestConnectionRequest,
};
use futures_util::StreamExt;

use crate::{
    app::AppState,
    auth::Caller,
    body::read_json,
    error::ApiError,
    outbound,
    paging::{self, PageRequest},
    store::{Row, StoreError},
};

/// `connectionTimeout` and `socketTimeout` of a connection that sets none.
pub const DEFAULT_TIMEOUT_MS: u32 = 1000;
/// `icon` of a connection that sets none, as in the docs' examples.
pub const DEFAULT_ICON: &str = "assets/images/icons/connections/plug.svg";

/// What the server assigns to a connection it stores.
struct Assigned {
    reference: String,
    client_key: String,
    modified_by_ref: String,
    revision: u32,
    archived: bool,
}

/// A connection from its input: the writable fields from the body (with
/// the defaults the docs' examples show), the rest assigned; the read-only
/// members of the body are ignored. `href` is set when presented.
fn materialize(input: ConnectionInput, assigned: Assigned) -> Connection {
    Connection {
        client_key: assigned.client_key,
        href: String::new(),
        reference: assigned.reference,
        name: input.name,
        description: input.description,
        modified_by_ref: assigned.modified_by_ref,
        modified_at: Utc::now().trunc_subsecs(3),
        revision: Some(assigned.revision),
        archived: assigned.archived,
        auth: input.auth,
        request: input.request,
        example_value: Some(input.example_value.unwrap_or_default()),
        input_mappings: Some(input.input_mappings.unwrap_or_default()),
        output_mappings: Some(input.output_mappings.unwrap_or_default()),
        custom_headers: Some(input.custom_headers.unwrap_or_default()),
        url_parameters: Some(input.url_parameters.unwrap_or_default()),
        system_type: input.system_type,
        connection_timeout: input.connection_timeout.unwrap_or(DEFAULT_TIMEOUT_MS),
        socket_timeout: Some(input.socket_timeout.unwrap_or(DEFAULT_TIMEOUT_MS)),
        icon: Some(input.icon.unwrap_or_else(|| DEFAULT_ICON.to_string())),
    }
}

/// The stored OAuth client secret of `saved`, when `auth` carries none of
/// its own and has the settings the secret was saved with (the spec's
/// decision on `clientSecret`: a stored secret stays home).
fn stored_secret_for(auth: &Auth, saved: &Auth) -> Option<String> {
    match (auth, saved) {
        (
            Auth::OAuth {
                client_secret: None,
                ..
            },
            Auth::OAuth {
                client_secret: Some(secret),
                ..
            },
        ) if auth.same_settings_as(saved) => Some(secret.clone()),
        _ => None,
    }
}

/// 400 naming each header of `input` that is the server's to set (the
/// spec's decision on `FRAMING_HEADERS`); `at` is where `input` is in the
/// body.
fn refuse_framing_headers(input: &ConnectionInput, at: &str) -> Result<(), ApiError> {
    let found = input.framing_headers();
    let Some(first) = found.first() else {
        return Ok(());
    };
    let message = format!(
        "the request body is invalid: {at}{first}: Content-Length and Transfer-Encoding are \
         set by the server from the body it sends; remove the header"
    );
    let errors = found
        .iter()
        .map(|pointer| FieldError {
            field: format!("{at}{pointer}"),
            message: "Content-Length and Transfer-Encoding are set by the server".to_string(),
        })
        .collect();
    Err(ApiError::validation(message, errors))
}

/// The connection as the API shows it: with its `href`, without secrets.
fn present(state: &AppState, mut connection: Connection) -> Connection {
    connection.href = state.connection_url(&connection.reference);
    if let Auth::OAuth { client_secret, .. } = &mut connection.auth {
        *client_secret = None;
    }
    connection
}

fn created(state: &AppState, connection: Connection) -> Response {
    let connection = present(state, connection);
    let location = HeaderValue::from_str(&connection.href).ok();
    let mut response = (StatusCode::CREATED, Json(connection)).into_response();
    if let Some(location) = location {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// The `{connectionRef}` of the path. A reference that does not decode
/// (`%ff` is not UTF-8) is a 400 with the documented error body, not the
/// framework's plain-text rejection.
fn reference_of(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(reference)| reference).map_err(|rejection| {
        let message = format!("the connection reference in the path is unusable: {rejection}");
        ApiError::validation(
            message.clone(),
            vec![FieldError {
                field: "connectionRef".into(),
                message,
            }],
        )
    })
}

/// A write the store refused: 507 past its quota, else 500.
fn write_error(error: &StoreError) -> ApiError {
    match error {
        StoreError::Full(reason) => ApiError::insufficient_storage(format!(
            "{reason}; nothing was written (the sandbox's quota: see --help)"
        )),
        other => ApiError::internal_error(other),
    }
}

fn not_found(reference: &str) -> ApiError {
    ApiError::not_found(format!("no connection has the reference {reference}"))
}

/// `POST /v2/connections`.
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let input: ConnectionInput =
        read_json(state.schemas(), "ConnectionInput", &headers, body).await?;
    refuse_framing_headers(&input, "")?;
    let connection = materialize(
        input,
        Assigned {
            reference: uuid::Uuid::new_v4().to_string(),
            client_key: state.client_key().to_string(),
            modified_by_ref: state.caller_ref(&caller),
            revision: 1,
            archived: false,
        },
    );
    state
        .store()
        .insert(connection.clone())
        .await
        .map_err(|e| write_error(&e))?;
    Ok(created(&state, connection))
}

/// `GET /v2/connections`.
///
/// The items are the rows' kept answer bytes (see [`retrieve`]), written
/// into the envelope's `items` array: a page encodes only its envelope.
pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let page = PageRequest::parse(query.as_deref())?;
    let stored = state.store().page(page.offset, page.limit);
    for error in &stored.unreadable {
        tracing::error!(
            error = %crate::error::error_chain(error),
            "a stored connection is left out of the list"
        );
    }
    // A row in memory gives its kept bytes; a large one is read from the
    // database as the page is sent, so a page of large rows costs one row
    // at a time, not the page.
    let mut items = Vec::with_capacity(stored.items.len());
    for row in stored.items {
        items.push(if row.is_resident() {
            Piece::Bytes(view(&state, &row).await?)
        } else {
            Piece::Row(row)
        });
    }
    let envelope = paging::envelope(&state.collection_url(), page, stored.total, Vec::new());
    let envelope = serde_json::to_vec(&envelope).map_err(|e| ApiError::internal_error(&e))?;
    let pieces = with_items(envelope, items)
        .ok_or_else(|| ApiError::internal("the list envelope does not end with its items"))?;
    let length: Option<usize> = pieces
        .iter()
        .map(|piece| match piece {
            Piece::Bytes(bytes) => Some(bytes.len()),
            Piece::Row(_) => None,
        })
        .sum();
    let chunks = futures_util::stream::iter(pieces).then(move |piece| {
        let state = state.clone();
        async move {
            match piece {
                Piece::Bytes(bytes) => Ok(bytes),
                Piece::Row(row) => view(&state, &row)
                    .await
                    .map_err(|e| std::io::Error::other(e.body.message.unwrap_or_default())),
            }
        }
    });
    let mut response = json_response(Bytes::new());
    *response.body_mut() = Body::from_stream(chunks);
    if let Some(length) = length {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Ok(response)
}

/// A piece of a list page: bytes at hand, or a large row, read from the
/// database when its turn to be sent comes.
enum Piece {
    Bytes(Bytes),
    Row(Arc<Row>),
}

/// The pieces of an encoded envelope whose last member is an empty
/// `items` array (`…,"items":[]}`) with the items written into it; `None`
/// when it does not end so.
fn with_items(mut envelope: Vec<u8>, items: Vec<Piece>) -> Option<Vec<Piece>> {
    if !envelope.ends_with(b"\"items\":[]}") {
        return None;
    }
    envelope.truncate(envelope.len() - 2);
    let mut pieces = Vec::with_capacity(items.len() * 2 + 2);
    pieces.push(Piece::Bytes(Bytes::from(envelope)));
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            pieces.push(Piece::Bytes(Bytes::from_static(b",")));
        }
        pieces.push(item);
    }
    pieces.push(Piece::Bytes(Bytes::from_static(b"]}")));
    Some(pieces)
}

/// The bytes the API answers for a stored row.
async fn view(state: &AppState, row: &Row) -> Result<Bytes, ApiError> {
    state
        .store()
        .view_of(row, |connection| {
            serde_json::to_vec(&present(state, connection.clone()))
        })
        .await
        .map_err(|e| ApiError::internal_error(&e))
}

/// A 200 with a JSON body.
fn json_response(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// `GET /v2/connections/{connectionRef}`. Any string is a reference; one
/// that names no connection (malformed ones included) is a 404.
///
/// The answer's bytes are encoded once per revision and kept with the
/// stored row, so a repeated read encodes nothing.
pub async fn retrieve(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let reference = reference_of(path)?;
    let row = state
        .store()
        .row(&reference)
        .ok_or_else(|| not_found(&reference))?;
    Ok(json_response(view(&state, &row).await?))
}

/// `PUT /v2/connections/{connectionRef}`: 201 with the updated connection.
///
/// The writable fields are replaced, with the same defaults as create.
/// An OAuth client secret is write-only, so a connection sent back as
/// retrieved has none: when the body has no secret and the settings the
/// stored one was saved with, the stored secret is kept; with other
/// settings it is dropped (it is only ever sent with its own).
pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let reference = reference_of(path)?;
    let input: ConnectionInput =
        read_json(state.schemas(), "ConnectionInput", &headers, body).await?;
    refuse_framing_headers(&input, "")?;
    let modified_by_ref = state.caller_ref(&caller);
    let updated = state
        .store()
        .update(reference.clone(), move |stored| {
            let kept_secret = stored_secret_for(&input.auth, &stored.auth);
            let mut connection = materialize(
                input,
                Assigned {
                    reference: stored.reference,
                    client_key: stored.client_key,
                    modified_by_ref,
                    revision: stored.revision.unwrap_or(1),
                    archived: stored.archived,
                },
            );
            if let (
                Auth::OAuth {
                    client_secret: secret @ None,
                    ..
                },
                Some(kept),
            ) = (&mut connection.auth, kept_secret)
            {
                *secret = Some(kept);
            }
            connection
        })
        .await
        .map_err(|e| write_error(&e))?
        .ok_or_else(|| not_found(&reference))?;
    Ok(created(&state, updated))
}

/// `POST /v2/connections/testConnection`: 200 with what happened.
pub async fn test(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ConnectionTestResult>, ApiError> {
    let request: TestConnectionRequest =
        read_json(state.schemas(), "TestConnectionRequest", &headers, body).await?;
    refuse_framing_headers(&request.connection, "/connection")?;
    let connection = request.connection;
    // The stored secret goes only with the saved token settings, and the
    // token it buys only to the URL the saved connection sends it to.
    let stored_secret = match &connection.reference {
        Some(reference) => state
            .store()
            .get(reference)
            .await
            .map_err(|e| ApiError::internal_error(&e))?
            .and_then(|stored| {
                let saved = ConnectionInput::from(stored);
                let same_target = outbound::target_url(&connection) == outbound::target_url(&saved);
                stored_secret_for(&connection.auth, &saved.auth).filter(|_| same_target)
            }),
        None => None,
    };
    Ok(Json(
        outbound::test_connection(&connection, stored_secret, state.outbound_policy()).await,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_written_into_the_envelope_encode_as_the_whole_list() {
        let item: Connection = serde_json::from_str(include_str!(
            "../../spec/doc-examples/retrieve-a-connection.response.json"
        ))
        .unwrap();
        let mut second = item.clone();
        second.name = "second \"quoted\" ünïcode".into();
        let items = vec![item, second];
        let page = PageRequest {
            offset: 0,
            limit: 10,
        };
        let whole = paging::envelope("http://h/v2/connections", page, 2, items.clone());
        let empty = paging::envelope("http://h/v2/connections", page, 2, Vec::new());
        let views: Vec<Bytes> = items
            .iter()
            .map(|c| Bytes::from(serde_json::to_vec(c).unwrap()))
            .collect();
        let pieces = |views: &[Bytes]| views.iter().cloned().map(Piece::Bytes).collect();
        let joined = |pieces: Vec<Piece>| -> Vec<u8> {
            pieces
                .into_iter()
                .flat_map(|piece| match piece {
                    Piece::Bytes(bytes) => bytes.to_vec(),
                    Piece::Row(_) => panic!("a row in a test of bytes"),
                })
                .collect()
        };
        let spliced = with_items(serde_json::to_vec(&empty).unwrap(), pieces(&views)).unwrap();
        assert_eq!(joined(spliced), serde_json::to_vec(&whole).unwrap());
        let none = with_items(serde_json::to_vec(&empty).unwrap(), Vec::new()).unwrap();
        assert_eq!(joined(none), serde_json::to_vec(&empty).unwrap());
        assert!(with_items(b"{}".to_vec(), pieces(&views)).is_none());
    }

    #[test]
    fn omitted_fields_get_the_documented_defaults_and_read_only_ones_are_ignored() {
        let input: ConnectionInput = serde_json::from_str(include_str!(
            "../../spec/doc-examples/update-a-connection.request.json"
        ))
        .unwrap();
        let mut input_with_read_only = input.clone();
        input_with_read_only.revision = Some(77);
        input_with_read_only.client_key = Some("mine".into());
        input_with_read_only.archived = Some(true);
        let c = materialize(
            input_with_read_only,
            Assigned {
                reference: "r".into(),
                client_key: "key".into(),
                modified_by_ref: "u".into(),
                revision: 1,
                archived: false,
            },
        );
        assert_eq!(c.revision, Some(1));
        assert_eq!(c.client_key, "key");
        assert!(!c.archived);
        assert_eq!(c.description, None);
        assert_eq!(c.connection_timeout, 1000);
        assert_eq!(c.socket_timeout, Some(1000));
        assert_eq!(c.icon.as_deref(), Some(DEFAULT_ICON));
        assert_eq!(c.example_value.as_deref(), Some(""));
        assert_eq!(c.input_mappings, Some(vec![]));
        assert_eq!(c.url_parameters, Some(vec![]));
        assert_eq!(c.modified_at.timestamp_subsec_nanos() % 1_000_000, 0);
    }
}
