//! Issue 29: minimums that no assignment meets together. The answer names
//! the mentees and mentors that compete and the smallest relaxation; the
//! relaxation is as small as an exhaustive search finds (fewest minimum
//! units given up), and re-solving with it is answered.

use mentormatch::model::Objective;
use mentormatch::pb;
use mentormatch::tools::synth::SplitMix64;
use mentormatch::{Limits, SolveOptions};

use crate::demand::{demand_brute_force, subsets, Demanding};
use crate::demand_requests::{demanding, programme};

/// The fewest minimum units (a mentee's `min_mentors`, a role's
/// `at_least`, a mentor's `min_mentees`) any assignment leaves unmet, pins
/// held and every upper bound kept: exhaustively.
fn fewest_unmet(d: &Demanding) -> u32 {
    fn go(d: &Demanding, e: usize, load: &mut Vec<u32>, unmet: u32, best: &mut u32) {
        if unmet >= *best {
            return;
        }
        if e == d.inst.mentees() {
            let mentors: u32 = (0..d.inst.mentors())
                .map(|j| d.inst.minimum[j].saturating_sub(load[j]))
                .sum();
            *best = (*best).min(unmet + mentors);
            return;
        }
        let arcs: Vec<u32> = d.inst.arcs(e).map(|a| a as u32).collect();
        for s in subsets(&arcs, d.max[e] as usize) {
            let role = |r: u32| {
                s.iter()
                    .filter(|&&a| d.role[d.inst.mentor[a as usize] as usize] == Some(r))
                    .count() as u32
            };
            let fits = d.roles[e].iter().all(|&(r, _, hi)| role(r) <= hi)
                && arcs.iter().all(|a| !d.pinned.contains(a) || s.contains(a))
                && s.iter().all(|&a| {
                    let j = d.inst.mentor[a as usize] as usize;
                    load[j] < d.inst.capacity[j]
                });
            if !fits {
                continue;
            }
            let mut short = d.min[e].saturating_sub(s.len() as u32);
            for &(r, lo, _) in &d.roles[e] {
                short += lo.saturating_sub(role(r));
            }
            for &a in &s {
                load[d.inst.mentor[a as usize] as usize] += 1;
            }
            go(d, e + 1, load, unmet + short, best);
            for &a in &s {
                load[d.inst.mentor[a as usize] as usize] -= 1;
            }
        }
    }
    let mut best = u32::MAX;
    go(d, 0, &mut vec![0; d.inst.mentors()], 0, &mut best);
    best
}

/// The relaxation named in `message`, applied to `req`: the minimum units
/// it gives up.
fn relax(req: &mut pb::SolveRequest, message: &str) -> u32 {
    let (_, fixes) = message
        .split_once("the smallest relaxation: lower ")
        .unwrap_or_else(|| panic!("no relaxation in {message}"));
    let mut given_up = 0;
    for fix in fixes.split(", ") {
        let (field, to) = fix.split_once(" to ").expect("field to value");
        let to: u32 = to.trim_end_matches('.').parse().expect("a count");
        let index = |s: &str| -> usize {
            let (_, rest) = s.split_once('[').unwrap();
            rest.split_once(']').unwrap().0.parse().unwrap()
        };
        let (head, tail) = field.split_once('.').unwrap();
        let k = index(head);
        let old = match (head.starts_with("mentees"), tail) {
            (true, "min_mentors") => std::mem::replace(&mut req.mentees[k].min_mentors, to),
            (true, t) if t.starts_with("role_demands") => {
                let r = index(t);
                std::mem::replace(&mut req.mentees[k].role_demands[r].at_least, to)
            }
            (false, "min_mentees") => std::mem::replace(&mut req.mentors[k].min_mentees, to),
            _ => panic!("unknown field {field}"),
        };
        assert!(to < old, "{fix}: not lower");
        given_up += old - to;
    }
    given_up
}

