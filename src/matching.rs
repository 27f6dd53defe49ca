//! The bilateral matching pipeline: validate pins, build candidate arcs,
//! run an engine, explain the result.
//!
//! Pure: no IO, no clocks except for the deadline and optional timings.

use std::time::{Duration, Instant};

use crate::error::{Error, FieldViolation};
use crate::model::{
    from_milli, EngineChoice, EngineUsed, HardRule, MenteeIdx, MentorIdx, Milli, Objective,
    Problem, Status,
};
use crate::scoring::{PairDetail, Scorer};
use crate::solvers::{
    flow::FlowEngine, milp::MilpEngine, Assignment, Deadline, Engine, Instance, SolveError,
};

/// Options the caller (service, CLI) sets around a solve.
#[derive(Debug, Clone, Copy)]
pub struct SolveOptions {
    /// Upper bound on the solve time (the request may ask for less).
    pub max_time: Duration,
    /// An absolute deadline from the transport (gRPC deadline), if any.
    pub deadline: Option<Instant>,
    /// Threads used to score candidate pairs (at least 1).
    pub threads: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            max_time: Duration::from_secs(30),
            deadline: None,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// A pair in the result.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchedPair {
    /// Mentor.
    pub mentor: MentorIdx,
    /// Mentee.
    pub mentee: MenteeIdx,
    /// Score and explanation.
    pub detail: PairDetail,
    /// Pinned by the policy.
    pub pinned: bool,
}

/// Why a mentee has no pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnmatchedReason {
    /// No mentor passes every hard rule.
    NoCandidate,
    /// Every candidate mentor is full in the optimum.
    Capacity,
    /// Score objective: a pair would not raise the total.
    NotWorthwhile,
}

/// An unmatched mentee, explained.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmatched {
    /// Mentee.
    pub mentee: MenteeIdx,
    /// Machine-readable reason.
    pub reason: UnmatchedReason,
    /// A sentence for the coordinator.
    pub message: String,
    /// Mentors passing every hard rule.
    pub candidates: Vec<MentorIdx>,
    /// For `NoCandidate`: mentors excluded by each rule.
    pub excluded_by: Vec<(HardRule, u32)>,
    /// Single-rule relaxations that would create a candidate.
    pub suggestions: Vec<String>,
    /// For `Capacity`: the inclusion-minimal set of mentees competing for
    /// too few places, and what would place one more of them.
    pub certificate: Option<crate::hall::Certificate>,
    /// For `Capacity` without its own certificate: the mentee whose
    /// certificate names the same mentors; with this mentee in place of that
    /// one, it is this mentee's certificate.
    pub same_bottleneck_as: Option<MenteeIdx>,
}

/// A rule of the request that no matching can satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Infeasibility {
    /// `MENTOR_MINIMUM` or `PIN_CAPACITY`.
    pub kind: &'static str,
    /// Ids involved.
    pub ids: Vec<String>,
    /// A sentence for the coordinator.
    pub message: String,
}

/// Wall-clock phases of a solve.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Scoring all pairs.
    pub score: Duration,
    /// The engine.
    pub solve: Duration,
    /// Explanations.
    pub explain: Duration,
    /// Group formation (MILP and explanations).
    pub groups: Duration,
}

/// The result of a solve.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Optimal, feasible or infeasible.
    pub status: Status,
    /// Engine used.
    pub engine: EngineUsed,
    /// Objective optimised.
    pub objective: Objective,
    /// Pairs sorted by mentee.
    pub pairs: Vec<MatchedPair>,
    /// Unmatched mentees in request order.
    pub unmatched: Vec<Unmatched>,
    /// Mentees per mentor.
    pub loads: Vec<u32>,
    /// Unsatisfiable rules (status infeasible).
    pub infeasibilities: Vec<Infeasibility>,
    /// Pairs considered (mentors × mentees left to match).
    pub candidate_pairs_total: u64,
    /// Pairs passing every hard rule.
    pub candidate_pairs_feasible: u64,
    /// Phase timings.
    pub timings: Timings,
    /// Groups, when the policy asks for them.
    pub groups: Option<crate::groups::GroupOutcome>,
}

