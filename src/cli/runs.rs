//! The run store on the command line: where it is (`--db`, `--no-store`,
//! the default path) and `mentormatch runs list|show|export|decisions|
//! events|erase|delete-programme|prune`, on the same database a server
//! uses.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};

use mentormatch::pb;
use mentormatch::store::{self, RunFilter, Store};

use super::{to_json, write_output, InputError};

/// Where runs are kept.
#[derive(Debug, Args)]
pub(super) struct StoreArgs {
    /// The run store: a SQLite file, or a postgres:// URL that several
    /// servers share. Default: $MENTORMATCH_DB, else
    /// $XDG_DATA_HOME/mentormatch/runs.sqlite (~/.local/share/… without
    /// XDG_DATA_HOME).
    #[arg(long, env = "MENTORMATCH_DB")]
    db: Option<String>,
    /// Keep no runs (stateless, as before the store); wins over --db and
    /// MENTORMATCH_DB.
    #[arg(long)]
    no_store: bool,
}

/// The default SQLite file, if a home or data directory is known.
fn default_db() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| Path::new(&h).join(".local/share"))
        })?;
    Some(data.join("mentormatch").join("runs.sqlite"))
}

impl StoreArgs {
    /// Where the store is (none with `--no-store`).
    fn location(&self) -> Result<Option<String>> {
        if self.no_store {
            return Ok(None);
        }
        if let Some(db) = &self.db {
            return Ok(Some(db.clone()));
        }
        let path = default_db().ok_or_else(|| {
            InputError(
                "no HOME or XDG_DATA_HOME to keep runs in: pass --db PATH or --no-store".into(),
            )
        })?;
        Ok(Some(path.to_string_lossy().into_owned()))
    }

    /// Opens the store (none with `--no-store`); logs where it is, without
    /// a PostgreSQL URL's password.
    pub(super) async fn open(&self) -> Result<Option<Arc<dyn Store>>> {
        let Some(at) = self.location()? else {
            tracing::info!("no run store (--no-store)");
            return Ok(None);
        };
        let shown = redact(&at);
        let store = store::open(&at)
            .await
            .with_context(|| format!("opening the run store {shown}"))?;
        tracing::info!(store = %shown, "run store open");
        Ok(Some(store))
    }
}

