//! `mentormatch call`: a gRPC client for a running service, so a fresh
//! machine can call it without grpcurl. Requests and responses are the
//! same proto3 JSON files as the offline commands.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::ValueEnum;
use mentormatch::pb;
use mentormatch::pb::matching_service_client::MatchingServiceClient;
use tonic::Code;
use tonic_types::StatusExt;

use super::{read_json, to_json, write_output, InputError};

/// The RPC to call.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum Method {
    /// `Solve` with a `SolveRequest`.
    Solve,
    /// `WhatIf` with a `WhatIfRequest`.
    Whatif,
    /// `Validate` with a `SolveRequest` (wrapped in a `ValidateRequest`).
    Validate,
    /// `Alternatives` with an `AlternativesRequest`.
    Alternatives,
    /// `grpc.health.v1.Health/Check` of the matching service (no file).
    Health,
}

/// Calls `method` at `addr` with the request in `file` and prints the
/// response; a gRPC error becomes the exit code (2 for INVALID_ARGUMENT).
pub(super) fn call(
    addr: &str,
    method: Method,
    file: Option<&Path>,
    timeout: Duration,
) -> Result<()> {
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    rt.block_on(async move {
        let channel = tonic::transport::Endpoint::from_shared(addr.to_string())
            .with_context(|| format!("{addr:?} is not a URL such as http://127.0.0.1:50051"))?
            .timeout(timeout)
            .connect()
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        let file = || file.ok_or_else(|| InputError(format!("{method:?} needs a request file")));
        let mut client = MatchingServiceClient::new(channel.clone())
            .max_decoding_message_size(usize::MAX)
            .max_encoding_message_size(usize::MAX);
        let text = match method {
            Method::Solve => {
                let req: pb::SolveRequest = read_json(file()?)?;
                to_json(&client.solve(req).await.map_err(status)?.into_inner())?
            }
            Method::Whatif => {
                let req: pb::WhatIfRequest = read_json(file()?)?;
                to_json(&client.what_if(req).await.map_err(status)?.into_inner())?
            }
            Method::Validate => {
                let req = pb::ValidateRequest {
                    request: Some(read_json(file()?)?),
                };
                to_json(&client.validate(req).await.map_err(status)?.into_inner())?
            }
            Method::Alternatives => {
                let req: pb::AlternativesRequest = read_json(file()?)?;
                to_json(&client.alternatives(req).await.map_err(status)?.into_inner())?
            }
            Method::Health => {
                let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
                let req = tonic_health::pb::HealthCheckRequest {
                    service: "mentormatch.v1.MatchingService".into(),
                };
                let resp = health.check(req).await.map_err(status)?.into_inner();
                let serving =
                    tonic_health::pb::health_check_response::ServingStatus::try_from(resp.status)
                        .map_or("UNKNOWN", |s| s.as_str_name());
                format!("{serving}\n")
            }
        };
        write_output(None, &text)
    })
}

/// A gRPC error in words: code, message, and each field violation; invalid
/// input exits with 2.
fn status(s: tonic::Status) -> anyhow::Error {
    let mut text = format!("{:?}: {}", s.code(), s.message());
    if let Some(bad) = s.get_details_bad_request() {
        for v in &bad.field_violations {
            text.push_str(&format!("\n  {}: {}", v.field, v.description));
        }
    }
    if s.code() == Code::InvalidArgument {
        InputError(text).into()
    } else {
        anyhow::anyhow!(text)
    }
}
