//! Mentees with fewer mentors than they asked for, in words (issue 29):
//! "has 1 of the 2 mentors asked for", and why: too few mentors pass the
//! hard rules, the others are full, or a role bound or the objective leaves
//! them out. And the infeasibility of minimums no matching meets.

use std::collections::HashMap;

use crate::model::{MenteeIdx, MentorIdx, Problem};
use crate::outcome::{Certificate, Infeasibility, Unmatched, UnmatchedReason};
use crate::scoring::Scorer;
use crate::solvers::demand_hall::DemandHall;
use crate::solvers::flow::shortfall::Shortfall;
use crate::solvers::hall::{Violator, MAX_PLAIN_SEARCHES, WORK_BUDGET};
use crate::solvers::Instance;

use super::certificate::certificate;

use super::unmatched::no_candidate;
use super::words::id_list;

/// Each mentor's mentees per country in an answer, when the policy sets
/// `max_mentees_per_country`: which mentors are at their quota for whom.
pub(crate) struct CountryLoads<'p> {
    quota: Option<u32>,
    count: HashMap<(MentorIdx, &'p str), u32>,
}

impl<'p> CountryLoads<'p> {
    /// The loads of the answer `mentors_of` (empty without a quota).
    pub(crate) fn new(p: &'p Problem, mentors_of: &[Vec<MentorIdx>]) -> Self {
        let quota = p.policy.max_mentees_per_country;
        let mut count = HashMap::new();
        if quota.is_some() {
            for (e, ms) in mentors_of.iter().enumerate() {
                for &m in ms {
                    *count
                        .entry((m, p.mentees[e].profile.country.as_str()))
                        .or_insert(0) += 1;
                }
            }
        }
        CountryLoads { quota, count }
    }

    /// Whether mentor `m` has its quota of mentees from `country`.
    fn full(&self, m: MentorIdx, country: &str) -> bool {
        self.quota
            .is_some_and(|q| self.count.get(&(m, country)).copied().unwrap_or(0) >= q)
    }
}

/// Mentee `e`, with `mentors_of[e]` of the mentors it asked for, explained;
/// `candidates` are the mentors passing every hard rule for it, `quota`
/// the answer's loads per country.
pub(crate) fn short_of_demand(
    scorer: &Scorer<'_>,
    e: MenteeIdx,
    candidates: &[MentorIdx],
    mentors_of: &[Vec<MentorIdx>],
    loads: &[u32],
    quota: &CountryLoads<'_>,
) -> Unmatched {
    let p = scorer.problem();
    let mine = &mentors_of[e];
    let asked = p.mentees[e].demand.max_mentors;
    let has = format!(
        "has {} of the {asked} mentor{} asked for",
        mine.len(),
        if asked == 1 { "" } else { "s" }
    );
    let mut u = if candidates.is_empty() {
        let mut u = no_candidate(scorer, e);
        u.message = format!("{has}: {}", u.message);
        u
    } else {
        let ids = |ms: &[MentorIdx]| id_list(ms.iter().map(|&m| &p.mentors[m].profile.id));
        let others: Vec<MentorIdx> = candidates
            .iter()
            .copied()
            .filter(|m| !mine.contains(m))
            .collect();
        let country = &p.mentees[e].profile.country;
        let with_room: Vec<MentorIdx> = others
            .iter()
            .copied()
            .filter(|&m| loads[m] < p.mentors[m].capacity && !quota.full(m, country))
            .collect();
        let capped = p
            .stability
            .as_ref()
            .is_some_and(|s| s.max_changes.is_some());
        let (reason, why) = if others.is_empty() {
            (
                UnmatchedReason::NoCandidate,
                format!(
                    "only {} ({}) {} every hard rule",
                    candidates.len(),
                    ids(candidates),
                    if candidates.len() == 1 {
                        "mentor passes"
                    } else {
                        "mentors pass"
                    },
                ),
            )
        } else if with_room.is_empty() {
            (
                UnmatchedReason::Capacity,
                format!(
                    "the other compatible mentors ({}) are full{} in the optimum",
                    ids(&others),
                    match p.policy.max_mentees_per_country {
                        Some(_) => format!(" or at their quota of mentees from {country}"),
                        None => String::new(),
                    }
                ),
            )
        } else {
            (
                UnmatchedReason::NotWorthwhile,
                format!(
                    "compatible mentors with room ({}) are left out by its role bounds{} or \
                     because the objective's order puts other mentees first",
                    ids(&with_room),
                    if capped { ", the cap on changes" } else { "" }
                ),
            )
        };
        Unmatched {
            candidates: candidates.to_vec(),
            ..Unmatched::new(e, reason, format!("{has}: {why}"))
        }
    };
    u.mentors = mine.len() as u32;
    u.asked = asked;
    u
}

