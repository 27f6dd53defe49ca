//! Bilateral pairs: pins checked, candidate arcs scored, the engine run,
//! the result explained.

use std::time::{Duration, Instant};

use crate::error::Error;
use crate::explain::{infeasible as why, unmatched::unmatched};
use crate::model::{EngineChoice, MentorIdx, Milli, Objective, Problem};
use crate::outcome::{EngineUsed, Infeasibility, Outcome, Status, Timings};
use crate::scoring::RowScorer;
use crate::scoring::Scorer;
use crate::settings::SolveOptions;
use crate::solvers::candidates::{candidate_arcs, CandidateArcs, Pins, Places};
use crate::solvers::flow::resume::BaseState;
use crate::solvers::pricing::solve_priced;
use crate::solvers::scored::{Reuse, ScoredPairs};

use super::matched::{each_pair, pairs_and_loads};
use super::resumed::{resume_pairs, Resumable};
use crate::solvers::{
    flow::FlowEngine, milp::MilpEngine, stable::StableEngine, Assignment, Deadline, Engine,
    SolveError,
};

/// A cap on changes under the stable objective: refused by name, since
/// deferred acceptance has no side constraint.
pub(crate) fn refuse_capped_stable(problem: &Problem) -> Result<(), Error> {
    let capped = problem
        .stability
        .as_ref()
        .is_some_and(|s| s.max_changes.is_some());
    if capped && matches!(problem.policy.objective, Objective::Stable(_)) {
        return Err(Error::InvalidArgument(vec![
            crate::error::FieldViolation::new(
                "max_changes",
                "OBJECTIVE_STABLE cannot cap changes (deferred acceptance has no side constraint)",
            ),
        ]));
    }
    Ok(())
}

/// Solves the bilateral pairs of `problem` by `deadline` (`t0` is when the
/// solve started), reusing earlier scores where `scores.reuse` vouches for
/// them, and handing back the pairs scored when `scores.keep`.
pub(crate) fn solve_pairs(
    problem: &Problem,
    opts: &SolveOptions,
    deadline: &Deadline,
    t0: Instant,
    scores: &mut Scores<'_>,
) -> Result<Outcome, Error> {
    let scorer = Scorer::new(problem);
    let broken = why::broken_pins(&scorer);
    if !broken.is_empty() {
        return Err(Error::InvalidArgument(broken));
    }
    refuse_capped_stable(problem)?;
    let pins = Pins::new(problem);
    // Side constraints (quotas, a cap on changes) need the MILP; validation
    // rejects quotas with ENGINE_FLOW.
    let engine_used = engine_for(problem);
    let objective = problem.policy.objective;
    if let Some(out) = pins_over_capacity(problem, &pins, engine_used) {
        return Ok(out);
    }
    if let (Some(reuse), Some(state)) = (scores.reuse, scores.state) {
        let base = Resumable { reuse, state };
        if let Some(r) = resume_pairs(problem, &scorer, &pins, opts, deadline, engine_used, base) {
            return r.map_err(|e| stopped(e, deadline, opts, t0));
        }
    }
    let places = Places::new(problem, &pins);
    let pairs = (places.free.len() * problem.mentors.len()) as u64;
    let priced = engine_used == EngineUsed::Flow
        && objective != Objective::Fair
        && scores.reuse.is_none()
        && pairs > opts.held_pairs;
    // The priced solve scores as it solves: its scoring time counts as solving.
    let (result, t_scored) = if priced {
        let rows = RowScorer::new(&scorer);
        let result = priced_solve(&rows, places, objective, opts, deadline);
        (result, t0)
    } else {
        let cands = candidate_arcs(&scorer, &pins, opts.threads, deadline, scores.reuse)
            .map_err(|e| stopped(e, deadline, opts, t0))?;
        let t_scored = Instant::now();
        let result = match engine_used {
            EngineUsed::Flow => FlowEngine {
                threads: opts.threads,
            }
            .solve(&cands.instance, objective, deadline.clone()),
            EngineUsed::Milp => MilpEngine.solve(&cands.instance, objective, deadline.clone()),
            EngineUsed::DeferredAcceptance => {
                StableEngine.solve(&cands.instance, objective, deadline.clone())
            }
        };
        (result.map(|a| (cands, a)), t_scored)
    };
    let t_solved = Instant::now();
    let (cands, assignment) = match result {
        Ok(solved) => solved,
        Err(e @ (SolveError::Deadline | SolveError::Backend(_) | SolveError::Unsupported(_))) => {
            return Err(solver_failed(e, deadline, opts, t0))
        }
        Err(SolveError::SideConstraintsInfeasible) => {
            let reasons = why::side_constraints(problem);
            return Ok(infeasible(problem, engine_used, objective, reasons));
        }
        Err(SolveError::MinimumsUnmet { short }) => {
            let reasons = why::minimums_unmet(problem, &short, &pins.per_mentor);
            return Ok(infeasible(problem, engine_used, objective, reasons));
        }
    };

    let mut outcome = assemble(&scorer, &cands, &assignment, &pins, engine_used);
    if engine_used == EngineUsed::DeferredAcceptance {
        // The stable answer met every minimum, so the optimum meets them too:
        // only the deadline or the backend can stop it.
        let best = optimum(&outcome, &cands, opts, deadline).map_err(|e| match e {
            SolveError::Deadline => stopped(Error::TimeLimit(opts.max_time), deadline, opts, t0),
            e => Error::Solver(format!("the optimum to compare with: {e:?}")),
        })?;
        outcome.optimum = Some(best);
    }
    outcome.timings = Timings {
        score: t_scored - t0,
        solve: t_solved - t_scored,
        explain: t_solved.elapsed(),
        groups: Duration::ZERO,
    };
    if scores.keep && problem.stability.is_none() && !priced {
        scores.kept = Some(ScoredPairs {
            instance: cands.instance,
            mentees: cands.mentees,
            n_mentees: problem.mentees.len(),
            most_load: problem.history.mentor_load.iter().copied().max(),
        });
    }
    Ok(outcome)
}

