//! Issue 29, `verify` with demand: every flow answer to a random request
//! with demand (roles, tiers, pins, minimums on both sides, every
//! objective) carries a demand certificate that `verify` accepts, checked
//! on a network it rebuilds from the request alone; the same certificate
//! rejects the answer with one pair dropped (still keeping every rule, so
//! only optimality fails), and a nudged potential, weight, number or fair
//! proof is rejected by name.

use mentormatch::api::verify::{Arc, Proof, Verdict};
use mentormatch::api::{verify, Finding};
use mentormatch::pb;
use mentormatch::{Limits, SolveOptions};

use crate::demand_requests::programme;
use crate::util::policy_mut;
use crate::util::profile_id as id;

/// A random programme with demand, answered OPTIMAL by the flow engine
/// with its certificate.
fn answered(seed: u64) -> Option<(pb::SolveRequest, pb::SolveResponse)> {
    let mut req = programme(seed);
    req.include_certificate = true;
    policy_mut(&mut req).engine = pb::Engine::Flow as i32;
    let opts = SolveOptions::default();
    let resp = mentormatch::api::solve(&req, &Limits::default(), &opts).expect("answered");
    (resp.status == pb::SolveStatus::Optimal as i32).then_some((req, resp))
}

fn words(v: &Verdict) -> Vec<String> {
    v.findings.iter().map(Finding::message).collect()
}

/// A pair whose removal keeps every rule: not pinned, its mentee above
/// `min_mentors` and every `at_least` of the mentor's role, its mentor
/// above `min_mentees`.
fn droppable(req: &pb::SolveRequest, resp: &pb::SolveResponse) -> Option<usize> {
    let pinned = |p: &pb::Pair| {
        req.policy
            .iter()
            .flat_map(|x| &x.pinned_pairs)
            .any(|pp| pp.mentor_id == p.mentor_id && pp.mentee_id == p.mentee_id)
    };
    let mentor = |mid: &str| req.mentors.iter().find(|m| id(&m.profile) == mid).unwrap();
    let mentee = |eid: &str| req.mentees.iter().find(|e| id(&e.profile) == eid).unwrap();
    resp.pairs.iter().position(|p| {
        let (m, e) = (mentor(&p.mentor_id), mentee(&p.mentee_id));
        let of_mentee: Vec<&pb::Pair> = resp
            .pairs
            .iter()
            .filter(|q| q.mentee_id == p.mentee_id)
            .collect();
        let load = resp
            .pairs
            .iter()
            .filter(|q| q.mentor_id == p.mentor_id)
            .count() as u32;
        let role_left = e.role_demands.iter().all(|rd| {
            let same = |q: &&&pb::Pair| mentor(&q.mentor_id).role == rd.role;
            rd.role != m.role || of_mentee.iter().filter(same).count() as u32 > rd.at_least
        });
        !pinned(p) && of_mentee.len() as u32 > e.min_mentors && role_left && load > m.min_mentees
    })
}

#[test]
fn every_demand_answer_is_proven() {
    let limits = Limits::default();
    let (mut proven, mut fair, mut several) = (0, 0, 0);
    for seed in 0..300 {
        let Some((req, resp)) = answered(seed) else {
            continue;
        };
        let c = resp.certificate.as_ref().expect("a certificate");
        let v = verify(&req, &resp, &limits).expect("verified");
        assert!(v.proven_optimal, "seed {seed}: {:?}", words(&v));
        let Some(d) = &c.demand else {
            continue; // every mentee at the defaults: the bipartite proof
        };
        proven += 1;
        fair += usize::from(d.fair.is_some());
        let mut mentees: Vec<&str> = resp.pairs.iter().map(|p| p.mentee_id.as_str()).collect();
        mentees.sort_unstable();
        several += usize::from(mentees.windows(2).any(|w| w[0] == w[1]));
    }
    // The draw covers every case.
    assert!(
        proven > 150 && fair > 20 && several > 60,
        "{proven} {fair} {several}"
    );
}

