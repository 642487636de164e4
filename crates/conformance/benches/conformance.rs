//! Benchmarks of the conformance suite.
//!
//! - `validate/*`: validations per second of the documented Connection
//!   payload (the retrieve-a-connection example, `weatherDataSystem`)
//!   against the compiled schema of `retrieveConnection`'s 200 response:
//!   `is_valid` (the yes/no answer), `violations` on the valid payload
//!   (what a live check does) and on a payload with two violations.
//! - `compile/document`: loading the committed document and compiling
//!   every schema once.
//! - `live/full_suite`: the wall time of the whole live suite against an
//!   in-process sandbox on 127.0.0.1.
//!
//! `benches/python_jsonschema.py` runs the same payloads through Python's
//! `jsonschema` for comparison (see the README's Conformance section).

use std::{hint::black_box, time::Duration};

use connections_conformance::{
    COMMITTED_DOCUMENT, Contract,
    live::{LiveConfig, run_live},
    payload::{Direction, payload_schema},
};
use connections_sandbox::{OutboundPolicy, Sandbox, SandboxConfig};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

/// The retrieve-a-connection example of the document.
fn documented_connection(contract: &Contract) -> Value {
    contract
        .document()
        .pointer(
            "/paths/~1v2~1connections~1{connectionRef}/get/responses/200/content/\
             application~1json/examples/weatherDataSystem/value",
        )
        .cloned()
        .expect("the document has the retrieve-a-connection example")
}

fn validation(c: &mut Criterion) {
    let contract = Contract::from_json(COMMITTED_DOCUMENT).unwrap();
    let (_, schema) =
        payload_schema(&contract, "retrieveConnection", Direction::Response(200)).unwrap();
    let valid = documented_connection(&contract);
    let mut invalid = valid.clone();
    invalid["name"] = json!(42);
    invalid["systemType"] = json!("WAREHOUSE");
    assert!(schema.is_valid(&valid));
    assert_eq!(schema.violations(&invalid).len(), 2);

    let mut group = c.benchmark_group("validate");
    group.throughput(Throughput::Elements(1));
    group.bench_function("is_valid/documented_connection", |b| {
        b.iter(|| schema.is_valid(black_box(&valid)))
    });
    group.bench_function("violations/documented_connection", |b| {
        b.iter(|| schema.violations(black_box(&valid)))
    });
    group.bench_function("violations/two_violations", |b| {
        b.iter(|| schema.violations(black_box(&invalid)))
    });
    group.finish();

    let mut group = c.benchmark_group("compile");
    group.sample_size(20);
    group.bench_function("document", |b| {
        b.iter(|| Contract::from_json(black_box(COMMITTED_DOCUMENT)).unwrap())
    });
    group.finish();
}

fn live_suite(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let contract = Contract::from_json(COMMITTED_DOCUMENT).unwrap();
    let token = "bench-token-5f0c2a9e";
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig {
            token: Some(token.to_string()),
            outbound: OutboundPolicy {
                allow_private_targets: true,
            },
            ..SandboxConfig::ephemeral()
        }))
        .unwrap();
    let config = LiveConfig::new(sandbox.base_url().parse().unwrap(), token);
    let mut group = c.benchmark_group("live");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("full_suite", |b| {
        b.iter(|| {
            let report = runtime
                .block_on(run_live(&contract, &config, |_| {}))
                .unwrap();
            assert!(report.passed());
            report
        })
    });
    group.finish();
    runtime.block_on(sandbox.shutdown()).unwrap();
}

criterion_group!(benches, validation, live_suite);
criterion_main!(benches);
