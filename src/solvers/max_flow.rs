//! Maximum flow source → mentee → mentor → sink on an [`Instance`]'s own
//! arrays: the most mentees any matching places under given mentor
//! capacities, with no scores involved. Used by checks, which need a
//! coverage answer without an optimisation.
//!
//! Hopcroft–Karp for capacitated mentors: a greedy start, then phases of
//! one breadth-first search from every unplaced mentee (layers alternate a
//! mentee's arcs and a full mentor's members, up to the first layer that
//! reaches a mentor with room) and depth-first augmentations along the
//! layers, each node tried at most once a phase. `O(arcs · √nodes)`, and
//! no copy of the arcs: per mentee its arc, layer and scan position, per
//! mentor its load and its members in one flat array rebuilt each phase.

use super::Instance;

/// No layer (not reached, or a dead end this phase).
const NONE: u32 = u32::MAX;

/// A maximum flow mentee → mentor → sink with the given mentor
/// capacities: its value and the arc each mentee uses.
pub(crate) fn max_flow(inst: &Instance, capacity: &[u32]) -> (u32, Vec<Option<u32>>) {
    let mut m = Matching::new(inst, capacity);
    m.greedy();
    while m.layers() {
        for e in 0..inst.mentees() {
            if m.assign[e] == NONE {
                m.augment(e as u32);
            }
        }
    }
    let value = m.assign.iter().filter(|&&a| a != NONE).count() as u32;
    let arc = m.assign.iter().map(|&a| (a != NONE).then_some(a)).collect();
    (value, arc)
}

/// The matching and one phase's layered graph.
struct Matching<'a> {
    inst: &'a Instance,
    capacity: &'a [u32],
    /// Arc of each mentee, or `NONE`.
    assign: Vec<u32>,
    load: Vec<u32>,
    /// Layer of each mentee and of each mentor this phase.
    mentee_layer: Vec<u32>,
    mentor_layer: Vec<u32>,
    /// Next arc a mentee tries, next member a mentor offers.
    next_arc: Vec<u32>,
    next_member: Vec<u32>,
    /// Members of mentor `j` at the phase's start:
    /// `members[member_start[j]..member_start[j + 1]]`.
    member_start: Vec<u32>,
    members: Vec<u32>,
    /// The layer of the mentors with room the phase reaches.
    last: u32,
}

impl<'a> Matching<'a> {
    fn new(inst: &'a Instance, capacity: &'a [u32]) -> Self {
        let (n_e, n_m) = (inst.mentees(), inst.mentors());
        Matching {
            inst,
            capacity,
            assign: vec![NONE; n_e],
            load: vec![0; n_m],
            mentee_layer: vec![NONE; n_e],
            mentor_layer: vec![NONE; n_m],
            next_arc: vec![0; n_e],
            next_member: vec![0; n_m],
            member_start: vec![0; n_m + 1],
            members: Vec::with_capacity(n_e),
            last: NONE,
        }
    }

    /// Each mentee in turn takes its first mentor with room.
    fn greedy(&mut self) {
        for e in 0..self.inst.mentees() {
            let room = self.inst.arcs(e).find(|&a| {
                let j = self.inst.mentor[a] as usize;
                self.load[j] < self.capacity[j]
            });
            if let Some(a) = room {
                self.assign[e] = a as u32;
                self.load[self.inst.mentor[a] as usize] += 1;
            }
        }
    }

