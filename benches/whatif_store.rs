//! What-if from a stored run against a cold solve, through real servers
//! (gRPC, protobuf, a SQLite run store): `cargo bench --bench whatif_store`.
//!
//! - `solve_stored`: a cold `Solve` of the 10 000 × 1 000 programme (seed
//!   1), recorded, on a server that keeps no scored bases (nothing runs
//!   after the answer);
//! - `what_if_kept_changes`: `WhatIf` with `base_run_id` of that
//!   programme's run, one mentor removed, stability weight 5, the CHANGES
//!   view, on a server that kept the run's scores and baseline state;
//! - `what_if_kept_full`: the same in the FULL view (every pair back);
//! - `what_if_not_kept`: the CHANGES what-if on a server that keeps no
//!   scores (it reads the run from the store and scores its base).
//!
//! Each is measured client side: request sent to answer received.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use mentormatch::pb;
use mentormatch::pb::matching_service_client::MatchingServiceClient;
use mentormatch::service::{Extras, RUN_ID_HEADER};
use mentormatch::tools::synth::{generate, SynthConfig};
use mentormatch::ServerConfig;
use tonic::transport::Channel;

type Client = MatchingServiceClient<Channel>;

/// A server on an ephemeral port with a SQLite store in `dir`, keeping
/// `cache` bytes of scored bases.
async fn server(dir: &std::path::Path, name: &str, cache: usize) -> Client {
    let store = mentormatch::store::open(dir.join(name).to_str().expect("utf-8"))
        .await
        .expect("store");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let addr = listener.local_addr().expect("address");
    let config = ServerConfig {
        scored_base_cache_bytes: cache,
        ..ServerConfig::default()
    };
    let extras = Extras {
        store: Some(store),
        ..Extras::default()
    };
    tokio::spawn(mentormatch::service::serve_with(
        listener,
        extras,
        config,
        std::future::pending(),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;
    MatchingServiceClient::connect(format!("http://{addr}"))
        .await
        .expect("connected")
        .max_decoding_message_size(usize::MAX)
        .max_encoding_message_size(usize::MAX)
}

async fn solve_run(c: &mut Client, req: &pb::SolveRequest) -> String {
    let resp = c.solve(req.clone()).await.expect("solved");
    resp.metadata()
        .get(RUN_ID_HEADER)
        .expect("a run id")
        .to_str()
        .expect("ascii")
        .to_string()
}

fn what_if(run_id: &str, view: pb::WhatIfView) -> pb::WhatIfRequest {
    pb::WhatIfRequest {
        base_run_id: run_id.to_string(),
        view: view as i32,
        stability_weight: 5.0,
        scenarios: vec![pb::Scenario {
            name: "m17 withdraws".into(),
            edits: vec![pb::Edit {
                edit: Some(pb::edit::Edit::RemoveMentor("m17".into())),
            }],
        }],
        ..Default::default()
    }
}

fn stored(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut req = generate(&SynthConfig {
        mentees: 10_000,
        mentors: 1_000,
        seed: 1,
        max_capacity: 20,
    });
    req.programme_id = "bench".into();
    req.cohort = "2021".into();
    let (mut cold, mut kept, mut not_kept) = rt.block_on(async {
        (
            server(dir.path(), "cold.sqlite", 0).await,
            server(dir.path(), "kept.sqlite", 1 << 30).await,
            server(dir.path(), "not-kept.sqlite", 0).await,
        )
    });
    let (kept_run, not_kept_run) = rt.block_on(async {
        let a = solve_run(&mut kept, &req).await;
        let b = solve_run(&mut not_kept, &req).await;
        // The kept server sorts the run's scores after answering.
        tokio::time::sleep(Duration::from_secs(3)).await;
        (a, b)
    });
    let mut g = c.benchmark_group("10k_x_1k_stored");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("solve_stored", |b| {
        b.iter(|| rt.block_on(cold.solve(req.clone())).expect("solved"))
    });
    use pb::WhatIfView::{Changes, Full};
    g.bench_function("what_if_kept_changes", |b| {
        b.iter(|| {
            rt.block_on(kept.what_if(what_if(&kept_run, Changes)))
                .expect("what-if")
        })
    });
    g.bench_function("what_if_kept_full", |b| {
        b.iter(|| {
            rt.block_on(kept.what_if(what_if(&kept_run, Full)))
                .expect("what-if")
        })
    });
    g.bench_function("what_if_not_kept", |b| {
        b.iter(|| {
            rt.block_on(not_kept.what_if(what_if(&not_kept_run, Changes)))
                .expect("what-if")
        })
    });
    g.finish();
}

criterion_group!(benches, stored);
criterion_main!(benches);
