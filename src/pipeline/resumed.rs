//! Bilateral pairs of a what-if scenario re-optimised from its base's
//! optimum ([`crate::solvers::flow::resume`]) instead of solved afresh.
//!
//! Taken when the scenario keeps the base's scoring rules, mentors
//! (some removed, capacities changed, minimums as they were), pins and
//! objective order, and the flow would solve it; the base's baseline must
//! be an optimum under the scenario's costs. Whether it is taken depends on
//! the requests alone, never on a cache, so an answer is the same with or
//! without kept scores.

use std::time::Instant;

use crate::error::Error;
use crate::explain::unmatched::unmatched;
use crate::model::{MentorIdx, Objective, Problem};
use crate::outcome::{EngineUsed, Outcome, Status, Timings};
use crate::scoring::Scorer;
use crate::settings::SolveOptions;
use crate::solvers::candidates::{candidate_arcs, Pins};
use crate::solvers::flow::resume::{resume, BaseState, Order, Row, Scenario};
use crate::solvers::scored::Reuse;
use crate::solvers::{Assignment, Deadline};

use super::matched::{each_pair, pairs_and_loads};

/// A base to re-optimise from: its rows (in `reuse`) and its baseline's state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resumable<'r> {
    /// How the scenario maps onto the base's rows.
    pub(crate) reuse: &'r Reuse<'r>,
    /// The base's baseline as constraints.
    pub(crate) state: &'r BaseState,
}

/// The pairs of `problem` re-optimised from `base`, or `None` when the
/// scenario does not allow it (then it is solved afresh by `engine`).
pub(crate) fn resume_pairs(
    problem: &Problem,
    scorer: &Scorer<'_>,
    pins: &Pins,
    opts: &SolveOptions,
    deadline: &Deadline,
    engine: EngineUsed,
    base: Resumable<'_>,
) -> Option<Result<Outcome, Error>> {
    let t0 = Instant::now();
    if engine != EngineUsed::Flow {
        return None;
    }
    let (scen, free) = scenario(problem, scorer, pins, base)?;
    let feasible = scen_arcs(&scen, base.reuse, base.state.mentors());
    let t_set = Instant::now();
    let placed = resume(base.state, &scen)?;
    let t_solved = Instant::now();
    let mut mentor_of: Vec<Option<MentorIdx>> = pins.mentor_of.clone();
    for (k, &e) in free.iter().enumerate() {
        mentor_of[e] = placed[k].map(|m| m as usize);
    }
    let p = problem;
    let (pairs, loads) = pairs_and_loads(scorer, pins, each_pair(&mentor_of));
    let unmatched = if free.iter().any(|&e| mentor_of[e].is_none()) {
        let u = explain_unmatched(scorer, pins, opts, deadline, base.reuse, &mentor_of, &loads);
        match u {
            Ok(u) => u,
            Err(e) => return Some(Err(e)),
        }
    } else {
        Vec::new()
    };
    let found = (pairs, unmatched, loads);
    Some(Ok(Outcome {
        candidate_pairs_total: (free.len() * p.mentors.len()) as u64,
        candidate_pairs_feasible: feasible,
        timings: Timings {
            score: t_set - t0,
            solve: t_solved - t_set,
            explain: t_solved.elapsed(),
            groups: std::time::Duration::ZERO,
        },
        resumed: true,
        ..Outcome::bilateral(Status::Optimal, EngineUsed::Flow, p.policy.objective, found)
    }))
}

