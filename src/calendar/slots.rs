//! Weekly group-session slots, DST-aware.
//!
//! A slot is a weekday and a start time in the policy's slot zone, with a
//! fixed length. It suits a schedule when, on **every** date of that weekday
//! in the programme that the person takes part (their availability window),
//! the session's UTC interval lies inside one of the
//! schedule's working intervals (see [`super::overlap::intervals`]), so a
//! slot that slides out of someone's hours after a clock change (Morocco's
//! Ramadan offset, Egypt's summer time) does not suit them.
//!
//! Slots that suit exactly the same schedules form a *class*; the MILP only
//! chooses a class per group, and the class's earliest slot is reported.

use chrono::{Datelike, Duration as ChronoDuration, NaiveDate, TimeZone};
use chrono_tz::Tz;

use super::overlap::{intervals, local_to_utc, takes_part, Period};
use crate::model::Schedule;

/// A weekly slot in the slot zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Slot {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    /// Minutes after local midnight in the slot zone.
    pub start_min: u16,
}

/// Slots that suit the same set of schedules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SlotClass {
    /// Earliest slot of the class (weekday, then time).
    pub slot: Slot,
    /// Whether the class suits each schedule, by schedule index.
    pub suits: Vec<bool>,
}

/// UTC instants (seconds) of every occurrence of `slot` in the period.
pub(crate) fn occurrences(slot: Slot, tz: Tz, start: NaiveDate, end: NaiveDate) -> Vec<i64> {
    let mut out = Vec::new();
    let target = slot.weekday as u32;
    let mut d = start;
    while d.weekday().num_days_from_monday() != target {
        match d.succ_opt() {
            Some(n) => d = n,
            None => return out,
        }
    }
    while d <= end {
        if let Some(t) = local_to_utc(tz, d, slot.start_min) {
            out.push(t);
        }
        match d.checked_add_signed(ChronoDuration::days(7)) {
            Some(n) => d = n,
            None => break,
        }
    }
    out
}

/// Seconds between session `[t, t + len)` and the nearer end of the
/// working interval (sorted, disjoint) holding it, or `None` when no
/// interval holds it.
pub(crate) fn room(work: &[(i64, i64)], t: i64, len_s: i64) -> Option<i64> {
    let k = work.partition_point(|&(a, _)| a <= t);
    let (a, b) = *work.get(k.checked_sub(1)?)?;
    (b >= t + len_s).then(|| (t - a).min(b - t - len_s))
}

/// Whether a slot whose occurrences are `occ` suits a schedule: every
/// occurrence on a date the person takes part is inside their hours, and
/// there is one.
fn suits(s: &Schedule, occ: &[i64], len_s: i64, work: &[(i64, i64)]) -> bool {
    let mut theirs = occ.iter().copied().filter(|&t| takes_part(s, t)).peekable();
    theirs.peek().is_some() && theirs.all(|t| room(work, t, len_s).is_some())
}

/// Classes of slots over the schedules flagged in `used`; a class that suits
/// no schedule in `used` is dropped. Classes are ordered by their slot.
pub(crate) fn classes(
    schedules: &[Schedule],
    used: &[bool],
    tz: Tz,
    step_min: u32,
    session_min: u32,
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<SlotClass> {
    let period = Period::padded(start, end);
    let work: Vec<Vec<(i64, i64)>> = schedules
        .iter()
        .zip(used)
        .map(|(s, &u)| if u { intervals(s, &period) } else { Vec::new() })
        .collect();
    let len_s = i64::from(session_min) * 60;
    let mut out: Vec<SlotClass> = Vec::new();
    for weekday in 0..7u8 {
        let mut start_min = 0u32;
        while start_min < 1440 {
            let slot = Slot {
                weekday,
                start_min: start_min as u16,
            };
            start_min += step_min.max(1);
            let occ = occurrences(slot, tz, start, end);
            if occ.is_empty() {
                continue;
            }
            let suits: Vec<bool> = (0..schedules.len())
                .map(|k| used[k] && suits(&schedules[k], &occ, len_s, &work[k]))
                .collect();
            if suits.iter().any(|&b| b) && !out.iter().any(|c| c.suits == suits) {
                out.push(SlotClass { slot, suits });
            }
        }
    }
    out
}

/// Weekday name, "Mon" … "Sun".
pub(crate) fn weekday_name(w: u8) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][(w % 7) as usize]
}

