//! Issue 29's oracle, first: mentees who need more than one mentor, mentor
//! roles and priority tiers, solved by trying every assignment. The engines
//! do not take demand yet; here the oracle is held to today's engines on
//! single demand (where its objective must reduce to theirs) and to
//! hand-made cases whose optimum is known, so that the engines can later be
//! tested against it on random many-to-many instances.
//!
//! The objective's order under demand (coverage then score): every minimum
//! met (hard: a mentee's `min`, a mentor's minimum, each role's at least
//! and at most, pins); then the
//! mentees with at least one mentor, tier by tier from the highest; then
//! the further mentors (up to each mentee's `max`); then the total score.
//! Score: the total first, then the same counts. Fair: the counts, then the
//! lowest score of a pair not pinned, then the total.

use mentormatch::model::{Milli, Objective};
use mentormatch::solvers::{
    demand, flow, flow::FlowEngine, Deadline, Engine, Instance, Keep, Quota, SolveError,
};
use proptest::prelude::*;

use crate::optimality::instance;

/// A many-to-many instance: the engines' arcs and mentor loads, and each
/// mentee's demand, tier and role bounds, each mentor's role.
#[derive(Debug, Clone)]
pub(crate) struct Demanding {
    /// Arcs (feasible pairs, each mentee's to distinct mentors), mentor
    /// capacities and minimums.
    pub inst: Instance,
    /// Per mentee: fewest (hard) and most mentors.
    pub min: Vec<u32>,
    pub max: Vec<u32>,
    /// Per mentee: its priority tier (higher first).
    pub tier: Vec<u32>,
    /// Per mentor: its role, if any.
    pub role: Vec<Option<u32>>,
    /// Per mentee: (role, at least, at most) mentors of that role.
    pub roles: Vec<Vec<(u32, u32, u32)>>,
    /// Arcs that must be used (pinned pairs).
    pub pinned: Vec<u32>,
}

impl Demanding {
    /// Single demand (at most one mentor, none required), one tier, no roles.
    pub(crate) fn single(inst: Instance) -> Demanding {
        let (n_e, n_m) = (inst.mentees(), inst.mentors());
        Demanding {
            inst,
            min: vec![0; n_e],
            max: vec![1; n_e],
            tier: vec![0; n_e],
            role: vec![None; n_m],
            roles: vec![Vec::new(); n_e],
            pinned: Vec::new(),
        }
    }

    /// Whether mentee `e` may have exactly the arcs `arcs`: its demand, its
    /// role bounds and its pins.
    fn fits(&self, e: usize, arcs: &[u32]) -> bool {
        let n = arcs.len() as u32;
        if n < self.min[e] || n > self.max[e] {
            return false;
        }
        for &(r, lo, hi) in &self.roles[e] {
            let k = arcs
                .iter()
                .filter(|&&a| self.role[self.inst.mentor[a as usize] as usize] == Some(r))
                .count() as u32;
            if k < lo || k > hi {
                return false;
            }
        }
        self.inst
            .arcs(e)
            .all(|a| !self.pinned.contains(&(a as u32)) || arcs.contains(&(a as u32)))
    }
}

/// What an assignment achieves, larger is better: see the module's order.
pub(crate) fn demand_key(d: &Demanding, objective: Objective, chosen: &[Vec<u32>]) -> Vec<i64> {
    let top = d.tier.iter().copied().max().unwrap_or(0);
    let covered: Vec<i64> = (0..=top)
        .rev()
        .map(|t| {
            (0..chosen.len())
                .filter(|&e| d.tier[e] == t && !chosen[e].is_empty())
                .count() as i64
        })
        .collect();
    let further: i64 = chosen
        .iter()
        .map(|c| c.len().saturating_sub(1) as i64)
        .sum();
    let arcs = chosen.iter().flatten();
    let total: i64 = arcs.clone().map(|&a| d.inst.score[a as usize]).sum();
    let lowest = arcs
        .filter(|a| !d.pinned.contains(a))
        .map(|&a| d.inst.score[a as usize])
        .min()
        .unwrap_or(i64::MAX);
    let mut key = Vec::new();
    match objective {
        Objective::CoverageThenScore => {
            key.extend(covered);
            key.extend([further, total]);
        }
        Objective::Score => {
            key.push(total);
            key.extend(covered);
            key.push(further);
        }
        Objective::Fair => {
            key.extend(covered);
            key.extend([further, lowest, total]);
        }
        Objective::Stable(_) => unreachable!("no optimum to compare"),
    }
    key
}

