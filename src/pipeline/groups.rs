//! Group mentoring: builds the group MILP from a problem and solves it;
//! `explain::groups` says what each group and each ungrouped mentee means.
//!
//! Groups are formed after the bilateral pairs, so the rule relating a
//! member's group mentor to their bilateral mentor is a hard constraint.
//! Hard rules for a member and a group's mentors: the bilateral rules that
//! concern a pair (forbidden/excluded, off the candidate list, same
//! organisation, cross-border),
//! a working language spoken by everyone at the group level, a weekly slot
//! inside everyone's working hours on every week of the programme.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::calendar::{slots, SlotClass};
use crate::error::{Error, FieldViolation};
use crate::explain::groups::{describe, ungrouped, Parts};
use crate::explain::infeasible::group_pin_unreachable;
use crate::model::{
    to_milli, BilateralRelation, GroupPolicy, Level, Mentee, MentorIdx, Problem, Profile,
};
use crate::outcome::GroupOutcome;
use crate::solvers::group_milp::{compatible, GroupError, GroupInstance, GroupMentee, GroupMentor};
use crate::solvers::Deadline;

/// The group model of a problem: the MILP instance, its slot classes, and
/// each mentee's points per lead.
struct Built {
    inst: GroupInstance,
    classes: Vec<SlotClass>,
    parts: Vec<Parts>,
}

/// How many of `theirs` are in `mine` (both sorted).
fn share(mine: &[u32], theirs: &[u32]) -> usize {
    theirs
        .iter()
        .filter(|x| mine.binary_search(x).is_ok())
        .count()
}

/// Languages spoken at `level` or above.
fn languages_at(p: &Profile, level: Level) -> Vec<u32> {
    p.languages
        .iter()
        .filter(|s| s.level >= level)
        .map(|s| s.language)
        .collect()
}

/// Slot classes over the schedules of group mentors and mentees.
fn slot_classes(p: &Problem, g: &GroupPolicy) -> Vec<SlotClass> {
    let mut used = vec![false; p.schedules.len()];
    for m in p.mentors.iter().filter(|m| m.max_groups > 0) {
        used[m.profile.schedule as usize] = true;
    }
    for e in &p.mentees {
        used[e.profile.schedule as usize] = true;
    }
    slots::classes(
        &p.schedules,
        &used,
        g.slot_tz,
        g.slot_step_min,
        g.session_min,
        p.policy.start,
        p.policy.end,
    )
}

/// The slot classes that suit `schedule`.
fn suiting(classes: &[SlotClass], schedule: u32) -> Vec<u32> {
    (0..classes.len() as u32)
        .filter(|&c| classes[c as usize].suits[schedule as usize])
        .collect()
}

