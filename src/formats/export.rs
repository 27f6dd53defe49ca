//! Answers as coordinators' tables: names beside ids, countries and
//! organisations from the request, each pair's score terms, shared
//! language and weekly overlap, unmatched mentees with their reason in
//! words, groups with their slot in every member's local time, and a
//! what-if's changes; written as one workbook (`xlsx`) or one table
//! (`csv`). Rendered from the same messages the JSON carries.

use std::collections::{BTreeMap, BTreeSet};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::wire::pb;

use super::error::FormatError;
use super::names::{self, People};

/// A cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Text(String),
    /// A number (points, hours, counts).
    Number(f64),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Number(x)
    }
}

/// A named table: its header and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The sheet's name.
    pub name: String,
    /// Column headers.
    pub header: Vec<String>,
    /// Rows, as long as the header.
    pub rows: Vec<Vec<Value>>,
}

/// (name, country, organisation) of `id`, empty when unknown.
fn who(people: &People, id: &str) -> [Value; 3] {
    match people.get(id) {
        Some(p) => [
            p.name.clone().into(),
            p.country.clone().into(),
            p.organization.clone().into(),
        ],
        None => ["".into(), "".into(), "".into()],
    }
}

/// The matching, one row per mentee in request order: the mentee, their
/// mentor (or why they have none), the pair's score and its terms.
pub fn matching(req: &pb::SolveRequest, resp: &pb::SolveResponse) -> Grid {
    matching_of(&People::of(req), req, resp)
}

/// [`matching`] with the request's people already looked up.
fn matching_of(people: &People, req: &pb::SolveRequest, resp: &pb::SolveResponse) -> Grid {
    let criteria: BTreeSet<i32> = resp
        .pairs
        .iter()
        .flat_map(|p| p.breakdown.iter().map(|t| t.criterion))
        .collect();
    let mut header: Vec<String> = [
        "mentee id",
        "mentee",
        "mentee country",
        "mentee organisation",
        "mentor id",
        "mentor",
        "mentor country",
        "mentor organisation",
        "score",
    ]
    .map(String::from)
    .to_vec();
    header.extend(criteria.iter().map(|&c| names::criterion(c)));
    header.extend(
        [
            "shared languages",
            "weekly overlap (h)",
            "pinned",
            "why unmatched",
        ]
        .map(String::from),
    );
    // Session slots only when the request asked for them.
    let slots = resp.pairs.iter().any(|p| !p.session_slots.is_empty());
    if slots {
        header.push("session slots".into());
    }
    let pairs: BTreeMap<&str, &pb::Pair> = resp
        .pairs
        .iter()
        .map(|p| (p.mentee_id.as_str(), p))
        .collect();
    let unmatched: BTreeMap<&str, &pb::UnmatchedMentee> = resp
        .unmatched
        .iter()
        .map(|u| (u.mentee_id.as_str(), u))
        .collect();
    let mut rows = Vec::new();
    for e in req.mentees.iter().filter_map(|e| e.profile.as_ref()) {
        let mut row: Vec<Value> = vec![e.id.clone().into()];
        row.extend(who(people, &e.id));
        match pairs.get(e.id.as_str()) {
            Some(p) => {
                row.push(p.mentor_id.clone().into());
                row.extend(who(people, &p.mentor_id));
                row.push(p.score.into());
                for &c in &criteria {
                    let points: f64 = p
                        .breakdown
                        .iter()
                        .filter(|t| t.criterion == c)
                        .map(|t| t.points)
                        .sum();
                    row.push(points.into());
                }
                let langs: Vec<String> =
                    p.shared_languages.iter().map(|l| l.code.clone()).collect();
                row.push(langs.join(", ").into());
                row.push(p.weekly_overlap_hours.into());
                row.push(if p.pinned { "yes" } else { "" }.into());
                row.push("".into());
                if slots {
                    row.push(names::session_slots(p).into());
                }
            }
            None => {
                row.extend((0..5 + criteria.len()).map(|_| Value::from("")));
                row.extend(["".into(), "".into(), "".into()]);
                let why = unmatched
                    .get(e.id.as_str())
                    .map_or("", |u| u.message.as_str());
                row.push(why.into());
                if slots {
                    row.push("".into());
                }
            }
        }
        rows.push(row);
    }
    Grid {
        name: "matching".into(),
        header,
        rows,
    }
}