/// The distinct local times of the occurrences in zone `tz`, e.g.
/// `"Tue 10:00–11:30 (from 2021-01-26)"`.
pub(crate) fn local_times(occurrences: &[i64], len_s: i64, tz: Tz) -> Vec<String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for &t in occurrences {
        let (Some(a), Some(b)) = (
            tz.timestamp_opt(t, 0).single(),
            tz.timestamp_opt(t + len_s, 0).single(),
        ) else {
            continue;
        };
        let wd = weekday_name(a.weekday().num_days_from_monday() as u8);
        let label = format!("{wd} {}–{}", a.format("%H:%M"), b.format("%H:%M"));
        if out.last().is_none_or(|(l, _)| *l != label) {
            out.push((label, a.format("%Y-%m-%d").to_string()));
        }
    }
    out.into_iter()
        .map(|(l, from)| format!("{l} (from {from})"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether every session `[t, t + len)` lies inside one of the sorted intervals.
    fn inside(sessions: &[i64], len_s: i64, work: &[(i64, i64)]) -> bool {
        sessions.iter().all(|&t| room(work, t, len_s).is_some())
    }
    use crate::model::Hours;

    fn sched(tz: &str, start_h: u16, end_h: u16) -> Schedule {
        Schedule::new(
            tz.parse().unwrap(),
            Hours::weekly(start_h * 60, end_h * 60, 0b001_1111),
        )
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ramadan_moves_a_utc_slot_out_of_casablanca_hours() {
        // 08:00–09:00 UTC is 09:00–10:00 in Casablanca (UTC+1) but 08:00–09:00
        // during Ramadan 2021 (UTC+0), before a 09:00 start.
        let casa = sched("Africa/Casablanca", 9, 17);
        let slot = Slot {
            weekday: 1,
            start_min: 8 * 60,
        };
        let period = Period::new(d("2021-01-01"), d("2021-12-31"));
        let work = intervals(&casa, &period);
        let march = occurrences(slot, Tz::UTC, d("2021-03-01"), d("2021-03-31"));
        assert!(inside(&march, 3600, &work));
        let spring = occurrences(slot, Tz::UTC, d("2021-03-01"), d("2021-05-31"));
        assert!(!inside(&spring, 3600, &work));
    }

    #[test]
    fn occurrences_follow_the_slot_zone() {
        // Tuesdays 10:00 Madrid: 09:00 UTC in winter, 08:00 UTC in summer.
        let slot = Slot {
            weekday: 1,
            start_min: 600,
        };
        let occ = occurrences(
            slot,
            "Europe/Madrid".parse().unwrap(),
            d("2021-03-20"),
            d("2021-04-10"),
        );
        let hours: Vec<i64> = occ.iter().map(|t| t.rem_euclid(86_400) / 3600).collect();
        assert_eq!(hours, vec![9, 8, 8]);
        let local = local_times(&occ, 5400, "Africa/Casablanca".parse().unwrap());
        assert_eq!(
            local,
            vec![
                "Tue 10:00–11:30 (from 2021-03-23)".to_string(),
                "Tue 09:00–10:30 (from 2021-03-30)".to_string()
            ]
        );
    }

    #[test]
    fn classes_group_equivalent_slots() {
        let s = vec![sched("Europe/Madrid", 9, 18), sched("Asia/Amman", 9, 18)];
        let cs = classes(
            &s,
            &[true, true],
            Tz::UTC,
            60,
            60,
            d("2021-01-20"),
            d("2021-03-20"),
        );
        // Some class suits both, some only one; no class twice.
        assert!(cs.iter().any(|c| c.suits == vec![true, true]));
        assert!(cs.iter().any(|c| c.suits == vec![true, false]));
        assert!(cs.iter().any(|c| c.suits == vec![false, true]));
        for (i, a) in cs.iter().enumerate() {
            assert!(cs[i + 1..].iter().all(|b| b.suits != a.suits));
        }
    }
}
