//! The `mentormatch` command line: `serve` and offline subcommands over
//! proto3 JSON files.
//!
//! Exit codes: 0 success; 2 invalid input (unreadable JSON, validation);
//! 1 any other failure.
//!
//! This module parses and runs; every human-readable rendering is in
//! [`table`].

mod answer;
mod call;
mod io;
mod load;
mod runs;
mod sheets;
mod table;

use std::fs;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use mentormatch::service;

use io::{json_error, read_file, read_json, read_request, write_output};
use mentormatch::tools::synth::{self, SynthConfig};
use mentormatch::{pb, Error, Limits, ServerConfig, SolveOptions};

/// Optimal, explainable mentor–mentee matching.
#[derive(Debug, Parser)]
#[command(name = "mentormatch", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Solve a request and print the response.
    Solve(answer::SolveArgs),
    /// Run a what-if request (proto3 JSON `WhatIfRequest`): every scenario
    /// re-solved and diffed against the baseline pairs.
    Whatif(answer::WhatifArgs),
    /// Check a request without solving it: findings (errors, warnings,
    /// information) and a feasibility summary. Exits with 2 when there is
    /// an error finding.
    Check(answer::CheckArgs),
    /// "Why not X?": alternative mentors for one mentee with the exact loss
    /// of forcing each (every one re-solved), and who is excluded by which rule.
    Alternatives(answer::AlternativesArgs),
    /// Write the HTML report of a saved request and its response (what
    /// `solve --format html` writes).
    Report(answer::ReportArgs),
    /// Check a response against its request without the engines: scores
    /// recomputed, hard rules, capacities, minimums, pins, and the
    /// optimality certificate on every arc (exit 2 naming what fails).
    Verify(answer::VerifyArgs),
    /// Run the gRPC service.
    Serve(Box<ServeArgs>),
    /// Read a coordinator's spreadsheet (or CSV folder) and print the
    /// request it describes (proto3 JSON); every bad cell is named.
    Import(sheets::ImportArgs),
    /// Write the template workbook (.xlsx): an empty one, or a request's
    /// programme in it.
    Template(sheets::TemplateArgs),
    /// Write a seeded synthetic request (proto3 JSON).
    Generate {
        /// Number of mentees.
        #[arg(long)]
        mentees: usize,
        /// Number of mentors.
        #[arg(long)]
        mentors: usize,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Mentor capacities are drawn from 1..=this.
        #[arg(long, default_value_t = 20)]
        max_capacity: u32,
        /// Also form groups of MIN-MAX members (e.g. "3-6"), slots in Europe/Paris.
        #[arg(long, value_parser = parse_sizes)]
        group_sizes: Option<(u32, u32)>,
        /// Time limit written into the request, in milliseconds.
        #[arg(long)]
        time_limit_ms: Option<u32>,
        /// Every mentee asks for this many mentors (`max_mentors`).
        #[arg(long)]
        max_mentors: Option<u32>,
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Call a running service (a gRPC client; no grpcurl needed): prints
    /// the response as proto3 JSON.
    Call {
        /// The RPC.
        #[arg(value_enum)]
        method: call::Method,
        /// Request file (proto3 JSON), or "-"; none for `health`.
        file: Option<PathBuf>,
        /// The service's address.
        #[arg(long, default_value = "http://127.0.0.1:50051")]
        addr: String,
        /// The call's deadline, in milliseconds (sent as grpc-timeout).
        #[arg(long, default_value_t = 60_000)]
        timeout_ms: u64,
        #[command(flatten)]
        auth: call::Auth,
    },
    /// Offer a running service a fixed rate of `Solve` calls for a fixed
    /// time (open loop) and report the achieved rate, latency percentiles
    /// and errors by code.
    Load(load::LoadArgs),
    /// Read the run store: list runs, show one, export its request or
    /// response.
    #[command(subcommand)]
    Runs(runs::RunsCommand),
    /// Write the min-cost flow network that the flow engine solves for a
    /// request, as text (for the OR-Tools cross-check in `bench/`).
    ExportNetwork {
        /// Request file (proto3 JSON).
        file: PathBuf,
        /// Output file.
        #[arg(long, short)]
        output: PathBuf,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

/// Settings of `serve`.
#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// Largest request or response, in bytes.
    #[arg(long, default_value_t = 256 * 1024 * 1024)]
    max_message_bytes: usize,
    /// Solves running at once (default: number of cores).
    #[arg(long)]
    max_concurrent: Option<usize>,
    /// Calls waiting for a solver at most (default 1 024); more are
    /// refused with RESOURCE_EXHAUSTED and a retry hint.
    #[arg(long)]
    max_queue: Option<usize>,
    /// Encoded request bytes of all calls in flight at most.
    #[arg(long, default_value_t = 1 << 30)]
    max_inflight_bytes: usize,
    /// On SIGTERM or SIGINT, how long calls in flight may run before they
    /// are cancelled, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    drain_timeout_ms: u64,
    /// Close connections older than this many seconds (gracefully), so that
    /// clients spread over replicas.
    #[arg(long)]
    max_connection_age_s: Option<u64>,
    /// TLS: the server's certificate chain (PEM); with --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS: the server's private key (PEM); with --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Mutual TLS: only clients with a certificate signed by this CA (PEM)
    /// may connect.
    #[arg(long, requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
    /// Bearer tokens, one "NAME TOKEN" a line: calls must present one
    /// (`authorization: Bearer TOKEN`); the name goes into the logs. Health
    /// and reflection stay open.
    #[arg(long)]
    tokens_file: Option<PathBuf>,
    #[command(flatten)]
    store: runs::StoreArgs,
    /// Memory for the scored pairs of recent runs, in MiB, so that a
    /// what-if from a stored run rescores only what its edits change
    /// (least recently used dropped first; 0 keeps none).
    #[arg(long, default_value_t = 1024)]
    scored_base_cache_mib: usize,
    /// Delete stored runs, decisions and events older than this many days,
    /// at start and hourly (default: keep everything).
    #[arg(long, env = "MENTORMATCH_RETENTION_DAYS", value_parser = clap::value_parser!(u32).range(1..=36_500))]
    retention_days: Option<u32>,
    /// Address of the admin HTTP endpoint (`GET /metrics`, Prometheus
    /// text format), e.g. 127.0.0.1:9090; none by default.
    #[arg(long)]
    admin_addr: Option<SocketAddr>,
    /// Log format: text, or one JSON object a line.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Limits shared by `solve` and `serve`.
#[derive(Debug, Args)]
struct LimitArgs {
    /// Longest solve, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    max_time_ms: u64,
    /// Most mentors in a request.
    #[arg(long, default_value_t = Limits::default().max_mentors)]
    max_mentors: usize,
    /// Most mentees in a request.
    #[arg(long, default_value_t = Limits::default().max_mentees)]
    max_mentees: usize,
    /// Most mentor × mentee pairs in a request.
    #[arg(long, default_value_t = Limits::default().max_pairs)]
    max_pairs: u64,
    /// Most pairs (unpinned mentees × mentors) a flow solve holds as arcs;
    /// above it the flow holds each mentee's best mentors and prices the
    /// rest with its potentials (exact either way).
    #[arg(long, default_value_t = SolveOptions::default().held_pairs)]
    held_pairs: u64,
    /// Most affinities in a request.
    #[arg(long, default_value_t = Limits::default().max_affinities)]
    max_affinities: usize,
    /// Longest programme, in days.
    #[arg(long, default_value_t = Limits::default().max_programme_days)]
    max_programme_days: i64,
    /// Most entries in one list (sectors, topics, languages, preferred and
    /// excluded mentors, pinned and forbidden pairs, group rules).
    #[arg(long, default_value_t = Limits::default().max_list)]
    max_list: usize,
    /// Longest id, in characters.
    #[arg(long, default_value_t = Limits::default().max_id_chars)]
    max_id_chars: usize,
    /// Longest name, organisation, sector or topic, in characters.
    #[arg(long, default_value_t = Limits::default().max_text_chars)]
    max_text_chars: usize,
    /// Most violations listed for an invalid request (the rest are counted;
    /// gRPC replies also keep their error details under 8 KiB).
    #[arg(long, default_value_t = Limits::default().max_violations)]
    max_violations: usize,
    /// Most checks of one joint meeting's search (candidate starts of a
    /// window × participants).
    #[arg(long, default_value_t = Limits::default().max_meeting_checks)]
    max_meeting_checks: u64,
    /// Most mentors one mentee may ask for (`max_mentors`).
    #[arg(long, default_value_t = Limits::default().max_mentors_per_mentee)]
    max_mentors_per_mentee: u32,
}

impl LimitArgs {
    /// The request size limits.
    fn limits(&self) -> Limits {
        Limits {
            max_mentors: self.max_mentors,
            max_mentees: self.max_mentees,
            max_pairs: self.max_pairs,
            max_affinities: self.max_affinities,
            max_programme_days: self.max_programme_days,
            max_list: self.max_list,
            max_id_chars: self.max_id_chars,
            max_text_chars: self.max_text_chars,
            max_violations: self.max_violations,
            max_meeting_checks: self.max_meeting_checks,
            max_mentors_per_mentee: self.max_mentors_per_mentee,
        }
    }

    /// The solve options (the time limit).
    fn options(&self) -> SolveOptions {
        SolveOptions {
            max_time: Duration::from_millis(self.max_time_ms),
            held_pairs: self.held_pairs,
            ..SolveOptions::default()
        }
    }
}

/// An error that should exit with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct InputError(String);

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<InputError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// Logs to standard error, filtered by `RUST_LOG` or else by `default`.
fn init_tracing(default: &str) {
    init_logs(default, LogFormat::Text);
}

/// Logs to standard error at `default` level (or `RUST_LOG`), as text (no
/// colour unless a terminal) or as one JSON object a line.
fn init_logs(default: &str, format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).try_init(),
        LogFormat::Json => logs.json().with_current_span(true).try_init(),
    };
}

