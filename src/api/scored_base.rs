//! A solved request's scored pairs, kept so that what-ifs on it take its
//! scores instead of scoring every pair again ([`ScoredBase`]).
//!
//! Which scores still hold is decided here, on the wire requests: a pair's
//! score depends on its two people, the policy's scoring rules, the
//! programme's history, its affinity and whether it is forbidden. A
//! scenario's mentor or mentee whose own data and pairs are as in the base
//! keeps its scores; every other pair is scored again. The instance built
//! is the instance a cold build gives, arc for arc, so answers are the same
//! with or without a base (tests compare them byte for byte).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::Error;
use crate::model::Problem;
use crate::pipeline::{self, Scores};
use crate::scoring::Scorer;
use crate::settings::{Limits, SolveOptions};
use crate::solvers::flow::resume::BaseState;
use crate::solvers::scored::{Reuse, ScoredPairs, ScoredRows};
use crate::wire::{pb, problem_from_request};

/// A request and the scores of all its feasible pairs, and optionally the
/// state of one baseline of it (to re-optimise what-ifs from).
#[derive(Debug, Clone)]
pub struct ScoredBase {
    request: pb::SolveRequest,
    rows: ScoredRows,
    /// The most earlier-cohort mentees of any of its mentors.
    most_load: Option<u32>,
    /// Mentor capacities and minimums net of pins.
    capacity: Vec<u32>,
    minimum: Vec<u32>,
    /// A baseline, its state and its total score (milli-points), when kept.
    kept_state: Option<(Vec<pb::PairRef>, BaseState, i64)>,
}

impl ScoredBase {
    /// From a solve's kept pairs (rows sorted on `threads` threads).
    pub fn new(request: pb::SolveRequest, pairs: &ScoredPairs, threads: usize) -> Self {
        ScoredBase {
            request,
            rows: pairs.rows(threads),
            most_load: pairs.most_load,
            capacity: pairs.instance.capacity.clone(),
            minimum: pairs.instance.minimum.clone(),
            kept_state: None,
        }
    }

    /// Keeps the state and the total score of `baseline` (the base's own
    /// pairs: valid by construction) for what-ifs from it.
    pub fn keep_state(mut self, baseline: Vec<pb::PairRef>, limits: &Limits) -> Self {
        let score = problem_from_request(&self.request, limits)
            .ok()
            .and_then(|p| pairs_score(&p, &baseline));
        self.kept_state = self
            .base_state(&baseline)
            .zip(score)
            .map(|(s, score)| (baseline, s, score));
        self
    }

    /// The kept total score of `baseline`, if it is the kept baseline.
    pub(crate) fn baseline_score(&self, baseline: &[pb::PairRef]) -> Option<i64> {
        match &self.kept_state {
            Some((b, _, score)) if b.as_slice() == baseline => Some(*score),
            _ => None,
        }
    }

