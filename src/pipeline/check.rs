//! Diagnosis without a solve: data-quality findings and a feasibility
//! summary for a validated problem (the `Validate` RPC, `mentormatch check`).
//!
//! Scores every pair once (the hard rules need it), then answers with
//! maximum flows rather than an optimisation: the largest number of mentees
//! any matching can place (Hopcroft–Karp over the candidate arcs' own arrays,
//! `solvers::max_flow`), whether every mentor minimum
//! can be met, and a capacity certificate for each distinct bottleneck.
//! The sentences are in `explain::findings`. Pure: no IO.

use std::time::Instant;

use crate::error::Error;
use crate::explain::bottlenecks::{Bottleneck, Bottlenecks};
use crate::explain::demand::{demand_certificate, unmet_demand};
use crate::explain::{findings as say, infeasible::broken_pins, unmatched::no_candidate};
use crate::model::{MenteeIdx, Problem, Profile};
use crate::outcome::{Certificate, Finding, Report, Summary};
use crate::scoring::Scorer;
use crate::settings::SolveOptions;
use crate::solvers::candidates::{candidate_arcs, demand_instance, CandidateArcs, Pins};
use crate::solvers::demand::Demand;
use crate::solvers::demand_hall::DemandHall;
use crate::solvers::flow::{self, shortfall::shortfall};
use crate::solvers::hall::{MAX_SEARCHES, WORK_BUDGET};
use crate::solvers::max_flow::max_flow;
use crate::solvers::{Deadline, Instance, SolveError};

use super::deadline;
use super::pairs::{engine_for, solver_failed, stopped};

/// Findings of one code listed one by one; the rest are counted in one more.
pub(crate) const MAX_FINDINGS_PER_CODE: usize = 50;

/// Most unpinned mentees for which the max-flow checks and their capacity
/// certificates run (a larger programme's check reports the findings of
/// the scores alone, and says so).
pub const MAX_FLOW_MENTEES: usize = 20_000;

/// Diagnoses a validated problem; scoring stops at the options' deadline
/// or cancel flag.
pub(crate) fn check(problem: &Problem, opts: &SolveOptions) -> Result<Report, Error> {
    let p = problem;
    let t0 = Instant::now();
    let deadline = deadline(p, opts, t0);
    let scorer = Scorer::new(p);
    let mut findings: Vec<Finding> = broken_pins(&scorer)
        .into_iter()
        .map(say::pin_breaks_rule)
        .collect();
    let pins = Pins::new(p);
    for (m, mentor) in p.mentors.iter().enumerate() {
        if pins.per_mentor[m] > mentor.capacity {
            findings.push(say::pin_capacity(p, m, pins.per_mentor[m]));
        }
    }
    // With demand every mentee is in the instance and pins are its arcs.
    let (cands, demand) = match p.has_demand() {
        true => demand_instance(&scorer, opts.threads, &deadline).map(|(c, d)| (c, Some(d))),
        false => candidate_arcs(&scorer, &pins, opts.threads, &deadline, None).map(|c| (c, None)),
    }
    .map_err(|e| stopped(e, &deadline, opts, t0))?;
    let inst = &cands.instance;
    let without = candidate_findings(&scorer, &cands, &mut findings);
    findings.extend(overlap_findings(&scorer));

    // Capacity totals and what flows can achieve.
    let places: u64 = p.mentors.iter().map(|m| u64::from(m.capacity)).sum();
    let asked: u64 = p
        .mentees
        .iter()
        .map(|e| u64::from(e.demand.max_mentors))
        .sum();
    if places < asked {
        findings.push(match &demand {
            None => say::capacity_shortfall(places, asked),
            Some(_) => say::places_short_of_demand(places, asked),
        });
    }
    let minimum_places: u64 = p.mentors.iter().map(|m| u64::from(m.min_mentees)).sum();
    let pinned = p.policy.pinned.len() as u32;
    let (max_coverage, minimums_feasible) = if cands.mentees.len() > MAX_FLOW_MENTEES {
        findings.push(say::not_checked(cands.mentees.len(), MAX_FLOW_MENTEES));
        let none = minimum_places == 0 && demand.is_none();
        (None, none.then_some(true))
    } else if let Some(d) = &demand {
        demand_flows(&scorer, &cands, d, without, &deadline, &mut findings)
            .map_err(|e| solver_failed(e, &deadline, opts, t0))?
    } else {
        let flow = flows(&scorer, &cands, &pins, without, &mut findings);
        (Some(pinned + flow), Some(minimums(p, inst, &mut findings)))
    };

    findings.sort_by_key(|f| (f.severity, f.code));
    cap_findings(&mut findings);
    Ok(Report {
        findings,
        summary: Summary {
            mentees: p.mentees.len() as u32,
            mentors: p.mentors.len() as u32,
            places,
            pinned_pairs: pinned,
            candidate_pairs_total: cands.total,
            candidate_pairs_feasible: inst.mentor.len() as u64,
            mentees_without_candidate: without,
            max_coverage,
            minimum_places,
            minimums_feasible,
            engine: Some(engine_for(p)),
        },
    })
}

