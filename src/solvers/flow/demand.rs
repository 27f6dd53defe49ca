//! Mentees who need more than one mentor, as a min-cost flow (issue 29):
//! the demand model of [`crate::solvers::demand`] solved exactly by
//! successive shortest paths on the general network of `graph.rs`, no heuristic.
//!
//! # Network
//! Nodes, in this order: every mentee `e`; a node `(e, r)` for each role
//! `r` that `e` bounds; every mentor `j`; `U` (a place not taken); the
//! sink `T`. Mentee `e` supplies `max(e)` units, one per place it may fill.
//! - `e → j` (or `(e, r) → j` when `j`'s role `r` is bounded for `e`),
//!   capacity 1 (never the same mentor twice), cost `−w_score · s`, less
//!   `w_pin` (above every minimum unit together) when the pair is pinned;
//! - `e → (e, r)`: `at_least` units at `−H`, then `at_most − at_least` at 0;
//! - `e → U`, the places left empty, priced convexly: `max − min − 1`
//!   units at `w_further` (a further mentor missed), then one at
//!   `w_covered(tier)` (no mentor at all; only when `min` is 0), then `min`
//!   units at `+H` (a minimum broken);
//! - `j → T`: `min_j` units at `−H`, then `cap_j − min_j` at 0; `U → T`.
//!
//! # Costs
//! Each objective orders levels lexicographically (see
//! [`crate::solvers::demand`]): every minimum (`H`), then for coverage then
//! score each tier's mentees with a mentor (highest tier first), further
//! mentors, total score; for score, the total first. A level's weight is
//! one more than the most all lower levels can vary, so the min-cost flow
//! is the lexicographic optimum, exactly, in `i128`; weights that do not
//! fit are an error, never wrapped. An optimum that breaks a minimum
//! proves that no assignment meets them all.
//!
//! Fair: the counts of a coverage-only flow; the largest score threshold
//! keeping them (a binary search over the distinct scores of the pairs not
//! pinned); coverage then score over the pinned arcs and those at or above
//! it.

use super::graph::{Builder, Graph};
use super::NetworkDescription;
use crate::model::{Milli, Objective};
use crate::outcome::{DemandCertificate, DemandFairProof};
use crate::solvers::demand::Demand;
use crate::solvers::{Deadline, Instance, SolveError};

/// A level of the lexicographic objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    /// Mentees of a tier with at least one mentor.
    Covered(u32),
    /// Mentors beyond each mentee's first.
    Further,
    /// Total score.
    Score,
}

/// The soft levels of an objective, most important first (`score` false:
/// the counts only, fair's first flow).
pub(super) fn levels(
    objective: Objective,
    top: u32,
    score: bool,
) -> Result<Vec<Level>, SolveError> {
    let counts = (0..=top).rev().map(Level::Covered).chain([Level::Further]);
    Ok(match objective {
        Objective::Score if score => [Level::Score].into_iter().chain(counts).collect(),
        Objective::CoverageThenScore | Objective::Fair | Objective::Score => {
            counts.chain(score.then_some(Level::Score)).collect()
        }
        Objective::Stable(_) => {
            return Err(SolveError::Unsupported(
                "the stable objective is solved by deferred acceptance",
            ))
        }
    })
}

/// The weight of each level, of a minimum unit (`hard`) and of a pin
/// (`pin`: above every minimum unit together, so that the optimum breaks
/// a minimum rather than a pin, and its shortfall is one of minimums).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Weights {
    hard: i128,
    pin: i128,
    /// Per tier.
    covered: Vec<i128>,
    further: i128,
    score: i128,
}

/// Costs that do not fit exact integers.
fn overflow() -> SolveError {
    SolveError::Backend("too many priority tiers or places for exact integer costs".into())
}

