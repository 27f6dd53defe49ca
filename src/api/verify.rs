//! `verify`: a response checked against its request, without the engines.
//!
//! The scores are recomputed from the request (one pair at a time through
//! the [`Scorer`], the single definition of a score and of the hard rules),
//! the pairs checked against the rules, capacities, minimums and pins, and
//! the optimality certificate, when the response has one, checked on every
//! arc of the network it proves optimal (see `pb::OptimalityCertificate`):
//! one pass over the pairs, no solver. What is wrong comes back as data
//! ([`Finding`]); [`Finding::message`] words it.

use std::collections::HashMap;

use crate::error::Error;
use crate::model::{
    from_milli, to_milli, HardRule, MenteeIdx, MentorIdx, Milli, Objective, Problem,
};
use crate::scoring::{RowScorer, Scorer};
use crate::settings::Limits;
use crate::wire::{self, pb};

/// Findings kept, at most (the rest are counted).
pub const MAX_FINDINGS: usize = 100;

/// An arc of the certified network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arc {
    /// Mentee → mentor, a feasible pair.
    Pair {
        /// Mentor id.
        mentor: String,
        /// Mentee id.
        mentee: String,
    },
    /// Mentee → `U`: left unmatched.
    Unmatched {
        /// Mentee id.
        mentee: String,
    },
    /// Mentor → `T`, the places that count towards the minimum.
    Minimum {
        /// Mentor id.
        mentor: String,
    },
    /// Mentor → `T`, the places above the minimum.
    Places {
        /// Mentor id.
        mentor: String,
    },
    /// `U` → `T`.
    UnmatchedToSink,
}

/// Something a response gets wrong, as data.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// An id of the response is not in the request.
    UnknownId(String),
    /// A mentee has two pairs.
    MenteeTwice(String),
    /// A pair breaks a hard rule.
    BreaksRule {
        /// Mentor id.
        mentor: String,
        /// Mentee id.
        mentee: String,
        /// The first rule broken.
        rule: HardRule,
    },
    /// A pair's score is not the request's.
    ScoreDiffers {
        /// Mentor id.
        mentor: String,
        /// Mentee id.
        mentee: String,
        /// In the response.
        reported: f64,
        /// From the request.
        recomputed: f64,
    },
    /// A pinned pair is missing.
    PinMissing {
        /// Mentor id.
        mentor: String,
        /// Mentee id.
        mentee: String,
    },
    /// A mentor has more mentees than places, or fewer than the minimum.
    Load {
        /// Mentor id.
        mentor: String,
        /// Mentees in the response.
        load: u32,
        /// Capacity.
        capacity: u32,
        /// Minimum.
        minimum: u32,
    },
    /// A statistic is not what the pairs give.
    Stat {
        /// Which (`matched`, `total_score`).
        name: &'static str,
        /// In the response.
        reported: f64,
        /// From the pairs.
        recomputed: f64,
    },
    /// The certificate's cost model is not the request's.
    CostModel {
        /// Which number.
        name: &'static str,
        /// In the certificate.
        certificate: i64,
        /// From the request.
        recomputed: i64,
    },
    /// The certificate has the wrong number of potentials.
    Shape {
        /// Which list.
        name: &'static str,
        /// Its length.
        len: usize,
        /// The length it needs.
        expected: usize,
    },
    /// An arc's reduced cost has the wrong sign: negative with room left
    /// (`carries_flow` false), or positive while carrying flow.
    ReducedCost {
        /// The arc.
        arc: Arc,
        /// `c + π(from) − π(to)`.
        reduced_cost: i128,
        /// Whether the arc carries flow.
        carries_flow: bool,
    },
}

