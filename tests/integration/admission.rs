//! Admission and drain, deterministically: solves held at the service's
//! gate (`Extras::gate`) while the test checks the queue, a deadline, the
//! health entries and the drain, then let through — no sleep that guesses
//! how fast this machine solves.

use std::time::{Duration, Instant};

use mentormatch::pb;
use mentormatch::{service, ServerConfig};
use tonic::Code;

use crate::service::{large_request, one_solver};
use crate::util::*;

/// An in-process server whose solves wait at a closed gate, with its admin
/// endpoint: the gate and the admin address.
async fn gated_server(config: ServerConfig) -> (TestServer, service::Gate, std::net::SocketAddr) {
    let gate = service::Gate::closed();
    let admin = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("admin port");
    let admin_addr = admin.local_addr().expect("admin address");
    let extras = service::Extras {
        gate: Some(gate.clone()),
        admin: Some(admin),
        ..Default::default()
    };
    (start_server_with(config, extras).await, gate, admin_addr)
}

/// A solve in flight: its task.
type Held = tokio::task::JoinHandle<Result<tonic::Response<pb::SolveResponse>, tonic::Status>>;

/// A small solve sent to `server`, once it waits at the gate with its slot.
async fn hold_a_solve(server: &TestServer, gate: &service::Gate) -> Held {
    let mut c = server.client().await;
    let held = tokio::spawn(async move { c.solve(small_request()).await });
    gate.holding(1).await;
    held
}

/// Opens the gate: the held solve is answered, OPTIMAL.
async fn release(gate: &service::Gate, held: Held) {
    gate.open();
    let answer = held.await.expect("joined").expect("the held call answers");
    assert_eq!(answer.into_inner().status, pb::SolveStatus::Optimal as i32);
}

/// A call waiting for a solver past its gRPC deadline is answered with
/// DEADLINE_EXCEEDED, and does not run later. The first call holds the
/// one solver at a gate (not a request guessed to be slow enough).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_call_past_its_deadline_is_refused() {
    let (server, gate, _) = gated_server(one_solver()).await;
    let running = hold_a_solve(&server, &gate).await;
    let mut client = server.client().await;
    let mut req = tonic::Request::new(small_request());
    req.set_timeout(Duration::from_millis(300));
    let status = client.solve(req).await.expect_err("no solver was free");
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    // Only the first call ever reached the solver.
    assert_eq!(gate.held(), 1);
    release(&gate, running).await;
    server.stop().await;
}

/// A drain turns every health entry NOT_SERVING — the server's overall
/// entry "" that probes and load balancers read, and the service's — while
/// a call in flight (held at the gate) still gets its answer; a new call is
/// refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draining_turns_every_health_entry_not_serving() {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
    let (mut server, gate, _) = gated_server(ServerConfig::default()).await;
    let channel = server.channel().await;
    let status = |service: &'static str| {
        let mut health = HealthClient::new(channel.clone());
        async move {
            let req = HealthCheckRequest {
                service: service.into(),
            };
            health.check(req).await.expect("health").into_inner().status
        }
    };
    const SERVICE: &str = "mentormatch.v1.MatchingService";
    for entry in ["", SERVICE] {
        assert_eq!(
            status(entry).await,
            ServingStatus::Serving as i32,
            "{entry:?}"
        );
    }
    let in_flight = hold_a_solve(&server, &gate).await;
    server.begin_stop();
    // The drain has begun once the overall entry says so; then every entry
    // says NOT_SERVING while the call is still held.
    let mut watch = HealthClient::new(channel.clone())
        .watch(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("watch")
        .into_inner();
    while let Some(r) = watch.message().await.expect("a status") {
        if r.status == ServingStatus::NotServing as i32 {
            break;
        }
    }
    for entry in ["", SERVICE] {
        assert_eq!(
            status(entry).await,
            ServingStatus::NotServing as i32,
            "{entry:?}"
        );
    }
    assert_eq!(gate.held(), 1, "the call is still in flight");
    let refused = server
        .client()
        .await
        .solve(small_request())
        .await
        .expect_err("refused while draining");
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    release(&gate, in_flight).await;
    // A health watch still open does not hold the shutdown: the server ends
    // it once drained.
    server.stop().await;
    while let Ok(Some(_)) = watch.message().await {}
}

/// A full queue refuses at once with RESOURCE_EXHAUSTED and a retry hint;
/// so does a request that would pass the budget on bytes in flight. The
/// large request holds the one solver at a gate, however fast the machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_refuses_at_once() {
    use prost::Message;
    let (big, small) = (large_request().encoded_len(), small_request().encoded_len());
    let config = ServerConfig {
        max_queue: 1,
        // Room for one large request and two small ones.
        max_inflight_bytes: big + 2 * small,
        ..one_solver()
    };
    let (server, gate, admin_addr) = gated_server(config).await;
    let (mut running, mut queued) = (server.client().await, server.client().await);
    let a = tokio::spawn(async move { running.solve(large_request()).await });
    gate.holding(1).await;
    let b = tokio::spawn(async move { queued.solve(small_request()).await });
    // Until the second call waits in the queue (polled: no guess of a time).
    let mut waiting = false;
    for _ in 0..1000 {
        if metric(&metrics_page(admin_addr).await, "mentormatch_calls_waiting") == 1.0 {
            waiting = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(waiting, "the second call never queued");
    let t = Instant::now();
    let status = server
        .client()
        .await
        .solve(small_request())
        .await
        .expect_err("the queue is full");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    // Refused without waiting for the solver (held until the gate opens).
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "refused after {:?}",
        t.elapsed()
    );
    let retry = tonic_types::StatusExt::get_details_retry_info(&status).expect("RetryInfo");
    assert!(retry.retry_delay.is_some());
    // Two large requests at once pass the byte budget: the second is refused.
    let mut big = server.client().await;
    let status = big
        .solve(large_request())
        .await
        .expect_err("over the byte budget");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(status.message().contains("budget"), "{}", status.message());
    a.abort();
    b.abort();
    gate.open();
    server.stop().await;
}
