//! Min-cost flow engine: successive shortest paths with Johnson potentials.
//!
//! # Network
//! Nodes: every mentee `e`, every mentor `j`, a node `U` ("unmatched") and
//! a sink `T`. Every mentee supplies one unit; `T` absorbs them all.
//! - `e → j` for each feasible pair, capacity 1, cost `c(e, j)`;
//! - `e → U`, capacity 1, cost `c_U` (the price of leaving `e` unmatched);
//! - `j → T` twice: `min_j` units at cost `−H` and `cap_j − min_j` units at 0;
//! - `U → T`, unbounded, cost 0.
//!
//! # Costs (integers; scores `s` in milli-points)
//! - coverage then score: `c = s_max − s`, `c_U = n·(s_max − s_min) + 1`, so one
//!   more matched mentee outweighs any change of total score;
//! - score then coverage: `c = (s⁺ − s)(n + 1)`, `c_U = s⁺(n + 1) + 1` with
//!   `s⁺ = max(s_max, 0)`: total score first, then one unit per unmatched;
//! - `H = n·max(c) + 1` makes every minimum place outweigh everything else,
//!   so the optimum meets all minimums whenever any assignment does.
//!
//! # Algorithm
//! Each mentee in turn sends its unit along a shortest path in the residual
//! network (Dijkstra on reduced costs, stopping as soon as `T` is settled),
//! and the potentials of settled nodes are updated so that reduced costs
//! stay non-negative. Successive shortest paths from any supply node keep
//! the flow optimal for the supplies sent so far, so once every mentee has
//! sent its unit the flow is a min-cost flow: an optimal assignment.
//!
//! Fair mode: the maximum coverage `k` is computed with costs that count
//! only coverage; a binary search over the distinct scores finds the largest
//! threshold `t` at which coverage `k` (and every minimum) is still reached,
//! and the coverage-then-score optimum over arcs scoring `≥ t` is returned.
//! Its certificate is that optimum's potentials, with a `FairProof`: the
//! first flow's potentials (no matching places more) and those of the
//! coverage flow over the arcs scoring above `t` (whose optimum, and so
//! their dual bound, is worse than the answer's coverage cost).

pub mod demand;
mod graph;
mod network;
mod order;
mod reprice;
pub mod resume;
pub mod shortfall;
mod warm;

use crate::model::{Milli, Objective};
use crate::outcome::{FairProof, FlowCertificate};
use crate::solvers::{Assignment, Deadline, Engine, Instance, SolveError};

use network::{cost_model, run, sent, Costs, Network};

/// The min-cost flow engine.
#[derive(Debug, Clone, Copy)]
pub struct FlowEngine {
    /// Threads that sort the arcs of large instances (1 or more).
    pub threads: usize,
}

impl Default for FlowEngine {
    /// One thread.
    fn default() -> Self {
        FlowEngine { threads: 1 }
    }
}

impl Engine for FlowEngine {
    fn solve(
        &self,
        inst: &Instance,
        objective: Objective,
        deadline: Deadline,
    ) -> Result<Assignment, SolveError> {
        let t = self.threads;
        if inst.quota.is_some() {
            return Err(SolveError::Unsupported(
                "a min-cost flow cannot express per-label quotas",
            ));
        }
        match objective {
            Objective::CoverageThenScore => run(inst, Costs::CoverageThenScore, &deadline, t),
            Objective::Score => run(inst, Costs::ScoreThenCoverage, &deadline, t),
            Objective::Fair => fair(inst, &deadline, t),
            Objective::Stable(_) => Err(SolveError::Unsupported(
                "the stable objective is solved by deferred acceptance",
            )),
        }
    }
}

impl FlowEngine {
    /// Solves `inst` warm from `prior` (an instance arc per mentee) and its
    /// potentials `duals`, an optimum over some of `inst`'s arcs (a pricing
    /// round's): only the mentees with an arc of negative reduced cost are
    /// sent again. Cold when they do not fit, or under the fair objective.
    pub(crate) fn resolve(
        &self,
        inst: &Instance,
        objective: Objective,
        prior: &[Option<u32>],
        duals: &FlowCertificate,
        deadline: Deadline,
    ) -> Result<Assignment, SolveError> {
        let costs = match objective {
            Objective::CoverageThenScore => Costs::CoverageThenScore,
            Objective::Score => Costs::ScoreThenCoverage,
            Objective::Fair | Objective::Stable(_) => return self.solve(inst, objective, deadline),
        };
        if inst.quota.is_some() || inst.warm.is_some() {
            return self.solve(inst, objective, deadline);
        }
        match reprice::reprice(inst, costs, prior, duals, self.threads, &deadline)? {
            Some(a) => Ok(a),
            None => {
                tracing::debug!("pricing round solved cold: the previous optimum does not fit");
                self.solve(inst, objective, deadline)
            }
        }
    }
}