/// What `verify` concluded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Verdict {
    /// Pairs of the request scored.
    pub pairs_scored: u64,
    /// The response has a certificate and it holds: the pairs are optimal.
    pub proven_optimal: bool,
    /// Why not, when the response has no certificate to check.
    pub no_certificate: Option<&'static str>,
    /// What is wrong (at most [`MAX_FINDINGS`]).
    pub findings: Vec<Finding>,
    /// Findings past [`MAX_FINDINGS`], counted.
    pub more_findings: usize,
}

impl Verdict {
    fn add(&mut self, f: Finding) {
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(f);
        } else {
            self.more_findings += 1;
        }
    }
}

/// Checks `resp` against `req` (validated under `limits`).
pub fn verify(
    req: &pb::SolveRequest,
    resp: &pb::SolveResponse,
    limits: &Limits,
) -> Result<Verdict, Error> {
    let problem = wire::problem_from_request(req, limits)?;
    let scorer = Scorer::new(&problem);
    let mut v = Verdict::default();
    let mentor_of = check_pairs(&problem, &scorer, resp, &mut v);
    v.no_certificate = match (&resp.certificate, problem.policy.objective) {
        (None, _) => Some("the response has no certificate (ask with include_certificate)"),
        (Some(_), Objective::Fair) => Some("the fair objective has no flow certificate"),
        (Some(c), _) => {
            let before = v.findings.len() + v.more_findings;
            check_certificate(&problem, &scorer, &mentor_of, c, &mut v);
            v.proven_optimal = v.findings.is_empty() && before == 0;
            None
        }
    };
    Ok(v)
}

/// The pairs against the rules, scores, pins, loads and stats; returns
/// each mentee's mentor in the response.
fn check_pairs(
    p: &Problem,
    scorer: &Scorer<'_>,
    resp: &pb::SolveResponse,
    v: &mut Verdict,
) -> Vec<Option<MentorIdx>> {
    let mentors: HashMap<&str, MentorIdx> = ids(p.mentors.iter().map(|m| &m.profile.id));
    let mentees: HashMap<&str, MenteeIdx> = ids(p.mentees.iter().map(|e| &e.profile.id));
    let mut mentor_of: Vec<Option<MentorIdx>> = vec![None; p.mentees.len()];
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
        if mentor_of[e].replace(m).is_some() {
            v.add(Finding::MenteeTwice(pair.mentee_id.clone()));
        }
        let (mentor, mentee) = (pair.mentor_id.clone(), pair.mentee_id.clone());
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
        if mentor_of[e] != Some(m) {
            v.add(Finding::PinMissing {
                mentor: p.mentors[m].profile.id.clone(),
                mentee: p.mentees[e].profile.id.clone(),
            });
        }
    }
    let mut load = vec![0u32; p.mentors.len()];
    for m in mentor_of.iter().flatten() {
        load[*m] += 1;
    }
    for (m, mentor) in p.mentors.iter().enumerate() {
        let out_of_range = load[m] > mentor.capacity || load[m] < mentor.min_mentees;
        if out_of_range && !resp.pairs.is_empty() {
            v.add(Finding::Load {
                mentor: mentor.profile.id.clone(),
                load: load[m],
                capacity: mentor.capacity,
                minimum: mentor.min_mentees,
            });
        }
    }
    let stats = resp.stats.unwrap_or_default();
    let matched = mentor_of.iter().flatten().count() as f64;
    for (name, reported, recomputed) in [
        ("matched", f64::from(stats.matched), matched),
        ("total_score", stats.total_score, from_milli(total)),
    ] {
        if (reported - recomputed).abs() > 5e-4 {
            v.add(Finding::Stat {
                name,
                reported,
                recomputed,
            });
        }
    }
    mentor_of
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