/// Each level's weight: one more than all lower levels can vary together.
pub(super) fn weights(
    inst: &Instance,
    d: &Demand,
    order: &[Level],
    kept: &[bool],
) -> Result<Weights, SolveError> {
    let top = d.tier.iter().copied().max().unwrap_or(0);
    let units: i128 = d.max.iter().map(|&m| i128::from(m)).sum();
    let (lo, hi) = (0..inst.score.len())
        .filter(|&a| kept[a])
        .fold((0, 0), |(lo, hi), a| {
            (lo.min(inst.score[a]), hi.max(inst.score[a]))
        });
    let range = |l: Level| -> i128 {
        match l {
            Level::Covered(t) => (0..inst.mentees())
                .filter(|&e| d.tier[e] == t && d.max[e] > 0)
                .count() as i128,
            Level::Further => d.max.iter().map(|&m| i128::from(m.saturating_sub(1))).sum(),
            Level::Score => units * i128::from(hi - lo),
        }
    };
    let mut w = Weights {
        hard: 0,
        pin: 0,
        covered: vec![0; top as usize + 1],
        further: 0,
        score: 0,
    };
    let mut acc: i128 = 1;
    for &l in order.iter().rev() {
        match l {
            Level::Covered(t) => w.covered[t as usize] = acc,
            Level::Further => w.further = acc,
            Level::Score => w.score = acc,
        }
        acc = acc
            .checked_add(acc.checked_mul(range(l)).ok_or_else(overflow)?)
            .ok_or_else(overflow)?;
    }
    w.hard = acc;
    let minimum_units: i128 = (0..inst.mentees())
        .map(|e| {
            i128::from(d.min[e])
                + d.roles[e]
                    .iter()
                    .map(|b| i128::from(b.at_least))
                    .sum::<i128>()
        })
        .chain(inst.minimum.iter().map(|&m| i128::from(m)))
        .sum();
    w.pin = acc.checked_mul(minimum_units + 1).ok_or_else(overflow)?;
    Ok(w)
}

/// The network of one solve, and how to read its flow back.
pub(super) struct Built {
    pub(super) graph: Graph,
    /// (graph arc, instance arc, mentee) of each kept pair.
    pub(super) pairs: Vec<(u32, u32, u32)>,
    /// The hard parts of the network.
    pub(super) hard: Hard,
    /// (mentee, units).
    pub(super) supplies: Vec<(u32, u32)>,
    /// The first mentor's node, `U` and `T`.
    pub(super) first_mentor: u32,
    pub(super) u: u32,
    pub(super) t: u32,
}

/// The arcs that carry the hard rules.
#[derive(Debug, Default)]
pub(super) struct Hard {
    /// (mentee, arc to `U` at `+H`): a valid assignment leaves it empty.
    pub(super) mentee_min: Vec<(u32, u32)>,
    /// (mentee, index of the role bound, arc `e → (e, r)` at `−H`): full.
    pub(super) role_min: Vec<(u32, u32, u32)>,
    /// (mentor, arc `j → T` at `−H`): full.
    pub(super) mentor_min: Vec<(u32, u32)>,
    /// Pinned pairs' arcs: full.
    pub(super) pins: Vec<u32>,
}

impl Built {
    /// Whether the flow meets every minimum: each part that must be full
    /// is, each that must be empty is (an optimum that does not proves
    /// that no assignment does).
    fn minimums_met(&self) -> bool {
        let g = &self.graph;
        let full = |&a: &u32| g.flow(a) == g.cap(a);
        let h = &self.hard;
        h.mentee_min.iter().all(|&(_, a)| g.flow(a) == 0)
            && h.role_min.iter().all(|(_, _, a)| full(a))
            && h.mentor_min.iter().all(|(_, a)| full(a))
            && h.pins.iter().all(full)
    }

