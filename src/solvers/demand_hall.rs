//! Capacity certificates with demand: why a mentee has no mentor at all
//! when every mentor it could have is full (issue 29; `hall.rs` is the
//! single-mentor search this follows).
//!
//! From an uncovered mentee `r`, the search walks alternating paths: an
//! arc to a mentor `r` could have alone (its role bounds admit it), then
//! back to each mentee holding one of that mentor's places, then on to
//! the mentors that mentee could have alone instead. When every mentor
//! reached is full and every holder reached has exactly that one mentor,
//! the mentees reached `S` hold all `places(N)` places of the mentors
//! reached `N` that pins do not hold, one each, so `|S| = places(N) + 1`
//! (a pinned pair never moves: its mentee is not entered, its place not
//! counted); and `N` holds every
//! mentor any of them could have (a mentee's valid set of mentors always
//! holds one it could have alone: its bounds ask for at most one mentor of
//! some role before it has any). No assignment covers all of `S`: a Hall
//! violator, whatever the tiers, pins or minimums. One more place at any
//! mentor of `N` covers one more mentee, along the path that reached it.
//!
//! The search gives up (no certificate) when it reaches a mentor with room
//! or a holder with several mentors (then `r` could be covered by moves or
//! by taking a further mentor's place: not a shortage of places), or when
//! it would read more arcs than its budget.

use super::demand::{admits, Demand};
use super::hall::Violator;
use super::Instance;

/// Alternating searches over one demand answer.
pub struct DemandHall<'a> {
    inst: &'a Instance,
    d: &'a Demand,
    /// Each instance mentee's arcs in the answer.
    chosen: &'a [Vec<u32>],
    /// Each mentor's mentees in the answer by an arc not pinned (they may
    /// move).
    holders: Vec<Vec<u32>>,
    /// Per mentor: mentees in the answer, places held by pins (they never
    /// move), and places left to the others (capacity net of pins).
    loads: Vec<u32>,
    pinned: Vec<u32>,
    places: Vec<u32>,
}

impl<'a> DemandHall<'a> {
    /// The searches over the answer `chosen` (arcs per instance mentee).
    pub fn new(inst: &'a Instance, d: &'a Demand, chosen: &'a [Vec<u32>]) -> Self {
        let mut is_pin = vec![false; inst.score.len()];
        for &a in &d.pinned {
            is_pin[a as usize] = true;
        }
        let mut holders = vec![Vec::new(); inst.mentors()];
        let (mut loads, mut pinned) = (vec![0u32; inst.mentors()], vec![0u32; inst.mentors()]);
        for (e, arcs) in chosen.iter().enumerate() {
            for &a in arcs {
                let j = inst.mentor[a as usize] as usize;
                loads[j] += 1;
                match is_pin[a as usize] {
                    true => pinned[j] += 1,
                    false => holders[j].push(e as u32),
                }
            }
        }
        let places = inst
            .capacity
            .iter()
            .zip(&pinned)
            .map(|(&c, &p)| c.saturating_sub(p))
            .collect();
        DemandHall {
            inst,
            d,
            chosen,
            holders,
            loads,
            pinned,
            places,
        }
    }

    /// The instance searched.
    pub(crate) fn instance(&self) -> &Instance {
        self.inst
    }

    /// Per mentor: its mentees in the answer, pins included.
    pub(crate) fn loads(&self) -> &[u32] {
        &self.loads
    }

    /// Per mentor: the places its pins hold.
    pub(crate) fn pinned(&self) -> &[u32] {
        &self.pinned
    }

    /// Per mentor: its places net of pins.
    pub(crate) fn places(&self) -> &[u32] {
        &self.places
    }

    /// The Hall violator of the uncovered instance mentee `root`, reading at
    /// most `budget` arcs (less what it read: the arcs are taken from it);
    /// `None` when there is none of the kind this module proves.
    pub fn violator(&self, root: u32, budget: &mut u64) -> Option<Violator> {
        let (inst, d) = (self.inst, self.d);
        if !self.chosen[root as usize].is_empty() {
            return None;
        }
        let mut seen_e = vec![false; inst.mentees()];
        let mut seen_m = vec![false; inst.mentors()];
        seen_e[root as usize] = true;
        let (mut mentees, mut mentors) = (vec![root], Vec::new());
        let mut queue = vec![root];
        while let Some(x) = queue.pop() {
            let xi = x as usize;
            for a in inst.arcs(xi) {
                *budget = budget.checked_sub(1)?;
                let j = inst.mentor[a] as usize;
                if seen_m[j] || !admits(d.max[xi], &d.roles[xi], &[d.role[j]]) {
                    continue;
                }
                seen_m[j] = true;
                mentors.push(j as u32);
                if self.loads[j] < inst.capacity[j] {
                    return None;
                }
                for &y in &self.holders[j] {
                    if !seen_e[y as usize] {
                        if self.chosen[y as usize].len() != 1 {
                            return None;
                        }
                        seen_e[y as usize] = true;
                        mentees.push(y);
                        queue.push(y);
                    }
                }
            }
        }
        let places: u32 = mentors.iter().map(|&j| self.places[j as usize]).sum();
        debug_assert_eq!(places as usize + 1, mentees.len());
        mentees.sort_unstable();
        mentors.sort_unstable();
        Some(Violator {
            mentees,
            mentors,
            places,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solvers::demand::RoleBound;

    #[test]
    fn only_mentors_a_mentee_could_have_alone_join_the_certificate() {
        // r fits j1 only; x holds j1 and fits j2 too, but takes no mentor
        // of j2's role; y holds j2. One more place at j2 covers nobody more,
        // so j2 is not in r's certificate.
        let lists = vec![vec![(0, 500)], vec![(0, 500), (1, 500)], vec![(1, 500)]];
        let inst = Instance::from_lists(&lists, vec![1, 1], vec![0, 0]);
        let d = Demand {
            min: vec![0; 3],
            max: vec![1; 3],
            tier: vec![0; 3],
            role: vec![None, Some(0)],
            roles: vec![
                Vec::new(),
                vec![RoleBound {
                    role: 0,
                    at_least: 0,
                    at_most: 0,
                }],
                Vec::new(),
            ],
            pinned: Vec::new(),
        };
        let chosen = vec![Vec::new(), vec![1], vec![3]];
        let hall = DemandHall::new(&inst, &d, &chosen);
        let v = hall.violator(0, &mut u64::MAX.clone()).expect("a violator");
        assert_eq!((v.mentees, v.mentors, v.places), (vec![0, 1], vec![0], 1));
        // A covered mentee has none; a budget too small finds none.
        assert_eq!(hall.violator(1, &mut u64::MAX.clone()), None);
        assert_eq!(hall.violator(0, &mut 1), None);
        // With x pinned to j1, x never moves: j1's one place is the pin's,
        // and r alone competes for none.
        let pinned = Demand {
            pinned: vec![1],
            ..d.clone()
        };
        let hall = DemandHall::new(&inst, &pinned, &chosen);
        let v = hall.violator(0, &mut u64::MAX.clone()).expect("a violator");
        assert_eq!((v.mentees, v.mentors, v.places), (vec![0], vec![0], 0));
    }
}
