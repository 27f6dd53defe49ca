//! What-if rematching: scenarios of edits applied to a base request, each
//! solved (concurrently) with optional stability, and diffed exactly
//! against the baseline pairs and group memberships.
//!
//! Edits are applied to the wire request (`api::edits`), then the request
//! goes through validation and the pure core like any other; the diff
//! (`api::diff`) is computed on ids.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use crate::error::{Error, FieldViolation};
use crate::explain::words::unknown_id;
use crate::model::{from_milli, Criterion, Stability};
use crate::pipeline::{self, Scores};
use crate::settings::{Limits, SolveOptions};
use crate::threads::join;
use crate::wire::demand::{extra_pair, ExtraPair};
use crate::wire::response::{response_with, Changes};
use crate::wire::{pb, problem_from_request, response_from_outcome, scenario_problem};

use super::diff::{baseline_memberships, by_mentee, diff, membership_diff};
use super::edits::apply;
use super::scored_base::{indices, pairs_score, ScoredBase};

/// Most scenarios in one call.
pub const MAX_SCENARIOS: usize = 64;

/// Runs every scenario of a what-if request.
pub fn what_if(
    req: &pb::WhatIfRequest,
    limits: &Limits,
    opts: &SolveOptions,
) -> Result<pb::WhatIfResponse, Error> {
    what_if_reusing(req, limits, opts, None)
}

/// The base of a what-if: a request and its baseline pairs and groups.
#[derive(Debug, Clone, Copy)]
pub struct Base<'a> {
    /// The programme as it stands.
    pub request: &'a pb::SolveRequest,
    /// Its current pairs.
    pub pairs: &'a [pb::PairRef],
    /// Its current groups.
    pub groups: &'a [pb::GroupRef],
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
    if !req.base_run_id.is_empty() {
        return Err(Error::InvalidArgument(vec![FieldViolation::new(
            "base_run_id",
            format!(
                "{:?}: a stored run is read by a server with a run store; here send base and \
                 baseline_pairs instead",
                req.base_run_id
            ),
        )]));
    }
    let empty = pb::SolveRequest::default();
    let base = Base {
        request: req.base.as_ref().unwrap_or(&empty),
        pairs: &req.baseline_pairs,
        groups: &req.baseline_groups,
    };
    what_if_on(req, base, limits, opts, scored)
}