/// Every subset of `arcs` of at most `most` elements, in a fixed order.
pub(crate) fn subsets(arcs: &[u32], most: usize) -> Vec<Vec<u32>> {
    let mut out = vec![Vec::new()];
    for &a in arcs {
        let grown: Vec<Vec<u32>> = out
            .iter()
            .filter(|s| s.len() < most)
            .map(|s| {
                let mut t = s.clone();
                t.push(a);
                t
            })
            .collect();
        out.extend(grown);
    }
    out
}

/// Whether `chosen` keeps the instance's side constraints: at most
/// `quota.max` mentees of one label per mentor, and at least `keep.min_kept`
/// of the arcs `keep.arcs`.
pub(crate) fn side_ok(d: &Demanding, chosen: &[Vec<u32>]) -> bool {
    let quota = d.inst.quota.as_ref().is_none_or(|q| {
        let mut n = std::collections::HashMap::new();
        chosen.iter().enumerate().all(|(e, arcs)| {
            arcs.iter().all(|&a| {
                let k = n
                    .entry((d.inst.mentor[a as usize], q.label[e]))
                    .or_insert(0u32);
                *k += 1;
                *k <= q.max
            })
        })
    });
    let keep = d.inst.keep.as_ref().is_none_or(|k| {
        let kept = chosen
            .iter()
            .flatten()
            .filter(|a| k.arcs.contains(a))
            .count();
        kept as u32 >= k.min_kept
    });
    quota && keep
}

/// The deliberately simple oracle: every choice of mentors for every
/// mentee. The best key and one assignment reaching it, or `None` when no
/// assignment meets every minimum.
pub(crate) fn demand_brute_force(
    d: &Demanding,
    objective: Objective,
) -> Option<(Vec<i64>, Vec<Vec<u32>>)> {
    fn go(
        d: &Demanding,
        objective: Objective,
        e: usize,
        load: &mut Vec<u32>,
        chosen: &mut Vec<Vec<u32>>,
        best: &mut Option<(Vec<i64>, Vec<Vec<u32>>)>,
    ) {
        if e == d.inst.mentees() {
            if (0..d.inst.mentors()).all(|j| load[j] >= d.inst.minimum[j]) && side_ok(d, chosen) {
                let k = demand_key(d, objective, chosen);
                if best.as_ref().is_none_or(|(b, _)| k > *b) {
                    *best = Some((k, chosen.clone()));
                }
            }
            return;
        }
        let arcs: Vec<u32> = d.inst.arcs(e).map(|a| a as u32).collect();
        for s in subsets(&arcs, d.max[e] as usize) {
            let room = s.iter().all(|&a| {
                let j = d.inst.mentor[a as usize] as usize;
                load[j] < d.inst.capacity[j]
            });
            if !room || !d.fits(e, &s) {
                continue;
            }
            for &a in &s {
                load[d.inst.mentor[a as usize] as usize] += 1;
            }
            chosen.push(s.clone());
            go(d, objective, e + 1, load, chosen, best);
            chosen.pop();
            for &a in &s {
                load[d.inst.mentor[a as usize] as usize] -= 1;
            }
        }
    }
    let mut best = None;
    go(
        d,
        objective,
        0,
        &mut vec![0; d.inst.mentors()],
        &mut Vec::new(),
        &mut best,
    );
    best
}

