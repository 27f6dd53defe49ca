//! Weekly overlap of working hours, DST-aware.
//!
//! Each schedule (IANA zone + local hours + working days) is laid out day by
//! day over the programme as UTC intervals, using the IANA database through
//! `chrono-tz`, so offset changes (summer time, Morocco's Ramadan offset)
//! move the intervals on the days they happen. Two schedules' overlap is
//! summed per week of the programme (7-day blocks from the first day, 00:00
//! UTC). We report the worst full week (used by the hard rule and the score)
//! and the mean per week.

use crate::model::{Schedule, Window};
use chrono::{Duration as ChronoDuration, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

const DAY_S: i64 = 86_400;
const WEEK_S: i64 = 7 * DAY_S;

/// Overlap of two schedules over the programme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Overlap {
    /// Overlapping minutes in the worst full week (or the whole period
    /// scaled to a week when it is shorter than a week).
    pub min_week_min: u32,
    /// Mean overlapping minutes per week.
    pub mean_week_min: f64,
    /// Full weeks of the programme in which both take part (the overlap
    /// rule's worst week is among them).
    pub shared_weeks: u32,
}

/// The programme period as UTC seconds, split in weeks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Period {
    start: NaiveDate,
    end: NaiveDate,
    t0: i64,
    t1: i64,
}

impl Period {
    /// `start..=end` widened by a day either side, so that the working
    /// intervals of sessions near the ends are whole.
    pub(crate) fn padded(start: NaiveDate, end: NaiveDate) -> Self {
        Period::new(
            start.pred_opt().unwrap_or(start),
            end.succ_opt().unwrap_or(end),
        )
    }

    /// From the first to the last day, inclusive (`end >= start`).
    pub(crate) fn new(start: NaiveDate, end: NaiveDate) -> Self {
        let t0 = start
            .and_hms_opt(0, 0, 0)
            .map_or(0, |d| d.and_utc().timestamp());
        let days = (end - start).num_days().max(0) + 1;
        Period {
            start,
            end,
            t0,
            t1: t0 + days * DAY_S,
        }
    }

    fn days(&self) -> i64 {
        (self.t1 - self.t0) / DAY_S
    }

    /// Whole weeks from the first day (the last, shorter one aside).
    pub(crate) fn full_weeks(&self) -> usize {
        (self.days() / 7) as usize
    }

    fn buckets(&self) -> usize {
        ((self.t1 - self.t0 + WEEK_S - 1) / WEEK_S) as usize
    }
}

/// UTC working intervals `[a, b)` of a schedule over a period: each local
/// date's own hours (its weekday's, or an override's) on the dates the
/// person takes part; sorted, and merged where they touch (a split day's
/// parts that meet, a night across midnight).
pub(crate) fn intervals(s: &Schedule, period: &Period) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    // One day either side: a local day can fall partly inside the UTC window.
    let mut day = period.start.pred_opt().unwrap_or(period.start);
    let last = period.end.succ_opt().unwrap_or(period.end);
    while day <= last {
        if s.available.contains(day) {
            for &(start, end) in s.hours.on(day) {
                let (Some(a), Some(b)) =
                    (local_to_utc(s.tz, day, start), local_to_utc(s.tz, day, end))
                else {
                    continue;
                };
                let (a, b) = (a.max(period.t0), b.min(period.t1));
                match out.last_mut() {
                    _ if a >= b => {}
                    Some(prev) if prev.1 >= a => prev.1 = prev.1.max(b),
                    _ => out.push((a, b)),
                }
            }
        }
        match day.succ_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
    out
}

/// Whether the instant `t` (UTC seconds) falls on a local date the person
/// takes part.
pub(crate) fn takes_part(s: &Schedule, t: i64) -> bool {
    s.available == Window::ALWAYS
        || s.tz
            .timestamp_opt(t, 0)
            .single()
            .is_some_and(|d| s.available.contains(d.date_naive()))
}

/// Local wall time `minutes` after midnight of `day` in zone `tz`, as UTC
/// seconds. Ambiguous times take the earlier instant; times in a
/// spring-forward gap move forward in 30-minute steps to a valid one.
pub(crate) fn local_to_utc(tz: Tz, day: NaiveDate, minutes: u16) -> Option<i64> {
    let base: NaiveDateTime = day.and_hms_opt(0, 0, 0)?;
    let mut t = base + ChronoDuration::minutes(i64::from(minutes));
    for _ in 0..=8 {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(dt) => return Some(dt.timestamp()),
            LocalResult::Ambiguous(a, _) => return Some(a.timestamp()),
            LocalResult::None => t += ChronoDuration::minutes(30),
        }
    }
    None
}

