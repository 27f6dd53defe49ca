//! Groups: the MILP model against brute-force enumeration on random tiny
//! instances, and every hard rule on real requests (languages, slots inside
//! every member's hours across clock changes, sizes, mentor limits).

use std::collections::BTreeMap;

use mentormatch::model::{CountGoal, Milli};
use mentormatch::solvers::group_milp::{GroupInstance, GroupMentee, GroupMentor, GroupSolution};
use mentormatch::solvers::Deadline;
use proptest::prelude::*;

/// Value of one group under fixed members; `None` if infeasible. Chooses
/// the best class, language and co-mentor (co-mentor choices are returned
/// for the global mentor-limit check).
fn group_options(inst: &GroupInstance, lead: u32, members: &[u32]) -> Vec<(Milli, Option<u32>)> {
    let n = members.len() as u32;
    if n < inst.min_size || n > inst.max_size {
        return Vec::new();
    }
    let m = &inst.mentors[lead as usize];
    let mut base: Milli = 0;
    for &e in members {
        let me = &inst.mentees[e as usize];
        match me.leads.iter().find(|&&(l, _)| l == lead) {
            Some(&(_, p)) => base += p,
            None => return Vec::new(),
        }
    }
    let mut countries: Vec<u32> = members
        .iter()
        .map(|&e| inst.mentees[e as usize].country)
        .collect();
    countries.sort_unstable();
    countries.dedup();
    if (countries.len() as u32) < inst.min_countries {
        return Vec::new();
    }
    base += inst.diversity * (countries.len() as Milli - 1);
    if inst.distinct_organizations {
        let mut orgs: Vec<u32> = members
            .iter()
            .filter_map(|&e| inst.mentees[e as usize].organization)
            .collect();
        let len = orgs.len();
        orgs.sort_unstable();
        orgs.dedup();
        if orgs.len() != len {
            return Vec::new();
        }
    }
    for &(a, b) in &inst.apart {
        if members.contains(&a) && members.contains(&b) {
            return Vec::new();
        }
    }
    let cos: Vec<Option<u32>> = if inst.mentors_per_group == 2 {
        inst.co_value
            .keys()
            .filter(|&&(l, _)| l == lead)
            .map(|&(_, c)| Some(c))
            .collect()
    } else {
        vec![None]
    };
    let mut out = Vec::new();
    for co in cos {
        if let Some(c) = co {
            if members
                .iter()
                .any(|&e| inst.mentees[e as usize].not_co == Some(c))
            {
                continue;
            }
        }
        let mut best: Option<Milli> = None;
        for &class in &m.classes {
            let suits = |cl: &[u32]| cl.binary_search(&class).is_ok();
            if !members
                .iter()
                .all(|&e| suits(&inst.mentees[e as usize].classes))
            {
                continue;
            }
            if let Some(c) = co {
                if !suits(&inst.mentors[c as usize].classes) {
                    continue;
                }
            }
            for &lang in &m.languages {
                if let Some(c) = co {
                    if inst.mentors[c as usize]
                        .languages
                        .binary_search(&lang)
                        .is_err()
                    {
                        continue;
                    }
                }
                let mut pts = 0;
                let mut ok = true;
                for &e in members {
                    match inst.mentees[e as usize]
                        .languages
                        .iter()
                        .find(|&&(l, _)| l == lang)
                    {
                        Some(&(_, p)) => pts += p,
                        None => ok = false,
                    }
                }
                if ok && best.is_none_or(|b| pts > b) {
                    best = Some(pts);
                }
            }
        }
        if let Some(b) = best {
            let co_pts = co.map_or(0, |c| inst.co_value[&(lead, c)]);
            out.push((base + b + co_pts, co));
        }
    }
    out
}

