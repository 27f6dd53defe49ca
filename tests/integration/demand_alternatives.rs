//! Issue 29, "why not X?" with demand: each alternative of a mentee forces
//! the pair beside the mentee's own pins, and its losses (mentees with a
//! mentor, pairs, score) equal those of the exhaustive search with that
//! pair pinned, on random requests with roles, tiers, pins and minimums.

use mentormatch::model::from_milli;
use mentormatch::pb;
use mentormatch::wire::problem_from_request;
use mentormatch::{Limits, SolveOptions};

use crate::demand::{demand_brute_force, Demanding};
use crate::demand_requests::{demanding, e1_asks_for_two_of_three, programme};
use crate::util::cli_on;

/// Mentees with a mentor, pairs and total score of an assignment.
fn measure(d: &Demanding, chosen: &[Vec<u32>]) -> (i32, i32, i64) {
    let matched = chosen.iter().filter(|c| !c.is_empty()).count() as i32;
    let pairs = chosen.iter().map(Vec::len).sum::<usize>() as i32;
    let total = chosen
        .iter()
        .flatten()
        .map(|&a| d.inst.score[a as usize])
        .sum();
    (matched, pairs, total)
}

#[test]
fn alternatives_with_demand_equal_the_exhaustive_search() {
    let (limits, opts) = (Limits::default(), SolveOptions::default());
    let (mut checked, mut refused, mut several) = (0, 0, 0);
    for seed in 0..300 {
        let req = programme(seed);
        let d = demanding(&req);
        let problem = problem_from_request(&req, &limits).expect("valid");
        let (objective, demand) = (problem.policy.objective, problem.has_demand());
        let Some((_, base)) = demand_brute_force(&d, objective) else {
            continue;
        };
        let Some(e) = (0..d.inst.mentees()).find(|&e| d.max[e] > 0) else {
            continue;
        };
        let mentee_id = req.mentees[e].profile.as_ref().unwrap().id.clone();
        let resp = mentormatch::api::alternatives(
            &pb::AlternativesRequest {
                request: Some(req.clone()),
                mentee_id: mentee_id.clone(),
                limit: Some(100),
                max_candidates: Some(100),
            },
            &limits,
            &opts,
        )
        .expect("alternatives");
        let mentor_ix = |id: &str| {
            req.mentors
                .iter()
                .position(|m| m.profile.as_ref().unwrap().id == id)
                .unwrap()
        };
        // The mentee's mentors in the optimum are not candidates.
        // (Every mentee at the defaults: the single mentor, as before.)
        let now: Vec<usize> = match demand {
            true => resp
                .current_mentor_ids
                .iter()
                .map(|m| mentor_ix(m))
                .collect(),
            false => [&resp.current_mentor_id]
                .into_iter()
                .filter(|m| !m.is_empty())
                .map(|m| mentor_ix(m))
                .collect(),
        };
        // They are the solve's (an optimum's mentors for one mentee are
        // not determined by the objective, so not the oracle's).
        let solved = mentormatch::api::solve(&req, &limits, &opts).expect("solved");
        let mut theirs: Vec<usize> = solved
            .pairs
            .iter()
            .filter(|p| p.mentee_id == mentee_id)
            .map(|p| mentor_ix(&p.mentor_id))
            .collect();
        theirs.sort_unstable();
        assert_eq!(now, theirs, "seed {seed}");
        several += usize::from(now.len() > 1);
        let own_pins = d
            .inst
            .arcs(e)
            .filter(|&a| d.pinned.contains(&(a as u32)))
            .count();
        let (m0, p0, t0) = measure(&d, &base);
        for alt in &resp.alternatives {
            let m = mentor_ix(&alt.mentor_id);
            assert!(!now.contains(&m), "seed {seed}");
            let arc = d.inst.arcs(e).find(|&a| d.inst.mentor[a] as usize == m);
            let arc = arc.expect("an alternative is a feasible pair") as u32;
            let mut forced = d.clone();
            forced.pinned.push(arc);
            let oracle = match own_pins < d.max[e] as usize {
                true => demand_brute_force(&forced, objective),
                false => None,
            };
            let Some((_, best)) = oracle else {
                assert!(!alt.feasible, "seed {seed}: {alt:?}");
                refused += 1;
                continue;
            };
            let (m1, p1, t1) = measure(&forced, &best);
            assert!(alt.feasible, "seed {seed}: {alt:?}");
            assert_eq!(
                (alt.coverage_loss, alt.pairs_loss, alt.score_loss),
                (m0 - m1, demand.then_some(p0 - p1), from_milli(t0 - t1)),
                "seed {seed}: {}",
                alt.mentor_id
            );
            checked += 1;
        }
    }
    assert!(
        checked > 100 && refused > 10 && several > 10,
        "{checked} {refused} {several}"
    );
}

/// The table, CSV and HTML forms of alternatives with demand show every
/// current mentor and the pairs lost.
#[test]
fn alternatives_with_demand_show_every_mentor_and_the_pairs_lost() {
    let req = e1_asks_for_two_of_three();
    let (limits, opts) = (Limits::default(), SolveOptions::default());
    let resp = mentormatch::api::alternatives(
        &pb::AlternativesRequest {
            request: Some(req.clone()),
            mentee_id: "e1".into(),
            limit: None,
            max_candidates: None,
        },
        &limits,
        &opts,
    )
    .expect("alternatives");
    assert_eq!(resp.current_mentor_ids.len(), 2, "{resp:?}");
    assert!(
        !resp.alternatives.is_empty() && resp.alternatives.iter().all(|a| a.pairs_loss.is_some())
    );
    let run = |format: &str| {
        let out = cli_on(
            &req,
            &["alternatives", "--mentee", "e1", "--format", format],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let table = run("table");
    let now = format!("now with {}", resp.current_mentor_ids.join(", "));
    assert!(
        table.contains(&now) && table.contains("pairs lost"),
        "{table}"
    );
    let csv = run("csv");
    assert!(csv.lines().next().unwrap().ends_with("pairs lost"), "{csv}");
    let html = run("html");
    assert!(html.contains("pairs lost"));
}
