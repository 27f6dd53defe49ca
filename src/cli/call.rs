//! `mentormatch call`: a gRPC client for a running service, so a fresh
//! machine can call it without grpcurl. Requests and responses are the
//! same proto3 JSON files as the offline commands.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::ValueEnum;
use mentormatch::pb;
use mentormatch::pb::matching_service_client::MatchingServiceClient;
use tonic::transport::{Certificate, ClientTlsConfig, Identity};
use tonic::Code;
use tonic_types::StatusExt;

use super::{read_file, read_json, to_json, write_output, InputError};

/// How the client proves who it is and whom it talks to.
#[derive(Debug, clap::Args)]
pub(super) struct Auth {
    /// TLS: the CA (PEM) that signed the server's certificate; an https://
    /// address uses TLS.
    #[arg(long)]
    tls_ca: Option<PathBuf>,
    /// Mutual TLS: the client's certificate chain (PEM); with --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Mutual TLS: the client's private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// TLS: the server name to verify (default: the address's host).
    #[arg(long)]
    tls_domain: Option<String>,
    /// A file holding the bearer token to present (or set
    /// MENTORMATCH_TOKEN; a token never goes on the command line).
    #[arg(long)]
    token_file: Option<PathBuf>,
}

impl Auth {
    /// The bearer token to present, if any.
    fn token(&self) -> Result<Option<String>> {
        if let Some(p) = &self.token_file {
            let t = read_file(p)?;
            return Ok(Some(String::from_utf8_lossy(&t).trim().to_string()));
        }
        Ok(std::env::var("MENTORMATCH_TOKEN")
            .ok()
            .filter(|t| !t.is_empty()))
    }

    /// The TLS settings of the channel, if any.
    fn tls(&self) -> Result<Option<ClientTlsConfig>> {
        let Some(ca) = &self.tls_ca else {
            return Ok(None);
        };
        let mut tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read_file(ca)?));
        if let (Some(c), Some(k)) = (&self.tls_cert, &self.tls_key) {
            tls = tls.identity(Identity::from_pem(read_file(c)?, read_file(k)?));
        }
        if let Some(d) = &self.tls_domain {
            tls = tls.domain_name(d.clone());
        }
        Ok(Some(tls))
    }
}

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
    /// `GetRun` with a `GetRunRequest` (`{"runId": "…"}`).
    GetRun,
    /// `ListRuns` with a `ListRunsRequest` (no file: the newest 50).
    ListRuns,
    /// `AdoptMatching` with an `AdoptMatchingRequest`.
    AdoptMatching,
    /// `GetCurrentMatching` with a `GetCurrentMatchingRequest`.
    GetCurrentMatching,
    /// `RecordDecisions` with a `RecordDecisionsRequest`.
    RecordDecisions,
    /// `ListDecisions` with a `ListDecisionsRequest`.
    ListDecisions,
    /// `ListEvents` with a `ListEventsRequest`.
    ListEvents,
    /// `ErasePerson` with an `ErasePersonRequest`.
    ErasePerson,
    /// `DeleteProgramme` with a `DeleteProgrammeRequest`.
    DeleteProgramme,
    /// `grpc.health.v1.Health/Check` of the matching service (no file).
    Health,
}

/// Writes the run id of a recorded call to standard error.
fn run_id<T>(resp: tonic::Response<T>) -> T {
    if let Some(id) = resp
        .metadata()
        .get(mentormatch::service::RUN_ID_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        eprintln!("run {id}");
    }
    resp.into_inner()
}

/// Calls `method` at `addr` with the request in `file` and prints the
/// response; a gRPC error becomes the exit code (2 for INVALID_ARGUMENT).
pub(super) fn call(
    addr: &str,
    method: Method,
    file: Option<&Path>,
    timeout: Duration,
    auth: &Auth,
) -> Result<()> {
    let token = auth.token()?;
    let tls = auth.tls()?;
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    rt.block_on(async move {
        let mut endpoint = tonic::transport::Endpoint::from_shared(addr.to_string())
            .with_context(|| format!("{addr:?} is not a URL such as http://127.0.0.1:50051"))?
            .timeout(timeout);
        if let Some(tls) = tls {
            endpoint = endpoint.tls_config(tls).context("TLS settings")?;
        }
        let channel = endpoint
            .connect()
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        let bearer = match &token {
            Some(t) => Some(
                format!("Bearer {t}")
                    .parse()
                    .map_err(|_| InputError("the token is not a valid header value".into()))?,
            ),
            None => None,
        };
        let mut client = MatchingServiceClient::with_interceptor(channel.clone(), Bearer(bearer))
            .max_decoding_message_size(usize::MAX)
            .max_encoding_message_size(usize::MAX);
        let text = match method {
            Method::Health => health(channel).await?,
            m if m.is_store() => store_call(&mut client, m, file).await?,
            m => matching_call(&mut client, m, file).await?,
        };
        write_output(None, &text)
    })
}