/// Attaches a capacity certificate (a Hall violator found by `hall`, see
/// `solvers::demand_hall`) to each mentee of `unmatched` with no mentor
/// whose compatible mentors are all full, with its smallest changes: one
/// more place at one of its mentors, or a hard rule relaxed for a member
/// without role bounds. Instance mentee `k` is problem mentee `mentees[k]`.
pub(crate) fn capacity_certificates(
    scorer: &Scorer<'_>,
    hall: &DemandHall<'_>,
    mentees: &[MenteeIdx],
    unmatched: &mut [Unmatched],
) {
    let mut budget = WORK_BUDGET;
    let short = unmatched
        .iter_mut()
        .filter(|u| u.mentors == 0 && u.reason == UnmatchedReason::Capacity)
        .take(MAX_PLAIN_SEARCHES);
    for u in short {
        // `mentees` ascends (the instance keeps problem order).
        let Ok(k) = mentees.binary_search(&u.mentee) else {
            continue;
        };
        let Some(v) = hall.violator(k as u32, &mut budget) else {
            continue;
        };
        let c = demand_certificate(scorer, hall, mentees, &v);
        u.message = format!("{}: {}", u.message, c.message);
        if let Some(r) = c.relaxations.first() {
            u.message = format!("{}; {}", u.message, r.message);
        }
        u.certificate = Some(c);
    }
}

/// The violator `v` that `hall` found as a certificate in problem terms
/// (instance mentee `k` is problem mentee `mentees[k]`); its relaxations
/// are one more place at one of its mentors, or a hard rule relaxed for a
/// member without role bounds (a member with bounds might not take the
/// mentor the rule would open).
pub(crate) fn demand_certificate(
    scorer: &Scorer<'_>,
    hall: &DemandHall<'_>,
    mentees: &[MenteeIdx],
    v: &Violator,
) -> Certificate {
    let p = scorer.problem();
    let (loads, places, pinned) = (hall.loads(), hall.places(), hall.pinned());
    let mut c = certificate(scorer, hall.instance(), mentees, v, loads, places, pinned);
    c.relaxations.retain(|r| {
        r.mentee
            .is_none_or(|e| p.mentees[e].demand.roles.is_empty())
    });
    c
}

/// How many of `mentors` have `role`.
pub(crate) fn of_role(p: &Problem, mentors: &[MentorIdx], role: u32) -> u32 {
    mentors
        .iter()
        .filter(|&&m| p.mentors[m].role == Some(role))
        .count() as u32
}

/// Why no matching meets every minimum with demand: each mentee whose
/// `min_mentors` or a role's `at_least` exceeds its compatible mentors;
/// or, when each is met alone, the mentees and mentors that compete (from
/// `short`, the demand flow's reading of its optimum) and the smallest
/// relaxation, which re-solving meets.
pub(crate) fn unmet_demand(p: &Problem, inst: &Instance, short: &Shortfall) -> Vec<Infeasibility> {
    let mut out = Vec::new();
    for (e, x) in p.mentees.iter().enumerate() {
        let cands: Vec<MentorIdx> = inst.arcs(e).map(|a| inst.mentor[a] as usize).collect();
        let id = &x.profile.id;
        if (cands.len() as u32) < x.demand.min_mentors {
            out.push(Infeasibility {
                kind: "MENTEE_MINIMUM",
                ids: vec![id.clone()],
                message: format!(
                    "mentee {id} needs at least {} mentors, but only {} pass every hard rule: \
                     lower mentees[{e}].min_mentors to {}, or relax a rule for it",
                    x.demand.min_mentors,
                    cands.len(),
                    cands.len()
                ),
            });
        }
        for r in &x.demand.roles {
            let of_role = of_role(p, &cands, r.role);
            if of_role < r.at_least {
                let role = &p.vocab.roles[r.role as usize];
                out.push(Infeasibility {
                    kind: "MENTEE_MINIMUM",
                    ids: vec![id.clone()],
                    message: format!(
                        "mentee {id} needs at least {} {role:?} mentors, but only {of_role} \
                         pass every hard rule: lower that role's at_least to {of_role}, or \
                         relax a rule for it",
                        r.at_least
                    ),
                });
            }
        }
    }
    if out.is_empty() {
        out.push(competing(p, short));
    }
    out
}

