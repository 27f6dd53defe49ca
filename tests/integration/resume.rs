//! What-ifs re-optimised from the baseline (`resumed`) are optimal: on
//! random programmes (places plenty or short, with minimums, both objective
//! orders) and random edits the flow resumes from (mentors and mentees
//! removed, capacities raised and lowered, pairs forbidden, mentees added
//! or re-profiled), coverage and total score equal those of the same
//! scenario solved afresh by the MILP, an independent solver.

use mentormatch::pb;
use mentormatch::tools::synth::{generate, SynthConfig};
use mentormatch::{Limits, SolveOptions};
use prost::Message;

use pb::edit::Edit as E;

/// A small deterministic generator (LCG).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn id(p: &Option<pb::Profile>) -> String {
    p.as_ref().map(|p| p.id.clone()).unwrap_or_default()
}

/// One to three edits of the kinds a resumed what-if handles.
fn resumable_scenario(base: &pb::SolveRequest, rng: &mut Rng, k: usize) -> pb::Scenario {
    let mut edits = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let m = id(&base.mentors[rng.below(base.mentors.len())].profile);
        let e = id(&base.mentees[rng.below(base.mentees.len())].profile);
        let edit = match rng.below(6) {
            0 => E::RemoveMentor(m),
            1 => E::RemoveMentee(e),
            2 => E::SetCapacity(pb::CapacityChange {
                mentor_id: m,
                capacity: 1 + rng.below(5) as u32,
            }),
            3 => E::Forbid(pb::PairRef {
                mentor_id: m,
                mentee_id: e,
            }),
            4 => {
                let mut added = base.mentees[rng.below(base.mentees.len())].clone();
                added.profile.as_mut().unwrap().id = format!("e-new-{k}-{}", rng.below(1000));
                E::AddMentee(added)
            }
            _ => {
                // A mentee re-profiled: its row is scored again.
                let mut changed = base.mentees[rng.below(base.mentees.len())].clone();
                let p = changed.profile.as_mut().unwrap();
                p.topics.push(format!("topic {}", rng.below(50)));
                let who = p.id.clone();
                edits.push(pb::Edit {
                    edit: Some(E::RemoveMentee(who)),
                });
                E::AddMentee(changed)
            }
        };
        edits.push(pb::Edit { edit: Some(edit) });
    }
    pb::Scenario {
        name: format!("scenario {k}"),
        edits,
    }
}

/// `sc` solved afresh by the MILP: a policy edit the flow cannot resume,
/// first (a policy edit replaces the policy, pins and bans included).
fn by_milp(base: &pb::SolveRequest, sc: &pb::Scenario) -> pb::Scenario {
    let mut policy = base.policy.clone().unwrap_or_default();
    policy.engine = pb::Engine::Milp as i32;
    let mut sc = sc.clone();
    sc.edits.insert(
        0,
        pb::Edit {
            edit: Some(E::Policy(policy)),
        },
    );
    sc
}

fn stats(r: &pb::ScenarioResult) -> (u32, f64) {
    let s = r
        .response
        .as_ref()
        .and_then(|r| r.stats.as_ref())
        .expect("stats");
    (s.matched, s.total_score)
}

#[test]
fn resumed_what_ifs_equal_an_independent_solver() {
    let limits = Limits::default();
    let opts = SolveOptions::default();
    let mut rng = Rng(7);
    let (mut resumed, mut compared) = (0, 0);
    for seed in 0..36u64 {
        let mut base = generate(&SynthConfig {
            mentees: 12 + (seed as usize % 4) * 6,
            mentors: 4 + seed as usize % 4,
            seed: 100 + seed,
            // Places short on every third programme.
            max_capacity: if seed % 3 == 0 { 2 } else { 4 },
        });
        let policy = base.policy.get_or_insert_with(Default::default);
        if seed % 2 == 1 {
            policy.objective = pb::Objective::Score as i32;
        }
        if seed % 4 == 2 {
            base.mentors[0].min_mentees = 1;
        }
        let Ok(solved) = mentormatch::api::solve(&base, &limits, &opts) else {
            continue;
        };
        let scenarios: Vec<pb::Scenario> = (0..3)
            .map(|k| resumable_scenario(&base, &mut rng, k))
            .collect();
        let oracle: Vec<pb::Scenario> = scenarios.iter().map(|s| by_milp(&base, s)).collect();
        let req = |scenarios: Vec<pb::Scenario>| pb::WhatIfRequest {
            base: Some(base.clone()),
            baseline_pairs: mentormatch::api::baseline_pairs(&solved),
            scenarios,
            stability_weight: [0.0, 4.0][seed as usize % 2],
            ..Default::default()
        };
        let (Ok(fast), Ok(milp)) = (
            mentormatch::api::what_if(&req(scenarios), &limits, &opts),
            mentormatch::api::what_if(&req(oracle), &limits, &opts),
        ) else {
            continue;
        };
        for (a, b) in fast.results.iter().zip(&milp.results) {
            assert!(
                !b.resumed,
                "seed {seed}: the MILP scenario is solved afresh"
            );
            if !a.resumed {
                continue;
            }
            resumed += 1;
            let status = |r: &pb::ScenarioResult| r.response.as_ref().map(|r| r.status);
            if status(b) != Some(pb::SolveStatus::Optimal as i32) {
                continue;
            }
            assert_eq!(status(a), status(b), "seed {seed} {}", a.name);
            let ((ma, sa), (mb, sb)) = (stats(a), stats(b));
            assert_eq!(ma, mb, "seed {seed} {}: coverage", a.name);
            assert!(
                (sa - sb).abs() < 1e-6,
                "seed {seed} {}: total score {sa} against {sb}",
                a.name
            );
            compared += 1;
        }
    }
    assert!(resumed >= 60, "{resumed} scenarios resumed");
    assert!(compared >= 50, "{compared} compared with the MILP");
}