/// The scenario the flow re-optimises, and the problem mentee of each of
/// its mentees; `None` when the problem does not allow it.
fn scenario(
    p: &Problem,
    scorer: &Scorer<'_>,
    pins: &Pins,
    base: Resumable<'_>,
) -> Option<(Scenario, Vec<usize>)> {
    let order = match p.policy.objective {
        Objective::CoverageThenScore => Order::CoverageThenScore,
        Objective::Score => Order::ScoreThenCoverage,
        Objective::Fair | Objective::Stable(_) => return None,
    };
    let stable = p.stability.as_ref().is_none_or(|s| s.weight == 0.0);
    if p.policy.min_pair_score.is_some() && !stable {
        return None;
    }
    let reuse = base.reuse;
    let mentor_base: Vec<u32> = reuse.mentor_was.iter().copied().collect::<Option<_>>()?;
    if mentor_base.windows(2).any(|w| w[0] >= w[1]) {
        return None;
    }
    let capacity: Vec<u32> = (0..p.mentors.len())
        .map(|m| p.mentors[m].capacity.saturating_sub(pins.per_mentor[m]))
        .collect();
    let minimum: Vec<u32> = (0..p.mentors.len())
        .map(|m| p.mentors[m].min_mentees.saturating_sub(pins.per_mentor[m]))
        .collect();
    if !base.state.minimums_are(&mentor_base, &minimum) {
        return None;
    }
    let free: Vec<usize> = (0..p.mentees.len())
        .filter(|&e| pins.mentor_of[e].is_none())
        .collect();
    let rows: Vec<Row> = free
        .iter()
        .map(|&e| {
            let was = reuse.mentee_was.get(e).copied().flatten();
            match was.filter(|&b| reuse.rows.arcs(b as usize).is_some()) {
                Some(b) => Row::Base(b),
                None => Row::Fresh(
                    (0..p.mentors.len())
                        .filter_map(|m| Some((m as u32, scorer.evaluate(m, e).ok()?)))
                        .collect(),
                ),
            }
        })
        .collect();
    // Stability points are the same for every baseline pair.
    let bonus = p
        .stability
        .as_ref()
        .and_then(|st| st.baseline.iter().next())
        .map_or(0, |&(m, e)| scorer.stability_bonus(m, e));
    let scen = Scenario {
        mentor_base,
        capacity,
        minimum,
        rows,
        bonus,
        order,
    };
    Some((scen, free))
}

/// Why the unmatched are: their reasons need the scenario's arcs, built
/// only when someone is unmatched.
fn explain_unmatched(
    scorer: &Scorer<'_>,
    pins: &Pins,
    opts: &SolveOptions,
    deadline: &Deadline,
    reuse: &Reuse<'_>,
    mentor_of: &[Option<MentorIdx>],
    loads: &[u32],
) -> Result<Vec<crate::outcome::Unmatched>, Error> {
    let cands = candidate_arcs(scorer, pins, opts.threads, deadline, Some(reuse))?;
    let inst = &cands.instance;
    let arc = cands
        .mentees
        .iter()
        .enumerate()
        .map(|(k, &e)| {
            let m = mentor_of[e]? as u32;
            inst.arcs(k)
                .find(|&a| inst.mentor[a] == m)
                .map(|a| a as u32)
        })
        .collect();
    let assignment = Assignment {
        arc,
        optimal: true,
        duals: None,
        bound: None,
    };
    Ok(unmatched(
        scorer,
        &cands,
        &assignment,
        pins,
        mentor_of,
        loads,
    ))
}

/// Feasible pairs of a scenario: its fresh rows, and its base rows without
/// the mentors it removed.
fn scen_arcs(scen: &Scenario, reuse: &Reuse<'_>, n_base: usize) -> u64 {
    let mut kept = vec![false; n_base];
    for &b in &scen.mentor_base {
        if let Some(k) = kept.get_mut(b as usize) {
            *k = true;
        }
    }
    let removed: Vec<u32> = (0..n_base as u32).filter(|&b| !kept[b as usize]).collect();
    scen.rows
        .iter()
        .map(|r| match r {
            Row::Fresh(arcs) => arcs.len() as u64,
            Row::Base(b) => {
                let (mentor, _, _) = reuse.rows.arcs(*b as usize).expect("a scored row");
                let gone = if removed.len() <= 16 {
                    removed
                        .iter()
                        .filter(|r| mentor.binary_search(r).is_ok())
                        .count()
                } else {
                    mentor.iter().filter(|&&m| !kept[m as usize]).count()
                };
                (mentor.len() - gone) as u64
            }
        })
        .sum()
}
