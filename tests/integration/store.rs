//! The run store: the same contract on SQLite and on a real PostgreSQL
//! server (`MENTORMATCH_TEST_PG`, which `.ci/run` starts), runs that
//! survive a server restart, and two replicas sharing one database.

use std::sync::Arc;

use mentormatch::service::{Extras, RUN_ID_HEADER};
use mentormatch::store::{self, DecisionKind, DecisionRecord, Method, RunFilter, RunRecord, Store};
use mentormatch::{pb, ServerConfig};
use prost::Message;
use tonic::Code;

use crate::util::*;

/// The PostgreSQL URL of the test server; `.ci/run` starts one.
pub fn pg_url() -> String {
    std::env::var("MENTORMATCH_TEST_PG").unwrap_or_else(|_| {
        panic!(
            "MENTORMATCH_TEST_PG is not set: the store tests need a PostgreSQL server \
             (`bash .ci/postgres.sh start` prints one; `.ci/run` starts it itself)"
        )
    })
}

/// A programme id no other test run uses.
pub fn fresh_programme() -> String {
    format!("test-{}", uuid::Uuid::now_v7())
}

fn record(programme: &str, k: usize) -> RunRecord {
    let mut run = RunRecord::new(Method::Solve, vec![k as u8; k + 1], "alice");
    run.programme_id = programme.to_string();
    run.cohort = if k.is_multiple_of(2) { "even" } else { "odd" }.to_string();
    run.status = "OK".into();
    run.elapsed_ms = k as f64 + 0.5;
    run.response = vec![7; k];
    run
}

/// What every backend must do: concurrent writers lose nothing, a run
/// reads back whole, listings are newest first, filtered and paged.
async fn contract(store: Arc<dyn Store>) {
    let programme = fresh_programme();
    let writers: Vec<_> = (0..20)
        .map(|k| {
            let (store, run) = (store.clone(), record(&programme, k));
            tokio::spawn(async move {
                store.record(&run).await.expect("recorded");
                run
            })
        })
        .collect();
    let mut written = Vec::new();
    for w in writers {
        written.push(w.await.expect("writer"));
    }
    for run in &written {
        let back = store.get(&run.run_id).await.expect("read").expect("found");
        assert_eq!(&back, run, "a run reads back whole");
    }
    let all = RunFilter {
        programme_id: programme.clone(),
        cohort: String::new(),
    };
    let mut paged = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let page = store
            .list(&all, 7, before.as_deref())
            .await
            .expect("listed");
        assert!(page
            .iter()
            .all(|r| r.request.is_empty() && r.response.is_empty()));
        before = page.last().map(|r| r.run_id.clone());
        let n = page.len();
        paged.extend(page.into_iter().map(|r| r.run_id));
        if n < 7 {
            break;
        }
    }
    let mut ids: Vec<String> = written.iter().map(|r| r.run_id.clone()).collect();
    ids.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(paged, ids, "every run once, newest first");
    let odd = RunFilter {
        programme_id: programme.clone(),
        cohort: "odd".into(),
    };
    assert_eq!(store.list(&odd, 100, None).await.expect("listed").len(), 10);
    assert!(store.get("no-such-run").await.expect("read").is_none());
    decisions_contract(store.clone(), &programme).await;
    adoptions_contract(store.clone(), &programme).await;
    retention_contract(store).await;
}