pub(crate) const OBJECTIVES: [Objective; 3] = [
    Objective::CoverageThenScore,
    Objective::Fair,
    Objective::Score,
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// On single demand the oracle's optimum is today's engine's, for every
    /// objective: its order reduces to the engines' (coverage, score; score,
    /// coverage; coverage, lowest, total), and infeasible minimums agree.
    #[test]
    fn on_single_demand_the_oracle_is_the_flow(inst in instance(6, 4)) {
        let d = Demanding::single(inst.clone());
        for objective in OBJECTIVES {
            let oracle = demand_brute_force(&d, objective);
            match (FlowEngine::default().solve(&inst, objective, Deadline::NONE), oracle) {
                (Ok(a), Some((best, _))) => {
                    let chosen: Vec<Vec<u32>> =
                        a.arc.iter().map(|x| x.iter().copied().collect()).collect();
                    prop_assert_eq!(demand_key(&d, objective, &chosen), best, "{:?} {:?}", objective, inst);
                }
                (Err(SolveError::MinimumsUnmet { .. }), None) => {}
                (got, oracle) => {
                    return Err(TestCaseError::fail(format!("flow {got:?}, oracle {oracle:?} on {inst:?}")));
                }
            }
        }
    }
}

/// Two mentees, three mentors of capacity 1; scores in hundreds.
fn two_by_three(scores: [[Option<i64>; 3]; 2]) -> Demanding {
    let lists: Vec<Vec<(u32, Milli)>> = scores
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .filter_map(|(j, s)| s.map(|s| (j as u32, s * 100)))
                .collect()
        })
        .collect();
    Demanding::single(Instance::from_lists(&lists, vec![1; 3], vec![0; 3]))
}

/// Mentors chosen per mentee in a brute-force optimum.
fn mentors_of(d: &Demanding, chosen: &[Vec<u32>]) -> Vec<Vec<u32>> {
    chosen
        .iter()
        .map(|c| {
            let mut m: Vec<u32> = c.iter().map(|&a| d.inst.mentor[a as usize]).collect();
            m.sort_unstable();
            m
        })
        .collect()
}

#[test]
fn a_first_mentor_for_everyone_before_a_second_for_anyone() {
    // Mentee 0 wants two and scores high with mentors 0 and 1; mentee 1
    // only fits mentor 1. Mentee 1's first mentor beats mentee 0's second,
    // whatever the scores.
    let mut d = two_by_three([[Some(10), Some(10), None], [None, Some(1), None]]);
    d.max = vec![2, 1];
    let (_, chosen) = demand_brute_force(&d, Objective::CoverageThenScore).expect("feasible");
    assert_eq!(mentors_of(&d, &chosen), [vec![0], vec![1]]);
    // With a third mentor free, mentee 0 gets its second there.
    let mut d = two_by_three([[Some(10), Some(10), Some(2)], [None, Some(1), None]]);
    d.max = vec![2, 1];
    let (key, chosen) = demand_brute_force(&d, Objective::CoverageThenScore).expect("feasible");
    assert_eq!(mentors_of(&d, &chosen), [vec![0, 2], vec![1]]);
    assert_eq!(key, [2, 1, 1300]);
    // The score objective takes the best total instead: two mentors for
    // mentee 0 (20 points), none for mentee 1.
    let (_, chosen) = demand_brute_force(&d, Objective::Score).expect("feasible");
    assert_eq!(mentors_of(&d, &chosen), [vec![0, 1], vec![]]);
}

