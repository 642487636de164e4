//! The scripted scenario of the stateful phase.
//!
//! **Full run:** list → create (the document's `createConnection` request
//! example, under a unique name `conformance-<UTC time>-<random>`, since the
//! API has no delete) → retrieve it → list every page (following
//! `next.href`) and find it → rename it → retrieve it and see the new name
//! and, when the server sends `revision`, the revision one higher → test
//! it (`testConnection` with the retrieved connection). Then the negative
//! checks: no token and a wrong token → 401, an unknown reference → 404, a
//! body without `name`, a `name` of the wrong type and malformed JSON → 400,
//! a body that is not `application/json` → 415.
//!
//! **Read-only run** (`read_only`): only requests that cannot write, for a
//! production tenant: the list (every page), the first listed connection,
//! no token, wrong token, unknown reference and malformed JSON (which no
//! server can parse into a write).
//!
//! The created connection's `request.connectionUrl` is replaced by a probe
//! URL (by default the server's own `/v2/connections`), so that testing it
//! makes the server call itself rather than the example's host.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};
use url::Url;

use crate::{
    checks,
    contract::{Contract, is_json_media_type},
    error::LiveError,
    exchange::{Body, Credentials, Expectation, Intent, Planned},
    report::Failure,
    run::Runner,
};

/// How many pages of the list the suite follows before it calls the
/// paging endless.
pub const MAX_PAGES: usize = 1000;

/// The page size asked for when reading the whole list (the documented
/// maximum).
const LIST_PAGE_SIZE: u32 = 100;

const LIST: &str = "retrieveConnections";
const CREATE: &str = "createConnection";
const RETRIEVE: &str = "retrieveConnection";
const UPDATE: &str = "updateConnection";
const TEST: &str = "testConnection";

/// A unique, recognisable name for the connection a run creates:
/// `conformance-<UTC time>-<random>`.
pub fn unique_name() -> String {
    format!(
        "conformance-{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        random_suffix()
    )
}

/// A random token (32 hex digits) for a throwaway server.
pub fn random_token() -> String {
    format!(
        "{:016x}{:016x}",
        crate::generate::rng::random_u64(),
        crate::generate::rng::random_u64()
    )
}

/// Eight random hex digits.
pub(crate) fn random_suffix() -> String {
    format!("{:08x}", crate::generate::rng::random_u64() & 0xffff_ffff)
}

/// The body the suite creates connections from: the document's
/// `createConnection` request example, else the spec crate's.
pub fn create_example(contract: &Contract) -> Option<Value> {
    let from_document = contract.operation(CREATE).ok().and_then(|operation| {
        let body = operation.request_body.as_ref()?;
        body.content
            .iter()
            .filter(|m| is_json_media_type(&m.name))
            .find_map(|media| {
                let object = contract.document().pointer(&media.pointer)?;
                object.get("example").cloned().or_else(|| {
                    object.get("examples")?.as_object()?.values().find_map(|e| {
                        crate::contract::resolve_ref(contract.document(), e)
                            .get("value")
                            .cloned()
                    })
                })
            })
    });
    from_document.or_else(|| {
        connections_spec::examples::ALL
            .iter()
            .find(|e| {
                e.operation_id == CREATE
                    && e.placement == connections_spec::examples::Placement::Request
            })
            .and_then(|e| serde_json::from_str(e.json).ok())
    })
}

