//! Issue 29, capacity certificates with demand: a mentee with no mentor
//! whose compatible mentors are full gets a Hall violator — mentees that no
//! assignment covers all at once, one more than the places of every mentor
//! any of them could have — checked here by trying every assignment, and
//! one more place at any of those mentors covers one more mentee.

use std::collections::BTreeSet;

use mentormatch::model::Objective;
use mentormatch::solvers::demand_hall::DemandHall;
use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::demand::{flow, library_demand, many, subsets, Demanding};

/// The most mentees of `set` that one assignment covers at once, by trying
/// every choice of mentors for every mentee under the capacities, the pins
/// and each mentee's role bounds on the mentors it has (anyone without a
/// pin may have none: minimums left out, as fewer rules can only cover
/// more).
fn most_covered(d: &Demanding, set: &BTreeSet<u32>) -> usize {
    fn go(
        d: &Demanding,
        set: &BTreeSet<u32>,
        e: usize,
        load: &mut Vec<u32>,
        covered: usize,
    ) -> usize {
        if e == d.inst.mentees() {
            return covered;
        }
        let arcs: Vec<u32> = d.inst.arcs(e).map(|a| a as u32).collect();
        let mut best = 0;
        for s in subsets(&arcs, d.max[e] as usize) {
            let role_of = |a: &u32| d.role[d.inst.mentor[*a as usize] as usize];
            let capped = s.is_empty()
                || d.roles[e].iter().all(|&(r, lo, hi)| {
                    let n = s.iter().filter(|a| role_of(a) == Some(r)).count() as u32;
                    lo <= n && n <= hi
                });
            let room = s.iter().all(|&a| {
                let j = d.inst.mentor[a as usize] as usize;
                load[j] < d.inst.capacity[j]
            });
            let pins = d
                .inst
                .arcs(e)
                .all(|a| !d.pinned.contains(&(a as u32)) || s.contains(&(a as u32)));
            if !capped || !room || !pins {
                continue;
            }
            for &a in &s {
                load[d.inst.mentor[a as usize] as usize] += 1;
            }
            let mine = usize::from(!s.is_empty() && set.contains(&(e as u32)));
            best = best.max(go(d, set, e + 1, load, covered + mine));
            for &a in &s {
                load[d.inst.mentor[a as usize] as usize] -= 1;
            }
        }
        best
    }
    go(d, set, 0, &mut vec![0; d.inst.mentors()], 0)
}

/// Whether `d` has no minimum of any kind and no pin.
fn free_of_minimums(d: &Demanding) -> bool {
    d.min.iter().all(|&m| m == 0)
        && d.roles.iter().flatten().all(|&(_, lo, _)| lo == 0)
        && d.inst.minimum.iter().all(|&m| m == 0)
        && d.pinned.is_empty()
}

/// Every violator found holds: its mentors are full, it has one mentee
/// more than their places, no assignment covers all its mentees, and
/// (without minimums or pins) one more place at any of its mentors covers
/// one more mentee. Violators are found in many of the instances.
#[test]
fn a_violator_is_a_set_no_assignment_covers() {
    let mut runner = TestRunner::new(Config {
        cases: 400,
        ..Config::default()
    });
    let (found, relaxed) = (Cell::new(0), Cell::new(0));
    runner
        .run(&many(6, 4), |d| {
            let Ok(chosen) = flow(&d, Objective::CoverageThenScore) else {
                return Ok(());
            };
            let lib = library_demand(&d);
            let hall = DemandHall::new(&d.inst, &lib, &chosen);
            let covered = chosen.iter().filter(|c| !c.is_empty()).count();
            for r in 0..d.inst.mentees() as u32 {
                let mut budget = u64::MAX;
                let Some(v) = hall.violator(r, &mut budget) else {
                    continue;
                };
                found.set(found.get() + 1);
                prop_assert!(chosen[r as usize].is_empty() && v.mentees.contains(&r));
                let pinned_at = |j: u32| {
                    d.pinned
                        .iter()
                        .filter(|&&a| d.inst.mentor[a as usize] == j)
                        .count() as u32
                };
                let places: u32 = v
                    .mentors
                    .iter()
                    .map(|&j| d.inst.capacity[j as usize] - pinned_at(j))
                    .sum();
                prop_assert_eq!(places, v.places);
                prop_assert_eq!(v.mentees.len(), places as usize + 1, "{:?}", v);
                let set: BTreeSet<u32> = v.mentees.iter().copied().collect();
                prop_assert!(most_covered(&d, &set) < set.len(), "{v:?} on {d:?}");
                if free_of_minimums(&d) {
                    relaxed.set(relaxed.get() + 1);
                    for &j in &v.mentors {
                        let mut more = d.clone();
                        more.inst.capacity[j as usize] += 1;
                        let again = flow(&more, Objective::CoverageThenScore).expect("feasible");
                        let now = again.iter().filter(|c| !c.is_empty()).count();
                        prop_assert_eq!(now, covered + 1, "one more place at {} on {:?}", j, d);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(
        found.get() >= 40 && relaxed.get() >= 10,
        "{found:?} {relaxed:?}"
    );
}

/// `e1_asks_for_two_of_three` with e4 like e2: e2 and e4 fit m2 only, and
/// m2 has one place.
fn two_for_one_place() -> mentormatch::pb::SolveRequest {
    let mut req = crate::demand_requests::e1_asks_for_two_of_three();
    req.mentors[1].capacity = Some(1);
    let mut e4 = req.mentees[1].clone();
    e4.profile.as_mut().unwrap().id = "e4".into();
    req.mentees.push(e4);
    req
}

#[test]
fn the_check_with_demand_names_the_bottleneck() {
    use mentormatch::pb;
    let r = mentormatch::api::validate(
        &pb::ValidateRequest {
            request: Some(two_for_one_place()),
        },
        &Default::default(),
        &Default::default(),
    )
    .expect("checked");
    let found: Vec<&pb::Finding> = r
        .findings
        .iter()
        .filter(|f| f.certificate.is_some())
        .collect();
    assert_eq!(found.len(), 1, "{:?}", r.findings);
    let c = found[0].certificate.as_ref().unwrap();
    assert_eq!(c.mentee_ids, ["e2", "e4"]);
    assert_eq!(c.mentors[0].mentor_id, "m2");
    assert!(
        found[0]
            .message
            .contains("1 of them stay unmatched in every matching"),
        "{}",
        found[0].message
    );
}

#[test]
fn a_mentee_with_no_mentor_gets_a_certificate_and_the_place_that_would_cover_it() {
    use mentormatch::pb;
    let req = two_for_one_place();
    let resp = crate::util::solve_ok(&req);
    assert_eq!(resp.status, pb::SolveStatus::Optimal as i32);
    let u: Vec<&pb::UnmatchedMentee> = resp
        .unmatched
        .iter()
        .filter(|u| u.mentee_id == "e2" || u.mentee_id == "e4")
        .collect();
    assert_eq!(u.len(), 1, "{:?}", resp.unmatched);
    let c = u[0].certificate.as_ref().expect("a certificate");
    assert_eq!(c.mentee_ids, ["e2", "e4"]);
    assert_eq!((c.mentors.len(), c.places), (1, 1), "{c:?}");
    assert!(
        u[0].message.contains("has 0 of the 1 mentor asked for")
            && u[0].message.contains("compete for 1 place")
            && u[0]
                .message
                .contains("raising the capacity of m2 from 1 to 2"),
        "{}",
        u[0].message
    );
}
