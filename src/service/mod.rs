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
use tonic::service::interceptor::InterceptedService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};
use tonic::{Code, Request, Response, Status};

mod admin;
mod bases;
mod calls;
mod gate;
mod intake;
mod metrics;
mod programme;
pub mod retention;
mod runs;
mod security;
mod status;
mod whatif;

use crate::error::Error;
use crate::settings::{Limits, ServerConfig, SolveOptions};
use crate::store::{Method, Store};
use crate::wire::pb;
use crate::wire::pb::matching_service_server::{MatchingService, MatchingServiceServer};

use calls::{Calls, Reservation};
pub use gate::Gate;
use intake::{Arrived, Intake, Reserved};
use metrics::Metrics;
pub use runs::RUN_ID_HEADER;
use runs::{Pending, Programme};
use security::{authenticate, Caller};
pub use security::{Tls, Tokens};
pub(crate) use status::status_from_error;
use status::{deadline_of, CallDeadline};

/// The matching service.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    config: ServerConfig,
    calls: Arc<Calls>,
    metrics: Arc<Metrics>,
    store: Option<Arc<dyn Store>>,
    /// Scored bases of recent runs, for fast what-ifs.
    bases: Arc<bases::Bases>,
    /// Holds solves before they start (tests).
    gate: Option<Gate>,
}

/// The caller of a request: the name of its token, or "anonymous".
fn caller_of<T>(request: &Request<T>) -> String {
    request
        .extensions()
        .get::<Caller>()
        .map_or_else(|| "anonymous".to_string(), |c| c.0.clone())
}

#[tonic::async_trait]
impl MatchingService for Matcher {
    async fn solve(
        &self,
        mut request: Request<pb::SolveRequest>,
    ) -> Result<Response<pb::SolveResponse>, Status> {
        runs::remember(self.store.as_ref(), Some(request.get_mut()), &[]).await?;
        let id = |r: &pb::SolveRequest| r.request_id.clone();
        if self.store.is_none() {
            return self
                .unary("solve", None, request, id, crate::api::solve)
                .await;
        }
        // The solve's scores are kept for what-ifs on its run.
        let kept = Arc::new(std::sync::Mutex::new(None));
        let slot = kept.clone();
        let job = move |q: &pb::SolveRequest, l: &Limits, o: &SolveOptions| {
            let (resp, pairs) = crate::api::solve_keeping(q, l, o)?;
            if let Some(p) = pairs {
                let baseline = (
                    crate::api::baseline_pairs(&resp),
                    crate::api::baseline_groups(&resp),
                );
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some((q.clone(), p, baseline));
            }
            Ok(resp)
        };
        let answer = self
            .unary("solve", Some(Method::Solve), request, id, job)
            .await;
        let kept = kept.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let (Ok(resp), Some((q, pairs, (bp, bg)))) = (&answer, kept) {
            if let Some(run_id) = runs::run_id_of(resp) {
                let limits = self.config.limits;
                let build = move || {
                    let bytes = prost::Message::encode_to_vec(&q);
                    Some(bases::Cached {
                        request_sha256: crate::store::hex_sha256(&bytes),
                        scored: crate::api::ScoredBase::new(q, &pairs, 1)
                            .keep_state(bp.clone(), &limits),
                        baseline_pairs: bp,
                        baseline_groups: bg,
                    })
                };
                self.bases.build_later(run_id, build, self.base_bytes());
            }
        }
        answer
    }

