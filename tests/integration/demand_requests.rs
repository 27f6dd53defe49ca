//! Issue 29 through the API: requests whose mentees ask for several
//! mentors, a priority or roles are answered with the oracle's optimum
//! (the exhaustive search of `demand.rs` over the request's own feasible
//! pairs), explained, validated field by field, refused where the demand
//! model is not taken yet, and carried by the spreadsheets.

use std::collections::HashMap;

use mentormatch::pb;
use mentormatch::solvers::candidates;
use mentormatch::tools::synth::{generate, SplitMix64, SynthConfig};
use mentormatch::wire::problem_from_request;
use mentormatch::{Limits, SolveOptions};

use crate::demand::{demand_brute_force, demand_key, Demanding};
use crate::util::{
    assert_violation, mentor, policy_mut, profile, small_request, solve_ok, table_of, violations,
    NATIVE,
};

const ROLES: [&str; 2] = ["technical", "governance"];

/// A random small programme with demand: sizes, capacities, minimums,
/// mentors' roles, mentees' min/max mentors, tiers and role demands, a
/// pin, and an objective.
pub(crate) fn programme(seed: u64) -> pb::SolveRequest {
    let mut rng = SplitMix64::new(seed);
    let mut req = generate(&SynthConfig {
        mentees: 2 + rng.below(4),
        mentors: 1 + rng.below(4),
        seed,
        max_capacity: 1 + rng.below(3) as u32,
    });
    for m in &mut req.mentors {
        if rng.chance(0.7) {
            m.role = ROLES[rng.below(2)].into();
        }
        if rng.chance(0.15) {
            m.min_mentees = 1;
        }
    }
    let has_role = |r: &str, req: &pb::SolveRequest| req.mentors.iter().any(|m| m.role == r);
    for k in 0..req.mentees.len() {
        let max = rng.below(4) as u32;
        let min = if rng.chance(0.2) {
            rng.below(max as usize + 1) as u32
        } else {
            0
        };
        let mut demands = Vec::new();
        if rng.chance(0.3) {
            let r = ROLES[rng.below(2)];
            if has_role(r, &req) {
                let at_least = rng.below(2) as u32;
                demands.push(pb::RoleDemand {
                    role: r.into(),
                    at_least: at_least.min(max),
                    at_most: rng.chance(0.5).then_some(1.max(at_least).min(max)),
                });
            }
        }
        let e = &mut req.mentees[k];
        e.max_mentors = Some(max);
        e.min_mentors = min;
        e.priority = if rng.chance(0.3) {
            1 + rng.below(2) as u32
        } else {
            0
        };
        e.role_demands = demands;
    }
    let objective = [
        pb::Objective::CoverageThenScore,
        pb::Objective::Score,
        pb::Objective::Fair,
    ][rng.below(3)];
    policy_mut(&mut req).objective = objective as i32;
    if rng.chance(0.3) {
        policy_mut(&mut req).engine = pb::Engine::Milp as i32;
    }
    if rng.chance(0.3) {
        // Every pair of one mentee of the answer: one pin or several.
        let plain = mentormatch::api::solve(&req, &Limits::default(), &SolveOptions::default());
        let pairs = plain.map(|r| r.pairs).unwrap_or_default();
        if let Some(first) = pairs.first() {
            let pins = pairs.iter().filter(|p| p.mentee_id == first.mentee_id);
            let pins: Vec<pb::PairRef> = pins
                .map(|p| pb::PairRef {
                    mentor_id: p.mentor_id.clone(),
                    mentee_id: p.mentee_id.clone(),
                })
                .collect();
            policy_mut(&mut req).pinned_pairs.extend(pins);
        }
    }
    req
}

fn id(p: &Option<pb::Profile>) -> String {
    p.as_ref().map_or(String::new(), |p| p.id.clone())
}

