//! The contract: an OpenAPI 3.1 document with its JSON Schemas compiled
//! once. It lives in the document layer, `connections-openapi`; this
//! module names it for the checks of this crate.

pub use connections_openapi::contract::{
    CompiledSchema, Contract, ContractError, ContractError as ConformanceError, MediaType,
    Operation, ParameterSpec, RequestBodySpec, ResponseSpec, SchemaRef, Violation,
    escape_pointer_segment, is_json_media_type, media_type_essence, resolve_ref,
};
