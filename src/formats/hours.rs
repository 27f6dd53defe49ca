//! Working-hour cells and their writers: `hours` (one interval, a split
//! day, or intervals per weekday), `days`, and `dated hours` (date ranges
//! with their own intervals). A written profile reads back to the same
//! working hours.

use chrono::NaiveDate;

use crate::wire::pb;

/// What an `hours` cell says.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum HoursCell {
    /// Intervals on every working day (`days`): `09:00-13:00, 15:00-18:00`.
    Spans(Vec<pb::TimeSpan>),
    /// Intervals per weekday: `Sun-Thu 09:00-17:00; Fri 09:00-12:00, 15:00-17:00`.
    Weekdays(Vec<pb::DayHours>),
}

/// An `hours` cell.
pub(super) fn hours(s: &str) -> Result<HoursCell, String> {
    if !s.chars().any(|c| c.is_alphabetic()) {
        return spans(s).map(HoursCell::Spans);
    }
    let mut out: Vec<pb::DayHours> = Vec::new();
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let cut = part.find(|c: char| c.is_ascii_digit()).ok_or_else(|| {
            format!("{part:?}: give the days, then their hours (e.g. Fri 09:00-12:00, 15:00-17:00)")
        })?;
        let (ds, sp) = part.split_at(cut);
        let sp = spans(sp)?;
        for d in days(ds)? {
            if out.iter().any(|x| x.day == d) {
                return Err(format!("{} is given hours twice", DAYS[(d - 1) as usize].0));
            }
            out.push(pb::DayHours {
                day: d,
                spans: sp.clone(),
            });
        }
    }
    out.sort_by_key(|d| d.day);
    Ok(HoursCell::Weekdays(out))
}

/// `09:00-13:00, 15:00-18:00`, or `off` for none.
fn spans(s: &str) -> Result<Vec<pb::TimeSpan>, String> {
    if s.trim().eq_ignore_ascii_case("off") {
        return Ok(Vec::new());
    }
    let out = s
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(span)
        .collect::<Result<Vec<_>, _>>()?;
    if out.is_empty() {
        return Err(format!("{s:?} gives no hours HH:MM-HH:MM (or \"off\")"));
    }
    Ok(out)
}

/// `09:00-18:00`.
fn span(s: &str) -> Result<pb::TimeSpan, String> {
    let bad = || format!("{s:?} is not working hours HH:MM-HH:MM (e.g. 09:00-18:00)");
    let (a, b) = s.split_once(['-', '–']).ok_or_else(bad)?;
    let (a, b) = (a.trim(), b.trim());
    let ok = |t: &str| {
        let (h, m) = t.split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && m.to_string().len() <= 2).then_some(())
    };
    ok(a).and(ok(b)).ok_or_else(bad)?;
    Ok(pb::TimeSpan {
        start: a.to_string(),
        end: b.to_string(),
    })
}

/// A `dated hours` cell: `2027-02-08 to 2027-03-09 10:00-15:00; 2027-05-01 off`.
pub(super) fn dated(s: &str) -> Result<Vec<pb::DateHours>, String> {
    let mut out = Vec::new();
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || {
            format!(
                "{part:?}: give a date YYYY-MM-DD (or \"from to until\"), then its hours or \"off\""
            )
        };
        let date = |t: &str| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .map(|_| t.to_string())
        };
        let words: Vec<&str> = part.splitn(4, ' ').collect();
        let (from, until, rest) = match words.as_slice() {
            [a, "to", b, rest] => (date(a), date(b), *rest),
            [a, rest @ ..] if !rest.is_empty() => (date(a), date(a), &part[a.len()..]),
            _ => return Err(bad()),
        };
        let (Some(from), Some(until)) = (from, until) else {
            return Err(bad());
        };
        out.push(pb::DateHours {
            from,
            until,
            spans: spans(rest)?,
        });
    }
    Ok(out)
}

