//! The gRPC service: `mentormatch.v1.MatchingService`, plus the standard
//! health service and server reflection (so `grpcurl` works untouched).
//!
//! The only hand-written file that knows tonic. Requests are solved on
//! the blocking pool, at most `max_concurrent` at a time; the gRPC deadline
//! (`grpc-timeout`) and the server's time limit both bound the solve. Logs
//! carry request ids and counts, never names or profile text.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tonic::transport::server::TcpIncoming;
use tonic::{Code, Request, Response, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::error::Error;
use crate::settings::{Cancel, Limits, ServerConfig, SolveOptions};
use crate::wire::pb;
use crate::wire::pb::matching_service_server::{MatchingService, MatchingServiceServer};

/// The matching service.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    config: ServerConfig,
    permits: Arc<Semaphore>,
    calls: Arc<Calls>,
}

/// The calls a server has in flight, and its drain state.
#[derive(Debug, Default)]
struct Calls {
    /// Calls admitted and not yet answered.
    in_flight: AtomicUsize,
    /// Woken when `in_flight` drops to 0.
    idle: tokio::sync::Notify,
    /// Set on a shutdown signal: new calls are refused.
    draining: AtomicBool,
    /// Set when the drain timeout runs out: every call in flight stops.
    stop: Cancel,
}

impl Calls {
    /// Waits until no call is in flight.
    async fn drained(&self) {
        loop {
            let idle = self.idle.notified();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

/// One admitted call; leaving it ends the call.
struct InFlight(Arc<Calls>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Matcher {
    /// A service with the given settings.
    fn new(config: ServerConfig, calls: Arc<Calls>) -> Self {
        Matcher {
            config,
            permits: Arc::new(Semaphore::new(config.max_concurrent.max(1))),
            calls,
        }
    }
}

/// Maps a library error to a gRPC status; invalid input carries
/// `google.rpc.BadRequest` field violations.
pub(crate) fn status_from_error(e: &Error) -> Status {
    match e {
        Error::InvalidArgument(v) => Status::with_error_details(
            Code::InvalidArgument,
            clip(&e.to_string(), MAX_MESSAGE_CHARS),
            ErrorDetails::with_bad_request(bad_request(v)),
        ),
        Error::TimeLimit(_) => Status::deadline_exceeded(e.to_string()),
        Error::Cancelled => Status::cancelled(e.to_string()),
        Error::Solver(_) => Status::internal(e.to_string()),
    }
}

/// Longest status message, in characters.
const MAX_MESSAGE_CHARS: usize = 512;

/// Longest violation description in the details, in characters.
const MAX_DESCRIPTION_CHARS: usize = 400;

/// Bytes of field paths and descriptions in one reply's `BadRequest`: the
/// details travel base64-encoded in a header, and gRPC clients built on
/// grpc-core refuse headers over 16 KiB; this keeps them under 8 KiB.
const MAX_DETAIL_BYTES: usize = 5 * 1024;

/// The violations that fit in [`MAX_DETAIL_BYTES`], each description
/// clipped; when some do not fit, a last one says how many were left out.
fn bad_request(v: &[crate::FieldViolation]) -> Vec<tonic_types::FieldViolation> {
    let mut out = Vec::new();
    let mut used = 0;
    for (k, f) in v.iter().enumerate() {
        let description = clip(&f.description, MAX_DESCRIPTION_CHARS);
        let cost = f.field.len() + description.len() + 8;
        if used + cost > MAX_DETAIL_BYTES {
            out.push(tonic_types::FieldViolation::new(
                "request",
                format!(
                    "{} more violations left out to keep this reply small; fix these first",
                    v.len() - k
                ),
            ));
            break;
        }
        used += cost;
        out.push(tonic_types::FieldViolation::new(
            f.field.clone(),
            description,
        ));
    }
    out
}

/// `s` cut to `max` characters, with "…" when cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((k, _)) => format!("{}…", &s[..k]),
        None => s.to_string(),
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
    /// Runs a call's job (see [`Matcher::run`]) and writes its access-log
    /// line: the call's span (method, request id), status code, time.
    async fn blocking<T: Send + 'static>(
        &self,
        span: tracing::Span,
        job: impl FnOnce(&Limits, &SolveOptions) -> Result<T, Error> + Send + 'static,
        deadline: Option<Instant>,
    ) -> Result<T, Status> {
        let t0 = Instant::now();
        let result = self.run(span.clone(), job, deadline).await;
        let code = result.as_ref().map_or_else(Status::code, |_| Code::Ok);
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        span.in_scope(|| {
            if code == Code::Internal {
                tracing::warn!(code = ?code, ms, "call");
            } else {
                tracing::info!(code = ?code, ms, "call");
            }
        });
        result
    }

    /// Runs a blocking job on the pool under the concurrency limit. The job
    /// owns its permit until it returns; the call's cancel flag is set when
    /// the caller goes away (this future is dropped) or the server stops.
    async fn run<T: Send + 'static>(
        &self,
        span: tracing::Span,
        job: impl FnOnce(&Limits, &SolveOptions) -> Result<T, Error> + Send + 'static,
        deadline: Option<Instant>,
    ) -> Result<T, Status> {
        if self.calls.draining.load(Ordering::SeqCst) {
            return Err(Status::unavailable("server shutting down"));
        }
        self.calls.in_flight.fetch_add(1, Ordering::SeqCst);
        let _call = InFlight(self.calls.clone());
        let cancel = self.calls.stop.child();
        let guard = CancelOnDrop(Some(cancel.clone()));
        let acquire = self.permits.clone().acquire_owned();
        let permit = match deadline {
            Some(d) => tokio::time::timeout_at(d.into(), acquire)
                .await
                .map_err(|_| {
                    Status::deadline_exceeded("the deadline passed while waiting for a free solver")
                })?,
            None => acquire.await,
        }
        .map_err(|_| Status::unavailable("server shutting down"))?;
        let limits = self.config.limits;
        let opts = SolveOptions {
            max_time: self.config.max_time,
            deadline,
            threads: self.config.threads_per_solve.max(1),
            cancel,
        };
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _g = span.enter();
            job(&limits, &opts)
        })
        .await
        .map_err(|e| Status::internal(format!("task failed: {e}")));
        guard.disarm();
        result?.map_err(|e| status_from_error(&e))
    }
}

