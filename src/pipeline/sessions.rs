//! Each pair's weekly bilateral session slots, computed once per pair of
//! schedules (people with the same zone and hours share them).

use std::collections::HashMap;

use crate::calendar::sessions::{pair_slots, PairSlot};
use crate::model::{BilateralSessions, Problem};
use crate::outcome::MatchedPair;

/// The slots of every pair, in `pairs` order.
pub(super) fn schedule(
    problem: &Problem,
    cfg: &BilateralSessions,
    pairs: &[MatchedPair],
) -> Vec<Vec<PairSlot>> {
    let mut known: HashMap<(u32, u32), Vec<PairSlot>> = HashMap::new();
    let (start, end) = (problem.policy.start, problem.policy.end);
    pairs
        .iter()
        .map(|p| {
            let a = problem.mentors[p.mentor].profile.schedule;
            let b = problem.mentees[p.mentee].profile.schedule;
            known
                .entry((a, b))
                .or_insert_with(|| {
                    let s = &problem.schedules;
                    pair_slots(&s[a as usize], &s[b as usize], cfg, start, end)
                })
                .clone()
        })
        .collect()
}