/// The flow over every pair, holding at most `opts.held_pairs` arcs before
/// pricing ([`solve_priced`]); the candidate arcs given to the explanations
/// hold every feasible arc of each unmatched mentee.
fn priced_solve(
    rows: &RowScorer<'_>,
    places: Places,
    objective: Objective,
    opts: &SolveOptions,
    deadline: &Deadline,
) -> Result<(CandidateArcs, Assignment), SolveError> {
    let total = (places.free.len() * places.capacity.len()) as u64;
    let priced = solve_priced(
        rows,
        &places,
        objective,
        opts.held_pairs,
        opts.threads,
        deadline,
    )?;
    let feasible = priced.feasible;
    let (instance, assignment, reach) = priced.explained(rows, &places.free, opts.threads)?;
    let cands = CandidateArcs {
        instance,
        mentees: places.free,
        total,
        feasible,
        reach,
    };
    Ok((cands, assignment))
}

/// Scores to reuse going into a solve, and the pairs it scored coming out.
#[derive(Debug, Default)]
pub(crate) struct Scores<'r> {
    /// Earlier scores that hold for this problem.
    pub(crate) reuse: Option<&'r Reuse<'r>>,
    /// The earlier problem's baseline state: re-optimise from it when the
    /// problem allows (see [`super::resumed`]).
    pub(crate) state: Option<&'r BaseState>,
    /// Keep this solve's scored pairs (a Solve's, without stability points).
    pub(crate) keep: bool,
    /// The pairs scored, when kept.
    pub(crate) kept: Option<ScoredPairs>,
}

/// A solver's failure as the caller's error: a passed deadline as a time
/// limit (or cancellation, see [`stopped`]), anything else as `Solver`.
pub(crate) fn solver_failed(
    e: SolveError,
    deadline: &Deadline,
    opts: &SolveOptions,
    t0: Instant,
) -> Error {
    match e {
        SolveError::Deadline => stopped(Error::TimeLimit(opts.max_time), deadline, opts, t0),
        e => Error::Solver(e.to_string()),
    }
}

/// The error of a solve stopped by its deadline: cancelled, or out of time
/// (the limit it had, counted from `t0`); other errors pass through.
pub(crate) fn stopped(e: Error, deadline: &Deadline, opts: &SolveOptions, t0: Instant) -> Error {
    match e {
        Error::TimeLimit(_) if deadline.cancelled() => Error::Cancelled,
        Error::TimeLimit(_) => Error::TimeLimit(deadline.at().map_or(opts.max_time, |d| d - t0)),
        other => other,
    }
}

