//! Joint meetings: the reported start of every window equals an
//! exhaustive search written here apart from the engine (each candidate
//! start, each person's working intervals of the dates around it from the
//! request, through chrono-tz), on random small cohorts with split days,
//! date overrides, availability windows, holidays, blackouts and weights;
//! who is outside and why; bad settings name their field.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use mentormatch::pb;
use mentormatch::tools::synth::{self, SynthConfig};

use crate::util::policy_mut as policy;
use crate::util::*;

/// One person as the oracle sees them.
struct Person {
    id: String,
    hours: Hours,
    holidays: Vec<NaiveDate>,
    weight: i64,
}

fn people(req: &pb::SolveRequest, j: &pb::JointMeetings) -> Vec<Person> {
    let holidays = |country: &str| -> Vec<NaiveDate> {
        j.holidays
            .iter()
            .filter(|h| h.country.eq_ignore_ascii_case(country))
            .flat_map(|h| h.dates.iter().map(|d| d.parse().unwrap()))
            .collect()
    };
    let milli = |w: Option<f64>| (w.unwrap_or(1.0) * 1000.0).round() as i64;
    let mentors = req
        .mentors
        .iter()
        .map(|m| (m.profile.clone().unwrap(), milli(j.mentor_weight)));
    let mentees = req
        .mentees
        .iter()
        .map(|e| (e.profile.clone().unwrap(), milli(j.mentee_weight)));
    mentors
        .chain(mentees)
        .map(|(p, weight)| Person {
            id: p.id.clone(),
            hours: hours(&p),
            holidays: holidays(&p.country),
            weight,
        })
        .collect()
}

/// The person's UTC working intervals on the local dates around `t`,
/// touching ones joined.
fn work_around(p: &Person, t: DateTime<Utc>) -> Vec<(i64, i64)> {
    let day = t.with_timezone(&p.hours.tz).date_naive();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for d in [day - Duration::days(1), day, day + Duration::days(1)] {
        let noon = p
            .hours
            .tz
            .from_local_datetime(&d.and_hms_opt(12, 0, 0).unwrap())
            .earliest();
        if !noon.is_some_and(|n| p.hours.takes_part(n.with_timezone(&Utc)))
            || p.holidays.contains(&d)
        {
            continue;
        }
        for (a, b) in p.hours.on(d) {
            let at = |m: i64| {
                let local = d.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(m);
                p.hours
                    .tz
                    .from_local_datetime(&local)
                    .earliest()
                    .map(|x| x.timestamp())
            };
            if let (Some(a), Some(b)) = (at(a), at(b)) {
                match out.last_mut() {
                    Some(last) if last.1 == a => last.1 = b,
                    _ => out.push((a, b)),
                }
            }
        }
    }
    out
}

/// (start, weight inside, weighted seconds outside, margin, who is outside
/// with their minutes outside) of the best start of a window.
type Found = (i64, i64, i64, i64, BTreeMap<String, u32>);

fn oracle(people: &[Person], j: &pb::JointMeetings, window: (NaiveDate, NaiveDate)) -> Found {
    let tz: chrono_tz::Tz = j.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let len = i64::from(j.minutes.unwrap_or(90)) * 60;
    let step = i64::from(j.step_minutes.unwrap_or(30));
    let blackout: Vec<NaiveDate> = j
        .blackout_dates
        .iter()
        .map(|d| d.parse().unwrap())
        .collect();
    let mut best: Option<(i64, i64, i64, i64)> = None;
    let mut d = window.0;
    while d <= window.1 {
        for m in (0..1440).step_by(step as usize) {
            let local = d.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(m);
            let Some(t) = tz.from_local_datetime(&local).earliest() else {
                continue;
            };
            if blackout.contains(&d) {
                continue;
            }
            let t = t.timestamp();
            let (mut inside, mut outside, mut margin) = (0, 0, i64::MAX);
            for p in people {
                let work = work_around(p, DateTime::from_timestamp(t, 0).unwrap());
                let covered: i64 = work
                    .iter()
                    .map(|&(a, b)| (b.min(t + len) - a.max(t)).max(0))
                    .sum();
                match work.iter().find(|&&(a, b)| a <= t && t + len <= b) {
                    Some(&(a, b)) => {
                        inside += p.weight;
                        margin = margin.min((t - a).min(b - t - len));
                    }
                    None => outside += p.weight * (len - covered),
                }
            }
            let margin = if margin == i64::MAX { 0 } else { margin };
            let key = (inside, -outside, margin, -t);
            if best.is_none_or(|b| key > b) {
                best = Some(key);
            }
        }
        d = d.succ_opt().unwrap();
    }
    let (inside, outside, margin, t) = best.expect("a candidate");
    let t = -t;
    let who = people
        .iter()
        .filter_map(|p| {
            let work = work_around(p, DateTime::from_timestamp(t, 0).unwrap());
            let held = work.iter().any(|&(a, b)| a <= t && t + len <= b);
            let covered: i64 = work
                .iter()
                .map(|&(a, b)| (b.min(t + len) - a.max(t)).max(0))
                .sum();
            (!held).then(|| (p.id.clone(), ((len - covered) / 60) as u32))
        })
        .collect();
    (t, inside, -outside, margin, who)
}

