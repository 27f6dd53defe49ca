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

/// What a mentee would do for one more mentor of a role class.
#[derive(Debug, Clone, Copy)]
struct Take {
    /// Its bounds admit the mentor beside the ones it has.
    room: bool,
    /// Else the lowest score of a mentor (not pinned) it may give up for it.
    drop: Option<Milli>,
}

/// A mentee's side of the answer: its mentors, and what it would do for a
/// mentor of each of its bounded roles and of any other role (or none),
/// found once per mentee rather than per pair.
struct Side {
    mentors: Vec<MentorIdx>,
    bounded: Vec<u32>,
    /// Per bounded role, then one for every other role.
    takes: Vec<Take>,
}

impl Side {
    fn new(max: u32, bounds: &[RoleBound], held: &[Held]) -> Side {
        let mut roles: Vec<Option<u32>> = held.iter().map(|h| h.role).collect();
        let classes = bounds.iter().map(|b| Some(b.role)).chain([None]);
        let takes = classes
            .map(|role| {
                roles.push(role);
                let room = admits(max, bounds, &roles);
                let mut drop: Option<Milli> = None;
                for (k, h) in held.iter().enumerate() {
                    if room || h.pinned || drop.is_some_and(|d| d <= h.score) {
                        continue;
                    }
                    let swapped: Vec<Option<u32>> =
                        roles[..k].iter().chain(&roles[k + 1..]).copied().collect();
                    if admits(max, bounds, &swapped) {
                        drop = Some(h.score);
                    }
                }
                roles.pop();
                Take { room, drop }
            })
            .collect();
        Side {
            mentors: held.iter().map(|h| h.mentor).collect(),
            bounded: bounds.iter().map(|b| b.role).collect(),
            takes,
        }
    }

    /// The score of the mentor the mentee would give up for a mentor of
    /// `role` scoring `s` (`Some(None)`: a free place), `None` if it would not.
    fn would_take(&self, role: Option<u32>, s: Milli) -> Option<Option<Milli>> {
        let class = role.and_then(|r| self.bounded.iter().position(|&b| b == r));
        let t = self.takes[class.unwrap_or(self.bounded.len())];
        if t.room {
            return Some(None);
        }
        t.drop.filter(|&d| d < s).map(Some)
    }

    /// Whether it would take no mentor at all (full of pinned mentors).
    fn stuck(&self) -> bool {
        self.takes.iter().all(|t| !t.room && t.drop.is_none())
    }
}

/// The blocking pairs of `pairs` (the answer, pinned pairs included).
pub(super) fn blocking(scorer: &Scorer<'_>, pairs: &[MatchedPair]) -> Blocking {
    let p: &Problem = scorer.problem();
    let (n_e, n_m) = (p.mentees.len(), p.mentors.len());
    let mut held: Vec<Vec<Held>> = vec![Vec::new(); n_e];
    let mut load = vec![0u32; n_m];
    // Per mentor: the lowest score of a mentee it may drop.
    let mut lowest: Vec<Option<Milli>> = vec![None; n_m];
    for q in pairs {
        held[q.mentee].push(Held {
            mentor: q.mentor,
            score: q.detail.score,
            pinned: q.pinned,
            role: p.mentors[q.mentor].role,
        });
        load[q.mentor] += 1;
        if !q.pinned {
            let l = &mut lowest[q.mentor];
            *l = Some(l.map_or(q.detail.score, |x| x.min(q.detail.score)));
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
    for (e, x) in p.mentees.iter().enumerate() {
        let bounds: Vec<RoleBound> = x.demand.roles.iter().map(RoleBound::from).collect();
        let side = Side::new(x.demand.max_mentors, &bounds, &held[e]);
        if side.stuck() {
            continue;
        }
        rows.row(e, |m, s| {
            let m = m as usize;
            let mentor_wants = bar[m].is_some_and(|b| s > b);
            if !mentor_wants || side.mentors.contains(&m) {
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