pub(crate) async fn full_scenario(runner: &mut Runner<'_>) -> Result<(), LiveError> {
    let list_url = runner.url("/v2/connections")?;
    let mut list = runner.planned("list connections", LIST, Method::GET, list_url, &[200]);
    list.expectations = vec![Expectation::ListPage { asked: None }];
    runner.exchange(list).await?;

    let mut create_body = create_example(runner.contract()).ok_or(LiveError::NoCreateExample)?;
    let name = unique_name();
    create_body["name"] = json!(name);
    let probe = match &runner.config().probe_url {
        Some(probe) => probe.clone(),
        None => format!("{}/v2/connections", runner.base()),
    };
    if create_body.get("request").is_some_and(Value::is_object) {
        create_body["request"]["connectionUrl"] = json!(probe);
    }
    let mut create = runner.planned(
        format!("create {name}"),
        CREATE,
        Method::POST,
        runner.url("/v2/connections")?,
        &[201],
    );
    create.body = Some(Body::json(&create_body));
    create.expectations = vec![
        Expectation::Echo {
            sent: create_body.clone(),
        },
        Expectation::Reference,
        Expectation::FirstRevision,
    ];
    let created = runner.exchange(create).await?;
    let Some(reference) = created
        .body
        .as_ref()
        .and_then(|b| b.get("ref"))
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
    else {
        let reason = "no connection was created";
        runner.skip("retrieve the created connection", RETRIEVE, reason);
        runner.skip("find the created connection in the list", LIST, reason);
        runner.skip("rename the created connection", UPDATE, reason);
        runner.skip("retrieve the renamed connection", RETRIEVE, reason);
        runner.skip("test the connection", TEST, reason);
        return Ok(());
    };

    let mut retrieve = runner.planned(
        format!("retrieve {reference}"),
        RETRIEVE,
        Method::GET,
        runner.connection_url(&reference)?,
        &[200],
    );
    retrieve.intent = Intent::JustCreated;
    retrieve.expectations = vec![
        Expectation::Members {
            members: [("/ref".to_string(), json!(reference))].into(),
        },
        Expectation::Echo {
            sent: create_body.clone(),
        },
        Expectation::Reference,
    ];
    let retrieved = runner.exchange(retrieve).await?;
    let revision_before = retrieved
        .body
        .as_ref()
        .and_then(|b| b.get("revision"))
        .and_then(Value::as_u64);

    list_all(runner, Some(&reference)).await?;

    let new_name = format!("{name}-renamed");
    let mut update_body = create_body.clone();
    update_body["name"] = json!(new_name);
    let mut update = runner.planned(
        format!("rename {reference} to {new_name}"),
        UPDATE,
        Method::PUT,
        runner.connection_url(&reference)?,
        &[200, 201],
    );
    update.body = Some(Body::json(&update_body));
    update.expectations = vec![
        Expectation::Members {
            members: [("/ref".to_string(), json!(reference))].into(),
        },
        Expectation::Echo {
            sent: update_body.clone(),
        },
    ];
    let updated = runner.exchange(update).await?;
    // Only an update the server acknowledged is looked for afterwards: a
    // refused one is its own finding, not also a lost rename.
    let acknowledged = matches!(updated.status, Some(200 | 201));

    let mut after = runner.planned(
        format!("retrieve {reference} after the rename"),
        RETRIEVE,
        Method::GET,
        runner.connection_url(&reference)?,
        &[200],
    );
    after.expectations = vec![Expectation::Members {
        members: [("/ref".to_string(), json!(reference))].into(),
    }];
    if acknowledged {
        after.expectations.push(Expectation::Echo {
            sent: update_body.clone(),
        });
        if let Some(before) = revision_before {
            after
                .expectations
                .push(Expectation::NextRevision { before });
        }
    }
    let renamed = runner.exchange(after).await?;

    let Some(connection) = renamed.body.filter(|_| renamed.status == Some(200)) else {
        runner.skip(
            "test the connection",
            TEST,
            "the renamed connection could not be retrieved",
        );
        return Ok(());
    };
    let mut test = runner.planned(
        format!("test {reference}"),
        TEST,
        Method::POST,
        runner.url("/v2/connections/testConnection")?,
        &[200],
    );
    let input = as_connection_input(runner.contract(), &connection);
    test.expectations = vec![Expectation::TestedMethod {
        request_type: input
            .pointer("/request/requestType")
            .cloned()
            .unwrap_or(Value::Null),
    }];
    test.body = Some(Body::json(&json!({ "connection": input })));
    runner.exchange(test).await?;
    Ok(())
}

