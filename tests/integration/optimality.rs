//! Optimality: both engines against a brute-force oracle on thousands of
//! random small instances, and against petgraph's max-flow on larger ones.

use mentormatch::model::{Milli, Objective};
use mentormatch::solvers::{
    flow::FlowEngine, milp::MilpEngine, Assignment, Deadline, Engine, Instance, Quota, SolveError,
};
use petgraph::algo::dinics;
use petgraph::graph::DiGraph;
use proptest::prelude::*;

/// What an assignment achieves, ordered so that larger is better under each objective.
fn key(objective: Objective, matched: usize, total: Milli, min: Option<Milli>) -> (i64, i64, i64) {
    let m = matched as i64;
    match objective {
        Objective::CoverageThenScore => (m, total, 0),
        Objective::Score => (total, m, 0),
        Objective::Fair => (m, min.unwrap_or(i64::MAX), total),
        Objective::Stable(_) => unreachable!("no optimum to compare: tests/integration/stable.rs"),
    }
}

thread_local! {
    /// (mentor, mentee) pairs chosen so far on the oracle's current branch.
    static QUOTA_USE: std::cell::RefCell<Vec<(usize, usize)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether adding mentee `e` to mentor `j` keeps the instance's quota.
fn quota_allows(inst: &Instance, e: usize, j: usize, _load: &[u32]) -> bool {
    let Some(q) = &inst.quota else { return true };
    let same = QUOTA_USE.with(|u| {
        u.borrow()
            .iter()
            .filter(|&&(m, x)| m == j && q.label[x] == q.label[e])
            .count()
    });
    (same as u32) < q.max
}

/// The deliberately simple oracle: tries every assignment.
/// Returns the best key, or `None` if no assignment meets the minimums.
fn brute_force(inst: &Instance, objective: Objective) -> Option<(i64, i64, i64)> {
    fn go(
        inst: &Instance,
        objective: Objective,
        e: usize,
        load: &mut Vec<u32>,
        chosen: &mut Vec<Milli>,
        best: &mut Option<(i64, i64, i64)>,
    ) {
        if e == inst.mentees() {
            if (0..inst.mentors()).all(|j| load[j] >= inst.minimum[j]) {
                let k = key(
                    objective,
                    chosen.len(),
                    chosen.iter().sum(),
                    chosen.iter().copied().min(),
                );
                if best.is_none_or(|b| k > b) {
                    *best = Some(k);
                }
            }
            return;
        }
        go(inst, objective, e + 1, load, chosen, best);
        for a in inst.arcs(e) {
            let j = inst.mentor[a] as usize;
            if load[j] < inst.capacity[j] && quota_allows(inst, e, j, load) {
                load[j] += 1;
                chosen.push(inst.score[a]);
                QUOTA_USE.with(|q| q.borrow_mut().push((j, e)));
                go(inst, objective, e + 1, load, chosen, best);
                QUOTA_USE.with(|q| q.borrow_mut().pop());
                chosen.pop();
                load[j] -= 1;
            }
        }
    }
    let mut best = None;
    go(
        inst,
        objective,
        0,
        &mut vec![0; inst.mentors()],
        &mut Vec::new(),
        &mut best,
    );
    best
}

/// Checks every hard constraint of the instance and returns the key.
fn check(inst: &Instance, objective: Objective, a: &Assignment) -> Result<(i64, i64, i64), String> {
    if a.arc.len() != inst.mentees() {
        return Err(format!(
            "{} mentees in the assignment, {} in the instance",
            a.arc.len(),
            inst.mentees()
        ));
    }
    let mut load = vec![0u32; inst.mentors()];
    for (e, arc) in a.arc.iter().enumerate() {
        if let Some(arc) = *arc {
            if !inst.arcs(e).contains(&(arc as usize)) {
                return Err(format!("mentee {e} uses arc {arc}, not one of its own"));
            }
            load[inst.mentor[arc as usize] as usize] += 1;
        }
    }
    for (j, &l) in load.iter().enumerate() {
        if l > inst.capacity[j] {
            return Err(format!(
                "mentor {j}: load {l} over capacity {}",
                inst.capacity[j]
            ));
        }
        if l < inst.minimum[j] {
            return Err(format!(
                "mentor {j}: load {l} under minimum {}",
                inst.minimum[j]
            ));
        }
    }
    if let Some(q) = &inst.quota {
        let mut count = std::collections::HashMap::new();
        for (e, arc) in a.arc.iter().enumerate() {
            if let Some(arc) = *arc {
                *count
                    .entry((inst.mentor[arc as usize], q.label[e]))
                    .or_insert(0u32) += 1;
            }
        }
        if let Some((k, n)) = count.iter().find(|(_, &n)| n > q.max) {
            return Err(format!(
                "quota {} broken at (mentor, label) {k:?}: {n}",
                q.max
            ));
        }
    }
    let v = a.value(inst);
    Ok(key(objective, v.matched, v.total, v.min))
}

prop_compose! {
    /// A random instance: up to 6 mentees, 4 mentors, scores with ties and negatives.
    pub(crate) fn instance(max_e: usize, max_m: usize)(
        n_e in 0..=max_e,
        n_m in 1..=max_m,
    )(
        lists in proptest::collection::vec(
            proptest::collection::vec(prop_oneof![3 => Just(None), 7 => (-3i64..12).prop_map(Some)], n_m),
            n_e,
        ),
        caps in proptest::collection::vec(0u32..=3, n_m),
        mins in proptest::collection::vec(prop_oneof![4 => Just(0u32), 1 => 1u32..=2], n_m),
    ) -> Instance {
        let lists: Vec<Vec<(u32, Milli)>> = lists
            .iter()
            .map(|row| row.iter().enumerate().filter_map(|(j, s)| s.map(|s| (j as u32, s * 100))).collect())
            .collect();
        let mins = mins.iter().zip(&caps).map(|(&m, &c)| m.min(c)).collect();
        Instance::from_lists(&lists, caps, mins)
    }
}

fn agrees(engine: &dyn Engine, inst: &Instance, objective: Objective) -> Result<(), TestCaseError> {
    let oracle = brute_force(inst, objective);
    match (engine.solve(inst, objective, Deadline::NONE), oracle) {
        (Ok(a), Some(best)) => {
            let got = check(inst, objective, &a).map_err(TestCaseError::fail)?;
            prop_assert_eq!(
                got,
                best,
                "engine value differs from brute force on {:?}",
                inst
            );
            prop_assert!(a.optimal);
        }
        (Err(SolveError::MinimumsUnmet { .. }), None) => {}
        (got, oracle) => {
            return Err(TestCaseError::fail(format!(
                "engine {got:?} but brute force {oracle:?} on {inst:?}"
            )))
        }
    }
    Ok(())
}

const OBJECTIVES: [Objective; 3] = [
    Objective::CoverageThenScore,
    Objective::Fair,
    Objective::Score,
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn flow_equals_brute_force(inst in instance(6, 4)) {
        for objective in OBJECTIVES {
            agrees(&FlowEngine::default(), &inst, objective)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn milp_equals_brute_force(inst in instance(5, 4)) {
        for objective in OBJECTIVES {
            agrees(&MilpEngine, &inst, objective)?;
        }
    }

    /// Quotas (at most `max` mentees of one label per mentor) are MILP-only.
    #[test]
    fn milp_with_quota_equals_brute_force(
        inst in instance(6, 3),
        labels in proptest::collection::vec(0u32..2, 6),
        max in 1u32..=2,
    ) {
        let mut inst = inst;
        inst.quota = Some(Quota { label: labels[..inst.mentees()].to_vec(), max });
        prop_assert!(matches!(
            FlowEngine::default().solve(&inst, Objective::CoverageThenScore, Deadline::NONE),
            Err(SolveError::Unsupported(_))
        ));
        for objective in OBJECTIVES {
            agrees(&MilpEngine, &inst, objective)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// On instances too large to enumerate, both engines reach the same optimum.
    #[test]
    fn flow_equals_milp_on_larger_instances(inst in instance(14, 6)) {
        for objective in OBJECTIVES {
            let f = FlowEngine::default().solve(&inst, objective, Deadline::NONE);
            let m = MilpEngine.solve(&inst, objective, Deadline::NONE);
            match (f, m) {
                (Ok(f), Ok(m)) => {
                    let kf = check(&inst, objective, &f).map_err(TestCaseError::fail)?;
                    let km = check(&inst, objective, &m).map_err(TestCaseError::fail)?;
                    prop_assert_eq!(kf, km, "{:?} on {:?}", objective, inst);
                }
                (Err(SolveError::MinimumsUnmet { .. }), Err(SolveError::MinimumsUnmet { .. })) => {}
                (f, m) => return Err(TestCaseError::fail(format!("flow {f:?}, milp {m:?} on {inst:?}"))),
            }
        }
    }

    /// Coverage equals petgraph's maximum flow (Dinic) on instances without minimums.
    #[test]
    fn coverage_equals_petgraph_max_flow(inst in instance(40, 12)) {
        let mut inst = inst;
        inst.minimum.iter_mut().for_each(|m| *m = 0);
        let mut g = DiGraph::<(), u32>::new();
        let s = g.add_node(());
        let t = g.add_node(());
        let es: Vec<_> = (0..inst.mentees()).map(|_| g.add_node(())).collect();
        let ms: Vec<_> = (0..inst.mentors()).map(|_| g.add_node(())).collect();
        for (e, &n) in es.iter().enumerate() {
            g.add_edge(s, n, 1);
            for a in inst.arcs(e) {
                g.add_edge(n, ms[inst.mentor[a] as usize], 1);
            }
        }
        for (j, &n) in ms.iter().enumerate() {
            g.add_edge(n, t, inst.capacity[j]);
        }
        let (max_flow, _) = dinics(&g, s, t);
        let a = FlowEngine::default()
            .solve(&inst, Objective::CoverageThenScore, Deadline::NONE)
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        check(&inst, Objective::CoverageThenScore, &a).map_err(TestCaseError::fail)?;
        prop_assert_eq!(a.value(&inst).matched as u32, max_flow);
    }
}

#[test]
fn oracle_sanity() {
    // The oracle itself: one mentor of capacity 1, two mentees.
    let inst = Instance::from_lists(&[vec![(0, 100)], vec![(0, 300)]], vec![1], vec![0]);
    assert_eq!(
        brute_force(&inst, Objective::CoverageThenScore),
        Some((1, 300, 0))
    );
    let unmet = Instance::from_lists(&[vec![]], vec![1], vec![1]);
    assert_eq!(brute_force(&unmet, Objective::CoverageThenScore), None);
}

/// `inst` without mentor `r` (its arcs dropped, capacity 0), and the index
/// in the new instance of each kept arc.
fn without_mentor(inst: &Instance, r: u32) -> (Instance, Vec<Option<u32>>) {
    let mut lists = Vec::new();
    let mut new_index = vec![None; inst.mentor.len()];
    let mut next = 0u32;
    for e in 0..inst.mentees() {
        let mut l = Vec::new();
        for a in inst.arcs(e) {
            if inst.mentor[a] != r {
                l.push((inst.mentor[a], inst.score[a]));
                new_index[a] = Some(next);
                next += 1;
            }
        }
        lists.push(l);
    }
    let mut cap = inst.capacity.clone();
    let mut min = inst.minimum.clone();
    cap[r as usize] = 0;
    min[r as usize] = 0;
    (Instance::from_lists(&lists, cap, min), new_index)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// A what-if warm start: the optimum of a programme, minus a withdrawn
    /// mentor's pairs, is always accepted as a starting flow, and the
    /// warm-started optimum has the cold optimum's value (checked against
    /// the brute-force oracle too).
    #[test]
    fn warm_start_from_an_optimum_without_a_mentor(inst in instance(9, 5), r in 0u32..5, score_first in any::<bool>()) {
        let objective = if score_first { Objective::Score } else { Objective::CoverageThenScore };
        let r = r % inst.mentors() as u32;
        let Ok(base) = FlowEngine::default().solve(&inst, objective, Deadline::NONE) else { return Ok(()) };
        let (mut sub, new_index) = without_mentor(&inst, r);
        let hint: Vec<Option<u32>> = base.arc.iter().map(|a| a.and_then(|a| new_index[a as usize])).collect();
        let cold = FlowEngine::default().solve(&sub, objective, Deadline::NONE);
        sub.warm = Some(hint);
        prop_assert!(mentormatch::solvers::flow::accepts_warm(&sub, objective), "hint refused: {:?}", sub);
        let warm = FlowEngine::default().solve(&sub, objective, Deadline::NONE);
        match (cold, warm) {
            (Ok(c), Ok(w)) => {
                let kc = check(&sub, objective, &c).map_err(TestCaseError::fail)?;
                let kw = check(&sub, objective, &w).map_err(TestCaseError::fail)?;
                prop_assert_eq!(kc, kw);
                prop_assert_eq!(Some(kw), brute_force(&sub, objective));
            }
            // Both infeasible; the witness of short mentors may differ.
            (Err(SolveError::MinimumsUnmet { .. }), Err(SolveError::MinimumsUnmet { .. })) => {}
            (c, w) => return Err(TestCaseError::fail(format!("cold {c:?} vs warm {w:?}"))),
        }
    }

    /// Any hint, optimal or not, leaves the optimum's value unchanged: a
    /// hint that is not a min-cost flow for its mentees is refused.
    #[test]
    fn any_warm_hint_keeps_the_optimum(inst in instance(9, 5), picks in proptest::collection::vec(0usize..8, 9), score_first in any::<bool>()) {
        let objective = if score_first { Objective::Score } else { Objective::CoverageThenScore };
        let mut load = vec![0u32; inst.mentors()];
        let hint: Vec<Option<u32>> = (0..inst.mentees())
            .map(|e| {
                let arcs: Vec<usize> = inst.arcs(e).collect();
                let a = *arcs.get(picks[e] % (arcs.len() + 1))?;
                let j = inst.mentor[a] as usize;
                (load[j] < inst.capacity[j]).then(|| {
                    load[j] += 1;
                    a as u32
                })
            })
            .collect();
        let cold = FlowEngine::default().solve(&inst, objective, Deadline::NONE);
        let mut warm_inst = inst.clone();
        warm_inst.warm = Some(hint);
        let warm = FlowEngine::default().solve(&warm_inst, objective, Deadline::NONE);
        match (cold, warm) {
            (Ok(c), Ok(w)) => prop_assert_eq!(
                check(&inst, objective, &c).map_err(TestCaseError::fail)?,
                check(&inst, objective, &w).map_err(TestCaseError::fail)?
            ),
            // Both infeasible; the witness of short mentors may differ.
            (Err(SolveError::MinimumsUnmet { .. }), Err(SolveError::MinimumsUnmet { .. })) => {}
            (c, w) => return Err(TestCaseError::fail(format!("cold {c:?} vs warm {w:?}"))),
        }
    }
}
