//! `Solve`: validate, solve, explain one request.

use std::time::Instant;

use crate::error::Error;
use crate::model::Problem;
use crate::pipeline::{self, Scores};
use crate::settings::{Limits, Phases, SolveOptions};
use crate::wire::{pb, problem_from_request, response_from_outcome};

/// Validates, solves and explains one request.
pub fn solve(
    req: &pb::SolveRequest,
    limits: &Limits,
    opts: &SolveOptions,
) -> Result<pb::SolveResponse, Error> {
    Ok(solve_with(req, limits, opts, &mut Scores::default())?.0)
}

/// [`solve`], keeping or reusing scores as `scores` says; the response and
/// the validated problem.
pub(crate) fn solve_with(
    req: &pb::SolveRequest,
    limits: &Limits,
    opts: &SolveOptions,
    scores: &mut Scores<'_>,
) -> Result<(pb::SolveResponse, Problem), Error> {
    let t0 = Instant::now();
    let problem = problem_from_request(req, limits)?;
    let validated = t0.elapsed();
    let outcome = pipeline::solve_scored(&problem, opts, scores)?;
    let mut resp = response_from_outcome(&problem, &outcome);
    if let Some(t) = resp.stats.as_mut().and_then(|s| s.timings.as_mut()) {
        t.validate_ms = validated.as_secs_f64() * 1000.0;
        t.total_ms = t0.elapsed().as_secs_f64() * 1000.0;
    }
    if let Some(o) = &opts.observer {
        let t = &outcome.timings;
        o.solved(&Phases {
            score: t.score,
            solve: t.solve,
            explain: t.explain,
            groups: t.groups,
            pairs: outcome.candidate_pairs_total,
        });
    }
    tracing::info!(
        request_id = %problem.request_id,
        mentors = problem.mentors.len(),
        mentees = problem.mentees.len(),
        matched = outcome.pairs.len(),
        status = ?outcome.status,
        engine = ?outcome.engine,
        feasible_pairs = outcome.candidate_pairs_feasible,
        score_ms = outcome.timings.score.as_millis() as u64,
        solve_ms = outcome.timings.solve.as_millis() as u64,
        "solved"
    );
    Ok((resp, problem))
}