    /// The flow's potentials and the weights `w` as a certificate (the
    /// network's first `mentees` nodes are the mentees, in problem order).
    fn certificate(&self, w: &Weights, mentees: usize) -> DemandCertificate {
        let p = self.graph.potentials();
        let first_mentor = self.first_mentor as usize;
        DemandCertificate {
            minimum_weight: w.hard,
            pin_weight: w.pin,
            covered_weights: w.covered.clone(),
            further_weight: w.further,
            score_weight: w.score,
            mentee: p[..mentees].to_vec(),
            role: p[mentees..first_mentor].to_vec(),
            mentor: p[first_mentor..self.u as usize].to_vec(),
            unmatched: p[self.u as usize],
            sink: p[self.t as usize],
            fair: None,
        }
    }
}

/// Lays out the network of `inst` and `d` over the arcs `kept`.
pub(super) fn build(
    inst: &Instance,
    d: &Demand,
    w: &Weights,
    kept: &[bool],
) -> Result<Built, SolveError> {
    let (n_e, n_m) = (inst.mentees() as u32, inst.mentors() as u32);
    let role_nodes: u32 = d.roles.iter().map(|r| r.len() as u32).sum();
    let first_mentor = n_e + role_nodes;
    let (u, t) = (first_mentor + n_m, first_mentor + n_m + 1);
    check_fit(inst, d, w)?;
    if (0..inst.mentees()).any(|e| d.min[e] > d.max[e]) {
        // More mentors required than allowed.
        return Err(SolveError::SideConstraintsInfeasible);
    }
    let mut b = Builder::new(t + 1);
    let (mut pairs, mut hard, mut supplies) = (Vec::new(), Hard::default(), Vec::new());
    let mut pinned = vec![false; inst.score.len()];
    for &a in &d.pinned {
        pinned[a as usize] = true;
    }
    let mut next_role = n_e;
    for e in 0..n_e {
        let ei = e as usize;
        // The node of each bounded role of e.
        let mut via: Vec<(u32, u32)> = Vec::new();
        for (k, rb) in d.roles[ei].iter().enumerate() {
            let node = next_role;
            next_role += 1;
            if rb.at_least > 0 {
                let a = b.arc(e, node, rb.at_least, -w.hard);
                hard.role_min.push((e, k as u32, a));
            }
            if rb.at_most > rb.at_least {
                b.arc(e, node, rb.at_most - rb.at_least, 0);
            }
            via.push((rb.role, node));
        }
        for a in inst.arcs(ei).filter(|&a| kept[a]) {
            let j = inst.mentor[a];
            let from = d.role[j as usize]
                .and_then(|r| via.iter().find(|&&(role, _)| role == r))
                .map_or(e, |&(_, node)| node);
            let mut cost = -w.score * i128::from(inst.score[a]);
            if pinned[a] {
                cost -= w.pin;
            }
            let g = b.arc(from, first_mentor + j, 1, cost);
            if pinned[a] {
                hard.pins.push(g);
            }
            pairs.push((g, a as u32, e));
        }
        let (min, max) = (d.min[ei], d.max[ei]);
        let further = (max - min).min(max.saturating_sub(1));
        if further > 0 {
            b.arc(e, u, further, w.further);
        }
        if min == 0 && max > 0 {
            b.arc(e, u, 1, w.covered[d.tier[ei] as usize]);
        }
        if min > 0 {
            hard.mentee_min.push((e, b.arc(e, u, min, w.hard)));
        }
        supplies.push((e, max));
    }
    for j in 0..n_m {
        let (min, cap) = (inst.minimum[j as usize], inst.capacity[j as usize]);
        if min > 0 {
            hard.mentor_min
                .push((j, b.arc(first_mentor + j, t, min, -w.hard)));
        }
        if cap > min {
            b.arc(first_mentor + j, t, cap - min, 0);
        }
    }
    let units: u32 = d.max.iter().sum();
    b.arc(u, t, units.max(1), 0);
    Ok(Built {
        graph: b.build(t),
        pairs,
        hard,
        supplies,
        first_mentor,
        u,
        t,
    })
}

