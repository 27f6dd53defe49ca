//! A profile's working hours (one interval on working days, or intervals
//! per weekday, and date overrides) and its availability window.

use chrono::NaiveDate;

use super::fields::{date, Checker};
use crate::calendar::parse_hhmm;
use crate::model::{DateHours, Hours, Span, Window};
use crate::wire::pb;

/// Most intervals in one day.
const MAX_SPANS_PER_DAY: usize = 12;

/// Working hours of the profile at `profile` (default 09:00–18:00, Monday
/// to Friday).
pub(super) fn working_hours(c: &mut Checker, profile: &str, h: Option<&pb::WorkingHours>) -> Hours {
    let Some(h) = h else {
        return Hours::default();
    };
    let path = format!("{profile}.working_hours");
    let mut out = if h.weekdays.is_empty() {
        simple(c, &path, h)
    } else {
        if !h.start.is_empty() || !h.end.is_empty() || !h.days.is_empty() {
            c.bad(
                format!("{path}.weekdays"),
                "set either weekdays or start, end and days, not both",
            );
        }
        weekdays(c, &path, &h.weekdays)
    };
    out.overrides = overrides(c, &path, &h.overrides);
    out
}

/// `start`–`end` on `days`.
fn simple(c: &mut Checker, path: &str, h: &pb::WorkingHours) -> Hours {
    let span = span(
        c,
        path,
        &pb::TimeSpan {
            start: if h.start.is_empty() {
                "09:00"
            } else {
                &h.start
            }
            .into(),
            end: if h.end.is_empty() { "18:00" } else { &h.end }.into(),
        },
    );
    let mut days = 0b001_1111u8;
    if h.days.len() > 7 {
        c.bad(
            format!("{path}.days"),
            format!("{} entries: a week has 7 days", h.days.len()),
        );
    } else if !h.days.is_empty() {
        days = 0;
        for (k, &d) in h.days.iter().enumerate() {
            match weekday(d) {
                Some(w) => days |= 1 << w,
                None => c.bad(
                    format!("{path}.days[{k}]"),
                    format!("{d} is not a weekday (1 = Monday … 7 = Sunday)"),
                ),
            }
        }
    }
    let (a, b) = span.unwrap_or((9 * 60, 18 * 60));
    Hours::weekly(a, b, days)
}

/// Intervals per weekday; weekdays not listed are days off.
fn weekdays(c: &mut Checker, path: &str, list: &[pb::DayHours]) -> Hours {
    let mut out = Hours::weekly(0, 0, 0);
    let mut seen = [false; 7];
    if c.list_too_long(|| format!("{path}.weekdays"), list.len()) {
        return out;
    }
    for (k, d) in list.iter().enumerate() {
        let at = format!("{path}.weekdays[{k}]");
        let Some(w) = weekday(d.day) else {
            c.bad(
                format!("{at}.day"),
                format!("{} is not a weekday (1 = Monday … 7 = Sunday)", d.day),
            );
            continue;
        };
        if std::mem::replace(&mut seen[w], true) {
            c.bad(
                format!("{at}.day"),
                format!("weekday {} is listed twice", d.day),
            );
            continue;
        }
        out.week[w] = spans(c, &at, &d.spans);
    }
    out
}

/// Date ranges with their own intervals, sorted, not overlapping.
fn overrides(c: &mut Checker, path: &str, list: &[pb::DateHours]) -> Vec<DateHours> {
    let field = format!("{path}.overrides");
    if c.list_too_long(|| field.clone(), list.len()) {
        return Vec::new();
    }
    let mut out: Vec<(usize, DateHours)> = Vec::new();
    for (k, o) in list.iter().enumerate() {
        let at = format!("{field}[{k}]");
        let from = date(c, &format!("{at}.from"), &o.from, "");
        let until = date(c, &format!("{at}.until"), &o.until, "");
        let spans = spans(c, &at, &o.spans);
        let (Some(from), Some(until)) = (from, until) else {
            continue;
        };
        if until < from {
            c.bad(
                format!("{at}.until"),
                format!("{until} is before from {from}"),
            );
            continue;
        }
        out.push((k, DateHours { from, until, spans }));
    }
    out.sort_by_key(|(_, o)| o.from);
    for w in out.windows(2) {
        let ((_, a), (k, b)) = (&w[0], &w[1]);
        if b.from <= a.until {
            c.bad(
                format!("{field}[{k}].from"),
                format!(
                    "{} falls in another override ({} to {})",
                    b.from, a.from, a.until
                ),
            );
        }
    }
    out.into_iter().map(|(_, o)| o).collect()
}

/// A day's intervals at `at.spans`: each valid, sorted, not overlapping.
fn spans(c: &mut Checker, at: &str, list: &[pb::TimeSpan]) -> Vec<Span> {
    if list.len() > MAX_SPANS_PER_DAY {
        c.bad(
            format!("{at}.spans"),
            format!(
                "{} intervals in a day exceed the limit of {MAX_SPANS_PER_DAY}",
                list.len()
            ),
        );
        return Vec::new();
    }
    let mut out: Vec<Span> = Vec::new();
    for (j, t) in list.iter().enumerate() {
        let Some(s) = span(c, &format!("{at}.spans[{j}]"), t) else {
            continue;
        };
        if let Some(&(_, prev_end)) = out.last() {
            if s.0 < prev_end {
                c.bad(
                    format!("{at}.spans[{j}].start"),
                    format!(
                        "{:?} is before the end of the interval before it: list a day's \
                         intervals in order, without overlaps",
                        t.start
                    ),
                );
                continue;
            }
        }
        out.push(s);
    }
    out
}

/// One interval "HH:MM"–"HH:MM" at `at`, end after start.
fn span(c: &mut Checker, at: &str, t: &pb::TimeSpan) -> Option<Span> {
    let start = match parse_hhmm(&t.start) {
        Some(m) if m < 24 * 60 => Some(m),
        _ => {
            c.bad(
                format!("{at}.start"),
                format!("{:?} is not a time \"HH:MM\" before 24:00", t.start),
            );
            None
        }
    };
    let end = parse_hhmm(&t.end);
    if end.is_none() {
        c.bad(
            format!("{at}.end"),
            format!("{:?} is not a time \"HH:MM\"", t.end),
        );
    }
    let (start, end) = (start?, end?);
    if end <= start {
        c.bad(
            format!("{at}.end"),
            format!("end {:?} is not after start {:?}", t.end, t.start),
        );
        return None;
    }
    Some((start, end))
}

/// A wire weekday (1 = Monday … 7 = Sunday) as 0 = Monday … 6 = Sunday.
fn weekday(d: i32) -> Option<usize> {
    (1..=7).contains(&d).then(|| (d - 1) as usize)
}

/// The profile's availability window (`available_from`, `available_until`).
pub(super) fn availability(c: &mut Checker, profile: &str, p: &pb::Profile) -> Window {
    let read = |c: &mut Checker, name: &str, s: &str| -> Option<NaiveDate> {
        if s.is_empty() {
            None
        } else {
            date(c, &format!("{profile}.{name}"), s, "")
        }
    };
    let from = read(c, "available_from", &p.available_from);
    let until = read(c, "available_until", &p.available_until);
    if let (Some(a), Some(b)) = (from, until) {
        if b < a {
            c.bad(
                format!("{profile}.available_until"),
                format!("{b} is before available_from {a}"),
            );
        }
    }
    Window { from, until }
}
