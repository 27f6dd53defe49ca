//! Diagnosis: capacity certificates are true, inclusion-minimal Hall
//! violators (checked with petgraph's max-flow, not the engine), and their
//! relaxations place one more mentee when applied and re-solved.

use mentormatch::model::{Milli, Objective};
use mentormatch::pb;
use mentormatch::solvers::hall::{search, Search, Searcher, WORK_BUDGET};
use mentormatch::solvers::{flow::FlowEngine, Deadline, Engine, Instance};
use mentormatch::tools::synth::{generate, SynthConfig};
use petgraph::algo::dinics;
use petgraph::graph::DiGraph;
use proptest::prelude::*;

use crate::util::{mentee, mentor, profile, solve_ok, B1, NATIVE};

const B2: i32 = pb::LanguageLevel::B2 as i32;

/// Maximum number of `subset`'s mentees that can be matched at once
/// (petgraph Dinic on source → mentee → mentor → sink).
fn max_matching(inst: &Instance, subset: &[u32]) -> u32 {
    let mut g = DiGraph::<(), u32>::new();
    let s = g.add_node(());
    let t = g.add_node(());
    let ms: Vec<_> = (0..inst.mentors()).map(|_| g.add_node(())).collect();
    for &e in subset {
        let n = g.add_node(());
        g.add_edge(s, n, 1);
        for a in inst.arcs(e as usize) {
            g.add_edge(n, ms[inst.mentor[a] as usize], 1);
        }
    }
    for (j, &n) in ms.iter().enumerate() {
        g.add_edge(n, t, inst.capacity[j]);
    }
    dinics(&g, s, t).0
}

/// Mentors compatible with any mentee of `subset`, ascending.
fn neighbours(inst: &Instance, subset: &[u32]) -> Vec<u32> {
    let mut n: Vec<u32> = subset
        .iter()
        .flat_map(|&e| inst.arcs(e as usize).map(|a| inst.mentor[a]))
        .collect();
    n.sort_unstable();
    n.dedup();
    n
}

