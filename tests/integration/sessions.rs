//! Bilateral session slots: every reported slot checked date by date
//! against the IANA database by code independent of the engine's
//! calendar (chrono-tz conversions of each occurrence into both people's
//! local time), on the example (Morocco's Ramadan offset in 2021), an
//! Egypt 2023 programme (summer time back from 28 April), narrow hours
//! that a clock change moves out of reach, and random programmes; and the
//! first slot is the best of every start on the grid.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;
use mentormatch::pb;
use mentormatch::tools::synth::{self, SynthConfig};

use crate::util::policy_mut as policy;
use crate::util::*;

/// Minutes the session `[utc, utc + len)` keeps from the edges of the
/// working interval of `h` holding it, or `None` when none holds it.
fn margin(h: &Hours, utc: chrono::DateTime<chrono::Utc>, len: Duration) -> Option<i64> {
    let (a, b) = (utc.with_timezone(&h.tz), (utc + len).with_timezone(&h.tz));
    let s = i64::from(a.hour() * 60 + a.minute());
    let mut e = i64::from(b.hour() * 60 + b.minute());
    if b.date_naive() != a.date_naive() {
        // Only a session ending at midnight may end on the next date.
        if b.date_naive() != a.date_naive().succ_opt().unwrap() || e != 0 {
            return None;
        }
        e = 1440;
    }
    h.on(a.date_naive())
        .into_iter()
        .find(|&(x, y)| x <= s && e <= y)
        .map(|(x, y)| (s - x).min(y - e))
}

/// What one slot gives when recomputed date by date: (occurrences, the
/// dates outside, margin).
fn recompute(
    weekday: u32,
    start: NaiveTime,
    len: Duration,
    people: [&Hours; 2],
    period: (NaiveDate, NaiveDate),
) -> (Vec<chrono::DateTime<chrono::Utc>>, Vec<String>, Option<i64>) {
    let (mut occ, mut outside, mut best) = (Vec::new(), Vec::new(), None::<i64>);
    let mut d = period.0;
    while d <= period.1 {
        if d.weekday().num_days_from_monday() == weekday {
            let local = d.and_time(start);
            let utc = people[0]
                .tz
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&chrono::Utc));
            if let Some(utc) = utc.filter(|&t| people.iter().all(|p| p.takes_part(t))) {
                occ.push(utc);
                match (margin(people[0], utc, len), margin(people[1], utc, len)) {
                    (Some(a), Some(b)) => best = Some(best.map_or(a.min(b), |m| m.min(a).min(b))),
                    _ => outside.push(d.to_string()),
                }
            }
        }
        d = d.succ_opt().unwrap();
    }
    (occ, outside, best)
}

