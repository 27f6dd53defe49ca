//! The stable objective: deferred acceptance (Gale–Shapley with mentor
//! capacities) over an [`Instance`]'s arcs.
//!
//! Both sides rank the other by the pair's score, ties broken by index
//! (the lower index first), so preferences are strict and the proposing
//! side gets its best stable matching, whatever the order of proposals:
//! no feasible pair has a mentee and a mentor who both strictly prefer
//! each other (the mentor having a free place or a worse mentee). The
//! answer ignores the total score beyond that; `pipeline::pairs` reports
//! what it loses against the coverage-then-score optimum. Minimums are not
//! preferences: an unmet one is an error, as in the other engines.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::model::{Milli, Objective, Proposer};

use super::{Assignment, Deadline, Engine, Instance, SolveError};

/// The deferred-acceptance engine (the stable objective only).
#[derive(Debug, Clone, Copy, Default)]
pub struct StableEngine;

impl Engine for StableEngine {
    fn solve(
        &self,
        inst: &Instance,
        objective: Objective,
        deadline: Deadline,
    ) -> Result<Assignment, SolveError> {
        let Objective::Stable(proposer) = objective else {
            return Err(SolveError::Unsupported(
                "deferred acceptance solves the stable objective only",
            ));
        };
        if inst.quota.is_some() {
            return Err(SolveError::Unsupported(
                "deferred acceptance cannot express per-label quotas",
            ));
        }
        let arc = match proposer {
            Proposer::Mentees => mentees_propose(inst, &deadline)?,
            Proposer::Mentors => mentors_propose(inst, &deadline)?,
        };
        let load = inst.loads(&arc);
        let short: Vec<(u32, u32)> = (0..inst.mentors())
            .filter(|&j| load[j] < inst.minimum[j])
            .map(|j| (j as u32, load[j]))
            .collect();
        if !short.is_empty() {
            return Err(SolveError::MinimumsUnmet { short });
        }
        Ok(Assignment {
            arc,
            optimal: true,
            duals: None,
            bound: None,
        })
    }
}

/// How mentor or mentee ranks the other side: higher score, then lower
/// index, is better.
pub(super) fn rank(score: Milli, other: usize) -> (Milli, Reverse<usize>) {
    (score, Reverse(other))
}

/// A mentor's held proposals (rank, arc), worst on top.
type Held = BinaryHeap<Reverse<((Milli, Reverse<usize>), u32)>>;

/// Mentees propose in their order; each mentor keeps its best proposals
/// up to its capacity.
fn mentees_propose(inst: &Instance, deadline: &Deadline) -> Result<Vec<Option<u32>>, SolveError> {
    let n_e = inst.mentees();
    // Each mentee's arcs, best first.
    let order: Vec<Vec<u32>> = (0..n_e)
        .map(|e| {
            let mut arcs: Vec<u32> = inst.arcs(e).map(|a| a as u32).collect();
            arcs.sort_by_key(|&a| {
                Reverse(rank(
                    inst.score[a as usize],
                    inst.mentor[a as usize] as usize,
                ))
            });
            arcs
        })
        .collect();
    let mut next = vec![0usize; n_e];
    // Per mentor: the held proposals, worst on top.
    let mut held: Vec<Held> = vec![BinaryHeap::new(); inst.mentors()];
    let mut free: Vec<usize> = (0..n_e).rev().collect();
    while let Some(e) = free.pop() {
        if deadline.passed() {
            return Err(SolveError::Deadline);
        }
        let Some(&a) = order[e].get(next[e]) else {
            continue; // every acceptable mentor refused: unmatched
        };
        next[e] += 1;
        let j = inst.mentor[a as usize] as usize;
        let key = rank(inst.score[a as usize], e);
        let h = &mut held[j];
        if h.len() < inst.capacity[j] as usize {
            h.push(Reverse((key, a)));
        } else if h.peek().is_some_and(|Reverse((worst, _))| key > *worst) {
            let Some(Reverse(((_, Reverse(out)), _))) = h.pop() else {
                unreachable!("a full mentor holds a proposal")
            };
            h.push(Reverse((key, a)));
            free.push(out);
        } else {
            free.push(e);
        }
    }
    let mut arc = vec![None; n_e];
    for h in &held {
        for Reverse(((_, Reverse(e)), a)) in h.iter() {
            arc[*e] = Some(*a);
        }
    }
    Ok(arc)
}

