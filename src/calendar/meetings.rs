//! Joint meetings: the exhaustive search for the best start of a window.
//!
//! Candidate starts are every `step` minutes of every date of the window
//! in the meetings' zone (blackout dates left out), each converted to UTC
//! through the IANA database. Participants come in *groups* that share
//! their UTC working intervals (same schedule, same holidays) and a summed
//! weight. For each candidate the search counts, exactly, the weight of the
//! groups whose intervals hold the whole meeting and the weighted time of
//! the meeting outside everyone's intervals; the best start has the most
//! weight inside, then the least weighted time outside, then the largest
//! margin (the least time, over the groups inside, between the meeting and
//! the edge of their working interval: a meeting in the middle of the
//! day beats one at its very start), then is the earliest. Cost: candidates × groups, with a forward pointer per group.

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::model::Milli;

/// People who share working intervals, with their summed weight.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// UTC working intervals `[a, b)`, sorted, disjoint.
    pub work: Vec<(i64, i64)>,
    /// Summed weight of the group's people (milli-points).
    pub weight: Milli,
}

/// The best start of a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Best {
    /// UTC start, seconds.
    pub start: i64,
    /// Weight of the groups inside their hours for the whole meeting.
    pub inside: Milli,
    /// Σ weight × seconds of the meeting outside each group's hours.
    pub outside: i64,
    /// Least seconds between the meeting and the edge of the working
    /// interval holding it, over the groups inside (0 when none is).
    pub margin: i64,
    /// Candidates examined.
    pub candidates: usize,
}

/// Every candidate start of the dates `from..=until` in `tz`, `step_min`
/// apart from local midnight, except on `blackout` dates (sorted) and at
/// local times a clock change skips: UTC seconds, ascending, each once
/// (the earlier instant of a repeated local time).
pub(crate) fn candidates(
    tz: Tz,
    (from, until): (NaiveDate, NaiveDate),
    step_min: u32,
    blackout: &[NaiveDate],
) -> Vec<i64> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= until {
        if blackout.binary_search(&d).is_err() {
            for m in (0..1440u32).step_by(step_min.max(1) as usize) {
                let local = d.and_hms_opt(m / 60, m % 60, 0);
                if let Some(t) = local.and_then(|l| tz.from_local_datetime(&l).earliest()) {
                    out.push(t.timestamp());
                }
            }
        }
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Seconds of `[t, t + len)` inside the intervals and, when one interval
/// holds it all, the seconds to that interval's nearer edge; scanning from
/// `*at` (moved past intervals that end by `t`: call with rising `t`).
fn covered(work: &[(i64, i64)], at: &mut usize, t: i64, len: i64) -> (i64, i64) {
    while *at < work.len() && work[*at].1 <= t {
        *at += 1;
    }
    let mut sum = 0;
    for &(a, b) in &work[*at..] {
        if a >= t + len {
            break;
        }
        if a <= t && t + len <= b {
            return (len, (t - a).min(b - t - len));
        }
        sum += b.min(t + len) - a.max(t);
    }
    (sum, 0)
}

/// Seconds of the meeting `[t, t + len)` inside one list of intervals.
pub(crate) fn inside_seconds(work: &[(i64, i64)], t: i64, len: i64) -> i64 {
    let mut at = work.partition_point(|&(_, b)| b <= t);
    covered(work, &mut at, t, len).0
}

/// The best of the `starts` (ascending) for a meeting of `len_s` seconds;
/// `None` when there is no start or `stop` says to give up (checked every
/// few thousand candidates).
pub(crate) fn best(
    starts: &[i64],
    len_s: i64,
    groups: &[Group],
    stop: &dyn Fn() -> bool,
) -> Option<Best> {
    let mut at = vec![0usize; groups.len()];
    let mut found: Option<Best> = None;
    for (k, &t) in starts.iter().enumerate() {
        if k % 4096 == 4095 && stop() {
            return None;
        }
        let (mut inside, mut outside, mut margin) = (0, 0, i64::MAX);
        for (g, p) in groups.iter().zip(at.iter_mut()) {
            let (c, room) = covered(&g.work, p, t, len_s);
            if c == len_s {
                inside += g.weight;
                margin = margin.min(room);
            } else {
                outside += g.weight * (len_s - c);
            }
        }
        let margin = if margin == i64::MAX { 0 } else { margin };
        let key = (inside, -outside, margin);
        if found.is_none_or(|b| key > (b.inside, -b.outside, b.margin)) {
            found = Some(Best {
                start: t,
                inside,
                outside,
                margin,
                candidates: starts.len(),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_start_holds_the_most_weight_then_the_least_time_outside() {
        // Two groups: 09:00–12:00 and 10:00–17:00 (UTC, one day).
        let h = 3600;
        let groups = [
            Group {
                work: vec![(9 * h, 12 * h)],
                weight: 1000,
            },
            Group {
                work: vec![(10 * h, 17 * h)],
                weight: 2000,
            },
        ];
        let starts: Vec<i64> = (0..48).map(|k| k * 1800).collect();
        let b = best(&starts, h, &groups, &|| false).unwrap();
        // 10:00–11:00 and 10:30–11:30 hold both, the latter with 30 min
        // from every edge.
        assert_eq!((b.start, b.inside, b.outside), (10 * h + 1800, 3000, 0));
        assert_eq!(b.margin, 1800);
        // Two hours: only 10:00–12:00 holds both, with no margin.
        let b = best(&starts, 2 * h, &groups, &|| false).unwrap();
        assert_eq!((b.start, b.margin), (10 * h, 0));
        // Four hours: the heavier group inside (10:00–14:00), the lighter
        // out by 2 h; 09:00–13:00 would leave the heavier out instead.
        let b = best(&starts, 4 * h, &groups, &|| false).unwrap();
        assert_eq!((b.start, b.inside, b.outside), (10 * h, 2000, 1000 * 2 * h));
        assert!(best(&[], h, &groups, &|| false).is_none());
    }

    #[test]
    fn candidates_skip_blackouts_and_the_spring_gap() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let tz: Tz = "Europe/Madrid".parse().unwrap();
        // 28 March 2021: 02:00–03:00 does not exist in Madrid.
        let c = candidates(
            tz,
            (d("2021-03-27"), d("2021-03-29")),
            60,
            &[d("2021-03-29")],
        );
        assert_eq!(c.len(), 24 + 23);
        assert!(c.windows(2).all(|w| w[0] < w[1]));
    }
}
