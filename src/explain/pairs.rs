//! Each score term of a pair, in words.

use crate::calendar::round_hours;
use crate::model::{Criterion, Problem};
use crate::outcome::MatchedPair;

/// What a score term of a pair means, in words: the shared sectors, the
/// topics covered, the language and levels, the worst-week overlap…
pub(crate) fn term_detail(problem: &Problem, p: &MatchedPair, c: Criterion) -> String {
    let v = &problem.vocab;
    let d = &p.detail;
    let names = |ix: &[u32], list: &[String]| {
        ix.iter()
            .map(|&k| list[k as usize].as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mentee = &problem.mentees[p.mentee];
    match c {
        Criterion::Sector => {
            let mut parts = Vec::new();
            if !d.shared_sectors.is_empty() {
                parts.push(format!("shares {}", names(&d.shared_sectors, &v.sectors)));
            }
            for &(s, t) in &d.related_sectors {
                parts.push(format!(
                    "related sector: {} (for {})",
                    v.sectors[t as usize], v.sectors[s as usize]
                ));
            }
            if parts.is_empty() {
                "no shared sector".into()
            } else {
                parts.join("; ")
            }
        }
        Criterion::Topics => format!(
            "covers {} of {} needs{}",
            d.shared_topics.len(),
            mentee.profile.topics.len(),
            if d.shared_topics.is_empty() {
                String::new()
            } else {
                format!(": {}", names(&d.shared_topics, &v.topics))
            }
        ),
        Criterion::Language => match d.shared_languages.first() {
            Some(&(l, a, b)) => format!(
                "{} at {} (mentor {}, mentee {})",
                v.languages[l as usize],
                a.min(b).name(),
                a.name(),
                b.name()
            ),
            None => "no shared language at the minimum level".into(),
        },
        Criterion::TimeZone => format!(
            "{} h overlap in the worst week (target {} h)",
            round_hours(f64::from(d.overlap.min_week_min)),
            round_hours(f64::from(problem.policy.overlap_target_min))
        ),
        Criterion::Preference => match d.preference_rank {
            Some(r) => format!("rank {} of {}", r + 1, mentee.preferred.len()),
            None => "not ranked".into(),
        },
        Criterion::DifferentCountry => format!(
            "{} – {}",
            problem.mentors[p.mentor].profile.country, mentee.profile.country
        ),
        Criterion::Stability => {
            if d.terms
                .iter()
                .any(|t| t.criterion == Criterion::Stability && t.value > 0.0)
            {
                "kept from the baseline".into()
            } else {
                "not a baseline pair".into()
            }
        }
        Criterion::EarlierCohort => match problem.history.earlier.get(&(p.mentor, p.mentee)) {
            Some(c) if !c.is_empty() => format!("paired in the earlier cohort {c:?}"),
            _ => "paired in an earlier cohort".into(),
        },
        Criterion::CohortLoad => {
            let load = &problem.history.mentor_load;
            format!(
                "the mentor had {} mentee(s) in earlier cohorts (the most any mentor had: {})",
                load.get(p.mentor).copied().unwrap_or(0),
                load.iter().copied().max().unwrap_or(0)
            )
        }
        Criterion::Affinity => {
            if problem.affinities.contains_key(&(p.mentor, p.mentee)) {
                "explicit affinity".into()
            } else {
                "no affinity given".into()
            }
        }
    }
}