/// The request's demand model over its own feasible pairs (scored without
/// pins, which are arcs that must be used).
pub(crate) fn demanding(req: &pb::SolveRequest) -> Demanding {
    let mut free = req.clone();
    policy_mut(&mut free).pinned_pairs.clear();
    let p = problem_from_request(&free, &Limits::default()).expect("valid");
    let inst = candidates::instance(&p, 1).expect("scored");
    let arc = |m: usize, e: usize| {
        inst.arcs(e)
            .find(|&a| inst.mentor[a] as usize == m)
            .map(|a| a as u32)
    };
    let mentor_ix: HashMap<String, usize> = req
        .mentors
        .iter()
        .enumerate()
        .map(|(k, m)| (id(&m.profile), k))
        .collect();
    let mentee_ix: HashMap<String, usize> = req
        .mentees
        .iter()
        .enumerate()
        .map(|(k, e)| (id(&e.profile), k))
        .collect();
    let pinned = req
        .policy
        .iter()
        .flat_map(|x| &x.pinned_pairs)
        .filter_map(|pp| arc(mentor_ix[&pp.mentor_id], mentee_ix[&pp.mentee_id]))
        .collect();
    let mut d = Demanding::single(inst.clone());
    d.min = p.mentees.iter().map(|e| e.demand.min_mentors).collect();
    d.max = p.mentees.iter().map(|e| e.demand.max_mentors).collect();
    d.tier = p.mentees.iter().map(|e| e.demand.priority).collect();
    d.role = p.mentors.iter().map(|m| m.role).collect();
    d.roles = p
        .mentees
        .iter()
        .map(|e| {
            e.demand
                .roles
                .iter()
                .map(|r| (r.role, r.at_least, r.at_most))
                .collect()
        })
        .collect();
    d.pinned = pinned;
    d
}

#[test]
fn requests_with_demand_get_the_oracles_optimum() {
    let (limits, opts) = (Limits::default(), SolveOptions::default());
    let (mut solved, mut infeasible, mut several) = (0, 0, 0);
    for seed in 0..150 {
        let req = programme(seed);
        let d = demanding(&req);
        let objective = problem_from_request(&req, &limits)
            .expect("valid")
            .policy
            .objective;
        let oracle = demand_brute_force(&d, objective);
        let resp = mentormatch::api::solve(&req, &limits, &opts).expect("answered");
        let Some((best, _)) = oracle else {
            assert_eq!(
                resp.status,
                pb::SolveStatus::Infeasible as i32,
                "seed {seed}"
            );
            assert!(!resp.infeasibilities.is_empty(), "seed {seed}");
            infeasible += 1;
            continue;
        };
        assert_eq!(resp.status, pb::SolveStatus::Optimal as i32, "seed {seed}");
        let mentor_ix: HashMap<&str, usize> = req
            .mentors
            .iter()
            .enumerate()
            .map(|(k, m)| (m.profile.as_ref().unwrap().id.as_str(), k))
            .collect();
        let mentee_ix: HashMap<&str, usize> = req
            .mentees
            .iter()
            .enumerate()
            .map(|(k, e)| (e.profile.as_ref().unwrap().id.as_str(), k))
            .collect();
        let mut chosen = vec![Vec::new(); req.mentees.len()];
        for p in &resp.pairs {
            let (m, e) = (
                mentor_ix[p.mentor_id.as_str()],
                mentee_ix[p.mentee_id.as_str()],
            );
            let a = d.inst.arcs(e).find(|&a| d.inst.mentor[a] as usize == m);
            chosen[e].push(a.expect("a pair of the response is feasible") as u32);
        }
        assert_eq!(
            demand_key(&d, objective, &chosen),
            best,
            "seed {seed}: {req:?}"
        );
        several += usize::from(chosen.iter().any(|c| c.len() > 1));
        // Every mentee short of its max_mentors is listed, with its counts.
        for (e, c) in chosen.iter().enumerate() {
            let listed = resp
                .unmatched
                .iter()
                .find(|u| u.mentee_id == id(&req.mentees[e].profile));
            if (c.len() as u32) < d.max[e] {
                let u = listed.unwrap_or_else(|| panic!("seed {seed}: mentee {e} not listed"));
                assert_eq!(
                    (u.mentors, u.mentors_asked),
                    (c.len() as u32, d.max[e]),
                    "seed {seed}"
                );
                assert!(
                    u.message
                        .starts_with(&format!("has {} of the {}", c.len(), d.max[e])),
                    "{}",
                    u.message
                );
            } else {
                assert!(listed.is_none(), "seed {seed}: mentee {e} listed");
            }
        }
        solved += 1;
    }
    // The draw covers every case.
    assert!(
        solved > 60 && infeasible > 5 && several > 30,
        "{solved} {infeasible} {several}"
    );
}