    async fn what_if(
        &self,
        mut request: Request<pb::WhatIfRequest>,
    ) -> Result<Response<pb::WhatIfResponse>, Status> {
        let id = |r: &pb::WhatIfRequest| request_id(r.base.as_ref());
        let from_run = request.get_ref().base_run_id.clone();
        let Some(store) = self.store.clone().filter(|_| !from_run.is_empty()) else {
            // A whole what-if (or one the API refuses: no store for a run id).
            runs::remember(self.store.as_ref(), request.get_mut().base.as_mut(), &[]).await?;
            return self
                .unary("what_if", Some(Method::WhatIf), request, id, |q, l, o| {
                    crate::api::what_if_reusing(q, l, o, None)
                })
                .await;
        };
        runs::check_from_run(request.get_ref())?;
        let cached = self.cached_base(&from_run).await?;
        self.metrics.base_lookup(cached.is_some());
        let missed = cached.is_none();
        let base = match cached {
            Some(c) => whatif::RunBase::Cached(c),
            None => whatif::load(store.as_ref(), &from_run, "base_run_id")
                .await?
                .into(),
        };
        whatif::check_pinned(request.get_ref(), &base)?;
        let added = runs::added_people(request.get_ref());
        let added: Vec<&str> = added.iter().map(String::as_str).collect();
        let current =
            !crate::store::memory::adds_history(store.as_ref(), base.base().request, &added)
                .await
                .map_err(runs::store_status)?;
        let answer = if current {
            // Recorded as sent, its base pinned; solved on the base in place.
            request.get_mut().base_request_sha256 = base.request_sha256().to_string();
            whatif::mark(&mut request, &base);
            let id = |r: &pb::WhatIfRequest| r.base_run_id.clone();
            self.unary(
                "what_if",
                Some(Method::WhatIf),
                request,
                id,
                move |q, l, o| crate::api::what_if_on(q, base.base(), l, o, base.scored()),
            )
            .await
        } else {
            whatif::expand(request.get_mut(), &base);
            runs::remember(self.store.as_ref(), request.get_mut().base.as_mut(), &added).await?;
            self.unary(
                "what_if",
                Some(Method::WhatIf),
                request,
                id,
                move |q, l, o| crate::api::what_if_reusing(q, l, o, base.scored()),
            )
            .await
        };
        if answer.is_ok() && missed {
            self.score_later(from_run);
        }
        answer
    }

    async fn validate(
        &self,
        mut request: Request<pb::ValidateRequest>,
    ) -> Result<Response<pb::ValidateResponse>, Status> {
        runs::remember(self.store.as_ref(), request.get_mut().request.as_mut(), &[]).await?;
        let id = |r: &pb::ValidateRequest| request_id(r.request.as_ref());
        self.unary(
            "validate",
            Some(Method::Validate),
            request,
            id,
            crate::api::validate,
        )
        .await
    }

    async fn alternatives(
        &self,
        mut request: Request<pb::AlternativesRequest>,
    ) -> Result<Response<pb::AlternativesResponse>, Status> {
        runs::remember(self.store.as_ref(), request.get_mut().request.as_mut(), &[]).await?;
        let id = |r: &pb::AlternativesRequest| request_id(r.request.as_ref());
        self.unary("alternatives", None, request, id, crate::api::alternatives)
            .await
    }

    async fn get_run(
        &self,
        request: Request<pb::GetRunRequest>,
    ) -> Result<Response<pb::Run>, Status> {
        let t0 = Instant::now();
        let result = runs::get_run(self.store.as_ref(), request).await;
        self.logged("get_run", t0, result)
    }

    async fn list_runs(
        &self,
        request: Request<pb::ListRunsRequest>,
    ) -> Result<Response<pb::ListRunsResponse>, Status> {
        let t0 = Instant::now();
        let result = runs::list_runs(self.store.as_ref(), request).await;
        self.logged("list_runs", t0, result)
    }

    async fn adopt_matching(
        &self,
        request: Request<pb::AdoptMatchingRequest>,
    ) -> Result<Response<pb::Run>, Status> {
        let (t0, caller) = (Instant::now(), caller_of(&request));
        let who = caller.clone();
        let again = |w: pb::WhatIfRequest| async move {
            let caller = who;
            let bytes = self.calls.reserve(prost::Message::encoded_len(&w))?;
            let span = tracing::info_span!("call", method = "adopt_matching", caller = %caller);
            let job = move |l: &Limits, o: &SolveOptions| crate::api::what_if(&w, l, o);
            self.blocking("adopt_matching", span, job, None, bytes)
                .await
        };
        let q = request.into_inner();
        let result = programme::adopt(self.store.as_ref(), &caller, q, again).await;
        self.logged("adopt_matching", t0, result.map(Response::new))
    }

