//! What-if rematching: diffs are exact, stability keeps what need not
//! change, the cap on changes holds, scenarios come back in order.

use std::collections::{BTreeMap, BTreeSet};

use mentormatch::pb;
use mentormatch::tools::synth::{generate, SynthConfig};
use mentormatch::Limits;
use mentormatch::ServerConfig;
use mentormatch::SolveOptions;
use proptest::prelude::*;
use prost::Message;

use crate::util::*;

fn what_if(req: &pb::WhatIfRequest) -> Result<pb::WhatIfResponse, mentormatch::Error> {
    mentormatch::api::what_if(req, &Limits::default(), &SolveOptions::default())
}

fn pairs_of(resp: &pb::SolveResponse) -> BTreeMap<String, String> {
    resp.pairs
        .iter()
        .map(|p| (p.mentee_id.clone(), p.mentor_id.clone()))
        .collect()
}

fn baseline_of(resp: &pb::SolveResponse) -> Vec<pb::PairRef> {
    mentormatch::api::baseline_pairs(resp)
}

/// A programme where no mentor is ever full (every capacity = mentees).
fn roomy(seed: u64, mentees: usize, mentors: usize) -> pb::SolveRequest {
    let mut req = generate(&SynthConfig {
        mentees,
        mentors,
        seed,
        max_capacity: 3,
    });
    for m in &mut req.mentors {
        m.capacity = Some(mentees as u32);
    }
    req
}

fn remove(mentor: &str) -> pb::Scenario {
    pb::Scenario {
        name: format!("without {mentor}"),
        edits: vec![pb::Edit {
            edit: Some(pb::edit::Edit::RemoveMentor(mentor.into())),
        }],
    }
}

/// The busiest mentor of a response.
fn busiest(resp: &pb::SolveResponse) -> String {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &resp.pairs {
        *count.entry(&p.mentor_id).or_default() += 1;
    }
    count
        .into_iter()
        .max_by_key(|&(m, c)| (c, std::cmp::Reverse(m)))
        .unwrap()
        .0
        .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// The diff equals the one recomputed from the two sets of pairs.
    #[test]
    fn diff_is_exact(seed in 0u64..500, mentees in 5usize..40, mentors in 2usize..8) {
        let base = generate(&SynthConfig { mentees, mentors, seed, max_capacity: 4 });
        let first = solve_ok(&base);
        prop_assume!(!first.pairs.is_empty());
        let gone = busiest(&first);
        let req = pb::WhatIfRequest {
            base: Some(base.clone()),
            baseline_pairs: baseline_of(&first),
            scenarios: vec![remove(&gone)],
            stability_weight: 0.0,
            max_changes: None,
            view: 0,
            base_request_sha256: String::new(),
            baseline_groups: Vec::new(),
            base_run_id: String::new(),
        };
        let r = &run(&req).results[0];
        let d = r.diff.clone().unwrap();
        let before = pairs_of(&first);
        let after = pairs_of(r.response.as_ref().unwrap());
        let set = |v: &[pb::PairRef]| v.iter().map(|p| (p.mentee_id.clone(), p.mentor_id.clone())).collect::<BTreeSet<_>>();
        let kept: BTreeSet<_> = before.iter().filter(|(e, m)| after.get(*e) == Some(*m)).map(|(e, m)| (e.clone(), m.clone())).collect();
        let dropped: BTreeSet<_> = before.iter().filter(|(e, _)| !after.contains_key(*e)).map(|(e, m)| (e.clone(), m.clone())).collect();
        let added: BTreeSet<_> = after.iter().filter(|(e, _)| !before.contains_key(*e)).map(|(e, m)| (e.clone(), m.clone())).collect();
        let moved: BTreeSet<_> = before
            .iter()
            .filter_map(|(e, m)| after.get(e).filter(|m2| *m2 != m).map(|m2| (e.clone(), m.clone(), m2.clone())))
            .collect();
        prop_assert_eq!(set(&d.kept), kept);
        prop_assert_eq!(set(&d.dropped), dropped);
        prop_assert_eq!(set(&d.added), added);
        let dm: BTreeSet<_> = d.moved.iter().map(|m| (m.mentee_id.clone(), m.from_mentor_id.clone(), m.to_mentor_id.clone())).collect();
        prop_assert_eq!(dm, moved);
        prop_assert_eq!(d.coverage_change, after.len() as i32 - before.len() as i32);
        prop_assert_eq!(d.changes as usize, d.moved.len() + d.dropped.len());
        // Score change: new total minus baseline total (no stability points here).
        let new_total = r.response.as_ref().unwrap().stats.unwrap().total_score;
        let old_total = first.stats.unwrap().total_score;
        prop_assert!((d.score_change - (new_total - old_total)).abs() < 1e-6);
    }

    /// With a high stability weight and room everywhere, removing a mentor
    /// changes only that mentor's pairs.
    #[test]
    fn high_stability_changes_only_what_must_change(seed in 0u64..500, mentees in 5usize..40, mentors in 3usize..8) {
        let base = roomy(seed, mentees, mentors);
        let first = solve_ok(&base);
        prop_assume!(!first.pairs.is_empty());
        let gone = busiest(&first);
        let req = pb::WhatIfRequest {
            base: Some(base),
            baseline_pairs: baseline_of(&first),
            scenarios: vec![remove(&gone)],
            stability_weight: 1000.0,
            max_changes: None,
            view: 0,
            base_request_sha256: String::new(),
            baseline_groups: Vec::new(),
            base_run_id: String::new(),
        };
        let d = run(&req).results[0].diff.clone().unwrap();
        for m in &d.moved {
            prop_assert_eq!(&m.from_mentor_id, &gone, "{} moved though its mentor stayed", m.mentee_id);
        }
        for p in &d.dropped {
            prop_assert_eq!(&p.mentor_id, &gone);
        }
        let had = first.pairs.iter().filter(|p| p.mentor_id != gone).count();
        prop_assert_eq!(d.kept.len(), had);
    }
}

