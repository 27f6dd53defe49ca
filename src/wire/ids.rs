//! Ids: every person's id checked once (not empty, valid, unique across
//! both sides), then references (pins, preferences, affinities, group
//! rules) resolved to indices, each unknown or wrong-side id a violation.

use std::collections::HashMap;

use crate::wire::pb;

use crate::explain::words::unknown_id;

use super::fields::{check_id, has_invisible, text_ok, Checker};

/// Every person's index by id, to resolve references.
pub(super) struct Ids<'r> {
    mentor_ix: HashMap<&'r str, usize>,
    mentee_ix: HashMap<&'r str, usize>,
}

impl<'r> Ids<'r> {
    /// Checks every id (not empty, valid, unique across both sides) and
    /// indexes the valid ones.
    pub(super) fn new(c: &mut Checker, req: &'r pb::SolveRequest) -> Self {
        // Id → (side, index) of the field that first used it.
        let mut seen: HashMap<&str, (&str, usize)> = HashMap::new();
        let mut ix = |c: &mut Checker, side: &'static str, k: usize, p: Option<&'r pb::Profile>| {
            let field = |side: &str, k: usize| format!("{side}[{k}].profile.id");
            let id = p.map(|p| p.id.as_str())?;
            let first = seen.get(id).copied();
            let clean = first.is_none()
                && !id.trim().is_empty()
                && text_ok(id, c.limits.max_id_chars)
                && !has_invisible(id);
            if !clean {
                let first = first.map(|(s, k)| field(s, k));
                check_id(c, &field(side, k), id, first);
                return None;
            }
            seen.insert(id, (side, k));
            Some(id)
        };
        let mut mentor_ix = HashMap::new();
        for (k, m) in req.mentors.iter().enumerate() {
            if let Some(id) = ix(c, "mentors", k, m.profile.as_ref()) {
                mentor_ix.insert(id, k);
            }
        }
        let mut mentee_ix = HashMap::new();
        for (k, e) in req.mentees.iter().enumerate() {
            if let Some(id) = ix(c, "mentees", k, e.profile.as_ref()) {
                mentee_ix.insert(id, k);
            }
        }
        Ids {
            mentor_ix,
            mentee_ix,
        }
    }

    /// The mentor named `id` at `field`, or a violation.
    pub(super) fn mentor(&self, c: &mut Checker, field: String, id: &str) -> Option<usize> {
        find(
            c,
            field,
            id,
            (&self.mentor_ix, "mentor"),
            (&self.mentee_ix, "mentee"),
        )
    }

    /// The mentee named `id` at `field`, or a violation.
    pub(super) fn mentee(&self, c: &mut Checker, field: String, id: &str) -> Option<usize> {
        find(
            c,
            field,
            id,
            (&self.mentee_ix, "mentee"),
            (&self.mentor_ix, "mentor"),
        )
    }

    /// The mentor named `id`, if any (no violation: for history).
    pub(super) fn lookup_mentor(&self, id: &str) -> Option<usize> {
        self.mentor_ix.get(id).copied()
    }

    /// The (mentor, mentee) pair of these ids, if both are present on their
    /// side (no violation: for history).
    pub(super) fn lookup(&self, mentor: &str, mentee: &str) -> Option<(usize, usize)> {
        Some((*self.mentor_ix.get(mentor)?, *self.mentee_ix.get(mentee)?))
    }

    /// The (mentor, mentee) pair `pr` at field `f`, if both ids resolve.
    pub(super) fn pair(
        &self,
        c: &mut Checker,
        f: &str,
        pr: &pb::PairRef,
    ) -> Option<(usize, usize)> {
        let m = self.mentor(c, format!("{f}.mentor_id"), &pr.mentor_id);
        let e = self.mentee(c, format!("{f}.mentee_id"), &pr.mentee_id);
        m.zip(e)
    }

    /// The (mentor, mentee) pairs of `policy.{name}`.
    pub(super) fn pairs(
        &self,
        c: &mut Checker,
        name: &str,
        list: &[pb::PairRef],
    ) -> Vec<(usize, usize)> {
        if c.list_too_long(|| format!("policy.{name}"), list.len()) {
            return Vec::new();
        }
        list.iter()
            .enumerate()
            .filter_map(|(k, pr)| self.pair(c, &format!("policy.{name}[{k}]"), pr))
            .collect()
    }
}

/// `id` among the people of one side (`wanted`, with its name), or a
/// violation that says when it names someone of the other side.
fn find(
    c: &mut Checker,
    field: String,
    id: &str,
    (wanted, side): (&HashMap<&str, usize>, &str),
    (other, other_side): (&HashMap<&str, usize>, &str),
) -> Option<usize> {
    if let Some(&k) = wanted.get(id) {
        return Some(k);
    }
    if other.contains_key(id) {
        c.bad(field, format!("{id:?} is a {other_side}, not a {side}"));
    } else {
        c.bad(field, unknown_id(side, id));
    }
    None
}
