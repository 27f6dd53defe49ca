//! Bilateral pairs when mentees ask for several mentors, a priority tier or
//! mentor roles (issue 29): every feasible pair scored over every mentee
//! (pins are arcs that must be used), the demand model solved exactly by
//! the demand flow (or the demand MILP when the policy asks for the MILP
//! or has a side constraint: a country quota, a cap on changes;
//! many-to-many deferred acceptance for the stable objective, measured
//! against the coverage-then-score optimum), and each mentee with fewer
//! mentors than it asked for explained.

use std::time::{Duration, Instant};

use crate::error::Error;
use crate::model::{MenteeIdx, MentorIdx, Objective, Problem};
use crate::outcome::{EngineUsed, Outcome, Status, Timings, Unmatched};
use crate::scoring::Scorer;
use crate::settings::SolveOptions;
use crate::solvers::candidates::{demand_instance, Pins};
use crate::solvers::demand::solve_milp;
use crate::solvers::demand_hall::DemandHall;
use crate::solvers::flow::shortfall::shortfall;
use crate::solvers::{flow, stable_demand, Deadline, SolveError};

use super::matched::pairs_and_loads;
use super::pairs::{
    engine_for, infeasible, pins_over_capacity, refuse_capped_stable, solver_failed, stopped,
};
use crate::explain::demand::{
    capacity_certificates, short_of_demand, stable_short, unmet_demand, CountryLoads,
};
use crate::explain::infeasible as why;

/// Solves the bilateral pairs of a problem with demand by `deadline`.
pub(crate) fn solve_demand(
    problem: &Problem,
    opts: &SolveOptions,
    deadline: &Deadline,
    t0: Instant,
) -> Result<Outcome, Error> {
    refuse_capped_stable(problem)?;
    let scorer = Scorer::new(problem);
    let broken = why::broken_pins(&scorer);
    if !broken.is_empty() {
        return Err(Error::InvalidArgument(broken));
    }
    let engine = engine_for(problem);
    let objective = problem.policy.objective;
    let pins = Pins::new(problem);
    if let Some(out) = pins_over_capacity(problem, &pins, engine) {
        return Ok(out);
    }
    let (cands, demand) = demand_instance(&scorer, opts.threads, deadline)
        .map_err(|e| stopped(e, deadline, opts, t0))?;
    let t_scored = Instant::now();
    let inst = &cands.instance;
    let mut proof = None;
    let solved = match (engine, objective) {
        (EngineUsed::Milp, _) => solve_milp(inst, &demand, objective, deadline),
        (EngineUsed::DeferredAcceptance, Objective::Stable(side)) => {
            stable_demand::solve(inst, &demand, side, deadline)
        }
        _ => flow::demand::solve_proven(inst, &demand, objective, deadline).map(|(c, cert)| {
            proof = Some(cert);
            c
        }),
    };
    let failed = |e: SolveError| solver_failed(e, deadline, opts, t0);
    let chosen = match solved {
        Ok(c) => c,
        Err(SolveError::SideConstraintsInfeasible) => {
            let short = shortfall(inst, &demand, deadline).map_err(failed)?;
            let reasons = unmet_demand(problem, inst, &short);
            return Ok(infeasible(problem, engine, objective, reasons));
        }
        Err(e) => return Err(failed(e)),
    };
    let t_solved = Instant::now();
    let mut mentors_of: Vec<Vec<MentorIdx>> = chosen
        .iter()
        .map(|arcs| {
            arcs.iter()
                .map(|&a| inst.mentor[a as usize] as usize)
                .collect()
        })
        .collect();
    for m in &mut mentors_of {
        m.sort_unstable();
    }
    let matching = mentors_of
        .iter()
        .enumerate()
        .flat_map(|(e, ms)| ms.iter().map(move |&m| (e, m)));
    let (pairs, loads) = pairs_and_loads(&scorer, &pins, matching);
    let mut optimum = None;
    if engine == EngineUsed::DeferredAcceptance {
        let short = stable_short(problem, &mentors_of, &loads);
        if !short.is_empty() {
            // No assignment at all, or only no stable one, meets them.
            let none = shortfall(inst, &demand, deadline).map_err(failed)?;
            let reasons = match none.is_empty() {
                true => short,
                false => unmet_demand(problem, inst, &none),
            };
            return Ok(infeasible(problem, engine, objective, reasons));
        }
        // Every minimum met: the coverage-then-score optimum exists.
        let best = flow::demand::solve(inst, &demand, Objective::CoverageThenScore, deadline)
            .map_err(failed)?;
        let covered = best.iter().filter(|arcs| !arcs.is_empty()).count() as u32;
        let total = best.iter().flatten().map(|&a| inst.score[a as usize]).sum();
        optimum = Some((covered, total));
    }
    let candidates = |e: MenteeIdx| -> Vec<MentorIdx> {
        inst.arcs(e).map(|a| inst.mentor[a] as usize).collect()
    };
    let quota = CountryLoads::new(problem, &mentors_of);
    let mut unmatched: Vec<Unmatched> = (0..problem.mentees.len())
        .filter(|&e| (mentors_of[e].len() as u32) < problem.mentees[e].demand.max_mentors)
        .map(|e| short_of_demand(&scorer, e, &candidates(e), &mentors_of, &loads, &quota))
        .collect();
    if matches!(objective, Objective::CoverageThenScore | Objective::Fair) {
        let hall = DemandHall::new(inst, &demand, &chosen);
        capacity_certificates(&scorer, &hall, &cands.mentees, &mut unmatched);
    }
    let found = (pairs, unmatched, loads);
    Ok(Outcome {
        candidate_pairs_total: cands.total,
        candidate_pairs_feasible: cands.feasible,
        timings: Timings {
            score: t_scored - t0,
            solve: t_solved - t_scored,
            explain: t_solved.elapsed(),
            groups: Duration::ZERO,
        },
        optimum,
        demand_certificate: proof,
        ..Outcome::bilateral(Status::Optimal, engine, objective, found)
    })
}
