//! The `mentormatch` command line: `serve` and offline subcommands over
//! proto3 JSON files.
//!
//! Exit codes: 0 success; 2 invalid input (unreadable JSON, validation);
//! 1 any other failure.

use std::fs;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use mentormatch::convert::Limits;
use mentormatch::matching::SolveOptions;
use mentormatch::service::{self, ServerConfig};
use mentormatch::synth::{self, SynthConfig};
use mentormatch::{pb, Error};

/// Optimal, explainable mentor–mentee matching.
#[derive(Debug, Parser)]
#[command(name = "mentormatch", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Solve a request (proto3 JSON) and print the response.
    Solve {
        /// Request file (proto3 JSON), or "-" for standard input.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Write the response here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Print phase timings and peak memory to standard error.
        #[arg(long)]
        timings: bool,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Run a what-if request (proto3 JSON `WhatIfRequest`): every scenario
    /// re-solved and diffed against the baseline pairs.
    Whatif {
        /// Request file, or "-" for standard input.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Write the response here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Check a request (proto3 JSON `SolveRequest`) without solving it:
    /// findings (errors, warnings, information) and a feasibility summary.
    /// Exits with 2 when there is an error finding.
    Check {
        /// Request file, or "-" for standard input.
        file: PathBuf,
        /// Output format (table: one line per finding, then the summary).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// "Why not X?": alternative mentors for one mentee with the exact loss
    /// of forcing each (every one re-solved), and who is excluded by which rule.
    Alternatives {
        /// Request file (proto3 JSON `SolveRequest`), or "-".
        file: PathBuf,
        /// The mentee's id.
        #[arg(long)]
        mentee: String,
        /// Alternatives to list.
        #[arg(long, default_value_t = 5)]
        limit: u32,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Run the gRPC service.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:50051")]
        addr: SocketAddr,
        /// Largest request or response, in bytes.
        #[arg(long, default_value_t = 256 * 1024 * 1024)]
        max_message_bytes: usize,
        /// Solves running at once (default: number of cores).
        #[arg(long)]
        max_concurrent: Option<usize>,
        #[command(flatten)]
        limits: LimitArgs,
    },
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
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
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

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// proto3 canonical JSON.
    Json,
    /// A readable table.
    Table,
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
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_mentors: self.max_mentors,
            max_mentees: self.max_mentees,
            max_pairs: self.max_pairs,
            ..Limits::default()
        }
    }

    fn options(&self) -> SolveOptions {
        SolveOptions {
            max_time: Duration::from_millis(self.max_time_ms),
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

/// Findings one per line (severity, code, field, message), then the summary.
fn check_table(r: &pb::ValidateResponse) -> String {
    let mut t = String::new();
    for f in &r.findings {
        let sev = pb::Severity::try_from(f.severity)
            .map_or("?", |s| s.as_str_name().trim_start_matches("SEVERITY_"));
        let code = pb::FindingCode::try_from(f.code)
            .map_or("?", |c| c.as_str_name().trim_start_matches("FINDING_CODE_"));
        let field = if f.field.is_empty() {
            String::new()
        } else {
            format!(" [{}]", f.field)
        };
        t.push_str(&format!("{sev:<7} {code}{field}: {}\n", f.message));
        if let Some(c) = &f.certificate {
            for x in &c.relaxations {
                t.push_str(&format!("        fix: {}\n", x.message));
            }
        }
    }
    if let Some(s) = &r.summary {
        t.push_str(&format!(
            "summary: {} mentees, {} mentors, {} places, {} pinned; {} of {} pairs feasible; \
             {} mentees without a candidate; at most {} matched; minimums {} ({} places); engine {}\n",
            s.mentees,
            s.mentors,
            s.places,
            s.pinned_pairs,
            s.candidate_pairs_feasible,
            s.candidate_pairs_total,
            s.mentees_without_candidate,
            s.max_coverage.map_or("?".into(), |c| c.to_string()),
            match s.minimums_feasible {
                Some(true) => "feasible",
                Some(false) => "INFEASIBLE",
                None => "not checked",
            },
            s.minimum_places,
            pb::Engine::try_from(s.engine).map_or("?", |e| e.as_str_name().trim_start_matches("ENGINE_")),
        ));
    }
    t.push_str(if r.ok { "ok\n" } else { "errors found\n" });
    t
}

fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Solve {
            file,
            format,
            output,
            timings,
            limits,
        } => {
            init_tracing("warn");
            let t0 = Instant::now();
            let req = read_request(&file)?;
            let t_read = t0.elapsed();
            let resp = mentormatch::api::solve(&req, &limits.limits(), &limits.options())
                .map_err(solve_error)?;
            let t_solved = t0.elapsed();
            let text = match format {
                Format::Json => to_json(&resp)?,
                Format::Table => table(&resp),
            };
            write_output(output.as_deref(), &text)?;
            if timings {
                eprintln!(
                    "read {:.1} ms, solve {:.1} ms, write {:.1} ms, total {:.1} ms, peak RSS {} MiB",
                    ms(t_read),
                    ms(t_solved - t_read),
                    ms(t0.elapsed() - t_solved),
                    ms(t0.elapsed()),
                    peak_rss_mib().map_or("?".into(), |m| format!("{m:.1}"))
                );
            }
            Ok(())
        }
        Command::Whatif {
            file,
            format,
            output,
            limits,
        } => {
            init_tracing("warn");
            let req: pb::WhatIfRequest = read_json(&file)?;
            let resp = mentormatch::whatif::what_if(&req, &limits.limits(), &limits.options())
                .map_err(solve_error)?;
            let text = match format {
                Format::Json => to_json(&resp)?,
                Format::Table => resp
                    .results
                    .iter()
                    .map(|r| {
                        let d = r.diff.clone().unwrap_or_default();
                        let mut t = format!(
                            "== scenario {:?}: {} kept, {} moved, {} added, {} dropped; coverage {:+}, score {:+.3}\n",
                            r.name,
                            d.kept.len(),
                            d.moved.len(),
                            d.added.len(),
                            d.dropped.len(),
                            d.coverage_change,
                            d.score_change
                        );
                        for m in &d.moved {
                            t.push_str(&format!("   moved   {}: {} -> {}\n", m.mentee_id, m.from_mentor_id, m.to_mentor_id));
                        }
                        for p in &d.added {
                            t.push_str(&format!("   added   {}: {}\n", p.mentee_id, p.mentor_id));
                        }
                        for p in &d.dropped {
                            t.push_str(&format!("   dropped {}: was {}\n", p.mentee_id, p.mentor_id));
                        }
                        if let Some(g) = &r.membership_diff {
                            t.push_str(&format!(
                                "   groups: {} members kept, {} moved, {} added, {} dropped; grouped {:+}\n",
                                g.kept.len(),
                                g.moved.len(),
                                g.added.len(),
                                g.dropped.len(),
                                g.coverage_change
                            ));
                            for m in &g.moved {
                                t.push_str(&format!("   moved   {}: group of {} -> group of {}\n", m.mentee_id, m.from_mentor_id, m.to_mentor_id));
                            }
                            for p in &g.added {
                                t.push_str(&format!("   joined  {}: group of {}\n", p.mentee_id, p.mentor_id));
                            }
                            for p in &g.dropped {
                                t.push_str(&format!("   left    {}: was in the group of {}\n", p.mentee_id, p.mentor_id));
                            }
                        }
                        t.push_str(&table(&r.response.clone().unwrap_or_default()));
                        t
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            };
            write_output(output.as_deref(), &text)
        }
        Command::Check {
            file,
            format,
            limits,
        } => {
            init_tracing("warn");
            let req = pb::ValidateRequest {
                request: Some(read_request(&file)?),
            };
            let resp = mentormatch::api::validate(&req, &limits.limits(), &limits.options())
                .map_err(solve_error)?;
            let text = match format {
                Format::Json => to_json(&resp)?,
                Format::Table => check_table(&resp),
            };
            write_output(None, &text)?;
            if resp.ok {
                Ok(())
            } else {
                Err(InputError("the request has errors (see the findings above)".into()).into())
            }
        }
        Command::Alternatives {
            file,
            mentee,
            limit,
            limits,
        } => {
            init_tracing("warn");
            let req = pb::AlternativesRequest {
                request: Some(read_request(&file)?),
                mentee_id: mentee,
                limit: Some(limit),
                max_candidates: None,
            };
            let resp =
                mentormatch::alternatives::alternatives(&req, &limits.limits(), &limits.options())
                    .map_err(solve_error)?;
            write_output(None, &to_json(&resp)?)
        }
        Command::Serve {
            addr,
            max_message_bytes,
            max_concurrent,
            limits,
        } => {
            init_tracing("info");
            let mut config = ServerConfig {
                limits: limits.limits(),
                max_time: Duration::from_millis(limits.max_time_ms),
                max_message_bytes,
                ..ServerConfig::default()
            };
            if let Some(n) = max_concurrent {
                config.max_concurrent = n.max(1);
            }
            let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding {addr}"))?;
                tracing::info!(addr = %listener.local_addr()?, "serving mentormatch.v1.MatchingService");
                service::serve(listener, config, async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
                .map_err(|e| anyhow::anyhow!("server error: {e}"))
            })
        }
        Command::Generate {
            mentees,
            mentors,
            seed,
            max_capacity,
            group_sizes,
            time_limit_ms,
            output,
        } => {
            let mut req = synth::generate(&SynthConfig {
                mentees,
                mentors,
                seed,
                max_capacity,
            });
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
            write_output(output.as_deref(), &to_json(&req)?)
        }
        Command::ExportNetwork {
            file,
            output,
            limits,
        } => {
            let req = read_request(&file)?;
            let problem = mentormatch::convert::problem_from_request(&req, &limits.limits())
                .map_err(solve_error)?;
            let text = mentormatch::export::network_text(&problem, &limits.options());
            fs::write(&output, text).with_context(|| format!("writing {}", output.display()))
        }
    }
}

fn parse_sizes(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = s.split_once('-').ok_or("expected MIN-MAX, e.g. 3-6")?;
    let (a, b) = (a.trim().parse::<u32>(), b.trim().parse::<u32>());
    match (a, b) {
        (Ok(a), Ok(b)) if a <= b => Ok((a, b)),
        _ => Err(format!("{s:?} is not MIN-MAX with MIN <= MAX")),
    }
}

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

fn read_request(file: &Path) -> Result<pb::SolveRequest> {
    read_json(file)
}

fn read_json<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T> {
    let text = if file == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        s
    } else {
        fs::read_to_string(file)
            .map_err(|e| InputError(format!("cannot read {}: {e}", file.display())))?
    };
    serde_json::from_str(&text).map_err(|e| {
        InputError(format!(
            "{} is not a valid request (proto3 JSON): {e}",
            file.display()
        ))
        .into()
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    let mut s = serde_json::to_string_pretty(v).context("encoding JSON")?;
    s.push('\n');
    Ok(s)
}

fn write_output(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(p) => fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .context("writing standard output")
        }
    }
}

fn enum_name<E: TryFrom<i32> + std::fmt::Debug>(v: i32) -> String {
    E::try_from(v).map_or_else(|_| v.to_string(), |e| format!("{e:?}"))
}

/// A readable table of a response.
fn table(r: &pb::SolveResponse) -> String {
    let mut s = String::new();
    let stats = r.stats.unwrap_or_default();
    s.push_str(&format!(
        "status {}  engine {}  objective {}  matched {}/{}  total score {:.3}  lowest {:.3}\n",
        enum_name::<pb::SolveStatus>(r.status),
        enum_name::<pb::Engine>(stats.engine),
        enum_name::<pb::Objective>(stats.objective),
        stats.matched,
        stats.mentees,
        stats.total_score,
        stats.min_pair_score,
    ));
    s.push_str(&format!(
        "candidate pairs: {} feasible of {}\n\n",
        stats.candidate_pairs_feasible, stats.candidate_pairs_total
    ));
    if !r.pairs.is_empty() {
        let width = |f: fn(&pb::Pair) -> &str| {
            r.pairs
                .iter()
                .map(|p| f(p).chars().count())
                .max()
                .unwrap_or(0)
                .max(6)
        };
        let (we, wm) = (width(|p| &p.mentee_id), width(|p| &p.mentor_id));
        s.push_str(&format!(
            "{:<we$} {:<wm$} {:>8}  {:<10} {:>7}  {}\n",
            "mentee", "mentor", "score", "language", "overlap", "why"
        ));
        for p in &r.pairs {
            let lang = p
                .shared_languages
                .first()
                .map(|l| {
                    format!(
                        "{} {}",
                        l.code,
                        level_name(l.mentor_level.min(l.mentee_level))
                    )
                })
                .unwrap_or_default();
            let mut terms = p.breakdown.clone();
            terms.sort_by(|a, b| b.points.total_cmp(&a.points));
            let why = terms
                .iter()
                .filter(|t| t.points > 0.0)
                .take(3)
                .map(|t| {
                    format!(
                        "{} {:.1}",
                        enum_name::<pb::Criterion>(t.criterion).to_lowercase(),
                        t.points
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            s.push_str(&format!(
                "{:<we$} {:<wm$} {:>8.3}  {:<10} {:>6.1}h  {}{}\n",
                p.mentee_id,
                p.mentor_id,
                p.score,
                lang,
                p.weekly_overlap_hours,
                if p.pinned { "[pinned] " } else { "" },
                why
            ));
        }
    }
    if !r.unmatched.is_empty() {
        s.push_str("\nunmatched:\n");
        for u in &r.unmatched {
            s.push_str(&format!(
                "  {} [{}]: {}\n",
                u.mentee_id,
                enum_name::<pb::UnmatchedReason>(u.reason),
                u.message
            ));
        }
    }
    if let Some(gs) = r.group_stats {
        s.push_str(&format!(
            "\ngroups: {} ({} mentees), status {}{}\n",
            gs.groups,
            gs.grouped_mentees,
            enum_name::<pb::SolveStatus>(gs.status),
            match (gs.gap, gs.bound) {
                (Some(gap), Some(bound)) => format!(
                    ", objective {:.0}, bound {bound:.0}, gap {:.2}%",
                    gs.objective,
                    gap * 100.0
                ),
                _ => ", no proven bound (time limit)".to_string(),
            }
        ));
        for g in &r.groups {
            let slot = g.slot.clone().unwrap_or_default();
            s.push_str(&format!(
                "  {} {} [{}] {} {} {} ({} min, {}), score {:.3}: {}\n",
                g.id,
                g.mentor_ids.join(" + "),
                g.working_language,
                g.theme.join("/"),
                enum_name::<pb::Weekday>(slot.weekday)
                    .trim_start_matches("Weekday")
                    .to_lowercase(),
                slot.start,
                slot.minutes,
                slot.time_zone,
                g.score,
                g.member_ids.join(", ")
            ));
        }
        for u in &r.ungrouped {
            s.push_str(&format!(
                "  ungrouped {} [{}]: {}\n",
                u.mentee_id,
                enum_name::<pb::UngroupedReason>(u.reason),
                u.message
            ));
        }
    }
    if !r.infeasibilities.is_empty() {
        s.push_str("\ninfeasible:\n");
        for i in &r.infeasibilities {
            s.push_str(&format!("  {}: {}\n", i.kind, i.message));
        }
    }
    s
}

fn level_name(v: i32) -> &'static str {
    mentormatch::model::Level(v.clamp(1, 7) as u8).name()
}
