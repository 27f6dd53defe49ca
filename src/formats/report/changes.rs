//! What moved: a what-if's scenarios against the baseline, and one
//! mentee's alternatives with the exact loss of each.

use maud::{html, Markup};

use crate::wire::pb;

use super::super::names::{self, People};
use super::parts::{points, who};

/// A what-if's sections: the scenarios' counts, then each one's changes.
pub(super) fn whatif(people: &People, resp: &pb::WhatIfResponse) -> Markup {
    html! {
        section #scenarios {
            h2 { "Scenarios" }
            p.note {
                "Each scenario against the baseline: pairs kept, moved to another mentor, "
                "added (a mentee matched who was not) and dropped (a mentee left without a mentor)."
            }
            table {
                thead { tr {
                    th { "scenario" } th { "status" } th.num { "kept" } th.num { "moved" } th.num { "added" }
                    th.num { "dropped" } th.num { "coverage change" } th.num { "score change" } th.num { "matched" }
                } }
                tbody {
                    @for r in &resp.results {
                        @let d = r.diff.clone().unwrap_or_default();
                        @let resp = r.response.clone().unwrap_or_default();
                        tr {
                            td { (r.name) @if r.resumed { " " small.muted { "(re-optimised from the baseline)" } } }
                            td { (names::status(resp.status)) }
                            td.num { (d.kept_count) } td.num { (d.moved.len()) } td.num { (d.added.len()) }
                            td.num { (d.dropped.len()) } td.num { (signed(f64::from(d.coverage_change))) }
                            td.num { (signed(d.score_change)) }
                            td.num { (resp.stats.unwrap_or_default().matched) " / " (resp.stats.unwrap_or_default().mentees) }
                        }
                    }
                }
            }
        }
        section #changes {
            h2 { "What moved" }
            @for r in &resp.results { (scenario(people, r)) }
        }
    }
}

/// A signed number: "+2", "−1.5", "0".
fn signed(x: f64) -> String {
    match x {
        x if x > 0.0 => format!("+{}", points(x)),
        x if x < 0.0 => format!("−{}", points(-x)),
        _ => "0".into(),
    }
}

/// One scenario's moves, additions and drops, then its unmatched.
fn scenario(people: &People, r: &pb::ScenarioResult) -> Markup {
    let d = r.diff.clone().unwrap_or_default();
    let unmatched = r.response.as_ref().map_or(&[][..], |x| &x.unmatched[..]);
    html! {
        div.person {
            h3 { (r.name) }
            @if d.moved.is_empty() && d.added.is_empty() && d.dropped.is_empty() {
                p.muted { "No pair changes." }
            } @else {
                table {
                    thead { tr { th { "change" } th { "mentee" } th { "from" } th { "to" } } }
                    tbody {
                        @for m in &d.moved {
                            tr { td.moved { "moved" } td { (who(people, &m.mentee_id)) } td { (who(people, &m.from_mentor_id)) } td { (who(people, &m.to_mentor_id)) } }
                        }
                        @for p in &d.added {
                            tr { td.added { "added" } td { (who(people, &p.mentee_id)) } td {} td { (who(people, &p.mentor_id)) } }
                        }
                        @for p in &d.dropped {
                            tr { td.dropped { "dropped" } td { (who(people, &p.mentee_id)) } td { (who(people, &p.mentor_id)) } td {} }
                        }
                    }
                }
            }
            @if let Some(m) = &r.membership_diff {
                @if m.changes > 0 || m.coverage_change != 0 {
                    p { "Groups: " (m.moved.len()) " member(s) moved to another lead mentor, "
                        (m.added.len()) " added, " (m.dropped.len()) " dropped." }
                }
            }
            @if !unmatched.is_empty() {
                p { "Unmatched in this scenario:" }
                ul.tight { @for u in unmatched { li { b { (people.label(&u.mentee_id)) } ": " (u.message) } } }
            }
        }
    }
}

/// One mentee's alternatives: each mentor, the pair's score and the exact
/// loss of forcing it; then the mentors no pin could give them.
pub(super) fn alternatives(people: &People, resp: &pb::AlternativesResponse) -> Markup {
    html! {
        section #alternatives {
            h2 { "Alternatives for " (people.label(&resp.mentee_id)) }
            p {
                @if resp.current_mentor_id.is_empty() { "Unmatched in the optimum. " }
                @else if resp.current_mentor_ids.len() > 1 {
                    "In the optimum with "
                    @for (k, m) in resp.current_mentor_ids.iter().enumerate() {
                        @if k > 0 { ", " } (people.label(m))
                    }
                    ". "
                }
                @else { "In the optimum with " (people.label(&resp.current_mentor_id)) ". " }
                "Each alternative is the optimum re-solved with the pair forced: what the programme loses, exactly."
            }
            table {
                thead { tr { th { "mentor" } th.num { "pair score" } th.num { "mentees lost" } th.num { "score lost" } th { "possible" } } }
                tbody {
                    @for a in &resp.alternatives {
                        tr {
                            td { (who(people, &a.mentor_id)) } td.num { (points(a.pair_score)) }
                            td.num { (a.coverage_loss) } td.num { (points(a.score_loss)) }
                            td { (if a.feasible { "yes" } else { "no: the rules cannot all be kept" }) }
                            @if let Some(lost) = a.pairs_loss { td.num { (lost) " pairs lost" } }
                        }
                    }
                }
            }
            @if resp.candidates_skipped > 0 {
                p.note { (resp.candidates_skipped) " more candidate(s) not evaluated (the limit)." }
            }
            @if !resp.excluded.is_empty() {
                h3 { "Excluded by a hard rule" }
                table {
                    thead { tr { th { "mentor" } th { "rules" } } }
                    tbody {
                        @for x in &resp.excluded {
                            tr { td { (who(people, &x.mentor_id)) } td { (x.rules.iter().map(|&r| names::rule(r)).collect::<Vec<_>>().join(", ")) } }
                        }
                    }
                }
            }
        }
    }
}