    /// The phase's layers from every unplaced mentee; whether a mentor
    /// with room is reached (else the matching is maximum).
    fn layers(&mut self) -> bool {
        let inst = self.inst;
        self.rebuild_members();
        self.mentee_layer.fill(NONE);
        self.mentor_layer.fill(NONE);
        let mut frontier: Vec<u32> = (0..inst.mentees() as u32)
            .filter(|&e| self.assign[e as usize] == NONE)
            .collect();
        for &e in &frontier {
            self.mentee_layer[e as usize] = 0;
        }
        self.last = NONE;
        let mut layer = 0;
        while !frontier.is_empty() && self.last == NONE {
            let mut next = Vec::new();
            for &e in &frontier {
                for a in inst.arcs(e as usize) {
                    let j = inst.mentor[a] as usize;
                    if self.mentor_layer[j] != NONE {
                        continue;
                    }
                    self.mentor_layer[j] = layer;
                    if self.load[j] < self.capacity[j] {
                        self.last = layer;
                        continue;
                    }
                    for k in self.member_start[j]..self.member_start[j + 1] {
                        let f = self.members[k as usize] as usize;
                        if self.mentee_layer[f] == NONE {
                            self.mentee_layer[f] = layer + 1;
                            next.push(f as u32);
                        }
                    }
                }
            }
            frontier = next;
            layer += 1;
        }
        for e in 0..inst.mentees() {
            self.next_arc[e] = inst.start[e];
        }
        self.next_member
            .copy_from_slice(&self.member_start[..inst.mentors()]);
        self.last != NONE
    }

    /// The members of each mentor, grouped by mentor in one flat array.
    fn rebuild_members(&mut self) {
        let n_m = self.inst.mentors();
        self.member_start.fill(0);
        for &a in &self.assign {
            if a != NONE {
                self.member_start[self.inst.mentor[a as usize] as usize + 1] += 1;
            }
        }
        for j in 0..n_m {
            self.member_start[j + 1] += self.member_start[j];
        }
        let mut at = self.member_start.clone();
        self.members.clear();
        self.members.resize(self.member_start[n_m] as usize, 0);
        for (e, &a) in self.assign.iter().enumerate() {
            if a != NONE {
                let j = self.inst.mentor[a as usize] as usize;
                self.members[at[j] as usize] = e as u32;
                at[j] += 1;
            }
        }
    }

    /// One augmenting path along the layers from unplaced mentee `root`,
    /// if any: a depth-first search with an explicit stack of mentees,
    /// each of which moves to the mentor it reached once the path ends at
    /// a mentor with room. Mentees and mentors found to be dead ends are
    /// not tried again this phase.
    fn augment(&mut self, root: u32) -> bool {
        let inst = self.inst;
        // stack[i] moves to the mentor of arc via[i] when the path succeeds.
        let mut stack: Vec<u32> = vec![root];
        let mut via: Vec<u32> = Vec::new();
        while let Some(&e) = stack.last() {
            let eu = e as usize;
            let d = self.mentee_layer[eu];
            let mut advanced = false;
            while self.next_arc[eu] < inst.start[eu + 1] {
                let a = self.next_arc[eu];
                let j = inst.mentor[a as usize] as usize;
                if a == self.assign[eu] || self.mentor_layer[j] != d {
                    self.next_arc[eu] += 1;
                    continue;
                }
                if d == self.last {
                    if self.load[j] < self.capacity[j] {
                        via.push(a);
                        self.flip(&stack, &via);
                        return true;
                    }
                    self.next_arc[eu] += 1;
                    continue;
                }
                match self.next_mover(j, d + 1) {
                    Some(f) => {
                        via.push(a);
                        stack.push(f);
                        advanced = true;
                        break;
                    }
                    None => self.next_arc[eu] += 1,
                }
            }
            if !advanced {
                // A dead end: no path on through `e` this phase.
                self.mentee_layer[eu] = NONE;
                stack.pop();
                // The arc that led to `e` is tried again: its mentor offers
                // its next member.
                via.pop();
            }
        }
        false
    }

    /// A member of full mentor `j` still at `j`, on `layer` and not a dead
    /// end; advances `j`'s offer past it.
    fn next_mover(&mut self, j: usize, layer: u32) -> Option<u32> {
        while self.next_member[j] < self.member_start[j + 1] {
            let f = self.members[self.next_member[j] as usize];
            self.next_member[j] += 1;
            let fu = f as usize;
            let at_j =
                self.assign[fu] != NONE && self.inst.mentor[self.assign[fu] as usize] as usize == j;
            if at_j && self.mentee_layer[fu] == layer {
                return Some(f);
            }
        }
        None
    }

