//! Issue 29, what-if with demand: a scenario on a request whose mentees
//! ask for several mentors is answered with the exhaustive search's
//! optimum of the edited request (baseline pairs worth `stability_weight`
//! more), and its diff, read as a multiset of pairs, turns the baseline
//! into the scenario's pairs exactly.

use std::collections::BTreeSet;

use mentormatch::model::to_milli;
use mentormatch::pb;
use mentormatch::wire::problem_from_request;
use mentormatch::{Limits, SolveOptions};

use crate::demand::{demand_brute_force, demand_key};
use crate::demand_requests::{demanding, programme};
use crate::util::profile_id as id;

/// Pairs as (mentee id, mentor id).
fn pairs_of(r: &pb::SolveResponse) -> BTreeSet<(String, String)> {
    r.pairs
        .iter()
        .map(|p| (p.mentee_id.clone(), p.mentor_id.clone()))
        .collect()
}

#[test]
fn a_what_if_with_demand_is_the_optimum_of_the_edited_request() {
    let (limits, opts) = (Limits::default(), SolveOptions::default());
    let (mut checked, mut moved, mut several) = (0, 0, 0);
    for seed in 0..200 {
        let base = programme(seed);
        let problem = problem_from_request(&base, &limits).expect("valid");
        if !problem.has_demand() || base.mentors.len() < 2 {
            continue;
        }
        let solved = mentormatch::api::solve(&base, &limits, &opts).expect("solved");
        if solved.status != pb::SolveStatus::Optimal as i32 {
            continue;
        }
        // Withdraw the busiest mentor that no pin names.
        let pinned: Vec<&str> = base
            .policy
            .iter()
            .flat_map(|p| &p.pinned_pairs)
            .map(|p| p.mentor_id.as_str())
            .collect();
        let load = |m: &str| solved.pairs.iter().filter(|p| p.mentor_id == m).count();
        // (Not the last mentor of a role: a role demand naming a role no
        // mentor has is an invalid request.)
        let shared =
            |r: &str| r.is_empty() || base.mentors.iter().filter(|m| m.role == r).count() > 1;
        let Some(gone) = base
            .mentors
            .iter()
            .filter(|m| shared(&m.role))
            .map(|m| id(&m.profile))
            .filter(|m| !pinned.contains(m))
            .max_by_key(|m| (load(m), std::cmp::Reverse(*m)))
        else {
            continue;
        };
        let weight = [0.0, 60.0][seed as usize % 2];
        let req = pb::WhatIfRequest {
            base: Some(base.clone()),
            baseline_pairs: mentormatch::api::baseline_pairs(&solved),
            scenarios: vec![pb::Scenario {
                name: format!("without {gone}"),
                edits: vec![pb::Edit {
                    edit: Some(pb::edit::Edit::RemoveMentor(gone.into())),
                }],
            }],
            stability_weight: weight,
            ..Default::default()
        };
        let answer = mentormatch::api::what_if(&req, &limits, &opts).expect("answered");
        let result = &answer.results[0];
        let resp = result.response.as_ref().expect("a response");
        let edited = mentormatch::api::scenario_request(&req, 0).expect("edited");
        // The oracle: the edited request, its baseline pairs worth more.
        let mut d = demanding(&edited);
        let ep = problem_from_request(&edited, &limits).expect("valid");
        let mentor_ix = |m: &str| ep.mentors.iter().position(|x| x.profile.id == m);
        let mentee_ix = |e: &str| ep.mentees.iter().position(|x| x.profile.id == e);
        let inst = d.inst.clone();
        let arc = |m: usize, e: usize| inst.arcs(e).find(|&a| inst.mentor[a] as usize == m);
        let bonus: Vec<usize> = solved
            .pairs
            .iter()
            .filter_map(|p| arc(mentor_ix(&p.mentor_id)?, mentee_ix(&p.mentee_id)?))
            .collect();
        for a in bonus {
            d.inst.score[a] += to_milli(weight);
        }
        let objective = ep.policy.objective;
        let Some((best, _)) = demand_brute_force(&d, objective) else {
            assert_eq!(
                resp.status,
                pb::SolveStatus::Infeasible as i32,
                "seed {seed}"
            );
            continue;
        };
        assert_eq!(resp.status, pb::SolveStatus::Optimal as i32, "seed {seed}");
        let mut chosen = vec![Vec::new(); d.inst.mentees()];
        for p in &resp.pairs {
            let e = mentee_ix(&p.mentee_id).unwrap();
            let a = arc(mentor_ix(&p.mentor_id).unwrap(), e).expect("a feasible pair");
            chosen[e].push(a as u32);
        }
        assert_eq!(demand_key(&d, objective, &chosen), best, "seed {seed}");
        // Every baseline pair, and only those, earns the stability points.
        let before = pairs_of(&solved);
        for p in &resp.pairs {
            let points: f64 = p
                .breakdown
                .iter()
                .filter(|t| t.criterion == pb::Criterion::Stability as i32)
                .map(|t| t.points)
                .sum();
            let kept = before.contains(&(p.mentee_id.clone(), p.mentor_id.clone()));
            let expected = if kept { weight } else { 0.0 };
            assert!((points - expected).abs() < 1e-9, "seed {seed}: {p:?}");
        }
        // The diff turns the baseline into the scenario's pairs.
        let diff = result.diff.as_ref().expect("a diff");
        let after = pairs_of(resp);
        let pair = |p: &pb::PairRef| (p.mentee_id.clone(), p.mentor_id.clone());
        let mut rebuilt = before.clone();
        for p in &diff.dropped {
            assert!(rebuilt.remove(&pair(p)), "seed {seed}: {p:?}");
        }
        for m in &diff.moved {
            assert!(rebuilt.remove(&(m.mentee_id.clone(), m.from_mentor_id.clone())));
            assert!(rebuilt.insert((m.mentee_id.clone(), m.to_mentor_id.clone())));
        }
        for p in &diff.added {
            assert!(rebuilt.insert(pair(p)), "seed {seed}: {p:?}");
        }
        assert_eq!(rebuilt, after, "seed {seed}");
        let kept: BTreeSet<_> = diff.kept.iter().map(pair).collect();
        assert_eq!(kept, &before & &after, "seed {seed}");
        let mentees = |s: &BTreeSet<(String, String)>| {
            s.iter().map(|p| p.0.clone()).collect::<BTreeSet<_>>().len() as i32
        };
        assert_eq!(diff.coverage_change, mentees(&after) - mentees(&before));
        checked += 1;
        moved += usize::from(!diff.moved.is_empty());
        several += usize::from(mentees(&after) < after.len() as i32);
    }
    assert!(
        checked > 60 && moved > 10 && several > 30,
        "{checked} {moved} {several}"
    );
}

