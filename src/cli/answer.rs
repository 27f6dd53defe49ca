//! The answering subcommands: `solve`, `whatif`, `check`, `alternatives`,
//! and `report` (an HTML report from a saved request and response); each
//! answer written in the format asked for.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::ValueEnum;
use mentormatch::formats::{export, report};
use mentormatch::pb;

use super::table;
use super::{init_tracing, ms, peak_rss_mib, solve_error, to_json, InputError, LimitArgs};
use super::{json_error, read_file, read_json, read_request, write_output};

/// Formats of an answer coordinators keep.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum Export {
    /// proto3 canonical JSON.
    Json,
    /// A readable table.
    Table,
    /// One table: the matching (solve), the changes (whatif) or the
    /// alternatives, names beside ids.
    Csv,
    /// A workbook (needs -o): summary, matching, mentors, groups; for
    /// whatif the scenarios and their changes; for alternatives the
    /// alternatives and the excluded mentors.
    Xlsx,
    /// One self-contained HTML page (inline CSS and SVG) that prints well.
    Html,
}

/// Formats of a check's findings.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum Format {
    /// proto3 canonical JSON.
    Json,
    /// A readable table.
    Table,
}

/// `mentormatch solve`.
#[derive(Debug, clap::Args)]
pub(super) struct SolveArgs {
    /// Request: proto3 JSON ("-" for standard input), a spreadsheet
    /// (.xlsx, .ods, .xls) or a folder of CSV files (the template's).
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Export::Json)]
    format: Export,
    /// Write the response here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Print phase timings and peak memory to standard error.
    #[arg(long)]
    timings: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

/// `mentormatch whatif`.
#[derive(Debug, clap::Args)]
pub(super) struct WhatifArgs {
    /// Request file (proto3 JSON `WhatIfRequest`), or "-" for standard input.
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Export::Json)]
    format: Export,
    /// Write the response here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// `mentormatch check`.
#[derive(Debug, clap::Args)]
pub(super) struct CheckArgs {
    /// Request: proto3 JSON ("-"), a spreadsheet or a folder of CSV files.
    file: PathBuf,
    /// Output format (table: one line per finding, then the summary).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    limits: LimitArgs,
}

/// `mentormatch alternatives`.
#[derive(Debug, clap::Args)]
pub(super) struct AlternativesArgs {
    /// Request: proto3 JSON `SolveRequest` ("-"), a spreadsheet or a
    /// folder of CSV files.
    file: PathBuf,
    /// The mentee's id.
    #[arg(long)]
    mentee: String,
    /// Alternatives to list.
    #[arg(long, default_value_t = 5)]
    limit: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Export::Json)]
    format: Export,
    /// Write the answer here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// `mentormatch report`.
