//! A matching's pairs and loads, as every bilateral solve reports them.

use crate::model::{MenteeIdx, MentorIdx};
use crate::outcome::MatchedPair;
use crate::scoring::Scorer;
use crate::solvers::candidates::Pins;

/// The pairs `(mentee, mentor)` of a matching, in the order given, with
/// their score details, and the mentors' loads.
pub(crate) fn pairs_and_loads(
    scorer: &Scorer<'_>,
    pins: &Pins,
    matching: impl IntoIterator<Item = (MenteeIdx, MentorIdx)>,
) -> (Vec<MatchedPair>, Vec<u32>) {
    let mut loads = vec![0u32; scorer.problem().mentors.len()];
    let mut pairs = Vec::new();
    for (e, m) in matching {
        loads[m] += 1;
        pairs.push(MatchedPair {
            mentor: m,
            mentee: e,
            detail: scorer.detail(m, e),
            pinned: pins.is_pinned(m, e),
        });
    }
    (pairs, loads)
}

/// The pairs of a matching given as each mentee's mentor, in mentee order.
pub(crate) fn each_pair(
    mentor_of: &[Option<MentorIdx>],
) -> impl Iterator<Item = (MenteeIdx, MentorIdx)> + '_ {
    mentor_of
        .iter()
        .enumerate()
        .filter_map(|(e, m)| m.map(|m| (e, m)))
}
