//! The pairs: who is with whom, the score with a bar per term, the shared
//! languages and the weekly overlap.

use std::collections::BTreeSet;

use maud::{html, Markup};

use crate::wire::pb;

use super::super::names::{self, People};
use super::parts::{points, who};

/// The pairs section: a legend of the score terms, then one row per pair
/// in response order (mentees in request order).
pub(super) fn section(people: &People, resp: &pb::SolveResponse) -> Markup {
    let criteria: BTreeSet<i32> = resp
        .pairs
        .iter()
        .flat_map(|p| p.breakdown.iter().filter(|t| t.points != 0.0))
        .map(|t| t.criterion)
        .collect();
    // The bar's full width: the largest sum of a pair's terms, gains and
    // losses alike, so every bar fits.
    let scale = resp
        .pairs
        .iter()
        .map(|p| p.breakdown.iter().map(|t| t.points.abs()).sum::<f64>())
        .fold(0.0, f64::max);
    html! {
        section #pairs {
            h2 { "Pairs" }
            p.note {
                "Each bar shows a pair's score term by term, on one scale for all pairs; "
                "a hatched part is a loss. The overlap is the worst full week's, then the mean."
            }
            p.legend {
                @for &c in &criteria { span { i class={ "t" (c) } {} (names::criterion(c)) } }
                span { i.neg {} "a loss" }
            }
            table {
                thead { tr {
                    th { "mentee" } th { "mentor" } th.num { "score" } th { "terms" }
                    th { "why" } th { "languages" } th.num { "overlap (h / week)" }
                } }
                tbody { @for p in &resp.pairs { (row(people, p, scale)) } }
            }
        }
    }
}

/// One pair's row.
fn row(people: &People, p: &pb::Pair, scale: f64) -> Markup {
    let width = |x: f64| {
        if scale > 0.0 {
            100.0 * x.abs() / scale
        } else {
            0.0
        }
    };
    let mut why: Vec<&pb::ScoreTerm> = p.breakdown.iter().filter(|t| t.points > 0.0).collect();
    why.sort_by(|a, b| b.points.total_cmp(&a.points));
    let langs: Vec<String> = p
        .shared_languages
        .iter()
        .map(|l| {
            format!(
                "{} {}/{}",
                l.code,
                level(l.mentor_level),
                level(l.mentee_level)
            )
        })
        .collect();
    html! {
        tr {
            td { (who(people, &p.mentee_id)) }
            td { (who(people, &p.mentor_id)) @if p.pinned { " " small { "(pinned)" } } }
            td.num { (points(p.score)) }
            td {
                div.bar {
                    @for t in p.breakdown.iter().filter(|t| t.points != 0.0) {
                        span class=(if t.points < 0.0 { "neg".to_string() } else { format!("t{}", t.criterion) })
                            style=(format!("width:{:.2}%", width(t.points)))
                            title=(format!("{}: {} ({})", names::criterion(t.criterion), points(t.points), t.detail)) {}
                    }
                }
            }
            td { @for (k, t) in why.iter().take(3).enumerate() { @if k > 0 { "; " } (t.detail) } }
            td { (langs.join(", ")) }
            td.num {
                (p.weekly_overlap_hours) " · " (format!("{:.1}", p.mean_weekly_overlap_hours))
                @if !p.session_slots.is_empty() { br; small { (names::session_slots(p)) } }
            }
        }
    }
}

/// A language level's name.
fn level(v: i32) -> &'static str {
    crate::model::Level(v.clamp(1, 7) as u8).name()
}