#[test]
fn a_higher_tier_is_covered_first_and_minimums_are_hard() {
    // Both fit only mentor 0; mentee 1 is of the higher tier.
    let mut d = two_by_three([[Some(9), None, None], [Some(1), None, None]]);
    d.tier = vec![0, 1];
    let (key, chosen) = demand_brute_force(&d, Objective::CoverageThenScore).expect("feasible");
    assert_eq!(mentors_of(&d, &chosen), [vec![], vec![0]]);
    assert_eq!(key, [1, 0, 0, 100]);
    // A minimum of two mentors no one can meet: no assignment.
    let mut d = two_by_three([[Some(9), None, None], [Some(1), Some(1), None]]);
    d.min = vec![2, 0];
    d.max = vec![2, 1];
    assert!(demand_brute_force(&d, Objective::CoverageThenScore).is_none());
    // A pin holds even against a better assignment.
    let mut d = two_by_three([[Some(9), Some(8), None], [Some(1), None, None]]);
    d.pinned = vec![d.inst.arcs(1).next().unwrap() as u32];
    let (_, chosen) = demand_brute_force(&d, Objective::Score).expect("feasible");
    assert_eq!(mentors_of(&d, &chosen), [vec![1], vec![0]]);
}

#[test]
fn role_bounds_pick_one_mentor_of_each_role() {
    // Mentors 0 and 1 are technical (role 0), mentor 2 governance (role 1);
    // mentee 0 asks for exactly one of each, though two technical mentors
    // would score more.
    let mut d = two_by_three([[Some(10), Some(9), Some(2)], [None, None, None]]);
    d.max = vec![2, 1];
    d.role = vec![Some(0), Some(0), Some(1)];
    d.roles = vec![vec![(0, 1, 1), (1, 1, 1)], vec![]];
    let (key, chosen) = demand_brute_force(&d, Objective::CoverageThenScore).expect("feasible");
    assert_eq!(mentors_of(&d, &chosen), [vec![0, 2], vec![]]);
    assert_eq!(key, [1, 1, 1200]);
    // Without a governance mentor the bounds cannot be met: a role's
    // "at least" is hard, like `min`, so no assignment is valid (never two
    // technical mentors instead).
    d.role[2] = Some(0);
    assert!(demand_brute_force(&d, Objective::CoverageThenScore).is_none());
}

/// The library's form of a test instance's demand.
pub(crate) fn library_demand(d: &Demanding) -> demand::Demand {
    demand::Demand {
        min: d.min.clone(),
        max: d.max.clone(),
        tier: d.tier.clone(),
        role: d.role.clone(),
        roles: d
            .roles
            .iter()
            .map(|r| {
                r.iter()
                    .map(|&(role, at_least, at_most)| demand::RoleBound {
                        role,
                        at_least,
                        at_most,
                    })
                    .collect()
            })
            .collect(),
        pinned: d.pinned.clone(),
    }
}

/// Whether `chosen` keeps every rule of `d`: demand, roles, pins, and the
/// mentors' capacities and minimums.
fn valid(d: &Demanding, chosen: &[Vec<u32>]) -> Result<(), String> {
    let mut load = vec![0u32; d.inst.mentors()];
    for (e, c) in chosen.iter().enumerate() {
        if c.iter().any(|&a| !d.inst.arcs(e).contains(&(a as usize))) {
            return Err(format!("mentee {e} has an arc not its own: {c:?}"));
        }
        if !d.fits(e, c) {
            return Err(format!(
                "mentee {e}'s arcs {c:?} break its demand, roles or pins"
            ));
        }
        for &a in c {
            load[d.inst.mentor[a as usize] as usize] += 1;
        }
    }
    for (j, &l) in load.iter().enumerate() {
        if l > d.inst.capacity[j] || l < d.inst.minimum[j] {
            return Err(format!("mentor {j}: load {l}"));
        }
    }
    if !side_ok(d, chosen) {
        return Err(format!("{chosen:?} breaks the quota or the cap on changes"));
    }
    Ok(())
}

