//! Field-level validation shared by the request and policy readers: the
//! violation collector, text and id checks, numbers, dates and levels, and
//! the fixed limits on field sizes.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::error::{Error, FieldViolation};
use crate::model::Level;
use crate::settings::Limits;

/// Largest capacity or group count of one mentor.
pub(super) const MAX_CAPACITY: u32 = 100_000;
/// Largest weight of a criterion, in points.
pub(super) const MAX_WEIGHT: f64 = 1000.0;
/// Largest affinity, in absolute value.
pub(super) const MAX_AFFINITY: f64 = 1000.0;
/// Largest group.
pub(super) const MAX_GROUP_SIZE: u32 = 50;

/// Default programme period: 52 full weeks from Monday 2026-01-05.
pub(super) const DEFAULT_START: &str = "2026-01-05";
/// Last day of the default programme period.
pub(super) const DEFAULT_END: &str = "2027-01-03";

/// Collects violations, each naming a field and the offending value, up
/// to the limit; the rest are counted.
pub(super) struct Checker {
    /// The request's limits.
    pub(super) limits: Limits,
    /// Violations so far (at most `limits.max_violations`).
    v: Vec<FieldViolation>,
    /// Violations beyond the limit.
    more: usize,
}

impl Checker {
    /// A checker under `limits`.
    pub(super) fn new(limits: &Limits) -> Self {
        Checker {
            limits: *limits,
            v: Vec::new(),
            more: 0,
        }
    }

    /// Records that `field` is wrong.
    pub(super) fn bad(&mut self, field: impl Into<String>, description: impl Into<String>) {
        if self.v.len() < self.limits.max_violations.max(1) {
            self.v.push(FieldViolation::new(field, description));
        } else {
            self.more += 1;
        }
    }

    /// The violations as an error (the last one counting those left out),
    /// or `Ok` when there are none.
    pub(super) fn finish(self) -> Result<(), Error> {
        if self.v.is_empty() {
            return Ok(());
        }
        let mut v = self.v;
        if self.more > 0 {
            v.push(FieldViolation::new(
                "request",
                format!(
                    "{} more violations not listed (limit {} a reply)",
                    self.more, self.limits.max_violations
                ),
            ));
        }
        Err(Error::InvalidArgument(v))
    }

    /// Whether a list at `field` is longer than the limit (a violation).
    pub(super) fn list_too_long(&mut self, field: impl FnOnce() -> String, len: usize) -> bool {
        if len > self.limits.max_list {
            self.bad(
                field(),
                format!("{len} entries exceed the limit of {}", self.limits.max_list),
            );
            return true;
        }
        false
    }
}

/// Interns strings in first-seen order.
#[derive(Default)]
pub(super) struct Interner {
    map: HashMap<String, u32>,
    /// The strings, by index.
    pub(super) list: Vec<String>,
}

impl Interner {
    /// The index of `s`, added if new.
    pub(super) fn get(&mut self, s: String) -> u32 {
        if let Some(&k) = self.map.get(&s) {
            return k;
        }
        let k = self.list.len() as u32;
        self.map.insert(s.clone(), k);
        self.list.push(s);
        k
    }

    /// The index of `s`, if interned.
    pub(super) fn find(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }
}

/// Checks a text field's length and characters.
/// Whether [`check_text`] would accept `s` (without naming a field: the
/// common case costs no path formatting).
pub(super) fn text_ok(s: &str, max: usize) -> bool {
    (s.len() <= max || s.chars().count() <= max) && !s.chars().any(char::is_control)
}

pub(super) fn check_text(c: &mut Checker, field: &str, s: &str, max: usize) -> bool {
    if s.chars().count() > max {
        c.bad(
            field,
            format!("{} characters exceed the limit of {max}", s.chars().count()),
        );
        return false;
    }
    if s.chars().any(char::is_control) {
        c.bad(field, format!("{s:?} contains control characters"));
        return false;
    }
    true
}

/// Checks an id: not empty, valid text, not seen before (`first`: the
/// field that first used it).
pub(super) fn check_id(c: &mut Checker, field: &str, id: &str, first: Option<String>) -> bool {
    if id.trim().is_empty() {
        c.bad(field, "empty id");
        return false;
    }
    if has_invisible(id) {
        c.bad(
            field,
            format!("{id:?} contains invisible or direction-changing characters"),
        );
        return false;
    }
    if !check_text(c, field, id, c.limits.max_id_chars) {
        return false;
    }
    if let Some(first) = first {
        c.bad(
            field,
            format!("duplicate id {id:?} (first used at {first})"),
        );
        return false;
    }
    true
}

/// Characters that change how text around them looks without showing
/// themselves: zero-width and joiners, bidirectional marks, embeddings,
/// overrides and isolates, the BOM and the soft hyphen. In an id they make
/// one id look like another.
pub(super) fn has_invisible(id: &str) -> bool {
    id.chars().any(invisible)
}

fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Trimmed and lower case (sectors, topics, organisations, language codes).
pub(super) fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

/// A wire language level (1 = A1 … 7 = native).
pub(super) fn level(v: i32) -> Option<Level> {
    (1..=7).contains(&v).then_some(Level(v as u8))
}

/// An optional number in `[lo, hi]`, else `default`.
pub(super) fn opt_number(
    c: &mut Checker,
    field: &str,
    v: Option<f64>,
    default: f64,
    lo: f64,
    hi: f64,
) -> f64 {
    match v {
        None => default,
        Some(x) if x.is_finite() && x >= lo && x <= hi => x,
        Some(x) => {
            c.bad(field, format!("{x} is not a finite number in [{lo}, {hi}]"));
            default
        }
    }
}

/// A date "YYYY-MM-DD" (`default` when empty); `None` after a violation.
pub(super) fn date(c: &mut Checker, field: &str, s: &str, default: &str) -> Option<NaiveDate> {
    let s = if s.is_empty() { default } else { s };
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    if d.is_none() {
        c.bad(field, format!("{s:?} is not a date \"YYYY-MM-DD\""));
    }
    d
}