pub(crate) async fn read_only_scenario(runner: &mut Runner<'_>) -> Result<(), LiveError> {
    let list_url = runner.url("/v2/connections")?;
    let mut list = runner.planned("list connections", LIST, Method::GET, list_url, &[200]);
    list.expectations = vec![Expectation::ListPage { asked: None }];
    let first = runner.exchange(list).await?;
    let listed = first
        .body
        .as_ref()
        .and_then(|b| b.pointer("/items/0"))
        .cloned();
    match listed
        .as_ref()
        .and_then(|c| c.get("ref"))
        .and_then(Value::as_str)
    {
        Some(reference) => {
            let expected = listed.clone().unwrap_or(Value::Null);
            let reference = reference.to_string();
            let mut retrieve = runner.planned(
                format!("retrieve the first listed connection {reference}"),
                RETRIEVE,
                Method::GET,
                runner.connection_url(&reference)?,
                &[200],
            );
            retrieve.expectations = vec![
                Expectation::Members {
                    members: ["/ref", "/name", "/systemType"]
                        .into_iter()
                        .filter_map(|p| Some((p.to_string(), expected.pointer(p)?.clone())))
                        .collect(),
                },
                Expectation::Reference,
            ];
            runner.exchange(retrieve).await?;
        }
        None => runner.skip(
            "retrieve the first listed connection",
            RETRIEVE,
            "the list is empty",
        ),
    }
    list_all(runner, None).await
}

/// Reads every page of the list (`limit` = the documented maximum),
/// following `next.href`; when `find` is given, the last page's check
/// fails unless a listed connection has that reference.
async fn list_all(runner: &mut Runner<'_>, find: Option<&str>) -> Result<(), LiveError> {
    let mut url = runner.url(&format!("/v2/connections?limit={LIST_PAGE_SIZE}"))?;
    let base = runner.base().to_string();
    let mut seen = BTreeSet::new();
    let mut found = false;
    for page in 1..=MAX_PAGES {
        seen.insert(url.to_string());
        let what = match find {
            Some(reference) => format!("find {reference} in the list, page {page}"),
            None => format!("list every connection, page {page}"),
        };
        let mut planned = runner.planned(what, LIST, Method::GET, url.clone(), &[200]);
        planned.expectations = vec![Expectation::ListPage {
            asked: Some(u64::from(LIST_PAGE_SIZE)),
        }];
        let answer = runner.exchange(planned).await?;
        let Some(body) = answer.body.filter(|_| answer.status == Some(200)) else {
            return Ok(());
        };
        if let Some(reference) = find {
            found |= body
                .get("items")
                .and_then(Value::as_array)
                .is_some_and(|items| {
                    items
                        .iter()
                        .any(|i| i.get("ref").and_then(Value::as_str) == Some(reference))
                });
        }
        let next = body.pointer("/next/href").and_then(Value::as_str);
        let next = match next.map(|href| follow(&base, href, &seen)) {
            None => None,
            Some(Ok(next)) => Some(next),
            Some(Err(failure)) => {
                runner.fail_last(checks::REF_IN_HREF, *failure);
                return Ok(());
            }
        };
        match next {
            Some(next) => url = next,
            None => {
                if let Some(reference) = find
                    && !found
                {
                    runner.fail_last(
                        checks::ENSURE_RESOURCE_AVAILABILITY,
                        Failure::value(
                            "/items",
                            format!(
                                "the created connection {reference} is on no page of the \
                                 list ({page} page(s) read)"
                            ),
                        ),
                    );
                }
                return Ok(());
            }
        }
    }
    runner.fail_last(
        checks::REF_IN_HREF,
        Failure::value(
            "/next/href",
            format!("the list still has a next page after {MAX_PAGES} pages"),
        ),
    );
    Ok(())
}

/// Resolves a `next.href`; refuses one that leaves the server (the
/// token would go elsewhere) or that was already read (a loop).
fn follow(base: &str, href: &str, seen: &BTreeSet<String>) -> Result<Url, Box<Failure>> {
    let base = Url::parse(&format!("{base}/"))
        .map_err(|e| Box::new(Failure::value("/next/href", e.to_string())))?;
    let next = base.join(href).map_err(|e| {
        Box::new(Failure::value(
            "/next/href",
            format!("next.href `{href}` is not a URL: {e}"),
        ))
    })?;
    if next.origin() != base.origin() {
        return Err(Box::new(Failure::value(
            "/next/href",
            format!(
                "next.href `{href}` leaves the server under test; not followed \
                 (the token would be sent there)"
            ),
        )));
    }
    if seen.contains(next.as_str()) {
        return Err(Box::new(Failure::value(
            "/next/href",
            format!("next.href `{href}` points to a page already read: the paging loops"),
        )));
    }
    Ok(next)
}

