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
                .any(|&e| inst.mentees[e as usize].not_co.contains(&c))
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
        let mut rng = mentormatch::tools::synth::SplitMix64::new(seed);
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
                    not_co: rng.chance(0.3).then(|| rng.below(n_m) as u32).into_iter().collect(),
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

// ---------------------------------------------------------------------------
// Requests: every group obeys every hard rule, checked independently.
// ---------------------------------------------------------------------------

mod requests {
    use std::collections::{HashMap, HashSet};

    use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone};
    use chrono_tz::Tz;
    use mentormatch::pb;
    use mentormatch::tools::synth::{generate, SynthConfig};
    use proptest::prelude::*;

    use crate::util::*;

    fn hhmm(s: &str, default: &str) -> NaiveTime {
        let s = if s.is_empty() { default } else { s };
        if s == "24:00" {
            return NaiveTime::from_hms_opt(23, 59, 59).unwrap();
        }
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    /// Whether the session [t, t + len) is inside the profile's local working
    /// hours on its local day, computed from scratch with chrono-tz.
    fn inside_hours(p: &pb::Profile, t: i64, len_s: i64) -> bool {
        let tz: Tz = p.time_zone.parse().unwrap();
        let a = tz.timestamp_opt(t, 0).unwrap();
        let b = tz.timestamp_opt(t + len_s, 0).unwrap();
        let wh = p.working_hours.clone().unwrap_or_default();
        let days: Vec<u32> = if wh.days.is_empty() {
            vec![1, 2, 3, 4, 5]
        } else {
            wh.days.iter().map(|&d| d as u32).collect()
        };
        let wd = a.weekday().number_from_monday();
        a.date_naive() == b.date_naive()
            && days.contains(&wd)
            && a.time() >= hhmm(&wh.start, "09:00")
            && b.time() <= hhmm(&wh.end, "18:00")
    }

    fn speaks(p: &pb::Profile, code: &str, level: i32) -> bool {
        p.languages
            .iter()
            .any(|l| l.code == code && l.level >= level)
    }

    /// Checks every group of `resp` against the request.
    pub fn assert_groups_obey_rules(req: &pb::SolveRequest, resp: &pb::SolveResponse) {
        let policy = req.policy.clone().unwrap_or_default();
        let gp = policy.groups.clone().expect("request has a group policy");
        let level = [gp.min_language_level, policy.min_language_level, 4]
            .into_iter()
            .find(|&l| l != 0)
            .unwrap();
        let (lo, hi) = (gp.min_size.unwrap_or(3), gp.max_size.unwrap_or(5));
        let minutes = gp.session_minutes.unwrap_or(90);
        let slot_tz: Tz = if gp.slot_time_zone.is_empty() {
            Tz::UTC
        } else {
            gp.slot_time_zone.parse().unwrap()
        };
        let start: NaiveDate = policy.programme_start.parse().unwrap();
        let end: NaiveDate = policy.programme_end.parse().unwrap();
        let (mentors, mentees) = people_by_id(req);
        // Each mentee's bilateral mentors (several with demand).
        let mut bilateral: HashMap<&str, Vec<&str>> = HashMap::new();
        for p in &resp.pairs {
            bilateral
                .entry(p.mentee_id.as_str())
                .or_default()
                .push(p.mentor_id.as_str());
        }
        let mut uses: HashMap<&str, u32> = HashMap::new();
        let mut seen = HashSet::new();
        for g in &resp.groups {
            let n = g.member_ids.len() as u32;
            assert!(
                lo <= n && n <= hi,
                "group {} has {n} members, not {lo}..={hi}",
                g.id
            );
            assert_eq!(
                g.mentor_ids.len() as u32,
                gp.mentors_per_group.unwrap_or(1),
                "group {}",
                g.id
            );
            let slot = g.slot.clone().expect("slot");
            assert_eq!(slot.minutes, minutes);
            // Every occurrence of the weekly slot over the programme.
            let t0 = hhmm(&slot.start, "00:00");
            let mut occurrences = Vec::new();
            let mut d = start;
            while d <= end {
                if d.weekday().number_from_monday() as i32 == slot.weekday {
                    let local = d.and_time(t0);
                    occurrences.push(
                        slot_tz
                            .from_local_datetime(&local)
                            .earliest()
                            .unwrap()
                            .timestamp(),
                    );
                }
                d = d.succ_opt().unwrap();
            }
            assert!(!occurrences.is_empty());
            let mut people: Vec<&pb::Profile> = Vec::new();
            for id in &g.mentor_ids {
                *uses.entry(id).or_default() += 1;
                people.push(mentors[id.as_str()].profile.as_ref().unwrap());
            }
            let mut countries = HashSet::new();
            let mut orgs = HashSet::new();
            for id in &g.member_ids {
                assert!(seen.insert(id.clone()), "{id} in two groups");
                let e = mentees[id.as_str()];
                let ep = e.profile.as_ref().unwrap();
                countries.insert(ep.country.clone());
                if gp.distinct_organizations && !ep.organization.is_empty() {
                    assert!(
                        orgs.insert(ep.organization.to_lowercase()),
                        "group {}: two members from {}",
                        g.id,
                        ep.organization
                    );
                }
                let mine = bilateral.get(id.as_str()).cloned().unwrap_or_default();
                if gp.bilateral_mentor == pb::BilateralRelation::Different as i32 {
                    assert!(
                        !g.mentor_ids.iter().any(|m| mine.contains(&m.as_str())),
                        "group {}: {id} has a bilateral mentor of its, {mine:?}",
                        g.id
                    );
                }
                if gp.bilateral_mentor == pb::BilateralRelation::Same as i32 && !mine.is_empty() {
                    assert!(
                        mine.contains(&g.mentor_ids[0].as_str()),
                        "group {}: {id}'s lead is none of its bilateral mentors {mine:?}",
                        g.id
                    );
                }
                assert!(!e.excluded_mentors.iter().any(|m| g.mentor_ids[0] == *m));
                assert!(
                    e.allowed_mentors.is_empty() || e.allowed_mentors.contains(&g.mentor_ids[0]),
                    "group {}: {id}'s lead is not among its allowed mentors",
                    g.id
                );
                people.push(ep);
            }
            assert!(
                countries.len() as u32 >= gp.min_countries,
                "group {}: {} countries",
                g.id,
                countries.len()
            );
            for p in &people {
                assert!(
                    speaks(p, &g.working_language, level),
                    "group {}: {} does not speak {} at level {level}",
                    g.id,
                    p.id,
                    g.working_language
                );
                for &t in &occurrences {
                    assert!(
                        inside_hours(p, t, i64::from(minutes) * 60),
                        "group {}: the session at {} (UTC s) is outside {}'s hours in {}",
                        g.id,
                        t,
                        p.id,
                        p.time_zone
                    );
                }
            }
            let sum: f64 = g.breakdown.iter().map(|t| t.points).sum();
            assert!(
                (sum - g.score).abs() < 1e-6,
                "group {}: terms sum to {sum}, score {}",
                g.id,
                g.score
            );
        }
        for (id, &u) in &uses {
            let max = mentors[id].max_groups.unwrap_or(1);
            assert!(u <= max, "mentor {id} in {u} groups, limit {max}");
        }
        if gp.require_all_mentees {
            assert_eq!(seen.len(), req.mentees.len(), "require_all_mentees");
        }
        assert_eq!(
            seen.len() + resp.ungrouped.len(),
            req.mentees.len(),
            "someone silently dropped"
        );
        if let Some(k) = gp.group_count {
            assert_eq!(resp.groups.len() as u32, k);
        }
    }

    #[test]
    fn example_returns_pairs_and_groups_obeying_every_rule() {
        let req = example_request();
        let resp = solve_ok(&req);
        assert_eq!(resp.status, pb::SolveStatus::Optimal as i32);
        assert_eq!(resp.pairs.len(), req.mentees.len());
        let stats = resp.group_stats.expect("group stats");
        assert_eq!(stats.status, pb::SolveStatus::Optimal as i32);
        assert_eq!(stats.groups, 3);
        assert_groups_obey_rules(&req, &resp);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        #[test]
        fn synthetic_groups_obey_every_rule(
            seed in 0u64..1000,
            mentees in 6usize..24,
            mentors in 3usize..7,
            two in any::<bool>(),
            distinct in any::<bool>(),
            different in any::<bool>(),
            listed in any::<bool>(),
        ) {
            let mut req = generate(&SynthConfig { mentees, mentors, seed, max_capacity: 4 });
            if listed {
                // Candidate lists of two mentors: pairs and group leads keep to them.
                let ids: Vec<String> =
                    req.mentors.iter().map(|m| m.profile.as_ref().unwrap().id.clone()).collect();
                for (k, e) in req.mentees.iter_mut().enumerate() {
                    e.allowed_mentors = vec![ids[k % mentors].clone(), ids[(k + 1) % mentors].clone()];
                    e.preferred_mentors.retain(|p| e.allowed_mentors.contains(p));
                    e.excluded_mentors.retain(|x| !e.allowed_mentors.contains(x));
                }
            }
            // A hard case may stop at the limit: the grouping it returns must
            // obey every rule all the same.
            req.policy.as_mut().unwrap().time_limit_ms = Some(4000);
            req.policy.as_mut().unwrap().groups = Some(pb::GroupPolicy {
                min_size: Some(2),
                max_size: Some(5),
                mentors_per_group: Some(if two { 2 } else { 1 }),
                distinct_organizations: distinct,
                bilateral_mentor: if different { pb::BilateralRelation::Different as i32 } else { 0 },
                session_minutes: Some(60),
                slot_time_zone: "Europe/Paris".into(),
                min_countries: 1,
                ..Default::default()
            });
            let resp = solve_ok(&req);
            assert_groups_obey_rules(&req, &resp);
        }
    }

    #[test]
    fn a_mentee_with_two_bilateral_mentors_joins_one_group_within_the_rule() {
        for relation in [
            pb::BilateralRelation::Different,
            pb::BilateralRelation::Same,
        ] {
            let mut req = example_request();
            for (k, e) in req.mentees.iter_mut().enumerate() {
                e.max_mentors = Some(1 + (k % 2) as u32);
            }
            for m in &mut req.mentors {
                m.capacity = Some(m.capacity.unwrap_or(1) + 1);
            }
            let p = req.policy.as_mut().unwrap();
            let g = p.groups.as_mut().expect("the example forms groups");
            g.bilateral_mentor = relation as i32;
            // Same: a lead's members are its own bilateral mentees, so
            // small groups of any make-up.
            g.min_size = Some(2);
            g.min_countries = 1;
            g.distinct_organizations = false;
            g.require_all_mentees = false;
            let resp = solve_ok(&req);
            assert_eq!(resp.status, pb::SolveStatus::Optimal as i32);
            let mut mentees: Vec<&str> = resp.pairs.iter().map(|p| p.mentee_id.as_str()).collect();
            mentees.sort_unstable();
            assert!(
                mentees.windows(2).any(|w| w[0] == w[1]),
                "no mentee got two mentors"
            );
            assert!(!resp.groups.is_empty(), "{relation:?}: no group");
            assert_groups_obey_rules(&req, &resp);
        }
    }

    #[test]
    fn egypt_summer_time_and_ramadan_2024_are_respected() {
        // 2024: Ramadan 10 March – 9 April (Casablanca UTC+0 from 10 March to
        // 14 April), Egypt's summer time from 26 April, Europe's from 31 March.
        let mut req = small_request();
        let p = req.policy.as_mut().unwrap();
        p.programme_start = "2024-03-01".into();
        p.programme_end = "2024-06-30".into();
        p.groups = Some(pb::GroupPolicy {
            min_size: Some(3),
            max_size: Some(3),
            require_all_mentees: true,
            // Cairo's summer mornings (06–10 UTC) and Casablanca's Ramadan
            // mornings (09–13 UTC) share one hour: only 09:00 UTC fits all weeks.
            session_minutes: Some(60),
            slot_time_zone: "UTC".into(),
            ..Default::default()
        });
        for (k, (tz, lang)) in [
            ("Africa/Cairo", "fr"),
            ("Africa/Casablanca", "fr"),
            ("Africa/Cairo", "fr"),
        ]
        .iter()
        .enumerate()
        {
            let ep = req.mentees[k].profile.as_mut().unwrap();
            ep.time_zone = tz.to_string();
            ep.languages = vec![pb::LanguageSkill {
                code: lang.to_string(),
                level: NATIVE,
            }];
            // Short mornings make the slot tight across the clock changes.
            ep.working_hours = Some(pb::WorkingHours {
                start: "09:00".into(),
                end: "13:00".into(),
                days: vec![],
                ..Default::default()
            });
        }
        let resp = solve_ok(&req);
        assert_eq!(resp.groups.len(), 1, "{:?}", resp.ungrouped);
        assert_groups_obey_rules(&req, &resp);
        // The Cairo members' local session time changes with Egypt's summer time.
        let g = &resp.groups[0];
        let slot = g.slot.clone().unwrap();
        assert_eq!(slot.start, "09:00", "the only hour that fits every week");
        let cairo = g
            .local_times
            .iter()
            .find(|l| l.time_zone == "Africa/Cairo")
            .unwrap();
        assert!(cairo.local.len() >= 2, "{:?}", cairo.local);
    }

    #[test]
    fn required_grouping_without_a_common_language_is_infeasible_with_reasons() {
        let mut req = small_request();
        req.mentors[1].max_groups = Some(0);
        req.policy.as_mut().unwrap().groups = Some(pb::GroupPolicy {
            min_size: Some(1),
            max_size: Some(3),
            require_all_mentees: true,
            ..Default::default()
        });
        let resp = solve_ok(&req);
        let stats = resp.group_stats.unwrap();
        assert_eq!(stats.status, pb::SolveStatus::Infeasible as i32);
        let u = resp
            .ungrouped
            .iter()
            .find(|u| u.mentee_id == "e2")
            .expect("e2 listed");
        assert_eq!(u.reason, pb::UngroupedReason::NoCompatibleMentor as i32);
        assert_eq!(resp.ungrouped.len(), 3, "nobody silently dropped");
    }

    #[test]
    fn impossible_group_sizes_are_rejected() {
        let mut req = small_request();
        req.policy.as_mut().unwrap().groups = Some(pb::GroupPolicy {
            min_size: Some(2),
            max_size: Some(2),
            require_all_mentees: true,
            group_count: Some(3),
            ..Default::default()
        });
        let v = violations(&req);
        assert_violation(
            &v,
            "policy.groups.group_count",
            "3 groups of at least 2 need 6 mentees; the request has 3",
        );
        req.policy
            .as_mut()
            .unwrap()
            .groups
            .as_mut()
            .unwrap()
            .group_count = None;
        let v = violations(&req);
        assert_violation(
            &v,
            "policy.groups.max_size",
            "3 mentees cannot be split into groups of 2 to 2",
        );
    }

    #[test]
    fn bad_group_fields_are_named() {
        let mut req = small_request();
        req.policy.as_mut().unwrap().groups = Some(pb::GroupPolicy {
            slot_time_zone: "Moon/Tranquility".into(),
            mentors_per_group: Some(3),
            slot_step_minutes: Some(7),
            pinned_members: vec![pb::PairRef {
                mentor_id: "e1".into(),
                mentee_id: "e2".into(),
            }],
            ..Default::default()
        });
        let v = violations(&req);
        assert_violation(&v, "policy.groups.slot_time_zone", "Moon/Tranquility");
        assert_violation(&v, "policy.groups.mentors_per_group", "3 is not 1 or 2");
        assert_violation(&v, "policy.groups.slot_step_minutes", "7");
        assert_violation(
            &v,
            "policy.groups.pinned_members[0].mentor_id",
            "\"e1\" is a mentee, not a mentor",
        );
    }

    #[test]
    fn mentee_without_a_common_language_is_ungrouped_with_reason() {
        let mut req = small_request();
        // e2 speaks Arabic and English; m2 (the only English speaker) leads no group.
        req.mentors[1].max_groups = Some(0);
        req.policy.as_mut().unwrap().groups = Some(pb::GroupPolicy {
            min_size: Some(2),
            max_size: Some(3),
            ..Default::default()
        });
        let resp = solve_ok(&req);
        let u = resp
            .ungrouped
            .iter()
            .find(|u| u.mentee_id == "e2")
            .expect("e2 ungrouped");
        assert_eq!(u.reason, pb::UngroupedReason::NoCompatibleMentor as i32);
        assert_eq!(resp.groups.len(), 1);
        assert_groups_obey_rules(&req, &resp);
    }
}
