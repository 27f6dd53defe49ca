//! The programme's memory in a solve (`SolveRequest.history` and
//! `policy.memory`), in process: declined pairs are a hard rule with their
//! date and reason in the explanation, pairs of earlier cohorts are avoided
//! or penalised as the policy says, mentor load across cohorts is a term,
//! and the optimum under these scores is still the brute-force optimum.

use mentormatch::pb;

use crate::util::*;

fn declined(mentor: &str, mentee: &str, date: &str, reason: &str) -> pb::DeclinedPair {
    pb::DeclinedPair {
        mentor_id: mentor.into(),
        mentee_id: mentee.into(),
        date: date.into(),
        reason: reason.into(),
        cohort: "2021".into(),
        membership: false,
    }
}

fn earlier(mentor: &str, mentee: &str, cohort: &str) -> pb::EarlierPair {
    pb::EarlierPair {
        mentor_id: mentor.into(),
        mentee_id: mentee.into(),
        cohort: cohort.into(),
    }
}

fn pairs(resp: &pb::SolveResponse) -> Vec<(String, String)> {
    resp.pairs
        .iter()
        .map(|p| (p.mentor_id.clone(), p.mentee_id.clone()))
        .collect()
}

fn with_memory(req: &mut pb::SolveRequest, memory: pb::MemoryPolicy) {
    req.policy.get_or_insert_with(Default::default).memory = Some(memory);
}

#[test]
fn a_declined_pair_is_never_proposed_and_says_when_and_why() {
    let req = example_request();
    let base = solve_ok(&req);
    // Decline every pair of the optimum: none comes back.
    let mut again = req.clone();
    again.history = Some(pb::ProgrammeHistory {
        declined: base
            .pairs
            .iter()
            .filter(|p| !p.pinned)
            .map(|p| declined(&p.mentor_id, &p.mentee_id, "2021-03-02", "no chemistry"))
            .collect(),
        earlier_pairs: Vec::new(),
    });
    let resp = solve_ok(&again);
    for p in base.pairs.iter().filter(|p| !p.pinned) {
        let p = (p.mentor_id.clone(), p.mentee_id.clone());
        assert!(!pairs(&resp).contains(&p), "{p:?} was declined");
    }
    // A mentee whose only candidate declined is unmatched, and its reason
    // names the decline with its date, cohort and reason.
    let mut lone = small_request();
    lone.mentors.truncate(1);
    lone.mentees.truncate(1);
    assert_eq!(solve_ok(&lone).pairs.len(), 1);
    lone.history = Some(pb::ProgrammeHistory {
        declined: vec![declined("m1", "e1", "2021-03-02", "moved abroad")],
        earlier_pairs: Vec::new(),
    });
    let resp = solve_ok(&lone);
    assert!(resp.pairs.is_empty());
    let u = &resp.unmatched[0];
    assert_eq!(u.mentee_id, "e1");
    assert!(
        u.excluded_by
            .iter()
            .any(|c| c.rule == pb::HardRule::Declined as i32 && c.mentors == 1),
        "{u:?}"
    );
    let said = u.suggestions.join(" | ");
    assert!(
        said.contains("m1 on 2021-03-02 (cohort \"2021\"): moved abroad"),
        "{said}"
    );
    // Alternatives name the rule for the declined mentor.
    let alt = mentormatch::api::alternatives(
        &pb::AlternativesRequest {
            request: Some(lone.clone()),
            mentee_id: "e1".into(),
            ..Default::default()
        },
        &Default::default(),
        &Default::default(),
    )
    .expect("alternatives");
    assert!(alt
        .excluded
        .iter()
        .any(|x| x.mentor_id == "m1" && x.rules.contains(&(pb::HardRule::Declined as i32))));
    // People absent from the request are history, not errors.
    lone.history
        .as_mut()
        .unwrap()
        .declined
        .push(declined("m-gone", "e-gone", "2020-01-01", ""));
    assert!(solve(&lone).is_ok());
}

#[test]
fn a_pinned_pair_that_was_declined_is_a_conflict_named_in_the_request() {
    let mut req = small_request();
    req.policy.as_mut().unwrap().pinned_pairs = vec![pb::PairRef {
        mentor_id: "m1".into(),
        mentee_id: "e1".into(),
    }];
    req.history = Some(pb::ProgrammeHistory {
        declined: vec![
            declined("m1", "e1", "2021-03-02", "x"),
            declined("m2", "e2", "not a date", "x"),
        ],
        earlier_pairs: Vec::new(),
    });
    let v = violations(&req);
    assert_violation(&v, "policy.pinned_pairs[0]", "declined on 2021-03-02");
    assert_violation(&v, "history.declined[1].date", "not a date");
}

