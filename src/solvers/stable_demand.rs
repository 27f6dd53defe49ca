//! The stable objective when mentees ask for several mentors (issue 29):
//! deferred acceptance, many to many.
//!
//! Both sides rank the other by the pair's score, ties broken by index, as
//! in [`super::stable`]. A mentor keeps its best proposals up to its
//! capacity; a mentee keeps the best set of mentors its demand admits
//! ([`admits`]). Those sets are a matroid, so the greedy choice is the best
//! set and the choice is substitutable: deferred acceptance ends in a
//! stable assignment whichever side proposes (Hatfield and Milgrom 2005).
//! No feasible pair outside it has both a mentee who would take the mentor
//! (into a free place its bounds admit, or dropping a worse mentor not
//! pinned) and a mentor who would take the mentee (a free place, or
//! dropping a worse mentee not pinned). Priority tiers are not preferences
//! and play no part. Pinned arcs are everyone's first choice, so they are
//! held from the start and never dropped. Minimums (a mentee's `min` and
//! role `at_least`, a mentor's minimum) are not preferences either: the
//! caller checks the answer against them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::demand::{admits, Demand};
use super::stable::rank;
use super::{Deadline, Instance, SolveError};
use crate::model::{Milli, Proposer};

/// How one side ranks an arc: pinned first, then by score and index.
type Key = (bool, (Milli, Reverse<usize>));

/// The arcs each mentee holds in the stable assignment `proposer`'s side
/// prefers (each ascending); `Deadline` if the deadline passes first.
pub fn solve(
    inst: &Instance,
    d: &Demand,
    proposer: Proposer,
    deadline: &Deadline,
) -> Result<Vec<Vec<u32>>, SolveError> {
    let mut pinned = vec![false; inst.score.len()];
    for &a in &d.pinned {
        pinned[a as usize] = true;
    }
    let sides = Sides { inst, d, pinned };
    let mut held = match proposer {
        Proposer::Mentees => sides.mentees_propose(deadline)?,
        Proposer::Mentors => sides.mentors_propose(deadline)?,
    };
    for arcs in &mut held {
        arcs.sort_unstable();
    }
    Ok(held)
}

/// The instance, its demand, and which arcs are pinned.
struct Sides<'a> {
    inst: &'a Instance,
    d: &'a Demand,
    pinned: Vec<bool>,
}

