//! Groups in words: each group's score terms (theme, working language,
//! diversity, co-mentor, affinity, stability), its theme, and why a mentee
//! is in no group.

use std::collections::BTreeMap;

use crate::calendar::{slots, SlotClass};
use crate::model::{GroupPolicy, Level, MenteeIdx, MentorIdx, Milli, Problem};
use crate::outcome::{GroupCriterion, GroupOutcome, GroupResult, Ungrouped, UngroupedReason};
use crate::solvers::group_milp::{FormedGroup, GroupInstance, GroupSolution};

use super::words::id_list;

/// A member's points per lead mentor: lead → (theme, affinity, stability).
pub(crate) type Parts = BTreeMap<u32, (Milli, Milli, Milli)>;

/// Describes a grouping `sol` of the group model (`inst`, its slot
/// `classes`, and each member's points per lead in `parts`): every group's
/// terms, theme, slot and sessions, and every ungrouped mentee.
pub(crate) fn describe(
    p: &Problem,
    g: &GroupPolicy,
    inst: &GroupInstance,
    classes: &[SlotClass],
    parts: &[Parts],
    sol: &GroupSolution,
) -> GroupOutcome {
    let mut groups = Vec::new();
    for fg in &sol.groups {
        let lead = fg.lead as usize;
        let members: Vec<MenteeIdx> = fg.members.iter().map(|&e| e as usize).collect();
        let slot = classes[fg.class as usize].slot;
        let occurrences = slots::occurrences(slot, g.slot_tz, p.policy.start, p.policy.end);
        let terms = terms(p, g, inst, parts, fg, &members);
        let score = terms.iter().map(|t| t.1).sum();
        groups.push(GroupResult {
            lead,
            co: fg.co.map(|c| c as usize),
            theme: theme_of(p, lead, &members),
            members,
            language: fg.language,
            slot,
            occurrences,
            terms,
            score,
        });
    }
    GroupOutcome {
        ungrouped: ungrouped(p, inst, &groups),
        groups,
        optimal: sol.optimal,
        infeasible: false,
        objective: sol.objective,
        bound: sol.bound,
        gap: sol.gap,
        slot_classes: classes.len(),
        variables: sol.variables,
        constraints: sol.constraints,
    }
}

/// A group's score terms: criterion, milli-points, what it means.
fn terms(
    p: &Problem,
    g: &GroupPolicy,
    inst: &GroupInstance,
    parts: &[Parts],
    fg: &FormedGroup,
    members: &[MenteeIdx],
) -> Vec<(GroupCriterion, Milli, String)> {
    let mut terms = Vec::new();
    let theme: Milli = members.iter().map(|&e| parts[e][&fg.lead].0).sum();
    let affinity: Milli = members.iter().map(|&e| parts[e][&fg.lead].1).sum();
    let stability: Milli = members.iter().map(|&e| parts[e][&fg.lead].2).sum();
    let language: Milli = members
        .iter()
        .filter_map(|&e| {
            inst.mentees[e]
                .languages
                .iter()
                .find(|(l, _)| *l == fg.language)
        })
        .map(|&(_, pts)| pts)
        .sum();
    let mut cs: Vec<&str> = members
        .iter()
        .map(|&e| p.mentees[e].profile.country.as_str())
        .collect();
    cs.sort_unstable();
    cs.dedup();
    let diversity = inst.diversity * (cs.len() as Milli - 1);
    let lang_name = &p.vocab.languages[fg.language as usize];
    terms.push((
        GroupCriterion::Theme,
        theme,
        format!(
            "lead covers members' sectors and topics ({} members)",
            members.len()
        ),
    ));
    terms.push((
        GroupCriterion::Language,
        language,
        format!("working language {lang_name}"),
    ));
    terms.push((
        GroupCriterion::Diversity,
        diversity,
        format!("{} countries: {}", cs.len(), cs.join(", ")),
    ));
    if let Some(co) = fg.co {
        let pts = inst.co_value.get(&(fg.lead, co)).copied().unwrap_or(0);
        terms.push((
            GroupCriterion::CoMentor,
            pts,
            format!(
                "co-mentor {} adds expertise",
                p.mentors[co as usize].profile.id
            ),
        ));
    }
    if g.weights.affinity != 0.0 {
        terms.push((
            GroupCriterion::Affinity,
            affinity,
            "explicit affinities with the lead".into(),
        ));
    }
    if p.stability
        .as_ref()
        .is_some_and(|s| s.weight != 0.0 && !s.memberships.is_empty())
    {
        terms.push((
            GroupCriterion::Stability,
            stability,
            "members kept with their baseline lead mentor".into(),
        ));
    }
    terms
}

/// The lead's sectors and topics shared by the most members (up to 3).
fn theme_of(p: &Problem, lead: MentorIdx, members: &[MenteeIdx]) -> Vec<String> {
    let lp = &p.mentors[lead].profile;
    let mut counts: Vec<(usize, String)> = Vec::new();
    for (mine, name_of, pick) in [
        (&lp.sectors, &p.vocab.sectors, 0),
        (&lp.topics, &p.vocab.topics, 1),
    ] {
        for &t in mine.iter() {
            let n = members
                .iter()
                .filter(|&&e| {
                    let ep = &p.mentees[e].profile;
                    let list = if pick == 0 { &ep.sectors } else { &ep.topics };
                    list.binary_search(&t).is_ok()
                })
                .count();
            if n > 0 {
                counts.push((n, name_of[t as usize].clone()));
            }
        }
    }
    counts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    counts.into_iter().take(3).map(|(_, s)| s).collect()
}

/// Every mentee in no group, in request order, with the reason.
pub(crate) fn ungrouped(
    p: &Problem,
    inst: &GroupInstance,
    groups: &[GroupResult],
) -> Vec<Ungrouped> {
    let mut grouped = vec![false; p.mentees.len()];
    for g in groups {
        for &e in &g.members {
            grouped[e] = true;
        }
    }
    let gp = p.policy.groups.as_ref();
    let level = gp.map_or(Level::B2, |g| g.min_level);
    (0..p.mentees.len())
        .filter(|&e| !grouped[e])
        .map(|e| {
            let leads = &inst.mentees[e].leads;
            if leads.is_empty() {
                Ungrouped {
                    mentee: e,
                    reason: UngroupedReason::NoCompatibleMentor,
                    message: format!(
                        "no group mentor shares a working language at {} and a weekly session time inside this \
                         mentee's hours on every week of the programme (or pair rules exclude them)",
                        level.name()
                    ),
                }
            } else {
                let ids = id_list(leads.iter().map(|&(j, _)| p.mentors[j as usize].profile.id.as_str()));
                Ungrouped {
                    mentee: e,
                    reason: UngroupedReason::NotPlaced,
                    message: format!(
                        "{} compatible group mentor(s) ({ids}), but the optimum leaves this mentee out under the size, \
                         count, mentor-limit and composition rules",
                        leads.len(),
                    ),
                }
            }
        })
        .collect()
}