/// Mentors' loads against their capacities.
fn mentors(people: &People, resp: &pb::SolveResponse) -> Grid {
    let rows = resp
        .mentor_loads
        .iter()
        .map(|l| {
            let mut row: Vec<Value> = vec![l.mentor_id.clone().into()];
            row.extend(who(people, &l.mentor_id));
            row.push(f64::from(l.mentees).into());
            row.push(f64::from(l.capacity).into());
            row.push(f64::from(l.min_mentees).into());
            row
        })
        .collect();
    Grid {
        name: "mentors".into(),
        header: [
            "mentor id",
            "mentor",
            "country",
            "organisation",
            "mentees",
            "capacity",
            "minimum",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// Groups: lead and co-mentor, members by name, theme, working language,
/// and the weekly slot in every member's local time.
fn groups(people: &People, resp: &pb::SolveResponse) -> Grid {
    // A member without a name is shown by id.
    let name = |id: &str| people.label(id).to_string();
    let mut rows = Vec::new();
    for g in &resp.groups {
        let slot = g.slot.as_ref().map_or(String::new(), |s| {
            format!("{} UTC (from {})", s.first_utc, s.time_zone)
        });
        for (k, m) in g.member_ids.iter().enumerate() {
            let local = g
                .local_times
                .iter()
                .find(|l| &l.person_id == m)
                .map_or(String::new(), |l| {
                    format!("{} ({})", l.local.join("; "), l.time_zone)
                });
            let lead = g.mentor_ids.first().map_or("", String::as_str);
            rows.push(vec![
                g.id.clone().into(),
                if k == 0 { name(lead) } else { String::new() }.into(),
                m.clone().into(),
                name(m).into(),
                g.theme.join(", ").into(),
                g.working_language.clone().into(),
                slot.clone().into(),
                local.into(),
            ]);
        }
    }
    Grid {
        name: "groups".into(),
        header: [
            "group",
            "lead mentor",
            "member id",
            "member",
            "theme",
            "language",
            "slot",
            "member's local time",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// A solve's summary: what was found and what "optimal" means here.
fn summary(resp: &pb::SolveResponse) -> Grid {
    let s = resp.stats.unwrap_or_default();
    let meaning = names::meaning(resp.status, s.objective);
    let (status, objective) = (names::status(resp.status), names::objective(s.objective));
    let rows: Vec<Vec<Value>> = vec![
        vec!["status".into(), status.into()],
        vec!["what it means".into(), meaning.into()],
        vec!["objective".into(), objective.into()],
        vec!["matched".into(), f64::from(s.matched).into()],
        vec!["mentees".into(), f64::from(s.mentees).into()],
        vec!["mentors".into(), f64::from(s.mentors).into()],
        vec!["total score".into(), s.total_score.into()],
        vec!["lowest pair score".into(), s.min_pair_score.into()],
    ];
    Grid {
        name: "summary".into(),
        header: vec!["".into(), "".into()],
        rows,
    }
}

/// A solve's sheets: summary, matching, mentors, groups.
pub fn solve_sheets(req: &pb::SolveRequest, resp: &pb::SolveResponse) -> Vec<Grid> {
    let people = People::of(req);
    let mut out = vec![
        summary(resp),
        matching_of(&people, req, resp),
        mentors(&people, resp),
    ];
    if !resp.groups.is_empty() {
        out.push(groups(&people, resp));
    }
    out
}

/// A what-if's changes, one row per moved, added or dropped pair of each
/// scenario (names from the base).
pub fn changes(req: &pb::WhatIfRequest, resp: &pb::WhatIfResponse) -> Grid {
    let empty = pb::SolveRequest::default();
    let people = People::of(req.base.as_ref().unwrap_or(&empty));
    let name = |id: &str| people.name(id).to_string();
    let mut rows = Vec::new();
    for r in &resp.results {
        let d = r.diff.clone().unwrap_or_default();
        let mut push = |kind: &str, mentee: &str, from: &str, to: &str| {
            rows.push(vec![
                r.name.clone().into(),
                kind.into(),
                mentee.into(),
                name(mentee).into(),
                from.into(),
                name(from).into(),
                to.into(),
                name(to).into(),
            ]);
        };
        for m in &d.moved {
            push("moved", &m.mentee_id, &m.from_mentor_id, &m.to_mentor_id);
        }
        for p in &d.added {
            push("added", &p.mentee_id, "", &p.mentor_id);
        }
        for p in &d.dropped {
            push("dropped", &p.mentee_id, &p.mentor_id, "");
        }
    }
    Grid {
        name: "changes".into(),
        header: [
            "scenario",
            "change",
            "mentee id",
            "mentee",
            "from id",
            "from",
            "to id",
            "to",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// A what-if's sheets: each scenario's counts, then the changes.
pub fn whatif_sheets(req: &pb::WhatIfRequest, resp: &pb::WhatIfResponse) -> Vec<Grid> {
    let rows = resp
        .results
        .iter()
        .map(|r| {
            let d = r.diff.clone().unwrap_or_default();
            let s = r
                .response
                .as_ref()
                .and_then(|x| x.stats)
                .unwrap_or_default();
            vec![
                r.name.clone().into(),
                f64::from(d.kept_count).into(),
                (d.moved.len() as f64).into(),
                (d.added.len() as f64).into(),
                (d.dropped.len() as f64).into(),
                f64::from(d.coverage_change).into(),
                d.score_change.into(),
                f64::from(s.matched).into(),
                s.total_score.into(),
            ]
        })
        .collect();
    let scenarios = Grid {
        name: "scenarios".into(),
        header: [
            "scenario",
            "kept",
            "moved",
            "added",
            "dropped",
            "coverage change",
            "score change",
            "matched",
            "total score",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    };
    vec![scenarios, changes(req, resp)]
}

/// One mentee's alternatives: each mentor with the pair's score and the
/// exact loss of forcing the pair.
pub fn alternatives(req: &pb::AlternativesRequest, resp: &pb::AlternativesResponse) -> Grid {
    let empty = pb::SolveRequest::default();
    alternatives_of(&People::of(req.request.as_ref().unwrap_or(&empty)), resp)
}

/// [`alternatives`] with the request's people already looked up.
fn alternatives_of(people: &People, resp: &pb::AlternativesResponse) -> Grid {
    // With demand: the pairs lost too.
    let demand = resp.alternatives.iter().any(|a| a.pairs_loss.is_some());
    let rows = resp
        .alternatives
        .iter()
        .map(|a| {
            let mut row: Vec<Value> = vec![
                resp.mentee_id.clone().into(),
                people.name(&resp.mentee_id).into(),
                a.mentor_id.clone().into(),
            ];
            row.extend(who(people, &a.mentor_id));
            row.extend([
                a.pair_score.into(),
                f64::from(a.coverage_loss).into(),
                a.score_loss.into(),
                if a.feasible { "yes" } else { "no" }.into(),
            ]);
            if demand {
                row.push(f64::from(a.pairs_loss.unwrap_or(0)).into());
            }
            row
        })
        .collect();
    Grid {
        name: "alternatives".into(),
        header: [
            "mentee id",
            "mentee",
            "mentor id",
            "mentor",
            "mentor country",
            "mentor organisation",
            "pair score",
            "mentees lost",
            "score lost",
            "possible",
        ]
        .map(String::from)
        .into_iter()
        .chain(demand.then(|| "pairs lost".to_string()))
        .collect(),
        rows,
    }
}

/// An alternatives answer's sheets: the alternatives, then the mentors a
/// hard rule excludes (with the rules).
pub fn alternatives_sheets(
    req: &pb::AlternativesRequest,
    resp: &pb::AlternativesResponse,
) -> Vec<Grid> {
    let empty = pb::SolveRequest::default();
    let people = People::of(req.request.as_ref().unwrap_or(&empty));
    let rows = resp
        .excluded
        .iter()
        .map(|x| {
            let rules: Vec<String> = x.rules.iter().map(|&r| names::rule(r)).collect();
            let mut row: Vec<Value> = vec![x.mentor_id.clone().into()];
            row.extend(who(&people, &x.mentor_id));
            row.push(rules.join(", ").into());
            row
        })
        .collect();
    let excluded = Grid {
        name: "excluded".into(),
        header: ["mentor id", "mentor", "country", "organisation", "rules"]
            .map(String::from)
            .to_vec(),
        rows,
    };
    vec![alternatives_of(&people, resp), excluded]
}

/// Grids as one workbook (deterministic bytes).
pub fn xlsx(grids: &[Grid]) -> Result<Vec<u8>, FormatError> {
    let failed = |e: rust_xlsxwriter::XlsxError| FormatError::Write(e.to_string());
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2021, 1, 1).map_err(failed)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    for g in grids {
        let ws = book.add_worksheet();
        ws.set_name(&g.name).map_err(failed)?;
        for (c, h) in g.header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)
                .map_err(failed)?;
        }
        for (r, row) in g.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 1, c as u16);
                match v {
                    Value::Text(t) if t.is_empty() => {}
                    Value::Text(t) => {
                        ws.write_string(r, c, t).map_err(failed)?;
                    }
                    Value::Number(x) => {
                        ws.write_number(r, c, *x).map_err(failed)?;
                    }
                }
            }
        }
        ws.set_freeze_panes(1, 0).map_err(failed)?;
    }
    book.save_to_buffer().map_err(failed)
}

/// A grid as CSV text.
pub fn csv(grid: &Grid) -> Result<String, FormatError> {
    let failed = |e: csv::Error| FormatError::Write(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&grid.header).map_err(failed)?;
    for row in &grid.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|v| match v {
                Value::Text(t) => t.clone(),
                Value::Number(x) => x.to_string(),
            })
            .collect();
        w.write_record(&cells).map_err(failed)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| FormatError::Write(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| FormatError::Write(e.to_string()))
}