    /// The state of `baseline` over these rows: the kept one, or built
    /// now; `None` when it is not an assignment of the base's feasible pairs.
    pub(crate) fn state_for(&self, baseline: &[pb::PairRef]) -> Option<Cow<'_, BaseState>> {
        match &self.kept_state {
            Some((b, s, _)) if b.as_slice() == baseline => Some(Cow::Borrowed(s)),
            _ => self.base_state(baseline).map(Cow::Owned),
        }
    }

    fn base_state(&self, baseline: &[pb::PairRef]) -> Option<BaseState> {
        let base = &self.request;
        let mentor: HashMap<&str, u32> = base
            .mentors
            .iter()
            .enumerate()
            .map(|(k, m)| (id(&m.profile), k as u32))
            .collect();
        let mentee: HashMap<&str, usize> = base
            .mentees
            .iter()
            .enumerate()
            .map(|(k, e)| (id(&e.profile), k))
            .collect();
        let mut placed = vec![None; base.mentees.len()];
        for p in baseline {
            let e = *mentee.get(p.mentee_id.as_str())?;
            placed[e] = Some(*mentor.get(p.mentor_id.as_str())?);
        }
        BaseState::new(
            &self.rows,
            &placed,
            self.capacity.clone(),
            self.minimum.clone(),
        )
    }

    /// The request it scores.
    pub fn request(&self) -> &pb::SolveRequest {
        &self.request
    }

    /// Bytes held, for a cache's budget (the request counted at its encoded size).
    pub fn bytes(&self) -> usize {
        let state = self.kept_state.as_ref().map_or(0, |(b, s, _)| {
            s.bytes()
                + b.iter()
                    .map(|p| p.mentor_id.len() + p.mentee_id.len() + 48)
                    .sum::<usize>()
        });
        self.rows.bytes() + prost::Message::encoded_len(&self.request) + state
    }

    /// Whether a scenario `edited` of this base may be re-optimised from a
    /// baseline's state (the flow's own conditions are checked later):
    /// scoring rules, history, pins and mentors as in the base, up to
    /// removed mentors and capacities; the flow engine and an objective it
    /// resumes. Decided on the requests alone.
    pub(crate) fn may_resume(base: &pb::SolveRequest, edited: &pb::SolveRequest) -> bool {
        let policy = |r: &pb::SolveRequest| r.policy.clone().unwrap_or_default();
        let (pb_, pe) = (policy(base), policy(edited));
        fn pins(p: &pb::Policy) -> Vec<(&str, &str)> {
            let mut v: Vec<(&str, &str)> = p
                .pinned_pairs
                .iter()
                .map(|x| (x.mentor_id.as_str(), x.mentee_id.as_str()))
                .collect();
            v.sort_unstable();
            v
        }
        let flow = pe.engine != pb::Engine::Milp as i32
            && pe.objective != pb::Objective::Fair as i32
            && pe.max_mentees_per_country.is_none();
        if !flow
            || pins(&pb_) != pins(&pe)
            || scoring_rules(base) != scoring_rules(edited)
            || base.history != edited.history
        {
            return false;
        }
        let mentors: HashMap<&str, &pb::Mentor> =
            base.mentors.iter().map(|m| (id(&m.profile), m)).collect();
        let open = |m: &pb::Mentor| m.capacity != Some(0);
        edited.mentors.iter().all(|m| {
            mentors.get(id(&m.profile)).is_some_and(|b| {
                b.profile == m.profile && open(b) == open(m) && b.min_mentees == m.min_mentees
            })
        })
    }

    /// How `problem` (validated from `edited`, a what-if scenario of this
    /// base) maps onto these scores; `None` when nothing can be reused.
    pub(crate) fn reuse_for(
        &self,
        edited: &pb::SolveRequest,
        problem: &Problem,
    ) -> Option<Reuse<'_>> {
        let base = &self.request;
        if scoring_rules(base) != scoring_rules(edited) || base.history != edited.history {
            return None;
        }
        // The cohort-load term is relative to the busiest mentor present.
        if problem.history.mentor_load.iter().copied().max() != self.most_load {
            return None;
        }
        let changed = changed_rows(base, edited);
        let mentors: HashMap<&str, (usize, &pb::Mentor)> = base
            .mentors
            .iter()
            .enumerate()
            .map(|(k, m)| (id(&m.profile), (k, m)))
            .collect();
        let mentees: HashMap<&str, (usize, &pb::Mentee)> = base
            .mentees
            .iter()
            .enumerate()
            .map(|(k, e)| (id(&e.profile), (k, e)))
            .collect();
        let open = |m: &pb::Mentor| m.capacity != Some(0);
        let mentor_was = edited
            .mentors
            .iter()
            .map(|m| {
                let &(k, before) = mentors.get(id(&m.profile))?;
                (before.profile == m.profile && open(before) == open(m)).then_some(k as u32)
            })
            .collect();
        let mentee_was = edited
            .mentees
            .iter()
            .map(|e| {
                let key = id(&e.profile);
                let &(k, before) = mentees.get(key)?;
                (before == e && !changed.contains(key)).then_some(k as u32)
            })
            .collect();
        Some(Reuse {
            rows: &self.rows,
            mentor_was,
            mentee_was,
        })
    }
}