/// Whether every path and potential of the network fits `i128`: the sum
/// of every arc's cost magnitude, times four, must.
fn check_fit(inst: &Instance, d: &Demand, w: &Weights) -> Result<(), SolveError> {
    let top_score = inst
        .score
        .iter()
        .map(|s| i128::from(s.unsigned_abs()))
        .max()
        .unwrap_or(0);
    let pair = w
        .score
        .checked_mul(top_score)
        .and_then(|x| x.checked_add(w.pin));
    let big = [pair, Some(w.pin)]
        .into_iter()
        .try_fold(0i128, |m, x| Some(m.max(x?)));
    let arcs = inst.score.len() + 3 * inst.mentees() + 2 * inst.mentors() + 1;
    let roles: usize = d.roles.iter().map(Vec::len).sum();
    big.and_then(|b| b.checked_mul((arcs + 2 * roles) as i128))
        .and_then(|x| x.checked_mul(4))
        .map(|_| ())
        .ok_or_else(overflow)
}

/// One min-cost flow: each mentee's arcs (ascending), whether it meets
/// every minimum, and its potentials.
struct Ran {
    chosen: Vec<Vec<u32>>,
    met: bool,
    cert: DemandCertificate,
}

/// One min-cost flow over the arcs `kept` with the levels `order`.
fn run(
    inst: &Instance,
    d: &Demand,
    order: &[Level],
    kept: &[bool],
    deadline: &Deadline,
) -> Result<Ran, SolveError> {
    let w = weights(inst, d, order, kept)?;
    let mut net = build(inst, d, &w, kept)?;
    net.graph.send_all(&net.supplies, deadline)?;
    let g = &net.graph;
    let mut chosen = vec![Vec::new(); inst.mentees()];
    for &(ga, ia, e) in &net.pairs {
        if g.flow(ga) > 0 {
            chosen[e as usize].push(ia);
        }
    }
    Ok(Ran {
        chosen,
        met: net.minimums_met(),
        cert: net.certificate(&w, inst.mentees()),
    })
}

/// The optimum of one run, or `SideConstraintsInfeasible` when it breaks
/// a minimum (then no assignment meets them all).
fn optimum(ran: Ran) -> Result<(Vec<Vec<u32>>, DemandCertificate), SolveError> {
    match ran.met {
        true => Ok((ran.chosen, ran.cert)),
        false => Err(SolveError::SideConstraintsInfeasible),
    }
}

/// The network [`solve`] solves for `objective` (fair: its coverage then
/// score network over every arc), spelled out for other solvers (costs
/// must fit `i64`), and the optimal cost this engine finds on it with the
/// time it took, `None` when no assignment meets every minimum.
pub(crate) fn network(
    inst: &Instance,
    d: &Demand,
    objective: Objective,
) -> Result<(NetworkDescription, Option<i128>, std::time::Duration), SolveError> {
    let top = d.tier.iter().copied().max().unwrap_or(0);
    let objective = match objective {
        Objective::Fair => Objective::CoverageThenScore,
        o => o,
    };
    let order = levels(objective, top, true)?;
    let all = vec![true; inst.score.len()];
    let mut net = build(inst, d, &weights(inst, d, &order, &all)?, &all)?;
    let g = &net.graph;
    let wide = |x: i128| i64::try_from(x).map_err(|_| overflow());
    let mut desc = NetworkDescription {
        nodes: g.nodes() as u32,
        ..NetworkDescription::default()
    };
    let mut total = 0i64;
    for &(e, units) in &net.supplies {
        desc.supplies.push((e, i64::from(units)));
        total += i64::from(units);
    }
    desc.supplies.push((g.nodes() as u32 - 1, -total));
    for a in 0..g.arcs() {
        let (u, v, cap, cost) = g.arc(a);
        desc.arcs.push((u, v, i64::from(cap), wide(cost)?));
    }
    let t = std::time::Instant::now();
    net.graph.send_all(&net.supplies, &Deadline::NONE)?;
    let elapsed = t.elapsed();
    let cost = net.minimums_met().then(|| net.graph.total_cost());
    Ok((desc, cost, elapsed))
}