prop_compose! {
    /// A random many-to-many instance: up to 5 mentees and 4 mentors,
    /// demands 0–3 with minimums, tiers 0–2, two roles with bounds, a pin.
    pub(crate) fn many(max_e: usize, max_m: usize)(inst in instance(max_e, max_m))(
        mins in proptest::collection::vec(prop_oneof![5 => Just(0u32), 1 => 1u32..=2], inst.mentees()),
        extra in proptest::collection::vec(0u32..=2, inst.mentees()),
        tier in proptest::collection::vec(prop_oneof![3 => Just(0u32), 1 => 1u32..=2], inst.mentees()),
        role in proptest::collection::vec(prop_oneof![Just(None), Just(Some(0u32)), Just(Some(1u32))], inst.mentors()),
        bounds in proptest::collection::vec(
            prop_oneof![3 => Just(None), 1 => (0u32..2, 0u32..=1, 1u32..=2).prop_map(Some)],
            inst.mentees(),
        ),
        pin in proptest::option::of(0usize..64),
        inst in Just(inst.clone()),
    ) -> Demanding {
        let mut d = Demanding::single(inst);
        d.min = mins.clone();
        d.max = mins.iter().zip(&extra).map(|(&m, &x)| (m + x).clamp(1, 3)).collect();
        d.tier = tier;
        d.role = role;
        d.roles = bounds
            .iter()
            .map(|b| b.map(|(r, lo, hi)| vec![(r, lo, hi.max(lo))]).unwrap_or_default())
            .collect();
        if let (Some(p), false) = (pin, d.inst.score.is_empty()) {
            d.pinned = vec![(p % d.inst.score.len()) as u32];
        }
        d
    }
}

