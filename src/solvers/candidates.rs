//! From a problem to an [`Instance`]: pinned pairs taken out, every other
//! pair scored (on threads), an arc for each pair that passes every hard
//! rule, capacities and minimums net of pins, and the side constraints and
//! warm start the problem asks for.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::error::Error;
use crate::model::{MenteeIdx, MentorIdx, Problem};
use crate::scoring::{RowScorer, Scorer};
use crate::threads::map_chunks;

use super::demand::{Demand, RoleBound};
use super::hall::MentorGraph;
use super::scored::{Prepared, Reuse, Scratch};
use super::{Deadline, Instance, Keep, Quota, Rows};

/// Candidate arcs for the mentees left to match.
#[derive(Debug, Clone)]
pub(crate) struct CandidateArcs {
    /// The engine instance (mentee `k` of the instance is `mentees[k]`).
    pub(crate) instance: Instance,
    /// Problem mentee index of each instance mentee.
    pub(crate) mentees: Vec<MenteeIdx>,
    /// Pairs considered.
    pub(crate) total: u64,
    /// Feasible pairs among them (the instance's arcs, unless priced).
    pub(crate) feasible: u64,
    /// The mentor-level edges of the assignment, when the instance holds
    /// only some arcs of assigned mentees (a priced solve's).
    pub(crate) reach: Option<MentorGraph>,
}

/// Pinned pairs, and what is left to match around them.
#[derive(Debug, Clone)]
pub(crate) struct Pins {
    /// Pinned mentor of each mentee.
    pub(crate) mentor_of: Vec<Option<MentorIdx>>,
    /// Pinned mentees per mentor.
    pub(crate) per_mentor: Vec<u32>,
    /// Every pinned pair as (mentee, mentor), sorted.
    pairs: Vec<(MenteeIdx, MentorIdx)>,
}

impl Pins {
    /// Collects the policy's pins.
    pub(crate) fn new(problem: &Problem) -> Self {
        let mut mentor_of = vec![None; problem.mentees.len()];
        let mut per_mentor = vec![0u32; problem.mentors.len()];
        let mut pairs = Vec::with_capacity(problem.policy.pinned.len());
        for &(m, e) in &problem.policy.pinned {
            mentor_of[e] = Some(m);
            per_mentor[m] += 1;
            pairs.push((e, m));
        }
        pairs.sort_unstable();
        Pins {
            mentor_of,
            per_mentor,
            pairs,
        }
    }

    /// Whether `(m, e)` is pinned (with demand a mentee may have several
    /// pins; `mentor_of` then holds the last).
    pub(crate) fn is_pinned(&self, m: MentorIdx, e: MenteeIdx) -> bool {
        self.pairs.binary_search(&(e, m)).is_ok()
    }
}

/// The mentees left to match and the places around the pins.
#[derive(Debug, Clone)]
pub(crate) struct Places {
    /// Unpinned mentees, ascending: instance mentee `k` is `free[k]`.
    pub(crate) free: Vec<MenteeIdx>,
    /// Mentor capacities net of pins (saturating at 0).
    pub(crate) capacity: Vec<u32>,
    /// Mentor minimums net of pins.
    pub(crate) minimum: Vec<u32>,
}

impl Places {
    /// The places `problem` leaves around `pins`.
    pub(crate) fn new(p: &Problem, pins: &Pins) -> Self {
        let net = |of: &dyn Fn(usize) -> u32| {
            (0..p.mentors.len())
                .map(|m| of(m).saturating_sub(pins.per_mentor[m]))
                .collect()
        };
        Places {
            free: (0..p.mentees.len())
                .filter(|&e| pins.mentor_of[e].is_none())
                .collect(),
            capacity: net(&|m| p.mentors[m].capacity),
            minimum: net(&|m| p.mentors[m].min_mentees),
        }
    }
}