#[test]
fn demand_fields_are_validated_by_name() {
    let mut req = small_request();
    req.mentors[0].role = "Technical ".into();
    req.mentees[0].max_mentors = Some(11);
    req.mentees[1].min_mentors = 2;
    req.mentees[1].max_mentors = Some(1);
    req.mentees[2].priority = 10;
    req.mentees[2].max_mentors = Some(2);
    req.mentees[2].role_demands = vec![
        role_demand("governance", 1, None),
        role_demand("technical", 2, Some(1)),
        role_demand("technical", 0, None),
    ];
    let v = violations(&req);
    assert_violation(&v, "mentees[0].max_mentors", "limit of 10");
    assert_violation(&v, "mentees[1].min_mentors", "above max_mentors 1");
    assert_violation(&v, "mentees[2].priority", "0 to 9");
    assert_violation(&v, "mentees[2].role_demands[0].role", "\"technical\"");
    assert_violation(&v, "mentees[2].role_demands[1].at_least", "above at_most 1");
    assert_violation(&v, "mentees[2].role_demands[2].role", "twice");
    // Roles are matched trimmed and without case; together the bounds may
    // not ask for more than max_mentors.
    let mut req = small_request();
    req.mentors[0].role = "Technical".into();
    req.mentors[1].role = "governance".into();
    req.mentees[0].role_demands = vec![
        role_demand(" technical", 1, None),
        role_demand("GOVERNANCE", 1, None),
    ];
    let v = violations(&req);
    assert_violation(
        &v,
        "mentees[0].role_demands",
        "at least 2 mentors, above max_mentors 1",
    );
    assert_eq!(v.len(), 1, "{v:?}");
}

pub(crate) fn role_demand(role: &str, at_least: u32, at_most: Option<u32>) -> pb::RoleDemand {
    pb::RoleDemand {
        role: role.into(),
        at_least,
        at_most,
    }
}

#[test]
fn a_mentee_gets_one_mentor_of_each_role_asked_and_is_told_what_is_missing() {
    // m1 (technical) and m3 (governance) speak French, as e1 and e3 do;
    // m2 speaks English with e2.
    let mut req = small_request();
    req.mentors[0].role = "technical".into();
    req.mentors.push(mentor(
        profile("m3", "FR", "Europe/Paris", &[("fr", NATIVE)]),
        1,
    ));
    req.mentors[2].role = "governance".into();
    req.mentees[0].max_mentors = Some(2);
    req.mentees[0].role_demands = vec![
        role_demand("technical", 1, Some(1)),
        role_demand("governance", 1, Some(1)),
    ];
    req.mentees[1].max_mentors = Some(2);
    let resp = solve_ok(&req);
    let of = |e: &str| -> Vec<&str> {
        let mut m: Vec<&str> = resp
            .pairs
            .iter()
            .filter(|p| p.mentee_id == e)
            .map(|p| p.mentor_id.as_str())
            .collect();
        m.sort_unstable();
        m
    };
    assert_eq!(of("e1"), ["m1", "m3"]);
    assert_eq!(of("e2"), ["m2"]);
    // e3 fits m1 too (one place left there): a first mentor for e3 comes
    // before anything else.
    assert_eq!(of("e3"), ["m1"]);
    let u = resp
        .unmatched
        .iter()
        .find(|u| u.mentee_id == "e2")
        .expect("e2 listed");
    assert_eq!((u.mentors, u.mentors_asked), (1, 2));
    assert_eq!(
        u.message,
        "has 1 of the 2 mentors asked for: only 1 (m2) mentor passes every hard rule"
    );
    // A minimum no matching meets: e2 needs two mentors and has one candidate.
    req.mentees[1].min_mentors = 2;
    let resp = solve_ok(&req);
    assert_eq!(resp.status, pb::SolveStatus::Infeasible as i32);
    let i = &resp.infeasibilities[0];
    assert_eq!(i.kind, "MENTEE_MINIMUM");
    assert_eq!(i.ids, ["e2"]);
    assert!(
        i.message
            .contains("needs at least 2 mentors, but only 1 pass"),
        "{}",
        i.message
    );
    // The relaxation it names is enough: re-solved with it, e2 has its mentor.
    assert!(
        i.message.contains("lower mentees[1].min_mentors to 1"),
        "{}",
        i.message
    );
    req.mentees[1].min_mentors = 1;
    let resp = solve_ok(&req);
    assert_eq!(resp.status, pb::SolveStatus::Optimal as i32);
    assert!(resp.pairs.iter().any(|p| p.mentee_id == "e2"));
}

/// The small request with a third mentor `m3` (like `m1`), capacities of
/// 3, and `e1` fitting every mentor and asking for two.
pub(crate) fn e1_asks_for_two_of_three() -> pb::SolveRequest {
    let mut req = small_request();
    let mut third = req.mentors[0].clone();
    third.profile.as_mut().unwrap().id = "m3".into();
    req.mentors.push(third);
    for m in &mut req.mentors {
        m.capacity = Some(3);
    }
    // e1 speaks English too, so that it fits every mentor.
    let english = req.mentees[1].profile.as_ref().unwrap().languages[1].clone();
    let e1 = req.mentees[0].profile.as_mut().unwrap();
    e1.languages.push(english);
    req.mentees[0].max_mentors = Some(2);
    req
}

