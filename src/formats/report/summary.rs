//! The summary: status and what it means here, coverage, objective, scores,
//! the rules the optimum keeps, and why there is no matching when there is
//! none.

use maud::{html, Markup};

use crate::explain::words::hours_text;
use crate::model::{from_milli, Problem};
use crate::wire::pb;

use super::super::names;
use super::parts::points;

/// The summary section of a solve.
pub(super) fn solve(problem: &Problem, resp: &pb::SolveResponse) -> Markup {
    let s = resp.stats.unwrap_or_default();
    let status = names::status(resp.status);
    let share = if s.mentees == 0 {
        0.0
    } else {
        100.0 * f64::from(s.matched) / f64::from(s.mentees)
    };
    let busy = resp.mentor_loads.iter().filter(|l| l.mentees > 0).count();
    let places: u64 = resp
        .mentor_loads
        .iter()
        .map(|l| u64::from(l.capacity))
        .sum();
    html! {
        section #summary {
            h2 { "Summary" }
            p {
                span class={ "status " (status) } { (status) } " "
                (names::meaning(resp.status, s.objective)) "."
            }
            div.cards {
                div.card { b { (s.matched) " / " (s.mentees) } span { "mentees matched (" (format!("{share:.1}")) " %)" } }
                @if s.pairs > 0 {
                    div.card { b { (s.pairs) } span { "pairs (mentees with several mentors)" } }
                }
                div.card { b { (points(s.total_score)) } span { "total score (points)" } }
                div.card { b { (points(s.min_pair_score)) } span { "lowest pair score" } }
                div.card { b { (busy) " / " (s.mentors) } span { "mentors with a mentee (" (places) " places)" } }
                div.card { b { (names::objective(s.objective)) } span { "objective" } }
                div.card {
                    b { (s.candidate_pairs_feasible) }
                    span { "pairs pass every rule, of " (s.candidate_pairs_total) }
                }
                @if let Some(g) = resp.group_stats.as_ref().filter(|_| !resp.groups.is_empty()) {
                    div.card {
                        b { (g.groups) " groups" }
                        span { (g.grouped_mentees) " mentees grouped, " (names::status(g.status)) (gap(g)) }
                    }
                }
            }
            h3 { "The rules every pair keeps" }
            ul.tight { @for r in rules(problem) { li { (r) } } }
            @if !resp.infeasibilities.is_empty() {
                h3 { "Why no matching keeps the rules" }
                ul.tight { @for i in &resp.infeasibilities { li { (i.message) } } }
            }
        }
    }
}

/// A group solve's gap, when it has one.
fn gap(g: &pb::GroupStats) -> String {
    match g.gap {
        Some(x) if x > 0.0 => format!(" (gap {:.2} %)", 100.0 * x),
        _ => String::new(),
    }
}

/// The hard rules of the request, in words.
fn rules(p: &Problem) -> Vec<String> {
    let pol = &p.policy;
    let mut out = vec![
        format!(
            "a shared language at level {} or above",
            pol.min_level.name()
        ),
        format!(
            "at least {} h of overlapping working time in every full week",
            hours_text(pol.min_weekly_overlap_min)
        ),
    ];
    if pol.require_cross_border {
        out.push("mentor and mentee from different countries".into());
    }
    if !pol.allow_same_organization {
        out.push("mentor and mentee from different organisations".into());
    }
    if let Some(m) = pol.min_pair_score {
        out.push(format!(
            "a pair score of at least {}",
            points(from_milli(m))
        ));
    }
    if !pol.forbidden.is_empty() {
        out.push(format!("{} forbidden pair(s) avoided", pol.forbidden.len()));
    }
    if !pol.pinned.is_empty() {
        out.push(format!("{} pinned pair(s) kept", pol.pinned.len()));
    }
    if let Some(q) = pol.max_mentees_per_country {
        out.push(format!("at most {q} matched mentees per country"));
    }
    out.push("no mentor above their capacity, none below their minimum".into());
    out
}
