//! Joint meetings on the wire: `policy.joint_meetings` read into
//! [`JointMeetings`] (every violation named), and the meetings found
//! written as `SolveResponse.joint_meetings`.

use std::collections::BTreeMap;

use chrono::{Duration as ChronoDuration, NaiveDate, TimeZone};
use chrono_tz::Tz;

use super::fields::{date, opt_number, Checker, MAX_WEIGHT};
use super::policy::{session_minutes, slot_step};
use crate::explain::meetings::message;
use crate::model::{from_milli, to_milli, JointMeetings, Problem};
use crate::outcome::{Absence, Meeting, Person};
use crate::wire::pb;

/// Most meetings.
const MAX_MEETINGS: u32 = 24;

/// `policy.joint_meetings` over the programme `start..=end` for `people`
/// participants.
pub(super) fn joint_meetings(
    c: &mut Checker,
    j: &pb::JointMeetings,
    (start, end): (NaiveDate, NaiveDate),
    people: usize,
) -> JointMeetings {
    let f = |name: &str| format!("policy.joint_meetings.{name}");
    let tz = match j.time_zone.trim() {
        "" => Tz::UTC,
        z => z.parse::<Tz>().unwrap_or_else(|_| {
            c.bad(
                f("time_zone"),
                format!("{:?} is not an IANA time-zone name", j.time_zone),
            );
            Tz::UTC
        }),
    };
    let mut blackout: Vec<NaiveDate> = j
        .blackout_dates
        .iter()
        .enumerate()
        .filter_map(|(k, d)| date(c, &format!("{}[{k}]", f("blackout_dates")), d, ""))
        .collect();
    blackout.sort_unstable();
    blackout.dedup();
    let windows = if j.windows.is_empty() {
        equal_parts(c, j.count.unwrap_or(3), (start, end))
    } else {
        if j.count.is_some_and(|n| n as usize != j.windows.len()) {
            c.bad(
                f("count"),
                format!(
                    "{} meetings but {} windows: one meeting per window",
                    j.count.unwrap_or(0),
                    j.windows.len()
                ),
            );
        }
        windows(c, &j.windows, (start, end))
    };
    let step_min = slot_step(c, f("step_minutes"), j.step_minutes);
    for (k, &(a, b)) in windows.iter().enumerate() {
        let span = (b - a).num_days() + 1;
        let blacked = blackout.iter().filter(|&&d| a <= d && d <= b).count() as i64;
        let days = (span - blacked).max(0) as u64;
        let field = if j.windows.is_empty() {
            f("blackout_dates")
        } else {
            format!("{}[{k}]", f("windows"))
        };
        if days == 0 {
            c.bad(
                field,
                format!("every date from {a} to {b} is a blackout date"),
            );
            continue;
        }
        let checks = days * u64::from(1440 / step_min.max(1)) * people as u64;
        if checks > c.limits.max_meeting_checks {
            c.bad(
                f("step_minutes"),
                format!(
                    "{step_min}: {checks} checks (candidate starts from {a} to {b} × {people} \
                     people) exceed the limit of {}; take a longer step or shorter windows",
                    c.limits.max_meeting_checks
                ),
            );
        }
    }
    let weight = |c: &mut Checker, name: &str, v: Option<f64>| {
        to_milli(opt_number(c, &f(name), v, 1.0, 0.0, MAX_WEIGHT))
    };
    JointMeetings {
        minutes: session_minutes(c, f("minutes"), j.minutes, 90),
        windows,
        tz,
        step_min,
        blackout,
        holidays: holidays(c, &j.holidays),
        mentor_weight: weight(c, "mentor_weight", j.mentor_weight),
        mentee_weight: weight(c, "mentee_weight", j.mentee_weight),
    }
}

/// The programme in `count` parts of equal length (to a day).
fn equal_parts(
    c: &mut Checker,
    count: u32,
    (start, end): (NaiveDate, NaiveDate),
) -> Vec<(NaiveDate, NaiveDate)> {
    let days = (end - start).num_days() + 1;
    if !(1..=MAX_MEETINGS).contains(&count) || i64::from(count) > days {
        c.bad(
            "policy.joint_meetings.count",
            format!(
                "{count} is not between 1 and {MAX_MEETINGS} (and the programme's days, {days})"
            ),
        );
        return Vec::new();
    }
    let n = i64::from(count);
    (0..n)
        .map(|k| {
            let a = start + ChronoDuration::days(k * days / n);
            let b = start + ChronoDuration::days((k + 1) * days / n - 1);
            (a, b)
        })
        .collect()
}

