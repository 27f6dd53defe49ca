//! Availability windows and the shared-weeks rule: the weeks a pair both
//! take part counted independently from the request's dates; a pair
//! sharing fewer than `policy.min_shared_weeks` is never formed, the
//! mentees it leaves without a candidate say so and name the relaxation;
//! the overlap rule's worst week is taken over the shared weeks only; bad
//! dates and hours name their field.

use chrono::{Duration, NaiveDate};
use mentormatch::pb;
use mentormatch::tools::synth::{self, SynthConfig};

use crate::util::policy_mut as policy;
use crate::util::*;

fn window(p: &pb::Profile) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let d = |s: &str| (!s.is_empty()).then(|| s.parse().unwrap());
    (d(&p.available_from), d(&p.available_until))
}

/// Full weeks of the programme (7-day blocks from its first day) on
/// every date of which both people take part.
fn shared_weeks(req: &pb::SolveRequest, a: &pb::Profile, b: &pb::Profile) -> u32 {
    let pol = req.policy.clone().unwrap_or_default();
    let (start, end): (NaiveDate, NaiveDate) = (
        pol.programme_start.parse().unwrap(),
        pol.programme_end.parse().unwrap(),
    );
    let full = ((end - start).num_days() + 1) / 7;
    let there = |p: &pb::Profile, d: NaiveDate| {
        let (f, u) = window(p);
        f.is_none_or(|f| f <= d) && u.is_none_or(|u| d <= u)
    };
    (0..full)
        .filter(|&w| {
            let first = start + Duration::days(7 * w);
            let last = first + Duration::days(6);
            [a, b].iter().all(|p| there(p, first) && there(p, last))
        })
        .count() as u32
}

fn programme(req: &mut pb::SolveRequest, start: &str, end: &str) {
    let p = policy(req);
    p.programme_start = start.into();
    p.programme_end = end.into();
}

#[test]
fn a_pair_sharing_too_few_weeks_is_excluded_with_that_reason() {
    // Thirteen weeks from Monday 2027-01-04. The only mentor leaves after
    // four weeks (Sunday 31 January); the rule asks for six.
    let mut m = profile("m", "ES", "Europe/Madrid", &[("en", NATIVE)]);
    m.available_until = "2027-01-31".into();
    let e = profile("e", "MA", "Africa/Casablanca", &[("en", NATIVE)]);
    let mut req = pb::SolveRequest {
        mentors: vec![mentor(m, 1)],
        mentees: vec![mentee(e)],
        ..Default::default()
    };
    programme(&mut req, "2027-01-04", "2027-04-04");
    policy(&mut req).min_shared_weeks = Some(6);
    let resp = solve_ok(&req);
    assert!(resp.pairs.is_empty());
    let u = &resp.unmatched[0];
    assert_eq!(u.reason, pb::UnmatchedReason::NoCandidate as i32);
    assert_eq!(
        u.excluded_by,
        [pb::RuleCount {
            rule: pb::HardRule::SharedWeeks as i32,
            mentors: 1
        }]
    );
    assert!(u.message.contains("full week"), "{}", u.message);
    assert!(
        u.suggestions
            .iter()
            .any(|s| s.contains("min_shared_weeks to 4")),
        "{:?}",
        u.suggestions
    );
    // Four weeks are enough for a rule of four: the pair is formed, and
    // its worst week is one of the four (full overlap), not an absent one.
    policy(&mut req).min_shared_weeks = Some(4);
    let resp = solve_ok(&req);
    assert_eq!(resp.pairs.len(), 1);
    assert!(resp.pairs[0].weekly_overlap_hours > 30.0);
}

#[test]
fn a_rule_longer_than_the_programme_is_capped_at_its_weeks() {
    let mut req = small_request();
    programme(&mut req, "2027-01-04", "2027-01-24");
    policy(&mut req).min_shared_weeks = Some(52);
    let capped = solve_ok(&req);
    policy(&mut req).min_shared_weeks = Some(3);
    let three = solve_ok(&req);
    assert!(!three.pairs.is_empty());
    assert_eq!(capped.pairs, three.pairs);
}