#[test]
fn earlier_cohort_pairs_are_penalised_avoided_or_allowed_as_the_policy_says() {
    let req = example_request();
    let base = solve_ok(&req);
    let history = pb::ProgrammeHistory {
        declined: Vec::new(),
        earlier_pairs: base
            .pairs
            .iter()
            .filter(|p| !p.pinned)
            .map(|p| earlier(&p.mentor_id, &p.mentee_id, "2020"))
            .collect(),
    };
    // Allowed, and no load term: the same pairs and scores as without history.
    let mut allow = req.clone();
    allow.history = Some(history.clone());
    with_memory(
        &mut allow,
        pb::MemoryPolicy {
            earlier_pairs: pb::EarlierPairs::Allow as i32,
            cohort_load_weight: Some(0.0),
            ..Default::default()
        },
    );
    let a = solve_ok(&allow);
    assert_eq!(pairs(&a), pairs(&base));
    assert_eq!(
        a.stats.unwrap().total_score,
        base.stats.unwrap().total_score
    );

    // Avoided: no earlier pair comes back, and the rule is named.
    let mut avoid = allow.clone();
    with_memory(
        &mut avoid,
        pb::MemoryPolicy {
            earlier_pairs: pb::EarlierPairs::Avoid as i32,
            cohort_load_weight: Some(0.0),
            ..Default::default()
        },
    );
    let v = solve_ok(&avoid);
    let unpinned: Vec<(String, String)> = base
        .pairs
        .iter()
        .filter(|p| !p.pinned)
        .map(|p| (p.mentor_id.clone(), p.mentee_id.clone()))
        .collect();
    for p in &unpinned {
        assert!(!pairs(&v).contains(p), "{p:?} worked together in 2020");
    }
    // "Why not?" names the rule.
    let (m0, e0) = &unpinned[0];
    let alt = mentormatch::api::alternatives(
        &pb::AlternativesRequest {
            request: Some(avoid.clone()),
            mentee_id: e0.clone(),
            ..Default::default()
        },
        &Default::default(),
        &Default::default(),
    )
    .expect("alternatives");
    assert!(alt
        .excluded
        .iter()
        .any(|x| &x.mentor_id == m0 && x.rules.contains(&(pb::HardRule::EarlierCohort as i32))));

    // Penalised (the default, 20 points): each earlier pair kept carries
    // the term, with its cohort, and the score is exactly the terms' sum.
    let mut penalty = req.clone();
    penalty.history = Some(history);
    let p = solve_ok(&penalty);
    let mut seen = 0;
    for pair in &p.pairs {
        let earlier_term = pair
            .breakdown
            .iter()
            .find(|t| t.criterion == pb::Criterion::EarlierCohort as i32);
        if unpinned.contains(&(pair.mentor_id.clone(), pair.mentee_id.clone())) {
            let t = earlier_term.expect("an earlier pair carries the term");
            assert_eq!((t.value, t.weight, t.points), (-1.0, 20.0, -20.0));
            assert_eq!(t.detail, "paired in the earlier cohort \"2020\"");
            seen += 1;
        } else {
            assert!(earlier_term.is_none());
        }
        let sum: f64 = pair.breakdown.iter().map(|t| t.points).sum();
        assert!((sum - pair.score).abs() < 1e-6, "{pair:?}");
    }
    // The penalty moves pairs: fewer earlier pairs are kept than with none.
    assert!(seen < unpinned.len(), "{seen} of {}", unpinned.len());
}

#[test]
fn mentor_load_across_cohorts_is_a_term_that_spreads_new_mentees() {
    // Two equal mentors (one place each, clones of each other) and one
    // mentee: with m1 busier in earlier cohorts, the mentee goes to m2.
    let mut req = small_request();
    let twin = |id: &str| {
        mentor(
            profile(id, "ES", "Europe/Madrid", &[("es", NATIVE), ("fr", 5)]),
            1,
        )
    };
    req.mentors = vec![twin("m1"), twin("m2")];
    req.mentees.truncate(1);
    let first = solve_ok(&req);
    assert_eq!(pairs(&first), [("m1".to_string(), "e1".to_string())]);
    req.history = Some(pb::ProgrammeHistory {
        declined: Vec::new(),
        // Earlier mentees who left the programme still count as load.
        earlier_pairs: vec![
            earlier("m1", "e-old-1", "2020"),
            earlier("m1", "e-old-2", "2020"),
        ],
    });
    let resp = solve_ok(&req);
    assert_eq!(pairs(&resp), [("m2".to_string(), "e1".to_string())]);
    // m1's pair would carry the full term: -5 points.
    with_memory(
        &mut req,
        pb::MemoryPolicy {
            cohort_load_weight: Some(5.0),
            ..Default::default()
        },
    );
    req.policy.as_mut().unwrap().pinned_pairs = vec![pb::PairRef {
        mentor_id: "m1".into(),
        mentee_id: "e1".into(),
    }];
    let pinned = solve_ok(&req);
    let t = pinned.pairs[0]
        .breakdown
        .iter()
        .find(|t| t.criterion == pb::Criterion::CohortLoad as i32)
        .expect("the load term");
    assert_eq!((t.value, t.points), (-1.0, -5.0));
    assert!(
        t.detail.contains("2 mentee(s) in earlier cohorts"),
        "{}",
        t.detail
    );
}