#[test]
fn a_mentee_with_several_places_may_have_as_many_pins() {
    let mut req = e1_asks_for_two_of_three();
    let pin = |m: usize, e: usize, req: &pb::SolveRequest| pb::PairRef {
        mentor_id: id(&req.mentors[m].profile),
        mentee_id: id(&req.mentees[e].profile),
    };
    let two = vec![pin(0, 0, &req), pin(1, 0, &req)];
    policy_mut(&mut req).pinned_pairs = two.clone();
    let resp = solve_ok(&req);
    assert_eq!(resp.status, pb::SolveStatus::Optimal as i32);
    for p in &two {
        let got = resp
            .pairs
            .iter()
            .find(|x| x.mentor_id == p.mentor_id && x.mentee_id == p.mentee_id);
        assert!(got.is_some_and(|x| x.pinned), "{p:?} {:?}", resp.pairs);
    }
    // One more than max_mentors, or one pair twice, is refused by name.
    let mut three = req.clone();
    let extra = pin(2, 0, &req);
    policy_mut(&mut three).pinned_pairs.push(extra);
    let v = violations(&three);
    assert_violation(
        &v,
        "policy.pinned_pairs[2].mentee_id",
        "more pinned pairs than its max_mentors 2",
    );
    let mut twice = req.clone();
    policy_mut(&mut twice).pinned_pairs[1] = two[0].clone();
    let v = violations(&twice);
    assert_violation(
        &v,
        "policy.pinned_pairs[1]",
        "already pinned by policy.pinned_pairs[0]",
    );
    // Without demand a mentee keeps one pin, as before.
    let mut single = small_request();
    policy_mut(&mut single).pinned_pairs = vec![pin(0, 0, &single), pin(1, 0, &single)];
    let v = violations(&single);
    assert_violation(
        &v,
        "policy.pinned_pairs[1].mentee_id",
        "one bilateral mentor",
    );
}

/// `e1_asks_for_two_of_three` with e3 from e1's country asking for two
/// as well: e1 fits m1, m2 and m3; e3 fits m1 and m3; e2 fits m2.
fn two_from_morocco() -> pb::SolveRequest {
    let mut req = e1_asks_for_two_of_three();
    req.mentees[2].profile.as_mut().unwrap().country = "MA".into();
    req.mentees[2].max_mentors = Some(2);
    req
}

#[test]
fn a_country_quota_holds_with_demand_and_explains_who_is_short() {
    let free = solve_ok(&two_from_morocco());
    assert_eq!(free.pairs.len(), 5, "without the quota: {:?}", free.pairs);
    let mut req = two_from_morocco();
    policy_mut(&mut req).max_mentees_per_country = Some(1);
    let resp = solve_ok(&req);
    assert_eq!(resp.status, pb::SolveStatus::Optimal as i32);
    assert_eq!(
        resp.stats.as_ref().map(|s| s.engine),
        Some(pb::Engine::Milp as i32)
    );
    // m1, m2 and m3 take one Moroccan each, and m2 e2 as well: both
    // Moroccans covered, one with a second mentor.
    let moroccan = |e: &str| e == "e1" || e == "e3";
    for m in ["m1", "m2", "m3"] {
        let n = resp
            .pairs
            .iter()
            .filter(|p| p.mentor_id == m && moroccan(&p.mentee_id))
            .count();
        assert!(n <= 1, "{m} has {n} mentees from MA: {:?}", resp.pairs);
    }
    assert_eq!(resp.pairs.len(), 4, "{:?}", resp.pairs);
    let short: Vec<&pb::UnmatchedMentee> = resp
        .unmatched
        .iter()
        .filter(|u| moroccan(&u.mentee_id))
        .collect();
    assert_eq!(short.len(), 1, "{:?}", resp.unmatched);
    assert!(
        short[0]
            .message
            .contains("has 1 of the 2 mentors asked for")
            && short[0]
                .message
                .contains("at their quota of mentees from MA"),
        "{}",
        short[0].message
    );
}

