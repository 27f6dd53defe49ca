//! Weekly bilateral session slots of a pair, DST-aware.
//!
//! A pair's slot is a weekday and a start time fixed in the mentor's zone
//! (the one who sends the invitation), with the policy's session length.
//! Each occurrence over the programme is inside both people's working
//! hours or not, checked on its own date through the IANA database, so a
//! slot that a clock change (summer time, Morocco's Ramadan offset,
//! Egypt's summer time) moves out of someone's hours is inside only in the
//! weeks before or after it, and says which dates it misses.
//!
//! Slots are ranked by the occurrences outside someone's hours (none
//! first: every week inside), then by their margin (the least time between the session
//! and the edge of either person's working hours, over those occurrences:
//! a slot in the middle of both days beats one at the end), then by
//! weekday and time. The best few are reported, one per weekday before a
//! second on the same day, and listed in that order.

use chrono::NaiveDate;

use super::overlap::{intervals, takes_part, Period};
use super::slots::{occurrences, room, Slot};
use crate::model::{BilateralSessions, Schedule};

/// A weekly slot of a pair and how its occurrences fall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PairSlot {
    /// Weekday and start in the mentor's zone.
    pub slot: Slot,
    /// UTC start (seconds) of every occurrence in the programme.
    pub occurrences: Vec<i64>,
    /// UTC starts of the occurrences outside someone's working hours.
    pub outside: Vec<i64>,
    /// Least minutes between a session inside both people's hours and the
    /// edge of either person's working interval.
    pub margin_min: u32,
}

impl PairSlot {
    /// Occurrences inside both people's working hours.
    pub(crate) fn inside(&self) -> usize {
        self.occurrences.len() - self.outside.len()
    }
}

/// The best `cfg.slots` weekly slots of a pair whose working hours are
/// `mentor`'s and `mentee`'s, over `start..=end` on the dates both take
/// part; empty when no occurrence of any slot is inside both people's hours.
pub(crate) fn pair_slots(
    mentor: &Schedule,
    mentee: &Schedule,
    cfg: &BilateralSessions,
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<PairSlot> {
    let period = Period::padded(start, end);
    let work = [intervals(mentor, &period), intervals(mentee, &period)];
    let len_s = i64::from(cfg.session_min) * 60;
    let mut found: Vec<PairSlot> = Vec::new();
    for weekday in 0..7u8 {
        for start_min in (0..1440).step_by(cfg.step_min.max(1) as usize) {
            let slot = Slot {
                weekday,
                start_min: start_min as u16,
            };
            let mut occ = occurrences(slot, mentor.tz, start, end);
            occ.retain(|&t| takes_part(mentor, t) && takes_part(mentee, t));
            let mut outside = Vec::new();
            let mut margin = i64::MAX;
            for &t in &occ {
                match work.iter().map(|w| room(w, t, len_s)).min().flatten() {
                    Some(m) => margin = margin.min(m),
                    None => outside.push(t),
                }
            }
            if outside.len() < occ.len() {
                found.push(PairSlot {
                    slot,
                    occurrences: occ,
                    outside,
                    margin_min: (margin / 60) as u32,
                });
            }
        }
    }
    found.sort_by(rank);
    best_spread(found, cfg.slots as usize)
}

/// The first `k` of `ranked`, one per weekday before a second on a day,
/// and listed so: each weekday's best slot, best first, then the second
/// slots of a day, best first.
fn best_spread(ranked: Vec<PairSlot>, k: usize) -> Vec<PairSlot> {
    let mut days = [false; 7];
    let (mut first, mut rest) = (Vec::new(), Vec::new());
    for s in ranked {
        let d = &mut days[s.slot.weekday as usize % 7];
        if !*d && first.len() < k {
            *d = true;
            first.push(s);
        } else if rest.len() < k {
            rest.push(s);
        }
    }
    let more = k.saturating_sub(first.len());
    first.extend(rest.into_iter().take(more));
    first
}

/// Fewer occurrences outside someone's hours first, then the larger
/// margin, then the earlier weekday and time.
fn rank(a: &PairSlot, b: &PairSlot) -> std::cmp::Ordering {
    a.outside
        .len()
        .cmp(&b.outside.len())
        .then(b.margin_min.cmp(&a.margin_min))
        .then(a.slot.cmp(&b.slot))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Hours;

    fn sched(tz: &str, start_h: u16, end_h: u16, days: u8) -> Schedule {
        Schedule::new(
            tz.parse().unwrap(),
            Hours::weekly(start_h * 60, end_h * 60, days),
        )
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const CFG: BilateralSessions = BilateralSessions {
        session_min: 60,
        slots: 3,
        step_min: 30,
    };

    #[test]
    fn a_second_slot_on_a_day_comes_after_every_weekdays_first() {
        // Ranked best first: Monday 08:45 beats Monday 08:30 and 09:00,
        // which beat Tuesday's and Friday's only slots.
        let ranked: Vec<PairSlot> = [
            (0, 525, 60),
            (0, 510, 50),
            (0, 540, 50),
            (1, 525, 40),
            (4, 510, 30),
        ]
        .into_iter()
        .map(|(weekday, start_min, margin_min)| PairSlot {
            slot: Slot { weekday, start_min },
            occurrences: vec![0],
            outside: vec![],
            margin_min,
        })
        .collect();
        let got: Vec<(u8, u16)> = best_spread(ranked, 4)
            .iter()
            .map(|s| (s.slot.weekday, s.slot.start_min))
            .collect();
        assert_eq!(got, [(0, 525), (1, 525), (4, 510), (0, 510)]);
    }

    #[test]
    fn madrid_and_amman_meet_in_the_middle_of_both_days() {
        // Madrid 09–18 (UTC+1), Amman 09–17 (UTC+3 all year since 2022):
        // both work 09:00–15:00 Madrid time in winter.
        let madrid = sched("Europe/Madrid", 9, 18, 0b001_1111);
        let amman = sched("Asia/Amman", 9, 17, 0b001_1111);
        let s = pair_slots(&madrid, &amman, &CFG, d("2023-01-09"), d("2023-02-26"));
        assert_eq!(s.len(), 3);
        // Every week, three distinct weekdays, best margin first.
        assert!(s.iter().all(|p| p.outside.is_empty()));
        let days: Vec<u8> = s.iter().map(|p| p.slot.weekday).collect();
        assert_eq!(days, vec![0, 1, 2]);
        assert!(s.windows(2).all(|w| w[0].margin_min >= w[1].margin_min));
        // 11:30–12:30 Madrid is 2.5 h from Madrid's start and from Amman's
        // end (15:00 Madrid): the centre of the shared 09:00–15:00.
        assert_eq!(s[0].slot.start_min, 11 * 60 + 30);
        assert_eq!(s[0].margin_min, 150);
    }

    #[test]
    fn hours_that_never_meet_give_no_slot() {
        let paris = sched("Europe/Paris", 9, 12, 0b001_1111);
        let amman = sched("Asia/Amman", 16, 19, 0b001_1111);
        assert!(pair_slots(&paris, &amman, &CFG, d("2023-01-09"), d("2023-03-01")).is_empty());
    }
}