fn id(p: &Option<pb::Profile>) -> &str {
    p.as_ref().map_or("", |p| p.id.as_str())
}

/// The policy's fields that score or rule out a pair, beyond the lists of
/// forbidden pairs (compared pair by pair).
fn scoring_rules(req: &pb::SolveRequest) -> pb::Policy {
    let mut p = req.policy.clone().unwrap_or_default();
    p.pinned_pairs.clear();
    p.forbidden_pairs.clear();
    p.groups = None;
    p.time_limit_ms = None;
    p.engine = 0;
    p.objective = 0;
    p.max_mentees_per_country = None;
    p
}

/// Mentees whose affinities or forbidden pairs differ between two requests.
fn changed_rows<'a>(a: &'a pb::SolveRequest, b: &'a pb::SolveRequest) -> BTreeSet<&'a str> {
    fn affinities(r: &pb::SolveRequest) -> BTreeMap<(&str, &str), u64> {
        r.affinities
            .iter()
            .map(|x| {
                (
                    (x.mentee_id.as_str(), x.mentor_id.as_str()),
                    x.value.to_bits(),
                )
            })
            .collect()
    }
    fn forbidden(r: &pb::SolveRequest) -> BTreeSet<(&str, &str)> {
        r.policy
            .iter()
            .flat_map(|p| &p.forbidden_pairs)
            .map(|x| (x.mentee_id.as_str(), x.mentor_id.as_str()))
            .collect()
    }
    let (fa, fb) = (affinities(a), affinities(b));
    let mut out: BTreeSet<&str> = fa
        .iter()
        .filter(|(k, v)| fb.get(*k) != Some(v))
        .chain(fb.iter().filter(|(k, v)| fa.get(*k) != Some(v)))
        .map(|((e, _), _)| *e)
        .collect();
    let (xa, xb) = (forbidden(a), forbidden(b));
    out.extend(xa.symmetric_difference(&xb).map(|&(e, _)| e));
    out
}

/// Validates, solves and explains one request (as [`super::solve()`]), and
/// keeps its scored pairs: with the request, they become a
/// [`ScoredBase`] through [`ScoredBase::new`] (off the answer's path).
pub fn solve_keeping(
    req: &pb::SolveRequest,
    limits: &Limits,
    opts: &SolveOptions,
) -> Result<(pb::SolveResponse, Option<ScoredPairs>), Error> {
    let mut scores = Scores {
        keep: true,
        ..Scores::default()
    };
    let (resp, _) = super::solve::solve_with(req, limits, opts, &mut scores)?;
    Ok((resp, scores.kept))
}

/// Scores every pair of a request (without solving it), as a base for
/// what-ifs.
pub fn score_base(
    req: pb::SolveRequest,
    limits: &Limits,
    opts: &SolveOptions,
) -> Result<ScoredBase, Error> {
    let problem = problem_from_request(&req, limits)?;
    let pairs = pipeline::score_all(&problem, opts)?;
    Ok(ScoredBase::new(req, &pairs, opts.threads))
}

/// Index of every mentor id and of every mentee id.
pub(super) fn indices(p: &Problem) -> (BTreeMap<&str, usize>, BTreeMap<&str, usize>) {
    fn ix<'a>(ids: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
        ids.enumerate().map(|(k, id)| (id, k)).collect()
    }
    (
        ix(p.mentors.iter().map(|m| m.profile.id.as_str())),
        ix(p.mentees.iter().map(|e| e.profile.id.as_str())),
    )
}

