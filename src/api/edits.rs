//! What-if edits: each scenario's changes applied to a copy of the base
//! request on the wire, so an edited request is validated like any other.

use crate::error::{Error, FieldViolation};
use crate::explain::words::unknown_id;
use crate::wire::pb;
use pb::edit::Edit as E;

/// The id of a person's profile ("" when missing).
fn profile_id(p: &Option<pb::Profile>) -> &str {
    p.as_ref().map_or("", |p| p.id.as_str())
}

/// Drops every reference to a removed person (ids are unique across both
/// sides): pins, forbidden pairs, affinities, preferences, exclusions.
fn forget(req: &mut pb::SolveRequest, id: &str) {
    let named = |m: &str, e: &str| m == id || e == id;
    let p = req.policy.get_or_insert_with(Default::default);
    p.pinned_pairs
        .retain(|x| !named(&x.mentor_id, &x.mentee_id));
    p.forbidden_pairs
        .retain(|x| !named(&x.mentor_id, &x.mentee_id));
    if let Some(g) = p.groups.as_mut() {
        g.pinned_members
            .retain(|x| !named(&x.mentor_id, &x.mentee_id));
        g.forbidden_members
            .retain(|x| !named(&x.mentor_id, &x.mentee_id));
        g.apart.retain(|x| x.first_id != id && x.second_id != id);
    }
    req.affinities
        .retain(|a| !named(&a.mentor_id, &a.mentee_id));
    for e in &mut req.mentees {
        e.preferred_mentors.retain(|m| m != id);
        e.excluded_mentors.retain(|m| m != id);
    }
}

/// Applies a scenario's edits to a copy of the base request; `path` is the
/// scenario's field path (e.g. `scenarios[0]`).
pub(crate) fn apply(
    base: &pb::SolveRequest,
    s: &pb::Scenario,
    path: &str,
) -> Result<pb::SolveRequest, Error> {
    let mut req = base.clone();
    let mut bad = Vec::new();
    for (k, edit) in s.edits.iter().enumerate() {
        let at = format!("{path}.edits[{k}]");
        let result = match &edit.edit {
            None => Err(FieldViolation::new(at, "empty edit")),
            Some(e) => apply_one(&mut req, e, &at),
        };
        if let Err(v) = result {
            bad.push(v);
        }
    }
    if bad.is_empty() {
        Ok(req)
    } else {
        Err(Error::InvalidArgument(bad))
    }
}

/// Applies one edit (`at` is its field path).
fn apply_one(req: &mut pb::SolveRequest, edit: &E, at: &str) -> Result<(), FieldViolation> {
    let bad = |name: &str, msg: String| Err(FieldViolation::new(format!("{at}.{name}"), msg));
    match edit {
        E::RemoveMentor(id) => {
            let before = req.mentors.len();
            req.mentors.retain(|m| profile_id(&m.profile) != id);
            let found = req.mentors.len() < before;
            forget(req, id);
            if !found {
                return bad("remove_mentor", unknown_id("mentor", id));
            }
        }
        E::RemoveMentee(id) => {
            let before = req.mentees.len();
            req.mentees.retain(|e| profile_id(&e.profile) != id);
            let found = req.mentees.len() < before;
            forget(req, id);
            if !found {
                return bad("remove_mentee", unknown_id("mentee", id));
            }
        }
        E::AddMentor(m) => req.mentors.push(m.clone()),
        E::AddMentee(e) => req.mentees.push(e.clone()),
        E::SetCapacity(c) => {
            let mentor = req
                .mentors
                .iter_mut()
                .find(|m| profile_id(&m.profile) == c.mentor_id);
            match mentor {
                Some(m) => m.capacity = Some(c.capacity),
                None => {
                    let msg = unknown_id("mentor", &c.mentor_id);
                    return bad("set_capacity.mentor_id", msg);
                }
            }
        }
        E::Pin(p) => policy(req).pinned_pairs.push(p.clone()),
        E::Unpin(p) => {
            if !remove(&mut policy(req).pinned_pairs, p) {
                let msg = format!("({:?}, {:?}) is not pinned", p.mentor_id, p.mentee_id);
                return bad("unpin", msg);
            }
        }
        E::Forbid(p) => policy(req).forbidden_pairs.push(p.clone()),
        E::Policy(p) => req.policy = Some(p.clone()),
        E::PinMember(p) => groups(req, at, "pin_member")?
            .pinned_members
            .push(p.clone()),
        E::UnpinMember(p) => {
            if !remove(&mut groups(req, at, "unpin_member")?.pinned_members, p) {
                let msg = format!(
                    "({:?}, {:?}) is not a pinned membership",
                    p.mentor_id, p.mentee_id
                );
                return bad("unpin_member", msg);
            }
        }
        E::ForbidMember(p) => groups(req, at, "forbid_member")?
            .forbidden_members
            .push(p.clone()),
    }
    Ok(())
}

/// Removes every copy of `p` from `list`; whether there was one.
fn remove(list: &mut Vec<pb::PairRef>, p: &pb::PairRef) -> bool {
    let before = list.len();
    list.retain(|x| x != p);
    list.len() < before
}

/// The request's policy, created if absent.
fn policy(req: &mut pb::SolveRequest) -> &mut pb::Policy {
    req.policy.get_or_insert_with(Default::default)
}

/// The request's group policy, for a membership edit at `at.name`; an
/// error when the request forms no groups.
fn groups<'r>(
    req: &'r mut pb::SolveRequest,
    at: &str,
    name: &str,
) -> Result<&'r mut pb::GroupPolicy, FieldViolation> {
    req.policy
        .as_mut()
        .and_then(|x| x.groups.as_mut())
        .ok_or_else(|| {
            FieldViolation::new(
                format!("{at}.{name}"),
                "the policy forms no groups (policy.groups is not set)",
            )
        })
}
