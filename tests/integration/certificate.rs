//! The optimality certificate: every flow answer's certificate holds
//! under `verify` (scores recomputed from the request, every arc checked),
//! a proven answer is never beaten by the MILP, and a response with one
//! pair swapped or one dual nudged is rejected, naming the arc.

use mentormatch::api::verify::Proof;
use mentormatch::api::{verify, Finding};
use mentormatch::pb;
use mentormatch::tools::synth::{self, SplitMix64, SynthConfig};
use mentormatch::{Limits, SolveOptions};

use crate::util::policy_mut as policy;
use crate::util::*;

fn with_certificate(mut req: pb::SolveRequest) -> pb::SolveRequest {
    req.include_certificate = true;
    req
}

/// A random programme: sizes, capacities, an objective, some minimums,
/// a pin and forbidden pairs taken from a first answer.
fn programme(seed: u64) -> pb::SolveRequest {
    let mut rng = SplitMix64::new(seed);
    let mut req = synth::generate(&SynthConfig {
        mentees: 4 + rng.below(30),
        mentors: 2 + rng.below(8),
        seed,
        max_capacity: 1 + rng.below(4) as u32,
    });
    if rng.chance(0.5) {
        policy(&mut req).objective = pb::Objective::Score as i32;
    }
    let first = solve_ok(&req);
    if let (Some(p), true) = (first.pairs.first(), rng.chance(0.5)) {
        policy(&mut req).pinned_pairs.push(pb::PairRef {
            mentor_id: p.mentor_id.clone(),
            mentee_id: p.mentee_id.clone(),
        });
    }
    if let (Some(p), true) = (first.pairs.last(), rng.chance(0.5)) {
        policy(&mut req).forbidden_pairs.push(pb::PairRef {
            mentor_id: p.mentor_id.clone(),
            mentee_id: p.mentee_id.clone(),
        });
    }
    // A minimum a mentor met in the first answer stays feasible.
    for l in &first.mentor_loads {
        if l.mentees > 0 && rng.chance(0.3) {
            let m = req
                .mentors
                .iter_mut()
                .find(|m| m.profile.as_ref().unwrap().id == l.mentor_id)
                .unwrap();
            m.min_mentees = 1 + rng.below(l.mentees as usize) as u32;
        }
    }
    with_certificate(req)
}

#[test]
fn every_flow_answer_is_proven_and_never_beaten() {
    let (limits, opts) = (Limits::default(), SolveOptions::default());
    let mut proven = 0;
    for seed in 0..60 {
        let req = programme(seed);
        let resp = match mentormatch::api::solve(&req, &limits, &opts) {
            Ok(r) if r.status == pb::SolveStatus::Optimal as i32 => r,
            _ => continue, // a pin or minimum made it infeasible
        };
        assert!(resp.certificate.is_some(), "seed {seed}: no certificate");
        let v = verify(&req, &resp, &limits).expect("verified");
        let words: Vec<String> = v.findings.iter().map(Finding::message).collect();
        assert!(v.proven_optimal, "seed {seed}: {words:?}");
        proven += 1;
        // The independent solver on the same request does no better.
        let mut milp = req.clone();
        policy(&mut milp).engine = pb::Engine::Milp as i32;
        let m = solve_ok(&milp);
        let (a, b) = (resp.stats.unwrap(), m.stats.unwrap());
        let key = |s: &pb::Stats| match req.policy.as_ref().unwrap().objective {
            o if o == pb::Objective::Score as i32 => {
                ((s.total_score * 1000.0).round() as i64, s.matched as i64)
            }
            _ => (s.matched as i64, (s.total_score * 1000.0).round() as i64),
        };
        assert!(
            key(&a) >= key(&b),
            "seed {seed}: the MILP beats a proven answer"
        );
        assert_eq!(key(&a), key(&b), "seed {seed}: the optimum differs");
    }
    assert!(proven >= 40, "only {proven} programmes were proven");
}

/// The example with its certificate, and its pairs' arcs' reduced costs.
fn example_answer() -> (pb::SolveRequest, pb::SolveResponse) {
    let req = with_certificate(example_request());
    let resp = solve_ok(&req);
    (req, resp)
}

fn rejected_on_pair(findings: &[Finding], mentor: &str, mentee: &str) -> bool {
    findings.iter().any(|f| {
        matches!(f, Finding::ReducedCost { arc: mentormatch::api::verify::Arc::Pair { mentor: m, mentee: e }, .. }
            if m == mentor && e == mentee)
    })
}