    async fn get_current_matching(
        &self,
        request: Request<pb::GetCurrentMatchingRequest>,
    ) -> Result<Response<pb::Run>, Status> {
        let t0 = Instant::now();
        let result = programme::current(self.store.as_ref(), request.into_inner()).await;
        self.logged("get_current_matching", t0, result.map(Response::new))
    }

    async fn record_decisions(
        &self,
        request: Request<pb::RecordDecisionsRequest>,
    ) -> Result<Response<pb::RecordDecisionsResponse>, Status> {
        let (t0, caller) = (Instant::now(), caller_of(&request));
        let max = self.config.limits.max_text_chars;
        let q = request.into_inner();
        let result = programme::decide(self.store.as_ref(), &caller, q, max).await;
        self.logged("record_decisions", t0, result.map(Response::new))
    }

    async fn list_decisions(
        &self,
        request: Request<pb::ListDecisionsRequest>,
    ) -> Result<Response<pb::ListDecisionsResponse>, Status> {
        let t0 = Instant::now();
        let result = programme::decisions(self.store.as_ref(), request.into_inner()).await;
        self.logged("list_decisions", t0, result.map(Response::new))
    }

    async fn list_events(
        &self,
        request: Request<pb::ListEventsRequest>,
    ) -> Result<Response<pb::ListEventsResponse>, Status> {
        let t0 = Instant::now();
        let result = programme::events(self.store.as_ref(), request.into_inner()).await;
        self.logged("list_events", t0, result.map(Response::new))
    }

    async fn erase_person(
        &self,
        request: Request<pb::ErasePersonRequest>,
    ) -> Result<Response<pb::ErasePersonResponse>, Status> {
        let (t0, caller) = (Instant::now(), caller_of(&request));
        let q = request.into_inner();
        let result = programme::erase_person(self.store.as_ref(), &caller, q).await;
        self.bases.clear();
        self.metrics.base_bytes.set(0);
        self.logged("erase_person", t0, result.map(Response::new))
    }

    async fn delete_programme(
        &self,
        request: Request<pb::DeleteProgrammeRequest>,
    ) -> Result<Response<pb::DeleteProgrammeResponse>, Status> {
        let (t0, caller) = (Instant::now(), caller_of(&request));
        let q = request.into_inner();
        let result = programme::delete_programme(self.store.as_ref(), &caller, q).await;
        self.bases.clear();
        self.metrics.base_bytes.set(0);
        self.logged("delete_programme", t0, result.map(Response::new))
    }
}

impl Matcher {
    /// One unary call: its deadline, size and caller read from the
    /// request, a span with the method, caller and request id (`id`), and
    /// `api` run as a blocking job; recorded as a run of `record` when the
    /// server keeps a store.
    async fn unary<Q, R>(
        &self,
        method: &'static str,
        record: Option<Method>,
        request: Request<Q>,
        id: impl Fn(&Q) -> String,
        api: impl FnOnce(&Q, &Limits, &SolveOptions) -> Result<R, Error> + Send + 'static,
    ) -> Result<Response<R>, Status>
    where
        Q: prost::Message + Programme + Send + 'static,
        R: prost::Message + Send + 'static,
    {
        let t0 = Instant::now();
        let arrived = request
            .extensions()
            .get::<Arrived>()
            .map_or_else(Instant::now, |a| a.0);
        let deadline = deadline_of(&request, arrived);
        let reserved = request
            .extensions()
            .get::<Reserved>()
            .and_then(Reserved::take);
        // The intake reserved the message's bytes before it was buffered;
        // without it (a message tonic did not frame), reserve them now.
        let bytes = match reserved {
            Some(r) => r,
            None => self.calls.reserve(request.get_ref().encoded_len())?,
        };
        let programme = request.extensions().get::<runs::RunProgramme>().cloned();
        let caller = caller_of(&request);
        let req = request.into_inner();
        let pending = match (&self.store, record) {
            (Some(_), Some(m)) => Some(Pending::new(m, &req, &caller, programme)),
            _ => None,
        };
        let span = tracing::info_span!("call", method, caller = %caller, request_id = %id(&req));
        let result = self
            .blocking(method, span, move |l, o| api(&req, l, o), deadline, bytes)
            .await
            .map(Response::new);
        match (pending, &self.store) {
            (Some(p), Some(store)) => {
                let ms = t0.elapsed().as_secs_f64() * 1000.0;
                p.record(store, result, ms).await
            }
            _ => result,
        }
    }