/// Runs a what-if that must succeed.
fn run(req: &pb::WhatIfRequest) -> pb::WhatIfResponse {
    what_if(req).unwrap_or_else(|e| panic!("what-if failed: {e}"))
}

#[test]
fn cap_on_changes_holds_and_uses_the_milp() {
    let base = generate(&SynthConfig {
        mentees: 18,
        mentors: 5,
        seed: 9,
        max_capacity: 5,
    });
    let first = solve_ok(&base);
    let gone = busiest(&first);
    for cap in [0u32, 1, 2] {
        let req = pb::WhatIfRequest {
            base: Some(base.clone()),
            baseline_pairs: baseline_of(&first),
            scenarios: vec![remove(&gone)],
            stability_weight: 0.0,
            max_changes: Some(cap),
            view: 0,
            base_request_sha256: String::new(),
            baseline_groups: Vec::new(),
            base_run_id: String::new(),
        };
        let r = &run(&req).results[0];
        let resp = r.response.as_ref().unwrap();
        assert_eq!(
            resp.stats.unwrap().engine,
            pb::Engine::Milp as i32,
            "a cap needs the MILP"
        );
        let d = r.diff.clone().unwrap();
        // Changes among pairs that remain possible (the removed mentor's are forced).
        let optional = d.moved.iter().filter(|m| m.from_mentor_id != gone).count()
            + d.dropped.iter().filter(|p| p.mentor_id != gone).count();
        assert!(
            optional as u32 <= cap,
            "cap {cap}: {optional} optional changes in {d:?}"
        );
    }
}

