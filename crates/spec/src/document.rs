//! Assembles the OpenAPI document from the types and operations.

use utoipa::{
    Modify, OpenApi,
    openapi::{
        self, ContactBuilder, InfoBuilder, LicenseBuilder, ServerBuilder,
        example::ExampleBuilder,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

use crate::{
    auth::Auth,
    connection::{
        Connection, ConnectionInput, InputMapping, MappingType, NameValue, OutboundRequest,
        OutputMapping, RequestType, SystemType,
    },
    error::{ErrorBody, FieldError},
    examples::{self, Placement},
    list::{ConnectionList, Link},
    operations,
    test_connection::{ConnectionTestResult, TestConnectionRequest, TestedRequest, TestedResponse},
};

/// The contract's semantic version, written to `info.version`: this
/// crate's package version (`crates/spec/Cargo.toml`), the one place it is
/// kept; `cargo xtask release` stamps it there.
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The regional base URLs.
///
/// **Inferred:** Sitecore's base-URL page for Personalize has no public
/// copy; Sitecore's API catalogue for CDP (the same platform) lists these
/// four regional servers, and Personalize's examples only write
/// `<baseURL>`.
pub const REGIONAL_SERVERS: &[(&str, &str)] = &[
    ("https://api-engage-eu.sitecorecloud.io", "Europe (EU)"),
    (
        "https://api-engage-us.sitecorecloud.io",
        "United States (US)",
    ),
    (
        "https://api-engage-ap.sitecorecloud.io",
        "Asia Pacific (AP)",
    ),
    ("https://api-engage-jpe.sitecorecloud.io", "Japan (JPE)"),
];

/// The local sandbox server's default address.
pub const SANDBOX_SERVER: &str = "http://127.0.0.1:8080";

/// The name of the bearer security scheme.
pub const SECURITY_SCHEME: &str = "bearerAuth";

/// The utoipa description of the whole API.
#[derive(OpenApi)]
#[openapi(
    paths(
        operations::create_connection,
        operations::retrieve_connections,
        operations::retrieve_connection,
        operations::update_connection,
        operations::test_connection,
    ),
    components(schemas(
        Connection, ConnectionInput, ConnectionList, Link, Auth, OutboundRequest,
        RequestType, SystemType, NameValue, InputMapping, OutputMapping, MappingType,
        TestConnectionRequest, ConnectionTestResult, TestedRequest, TestedResponse, ErrorBody,
        FieldError,
    )),
    tags((name = "Connections", description = "Connections let Sitecore Personalize call external systems: \
        data systems it reads from, destinations it sends to, and AI services.")),
    modifiers(&Contract),
)]
pub struct ApiDoc;

/// Fills in what the derive cannot: info, servers, security, examples.
struct Contract;

impl Modify for Contract {
    fn modify(&self, doc: &mut openapi::OpenApi) {
        doc.info = InfoBuilder::new()
            .title("Sitecore Personalize Connection REST API")
            .version(CONTRACT_VERSION)
            .description(Some(
                "The Connection REST API (v2) of Sitecore Personalize: create, list, retrieve, update \
                 and test connections to external systems. Every request carries an OAuth 2.0 access \
                 token (client credentials, from `https://auth.sitecorecloud.io/oauth/token`) as \
                 `Authorization: Bearer <token>`. This document is the contract as published by the \
                 connections contract workspace; where Sitecore's documentation is silent or \
                 contradicts itself, the schema descriptions record the decision taken.",
            ))
            .contact(Some(
                ContactBuilder::new()
                    .name(Some("Connections contract maintainers"))
                    .url(Some(env!("CARGO_PKG_REPOSITORY")))
                    .build(),
            ))
            .license(Some(LicenseBuilder::new().name("MIT OR Apache-2.0").identifier(Some("MIT OR Apache-2.0")).build()))
            .build();
        let mut servers: Vec<_> = REGIONAL_SERVERS
            .iter()
            .map(|(url, region)| {
                ServerBuilder::new()
                    .url(*url)
                    .description(Some(format!("Sitecore Personalize, region {region}")))
                    .build()
            })
            .collect();
        servers.push(
            ServerBuilder::new()
                .url(SANDBOX_SERVER)
                .description(Some("Local sandbox server (connections-sandbox)"))
                .build(),
        );
        doc.servers = Some(servers);
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SECURITY_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An access token from Sitecore's OAuth 2.0 client-credentials flow.",
                    ))
                    .build(),
            ),
        );
        attach_examples(doc);
        let schemas = &mut doc.components.get_or_insert_with(Default::default).schemas;
        name_enum_values(schemas);
        name_auth_variants(schemas);
    }
}