/// The counts an assignment reaches: mentees with a mentor per tier
/// (highest first), then further mentors.
fn counts(d: &Demand, chosen: &[Vec<u32>]) -> Vec<usize> {
    let top = d.tier.iter().copied().max().unwrap_or(0);
    (0..=top)
        .rev()
        .map(|t| {
            (0..chosen.len())
                .filter(|&e| d.tier[e] == t && !chosen[e].is_empty())
                .count()
        })
        .chain([chosen.iter().map(|c| c.len().saturating_sub(1)).sum()])
        .collect()
}

/// How many mentees have a mentor, and the arcs of each mentee.
pub(crate) type Covered = (u32, Vec<Vec<u32>>);

/// The most mentees with at least one mentor in an assignment that meets
/// every minimum, every tier alike, and such an assignment's arcs per
/// mentee (`None`: no assignment meets them).
pub(crate) fn coverage(
    inst: &Instance,
    d: &Demand,
    deadline: &Deadline,
) -> Result<Option<Covered>, SolveError> {
    let flat = Demand {
        tier: vec![0; d.tier.len()],
        ..d.clone()
    };
    let order = levels(Objective::CoverageThenScore, 0, false)?;
    let all = vec![true; inst.score.len()];
    let ran = run(inst, &flat, &order, &all, deadline)?;
    let covered = ran.chosen.iter().filter(|c| !c.is_empty()).count() as u32;
    Ok(ran.met.then_some((covered, ran.chosen)))
}

/// The arcs each mentee gets in an optimum under `objective`, mentee by
/// mentee (each ascending), by min-cost flow: the same optima as
/// [`crate::solvers::demand::solve_milp`].
pub fn solve(
    inst: &Instance,
    d: &Demand,
    objective: Objective,
    deadline: &Deadline,
) -> Result<Vec<Vec<u32>>, SolveError> {
    solve_proven(inst, d, objective, deadline).map(|(chosen, _)| chosen)
}