/// The best (coverage, ±groups, score) key over every grouping.
fn brute_force(inst: &GroupInstance) -> Option<(i64, i64, i64)> {
    let slots: Vec<u32> = inst
        .mentors
        .iter()
        .enumerate()
        .flat_map(|(j, m)| std::iter::repeat_n(j as u32, m.max_groups as usize))
        .collect();
    let n = inst.mentees.len();
    let base = slots.len() + 1;
    let mut best: Option<(i64, i64, i64)> = None;
    let total = base.pow(n as u32);
    for code in 0..total {
        let mut c = code;
        let mut of: Vec<Option<usize>> = Vec::with_capacity(n);
        for _ in 0..n {
            let k = c % base;
            c /= base;
            of.push((k > 0).then(|| k - 1));
        }
        if inst.require_all && of.iter().any(|x| x.is_none()) {
            continue;
        }
        // Symmetry: a mentor's groups are used in order, and pins hold.
        let pins_ok = inst
            .pinned
            .iter()
            .all(|&(e, j)| of[e as usize].is_some_and(|g| slots[g] == j));
        if !pins_ok {
            continue;
        }
        let open: Vec<usize> = (0..slots.len())
            .filter(|g| of.contains(&Some(*g)))
            .collect();
        if let Some(k) = inst.count {
            if open.len() as u32 != k {
                continue;
            }
        }
        let mut options: Vec<Vec<(Milli, Option<u32>)>> = Vec::new();
        let mut feasible = true;
        for &g in &open {
            let members: Vec<u32> = (0..n as u32)
                .filter(|&e| of[e as usize] == Some(g))
                .collect();
            let o = group_options(inst, slots[g], &members);
            if o.is_empty() {
                feasible = false;
                break;
            }
            options.push(o);
        }
        if !feasible {
            continue;
        }
        // Choose co-mentors jointly under mentor limits.
        let mut best_score: Option<Milli> = None;
        let mut pick = vec![0usize; options.len()];
        loop {
            let mut uses = vec![0u32; inst.mentors.len()];
            let mut score = 0;
            for (i, &g) in open.iter().enumerate() {
                let (s, co) = options[i][pick[i]];
                score += s;
                uses[slots[g] as usize] += 1;
                if let Some(c) = co {
                    uses[c as usize] += 1;
                }
            }
            if uses
                .iter()
                .zip(&inst.mentors)
                .all(|(&u, m)| u <= m.max_groups)
                && best_score.is_none_or(|b| score > b)
            {
                best_score = Some(score);
            }
            let mut i = 0;
            while i < pick.len() {
                pick[i] += 1;
                if pick[i] < options[i].len() {
                    break;
                }
                pick[i] = 0;
                i += 1;
            }
            if i == pick.len() {
                break;
            }
        }
        let Some(score) = best_score else { continue };
        let grouped = of.iter().filter(|x| x.is_some()).count() as i64;
        let groups = open.len() as i64;
        let key = (
            if inst.require_all { 0 } else { grouped },
            match (inst.count, inst.goal) {
                (None, CountGoal::Fewest) => -groups,
                (None, CountGoal::Most) => groups,
                _ => 0,
            },
            score,
        );
        if best.is_none_or(|b| key > b) {
            best = Some(key);
        }
    }
    best
}

/// The same key for the MILP's solution, after checking it independently.
fn key_of(inst: &GroupInstance, sol: &GroupSolution) -> Result<(i64, i64, i64), String> {
    let mut seen = vec![false; inst.mentees.len()];
    let mut uses = vec![0u32; inst.mentors.len()];
    let mut score = 0;
    for g in &sol.groups {
        uses[g.lead as usize] += 1;
        if let Some(c) = g.co {
            uses[c as usize] += 1;
        }
        for &e in &g.members {
            if std::mem::replace(&mut seen[e as usize], true) {
                return Err(format!("mentee {e} in two groups"));
            }
        }
        let opts = group_options(inst, g.lead, &g.members);
        let Some(&(s, _)) = opts
            .iter()
            .filter(|(_, co)| *co == g.co)
            .max_by_key(|(s, _)| *s)
        else {
            return Err(format!("group {g:?} breaks a rule"));
        };
        // The reported class and language must be valid too.
        let m = &inst.mentors[g.lead as usize];
        if m.classes.binary_search(&g.class).is_err()
            || m.languages.binary_search(&g.language).is_err()
        {
            return Err(format!("group {g:?}: lead lacks class or language"));
        }
        for &e in &g.members {
            let me = &inst.mentees[e as usize];
            if me.classes.binary_search(&g.class).is_err()
                || !me.languages.iter().any(|&(l, _)| l == g.language)
            {
                return Err(format!("group {g:?}: member {e} lacks class or language"));
            }
        }
        score += s;
    }
    if uses
        .iter()
        .zip(&inst.mentors)
        .any(|(&u, m)| u > m.max_groups)
    {
        return Err("mentor over its group limit".into());
    }
    if inst.require_all && seen.iter().any(|s| !s) {
        return Err("a mentee without group".into());
    }
    let grouped = seen.iter().filter(|s| **s).count() as i64;
    let groups = sol.groups.len() as i64;
    Ok((
        if inst.require_all { 0 } else { grouped },
        match (inst.count, inst.goal) {
            (None, CountGoal::Fewest) => -groups,
            (None, CountGoal::Most) => groups,
            _ => 0,
        },
        score,
    ))
}

fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v.dedup();
    v
}

prop_compose! {
    fn mentor()(max_groups in prop_oneof![1 => Just(0u32), 6 => 1u32..=2], classes in proptest::collection::vec(0u32..2, 1..3), languages in proptest::collection::vec(0u32..2, 1..3)) -> GroupMentor {
        GroupMentor { max_groups, classes: sorted(classes), languages: sorted(languages) }
    }
}

prop_compose! {
    fn instance()(
        mentors in proptest::collection::vec(mentor(), 2..=3),
        n in 2usize..=5,
        two in proptest::bool::weighted(0.3),
        min_size in 1u32..=2,
        extra in 0u32..=2,
        require_all in proptest::bool::weighted(0.25),
        goal in 0u8..3,
        count in proptest::option::weighted(0.15, 1u32..=2),
        distinct in proptest::bool::weighted(0.3),
        min_countries in prop_oneof![4 => Just(0u32), 1 => 1u32..=2],
        diversity in 0i64..=5,
        seed in any::<u64>(),
    ) -> GroupInstance {
        let mut rng = mentormatch::synth::SplitMix64::new(seed);
        let n_m = mentors.len();
        let mentees = (0..n)
            .map(|_| {
                let classes = sorted((0..1 + rng.below(2)).map(|_| rng.below(2) as u32).collect());
                let mut languages: Vec<(u32, Milli)> = Vec::new();
                for l in 0..2u32 {
                    if rng.chance(0.75) {
                        languages.push((l, 1 + rng.below(7) as i64));
                    }
                }
                let mut leads = Vec::new();
                for j in 0..n_m as u32 {
                    if rng.chance(0.9) {
                        leads.push((j, rng.below(20) as i64 - 3));
                    }
                }
                GroupMentee {
                    classes,
                    languages,
                    country: rng.below(3) as u32,
                    organization: rng.chance(0.5).then(|| rng.below(2) as u32),
                    leads,
                    not_co: rng.chance(0.3).then(|| rng.below(n_m) as u32),
                }
            })
            .collect();
        let mut co_value = BTreeMap::new();
        if two {
            for a in 0..n_m as u32 {
                for b in 0..n_m as u32 {
                    if a != b && rng.chance(0.7) {
                        co_value.insert((a, b), rng.below(6) as i64);
                    }
                }
            }
        }
        let pinned = if n > 0 && rng.chance(0.2) { vec![(0u32, rng.below(n_m) as u32)] } else { Vec::new() };
        let apart = if n > 1 && rng.chance(0.3) { vec![(0u32, 1u32)] } else { Vec::new() };
        GroupInstance {
            mentors,
            mentees,
            co_value,
            mentors_per_group: if two { 2 } else { 1 },
            min_size,
            max_size: min_size + extra,
            count,
            goal: [CountGoal::None, CountGoal::Fewest, CountGoal::Most][goal as usize],
            require_all,
            distinct_organizations: distinct,
            min_countries,
            diversity,
            pinned,
            apart,
            mip_gap: 0.0,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn group_milp_equals_brute_force(inst in instance()) {
        let oracle = brute_force(&inst);
        match (inst.solve(Deadline::NONE), oracle) {
            (Ok(sol), Some(best)) => {
                let got = key_of(&inst, &sol).map_err(TestCaseError::fail)?;
                prop_assert_eq!(got, best, "{:?}\n{:?}", inst, sol);
                prop_assert!(sol.optimal);
            }
            (Err(mentormatch::solvers::group_milp::GroupError::Infeasible), None) => {}
            (got, oracle) => return Err(TestCaseError::fail(format!("MILP {got:?}, brute force {oracle:?} on {inst:?}"))),
        }
    }
}

#[test]
fn random_instances_are_not_trivial() {
    // Guard against a generator that only makes empty or infeasible cases.
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut grouped, mut two_groups) = (0, 0);
    for _ in 0..300 {
        let inst = instance().new_tree(&mut runner).unwrap().current();
        if brute_force(&inst).is_some() {
            let sol = inst.solve(Deadline::NONE).expect("feasible by brute force");
            grouped += usize::from(!sol.groups.is_empty());
            two_groups += usize::from(sol.groups.len() >= 2);
        }
    }
    assert!(
        grouped > 100,
        "only {grouped} of 300 instances formed a group"
    );
    assert!(
        two_groups > 20,
        "only {two_groups} of 300 instances formed two groups"
    );
}