/// The demand MILP reaches the oracle's optimum on `d` for every objective,
/// and finds none exactly when the oracle finds none.
fn milp_equals_oracle(d: &Demanding) -> Result<(), TestCaseError> {
    let lib = library_demand(d);
    for objective in OBJECTIVES {
        let oracle = demand_brute_force(d, objective);
        match (
            demand::solve_milp(&d.inst, &lib, objective, &Deadline::NONE),
            oracle,
        ) {
            (Ok(chosen), Some((best, _))) => {
                valid(d, &chosen).map_err(TestCaseError::fail)?;
                let key = demand_key(d, objective, &chosen);
                prop_assert_eq!(key, best, "{:?} {:?}", objective, d);
            }
            (Err(SolveError::SideConstraintsInfeasible), None) => {}
            (got, oracle) => {
                return Err(TestCaseError::fail(format!(
                    "milp {got:?}, oracle {oracle:?} on {d:?}"
                )));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The demand MILP reaches the oracle's optimum on random many-to-many
    /// instances, for every objective, and finds none exactly when the
    /// oracle finds none.
    #[test]
    fn the_demand_milp_equals_the_oracle(d in many(5, 4)) {
        milp_equals_oracle(&d)?;
    }
}

prop_compose! {
    /// A random many-to-many instance with side constraints: a quota of
    /// one or two mentees per (mentor, label) over two labels, and a cap on
    /// changes (some arcs, of which all but up to two must be kept).
    fn sided(max_e: usize, max_m: usize)(d in many(max_e, max_m))(
        labels in proptest::collection::vec(0u32..2, d.inst.mentees()),
        max in 1u32..=2,
        quota in any::<bool>(),
        kept in proptest::collection::vec(any::<bool>(), d.inst.score.len()),
        changes in 0u32..=2,
        keep in any::<bool>(),
        d in Just(d.clone()),
    ) -> Demanding {
        let mut d = d;
        if quota || !keep {
            d.inst.quota = Some(Quota { label: labels, max });
        }
        if keep {
            let arcs: Vec<u32> = (0..kept.len() as u32).filter(|&a| kept[a as usize]).collect();
            let min_kept = (arcs.len() as u32).saturating_sub(changes);
            d.inst.keep = Some(Keep { arcs, min_kept });
        }
        d
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// With a country quota or a cap on changes (the side constraints the
    /// MILP takes), the demand MILP still reaches the oracle's optimum for
    /// every objective, and finds none exactly when the oracle finds none.
    #[test]
    fn the_demand_milp_keeps_quotas_and_caps_as_the_oracle(d in sided(5, 4)) {
        milp_equals_oracle(&d)?;
    }
}

/// The demand flow's answer, as the engines' tests read it.
pub(crate) fn flow(d: &Demanding, objective: Objective) -> Result<Vec<Vec<u32>>, SolveError> {
    flow::demand::solve(&d.inst, &library_demand(d), objective, &Deadline::NONE)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The demand flow reaches the oracle's optimum on random many-to-many
    /// instances, for every objective, and finds none exactly when the
    /// oracle finds none.
    #[test]
    fn the_demand_flow_equals_the_oracle(d in many(5, 4)) {
        for objective in OBJECTIVES {
            let oracle = demand_brute_force(&d, objective);
            match (flow(&d, objective), oracle) {
                (Ok(chosen), Some((best, _))) => {
                    valid(&d, &chosen).map_err(TestCaseError::fail)?;
                    prop_assert_eq!(demand_key(&d, objective, &chosen), best, "{:?} {:?}", objective, d);
                }
                (Err(SolveError::SideConstraintsInfeasible), None) => {}
                (got, oracle) => {
                    return Err(TestCaseError::fail(format!("flow {got:?}, oracle {oracle:?} on {d:?}")));
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    /// Up to 8 × 8, past the oracle's reach, the flow and the MILP (two
    /// independent exact methods) reach the same optimum.
    #[test]
    fn the_demand_flow_equals_the_milp_up_to_eight_by_eight(d in many(8, 8)) {
        let lib = library_demand(&d);
        for objective in OBJECTIVES {
            match (flow(&d, objective), demand::solve_milp(&d.inst, &lib, objective, &Deadline::NONE)) {
                (Ok(f), Ok(m)) => {
                    valid(&d, &f).map_err(TestCaseError::fail)?;
                    prop_assert_eq!(demand_key(&d, objective, &f), demand_key(&d, objective, &m), "{:?} {:?}", objective, d);
                }
                (Err(SolveError::SideConstraintsInfeasible), Err(SolveError::SideConstraintsInfeasible)) => {}
                (f, m) => {
                    return Err(TestCaseError::fail(format!("flow {f:?}, milp {m:?} on {d:?}")));
                }
            }
        }
    }
}

#[test]
fn fair_raises_the_lowest_pair_before_the_total() {
    // Two mentees, two mentors of capacity 1: 12 + 1 scores more in all,
    // 5 + 6 has the higher lowest pair.
    let lists = vec![vec![(0, 1200), (1, 500)], vec![(0, 600), (1, 100)]];
    let d = Demanding::single(Instance::from_lists(&lists, vec![1, 1], vec![0, 0]));
    let lib = library_demand(&d);
    for (objective, want) in [
        (Objective::Fair, [vec![1], vec![0]]),
        (Objective::CoverageThenScore, [vec![0], vec![1]]),
    ] {
        let (_, oracle) = demand_brute_force(&d, objective).expect("feasible");
        assert_eq!(mentors_of(&d, &oracle), want, "{objective:?}");
        let milp = demand::solve_milp(&d.inst, &lib, objective, &Deadline::NONE).expect("solved");
        assert_eq!(mentors_of(&d, &milp), want, "{objective:?}");
        let flow = flow(&d, objective).expect("solved");
        assert_eq!(mentors_of(&d, &flow), want, "{objective:?}");
    }
}

#[test]
fn a_passed_deadline_stops_both_demand_solvers() {
    let lists = vec![vec![(0, 1200), (1, 500)], vec![(0, 600), (1, 100)]];
    let d = Demanding::single(Instance::from_lists(&lists, vec![1, 1], vec![0, 0]));
    let passed = Deadline::new(Some(std::time::Instant::now()), None);
    for objective in OBJECTIVES {
        let milp = demand::solve_milp(&d.inst, &library_demand(&d), objective, &passed);
        assert_eq!(milp, Err(SolveError::Deadline), "{objective:?}");
        let flow = flow::demand::solve(&d.inst, &library_demand(&d), objective, &passed);
        assert_eq!(flow, Err(SolveError::Deadline), "{objective:?}");
    }
}