/// [`solve`], with the potentials that prove the answer optimal.
pub fn solve_proven(
    inst: &Instance,
    d: &Demand,
    objective: Objective,
    deadline: &Deadline,
) -> Result<(Vec<Vec<u32>>, DemandCertificate), SolveError> {
    let top = d.tier.iter().copied().max().unwrap_or(0);
    let all = vec![true; inst.score.len()];
    if objective != Objective::Fair {
        return optimum(run(
            inst,
            d,
            &levels(objective, top, true)?,
            &all,
            deadline,
        )?);
    }
    let only_counts = levels(objective, top, false)?;
    let (first, coverage) = optimum(run(inst, d, &only_counts, &all, deadline)?)?;
    let target = counts(d, &first);
    let with_score = levels(objective, top, true)?;
    let mut pinned = vec![false; inst.score.len()];
    for &a in &d.pinned {
        pinned[a as usize] = true;
    }
    let mut scores: Vec<Milli> = (0..inst.score.len())
        .filter(|&a| !pinned[a])
        .map(|a| inst.score[a])
        .collect();
    scores.sort_unstable();
    scores.dedup();
    if target.iter().all(|&c| c == 0) || scores.is_empty() {
        // No pair that is not pinned: nothing to raise.
        return optimum(run(inst, d, &with_score, &all, deadline)?);
    }
    // Pinned pairs stay whatever their score: the lowest is a free pair's.
    let at_least = |t: Option<Milli>| -> Vec<bool> {
        (0..inst.score.len())
            .map(|a| pinned[a] || t.is_some_and(|t| inst.score[a] >= t))
            .collect()
    };
    // Invariant: threshold scores[lo] keeps the target counts; above hi it
    // does not, as the potentials of the last probe that failed prove.
    let (mut lo, mut hi) = (0usize, scores.len() - 1);
    let mut above = None;
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        let probe = run(
            inst,
            d,
            &only_counts,
            &at_least(Some(scores[mid])),
            deadline,
        )?;
        if probe.met && counts(d, &probe.chosen) == target {
            lo = mid;
        } else {
            hi = mid - 1;
            above = Some(probe.cert);
        }
    }
    let (chosen, mut cert) = optimum(run(
        inst,
        d,
        &with_score,
        &at_least(Some(scores[lo])),
        deadline,
    )?)?;
    if chosen.iter().flatten().all(|&a| pinned[a as usize]) {
        // Only pinned pairs: every assignment with the target counts has
        // as many pairs, so the optimum over every arc is this one.
        return optimum(run(inst, d, &with_score, &all, deadline)?);
    }
    let above = match above {
        Some(c) => c,
        // The top score keeps the counts: above it, only the pins.
        None => run(inst, d, &only_counts, &at_least(None), deadline)?.cert,
    };
    cert.fair = Some(Box::new(DemandFairProof {
        lowest: scores[lo],
        coverage,
        above,
    }));
    Ok((chosen, cert))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solvers::demand::RoleBound;

    fn single(inst: &Instance) -> Demand {
        Demand {
            min: vec![0; inst.mentees()],
            max: vec![1; inst.mentees()],
            tier: vec![0; inst.mentees()],
            role: vec![None; inst.mentors()],
            roles: vec![Vec::new(); inst.mentees()],
            pinned: Vec::new(),
        }
    }

    #[test]
    fn a_second_mentor_only_after_every_first() {
        // Mentee 0 wants two and scores high with both mentors; mentee 1
        // fits mentor 1 only.
        let inst = Instance::from_lists(
            &[vec![(0, 1000), (1, 1000)], vec![(1, 100)]],
            vec![1, 1],
            vec![0, 0],
        );
        let mut d = single(&inst);
        d.max = vec![2, 1];
        let c = solve(&inst, &d, Objective::CoverageThenScore, &Deadline::NONE).unwrap();
        assert_eq!(c, [vec![0], vec![2]]);
        let c = solve(&inst, &d, Objective::Score, &Deadline::NONE).unwrap();
        assert_eq!(c, [vec![0, 1], vec![]]);
    }

    #[test]
    fn roles_and_minimums_are_hard() {
        // Two technical mentors (role 0) and a governance one (role 1);
        // mentee 0 asks for one of each.
        let inst = Instance::from_lists(
            &[vec![(0, 1000), (1, 900), (2, 200)]],
            vec![1; 3],
            vec![0; 3],
        );
        let mut d = single(&inst);
        d.max = vec![2];
        d.role = vec![Some(0), Some(0), Some(1)];
        d.roles = vec![vec![
            RoleBound {
                role: 0,
                at_least: 1,
                at_most: 1,
            },
            RoleBound {
                role: 1,
                at_least: 1,
                at_most: 1,
            },
        ]];
        let c = solve(&inst, &d, Objective::CoverageThenScore, &Deadline::NONE).unwrap();
        assert_eq!(c, [vec![0, 2]]);
        d.role[2] = Some(0);
        assert_eq!(
            solve(&inst, &d, Objective::CoverageThenScore, &Deadline::NONE),
            Err(SolveError::SideConstraintsInfeasible)
        );
    }

    #[test]
    fn weights_that_do_not_fit_are_refused() {
        // 40 tiers of one mentee each, each with a score range of 10^6:
        // every tier doubles the weight at least, past 2^127.
        let lists: Vec<Vec<(u32, Milli)>> = (0..140)
            .map(|_| vec![(0, 1_000_000), (1, -1_000_000)])
            .collect();
        let inst = Instance::from_lists(&lists, vec![140, 140], vec![0, 0]);
        let mut d = single(&inst);
        d.tier = (0..140).collect();
        assert!(matches!(
            solve(&inst, &d, Objective::CoverageThenScore, &Deadline::NONE),
            Err(SolveError::Backend(_))
        ));
    }
}
