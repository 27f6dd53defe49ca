//! A matching's pairs and loads, as every bilateral solve reports them.

use crate::model::MentorIdx;
use crate::outcome::MatchedPair;
use crate::scoring::Scorer;
use crate::solvers::candidates::Pins;

/// The pairs of a matching (mentor of each mentee) with their score
/// details, in mentee order, and the mentors' loads.
pub(crate) fn pairs_and_loads(
    scorer: &Scorer<'_>,
    pins: &Pins,
    mentor_of: &[Option<MentorIdx>],
) -> (Vec<MatchedPair>, Vec<u32>) {
    let mut loads = vec![0u32; scorer.problem().mentors.len()];
    let mut pairs = Vec::new();
    for (e, m) in mentor_of.iter().enumerate() {
        if let Some(m) = *m {
            loads[m] += 1;
            pairs.push(MatchedPair {
                mentor: m,
                mentee: e,
                detail: scorer.detail(m, e),
                pinned: pins.mentor_of[e].is_some(),
            });
        }
    }
    (pairs, loads)
}