    /// The access-log line and metrics of a call answered without a job.
    fn logged<T>(
        &self,
        method: &'static str,
        t0: Instant,
        result: Result<T, Status>,
    ) -> Result<T, Status> {
        let code = result.as_ref().map_or_else(Status::code, |_| Code::Ok);
        let seconds = t0.elapsed().as_secs_f64();
        self.metrics.call(method, code, seconds);
        tracing::info!(method, code = ?code, ms = seconds * 1000.0, "call");
        result
    }
}

impl Matcher {
    /// The cached scored base of run `run_id`, when it is still the run's
    /// (its request hash unchanged: an erasure changes it).
    async fn cached_base(&self, run_id: &str) -> Result<Option<Arc<bases::Cached>>, Status> {
        let (Some(store), Some(cached)) = (&self.store, self.bases.get(run_id)) else {
            return Ok(None);
        };
        let head = store.head(run_id).await;
        let current = head
            .map_err(runs::store_status)?
            .is_some_and(|h| h.is_matching() && h.request_sha256 == cached.request_sha256);
        if !current {
            self.bases.forget(run_id);
            self.metrics.base_bytes.set(self.bases.size().1 as i64);
            return Ok(None);
        }
        Ok(Some(cached))
    }

    /// Scores the base of run `run_id` in the background, for the next
    /// what-if on it.
    fn score_later(&self, run_id: String) {
        let limits = self.config.limits;
        let opts = SolveOptions {
            threads: 1,
            held_pairs: self.config.held_pairs,
            ..SolveOptions::default()
        };
        let (store, baseline_from) = (self.store.clone(), run_id.clone());
        let handle = tokio::runtime::Handle::current();
        let gauge = self.base_bytes();
        self.bases.build_later(
            run_id,
            move || {
                let store = store?;
                // The run as stored now (its hash and its request from one
                // read): an erasure after this read changes the hash, so
                // this entry is then never used.
                let run = handle.block_on(store.get(&baseline_from)).ok()??;
                let (base, resp) = run.matching().ok()?;
                let pairs = crate::api::baseline_pairs(&resp);
                let scored = crate::api::score_base(base, &limits, &opts).ok()?;
                Some(bases::Cached {
                    request_sha256: run.request_sha256.clone(),
                    scored: scored.keep_state(pairs.clone(), &limits),
                    baseline_pairs: pairs,
                    baseline_groups: crate::api::baseline_groups(&resp),
                })
            },
            gauge,
        );
    }