#[test]
fn scenarios_come_back_in_order_and_errors_name_the_edit() {
    let base = example_request();
    let first = solve_ok(&base);
    let names = ["a", "b", "c", "d"];
    let mentors = ["m-fr-meca", "m-it-olive", "m-es-acc-ict", "m-ps-stone"];
    let req = pb::WhatIfRequest {
        base: Some(base.clone()),
        baseline_pairs: baseline_of(&first),
        scenarios: names
            .iter()
            .zip(mentors)
            .map(|(n, m)| pb::Scenario {
                name: n.to_string(),
                ..remove(m)
            })
            .collect(),
        stability_weight: 10.0,
        max_changes: None,
        view: 0,
        base_request_sha256: String::new(),
        baseline_groups: Vec::new(),
        base_run_id: String::new(),
    };
    let resp = run(&req);
    let got: Vec<&str> = resp.results.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(got, names);
    for (r, m) in resp.results.iter().zip(mentors) {
        assert!(
            !r.response
                .as_ref()
                .unwrap()
                .pairs
                .iter()
                .any(|p| p.mentor_id == m),
            "{m} still matched"
        );
    }
    let mut bad = req.clone();
    bad.scenarios[2].edits.push(pb::Edit {
        edit: Some(pb::edit::Edit::RemoveMentor("nobody".into())),
    });
    bad.baseline_pairs.push(pb::PairRef {
        mentor_id: "m-x".into(),
        mentee_id: "e-y".into(),
    });
    match what_if(&bad) {
        Err(mentormatch::Error::InvalidArgument(v)) => {
            assert_violation(
                &v,
                &format!("baseline_pairs[{}].mentor_id", first.pairs.len()),
                "unknown mentor id \"m-x\"",
            );
        }
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
    bad.baseline_pairs.pop();
    match what_if(&bad) {
        Err(mentormatch::Error::InvalidArgument(v)) => {
            assert_violation(
                &v,
                "scenarios[2].edits[1].remove_mentor",
                "unknown mentor id \"nobody\"",
            );
        }
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_what_if_matches_the_library_on_the_example() {
    let path = repo_path("examples/cmr-2021/whatif.json");
    let text = std::fs::read_to_string(&path).expect("example what-if");
    let req: pb::WhatIfRequest = serde_json::from_str(&text).expect("parses");
    let server = start_server(ServerConfig::default()).await;
    let mut client = server.client().await;
    let over_grpc = client
        .what_if(req.clone())
        .await
        .expect("WhatIf")
        .into_inner();
    server.stop().await;
    assert_eq!(over_grpc, run(&req));
    assert_eq!(over_grpc.results.len(), 3);
}

// --- Group memberships ------------------------------------------------------

fn groups_of(resp: &pb::SolveResponse) -> Vec<pb::GroupRef> {
    mentormatch::api::baseline_groups(resp)
}

/// mentee → lead mentor of its group.
fn memberships(groups: &[pb::GroupRef]) -> BTreeMap<String, String> {
    groups
        .iter()
        .flat_map(|g| {
            g.member_ids
                .iter()
                .map(move |e| (e.clone(), g.mentor_ids[0].clone()))
        })
        .collect()
}

fn example_what_if(
    scenarios: Vec<pb::Scenario>,
    weight: f64,
) -> (pb::SolveResponse, pb::WhatIfResponse) {
    let base = example_request();
    let first = solve_ok(&base);
    assert!(!first.groups.is_empty(), "the example forms groups");
    let req = pb::WhatIfRequest {
        base: Some(base),
        baseline_pairs: baseline_of(&first),
        baseline_groups: groups_of(&first),
        base_run_id: String::new(),
        scenarios,
        stability_weight: weight,
        max_changes: None,
        view: 0,
        base_request_sha256: String::new(),
    };
    let resp = what_if(&req).expect("what-if");
    (first, resp)
}

fn edit(e: pb::edit::Edit) -> pb::Scenario {
    pb::Scenario {
        name: "edit".into(),
        edits: vec![pb::Edit { edit: Some(e) }],
    }
}

/// The membership diff equals the one recomputed from the baseline groups
/// and the scenario's groups; with no edits and a high stability weight
/// every membership is kept.
#[test]
fn membership_diff_is_exact_and_stability_keeps_groups() {
    let (first, resp) = example_what_if(
        vec![
            pb::Scenario {
                name: "unchanged".into(),
                edits: Vec::new(),
            },
            remove(&first_lead()),
        ],
        50.0,
    );
    let before = memberships(&groups_of(&first));
    let unchanged = resp.results[0].membership_diff.as_ref().expect("diff");
    assert_eq!(unchanged.changes, 0, "{unchanged:#?}");
    assert_eq!(unchanged.kept.len(), before.len());
    for r in &resp.results {
        let d = r.membership_diff.as_ref().expect("diff");
        let after = memberships(&groups_of(r.response.as_ref().unwrap()));
        let kept: BTreeSet<(String, String)> = d
            .kept
            .iter()
            .map(|p| (p.mentee_id.clone(), p.mentor_id.clone()))
            .collect();
        let expect_kept: BTreeSet<(String, String)> = before
            .iter()
            .filter(|(e, m)| after.get(*e) == Some(m))
            .map(|(e, m)| (e.clone(), m.clone()))
            .collect();
        assert_eq!(kept, expect_kept);
        let moved: BTreeSet<(String, String, String)> = d
            .moved
            .iter()
            .map(|m| {
                (
                    m.mentee_id.clone(),
                    m.from_mentor_id.clone(),
                    m.to_mentor_id.clone(),
                )
            })
            .collect();
        let expect_moved: BTreeSet<(String, String, String)> = before
            .iter()
            .filter_map(|(e, m)| {
                let to = after.get(e)?;
                (to != m).then(|| (e.clone(), m.clone(), to.clone()))
            })
            .collect();
        assert_eq!(moved, expect_moved);
        let dropped: BTreeSet<String> = d.dropped.iter().map(|p| p.mentee_id.clone()).collect();
        let expect_dropped: BTreeSet<String> = before
            .keys()
            .filter(|e| !after.contains_key(*e))
            .cloned()
            .collect();
        assert_eq!(dropped, expect_dropped);
        let added: BTreeSet<String> = d.added.iter().map(|p| p.mentee_id.clone()).collect();
        let expect_added: BTreeSet<String> = after
            .keys()
            .filter(|e| !before.contains_key(*e))
            .cloned()
            .collect();
        assert_eq!(added, expect_added);
        assert_eq!(d.changes as usize, d.moved.len() + d.dropped.len());
        assert_eq!(d.coverage_change, after.len() as i32 - before.len() as i32);
    }
}

/// The lead mentor of the example's first group.
fn first_lead() -> String {
    solve_ok(&example_request()).groups[0].mentor_ids[0].clone()
}

/// Stability can only keep more memberships: with a high weight at least as
/// many are kept as with none, when a lead withdraws.
#[test]
fn group_stability_keeps_at_least_as_many_memberships() {
    let lead = first_lead();
    let kept = |w: f64| {
        let (_, r) = example_what_if(vec![remove(&lead)], w);
        r.results[0].membership_diff.as_ref().unwrap().kept.len()
    };
    let (without, with) = (kept(0.0), kept(100.0));
    assert!(with >= without, "{with} < {without}");
    let (_, r) = example_what_if(vec![remove(&lead)], 100.0);
    let g = &r.results[0].response.as_ref().unwrap().groups;
    let stab = pb::GroupCriterion::Stability as i32;
    assert!(g
        .iter()
        .all(|g| g.breakdown.iter().any(|t| t.criterion == stab)));
}

/// Pinning and forbidding memberships are edits like the others.
#[test]
fn member_pins_and_bans_are_obeyed() {
    let base = solve_ok(&example_request());
    let g0 = &base.groups[0];
    let member = g0.member_ids[0].clone();
    let lead = g0.mentor_ids[0].clone();
    let ban = pb::PairRef {
        mentor_id: lead.clone(),
        mentee_id: member.clone(),
    };
    let (_, r) = example_what_if(vec![edit(pb::edit::Edit::ForbidMember(ban))], 10.0);
    let after = memberships(&groups_of(r.results[0].response.as_ref().unwrap()));
    assert_ne!(after.get(&member), Some(&lead));

    // Pin the member to another group's lead.
    let other = base
        .groups
        .iter()
        .map(|g| g.mentor_ids[0].clone())
        .find(|m| *m != lead)
        .expect("two groups");
    let pin = pb::PairRef {
        mentor_id: other.clone(),
        mentee_id: member.clone(),
    };
    let (_, r) = example_what_if(vec![edit(pb::edit::Edit::PinMember(pin.clone()))], 10.0);
    let res = &r.results[0];
    let resp = res.response.as_ref().unwrap();
    let after = memberships(&groups_of(resp));
    assert_eq!(after.get(&member), Some(&other), "{:#?}", resp.ungrouped);
    let d = res.membership_diff.as_ref().unwrap();
    assert!(d
        .moved
        .iter()
        .any(|m| m.mentee_id == member && m.to_mentor_id == other));
}

#[test]
fn baseline_groups_and_member_edits_are_validated() {
    let base = example_request();
    let req = pb::WhatIfRequest {
        base: Some(base.clone()),
        baseline_pairs: Vec::new(),
        baseline_groups: vec![pb::GroupRef {
            mentor_ids: vec!["nobody".into()],
            member_ids: vec!["ghost".into()],
        }],
        scenarios: vec![remove(&base.mentors[0].profile.as_ref().unwrap().id)],
        stability_weight: 1.0,
        max_changes: None,
        view: 0,
        base_request_sha256: String::new(),
        base_run_id: String::new(),
    };
    let Err(mentormatch::Error::InvalidArgument(v)) = what_if(&req) else {
        panic!("accepted unknown ids")
    };
    assert_violation(&v, "baseline_groups[0].mentor_ids[0]", "nobody");
    assert_violation(&v, "baseline_groups[0].member_ids[0]", "ghost");

    let mut no_groups = small_request();
    no_groups.policy.as_mut().unwrap().groups = None;
    let req = pb::WhatIfRequest {
        base: Some(no_groups),
        scenarios: vec![edit(pb::edit::Edit::PinMember(pb::PairRef {
            mentor_id: "m1".into(),
            mentee_id: "e1".into(),
        }))],
        ..Default::default()
    };
    let Err(mentormatch::Error::InvalidArgument(v)) = what_if(&req) else {
        panic!("accepted a member pin without groups")
    };
    assert_violation(&v, "scenarios[0].edits[0].pin_member", "forms no groups");
}

/// Random edits of a base request: removals, additions, capacities, pins,
/// bans and policy changes.
fn random_scenario(base: &pb::SolveRequest, rng: &mut u64) -> pb::Scenario {
    use pb::edit::Edit as E;
    let mut next = |n: usize| {
        *rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*rng >> 33) as usize) % n.max(1)
    };
    let mentor = |k: usize| {
        base.mentors[k % base.mentors.len()]
            .profile
            .as_ref()
            .unwrap()
            .id
            .clone()
    };
    let mentee = |k: usize| {
        base.mentees[k % base.mentees.len()]
            .profile
            .as_ref()
            .unwrap()
            .id
            .clone()
    };
    let mut edits = Vec::new();
    for _ in 0..1 + next(3) {
        let (m, e) = (mentor(next(100)), mentee(next(100)));
        let pair = pb::PairRef {
            mentor_id: m.clone(),
            mentee_id: e.clone(),
        };
        let edit = match next(8) {
            0 => E::RemoveMentor(m),
            1 => E::RemoveMentee(e),
            2 => E::SetCapacity(pb::CapacityChange {
                mentor_id: m,
                capacity: next(3) as u32,
            }),
            3 => E::Forbid(pair),
            4 => {
                let mut added = base.mentors[next(base.mentors.len())].clone();
                added.profile.as_mut().unwrap().id = format!("m-added-{}", next(1000));
                E::AddMentor(added)
            }
            5 => {
                let mut added = base.mentees[next(base.mentees.len())].clone();
                added.profile.as_mut().unwrap().id = format!("e-added-{}", next(1000));
                E::AddMentee(added)
            }
            6 => {
                let mut p = base.policy.clone().unwrap_or_default();
                p.objective = [1, 2, 3][next(3)];
                E::Policy(p)
            }
            _ => {
                let mut p = base.policy.clone().unwrap_or_default();
                p.min_weekly_overlap_hours = Some(1.0);
                E::Policy(p)
            }
        };
        edits.push(pb::Edit { edit: Some(edit) });
    }
    pb::Scenario {
        name: format!("random {}", next(1_000_000)),
        edits,
    }
}

/// A what-if from a scored base answers byte for byte as one without it, on
/// random programmes and random edits (with and without stability points,
/// a minimum pair score, pins).
#[test]
fn a_scored_base_changes_no_answer() {
    let limits = Limits::default();
    let opts = SolveOptions::default();
    let mut rng = 1u64;
    let mut answers = 0;
    for seed in 0..40u64 {
        let mut base = generate(&SynthConfig {
            mentees: 30 + (seed as usize % 4) * 10,
            mentors: 6 + seed as usize % 5,
            seed,
            max_capacity: 4,
        });
        let policy = base.policy.get_or_insert_with(Default::default);
        if seed % 3 == 0 {
            policy.min_pair_score = Some(30.0);
        }
        if seed % 5 == 0 {
            let e = base.mentees[0].profile.as_ref().unwrap().id.clone();
            let m = base.mentors[0].profile.as_ref().unwrap().id.clone();
            base.policy.as_mut().unwrap().pinned_pairs = vec![pb::PairRef {
                mentor_id: m,
                mentee_id: e,
            }];
        }
        let Ok(solved) = mentormatch::api::solve(&base, &limits, &opts) else {
            continue;
        };
        let scored = mentormatch::api::score_base(base.clone(), &limits, &opts).expect("scored");
        let req = pb::WhatIfRequest {
            base: Some(base.clone()),
            baseline_pairs: baseline_of(&solved),
            scenarios: (0..3).map(|_| random_scenario(&base, &mut rng)).collect(),
            stability_weight: [0.0, 5.0, 40.0][seed as usize % 3],
            ..Default::default()
        };
        let cold = mentormatch::api::what_if(&req, &limits, &opts);
        let warm = mentormatch::api::what_if_reusing(&req, &limits, &opts, Some(&scored));
        match (cold, warm) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.encode_to_vec(), b.encode_to_vec(), "seed {seed}");
                answers += 1;
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "seed {seed}"),
            (a, b) => panic!("seed {seed}: {a:?} against {b:?}"),
        }
    }
    assert!(answers >= 30, "{answers} what-ifs answered");
}
