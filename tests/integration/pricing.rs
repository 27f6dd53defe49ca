//! The priced flow (each mentee's best mentors held, the other pairs priced
//! with the potentials): the same optimum as the flow over every pair, a
//! certificate `verify` accepts over every pair, and the same explanations;
//! and the row scorer behind it gives `Scorer::evaluate`'s score for every
//! pair.

use mentormatch::api::{verify, Finding};
use mentormatch::pb;
use mentormatch::scoring::Scorer;
use mentormatch::solvers::candidates::instance;
use mentormatch::tools::synth::{self, SplitMix64, SynthConfig};
use mentormatch::wire::problem_from_request;
use mentormatch::{Limits, SolveOptions};

use crate::util::policy_mut as policy;

fn id(p: &Option<pb::Profile>) -> String {
    p.as_ref().unwrap().id.clone()
}

/// A synthetic programme of 5 + up to `mentees` mentees, 3 + up to
/// `mentors` mentors with capacities up to `cap`, the sizes drawn from `rng`.
fn random_size(
    rng: &mut SplitMix64,
    seed: u64,
    mentees: usize,
    mentors: usize,
    cap: usize,
) -> pb::SolveRequest {
    synth::generate(&SynthConfig {
        mentees: 5 + rng.below(mentees),
        mentors: 3 + rng.below(mentors),
        seed,
        max_capacity: 1 + rng.below(cap) as u32,
    })
}

/// A random programme with pins, forbidden pairs, minimums, places short
/// or plenty, and either objective with a certificate.
fn programme(seed: u64) -> pb::SolveRequest {
    let mut rng = SplitMix64::new(seed);
    let mut req = random_size(&mut rng, seed, 40, 12, 4);
    if rng.chance(0.4) {
        policy(&mut req).objective = pb::Objective::Score as i32;
    }
    let mentors: Vec<String> = req.mentors.iter().map(|m| id(&m.profile)).collect();
    let mentees: Vec<String> = req.mentees.iter().map(|e| id(&e.profile)).collect();
    let pair = |rng: &mut SplitMix64| pb::PairRef {
        mentor_id: mentors[rng.below(mentors.len())].clone(),
        mentee_id: mentees[rng.below(mentees.len())].clone(),
    };
    if rng.chance(0.3) {
        let p = pair(&mut rng);
        policy(&mut req).pinned_pairs.push(p);
    }
    for _ in 0..rng.below(4) {
        let p = pair(&mut rng);
        policy(&mut req).forbidden_pairs.push(p);
    }
    if rng.chance(0.3) {
        let m = rng.below(req.mentors.len());
        req.mentors[m].min_mentees = 1;
    }
    req.include_certificate = true;
    req
}

fn solve_with(req: &pb::SolveRequest, held_pairs: u64) -> Option<pb::SolveResponse> {
    let opts = SolveOptions {
        held_pairs,
        ..SolveOptions::default()
    };
    match mentormatch::api::solve(req, &Limits::default(), &opts) {
        Ok(r) if r.status == pb::SolveStatus::Optimal as i32 => Some(r),
        _ => None,
    }
}

fn pairs(r: &pb::SolveResponse) -> Vec<(String, String)> {
    let mut v: Vec<_> = r
        .pairs
        .iter()
        .map(|p| (p.mentor_id.clone(), p.mentee_id.clone()))
        .collect();
    v.sort();
    v
}

#[test]
fn priced_answers_equal_the_flow_over_every_pair_and_are_proven() {
    let limits = Limits::default();
    let (mut compared, mut same_pairs, mut unmatched) = (0, 0, 0);
    for seed in 0..80 {
        let req = programme(seed);
        let Some(full) = solve_with(&req, u64::MAX) else {
            // Infeasible (a pin over capacity, a minimum): the priced solve
            // must say so too.
            assert!(solve_with(&req, 1).is_none(), "seed {seed}");
            continue;
        };
        // One held arc per mentee (many pricing rounds), then two.
        for held in [1, 2 * req.mentees.len() as u64] {
            let priced = solve_with(&req, held).expect("priced answer");
            let (a, b) = (full.stats.unwrap(), priced.stats.unwrap());
            assert_eq!(a.matched, b.matched, "seed {seed} held {held}");
            assert_eq!(
                (a.total_score * 1000.0).round(),
                (b.total_score * 1000.0).round(),
                "seed {seed} held {held}"
            );
            assert_eq!(a.candidate_pairs_feasible, b.candidate_pairs_feasible);
            let v = verify(&req, &priced, &limits).expect("verified");
            let words: Vec<String> = v.findings.iter().map(Finding::message).collect();
            assert!(v.proven_optimal, "seed {seed} held {held}: {words:?}");
            unmatched += priced.unmatched.len();
            if pairs(&full) == pairs(&priced) {
                // The same matching is explained the same way: candidates,
                // reasons and certificates over every pair.
                assert_eq!(full.unmatched, priced.unmatched, "seed {seed} held {held}");
                same_pairs += 1;
            }
            compared += 1;
        }
    }
    assert!(compared >= 100, "only {compared} comparisons");
    assert!(same_pairs >= 50, "only {same_pairs} identical matchings");
    assert!(unmatched > 0, "no programme left a mentee unmatched");
}