/// Explicit windows: valid dates inside the programme, in order, apart.
fn windows(
    c: &mut Checker,
    list: &[pb::DateRange],
    (start, end): (NaiveDate, NaiveDate),
) -> Vec<(NaiveDate, NaiveDate)> {
    if list.len() > MAX_MEETINGS as usize {
        c.bad(
            "policy.joint_meetings.windows",
            format!("{} windows exceed the limit of {MAX_MEETINGS}", list.len()),
        );
        return Vec::new();
    }
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for (k, w) in list.iter().enumerate() {
        let at = format!("policy.joint_meetings.windows[{k}]");
        let (Some(a), Some(b)) = (
            date(c, &format!("{at}.from"), &w.from, ""),
            date(c, &format!("{at}.until"), &w.until, ""),
        ) else {
            continue;
        };
        if b < a {
            c.bad(format!("{at}.until"), format!("{b} is before from {a}"));
        } else if a < start || b > end {
            c.bad(
                at,
                format!("{a} to {b} is not within the programme ({start} to {end})"),
            );
        } else if out.last().is_some_and(|&(_, u)| a <= u) {
            c.bad(
                format!("{at}.from"),
                format!("{a} is not after the window before it: list windows in order, apart"),
            );
        } else {
            out.push((a, b));
        }
    }
    out
}

/// Holidays by upper-case country code, dates sorted.
fn holidays(c: &mut Checker, list: &[pb::CountryHolidays]) -> BTreeMap<String, Vec<NaiveDate>> {
    let mut out: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    for (k, h) in list.iter().enumerate() {
        let at = format!("policy.joint_meetings.holidays[{k}]");
        let country = h.country.trim().to_uppercase();
        if isocountry::CountryCode::for_alpha2(&country).is_err() {
            c.bad(
                format!("{at}.country"),
                format!("{:?} is not an ISO 3166-1 alpha-2 country code", h.country),
            );
            continue;
        }
        let dates = h
            .dates
            .iter()
            .enumerate()
            .filter_map(|(i, d)| date(c, &format!("{at}.dates[{i}]"), d, ""));
        out.entry(country).or_default().extend(dates);
    }
    for ds in out.values_mut() {
        ds.sort_unstable();
        ds.dedup();
    }
    out
}

/// `[t, t + len)` in `tz`: "Tue 2021-03-16 10:00–11:30" (`with_date`) or
/// "Tue 10:00–11:30".
fn local(tz: Tz, t: i64, len_s: i64, with_date: bool) -> String {
    let (Some(a), Some(b)) = (
        tz.timestamp_opt(t, 0).single(),
        tz.timestamp_opt(t + len_s, 0).single(),
    ) else {
        return String::new();
    };
    let day = if with_date {
        "%a %Y-%m-%d %H:%M"
    } else {
        "%a %H:%M"
    };
    format!("{}–{}", a.format(day), b.format("%H:%M"))
}

/// The meetings as the response gives them.
pub(crate) fn meetings_pb(
    problem: &Problem,
    cfg: &JointMeetings,
    found: &[Meeting],
) -> Vec<pb::JointMeeting> {
    let len_s = i64::from(cfg.minutes) * 60;
    let profile = |p: Person| match p {
        Person::Mentor(m) => &problem.mentors[m].profile,
        Person::Mentee(e) => &problem.mentees[e].profile,
    };
    let tz_of = |p: &crate::model::Profile| problem.schedules[p.schedule as usize].tz;
    let mut zones: Vec<Tz> = Vec::new();
    for p in problem
        .mentors
        .iter()
        .map(|m| &m.profile)
        .chain(problem.mentees.iter().map(|e| &e.profile))
    {
        if !zones.contains(&tz_of(p)) {
            zones.push(tz_of(p));
        }
    }
    found
        .iter()
        .map(|m| {
            let window = Some(pb::DateRange {
                from: m.window.0.to_string(),
                until: m.window.1.to_string(),
            });
            let mut out = pb::JointMeeting {
                window,
                minutes: cfg.minutes,
                time_zone: cfg.tz.name().into(),
                participants: m.participants as u32,
                weight_total: from_milli(m.total_weight),
                message: message(problem, m),
                ..Default::default()
            };
            let Some(b) = m.best else {
                return out;
            };
            if let Some(t) = cfg.tz.timestamp_opt(b.start, 0).single() {
                out.date = t.format("%Y-%m-%d").to_string();
                out.start = t.format("%H:%M").to_string();
            }
            out.start_utc = chrono::DateTime::from_timestamp(b.start, 0)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default();
            out.inside = (m.participants - m.outside.len()) as u32;
            out.weight_inside = from_milli(b.inside);
            out.candidates = b.candidates as u32;
            out.margin_minutes = (b.margin / 60) as u32;
            out.outside = m
                .outside
                .iter()
                .map(|a| {
                    let p = profile(a.person);
                    pb::MeetingOutside {
                        person_id: p.id.clone(),
                        mentor: matches!(a.person, Person::Mentor(_)),
                        reason: absence_pb(a.reason) as i32,
                        minutes_outside: a.minutes_outside,
                        local: local(tz_of(p), b.start, len_s, false),
                    }
                })
                .collect();
            out.local_times = zones
                .iter()
                .map(|&tz| pb::ZoneTime {
                    time_zone: tz.name().into(),
                    local: local(tz, b.start, len_s, true),
                })
                .collect();
            out
        })
        .collect()
}

fn absence_pb(a: Absence) -> pb::MeetingAbsence {
    match a {
        Absence::OutsideHours => pb::MeetingAbsence::OutsideHours,
        Absence::DayOff => pb::MeetingAbsence::DayOff,
        Absence::Holiday => pb::MeetingAbsence::Holiday,
        Absence::NotTakingPart => pb::MeetingAbsence::NotTakingPart,
    }
}
