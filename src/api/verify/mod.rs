//! `verify`: a response checked against its request, without the engines.
//!
//! The scores are recomputed from the request (one pair at a time through
//! the [`Scorer`], the single definition of a score and of the hard rules),
//! the pairs checked against the rules, capacities, minimums and pins, and
//! the optimality certificate, when the response has one, checked on every
//! arc of the network it proves optimal (see `pb::OptimalityCertificate`):
//! one pass over the pairs, no solver. What is wrong comes back as data
//! ([`Finding`]); [`Finding::message`] words it.
//!
//! Layout: this file checks the pairs; `network` checks a certificate on
//! the request's network (slackness arc by arc, and the fair objective's
//! dual bound); `finding` holds the findings and their words.

use std::collections::HashMap;

use crate::error::Error;
use crate::model::{from_milli, to_milli, HardRule, MenteeIdx, MentorIdx, Milli, Problem};
use crate::scoring::Scorer;
use crate::settings::Limits;
use crate::wire::{self, pb};

mod demand;
mod finding;
mod network;

pub use finding::{Arc, Finding, Proof, Verdict, MAX_FINDINGS};

/// Checks `resp` against `req` (validated under `limits`).
pub fn verify(
    req: &pb::SolveRequest,
    resp: &pb::SolveResponse,
    limits: &Limits,
) -> Result<Verdict, Error> {
    let problem = wire::problem_from_request(req, limits)?;
    let scorer = Scorer::new(&problem);
    let mut v = Verdict::default();
    let mentors_of = check_pairs(&problem, &scorer, resp, &mut v);
    let Some(c) = &resp.certificate else {
        v.no_certificate = Some(no_certificate_why(req, resp));
        return Ok(v);
    };
    let before = v.findings.len() + v.more_findings;
    if problem.has_demand() {
        demand::check(&problem, &scorer, &mentors_of, c.demand.as_ref(), &mut v);
    } else {
        let mentor_of: Vec<Option<MentorIdx>> =
            mentors_of.iter().map(|ms| ms.first().copied()).collect();
        network::check(&problem, &scorer, &mentor_of, c, &mut v);
    }
    v.proven_optimal = v.findings.is_empty() && before == 0;
    Ok(v)
}

/// Why a response has no certificate: not asked for, or its engine gives
/// none (the MILP's and deferred acceptance's answers carry no duals).
fn no_certificate_why(req: &pb::SolveRequest, resp: &pb::SolveResponse) -> &'static str {
    let engine = resp.stats.as_ref().map_or(0, |s| s.engine);
    if !req.include_certificate {
        "the response has no certificate (ask with include_certificate)"
    } else if engine == pb::Engine::Milp as i32 {
        "the MILP engine gives no certificate (a side constraint such as \
         max_mentees_per_country or max_changes, or ENGINE_MILP, chose it)"
    } else if engine == pb::Engine::DeferredAcceptance as i32 {
        "the stable objective's deferred acceptance gives no certificate"
    } else {
        "the response has no certificate"
    }
}

/// The pairs against the rules, scores, pins, loads, each mentee's demand
/// and the stats; returns each mentee's mentors in the response.
fn check_pairs(
    p: &Problem,
    scorer: &Scorer<'_>,
    resp: &pb::SolveResponse,
    v: &mut Verdict,
) -> Vec<Vec<MentorIdx>> {
    let mentors: HashMap<&str, MentorIdx> = ids(p.mentors.iter().map(|m| &m.profile.id));
    let mentees: HashMap<&str, MenteeIdx> = ids(p.mentees.iter().map(|e| &e.profile.id));
    let mut mentors_of: Vec<Vec<MentorIdx>> = vec![Vec::new(); p.mentees.len()];
    let mut total: Milli = 0;
    v.pairs_scored = resp.pairs.len() as u64;
    for pair in &resp.pairs {
        let (Some(&m), Some(&e)) = (
            mentors.get(pair.mentor_id.as_str()),
            mentees.get(pair.mentee_id.as_str()),
        ) else {
            let unknown = match mentors.contains_key(pair.mentor_id.as_str()) {
                true => &pair.mentee_id,
                false => &pair.mentor_id,
            };
            v.add(Finding::UnknownId(unknown.clone()));
            continue;
        };
        let (mentor, mentee) = (pair.mentor_id.clone(), pair.mentee_id.clone());
        if mentors_of[e].contains(&m) {
            v.add(Finding::PairTwice { mentor, mentee });
            continue;
        }
        if !p.has_demand() && !mentors_of[e].is_empty() {
            v.add(Finding::MenteeTwice(pair.mentee_id.clone()));
        }
        mentors_of[e].push(m);
        match pair_score(p, scorer, m, e) {
            Err(rule) => v.add(Finding::BreaksRule {
                mentor,
                mentee,
                rule,
            }),
            Ok(s) => {
                total += s;
                if to_milli(pair.score) != s {
                    v.add(Finding::ScoreDiffers {
                        mentor,
                        mentee,
                        reported: pair.score,
                        recomputed: from_milli(s),
                    });
                }
            }
        }
    }
    for &(m, e) in &p.policy.pinned {
        if !mentors_of[e].contains(&m) {
            v.add(Finding::PinMissing {
                mentor: p.mentors[m].profile.id.clone(),
                mentee: p.mentees[e].profile.id.clone(),
            });
        }
    }
    let answered = !resp.pairs.is_empty();
    if p.has_demand() && answered {
        demand::check_demand(p, &mentors_of, v);
    }
    let mut load = vec![0u32; p.mentors.len()];
    for m in mentors_of.iter().flatten() {
        load[*m] += 1;
    }
    for (m, mentor) in p.mentors.iter().enumerate() {
        let out_of_range = load[m] > mentor.capacity || load[m] < mentor.min_mentees;
        if out_of_range && answered {
            v.add(Finding::Load {
                mentor: mentor.profile.id.clone(),
                load: load[m],
                capacity: mentor.capacity,
                minimum: mentor.min_mentees,
            });
        }
    }
    let stats = resp.stats.unwrap_or_default();
    let matched = mentors_of.iter().filter(|ms| !ms.is_empty()).count() as f64;
    let mut numbers = vec![
        ("matched", f64::from(stats.matched), matched),
        ("total_score", stats.total_score, from_milli(total)),
    ];
    if p.has_demand() {
        let pairs = mentors_of.iter().map(Vec::len).sum::<usize>() as f64;
        numbers.push(("pairs", f64::from(stats.pairs), pairs));
    }
    for (name, reported, recomputed) in numbers {
        if (reported - recomputed).abs() > 5e-4 {
            v.add(Finding::Stat {
                name,
                reported,
                recomputed,
            });
        }
    }
    mentors_of
}

/// Ids to indices.
fn ids<'a>(it: impl Iterator<Item = &'a String>) -> HashMap<&'a str, usize> {
    it.enumerate().map(|(k, id)| (id.as_str(), k)).collect()
}

/// A pair's score as the engines see it: pinned pairs skip the rules.
fn pair_score(
    p: &Problem,
    scorer: &Scorer<'_>,
    m: MentorIdx,
    e: MenteeIdx,
) -> Result<Milli, HardRule> {
    if p.policy.pinned.contains(&(m, e)) {
        Ok(scorer.score(m, e))
    } else {
        scorer.evaluate(m, e)
    }
}
