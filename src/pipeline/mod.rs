//! The core pipeline: a validated [`Problem`] in, an [`Outcome`] out.
//!
//! - [`pairs`]: pins checked, candidate arcs scored, an exact engine run,
//!   the result explained;
//! - [`groups`]: group formation after the pairs (the group MILP);
//! - `sessions`: each pair's weekly session slots, when asked;
//! - `blocking`: the answer's blocking pairs (the stability view), when asked;
//! - `meetings`: the cohort's joint meetings, dated, when asked;
//! - [`check`]: diagnosis without a solve (findings, max-flow answers).
//!
//! Pure: no IO, no clocks except for the deadline and optional timings.

mod blocking;
pub(crate) mod check;
mod demand;
pub(crate) mod groups;
mod matched;
mod meetings;
pub(crate) mod pairs;
pub(crate) mod resumed;
mod sessions;

use std::time::Instant;

use crate::error::Error;
use crate::model::Problem;
use crate::outcome::{Outcome, Status};
use crate::scoring::Scorer;
use crate::settings::SolveOptions;
use crate::solvers::candidates::{candidate_arcs, Pins};
use crate::solvers::scored::ScoredPairs;
use crate::solvers::Deadline;
pub(crate) use pairs::Scores;

/// Solves a validated problem: bilateral pairs, then groups if the policy
/// asks for them.
pub(crate) fn solve(problem: &Problem, opts: &SolveOptions) -> Result<Outcome, Error> {
    solve_scored(problem, opts, &mut Scores::default())
}

/// [`solve`], reusing and keeping scored pairs as `scores` says.
pub(crate) fn solve_scored(
    problem: &Problem,
    opts: &SolveOptions,
    scores: &mut Scores<'_>,
) -> Result<Outcome, Error> {
    let t0 = Instant::now();
    let deadline = deadline(problem, opts, t0);
    let mut outcome = if problem.has_demand() {
        demand::solve_demand(problem, opts, &deadline, t0)?
    } else {
        pairs::solve_pairs(problem, opts, &deadline, t0, scores)?
    };
    if problem.policy.groups.is_some() {
        let t = Instant::now();
        let mut bilateral = vec![Vec::new(); problem.mentees.len()];
        for p in &outcome.pairs {
            bilateral[p.mentee].push(p.mentor);
        }
        let limit = deadline
            .at()
            .map_or(opts.max_time, |d| d.saturating_duration_since(t0));
        outcome.groups = groups::form_groups(problem, &bilateral, &deadline, limit)?;
        outcome.timings.groups = t.elapsed();
    }
    if let Some(cfg) = &problem.policy.bilateral_sessions {
        outcome.sessions = sessions::schedule(problem, cfg, &outcome.pairs);
    }
    if let Some(cfg) = &problem.policy.joint_meetings {
        let stop = || deadline.passed();
        outcome.meetings = meetings::schedule(problem, cfg, &stop)
            .map_err(|e| pairs::stopped(e, &deadline, opts, t0))?;
    }
    if problem.policy.report_blocking_pairs && outcome.status != Status::Infeasible {
        outcome.blocking = Some(blocking::blocking(&Scorer::new(problem), &outcome.pairs));
    }
    if deadline.cancelled() {
        return Err(Error::Cancelled);
    }
    Ok(outcome)
}

/// Every feasible pair of `problem` scored (no solve), as a base for what-ifs.
pub(crate) fn score_all(problem: &Problem, opts: &SolveOptions) -> Result<ScoredPairs, Error> {
    let t0 = Instant::now();
    let deadline = deadline(problem, opts, t0);
    let scorer = Scorer::new(problem);
    let pins = Pins::new(problem);
    let cands = candidate_arcs(&scorer, &pins, opts.threads, &deadline, None)
        .map_err(|e| pairs::stopped(e, &deadline, opts, t0))?;
    Ok(ScoredPairs {
        instance: cands.instance,
        mentees: cands.mentees,
        n_mentees: problem.mentees.len(),
        most_load: problem.history.mentor_load.iter().copied().max(),
    })
}

/// The earliest of the request's time limit (capped by the server's), and
/// the transport's deadline, counted from `t0`; the caller's cancel flag
/// ends it too.
pub(crate) fn deadline(problem: &Problem, opts: &SolveOptions, t0: Instant) -> Deadline {
    let limit = problem
        .policy
        .time_limit
        .map_or(opts.max_time, |t| t.min(opts.max_time));
    let own = t0.checked_add(limit);
    let at = match (own, opts.deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Deadline::new(at, Some(opts.cancel.clone()))
}