/// The outcome of an infeasible request: no pairs, every mentee unmatched
/// for that reason, the reasons.
pub(crate) fn infeasible(
    problem: &Problem,
    engine: EngineUsed,
    objective: Objective,
    infeasibilities: Vec<Infeasibility>,
) -> Outcome {
    let unmatched = why::everyone_unmatched(problem, &infeasibilities);
    let loads = vec![0; problem.mentors.len()];
    Outcome {
        infeasibilities,
        ..Outcome::bilateral(
            Status::Infeasible,
            engine,
            objective,
            (Vec::new(), unmatched, loads),
        )
    }
}

/// The infeasible outcome of pins that fill some mentor beyond its
/// capacity, if they do.
pub(crate) fn pins_over_capacity(
    problem: &Problem,
    pins: &Pins,
    engine: EngineUsed,
) -> Option<Outcome> {
    let over: Vec<MentorIdx> = (0..problem.mentors.len())
        .filter(|&m| pins.per_mentor[m] > problem.mentors[m].capacity)
        .collect();
    if over.is_empty() {
        return None;
    }
    let reasons = why::pins_over_capacity(problem, &over, &pins.per_mentor);
    Some(infeasible(
        problem,
        engine,
        problem.policy.objective,
        reasons,
    ))
}

/// The outcome of an assignment: pins and engine pairs with their score
/// details, mentor loads, and every unmatched mentee explained.
fn assemble(
    scorer: &Scorer<'_>,
    cands: &CandidateArcs,
    assignment: &Assignment,
    pins: &Pins,
    engine: EngineUsed,
) -> Outcome {
    let p = scorer.problem();
    let inst = &cands.instance;
    let pinned_of = &pins.mentor_of;
    let mut mentor_of: Vec<Option<MentorIdx>> = pinned_of.to_vec();
    for (k, &e) in cands.mentees.iter().enumerate() {
        mentor_of[e] = assignment.mentor(inst, k).map(|m| m as usize);
    }
    let (pairs, loads) = pairs_and_loads(scorer, pins, each_pair(&mentor_of));
    let unmatched = unmatched(scorer, cands, assignment, pins, &mentor_of, &loads);
    let status = if assignment.optimal {
        Status::Optimal
    } else {
        Status::Feasible
    };
    Outcome {
        candidate_pairs_total: cands.total,
        candidate_pairs_feasible: cands.feasible,
        certificate: assignment
            .duals
            .as_ref()
            .map(|d| d.in_problem_order(&cands.mentees, p.mentees.len())),
        bound: assignment.bound,
        ..Outcome::bilateral(
            status,
            engine,
            p.policy.objective,
            (pairs, unmatched, loads),
        )
    }
}

/// The coverage-then-score optimum's matched mentees and total score, the
/// pinned pairs of `outcome` included: what the stable objective is
/// measured against.
fn optimum(
    outcome: &Outcome,
    cands: &CandidateArcs,
    opts: &SolveOptions,
    deadline: &Deadline,
) -> Result<(u32, Milli), SolveError> {
    let engine = FlowEngine {
        threads: opts.threads,
    };
    let a = engine.solve(
        &cands.instance,
        Objective::CoverageThenScore,
        deadline.clone(),
    )?;
    let v = a.value(&cands.instance);
    let pinned = outcome.pairs.iter().filter(|p| p.pinned);
    let (n, total) = pinned.fold((0u32, 0), |(n, t), p| (n + 1, t + p.detail.score));
    Ok((n + v.matched as u32, total + v.total))
}

/// The engine a solve of `problem` uses: the flow unless the policy asks
/// for the MILP or has side constraints (quotas, a cap on changes) that only
/// the MILP expresses.
pub(crate) fn engine_for(problem: &Problem) -> EngineUsed {
    let side = problem.policy.max_mentees_per_country.is_some()
        || problem
            .stability
            .as_ref()
            .is_some_and(|s| s.max_changes.is_some());
    if matches!(problem.policy.objective, Objective::Stable(_)) {
        return EngineUsed::DeferredAcceptance;
    }
    match problem.policy.engine {
        EngineChoice::Milp => EngineUsed::Milp,
        EngineChoice::Auto | EngineChoice::Flow if side => EngineUsed::Milp,
        EngineChoice::Auto | EngineChoice::Flow => EngineUsed::Flow,
    }
}