/// An adoption of `pairs` in `cohort`.
fn adoption(programme: &str, cohort: &str, pairs: &[(&str, &str)]) -> RunRecord {
    let resp = pb::SolveResponse {
        pairs: pairs
            .iter()
            .map(|(m, e)| pb::Pair {
                mentor_id: m.to_string(),
                mentee_id: e.to_string(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let mut run = RunRecord::new(
        Method::Adopt,
        pb::SolveRequest::default().encode_to_vec(),
        "carol",
    );
    run.programme_id = programme.to_string();
    run.cohort = cohort.to_string();
    run.status = "OK".into();
    run.response = resp.encode_to_vec();
    run
}

/// Each cohort's latest adoption gives the programme's earlier pairs.
async fn adoptions_contract(store: Arc<dyn Store>, programme: &str) {
    for run in [
        adoption(programme, "b", &[("m1", "e1"), ("m2", "e2")]),
        adoption(programme, "a", &[("m3", "e3")]),
        adoption(programme, "b", &[("m2", "e1"), ("m1", "e2")]),
    ] {
        store.record(&run).await.expect("adopted");
    }
    let pairs = store.adopted_pairs(programme).await.expect("pairs");
    let got: Vec<(&str, &str, &str)> = pairs
        .iter()
        .map(|(c, m, e)| (c.as_str(), m.as_str(), e.as_str()))
        .collect();
    assert_eq!(
        got,
        [("a", "m3", "e3"), ("b", "m2", "e1"), ("b", "m1", "e2")]
    );
    let current = store.adopted(programme, Some("b")).await.expect("current");
    assert_eq!(current.len(), 1);
}

fn decided(programme: &str, k: usize) -> DecisionRecord {
    DecisionRecord {
        decision_id: 0,
        programme_id: programme.to_string(),
        cohort: "odd".into(),
        run_id: "r".into(),
        mentor_id: format!("m{k}"),
        mentee_id: format!("e{k}"),
        membership: k.is_multiple_of(3),
        kind: [
            DecisionKind::Accepted,
            DecisionKind::Declined,
            DecisionKind::EndedEarly,
        ][k % 3],
        reason: format!("reason {k}"),
        decided_on: chrono::NaiveDate::from_ymd_opt(2021, 3, 1 + k as u32 % 28).unwrap(),
        recorded_at: store::now(),
        caller: "bob".into(),
    }
}

/// Concurrent decision writers lose nothing; each decision is one event.
async fn decisions_contract(store: Arc<dyn Store>, programme: &str) {
    let writers: Vec<_> = (0..20)
        .map(|k| {
            let (store, batch) = (
                store.clone(),
                vec![decided(programme, 2 * k), decided(programme, 2 * k + 1)],
            );
            tokio::spawn(async move { store.decide(batch).await.expect("decided") })
        })
        .collect();
    let mut written = Vec::new();
    for w in writers {
        written.extend(w.await.expect("writer"));
    }
    written.sort_by_key(|d| d.decision_id);
    let back = store.decisions(programme, "").await.expect("read");
    assert_eq!(
        back, written,
        "every decision, oldest first, read back whole"
    );
    assert!(store
        .decisions(programme, "even")
        .await
        .expect("read")
        .is_empty());
    let events = store.events(programme, 1000, 0).await.expect("events");
    let kinds = |k: &str| events.iter().filter(|e| e.kind == k).count();
    assert_eq!((kinds("run"), kinds("decision")), (20, 40));
    let after = events[9].event_id;
    let page = store.events(programme, 5, after).await.expect("page");
    assert_eq!(page, events[10..15]);
}

/// Pruning deletes what is older than the cut, and only that.
async fn retention_contract(store: Arc<dyn Store>) {
    let programme = fresh_programme();
    let mut old = record(&programme, 1);
    old.created_at = store::now() - chrono::Duration::days(400);
    let new = record(&programme, 2);
    store.record(&old).await.expect("recorded");
    store.record(&new).await.expect("recorded");
    let cut = store::now() - chrono::Duration::days(365);
    let counts = store.prune(cut).await.expect("pruned");
    assert!(counts.runs >= 1 && counts.events >= 1, "{counts:?}");
    assert!(store.get(&old.run_id).await.expect("read").is_none());
    assert!(store.get(&new.run_id).await.expect("read").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_store_keeps_its_contract() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested/runs.sqlite");
    contract(
        store::open(path.to_str().expect("utf-8"))
            .await
            .expect("opened"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_store_keeps_its_contract() {
    contract(store::open(&pg_url()).await.expect("opened")).await;
}

/// A server keeping its runs in the SQLite file at `path`.
pub async fn sqlite_server(path: &std::path::Path) -> TestServer {
    let store = store::open(path.to_str().expect("utf-8"))
        .await
        .expect("opened");
    let extras = Extras {
        store: Some(store),
        ..Extras::default()
    };
    start_server_with(ServerConfig::default(), extras).await
}

/// Extras for a replica on the PostgreSQL database at `url`.
pub async fn replica(url: &str) -> Extras {
    Extras {
        store: Some(store::open(url).await.expect("opened")),
        ..Extras::default()
    }
}

/// The bundled example what-if's scenarios from the stored run `run_id`.
pub fn example_what_if_from(run_id: &str) -> pb::WhatIfRequest {
    pb::WhatIfRequest {
        base: None,
        baseline_pairs: Vec::new(),
        baseline_groups: Vec::new(),
        base_run_id: run_id.to_string(),
        ..example_what_if()
    }
}

/// The bundled example what-if.
pub fn example_what_if() -> pb::WhatIfRequest {
    let text = std::fs::read_to_string(repo_path("examples/cmr-2021/whatif.json")).expect("read");
    serde_json::from_str(&text).expect("a what-if")
}

/// A solve of the example named as programme `programme`, cohort 2021.
pub fn named_request(programme: &str) -> pb::SolveRequest {
    let mut req = example_request();
    req.programme_id = programme.to_string();
    req.cohort = "2021".into();
    req
}

/// Solves `req` on `server`: the response and its run id.
pub async fn solve_recorded(
    server: &TestServer,
    req: pb::SolveRequest,
) -> (pb::SolveResponse, String) {
    let resp = server.client().await.solve(req).await.expect("solved");
    let id = run_id(&resp);
    (resp.into_inner(), id)
}

/// The run id a recorded answer carries in its header.
pub fn run_id<T>(resp: &tonic::Response<T>) -> String {
    resp.metadata()
        .get(RUN_ID_HEADER)
        .expect("a run id header")
        .to_str()
        .expect("ascii")
        .to_string()
}

/// The run `id` through `server`'s GetRun is the request sent and the
/// response received, byte for byte.
async fn assert_run_is(
    server: &TestServer,
    id: &str,
    req: &pb::SolveRequest,
    resp: &pb::SolveResponse,
) {
    let run = server
        .client()
        .await
        .get_run(pb::GetRunRequest { run_id: id.into() })
        .await
        .expect("found")
        .into_inner();
    assert_eq!(run.status, "OK");
    assert_eq!(run.method, "Solve");
    assert_eq!(run.programme_id, req.programme_id);
    match (run.request, run.response) {
        (Some(pb::run::Request::SolveRequest(q)), Some(pb::run::Response::SolveResponse(r))) => {
            assert_eq!(q.encode_to_vec(), req.encode_to_vec());
            assert_eq!(r.encode_to_vec(), resp.encode_to_vec());
        }
        other => panic!("a solve run with its bodies, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_survive_a_server_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("runs.sqlite");
    let programme = fresh_programme();
    let req = named_request(&programme);
    let first = sqlite_server(&path).await;
    let (resp, id) = solve_recorded(&first, req.clone()).await;
    // A stored answer is the answer: the run id travels in a header only.
    assert_eq!(resp.encode_to_vec(), solve_ok(&req).encode_to_vec());
    let mut invalid = req.clone();
    invalid.mentors.clear();
    let status = first
        .client()
        .await
        .solve(invalid)
        .await
        .expect_err("invalid");
    assert_eq!(status.code(), Code::InvalidArgument);
    first.stop().await;

    // A new server on the same file: a restart.
    let second = sqlite_server(&path).await;
    assert_run_is(&second, &id, &req, &resp).await;
    let listed = second
        .client()
        .await
        .list_runs(pb::ListRunsRequest {
            programme_id: programme.clone(),
            ..Default::default()
        })
        .await
        .expect("listed")
        .into_inner();
    let statuses: Vec<&str> = listed.runs.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["INVALID_ARGUMENT", "OK"], "newest first");
    assert!(listed.runs.iter().all(|r| r.request.is_none()));
    assert!(listed.next_page_token.is_empty());
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_one_postgres() {
    let url = pg_url();
    let replica = |store| Extras {
        store: Some(store),
        ..Extras::default()
    };
    let a = start_server_with(
        ServerConfig::default(),
        replica(store::open(&url).await.expect("a")),
    )
    .await;
    let b = start_server_with(
        ServerConfig::default(),
        replica(store::open(&url).await.expect("b")),
    )
    .await;
    let programme = fresh_programme();
    let req = named_request(&programme);
    let (resp, id) = solve_recorded(&a, req.clone()).await;
    assert_run_is(&b, &id, &req, &resp).await;
    let listed = b
        .client()
        .await
        .list_runs(pb::ListRunsRequest {
            programme_id: programme,
            cohort: "2021".into(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .expect("listed")
        .into_inner();
    assert_eq!(listed.runs.len(), 1);
    assert_eq!(listed.runs[0].run_id, id);
    // A what-if through B from the run written through A, recorded by B and
    // read back through A.
    let example = example_what_if();
    let from_run = pb::WhatIfRequest {
        base: None,
        baseline_pairs: Vec::new(),
        baseline_groups: Vec::new(),
        base_run_id: id,
        ..example
    };
    let answered = b
        .client()
        .await
        .what_if(from_run)
        .await
        .expect("what-if through b");
    let what_if_id = run_id(&answered);
    let run = a
        .client()
        .await
        .get_run(pb::GetRunRequest { run_id: what_if_id })
        .await
        .expect("read through a")
        .into_inner();
    assert_eq!((run.method.as_str(), run.status.as_str()), ("WhatIf", "OK"));
    match run.response {
        Some(pb::run::Response::WhatIfResponse(r)) => {
            assert_eq!(r.encode_to_vec(), answered.into_inner().encode_to_vec())
        }
        other => panic!("a what-if response, got {other:?}"),
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_rpcs_name_what_is_wrong() {
    let stateless = start_server(ServerConfig::default()).await;
    let status = stateless
        .client()
        .await
        .get_run(pb::GetRunRequest { run_id: "x".into() })
        .await
        .expect_err("no store");
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    stateless.stop().await;

    let dir = tempfile::tempdir().expect("temp dir");
    let server = sqlite_server(&dir.path().join("runs.sqlite")).await;
    let mut c = server.client().await;
    let missing = c
        .get_run(pb::GetRunRequest {
            run_id: "0190-none".into(),
        })
        .await
        .expect_err("unknown");
    assert_eq!(missing.code(), Code::NotFound);
    let bad = c
        .list_runs(pb::ListRunsRequest {
            page_token: "not a token".into(),
            ..Default::default()
        })
        .await
        .expect_err("bad token");
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(bad.message().contains("page_token"), "{}", bad.message());
    server.stop().await;
}

/// A what-if from a stored run answers byte for byte as the same what-if
/// sent with its base and baseline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_if_from_a_stored_run_equals_what_if_from_its_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = sqlite_server(&dir.path().join("runs.sqlite")).await;
    let req = named_request(&fresh_programme());
    let (resp, id) = solve_recorded(&server, req.clone()).await;
    let example = example_what_if();
    let sent = pb::WhatIfRequest {
        base: Some(req),
        baseline_pairs: mentormatch::api::baseline_pairs(&resp),
        baseline_groups: mentormatch::api::baseline_groups(&resp),
        ..example.clone()
    };
    let stored = pb::WhatIfRequest {
        base: None,
        baseline_pairs: Vec::new(),
        baseline_groups: Vec::new(),
        base_run_id: id.clone(),
        ..example.clone()
    };
    let mut c = server.client().await;
    let a = c
        .what_if(sent)
        .await
        .expect("what-if from data")
        .into_inner();
    let b = c
        .what_if(stored.clone())
        .await
        .expect("what-if from the run")
        .into_inner();
    assert!(!a.results.is_empty());
    assert_eq!(a.encode_to_vec(), b.encode_to_vec(), "byte for byte");
    // Both forms at once, or a run that is not an answered Solve, are refused.
    let both = pb::WhatIfRequest {
        base: Some(example_request()),
        ..stored.clone()
    };
    let status = c.what_if(both).await.expect_err("both");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().starts_with("base:"),
        "{}",
        status.message()
    );
    let mut bad = example_request();
    bad.mentors.clear();
    let refused = c.solve(bad).await.expect_err("invalid");
    assert_eq!(refused.code(), Code::InvalidArgument);
    let listed = c
        .list_runs(pb::ListRunsRequest::default())
        .await
        .expect("listed")
        .into_inner();
    let invalid_run = listed.runs[0].run_id.clone();
    let status = c
        .what_if(pb::WhatIfRequest {
            base_run_id: invalid_run,
            ..stored
        })
        .await
        .expect_err("not an answered Solve");
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    server.stop().await;
}