/// The working hours of a profile's `hours`, `days` and `dated hours`
/// cells (`None`: the defaults); the error is the `days` cell's.
pub(super) fn working_hours(
    hours: Option<HoursCell>,
    days: Vec<i32>,
    dated: Vec<pb::DateHours>,
) -> Result<Option<pb::WorkingHours>, String> {
    let mut wh = pb::WorkingHours {
        overrides: dated,
        ..Default::default()
    };
    match hours {
        None => wh.days = days,
        Some(HoursCell::Spans(sp)) if sp.len() == 1 => {
            wh.start.clone_from(&sp[0].start);
            wh.end.clone_from(&sp[0].end);
            wh.days = days;
        }
        Some(HoursCell::Spans(sp)) => {
            let days = if days.is_empty() {
                vec![1, 2, 3, 4, 5]
            } else {
                days
            };
            let mut list: Vec<pb::DayHours> = days
                .into_iter()
                .map(|day| pb::DayHours {
                    day,
                    spans: sp.clone(),
                })
                .collect();
            list.sort_by_key(|d| d.day);
            wh.weekdays = list;
        }
        Some(HoursCell::Weekdays(_)) if !days.is_empty() => {
            return Err("leave days empty when hours name the days".into());
        }
        Some(HoursCell::Weekdays(list)) => wh.weekdays = list,
    }
    Ok((wh != pb::WorkingHours::default()).then_some(wh))
}

/// The `hours`, `days` and `dated hours` cells of working hours.
pub(super) fn write(h: Option<&pb::WorkingHours>) -> [String; 3] {
    let Some(h) = h else {
        return Default::default();
    };
    let hours = if !h.weekdays.is_empty() {
        write_weekdays(&h.weekdays)
    } else if !h.start.is_empty() || !h.end.is_empty() {
        let or = |s: &str, d: &str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        format!("{}-{}", or(&h.start, "09:00"), or(&h.end, "18:00"))
    } else {
        String::new()
    };
    let dated = h
        .overrides
        .iter()
        .map(|o| {
            let when = if o.from == o.until {
                o.from.clone()
            } else {
                format!("{} to {}", o.from, o.until)
            };
            format!("{when} {}", write_spans(&o.spans))
        })
        .collect::<Vec<_>>()
        .join("; ");
    [hours, write_days(&h.days), dated]
}

