//! One parser per kind of cell, each with the writer that spells a value
//! back the way the parser reads it (so a written template reads back to
//! the same request). A parser's error is the sentence a coordinator reads.

use std::str::FromStr;

use crate::wire::pb;

/// Items separated by `;` (or `,`), trimmed, empty ones left out.
pub(super) fn list(s: &str) -> Vec<String> {
    s.split([';', ','])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Items joined as [`list`] reads them.
pub(super) fn write_list(items: &[String]) -> String {
    items.join("; ")
}

const LEVELS: [(&str, pb::LanguageLevel); 7] = [
    ("A1", pb::LanguageLevel::A1),
    ("A2", pb::LanguageLevel::A2),
    ("B1", pb::LanguageLevel::B1),
    ("B2", pb::LanguageLevel::B2),
    ("C1", pb::LanguageLevel::C1),
    ("C2", pb::LanguageLevel::C2),
    ("native", pb::LanguageLevel::Native),
];

/// `fr C1; en B2; ar native`.
pub(super) fn languages(s: &str) -> Result<Vec<pb::LanguageSkill>, String> {
    let mut out: Vec<pb::LanguageSkill> = Vec::new();
    for item in list(s) {
        let mut words = item.split_whitespace();
        let code = words.next().unwrap_or_default().to_lowercase();
        let level = words.collect::<Vec<_>>().join(" ");
        if isolang::Language::from_639_1(&code).is_none() {
            return Err(format!(
                "{code:?} is not an ISO 639-1 language code (e.g. fr, ar, en)"
            ));
        }
        let found = LEVELS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&level))
            .or_else(|| {
                let native = ["mother tongue", "first language"];
                native
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&level))
                    .then_some(&LEVELS[6])
            });
        let Some(&(_, level_value)) = found else {
            return Err(format!(
                "{item:?}: give a level after the code: A1, A2, B1, B2, C1, C2 or native"
            ));
        };
        if out.iter().any(|l| l.code == code) {
            return Err(format!("{code:?} is listed twice"));
        }
        out.push(pb::LanguageSkill {
            code,
            level: level_value as i32,
        });
    }
    if out.is_empty() {
        return Err("no languages: at least one, e.g. \"fr C1; en B2\"".into());
    }
    Ok(out)
}

pub(super) fn write_languages(ls: &[pb::LanguageSkill]) -> String {
    let level = |v: i32| {
        LEVELS
            .iter()
            .find(|(_, l)| *l as i32 == v)
            .map_or("?", |(n, _)| n)
    };
    ls.iter()
        .map(|l| format!("{} {}", l.code, level(l.level)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A country: ISO 3166-1 alpha-2 code or English name → its code.
pub(super) fn country(s: &str) -> Result<String, String> {
    let up = s.trim().to_uppercase();
    if isocountry::CountryCode::for_alpha2(&up).is_ok() {
        return Ok(up);
    }
    isocountry::CountryCode::iter()
        .find(|c| c.name().eq_ignore_ascii_case(s.trim()))
        .map(|c| c.alpha2().to_string())
        .ok_or_else(|| {
            format!("{s:?} is neither an ISO 3166-1 alpha-2 code nor a country's English name")
        })
}

/// An IANA time zone name.
pub(super) fn time_zone(s: &str) -> Result<String, String> {
    chrono_tz::Tz::from_str(s.trim())
        .map(|_| s.trim().to_string())
        .map_err(|_| format!("{s:?} is not an IANA time-zone name (e.g. Africa/Casablanca)"))
}

/// `09:00-18:00` → (start, end).
pub(super) fn hours(s: &str) -> Result<(String, String), String> {
    let bad = || format!("{s:?} is not working hours HH:MM-HH:MM (e.g. 09:00-18:00)");
    let (a, b) = s.split_once(['-', '–']).ok_or_else(bad)?;
    let (a, b) = (a.trim(), b.trim());
    let ok = |t: &str| {
        let (h, m) = t.split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && m.to_string().len() <= 2).then_some(())
    };
    ok(a).and(ok(b)).ok_or_else(bad)?;
    Ok((a.to_string(), b.to_string()))
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
    for part in list(s) {
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

/// A whole number in `0..=max`.
pub(super) fn count(s: &str, max: u32) -> Result<u32, String> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|&n| n <= max)
        .ok_or_else(|| format!("{s:?} is not a whole number from 0 to {max}"))
}

/// A number in `[lo, hi]`.
pub(super) fn number(s: &str, lo: f64, hi: f64) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && (lo..=hi).contains(x))
        .ok_or_else(|| format!("{s:?} is not a number from {lo} to {hi}"))
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
    fn languages_and_countries_read_as_coordinators_write_them() {
        let ls = languages("FR c1; ar Native, en mother tongue").unwrap();
        let got: Vec<(&str, i32)> = ls.iter().map(|l| (l.code.as_str(), l.level)).collect();
        assert_eq!(
            got,
            [
                ("fr", pb::LanguageLevel::C1 as i32),
                ("ar", pb::LanguageLevel::Native as i32),
                ("en", pb::LanguageLevel::Native as i32),
            ]
        );
        assert_eq!(write_languages(&ls[..2]), "fr C1; ar native");
        assert!(languages("fr").is_err());
        assert!(languages("").is_err());
        assert_eq!(country("Tunisia").unwrap(), "TN");
        assert_eq!(country(" eg ").unwrap(), "EG");
        assert!(country("Atlantis").is_err());
        assert_eq!(
            hours("08:30-16:30").unwrap(),
            ("08:30".into(), "16:30".into())
        );
        assert!(hours("9h-17h").is_err());
    }
}
