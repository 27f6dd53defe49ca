//! The gRPC service: `mentormatch.v1.MatchingService`, plus the standard
//! health service and server reflection (so `grpcurl` works untouched).
//!
//! The only hand-written file that knows tonic. Requests are solved on
//! the blocking pool, at most `max_concurrent` at a time; the gRPC deadline
//! (`grpc-timeout`) and the server's time limit both bound the solve. Logs
//! carry request ids and counts, never names or profile text.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{Code, Request, Response, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::error::Error;
use crate::settings::{Limits, ServerConfig, SolveOptions};
use crate::wire::pb;
use crate::wire::pb::matching_service_server::{MatchingService, MatchingServiceServer};

/// The matching service.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    config: ServerConfig,
    permits: Arc<Semaphore>,
}

impl Matcher {
    /// A service with the given settings.
    pub(crate) fn new(config: ServerConfig) -> Self {
        Matcher {
            config,
            permits: Arc::new(Semaphore::new(config.max_concurrent.max(1))),
        }
    }
}

/// Maps a library error to a gRPC status; invalid input carries
/// `google.rpc.BadRequest` field violations.
pub(crate) fn status_from_error(e: &Error) -> Status {
    match e {
        Error::InvalidArgument(v) => {
            let violations: Vec<tonic_types::FieldViolation> = v
                .iter()
                .map(|f| tonic_types::FieldViolation::new(f.field.clone(), f.description.clone()))
                .collect();
            Status::with_error_details(
                Code::InvalidArgument,
                e.to_string(),
                ErrorDetails::with_bad_request(violations),
            )
        }
        Error::TimeLimit(_) => Status::deadline_exceeded(e.to_string()),
        Error::Solver(_) => Status::internal(e.to_string()),
    }
}

/// Parses a `grpc-timeout` header value ("100m", "5S", …).
fn grpc_timeout(v: &str) -> Option<Duration> {
    let (digits, unit) = v.split_at(v.len().checked_sub(1)?);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.checked_mul(3600)?),
        "M" => Duration::from_secs(n.checked_mul(60)?),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

#[tonic::async_trait]
impl MatchingService for Matcher {
    async fn solve(
        &self,
        request: Request<pb::SolveRequest>,
    ) -> Result<Response<pb::SolveResponse>, Status> {
        let deadline = deadline_of(&request);
        let req = request.into_inner();
        let span = tracing::info_span!("solve", request_id = %req.request_id);
        self.blocking(span, move |l, o| crate::api::solve(&req, l, o), deadline)
            .await
            .map(Response::new)
    }

    async fn what_if(
        &self,
        request: Request<pb::WhatIfRequest>,
    ) -> Result<Response<pb::WhatIfResponse>, Status> {
        let deadline = deadline_of(&request);
        let req = request.into_inner();
        let id = request_id(req.base.as_ref());
        let span =
            tracing::info_span!("what_if", request_id = %id, scenarios = req.scenarios.len());
        self.blocking(span, move |l, o| crate::api::what_if(&req, l, o), deadline)
            .await
            .map(Response::new)
    }

    async fn validate(
        &self,
        request: Request<pb::ValidateRequest>,
    ) -> Result<Response<pb::ValidateResponse>, Status> {
        let deadline = deadline_of(&request);
        let req = request.into_inner();
        let id = request_id(req.request.as_ref());
        let span = tracing::info_span!("validate", request_id = %id);
        self.blocking(span, move |l, o| crate::api::validate(&req, l, o), deadline)
            .await
            .map(Response::new)
    }

    async fn alternatives(
        &self,
        request: Request<pb::AlternativesRequest>,
    ) -> Result<Response<pb::AlternativesResponse>, Status> {
        let deadline = deadline_of(&request);
        let req = request.into_inner();
        let id = request_id(req.request.as_ref());
        let span = tracing::info_span!("alternatives", request_id = %id, mentee = %req.mentee_id);
        self.blocking(
            span,
            move |l, o| crate::api::alternatives(&req, l, o),
            deadline,
        )
        .await
        .map(Response::new)
    }
}

impl Matcher {
    /// Runs a blocking job on the pool under the concurrency limit.
    async fn blocking<T: Send + 'static>(
        &self,
        span: tracing::Span,
        job: impl FnOnce(&Limits, &SolveOptions) -> Result<T, Error> + Send + 'static,
        deadline: Option<Instant>,
    ) -> Result<T, Status> {
        let _permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Status::unavailable("server shutting down"))?;
        let limits = self.config.limits;
        let opts = SolveOptions {
            max_time: self.config.max_time,
            deadline,
            threads: self.config.threads_per_solve.max(1),
        };
        let result = tokio::task::spawn_blocking(move || {
            let _g = span.enter();
            job(&limits, &opts)
        })
        .await
        .map_err(|e| Status::internal(format!("task failed: {e}")))?;
        result.map_err(|e| {
            tracing::warn!(error_kind = error_kind(&e), "request rejected");
            status_from_error(&e)
        })
    }
}

/// The request id of an embedded request, for log spans.
fn request_id(req: Option<&pb::SolveRequest>) -> String {
    req.map_or(String::new(), |r| r.request_id.clone())
}

fn deadline_of<T>(request: &Request<T>) -> Option<Instant> {
    let start = Instant::now();
    request
        .metadata()
        .get("grpc-timeout")
        .and_then(|v| v.to_str().ok())
        .and_then(grpc_timeout)
        .and_then(|d| start.checked_add(d))
}

fn error_kind(e: &Error) -> &'static str {
    match e {
        Error::InvalidArgument(_) => "invalid_argument",
        Error::TimeLimit(_) => "time_limit",
        Error::Solver(_) => "solver",
    }
}

/// Serves the matching, health and reflection services on `listener` until
/// `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<MatchingServiceServer<Matcher>>().await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let matcher = MatchingServiceServer::new(Matcher::new(config))
        .max_decoding_message_size(config.max_message_bytes)
        .max_encoding_message_size(config.max_message_bytes);
    tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(reflection)
        .add_service(matcher)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::grpc_timeout;
    use std::time::Duration;

    #[test]
    fn parses_grpc_timeouts() {
        assert_eq!(grpc_timeout("100m"), Some(Duration::from_millis(100)));
        assert_eq!(grpc_timeout("5S"), Some(Duration::from_secs(5)));
        assert_eq!(grpc_timeout("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(grpc_timeout("x"), None);
        assert_eq!(grpc_timeout(""), None);
    }
}