impl Outcome {
    /// Sum of pair scores, milli-points.
    pub fn total_score(&self) -> Milli {
        self.pairs.iter().map(|p| p.detail.score).sum()
    }

    /// Lowest pair score, milli-points.
    pub fn min_score(&self) -> Option<Milli> {
        self.pairs.iter().map(|p| p.detail.score).min()
    }
}

/// Candidate arcs for the mentees left to match.
#[derive(Debug, Clone)]
pub struct Candidates {
    /// The engine instance (mentee `k` of the instance is `mentees[k]`).
    pub instance: Instance,
    /// Problem mentee index of each instance mentee.
    pub mentees: Vec<MenteeIdx>,
    /// Pairs considered.
    pub total: u64,
}

/// Pinned pairs, and what is left to match around them.
#[derive(Debug, Clone)]
pub struct Pins {
    /// Pinned mentor of each mentee.
    pub mentor_of: Vec<Option<MentorIdx>>,
    /// Pinned mentees per mentor.
    pub per_mentor: Vec<u32>,
}

impl Pins {
    /// Collects the policy's pins.
    pub fn new(problem: &Problem) -> Self {
        let mut mentor_of = vec![None; problem.mentees.len()];
        let mut per_mentor = vec![0u32; problem.mentors.len()];
        for &(m, e) in &problem.policy.pinned {
            mentor_of[e] = Some(m);
            per_mentor[m] += 1;
        }
        Pins {
            mentor_of,
            per_mentor,
        }
    }

    /// Candidate arcs of the unpinned mentees, with capacities and minimums
    /// net of pins (capacities saturate at 0).
    pub fn candidates(&self, scorer: &Scorer<'_>, threads: usize) -> Candidates {
        let p = scorer.problem();
        let free: Vec<MenteeIdx> = (0..p.mentees.len())
            .filter(|&e| self.mentor_of[e].is_none())
            .collect();
        let capacity = (0..p.mentors.len())
            .map(|m| p.mentors[m].capacity.saturating_sub(self.per_mentor[m]))
            .collect();
        let minimum = (0..p.mentors.len())
            .map(|m| p.mentors[m].min_mentees.saturating_sub(self.per_mentor[m]))
            .collect();
        let mut cands = candidates(scorer, free, capacity, minimum, threads);
        if let Some(max) = p.policy.max_mentees_per_country {
            let mut ids: Vec<&str> = Vec::new();
            let label = cands
                .mentees
                .iter()
                .map(|&e| {
                    let c = p.mentees[e].profile.country.as_str();
                    match ids.iter().position(|&x| x == c) {
                        Some(k) => k as u32,
                        None => {
                            ids.push(c);
                            (ids.len() - 1) as u32
                        }
                    }
                })
                .collect();
            cands.instance.quota = Some(crate::solvers::Quota { label, max });
        }
        if let Some(st) = p.stability.as_ref().filter(|s| !s.baseline.is_empty()) {
            // The baseline pairs still possible: a warm start for the flow.
            let inst = &cands.instance;
            let mut baseline_of = vec![None; p.mentees.len()];
            for &(m, e) in &st.baseline {
                baseline_of[e] = Some(m as u32);
            }
            let warm: Vec<Option<u32>> = cands
                .mentees
                .iter()
                .enumerate()
                .map(|(k, &e)| {
                    let m = baseline_of[e]?;
                    inst.arcs(k)
                        .find(|&a| inst.mentor[a] == m)
                        .map(|a| a as u32)
                })
                .collect();
            cands.instance.warm = Some(warm);
        }
        if let Some(st) = p.stability.as_ref() {
            if let Some(max) = st.max_changes {
                let inst = &cands.instance;
                let arcs: Vec<u32> = cands
                    .mentees
                    .iter()
                    .enumerate()
                    .flat_map(|(k, &e)| {
                        inst.arcs(k)
                            .filter(move |&a| st.baseline.contains(&(inst.mentor[a] as usize, e)))
                            .map(|a| a as u32)
                    })
                    .collect();
                let min_kept = (arcs.len() as u32).saturating_sub(max);
                cands.instance.keep = Some(crate::solvers::Keep { arcs, min_kept });
            }
        }
        cands
    }
}

