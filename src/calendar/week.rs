//! Two schedules' working hours as UTC weeks, split where clock changes
//! move them.
//!
//! The programme is laid out in calendar weeks (Monday 00:00 UTC to the next
//! Monday), from the week of its first day to the week of its last, each
//! week whole (a programme starting on a Wednesday still shows that week's
//! Monday). Consecutive weeks in which both schedules work at the same UTC
//! times form one [`WeekPattern`]; a clock change in either zone (summer
//! time, Morocco's Ramadan offset, Egypt's summer time) starts a new one.

use chrono::{Datelike, Duration as ChronoDuration, NaiveDate};

use super::overlap::{intervals, Period};
use crate::model::Schedule;

const WEEK_MIN: i64 = 7 * 24 * 60;

/// Minutes after Monday 00:00 UTC, `[start, end)`, sorted and disjoint.
pub(crate) type WeekIntervals = Vec<(u32, u32)>;

/// Consecutive calendar weeks in which two schedules work at the same UTC
/// times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WeekPattern {
    /// Monday of the first week.
    pub first_monday: NaiveDate,
    /// Number of consecutive weeks.
    pub weeks: u32,
    /// The first schedule's working time.
    pub a: WeekIntervals,
    /// The second schedule's working time.
    pub b: WeekIntervals,
    /// Where both work.
    pub both: WeekIntervals,
}

impl WeekPattern {
    /// Minutes a week in which both work.
    pub(crate) fn both_minutes(&self) -> u32 {
        self.both.iter().map(|&(s, e)| e - s).sum()
    }
}

/// The weeks of `start..=end` as patterns of `a` and `b` (`end >= start`).
pub(crate) fn week_patterns(
    a: &Schedule,
    b: &Schedule,
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<WeekPattern> {
    let monday =
        |d: NaiveDate| d - ChronoDuration::days(i64::from(d.weekday().num_days_from_monday()));
    let (first, last) = (monday(start), monday(end));
    // A week either side, so that no interval of a shown week is clipped by
    // the laid-out period (a zone far east starts Monday on Sunday UTC).
    let before = first - ChronoDuration::days(7);
    let after = last + ChronoDuration::days(13);
    let period = Period::new(before, after);
    let (la, lb) = (intervals(a, &period), intervals(b, &period));
    let mut out: Vec<WeekPattern> = Vec::new();
    let mut week = first;
    while week <= last {
        let w0 = minutes(week);
        let wa = within(&la, w0);
        let wb = within(&lb, w0);
        match out.last_mut() {
            Some(p) if p.a == wa && p.b == wb => p.weeks += 1,
            _ => {
                let both = intersect(&wa, &wb);
                out.push(WeekPattern {
                    first_monday: week,
                    weeks: 1,
                    a: wa,
                    b: wb,
                    both,
                });
            }
        }
        week += ChronoDuration::days(7);
    }
    out
}

/// Minutes since the epoch of a date's 00:00 UTC.
fn minutes(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp() / 60)
}

/// The parts of UTC intervals (seconds) inside the week starting at minute
/// `w0`, as minutes after it.
fn within(intervals: &[(i64, i64)], w0: i64) -> WeekIntervals {
    let mut out: WeekIntervals = Vec::new();
    for &(s, e) in intervals {
        let (s, e) = ((s / 60 - w0).max(0), (e / 60 - w0).min(WEEK_MIN));
        if s >= e {
            continue;
        }
        let (s, e) = (s as u32, e as u32);
        match out.last_mut() {
            Some(last) if last.1 >= s => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Where two sorted, disjoint interval lists meet.
fn intersect(a: &[(u32, u32)], b: &[(u32, u32)]) -> WeekIntervals {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        let (s, e) = (a[i].0.max(b[j].0), a[i].1.min(b[j].1));
        if s < e {
            out.push((s, e));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Hours;
    use chrono_tz::Tz;

    fn sched(tz: &str, start_h: u16, end_h: u16, days: u8) -> Schedule {
        Schedule::new(
            tz.parse::<Tz>().unwrap(),
            Hours::weekly(start_h * 60, end_h * 60, days),
        )
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ramadan_2021_moves_casablanca_an_hour_for_its_weeks() {
        // Morocco is UTC+1 all year except Ramadan 2021 (11 April – 16 May,
        // UTC+0); Madrid is UTC+1 in winter and UTC+2 from 28 March.
        let madrid = sched("Europe/Madrid", 9, 18, 0b001_1111);
        let casa = sched("Africa/Casablanca", 9, 18, 0b001_1111);
        let weeks = week_patterns(&madrid, &casa, d("2021-03-01"), d("2021-06-30"));
        let starts: Vec<String> = weeks.iter().map(|w| w.first_monday.to_string()).collect();
        // The changes of 28 March, 11 April and 16 May fall on Sundays, off
        // both schedules' days: each starts a new pattern on the Monday after.
        assert_eq!(
            starts,
            ["2021-03-01", "2021-03-29", "2021-04-12", "2021-05-17"]
        );
        let hours: Vec<u32> = weeks.iter().map(|w| w.both_minutes() / 60).collect();
        // Same offset: 45 h; one hour apart: 40 h; two hours apart: 35 h.
        assert_eq!(hours, [45, 40, 35, 40]);
        // Monday in Madrid's summer: 07:00–16:00 UTC; Ramadan Casablanca 09:00–18:00 UTC.
        assert_eq!(weeks[2].a[0], (7 * 60, 16 * 60));
        assert_eq!(weeks[2].b[0], (9 * 60, 18 * 60));
        assert_eq!(weeks[2].both[0], (9 * 60, 16 * 60));
        assert_eq!(weeks.iter().map(|w| w.weeks).sum::<u32>(), 18);
    }

    #[test]
    fn a_change_on_a_working_day_is_its_own_week() {
        // Egypt's summer time began on Friday 28 April 2023 at 00:00; a
        // Friday worker's week of the change differs from the weeks around it.
        let cairo = sched("Africa/Cairo", 9, 17, 0b111_1111);
        let utc = sched("UTC", 0, 24, 0b111_1111);
        let weeks = week_patterns(&cairo, &utc, d("2023-04-17"), d("2023-05-07"));
        let lens: Vec<u32> = weeks.iter().map(|w| w.weeks).collect();
        assert_eq!(lens, [1, 1, 1]);
        // Friday of the change week (day 4): 06:00–14:00 UTC (UTC+3).
        let friday = weeks[1].a[4];
        assert_eq!(friday, (4 * 1440 + 6 * 60, 4 * 1440 + 14 * 60));
        // Thursday of that week was still UTC+2: 07:00–15:00 UTC.
        assert_eq!(weeks[1].a[3], (3 * 1440 + 7 * 60, 3 * 1440 + 15 * 60));
    }

    #[test]
    fn a_zone_far_east_keeps_its_sunday_evening_start() {
        // Auckland's Monday 09:00 is Sunday 20:00 UTC of the week before:
        // the first shown week must still have it.
        let akl = sched("Pacific/Auckland", 9, 17, 0b001_1111);
        let weeks = week_patterns(&akl, &akl, d("2021-06-07"), d("2021-06-20"));
        assert_eq!(weeks.len(), 1);
        assert_eq!(weeks[0].weeks, 2);
        // Monday's work is split at Monday 00:00 UTC: its evening part on Sunday
        // UTC belongs to the week before, the next Monday's to this one.
        assert_eq!(weeks[0].a.len(), 6);
        assert_eq!(weeks[0].a[5], (6 * 1440 + 21 * 60, 7 * 1440));
        assert_eq!(weeks[0].both_minutes(), 5 * 8 * 60);
    }
}