/// Overlap of two interval lists over a period, counting only the weeks
/// (the mean: the days) inside `shared`, the dates both take part.
pub(crate) fn overlap(
    a: &[(i64, i64)],
    b: &[(i64, i64)],
    shared: &Window,
    period: &Period,
) -> Overlap {
    let mut weeks = vec![0i64; period.buckets().max(1)];
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let lo = a[i].0.max(b[j].0);
        let hi = a[i].1.min(b[j].1);
        let mut t = lo;
        while t < hi {
            let w = ((t - period.t0) / WEEK_S) as usize;
            let week_end = period.t0 + (w as i64 + 1) * WEEK_S;
            let stop = hi.min(week_end);
            if let Some(slot) = weeks.get_mut(w) {
                *slot += stop - t;
            }
            t = stop;
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    let total: i64 = weeks.iter().sum();
    let shared_days = shared
        .clip(period.start, period.end)
        .map_or(0, |(a, b)| (b - a).num_days() + 1);
    let mean_week_min = match shared_days {
        0 => 0.0,
        n => total as f64 / 60.0 / (n as f64 / 7.0),
    };
    let in_shared = |w: usize| {
        let first = period.start + ChronoDuration::days(7 * w as i64);
        shared.contains(first) && shared.contains(first + ChronoDuration::days(6))
    };
    let full: Vec<usize> = (0..period.full_weeks()).filter(|&w| in_shared(w)).collect();
    let min_week_min = if period.full_weeks() == 0 {
        mean_week_min.floor() as u32
    } else {
        (full.iter().map(|&w| weeks[w]).min().unwrap_or(0) / 60) as u32
    };
    Overlap {
        min_week_min,
        mean_week_min,
        shared_weeks: full.len() as u32,
    }
}

/// Overlaps between every mentor schedule and every mentee schedule in use.
///
/// Rows are the distinct schedules used by mentors, columns those used by
/// mentees; cost is one interval merge (linear in the programme's days) per
/// cell, so it grows with the number of distinct schedules, not of people.
#[derive(Debug, Clone)]
pub(crate) struct OverlapTable {
    /// Row of each schedule (`u32::MAX`: not used by a mentor).
    row: Vec<u32>,
    /// Column of each schedule (`u32::MAX`: not used by a mentee).
    col: Vec<u32>,
    width: usize,
    cells: Vec<Overlap>,
}

impl OverlapTable {
    /// Builds the table over `period` for the schedules flagged as used by a
    /// mentor (`mentor_used`) and by a mentee (`mentee_used`).
    pub(crate) fn new(
        schedules: &[Schedule],
        mentor_used: &[bool],
        mentee_used: &[bool],
        period: &Period,
    ) -> Self {
        let dense = |used: &[bool]| {
            let mut next = 0u32;
            used.iter()
                .map(|&u| {
                    if u {
                        next += 1;
                        next - 1
                    } else {
                        u32::MAX
                    }
                })
                .collect::<Vec<u32>>()
        };
        let (row, col) = (dense(mentor_used), dense(mentee_used));
        let layouts: Vec<Vec<(i64, i64)>> = schedules
            .iter()
            .enumerate()
            .map(|(k, s)| {
                if mentor_used[k] || mentee_used[k] {
                    intervals(s, period)
                } else {
                    Vec::new()
                }
            })
            .collect();
        let width = mentee_used.iter().filter(|&&u| u).count();
        let mut cells = Vec::with_capacity(width * mentor_used.iter().filter(|&&u| u).count());
        for m in (0..schedules.len()).filter(|&k| mentor_used[k]) {
            for e in (0..schedules.len()).filter(|&k| mentee_used[k]) {
                let shared = schedules[m].available.and(&schedules[e].available);
                cells.push(overlap(&layouts[m], &layouts[e], &shared, period));
            }
        }
        OverlapTable {
            row,
            col,
            width,
            cells,
        }
    }

    /// Overlap between a mentor's schedule and a mentee's schedule; both
    /// must have been flagged as used when the table was built.
    pub(crate) fn get(&self, mentor_schedule: u32, mentee_schedule: u32) -> Overlap {
        let r = self.row[mentor_schedule as usize] as usize;
        let c = self.col[mentee_schedule as usize] as usize;
        self.cells[r * self.width + c]
    }
}

/// Parses "HH:MM" (00:00–24:00) to minutes after midnight.
pub(crate) fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

/// Minutes as hours, rounded to 0.01 h (as responses report overlaps).
pub(crate) fn round_hours(min: f64) -> f64 {
    (min / 60.0 * 100.0).round() / 100.0
}

/// Formats minutes after midnight as "HH:MM".
pub(crate) fn format_hhmm(min: u16) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Hours;
    use chrono_tz::Tz;

    fn sched(tz: &str, start: u16, end: u16) -> Schedule {
        Schedule::new(
            tz.parse::<Tz>().unwrap(),
            Hours::weekly(start * 60, end * 60, 0b001_1111),
        )
    }

    fn pair(a: &Schedule, b: &Schedule, from: &str, to: &str) -> Overlap {
        let p = Period::new(from.parse().unwrap(), to.parse().unwrap());
        let shared = a.available.and(&b.available);
        overlap(&intervals(a, &p), &intervals(b, &p), &shared, &p)
    }

    #[test]
    fn same_zone_same_hours_overlap_fully() {
        let a = sched("Europe/Madrid", 9, 18);
        let o = pair(&a, &a, "2021-01-04", "2021-01-31");
        assert_eq!(o.min_week_min, 45 * 60);
        assert!((o.mean_week_min - 45.0 * 60.0).abs() < 1e-9);
    }

    #[test]
    fn disjoint_hours_do_not_overlap() {
        let a = sched("UTC", 9, 12);
        let b = sched("UTC", 13, 17);
        assert_eq!(pair(&a, &b, "2021-03-01", "2021-03-28").min_week_min, 0);
    }

    #[test]
    fn morocco_ramadan_offset_changes_overlap() {
        // Casablanca is UTC+1 but UTC+0 during Ramadan (2021: 11 April – 16 May).
        // Against a UTC 08:00–09:00 window, 09:00 Casablanca is 08:00 UTC normally
        // (one hour overlap a day) and 09:00 UTC during Ramadan (none).
        let casa = sched("Africa/Casablanca", 9, 10);
        let utc = sched("UTC", 8, 9);
        let before = pair(&casa, &utc, "2021-03-01", "2021-03-28");
        let during = pair(&casa, &utc, "2021-04-19", "2021-05-09");
        assert_eq!(before.min_week_min, 5 * 60);
        assert_eq!(during.min_week_min, 0);
        // Over the whole spring, the worst week is the Ramadan one.
        assert_eq!(
            pair(&casa, &utc, "2021-03-01", "2021-05-30").min_week_min,
            0
        );
    }

    #[test]
    fn egypt_summer_time_since_2023() {
        // Cairo is UTC+2 in winter and UTC+3 in summer from 2023 (not in 2022).
        let cairo = sched("Africa/Cairo", 9, 10);
        let utc = sched("UTC", 7, 8);
        assert_eq!(
            pair(&cairo, &utc, "2022-07-04", "2022-07-31").min_week_min,
            300
        );
        assert_eq!(
            pair(&cairo, &utc, "2023-07-03", "2023-07-30").min_week_min,
            0
        );
        let utc6 = sched("UTC", 6, 7);
        assert_eq!(
            pair(&cairo, &utc6, "2023-07-03", "2023-07-30").min_week_min,
            300
        );
        assert_eq!(
            pair(&cairo, &utc6, "2022-07-04", "2022-07-31").min_week_min,
            0
        );
    }

    #[test]
    fn madrid_amman_overlap_over_programme() {
        // 2021: Madrid UTC+1/+2, Amman UTC+2/+3, one hour apart, except
        // between Jordan's switch (Friday 26 March) and Spain's (Sunday 28
        // March): on that Friday they are two hours apart, so that week has
        // 4 × 8 h + 7 h = 39 h instead of 40 h.
        let madrid = sched("Europe/Madrid", 9, 18);
        let amman = sched("Asia/Amman", 9, 18);
        let o = pair(&madrid, &amman, "2021-01-20", "2021-10-31");
        assert_eq!(o.min_week_min, 39 * 60);
        assert!(o.mean_week_min > 39.0 * 60.0 && o.mean_week_min < 40.0 * 60.0);
    }

    #[test]
    fn split_days_count_each_part_and_touching_parts_join() {
        let mut a = sched("UTC", 9, 18);
        a.hours.week[4] = vec![(9 * 60, 12 * 60), (12 * 60, 13 * 60), (15 * 60, 17 * 60)];
        let p = Period::new("2021-03-01".parse().unwrap(), "2021-03-07".parse().unwrap());
        let iv = intervals(&a, &p);
        assert_eq!(iv.len(), 6);
        assert_eq!(iv[4].1 - iv[4].0, 4 * 3600);
        // 4 × 9 h + 4 h + 2 h.
        assert_eq!(
            pair(&a, &a, "2021-03-01", "2021-03-28").min_week_min,
            42 * 60
        );
    }

    #[test]
    fn only_weeks_both_take_part_count() {
        let a = sched("UTC", 9, 18);
        let mut b = a.clone();
        b.available.from = Some("2021-03-10".parse().unwrap());
        // Weeks from Monday 1 March: b joins on Wednesday of the second, so
        // the last two are shared, and their worst week is a whole one.
        let o = pair(&a, &b, "2021-03-01", "2021-03-28");
        assert_eq!(o.shared_weeks, 2);
        assert_eq!(o.min_week_min, 45 * 60);
        b.available.until = Some("2021-03-05".parse().unwrap());
        let none = pair(&a, &b, "2021-03-01", "2021-03-28");
        assert_eq!((none.shared_weeks, none.min_week_min), (0, 0));
    }

    #[test]
    fn hhmm_round_trip() {
        assert_eq!(parse_hhmm("09:30"), Some(570));
        assert_eq!(parse_hhmm("24:00"), Some(1440));
        assert_eq!(parse_hhmm("24:01"), None);
        assert_eq!(parse_hhmm("9:30"), None);
        assert_eq!(parse_hhmm("12:60"), None);
        assert_eq!(format_hhmm(570), "09:30");
    }
}
