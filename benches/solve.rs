//! Criterion benchmarks: `cargo bench --bench solve`.
//!
//! - the bundled example end to end (validate, score, solve, explain);
//! - a synthetic 1 000 mentees × 100 mentors programme end to end;
//! - the flow and MILP engines alone on the example's candidate arcs.
//!
//! The 10 000 × 1 000 figures (with peak memory) come from `bench/bench.sh`,
//! which times the CLI end to end including JSON read and write.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use mentormatch::model::Objective;
use mentormatch::pb;
use mentormatch::solvers::candidates::instance;
use mentormatch::solvers::{flow::FlowEngine, milp::MilpEngine, Deadline, Engine};
use mentormatch::tools::synth::{generate, SynthConfig};
use mentormatch::wire::problem_from_request;
use mentormatch::Limits;
use mentormatch::SolveOptions;

fn example() -> pb::SolveRequest {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/cmr-2021/request.json"
    ))
    .expect("example request");
    serde_json::from_str(&text).expect("example parses")
}

fn end_to_end(c: &mut Criterion) {
    let limits = Limits::default();
    let opts = SolveOptions::default();
    let ex = example();
    c.bench_function("example_end_to_end", |b| {
        b.iter(|| mentormatch::api::solve(black_box(&ex), &limits, &opts).expect("solves"))
    });
    let synth = generate(&SynthConfig {
        mentees: 1000,
        mentors: 100,
        seed: 1,
        max_capacity: 20,
    });
    let mut g = c.benchmark_group("synthetic");
    g.sample_size(20);
    g.bench_function("1k_x_100_end_to_end", |b| {
        b.iter(|| mentormatch::api::solve(black_box(&synth), &limits, &opts).expect("solves"))
    });
    g.finish();
}

fn engines(c: &mut Criterion) {
    let problem = problem_from_request(&example(), &Limits::default()).expect("valid");
    let inst = instance(&problem, 1).expect("scored");
    c.bench_function("example_flow_engine", |b| {
        b.iter(|| {
            FlowEngine::default().solve(
                black_box(&inst),
                Objective::CoverageThenScore,
                Deadline::NONE,
            )
        })
    });
    let mut g = c.benchmark_group("milp");
    g.sample_size(10);
    g.bench_function("example_milp_engine", |b| {
        b.iter(|| {
            MilpEngine.solve(
                black_box(&inst),
                Objective::CoverageThenScore,
                Deadline::NONE,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, end_to_end, engines);
criterion_main!(benches);