#[test]
fn a_swapped_pair_or_a_nudged_dual_is_rejected() {
    let limits = Limits::default();
    let (req, resp) = example_answer();
    let v = verify(&req, &resp, &limits).expect("verified");
    assert!(v.proven_optimal, "{:?}", v.findings);

    // Two unpinned pairs swapped: the total changes, so the swap is not an
    // optimum, and the certificate names an arc.
    let pinned: Vec<&str> = req
        .policy
        .as_ref()
        .unwrap()
        .pinned_pairs
        .iter()
        .map(|p| p.mentee_id.as_str())
        .collect();
    let free: Vec<usize> = (0..resp.pairs.len())
        .filter(|&k| !pinned.contains(&resp.pairs[k].mentee_id.as_str()))
        .collect();
    let mut caught = 0;
    for (i, &a) in free.iter().enumerate() {
        for &b in &free[i + 1..] {
            let mut bad = resp.clone();
            let (ma, mb) = (
                bad.pairs[a].mentor_id.clone(),
                bad.pairs[b].mentor_id.clone(),
            );
            if ma == mb {
                continue;
            }
            bad.pairs[a].mentor_id = mb.clone();
            bad.pairs[b].mentor_id = ma.clone();
            let v = verify(&req, &bad, &limits).expect("verified");
            assert!(!v.proven_optimal);
            let breaks = v
                .findings
                .iter()
                .any(|f| matches!(f, Finding::BreaksRule { .. }));
            if !breaks {
                let (ea, eb) = (&bad.pairs[a].mentee_id, &bad.pairs[b].mentee_id);
                assert!(
                    rejected_on_pair(&v.findings, &mb, ea)
                        || rejected_on_pair(&v.findings, &ma, eb),
                    "{:?}",
                    v.findings
                );
                caught += 1;
            }
        }
    }
    assert!(caught > 0, "no swap kept the rules");

    // One mentee's potential nudged just past its pair's tight arc.
    let cert = resp.certificate.as_ref().unwrap();
    let p = &resp.pairs[free[0]];
    let e = req
        .mentees
        .iter()
        .position(|x| x.profile.as_ref().unwrap().id == p.mentee_id)
        .unwrap();
    let m = req
        .mentors
        .iter()
        .position(|x| x.profile.as_ref().unwrap().id == p.mentor_id)
        .unwrap();
    let cost = (cert.top - (p.score * 1000.0).round() as i64) * cert.scale;
    let rc = cost + cert.mentee_potentials[e] - cert.mentor_potentials[m];
    assert!(rc <= 0);
    let mut nudged = resp.clone();
    nudged.certificate.as_mut().unwrap().mentee_potentials[e] -= rc - 1;
    let v = verify(&req, &nudged, &limits).expect("verified");
    assert!(!v.proven_optimal);
    assert!(
        rejected_on_pair(&v.findings, &p.mentor_id, &p.mentee_id),
        "{:?}",
        v.findings
    );
    // A cost model that is not the request's is named.
    let mut model = resp.clone();
    model.certificate.as_mut().unwrap().cost_unmatched -= 1;
    let v = verify(&req, &model, &limits).expect("verified");
    assert!(v.findings.iter().any(|f| matches!(
        f,
        Finding::CostModel {
            name: "cost_unmatched",
            ..
        }
    )));
}

#[test]
fn the_command_line_verifies_and_names_what_fails() {
    let (req, resp) = example_answer();
    let dir = tempfile::tempdir().expect("temp dir");
    let (rq, rs) = (
        dir.path().join("request.json"),
        dir.path().join("response.json"),
    );
    std::fs::write(&rq, serde_json::to_string(&req).unwrap()).unwrap();
    std::fs::write(&rs, serde_json::to_string(&resp).unwrap()).unwrap();
    let run = |resp: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mentormatch"))
            .args(["verify".as_ref(), rq.as_os_str(), resp.as_os_str()])
            .output()
            .expect("ran")
    };
    let ok = run(&rs);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        String::from_utf8_lossy(&ok.stdout).starts_with("verified: the 13 pairs keep every rule")
    );

    let mut bad = resp.clone();
    bad.certificate.as_mut().unwrap().sink_potential += 1_000_000_000_000;
    let bs = dir.path().join("bad.json");
    std::fs::write(&bs, serde_json::to_string(&bad).unwrap()).unwrap();
    let out = run(&bs);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the certificate fails on"));

    // Without a certificate: the rules are checked, optimality is not claimed.
    let plain = solve_ok(&example_request());
    let ps = dir.path().join("plain.json");
    std::fs::write(&ps, serde_json::to_string(&plain).unwrap()).unwrap();
    let out = run(&ps);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("optimality not proven"));
}