/// `url` without the password of a `postgres://user:password@…` URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// `runs`: read the run store.
#[derive(Debug, Subcommand)]
pub(super) enum RunsCommand {
    /// Runs newest first: id, time, method, programme, cohort, caller,
    /// status.
    List {
        /// Only this programme's runs.
        #[arg(long)]
        programme: Option<String>,
        /// Only this cohort's runs.
        #[arg(long)]
        cohort: Option<String>,
        /// Most runs shown.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// One run with its request and response, as proto3 JSON.
    Show {
        /// The run's id.
        run_id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// A run's request or response alone, as proto3 JSON: a request so
    /// exported can be solved again (`mentormatch solve FILE`).
    Export {
        /// The run's id.
        run_id: String,
        /// Which part.
        #[arg(long, value_enum, default_value_t = Part::Request)]
        part: Part,
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// A programme's decisions, oldest first, as proto3 JSON.
    Decisions {
        /// The programme.
        programme: String,
        /// Only this cohort's.
        #[arg(long)]
        cohort: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// A programme's audit trail, oldest first: id, time, kind, run,
    /// caller, detail.
    Events {
        /// The programme.
        programme: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Erase a person: their name, organisation, sectors and topics leave
    /// every stored request and response, and their decisions' reasons.
    Erase {
        /// The person's id (mentor or mentee).
        person_id: String,
        /// Only in this programme (default: every programme, for ids that
        /// are unique across programmes).
        #[arg(long)]
        programme: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Delete a programme's runs, decisions and events.
    DeleteProgramme {
        /// The programme.
        programme: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Delete runs, decisions and events older than N days.
    Prune {
        /// Age in days.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=36_500))]
        older_than_days: u32,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Who the command line is in the audit trail.
fn cli_caller() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

/// A part of a run.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum Part {
    /// The request.
    Request,
    /// The response.
    Response,
}

/// Runs a `runs` subcommand.
pub(super) fn runs(cmd: &RunsCommand) -> Result<()> {
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    rt.block_on(async {
        match cmd {
            RunsCommand::List {
                programme,
                cohort,
                limit,
                store,
            } => {
                let store = need(store).await?;
                let filter = RunFilter {
                    programme_id: programme.clone().unwrap_or_default(),
                    cohort: cohort.clone().unwrap_or_default(),
                };
                let runs = store
                    .list(&filter, (*limit).min(store::MAX_PAGE), None)
                    .await?;
                let mut out =
                    String::from("run_id\tcreated\tmethod\tprogramme\tcohort\tcaller\tstatus\n");
                for r in runs {
                    let r = r.to_pb(false)?;
                    out.push_str(&format!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                        r.run_id,
                        r.create_time,
                        r.method,
                        r.programme_id,
                        r.cohort,
                        r.caller,
                        r.status
                    ));
                }
                write_output(None, &out)
            }
            RunsCommand::Show { run_id, store } => {
                let run = fetch(&*need(store).await?, run_id).await?;
                write_output(None, &to_json(&run)?)
            }
            RunsCommand::Export {
                run_id,
                part,
                output,
                store,
            } => {
                let run = fetch(&*need(store).await?, run_id).await?;
                let text = part_json(&run, *part)?;
                write_output(output.as_deref(), &text)
            }
            RunsCommand::Decisions {
                programme,
                cohort,
                store,
            } => {
                let list = need(store)
                    .await?
                    .decisions(programme, cohort.as_deref().unwrap_or(""))
                    .await?;
                let resp = pb::ListDecisionsResponse {
                    decisions: list.iter().map(|d| d.to_pb()).collect(),
                };
                write_output(None, &to_json(&resp)?)
            }
            RunsCommand::Events { programme, store } => {
                write_output(None, &events(&*need(store).await?, programme).await?)
            }
            RunsCommand::Erase {
                person_id,
                programme,
                store,
            } => erase(&*need(store).await?, person_id, programme.as_deref()).await,
            RunsCommand::DeleteProgramme { programme, store } => {
                if programme.trim().is_empty() {
                    return Err(InputError("name the programme to delete".into()).into());
                }
                let counts = need(store)
                    .await?
                    .delete_programme(programme, &cli_caller())
                    .await?;
                eprintln!(
                    "deleted programme {programme}: {} run(s), {} decision(s), {} event(s)",
                    counts.runs, counts.decisions, counts.events
                );
                Ok(())
            }
            RunsCommand::Prune {
                older_than_days,
                store,
            } => {
                let store = need(store).await?;
                let counts =
                    mentormatch::service::retention::prune_once(store.as_ref(), *older_than_days)
                        .await?;
                eprintln!(
                    "pruned: {} run(s), {} decision(s), {} event(s)",
                    counts.runs, counts.decisions, counts.events
                );
                Ok(())
            }
        }
    })
}

/// A programme's events as a table, every page.
async fn events(store: &dyn Store, programme: &str) -> Result<String> {
    let mut out = String::from("event_id\ttime\tkind\trun_id\tcaller\tdetail\n");
    let mut after = 0;
    loop {
        let page = store.events(programme, store::MAX_PAGE, after).await?;
        for e in &page {
            let e = e.to_pb();
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\n",
                e.event_id, e.time, e.kind, e.run_id, e.caller, e.detail
            ));
        }
        match page.last() {
            Some(last) if page.len() == store::MAX_PAGE as usize => after = last.event_id,
            _ => return Ok(out),
        }
    }
}

/// `runs erase`.
async fn erase(store: &dyn Store, person_id: &str, programme: Option<&str>) -> Result<()> {
    let counts =
        store::erase::erase_person(store, programme.unwrap_or(""), person_id, &cli_caller())
            .await?;
    eprintln!(
        "erased {person_id}: {} run(s) and {} decision(s) rewritten",
        counts.runs, counts.decisions
    );
    Ok(())
}

async fn need(args: &StoreArgs) -> Result<Arc<dyn Store>> {
    Ok(args
        .open()
        .await?
        .ok_or_else(|| InputError("`runs` reads a store: drop --no-store".into()))?)
}

async fn fetch(store: &dyn Store, run_id: &str) -> Result<pb::Run> {
    let run = store
        .get(run_id)
        .await?
        .ok_or_else(|| InputError(format!("no run {run_id:?} in this store")))?;
    Ok(run.to_pb(true)?)
}

fn part_json(run: &pb::Run, part: Part) -> Result<String> {
    use pb::run::{Request as Q, Response as R};
    match part {
        Part::Request => match &run.request {
            Some(Q::SolveRequest(q)) => to_json(q),
            Some(Q::WhatIfRequest(q)) => to_json(q),
            Some(Q::ValidateRequest(q)) => to_json(q),
            None => Err(InputError(format!("run {} has no request", run.run_id)).into()),
        },
        Part::Response => match &run.response {
            Some(R::SolveResponse(r)) => to_json(r),
            Some(R::WhatIfResponse(r)) => to_json(r),
            Some(R::ValidateResponse(r)) => to_json(r),
            None => Err(InputError(format!(
                "run {} has no response (its status is {})",
                run.run_id, run.status
            ))
            .into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_stay_out_of_logs() {
        assert_eq!(
            redact("postgres://mm:s3cret@db:5432/runs"),
            "postgres://mm:***@db:5432/runs"
        );
        assert_eq!(
            redact("/var/lib/mentormatch/runs.sqlite"),
            "/var/lib/mentormatch/runs.sqlite"
        );
        assert_eq!(redact("postgres://db/runs"), "postgres://db/runs");
    }
}