fn write_spans(sp: &[pb::TimeSpan]) -> String {
    if sp.is_empty() {
        return "off".into();
    }
    sp.iter()
        .map(|t| format!("{}-{}", t.start, t.end))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Weekdays with the same intervals together, each run of days from the
/// day after a day off (so `Sun-Thu` stays a range).
fn write_weekdays(list: &[pb::DayHours]) -> String {
    let of = |d: i32| list.iter().find(|x| x.day == d);
    let first = (1..=7)
        .find(|&d| of((d + 5) % 7 + 1).is_none())
        .unwrap_or(1);
    let mut groups: Vec<(&[pb::TimeSpan], Vec<i32>)> = Vec::new();
    for d in (0..7).map(|k| (first - 1 + k) % 7 + 1) {
        let Some(x) = of(d) else { continue };
        match groups.iter_mut().find(|(s, _)| *s == x.spans.as_slice()) {
            Some((_, ds)) => ds.push(d),
            None => groups.push((&x.spans, vec![d])),
        }
    }
    groups
        .iter()
        .map(|(sp, ds)| format!("{} {}", write_days(ds), write_spans(sp)))
        .collect::<Vec<_>>()
        .join("; ")
}

const DAYS: [(&str, &str); 7] = [
    ("mon", "monday"),
    ("tue", "tuesday"),
    ("wed", "wednesday"),
    ("thu", "thursday"),
    ("fri", "friday"),
    ("sat", "saturday"),
    ("sun", "sunday"),
];

/// Weekday number 1 (Monday) … 7 (Sunday) of a day's name or abbreviation.
fn day(s: &str) -> Option<i32> {
    let s = s.trim().to_lowercase();
    DAYS.iter()
        .position(|(short, long)| s == *short || s == *long)
        .map(|k| k as i32 + 1)
}

/// `Sun-Thu` (a range, wrapping past Sunday) or `Mon, Wed, Fri`.
pub(super) fn days(s: &str) -> Result<Vec<i32>, String> {
    let bad =
        |part: &str| format!("{part:?} is not a day (Mon … Sun) or a range of days (Sun-Thu)");
    let mut out = Vec::new();
    for part in super::cells::list(s) {
        match part.split_once(['-', '–']) {
            Some((a, b)) => {
                let (a, b) = (
                    day(a).ok_or_else(|| bad(&part))?,
                    day(b).ok_or_else(|| bad(&part))?,
                );
                let mut d = a;
                loop {
                    out.push(d);
                    if d == b {
                        break;
                    }
                    d = d % 7 + 1;
                }
            }
            None => out.push(day(&part).ok_or_else(|| bad(&part))?),
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(d) = out.iter().find(|d| !seen.insert(**d)) {
        return Err(format!("{} is listed twice", DAYS[(*d - 1) as usize].0));
    }
    Ok(out)
}

/// Days as [`days`] reads them: a range when they follow each other.
pub(super) fn write_days(ds: &[i32]) -> String {
    let name = |d: i32| {
        let n = DAYS.get((d - 1) as usize).map_or("?", |x| x.0);
        let mut c = n.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    };
    let consecutive = ds.windows(2).all(|w| w[1] == w[0] % 7 + 1);
    if ds.len() >= 3 && consecutive {
        format!("{}-{}", name(ds[0]), name(ds[ds.len() - 1]))
    } else {
        ds.iter()
            .map(|&d| name(d))
            .collect::<Vec<String>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_read_ranges_across_the_weekend_and_write_them_back() {
        assert_eq!(days("Sun-Thu").unwrap(), vec![7, 1, 2, 3, 4]);
        assert_eq!(days("Mon, Wed, friday").unwrap(), vec![1, 3, 5]);
        assert_eq!(write_days(&[7, 1, 2, 3, 4]), "Sun-Thu");
        assert_eq!(write_days(&[1, 3, 5]), "Mon, Wed, Fri");
        assert!(days("Mon, Mon").is_err());
        assert!(days("Funday").is_err());
    }

    #[test]
    fn split_days_weekdays_and_dated_hours_read_back_as_written() {
        assert!(span("9h-17h").is_err());
        let cell = "Sun-Thu 09:00-17:00; Fri 09:00-12:00, 15:00-17:00";
        let read = hours(cell).unwrap();
        let HoursCell::Weekdays(list) = &read else {
            panic!("{read:?}")
        };
        assert_eq!(list.len(), 6);
        assert_eq!(list[4].spans.len(), 2);
        let dated_cell = "2027-02-08 to 2027-03-09 10:00-15:00; 2027-05-01 off";
        let wh = working_hours(Some(read), Vec::new(), dated(dated_cell).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(wh.overrides[1].spans, []);
        assert_eq!(
            write(Some(&wh)),
            [cell.to_string(), String::new(), dated_cell.to_string()]
        );
        // A split day on the listed days.
        let split = hours("09:00-13:00, 15:00-18:00").unwrap();
        let wh = working_hours(Some(split), days("Mon-Thu").unwrap(), Vec::new())
            .unwrap()
            .unwrap();
        assert_eq!(wh.weekdays.len(), 4);
        assert_eq!(write(Some(&wh))[0], "Mon-Thu 09:00-13:00, 15:00-18:00");
        assert!(working_hours(Some(hours(cell).unwrap()), vec![1], Vec::new()).is_err());
        assert!(dated("2027-02-30 off").is_err());
        assert!(dated("2027-02-08").is_err());
        assert!(hours("Fri").is_err());
    }
}