/// The explicit variant names of every enum of the document, in the order
/// of its values, written as `x-enum-varnames`.
///
/// **Decision (enum variant names, 1.1.0):** generators make a variant name
/// from each value; `MappingType` holds both `string` and `String`, which
/// collide (openapi-python-client: `Duplicate key STRING`). Every enum
/// therefore names its variants, in upper snake case as generators write
/// constants, and `String` is `STRING_CAPITALIZED`, as the Rust variant.
/// A test checks each list against the enum's values in the document.
pub const ENUM_VARIANT_NAMES: &[(&str, &[(&str, &str)])] = &[
    (
        "MappingType",
        &[
            ("string", "STRING"),
            ("number", "NUMBER"),
            ("boolean", "BOOLEAN"),
            ("object", "OBJECT"),
            ("array", "ARRAY"),
            ("String", "STRING_CAPITALIZED"),
        ],
    ),
    (
        "RequestType",
        &[
            ("GET", "GET"),
            ("POST", "POST"),
            ("PUT", "PUT"),
            ("PATCH", "PATCH"),
            ("DELETE", "DELETE"),
        ],
    ),
    (
        "SystemType",
        &[
            ("DATA_SYSTEM", "DATA_SYSTEM"),
            ("DESTINATION", "DESTINATION"),
            ("AI", "AI"),
        ],
    ),
];

fn name_enum_values(
    schemas: &mut std::collections::BTreeMap<String, openapi::RefOr<openapi::Schema>>,
) {
    for (name, variants) in ENUM_VARIANT_NAMES {
        let Some(openapi::RefOr::T(openapi::Schema::Object(schema))) = schemas.get_mut(*name)
        else {
            panic!("ENUM_VARIANT_NAMES names {name}, which is not an enum schema");
        };
        let names: Vec<&str> = variants.iter().map(|(_, variant)| *variant).collect();
        schema
            .extensions
            .get_or_insert_with(Default::default)
            .insert("x-enum-varnames".to_string(), serde_json::json!(names));
    }
}

/// The component names of the variants of `Auth`, by `authType` value.
///
/// **Decision (tagged union, 1.1.0; no `discriminator` since 2.0.0):**
/// `Auth` is a `oneOf` of named component schemas (`AuthNone`,
/// `AuthOAuth`, each with a title), so generators produce named types.
/// Each variant requires `authType` and allows it one value, so exactly one
/// variant matches any body, and a generator that tries each in turn picks
/// the right one. `Auth` carries no `discriminator`: 1.1.0 had one, and
/// openapi-generator's `rust` generator then tags its enum with
/// `authType` and also requires `authType` in each variant's struct, so
/// its models could parse no connection at all (its upstream problem, open
/// there). Without it that generator makes an untagged enum, and every
/// other generator of the consumer matrix (`cargo xtask consumers`) still
/// maps both variants; the wire form is the same. The Rust type stays one
/// internally tagged enum (`Auth`).
pub const AUTH_VARIANTS: &[(&str, &str)] = &[("NONE", "AuthNone"), ("OAUTH", "AuthOAuth")];

