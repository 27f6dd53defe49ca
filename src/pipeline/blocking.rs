//! The stability view of an answer: its blocking pairs.
//!
//! Preferences are the pair scores on both sides (a mentee's stated
//! preferences enter them through the preference criterion): a mentee
//! prefers a mentor with whom it scores higher, a mentor a mentee with
//! whom it scores higher. A feasible pair (every hard rule passed) not in
//! the answer **blocks** when both would rather be together:
//! - the mentee would take the mentor: beside the mentors it has, within
//!   its `max_mentors` and role bounds ([`admits`]), or instead of one of
//!   them (not pinned) who scores strictly less, the bounds still admitting
//!   the exchange (one mentor at most: it is unmatched or scores strictly
//!   less with its mentor);
//! - the mentor would take the mentee: it has a free place or a mentee it
//!   may drop (not pinned) who scores strictly less.
//!
//! Minimums (a mentor's, a mentee's `min_mentors` and role `at_least`) are
//! not preferences: a minimum can force a blocking pair.
//!
//! One pass over every feasible pair (the [`RowScorer`]'s rows, so at any
//! size without holding the pairs), after one pass over the answer for
//! each mentee's mentors and each mentor's lowest droppable score.

use crate::model::{MentorIdx, Milli, Problem};
use crate::outcome::{Blocking, BlockingPair, MatchedPair};
use crate::scoring::{RowScorer, Scorer};
use crate::solvers::demand::{admits, RoleBound};

/// Blocking pairs listed, at most (the rest are counted).
pub(crate) const MAX_LISTED: usize = 100;

/// A mentor a mentee has in the answer.
#[derive(Debug, Clone, Copy)]
struct Held {
    mentor: MentorIdx,
    score: Milli,
    pinned: bool,
    role: Option<u32>,
}

/// A mentee's side of the answer: its bounds and its mentors.
struct Side {
    max: u32,
    bounds: Vec<RoleBound>,
    held: Vec<Held>,
    /// The lowest score of a mentor it may drop, when nothing but the
    /// count bounds it (the common case, answered without [`admits`]).
    lowest: Option<Milli>,
}

impl Side {
    /// The score of the mentor the mentee would give up for a mentor of
    /// `role` scoring `s` (`Some(None)`: a free place), `None` if it would not.
    fn would_take(&self, role: Option<u32>, s: Milli) -> Option<Option<Milli>> {
        if self.bounds.is_empty() {
            if (self.held.len() as u32) < self.max {
                return Some(None);
            }
            return self.lowest.filter(|&l| l < s).map(Some);
        }
        let mut roles: Vec<Option<u32>> = self.held.iter().map(|h| h.role).collect();
        roles.push(role);
        if admits(self.max, &self.bounds, &roles) {
            return Some(None);
        }
        let mut best: Option<Milli> = None;
        for (k, h) in self.held.iter().enumerate() {
            if h.pinned || h.score >= s || best.is_some_and(|b| b <= h.score) {
                continue;
            }
            let swapped = roles[..k].iter().chain(&roles[k + 1..]).copied();
            let swapped: Vec<Option<u32>> = swapped.collect();
            if admits(self.max, &self.bounds, &swapped) {
                best = Some(h.score);
            }
        }
        best.map(Some)
    }
}

