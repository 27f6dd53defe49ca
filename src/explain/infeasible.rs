//! Rules of a request that no matching can satisfy, in words: pins that
//! break a hard rule or exceed a capacity, mentor minimums that cannot all
//! be met, side constraints that admit no matching.

use crate::error::FieldViolation;
use crate::model::{MenteeIdx, MentorIdx, Problem};
use crate::outcome::{Infeasibility, Unmatched, UnmatchedReason};
use crate::scoring::Scorer;

use super::words::rule_text;

/// Pinned pairs that break a hard rule (a request error), one violation each.
pub(crate) fn broken_pins(scorer: &Scorer<'_>) -> Vec<FieldViolation> {
    let p = scorer.problem();
    p.policy
        .pinned
        .iter()
        .enumerate()
        .filter_map(|(k, &(m, e))| {
            let broken = scorer.violations(m, e);
            (!broken.is_empty()).then(|| {
                FieldViolation::new(
                    format!("policy.pinned_pairs[{k}]"),
                    format!(
                        "pinned pair (mentor {:?}, mentee {:?}) breaks the hard rule(s): {}",
                        p.mentors[m].profile.id,
                        p.mentees[e].profile.id,
                        broken
                            .iter()
                            .map(|r| rule_text(*r, p))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                )
            })
        })
        .collect()
}

/// "mentor m has 3 pinned mentees but a capacity of 2".
pub(crate) fn pin_over_capacity(p: &Problem, m: MentorIdx, pinned: u32) -> String {
    format!(
        "mentor {} has {pinned} pinned mentees but a capacity of {}",
        p.mentors[m].profile.id, p.mentors[m].capacity
    )
}

/// One `PIN_CAPACITY` infeasibility per mentor of `over`, with its pinned
/// mentees `pinned[m]`.
pub(crate) fn pins_over_capacity(
    p: &Problem,
    over: &[MentorIdx],
    pinned: &[u32],
) -> Vec<Infeasibility> {
    over.iter()
        .map(|&m| Infeasibility {
            kind: "PIN_CAPACITY",
            ids: vec![p.mentors[m].profile.id.clone()],
            message: pin_over_capacity(p, m, pinned[m]),
        })
        .collect()
}

/// The `SIDE_CONSTRAINTS` infeasibility: a country quota or a cap on
/// changes admits no matching.
pub(crate) fn side_constraints(p: &Problem) -> Vec<Infeasibility> {
    let mut ids = Vec::new();
    if let Some(q) = p.policy.max_mentees_per_country {
        ids.push(format!("max_mentees_per_country={q}"));
    }
    if let Some(c) = p.stability.as_ref().and_then(|s| s.max_changes) {
        ids.push(format!("max_changes={c}"));
    }
    vec![Infeasibility {
        kind: "SIDE_CONSTRAINTS",
        message: format!(
            "no matching meets every hard rule together with {}: relax it",
            ids.join(" and ")
        ),
        ids,
    }]
}

/// One `MENTOR_MINIMUM` infeasibility per mentor left short: `short` holds
/// (mentor, unpinned mentees it would get), `pinned[m]` its pinned mentees.
pub(crate) fn minimums_unmet(
    p: &Problem,
    short: &[(u32, u32)],
    pinned: &[u32],
) -> Vec<Infeasibility> {
    short
        .iter()
        .map(|&(j, got)| {
            let m = &p.mentors[j as usize];
            Infeasibility {
                kind: "MENTOR_MINIMUM",
                ids: vec![m.profile.id.clone()],
                message: format!(
                    "mentor {} needs at least {} mentees, but with the other minimums \
                     met only {} compatible mentees can be given to them",
                    m.profile.id,
                    m.min_mentees,
                    got + pinned[j as usize]
                ),
            }
        })
        .collect()
}

/// Group pin `k` (mentee `e` in a group led by `m`) names a lead the mentee
/// may not join.
pub(crate) fn group_pin_unreachable(
    p: &Problem,
    k: usize,
    m: MentorIdx,
    e: MenteeIdx,
) -> FieldViolation {
    let level = p
        .policy
        .groups
        .as_ref()
        .map_or(p.policy.min_level, |g| g.min_level);
    FieldViolation::new(
        format!("policy.groups.pinned_members[{k}]"),
        format!(
            "mentee {:?} cannot join a group led by {:?}: no shared working language at {} and session time, \
             or a pair rule (forbidden, organisation, country, bilateral mentor) excludes it",
            p.mentees[e].profile.id,
            p.mentors[m].profile.id,
            level.name()
        ),
    )
}

/// Every mentee of an infeasible request, unmatched for that reason.
pub(crate) fn everyone_unmatched(p: &Problem, reasons: &[Infeasibility]) -> Vec<Unmatched> {
    let mut kinds: Vec<&str> = Vec::new();
    for r in reasons {
        if !kinds.contains(&r.kind) {
            kinds.push(r.kind);
        }
    }
    let message = format!(
        "no matching satisfies the request's rules ({}: see infeasibilities), so no mentee \
         is matched",
        kinds.join(", ")
    );
    (0..p.mentees.len())
        .map(|e| Unmatched::new(e, UnmatchedReason::Infeasible, message.clone()))
        .collect()
}