/// Total score of `pairs` under `problem` (milli-points); `None` if one
/// names someone absent.
pub(super) fn pairs_score(problem: &Problem, pairs: &[pb::PairRef]) -> Option<i64> {
    let (mentor_ix, mentee_ix) = indices(problem);
    let scorer = Scorer::new(problem);
    pairs
        .iter()
        .map(|p| {
            Some(scorer.score(
                *mentor_ix.get(p.mentor_id.as_str())?,
                *mentee_ix.get(p.mentee_id.as_str())?,
            ))
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::Scorer;
    use crate::solvers::candidates::{candidate_arcs, Pins};
    use crate::solvers::Deadline;
    use crate::tools::synth::{generate, SynthConfig};

    fn edited(base: &pb::SolveRequest, k: usize) -> pb::SolveRequest {
        let mut r = base.clone();
        match k % 4 {
            0 => {
                // A mentor leaves, and every mentee forgets them.
                let gone = r.mentors.remove(3).profile.unwrap().id;
                for e in &mut r.mentees {
                    e.preferred_mentors.retain(|m| *m != gone);
                }
            }
            1 => {
                r.mentees.remove(5);
            }
            2 => {
                r.mentors[1].capacity = Some(0);
                r.mentors[2]
                    .profile
                    .as_mut()
                    .unwrap()
                    .topics
                    .push("new topic".into());
            }
            _ => {
                let extra = r.mentors[0].clone();
                let mut extra = extra;
                extra.profile.as_mut().unwrap().id = "m-new".into();
                r.mentors.push(extra);
            }
        }
        r
    }

    /// The instance built from earlier scores is the cold one, arc for arc,
    /// with its order by score known; and most rows were reused.
    #[test]
    fn reused_scores_build_the_cold_instance() {
        let base = generate(&SynthConfig {
            mentees: 120,
            mentors: 30,
            seed: 7,
            max_capacity: 5,
        });
        let limits = Limits::default();
        let opts = SolveOptions::default();
        let scored = score_base(base.clone(), &limits, &opts).expect("scored");
        for k in 0..4 {
            let req = edited(&base, k);
            let problem = problem_from_request(&req, &limits).expect("valid");
            let reuse = scored.reuse_for(&req, &problem).expect("reusable");
            let reused_rows = reuse.mentee_was.iter().flatten().count();
            assert!(
                reused_rows * 10 >= problem.mentees.len() * 8,
                "{k}: {reused_rows}"
            );
            let scorer = Scorer::new(&problem);
            let pins = Pins::new(&problem);
            let cold = candidate_arcs(&scorer, &pins, 1, &Deadline::NONE, None).unwrap();
            let warm = candidate_arcs(&scorer, &pins, 2, &Deadline::NONE, Some(&reuse)).unwrap();
            let (c, w) = (&cold.instance, &warm.instance);
            assert_eq!(
                (&c.start, &c.mentor, &c.score),
                (&w.start, &w.mentor, &w.score),
                "{k}"
            );
            let order = w.sorted.as_ref().expect("the order is known");
            for e in 0..w.mentees() {
                let r = w.arcs(e);
                let mine = &order[r.clone()];
                let key = |a: u32| (std::cmp::Reverse(w.score[a as usize]), w.mentor[a as usize]);
                assert!(mine.iter().all(|&a| r.contains(&(a as usize))));
                assert!(
                    mine.windows(2).all(|x| key(x[0]) < key(x[1])),
                    "{k}: mentee {e}"
                );
            }
        }
    }

    #[test]
    fn other_scoring_rules_reuse_nothing() {
        let base = generate(&SynthConfig {
            mentees: 20,
            mentors: 5,
            seed: 3,
            max_capacity: 5,
        });
        let limits = Limits::default();
        let scored = score_base(base.clone(), &limits, &SolveOptions::default()).unwrap();
        let mut req = base.clone();
        req.policy
            .get_or_insert_with(Default::default)
            .require_cross_border = true;
        let problem = problem_from_request(&req, &limits).unwrap();
        assert!(scored.reuse_for(&req, &problem).is_none());
    }
}