/// Solves a validated problem: bilateral pairs, then groups if the policy
/// asks for them.
pub fn solve(problem: &Problem, opts: &SolveOptions) -> Result<Outcome, Error> {
    let t0 = Instant::now();
    let deadline = deadline(problem, opts, t0);
    let mut outcome = solve_pairs(problem, opts, deadline, t0)?;
    if problem.policy.groups.is_some() {
        let t = Instant::now();
        let mut bilateral = vec![None; problem.mentees.len()];
        for p in &outcome.pairs {
            bilateral[p.mentee] = Some(p.mentor);
        }
        let limit = deadline
            .0
            .map_or(opts.max_time, |d| d.saturating_duration_since(t0));
        outcome.groups = crate::groups::form_groups(problem, &bilateral, deadline, limit)?;
        outcome.timings.groups = t.elapsed();
    }
    Ok(outcome)
}

fn solve_pairs(
    problem: &Problem,
    opts: &SolveOptions,
    deadline: Deadline,
    t0: Instant,
) -> Result<Outcome, Error> {
    let scorer = Scorer::new(problem);
    let broken = broken_pins(&scorer);
    if !broken.is_empty() {
        return Err(Error::InvalidArgument(broken));
    }
    let pins = Pins::new(problem);
    // Side constraints (quotas, a cap on changes) need the MILP; validation
    // rejects quotas with ENGINE_FLOW.
    let engine_used = engine_for(problem);
    let objective = problem.policy.objective;
    let over: Vec<MentorIdx> = (0..problem.mentors.len())
        .filter(|&m| pins.per_mentor[m] > problem.mentors[m].capacity)
        .collect();
    if !over.is_empty() {
        let infeasibilities = over
            .iter()
            .map(|&m| Infeasibility {
                kind: "PIN_CAPACITY",
                ids: vec![problem.mentors[m].profile.id.clone()],
                message: format!(
                    "mentor {} has {} pinned mentees but a capacity of {}",
                    problem.mentors[m].profile.id, pins.per_mentor[m], problem.mentors[m].capacity
                ),
            })
            .collect();
        return Ok(infeasible(problem, engine_used, objective, infeasibilities));
    }
    let cands = pins.candidates(&scorer, opts.threads);
    let t_scored = Instant::now();

    let result = match engine_used {
        EngineUsed::Flow => FlowEngine.solve(&cands.instance, objective, deadline),
        EngineUsed::Milp => MilpEngine.solve(&cands.instance, objective, deadline),
    };
    let t_solved = Instant::now();
    let assignment = match result {
        Ok(a) => a,
        Err(SolveError::Deadline) => {
            return Err(Error::TimeLimit(
                deadline.0.map_or(opts.max_time, |d| d - t0),
            ))
        }
        Err(SolveError::Backend(msg)) => return Err(Error::Solver(msg)),
        Err(SolveError::Unsupported(msg)) => return Err(Error::Solver(msg.into())),
        Err(SolveError::SideConstraintsInfeasible) => {
            let mut ids = Vec::new();
            if let Some(q) = problem.policy.max_mentees_per_country {
                ids.push(format!("max_mentees_per_country={q}"));
            }
            if let Some(c) = problem.stability.as_ref().and_then(|s| s.max_changes) {
                ids.push(format!("max_changes={c}"));
            }
            let infeasibilities = vec![Infeasibility {
                kind: "SIDE_CONSTRAINTS",
                message: format!(
                    "no matching meets every hard rule together with {}: relax it",
                    ids.join(" and ")
                ),
                ids,
            }];
            return Ok(infeasible(problem, engine_used, objective, infeasibilities));
        }
        Err(SolveError::MinimumsUnmet { short }) => {
            let infeasibilities = short
                .iter()
                .map(|&(j, got)| {
                    let m = &problem.mentors[j as usize];
                    Infeasibility {
                        kind: "MENTOR_MINIMUM",
                        ids: vec![m.profile.id.clone()],
                        message: format!(
                            "mentor {} needs at least {} mentees, but with the other minimums \
                             met only {} compatible mentees can be given to them",
                            m.profile.id,
                            m.min_mentees,
                            got + pins.per_mentor[j as usize]
                        ),
                    }
                })
                .collect();
            return Ok(infeasible(problem, engine_used, objective, infeasibilities));
        }
    };

    let mut outcome = explain(&scorer, &cands, &assignment, &pins, engine_used);
    outcome.timings = Timings {
        score: t_scored - t0,
        solve: t_solved - t_scored,
        explain: t_solved.elapsed(),
        groups: Duration::ZERO,
    };
    Ok(outcome)
}