/// The blocking pairs of `pairs` (the answer, pinned pairs included).
pub(super) fn blocking(scorer: &Scorer<'_>, pairs: &[MatchedPair]) -> Blocking {
    let p: &Problem = scorer.problem();
    let (n_e, n_m) = (p.mentees.len(), p.mentors.len());
    let mut sides: Vec<Side> = p
        .mentees
        .iter()
        .map(|x| Side {
            max: x.demand.max_mentors,
            bounds: x.demand.roles.iter().map(RoleBound::from).collect(),
            held: Vec::new(),
            lowest: None,
        })
        .collect();
    let mut load = vec![0u32; n_m];
    // Per mentor: the lowest score of a mentee it may drop.
    let mut lowest: Vec<Option<Milli>> = vec![None; n_m];
    for q in pairs {
        let side = &mut sides[q.mentee];
        side.held.push(Held {
            mentor: q.mentor,
            score: q.detail.score,
            pinned: q.pinned,
            role: p.mentors[q.mentor].role,
        });
        load[q.mentor] += 1;
        if !q.pinned {
            for l in [&mut lowest[q.mentor], &mut side.lowest] {
                *l = Some(l.map_or(q.detail.score, |x| x.min(q.detail.score)));
            }
        }
    }
    // The score a mentee must beat to be taken: none with a free place.
    let bar: Vec<Option<Milli>> = (0..n_m)
        .map(|m| match load[m] < p.mentors[m].capacity {
            true => Some(Milli::MIN),
            false => lowest[m],
        })
        .collect();
    let rows = RowScorer::new(scorer);
    let mut out = Blocking::default();
    for (e, side) in sides.iter().enumerate().take(n_e) {
        // Full of pinned mentors: nothing to give up, no room.
        let stuck = side.held.len() as u32 >= side.max && side.held.iter().all(|h| h.pinned);
        if stuck {
            continue;
        }
        rows.row(e, |m, s| {
            let m = m as usize;
            let mentor_wants = bar[m].is_some_and(|b| s > b);
            if !mentor_wants || side.held.iter().any(|h| h.mentor == m) {
                return;
            }
            let Some(now) = side.would_take(p.mentors[m].role, s) else {
                return;
            };
            out.count += 1;
            if out.listed.len() < MAX_LISTED {
                out.listed.push(BlockingPair {
                    mentor: m,
                    mentee: e,
                    score: s,
                    mentee_now: now,
                    // A free place bars no one.
                    mentor_lowest: bar[m].filter(|&b| b != Milli::MIN),
                });
            }
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Limits, SolveOptions};
    use crate::tools::synth::{self, SplitMix64, SynthConfig};
    use crate::wire;

    /// The definition, pair by pair, through the single-pair scorer.
    fn brute(scorer: &Scorer<'_>, pairs: &[MatchedPair]) -> Vec<(usize, usize)> {
        let p = scorer.problem();
        let mut out = Vec::new();
        for e in 0..p.mentees.len() {
            let now = pairs.iter().find(|q| q.mentee == e);
            if now.is_some_and(|q| q.pinned) {
                continue;
            }
            for m in 0..p.mentors.len() {
                let Ok(s) = scorer.evaluate(m, e) else {
                    continue;
                };
                if now.is_some_and(|q| q.mentor == m || q.detail.score >= s) {
                    continue;
                }
                let members: Vec<&MatchedPair> = pairs.iter().filter(|q| q.mentor == m).collect();
                let room = (members.len() as u32) < p.mentors[m].capacity;
                let drops = members.iter().any(|q| !q.pinned && q.detail.score < s);
                if room || drops {
                    out.push((e, m));
                }
            }
        }
        out
    }

    #[test]
    fn equals_the_definition_on_random_answers() {
        let mut rng = SplitMix64::new(5);
        let mut seen = 0;
        for seed in 0..30 {
            let mut req = synth::generate(&SynthConfig {
                mentees: 3 + rng.below(15),
                mentors: 2 + rng.below(6),
                seed,
                max_capacity: 1 + rng.below(3) as u32,
            });
            if let (Some(e), Some(m), true) =
                (req.mentees.first(), req.mentors.first(), rng.chance(0.5))
            {
                let pin = crate::wire::pb::PairRef {
                    mentor_id: m.profile.as_ref().unwrap().id.clone(),
                    mentee_id: e.profile.as_ref().unwrap().id.clone(),
                };
                req.policy
                    .get_or_insert_with(Default::default)
                    .pinned_pairs
                    .push(pin);
            }
            let Ok(problem) = wire::problem_from_request(&req, &Limits::default()) else {
                continue;
            };
            let Ok(o) = crate::pipeline::solve(&problem, &SolveOptions::default()) else {
                continue;
            };
            let scorer = Scorer::new(&problem);
            // The optimum, and a worse answer: every other pair dropped.
            let worse: Vec<MatchedPair> = o
                .pairs
                .iter()
                .enumerate()
                .filter(|(k, q)| q.pinned || k % 2 == 0)
                .map(|(_, q)| q.clone())
                .collect();
            for pairs in [&o.pairs, &worse] {
                let b = blocking(&scorer, pairs);
                let want = brute(&scorer, pairs);
                assert_eq!(b.count as usize, want.len(), "seed {seed}");
                let got: Vec<(usize, usize)> =
                    b.listed.iter().map(|x| (x.mentee, x.mentor)).collect();
                assert_eq!(got, want[..want.len().min(MAX_LISTED)], "seed {seed}");
                seen += want.len();
            }
        }
        assert!(seen > 0, "no blocking pair in any answer");
    }
}