/// How `serve` writes its logs.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line (for log collectors).
    Json,
}

/// Runs one subcommand.
fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Solve(a) => answer::solve(&a),
        Command::Whatif(a) => answer::whatif(&a),
        Command::Check(a) => answer::check(&a),
        Command::Alternatives(a) => answer::alternatives(&a),
        Command::Report(a) => answer::report(&a),
        Command::Verify(a) => answer::verify(&a),
        Command::Serve(args) => serve(&args),
        Command::Import(a) => sheets::import(&a),
        Command::Template(a) => sheets::template(&a),
        Command::Generate {
            mentees,
            mentors,
            seed,
            max_capacity,
            group_sizes,
            time_limit_ms,
            max_mentors,
            output,
        } => generate(
            &SynthConfig {
                mentees,
                mentors,
                seed,
                max_capacity,
            },
            (group_sizes, time_limit_ms, max_mentors),
            output.as_deref(),
        ),
        Command::Call {
            method,
            file,
            addr,
            timeout_ms,
            auth,
        } => call::call(
            &addr,
            method,
            file.as_deref(),
            Duration::from_millis(timeout_ms),
            &auth,
        ),
        Command::Load(args) => load::load(&args),
        Command::Runs(cmd) => runs::runs(&cmd),
        Command::ExportNetwork {
            file,
            output,
            limits,
        } => export_network(&file, &output, &limits),
    }
}

