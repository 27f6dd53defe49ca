//! The working hours that meet: for each pair of schedules the pairs use
//! (mentor's zone and hours × mentee's), a week in UTC, one row per stretch
//! of weeks that clock changes leave alike.

use std::collections::BTreeMap;

use maud::{html, Markup};

use crate::calendar::week::{week_patterns, WeekPattern};
use crate::calendar::{format_hhmm, slots::weekday_name};
use crate::explain::words::schedule;
use crate::model::Problem;
use crate::wire::pb;

use super::super::names::People;

/// Pairs of schedules drawn, the most used first.
const SHOWN: usize = 12;
/// Names listed under a pair of schedules.
const NAMES: usize = 6;
const LABEL: f64 = 190.0;
/// Pixels per hour.
const HOUR: f64 = 4.0;
const ROW: f64 = 34.0;
const TOP: f64 = 22.0;

/// The hours section.
pub(super) fn section(problem: &Problem, people: &People, resp: &pb::SolveResponse) -> Markup {
    let mentor: BTreeMap<&str, u32> = problem
        .mentors
        .iter()
        .map(|m| (m.profile.id.as_str(), m.profile.schedule))
        .collect();
    let mentee: BTreeMap<&str, u32> = problem
        .mentees
        .iter()
        .map(|e| (e.profile.id.as_str(), e.profile.schedule))
        .collect();
    // Pairs of schedules, with their pairs in response order.
    let mut combos: BTreeMap<(u32, u32), Vec<&pb::Pair>> = BTreeMap::new();
    for p in &resp.pairs {
        if let (Some(&a), Some(&b)) = (
            mentor.get(p.mentor_id.as_str()),
            mentee.get(p.mentee_id.as_str()),
        ) {
            combos.entry((a, b)).or_default().push(p);
        }
    }
    let mut order: Vec<((u32, u32), Vec<&pb::Pair>)> = combos.into_iter().collect();
    order.sort_by(|x, y| y.1.len().cmp(&x.1.len()).then_with(|| x.0.cmp(&y.0)));
    let more = order.len().saturating_sub(SHOWN);
    html! {
        section #hours {
            h2 { "Working hours that meet" }
            p.note {
                "A week in UTC, Monday to Sunday, for each pair of schedules the pairs use: "
                "the mentor's hours (blue), the mentee's (orange) and where they meet (green). "
                "A new row starts where a clock change moves them (summer time, Morocco's Ramadan offset, Egypt's summer time)."
            }
            @for ((a, b), pairs) in order.iter().take(SHOWN) {
                @let (sa, sb) = (&problem.schedules[*a as usize], &problem.schedules[*b as usize]);
                figure {
                    h3 { "mentor " (schedule(sa)) " × mentee " (schedule(sb)) }
                    p.muted {
                        (pairs.len()) " pair(s): "
                        @for (k, p) in pairs.iter().take(NAMES).enumerate() {
                            @if k > 0 { ", " }
                            (people.label(&p.mentor_id)) " & " (people.label(&p.mentee_id))
                        }
                        @if pairs.len() > NAMES { ", and " (pairs.len() - NAMES) " more" }
                    }
                    (week(&week_patterns(sa, sb, problem.policy.start, problem.policy.end)))
                }
            }
            @if more > 0 { p.note { (more) " less used pair(s) of schedules are not drawn." } }
        }
    }
}

/// One pair of schedules' weeks as an SVG: a row per pattern.
fn week(patterns: &[WeekPattern]) -> Markup {
    let width = LABEL + 7.0 * 24.0 * HOUR + 60.0;
    let height = TOP + patterns.len() as f64 * ROW + 4.0;
    let x = |min: u32| LABEL + f64::from(min) / 60.0 * HOUR;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" role="img" width=(width) height=(height)
            viewBox={ "0 0 " (width) " " (height) } {
            title { "Working hours in UTC, week by week" }
            @for d in 0..7u8 {
                @let x0 = LABEL + f64::from(d) * 24.0 * HOUR;
                line x1=(x0) y1="16" x2=(x0) y2=(height) stroke="#d9dde5" {}
                text x=(x0 + 12.0 * HOUR) y="12" text-anchor="middle" { (weekday_name(d)) }
            }
            @for (k, p) in patterns.iter().enumerate() {
                @let y = TOP + k as f64 * ROW;
                text x="0" y=(y + 12.0) { (span(p)) }
                text x="0" y=(y + 25.0) class="muted" { (format!("{:.1}", f64::from(p.both_minutes()) / 60.0)) " h a week together" }
                (bands(&p.a, y + 2.0, 7.0, "#3b7dd8", x))
                (bands(&p.b, y + 11.0, 7.0, "#e08a2e", x))
                (bands(&p.both, y + 20.0, 9.0, "#1b7f4b", x))
            }
        }
    }
}

/// A pattern's weeks in words: "from 2021-03-29, 2 weeks".
fn span(p: &WeekPattern) -> String {
    match p.weeks {
        1 => format!("week of {}", p.first_monday),
        n => format!("from {}, {n} weeks", p.first_monday),
    }
}

/// Intervals as bars at height `y`.
fn bands(iv: &[(u32, u32)], y: f64, h: f64, fill: &str, x: impl Fn(u32) -> f64) -> Markup {
    html! {
        @for &(s, e) in iv {
            rect x=(format!("{:.1}", x(s))) y=(y) width=(format!("{:.1}", x(e) - x(s))) height=(h) fill=(fill) {
                title { (utc(s)) "–" (utc(e)) " UTC" }
            }
        }
    }
}

/// Minutes after Monday 00:00 UTC as "Tue 07:00".
fn utc(min: u32) -> String {
    let (d, m) = (min / 1440, min % 1440);
    if d >= 7 {
        return "Mon 00:00".into();
    }
    format!("{} {}", weekday_name(d as u8), format_hhmm(m as u16))
}