/// A scored base with its baseline's state kept gives the answer of a
/// what-if without it, byte for byte, and the scenario is resumed.
#[test]
fn a_kept_state_changes_no_answer() {
    let limits = Limits::default();
    let opts = SolveOptions::default();
    let mut rng = Rng(3);
    let mut resumed = 0;
    for seed in 0..12u64 {
        let base = generate(&SynthConfig {
            mentees: 40,
            mentors: 8,
            seed: 300 + seed,
            max_capacity: 4 + seed as u32 % 3,
        });
        let solved = mentormatch::api::solve(&base, &limits, &opts).expect("solved");
        let pairs = mentormatch::api::baseline_pairs(&solved);
        let kept = mentormatch::api::score_base(base.clone(), &limits, &opts)
            .expect("scored")
            .keep_state(pairs.clone(), &limits);
        let mut req = pb::WhatIfRequest {
            base: Some(base.clone()),
            baseline_pairs: pairs,
            scenarios: (0..3)
                .map(|k| resumable_scenario(&base, &mut rng, k))
                .collect(),
            stability_weight: 5.0,
            ..Default::default()
        };
        for view in [pb::WhatIfView::Full, pb::WhatIfView::Changes] {
            req.view = view as i32;
            let cold = mentormatch::api::what_if(&req, &limits, &opts);
            let warm = mentormatch::api::what_if_reusing(&req, &limits, &opts, Some(&kept));
            match (cold, warm) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.encode_to_vec(), b.encode_to_vec(), "seed {seed}");
                    resumed += b.results.iter().filter(|r| r.resumed).count();
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "seed {seed}"),
                (a, b) => panic!("seed {seed}: {a:?} against {b:?}"),
            }
        }
    }
    assert!(resumed >= 30, "{resumed} resumed");
}

/// The CHANGES view is the FULL answer less what did not change: the same
/// stats and diff counts, and exactly the pairs that are not baseline pairs.
#[test]
fn the_changes_view_keeps_what_changed() {
    let limits = Limits::default();
    let opts = SolveOptions::default();
    let mut rng = Rng(11);
    for seed in 0..8u64 {
        let base = generate(&SynthConfig {
            mentees: 30,
            mentors: 6,
            seed: 500 + seed,
            max_capacity: 3,
        });
        let solved = mentormatch::api::solve(&base, &limits, &opts).expect("solved");
        let mut req = pb::WhatIfRequest {
            base: Some(base.clone()),
            baseline_pairs: mentormatch::api::baseline_pairs(&solved),
            scenarios: (0..2)
                .map(|k| resumable_scenario(&base, &mut rng, k))
                .collect(),
            stability_weight: 2.0,
            ..Default::default()
        };
        let full = mentormatch::api::what_if(&req, &limits, &opts).expect("full");
        req.view = pb::WhatIfView::Changes as i32;
        let small = mentormatch::api::what_if(&req, &limits, &opts).expect("changes");
        for (f, s) in full.results.iter().zip(&small.results) {
            let (fr, sr) = (f.response.as_ref().unwrap(), s.response.as_ref().unwrap());
            assert_eq!(fr.stats, sr.stats, "seed {seed}");
            let (fd, sd) = (f.diff.as_ref().unwrap(), s.diff.as_ref().unwrap());
            assert_eq!(fd.kept_count as usize, fd.kept.len());
            assert_eq!(
                (fd.kept_count, &fd.moved, &fd.added),
                (sd.kept_count, &sd.moved, &sd.added)
            );
            assert!(sd.kept.is_empty());
            let kept: std::collections::BTreeSet<(&str, &str)> = fd
                .kept
                .iter()
                .map(|p| (p.mentor_id.as_str(), p.mentee_id.as_str()))
                .collect();
            let changed: Vec<&pb::Pair> = fr
                .pairs
                .iter()
                .filter(|p| !kept.contains(&(p.mentor_id.as_str(), p.mentee_id.as_str())))
                .collect();
            let listed: Vec<&pb::Pair> = sr.pairs.iter().collect();
            assert_eq!(changed, listed, "seed {seed}");
        }
    }
}