/// `serve`: runs the gRPC service on `addr` until Ctrl-C.
fn serve(args: &ServeArgs) -> Result<()> {
    init_logs("info", args.log_format);
    let defaults = ServerConfig::default();
    let config = ServerConfig {
        limits: args.limits.limits(),
        max_time: Duration::from_millis(args.limits.max_time_ms),
        max_message_bytes: args.max_message_bytes,
        max_concurrent: args
            .max_concurrent
            .unwrap_or(defaults.max_concurrent)
            .max(1),
        max_queue: args.max_queue.unwrap_or(defaults.max_queue),
        max_inflight_bytes: args.max_inflight_bytes,
        drain_timeout: Duration::from_millis(args.drain_timeout_ms),
        max_connection_age: args.max_connection_age_s.map(Duration::from_secs),
        scored_base_cache_bytes: args.scored_base_cache_mib << 20,
        held_pairs: args.limits.held_pairs,
        ..defaults
    };
    let (addr, admin_addr) = (args.addr, args.admin_addr);
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => Some(service::Tls {
            cert_pem: read_file(c)?,
            key_pem: read_file(k)?,
            client_ca_pem: args.tls_client_ca.as_deref().map(read_file).transpose()?,
        }),
        _ => None,
    };
    let tokens = match &args.tokens_file {
        Some(p) => {
            let text = String::from_utf8(read_file(p)?)
                .map_err(|_| InputError(format!("{} is not UTF-8 text", p.display())))?;
            Some(
                service::Tokens::parse(&text)
                    .map_err(|e| InputError(format!("{}: {e}", p.display())))?,
            )
        }
        None => None,
    };
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        tracing::info!(addr = %listener.local_addr()?, "serving mentormatch.v1.MatchingService");
        let admin = match admin_addr {
            Some(a) => {
                let l = tokio::net::TcpListener::bind(a)
                    .await
                    .with_context(|| format!("binding the admin address {a}"))?;
                tracing::info!(admin_addr = %l.local_addr()?, "serving GET /metrics");
                Some(l)
            }
            None => None,
        };
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("installing the SIGTERM handler")?;
        let store = args.store.open().await?;
        let extras = service::Extras {
            admin,
            tls,
            tokens,
            store,
            retention_days: args.retention_days,
            gate: None,
        };
        service::serve_with(listener, extras, config, async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        })
        .await
        .map_err(|e| anyhow::anyhow!("server error: {e}"))
    })
}