/// Sets a call's cancel flag when dropped before `disarm`: the caller went
/// away while the job was queued or running.
struct CancelOnDrop(Option<Cancel>);

impl CancelOnDrop {
    /// The call finished: nothing to cancel.
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.cancel();
        }
    }
}

/// The request id of an embedded request, for log spans.
fn request_id(req: Option<&pb::SolveRequest>) -> String {
    req.map_or(String::new(), |r| r.request_id.clone())
}

/// The call's gRPC deadline, a little before the transport's own (5 %, at
/// most 50 ms), so that a solve stops and answers DEADLINE_EXCEEDED — or a
/// group solve its best grouping — before the transport cancels the call.
fn deadline_of<T>(request: &Request<T>) -> Option<Instant> {
    let start = Instant::now();
    let d = request
        .metadata()
        .get("grpc-timeout")
        .and_then(|v| v.to_str().ok())
        .and_then(grpc_timeout)?;
    let margin = (d / 20).min(Duration::from_millis(50));
    start.checked_add(d - margin)
}

/// Serves the matching, health and reflection services on `listener` until
/// `shutdown` completes, then drains: health turns NOT_SERVING, no new
/// connection is accepted, calls in flight get `drain_timeout` to finish
/// and are cancelled after it.
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
    // Older tools (grpcurl before 1.8.8, grpcui, Evans, grpcio-reflection)
    // speak only v1alpha.
    let reflection_alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let calls = Arc::new(Calls::default());
    let matcher = MatchingServiceServer::new(Matcher::new(config, calls.clone()))
        .max_decoding_message_size(config.max_message_bytes)
        .max_encoding_message_size(config.max_message_bytes);
    // Draining happens before the transport's own graceful shutdown, so that
    // connections are closed only once every answer has been sent.
    let signal = async move {
        shutdown.await;
        health
            .set_not_serving::<MatchingServiceServer<Matcher>>()
            .await;
        calls.draining.store(true, Ordering::SeqCst);
        tracing::info!(
            in_flight = calls.in_flight.load(Ordering::SeqCst),
            drain_timeout_ms = config.drain_timeout.as_millis() as u64,
            "shutting down: draining calls in flight"
        );
        if tokio::time::timeout(config.drain_timeout, calls.drained())
            .await
            .is_err()
        {
            tracing::warn!(
                in_flight = calls.in_flight.load(Ordering::SeqCst),
                "drain timeout reached: cancelling the calls still in flight"
            );
            calls.stop.cancel();
            let _ = tokio::time::timeout(CANCEL_GRACE, calls.drained()).await;
        }
        // Answers handed to the transport still have to reach their callers.
        tokio::time::sleep(FLUSH_GRACE).await;
        tracing::info!("drained");
    };
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let mut builder = tonic::transport::Server::builder()
        .http2_keepalive_interval(config.http2_keepalive)
        .http2_keepalive_timeout(Some(Duration::from_secs(20)));
    if let Some(age) = config.max_connection_age {
        builder = builder.max_connection_age(age);
    }
    let server = builder
        .add_service(health_service)
        .add_service(reflection)
        .add_service(reflection_alpha)
        .add_service(matcher)
        .serve_with_incoming_shutdown(incoming, signal);
    server.await?;
    Ok(())
}

/// After cancelling the calls still in flight, how long they get to stop.
const CANCEL_GRACE: Duration = Duration::from_secs(5);

/// After the last answer, how long before connections are closed.
const FLUSH_GRACE: Duration = Duration::from_millis(300);

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
