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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::Error;
use crate::model::Problem;
use crate::pipeline::{self, Scores};
use crate::settings::{Limits, SolveOptions};
use crate::solvers::scored::{Reuse, ScoredPairs, ScoredRows};
use crate::wire::{pb, problem_from_request};

/// A request and the scores of all its feasible pairs.
#[derive(Debug, Clone)]
pub struct ScoredBase {
    request: pb::SolveRequest,
    rows: ScoredRows,
    /// The most earlier-cohort mentees of any of its mentors.
    most_load: Option<u32>,
}

impl ScoredBase {
    /// From a solve's kept pairs (rows sorted on `threads` threads).
    pub fn new(request: pb::SolveRequest, pairs: &ScoredPairs, threads: usize) -> Self {
        ScoredBase {
            request,
            rows: pairs.rows(threads),
            most_load: pairs.most_load,
        }
    }

    /// The request it scores.
    pub fn request(&self) -> &pb::SolveRequest {
        &self.request
    }

    /// Bytes held, for a cache's budget (the request counted at its encoded size).
    pub fn bytes(&self) -> usize {
        self.rows.bytes() + prost::Message::encoded_len(&self.request)
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
