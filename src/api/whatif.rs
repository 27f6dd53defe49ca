//! What-if rematching: scenarios of edits applied to a base request, each
//! solved (concurrently) with optional stability, and diffed exactly
//! against the baseline pairs and group memberships.
//!
//! Edits are applied to the wire request (`api::edits`), then the request
//! goes through validation and the pure core like any other; the diff
//! (`api::diff`) is computed on ids.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, FieldViolation};
use crate::explain::words::unknown_id;
use crate::model::{from_milli, Criterion, Problem, Stability};
use crate::pipeline::{self, Scores};
use crate::scoring::Scorer;
use crate::settings::{Limits, SolveOptions};
use crate::threads::join;
use crate::wire::{pb, problem_from_request, response_from_outcome};

use super::diff::{baseline_memberships, diff, membership_diff};
use super::edits::apply;
use super::scored_base::ScoredBase;

/// Most scenarios in one call.
pub const MAX_SCENARIOS: usize = 64;

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

/// Runs every scenario of a what-if request.
pub fn what_if(
    req: &pb::WhatIfRequest,
    limits: &Limits,
    opts: &SolveOptions,
) -> Result<pb::WhatIfResponse, Error> {
    what_if_reusing(req, limits, opts, None)
}

/// [`what_if`], taking the scores that still hold from `scored`, the
/// scored base request (ignored unless it is `req.base`). The answer is the
/// same, byte for byte.
pub fn what_if_reusing(
    req: &pb::WhatIfRequest,
    limits: &Limits,
    opts: &SolveOptions,
    scored: Option<&ScoredBase>,
) -> Result<pb::WhatIfResponse, Error> {
    let base = req.base.clone().unwrap_or_default();
    let mut bad = Vec::new();
    if !req.base_run_id.is_empty() {
        bad.push(FieldViolation::new(
            "base_run_id",
            format!(
                "{:?}: a stored run is read by a server with a run store; here send base and \
                 baseline_pairs instead",
                req.base_run_id
            ),
        ));
    }
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
            .map(|(k, sc)| {
                let ctx = Ctx {
                    req,
                    base,
                    limits,
                    opts,
                    base_invalid,
                    scored,
                };
                s.spawn(move || scenario(&ctx, sc, k))
            })
            .collect();
        let checked = join(checked).and_then(|r| r);
        let results: Vec<Result<(pb::ScenarioResult, i64), Error>> = handles
            .into_iter()
            .map(|h| join(h).and_then(|r| r))
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
    let base_problem = problem_from_request(base, limits).map_err(|e| e.within("base"))?;
    let (mentor_ix, mentee_ix) = indices(&base_problem);
    let mut seen = BTreeSet::new();
    for (k, p) in req.baseline_pairs.iter().enumerate() {
        if !mentor_ix.contains_key(p.mentor_id.as_str()) {
            bad.push(FieldViolation::new(
                format!("baseline_pairs[{k}].mentor_id"),
                unknown_id("mentor", &p.mentor_id),
            ));
        }
        if !mentee_ix.contains_key(p.mentee_id.as_str()) {
            bad.push(FieldViolation::new(
                format!("baseline_pairs[{k}].mentee_id"),
                unknown_id("mentee", &p.mentee_id),
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
                    unknown_id("mentor", m),
                ));
            }
        }
        for (i, e) in g.member_ids.iter().enumerate() {
            let field = format!("baseline_groups[{k}].member_ids[{i}]");
            if !mentee_ix.contains_key(e.as_str()) {
                bad.push(FieldViolation::new(field, unknown_id("mentee", e)));
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
            base_scorer.score(
                mentor_ix[p.mentor_id.as_str()],
                mentee_ix[p.mentee_id.as_str()],
            )
        })
        .sum();

    Ok(baseline_score)
}

/// What every scenario of one what-if shares.
struct Ctx<'a> {
    req: &'a pb::WhatIfRequest,
    base: &'a pb::SolveRequest,
    limits: &'a Limits,
    opts: &'a SolveOptions,
    base_invalid: &'a AtomicBool,
    /// The base's scores, when they are the base's.
    scored: Option<&'a ScoredBase>,
}

/// Solves one scenario; returns its result (diff score change still to be
/// set) and its total score without stability points (milli-points).
fn scenario(
    ctx: &Ctx<'_>,
    sc: &pb::Scenario,
    k: usize,
) -> Result<(pb::ScenarioResult, i64), Error> {
    let Ctx {
        req,
        base,
        limits,
        opts,
        base_invalid,
        scored,
    } = *ctx;
    let path = format!("scenarios[{k}]");
    let edited = apply(base, sc, &path)?;
    let mut problem = problem_from_request(&edited, limits).map_err(|e| e.within(&path))?;
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
    let reuse = scored
        .filter(|s| s.request() == base)
        .and_then(|s| s.reuse_for(&edited, &problem));
    let mut scores = Scores {
        reuse: reuse.as_ref(),
        ..Scores::default()
    };
    let outcome = pipeline::solve_scored(&problem, opts, &mut scores)?;
    let response = response_from_outcome(&problem, &outcome);
    let stability_points: i64 = outcome
        .pairs
        .iter()
        .flat_map(|p| p.detail.terms.iter())
        .filter(|t| t.criterion == Criterion::Stability)
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

/// A solve's pairs as a what-if baseline.
pub fn baseline_pairs(resp: &pb::SolveResponse) -> Vec<pb::PairRef> {
    resp.pairs
        .iter()
        .map(|p| pb::PairRef {
            mentor_id: p.mentor_id.clone(),
            mentee_id: p.mentee_id.clone(),
        })
        .collect()
}

/// A solve's groups as a what-if baseline (lead mentor first).
pub fn baseline_groups(resp: &pb::SolveResponse) -> Vec<pb::GroupRef> {
    resp.groups
        .iter()
        .map(|g| pb::GroupRef {
            mentor_ids: g.mentor_ids.clone(),
            member_ids: g.member_ids.clone(),
        })
        .collect()
}

/// The request a what-if's scenario `k` solved: its base with the
/// scenario's edits applied (what an adoption of the scenario records).
pub fn scenario_request(req: &pb::WhatIfRequest, k: usize) -> Result<pb::SolveRequest, Error> {
    let base = req.base.clone().unwrap_or_default();
    let path = format!("scenarios[{k}]");
    match req.scenarios.get(k) {
        Some(sc) => apply(&base, sc, &path),
        None => Err(Error::InvalidArgument(vec![FieldViolation::new(
            "scenarios",
            format!("no scenario {k}"),
        )])),
    }
}
