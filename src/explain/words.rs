//! The small vocabulary every explanation shares: id lists, hours, rule
//! names, language names.

use crate::calendar::{format_hhmm, slots::weekday_name};
use crate::model::{from_milli, HardRule, Hours, Problem, Schedule, Span};

/// Ids listed in full up to this many; the rest are counted.
const IDS_SHOWN: usize = 10;

/// "a, b, c": up to ten ids, then how many more ("…, j and 4 more").
pub(crate) fn id_list<S: AsRef<str>>(ids: impl IntoIterator<Item = S>) -> String {
    let mut shown = Vec::with_capacity(IDS_SHOWN);
    let mut more = 0usize;
    for id in ids {
        if shown.len() < IDS_SHOWN {
            shown.push(id.as_ref().to_string());
        } else {
            more += 1;
        }
    }
    let mut s = shown.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

/// "unknown mentor id \"x\"": an id that names no one on that side.
pub(crate) fn unknown_id(side: &str, id: &str) -> String {
    format!("unknown {side} id {id:?}")
}

/// Minutes as hours for a sentence: "2" or "1.50".
pub(crate) fn hours_text(min: u32) -> String {
    let h = f64::from(min) / 60.0;
    if min.is_multiple_of(60) {
        format!("{h:.0}")
    } else {
        format!("{h:.2}")
    }
}

/// A short description of a hard rule under the problem's policy.
pub(crate) fn rule_text(rule: HardRule, p: &Problem) -> String {
    match rule {
        HardRule::Forbidden => "the pair is forbidden or excluded by the mentee".into(),
        HardRule::NotAllowed => "the mentor is not among the mentee's allowed mentors".into(),
        HardRule::Declined => "the pair was declined earlier in the programme".into(),
        HardRule::EarlierCohort => {
            "the pair worked together in an earlier cohort (policy.memory.earlier_pairs AVOID)"
                .into()
        }
        HardRule::SameOrganization => "same organisation".into(),
        HardRule::CrossBorder => "same country while cross-border pairs are required".into(),
        HardRule::Sector => match p.policy.sector_rule {
            Some(min) if min > 0.0 => format!(
                "shares or relates to under {:.0}% of the mentee's sectors (policy.sector_rule)",
                min * 100.0
            ),
            _ => "no shared or related sector (policy.sector_rule)".into(),
        },
        HardRule::Language => format!(
            "no shared language at {} or above",
            p.policy.min_level.name()
        ),
        HardRule::SharedWeeks => format!(
            "fewer than {} full week(s) in which both take part (available_from, \
             available_until)",
            p.policy.min_shared_weeks
        ),
        HardRule::Overlap => format!(
            "under {} h of working-hour overlap in some week",
            hours_text(p.policy.min_weekly_overlap_min)
        ),
        HardRule::MinScore => format!(
            "score below the minimum of {}",
            from_milli(p.policy.min_pair_score.unwrap_or(0))
        ),
        HardRule::NoCapacity => "mentor capacity is 0".into(),
    }
}

/// The English name of an ISO 639-1 code ("ar" → "Arabic"), else the code.
pub(crate) fn language_name(code: &str) -> String {
    isolang::Language::from_639_1(code).map_or_else(|| code.to_string(), |l| l.to_name().into())
}

/// Date overrides described in full, up to this many; the rest are counted.
const OVERRIDES_SHOWN: usize = 2;

/// A schedule in words: "Europe/Madrid Mon–Fri 09:00–18:00", with its
/// availability ("from 2027-02-01") when it has one.
pub(crate) fn schedule(s: &Schedule) -> String {
    let mut out = format!("{} {}", s.tz.name(), hours(&s.hours));
    if let Some(f) = s.available.from {
        out.push_str(&format!(", from {f}"));
    }
    if let Some(u) = s.available.until {
        out.push_str(&format!(", until {u}"));
    }
    out
}

/// Working hours in words: weekdays alike grouped, split days listed,
/// e.g. "Sun–Thu 09:00–17:00; Fri 09:00–12:00, 14:00–16:00; 2027-03-01 to
/// 2027-03-30 09:00–15:00".
pub(crate) fn hours(h: &Hours) -> String {
    let mut groups: Vec<(&[Span], u8)> = Vec::new();
    // Start after a day off, so a range may wrap past Sunday.
    let first = (0..7)
        .find(|&d| h.week[(d + 6) % 7].is_empty())
        .unwrap_or(0);
    for d in (0..7).map(|k| (first + k) % 7) {
        let spans = h.week[d].as_slice();
        if spans.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(s, _)| *s == spans) {
            Some((_, mask)) => *mask |= 1 << d,
            None => groups.push((spans, 1 << d)),
        }
    }
    let mut parts: Vec<String> = groups
        .iter()
        .map(|(spans, mask)| format!("{} {}", days(*mask), span_list(spans)))
        .collect();
    if parts.is_empty() {
        parts.push("no working day".into());
    }
    for o in h.overrides.iter().take(OVERRIDES_SHOWN) {
        let when = if o.from == o.until {
            o.from.to_string()
        } else {
            format!("{} to {}", o.from, o.until)
        };
        parts.push(format!("{when} {}", span_list(&o.spans)));
    }
    if h.overrides.len() > OVERRIDES_SHOWN {
        parts.push(format!(
            "{} more date overrides",
            h.overrides.len() - OVERRIDES_SHOWN
        ));
    }
    parts.join("; ")
}