/// Checks every slot of every pair; returns the number of slots checked.
fn check_every_slot(req: &pb::SolveRequest, resp: &pb::SolveResponse) -> usize {
    let pol = req.policy.clone().unwrap_or_default();
    let period = (
        pol.programme_start.parse::<NaiveDate>().unwrap(),
        pol.programme_end.parse::<NaiveDate>().unwrap(),
    );
    let step = pol
        .bilateral_sessions
        .unwrap_or_default()
        .slot_step_minutes
        .unwrap_or(30);
    let (mentors, mentees) = people_by_id(req);
    let mut checked = 0;
    for p in &resp.pairs {
        let profile = |x: &Option<pb::Profile>| x.clone().unwrap();
        let (m, e) = (
            hours(&profile(&mentors[p.mentor_id.as_str()].profile)),
            hours(&profile(&mentees[p.mentee_id.as_str()].profile)),
        );
        for (k, s) in p.session_slots.iter().enumerate() {
            let slot = s.slot.as_ref().unwrap();
            assert_eq!(slot.time_zone, m.tz.name());
            let start = NaiveTime::parse_from_str(&slot.start, "%H:%M").unwrap();
            let len = Duration::minutes(i64::from(slot.minutes));
            let wd = (slot.weekday - 1) as u32;
            let (occ, outside, best) = recompute(wd, start, len, [&m, &e], period);
            let what = format!("{} – {} slot {k}", p.mentor_id, p.mentee_id);
            assert_eq!(s.weeks_total as usize, occ.len(), "{what}");
            assert_eq!(s.weeks_inside as usize, occ.len() - outside.len(), "{what}");
            assert_eq!(s.dates_outside, outside, "{what}");
            assert_eq!(i64::from(s.margin_minutes), best.unwrap(), "{what}");
            assert_eq!(
                slot.first_utc,
                occ[0].format("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
            // Each occurrence's local time is among the person's listed times.
            for (lt, tz) in s.local_times.iter().zip([m.tz, e.tz, Tz::UTC]) {
                assert_eq!(lt.time_zone, tz.name());
                for t in &occ {
                    let (a, b) = (t.with_timezone(&tz), (*t + len).with_timezone(&tz));
                    let label = format!(
                        "{} {}–{}",
                        a.format("%a"),
                        a.format("%H:%M"),
                        b.format("%H:%M")
                    );
                    assert!(
                        lt.local.iter().any(|l| l.starts_with(&label)),
                        "{what}: {label} not in {:?}",
                        lt.local
                    );
                }
            }
            checked += 1;
        }
        // The first slot is the best start of the whole grid: fewest
        // occurrences outside, then the largest margin.
        let Some(first) = p.session_slots.first() else {
            continue;
        };
        let key = |outside: usize, margin: i64| (outside, -margin);
        let len = Duration::minutes(i64::from(first.slot.as_ref().unwrap().minutes));
        let mut grid_best = None;
        for wd in 0..7 {
            for min in (0..1440).step_by(step as usize) {
                let start = NaiveTime::from_hms_opt(min / 60, min % 60, 0).unwrap();
                let (occ, outside, best) = recompute(wd, start, len, [&m, &e], period);
                if let (Some(b), true) = (best, outside.len() < occ.len()) {
                    let k = key(outside.len(), b);
                    grid_best = Some(grid_best.map_or(k, |g: (usize, i64)| g.min(k)));
                }
            }
        }
        // Listed as documented: each weekday's best slot, best first, then
        // the second slots on a day, best first.
        let mut seen = [false; 8];
        let firsts = p
            .session_slots
            .iter()
            .take_while(|s| {
                !std::mem::replace(
                    &mut seen[s.slot.as_ref().unwrap().weekday as usize % 8],
                    true,
                )
            })
            .count();
        let (a, b) = p.session_slots.split_at(firsts);
        for part in [a, b] {
            let keys: Vec<_> = part
                .iter()
                .map(|s| key(s.dates_outside.len(), i64::from(s.margin_minutes)))
                .collect();
            assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
        }
        assert!(b.iter().all(|s| a
            .iter()
            .any(|f| f.slot.as_ref().unwrap().weekday == s.slot.as_ref().unwrap().weekday)));
        let reported = key(first.dates_outside.len(), i64::from(first.margin_minutes));
        assert_eq!(
            Some(reported),
            grid_best,
            "{} – {}",
            p.mentor_id,
            p.mentee_id
        );
    }
    checked
}

fn with_sessions(mut req: pb::SolveRequest) -> pb::SolveRequest {
    policy(&mut req).bilateral_sessions = Some(pb::BilateralSessions::default());
    req
}

#[test]
fn the_example_gets_three_slots_a_pair_checked_day_by_day() {
    let req = with_sessions(example_request());
    let resp = solve_ok(&req);
    let checked = check_every_slot(&req, &resp);
    assert_eq!(checked, 3 * resp.pairs.len());
    // Morocco's Ramadan offset (2021-04-11 to 2021-05-16) moves the
    // Casablanca side of a Madrid slot, and the listing says from when.
    let moves = resp.pairs.iter().flat_map(|p| &p.session_slots).any(|s| {
        s.local_times[1].time_zone == "Africa/Casablanca" && s.local_times[1].local.len() > 1
    });
    assert!(moves);
}

/// The table, the report and the workbook show a pair's slots in the
/// response's order, in the same words.
#[test]
fn the_table_the_report_and_the_workbook_list_the_slots_alike() {
    use mentormatch::formats::{self, export};
    let req = with_sessions(example_request());
    let resp = solve_ok(&req);
    let grid = export::matching(&req, &resp);
    let col = grid
        .header
        .iter()
        .position(|h| h == "session slots")
        .expect("a session slots column");
    let html =
        formats::report::solve(&req, &resp, &mentormatch::Limits::default()).expect("report");
    let table = crate::util::table_of(&req);
    for p in &resp.pairs {
        let words = formats::session_slots(p);
        let days: Vec<String> = p
            .session_slots
            .iter()
            .map(|s| s.slot.as_ref().unwrap().start.clone())
            .collect();
        let zone = &p.session_slots[0].slot.as_ref().unwrap().time_zone;
        assert!(words.starts_with(&format!("sessions {zone}: ")), "{words}");
        assert!(days.iter().all(|d| words.contains(d.as_str())), "{words}");
        let row = grid
            .rows
            .iter()
            .find(|r| matches!(&r[0], export::Value::Text(t) if *t == p.mentee_id))
            .expect("the mentee's row");
        assert!(
            matches!(&row[col], export::Value::Text(t) if *t == words),
            "{:?}",
            row[col]
        );
        assert!(html.contains(&words), "{words} not in the report");
        assert!(
            table.contains(&format!("; {words}")),
            "{words} not in the table"
        );
    }
}

/// A mentor in `tz_m` and a mentee in `tz_e` with the given hours.
fn pair_request(
    tz_m: &str,
    hours_m: (&str, &str),
    tz_e: &str,
    hours_e: (&str, &str, Vec<i32>),
    period: (&str, &str),
) -> pb::SolveRequest {
    let mut m = profile("m", "FR", tz_m, &[("en", NATIVE)]);
    m.working_hours = Some(pb::WorkingHours {
        start: hours_m.0.into(),
        end: hours_m.1.into(),
        days: Vec::new(),
        ..Default::default()
    });
    let mut e = profile("e", "EG", tz_e, &[("en", NATIVE)]);
    e.working_hours = Some(pb::WorkingHours {
        start: hours_e.0.into(),
        end: hours_e.1.into(),
        days: hours_e.2,
        ..Default::default()
    });
    let mut req = pb::SolveRequest {
        mentors: vec![mentor(m, 1)],
        mentees: vec![mentee(e)],
        ..Default::default()
    };
    let p = policy(&mut req);
    p.programme_start = period.0.into();
    p.programme_end = period.1.into();
    p.min_weekly_overlap_hours = Some(1.0);
    with_sessions(req)
}

#[test]
fn egypt_2023_summer_time_and_sunday_to_thursday_weeks() {
    use pb::Weekday as W;
    let days = [W::Sunday, W::Monday, W::Tuesday, W::Wednesday, W::Thursday]
        .map(|d| d as i32)
        .to_vec();
    let req = pair_request(
        "Europe/Paris",
        ("09:00", "17:00"),
        "Africa/Cairo",
        ("08:00", "15:00", days),
        ("2023-03-01", "2023-06-30"),
    );
    let resp = solve_ok(&req);
    assert_eq!(check_every_slot(&req, &resp), 3);
    // Paris moved to UTC+2 on 2023-03-26, Egypt to UTC+3 on 2023-04-28:
    // the Cairo side of the best Paris slot (Monday 11:00–12:00) shows both
    // shifts from the first Monday after each.
    let cairo = &resp.pairs[0].session_slots[0].local_times[1];
    assert_eq!(
        cairo.local,
        [
            "Mon 12:00–13:00 (from 2023-03-06)",
            "Mon 11:00–12:00 (from 2023-03-27)",
            "Mon 12:00–13:00 (from 2023-05-01)"
        ]
    );
    // Friday is no working day in Cairo: no slot on it.
    let fri = W::Friday as i32;
    assert!(resp.pairs[0]
        .session_slots
        .iter()
        .all(|s| s.slot.as_ref().unwrap().weekday != fri));
}

#[test]
fn hours_that_meet_only_in_some_weeks_say_which() {
    // Madrid 14:00–18:00 and Casablanca 13:00–15:00. Both at UTC+1 until
    // Madrid's summer time (2021-03-28), they share 14:00–15:00 Madrid;
    // then 14:00–16:00 Madrid, and during Ramadan (Casablanca at UTC+0,
    // 2021-04-11 to 05-16) 15:00–17:00 Madrid. No hour fits every week:
    // the best, 15:00 Madrid, misses the four March Mondays.
    let req = pair_request(
        "Europe/Madrid",
        ("14:00", "18:00"),
        "Africa/Casablanca",
        ("13:00", "15:00", Vec::new()),
        ("2021-03-01", "2021-06-30"),
    );
    let resp = solve_ok(&req);
    assert!(check_every_slot(&req, &resp) > 0);
    let s = &resp.pairs[0].session_slots[0];
    assert!(s.weeks_inside < s.weeks_total);
    assert_eq!(s.slot.as_ref().unwrap().start, "15:00");
    assert_eq!(
        s.dates_outside,
        ["2021-03-01", "2021-03-08", "2021-03-15", "2021-03-22"]
    );
}

#[test]
fn random_programmes_slots_hold_day_by_day() {
    let mut checked = 0;
    for seed in 0..4 {
        let mut req = synth::generate(&SynthConfig {
            mentees: 12,
            mentors: 6,
            seed,
            max_capacity: 3,
        });
        policy(&mut req).bilateral_sessions = Some(pb::BilateralSessions {
            session_minutes: Some(45 + 15 * (seed as u32 % 3)),
            slots_per_pair: Some(2),
            slot_step_minutes: Some(60),
        });
        let resp = solve_ok(&req);
        checked += check_every_slot(&req, &resp);
    }
    assert!(checked > 20, "only {checked} slots");
}

#[test]
fn bad_session_settings_name_the_field() {
    let mut req = with_sessions(small_request());
    policy(&mut req).bilateral_sessions = Some(pb::BilateralSessions {
        session_minutes: Some(5),
        slots_per_pair: Some(11),
        slot_step_minutes: Some(7),
    });
    let fields: Vec<String> = violations(&req).into_iter().map(|v| v.field).collect();
    for f in ["session_minutes", "slots_per_pair", "slot_step_minutes"] {
        let path = format!("policy.bilateral_sessions.{f}");
        assert!(fields.contains(&path), "{path} not in {fields:?}");
    }
}

fn span(a: &str, b: &str) -> pb::TimeSpan {
    pb::TimeSpan {
        start: a.into(),
        end: b.into(),
    }
}

fn day(d: pb::Weekday, spans: Vec<pb::TimeSpan>) -> pb::DayHours {
    pb::DayHours {
        day: d as i32,
        spans,
    }
}

/// Monday to Thursday `week`, Friday split in `friday`.
fn split_friday(week: (&str, &str), friday: [(&str, &str); 2]) -> pb::WorkingHours {
    use pb::Weekday as W;
    let mut weekdays: Vec<pb::DayHours> = [W::Monday, W::Tuesday, W::Wednesday, W::Thursday]
        .into_iter()
        .map(|d| day(d, vec![span(week.0, week.1)]))
        .collect();
    weekdays.push(day(W::Friday, friday.map(|(a, b)| span(a, b)).to_vec()));
    pb::WorkingHours {
        weekdays,
        ..Default::default()
    }
}

#[test]
fn a_friday_split_day_and_ramadan_hours_checked_day_by_day() {
    // Madrid: Fridays 09:00–13:00 and 16:00–18:00. Casablanca: Fridays
    // 09:00–12:00 and 15:00–17:00 (the Friday prayer), and 10:00–15:00 on
    // every day of Ramadan 2021 (an override, 13 April – 12 May), while
    // Casablanca's clock is at UTC+0 (11 April – 16 May).
    let mut req = pair_request(
        "Europe/Madrid",
        ("09:00", "18:00"),
        "Africa/Casablanca",
        ("09:00", "17:00", Vec::new()),
        ("2021-03-01", "2021-06-30"),
    );
    let (m, e) = (
        req.mentors[0].profile.as_mut().unwrap(),
        req.mentees[0].profile.as_mut().unwrap(),
    );
    m.working_hours = Some(split_friday(
        ("09:00", "18:00"),
        [("09:00", "13:00"), ("16:00", "18:00")],
    ));
    let mut casa = split_friday(("09:00", "17:00"), [("09:00", "12:00"), ("15:00", "17:00")]);
    casa.overrides = vec![pb::DateHours {
        from: "2021-04-13".into(),
        until: "2021-05-12".into(),
        spans: vec![span("10:00", "15:00")],
    }];
    e.working_hours = Some(casa);
    policy(&mut req).bilateral_sessions = Some(pb::BilateralSessions {
        slots_per_pair: Some(7),
        ..Default::default()
    });
    let resp = solve_ok(&req);
    // Monday to Friday, one each, then two more: all checked day by day.
    assert_eq!(check_every_slot(&req, &resp), 7);
    let slots = &resp.pairs[0].session_slots;
    let friday: Vec<&pb::PairSessionSlot> = slots
        .iter()
        .filter(|s| s.slot.as_ref().unwrap().weekday == pb::Weekday::Friday as i32)
        .collect();
    assert!(!friday.is_empty(), "no Friday slot among {slots:?}");
    // The Friday slot is in the afternoon parts: Madrid 16:00 is 15:00
    // in Casablanca (inside 15:00–17:00) until Ramadan's clock, 14:00 in it
    // (inside the override's 10:00–15:00) while the override lasts, and on
    // Friday 14 May, after the override's end but before the clock's
    // return (16 May), 14:00 falls in the Friday prayer gap.
    assert_eq!(friday.len(), 1);
    let slot = friday[0].slot.as_ref().unwrap();
    assert_eq!(slot.start, "16:00");
    assert_eq!(friday[0].dates_outside, ["2021-05-14"]);
}

/// Gives some people of a request split Fridays, a date override or an
/// availability window (deterministic in `seed`).
fn vary_calendars(req: &mut pb::SolveRequest, seed: u64) {
    for (k, p) in profiles_mut(req).enumerate() {
        let r = (k as u64).wrapping_mul(0x9E37_79B9).wrapping_add(seed) % 12;
        if r.is_multiple_of(3) {
            p.working_hours = Some(split_friday(
                ("08:00", "16:00"),
                [("08:30", "11:30"), ("13:30", "15:00")],
            ));
        }
        if r % 4 == 1 {
            let wh = p.working_hours.get_or_insert_with(Default::default);
            wh.overrides.push(pb::DateHours {
                from: "2026-03-02".into(),
                until: "2026-03-20".into(),
                spans: if r < 6 {
                    vec![span("10:00", "14:00")]
                } else {
                    vec![]
                },
            });
        }
        if r == 2 || r == 7 {
            p.available_from = "2026-02-16".into();
        }
        if r == 5 {
            p.available_until = "2026-05-31".into();
        }
    }
}

#[test]
fn random_split_days_overrides_and_windows_hold_day_by_day() {
    let mut checked = 0;
    for seed in 0..4 {
        let mut req = synth::generate(&SynthConfig {
            mentees: 12,
            mentors: 6,
            seed,
            max_capacity: 3,
        });
        vary_calendars(&mut req, seed);
        let p = policy(&mut req);
        p.programme_start = "2026-01-05".into();
        p.programme_end = "2026-06-28".into();
        p.bilateral_sessions = Some(pb::BilateralSessions {
            session_minutes: Some(60),
            slots_per_pair: Some(3),
            slot_step_minutes: Some(60),
        });
        let resp = solve_ok(&req);
        checked += check_every_slot(&req, &resp);
    }
    assert!(checked > 20, "only {checked} slots");
}
