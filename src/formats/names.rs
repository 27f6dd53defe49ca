//! The words the exports and the report share: who an id is, and the
//! response's enum values as coordinators read them.

use std::collections::BTreeMap;

use crate::wire::pb;

/// Who an id is: the profiles of a request, by id.
pub(crate) struct People<'a>(BTreeMap<&'a str, &'a pb::Profile>);

impl<'a> People<'a> {
    /// The profiles of `req`'s mentors and mentees.
    pub(crate) fn of(req: &'a pb::SolveRequest) -> Self {
        let profiles = req
            .mentors
            .iter()
            .filter_map(|m| m.profile.as_ref())
            .chain(req.mentees.iter().filter_map(|e| e.profile.as_ref()));
        People(profiles.map(|p| (p.id.as_str(), p)).collect())
    }

    /// The profile of `id`.
    pub(crate) fn get(&self, id: &str) -> Option<&'a pb::Profile> {
        self.0.get(id).copied()
    }

    /// The name of `id`, empty when unknown.
    pub(crate) fn name(&self, id: &str) -> &'a str {
        self.get(id).map_or("", |p| p.name.as_str())
    }

    /// The name of `id`, or the id when it has none.
    pub(crate) fn label<'b>(&self, id: &'b str) -> &'b str
    where
        'a: 'b,
    {
        match self.name(id) {
            "" => id,
            n => n,
        }
    }

    /// The (upper-case) country of `id`, empty when unknown.
    pub(crate) fn country(&self, id: &str) -> String {
        self.get(id)
            .map_or(String::new(), |p| p.country.trim().to_ascii_uppercase())
    }
}

/// An enum value's name in words: its prefix dropped, lower case, spaces.
fn words(name: &str, prefix: &str) -> String {
    name.trim_start_matches(prefix)
        .to_lowercase()
        .replace('_', " ")
}

/// A criterion's name (`CRITERION_TIME_ZONE` → `time zone`).
pub(crate) fn criterion(c: i32) -> String {
    let name = pb::Criterion::try_from(c).map_or("CRITERION_UNKNOWN", |c| c.as_str_name());
    words(name, "CRITERION_")
}

/// A status's name (`optimal`, `feasible`, `infeasible`).
pub(crate) fn status(s: i32) -> String {
    let name = pb::SolveStatus::try_from(s).map_or("", |s| s.as_str_name());
    words(name, "SOLVE_STATUS_")
}

/// An objective's name (`coverage then score`, `fair`, `score`, `stable`).
pub(crate) fn objective(o: i32) -> String {
    let name = pb::Objective::try_from(o).map_or("", |o| o.as_str_name());
    words(name, "OBJECTIVE_")
}

/// A hard rule's name (`same organization`, `overlap`).
pub(crate) fn rule(r: i32) -> String {
    let name = pb::HardRule::try_from(r).map_or("HARD_RULE_UNKNOWN", |r| r.as_str_name());
    words(name, "HARD_RULE_")
}

/// An unmatched mentee's reason (`no candidate`, `capacity`).
pub(crate) fn reason(r: i32) -> String {
    let name = pb::UnmatchedReason::try_from(r).map_or("", |r| r.as_str_name());
    words(name, "UNMATCHED_REASON_")
}

/// Why someone is outside a joint meeting (`day off`, `holiday`).
pub(crate) fn absence(r: i32) -> String {
    let name = pb::MeetingAbsence::try_from(r).map_or("", |r| r.as_str_name());
    words(name, "MEETING_ABSENCE_")
}

/// What a status means under an objective, in one sentence.
pub(crate) fn meaning(status: i32, objective: i32) -> &'static str {
    use pb::{Objective as O, SolveStatus as S};
    match (S::try_from(status), O::try_from(objective)) {
        (Ok(S::Optimal), Ok(O::Fair)) => {
            "proven optimal: no matching under these rules matches more mentees; at that \
             coverage none has a higher lowest pair score, and at that lowest score none a \
             higher total score"
        }
        (Ok(S::Optimal), Ok(O::Stable)) => {
            "stable: no mentee and mentor who are not paired would both rather be \
             together (preferences are the pair scores); see below what it gives up against \
             the coverage-then-score optimum"
        }
        (Ok(S::Optimal), Ok(O::Score)) => {
            "proven optimal: no matching under these rules has a higher total score, and \
             none with that total matches more mentees"
        }
        (Ok(S::Optimal), _) => {
            "proven optimal: no matching under these rules matches more mentees, and none \
             matching as many has a higher total score"
        }
        (Ok(S::Feasible), _) => {
            "the best matching found within the time limit; it keeps every rule but is not \
             proven optimal"
        }
        _ => "no matching keeps every rule of the request; see why below",
    }
}

/// A pair's weekly session slots in the mentor's zone, in the response's
/// order (each weekday's best slot, best first, then any second slot on a
/// day), with the weeks a slot misses: "sessions Europe/Madrid: Mon 14:00,
/// Tue 14:00 (17 of 18 weeks)". Empty when the pair has none. The table,
/// the report and the workbook all show these words.
pub fn session_slots(p: &pb::Pair) -> String {
    let Some(zone) = p.session_slots.first().and_then(|s| s.slot.as_ref()) else {
        return String::new();
    };
    let slots: Vec<String> = p
        .session_slots
        .iter()
        .filter_map(|s| {
            let slot = s.slot.as_ref()?;
            let day = crate::calendar::slots::weekday_name((slot.weekday - 1).clamp(0, 6) as u8);
            let weeks = if s.weeks_inside == s.weeks_total {
                String::new()
            } else {
                format!(" ({} of {} weeks)", s.weeks_inside, s.weeks_total)
            };
            Some(format!("{day} {}{weeks}", slot.start))
        })
        .collect();
    format!("sessions {}: {}", zone.time_zone, slots.join(", "))
}
