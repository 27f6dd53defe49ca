//! A joint meeting in words: how many are inside their hours, and who is
//! not, and why.

use super::words::id_list;
use crate::model::Problem;
use crate::outcome::{Absence, Meeting, Person};

/// "24 of 26 inside their working hours; outside: m-fr-x (day off),
/// e-jo-y (30 min outside their hours)".
pub(crate) fn message(problem: &Problem, m: &Meeting) -> String {
    let (a, b) = m.window;
    if m.best.is_none() {
        return format!("no candidate start from {a} to {b}");
    }
    let inside = m.participants - m.outside.len();
    let mut s = format!(
        "{inside} of {} inside their working hours for the whole meeting",
        m.participants
    );
    if m.outside.is_empty() {
        return s;
    }
    let who = m.outside.iter().map(|x| {
        let id = match x.person {
            Person::Mentor(i) => &problem.mentors[i].profile.id,
            Person::Mentee(i) => &problem.mentees[i].profile.id,
        };
        let why = match x.reason {
            Absence::OutsideHours => format!("{} min outside their hours", x.minutes_outside),
            Absence::DayOff => "day off".into(),
            Absence::Holiday => "public holiday".into(),
            Absence::NotTakingPart => "not taking part then".into(),
        };
        format!("{id} ({why})")
    });
    s.push_str(&format!("; outside: {}", id_list(who)));
    s
}
