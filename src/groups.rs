//! Group mentoring: builds the group MILP from a problem, solves it and
//! explains every group (mentors, members, theme, working language, weekly
//! slot in UTC and local times, score terms) and every ungrouped mentee.
//!
//! Groups are formed after the bilateral pairs, so the rule relating a
//! member's group mentor to their bilateral mentor is a hard constraint.
//! Hard rules for a member and a group's mentors: the bilateral rules that
//! concern a pair (forbidden/excluded, same organisation, cross-border),
//! a working language spoken by everyone at the group level, a weekly slot
//! inside everyone's working hours on every week of the programme.

use std::collections::BTreeMap;

use crate::error::{Error, FieldViolation};
use crate::model::{
    to_milli, BilateralRelation, GroupPolicy, Level, MenteeIdx, MentorIdx, Milli, Problem,
};
use crate::slots::{self, Slot, SlotClass};
use crate::solvers::group_milp::{
    compatible, GroupError, GroupInstance, GroupMentee, GroupMentor, GroupSolution,
};
use crate::solvers::Deadline;

/// A group criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupCriterion {
    /// Members' sectors and topics covered by the lead.
    Theme,
    /// Members' level in the working language.
    Language,
    /// Distinct member countries beyond the first.
    Diversity,
    /// Complementary expertise of the co-mentor.
    CoMentor,
    /// Members' affinities with the lead.
    Affinity,
    /// What-if: members kept with their baseline lead.
    Stability,
}

/// A formed group, explained.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupResult {
    /// Lead mentor.
    pub lead: MentorIdx,
    /// Co-mentor.
    pub co: Option<MentorIdx>,
    /// Members in request order.
    pub members: Vec<MenteeIdx>,
    /// Sectors and topics the lead shares with most members.
    pub theme: Vec<String>,
    /// Working language (interned).
    pub language: u32,
    /// Weekly slot in the policy's slot zone.
    pub slot: Slot,
    /// UTC instants (s) of every session.
    pub occurrences: Vec<i64>,
    /// Terms: criterion, milli-points, detail.
    pub terms: Vec<(GroupCriterion, Milli, String)>,
    /// Sum of the terms.
    pub score: Milli,
}

/// Why a mentee is in no group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UngroupedReason {
    /// No mentor shares a language and a session time (or rules exclude all).
    NoCompatibleMentor,
    /// Compatible mentors exist but the optimum leaves the mentee out.
    NotPlaced,
}

/// An ungrouped mentee.
#[derive(Debug, Clone, PartialEq)]
pub struct Ungrouped {
    /// Mentee.
    pub mentee: MenteeIdx,
    /// Reason.
    pub reason: UngroupedReason,
    /// A sentence for the coordinator.
    pub message: String,
}

/// Result of group formation.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupOutcome {
    /// Groups, by lead mentor.
    pub groups: Vec<GroupResult>,
    /// Ungrouped mentees in request order.
    pub ungrouped: Vec<Ungrouped>,
    /// Proven optimal (else feasible within the time limit).
    pub optimal: bool,
    /// No grouping satisfies the hard rules.
    pub infeasible: bool,
    /// Final-stage objective, bound and gap.
    pub objective: f64,
    /// Proven bound of the final stage.
    pub bound: f64,
    /// Relative gap.
    pub gap: f64,
    /// Slot classes, variables, constraints.
    pub slot_classes: usize,
    /// Model size.
    pub variables: usize,
    /// Model size.
    pub constraints: usize,
}

/// Everything needed to build and explain the MILP.
struct Built {
    inst: GroupInstance,
    classes: Vec<SlotClass>,
    /// Per mentee, per lead: (theme, affinity, stability) milli-points.
    parts: Vec<BTreeMap<u32, (Milli, Milli, Milli)>>,
}

fn share(mine: &[u32], theirs: &[u32]) -> usize {
    theirs
        .iter()
        .filter(|x| mine.binary_search(x).is_ok())
        .count()
}

fn languages_at(p: &crate::model::Profile, level: Level) -> Vec<u32> {
    p.languages
        .iter()
        .filter(|s| s.level >= level)
        .map(|s| s.language)
        .collect()
}