/// The certificate on every arc of the network of the unpinned mentees.
fn check_certificate(
    p: &Problem,
    scorer: &Scorer<'_>,
    mentor_of: &[Option<MentorIdx>],
    c: &pb::OptimalityCertificate,
    v: &mut Verdict,
) {
    let (n_e, n_m) = (p.mentees.len(), p.mentors.len());
    for (name, len, expected) in [
        ("mentee_potentials", c.mentee_potentials.len(), n_e),
        ("mentor_potentials", c.mentor_potentials.len(), n_m),
    ] {
        if len != expected {
            v.add(Finding::Shape {
                name,
                len,
                expected,
            });
            return;
        }
    }
    let mut pins = vec![0u32; n_m];
    let mut pinned = vec![false; n_e];
    for &(m, e) in &p.policy.pinned {
        pins[m] += 1;
        pinned[e] = true;
    }
    let free: Vec<MenteeIdx> = (0..n_e).filter(|&e| !pinned[e]).collect();
    v.pairs_scored += (free.len() * n_m) as u64;
    // Every pair's score, row by row (the scorer's, to the milli-point).
    let rows = RowScorer::new(scorer);
    let model = CostModel::of(p, &rows, &free, &pins);
    for (name, certificate, recomputed) in [
        ("top", c.top, model.top),
        ("scale", c.scale, model.scale),
        ("cost_unmatched", c.cost_unmatched, model.cost_u),
        ("minimum_weight", c.minimum_weight, model.h),
    ] {
        if certificate != recomputed {
            v.add(Finding::CostModel {
                name,
                certificate,
                recomputed,
            });
        }
    }
    let pi_u = i128::from(c.unmatched_potential);
    let pi_t = i128::from(c.sink_potential);
    let mentor_id = |m: MentorIdx| p.mentors[m].profile.id.clone();
    let mentee_id = |e: MenteeIdx| p.mentees[e].profile.id.clone();
    // A reduced cost's sign against the arc's flow and room.
    let mut check = |arc: &dyn Fn() -> Arc, rc: i128, flow: bool, room: bool| {
        if (room && rc < 0) || (flow && rc > 0) {
            v.add(Finding::ReducedCost {
                arc: arc(),
                reduced_cost: rc,
                carries_flow: flow,
            });
        }
    };
    let mut load = vec![0u32; n_m];
    let mut unmatched = 0u32;
    for &e in &free {
        let pi_e = i128::from(c.mentee_potentials[e]);
        rows.row(e, |m, s| {
            let m = m as usize;
            let cost = i128::from(model.top - s) * i128::from(model.scale);
            let rc = cost + pi_e - i128::from(c.mentor_potentials[m]);
            let flow = mentor_of[e] == Some(m);
            let arc = || Arc::Pair {
                mentor: mentor_id(m),
                mentee: mentee_id(e),
            };
            check(&arc, rc, flow, !flow);
        });
        match mentor_of[e] {
            Some(m) => load[m] += 1,
            None => unmatched += 1,
        }
        let rc = i128::from(model.cost_u) + pi_e - pi_u;
        let flow = mentor_of[e].is_none();
        check(
            &|| Arc::Unmatched {
                mentee: mentee_id(e),
            },
            rc,
            flow,
            !flow,
        );
    }
    for m in 0..n_m {
        let cap = p.mentors[m].capacity.saturating_sub(pins[m]);
        let min = p.mentors[m].min_mentees.saturating_sub(pins[m]);
        let pi_m = i128::from(c.mentor_potentials[m]);
        let in_min = load[m].min(min);
        let above = load[m] - in_min;
        if min > 0 {
            let rc = pi_m - pi_t - i128::from(model.h);
            let arc = || Arc::Minimum {
                mentor: mentor_id(m),
            };
            check(&arc, rc, in_min > 0, in_min < min);
        }
        if cap > min {
            let arc = || Arc::Places {
                mentor: mentor_id(m),
            };
            check(&arc, pi_m - pi_t, above > 0, above < cap - min);
        }
    }
    let n = free.len() as u32;
    check(
        &|| Arc::UnmatchedToSink,
        pi_u - pi_t,
        unmatched > 0,
        unmatched < n,
    );
}