/// A baseline gives a mentee at most `max_mentors` pairs, each mentor once.
#[test]
fn a_baseline_with_demand_is_validated_by_name() {
    let base = crate::demand_requests::e1_asks_for_two_of_three();
    let pair = |m: &str| pb::PairRef {
        mentor_id: m.into(),
        mentee_id: "e1".into(),
    };
    let what_if = |pairs: Vec<pb::PairRef>| {
        let req = pb::WhatIfRequest {
            base: Some(base.clone()),
            baseline_pairs: pairs,
            scenarios: vec![pb::Scenario {
                name: "as is".into(),
                edits: Vec::new(),
            }],
            ..Default::default()
        };
        mentormatch::api::what_if(&req, &Limits::default(), &SolveOptions::default())
    };
    assert!(what_if(vec![pair("m1"), pair("m2")]).is_ok());
    for (pairs, needle) in [
        (
            vec![pair("m1"), pair("m2"), pair("m3")],
            "more baseline pairs than its max_mentors 2",
        ),
        (vec![pair("m1"), pair("m1")], "in baseline_pairs twice"),
    ] {
        let got = what_if(pairs);
        assert!(
            matches!(&got, Err(mentormatch::Error::InvalidArgument(v))
                if v.iter().any(|x| x.description.contains(needle))),
            "{got:?}"
        );
    }
}

#[test]
fn withdrawing_the_last_mentor_of_a_role_is_a_scenario_not_a_typo() {
    use crate::demand_requests::{e1_asks_for_two_of_three, role_demand};
    // m1 is the only technical mentor; e1 asks for one technical mentor at
    // least, e3 for one at most.
    let mut base = e1_asks_for_two_of_three();
    base.mentors[0].role = "technical".into();
    base.mentors[1].role = "governance".into();
    base.mentors[2].role = "governance".into();
    base.mentees[0].role_demands = vec![role_demand("technical", 1, None)];
    base.mentees[2].role_demands = vec![role_demand("Technical ", 0, Some(1))];
    let withdraw = |base: &pb::SolveRequest| {
        let resp = mentormatch::api::what_if(
            &pb::WhatIfRequest {
                base: Some(base.clone()),
                scenarios: vec![pb::Scenario {
                    name: "without m1".into(),
                    edits: vec![pb::Edit {
                        edit: Some(pb::edit::Edit::RemoveMentor("m1".into())),
                    }],
                }],
                ..Default::default()
            },
            &Limits::default(),
            &SolveOptions::default(),
        )
        .expect("a scenario, not an invalid request");
        resp.results[0].response.clone().expect("response")
    };
    // e1 cannot have its technical mentor: INFEASIBLE, naming e1 and the role.
    let r = withdraw(&base);
    assert_eq!(r.status, pb::SolveStatus::Infeasible as i32, "{r:?}");
    let why = &r.infeasibilities;
    assert!(
        why.iter().any(|i| i.kind == "MENTEE_MINIMUM"
            && i.ids.iter().any(|x| x == "e1")
            && i.message.contains("technical")),
        "{why:?}"
    );
    // Without e1's minimum, a cap on a role nobody has left holds vacuously.
    base.mentees[0].role_demands[0].at_least = 0;
    let r = withdraw(&base);
    assert_eq!(r.status, pb::SolveStatus::Optimal as i32, "{r:?}");
    assert!(r.pairs.iter().all(|p| p.mentor_id != "m1"), "{:?}", r.pairs);
    // A role no mentor of the base has is still a typo, named.
    base.mentees[2].role_demands[0].role = "tecnical".into();
    let bad = mentormatch::api::what_if(
        &pb::WhatIfRequest {
            base: Some(base.clone()),
            scenarios: vec![pb::Scenario::default()],
            ..Default::default()
        },
        &Limits::default(),
        &SolveOptions::default(),
    );
    assert!(
        matches!(&bad, Err(mentormatch::Error::InvalidArgument(v))
            if v.iter().any(|x| x.field.ends_with("mentees[2].role_demands[0].role"))),
        "{bad:?}"
    );
}