fn build(p: &Problem, g: &GroupPolicy, bilateral: &[Option<MentorIdx>]) -> Result<Built, Error> {
    let w = &g.weights;
    let mut used = vec![false; p.schedules.len()];
    for m in p.mentors.iter().filter(|m| m.max_groups > 0) {
        used[m.profile.schedule as usize] = true;
    }
    for e in &p.mentees {
        used[e.profile.schedule as usize] = true;
    }
    let classes = slots::classes(
        &p.schedules,
        &used,
        g.slot_tz,
        g.slot_step_min,
        g.session_min,
        p.policy.start,
        p.policy.end,
    );
    let suiting = |schedule: u32| -> Vec<u32> {
        (0..classes.len() as u32)
            .filter(|&c| classes[c as usize].suits[schedule as usize])
            .collect()
    };
    let mentors: Vec<GroupMentor> = p
        .mentors
        .iter()
        .map(|m| GroupMentor {
            max_groups: m.max_groups,
            classes: if m.max_groups > 0 {
                suiting(m.profile.schedule)
            } else {
                Vec::new()
            },
            languages: {
                let mut l = languages_at(&m.profile, g.min_level);
                l.sort_unstable();
                l
            },
        })
        .collect();
    let mut countries: BTreeMap<&str, u32> = BTreeMap::new();
    for e in &p.mentees {
        let next = countries.len() as u32;
        countries.entry(e.profile.country.as_str()).or_insert(next);
    }
    let mut forbidden: Vec<Vec<MentorIdx>> = p.mentees.iter().map(|e| e.excluded.clone()).collect();
    for &(m, e) in &p.policy.forbidden {
        forbidden[e].push(m);
    }
    let mut parts = Vec::with_capacity(p.mentees.len());
    let mut mentees = Vec::with_capacity(p.mentees.len());
    for (ei, e) in p.mentees.iter().enumerate() {
        let ep = &e.profile;
        let mut gm = GroupMentee {
            classes: suiting(ep.schedule),
            languages: ep
                .languages
                .iter()
                .filter(|s| s.level >= g.min_level)
                .map(|s| (s.language, to_milli(w.language * s.level.value())))
                .collect(),
            country: countries[ep.country.as_str()],
            organization: ep.organization,
            leads: Vec::new(),
            not_co: match g.bilateral {
                BilateralRelation::Different => bilateral[ei].map(|m| m as u32),
                _ => None,
            },
        };
        gm.languages.sort_unstable();
        let needs = ep.sectors.len() + ep.topics.len();
        let mut part = BTreeMap::new();
        for (j, m) in p.mentors.iter().enumerate() {
            let mp = &m.profile;
            let allowed = m.max_groups > 0
                && !forbidden[ei].contains(&j)
                && !g.forbidden.contains(&(j, ei))
                && (p.policy.allow_same_organization
                    || mp.organization.is_none()
                    || mp.organization != ep.organization)
                && (!p.policy.require_cross_border || mp.country != ep.country)
                && match (g.bilateral, bilateral[ei]) {
                    (BilateralRelation::Same, Some(b)) => b == j,
                    (BilateralRelation::Different, Some(b)) => b != j,
                    _ => true,
                }
                && compatible(&mentors[j], &gm);
            if !allowed {
                continue;
            }
            let covered = share(&mp.sectors, &ep.sectors) + share(&mp.topics, &ep.topics);
            let theme = if needs == 0 {
                0
            } else {
                to_milli(w.theme * covered as f64 / needs as f64)
            };
            let affinity =
                to_milli(w.affinity * p.affinities.get(&(j, ei)).copied().unwrap_or(0.0));
            let stability = p
                .stability
                .as_ref()
                .filter(|s| s.memberships.contains(&(j, ei)))
                .map_or(0, |s| to_milli(s.weight));
            gm.leads.push((j as u32, theme + affinity + stability));
            part.insert(j as u32, (theme, affinity, stability));
        }
        parts.push(part);
        mentees.push(gm);
    }
    let mut co_value = BTreeMap::new();
    if g.mentors_per_group == 2 {
        for (a, ma) in p.mentors.iter().enumerate() {
            for (b, mb) in p.mentors.iter().enumerate() {
                let (ga, gb) = (&mentors[a], &mentors[b]);
                if a == b || ma.max_groups == 0 || mb.max_groups == 0 {
                    continue;
                }
                let shares_class = ga
                    .classes
                    .iter()
                    .any(|c| gb.classes.binary_search(c).is_ok());
                let shares_lang = ga
                    .languages
                    .iter()
                    .any(|l| gb.languages.binary_search(l).is_ok());
                if !(shares_class && shares_lang) {
                    continue;
                }
                let tb = &mb.profile.topics;
                let new = tb.len() - share(&ma.profile.topics, tb);
                let v = if tb.is_empty() {
                    0.0
                } else {
                    new as f64 / tb.len() as f64
                };
                co_value.insert((a as u32, b as u32), to_milli(w.co_mentor * v));
            }
        }
    }
    // Pins must name a mentor the mentee may join.
    let mut violations = Vec::new();
    for (k, &(m, e)) in g.pinned.iter().enumerate() {
        if !mentees[e].leads.iter().any(|&(l, _)| l as usize == m) {
            violations.push(FieldViolation::new(
                format!("policy.groups.pinned_members[{k}]"),
                format!(
                    "mentee {:?} cannot join a group led by {:?}: no shared working language at {} and session time, \
                     or a pair rule (forbidden, organisation, country, bilateral mentor) excludes it",
                    p.mentees[e].profile.id,
                    p.mentors[m].profile.id,
                    g.min_level.name()
                ),
            ));
        }
    }
    if !violations.is_empty() {
        return Err(Error::InvalidArgument(violations));
    }
    let inst = GroupInstance {
        mentors,
        mentees,
        co_value,
        mentors_per_group: g.mentors_per_group,
        min_size: g.min_size,
        max_size: g.max_size,
        count: g.count,
        goal: g.count_goal,
        require_all: g.require_all,
        distinct_organizations: g.distinct_organizations,
        min_countries: g.min_countries,
        diversity: to_milli(w.diversity),
        pinned: g
            .pinned
            .iter()
            .map(|&(m, e)| (e as u32, m as u32))
            .collect(),
        apart: g.apart.iter().map(|&(a, b)| (a as u32, b as u32)).collect(),
        mip_gap: g.mip_gap,
    };
    Ok(Built {
        inst,
        classes,
        parts,
    })
}