impl Sides<'_> {
    /// How mentee `e` ranks arc `a` (to a mentor).
    fn mentee_key(&self, a: u32) -> Key {
        let a = a as usize;
        (
            self.pinned[a],
            rank(self.inst.score[a], self.inst.mentor[a] as usize),
        )
    }

    /// How a mentor ranks arc `a` of mentee `e`.
    fn mentor_key(&self, a: u32, e: usize) -> Key {
        (
            self.pinned[a as usize],
            rank(self.inst.score[a as usize], e),
        )
    }

    /// Mentee `e`'s best admitted set among `arcs` (best first), greedily.
    fn choose(&self, e: usize, arcs: impl Iterator<Item = u32>) -> Vec<u32> {
        let (max, bounds) = (self.d.max[e], &self.d.roles[e]);
        let mut chosen = Vec::new();
        let mut roles = Vec::new();
        for a in arcs {
            if chosen.len() as u32 >= max {
                break;
            }
            roles.push(self.d.role[self.inst.mentor[a as usize] as usize]);
            if admits(max, bounds, &roles) {
                chosen.push(a);
            } else {
                roles.pop();
            }
        }
        chosen
    }

    /// Each mentee's arcs, best first for it.
    fn mentee_orders(&self) -> Vec<Vec<u32>> {
        (0..self.inst.mentees())
            .map(|e| {
                let mut arcs: Vec<u32> = self.inst.arcs(e).map(|a| a as u32).collect();
                arcs.sort_by_key(|&a| Reverse(self.mentee_key(a)));
                arcs
            })
            .collect()
    }

    /// Mentees propose to the best set their demand admits among the
    /// mentors that have not refused them; each mentor keeps its best
    /// proposals up to capacity.
    fn mentees_propose(&self, deadline: &Deadline) -> Result<Vec<Vec<u32>>, SolveError> {
        let inst = self.inst;
        let order = self.mentee_orders();
        let mut refused = vec![false; inst.score.len()];
        let mut proposed = vec![false; inst.score.len()];
        // Per mentor: the proposals it holds, worst on top.
        let mut held: Vec<BinaryHeap<Reverse<(Key, u32, usize)>>> =
            vec![BinaryHeap::new(); inst.mentors()];
        let mut todo: Vec<usize> = (0..inst.mentees()).rev().collect();
        while let Some(e) = todo.pop() {
            if deadline.passed() {
                return Err(SolveError::Deadline);
            }
            let live = order[e].iter().copied().filter(|&a| !refused[a as usize]);
            for a in self.choose(e, live) {
                if proposed[a as usize] {
                    continue;
                }
                proposed[a as usize] = true;
                let j = inst.mentor[a as usize] as usize;
                let h = &mut held[j];
                let key = self.mentor_key(a, e);
                if h.len() < inst.capacity[j] as usize {
                    h.push(Reverse((key, a, e)));
                    continue;
                }
                // A full mentor keeps the better of its worst and `a`.
                let worse = h.peek().is_some_and(|Reverse((w, _, _))| *w < key);
                let (out, f) = if worse {
                    let Some(Reverse((_, b, f))) = h.pop() else {
                        unreachable!("a full mentor holds a proposal")
                    };
                    h.push(Reverse((key, a, e)));
                    (b, f)
                } else {
                    (a, e)
                };
                refused[out as usize] = true;
                proposed[out as usize] = false;
                todo.push(f);
            }
        }
        let mut out = vec![Vec::new(); inst.mentees()];
        for h in &held {
            for Reverse((_, a, e)) in h {
                out[*e].push(*a);
            }
        }
        Ok(out)
    }

    /// Mentors propose to their best mentees while they have places; each
    /// mentee keeps the best set its demand admits among its proposals.
    fn mentors_propose(&self, deadline: &Deadline) -> Result<Vec<Vec<u32>>, SolveError> {
        let inst = self.inst;
        let mut order: Vec<Vec<(u32, usize)>> = vec![Vec::new(); inst.mentors()];
        for e in 0..inst.mentees() {
            for a in inst.arcs(e) {
                order[inst.mentor[a] as usize].push((a as u32, e));
            }
        }
        for list in &mut order {
            list.sort_by_key(|&(a, e)| Reverse(self.mentor_key(a, e)));
        }
        let mut next = vec![0usize; inst.mentors()];
        let mut load = vec![0u32; inst.mentors()];
        // Per mentee: the arcs it holds, best first for it.
        let mut holds: Vec<Vec<u32>> = vec![Vec::new(); inst.mentees()];
        let mut active: Vec<usize> = (0..inst.mentors()).rev().collect();
        while let Some(j) = active.pop() {
            if deadline.passed() {
                return Err(SolveError::Deadline);
            }
            while load[j] < inst.capacity[j] {
                let Some(&(a, e)) = order[j].get(next[j]) else {
                    break;
                };
                next[j] += 1;
                let mut offered = holds[e].clone();
                let at = offered.partition_point(|&b| self.mentee_key(b) > self.mentee_key(a));
                offered.insert(at, a);
                let kept = self.choose(e, offered.iter().copied());
                if !kept.contains(&a) {
                    continue;
                }
                load[j] += 1;
                for &b in holds[e].iter().filter(|b| !kept.contains(b)) {
                    let k = inst.mentor[b as usize] as usize;
                    load[k] -= 1;
                    active.push(k);
                }
                holds[e] = kept;
            }
        }
        Ok(holds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solvers::demand::RoleBound;
    use crate::tools::synth::{random_lists, SplitMix64};

    /// Whether mentee `e` holding `arcs` would take arc `a`: the bounds
    /// admit it beside them, or beside them less one worse arc not pinned.
    fn mentee_wants(s: &Sides<'_>, e: usize, arcs: &[u32], a: u32) -> bool {
        let role = |b: u32| s.d.role[s.inst.mentor[b as usize] as usize];
        let (max, bounds) = (s.d.max[e], &s.d.roles[e]);
        let with: Vec<Option<u32>> = arcs.iter().map(|&b| role(b)).chain([role(a)]).collect();
        if admits(max, bounds, &with) {
            return true;
        }
        arcs.iter().enumerate().any(|(k, &b)| {
            let mut swapped = with.clone();
            swapped.remove(k);
            !s.pinned[b as usize]
                && s.mentee_key(b).1 < s.mentee_key(a).1
                && admits(max, bounds, &swapped)
        })
    }

    /// Feasible pairs outside `held` whose mentee and mentor both would
    /// rather be together (the definition, pair by pair).
    fn blocking(s: &Sides<'_>, held: &[Vec<u32>]) -> usize {
        let inst = s.inst;
        let mut holders: Vec<Vec<(u32, usize)>> = vec![Vec::new(); inst.mentors()];
        for (e, arcs) in held.iter().enumerate() {
            for &a in arcs {
                holders[inst.mentor[a as usize] as usize].push((a, e));
            }
        }
        let mut n = 0;
        for (e, arcs) in held.iter().enumerate() {
            for a in inst.arcs(e).map(|a| a as u32) {
                if arcs.contains(&a) {
                    continue;
                }
                let j = inst.mentor[a as usize] as usize;
                let mentor_wants = holders[j].len() < inst.capacity[j] as usize
                    || holders[j].iter().any(|&(b, f)| {
                        !s.pinned[b as usize] && s.mentor_key(b, f) < s.mentor_key(a, e)
                    });
                n += usize::from(mentor_wants && mentee_wants(s, e, arcs, a));
            }
        }
        n
    }

    fn random(rng: &mut SplitMix64) -> (Instance, Demand) {
        let (n_e, n_m) = (rng.below(8), 1 + rng.below(5));
        let lists = random_lists(rng, n_e, n_m, 0.7);
        let cap: Vec<u32> = (0..n_m).map(|_| rng.below(4) as u32).collect();
        let inst = Instance::from_lists(&lists, cap, vec![0; n_m]);
        let roles = [None, Some(0), Some(1)];
        let d = Demand {
            min: vec![0; n_e],
            max: (0..n_e).map(|_| rng.below(4) as u32).collect(),
            tier: vec![0; n_e],
            role: (0..n_m).map(|_| roles[rng.below(3)]).collect(),
            roles: (0..n_e)
                .map(|_| {
                    let mut bounds = Vec::new();
                    for role in 0..2 {
                        if rng.chance(0.4) {
                            let at_least = rng.below(2) as u32;
                            let at_most = at_least + rng.below(2) as u32;
                            bounds.push(RoleBound {
                                role,
                                at_least,
                                at_most,
                            });
                        }
                    }
                    bounds
                })
                .collect(),
            pinned: Vec::new(),
        };
        (inst, d)
    }

    #[test]
    fn both_sides_give_stable_assignments_within_every_bound() {
        let mut rng = SplitMix64::new(29);
        let mut several = 0;
        for case in 0..600 {
            let (inst, mut d) = random(&mut rng);
            // A pin: some mentee's first arc, if its mentor has a place.
            if let Some(e) = (0..inst.mentees()).find(|&e| !inst.arcs(e).is_empty()) {
                let a = inst.arcs(e).start;
                if rng.chance(0.3) && inst.capacity[inst.mentor[a] as usize] > 0 && d.max[e] > 0 {
                    d.pinned.push(a as u32);
                    d.roles[e].clear();
                }
            }
            let pinned: Vec<bool> = (0..inst.score.len())
                .map(|a| d.pinned.contains(&(a as u32)))
                .collect();
            let sides = Sides {
                inst: &inst,
                d: &d,
                pinned,
            };
            for p in [Proposer::Mentees, Proposer::Mentors] {
                let held = solve(&inst, &d, p, &Deadline::NONE).unwrap();
                assert_eq!(blocking(&sides, &held), 0, "case {case} {p:?}: {held:?}");
                let mut load = vec![0u32; inst.mentors()];
                for (e, arcs) in held.iter().enumerate() {
                    let roles: Vec<Option<u32>> = arcs
                        .iter()
                        .map(|&a| d.role[inst.mentor[a as usize] as usize])
                        .collect();
                    // Within the bounds, whenever the bounds admit any set.
                    let any = admits(d.max[e], &d.roles[e], &[]);
                    assert!(admits(d.max[e], &d.roles[e], &roles) || !any, "case {case}");
                    assert!(any || arcs.is_empty(), "case {case}");
                    assert!(inst.arcs(e).len() >= arcs.len());
                    for &a in arcs {
                        assert!(inst.arcs(e).contains(&(a as usize)));
                        load[inst.mentor[a as usize] as usize] += 1;
                    }
                    several += usize::from(arcs.len() > 1);
                }
                assert!(load.iter().zip(&inst.capacity).all(|(l, c)| l <= c));
                for &a in &d.pinned {
                    assert!(
                        held.iter().flatten().any(|&b| b == a),
                        "case {case}: pin lost"
                    );
                }
            }
        }
        assert!(several > 300, "{several}");
    }
}