/// Builds the group model; pins that name a lead the mentee may not join
/// are request errors.
fn build(p: &Problem, g: &GroupPolicy, bilateral: &[Vec<MentorIdx>]) -> Result<Built, Error> {
    let classes = slot_classes(p, g);
    let mentors: Vec<GroupMentor> = p
        .mentors
        .iter()
        .map(|m| GroupMentor {
            max_groups: m.max_groups,
            classes: if m.max_groups > 0 {
                suiting(&classes, m.profile.schedule)
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
        let mut gm = GroupMentee {
            classes: suiting(&classes, e.profile.schedule),
            languages: e
                .profile
                .languages
                .iter()
                .filter(|s| s.level >= g.min_level)
                .map(|s| (s.language, to_milli(g.weights.language * s.level.value())))
                .collect(),
            country: countries[e.profile.country.as_str()],
            organization: e.profile.organization,
            leads: Vec::new(),
            not_co: match g.bilateral {
                BilateralRelation::Different => bilateral[ei].iter().map(|&m| m as u32).collect(),
                _ => Vec::new(),
            },
        };
        gm.languages.sort_unstable();
        let leads = Leads {
            p,
            g,
            mentors: &mentors,
            forbidden: &forbidden[ei],
            bilateral: &bilateral[ei],
        };
        parts.push(leads.of(ei, e, &mut gm));
        mentees.push(gm);
    }
    let co_value = co_values(p, g, &mentors);
    check_group_pins(p, g, &mentees)?;
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
        diversity: to_milli(g.weights.diversity),
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

/// What decides which leads one mentee may join.
struct Leads<'a> {
    p: &'a Problem,
    g: &'a GroupPolicy,
    mentors: &'a [GroupMentor],
    /// Mentors the mentee may not be paired with (policy and exclusions).
    forbidden: &'a [MentorIdx],
    /// The mentee's bilateral mentors (several with demand).
    bilateral: &'a [MentorIdx],
}

impl Leads<'_> {
    /// Fills `gm.leads` with the leads mentee `ei` may join and their points,
    /// and returns the points' parts per lead.
    fn of(&self, ei: usize, e: &Mentee, gm: &mut GroupMentee) -> Parts {
        let (p, w) = (self.p, &self.g.weights);
        let ep = &e.profile;
        let needs = ep.sectors.len() + ep.topics.len();
        let mut part = BTreeMap::new();
        for (j, m) in p.mentors.iter().enumerate() {
            if !self.allowed(j, ei, gm) {
                continue;
            }
            let mp = &m.profile;
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
        part
    }

    /// Whether mentee `ei` may join a group led by mentor `j`.
    fn allowed(&self, j: MentorIdx, ei: usize, gm: &GroupMentee) -> bool {
        let (p, g) = (self.p, self.g);
        let m = &p.mentors[j];
        let (mp, ep) = (&m.profile, &p.mentees[ei].profile);
        m.max_groups > 0
            && !self.forbidden.contains(&j)
            && !g.forbidden.contains(&(j, ei))
            && p.mentees[ei]
                .allowed
                .as_ref()
                .is_none_or(|a| a.binary_search(&j).is_ok())
            && (p.policy.allow_same_organization
                || mp.organization.is_none()
                || mp.organization != ep.organization)
            && (!p.policy.require_cross_border || mp.country != ep.country)
            && match g.bilateral {
                // The lead is one of its bilateral mentors, if it has any.
                BilateralRelation::Same => self.bilateral.is_empty() || self.bilateral.contains(&j),
                BilateralRelation::Different => !self.bilateral.contains(&j),
                _ => true,
            }
            && compatible(&self.mentors[j], gm)
    }
}

/// Points of each (lead, co-mentor) pair that share a slot class and a
/// language: the co-mentor's topics the lead lacks.
fn co_values(p: &Problem, g: &GroupPolicy, mentors: &[GroupMentor]) -> BTreeMap<(u32, u32), i64> {
    let mut co_value = BTreeMap::new();
    if g.mentors_per_group != 2 {
        return co_value;
    }
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
            co_value.insert((a as u32, b as u32), to_milli(g.weights.co_mentor * v));
        }
    }
    co_value
}

/// Pins must name a lead the mentee may join.
fn check_group_pins(p: &Problem, g: &GroupPolicy, mentees: &[GroupMentee]) -> Result<(), Error> {
    let violations: Vec<FieldViolation> = g
        .pinned
        .iter()
        .enumerate()
        .filter(|&(_, &(m, e))| !mentees[e].leads.iter().any(|&(l, _)| l as usize == m))
        .map(|(k, &(m, e))| group_pin_unreachable(p, k, m, e))
        .collect();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidArgument(violations))
    }
}

/// Forms groups for `p` (which must have a group policy), given each
/// mentee's bilateral mentors (several with demand).
pub(crate) fn form_groups(
    p: &Problem,
    bilateral: &[Vec<MentorIdx>],
    deadline: &Deadline,
    limit: Duration,
) -> Result<Option<GroupOutcome>, Error> {
    let Some(g) = p.policy.groups.as_ref() else {
        return Ok(None);
    };
    let built = build(p, g, bilateral)?;
    let sol = match built.inst.solve(deadline.clone()) {
        Ok(s) => s,
        Err(GroupError::Infeasible) => {
            return Ok(Some(GroupOutcome {
                groups: Vec::new(),
                ungrouped: ungrouped(p, &built.inst, &[]),
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
        Err(GroupError::Deadline) if deadline.cancelled() => return Err(Error::Cancelled),
        Err(GroupError::Deadline) => return Err(Error::TimeLimit(limit)),
        Err(GroupError::Backend(m)) => return Err(Error::Solver(m)),
    };
    Ok(Some(describe(
        p,
        g,
        &built.inst,
        &built.classes,
        &built.parts,
        &sol,
    )))
}
