//! The stability view of an answer: its blocking pairs.
//!
//! Preferences are the pair scores on both sides (a mentee's stated
//! preferences enter them through the preference criterion): a mentee
//! prefers a mentor with whom it scores higher, a mentor a mentee with
//! whom it scores higher. A feasible pair (every hard rule passed) of a
//! mentee that is not pinned, not in the answer, **blocks** when both would
//! rather be together: the mentee is unmatched or scores strictly less with
//! its mentor, and the mentor has a free place or a mentee it may drop (not
//! pinned) who scores strictly less. Mentor minimums are not preferences:
//! a minimum can force a blocking pair.
//!
//! One pass over every feasible pair (the [`RowScorer`]'s rows, so at any
//! size without holding the pairs), after one pass over the answer for
//! each mentee's score and each mentor's lowest droppable score.

use crate::model::{Milli, Problem};
use crate::outcome::{Blocking, BlockingPair, MatchedPair};
use crate::scoring::{RowScorer, Scorer};

/// Blocking pairs listed, at most (the rest are counted).
pub(crate) const MAX_LISTED: usize = 100;

/// The blocking pairs of `pairs` (the answer, pinned pairs included).
pub(super) fn blocking(scorer: &Scorer<'_>, pairs: &[MatchedPair]) -> Blocking {
    let p: &Problem = scorer.problem();
    let (n_e, n_m) = (p.mentees.len(), p.mentors.len());
    let mut mine: Vec<Option<(u32, Milli)>> = vec![None; n_e];
    let mut pinned = vec![false; n_e];
    let mut load = vec![0u32; n_m];
    // Per mentor: the lowest score of a mentee it may drop.
    let mut lowest: Vec<Option<Milli>> = vec![None; n_m];
    for q in pairs {
        mine[q.mentee] = Some((q.mentor as u32, q.detail.score));
        pinned[q.mentee] = q.pinned;
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
    for e in (0..n_e).filter(|&e| !pinned[e]) {
        rows.row(e, |m, s| {
            let now = mine[e];
            let mentee_wants = now.is_none_or(|(j, c)| j != m && s > c);
            let mentor_wants = bar[m as usize].is_some_and(|b| s > b);
            if mentee_wants && mentor_wants {
                out.count += 1;
                if out.listed.len() < MAX_LISTED {
                    out.listed.push(BlockingPair {
                        mentor: m as usize,
                        mentee: e,
                        score: s,
                        mentee_now: now.map(|(_, c)| c),
                        // A free place bars no one.
                        mentor_lowest: bar[m as usize].filter(|&b| b != Milli::MIN),
                    });
                }
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