fn name_auth_variants(
    schemas: &mut std::collections::BTreeMap<String, openapi::RefOr<openapi::Schema>>,
) {
    let Some(openapi::RefOr::T(openapi::Schema::OneOf(auth))) = schemas.get_mut("Auth") else {
        panic!("Auth is not a oneOf schema");
    };
    let variants = std::mem::take(&mut auth.items);
    assert_eq!(variants.len(), AUTH_VARIANTS.len(), "Auth variants");
    let mut named = Vec::new();
    for (variant, (tag, component)) in variants.into_iter().zip(AUTH_VARIANTS) {
        let openapi::RefOr::T(openapi::Schema::Object(mut object)) = variant else {
            panic!("Auth variant {tag} is not an inline object");
        };
        let declared = object
            .properties
            .get("authType")
            .and_then(|tag_schema| match tag_schema {
                openapi::RefOr::T(openapi::Schema::Object(tag_schema)) => {
                    tag_schema.enum_values.clone()
                }
                _ => None,
            });
        assert_eq!(
            declared,
            Some(vec![serde_json::json!(tag)]),
            "Auth variant {component} is tagged {tag}"
        );
        object.title = Some(component.to_string());
        let reference = format!("#/components/schemas/{component}");
        named.push((component.to_string(), object));
        auth.items
            .push(openapi::RefOr::Ref(openapi::Ref::new(reference)));
    }
    for (component, object) in named {
        schemas.insert(
            component,
            openapi::RefOr::T(openapi::Schema::Object(object)),
        );
    }
}

fn attach_examples(doc: &mut openapi::OpenApi) {
    for example in examples::ALL {
        let content = doc
            .paths
            .paths
            .values_mut()
            .flat_map(|item| [item.get.as_mut(), item.put.as_mut(), item.post.as_mut()])
            .flatten()
            .find(|op| op.operation_id.as_deref() == Some(example.operation_id))
            .and_then(|op| match example.placement {
                Placement::Request => op.request_body.as_mut().and_then(|body| match body {
                    openapi::RefOr::T(body) => body.content.get_mut("application/json"),
                    openapi::RefOr::Ref(_) => None,
                }),
                Placement::Response(status) => op
                    .responses
                    .responses
                    .get_mut(&status.to_string())
                    .and_then(|r| match r {
                        openapi::RefOr::T(r) => r.content.get_mut("application/json"),
                        openapi::RefOr::Ref(_) => None,
                    }),
            });
        let Some(openapi::RefOr::T(content)) = content else {
            panic!(
                "example {} names {} {:?}, which the operations do not have",
                example.name, example.operation_id, example.placement
            );
        };
        content.examples.insert(
            example.name.to_string(),
            openapi::RefOr::T(
                ExampleBuilder::new()
                    .summary(example.summary)
                    .description(example.description())
                    .value(Some(example.value()))
                    .build(),
            ),
        );
    }
}

/// The document, as utoipa builds it.
pub fn openapi() -> openapi::OpenApi {
    ApiDoc::openapi()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> serde_json::Value {
        serde_json::to_value(openapi()).unwrap()
    }

    #[test]
    fn every_operation_requires_the_bearer_token() {
        let doc = document();
        let mut operations = 0;
        for item in doc["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                operations += 1;
                assert_eq!(
                    operation["security"],
                    serde_json::json!([{ SECURITY_SCHEME: [] }])
                );
            }
        }
        assert_eq!(operations, 5);
        assert_eq!(
            doc["components"]["securitySchemes"][SECURITY_SCHEME]["scheme"],
            "bearer"
        );
    }

    #[test]
    fn servers_are_the_regions_and_the_sandbox() {
        let doc = document();
        let urls: Vec<&str> = doc["servers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["url"].as_str())
            .collect();
        assert_eq!(urls.len(), REGIONAL_SERVERS.len() + 1);
        assert!(urls.contains(&SANDBOX_SERVER));
        assert_eq!(doc["info"]["version"], CONTRACT_VERSION);
        assert_eq!(doc["openapi"], "3.1.0");
    }

    #[test]
    fn every_error_status_uses_the_one_error_schema() {
        let doc = document();
        for item in doc["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                for (status, response) in operation["responses"].as_object().unwrap() {
                    if status.starts_with('4') || status.starts_with('5') {
                        assert_eq!(
                            response["content"]["application/json"]["schema"]["$ref"],
                            "#/components/schemas/ErrorBody",
                            "{} {status}",
                            operation["operationId"]
                        );
                    }
                }
            }
        }
    }
}