fn fair(inst: &Instance, deadline: &Deadline, t: usize) -> Result<Assignment, SolveError> {
    let first = sent(inst, Costs::Coverage, deadline, t)?;
    // Minimums met (else the error), the coverage cost a threshold must reach.
    let k = matched(&first.answer()?);
    let target = first.cost();
    let mut levels: Vec<Milli> = inst.score.clone();
    levels.sort_unstable();
    levels.dedup();
    if k == 0 || levels.is_empty() {
        return run(inst, Costs::CoverageThenScore, deadline, t);
    }
    // Invariant: threshold levels[lo] reaches the target; levels[hi + 1..]
    // do not, and `above` proves it for levels[hi + 1] (when hi + 1 is a level).
    let (mut lo, mut hi) = (0usize, levels.len() - 1);
    let mut above = None;
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        let (sub, _) = inst.with_threshold(levels[mid]);
        let net = sent(&sub, Costs::Coverage, deadline, t)?;
        if net.cost() <= target {
            lo = mid;
        } else {
            above = Some(net.duals());
            hi = mid - 1;
        }
    }
    let above = match above {
        Some(d) => d,
        // No level above levels[lo]: the network of no pair at all.
        None => {
            let none = inst.with_threshold(levels[lo].saturating_add(1)).0;
            sent(&none, Costs::Coverage, deadline, t)?.duals()
        }
    };
    let (sub, kept) = inst.with_threshold(levels[lo]);
    let a = run(&sub, Costs::CoverageThenScore, deadline, t)?;
    let proof = FairProof {
        lowest: levels[lo],
        coverage: first.duals(),
        above,
    };
    Ok(Assignment {
        arc: a.arc.iter().map(|x| x.map(|a| kept[a as usize])).collect(),
        optimal: true,
        duals: a.duals.map(|d| FlowCertificate {
            fair: Some(Box::new(proof)),
            ..d
        }),
        bound: None,
    })
}

fn matched(a: &Assignment) -> usize {
    a.arc.iter().filter(|x| x.is_some()).count()
}

/// The network solved for an objective, spelled out: node ids are mentees
/// `0..n`, mentors `n..n+m`, then `U`, then `T`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NetworkDescription {
    /// Number of nodes.
    pub nodes: u32,
    /// (node, supply); `T` has the negative total.
    pub supplies: Vec<(u32, i64)>,
    /// (from, to, capacity, cost).
    pub arcs: Vec<(u32, u32, i64, i64)>,
}

fn costs_for(objective: Objective) -> Costs {
    match objective {
        Objective::Score => Costs::ScoreThenCoverage,
        Objective::CoverageThenScore | Objective::Fair | Objective::Stable(_) => {
            Costs::CoverageThenScore
        }
    }
}

/// The network of `inst` under `objective` (fair: its coverage-then-score
/// network over all arcs). Empty if costs would overflow.
pub(crate) fn network(inst: &Instance, objective: Objective) -> NetworkDescription {
    let Ok(net) = cost_model(inst, costs_for(objective)) else {
        return NetworkDescription::default();
    };
    let n_e = inst.mentees() as u32;
    let (node_u, node_t) = (n_e + inst.mentors() as u32, n_e + inst.mentors() as u32 + 1);
    let mut d = NetworkDescription {
        nodes: node_t + 1,
        ..NetworkDescription::default()
    };
    for e in 0..n_e {
        d.supplies.push((e, 1));
    }
    d.supplies.push((node_t, -i64::from(n_e)));
    for e in 0..n_e as usize {
        for a in inst.arcs(e) {
            d.arcs
                .push((e as u32, n_e + inst.mentor[a], 1, net.cost[a]));
        }
        d.arcs.push((e as u32, node_u, 1, net.cost_u));
    }
    for j in 0..inst.mentors() {
        let (cap, min) = (i64::from(inst.capacity[j]), i64::from(inst.minimum[j]));
        let node = n_e + j as u32;
        if min > 0 {
            d.arcs.push((node, node_t, min, -net.h));
        }
        if cap > min {
            d.arcs.push((node, node_t, cap - min, 0));
        }
    }
    d.arcs.push((node_u, node_t, i64::from(n_e), 0));
    d
}

