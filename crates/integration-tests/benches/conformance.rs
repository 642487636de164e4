//! Speed of the conformance validator, with criterion:
//! - `is_valid/documented_connection`, `violations/documented_connection`,
//!   `violations/two_violations`: one validation of a payload against the
//!   compiled schema of `retrieveConnection`'s 200 response (the same
//!   payloads `cargo xtask bench` gives Python's `jsonschema`);
//! - `compile/document`: loading the committed document and compiling
//!   every schema;
//! - `live/full_suite`: the whole live suite against an in-process sandbox
//!   on 127.0.0.1.
//!
//! `cargo bench -p connections-integration-tests --bench conformance`;
//! `cargo xtask bench` runs it and reads criterion's estimates.

use std::hint::black_box;

use connections_conformance::{
    COMMITTED_DOCUMENT, Contract,
    live::{LiveConfig, random_token, run_live},
    payload::{Direction, payload_schema},
};
use connections_integration_tests::{OPERATION, Payloads, STATUS};
use connections_sandbox::{OutboundPolicy, Sandbox, SandboxConfig};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;

fn validation(c: &mut Criterion) {
    let contract = Contract::from_json(COMMITTED_DOCUMENT).expect("the document compiles");
    let (_, schema) = payload_schema(&contract, OPERATION, Direction::Response(STATUS))
        .expect("the schema exists");
    let payloads = Payloads::built_in().expect("the payloads build");
    let valid: Value = serde_json::from_str(&payloads.documented_connection).expect("JSON");
    let invalid: Value = serde_json::from_str(&payloads.two_violations).expect("JSON");
    // The payloads give the answers the benchmark names promise.
    assert!(schema.is_valid(&valid), "{:?}", schema.violations(&valid));
    assert_eq!(schema.violations(&invalid).len(), 2);

    let mut group = c.benchmark_group("is_valid");
    group.throughput(Throughput::Elements(1));
    group.bench_function("documented_connection", |b| {
        b.iter(|| schema.is_valid(black_box(&valid)))
    });
    group.finish();
    let mut group = c.benchmark_group("violations");
    group.throughput(Throughput::Elements(1));
    group.bench_function("documented_connection", |b| {
        b.iter(|| schema.violations(black_box(&valid)))
    });
    group.bench_function("two_violations", |b| {
        b.iter(|| schema.violations(black_box(&invalid)))
    });
    group.finish();
}

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(20);
    group.bench_function("document", |b| {
        b.iter(|| Contract::from_json(black_box(COMMITTED_DOCUMENT)).expect("compiles"))
    });
    group.finish();
}

fn live(c: &mut Criterion) {
    let contract = Contract::from_json(COMMITTED_DOCUMENT).expect("the document compiles");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let token = random_token();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig {
            token: Some(token.clone()),
            // testConnection calls the sandbox itself, on 127.0.0.1.
            outbound: OutboundPolicy {
                allow_private_targets: true,
                ..OutboundPolicy::default()
            },
            ..SandboxConfig::ephemeral()
        }))
        .expect("the sandbox starts");
    let mut config = LiveConfig::new(sandbox.base_url().parse().expect("a URL"), token);
    // The scripted scenario (`cargo xtask bench-schemathesis` measures the
    // generative phases).
    config.generative.phases = [connections_conformance::phases::Phase::Stateful]
        .into_iter()
        .collect();
    let mut group = c.benchmark_group("live");
    group.sample_size(10);
    group.bench_function("full_suite", |b| {
        b.iter(|| {
            let report = runtime
                .block_on(run_live(&contract, &config, |_| {}))
                .expect("the suite runs");
            assert!(report.passed(), "{}", report.render_human());
        })
    });
    group.finish();
    runtime
        .block_on(sandbox.shutdown())
        .expect("the sandbox stops");
}

criterion_group!(benches, validation, compile, live);
criterion_main!(benches);
