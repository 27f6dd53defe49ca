//! The matching as a picture: mentees on the left and mentors on the right,
//! each side by country, the pairs as links. A programme of more than
//! [`PEOPLE_MAX`] people is drawn by country alone: one bar per country,
//! one band per country pair, as wide as its pairs.

use std::collections::BTreeMap;

use maud::{html, Markup};

use crate::wire::pb;

use super::super::names::People;
use super::parts::points;

/// Mentors and mentees drawn one by one, at most.
const PEOPLE_MAX: usize = 120;
/// Countries drawn on a side before the rest are "other".
const COUNTRIES_MAX: usize = 14;
const ROW: f64 = 18.0;
const TOP: f64 = 34.0;
const LEFT_X: f64 = 330.0;
const RIGHT_X: f64 = 570.0;
const WIDTH: f64 = 900.0;
/// Link colours, by the mentee's country.
const COLOURS: [&str; 8] = [
    "#1f5fa8", "#e0662e", "#1b7f4b", "#7b5ea7", "#c2569b", "#2e9bd6", "#b7791f", "#5a6b7d",
];

/// The matching section.
pub(super) fn matching(
    people: &People,
    req: &pb::SolveRequest,
    resp: &pb::SolveResponse,
) -> Markup {
    let by_person = req.mentees.len() + req.mentors.len() <= PEOPLE_MAX;
    html! {
        section #matching {
            h2 { "The matching" }
            p.note {
                @if by_person {
                    "Mentees (left) and mentors (right) by country; each line is a pair, "
                    "coloured by the mentee's country; a dashed line is pinned. "
                    "A hollow red dot is a mentee left unmatched, a hollow grey one a mentor without a mentee."
                } @else {
                    "Mentees (left) and mentors (right) by country; each band is the pairs "
                    "between two countries, as wide as their number; red is the unmatched."
                }
            }
            figure { @if by_person { (persons(people, req, resp)) } @else { (countries(people, req, resp)) } }
        }
    }
}

/// A country's English name with its code ("Morocco (MA)"), or the code.
fn country_name(code: &str) -> String {
    match isocountry::CountryCode::for_alpha2(code) {
        Ok(c) => format!("{} ({code})", c.name()),
        Err(_) if code.is_empty() => "no country".to_string(),
        Err(_) => code.to_string(),
    }
}

/// Ids grouped by country (countries in code order, people in request
/// order), each with its row.
fn column<'a>(
    people: &People,
    ids: impl Iterator<Item = &'a str>,
) -> (Vec<(String, f64)>, BTreeMap<&'a str, f64>, usize) {
    let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for id in ids {
        groups.entry(people.country(id)).or_default().push(id);
    }
    let (mut heads, mut rows, mut r) = (Vec::new(), BTreeMap::new(), 0usize);
    for (country, ids) in groups {
        heads.push((country, TOP + r as f64 * ROW));
        r += 1;
        for id in ids {
            rows.insert(id, TOP + r as f64 * ROW);
            r += 1;
        }
    }
    (heads, rows, r)
}

