//! The small vocabulary every explanation shares: id lists, hours, rule
//! names, language names.

use crate::model::{from_milli, HardRule, Problem};

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
        HardRule::Declined => "the pair was declined earlier in the programme".into(),
        HardRule::EarlierCohort => {
            "the pair worked together in an earlier cohort (policy.memory.earlier_pairs AVOID)"
                .into()
        }
        HardRule::SameOrganization => "same organisation".into(),
        HardRule::CrossBorder => "same country while cross-border pairs are required".into(),
        HardRule::Language => format!(
            "no shared language at {} or above",
            p.policy.min_level.name()
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