/// Mentees without candidates and mentors without mentees; returns how
/// many unpinned mentees have no candidate.
fn candidate_findings(
    scorer: &Scorer<'_>,
    cands: &CandidateArcs,
    findings: &mut Vec<Finding>,
) -> u32 {
    let (p, inst) = (scorer.problem(), &cands.instance);
    let mut without = 0u32;
    for (k, &e) in cands.mentees.iter().enumerate() {
        if inst.arcs(k).is_empty() && p.mentees[e].demand.max_mentors > 0 {
            without += 1;
            findings.push(say::no_candidate(p, e, &no_candidate(scorer, e)));
        }
    }
    let mut has_arc = vec![false; p.mentors.len()];
    for &j in &inst.mentor {
        has_arc[j as usize] = true;
    }
    for (m, &places) in inst.capacity.iter().enumerate() {
        if places > 0 && !has_arc[m] {
            findings.push(say::mentor_without_candidate(p, m, places));
        }
    }
    without
}

/// Maximum coverage of the unpinned mentees (Hopcroft–Karp), each
/// bottleneck with its certificate, and idle places; returns the coverage.
fn flows(
    scorer: &Scorer<'_>,
    cands: &CandidateArcs,
    pins: &Pins,
    without: u32,
    findings: &mut Vec<Finding>,
) -> u32 {
    let p = scorer.problem();
    let inst = &cands.instance;
    let (flow, arc) = max_flow(inst, &inst.capacity);
    let with_candidates = cands.mentees.len() as u32 - without;
    // Bottlenecks: unmatched mentees grouped by the mentors their
    // certificate names; a group of r roots is r mentees short.
    let mut bottlenecks: Vec<(Certificate, Vec<MenteeIdx>, u32)> = Vec::new();
    if flow < with_candidates {
        let loads = loads(inst, &arc, pins);
        // No more certificates than the findings list shows (the summary
        // takes one place).
        let certificates = MAX_FINDINGS_PER_CODE - 1;
        let mut finder = Bottlenecks::new(
            scorer,
            inst,
            &arc,
            &cands.mentees,
            &loads,
            &pins.per_mentor,
            certificates,
        );
        for (k, a) in arc.iter().enumerate() {
            if a.is_some() || inst.arcs(k).is_empty() {
                continue;
            }
            match finder.classify(k as u32) {
                Bottleneck::New(c) => {
                    let members = c.mentees.clone();
                    bottlenecks.push((*c, members, 1));
                }
                Bottleneck::Known { index, .. } => {
                    let b = &mut bottlenecks[index];
                    b.1.push(cands.mentees[k]);
                    b.2 += 1;
                }
                Bottleneck::Placeable | Bottleneck::Unknown => {}
            }
        }
        findings.push(say::coverage_shortfall(flow, with_candidates));
    }
    for (c, mut members, short) in bottlenecks {
        members.sort_unstable();
        members.dedup();
        findings.push(say::bottleneck(p, c, &members, short));
    }
    let free: u64 = inst.capacity.iter().map(|&c| u64::from(c)).sum();
    if free > u64::from(flow) {
        findings.push(say::idle_capacity(free, flow));
    }
    flow
}