/// Everyone drawn one by one.
fn persons<'a>(people: &People, req: &'a pb::SolveRequest, resp: &pb::SolveResponse) -> Markup {
    let ids = |ps: Vec<Option<&'a pb::Profile>>| -> Vec<&'a str> {
        ps.into_iter().flatten().map(|p| p.id.as_str()).collect()
    };
    let mentees = ids(req.mentees.iter().map(|e| e.profile.as_ref()).collect());
    let mentors = ids(req.mentors.iter().map(|m| m.profile.as_ref()).collect());
    let (lh, left, ln) = column(people, mentees.iter().copied());
    let (rh, right, rn) = column(people, mentors.iter().copied());
    let mut colour: BTreeMap<String, &str> = BTreeMap::new();
    for (k, (c, _)) in lh.iter().enumerate() {
        colour.insert(c.clone(), COLOURS[k % COLOURS.len()]);
    }
    let matched: BTreeMap<&str, &pb::Pair> = resp
        .pairs
        .iter()
        .map(|p| (p.mentee_id.as_str(), p))
        .collect();
    let busy: BTreeMap<&str, u32> = resp
        .mentor_loads
        .iter()
        .map(|l| (l.mentor_id.as_str(), l.mentees))
        .collect();
    let height = TOP + ln.max(rn) as f64 * ROW + 8.0;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" role="img" width=(WIDTH) height=(height)
            viewBox={ "0 0 " (WIDTH) " " (height) } {
            title { "Mentees and mentors by country, with their pairs" }
            text.head x=(LEFT_X) y="14" text-anchor="end" { "mentees" }
            text.head x=(RIGHT_X) y="14" { "mentors" }
            @for p in &resp.pairs {
                @if let (Some(&y1), Some(&y2)) = (left.get(p.mentee_id.as_str()), right.get(p.mentor_id.as_str())) {
                    path d=(format!("M{LEFT_X},{y1} C450,{y1} 450,{y2} {RIGHT_X},{y2}"))
                        fill="none" stroke=(colour.get(&people.country(&p.mentee_id)).copied().unwrap_or("#5a6b7d"))
                        stroke-width="1.6" stroke-opacity="0.8"
                        stroke-dasharray=(if p.pinned { "5 3" } else { "none" }) {
                        title { (people.label(&p.mentee_id)) " — " (people.label(&p.mentor_id)) ": " (points(p.score)) " points" }
                    }
                }
            }
            @for (c, y) in &lh { text.head x=(LEFT_X - 8.0) y=(y + 4.0) text-anchor="end" { (country_name(c)) } }
            @for (c, y) in &rh { text.head x=(RIGHT_X + 8.0) y=(y + 4.0) { (country_name(c)) } }
            @for id in &mentees {
                @let y = left[id];
                @let out = !matched.contains_key(id);
                circle cx=(LEFT_X) cy=(y) r="4" fill=(if out { "#fff" } else { "#1d2433" }) stroke=(if out { "#b42318" } else { "#1d2433" }) {}
                text x=(LEFT_X - 8.0) y=(y + 4.0) text-anchor="end" class=(if out { "out" } else { "" }) {
                    (people.label(id)) @if out { " (unmatched)" }
                }
            }
            @for id in &mentors {
                @let y = right[id];
                @let idle = busy.get(id).copied().unwrap_or(0) == 0;
                circle cx=(RIGHT_X) cy=(y) r="4" fill=(if idle { "#fff" } else { "#1d2433" }) stroke=(if idle { "#9aa5b1" } else { "#1d2433" }) {}
                text x=(RIGHT_X + 8.0) y=(y + 4.0) { (people.label(id)) }
            }
        }
    }
}

/// Counts by country, the largest [`COUNTRIES_MAX`] kept and the rest as
/// "other" (an empty name sorts as "no country").
fn top(counts: BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if v.len() > COUNTRIES_MAX {
        let rest: u64 = v[COUNTRIES_MAX - 1..].iter().map(|x| x.1).sum();
        v.truncate(COUNTRIES_MAX - 1);
        v.push(("other".into(), rest));
    }
    v
}