prop_compose! {
    fn instance(max_e: usize, max_m: usize)(
        n_e in 1..=max_e,
        n_m in 1..=max_m,
    )(
        lists in proptest::collection::vec(
            proptest::collection::vec(prop_oneof![3 => Just(None), 2 => (-3i64..12).prop_map(Some)], n_m),
            n_e,
        ),
        caps in proptest::collection::vec(0u32..=2, n_m),
    ) -> Instance {
        let lists: Vec<Vec<(u32, Milli)>> = lists
            .iter()
            .map(|row| row.iter().enumerate().filter_map(|(j, s)| s.map(|s| (j as u32, s * 100))).collect())
            .collect();
        let n = caps.len();
        Instance::from_lists(&lists, caps, vec![0; n])
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// Under maximum coverage every unmatched mentee with a candidate has a
    /// certificate; it contains the mentee, lists exactly the compatible
    /// mentors, has one place fewer than mentees, cannot be matched, and
    /// every set with one mentee fewer can (inclusion-minimal).
    #[test]
    fn certificates_are_minimal_hall_violators(inst in instance(14, 6)) {
        let a = FlowEngine::default()
            .solve(&inst, Objective::CoverageThenScore, Deadline::NONE)
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        for root in 0..inst.mentees() as u32 {
            if a.arc[root as usize].is_some() || inst.arcs(root as usize).is_empty() {
                continue;
            }
            let found = search(&inst, &a.arc, root, WORK_BUDGET);
            // The shared, component-based searcher agrees with the plain search.
            prop_assert_eq!(&Searcher::new(&inst, &a.arc).search(root), &found);
            let Search::Violator(v) = found else {
                return Err(TestCaseError::fail(format!("no certificate for {root} in {inst:?}")));
            };
            let s = &v.mentees;
            prop_assert!(s.contains(&root));
            prop_assert_eq!(&v.mentors, &neighbours(&inst, s));
            let places: u32 = v.mentors.iter().map(|&j| inst.capacity[j as usize]).sum();
            prop_assert_eq!(v.places, places);
            prop_assert_eq!(places as usize + 1, s.len());
            prop_assert!(max_matching(&inst, s) < s.len() as u32, "not a violator: {:?}", s);
            for x in s {
                let rest: Vec<u32> = s.iter().copied().filter(|y| y != x).collect();
                prop_assert_eq!(
                    max_matching(&inst, &rest),
                    rest.len() as u32,
                    "not minimal: {:?} without {} is still a violator", s, x
                );
            }
        }
    }

    /// Under the score objective a mentee whose candidates are full may
    /// still be placeable by a chain of moves: the search says which, and
    /// the max-flow agrees.
    #[test]
    fn search_tells_placeable_from_violator(inst in instance(12, 5)) {
        let a = FlowEngine::default()
            .solve(&inst, Objective::Score, Deadline::NONE)
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let matched: Vec<u32> = (0..inst.mentees() as u32)
            .filter(|&e| a.arc[e as usize].is_some())
            .collect();
        for root in 0..inst.mentees() as u32 {
            if a.arc[root as usize].is_some() || inst.arcs(root as usize).is_empty() {
                continue;
            }
            let mut with_root = matched.clone();
            with_root.push(root);
            let placeable = max_matching(&inst, &with_root) == with_root.len() as u32;
            let found = search(&inst, &a.arc, root, WORK_BUDGET);
            prop_assert_eq!(&Searcher::new(&inst, &a.arc).search(root), &found);
            match found {
                Search::Placeable => prop_assert!(placeable),
                Search::Violator(v) => {
                    prop_assert!(!placeable);
                    prop_assert!(max_matching(&inst, &v.mentees) < v.mentees.len() as u32);
                }
                Search::Unknown => return Err(TestCaseError::fail("budget ran out")),
            }
        }
    }
}

fn matched(r: &pb::SolveResponse) -> usize {
    r.pairs.len()
}

/// Applies a relaxation to a request (the fields certificates name).
fn apply(req: &pb::SolveRequest, r: &pb::Relaxation) -> pb::SolveRequest {
    let mut req = req.clone();
    let policy = req.policy.get_or_insert_with(Default::default);
    match r.field.as_str() {
        "policy.min_language_level" => {
            policy.min_language_level =
                pb::LanguageLevel::from_str_name(&format!("LANGUAGE_LEVEL_{}", r.to.to_uppercase()))
                    .expect("level name") as i32
        }
        "policy.min_weekly_overlap_hours" => {
            policy.min_weekly_overlap_hours = Some(r.to.parse().expect("hours"))
        }
        "policy.min_pair_score" => policy.min_pair_score = Some(r.to.parse().expect("score")),
        "policy.require_cross_border" => policy.require_cross_border = false,
        "policy.allow_same_organization" => policy.allow_same_organization = true,
        f if f.starts_with("mentors[") && f.ends_with("].capacity") => {
            let k: usize = f["mentors[".len()..f.len() - "].capacity".len()]
                .parse()
                .expect("index");
            req.mentors[k].capacity = Some(r.to.parse().expect("capacity"));
        }
        f => panic!("relaxation of an unexpected field {f}"),
    }
    req
}

/// Four Arabic-only mentees in Cairo and Amman, two Arabic-speaking mentors
/// with three places between them (B2 is the programme's minimum level),
/// and a mentor with room whose Arabic is only B1.
fn arabic_shortage() -> pb::SolveRequest {
    let ar_only = |id: &str, c: &str, tz: &str| mentee(profile(id, c, tz, &[("ar", NATIVE)]));
    let mut req = crate::util::small_request();
    req.mentors = vec![
        mentor(
            profile("m-ar1", "PS", "Asia/Hebron", &[("ar", NATIVE), ("en", 5)]),
            1,
        ),
        mentor(
            profile(
                "m-ar2",
                "ES",
                "Europe/Madrid",
                &[("es", NATIVE), ("ar", B2)],
            ),
            2,
        ),
        mentor(
            profile("m-fr", "FR", "Europe/Paris", &[("fr", NATIVE), ("ar", B1)]),
            3,
        ),
    ];
    req.mentees = vec![
        ar_only("eg1", "EG", "Africa/Cairo"),
        ar_only("eg2", "EG", "Africa/Cairo"),
        ar_only("jo1", "JO", "Asia/Amman"),
        ar_only("jo2", "JO", "Asia/Amman"),
        mentee(profile("tn1", "TN", "Africa/Tunis", &[("fr", NATIVE)])),
    ];
    req
}

#[test]
fn arabic_only_mentees_get_a_certificate_in_words() {
    let req = arabic_shortage();
    let r = solve_ok(&req);
    assert_eq!(matched(&r), 4, "{r:#?}");
    let [u] = &r.unmatched[..] else {
        panic!("expected one unmatched mentee: {:#?}", r.unmatched)
    };
    assert_eq!(u.reason, pb::UnmatchedReason::Capacity as i32);
    let c = u.certificate.as_ref().expect("certificate");
    assert_eq!(c.mentee_ids, ["eg1", "eg2", "jo1", "jo2"]);
    let mentors: Vec<(&str, u32)> = c
        .mentors
        .iter()
        .map(|m| (m.mentor_id.as_str(), m.places))
        .collect();
    assert_eq!(mentors, [("m-ar1", 1), ("m-ar2", 2)]);
    assert_eq!(c.places, 3);
    for needle in [
        "these 4 mentees",
        "speak only Arabic at B2 or above",
        "Africa/Cairo, Asia/Amman",
        "compete for 3 places",
    ] {
        assert!(
            c.message.contains(needle),
            "{needle:?} not in {:?}",
            c.message
        );
    }
    let fields: Vec<(&str, &str, &str)> = c
        .relaxations
        .iter()
        .map(|x| (x.field.as_str(), x.from.as_str(), x.to.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("mentors[0].capacity", "1", "2"),
            ("mentors[1].capacity", "2", "3"),
            ("policy.min_language_level", "B2", "B1"),
        ]
    );
    assert!(u.message.contains(&c.message));
    // Each relaxation, applied, places everyone.
    for x in &c.relaxations {
        let after = solve_ok(&apply(&req, x));
        assert_eq!(matched(&after), 5, "{} did not place one more", x.field);
    }
}

/// On synthetic programmes with too few places: every capacity-unmatched
/// mentee has a certificate whose set cannot be matched (by the library's
/// own hard rules, re-evaluated pair by pair), and every relaxation it
/// lists, applied, raises the coverage of a fresh solve.
#[test]
fn synthetic_certificates_hold_and_their_relaxations_work() {
    let (mut checked, mut referred) = (0, 0);
    for seed in 1..=6 {
        let req = generate(&SynthConfig {
            mentees: 40,
            mentors: 6,
            seed,
            max_capacity: 4,
        });
        let r = solve_ok(&req);
        let problem =
            mentormatch::wire::problem_from_request(&req, &Default::default()).expect("valid");
        let scorer = mentormatch::scoring::Scorer::new(&problem);
        let idx = |id: &str, mentors: bool| -> usize {
            if mentors {
                problem.mentors.iter().position(|m| m.profile.id == id)
            } else {
                problem.mentees.iter().position(|e| e.profile.id == id)
            }
            .expect("known id")
        };
        for u in &r.unmatched {
            if u.reason != pb::UnmatchedReason::Capacity as i32 {
                assert!(u.certificate.is_none());
                continue;
            }
            // Its own certificate, or an earlier mentee's with this one in its place.
            let (c, set): (&pb::CapacityCertificate, Vec<usize>) = match &u.certificate {
                Some(c) => (c, c.mentee_ids.iter().map(|e| idx(e, false)).collect()),
                None => {
                    let first = r
                        .unmatched
                        .iter()
                        .find(|x| x.mentee_id == u.same_bottleneck_as)
                        .unwrap_or_else(|| panic!("{} has no certificate", u.mentee_id));
                    let c = first.certificate.as_ref().expect("referenced certificate");
                    let set = c
                        .mentee_ids
                        .iter()
                        .map(|e| {
                            if *e == first.mentee_id {
                                &u.mentee_id
                            } else {
                                e
                            }
                        })
                        .map(|e| idx(e, false))
                        .collect();
                    (c, set)
                }
            };
            assert!(set.contains(&idx(&u.mentee_id, false)));
            // N(S) from the rules, pair by pair.
            let n: Vec<usize> = (0..problem.mentors.len())
                .filter(|&m| set.iter().any(|&e| scorer.evaluate(m, e).is_ok()))
                .collect();
            let listed: Vec<usize> = c.mentors.iter().map(|m| idx(&m.mentor_id, true)).collect();
            assert_eq!(listed, n);
            let mut pinned = vec![0u32; problem.mentors.len()];
            for &(m, _) in &problem.policy.pinned {
                pinned[m] += 1;
            }
            let places: u32 = n
                .iter()
                .map(|&m| problem.mentors[m].capacity - pinned[m])
                .sum();
            assert!((places as usize) < set.len(), "not a Hall violator");
            assert_eq!(places, c.places);
            for x in c.relaxations.iter().filter(|_| u.certificate.is_some()) {
                let after = matched(&solve_ok(&apply(&req, x)));
                // One more place adds exactly one pair; a rule relaxed for
                // the whole programme may add more.
                if x.rule == pb::HardRule::Unspecified as i32 {
                    assert_eq!(after, matched(&r) + 1, "{}", x.message);
                } else {
                    assert!(after > matched(&r), "{}", x.message);
                }
            }
            checked += 1;
            referred += usize::from(u.certificate.is_none());
        }
    }
    assert!(checked >= 3, "only {checked} certificates checked");
    assert!(referred >= 1, "no mentee referred to another's certificate");
}

// --- Validate / check -------------------------------------------------------

fn validate(req: &pb::SolveRequest) -> pb::ValidateResponse {
    mentormatch::api::validate(
        &pb::ValidateRequest {
            request: Some(req.clone()),
        },
        &Default::default(),
        &Default::default(),
    )
    .expect("validate never fails on input")
}

fn codes(r: &pb::ValidateResponse) -> Vec<(pb::Severity, pb::FindingCode)> {
    r.findings
        .iter()
        .map(|f| {
            (
                pb::Severity::try_from(f.severity).expect("severity"),
                pb::FindingCode::try_from(f.code).expect("code"),
            )
        })
        .collect()
}

/// The summary's maximum coverage (petgraph max-flow) equals what a
/// coverage-first solve (the min-cost flow engine) matches, on synthetic
/// programmes with and without shortages; counts agree with the solve.
#[test]
fn summary_agrees_with_a_full_solve() {
    for (seed, mentees, mentors, cap) in
        [(1, 40, 6, 4), (2, 60, 20, 3), (3, 30, 30, 2), (4, 80, 8, 9)]
    {
        let req = generate(&SynthConfig {
            mentees,
            mentors,
            seed,
            max_capacity: cap,
        });
        let v = validate(&req);
        let s = v.summary.as_ref().expect("summary");
        let r = solve_ok(&req);
        let st = r.stats.as_ref().expect("stats");
        assert_eq!(s.max_coverage, Some(r.pairs.len() as u32), "seed {seed}");
        assert_eq!(s.candidate_pairs_feasible, st.candidate_pairs_feasible);
        assert_eq!(s.candidate_pairs_total, st.candidate_pairs_total);
        let no_cand = r
            .unmatched
            .iter()
            .filter(|u| u.reason == pb::UnmatchedReason::NoCandidate as i32)
            .count();
        assert_eq!(s.mentees_without_candidate as usize, no_cand);
        let short =
            codes(&v).contains(&(pb::Severity::Warning, pb::FindingCode::CoverageShortfall));
        assert_eq!(short, r.pairs.len() + no_cand < mentees, "seed {seed}");
        assert!(v.ok);
    }
}

#[test]
fn the_example_is_clean() {
    let v = validate(&crate::util::example_request());
    assert!(v.ok);
    assert!(
        v.findings
            .iter()
            .all(|f| f.severity != pb::Severity::Error as i32
                && f.severity != pb::Severity::Warning as i32),
        "{:#?}",
        v.findings
    );
    let s = v.summary.expect("summary");
    assert_eq!((s.mentees, s.mentors, s.max_coverage), (13, 13, Some(13)));
}

/// Invalid requests come back as ERROR findings naming the field; unknown
/// time zones get their own code.
#[test]
fn invalid_fields_become_error_findings() {
    let mut req = crate::util::small_request();
    req.mentees[1].profile.as_mut().unwrap().time_zone = "Mars/Olympus".into();
    req.mentors[0].profile.as_mut().unwrap().country = "XX".into();
    let v = validate(&req);
    assert!(!v.ok);
    assert!(v.summary.is_none());
    let tz = v
        .findings
        .iter()
        .find(|f| f.code == pb::FindingCode::UnknownTimeZone as i32)
        .expect("time-zone finding");
    assert_eq!(tz.field, "mentees[1].profile.time_zone");
    assert!(tz.message.contains("Mars/Olympus"), "{}", tz.message);
    assert!(v
        .findings
        .iter()
        .any(|f| f.code == pb::FindingCode::InvalidField as i32
            && f.field == "mentors[0].profile.country"
            && f.message.contains("XX")));
}

/// Working hours that never meet anyone on the other side are flagged with
/// the field to check.
#[test]
fn hours_that_never_overlap_are_flagged() {
    let mut req = crate::util::small_request();
    let e = req.mentees[2].profile.as_mut().unwrap();
    e.time_zone = "Pacific/Auckland".into();
    e.working_hours = Some(pb::WorkingHours {
        start: "09:00".into(),
        end: "12:00".into(),
        days: Vec::new(),
        ..Default::default()
    });
    let v = validate(&req);
    let f = v
        .findings
        .iter()
        .find(|f| f.code == pb::FindingCode::ZeroOverlap as i32)
        .expect("zero-overlap finding");
    assert_eq!(f.ids, ["e3"]);
    assert_eq!(f.field, "mentees[2].profile.working_hours");
    assert!(f.message.contains("Pacific/Auckland"), "{}", f.message);
    // The other mentees overlap with the mentors: no finding for them.
    assert_eq!(
        v.findings
            .iter()
            .filter(|f| f.code == pb::FindingCode::ZeroOverlap as i32)
            .count(),
        1
    );
}

/// Unmeetable minimums and pins that break rules are errors, and a solve
/// agrees that the request cannot be satisfied as it is.
#[test]
fn minimums_and_pins_are_checked() {
    let mut req = crate::util::small_request();
    req.mentors[1].min_mentees = 1; // m2 speaks it/en; e2 speaks en at B2.
    req.mentors[0].min_mentees = 2;
    let v = validate(&req);
    assert!(v.ok, "{:#?}", v.findings);
    assert_eq!(v.summary.as_ref().unwrap().minimums_feasible, Some(true));

    // m2's only compatible mentee is e2: forbid that pair and m2's minimum
    // cannot be met; the solve agrees (INFEASIBLE).
    let mut no_min = req.clone();
    no_min.policy.as_mut().unwrap().forbidden_pairs = vec![pb::PairRef {
        mentor_id: "m2".into(),
        mentee_id: "e2".into(),
    }];
    let v = validate(&no_min);
    assert!(!v.ok);
    assert_eq!(v.summary.as_ref().unwrap().minimums_feasible, Some(false));
    let f = v
        .findings
        .iter()
        .find(|f| f.code == pb::FindingCode::MinimumsInfeasible as i32)
        .expect("minimums finding");
    assert_eq!(f.ids, ["m2"]);
    assert_eq!(solve_ok(&no_min).status, pb::SolveStatus::Infeasible as i32);

    // A pin that breaks a hard rule: an error finding on the pin's field,
    // and a solve rejects the request.
    let mut bad_pin = req.clone();
    bad_pin.policy.as_mut().unwrap().pinned_pairs = vec![pb::PairRef {
        mentor_id: "m1".into(),
        mentee_id: "e2".into(),
    }];
    let v = validate(&bad_pin);
    assert!(!v.ok);
    let f = v
        .findings
        .iter()
        .find(|f| f.code == pb::FindingCode::PinBreaksRule as i32)
        .expect("pin finding");
    assert_eq!(f.field, "policy.pinned_pairs[0]");
    assert!(crate::util::solve(&bad_pin).is_err());
}

#[test]
fn cli_check_prints_findings_and_exits_2_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut req = crate::util::small_request();
    req.mentees[1].profile.as_mut().unwrap().time_zone = "Mars/Olympus".into();
    let path = dir.path().join("bad.json");
    std::fs::write(&path, serde_json::to_string(&req).unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mentormatch"))
        .arg("check")
        .arg(&path)
        .output()
        .expect("running the CLI");
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ERROR   UNKNOWN_TIME_ZONE [mentees[1].profile.time_zone]"),
        "{text}"
    );

    let ok = std::process::Command::new(env!("CARGO_BIN_EXE_mentormatch"))
        .args(["check", "--format", "json"])
        .arg(crate::util::repo_path("examples/cmr-2021/request.json"))
        .output()
        .expect("running the CLI");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let resp: pb::ValidateResponse = serde_json::from_slice(&ok.stdout).expect("JSON response");
    assert_eq!(resp, validate(&crate::util::example_request()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_validate_equals_the_library() {
    let server = crate::util::start_server(Default::default()).await;
    let mut client = server.client().await;
    let req = generate(&SynthConfig {
        mentees: 40,
        mentors: 6,
        seed: 1,
        max_capacity: 4,
    });
    let got = client
        .validate(pb::ValidateRequest {
            request: Some(req.clone()),
        })
        .await
        .expect("validate")
        .into_inner();
    server.stop().await;
    assert_eq!(got, validate(&req));
}

/// Above the check's max-flow limit the flows are skipped, and said so.
#[test]
fn flows_are_skipped_above_the_limit() {
    let req = generate(&SynthConfig {
        mentees: mentormatch::api::MAX_FLOW_MENTEES + 1,
        mentors: 2,
        seed: 3,
        max_capacity: 2,
    });
    let v = validate(&req);
    let s = v.summary.as_ref().expect("summary");
    assert_eq!(s.max_coverage, None);
    assert!(codes(&v).contains(&(pb::Severity::Info, pb::FindingCode::NotChecked)));
    assert!(codes(&v).contains(&(pb::Severity::Warning, pb::FindingCode::CapacityShortfall)));
}