/// "09:00–13:00, 15:00–18:00", or "off".
fn span_list(spans: &[Span]) -> String {
    if spans.is_empty() {
        return "off".into();
    }
    spans
        .iter()
        .map(|&(a, b)| format!("{}–{}", format_hhmm(a), format_hhmm(b)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Weekdays of a mask (bit 0 = Monday) as a range where they follow each
/// other ("Sun–Thu"), else a list.
pub(crate) fn days(mask: u8) -> String {
    let on = |d: u8| mask & (1 << (d % 7)) != 0;
    if (0..7).all(on) {
        return "every day".into();
    }
    let first = (0..7).find(|&d| on(d) && !on(d + 6)).unwrap_or(0);
    let run: Vec<u8> = (0..7).map(|k| (first + k) % 7).filter(|&d| on(d)).collect();
    let consecutive = run.windows(2).all(|w| w[1] == (w[0] + 1) % 7);
    match run.as_slice() {
        [] => "no day".into(),
        [a, .., b] if consecutive && run.len() >= 3 => {
            format!("{}–{}", weekday_name(*a), weekday_name(*b))
        }
        _ => run
            .iter()
            .map(|&d| weekday_name(d))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DateHours;

    #[test]
    fn lists_ten_ids_then_counts() {
        assert_eq!(id_list(["a", "b"]), "a, b");
        let many: Vec<String> = (1..=12).map(|k| format!("e{k}")).collect();
        assert_eq!(
            id_list(&many),
            "e1, e2, e3, e4, e5, e6, e7, e8, e9, e10 and 2 more"
        );
        assert_eq!(id_list(Vec::<&str>::new()), "");
    }

    #[test]
    fn hours_read_naturally() {
        assert_eq!(hours_text(120), "2");
        assert_eq!(hours_text(90), "1.50");
    }

    #[test]
    fn hours_group_alike_weekdays_and_list_split_days() {
        let mut h = Hours::weekly(540, 1020, 0b100_1111);
        h.week[4] = vec![(540, 720), (840, 960)];
        assert_eq!(
            hours(&h),
            "Sun–Thu 09:00–17:00; Fri 09:00–12:00, 14:00–16:00"
        );
        h.overrides.push(DateHours {
            from: "2027-03-01".parse().unwrap(),
            until: "2027-03-30".parse().unwrap(),
            spans: vec![(540, 900)],
        });
        assert!(hours(&h).ends_with("; 2027-03-01 to 2027-03-30 09:00–15:00"));
        assert_eq!(hours(&Hours::default()), "Mon–Fri 09:00–18:00");
        assert_eq!(days(0b000_0101), "Mon, Wed");
    }
}