    /// Sets the gauge of bytes held by scored bases.
    fn base_bytes(&self) -> impl FnOnce(usize) + Send + 'static {
        let metrics = self.metrics.clone();
        move |bytes| {
            metrics.base_bytes.set(bytes as i64);
        }
    }

    /// Runs a call's job (see [`Matcher::run`]) and writes its access-log
    /// line (in the call's span: method, caller, request id): status code
    /// and time; and records the call in the metrics.
    async fn blocking<T: Send + 'static>(
        &self,
        method: &'static str,
        span: tracing::Span,
        job: impl FnOnce(&Limits, &SolveOptions) -> Result<T, Error> + Send + 'static,
        deadline: Option<CallDeadline>,
        bytes: Reservation,
    ) -> Result<T, Status> {
        let t0 = Instant::now();
        let result = self.run(span.clone(), job, deadline, bytes).await;
        let code = result.as_ref().map_or_else(Status::code, |_| Code::Ok);
        let seconds = t0.elapsed().as_secs_f64();
        self.metrics.call(method, code, seconds);
        let ms = seconds * 1000.0;
        span.in_scope(|| {
            if code == Code::Internal {
                tracing::warn!(code = ?code, ms, "call");
            } else {
                tracing::info!(code = ?code, ms, "call");
            }
        });
        result
    }

    /// Runs a blocking job on the pool once it is admitted and has a solver
    /// slot. The job owns its slot until it returns; the call's cancel flag
    /// is set when the caller goes away (this future is dropped), the server
    /// stops, or the call answers DEADLINE_EXCEEDED because the job was not
    /// done by the call's `answer_by`.
    async fn run<T: Send + 'static>(
        &self,
        span: tracing::Span,
        job: impl FnOnce(&Limits, &SolveOptions) -> Result<T, Error> + Send + 'static,
        deadline: Option<CallDeadline>,
        bytes: Reservation,
    ) -> Result<T, Status> {
        let solve_by = deadline.map(|d| d.solve_by);
        let call = self.calls.admit(bytes, solve_by)?;
        let slot = self.calls.slot();
        let permit = match solve_by {
            Some(d) => tokio::time::timeout_at(d.into(), slot)
                .await
                .map_err(|_| {
                    Status::deadline_exceeded("the deadline passed while waiting for a free solver")
                })??,
            None => slot.await?,
        };
        if let Some(gate) = &self.gate {
            gate.pass().await;
        }
        let limits = self.config.limits;
        let opts = SolveOptions {
            max_time: self.config.max_time,
            deadline: solve_by,
            threads: self.config.threads_per_solve.max(1),
            cancel: call.cancel.clone(),
            observer: Some(self.metrics.clone()),
            held_pairs: self.config.held_pairs,
        };
        let calls = self.calls.clone();
        let task = tokio::task::spawn_blocking(move || {
            let t = Instant::now();
            let _permit = permit;
            let _g = span.enter();
            let r = job(&limits, &opts);
            calls.held(t.elapsed());
            r
        });
        let joined = match deadline {
            Some(d) => match tokio::time::timeout_at(d.answer_by.into(), task).await {
                Ok(joined) => joined,
                // Dropping `call` unanswered cancels the job, which keeps
                // its slot until it returns.
                Err(_) => {
                    return Err(Status::deadline_exceeded(
                        "the call's deadline passed before its answer was ready",
                    ))
                }
            },
            None => task.await,
        };
        let result = joined.map_err(|e| Status::internal(format!("task failed: {e}")));
        call.answered();
        result?.map_err(|e| status_from_error(&e))
    }
}

/// The request id of an embedded request, for log spans.
fn request_id(req: Option<&pb::SolveRequest>) -> String {
    req.map_or(String::new(), |r| r.request_id.clone())
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
    serve_with(listener, Extras::default(), config, shutdown).await
}

/// What a server may have beyond its gRPC port.
#[derive(Debug, Default)]
pub struct Extras {
    /// The admin HTTP endpoint (`GET /metrics`).
    pub admin: Option<TcpListener>,
    /// TLS (and mutual TLS with a client CA).
    pub tls: Option<Tls>,
    /// Bearer tokens: without them, calls are anonymous.
    pub tokens: Option<Tokens>,
    /// The run store: without it, nothing is recorded (`--no-store`).
    pub store: Option<Arc<dyn Store>>,
    /// Delete stored runs, decisions and events older than this many days
    /// (at start, then hourly); keep everything when `None`.
    pub retention_days: Option<u32>,
    /// A gate every solve waits at once it has its solver slot: tests hold
    /// work with it instead of sleeping. None (the default) in production.
    pub gate: Option<Gate>,
}