#[test]
fn a_worse_answer_or_a_nudged_certificate_is_rejected() {
    let limits = Limits::default();
    let (mut dropped, mut fair) = (0, 0);
    let rejected = |req: &pb::SolveRequest, resp: &pb::SolveResponse| -> Vec<Finding> {
        let v = verify(req, resp, &limits).expect("verified");
        assert!(!v.proven_optimal, "{:?}", words(&v));
        v.findings
    };
    for seed in 0..300 {
        let Some((req, resp)) = answered(seed) else {
            continue;
        };
        if resp.certificate.as_ref().unwrap().demand.is_none() {
            continue;
        }
        // One pair fewer: every rule kept and the stats mended, so only
        // the certificate can tell that the answer is worse.
        if let Some(k) = droppable(&req, &resp) {
            let mut worse = resp.clone();
            let gone = worse.pairs.remove(k);
            let stats = worse.stats.as_mut().unwrap();
            stats.pairs -= 1;
            stats.total_score -= gone.score;
            if !worse.pairs.iter().any(|p| p.mentee_id == gone.mentee_id) {
                stats.matched -= 1;
            }
            let findings = rejected(&req, &worse);
            let of_certificate = |f: &Finding| match f {
                Finding::ReducedCost { .. } | Finding::Bound { .. } => true,
                Finding::Stat { name, .. } => name.starts_with("certificate"),
                _ => false,
            };
            assert!(
                findings.iter().all(of_certificate),
                "seed {seed}: {findings:?}"
            );
            dropped += 1;
        }
        // A mentee's potential raised far: the arcs that carry its units
        // now cost more than nothing.
        let e = req.mentees.iter().position(|e| e.max_mentors != Some(0));
        if let Some(e) = e {
            let mut nudged = resp.clone();
            let pi = &mut cert(&mut nudged).mentee_potentials[e];
            *pi = (pi.parse::<i128>().unwrap() + 10i128.pow(30)).to_string();
            let eid = id(&req.mentees[e].profile);
            let findings = rejected(&req, &nudged);
            assert!(
                findings.iter().any(|f| matches!(f, Finding::ReducedCost {
                    proof: Proof::Optimum,
                    arc,
                    carries_flow: true,
                    ..
                } if arc_of(arc) == Some(eid))),
                "seed {seed}: {findings:?}"
            );
        }
        // The top tier's weight no longer outweighs the levels below.
        let mut light = resp.clone();
        *cert(&mut light).covered_weights.last_mut().unwrap() = "0".into();
        let findings = rejected(&req, &light);
        assert!(
            findings
                .iter()
                .any(|f| matches!(f, Finding::LevelWeight { weight: 0, .. })),
            "seed {seed}: {findings:?}"
        );
        // An unreadable number.
        let mut garbled = resp.clone();
        cert(&mut garbled).sink_potential = "12x".into();
        let findings = rejected(&req, &garbled);
        assert!(
            findings.iter().any(|f| matches!(
                f,
                Finding::NotInteger {
                    name: "sink_potential",
                    ..
                }
            )),
            "seed {seed}: {findings:?}"
        );
        // A fair answer without its proof of the counts.
        if cert(&mut resp.clone()).fair.is_some() {
            let mut bare = resp.clone();
            cert(&mut bare).fair = None;
            assert!(rejected(&req, &bare).contains(&Finding::NoFairProof));
            fair += 1;
        }
    }
    assert!(dropped > 60 && fair > 20, "{dropped} {fair}");
}

/// The demand certificate of a response.
fn cert(r: &mut pb::SolveResponse) -> &mut pb::DemandCertificate {
    r.certificate.as_mut().unwrap().demand.as_mut().unwrap()
}

/// The mentee an arc leaves from, if it is one of a mentee's arcs.
fn arc_of(arc: &Arc) -> Option<&str> {
    match arc {
        Arc::Pair { mentee, .. }
        | Arc::Unmatched { mentee }
        | Arc::Further { mentee }
        | Arc::MenteeMinimum { mentee }
        | Arc::RoleMinimum { mentee, .. }
        | Arc::RolePlaces { mentee, .. } => Some(mentee),
        _ => None,
    }
}
