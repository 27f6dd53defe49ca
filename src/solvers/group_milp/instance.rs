//! The group model's input and output: mentors, mentees and rules as the
//! MILP sees them (indices, slot classes, languages, points), and the
//! groups it forms.

use std::collections::BTreeMap;

use crate::model::{CountGoal, Milli};

/// A mentor as the group model sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupMentor {
    /// Groups it may lead or co-mentor.
    pub max_groups: u32,
    /// Slot classes suiting it, sorted.
    pub classes: Vec<u32>,
    /// Languages it speaks at the level, sorted.
    pub languages: Vec<u32>,
}

/// A mentee as the group model sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupMentee {
    /// Slot classes suiting it, sorted.
    pub classes: Vec<u32>,
    /// Languages it speaks at the level, with their points (milli), sorted.
    pub languages: Vec<(u32, Milli)>,
    /// Country (interned).
    pub country: u32,
    /// Organisation (interned).
    pub organization: Option<u32>,
    /// Mentors it may join as lead, with the member's points (milli).
    pub leads: Vec<(u32, Milli)>,
    /// Mentors that may not co-mentor its group (its bilateral mentors).
    pub not_co: Vec<u32>,
}

/// The group formation problem.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupInstance {
    /// Mentors.
    pub mentors: Vec<GroupMentor>,
    /// Mentees.
    pub mentees: Vec<GroupMentee>,
    /// Co-mentor points (milli) per (lead, co-mentor); only pairs listed may co-mentor.
    pub co_value: BTreeMap<(u32, u32), Milli>,
    /// Mentors per group: 1 or 2.
    pub mentors_per_group: u32,
    /// Size bounds.
    pub min_size: u32,
    /// Size bounds.
    pub max_size: u32,
    /// Exact number of groups.
    pub count: Option<u32>,
    /// Preference on the number of groups.
    pub goal: CountGoal,
    /// Every mentee must be grouped.
    pub require_all: bool,
    /// No two members from one organisation.
    pub distinct_organizations: bool,
    /// Minimum distinct member countries.
    pub min_countries: u32,
    /// Points (milli) per distinct country beyond the first.
    pub diversity: Milli,
    /// (mentee, lead mentor) pins.
    pub pinned: Vec<(u32, u32)>,
    /// Mentee pairs kept apart.
    pub apart: Vec<(u32, u32)>,
    /// Relative gap at which to stop.
    pub mip_gap: f64,
}

/// A formed group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormedGroup {
    /// Lead mentor.
    pub lead: u32,
    /// Co-mentor.
    pub co: Option<u32>,
    /// Members, ascending.
    pub members: Vec<u32>,
    /// Slot class.
    pub class: u32,
    /// Working language.
    pub language: u32,
}

/// The solver's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSolution {
    /// Groups, by lead then creation order.
    pub groups: Vec<FormedGroup>,
    /// Proven optimal (within `mip_gap`) at every stage.
    pub optimal: bool,
    /// Final-stage objective (milli-points).
    pub objective: f64,
    /// Final-stage proven bound.
    pub bound: f64,
    /// Relative gap of the final stage.
    pub gap: f64,
    /// Model size.
    pub variables: usize,
    /// Model size.
    pub constraints: usize,
}

/// Why no grouping came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    /// The hard rules admit no grouping.
    #[error("no grouping satisfies the hard rules")]
    Infeasible,
    /// Time ran out before any grouping was found.
    #[error("deadline reached")]
    Deadline,
    /// The backend failed.
    #[error("{0}")]
    Backend(String),
}

/// Whether two sorted lists share an element.
pub(super) fn intersects(a: &[u32], b: &[u32]) -> bool {
    a.iter().any(|x| b.binary_search(x).is_ok())
}

/// Whether mentee `e` could join a group led by `j` at all (a shared class
/// and language); the caller filters `leads` with it.
pub(crate) fn compatible(m: &GroupMentor, e: &GroupMentee) -> bool {
    intersects(&m.classes, &e.classes)
        && e.languages
            .iter()
            .any(|(l, _)| m.languages.binary_search(l).is_ok())
}