/// With demand: whether every minimum (mentors', mentees', role demands')
/// can be met at once, each way it cannot with who competes and the
/// smallest relaxation (the demand flow's shortfall), and else the most
/// mentees with a mentor under them (the demand flow, counts only).
fn demand_flows(
    scorer: &Scorer<'_>,
    cands: &CandidateArcs,
    d: &Demand,
    without: u32,
    deadline: &Deadline,
    findings: &mut Vec<Finding>,
) -> Result<(Option<u32>, Option<bool>), SolveError> {
    let (p, inst) = (scorer.problem(), &cands.instance);
    let short = shortfall(inst, d, deadline)?;
    if !short.is_empty() {
        findings.extend(
            unmet_demand(p, inst, &short)
                .into_iter()
                .map(say::demand_unmet),
        );
        return Ok((None, Some(false)));
    }
    let Some((covered, chosen)) = flow::demand::coverage(inst, d, deadline)? else {
        return Err(SolveError::Backend(
            "the minimums' flow and the coverage flow disagree".into(),
        ));
    };
    // Mentees asking for a mentor, less those without any candidate.
    let asking = d.max.iter().filter(|&&m| m > 0).count() as u32 - without;
    if covered < asking {
        findings.push(say::coverage_shortfall(covered, asking));
        demand_bottlenecks(scorer, cands, d, &chosen, findings);
    }
    Ok((Some(covered), Some(true)))
}

/// With demand: each distinct bottleneck of the coverage flow's answer
/// `chosen` with its certificate (mentees without a mentor grouped by the
/// mentors their certificate names; a group of r of them is r short).
fn demand_bottlenecks(
    scorer: &Scorer<'_>,
    cands: &CandidateArcs,
    d: &Demand,
    chosen: &[Vec<u32>],
    findings: &mut Vec<Finding>,
) {
    let inst = &cands.instance;
    let hall = DemandHall::new(inst, d, chosen);
    let mut budget = WORK_BUDGET;
    // (mentors named, certificate, members, mentees short).
    let mut groups: Vec<(Vec<u32>, Certificate, Vec<MenteeIdx>, u32)> = Vec::new();
    let roots = (0..inst.mentees())
        .filter(|&k| chosen[k].is_empty() && d.max[k] > 0 && !inst.arcs(k).is_empty())
        .take(MAX_SEARCHES);
    for k in roots {
        let Some(v) = hall.violator(k as u32, &mut budget) else {
            continue;
        };
        if let Some(g) = groups.iter_mut().find(|g| g.0 == v.mentors) {
            g.2.push(cands.mentees[k]);
            g.3 += 1;
        } else if groups.len() < MAX_FINDINGS_PER_CODE - 1 {
            let c = demand_certificate(scorer, &hall, &cands.mentees, &v);
            let members = c.mentees.clone();
            groups.push((v.mentors, c, members, 1));
        }
    }
    for (_, c, mut members, short) in groups {
        members.sort_unstable();
        members.dedup();
        findings.push(say::bottleneck(scorer.problem(), c, &members, short));
    }
}

/// Mentor loads (pins included) under an instance assignment.
fn loads(inst: &Instance, arc: &[Option<u32>], pins: &Pins) -> Vec<u32> {
    let mut loads = inst.loads(arc);
    for (l, p) in loads.iter_mut().zip(&pins.per_mentor) {
        *l += p;
    }
    loads
}

/// Whether every minimum can be met at once (a flow saturating the minimum
/// places); adds an error naming the mentors left short otherwise.
fn minimums(p: &Problem, inst: &Instance, findings: &mut Vec<Finding>) -> bool {
    let need: u64 = inst.minimum.iter().map(|&m| u64::from(m)).sum();
    if need == 0 {
        return true;
    }
    let (got, arc) = max_flow(inst, &inst.minimum);
    if u64::from(got) == need {
        return true;
    }
    let load = inst.loads(&arc);
    let short: Vec<(usize, u32, u32)> = (0..inst.mentors())
        .filter(|&j| load[j] < inst.minimum[j])
        .map(|j| (j, load[j], inst.minimum[j]))
        .collect();
    findings.push(say::minimums_infeasible(p, need, got, &short));
    false
}