/// Whether the flow engine would start from `inst.warm` under `objective`
/// (the hint is a min-cost flow for the mentees it places), rather than cold.
/// (Fair mode also tries the hint, for its first, coverage-only flow; this
/// answers for the other objectives.)
pub fn accepts_warm(inst: &Instance, objective: Objective) -> bool {
    match (
        objective,
        inst.warm.as_deref(),
        Network::new(inst, costs_for(objective), 1, &Deadline::NONE),
    ) {
        (Objective::Fair, ..) | (_, None, _) | (.., Err(_)) => false,
        (_, Some(w), Ok(mut net)) => net.warm_start(w),
    }
}

/// The optimal cost of [`network`]`(inst, objective)` found by this engine,
/// `None` if it cannot be solved (deadline, overflow).
pub(crate) fn min_cost(inst: &Instance, objective: Objective, deadline: Deadline) -> Option<i64> {
    let net = cost_model(inst, costs_for(objective)).ok()?;
    let a = run(inst, costs_for(objective), &deadline, 1).ok()?;
    let mut cost = 0i64;
    for arc in &a.arc {
        cost += arc.map_or(net.cost_u, |x| net.cost[x as usize]);
    }
    for j in 0..inst.mentors() {
        let load = a
            .arc
            .iter()
            .flatten()
            .filter(|&&x| inst.mentor[x as usize] as usize == j)
            .count();
        cost -= net.h * (load as i64).min(i64::from(inst.minimum[j]));
    }
    Some(cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(lists: &[&[(u32, Milli)]], cap: &[u32], min: &[u32]) -> Instance {
        let lists: Vec<Vec<(u32, Milli)>> = lists.iter().map(|l| l.to_vec()).collect();
        Instance::from_lists(&lists, cap.to_vec(), min.to_vec())
    }

    fn solve(i: &Instance, o: Objective) -> Result<Assignment, SolveError> {
        FlowEngine::default().solve(i, o, Deadline::NONE)
    }

    #[test]
    fn prefers_higher_score_at_equal_coverage() {
        // Mentee 0 can only take mentor 0 (score 1); mentee 1 only mentor 0 (score 10).
        let i = inst(&[&[(0, 1)], &[(0, 10)]], &[1], &[0]);
        let a = solve(&i, Objective::CoverageThenScore).unwrap();
        assert_eq!(a.arc, vec![None, Some(1)]);
    }

    #[test]
    fn coverage_beats_score() {
        // Mentee 0: mentor 0 (100) or mentor 1 (1); mentee 1: mentor 0 (1).
        let i = inst(&[&[(0, 100), (1, 1)], &[(0, 1)]], &[1, 1], &[0, 0]);
        let a = solve(&i, Objective::CoverageThenScore).unwrap();
        assert_eq!(a.value(&i).matched, 2);
        assert_eq!(a.value(&i).total, 2);
        let b = solve(&i, Objective::Score).unwrap();
        assert_eq!(b.value(&i).total, 100);
        assert_eq!(b.value(&i).matched, 1);
    }

    #[test]
    fn minimum_forces_an_assignment() {
        // Mentor 1 needs one mentee though mentor 0 scores better for both.
        let i = inst(&[&[(0, 50), (1, 10)], &[(0, 40)]], &[2, 1], &[0, 1]);
        let a = solve(&i, Objective::CoverageThenScore).unwrap();
        assert_eq!(a.mentor(&i, 0), Some(1));
        assert_eq!(a.mentor(&i, 1), Some(0));
    }

    #[test]
    fn unmet_minimum_is_reported() {
        let i = inst(&[&[(0, 5)]], &[1, 1], &[0, 1]);
        assert_eq!(
            solve(&i, Objective::CoverageThenScore),
            Err(SolveError::MinimumsUnmet {
                short: vec![(1, 0)]
            })
        );
    }

    #[test]
    fn fair_raises_the_lowest_pair() {
        // Total-optimal: (0→0: 10) + (1→1: 1) = 11; fair: (0→1: 5) + (1→0: 5) = 10.
        let i = inst(&[&[(0, 10), (1, 5)], &[(0, 5), (1, 1)]], &[1, 1], &[0, 0]);
        let a = solve(&i, Objective::Fair).unwrap();
        assert_eq!(a.value(&i).min, Some(5));
        assert_eq!(a.value(&i).total, 10);
        let b = solve(&i, Objective::CoverageThenScore).unwrap();
        assert_eq!(b.value(&i).total, 11);
    }

    #[test]
    fn empty_instance() {
        let i = inst(&[&[], &[]], &[], &[]);
        let a = solve(&i, Objective::Fair).unwrap();
        assert_eq!(a.arc, vec![None, None]);
    }
}