/// The minimums that fail only together: who competes, and the smallest
/// relaxation.
fn competing(p: &Problem, short: &Shortfall) -> Infeasibility {
    let mut fixes: Vec<String> = Vec::new();
    for &(e, can) in &short.mentee_min {
        fixes.push(format!("mentees[{e}].min_mentors to {can}"));
    }
    for &(e, k, can) in &short.role_min {
        fixes.push(format!("mentees[{e}].role_demands[{k}].at_least to {can}"));
    }
    for &(j, can) in &short.mentor_min {
        fixes.push(format!("mentors[{j}].min_mentees to {can}"));
    }
    let relax = if fixes.is_empty() {
        String::new()
    } else {
        format!("; the smallest relaxation: lower {}", fixes.join(", "))
    };
    let mentee_id = |&e: &u32| p.mentees[e as usize].profile.id.clone();
    let mentor_id = |&j: &u32| p.mentors[j as usize].profile.id.clone();
    if short.mentee_min.is_empty() && short.role_min.is_empty() {
        return Infeasibility {
            kind: "MENTOR_MINIMUM",
            ids: short.mentor_min.iter().map(|(j, _)| mentor_id(j)).collect(),
            message: format!(
                "no matching gives the mentors their min_mentees together with the mentees' \
                 min_mentors, role bounds, capacities and pins{relax}"
            ),
        };
    }
    let mentees: Vec<String> = short.mentees.iter().map(mentee_id).collect();
    let mentors: Vec<String> = short.mentors.iter().map(mentor_id).collect();
    let taken = if mentors.is_empty() {
        "none".to_string()
    } else {
        id_list(&mentors)
    };
    Infeasibility {
        kind: "MENTEE_MINIMUM",
        message: format!(
            "mentees {} need more mentors between them (min_mentors, role at_least) than the \
             mentors they could still take ({taken}) have places: every one of those places is \
             held by a mentee that cannot give it up without breaking a minimum of its own{relax}",
            id_list(&mentees)
        ),
        ids: mentees.into_iter().chain(mentors).collect(),
    }
}

/// The minimums a stable assignment (`mentors_of` each mentee's mentors,
/// `loads` each mentor's mentees) leaves unmet: deferred acceptance follows
/// the scores, and a minimum is not a preference.
pub(crate) fn stable_short(
    p: &Problem,
    mentors_of: &[Vec<MentorIdx>],
    loads: &[u32],
) -> Vec<Infeasibility> {
    const WHY: &str = "deferred acceptance follows the scores, and a minimum is not a \
                       preference: choose another objective, or";
    let mut out = Vec::new();
    for (e, x) in p.mentees.iter().enumerate() {
        let (id, mine) = (&x.profile.id, &mentors_of[e]);
        let has = mine.len() as u32;
        if has < x.demand.min_mentors {
            out.push(Infeasibility {
                kind: "MENTEE_MINIMUM",
                ids: vec![id.clone()],
                message: format!(
                    "the stable matching gives mentee {id} {has} of the {} mentors it must \
                     have: {WHY} lower mentees[{e}].min_mentors to {has}",
                    x.demand.min_mentors
                ),
            });
        }
        for (k, r) in x.demand.roles.iter().enumerate() {
            let of_role = of_role(p, mine, r.role);
            if of_role < r.at_least {
                let role = &p.vocab.roles[r.role as usize];
                out.push(Infeasibility {
                    kind: "MENTEE_MINIMUM",
                    ids: vec![id.clone()],
                    message: format!(
                        "the stable matching gives mentee {id} {of_role} of the {} {role:?} \
                         mentors it must have: {WHY} lower mentees[{e}].role_demands[{k}].at_least \
                         to {of_role}",
                        r.at_least
                    ),
                });
            }
        }
    }
    for (j, m) in p.mentors.iter().enumerate() {
        if loads[j] < m.min_mentees {
            let id = &m.profile.id;
            out.push(Infeasibility {
                kind: "MENTOR_MINIMUM",
                ids: vec![id.clone()],
                message: format!(
                    "the stable matching gives mentor {id} {} of the {} mentees it must have: \
                     {WHY} lower mentors[{j}].min_mentees to {}",
                    loads[j], m.min_mentees, loads[j]
                ),
            });
        }
    }
    out
}