#[test]
fn random_windows_never_pair_people_sharing_too_few_weeks() {
    let mut excluded = 0;
    for seed in 0..6u64 {
        let mut req = synth::generate(&SynthConfig {
            mentees: 16,
            mentors: 8,
            seed,
            max_capacity: 3,
        });
        programme(&mut req, "2026-01-05", "2026-06-28");
        let rule = 4 + (seed as u32 % 3) * 4;
        policy(&mut req).min_shared_weeks = Some(rule);
        for (k, p) in profiles_mut(&mut req).enumerate() {
            match (k as u64 + seed) % 5 {
                0 => p.available_from = format!("2026-{:02}-{:02}", 2 + k % 4, 1 + k % 27),
                1 => p.available_until = format!("2026-{:02}-{:02}", 2 + k % 4, 1 + k % 27),
                _ => {}
            }
        }
        let resp = solve_ok(&req);
        let (mentors, mentees) = people_by_id(&req);
        let prof = |x: &Option<pb::Profile>| x.clone().unwrap();
        for p in &resp.pairs {
            let (m, e) = (
                prof(&mentors[p.mentor_id.as_str()].profile),
                prof(&mentees[p.mentee_id.as_str()].profile),
            );
            assert!(shared_weeks(&req, &m, &e) >= rule, "{p:?}");
        }
        // Each mentee without a candidate counts exactly the mentors the
        // rule excludes (a mentor breaking several rules counts under each).
        for u in &resp.unmatched {
            if u.reason != pb::UnmatchedReason::NoCandidate as i32 {
                continue;
            }
            let e = prof(&mentees[u.mentee_id.as_str()].profile);
            let expected = req
                .mentors
                .iter()
                .filter(|m| shared_weeks(&req, &prof(&m.profile), &e) < rule)
                .count() as u32;
            let reported = excluded_by(u, pb::HardRule::SharedWeeks);
            assert_eq!(reported, expected, "{}", u.mentee_id);
            excluded += reported;
        }
    }
    assert!(excluded > 0, "no mentee lost a candidate to the rule");
}

#[test]
fn bad_dates_and_hours_name_their_field() {
    let mut req = small_request();
    {
        let p = req.mentors[0].profile.as_mut().unwrap();
        p.available_from = "2027-03-01".into();
        p.available_until = "2027-02-01".into();
        p.working_hours = Some(pb::WorkingHours {
            start: "09:00".into(),
            weekdays: vec![
                pb::DayHours {
                    day: pb::Weekday::Friday as i32,
                    spans: vec![
                        pb::TimeSpan {
                            start: "09:00".into(),
                            end: "13:00".into(),
                        },
                        pb::TimeSpan {
                            start: "12:00".into(),
                            end: "18:00".into(),
                        },
                    ],
                },
                pb::DayHours {
                    day: pb::Weekday::Friday as i32,
                    spans: vec![],
                },
            ],
            overrides: vec![
                pb::DateHours {
                    from: "2027-04-01".into(),
                    until: "2027-04-10".into(),
                    spans: vec![],
                },
                pb::DateHours {
                    from: "2027-04-05".into(),
                    until: "2027-04-04".into(),
                    spans: vec![],
                },
                pb::DateHours {
                    from: "2027-04-08".into(),
                    until: "2027-04-09".into(),
                    spans: vec![],
                },
            ],
            ..Default::default()
        });
        let e = req.mentees[0].profile.as_mut().unwrap();
        e.available_from = "1 March".into();
    }
    let v = violations(&req);
    let at = "mentors[0].profile";
    assert_violation(
        &v,
        &format!("{at}.available_until"),
        "before available_from",
    );
    assert_violation(&v, &format!("{at}.working_hours.weekdays"), "not both");
    assert_violation(
        &v,
        &format!("{at}.working_hours.weekdays[0].spans[1].start"),
        "\"12:00\"",
    );
    assert_violation(&v, &format!("{at}.working_hours.weekdays[1].day"), "twice");
    assert_violation(
        &v,
        &format!("{at}.working_hours.overrides[1].until"),
        "before from",
    );
    assert_violation(
        &v,
        &format!("{at}.working_hours.overrides[2].from"),
        "2027-04-08",
    );
    assert_violation(&v, "mentees[0].profile.available_from", "\"1 March\"");
}