/// Mentors propose in their order while they have places; each mentee
/// keeps its best proposal.
fn mentors_propose(inst: &Instance, deadline: &Deadline) -> Result<Vec<Option<u32>>, SolveError> {
    let (n_e, n_m) = (inst.mentees(), inst.mentors());
    // Each mentor's (arc, mentee), best mentee first.
    let mut order: Vec<Vec<(u32, usize)>> = vec![Vec::new(); n_m];
    for e in 0..n_e {
        for a in inst.arcs(e) {
            order[inst.mentor[a] as usize].push((a as u32, e));
        }
    }
    for list in &mut order {
        list.sort_by_key(|&(a, e)| Reverse(rank(inst.score[a as usize], e)));
    }
    let mut next = vec![0usize; n_m];
    let mut load = vec![0u32; n_m];
    let mut arc: Vec<Option<u32>> = vec![None; n_e];
    let mut active: Vec<usize> = (0..n_m).rev().collect();
    while let Some(j) = active.pop() {
        if deadline.passed() {
            return Err(SolveError::Deadline);
        }
        while load[j] < inst.capacity[j] {
            let Some(&(a, e)) = order[j].get(next[j]) else {
                break;
            };
            next[j] += 1;
            let key = rank(inst.score[a as usize], j);
            let better = arc[e].is_none_or(|b| {
                let k = inst.mentor[b as usize] as usize;
                key > rank(inst.score[b as usize], k)
            });
            if better {
                if let Some(b) = arc[e].replace(a) {
                    let k = inst.mentor[b as usize] as usize;
                    load[k] -= 1;
                    active.push(k);
                }
                load[j] += 1;
            }
        }
    }
    Ok(arc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::synth::{self, SplitMix64};

    /// Pairs where both sides strictly prefer each other (the definition).
    fn blocking(inst: &Instance, arc: &[Option<u32>]) -> usize {
        let load = inst.loads(arc);
        let mut n = 0;
        for e in 0..inst.mentees() {
            for a in inst.arcs(e) {
                let (j, s) = (inst.mentor[a] as usize, inst.score[a]);
                let mentee_wants = arc[e].is_none_or(|b| {
                    let b = b as usize;
                    b != a && rank(s, j) > rank(inst.score[b], inst.mentor[b] as usize)
                });
                let mentor_wants = load[j] < inst.capacity[j]
                    || (0..inst.mentees()).any(|f| {
                        arc[f].is_some_and(|b| {
                            inst.mentor[b as usize] as usize == j
                                && rank(s, e) > rank(inst.score[b as usize], f)
                        })
                    });
                n += usize::from(mentee_wants && mentor_wants && arc[e] != Some(a as u32));
            }
        }
        n
    }

    #[test]
    fn both_sides_give_stable_matchings() {
        let mut rng = SplitMix64::new(3);
        for _ in 0..300 {
            let (n_e, n_m) = (rng.below(12), 1 + rng.below(5));
            let lists = synth::random_lists(&mut rng, n_e, n_m, 0.6);
            let cap: Vec<u32> = (0..n_m).map(|_| rng.below(3) as u32).collect();
            let inst = Instance::from_lists(&lists, cap.clone(), vec![0; n_m]);
            for p in [Proposer::Mentees, Proposer::Mentors] {
                let a = StableEngine
                    .solve(&inst, Objective::Stable(p), Deadline::NONE)
                    .unwrap();
                assert_eq!(blocking(&inst, &a.arc), 0, "{p:?}");
                assert!(inst.loads(&a.arc).iter().zip(&cap).all(|(l, c)| l <= c));
            }
        }
    }
}