    /// Moves each mentee of the path to the mentor its arc reaches: the
    /// root gains a pair, the last mentor a member, the others swap one
    /// member for another.
    fn flip(&mut self, stack: &[u32], via: &[u32]) {
        let inst = self.inst;
        let last = inst.mentor[via[via.len() - 1] as usize] as usize;
        self.load[last] += 1;
        for (&e, &a) in stack.iter().zip(via) {
            self.assign[e as usize] = a;
            // A moved mentee is settled for this phase.
            self.mentee_layer[e as usize] = NONE;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Milli;
    use crate::tools::synth::SplitMix64;

    /// The oracle: the largest placement by trying every mentor (or none)
    /// for every mentee.
    fn brute(lists: &[Vec<(u32, Milli)>], cap: &[u32], e: usize, load: &mut [u32]) -> u32 {
        if e == lists.len() {
            return 0;
        }
        let mut best = brute(lists, cap, e + 1, load);
        for &(j, _) in &lists[e] {
            let j = j as usize;
            if load[j] < cap[j] {
                load[j] += 1;
                best = best.max(1 + brute(lists, cap, e + 1, load));
                load[j] -= 1;
            }
        }
        best
    }

    #[test]
    fn equals_the_flow_engine_on_larger_instances() {
        use crate::model::Objective;
        use crate::solvers::{flow::FlowEngine, Deadline, Engine};
        let mut rng = SplitMix64::new(11);
        for _ in 0..40 {
            let (n_e, n_m) = (50 + rng.below(300), 2 + rng.below(40));
            let p = 0.02 + 0.2 * rng.chance(0.5) as u8 as f64;
            let lists: Vec<Vec<(u32, Milli)>> = (0..n_e)
                .map(|_| {
                    (0..n_m as u32)
                        .filter(|_| rng.chance(p))
                        .map(|j| (j, 0))
                        .collect()
                })
                .collect();
            let cap: Vec<u32> = (0..n_m).map(|_| rng.below(6) as u32).collect();
            let inst = Instance::from_lists(&lists, cap.clone(), vec![0; n_m]);
            let (value, arc) = max_flow(&inst, &cap);
            let a = FlowEngine::default()
                .solve(&inst, Objective::CoverageThenScore, Deadline::NONE)
                .unwrap();
            assert_eq!(value as usize, a.arc.iter().flatten().count());
            assert!(inst.loads(&arc).iter().zip(&cap).all(|(l, c)| l <= c));
        }
    }

    #[test]
    fn equals_brute_force_and_is_a_matching() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..400 {
            let (n_e, n_m) = (rng.below(9), 1 + rng.below(4));
            let lists: Vec<Vec<(u32, Milli)>> = (0..n_e)
                .map(|_| {
                    (0..n_m as u32)
                        .filter(|_| rng.chance(0.4))
                        .map(|j| (j, 0))
                        .collect()
                })
                .collect();
            let cap: Vec<u32> = (0..n_m).map(|_| rng.below(3) as u32).collect();
            let inst = Instance::from_lists(&lists, cap.clone(), vec![0; n_m]);
            let (value, arc) = max_flow(&inst, &cap);
            assert_eq!(value, brute(&lists, &cap, 0, &mut vec![0; n_m]));
            assert_eq!(arc.iter().flatten().count() as u32, value);
            let loads = inst.loads(&arc);
            assert!(loads.iter().zip(&cap).all(|(l, c)| l <= c));
            for (e, a) in arc.iter().enumerate() {
                assert!(a.is_none_or(|a| inst.arcs(e).contains(&(a as usize))));
            }
        }
    }
}
