//! The HTML report: one self-contained page (inline CSS and SVG, no script,
//! no network) that prints well, rendered with maud from the same request
//! and response the JSON carries. Deterministic: the same answer gives the
//! same bytes.
//!
//! # Layout
//! - `mod.rs`: the page and its sections in order, for a solve, a what-if
//!   and an alternatives answer;
//! - `summary.rs`: status and what it means, coverage, objective, scores;
//! - `picture.rs`: the matching as a picture (mentees and mentors by
//!   country, each pair a link; by country alone for large programmes);
//! - `pairs.rs`: the pairs, a bar per score term;
//! - `hours.rs`: the working hours that meet, a week in UTC per pair of
//!   schedules, split where clock changes move them (`calendar::week`);
//! - `groups.rs`: groups, their sessions in every member's local time;
//! - `meetings.rs`: joint meetings in every zone, who is outside and why;
//! - `unmatched.rs`: mentees left out, their certificates in words;
//! - `changes.rs`: a what-if's moves and an alternatives answer.
//!
//! Every section reads the response's messages; the words are the
//! response's own (`message` fields), never recomputed here.

mod changes;
mod groups;
mod hours;
mod meetings;
mod pairs;
mod parts;
mod picture;
mod summary;
mod unmatched;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::settings::Limits;
use crate::wire::{self, pb};

use super::error::FormatError;
use super::names::People;

const STYLE: &str = include_str!("style.css");

/// A solve's report: summary, the matching as a picture, the pairs, the
/// hours that meet, groups and the unmatched. `req` is validated (under
/// `limits`) to lay out the working hours.
pub fn solve(
    req: &pb::SolveRequest,
    resp: &pb::SolveResponse,
    limits: &Limits,
) -> Result<String, FormatError> {
    let problem =
        wire::problem_from_request(req, limits).map_err(|e| FormatError::Request(e.to_string()))?;
    let people = People::of(req);
    let mut links = vec![("summary", "Summary"), ("matching", "Matching")];
    if !resp.pairs.is_empty() {
        links.extend([("pairs", "Pairs"), ("hours", "Hours")]);
    }
    if !resp.groups.is_empty() || !resp.ungrouped.is_empty() {
        links.push(("groups", "Groups"));
    }
    if !resp.joint_meetings.is_empty() {
        links.push(("meetings", "Meetings"));
    }
    if !resp.unmatched.is_empty() {
        links.push(("unmatched", "Unmatched"));
    }
    let body = html! {
        (summary::solve(&problem, resp))
        (picture::matching(&people, req, resp))
        @if !resp.pairs.is_empty() {
            (pairs::section(&people, resp))
            (hours::section(&problem, &people, resp))
        }
        @if links.iter().any(|l| l.0 == "groups") { (groups::section(&people, resp)) }
        @if !resp.joint_meetings.is_empty() { (meetings::section(&people, resp)) }
        @if !resp.unmatched.is_empty() { (unmatched::section(&people, resp)) }
    };
    let subtitle = format!(
        "{} mentees, {} mentors · {} to {}",
        req.mentees.len(),
        req.mentors.len(),
        problem.policy.start,
        problem.policy.end
    );
    Ok(page("Matching report", &subtitle, &links, body))
}

/// A what-if's report: each scenario's counts and what moved, names from
/// the base.
pub fn whatif(req: &pb::WhatIfRequest, resp: &pb::WhatIfResponse) -> String {
    let empty = pb::SolveRequest::default();
    let people = People::of(req.base.as_ref().unwrap_or(&empty));
    let links = [("scenarios", "Scenarios"), ("changes", "Changes")];
    let subtitle = format!("{} scenario(s) against the baseline", resp.results.len());
    page(
        "What-if report",
        &subtitle,
        &links,
        changes::whatif(&people, resp),
    )
}

/// An alternatives answer's report: the mentee's alternative mentors with
/// the exact loss of each, and who is excluded by which rule.
pub fn alternatives(req: &pb::AlternativesRequest, resp: &pb::AlternativesResponse) -> String {
    let empty = pb::SolveRequest::default();
    let people = People::of(req.request.as_ref().unwrap_or(&empty));
    let subtitle = format!("for {}", people.label(&resp.mentee_id));
    page(
        "Alternatives report",
        &subtitle,
        &[("alternatives", "Alternatives")],
        changes::alternatives(&people, resp),
    )
}

/// The page around a report's sections.
fn page(title: &str, subtitle: &str, links: &[(&str, &str)], body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.top {
                    h1 { (title) }
                    p { (subtitle) }
                }
                nav {
                    @for (id, name) in links { a href={ "#" (id) } { (name) } }
                }
                main {
                    (body)
                    footer {
                        "Written by mentormatch " (env!("CARGO_PKG_VERSION"))
                        " from the response its JSON carries."
                    }
                }
            }
        }
    }
    .into_string()
}
