//! Hard rules hold in every result; scores are explained exactly; unmatched
//! mentees and infeasible requests say why.

use std::collections::HashMap;

use mentormatch::pb;
use mentormatch::tools::synth::{generate, SynthConfig};
use proptest::prelude::*;

use crate::util::*;

fn level_of(p: &pb::Profile, code: &str) -> i32 {
    p.languages
        .iter()
        .find(|l| l.code == code)
        .map_or(0, |l| l.level)
}

/// Checks the hard rules of every pair against the request, independently
/// of the service's scorer (languages, countries, organisations, exclusions,
/// capacities), and that the breakdown adds up to the score.
fn assert_rules_hold(req: &pb::SolveRequest, resp: &pb::SolveResponse) {
    let policy = req.policy.clone().unwrap_or_default();
    let min_level = if policy.min_language_level == 0 {
        4
    } else {
        policy.min_language_level
    };
    let (mentors, mentees) = people_by_id(req);
    let mut load: HashMap<&str, u32> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for p in &resp.pairs {
        assert!(
            seen.insert(p.mentee_id.clone()),
            "mentee {} matched twice",
            p.mentee_id
        );
        let m = mentors[p.mentor_id.as_str()];
        let e = mentees[p.mentee_id.as_str()];
        let (mp, ep) = (m.profile.as_ref().unwrap(), e.profile.as_ref().unwrap());
        *load.entry(&mp.id).or_default() += 1;
        let shared = mp
            .languages
            .iter()
            .any(|l| l.level >= min_level && level_of(ep, &l.code) >= min_level);
        assert!(
            shared,
            "pair {}–{} shares no language at level {min_level}",
            mp.id, ep.id
        );
        if !policy.allow_same_organization && !mp.organization.is_empty() {
            assert_ne!(
                mp.organization.to_lowercase(),
                ep.organization.to_lowercase(),
                "pair {}–{} within one organisation",
                mp.id,
                ep.id
            );
        }
        if policy.require_cross_border {
            assert_ne!(
                mp.country, ep.country,
                "pair {}–{} within one country",
                mp.id, ep.id
            );
        }
        assert!(
            !e.excluded_mentors.contains(&mp.id),
            "{} excluded {}",
            ep.id,
            mp.id
        );
        assert!(
            e.allowed_mentors.is_empty() || e.allowed_mentors.contains(&mp.id),
            "{} is not among {}'s allowed mentors",
            mp.id,
            ep.id
        );
        assert!(
            !policy
                .forbidden_pairs
                .iter()
                .any(|f| f.mentor_id == mp.id && f.mentee_id == ep.id),
            "forbidden pair {}–{}",
            mp.id,
            ep.id
        );
        let min_overlap = policy.min_weekly_overlap_hours.unwrap_or(2.0);
        assert!(
            p.weekly_overlap_hours >= min_overlap - 1e-9,
            "overlap {} < {min_overlap}",
            p.weekly_overlap_hours
        );
        let sum: f64 = p.breakdown.iter().map(|t| t.points).sum();
        assert!(
            (sum - p.score).abs() < 1e-6,
            "breakdown sums to {sum}, score {}",
            p.score
        );
        // Scores are exact multiples of 0.001 points.
        assert!(((p.score * 1000.0).round() - p.score * 1000.0).abs() < 1e-6);
    }
    for (id, &l) in &load {
        let cap = mentors[id].capacity.unwrap_or(1);
        assert!(l <= cap, "mentor {id}: {l} mentees over capacity {cap}");
    }
    for pin in &policy.pinned_pairs {
        assert!(
            resp.pairs
                .iter()
                .any(|p| p.mentor_id == pin.mentor_id && p.mentee_id == pin.mentee_id && p.pinned),
            "pin {}–{} missing",
            pin.mentor_id,
            pin.mentee_id
        );
    }
    // No one is silently dropped.
    assert_eq!(resp.pairs.len() + resp.unmatched.len(), req.mentees.len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn hard_rules_hold_on_synthetic_programmes(
        seed in 0u64..10_000,
        mentees in 1usize..60,
        mentors in 1usize..20,
        cross in any::<bool>(),
        objective in 1i32..=3,
    ) {
        let mut req = generate(&SynthConfig { mentees, mentors, seed, max_capacity: 4 });
        let policy = req.policy.as_mut().unwrap();
        policy.require_cross_border = cross;
        policy.objective = objective;
        policy.min_language_level = pb::LanguageLevel::B2 as i32;
        policy.min_weekly_overlap_hours = Some(20.0);
        let resp = solve_ok(&req);
        prop_assert_eq!(resp.status, pb::SolveStatus::Optimal as i32);
        assert_rules_hold(&req, &resp);
    }
}

#[test]
fn example_obeys_every_rule() {
    let req = example_request();
    let resp = solve_ok(&req);
    assert_eq!(resp.status, pb::SolveStatus::Optimal as i32);
    assert_rules_hold(&req, &resp);
}

#[test]
fn breakdown_of_a_known_pair() {
    // One Spanish mentor, one Moroccan mentee sharing French at C1/C2,
    // same sector and topic, same hours; Madrid and Casablanca are one hour
    // apart (zero during Ramadan 2021, when Casablanca is UTC+0 and Madrid UTC+2).
    let mut req = small_request();
    req.mentors.truncate(1);
    req.mentees.truncate(1);
    let resp = solve_ok(&req);
    let p = &resp.pairs[0];
    let points: HashMap<i32, f64> = p
        .breakdown
        .iter()
        .map(|t| (t.criterion, t.points))
        .collect();
    assert_eq!(points[&(pb::Criterion::Sector as i32)], 25.0);
    assert_eq!(points[&(pb::Criterion::Topics as i32)], 30.0);
    // min(C1, C2) = C1 = 5/7 of 15 points.
    assert_eq!(points[&(pb::Criterion::Language as i32)], 10.714);
    assert_eq!(points[&(pb::Criterion::TimeZone as i32)], 15.0);
    assert_eq!(points[&(pb::Criterion::Preference as i32)], 0.0);
    assert_eq!(points[&(pb::Criterion::DifferentCountry as i32)], 5.0);
    assert_eq!(p.score, 85.714);
    assert_eq!(p.shared_languages[0].code, "fr");
    // Worst week: Ramadan (Casablanca UTC+0 from 11 April) with Madrid on
    // summer time: 2 h apart, 7 h a day, 35 h a week.
    assert_eq!(p.weekly_overlap_hours, 35.0);
}

#[test]
fn preference_rank_scores() {
    let mut req = small_request();
    req.mentees[0].preferred_mentors = vec!["m2".into(), "m1".into()];
    req.policy.as_mut().unwrap().pinned_pairs = vec![pb::PairRef {
        mentor_id: "m1".into(),
        mentee_id: "e1".into(),
    }];
    let resp = solve_ok(&req);
    let p = resp.pairs.iter().find(|p| p.mentee_id == "e1").unwrap();
    let pref = p
        .breakdown
        .iter()
        .find(|t| t.criterion == pb::Criterion::Preference as i32)
        .unwrap();
    // Rank 2 of 2: (2 − 1) / 2 of 10 points.
    assert_eq!(pref.points, 5.0);
    assert!(p.pinned);
}

#[test]
fn no_candidate_says_which_rules_and_what_would_fix_it() {
    let mut req = small_request();
    // e2 speaks Arabic and English (C1); only m2 has English (C1). Forbid that pair.
    req.policy.as_mut().unwrap().forbidden_pairs = vec![pb::PairRef {
        mentor_id: "m2".into(),
        mentee_id: "e2".into(),
    }];
    let resp = solve_ok(&req);
    let u = resp
        .unmatched
        .iter()
        .find(|u| u.mentee_id == "e2")
        .expect("e2 unmatched");
    assert_eq!(u.reason, pb::UnmatchedReason::NoCandidate as i32);
    let rules: HashMap<i32, u32> = u.excluded_by.iter().map(|r| (r.rule, r.mentors)).collect();
    assert_eq!(rules.get(&(pb::HardRule::Forbidden as i32)), Some(&1));
    assert_eq!(rules.get(&(pb::HardRule::Language as i32)), Some(&1));
    assert!(
        u.suggestions.iter().any(|s| s.contains("m2")),
        "suggestions should name m2: {:?}",
        u.suggestions
    );
}

#[test]
fn language_suggestion_names_the_level() {
    let mut req = small_request();
    // e2 speaks English at B1 only: m2 (English C1) passes at B1, not at B2.
    req.mentees[1].profile.as_mut().unwrap().languages[1].level = B1;
    let resp = solve_ok(&req);
    let u = resp
        .unmatched
        .iter()
        .find(|u| u.mentee_id == "e2")
        .expect("e2 unmatched");
    assert_eq!(u.reason, pb::UnmatchedReason::NoCandidate as i32);
    assert!(
        u.suggestions
            .iter()
            .any(|s| s.contains("min_language_level to B1") && s.contains("m2")),
        "{:?}",
        u.suggestions
    );
}

#[test]
fn capacity_reason_lists_full_candidates() {
    let mut req = small_request();
    // m1 takes one mentee only; e1 and e3 both need French.
    req.mentors[0].capacity = Some(1);
    let resp = solve_ok(&req);
    assert_eq!(resp.unmatched.len(), 1);
    let u = &resp.unmatched[0];
    assert_eq!(u.reason, pb::UnmatchedReason::Capacity as i32);
    assert_eq!(u.candidate_mentor_ids, vec!["m1".to_string()]);
    assert!(u.message.contains("capacity"), "{}", u.message);
}

#[test]
fn unmet_minimum_is_infeasible_with_reason() {
    let mut req = small_request();
    // m2 must take two mentees but only e2 shares a language with it.
    req.mentors[1].capacity = Some(2);
    req.mentors[1].min_mentees = 2;
    let resp = solve_ok(&req);
    assert_eq!(resp.status, pb::SolveStatus::Infeasible as i32);
    assert_eq!(resp.infeasibilities.len(), 1);
    assert_eq!(resp.infeasibilities[0].kind, "MENTOR_MINIMUM");
    assert_eq!(resp.infeasibilities[0].ids, vec!["m2".to_string()]);
    assert!(resp.pairs.is_empty());
}

#[test]
fn pins_over_capacity_are_infeasible() {
    let mut req = small_request();
    req.policy.as_mut().unwrap().pinned_pairs = vec![
        pb::PairRef {
            mentor_id: "m1".into(),
            mentee_id: "e1".into(),
        },
        pb::PairRef {
            mentor_id: "m1".into(),
            mentee_id: "e3".into(),
        },
    ];
    req.mentors[0].capacity = Some(1);
    let resp = solve_ok(&req);
    assert_eq!(resp.status, pb::SolveStatus::Infeasible as i32);
    assert_eq!(resp.infeasibilities[0].kind, "PIN_CAPACITY");
}

#[test]
fn minimum_is_met_when_possible() {
    let mut req = small_request();
    req.mentors[1].min_mentees = 1;
    let resp = solve_ok(&req);
    assert!(resp.pairs.iter().any(|p| p.mentor_id == "m2"));
    assert_rules_hold(&req, &resp);
}

#[test]
fn affinity_only_scores_are_the_affinities() {
    let mut req = small_request();
    let policy = req.policy.as_mut().unwrap();
    policy.scoring_mode = pb::ScoringMode::AffinityOnly as i32;
    req.affinities = vec![
        pb::Affinity {
            mentor_id: "m1".into(),
            mentee_id: "e1".into(),
            value: 0.25,
        },
        pb::Affinity {
            mentor_id: "m1".into(),
            mentee_id: "e3".into(),
            value: 0.75,
        },
        pb::Affinity {
            mentor_id: "m2".into(),
            mentee_id: "e2".into(),
            value: -0.5,
        },
    ];
    let resp = solve_ok(&req);
    let scores: HashMap<String, f64> = resp
        .pairs
        .iter()
        .map(|p| (p.mentee_id.clone(), p.score))
        .collect();
    assert_eq!(scores["e1"], 0.25);
    assert_eq!(scores["e3"], 0.75);
    // Coverage first: a negative affinity still matches e2.
    assert_eq!(scores["e2"], -0.5);
    // The score objective drops the negative pair.
    req.policy.as_mut().unwrap().objective = pb::Objective::Score as i32;
    let resp = solve_ok(&req);
    assert!(!resp.pairs.iter().any(|p| p.mentee_id == "e2"));
    let u = resp.unmatched.iter().find(|u| u.mentee_id == "e2").unwrap();
    assert_eq!(u.reason, pb::UnmatchedReason::NotWorthwhile as i32);
}

#[test]
fn engines_agree_on_the_example() {
    let req = example_request();
    for objective in [1, 2, 3] {
        let mut flow = req.clone();
        flow.policy.as_mut().unwrap().objective = objective;
        flow.policy.as_mut().unwrap().engine = pb::Engine::Flow as i32;
        let mut milp = flow.clone();
        milp.policy.as_mut().unwrap().engine = pb::Engine::Milp as i32;
        let (a, b) = (
            solve_ok(&flow).stats.unwrap(),
            solve_ok(&milp).stats.unwrap(),
        );
        assert_eq!(a.engine, pb::Engine::Flow as i32);
        assert_eq!(b.engine, pb::Engine::Milp as i32);
        assert_eq!(
            (a.matched, a.total_score, a.min_pair_score),
            (b.matched, b.total_score, b.min_pair_score),
            "objective {objective}"
        );
    }
}

#[test]
fn country_quota_selects_the_milp_and_holds() {
    let mut req = small_request();
    // e1 (MA) and e3 (TN) both need French; make them one country and let m1
    // take two, but at most one per country.
    req.mentees[2].profile.as_mut().unwrap().country = "MA".into();
    req.policy.as_mut().unwrap().max_mentees_per_country = Some(1);
    let resp = solve_ok(&req);
    let stats = resp.stats.unwrap();
    assert_eq!(
        stats.engine,
        pb::Engine::Milp as i32,
        "a quota needs the MILP"
    );
    let m1: Vec<&str> = resp
        .pairs
        .iter()
        .filter(|p| p.mentor_id == "m1")
        .map(|p| p.mentee_id.as_str())
        .collect();
    assert_eq!(
        m1.len(),
        1,
        "quota of one Moroccan mentee per mentor: {m1:?}"
    );
    let u = resp
        .unmatched
        .iter()
        .find(|u| u.mentee_id != "e2")
        .expect("one French speaker unmatched");
    assert_eq!(u.reason, pb::UnmatchedReason::Capacity as i32);
    assert!(u.message.contains("quota"), "{}", u.message);
    // Forcing the flow engine with a quota is a request error.
    req.policy.as_mut().unwrap().engine = pb::Engine::Flow as i32;
    let v = violations(&req);
    assert_violation(
        &v,
        "policy.engine",
        "cannot express max_mentees_per_country",
    );
}

/// Country quotas under a time limit: the MILP answers with the best
/// matching found and what it proved, never "no answer" (the 30 × 30 case
/// of issue 12 and random programmes), and every answer keeps the quota.
#[test]
fn quota_answers_at_their_time_limit_with_a_bound() {
    use mentormatch::tools::synth::{generate, SynthConfig};
    let cases = [(30, 30, 1146, 1, 2), (40, 12, 7, 4, 2), (60, 15, 11, 5, 3)];
    for (mentees, mentors, seed, cap, quota) in cases {
        let mut req = generate(&SynthConfig {
            mentees,
            mentors,
            seed,
            max_capacity: cap,
        });
        let p = req.policy.get_or_insert_with(Default::default);
        p.objective = pb::Objective::Fair as i32;
        p.max_mentees_per_country = Some(quota);
        p.time_limit_ms = Some(1500);
        let resp = solve_ok(&req);
        let stats = resp.stats.unwrap();
        let status = pb::SolveStatus::try_from(resp.status).unwrap();
        assert!(
            matches!(status, pb::SolveStatus::Optimal | pb::SolveStatus::Feasible),
            "seed {seed}: {status:?}"
        );
        assert!(stats.matched > 0, "seed {seed}: an answer with pairs");
        // Quotas and capacities hold.
        let country: std::collections::HashMap<&str, &str> = req
            .mentees
            .iter()
            .map(|e| {
                let p = e.profile.as_ref().unwrap();
                (p.id.as_str(), p.country.as_str())
            })
            .collect();
        let mut per: std::collections::HashMap<(&str, &str), u32> = Default::default();
        for pair in &resp.pairs {
            *per.entry((pair.mentor_id.as_str(), country[pair.mentee_id.as_str()]))
                .or_default() += 1;
        }
        assert!(
            per.values().all(|&n| n <= quota),
            "seed {seed}: a quota broken"
        );
        match status {
            pb::SolveStatus::Optimal => assert!(stats.bound.is_none()),
            _ => {
                let b = stats.bound.expect("a FEASIBLE answer carries its bound");
                assert!(b.matched_at_most >= stats.matched, "seed {seed}");
                if let Some(s) = b.total_score_at_most {
                    assert!(s + 1e-9 >= stats.total_score, "seed {seed}");
                    assert!(b.gap.is_some_and(|g| g >= 0.0));
                }
            }
        }
    }
}

/// Three candidate mentors for mentee `k` of `n_mentors`, the same each run.
fn candidates_of(k: usize, n_mentors: usize) -> [usize; 3] {
    [
        (k * 7) % n_mentors,
        (k * 13 + 5) % n_mentors,
        (k * 31 + 11) % n_mentors,
    ]
}

/// A sparse programme stated as candidate lists (`allowed_mentors`): 2,000
/// × 300 with three candidates a mentee fits under the default limits,
/// where the same compatibility as forbidden pairs (~594,000) does not; the
/// answer keeps to the lists and is the same matching as with every other
/// pair forbidden.
#[test]
fn a_sparse_programme_fits_as_candidate_lists() {
    let mut sparse = generate(&SynthConfig {
        mentees: 2000,
        mentors: 300,
        seed: 11,
        max_capacity: 8,
    });
    let ids: Vec<String> = sparse
        .mentors
        .iter()
        .map(|m| m.profile.as_ref().unwrap().id.clone())
        .collect();
    let mut forbidden = Vec::new();
    for (k, e) in sparse.mentees.iter_mut().enumerate() {
        let mut allowed: Vec<usize> = candidates_of(k, ids.len()).to_vec();
        allowed.sort_unstable();
        allowed.dedup();
        e.allowed_mentors = allowed.iter().map(|&m| ids[m].clone()).collect();
        e.preferred_mentors
            .retain(|p| e.allowed_mentors.contains(p));
        let eid = e.profile.as_ref().unwrap().id.clone();
        for (m, mid) in ids.iter().enumerate() {
            if allowed.binary_search(&m).is_err() {
                forbidden.push(pb::PairRef {
                    mentor_id: mid.clone(),
                    mentee_id: eid.clone(),
                });
            }
        }
    }
    sparse.include_certificate = true;
    let listed = solve_ok(&sparse);
    assert_rules_hold(&sparse, &listed);
    assert!(listed.pairs.len() > 1000, "{} pairs", listed.pairs.len());
    // `verify` proves it over every pair, the lists' rule included.
    let limits = mentormatch::Limits::default();
    let v = mentormatch::api::verify::verify(&sparse, &listed, &limits).expect("verified");
    assert!(v.proven_optimal, "{:?}", v.findings);
    let mut off_list = listed.clone();
    let p = &mut off_list.pairs[0];
    let k: usize = p.mentee_id[1..].parse().expect("synthetic ids are e<k>");
    let list = &sparse.mentees[k].allowed_mentors;
    p.mentor_id = ids.iter().find(|m| !list.contains(m)).unwrap().clone();
    let v = mentormatch::api::verify::verify(&sparse, &off_list, &limits).expect("verified");
    assert!(
        !v.proven_optimal && !v.findings.is_empty(),
        "an off-list pair is refused"
    );

    let mut dense = sparse.clone();
    for e in &mut dense.mentees {
        e.allowed_mentors.clear();
    }
    policy_mut(&mut dense).forbidden_pairs = forbidden;
    let n = policy_mut(&mut dense).forbidden_pairs.len();
    assert!(n > 590_000, "{n}");
    let v = violations(&dense);
    assert_violation(&v, "policy.forbidden_pairs", "50000");
    let limits = mentormatch::Limits {
        max_list: 1_000_000,
        ..mentormatch::Limits::default()
    };
    let forbade = mentormatch::api::solve(&dense, &limits, &mentormatch::SolveOptions::default())
        .expect("solved with a raised limit");
    let key = |r: &pb::SolveResponse| -> Vec<(String, String, String)> {
        r.pairs
            .iter()
            .map(|p| {
                (
                    p.mentee_id.clone(),
                    p.mentor_id.clone(),
                    format!("{:.3}", p.score),
                )
            })
            .collect()
    };
    assert_eq!(key(&listed), key(&forbade));
    assert_eq!(listed.status, forbade.status);
    // A mentee left without a candidate counts the mentors off its list.
    for u in listed
        .unmatched
        .iter()
        .filter(|u| !u.excluded_by.is_empty())
    {
        assert!(
            u.excluded_by
                .iter()
                .any(|r| r.rule == pb::HardRule::NotAllowed as i32
                    && r.mentors as usize >= ids.len() - 3),
            "{u:?}"
        );
    }
}

/// A candidate list is checked like the other lists: known mentors, each
/// once; a pinned pair must be on it. A group's lead is on it too.
#[test]
fn candidate_lists_are_validated_and_hold_for_groups() {
    let mut req = small_request();
    req.mentees[0].allowed_mentors = vec!["m2".into(), "m9".into(), "m2".into()];
    policy_mut(&mut req).pinned_pairs = vec![pb::PairRef {
        mentor_id: "m1".into(),
        mentee_id: "e1".into(),
    }];
    let v = violations(&req);
    assert_violation(&v, "mentees[0].allowed_mentors[1]", "m9");
    assert_violation(&v, "mentees[0].allowed_mentors[2]", "twice");
    assert_violation(&v, "policy.pinned_pairs[0]", "allowed_mentors");

    // e1 speaks French and Arabic: only m1 (Spanish, French) suits it, and
    // its list names m2 only, so it gets no mentor, and the reason says so.
    let mut req = small_request();
    req.mentees[0].allowed_mentors = vec!["m2".into()];
    let resp = solve_ok(&req);
    assert!(
        resp.pairs.iter().all(|p| p.mentee_id != "e1"),
        "{:?}",
        resp.pairs
    );
    let u = resp
        .unmatched
        .iter()
        .find(|u| u.mentee_id == "e1")
        .expect("e1 unmatched");
    assert!(
        u.excluded_by
            .iter()
            .any(|r| r.rule == pb::HardRule::NotAllowed as i32 && r.mentors == 1),
        "{u:?}"
    );
}