#[test]
fn minimums_that_fail_together_name_who_competes_and_the_smallest_relaxation() {
    let (limits, opts) = (Limits::default(), SolveOptions::default());
    let (mut together, mut roles) = (0, 0);
    for seed in 0..400 {
        let mut req = programme(seed);
        // Minimums on both sides, often more than the places.
        let mut rng = SplitMix64::new(seed + 1000);
        // The roles mentors carry, and none (no role demand added).
        let mut names: Vec<String> = req.mentors.iter().map(|m| m.role.clone()).collect();
        names.sort();
        names.dedup();
        for e in &mut req.mentees {
            let max = e.max_mentors.unwrap_or(1);
            e.min_mentors = rng.below(max as usize + 1) as u32;
            for r in &mut e.role_demands {
                if rng.chance(0.5) {
                    r.at_least = r.at_most.unwrap_or(max).min(max);
                }
            }
            if e.role_demands.is_empty() && max > 0 && rng.chance(0.5) {
                let role = names[rng.below(names.len())].clone();
                if !role.is_empty() {
                    e.role_demands.push(pb::RoleDemand {
                        role,
                        at_least: 1,
                        at_most: None,
                    });
                }
            }
        }
        for m in &mut req.mentors {
            m.min_mentees = rng.below(2) as u32;
        }
        let d = demanding(&req);
        let objective = mentormatch::model::Objective::CoverageThenScore;
        let resp = mentormatch::api::solve(&req, &limits, &opts).expect("answered");
        if demand_brute_force(&d, objective).is_some() {
            continue;
        }
        assert_eq!(
            resp.status,
            pb::SolveStatus::Infeasible as i32,
            "seed {seed}"
        );
        let i = &resp.infeasibilities[0];
        if !i.message.contains("the smallest relaxation") {
            // One person's minimum above its compatible people alone.
            assert!(
                i.message.contains("pass every hard rule")
                    || i.message.contains("compatible mentees can be given"),
                "{}",
                i.message
            );
            continue;
        }
        // Who competes: every id named is a person of the request.
        assert!(!i.ids.is_empty(), "seed {seed}");
        for id in &i.ids {
            let known = req.mentees.iter().map(|e| &e.profile.as_ref().unwrap().id);
            let known: Vec<&String> = known
                .chain(req.mentors.iter().map(|m| &m.profile.as_ref().unwrap().id))
                .collect();
            assert!(known.contains(&id), "seed {seed}: {id}");
        }
        // Each mentee whose minimum is relaxed is among those named.
        for (k, e) in req.mentees.iter().enumerate() {
            let id = &e.profile.as_ref().unwrap().id;
            if i.message.contains(&format!("lower mentees[{k}]"))
                || i.message.contains(&format!(", mentees[{k}]"))
            {
                assert!(i.ids.contains(id), "seed {seed}: {id} not named");
            }
        }
        let fewest = fewest_unmet(&d);
        let mut relaxed = req.clone();
        let given_up = relax(&mut relaxed, &i.message);
        assert_eq!(given_up, fewest, "seed {seed}: {}", i.message);
        let again = mentormatch::api::solve(&relaxed, &limits, &opts).expect("answered");
        assert_eq!(
            again.status,
            pb::SolveStatus::Optimal as i32,
            "seed {seed}: {} then {:?}",
            i.message,
            again.infeasibilities
        );
        together += 1;
        roles += usize::from(i.message.contains("at_least to"));
    }
    assert!(together > 20 && roles > 3, "{together} {roles}");
}

/// A check (`Validate`) of a request with demand says before any solve
/// what the solve would: whether every minimum can be met (else each
/// unmet minimum as an error naming who competes), and the most mentees
/// with a mentor under them, both equal to the exhaustive search.
#[test]
fn a_check_with_demand_equals_the_exhaustive_search() {
    let (limits, opts) = (Limits::default(), SolveOptions::default());
    let (mut feasible, mut infeasible, mut short) = (0, 0, 0);
    for seed in 0..200 {
        let req = programme(seed);
        let mut flat = demanding(&req);
        flat.tier = vec![0; flat.tier.len()];
        let oracle = demand_brute_force(&flat, Objective::CoverageThenScore);
        let check = pb::ValidateRequest {
            request: Some(req.clone()),
        };
        let report = mentormatch::api::validate(&check, &limits, &opts).expect("checked");
        let summary = report.summary.expect("a summary");
        let errors: Vec<&pb::Finding> = report
            .findings
            .iter()
            .filter(|f| f.code == pb::FindingCode::MinimumsInfeasible as i32)
            .collect();
        match oracle {
            None => {
                assert_eq!(summary.minimums_feasible, Some(false), "seed {seed}");
                assert!(!errors.is_empty(), "seed {seed}: no minimum named");
                assert!(errors
                    .iter()
                    .all(|f| f.severity == pb::Severity::Error as i32));
                // The same words as the solve's INFEASIBLE answer.
                let resp = mentormatch::api::solve(&req, &limits, &opts).expect("answered");
                let said: Vec<&str> = resp
                    .infeasibilities
                    .iter()
                    .map(|i| i.message.as_str())
                    .collect();
                assert!(
                    errors.iter().all(|f| said.contains(&f.message.as_str())),
                    "seed {seed}: {errors:?} {said:?}"
                );
                infeasible += 1;
            }
            Some((key, _)) => {
                assert_eq!(summary.minimums_feasible, Some(true), "seed {seed}");
                assert!(errors.is_empty(), "seed {seed}: {errors:?}");
                assert_eq!(summary.max_coverage, Some(key[0] as u32), "seed {seed}");
                let asking = (0..flat.inst.mentees())
                    .filter(|&e| flat.max[e] > 0 && !flat.inst.arcs(e).is_empty())
                    .count() as i64;
                let shortfall = report
                    .findings
                    .iter()
                    .any(|f| f.code == pb::FindingCode::CoverageShortfall as i32);
                assert_eq!(shortfall, key[0] < asking, "seed {seed}");
                short += usize::from(shortfall);
                feasible += 1;
            }
        }
    }
    assert!(
        feasible > 100 && infeasible > 10 && short > 10,
        "{feasible} {infeasible} {short}"
    );
}