/// Candidate arcs of the unpinned mentees, with capacities and minimums
/// net of pins (capacities saturate at 0), and the side constraints and
/// warm start the problem asks for.
/// Scoring stops with [`Error::TimeLimit`] once `deadline` passes (or is
/// cancelled). With `reuse`, the pairs it vouches for take their earlier
/// scores instead of being scored again (the instance is the same).
pub(crate) fn candidate_arcs(
    scorer: &Scorer<'_>,
    pins: &Pins,
    threads: usize,
    deadline: &Deadline,
    reuse: Option<&Reuse<'_>>,
) -> Result<CandidateArcs, Error> {
    let p = scorer.problem();
    let Places {
        free,
        capacity,
        minimum,
    } = Places::new(p, pins);
    // Earlier scores hold for pairs that pass `min_pair_score` on their own;
    // with stability points, a pair may pass only with them.
    let stable = p.stability.as_ref().is_none_or(|s| s.weight == 0.0);
    let reuse = reuse.filter(|_| p.policy.min_pair_score.is_none() || stable);
    let prepared = reuse.and_then(Prepared::new);
    let mut cands = score_pairs(
        scorer,
        free,
        capacity,
        minimum,
        threads,
        deadline,
        prepared.as_ref(),
    )?;
    if let Some(max) = p.policy.max_mentees_per_country {
        cands.instance.quota = Some(country_quota(p, &cands.mentees, max));
    }
    if let Some(st) = p.stability.as_ref() {
        if !st.baseline.is_empty() {
            cands.instance.warm = Some(warm_start(p, &cands, &st.baseline));
        }
        if let Some(max) = st.max_changes {
            cands.instance.keep = Some(keep_baseline(&cands, &st.baseline, max));
        }
    }
    Ok(cands)
}

/// The instance a solve of `problem` gives its engine: the candidate arcs
/// of the unpinned mentees (scored on `threads` threads).
pub fn instance(problem: &Problem, threads: usize) -> Result<Instance, Error> {
    let scorer = Scorer::new(problem);
    let pins = Pins::new(problem);
    Ok(candidate_arcs(&scorer, &pins, threads, &Deadline::NONE, None)?.instance)
}

/// The demand model of a problem whose mentees ask for several mentors, a
/// priority or roles: every feasible pair of every mentee scored (pins
/// are arcs that must be used, at full capacities), each mentee's bounds
/// and tier, the mentors' roles.
pub(crate) fn demand_instance(
    scorer: &Scorer<'_>,
    threads: usize,
    deadline: &Deadline,
) -> Result<(CandidateArcs, Demand), Error> {
    let p = scorer.problem();
    let none = Pins {
        mentor_of: vec![None; p.mentees.len()],
        per_mentor: vec![0; p.mentors.len()],
        pairs: Vec::new(),
    };
    let cands = candidate_arcs(scorer, &none, threads, deadline, None)?;
    let inst = &cands.instance;
    let mut pinned = Vec::new();
    for &(m, e) in &p.policy.pinned {
        let arc = inst.arcs(e).find(|&a| inst.mentor[a] as usize == m);
        let Some(a) = arc else {
            return Err(Error::Solver(format!(
                "pinned pair ({}, {}) has no arc",
                p.mentors[m].profile.id, p.mentees[e].profile.id
            )));
        };
        pinned.push(a as u32);
    }
    let demand = Demand {
        min: p.mentees.iter().map(|e| e.demand.min_mentors).collect(),
        max: p.mentees.iter().map(|e| e.demand.max_mentors).collect(),
        tier: p.mentees.iter().map(|e| e.demand.priority).collect(),
        role: p.mentors.iter().map(|m| m.role).collect(),
        roles: p
            .mentees
            .iter()
            .map(|e| e.demand.roles.iter().map(RoleBound::from).collect())
            .collect(),
        pinned,
    };
    Ok((cands, demand))
}

/// At most `max` mentees of one country per mentor (countries labelled in
/// order of first appearance among the instance's mentees).
fn country_quota(p: &Problem, mentees: &[MenteeIdx], max: u32) -> Quota {
    let mut ids: Vec<&str> = Vec::new();
    let label = mentees
        .iter()
        .map(|&e| {
            let c = p.mentees[e].profile.country.as_str();
            match ids.iter().position(|&x| x == c) {
                Some(k) => k as u32,
                None => {
                    ids.push(c);
                    (ids.len() - 1) as u32
                }
            }
        })
        .collect();
    Quota { label, max }
}

