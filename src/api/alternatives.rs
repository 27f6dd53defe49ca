//! "Why not X?": alternatives for one mentee, each with the exact loss in
//! objective if that pair were forced.
//!
//! Every candidate is pinned in a copy of the request and re-solved to
//! optimality, so a loss is the difference of two proven optima, not an
//! estimate. Groups are left out (alternatives concern bilateral pairs).
//! Candidates are re-solved on threads.

use crate::error::{Error, FieldViolation};
use crate::explain::words::unknown_id;
use crate::model::{from_milli, Milli, Problem};
use crate::outcome::Status;
use crate::pipeline;
use crate::scoring::Scorer;
use crate::settings::{Limits, SolveOptions};
use crate::threads::map_chunks;
use crate::wire::response::hard_rule;
use crate::wire::{pb, problem_from_request};

/// A request's optimum: mentees with a mentor, total score, (mentor,
/// mentee) pairs.
struct Optimum {
    matched: usize,
    total: Milli,
    pairs: Vec<(usize, usize)>,
}

impl Optimum {
    /// What forcing a pair loses against this optimum (`None`: the forced
    /// request is infeasible): mentees with a mentor, pairs, score.
    fn loss(&self, forced: Option<&Optimum>) -> (i32, i32, Milli) {
        forced.map_or((0, 0, 0), |o| {
            (
                self.matched as i32 - o.matched as i32,
                self.pairs.len() as i32 - o.pairs.len() as i32,
                self.total - o.total,
            )
        })
    }
}

/// The optimum of a request; `None` when it is infeasible.
fn optimum(
    req: &pb::SolveRequest,
    limits: &Limits,
    opts: &SolveOptions,
) -> Result<Option<Optimum>, Error> {
    let problem = problem_from_request(req, limits)?;
    let o = pipeline::solve(&problem, opts)?;
    Ok((o.status != Status::Infeasible).then(|| Optimum {
        matched: o.matched_mentees(),
        total: o.total_score(),
        pairs: o.pairs.iter().map(|p| (p.mentor, p.mentee)).collect(),
    }))
}

/// Alternatives for `req.mentee_id` under `req.request`.
pub fn alternatives(
    req: &pb::AlternativesRequest,
    limits: &Limits,
    opts: &SolveOptions,
) -> Result<pb::AlternativesResponse, Error> {
    let mut base = req.request.clone().unwrap_or_default();
    base.include_timings = false;
    if let Some(p) = base.policy.as_mut() {
        p.groups = None;
    }
    let problem = problem_from_request(&base, limits).map_err(|e| e.within("request"))?;
    let Some(e) = problem
        .mentees
        .iter()
        .position(|x| x.profile.id == req.mentee_id)
    else {
        return Err(Error::InvalidArgument(vec![FieldViolation::new(
            "mentee_id",
            unknown_id("mentee", &req.mentee_id),
        )]));
    };
    let limit = req.limit.unwrap_or(5) as usize;
    let max_candidates = req.max_candidates.unwrap_or(200) as usize;
    let scorer = Scorer::new(&problem);
    let Some(best) = optimum(&base, limits, opts)? else {
        return Err(Error::InvalidArgument(vec![FieldViolation::new(
            "request",
            "the request itself is infeasible (see Solve): no optimum to compare with",
        )]));
    };
    let demand = problem.has_demand();
    let mut current: Vec<usize> = best
        .pairs
        .iter()
        .filter(|p| p.1 == e)
        .map(|p| p.0)
        .collect();
    current.sort_unstable();
    let (excluded, mut candidates) = split_mentors(&problem, &scorer, e, &current);
    candidates.sort_by_key(|&(s, m)| (std::cmp::Reverse(s), m));
    let skipped = candidates.len().saturating_sub(max_candidates);
    candidates.truncate(max_candidates);
    // With demand the pair is forced beside the mentee's own pins; a
    // mentee whose pins fill its places cannot take one more.
    let own_pins = problem.policy.pinned.iter().filter(|p| p.1 == e).count();
    let room = !demand || own_pins < problem.mentees[e].demand.max_mentors as usize;

    let forced = |pair_score: Milli, m: usize| -> Result<pb::Alternative, Error> {
        let mut r = base.clone();
        let policy = r.policy.get_or_insert_with(Default::default);
        if !demand {
            policy.pinned_pairs.retain(|p| p.mentee_id != req.mentee_id);
        }
        policy.pinned_pairs.push(pb::PairRef {
            mentor_id: problem.mentors[m].profile.id.clone(),
            mentee_id: req.mentee_id.clone(),
        });
        let result = match room {
            true => optimum(&r, limits, opts)?,
            false => None,
        };
        let (coverage_loss, pairs_loss, score_loss) = best.loss(result.as_ref());
        Ok(pb::Alternative {
            mentor_id: problem.mentors[m].profile.id.clone(),
            pair_score: from_milli(pair_score),
            coverage_loss,
            score_loss: from_milli(score_loss),
            feasible: result.is_some(),
            pairs_loss: demand.then_some(pairs_loss),
        })
    };
    let parts = map_chunks(&candidates, opts.threads, |part| {
        part.iter()
            .map(|&(score, m)| forced(score, m))
            .collect::<Vec<_>>()
    })?;
    let mut alternatives = parts.into_iter().flatten().collect::<Result<Vec<_>, _>>()?;
    rank(&problem, &mut alternatives);
    alternatives.truncate(limit);
    Ok(pb::AlternativesResponse {
        mentee_id: req.mentee_id.clone(),
        current_mentor_id: current
            .first()
            .map(|&m| problem.mentors[m].profile.id.clone())
            .unwrap_or_default(),
        current_mentor_ids: match demand {
            true => current
                .iter()
                .map(|&m| problem.mentors[m].profile.id.clone())
                .collect(),
            false => Vec::new(),
        },
        alternatives,
        excluded,
        candidates_skipped: skipped as u32,
    })
}

/// The mentors that break a hard rule with mentee `e` (with the rules),
/// and the others, apart from its `current` mentors, with their pair score.
fn split_mentors(
    problem: &Problem,
    scorer: &Scorer<'_>,
    e: usize,
    current: &[usize],
) -> (Vec<pb::ExcludedMentor>, Vec<(Milli, usize)>) {
    let mut excluded = Vec::new();
    let mut candidates: Vec<(Milli, usize)> = Vec::new();
    for m in 0..problem.mentors.len() {
        let rules = scorer.violations(m, e);
        if !rules.is_empty() {
            excluded.push(pb::ExcludedMentor {
                mentor_id: problem.mentors[m].profile.id.clone(),
                rules: rules.into_iter().map(|r| hard_rule(r) as i32).collect(),
            });
        } else if !current.contains(&m) {
            candidates.push((scorer.score(m, e), m));
        }
    }
    (excluded, candidates)
}

/// Best first: feasible, least coverage lost, fewest pairs lost (with
/// demand), least score lost, then request order.
fn rank(problem: &Problem, alternatives: &mut [pb::Alternative]) {
    let order = |a: &pb::Alternative| {
        problem
            .mentors
            .iter()
            .position(|m| m.profile.id == a.mentor_id)
    };
    alternatives.sort_by(|a, b| {
        (!a.feasible, a.coverage_loss, a.pairs_loss)
            .cmp(&(!b.feasible, b.coverage_loss, b.pairs_loss))
            .then(a.score_loss.total_cmp(&b.score_loss))
            .then(order(a).cmp(&order(b)))
    });
}