#[test]
fn a_cap_on_changes_holds_in_a_what_if_with_demand() {
    // m1 and m3 have one place each, both e1's in the baseline; e3 (one
    // mentor) fits them only, so coverage first would give it one of them.
    let mut base = e1_asks_for_two_of_three();
    base.mentors[0].capacity = Some(1);
    base.mentors[2].capacity = Some(1);
    let pair = |m: &str, e: &str| pb::PairRef {
        mentor_id: m.into(),
        mentee_id: e.into(),
    };
    let run = |max_changes: Option<u32>| {
        let resp = mentormatch::api::what_if(
            &pb::WhatIfRequest {
                base: Some(base.clone()),
                baseline_pairs: vec![pair("m1", "e1"), pair("m3", "e1"), pair("m2", "e2")],
                scenarios: vec![pb::Scenario {
                    name: "as it is".into(),
                    edits: Vec::new(),
                }],
                max_changes,
                ..Default::default()
            },
            &Limits::default(),
            &SolveOptions::default(),
        )
        .expect("answered");
        let r = &resp.results[0];
        let pairs: Vec<(String, String)> = r
            .response
            .as_ref()
            .expect("response")
            .pairs
            .iter()
            .map(|p| (p.mentor_id.clone(), p.mentee_id.clone()))
            .collect();
        (pairs, r.diff.as_ref().map_or(0, |d| d.changes))
    };
    let (free, changes) = run(None);
    assert_eq!(
        changes, 1,
        "coverage first moves one of e1's mentors: {free:?}"
    );
    assert!(free.iter().any(|(_, e)| e == "e3"), "{free:?}");
    let (capped, changes) = run(Some(0));
    assert_eq!(changes, 0, "{capped:?}");
    for (m, e) in [("m1", "e1"), ("m3", "e1"), ("m2", "e2")] {
        assert!(capped.contains(&(m.into(), e.into())), "{capped:?}");
    }
    // Under the stable objective a cap is refused by name, as without demand.
    let mut stable = base.clone();
    policy_mut(&mut stable).objective = pb::Objective::Stable as i32;
    let refused = mentormatch::api::what_if(
        &pb::WhatIfRequest {
            base: Some(stable),
            baseline_pairs: vec![pair("m1", "e1")],
            scenarios: vec![pb::Scenario::default()],
            max_changes: Some(1),
            ..Default::default()
        },
        &Limits::default(),
        &SolveOptions::default(),
    );
    assert!(
        matches!(&refused, Err(mentormatch::Error::InvalidArgument(v))
            if v[0].field == "max_changes"),
        "{refused:?}"
    );
}

#[test]
fn demand_survives_a_workbook() {
    let mut req = small_request();
    req.mentors[0].role = "technical".into();
    req.mentors[1].role = "governance".into();
    req.mentees[0].max_mentors = Some(2);
    req.mentees[0].min_mentors = 1;
    req.mentees[1].priority = 2;
    req.mentees[2].max_mentors = Some(0);
    req.mentees[0].role_demands = vec![
        role_demand("technical", 1, None),
        role_demand("governance", 0, Some(1)),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cohort.xlsx");
    let round_trip = |req: &pb::SolveRequest| {
        let book = mentormatch::formats::workbook(req).expect("written");
        std::fs::write(&path, book).expect("write");
        mentormatch::formats::read_request(&path).expect("read back")
    };
    let back = round_trip(&req);
    assert_eq!(back.mentors, req.mentors);
    assert_eq!(back.mentees, req.mentees);
    // A role name may hold spaces: the count is the last word.
    let mut spaced = req.clone();
    spaced.mentors[0].role = "technical lead".into();
    spaced.mentees[0].role_demands = vec![role_demand("technical lead", 1, Some(2))];
    assert_eq!(round_trip(&spaced).mentees, spaced.mentees);
}

#[test]
fn the_report_and_the_table_count_mentees_and_pairs_apart() {
    let mut req = small_request();
    req.mentees[0].max_mentors = Some(2);
    req.mentors.push(mentor(
        profile("m3", "FR", "Europe/Paris", &[("fr", NATIVE)]),
        1,
    ));
    let resp = solve_ok(&req);
    let stats = resp.stats.unwrap_or_default();
    assert_eq!((stats.matched, stats.pairs), (3, 4), "{:?}", resp.pairs);
    let html =
        mentormatch::formats::report::solve(&req, &resp, &Limits::default()).expect("report");
    assert!(html.contains("pairs (mentees with several mentors)"));
    // Without demand, the counts are as before: no pairs count.
    req.mentees[0].max_mentors = None;
    let stats = solve_ok(&req).stats.unwrap_or_default();
    assert_eq!((stats.matched, stats.pairs), (3, 0));
    // The table says both.
    req.mentees[0].max_mentors = Some(2);
    let text = table_of(&req);
    assert!(text.contains("matched 3/3 (4 pairs)"), "{text}");
}
