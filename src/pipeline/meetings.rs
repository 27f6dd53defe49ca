//! The joint meetings: everyone's working intervals (holidays taken out)
//! grouped by schedule and country, each window searched over every
//! candidate start (`calendar::meetings`), and who is outside at the best
//! start, and why.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone};

use crate::calendar::meetings::{best, candidates, inside_seconds, Group};
use crate::calendar::overlap::{intervals, local_to_utc};
use crate::calendar::Period;
use crate::error::Error;
use crate::model::{JointMeetings, Milli, Problem, Profile};
use crate::outcome::{Absence, Absent, Meeting, Person};

/// Everyone with their profile and weight, mentors first.
fn people<'p>(problem: &'p Problem, cfg: &JointMeetings) -> Vec<(Person, &'p Profile, Milli)> {
    let mentors = problem
        .mentors
        .iter()
        .enumerate()
        .map(|(m, x)| (Person::Mentor(m), &x.profile, cfg.mentor_weight));
    let mentees = problem
        .mentees
        .iter()
        .enumerate()
        .map(|(e, x)| (Person::Mentee(e), &x.profile, cfg.mentee_weight));
    mentors.chain(mentees).collect()
}

/// The meetings, one per window; `stop` ends the search early (an
/// `Error::TimeLimit` the caller words).
pub(super) fn schedule(
    problem: &Problem,
    cfg: &JointMeetings,
    stop: &dyn Fn() -> bool,
) -> Result<Vec<Meeting>, Error> {
    let (Some(first), Some(last)) = (cfg.windows.first(), cfg.windows.last()) else {
        return Ok(Vec::new());
    };
    let period = Period::padded(first.0, last.1.succ_opt().unwrap_or(last.1));
    let people = people(problem, cfg);
    // (schedule, country's holidays) → group; each person's group.
    let mut index: BTreeMap<(u32, Option<&str>), usize> = BTreeMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of = Vec::with_capacity(people.len());
    for &(_, p, w) in &people {
        let country = cfg
            .holidays
            .contains_key(&p.country)
            .then_some(p.country.as_str());
        let g = *index.entry((p.schedule, country)).or_insert_with(|| {
            let s = &problem.schedules[p.schedule as usize];
            let mut work = intervals(s, &period);
            if let Some(c) = country {
                let days: Vec<(i64, i64)> = cfg.holidays[c]
                    .iter()
                    .filter_map(|&d| local_day(s.tz, d))
                    .collect();
                work = subtract(&work, &days);
            }
            groups.push(Group { work, weight: 0 });
            groups.len() - 1
        });
        groups[g].weight += w;
        group_of.push(g);
    }
    let len_s = i64::from(cfg.minutes) * 60;
    let total_weight = people.iter().map(|x| x.2).sum();
    let mut out = Vec::with_capacity(cfg.windows.len());
    for &window in &cfg.windows {
        let starts = candidates(cfg.tz, window, cfg.step_min, &cfg.blackout);
        let found = best(&starts, len_s, &groups, stop);
        if found.is_none() && !starts.is_empty() {
            return Err(Error::TimeLimit(std::time::Duration::ZERO));
        }
        let outside = found.map_or_else(Vec::new, |b| {
            people
                .iter()
                .zip(&group_of)
                .filter_map(|(&(person, p, _), &g)| {
                    let inside = inside_seconds(&groups[g].work, b.start, len_s);
                    (inside < len_s).then(|| Absent {
                        person,
                        reason: absence(problem, cfg, p, b.start),
                        minutes_outside: ((len_s - inside) / 60) as u32,
                    })
                })
                .collect()
        });
        out.push(Meeting {
            window,
            best: found,
            participants: people.len(),
            total_weight,
            outside,
        });
    }
    Ok(out)
}

/// A local date in `tz` as UTC seconds `[00:00, next 00:00)`.
fn local_day(tz: chrono_tz::Tz, d: NaiveDate) -> Option<(i64, i64)> {
    Some((local_to_utc(tz, d, 0)?, local_to_utc(tz, d, 1440)?))
}

/// `work` without the (sorted) ranges `cut`.
fn subtract(work: &[(i64, i64)], cut: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(work.len());
    for &(mut a, b) in work {
        for &(x, y) in cut {
            if x >= b || y <= a {
                continue;
            }
            if x > a {
                out.push((a, x));
            }
            a = y;
        }
        if a < b {
            out.push((a, b));
        }
    }
    out
}

/// Why a person is outside their hours at a meeting starting at `t`
/// (their local date of the start decides).
fn absence(problem: &Problem, cfg: &JointMeetings, p: &Profile, t: i64) -> Absence {
    let s = &problem.schedules[p.schedule as usize];
    let Some(date) = s.tz.timestamp_opt(t, 0).single().map(|d| d.date_naive()) else {
        return Absence::OutsideHours;
    };
    if !s.available.contains(date) {
        Absence::NotTakingPart
    } else if cfg
        .holidays
        .get(&p.country)
        .is_some_and(|ds| ds.binary_search(&date).is_ok())
    {
        Absence::Holiday
    } else if s.hours.on(date).is_empty() {
        Absence::DayOff
    } else {
        Absence::OutsideHours
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holidays_cut_the_intervals_they_cross() {
        let work = [(0, 10), (20, 30), (40, 50)];
        assert_eq!(subtract(&work, &[(5, 25)]), [(0, 5), (25, 30), (40, 50)]);
        assert_eq!(subtract(&work, &[(0, 60)]), []);
        assert_eq!(
            subtract(&work, &[(42, 44), (46, 48)]),
            [(0, 10), (20, 30), (40, 42), (44, 46), (48, 50)]
        );
    }
}