/// The fair objective's order: matched, lowest score of a pair not
/// pinned (milli-points), total score.
fn fair_key(req: &pb::SolveRequest, resp: &pb::SolveResponse) -> (u32, i64, i64) {
    let pinned: Vec<&str> = req
        .policy
        .as_ref()
        .map(|p| {
            p.pinned_pairs
                .iter()
                .map(|p| p.mentee_id.as_str())
                .collect()
        })
        .unwrap_or_default();
    let lowest = resp
        .pairs
        .iter()
        .filter(|p| !pinned.contains(&p.mentee_id.as_str()))
        .map(|p| (p.score * 1000.0).round() as i64)
        .min()
        .unwrap_or(i64::MAX);
    let s = resp.stats.unwrap();
    (s.matched, lowest, (s.total_score * 1000.0).round() as i64)
}

#[test]
fn every_fair_answer_is_proven_and_equals_the_milp() {
    let limits = Limits::default();
    let mut proven = 0;
    for seed in 0..40 {
        let mut req = programme(seed);
        policy(&mut req).objective = pb::Objective::Fair as i32;
        let resp = match mentormatch::api::solve(&req, &limits, &SolveOptions::default()) {
            Ok(r) if r.status == pb::SolveStatus::Optimal as i32 => r,
            _ => continue,
        };
        let fair = resp.certificate.as_ref().and_then(|c| c.fair.as_ref());
        assert!(
            fair.is_some() || resp.pairs.is_empty(),
            "seed {seed}: no fair proof"
        );
        let v = verify(&req, &resp, &limits).expect("verified");
        let words: Vec<String> = v.findings.iter().map(Finding::message).collect();
        assert!(v.proven_optimal, "seed {seed}: {words:?}");
        proven += 1;
        let mut milp = req.clone();
        policy(&mut milp).engine = pb::Engine::Milp as i32;
        let m = solve_ok(&milp);
        assert_eq!(
            fair_key(&req, &resp),
            fair_key(&milp, &m),
            "seed {seed}: the MILP's fair optimum differs"
        );
    }
    assert!(proven >= 25, "only {proven} fair programmes were proven");
}

#[test]
fn a_fair_proof_with_a_part_nudged_is_rejected() {
    let limits = Limits::default();
    let mut req = example_request();
    policy(&mut req).objective = pb::Objective::Fair as i32;
    let req = with_certificate(req);
    let resp = solve_ok(&req);
    let v = verify(&req, &resp, &limits).expect("verified");
    assert!(v.proven_optimal, "{:?}", v.findings);
    let rejects = |edit: &dyn Fn(&mut pb::FairProof), found: &dyn Fn(&Finding) -> bool| {
        let mut bad = resp.clone();
        let cert = bad.certificate.as_mut().unwrap();
        edit(cert.fair.as_mut().unwrap());
        let v = verify(&req, &bad, &limits).expect("verified");
        assert!(!v.proven_optimal);
        assert!(v.findings.iter().any(found), "{:?}", v.findings);
    };
    // A lowest score the pairs do not have.
    rejects(
        &|f| f.lowest_score += 1,
        &|f| matches!(f, Finding::Stat { name, .. } if name.contains("lowest")),
    );
    // The coverage proof with the sink's potential raised: an arc fails.
    rejects(
        &|f| f.coverage.as_mut().unwrap().sink_potential += 1_000,
        &|f| {
            matches!(
                f,
                Finding::ReducedCost {
                    proof: Proof::Coverage,
                    ..
                }
            )
        },
    );
    // The lowest-score proof with the sink's potential lowered: its bound
    // no longer exceeds the answer's coverage cost.
    rejects(
        &|f| f.above.as_mut().unwrap().sink_potential -= 1_000,
        &|f| matches!(f, Finding::Bound { .. }),
    );
    // Not the coverage costs.
    rejects(&|f| f.above.as_mut().unwrap().cost_unmatched += 1, &|f| {
        matches!(
            f,
            Finding::CostModel {
                proof: Proof::Above,
                ..
            }
        )
    });
    // No proof at all.
    let mut bare = resp.clone();
    bare.certificate.as_mut().unwrap().fair = None;
    let v = verify(&req, &bare, &limits).expect("verified");
    assert!(v.findings.contains(&Finding::NoFairProof));
}

#[test]
fn an_answer_without_a_certificate_says_why() {
    let limits = Limits::default();
    let mut req = small_request();
    let resp = solve_ok(&req);
    let v = verify(&req, &resp, &limits).expect("verified");
    assert!(v
        .no_certificate
        .is_some_and(|w| w.contains("ask with include_certificate")));
    // Asked for, but a country quota makes the MILP solve it.
    req.include_certificate = true;
    policy(&mut req).max_mentees_per_country = Some(1);
    let resp = solve_ok(&req);
    let v = verify(&req, &resp, &limits).expect("verified");
    assert!(
        v.no_certificate
            .is_some_and(|w| w.contains("the MILP engine gives no certificate")),
        "{:?}",
        v.no_certificate
    );
    assert!(!v.proven_optimal && v.findings.is_empty(), "{v:?}");
}