/// The engine a solve of `problem` uses: the flow unless the policy asks
/// for the MILP or has side constraints (quotas, a cap on changes) that only
/// the MILP expresses.
pub fn engine_for(problem: &Problem) -> EngineUsed {
    let side = problem.policy.max_mentees_per_country.is_some()
        || problem
            .stability
            .as_ref()
            .is_some_and(|s| s.max_changes.is_some());
    match problem.policy.engine {
        EngineChoice::Milp => EngineUsed::Milp,
        EngineChoice::Auto | EngineChoice::Flow if side => EngineUsed::Milp,
        EngineChoice::Auto | EngineChoice::Flow => EngineUsed::Flow,
    }
}

fn deadline(problem: &Problem, opts: &SolveOptions, t0: Instant) -> Deadline {
    let limit = problem
        .policy
        .time_limit
        .map_or(opts.max_time, |t| t.min(opts.max_time));
    let own = t0.checked_add(limit);
    Deadline(match (own, opts.deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

fn infeasible(
    problem: &Problem,
    engine: EngineUsed,
    objective: Objective,
    infeasibilities: Vec<Infeasibility>,
) -> Outcome {
    Outcome {
        status: Status::Infeasible,
        engine,
        objective,
        pairs: Vec::new(),
        unmatched: Vec::new(),
        loads: vec![0; problem.mentors.len()],
        infeasibilities,
        candidate_pairs_total: 0,
        candidate_pairs_feasible: 0,
        timings: Timings::default(),
        groups: None,
    }
}

/// Pinned pairs that break a hard rule (a request error), one violation each.
pub(crate) fn broken_pins(scorer: &Scorer<'_>) -> Vec<FieldViolation> {
    let p = scorer.problem();
    p.policy
        .pinned
        .iter()
        .enumerate()
        .filter_map(|(k, &(m, e))| {
            let broken = scorer.violations(m, e);
            (!broken.is_empty()).then(|| {
                FieldViolation::new(
                    format!("policy.pinned_pairs[{k}]"),
                    format!(
                        "pinned pair (mentor {:?}, mentee {:?}) breaks the hard rule(s): {}",
                        p.mentors[m].profile.id,
                        p.mentees[e].profile.id,
                        broken
                            .iter()
                            .map(|r| rule_text(*r, p))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                )
            })
        })
        .collect()
}

/// Fewest pairs for which scoring runs on several threads.
const PARALLEL_SCORING_PAIRS: usize = 20_000;

/// Scores every (mentor, mentee) pair for the given mentees, on `threads`
/// threads over contiguous mentee chunks (the result does not depend on it).
pub fn candidates(
    scorer: &Scorer<'_>,
    mentees: Vec<MenteeIdx>,
    capacity: Vec<u32>,
    minimum: Vec<u32>,
    threads: usize,
) -> Candidates {
    let n_m = scorer.problem().mentors.len();
    // Per chunk of mentees: arc counts, mentors, scores.
    let score_part = |part: &[MenteeIdx]| {
        let mut counts = Vec::with_capacity(part.len());
        let mut mentor = Vec::new();
        let mut score = Vec::new();
        for &e in part {
            let before = mentor.len();
            for m in 0..n_m {
                if let Ok(s) = scorer.evaluate(m, e) {
                    mentor.push(m as u32);
                    score.push(s);
                }
            }
            counts.push((mentor.len() - before) as u32);
        }
        (counts, mentor, score)
    };
    // Threads only pay off beyond a few thousand pairs (spawning costs ~50 µs).
    let threads = if mentees.len() * n_m < PARALLEL_SCORING_PAIRS {
        1
    } else {
        threads.max(1)
    };
    let chunk = mentees.len().div_ceil(threads).max(1);
    let parts: Vec<(Vec<u32>, Vec<u32>, Vec<Milli>)> = if threads == 1 {
        vec![score_part(&mentees)]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = mentees
                .chunks(chunk)
                .map(|part| {
                    let score_part = &score_part;
                    s.spawn(move || score_part(part))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        })
    };
    let mut instance = Instance {
        start: Vec::with_capacity(mentees.len() + 1),
        capacity,
        minimum,
        ..Instance::default()
    };
    instance.start.push(0);
    let total_arcs: usize = parts.iter().map(|p| p.1.len()).sum();
    instance.mentor.reserve_exact(total_arcs);
    instance.score.reserve_exact(total_arcs);
    for (counts, mentor, score) in parts {
        for c in counts {
            let last = *instance.start.last().unwrap_or(&0);
            instance.start.push(last + c);
        }
        instance.mentor.extend_from_slice(&mentor);
        instance.score.extend_from_slice(&score);
    }
    Candidates {
        instance,
        total: (mentees.len() * n_m) as u64,
        mentees,
    }
}

fn explain(
    scorer: &Scorer<'_>,
    cands: &Candidates,
    assignment: &Assignment,
    pins: &Pins,
    engine: EngineUsed,
) -> Outcome {
    let p = scorer.problem();
    let inst = &cands.instance;
    let pinned_of = &pins.mentor_of;
    let mut mentor_of: Vec<Option<MentorIdx>> = pinned_of.to_vec();
    let mut row_of: Vec<Option<usize>> = vec![None; p.mentees.len()];
    for (k, &e) in cands.mentees.iter().enumerate() {
        row_of[e] = Some(k);
        mentor_of[e] = assignment.mentor(inst, k).map(|m| m as usize);
    }
    let mut loads = vec![0u32; p.mentors.len()];
    let mut pairs = Vec::new();
    for (e, m) in mentor_of.iter().enumerate() {
        if let Some(m) = *m {
            loads[m] += 1;
            pairs.push(MatchedPair {
                mentor: m,
                mentee: e,
                detail: scorer.explain(m, e),
                pinned: pinned_of[e].is_some(),
            });
        }
    }
    let mut unmatched = Vec::new();
    let mut searcher: Option<crate::hall::Searcher<'_>> = None;
    let mut searches = 0usize;
    // Bottlenecks found: key → mentee with the certificate.
    let mut bottlenecks: Vec<(Vec<u64>, MenteeIdx)> = Vec::new();
    for (e, m) in mentor_of.iter().enumerate() {
        if m.is_some() {
            continue;
        }
        let Some(k) = row_of[e] else { continue };
        let candidates: Vec<MentorIdx> = inst.arcs(k).map(|a| inst.mentor[a] as usize).collect();
        if candidates.is_empty() {
            unmatched.push(no_candidate(scorer, e));
            continue;
        }
        let country = &p.mentees[e].profile.country;
        let at_quota = |c: MentorIdx| {
            p.policy.max_mentees_per_country.is_some_and(|q| {
                let same = mentor_of
                    .iter()
                    .enumerate()
                    .filter(|&(x, m)| *m == Some(c) && p.mentees[x].profile.country == *country)
                    .count();
                same as u32 >= q
            })
        };
        let full = candidates
            .iter()
            .all(|&c| loads[c] >= p.mentors[c].capacity || at_quota(c));
        let ids = id_list(candidates.iter().map(|&c| &p.mentors[c].profile.id));
        let mut u = Unmatched {
            mentee: e,
            reason: UnmatchedReason::NotWorthwhile,
            message: format!(
                "compatible mentors ({ids}) have room, but no pair raises the total score"
            ),
            candidates,
            excluded_by: Vec::new(),
            suggestions: Vec::new(),
            certificate: None,
            same_bottleneck_as: None,
        };
        if full {
            let s =
                searcher.get_or_insert_with(|| crate::hall::Searcher::new(inst, &assignment.arc));
            let reach = if searches < s.search_limit() {
                searches += 1;
                s.reach(k as u32)
            } else {
                crate::hall::Reach::Unknown
            };
            u.reason = UnmatchedReason::Capacity;
            u.message = format!(
                "all {} compatible mentors ({ids}) are at capacity{} in the optimum",
                u.candidates.len(),
                if p.policy.max_mentees_per_country.is_some() {
                    format!(" or at their quota of mentees from {country}")
                } else {
                    String::new()
                }
            );
            // The mentee holding the certificate of this bottleneck, if known.
            let known = match &reach {
                crate::hall::Reach::Violator { key, .. } => {
                    bottlenecks.iter().find(|(b, _)| b == key).map(|b| b.1)
                }
                _ => None,
            };
            match reach {
                crate::hall::Reach::Violator {
                    mentees, places, ..
                } if known.is_some() => {
                    let first = known.unwrap_or(e);
                    u.message = format!(
                        "every compatible mentor is full: with {} in place of {}, the \
                         certificate of {} applies ({mentees} mentees for {places} places)",
                        p.mentees[e].profile.id,
                        p.mentees[first].profile.id,
                        p.mentees[first].profile.id,
                    );
                    u.same_bottleneck_as = Some(first);
                }
                crate::hall::Reach::Violator { key, .. }
                    if bottlenecks.len() < crate::hall::MAX_CERTIFICATES =>
                {
                    let search = searcher.as_ref().map(|s| s.search(k as u32));
                    if let Some(crate::hall::Search::Violator(v)) = search {
                        bottlenecks.push((key, e));
                        let c = crate::hall::certificate(
                            scorer,
                            inst,
                            &cands.mentees,
                            &v,
                            &loads,
                            &pins.per_mentor,
                        );
                        u.message = format!("every compatible mentor is full: {}", c.message);
                        if let Some(r) = c.relaxations.first() {
                            u.message = format!("{}; {}", u.message, r.message);
                        }
                        u.certificate = Some(c);
                    }
                }
                crate::hall::Reach::Placeable if inst.quota.is_none() && inst.keep.is_none() => {
                    u.reason = UnmatchedReason::NotWorthwhile;
                    u.message = if assignment.optimal {
                        format!(
                            "{}; a chain of moves could place this mentee, but at a lower \
                             total score",
                            u.message
                        )
                    } else {
                        format!(
                            "{}; a chain of moves could place this mentee (the solve stopped at \
                             its time limit)",
                            u.message
                        )
                    };
                }
                _ => {
                    u.message
                        .push_str("; placing this mentee would unmatch another mentee");
                }
            }
        }
        unmatched.push(u);
    }
    Outcome {
        status: if assignment.optimal {
            Status::Optimal
        } else {
            Status::Feasible
        },
        engine,
        objective: p.policy.objective,
        pairs,
        unmatched,
        loads,
        infeasibilities: Vec::new(),
        candidate_pairs_total: cands.total,
        candidate_pairs_feasible: inst.mentor.len() as u64,
        timings: Timings::default(),
        groups: None,
    }
}

fn id_list<'a>(ids: impl Iterator<Item = &'a String>) -> String {
    let ids: Vec<&String> = ids.collect();
    let mut s = ids
        .iter()
        .take(8)
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > 8 {
        s.push_str(&format!(", and {} more", ids.len() - 8));
    }
    s
}

/// A short description of a hard rule under the problem's policy.
pub fn rule_text(rule: HardRule, p: &Problem) -> String {
    match rule {
        HardRule::Forbidden => "the pair is forbidden or excluded by the mentee".into(),
        HardRule::SameOrganization => "same organisation".into(),
        HardRule::CrossBorder => "same country while cross-border pairs are required".into(),
        HardRule::Language => format!(
            "no shared language at {} or above",
            p.policy.min_level.name()
        ),
        HardRule::Overlap => format!(
            "under {} h of working-hour overlap in some week",
            hours(p.policy.min_weekly_overlap_min)
        ),
        HardRule::MinScore => format!(
            "score below the minimum of {}",
            from_milli(p.policy.min_pair_score.unwrap_or(0))
        ),
        HardRule::NoCapacity => "mentor capacity is 0".into(),
    }
}

/// Minutes as hours, "2" or "1.50".
pub(crate) fn hours(min: u32) -> String {
    let h = f64::from(min) / 60.0;
    if min.is_multiple_of(60) {
        format!("{h:.0}")
    } else {
        format!("{h:.2}")
    }
}

/// Explains a mentee without candidates: rule counts and one-rule relaxations.
pub(crate) fn no_candidate(scorer: &Scorer<'_>, e: MenteeIdx) -> Unmatched {
    let p = scorer.problem();
    let mut counts: Vec<(HardRule, u32)> = Vec::new();
    // Mentors failing exactly one rule, by rule.
    let mut only: Vec<(HardRule, MentorIdx)> = Vec::new();
    for m in 0..p.mentors.len() {
        let v = scorer.violations(m, e);
        for &r in &v {
            match counts.iter_mut().find(|(x, _)| *x == r) {
                Some((_, c)) => *c += 1,
                None => counts.push((r, 1)),
            }
        }
        if let [r] = v[..] {
            only.push((r, m));
        }
    }
    counts.sort();
    let summary = counts
        .iter()
        .map(|&(r, c)| format!("{c} for {}", rule_text(r, p)))
        .collect::<Vec<_>>()
        .join(", ");
    let suggestions = suggestions(scorer, e, &only);
    let mut message = format!("no mentor passes every hard rule (mentors excluded: {summary})");
    if let Some(s) = suggestions.first() {
        message.push_str(&format!("; {s}"));
    }
    Unmatched {
        mentee: e,
        reason: UnmatchedReason::NoCandidate,
        message,
        candidates: Vec::new(),
        excluded_by: counts,
        suggestions,
        certificate: None,
        same_bottleneck_as: None,
    }
}

fn suggestions(scorer: &Scorer<'_>, e: MenteeIdx, only: &[(HardRule, MentorIdx)]) -> Vec<String> {
    let p = scorer.problem();
    let mut out = Vec::new();
    for rule in HardRule::ALL {
        let ms: Vec<MentorIdx> = only
            .iter()
            .filter(|(r, _)| *r == rule)
            .map(|&(_, m)| m)
            .collect();
        if ms.is_empty() {
            continue;
        }
        let ids = id_list(ms.iter().map(|&m| &p.mentors[m].profile.id));
        let n = ms.len();
        out.push(match rule {
            HardRule::Language => {
                let best = ms
                    .iter()
                    .filter_map(|&m| scorer.best_shared_level(m, e))
                    .max();
                match best {
                    Some(l) => format!(
                        "lowering min_language_level to {} would make a candidate of {}",
                        l.name(),
                        id_list(
                            ms.iter()
                                .filter(|&&m| scorer.best_shared_level(m, e) == Some(l))
                                .map(|&m| &p.mentors[m].profile.id)
                        )
                    ),
                    None => continue,
                }
            }
            HardRule::Overlap => {
                let best = ms
                    .iter()
                    .map(|&m| scorer.overlap(m, e).min_week_min)
                    .max()
                    .unwrap_or(0);
                format!(
                    "lowering min_weekly_overlap_hours to {} would make a candidate of {}",
                    hours(best),
                    id_list(
                        ms.iter()
                            .filter(|&&m| scorer.overlap(m, e).min_week_min == best)
                            .map(|&m| &p.mentors[m].profile.id)
                    )
                )
            }
            HardRule::CrossBorder => {
                format!("allowing same-country pairs would make candidates of {n} mentor(s): {ids}")
            }
            HardRule::SameOrganization => format!(
                "allowing same-organisation pairs would make candidates of {n} mentor(s): {ids}"
            ),
            HardRule::Forbidden => {
                format!("lifting the exclusion of {ids} would make candidates of them")
            }
            HardRule::MinScore => {
                let top = ms
                    .iter()
                    .map(|&m| scorer.explain(m, e).score)
                    .max()
                    .unwrap_or(0);
                format!(
                    "lowering min_pair_score to {} would make a candidate",
                    from_milli(top)
                )
            }
            HardRule::NoCapacity => {
                format!("giving a bilateral capacity to {ids} would make candidates of them")
            }
        });
    }
    out
}
