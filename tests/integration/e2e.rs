//! End to end: the service on an ephemeral port, called through the
//! generated client; error details, health and reflection.

use std::time::Duration;

use mentormatch::pb;
use mentormatch::tools::synth::{generate, SynthConfig};
use mentormatch::ServerConfig;
use tonic::Code;
use tonic_types::StatusExt;

use crate::util::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn solves_the_example_like_the_library() {
    let server = start_server(ServerConfig::default()).await;
    let mut client = server.client().await;
    let req = example_request();
    let resp = client
        .solve(req.clone())
        .await
        .expect("solve failed")
        .into_inner();
    assert_eq!(resp.status, pb::SolveStatus::Optimal as i32);
    assert_eq!(resp, solve_ok(&req), "gRPC and in-process answers differ");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_argument_carries_field_violations() {
    let server = start_server(ServerConfig::default()).await;
    let mut client = server.client().await;
    let mut req = small_request();
    req.mentors[1].profile.as_mut().unwrap().time_zone = "Mars/Olympus".into();
    req.mentees[0].profile.as_mut().unwrap().country = "ZZ".into();
    let status = client
        .solve(req)
        .await
        .expect_err("an invalid request was accepted");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let bad = status
        .get_details_bad_request()
        .expect("no google.rpc.BadRequest in the status details");
    let fields: Vec<(&str, &str)> = bad
        .field_violations
        .iter()
        .map(|f| (f.field.as_str(), f.description.as_str()))
        .collect();
    assert!(
        fields
            .iter()
            .any(|(f, d)| *f == "mentors[1].profile.time_zone" && d.contains("Mars/Olympus")),
        "{fields:?}"
    );
    assert!(
        fields
            .iter()
            .any(|(f, d)| *f == "mentees[0].profile.country" && d.contains("ZZ")),
        "{fields:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_limit_gives_deadline_exceeded() {
    let server = start_server(ServerConfig::default()).await;
    let mut client = server.client().await;
    let mut req = generate(&SynthConfig {
        mentees: 3000,
        mentors: 300,
        seed: 3,
        max_capacity: 12,
    });
    req.policy.as_mut().unwrap().time_limit_ms = Some(1);
    let status = client.solve(req).await.expect_err("1 ms was enough?");
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(
        status.message().contains("time limit"),
        "{}",
        status.message()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_serving() {
    use tonic_health::pb::{
        health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest,
    };
    let server = start_server(ServerConfig::default()).await;
    let mut health = HealthClient::new(server.channel().await);
    for service in ["", "mentormatch.v1.MatchingService"] {
        let r = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap_or_else(|e| panic!("health check of {service:?}: {e}"))
            .into_inner();
        assert_eq!(
            r.status,
            ServingStatus::Serving as i32,
            "service {service:?}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_lists_the_services() {
    use tonic_reflection::pb::v1::{
        server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        ServerReflectionRequest,
    };
    let server = start_server(ServerConfig::default()).await;
    let mut client = ServerReflectionClient::new(server.channel().await);
    let req = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await
        .expect("reflection call")
        .into_inner();
    let msg = tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .expect("reflection timed out")
        .expect("reflection stream failed")
        .expect("no reflection response");
    let Some(MessageResponse::ListServicesResponse(list)) = msg.message_response else {
        panic!("unexpected reflection response {msg:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for want in [
        "mentormatch.v1.MatchingService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from {names:?}"
        );
    }
    server.stop().await;
}
