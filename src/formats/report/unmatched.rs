//! The mentees left unmatched: the reason, the response's sentence, the
//! certificate in words (a Hall violator: these mentees, these mentors,
//! one place too few) and what would place one more.

use std::collections::BTreeMap;

use maud::{html, Markup};

use crate::wire::pb;

use super::super::names::{self, People};

/// Candidates listed by name, at most.
const CANDIDATES: usize = 10;

/// The unmatched section.
pub(super) fn section(people: &People, resp: &pb::SolveResponse) -> Markup {
    let anchor: BTreeMap<&str, usize> = resp
        .unmatched
        .iter()
        .enumerate()
        .map(|(k, u)| (u.mentee_id.as_str(), k))
        .collect();
    // With demand, mentees with some of the mentors they asked for are listed too.
    let demand = resp.unmatched.iter().any(|u| u.mentors_asked > 0);
    html! {
        section #unmatched {
            @if demand {
                h2 { "Mentees short of the mentors they asked for" }
                p.note { (resp.unmatched.len()) " mentee(s) have fewer mentors than they asked for. Each says why." }
            } @else {
                h2 { "Unmatched mentees" }
                p.note { (resp.unmatched.len()) " mentee(s) have no pair. Each says why, and what would change it." }
            }
            @for (k, u) in resp.unmatched.iter().enumerate() { (mentee(people, &anchor, k, u)) }
        }
    }
}

/// One unmatched mentee.
fn mentee(
    people: &People,
    anchor: &BTreeMap<&str, usize>,
    k: usize,
    u: &pb::UnmatchedMentee,
) -> Markup {
    html! {
        div.person id={ "u" (k) } {
            h3 { (people.label(&u.mentee_id)) " " small.muted { (u.mentee_id) } }
            p { span.reason { (names::reason(u.reason)) } ": " (u.message) }
            @if !u.excluded_by.is_empty() {
                p { "Mentors excluded, by rule: "
                    @for (j, r) in u.excluded_by.iter().enumerate() {
                        @if j > 0 { "; " } (names::rule(r.rule)) " " (r.mentors)
                    }
                }
            }
            @if !u.suggestions.is_empty() {
                p { "What would give a candidate:" }
                ul.tight { @for s in &u.suggestions { li { (s) } } }
            }
            @if !u.candidate_mentor_ids.is_empty() {
                p { "Mentors who pass every rule: "
                    (u.candidate_mentor_ids.iter().take(CANDIDATES).map(|m| people.label(m)).collect::<Vec<_>>().join(", "))
                    @if u.candidate_mentor_ids.len() > CANDIDATES { ", and " (u.candidate_mentor_ids.len() - CANDIDATES) " more" }
                }
            }
            @if let Some(c) = &u.certificate { (certificate(c)) }
            @if !u.same_bottleneck_as.is_empty() {
                p { "The same bottleneck as "
                    @match anchor.get(u.same_bottleneck_as.as_str()) {
                        Some(j) => a href={ "#u" (j) } { (people.label(&u.same_bottleneck_as)) },
                        None => (people.label(&u.same_bottleneck_as)),
                    }
                    ": its certificate, with this mentee in place of that one, is this one's."
                }
            }
        }
    }
}

/// A capacity certificate: its sentence, then the relaxations.
fn certificate(c: &pb::CapacityCertificate) -> Markup {
    html! {
        p { "Why (a certificate anyone can check): " (c.message) }
        @if !c.relaxations.is_empty() {
            p { "What would place one more mentee:" }
            ul.tight { @for r in &c.relaxations { li { (r.message) } } }
        }
    }
}