/// [`serve`], with an admin endpoint, TLS and tokens.
pub async fn serve_with(
    listener: TcpListener,
    extras: Extras,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let Extras {
        admin,
        tls,
        tokens,
        store,
        retention_days,
        gate,
    } = extras;
    let pruning = match (&store, retention_days) {
        (Some(s), Some(days)) => Some(retention::spawn(s.clone(), days)),
        _ => None,
    };
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
    let calls = Calls::new(&config);
    let metrics = Arc::new(Metrics::new());
    if let Some(listener) = admin {
        tokio::spawn(admin::serve(listener, metrics.clone(), calls.clone()));
    }
    let matcher = MatchingServiceServer::new(Matcher {
        config,
        calls: calls.clone(),
        metrics,
        store,
        bases: Arc::new(bases::Bases::new(config.scored_base_cache_bytes)),
        gate,
    })
    .max_decoding_message_size(config.max_message_bytes)
    .max_encoding_message_size(config.max_message_bytes);
    let matcher = InterceptedService::new(matcher, authenticate(tokens));
    let matcher = Intake::new(matcher, calls.clone(), config.max_message_bytes);
    // Draining happens before the transport's own graceful shutdown, so that
    // connections are closed only once every answer has been sent.
    let signal = async move {
        shutdown.await;
        calls.start_draining();
        // Every entry: probes and load balancers mostly read the server's
        // overall entry "", not the service's own.
        health
            .set_not_serving::<MatchingServiceServer<Matcher>>()
            .await;
        health
            .set_service_status("", tonic_health::ServingStatus::NotServing)
            .await;
        tracing::info!(
            in_flight = calls.in_flight(),
            drain_timeout_ms = config.drain_timeout.as_millis() as u64,
            "shutting down: draining calls in flight"
        );
        if tokio::time::timeout(config.drain_timeout, calls.drained())
            .await
            .is_err()
        {
            tracing::warn!(
                in_flight = calls.in_flight(),
                "drain timeout reached: cancelling the calls still in flight"
            );
            calls.cancel_all();
            let _ = tokio::time::timeout(CANCEL_GRACE, calls.drained()).await;
        }
        // Answers handed to the transport still have to reach their callers.
        tokio::time::sleep(FLUSH_GRACE).await;
        // Health watches are streams that never end by themselves: removing
        // the entries ends them, so that no connection holds the shutdown.
        let mut health = health;
        for entry in [
            "",
            <MatchingServiceServer<Matcher> as tonic::server::NamedService>::NAME,
        ] {
            health.clear_service_status(entry).await;
        }
        tracing::info!("drained");
    };
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let mut builder = tonic::transport::Server::builder()
        .http2_keepalive_interval(config.http2_keepalive)
        .http2_keepalive_timeout(Some(Duration::from_secs(20)));
    if let Some(age) = config.max_connection_age {
        builder = builder.max_connection_age(age);
    }
    if let Some(tls) = tls {
        let mut t = ServerTlsConfig::new().identity(Identity::from_pem(tls.cert_pem, tls.key_pem));
        if let Some(ca) = tls.client_ca_pem {
            t = t.client_ca_root(Certificate::from_pem(ca));
        }
        builder = builder.tls_config(t)?;
    }
    let server = builder
        .add_service(health_service)
        .add_service(reflection)
        .add_service(reflection_alpha)
        .add_service(matcher)
        .serve_with_incoming_shutdown(incoming, signal);
    let served = server.await;
    if let Some(task) = pruning {
        task.abort();
    }
    served?;
    Ok(())
}

/// After cancelling the calls still in flight, how long they get to stop.
const CANCEL_GRACE: Duration = Duration::from_secs(5);

/// After the last answer, how long before connections are closed.
const FLUSH_GRACE: Duration = Duration::from_millis(300);