/// Presents the bearer token, if any, on every call.
#[derive(Clone)]
struct Bearer(Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(b) = &self.0 {
            req.metadata_mut().insert("authorization", b.clone());
        }
        Ok(req)
    }
}

type Client = MatchingServiceClient<
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, Bearer>,
>;

impl Method {
    /// Whether the RPC reads or changes the run store (beyond runs).
    fn is_store(self) -> bool {
        matches!(
            self,
            Method::AdoptMatching
                | Method::GetCurrentMatching
                | Method::RecordDecisions
                | Method::ListDecisions
                | Method::ListEvents
                | Method::ErasePerson
                | Method::DeleteProgramme
        )
    }
}

/// The request file, which `method` needs.
fn need_file(method: Method, file: Option<&Path>) -> Result<&Path> {
    Ok(file.ok_or_else(|| InputError(format!("{method:?} needs a request file")))?)
}

/// Solve, WhatIf, Validate, Alternatives, GetRun, ListRuns.
async fn matching_call(
    client: &mut Client,
    method: Method,
    given: Option<&Path>,
) -> Result<String> {
    let file = || need_file(method, given);
    match method {
        Method::Solve => {
            let req: pb::SolveRequest = read_json(file()?)?;
            to_json(&run_id(client.solve(req).await.map_err(status)?))
        }
        Method::Whatif => {
            let req: pb::WhatIfRequest = read_json(file()?)?;
            to_json(&run_id(client.what_if(req).await.map_err(status)?))
        }
        Method::Validate => {
            let req = pb::ValidateRequest {
                request: Some(read_json(file()?)?),
            };
            to_json(&run_id(client.validate(req).await.map_err(status)?))
        }
        Method::Alternatives => {
            let req: pb::AlternativesRequest = read_json(file()?)?;
            to_json(&client.alternatives(req).await.map_err(status)?.into_inner())
        }
        Method::GetRun => {
            let req: pb::GetRunRequest = read_json(file()?)?;
            to_json(&client.get_run(req).await.map_err(status)?.into_inner())
        }
        Method::ListRuns => {
            let req: pb::ListRunsRequest = match given {
                Some(f) => read_json(f)?,
                None => pb::ListRunsRequest::default(),
            };
            to_json(&client.list_runs(req).await.map_err(status)?.into_inner())
        }
        other => Err(anyhow::anyhow!("{other:?} is not a matching call")),
    }
}

/// The programme RPCs: adoptions, decisions, events, erasure, deletion.
async fn store_call(client: &mut Client, method: Method, given: Option<&Path>) -> Result<String> {
    let file = need_file(method, given)?;
    match method {
        Method::AdoptMatching => {
            let req: pb::AdoptMatchingRequest = read_json(file)?;
            to_json(
                &client
                    .adopt_matching(req)
                    .await
                    .map_err(status)?
                    .into_inner(),
            )
        }
        Method::GetCurrentMatching => {
            let req: pb::GetCurrentMatchingRequest = read_json(file)?;
            let resp = client.get_current_matching(req).await.map_err(status)?;
            to_json(&resp.into_inner())
        }
        Method::RecordDecisions => {
            let req: pb::RecordDecisionsRequest = read_json(file)?;
            to_json(
                &client
                    .record_decisions(req)
                    .await
                    .map_err(status)?
                    .into_inner(),
            )
        }
        Method::ListDecisions => {
            let req: pb::ListDecisionsRequest = read_json(file)?;
            to_json(
                &client
                    .list_decisions(req)
                    .await
                    .map_err(status)?
                    .into_inner(),
            )
        }
        Method::ListEvents => {
            let req: pb::ListEventsRequest = read_json(file)?;
            to_json(&client.list_events(req).await.map_err(status)?.into_inner())
        }
        Method::ErasePerson => {
            let req: pb::ErasePersonRequest = read_json(file)?;
            to_json(&client.erase_person(req).await.map_err(status)?.into_inner())
        }
        Method::DeleteProgramme => {
            let req: pb::DeleteProgrammeRequest = read_json(file)?;
            to_json(
                &client
                    .delete_programme(req)
                    .await
                    .map_err(status)?
                    .into_inner(),
            )
        }
        other => Err(anyhow::anyhow!("{other:?} is not a store call")),
    }
}

/// `grpc.health.v1.Health/Check` of the matching service.
async fn health(channel: tonic::transport::Channel) -> Result<String> {
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let req = tonic_health::pb::HealthCheckRequest {
        service: "mentormatch.v1.MatchingService".into(),
    };
    let resp = health.check(req).await.map_err(status)?.into_inner();
    let serving = tonic_health::pb::health_check_response::ServingStatus::try_from(resp.status)
        .map_or("UNKNOWN", |s| s.as_str_name());
    Ok(format!("{serving}\n"))
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