#[derive(Debug, clap::Args)]
pub(super) struct ReportArgs {
    /// The request: proto3 JSON `SolveRequest`, a spreadsheet or a folder
    /// of CSV files.
    request: PathBuf,
    /// Its response (proto3 JSON `SolveResponse`, e.g. from `solve` or
    /// `runs response`).
    response: PathBuf,
    /// Write the report here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// `mentormatch verify`.
#[derive(Debug, clap::Args)]
pub(super) struct VerifyArgs {
    /// The request: proto3 JSON `SolveRequest`, a spreadsheet or a folder
    /// of CSV files.
    request: PathBuf,
    /// Its response (proto3 JSON `SolveResponse`; solved with
    /// `include_certificate` for a proof of optimality).
    response: PathBuf,
    #[command(flatten)]
    limits: LimitArgs,
}

/// `solve`: solves a request and writes the response, then the timings
/// when asked.
pub(super) fn solve(a: &SolveArgs) -> Result<()> {
    init_tracing("warn");
    let t0 = Instant::now();
    let req = read_request(&a.file)?;
    let t_read = t0.elapsed();
    let limits = a.limits.limits();
    let resp = mentormatch::api::solve(&req, &limits, &a.limits.options()).map_err(solve_error)?;
    let t_solved = t0.elapsed();
    let out = a.output.as_deref();
    match a.format {
        Export::Json => write_output(out, &to_json(&resp)?)?,
        Export::Table => write_output(out, &table::table(&resp))?,
        Export::Csv => write_output(out, &export::csv(&export::matching(&req, &resp))?)?,
        Export::Xlsx => write_xlsx(out, &export::solve_sheets(&req, &resp))?,
        Export::Html => write_output(out, &report::solve(&req, &resp, &limits)?)?,
    }
    if a.timings {
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

/// `whatif`: runs every scenario of a what-if request and writes the response.
pub(super) fn whatif(a: &WhatifArgs) -> Result<()> {
    init_tracing("warn");
    let req: pb::WhatIfRequest = read_json(&a.file)?;
    let resp = mentormatch::api::what_if(&req, &a.limits.limits(), &a.limits.options())
        .map_err(solve_error)?;
    let out = a.output.as_deref();
    let text = match a.format {
        Export::Json => to_json(&resp)?,
        Export::Table => table::whatif_table(&resp),
        Export::Csv => export::csv(&export::changes(&req, &resp))?,
        Export::Xlsx => return write_xlsx(out, &export::whatif_sheets(&req, &resp)),
        Export::Html => report::whatif(&req, &resp),
    };
    write_output(out, &text)
}

/// `check`: validates a request, writes the findings to standard output and
/// fails with an input error (exit code 2) when there is an error finding.
pub(super) fn check(a: &CheckArgs) -> Result<()> {
    init_tracing("warn");
    let req = pb::ValidateRequest {
        request: Some(read_request(&a.file)?),
    };
    let resp = mentormatch::api::validate(&req, &a.limits.limits(), &a.limits.options())
        .map_err(solve_error)?;
    let text = match a.format {
        Format::Json => to_json(&resp)?,
        Format::Table => table::check_table(&resp),
    };
    write_output(None, &text)?;
    if resp.ok {
        Ok(())
    } else {
        Err(InputError("the request has errors (see the findings above)".into()).into())
    }
}

/// `alternatives`: writes one mentee's alternative mentors.
pub(super) fn alternatives(a: &AlternativesArgs) -> Result<()> {
    init_tracing("warn");
    let req = pb::AlternativesRequest {
        request: Some(read_request(&a.file)?),
        mentee_id: a.mentee.clone(),
        limit: Some(a.limit),
        max_candidates: None,
    };
    let resp = mentormatch::api::alternatives(&req, &a.limits.limits(), &a.limits.options())
        .map_err(solve_error)?;
    let out = a.output.as_deref();
    let text = match a.format {
        Export::Json => to_json(&resp)?,
        Export::Table => table::alternatives_table(&resp),
        Export::Csv => export::csv(&export::alternatives(&req, &resp))?,
        Export::Xlsx => return write_xlsx(out, &export::alternatives_sheets(&req, &resp)),
        Export::Html => report::alternatives(&req, &resp),
    };
    write_output(out, &text)
}

/// A `SolveResponse` from a proto3 JSON file.
fn read_response(path: &Path) -> Result<pb::SolveResponse> {
    let bytes = read_file(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| InputError(format!("{} is not UTF-8 text", path.display())))?;
    mentormatch::wire::json::from_json(&text).map_err(|e| json_error::<pb::SolveResponse>(path, e))
}

/// `verify`: checks a response against its request without the engines
/// (scores recomputed, rules, loads, pins, the certificate on every arc);
/// an input error (exit code 2) naming what fails.
pub(super) fn verify(a: &VerifyArgs) -> Result<()> {
    let req = read_request(&a.request)?;
    let resp = read_response(&a.response)?;
    let t0 = Instant::now();
    let v = mentormatch::api::verify(&req, &resp, &a.limits.limits()).map_err(solve_error)?;
    let took = ms(t0.elapsed());
    if !v.findings.is_empty() {
        let mut lines: Vec<String> = v
            .findings
            .iter()
            .map(|f| format!("  {}", f.message()))
            .collect();
        if v.more_findings > 0 {
            lines.push(format!("  … and {} more", v.more_findings));
        }
        return Err(InputError(format!(
            "{} does not hold against {}:\n{}",
            a.response.display(),
            a.request.display(),
            lines.join("\n")
        ))
        .into());
    }
    let pairs = resp.pairs.len();
    let text = match v.no_certificate {
        None => format!(
            "verified: the {pairs} pairs keep every rule and the certificate proves them optimal ({} pairs scored, {took:.0} ms)\n",
            v.pairs_scored
        ),
        Some(why) => format!(
            "the {pairs} pairs keep every rule; optimality not proven: {why} ({took:.0} ms)\n"
        ),
    };
    write_output(None, &text)
}

/// `report`: the HTML report of a saved request and its response, the same
/// bytes as `solve --format html` writes.
pub(super) fn report(a: &ReportArgs) -> Result<()> {
    let req = read_request(&a.request)?;
    let resp = read_response(&a.response)?;
    let html = report::solve(&req, &resp, &a.limits.limits()).map_err(|e| match e {
        mentormatch::formats::FormatError::Request(m) => {
            anyhow::Error::new(InputError(format!("{}: {m}", a.request.display())))
        }
        other => other.into(),
    })?;
    write_output(a.output.as_deref(), &html)
}

/// Sheets written as a workbook to `output` (required: a workbook is not text).
fn write_xlsx(output: Option<&Path>, sheets: &[export::Grid]) -> Result<()> {
    let path = output.ok_or_else(|| InputError("--format xlsx needs -o FILE.xlsx".into()))?;
    let bytes = export::xlsx(sheets)?;
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}