/// The retrieved connection reduced to the members the testConnection
/// body's `connection` schema declares (it forbids others).
fn as_connection_input(contract: &Contract, connection: &Value) -> Value {
    let document = contract.document();
    let declared = document
        .pointer("/components/schemas/TestConnectionRequest/properties/connection")
        .map(|schema| crate::contract::resolve_ref(document, schema))
        .and_then(|schema| schema.get("properties"))
        .and_then(Value::as_object);
    match (declared, connection.as_object()) {
        (Some(declared), Some(members)) => Value::Object(
            members
                .iter()
                .filter(|(name, _)| declared.contains_key(*name))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        ),
        _ => connection.clone(),
    }
}

pub(crate) async fn negative_checks(runner: &mut Runner<'_>) -> Result<(), LiveError> {
    let list_url = runner.url("/v2/connections")?;
    let mut no_token = runner.planned(
        "without a token",
        LIST,
        Method::GET,
        list_url.clone(),
        &[401],
    );
    no_token.credentials = Credentials::Missing;
    no_token.intent = Intent::NoToken;
    runner.exchange(no_token).await?;

    let mut wrong_token = runner.planned("with a wrong token", LIST, Method::GET, list_url, &[401]);
    wrong_token.credentials =
        Credentials::Wrong(format!("conformance-wrong-token-{}", random_suffix()));
    wrong_token.intent = Intent::WrongToken;
    runner.exchange(wrong_token).await?;

    let unknown = format!("conformance-unknown-{}", random_suffix());
    let planned = runner.planned(
        format!("retrieve an unknown reference {unknown}"),
        RETRIEVE,
        Method::GET,
        runner.connection_url(&unknown)?,
        &[404],
    );
    runner.exchange(planned).await?;

    let create_url = runner.url("/v2/connections")?;
    let forbidden = |name: &str, body: Body, expected: u16| {
        let mut planned = Planned::new(name, CREATE, Method::POST, create_url.clone(), &[expected]);
        planned.body = Some(body);
        planned.intent = Intent::Forbidden;
        planned
    };
    let malformed = forbidden(
        "create with malformed JSON",
        Body {
            text: r#"{"name": "conformance-malformed", "auth": {"#.to_string(),
            content_type: "application/json",
        },
        400,
    );
    runner.exchange(malformed).await?;

    if runner.config().read_only {
        return Ok(());
    }
    let example = create_example(runner.contract()).ok_or(LiveError::NoCreateExample)?;
    let mut without_name = example.clone();
    if let Some(object) = without_name.as_object_mut() {
        object.remove("name");
    }
    runner
        .exchange(forbidden(
            "create without `name`",
            Body::json(&without_name),
            400,
        ))
        .await?;

    let mut wrong_type_body = example.clone();
    wrong_type_body["name"] = json!(12345);
    runner
        .exchange(forbidden(
            "create with a number as `name`",
            Body::json(&wrong_type_body),
            400,
        ))
        .await?;

    let mut as_text = example;
    as_text["name"] = json!(format!("{}-text-plain", unique_name()));
    runner
        .exchange(forbidden(
            "create with Content-Type text/plain",
            Body {
                text: as_text.to_string(),
                content_type: "text/plain",
            },
            415,
        ))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_recognisable() {
        let (a, b) = (unique_name(), unique_name());
        assert!(a.starts_with("conformance-"), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn the_create_example_comes_from_the_document() {
        let contract = Contract::from_json(crate::COMMITTED_DOCUMENT).unwrap();
        let example = create_example(&contract).unwrap();
        assert!(example.get("name").is_some());
        assert!(example.get("systemType").is_some());
    }
}
