//! The stability view: blocking pairs counted and listed for any answer,
//! and the stable objective (deferred acceptance, either side proposing):
//! no blocking pair, and its loss against a separate coverage-then-score
//! solve of the same request.

use mentormatch::pb;
use mentormatch::tools::synth::{self, SplitMix64, SynthConfig};

use crate::util::policy_mut as policy;
use crate::util::*;

fn programme(seed: u64) -> pb::SolveRequest {
    let mut rng = SplitMix64::new(seed);
    let mut req = synth::generate(&SynthConfig {
        mentees: 5 + rng.below(40),
        mentors: 2 + rng.below(10),
        seed,
        max_capacity: 1 + rng.below(4) as u32,
    });
    policy(&mut req).report_blocking_pairs = true;
    req
}

#[test]
fn stable_answers_have_no_blocking_pair_and_report_their_loss() {
    let mut lossy = 0;
    for seed in 0..30 {
        let base = programme(seed);
        let optimum = solve_ok(&base);
        let best = optimum.stats.unwrap();
        for proposer in [pb::StableProposer::Mentees, pb::StableProposer::Mentors] {
            let mut req = base.clone();
            policy(&mut req).objective = pb::Objective::Stable as i32;
            policy(&mut req).stable_proposer = proposer as i32;
            let resp = solve_ok(&req);
            let s = resp.stats.unwrap();
            assert_eq!(s.engine, pb::Engine::DeferredAcceptance as i32);
            assert_eq!(resp.blocking.as_ref().unwrap().count, 0, "seed {seed}");
            let l = s.stable_loss.unwrap();
            assert_eq!(l.optimum_matched, best.matched, "seed {seed}");
            assert!((l.optimum_total_score - best.total_score).abs() < 1e-6);
            assert_eq!(l.matched_fewer, best.matched - s.matched);
            assert!((l.score_lower - (best.total_score - s.total_score)).abs() < 1e-6);
            lossy += usize::from(l.matched_fewer > 0 || l.score_lower > 0.0);
        }
    }
    assert!(
        lossy > 0,
        "no stable matching lost anything: the test shows nothing"
    );
}

#[test]
fn the_optimum_s_blocking_pairs_hold_up_against_the_answer() {
    let mut listed = 0;
    for seed in 0..30 {
        let req = programme(seed);
        let resp = solve_ok(&req);
        let b = resp.blocking.as_ref().unwrap();
        assert!(b.pairs.len() as u64 <= b.count);
        let capacity = |id: &str| {
            req.mentors
                .iter()
                .find(|m| m.profile.as_ref().unwrap().id == id)
                .and_then(|m| m.capacity)
                .unwrap_or(1)
        };
        for x in &b.pairs {
            let now = resp.pairs.iter().find(|p| p.mentee_id == x.mentee_id);
            assert_eq!(now.map(|p| p.score), x.mentee_score_now);
            assert!(now.is_none_or(|p| p.mentor_id != x.mentor_id && p.score < x.score));
            let members: Vec<&pb::Pair> = resp
                .pairs
                .iter()
                .filter(|p| p.mentor_id == x.mentor_id)
                .collect();
            let full = members.len() as u32 >= capacity(&x.mentor_id);
            match x.mentor_lowest_score {
                None => assert!(!full),
                Some(low) => {
                    assert!(full);
                    let lowest = members.iter().map(|p| p.score).fold(f64::MAX, f64::min);
                    assert_eq!(low, lowest);
                    assert!(low < x.score);
                }
            }
            listed += 1;
        }
    }
    assert!(listed > 0, "no blocking pair listed");
}

#[test]
fn the_stable_objective_refuses_what_it_cannot_honour() {
    let fields = |edit: &dyn Fn(&mut pb::Policy)| -> Vec<String> {
        let mut req = small_request();
        policy(&mut req).objective = pb::Objective::Stable as i32;
        edit(policy(&mut req));
        violations(&req).into_iter().map(|v| v.field).collect()
    };
    assert!(fields(&|p| p.engine = pb::Engine::Flow as i32).contains(&"policy.engine".into()));
    assert!(fields(&|p| p.max_mentees_per_country = Some(1))
        .contains(&"policy.max_mentees_per_country".into()));
    assert!(fields(&|p| p.stable_proposer = 9).contains(&"policy.stable_proposer".into()));
}
