//! What-if rematching: scenarios of edits applied to a base request, each
//! solved (concurrently) with optional stability, and diffed exactly
//! against the baseline pairs and group memberships.
//!
//! Like [`crate::api`], this sits at the edge: edits are applied to the wire
//! request, then the request goes through [`crate::convert`] and the pure
//! core like any other; the diff is computed on ids.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::convert::{problem_from_request, response_from_outcome, Limits};
use crate::error::{Error, FieldViolation};
use crate::matching::{self, SolveOptions};
use crate::model::{from_milli, Problem, Stability};
use crate::pb;
use crate::scoring::Scorer;

/// Most scenarios in one call.
pub const MAX_SCENARIOS: usize = 64;

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

/// Applies a scenario's edits to a copy of the base request.
pub fn apply(
    base: &pb::SolveRequest,
    s: &pb::Scenario,
    path: &str,
) -> Result<pb::SolveRequest, Error> {
    use pb::edit::Edit as E;
    let mut req = base.clone();
    let mut bad = Vec::new();
    for (k, edit) in s.edits.iter().enumerate() {
        let f = |name: &str| format!("{path}.edits[{k}].{name}");
        match &edit.edit {
            None => bad.push(FieldViolation::new(
                format!("{path}.edits[{k}]"),
                "empty edit",
            )),
            Some(E::RemoveMentor(id)) => {
                let before = req.mentors.len();
                req.mentors.retain(|m| profile_id(&m.profile) != id);
                if req.mentors.len() == before {
                    bad.push(FieldViolation::new(
                        f("remove_mentor"),
                        format!("unknown mentor id {id:?}"),
                    ));
                }
                forget(&mut req, id);
            }
            Some(E::RemoveMentee(id)) => {
                let before = req.mentees.len();
                req.mentees.retain(|e| profile_id(&e.profile) != id);
                if req.mentees.len() == before {
                    bad.push(FieldViolation::new(
                        f("remove_mentee"),
                        format!("unknown mentee id {id:?}"),
                    ));
                }
                forget(&mut req, id);
            }
            Some(E::AddMentor(m)) => req.mentors.push(m.clone()),
            Some(E::AddMentee(e)) => req.mentees.push(e.clone()),
            Some(E::SetCapacity(c)) => {
                match req
                    .mentors
                    .iter_mut()
                    .find(|m| profile_id(&m.profile) == c.mentor_id)
                {
                    Some(m) => m.capacity = Some(c.capacity),
                    None => bad.push(FieldViolation::new(
                        f("set_capacity.mentor_id"),
                        format!("unknown mentor id {:?}", c.mentor_id),
                    )),
                }
            }
            Some(E::Pin(p)) => req
                .policy
                .get_or_insert_with(Default::default)
                .pinned_pairs
                .push(p.clone()),
            Some(E::Unpin(p)) => {
                let policy = req.policy.get_or_insert_with(Default::default);
                let before = policy.pinned_pairs.len();
                policy.pinned_pairs.retain(|x| x != p);
                if policy.pinned_pairs.len() == before {
                    bad.push(FieldViolation::new(
                        f("unpin"),
                        format!("({:?}, {:?}) is not pinned", p.mentor_id, p.mentee_id),
                    ));
                }
            }
            Some(E::Forbid(p)) => req
                .policy
                .get_or_insert_with(Default::default)
                .forbidden_pairs
                .push(p.clone()),
            Some(E::Policy(p)) => req.policy = Some(p.clone()),
            Some(E::PinMember(p)) => match groups(&mut req) {
                Some(g) => g.pinned_members.push(p.clone()),
                None => bad.push(no_groups(f("pin_member"))),
            },
            Some(E::UnpinMember(p)) => match groups(&mut req) {
                Some(g) => {
                    let before = g.pinned_members.len();
                    g.pinned_members.retain(|x| x != p);
                    if g.pinned_members.len() == before {
                        bad.push(FieldViolation::new(
                            f("unpin_member"),
                            format!(
                                "({:?}, {:?}) is not a pinned membership",
                                p.mentor_id, p.mentee_id
                            ),
                        ));
                    }
                }
                None => bad.push(no_groups(f("unpin_member"))),
            },
            Some(E::ForbidMember(p)) => match groups(&mut req) {
                Some(g) => g.forbidden_members.push(p.clone()),
                None => bad.push(no_groups(f("forbid_member"))),
            },
        }
    }
    if bad.is_empty() {
        Ok(req)
    } else {
        Err(Error::InvalidArgument(bad))
    }
}

