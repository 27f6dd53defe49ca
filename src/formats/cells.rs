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

/// A date `YYYY-MM-DD`.
pub(super) fn date(s: &str) -> Result<String, String> {
    let t = s.trim();
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(|_| t.to_string())
        .map_err(|_| format!("{s:?} is not a date YYYY-MM-DD"))
}

/// A whole number in `0..=max`.
pub(super) fn count(s: &str, max: u32) -> Result<u32, String> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|&n| n <= max)
        .ok_or_else(|| format!("{s:?} is not a whole number from 0 to {max}"))
}

/// Role demands: `role N` or `role N-M` (at least N, at most M), separated
/// by ';'.
pub(super) fn role_demands(s: &str) -> Result<Vec<pb::RoleDemand>, String> {
    let bad = |item: &str| {
        format!("{item:?} is not a role with a count (technical 1) or a range (governance 0-1)")
    };
    list(s)
        .iter()
        .map(|item| {
            let (role, n) = item
                .trim()
                .rsplit_once(char::is_whitespace)
                .ok_or_else(|| bad(item))?;
            let num = |t: &str| t.trim().parse::<u32>().map_err(|_| bad(item));
            let (at_least, at_most) = match n.split_once('-') {
                Some((lo, hi)) => (num(lo)?, Some(num(hi)?)),
                None => (num(n)?, None),
            };
            Ok(pb::RoleDemand {
                role: role.trim().to_string(),
                at_least,
                at_most,
            })
        })
        .collect()
}

/// Role demands as [`role_demands`] reads them.
pub(super) fn write_role_demands(ds: &[pb::RoleDemand]) -> String {
    let items: Vec<String> = ds
        .iter()
        .map(|d| match d.at_most {
            Some(m) => format!("{} {}-{m}", d.role, d.at_least),
            None => format!("{} {}", d.role, d.at_least),
        })
        .collect();
    write_list(&items)
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
    fn role_demands_read_a_count_or_a_range_after_the_role() {
        let d = role_demands("technical lead 1-2; governance 0").expect("parses");
        assert_eq!(
            (d[0].role.as_str(), d[0].at_least, d[0].at_most),
            ("technical lead", 1, Some(2))
        );
        assert_eq!(
            (d[1].role.as_str(), d[1].at_least, d[1].at_most),
            ("governance", 0, None)
        );
        assert_eq!(write_role_demands(&d), "technical lead 1-2; governance 0");
        for bad in [
            "technical",
            "technical one",
            "governance 1-",
            "governance -1",
        ] {
            let e = role_demands(bad).expect_err(bad);
            assert!(e.contains("is not a role with a count"), "{e}");
        }
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
    }
}