/// People whose working hours never meet anyone on the other side, and
/// pairs that lose all overlap in some week (clock changes, Ramadan time).
fn overlap_findings(scorer: &Scorer<'_>) -> Vec<Finding> {
    let p = scorer.problem();
    // One representative person per distinct schedule on each side.
    let reps = |scheds: Vec<u32>| {
        let mut r: Vec<(u32, usize)> = Vec::new();
        for (i, s) in scheds.into_iter().enumerate() {
            if !r.iter().any(|&(x, _)| x == s) {
                r.push((s, i));
            }
        }
        r
    };
    let mentor_reps = reps(p.mentors.iter().map(|m| m.profile.schedule).collect());
    let mentee_reps = reps(p.mentees.iter().map(|e| e.profile.schedule).collect());
    // (mentor schedule, mentee schedule) → (mean, worst shared week, shared weeks).
    let cell = |&(_, m): &(u32, usize), &(_, e): &(u32, usize)| {
        let o = scorer.overlap(m, e);
        (o.mean_week_min, o.min_week_min, o.shared_weeks)
    };
    let mut out = Vec::new();
    if mentor_reps.is_empty() || mentee_reps.is_empty() {
        return out;
    }
    // Everyone with a schedule that meets no schedule of the other side.
    let mut flag = |sides: (&str, &str, &str), people: &[&Profile], sched: u32| {
        for (k, x) in people.iter().enumerate() {
            if x.schedule == sched {
                out.push(say::zero_overlap(p, sides, k, x, sched));
            }
        }
    };
    let mentees: Vec<&Profile> = p.mentees.iter().map(|x| &x.profile).collect();
    let mentors: Vec<&Profile> = p.mentors.iter().map(|x| &x.profile).collect();
    for &er in &mentee_reps {
        if mentor_reps.iter().all(|mr| cell(mr, &er).0 <= 0.0) {
            flag(("mentee", "mentor", "mentees"), &mentees, er.0);
        }
    }
    for &mr in &mentor_reps {
        if mentee_reps.iter().all(|er| cell(&mr, er).0 <= 0.0) {
            flag(("mentor", "mentee", "mentors"), &mentors, mr.0);
        }
    }
    // Pairs that overlap on average but not in their worst week.
    let mut count = vec![0u32; p.schedules.len()];
    for x in &p.mentors {
        count[x.profile.schedule as usize] += 1;
    }
    let mut mentee_count = vec![0u32; p.schedules.len()];
    for x in &p.mentees {
        mentee_count[x.profile.schedule as usize] += 1;
    }
    let mut pairs = 0u64;
    let mut zones = Vec::new();
    for mr in &mentor_reps {
        for er in &mentee_reps {
            let (mean, worst, shared) = cell(mr, er);
            if mean > 0.0 && worst == 0 && shared > 0 {
                pairs += u64::from(count[mr.0 as usize]) * u64::from(mentee_count[er.0 as usize]);
                let z = (
                    p.schedules[mr.0 as usize].tz.name(),
                    p.schedules[er.0 as usize].tz.name(),
                );
                if !zones.contains(&z) {
                    zones.push(z);
                }
            }
        }
    }
    if pairs > 0 {
        zones.truncate(5);
        out.push(say::weeks_without_overlap(pairs, &zones));
    }
    out
}

/// Keeps the first [`MAX_FINDINGS_PER_CODE`] findings of each code and
/// counts the rest in one more finding.
fn cap_findings(findings: &mut Vec<Finding>) {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut k = 0;
    while k < findings.len() {
        let code = findings[k].code;
        let end = findings[k..]
            .iter()
            .position(|f| f.code != code)
            .map_or(findings.len(), |n| k + n);
        let run = &findings[k..end];
        out.extend(run.iter().take(MAX_FINDINGS_PER_CODE).cloned());
        if run.len() > MAX_FINDINGS_PER_CODE {
            out.push(say::more_like_above(
                run[0].severity,
                code,
                run.len() - MAX_FINDINGS_PER_CODE,
            ));
        }
        k = end;
    }
    *findings = out;
}