/// The network's cost model, derived from the request (as
/// `pb::OptimalityCertificate` documents it).
struct CostModel {
    top: i64,
    scale: i64,
    cost_u: i64,
    h: i64,
}

impl CostModel {
    fn of(p: &Problem, rows: &RowScorer<'_>, free: &[MenteeIdx], pins: &[u32]) -> Self {
        let n = free.len() as i64;
        let mut range: Option<(Milli, Milli)> = None;
        for &e in free {
            rows.row(e, |_, s| {
                range = Some(range.map_or((s, s), |(lo, hi)| (lo.min(s), hi.max(s))));
            });
        }
        let (s_min, s_max) = range.unwrap_or((0, 0));
        let (top, scale, cost_u, max_arc) = match p.policy.objective {
            Objective::Score => {
                let top = s_max.max(0);
                let worst = ((top - s_min) * (n + 1)).max(0);
                (top, n + 1, top * (n + 1) + 1, worst)
            }
            Objective::CoverageThenScore | Objective::Fair => {
                (s_max, 1, n * (s_max - s_min) + 1, s_max - s_min)
            }
        };
        let has_min = p
            .mentors
            .iter()
            .zip(pins)
            .any(|(m, &k)| m.min_mentees.saturating_sub(k) > 0);
        let max_c = if range.is_some() { max_arc } else { 0 }.max(cost_u);
        let h = if has_min { n * max_c + 1 } else { 0 };
        CostModel {
            top,
            scale,
            cost_u,
            h,
        }
    }
}

impl Arc {
    fn words(&self) -> String {
        match self {
            Arc::Pair { mentor, mentee } => format!("the pair {mentor} – {mentee}"),
            Arc::Unmatched { mentee } => format!("{mentee} left unmatched"),
            Arc::Minimum { mentor } => format!("{mentor}'s places towards the minimum"),
            Arc::Places { mentor } => format!("{mentor}'s places above the minimum"),
            Arc::UnmatchedToSink => "the unmatched node's arc to the sink".into(),
        }
    }
}

impl Finding {
    /// The finding in a sentence.
    pub fn message(&self) -> String {
        match self {
            Finding::UnknownId(id) => format!("{id} is in the response but not in the request"),
            Finding::MenteeTwice(id) => format!("{id} has more than one pair"),
            Finding::BreaksRule {
                mentor,
                mentee,
                rule,
            } => format!("the pair {mentor} – {mentee} breaks the hard rule {rule:?}"),
            Finding::ScoreDiffers {
                mentor,
                mentee,
                reported,
                recomputed,
            } => format!(
                "the pair {mentor} – {mentee} scores {recomputed} under the request, not {reported}"
            ),
            Finding::PinMissing { mentor, mentee } => {
                format!("the pinned pair {mentor} – {mentee} is missing")
            }
            Finding::Load {
                mentor,
                load,
                capacity,
                minimum,
            } => format!(
                "{mentor} has {load} mentees, outside its minimum {minimum} and capacity {capacity}"
            ),
            Finding::Stat {
                name,
                reported,
                recomputed,
            } => format!("stats.{name} is {reported}; the pairs give {recomputed}"),
            Finding::CostModel {
                name,
                certificate,
                recomputed,
            } => format!(
                "the certificate's {name} is {certificate}; the request gives {recomputed}"
            ),
            Finding::Shape {
                name,
                len,
                expected,
            } => format!("the certificate has {len} {name}, not {expected}"),
            Finding::ReducedCost {
                arc,
                reduced_cost,
                carries_flow,
            } => match carries_flow {
                true => format!(
                    "the certificate fails on {}: reduced cost {reduced_cost} > 0 on an arc the answer uses",
                    arc.words()
                ),
                false => format!(
                    "the certificate fails on {}: reduced cost {reduced_cost} < 0 on an arc with room (using it would cost less)",
                    arc.words()
                ),
            },
        }
    }
}