/// The scenarios of `req` run on `base` (given apart from the request,
/// e.g. a stored run's; `req`'s own base and baseline are ignored), with
/// [`what_if_reusing`]'s scores. The answer is the one `req` with `base`
/// inline gets.
pub fn what_if_on(
    req: &pb::WhatIfRequest,
    b: Base<'_>,
    limits: &Limits,
    opts: &SolveOptions,
    scored: Option<&ScoredBase>,
) -> Result<pb::WhatIfResponse, Error> {
    let base = b.request;
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
    let stable = pb::Objective::Stable as i32;
    let objective = req
        .base
        .as_ref()
        .and_then(|b| b.policy.as_ref())
        .map(|p| p.objective);
    if req.max_changes.is_some() && objective == Some(stable) {
        bad.push(FieldViolation::new(
            "max_changes",
            "OBJECTIVE_STABLE cannot cap changes (deferred acceptance has no side constraint): \
             use stability_weight, or another objective",
        ));
    }
    if !bad.is_empty() {
        return Err(Error::InvalidArgument(bad));
    }
    // The base and baseline are checked (and the baseline scored) on their
    // own thread while the scenarios solve; their errors come first.
    // A scenario that finds the base invalid stops before solving.
    let base_invalid = AtomicBool::new(false);
    let built = OnceLock::new();
    let (checked, results) = std::thread::scope(|s| {
        let base_invalid = &base_invalid;
        let scored = scored.filter(|s| std::ptr::eq(s.request(), base) || s.request() == base);
        // A kept baseline of this very base was checked and scored when kept.
        let known = scored.and_then(|s| s.baseline_score(b.pairs));
        let checked = s.spawn(move || {
            let r = known.map_or_else(|| baseline_score(b, limits), Ok);
            base_invalid.store(r.is_err(), Ordering::Relaxed);
            r
        });
        let built = &built;
        let handles: Vec<_> = req
            .scenarios
            .iter()
            .enumerate()
            .map(|(k, sc)| {
                let ctx = Ctx {
                    req,
                    base: b,
                    limits,
                    opts,
                    base_invalid,
                    scored,
                    built,
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
fn baseline_score(b: Base<'_>, limits: &Limits) -> Result<i64, Error> {
    let mut bad = Vec::new();
    // The base must be valid, and the baseline must name its people.
    let base_problem = problem_from_request(b.request, limits).map_err(|e| e.within("base"))?;
    let (mentor_ix, mentee_ix) = indices(&base_problem);
    let mut seen: HashMap<&str, Vec<(usize, &str)>> = HashMap::new();
    for (k, p) in b.pairs.iter().enumerate() {
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
        // A mentee has at most max_mentors baseline pairs (one without
        // demand), each with a different mentor.
        let max = mentee_ix
            .get(p.mentee_id.as_str())
            .map_or(1, |&e| base_problem.mentees[e].demand.max_mentors);
        let (e, m) = (p.mentee_id.as_str(), p.mentor_id.as_str());
        let earlier = seen.entry(e).or_default();
        let extra = extra_pair(earlier, &m, max);
        let problem = extra.map(|x| match x {
            ExtraPair::Second(_) => format!("mentee {e:?} has two baseline pairs"),
            ExtraPair::Twice(_) => format!("the pair ({m:?}, {e:?}) is in baseline_pairs twice"),
            ExtraPair::OverMax => {
                format!("mentee {e:?} has more baseline pairs than its max_mentors {max}")
            }
        });
        if !matches!(extra, Some(ExtraPair::Twice(_))) {
            earlier.push((k, m));
        }
        if let Some(problem) = problem {
            bad.push(FieldViolation::new(
                format!("baseline_pairs[{k}].mentee_id"),
                problem,
            ));
        }
    }
    let mut grouped = BTreeSet::new();
    for (k, g) in b.groups.iter().enumerate() {
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
    Ok(pairs_score(&base_problem, b.pairs).unwrap_or(0))
}

/// What every scenario of one what-if shares.
struct Ctx<'a> {
    req: &'a pb::WhatIfRequest,
    base: Base<'a>,
    limits: &'a Limits,
    opts: &'a SolveOptions,
    base_invalid: &'a AtomicBool,
    /// The base's scores, when they are the base's.
    scored: Option<&'a ScoredBase>,
    /// The base's scores built here (once, for every scenario that may
    /// re-optimise from the baseline) when none were given.
    built: &'a OnceLock<Option<ScoredBase>>,
}

impl Ctx<'_> {
    /// The base's scores: given, or built now when `resume` (a scenario
    /// may re-optimise from them, which an answer must not depend on the
    /// cache for).
    fn base_scores(&self, resume: bool) -> Option<&ScoredBase> {
        if let Some(s) = self.scored {
            return Some(s);
        }
        if !resume {
            return self.built.get().and_then(Option::as_ref);
        }
        self.built
            .get_or_init(|| {
                super::score_base(self.base.request.clone(), self.limits, self.opts).ok()
            })
            .as_ref()
    }
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
        base: b,
        limits,
        opts,
        base_invalid,
        ..
    } = *ctx;
    let base = b.request;
    let path = format!("scenarios[{k}]");
    let edited = apply(base, sc, &path)?;
    let mut problem = scenario_problem(&edited, limits, base).map_err(|e| e.within(&path))?;
    let (mentor_ix, mentee_ix) = indices(&problem);
    let baseline: BTreeSet<(usize, usize)> = b
        .pairs
        .iter()
        .filter_map(|p| {
            Some((
                *mentor_ix.get(p.mentor_id.as_str())?,
                *mentee_ix.get(p.mentee_id.as_str())?,
            ))
        })
        .collect();
    let memberships = baseline_memberships(b.groups)
        .filter_map(|(m, e)| Some((*mentor_ix.get(m)?, *mentee_ix.get(e)?)))
        .collect();
    let mut baseline_count = vec![0u32; problem.mentees.len()];
    for &(_, e) in &baseline {
        baseline_count[e] += 1;
    }
    problem.stability = Some(Stability {
        baseline: baseline.clone(),
        weight: req.stability_weight,
        max_changes: req.max_changes,
        memberships,
    });
    if base_invalid.load(Ordering::Relaxed) {
        // The base's own error is what the caller gets.
        return Err(Error::Solver("the base request is invalid".into()));
    }
    let resumable = ScoredBase::may_resume(base, &edited);
    let kept = ctx.base_scores(resumable);
    let reuse = kept.and_then(|s| s.reuse_for(&edited, &problem));
    let state = kept
        .filter(|_| resumable)
        .and_then(|s| s.state_for(b.pairs));
    let mut scores = Scores {
        reuse: reuse.as_ref(),
        state: state.as_deref(),
        ..Scores::default()
    };
    let outcome = pipeline::solve_scored(&problem, opts, &mut scores)?;
    let resumed = outcome.resumed;
    let full = req.view != pb::WhatIfView::Changes as i32;
    let response = if full {
        response_from_outcome(&problem, &outcome)
    } else {
        let in_base: HashSet<&str> = base
            .mentees
            .iter()
            .map(|e| profile_id(&e.profile))
            .collect();
        let unmatched_before: Vec<bool> = problem
            .mentees
            .iter()
            .zip(&baseline_count)
            .map(|(e, &n)| n < e.demand.max_mentors && in_base.contains(e.profile.id.as_str()))
            .collect();
        let changes = Changes {
            baseline: &baseline,
            unmatched_before: &unmatched_before,
        };
        response_with(&problem, &outcome, Some(&changes))
    };
    let stability_points: i64 = outcome
        .pairs
        .iter()
        .flat_map(|p| p.detail.terms.iter())
        .filter(|t| t.criterion == Criterion::Stability)
        .map(|t| t.milli)
        .sum();
    let score = outcome.total_score() - stability_points;
    let after = by_mentee(outcome.pairs.iter().map(|p| {
        (
            problem.mentees[p.mentee].profile.id.as_str(),
            problem.mentors[p.mentor].profile.id.as_str(),
        )
    }));
    let diff = diff(b.pairs, &after, score, full);
    let membership_diff = (problem.policy.groups.is_some() || !b.groups.is_empty())
        .then(|| membership_diff(b.groups, &response));
    Ok((
        pb::ScenarioResult {
            name: sc.name.clone(),
            response: Some(response),
            diff: Some(diff),
            membership_diff,
            resumed,
        },
        score,
    ))
}

fn profile_id(p: &Option<pb::Profile>) -> &str {
    p.as_ref().map_or("", |p| p.id.as_str())
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