/// `generate`: writes a synthetic request, with the time limit and group
/// sizes (slots in Europe/Paris) written into its policy.
fn generate(
    config: &SynthConfig,
    (group_sizes, time_limit_ms, max_mentors): (Option<(u32, u32)>, Option<u32>, Option<u32>),
    output: Option<&Path>,
) -> Result<()> {
    let mut req = synth::generate(config);
    for e in &mut req.mentees {
        e.max_mentors = max_mentors;
    }
    if let Some(policy) = req.policy.as_mut() {
        policy.time_limit_ms = time_limit_ms;
        if let Some((min, max)) = group_sizes {
            policy.groups = Some(pb::GroupPolicy {
                min_size: Some(min),
                max_size: Some(max),
                slot_time_zone: "Europe/Paris".into(),
                ..Default::default()
            });
        }
    }
    write_output(output, &to_json(&req)?)
}

/// `export-network`: writes the flow engine's min-cost flow network as text.
fn export_network(file: &Path, output: &Path, limits: &LimitArgs) -> Result<()> {
    let req = read_request(file)?;
    let problem =
        mentormatch::wire::problem_from_request(&req, &limits.limits()).map_err(solve_error)?;
    let text = mentormatch::tools::export::network_text(&problem, limits.options().threads)
        .map_err(solve_error)?;
    fs::write(output, text).with_context(|| format!("writing {}", output.display()))
}

/// Parses `--group-sizes` MIN-MAX (MIN <= MAX).
fn parse_sizes(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = s.split_once('-').ok_or("expected MIN-MAX, e.g. 3-6")?;
    let (a, b) = (a.trim().parse::<u32>(), b.trim().parse::<u32>());
    match (a, b) {
        (Ok(a), Ok(b)) if a <= b => Ok((a, b)),
        _ => Err(format!("{s:?} is not MIN-MAX with MIN <= MAX")),
    }
}

/// An invalid request becomes an input error (exit code 2) listing its
/// violations; any other error is passed on.
fn solve_error(e: Error) -> anyhow::Error {
    match e {
        Error::InvalidArgument(v) => {
            let lines: Vec<String> = v
                .iter()
                .map(|f| format!("  {}: {}", f.field, f.description))
                .collect();
            InputError(format!("invalid request:\n{}", lines.join("\n"))).into()
        }
        other => anyhow::Error::new(other),
    }
}

/// A duration in milliseconds.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident set size of this process (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Pretty JSON with a final newline.
fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    let mut s = serde_json::to_string_pretty(v).context("encoding JSON")?;
    s.push('\n');
    Ok(s)
}