/// The matching by country alone.
fn countries(people: &People, req: &pb::SolveRequest, resp: &pb::SolveResponse) -> Markup {
    let mut mentees: BTreeMap<String, u64> = BTreeMap::new();
    for p in req.mentees.iter().filter_map(|e| e.profile.as_ref()) {
        *mentees
            .entry(p.country.trim().to_ascii_uppercase())
            .or_default() += 1;
    }
    let mut received: BTreeMap<String, u64> = BTreeMap::new();
    for p in req.mentors.iter().filter_map(|m| m.profile.as_ref()) {
        received
            .entry(p.country.trim().to_ascii_uppercase())
            .or_default();
    }
    // Pairs of people the request has (a saved response may not match it).
    let known =
        |p: &&pb::Pair| people.get(&p.mentee_id).is_some() && people.get(&p.mentor_id).is_some();
    let pairs: Vec<&pb::Pair> = match req.mentees.is_empty() {
        true => Vec::new(),
        false => resp.pairs.iter().filter(known).collect(),
    };
    for p in &pairs {
        *received.entry(people.country(&p.mentor_id)).or_default() += 1;
    }
    let (left, right) = (top(mentees), top(received));
    let side = |v: &[(String, u64)], c: &str| {
        v.iter()
            .position(|x| x.0 == c)
            .unwrap_or(v.len().saturating_sub(1))
    };
    let mut mentors = vec![0u64; right.len()];
    for p in req.mentors.iter().filter_map(|m| m.profile.as_ref()) {
        mentors[side(&right, &p.country.trim().to_ascii_uppercase())] += 1;
    }
    let mut bands: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    let mut unmatched = vec![0u64; left.len()];
    let mut matched_of = vec![0u64; left.len()];
    for p in &pairs {
        let (l, r) = (
            side(&left, &people.country(&p.mentee_id)),
            side(&right, &people.country(&p.mentor_id)),
        );
        *bands.entry((l, r)).or_default() += 1;
        matched_of[l] += 1;
    }
    for (k, (_, n)) in left.iter().enumerate() {
        unmatched[k] = n.saturating_sub(matched_of[k]);
    }
    let total = left.iter().map(|x| x.1).sum::<u64>().max(1) as f64;
    let gap = 10.0;
    let unit = (560.0 - gap * left.len().max(right.len()) as f64).max(100.0) / total;
    let stack = |v: &[(String, u64)]| {
        let mut y = TOP;
        v.iter()
            .map(|(_, n)| {
                let at = y;
                y += (*n as f64 * unit).max(2.0) + gap;
                at
            })
            .collect::<Vec<f64>>()
    };
    let (ly, ry) = (stack(&left), stack(&right));
    let height = ly
        .last()
        .zip(left.last())
        .map_or(TOP, |(y, x)| y + (x.1 as f64 * unit).max(2.0))
        .max(
            ry.last()
                .zip(right.last())
                .map_or(TOP, |(y, x)| y + (x.1 as f64 * unit).max(2.0)),
        )
        + 12.0;
    // Each band's place in its two bars, bands in (left, right) order.
    let (mut lo, mut ro) = (ly.clone(), ry.clone());
    let mut drawn = Vec::new();
    for (&(l, r), &n) in &bands {
        let h = n as f64 * unit;
        drawn.push((l, r, n, lo[l], ro[r], h));
        lo[l] += h;
        ro[r] += h;
    }
    let (x1, x2) = (LEFT_X - 20.0, RIGHT_X + 20.0);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" role="img" width=(WIDTH) height=(height)
            viewBox={ "0 0 " (WIDTH) " " (height) } {
            title { "Pairs between mentees' and mentors' countries" }
            text.head x=(x1) y="14" text-anchor="end" { "mentees" }
            text.head x=(x2) y="14" { "mentors" }
            @for (l, r, n, a, b, h) in &drawn {
                path d=(format!("M{x1},{a:.1} C450,{a:.1} 450,{b:.1} {x2},{b:.1} L{x2},{:.1} C450,{:.1} 450,{:.1} {x1},{:.1} Z", b + h, b + h, a + h, a + h))
                    fill=(COLOURS[l % COLOURS.len()]) fill-opacity="0.45" {
                    title { (country_name(&left[*l].0)) " → " (country_name(&right[*r].0)) ": " (n) " pairs" }
                }
            }
            @for (k, (c, n)) in left.iter().enumerate() {
                rect x=(x1 - 8.0) y=(format!("{:.1}", ly[k])) width="8" height=(format!("{:.1}", (*n as f64 * unit).max(2.0))) fill="#1d2433" {}
                @if unmatched[k] > 0 {
                    rect x=(x1 - 8.0) y=(format!("{:.1}", ly[k] + matched_of[k] as f64 * unit)) width="8"
                        height=(format!("{:.1}", unmatched[k] as f64 * unit)) fill="#b42318" {}
                }
                text x=(x1 - 14.0) y=(format!("{:.1}", ly[k] + 10.0)) text-anchor="end" {
                    (country_name(c)) ": " (n) " mentees" @if unmatched[k] > 0 { ", " (unmatched[k]) " unmatched" }
                }
            }
            @for (k, (c, n)) in right.iter().enumerate() {
                rect x=(x2) y=(format!("{:.1}", ry[k])) width="8" height=(format!("{:.1}", (*n as f64 * unit).max(2.0))) fill="#1d2433" {}
                text x=(x2 + 14.0) y=(format!("{:.1}", ry[k] + 10.0)) { (country_name(c)) ": " (mentors[k]) " mentors, " (n) " mentees" }
            }
        }
    }
}