/// A programme with every sparse part a score can have: preferences,
/// exclusions, affinities, declined and earlier-cohort pairs, a minimum
/// pair score, and the rules toggled.
fn rich(seed: u64) -> pb::SolveRequest {
    let mut rng = SplitMix64::new(seed);
    let mut req = random_size(&mut rng, seed, 25, 10, 3);
    let mentors: Vec<String> = req.mentors.iter().map(|m| id(&m.profile)).collect();
    let mentees: Vec<String> = req.mentees.iter().map(|e| id(&e.profile)).collect();
    for e in &mut req.mentees {
        if rng.chance(0.4) {
            e.preferred_mentors = vec![mentors[rng.below(mentors.len())].clone()];
        }
        let m = &mentors[rng.below(mentors.len())];
        if rng.chance(0.2) && !e.preferred_mentors.contains(m) {
            e.excluded_mentors = vec![m.clone()];
        }
    }
    for _ in 0..rng.below(10) {
        req.affinities.push(pb::Affinity {
            mentor_id: mentors[rng.below(mentors.len())].clone(),
            mentee_id: mentees[rng.below(mentees.len())].clone(),
            value: rng.below(200) as f64 / 10.0 - 10.0,
        });
    }
    req.affinities
        .sort_by(|a, b| (&a.mentor_id, &a.mentee_id).cmp(&(&b.mentor_id, &b.mentee_id)));
    req.affinities
        .dedup_by(|a, b| a.mentor_id == b.mentor_id && a.mentee_id == b.mentee_id);
    let mut history = pb::ProgrammeHistory::default();
    for _ in 0..rng.below(4) {
        history.declined.push(pb::DeclinedPair {
            mentor_id: mentors[rng.below(mentors.len())].clone(),
            mentee_id: mentees[rng.below(mentees.len())].clone(),
            date: "2025-06-01".into(),
            ..Default::default()
        });
        history.earlier_pairs.push(pb::EarlierPair {
            mentor_id: mentors[rng.below(mentors.len())].clone(),
            mentee_id: mentees[rng.below(mentees.len())].clone(),
            cohort: "2025".into(),
        });
    }
    req.history = Some(history);
    let p = policy(&mut req);
    p.require_cross_border = rng.chance(0.5);
    p.allow_same_organization = rng.chance(0.5);
    if rng.chance(0.3) {
        p.min_pair_score = Some(rng.below(60) as f64);
    }
    if rng.chance(0.2) {
        p.scoring_mode = pb::ScoringMode::AffinityOnly as i32;
    }
    // The sector rule and related sectors: the row scorer takes the
    // scorer's credit per class of mentors.
    if rng.chance(0.4) {
        p.sector_rule = Some(pb::SectorRule {
            min_share: [None, Some(0.5), Some(1.0)][rng.below(3)],
        });
    }
    if rng.chance(0.5) {
        let groups: [&[&str]; 2] = [
            &["ict", "mechatronics"],
            &["textile", "furniture", "agrifood"],
        ];
        p.related_sectors = groups
            .iter()
            .map(|g| pb::RelatedSectors {
                sectors: g.iter().map(|s| s.to_string()).collect(),
                similarity: [None, Some(0.25), Some(0.8)][rng.below(3)],
            })
            .collect();
    }
    let memory = p.memory.get_or_insert_with(Default::default);
    memory.earlier_pairs = [
        pb::EarlierPairs::Penalty,
        pb::EarlierPairs::Avoid,
        pb::EarlierPairs::Allow,
    ][rng.below(3)] as i32;
    req
}

#[test]
fn every_arc_is_the_scorers_pair() {
    let limits = Limits::default();
    let mut arcs = 0;
    for seed in 0..120 {
        let mut req = rich(seed / 2);
        if seed % 2 == 1 {
            // Candidate lists on every third mentee that is not pinned.
            let ids: Vec<String> = req.mentors.iter().map(|m| id(&m.profile)).collect();
            let pinned: Vec<String> = req.policy.as_ref().map_or(Vec::new(), |p| {
                p.pinned_pairs.iter().map(|x| x.mentee_id.clone()).collect()
            });
            let n = ids.len();
            for (k, e) in req.mentees.iter_mut().enumerate() {
                if k % 3 == 0 && !pinned.contains(&id(&e.profile)) {
                    let mut list = vec![
                        ids[(k * 7 + seed as usize) % n].clone(),
                        ids[(k * 3 + 1) % n].clone(),
                    ];
                    list.dedup();
                    e.allowed_mentors = list;
                }
            }
        }
        let problem = problem_from_request(&req, &limits).expect("valid");
        let scorer = Scorer::new(&problem);
        let inst = instance(&problem, 1 + (seed % 2) as usize).expect("instance");
        let pinned: Vec<usize> = problem.policy.pinned.iter().map(|&(_, e)| e).collect();
        let free: Vec<usize> = (0..problem.mentees.len())
            .filter(|e| !pinned.contains(e))
            .collect();
        assert_eq!(inst.mentees(), free.len());
        for (k, &e) in free.iter().enumerate() {
            let expected: Vec<(u32, i64)> = (0..problem.mentors.len())
                .filter_map(|m| scorer.evaluate(m, e).ok().map(|s| (m as u32, s)))
                .collect();
            let got: Vec<(u32, i64)> = inst
                .arcs(k)
                .map(|a| (inst.mentor[a], inst.score[a]))
                .collect();
            assert_eq!(got, expected, "seed {seed}, mentee {e}");
            arcs += got.len();
        }
    }
    assert!(arcs > 1000, "only {arcs} arcs compared");
}