/// The request's group policy, if it forms groups.
fn groups(req: &mut pb::SolveRequest) -> Option<&mut pb::GroupPolicy> {
    req.policy.as_mut().and_then(|x| x.groups.as_mut())
}

/// A membership edit on a request that forms no groups.
fn no_groups(field: String) -> FieldViolation {
    FieldViolation::new(
        field,
        "the policy forms no groups (policy.groups is not set)",
    )
}

/// Index of every mentor id and of every mentee id.
fn indices(p: &Problem) -> (BTreeMap<&str, usize>, BTreeMap<&str, usize>) {
    fn ix<'a>(ids: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
        ids.enumerate().map(|(k, id)| (id, k)).collect()
    }
    (
        ix(p.mentors.iter().map(|m| m.profile.id.as_str())),
        ix(p.mentees.iter().map(|e| e.profile.id.as_str())),
    )
}

/// Prefixes every violation's field path (errors of a scenario's request).
fn within(e: Error, prefix: &str) -> Error {
    match e {
        Error::InvalidArgument(v) => Error::InvalidArgument(
            v.into_iter()
                .map(|f| FieldViolation::new(format!("{prefix}.{}", f.field), f.description))
                .collect(),
        ),
        other => other,
    }
}

/// Runs every scenario of a what-if request.
pub fn what_if(
    req: &pb::WhatIfRequest,
    limits: &Limits,
    opts: &SolveOptions,
) -> Result<pb::WhatIfResponse, Error> {
    let base = req.base.clone().unwrap_or_default();
    let mut bad = Vec::new();
    if req.scenarios.is_empty() {
        bad.push(FieldViolation::new(
            "scenarios",
            "no scenarios: at least one is required",
        ));
    }
    if req.scenarios.len() > MAX_SCENARIOS {
        bad.push(FieldViolation::new(
            "scenarios",
            format!(
                "{} scenarios exceed the limit of {MAX_SCENARIOS}",
                req.scenarios.len()
            ),
        ));
    }
    if !req.stability_weight.is_finite() || !(0.0..=1000.0).contains(&req.stability_weight) {
        bad.push(FieldViolation::new(
            "stability_weight",
            format!(
                "{} is not a finite number in [0, 1000]",
                req.stability_weight
            ),
        ));
    }
    if !bad.is_empty() {
        return Err(Error::InvalidArgument(bad));
    }
    // The base and baseline are checked (and the baseline scored) on their
    // own thread while the scenarios solve; their errors come first.
    // A scenario that finds the base invalid stops before solving.
    let base_invalid = AtomicBool::new(false);
    let (checked, results) = std::thread::scope(|s| {
        let (base, base_invalid) = (&base, &base_invalid);
        let checked = s.spawn(move || {
            let r = baseline_score(req, base, limits);
            base_invalid.store(r.is_err(), Ordering::Relaxed);
            r
        });
        let handles: Vec<_> = req
            .scenarios
            .iter()
            .enumerate()
            .map(|(k, sc)| s.spawn(move || scenario(req, base, sc, k, limits, opts, base_invalid)))
            .collect();
        let panicked = || Error::Solver("a what-if thread panicked".into());
        let checked = checked.join().unwrap_or_else(|_| Err(panicked()));
        let results: Vec<Result<(pb::ScenarioResult, i64), Error>> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(panicked())))
            .collect();
        (checked, results)
    });
    let baseline_score = checked?;
    let results = results
        .into_iter()
        .map(|r| {
            r.map(|(mut res, score)| {
                if let Some(d) = res.diff.as_mut() {
                    d.score_change = from_milli(score - baseline_score);
                }
                res
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(pb::WhatIfResponse { results })
}

/// Checks the base request and the baseline's ids, and returns the
/// baseline pairs' total score under the base request (milli-points).
fn baseline_score(
    req: &pb::WhatIfRequest,
    base: &pb::SolveRequest,
    limits: &Limits,
) -> Result<i64, Error> {
    let mut bad = Vec::new();
    // The base must be valid, and the baseline must name its people.
    let base_problem = problem_from_request(base, limits).map_err(|e| within(e, "base"))?;
    let (mentor_ix, mentee_ix) = indices(&base_problem);
    let mut seen = BTreeSet::new();
    for (k, p) in req.baseline_pairs.iter().enumerate() {
        if !mentor_ix.contains_key(p.mentor_id.as_str()) {
            bad.push(FieldViolation::new(
                format!("baseline_pairs[{k}].mentor_id"),
                format!("unknown mentor id {:?}", p.mentor_id),
            ));
        }
        if !mentee_ix.contains_key(p.mentee_id.as_str()) {
            bad.push(FieldViolation::new(
                format!("baseline_pairs[{k}].mentee_id"),
                format!("unknown mentee id {:?}", p.mentee_id),
            ));
        }
        if !seen.insert(p.mentee_id.as_str()) {
            bad.push(FieldViolation::new(
                format!("baseline_pairs[{k}].mentee_id"),
                format!("mentee {:?} has two baseline pairs", p.mentee_id),
            ));
        }
    }
    let mut grouped = BTreeSet::new();
    for (k, g) in req.baseline_groups.iter().enumerate() {
        if g.mentor_ids.is_empty() {
            bad.push(FieldViolation::new(
                format!("baseline_groups[{k}].mentor_ids"),
                "a group needs its lead mentor",
            ));
        }
        for (i, m) in g.mentor_ids.iter().enumerate() {
            if !mentor_ix.contains_key(m.as_str()) {
                bad.push(FieldViolation::new(
                    format!("baseline_groups[{k}].mentor_ids[{i}]"),
                    format!("unknown mentor id {m:?}"),
                ));
            }
        }
        for (i, e) in g.member_ids.iter().enumerate() {
            let field = format!("baseline_groups[{k}].member_ids[{i}]");
            if !mentee_ix.contains_key(e.as_str()) {
                bad.push(FieldViolation::new(
                    field,
                    format!("unknown mentee id {e:?}"),
                ));
            } else if !grouped.insert(e.as_str()) {
                bad.push(FieldViolation::new(
                    field,
                    format!("mentee {e:?} is in two baseline groups"),
                ));
            }
        }
    }
    if !bad.is_empty() {
        return Err(Error::InvalidArgument(bad));
    }
    let base_scorer = Scorer::new(&base_problem);
    let baseline_score: i64 = req
        .baseline_pairs
        .iter()
        .map(|p| {
            base_scorer
                .explain(
                    mentor_ix[p.mentor_id.as_str()],
                    mentee_ix[p.mentee_id.as_str()],
                )
                .score
        })
        .sum();

    Ok(baseline_score)
}

/// Solves one scenario; returns its result (diff score change still to be
/// set) and its total score without stability points (milli-points).
fn scenario(
    req: &pb::WhatIfRequest,
    base: &pb::SolveRequest,
    sc: &pb::Scenario,
    k: usize,
    limits: &Limits,
    opts: &SolveOptions,
    base_invalid: &AtomicBool,
) -> Result<(pb::ScenarioResult, i64), Error> {
    let path = format!("scenarios[{k}]");
    let edited = apply(base, sc, &path)?;
    let mut problem = problem_from_request(&edited, limits).map_err(|e| within(e, &path))?;
    let (mentor_ix, mentee_ix) = indices(&problem);
    let baseline: BTreeSet<(usize, usize)> = req
        .baseline_pairs
        .iter()
        .filter_map(|p| {
            Some((
                *mentor_ix.get(p.mentor_id.as_str())?,
                *mentee_ix.get(p.mentee_id.as_str())?,
            ))
        })
        .collect();
    let memberships = baseline_memberships(&req.baseline_groups)
        .filter_map(|(m, e)| Some((*mentor_ix.get(m)?, *mentee_ix.get(e)?)))
        .collect();
    problem.stability = Some(Stability {
        baseline,
        weight: req.stability_weight,
        max_changes: req.max_changes,
        memberships,
    });
    if base_invalid.load(Ordering::Relaxed) {
        // The base's own error is what the caller gets.
        return Err(Error::Solver("the base request is invalid".into()));
    }
    let outcome = matching::solve(&problem, opts)?;
    let response = response_from_outcome(&problem, &outcome);
    let stability_points: i64 = outcome
        .pairs
        .iter()
        .flat_map(|p| p.detail.terms.iter())
        .filter(|t| t.criterion == crate::model::Criterion::Stability)
        .map(|t| t.milli)
        .sum();
    let score = outcome.total_score() - stability_points;
    let diff = diff(&req.baseline_pairs, &response, score);
    let membership_diff = (problem.policy.groups.is_some() || !req.baseline_groups.is_empty())
        .then(|| membership_diff(&req.baseline_groups, &response));
    Ok((
        pb::ScenarioResult {
            name: sc.name.clone(),
            response: Some(response),
            diff: Some(diff),
            membership_diff,
        },
        score,
    ))
}

/// (lead mentor id, member id) of every baseline group membership.
fn baseline_memberships(groups: &[pb::GroupRef]) -> impl Iterator<Item = (&str, &str)> {
    groups.iter().flat_map(|g| {
        let lead = g.mentor_ids.first().map_or("", String::as_str);
        g.member_ids.iter().map(move |e| (lead, e.as_str()))
    })
}

/// The exact difference between baseline memberships and a response's
/// groups, a membership being (mentee, lead mentor).
pub fn membership_diff(baseline: &[pb::GroupRef], resp: &pb::SolveResponse) -> pb::MembershipDiff {
    let before: BTreeMap<&str, &str> = baseline_memberships(baseline)
        .map(|(m, e)| (e, m))
        .collect();
    let after: BTreeMap<&str, &str> = resp
        .groups
        .iter()
        .flat_map(|g| {
            let lead = g.mentor_ids.first().map_or("", String::as_str);
            g.member_ids.iter().map(move |e| (e.as_str(), lead))
        })
        .collect();
    let (kept, moved, added, dropped) = compare(&before, &after);
    pb::MembershipDiff {
        changes: (moved.len() + dropped.len()) as u32,
        coverage_change: after.len() as i32 - before.len() as i32,
        kept,
        moved,
        added,
        dropped,
    }
}

/// Kept, moved, added and dropped assignments between two mentee → mentor maps.
fn compare(
    before: &BTreeMap<&str, &str>,
    after: &BTreeMap<&str, &str>,
) -> (
    Vec<pb::PairRef>,
    Vec<pb::Move>,
    Vec<pb::PairRef>,
    Vec<pb::PairRef>,
) {
    let pair = |m: &str, e: &str| pb::PairRef {
        mentor_id: m.to_string(),
        mentee_id: e.to_string(),
    };
    let (mut kept, mut moved, mut added, mut dropped) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (&e, &m) in before {
        match after.get(e) {
            Some(&m2) if m2 == m => kept.push(pair(m, e)),
            Some(&m2) => moved.push(pb::Move {
                mentee_id: e.to_string(),
                from_mentor_id: m.to_string(),
                to_mentor_id: m2.to_string(),
            }),
            None => dropped.push(pair(m, e)),
        }
    }
    for (&e, &m) in after {
        if !before.contains_key(e) {
            added.push(pair(m, e));
        }
    }
    (kept, moved, added, dropped)
}

/// The exact difference between baseline pairs and a response's pairs.
pub fn diff(
    baseline: &[pb::PairRef],
    resp: &pb::SolveResponse,
    score_change_milli: i64,
) -> pb::PairDiff {
    let before: BTreeMap<&str, &str> = baseline
        .iter()
        .map(|p| (p.mentee_id.as_str(), p.mentor_id.as_str()))
        .collect();
    let after: BTreeMap<&str, &str> = resp
        .pairs
        .iter()
        .map(|p| (p.mentee_id.as_str(), p.mentor_id.as_str()))
        .collect();
    let (kept, moved, added, dropped) = compare(&before, &after);
    let mut d = pb::PairDiff {
        kept,
        moved,
        added,
        dropped,
        ..Default::default()
    };
    d.coverage_change = after.len() as i32 - before.len() as i32;
    d.score_change = from_milli(score_change_milli);
    d.changes = (d.moved.len() + d.dropped.len()) as u32;
    d
}