/// The baseline pairs still possible, as an arc per instance mentee: a warm
/// start for the flow.
fn warm_start(
    p: &Problem,
    cands: &CandidateArcs,
    baseline: &BTreeSet<(MentorIdx, MenteeIdx)>,
) -> Vec<Option<u32>> {
    let inst = &cands.instance;
    let mut baseline_of = vec![None; p.mentees.len()];
    for &(m, e) in baseline {
        baseline_of[e] = Some(m as u32);
    }
    cands
        .mentees
        .iter()
        .enumerate()
        .map(|(k, &e)| {
            let m = baseline_of[e]?;
            inst.arcs(k)
                .find(|&a| inst.mentor[a] == m)
                .map(|a| a as u32)
        })
        .collect()
}

/// A cap of `max` changes: all but `max` of the baseline arcs still
/// possible must be kept.
fn keep_baseline(
    cands: &CandidateArcs,
    baseline: &BTreeSet<(MentorIdx, MenteeIdx)>,
    max: u32,
) -> Keep {
    let inst = &cands.instance;
    let arcs: Vec<u32> = cands
        .mentees
        .iter()
        .enumerate()
        .flat_map(|(k, &e)| {
            inst.arcs(k)
                .filter(move |&a| baseline.contains(&(inst.mentor[a] as usize, e)))
                .map(|a| a as u32)
        })
        .collect();
    let min_kept = (arcs.len() as u32).saturating_sub(max);
    Keep { arcs, min_kept }
}

/// Pairs scored between two looks at the deadline.
const STOP_CHECK_PAIRS: usize = 16_384;

/// Fewest pairs for which scoring runs on several threads (spawning costs
/// ~50 µs).
const PARALLEL_SCORING_PAIRS: usize = 20_000;

/// Scores every (mentor, mentee) pair for the given mentees, on `threads`
/// threads over contiguous mentee chunks (the result does not depend on it);
/// with `reuse`, rows it holds are taken from it and every row comes with
/// its order by score.
fn score_pairs(
    scorer: &Scorer<'_>,
    mentees: Vec<MenteeIdx>,
    capacity: Vec<u32>,
    minimum: Vec<u32>,
    threads: usize,
    deadline: &Deadline,
    reuse: Option<&Prepared<'_>>,
) -> Result<CandidateArcs, Error> {
    let n_m = scorer.problem().mentors.len();
    // Mentees scored between two looks at the deadline (~0.1 ms at 1 000 mentors).
    let check_every = (STOP_CHECK_PAIRS / n_m.max(1)).max(1);
    let fast = RowScorer::new(scorer);
    let score_rows = |part: &[MenteeIdx]| {
        let mut rows = Rows::default();
        rows.counts.reserve_exact(part.len());
        let mut scratch = Scratch::default();
        if let Some(r) = reuse {
            let room: usize = part.iter().map(|&e| r.room(e, n_m)).sum();
            rows.mentor.reserve_exact(room);
            rows.score.reserve_exact(room);
            rows.order.reserve_exact(room);
        }
        for (k, &e) in part.iter().enumerate() {
            if k % check_every == 0 && deadline.passed() {
                return None;
            }
            if let Some(r) = reuse {
                let evaluate = |m| scorer.evaluate(m, e).ok();
                let bonus = |m| scorer.stability_bonus(m, e);
                if r.push_row(e, &mut rows, &mut scratch, evaluate, bonus) {
                    continue;
                }
            }
            let before = rows.mentor.len();
            fast.row(e, |m, s| {
                rows.mentor.push(m);
                rows.score.push(s);
            });
            rows.counts.push((rows.mentor.len() - before) as u32);
            if reuse.is_some() {
                let (mentor, score) = (&rows.mentor[before..], &rows.score[before..]);
                let mut order: Vec<u32> = (0..mentor.len() as u32).collect();
                order.sort_unstable_by_key(|&p| {
                    (std::cmp::Reverse(score[p as usize]), mentor[p as usize])
                });
                rows.order.extend(order);
            }
        }
        Some(rows)
    };
    let threads = if mentees.len() * n_m < PARALLEL_SCORING_PAIRS {
        1
    } else {
        threads
    };
    let parts = map_chunks(&mentees, threads, score_rows)?
        .into_iter()
        .collect::<Option<Vec<Rows>>>()
        .ok_or(Error::TimeLimit(Duration::ZERO))?;
    let instance = Instance::from_rows(parts, capacity, minimum);
    Ok(CandidateArcs {
        feasible: instance.mentor.len() as u64,
        instance,
        total: (mentees.len() * n_m) as u64,
        mentees,
        reach: None,
    })
}
