//! "Why not X?": every reported loss equals the difference of two optima
//! computed independently by the MILP engine; every excluded mentor really
//! cannot be pinned.

use mentormatch::pb;
use mentormatch::tools::synth::{generate, SynthConfig};
use mentormatch::Limits;
use mentormatch::SolveOptions;
use proptest::prelude::*;

use crate::util::*;

/// (matched, total score) with the MILP engine, or `None` when infeasible.
fn milp_optimum(req: &pb::SolveRequest) -> Option<(i64, f64)> {
    let mut r = req.clone();
    r.policy.get_or_insert_with(Default::default).engine = pb::Engine::Milp as i32;
    let resp = solve_ok(&r);
    let s = resp.stats.unwrap();
    assert_eq!(s.engine, pb::Engine::Milp as i32);
    (resp.status != pb::SolveStatus::Infeasible as i32)
        .then_some((i64::from(s.matched), s.total_score))
}

/// Checks every claim of the alternatives of `mentee`; returns how many alternatives there were.
fn check(base: &pb::SolveRequest, mentee: &str) -> Result<usize, TestCaseError> {
    let mentors = base.mentors.len();
    let mentee = mentee.to_string();
    {
        let base = base.clone();
        let req = pb::AlternativesRequest {
            request: Some(base.clone()),
            mentee_id: mentee.clone(),
            limit: Some(100),
            max_candidates: None,
        };
        let resp =
            mentormatch::api::alternatives(&req, &Limits::default(), &SolveOptions::default())
                .expect("alternatives");
        let (k0, t0) = milp_optimum(&base).expect("base feasible");
        for a in &resp.alternatives {
            let mut forced = base.clone();
            let p = forced.policy.get_or_insert_with(Default::default);
            p.pinned_pairs.retain(|x| x.mentee_id != mentee);
            p.pinned_pairs.push(pb::PairRef {
                mentor_id: a.mentor_id.clone(),
                mentee_id: mentee.clone(),
            });
            match milp_optimum(&forced) {
                Some((k, t)) => {
                    prop_assert!(a.feasible);
                    prop_assert_eq!(
                        i64::from(a.coverage_loss),
                        k0 - k,
                        "coverage loss for {}",
                        a.mentor_id
                    );
                    prop_assert!(
                        (a.score_loss - (t0 - t)).abs() < 1e-6,
                        "score loss {} vs {} for {}",
                        a.score_loss,
                        t0 - t,
                        a.mentor_id
                    );
                }
                None => prop_assert!(!a.feasible),
            }
        }
        // Sorted best first.
        for w in resp.alternatives.windows(2) {
            prop_assert!(
                (w[0].coverage_loss, w[0].score_loss) <= (w[1].coverage_loss, w[1].score_loss)
                    || !w[1].feasible
            );
        }
        // Every mentor is accounted for: current, alternative, or excluded.
        let listed = resp.alternatives.len()
            + resp.excluded.len()
            + usize::from(!resp.current_mentor_id.is_empty());
        prop_assert_eq!(listed, mentors);
        for x in &resp.excluded {
            prop_assert!(!x.rules.is_empty());
            let mut pinned = base.clone();
            pinned
                .policy
                .get_or_insert_with(Default::default)
                .pinned_pairs
                .retain(|x| x.mentee_id != mentee);
            pinned
                .policy
                .get_or_insert_with(Default::default)
                .pinned_pairs
                .push(pb::PairRef {
                    mentor_id: x.mentor_id.clone(),
                    mentee_id: mentee.clone(),
                });
            prop_assert!(matches!(
                solve(&pinned),
                Err(mentormatch::Error::InvalidArgument(_))
            ));
        }
        Ok(resp.alternatives.len())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn losses_equal_independent_re_solves(seed in 0u64..1000, mentees in 3usize..14, mentors in 2usize..6, pick in 0usize..100) {
        let base = generate(&SynthConfig { mentees, mentors, seed, max_capacity: 3 });
        let mentee = base.mentees[pick % mentees].profile.as_ref().unwrap().id.clone();
        check(&base, &mentee)?;
    }
}

#[test]
fn example_alternatives_are_exact() {
    let mut base = example_request();
    base.policy.as_mut().unwrap().groups = None;
    let mut total = 0;
    for m in &base.mentees {
        total += check(&base, &m.profile.as_ref().unwrap().id).unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(total > 13, "only {total} alternatives over 13 mentees");
}

#[test]
fn unknown_mentee_is_named() {
    let req = pb::AlternativesRequest {
        request: Some(small_request()),
        mentee_id: "ghost".into(),
        limit: None,
        max_candidates: None,
    };
    match mentormatch::api::alternatives(&req, &Limits::default(), &SolveOptions::default()) {
        Err(mentormatch::Error::InvalidArgument(v)) => {
            assert_violation(&v, "mentee_id", "\"ghost\"")
        }
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}
