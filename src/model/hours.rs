//! When a person works: local working intervals per weekday, per-date
//! overrides, the dates they take part, and their time zone.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

/// One working interval of a day, local minutes after midnight `[start, end)`.
pub type Span = (u16, u16);

/// Local working hours: intervals per weekday (a split day has several) and
/// date ranges whose hours replace their weekdays' (a holiday, shorter
/// hours during Ramadan).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hours {
    /// Working intervals of each weekday (0 = Monday): sorted, disjoint,
    /// not touching, each non-empty. An empty day is a day off.
    pub week: [Vec<Span>; 7],
    /// Date ranges with their own intervals (empty: not working), sorted by
    /// first date, not overlapping.
    pub overrides: Vec<DateHours>,
}

/// Hours for a range of dates, replacing the weekdays' hours there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateHours {
    /// First date, inclusive.
    pub from: NaiveDate,
    /// Last date, inclusive.
    pub until: NaiveDate,
    /// Working intervals of each of these dates (empty: not working).
    pub spans: Vec<Span>,
}

impl Hours {
    /// The same interval on the weekdays of a mask (bit 0 = Monday).
    pub fn weekly(start_min: u16, end_min: u16, days: u8) -> Hours {
        let mut week: [Vec<Span>; 7] = Default::default();
        for (d, spans) in week.iter_mut().enumerate() {
            if days & (1 << d) != 0 {
                spans.push((start_min, end_min));
            }
        }
        Hours {
            week,
            overrides: Vec::new(),
        }
    }

    /// The working intervals of a local date.
    pub fn on(&self, date: NaiveDate) -> &[Span] {
        let k = self.overrides.partition_point(|o| o.from <= date);
        match k.checked_sub(1).map(|k| &self.overrides[k]) {
            Some(o) if date <= o.until => &o.spans,
            _ => &self.week[date.weekday().num_days_from_monday() as usize],
        }
    }
}

impl Default for Hours {
    /// 09:00–18:00, Monday to Friday.
    fn default() -> Self {
        Hours::weekly(9 * 60, 18 * 60, 0b001_1111)
    }
}

/// The local dates a person takes part in the programme, inclusive; an open
/// end is the programme's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    /// First date, if later than the programme's start.
    pub from: Option<NaiveDate>,
    /// Last date, if earlier than the programme's end.
    pub until: Option<NaiveDate>,
}

impl Window {
    /// The whole programme.
    pub const ALWAYS: Window = Window {
        from: None,
        until: None,
    };

    /// Whether the person takes part on a date.
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= d) && self.until.is_none_or(|u| d <= u)
    }

    /// The dates both take part.
    pub fn and(&self, other: &Window) -> Window {
        Window {
            from: self.from.max(other.from),
            until: match (self.until, other.until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }

    /// `start..=end` narrowed to the window (`None`: no date left).
    pub fn clip(&self, start: NaiveDate, end: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        let a = self.from.map_or(start, |f| f.max(start));
        let b = self.until.map_or(end, |u| u.min(end));
        (a <= b).then_some((a, b))
    }
}

/// Where and when a person works: the key of the overlap table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Schedule {
    /// IANA time zone.
    pub tz: Tz,
    /// Local working hours.
    pub hours: Hours,
    /// The dates the person takes part.
    pub available: Window,
}

impl Schedule {
    /// Hours in a zone over the whole programme.
    pub fn new(tz: Tz, hours: Hours) -> Schedule {
        Schedule {
            tz,
            hours,
            available: Window::ALWAYS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_date_override_replaces_its_weekday_hours() {
        let mut h = Hours::weekly(540, 1080, 0b001_1111);
        h.overrides = vec![
            DateHours {
                from: d("2023-03-23"),
                until: d("2023-04-20"),
                spans: vec![(540, 900)],
            },
            DateHours {
                from: d("2023-05-01"),
                until: d("2023-05-01"),
                spans: vec![],
            },
        ];
        assert_eq!(h.on(d("2023-03-22")), &[(540, 1080)]);
        assert_eq!(h.on(d("2023-03-23")), &[(540, 900)]);
        assert_eq!(h.on(d("2023-04-20")), &[(540, 900)]);
        assert_eq!(h.on(d("2023-04-21")), &[(540, 1080)]);
        assert!(h.on(d("2023-05-01")).is_empty());
        // A Saturday off in the week and outside every override.
        assert!(h.on(d("2023-04-22")).is_empty());
    }

    #[test]
    fn windows_intersect_and_clip() {
        let a = Window {
            from: Some(d("2023-02-01")),
            until: None,
        };
        let b = Window {
            from: None,
            until: Some(d("2023-08-31")),
        };
        let both = a.and(&b);
        assert!(both.contains(d("2023-02-01")) && both.contains(d("2023-08-31")));
        assert!(!both.contains(d("2023-01-31")) && !both.contains(d("2023-09-01")));
        assert_eq!(
            both.clip(d("2023-01-01"), d("2023-10-31")),
            Some((d("2023-02-01"), d("2023-08-31")))
        );
        assert_eq!(a.clip(d("2022-01-01"), d("2022-12-31")), None);
    }
}