fn check(req: &pb::SolveRequest, resp: &pb::SolveResponse) -> usize {
    let j = req.policy.clone().unwrap().joint_meetings.unwrap();
    let people = people(req, &j);
    for (k, m) in resp.joint_meetings.iter().enumerate() {
        let w = m.window.clone().unwrap();
        let window = (w.from.parse().unwrap(), w.until.parse().unwrap());
        let (t, inside, _, margin, who) = oracle(&people, &j, window);
        let start = DateTime::from_timestamp(t, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        assert_eq!(m.start_utc, start, "meeting {k}: {}", m.message);
        assert_eq!(
            (m.weight_inside * 1000.0).round() as i64,
            inside,
            "meeting {k}"
        );
        assert_eq!(i64::from(m.margin_minutes), margin / 60, "meeting {k}");
        let reported: BTreeMap<String, u32> = m
            .outside
            .iter()
            .map(|o| (o.person_id.clone(), o.minutes_outside))
            .collect();
        assert_eq!(reported, who, "meeting {k}");
        assert_eq!(m.inside as usize + m.outside.len(), people.len());
    }
    resp.joint_meetings
        .iter()
        .map(|m| 1 + m.outside.len())
        .sum()
}

fn span(a: &str, b: &str) -> pb::TimeSpan {
    pb::TimeSpan {
        start: a.into(),
        end: b.into(),
    }
}

#[test]
fn random_cohorts_meet_at_the_exhaustive_best() {
    let zones = ["Europe/Madrid", "UTC", "Asia/Amman"];
    let mut checked = 0;
    for seed in 0..6u64 {
        let mut req = synth::generate(&SynthConfig {
            mentees: 8,
            mentors: 4,
            seed,
            max_capacity: 2,
        });
        for (k, p) in profiles_mut(&mut req).enumerate() {
            match (k as u64 * 7 + seed) % 6 {
                0 => {
                    let wh = p.working_hours.get_or_insert_with(Default::default);
                    wh.overrides.push(pb::DateHours {
                        from: "2026-02-02".into(),
                        until: "2026-02-20".into(),
                        spans: vec![span("10:00", "13:00"), span("14:00", "15:30")],
                    });
                }
                1 => p.available_from = "2026-02-10".into(),
                2 => p.available_until = "2026-03-06".into(),
                _ => {}
            }
        }
        let pol = policy(&mut req);
        pol.programme_start = "2026-01-05".into();
        pol.programme_end = "2026-03-29".into();
        let j = pb::JointMeetings {
            count: Some(2 + (seed as u32 % 2)),
            minutes: Some([60, 90, 120][seed as usize % 3]),
            time_zone: zones[seed as usize % 3].into(),
            step_minutes: Some(60),
            blackout_dates: vec!["2026-01-05".into(), "2026-02-11".into()],
            holidays: vec![
                pb::CountryHolidays {
                    country: "ma".into(),
                    dates: vec!["2026-01-12".into(), "2026-02-12".into()],
                },
                pb::CountryHolidays {
                    country: "EG".into(),
                    dates: vec!["2026-01-07".into()],
                },
            ],
            mentor_weight: Some([1.0, 2.0, 0.5][seed as usize % 3]),
            ..Default::default()
        };
        pol.joint_meetings = Some(j);
        let resp = solve_ok(&req);
        checked += check(&req, &resp);
    }
    // Meetings and people outside at them, all checked.
    assert!(checked >= 12 + 6, "{checked}");
}

fn person(id: &str, country: &str, tz: &str, hours: (&str, &str), days: Vec<i32>) -> pb::Profile {
    let mut p = profile(id, country, tz, &[("en", NATIVE)]);
    p.working_hours = Some(pb::WorkingHours {
        start: hours.0.into(),
        end: hours.1.into(),
        days,
        ..Default::default()
    });
    p
}

#[test]
fn who_is_outside_says_why_and_by_how_much() {
    use pb::MeetingAbsence as A;
    // One date, Friday 5 March 2027, 60 minutes on the hour in Madrid.
    let m1 = person("m-es", "ES", "Europe/Madrid", ("09:00", "18:00"), vec![]);
    let m2 = person("m-jo", "JO", "Asia/Amman", ("08:00", "12:30"), vec![]);
    let e1 = person(
        "e-ma",
        "MA",
        "Africa/Casablanca",
        ("09:00", "17:00"),
        vec![],
    );
    let mut e2 = person("e-tn", "TN", "Africa/Tunis", ("09:00", "17:00"), vec![]);
    e2.available_until = "2027-02-26".into();
    let e3 = person(
        "e-eg",
        "EG",
        "Africa/Cairo",
        ("09:00", "17:00"),
        vec![7, 1, 2, 3, 4],
    );
    let mut req = pb::SolveRequest {
        mentors: vec![mentor(m1, 2), mentor(m2, 2)],
        mentees: vec![mentee(e1), mentee(e2), mentee(e3)],
        ..Default::default()
    };
    let p = policy(&mut req);
    p.programme_start = "2027-02-01".into();
    p.programme_end = "2027-03-31".into();
    p.min_shared_weeks = Some(0);
    p.min_weekly_overlap_hours = Some(0.0);
    p.joint_meetings = Some(pb::JointMeetings {
        windows: vec![pb::DateRange {
            from: "2027-03-05".into(),
            until: "2027-03-05".into(),
        }],
        minutes: Some(60),
        time_zone: "Europe/Madrid".into(),
        step_minutes: Some(60),
        holidays: vec![pb::CountryHolidays {
            country: "MA".into(),
            dates: vec!["2027-03-05".into()],
        }],
        ..Default::default()
    });
    let resp = solve_ok(&req);
    assert_eq!(check(&req, &resp), 1 + 3);
    let m = &resp.joint_meetings[0];
    // Amman is UTC+3, Madrid UTC+1: Amman's 08:00–12:30 is 06:00–10:30 in
    // Madrid, so 09:00–10:00 Madrid holds both mentors, with no margin.
    assert_eq!((m.date.as_str(), m.start.as_str()), ("2027-03-05", "09:00"));
    assert_eq!((m.inside, m.participants), (2, 5));
    let why: Vec<(&str, i32, u32)> = m
        .outside
        .iter()
        .map(|o| (o.person_id.as_str(), o.reason, o.minutes_outside))
        .collect();
    assert_eq!(
        why,
        [
            ("e-ma", A::Holiday as i32, 60),
            ("e-tn", A::NotTakingPart as i32, 60),
            ("e-eg", A::DayOff as i32, 60),
        ]
    );
    assert!(m.message.contains("e-ma (public holiday)"), "{}", m.message);
    let amman = m
        .local_times
        .iter()
        .find(|z| z.time_zone == "Asia/Amman")
        .unwrap();
    assert_eq!(amman.local, "Fri 2027-03-05 11:00–12:00");
}

#[test]
fn bad_meeting_settings_name_the_field() {
    let mut req = small_request();
    let p = policy(&mut req);
    p.programme_start = "2027-01-04".into();
    p.programme_end = "2027-06-27".into();
    p.joint_meetings = Some(pb::JointMeetings {
        count: Some(3),
        minutes: Some(5),
        time_zone: "Mars/Olympus".into(),
        step_minutes: Some(7),
        windows: vec![
            pb::DateRange {
                from: "2027-03-01".into(),
                until: "2027-02-01".into(),
            },
            pb::DateRange {
                from: "2026-12-01".into(),
                until: "2027-01-10".into(),
            },
        ],
        blackout_dates: vec!["tomorrow".into()],
        holidays: vec![pb::CountryHolidays {
            country: "XX".into(),
            dates: vec![],
        }],
        mentor_weight: Some(-1.0),
        ..Default::default()
    });
    let v = violations(&req);
    let f = |s: &str| format!("policy.joint_meetings.{s}");
    assert_violation(&v, &f("count"), "one meeting per window");
    assert_violation(&v, &f("minutes"), "5");
    assert_violation(&v, &f("time_zone"), "Mars/Olympus");
    assert_violation(&v, &f("step_minutes"), "7");
    assert_violation(&v, &f("windows[0].until"), "before from");
    assert_violation(&v, &f("windows[1]"), "not within the programme");
    assert_violation(&v, &f("blackout_dates[0]"), "tomorrow");
    assert_violation(&v, &f("holidays[0].country"), "XX");
    assert_violation(&v, &f("mentor_weight"), "-1");
    // A window of blackout dates only.
    let j = policy(&mut req).joint_meetings.as_mut().unwrap();
    *j = pb::JointMeetings {
        windows: vec![pb::DateRange {
            from: "2027-03-01".into(),
            until: "2027-03-01".into(),
        }],
        blackout_dates: vec!["2027-03-01".into()],
        ..Default::default()
    };
    assert_violation(&violations(&req), &f("windows[0]"), "blackout");
}