/// Forms groups for `p` (which must have a group policy), given each
/// mentee's bilateral mentor.
pub fn form_groups(
    p: &Problem,
    bilateral: &[Option<MentorIdx>],
    deadline: Deadline,
    limit: std::time::Duration,
) -> Result<Option<GroupOutcome>, Error> {
    let Some(g) = p.policy.groups.as_ref() else {
        return Ok(None);
    };
    let built = build(p, g, bilateral)?;
    let sol = match built.inst.solve(deadline) {
        Ok(s) => s,
        Err(GroupError::Infeasible) => {
            return Ok(Some(GroupOutcome {
                groups: Vec::new(),
                ungrouped: explain_ungrouped(p, &built, &[]),
                optimal: true,
                infeasible: true,
                objective: 0.0,
                bound: 0.0,
                gap: 0.0,
                slot_classes: built.classes.len(),
                variables: 0,
                constraints: 0,
            }))
        }
        Err(GroupError::Deadline) => return Err(Error::TimeLimit(limit)),
        Err(GroupError::Backend(m)) => return Err(Error::Solver(m)),
    };
    Ok(Some(explain(p, g, &built, &sol)))
}

fn explain(p: &Problem, g: &GroupPolicy, built: &Built, sol: &GroupSolution) -> GroupOutcome {
    let v = &p.vocab;
    let mut groups = Vec::new();
    for fg in &sol.groups {
        let lead = fg.lead as usize;
        let members: Vec<MenteeIdx> = fg.members.iter().map(|&e| e as usize).collect();
        let slot = built.classes[fg.class as usize].slot;
        let occurrences = slots::occurrences(slot, g.slot_tz, p.policy.start, p.policy.end);
        let mut terms = Vec::new();
        let theme: Milli = members.iter().map(|&e| built.parts[e][&fg.lead].0).sum();
        let affinity: Milli = members.iter().map(|&e| built.parts[e][&fg.lead].1).sum();
        let stability: Milli = members.iter().map(|&e| built.parts[e][&fg.lead].2).sum();
        let language: Milli = members
            .iter()
            .filter_map(|&e| {
                built.inst.mentees[e]
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
        let diversity = built.inst.diversity * (cs.len() as Milli - 1);
        let lang_name = &v.languages[fg.language as usize];
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
            let pts = built
                .inst
                .co_value
                .get(&(fg.lead, co))
                .copied()
                .unwrap_or(0);
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
        ungrouped: explain_ungrouped(p, built, &groups),
        groups,
        optimal: sol.optimal,
        infeasible: false,
        objective: sol.objective,
        bound: sol.bound,
        gap: sol.gap,
        slot_classes: built.classes.len(),
        variables: sol.variables,
        constraints: sol.constraints,
    }
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

fn explain_ungrouped(p: &Problem, built: &Built, groups: &[GroupResult]) -> Vec<Ungrouped> {
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
            let leads = &built.inst.mentees[e].leads;
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
                let ids: Vec<&str> = leads.iter().take(8).map(|&(j, _)| p.mentors[j as usize].profile.id.as_str()).collect();
                Ungrouped {
                    mentee: e,
                    reason: UngroupedReason::NotPlaced,
                    message: format!(
                        "{} compatible group mentor(s) ({}{}), but the optimum leaves this mentee out under the size, \
                         count, mentor-limit and composition rules",
                        leads.len(),
                        ids.join(", "),
                        if leads.len() > 8 { ", …" } else { "" }
                    ),
                }
            }
        })
        .collect()
}
