//! Sheets → [`pb::SolveRequest`]: every bad cell named (sheet, row,
//! column, value and why), never a row or a column skipped in silence.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::wire::pb;

use super::cells;
use super::error::{CellError, FormatError};
use super::hours;
use super::table::{Cell, Table};
use super::template::{self, key, Column, Sheet};

/// Column letters of a 0-based index: A … Z, AA, …
fn letters(mut k: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (k % 26) as u8);
        if k < 26 {
            break;
        }
        k = k / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// The errors found so far.
#[derive(Debug, Default)]
struct Errors(Vec<CellError>);

impl Errors {
    fn sheet(&mut self, sheet: &str, message: String) {
        self.cell(sheet, 0, String::new(), "", "", message);
    }

    fn cell(
        &mut self,
        sheet: &str,
        row: u32,
        column: String,
        header: &str,
        value: &str,
        message: String,
    ) {
        self.0.push(CellError {
            sheet: sheet.into(),
            row,
            column,
            header: header.into(),
            value: value.into(),
            message,
        });
    }
}

/// One data row of a template sheet: its cells by column.
struct Row<'a> {
    sheet: &'a str,
    number: u32,
    cells: BTreeMap<&'static str, (usize, &'a Cell)>,
}

impl Row<'_> {
    /// The text under `header` (empty when blank or absent).
    fn text(&self, header: &str) -> &str {
        self.cells.get(header).map_or("", |(_, c)| c.text())
    }

    fn bad(&self, errors: &mut Errors, header: &str, message: String) {
        let (k, c) = self.cells.get(header).copied().unzip();
        let column = k.map(letters).unwrap_or_default();
        let value = c.map_or("", Cell::text);
        errors.cell(self.sheet, self.number, column, header, value, message);
    }

    /// `parse` of the text under required column `header`; `None` when it
    /// is empty (already reported) or does not parse (recorded).
    fn required<T>(
        &self,
        errors: &mut Errors,
        header: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if self.text(header).is_empty() {
            return None;
        }
        self.get(errors, header, parse)
    }

    /// The count under `header`, `None` when the cell is empty (or does
    /// not hold a count: the error recorded).
    fn count(&self, errors: &mut Errors, header: &str) -> Option<u32> {
        match self.text(header) {
            "" => None,
            _ => self.get(errors, header, |s| cells::count(s, 100_000)),
        }
    }

    /// `parse` of the text under `header`, or the error recorded.
    fn get<T>(
        &self,
        errors: &mut Errors,
        header: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match parse(self.text(header)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.bad(errors, header, e);
                None
            }
        }
    }
}

/// The rows of `table` under `sheet`'s header: unknown columns, missing
/// required cells and formula errors recorded.
fn rows<'a>(table: &'a Table, sheet: &Sheet, errors: &mut Errors) -> Vec<Row<'a>> {
    let Some(((_, header), data)) = table.rows.split_first() else {
        return Vec::new();
    };
    let mut at: Vec<Option<&'static str>> = Vec::new();
    for (k, h) in header.iter().enumerate() {
        let found = sheet
            .columns
            .iter()
            .find(|c| key(c.header) == key(h.text()));
        if found.is_none() && !h.text().is_empty() {
            let known: Vec<&str> = sheet.columns.iter().map(|c| c.header).collect();
            let why = format!(
                "not a column of {:?} (its columns: {})",
                sheet.name,
                known.join(", ")
            );
            let row = table.rows[0].0;
            errors.cell(&table.name, row, letters(k), h.text(), h.text(), why);
        }
        at.push(found.map(|c| c.header));
    }
    for c in sheet.columns.iter().filter(|c| c.required) {
        if !at.contains(&Some(c.header)) {
            errors.sheet(&table.name, format!("no column {:?}", c.header));
        }
    }
    let mut out = Vec::new();
    for (number, cells) in data {
        let mut row = Row {
            sheet: &table.name,
            number: *number,
            cells: BTreeMap::new(),
        };
        for (k, cell) in cells.iter().enumerate() {
            match at.get(k).copied().flatten() {
                Some(h) => {
                    row.cells.insert(h, (k, cell));
                }
                None if !cell.text().is_empty() => {
                    let why = "a value under no known column header".to_string();
                    errors.cell(&table.name, *number, letters(k), "", cell.text(), why);
                }
                None => {}
            }
        }
        for (h, (_, c)) in &row.cells {
            if let Cell::Error(e) = c {
                row.bad(errors, h, format!("the cell holds the error {e}"));
            }
        }
        let missing: Vec<&Column> = sheet
            .columns
            .iter()
            .filter(|c| c.required && row.text(c.header).is_empty())
            .collect();
        for c in missing {
            row.bad(errors, c.header, "required: the cell is empty".into());
        }
        out.push(row);
    }
    out
}

/// The request the sheets describe, or every bad cell.
pub(super) fn request(tables: &[Table]) -> Result<pb::SolveRequest, FormatError> {
    let mut errors = Errors::default();
    let mut by_sheet: BTreeMap<String, &Table> = BTreeMap::new();
    for t in tables {
        let k = key(&t.name);
        if k == template::HELP {
            continue;
        }
        if !template::SHEETS.iter().any(|s| key(s.name) == k) {
            let names: Vec<&str> = template::SHEETS.iter().map(|s| s.name).collect();
            errors.sheet(
                &t.name,
                format!("not a sheet of the template ({}, help)", names.join(", ")),
            );
        } else if by_sheet.insert(k, t).is_some() {
            errors.sheet(&t.name, "appears twice".into());
        }
    }
    for s in template::SHEETS.iter().filter(|s| s.required) {
        if !by_sheet.contains_key(&key(s.name)) {
            errors.sheet(s.name, "missing: the template needs it".into());
        }
    }
    let sheet_rows = |sheet: &Sheet, errors: &mut Errors| match by_sheet.get(&key(sheet.name)) {
        Some(t) => rows(t, sheet, errors),
        None => Vec::new(),
    };
    let mut req = pb::SolveRequest::default();
    for r in sheet_rows(&template::MENTORS, &mut errors) {
        let profile = profile(&r, &mut errors);
        req.mentors.push(pb::Mentor {
            profile,
            capacity: r.count(&mut errors, "capacity"),
            min_mentees: r.count(&mut errors, "min mentees").unwrap_or(0),
            max_groups: r.count(&mut errors, "max groups"),
            role: r.text("role").trim().to_string(),
        });
    }
    for r in sheet_rows(&template::MENTEES, &mut errors) {
        let profile = profile(&r, &mut errors);
        req.mentees.push(pb::Mentee {
            profile,
            preferred_mentors: cells::list(r.text("preferred mentors")),
            excluded_mentors: cells::list(r.text("excluded mentors")),
            allowed_mentors: cells::list(r.text("allowed mentors")),
            min_mentors: r.count(&mut errors, "min mentors").unwrap_or(0),
            max_mentors: r.count(&mut errors, "max mentors"),
            priority: r.count(&mut errors, "priority").unwrap_or(0),
            role_demands: r
                .get(&mut errors, "role demands", cells::role_demands)
                .unwrap_or_default(),
        });
    }
    let rules = sheet_rows(&template::RULES, &mut errors);
    let policy = rules_into(&mut req, &rules, &mut errors);
    for r in sheet_rows(&template::AFFINITIES, &mut errors) {
        let value = r.required(&mut errors, "value", |s| cells::number(s, 0.0, 1.0));
        req.affinities.push(pb::Affinity {
            mentor_id: r.text("mentor id").into(),
            mentee_id: r.text("mentee id").into(),
            value: value.unwrap_or(0.0),
        });
    }
    let pairs = |sheet: &Sheet, errors: &mut Errors| -> Vec<pb::PairRef> {
        sheet_rows(sheet, errors)
            .iter()
            .map(|r| pb::PairRef {
                mentor_id: r.text("mentor id").into(),
                mentee_id: r.text("mentee id").into(),
            })
            .collect()
    };
    let pinned = pairs(&template::PINS, &mut errors);
    let forbidden = pairs(&template::FORBIDDEN, &mut errors);
    if let Some(mut policy) = policy {
        policy.pinned_pairs.extend(pinned);
        policy.forbidden_pairs.extend(forbidden);
        let unset = policy == pb::Policy::default();
        req.policy = (!unset || !rules.is_empty()).then_some(policy);
    }
    if errors.0.is_empty() {
        return Ok(req);
    }
    // In reading order: sheet by sheet as the template orders them, then
    // row by row, column by column.
    let rank = |name: &str| {
        let k = key(name);
        template::SHEETS
            .iter()
            .position(|s| key(s.name) == k)
            .map_or(0, |i| i + 1)
    };
    errors
        .0
        .sort_by_key(|e| (rank(&e.sheet), e.row, e.column.len(), e.column.clone()));
    Err(FormatError::Cells(errors.0))
}

/// A profile from a mentor's or mentee's row.
fn profile(r: &Row<'_>, errors: &mut Errors) -> Option<pb::Profile> {
    let country = r
        .required(errors, "country", cells::country)
        .unwrap_or_default();
    let languages = r
        .required(errors, "languages", cells::languages)
        .unwrap_or_default();
    let time_zone = r
        .required(errors, "time zone", cells::time_zone)
        .unwrap_or_default();
    let working_hours = working_hours(r, errors);
    let date = |errors: &mut Errors, header: &str| match r.text(header) {
        "" => String::new(),
        _ => r.get(errors, header, cells::date).unwrap_or_default(),
    };
    let available_from = date(errors, "available from");
    let available_until = date(errors, "available until");
    Some(pb::Profile {
        id: r.text("id").into(),
        name: r.text("name").into(),
        country,
        organization: r.text("organization").into(),
        languages,
        time_zone,
        working_hours,
        sectors: cells::list(r.text("sectors")),
        topics: cells::list(r.text("topics")),
        available_from,
        available_until,
    })
}

/// Working hours from the `hours`, `days` and `dated hours` cells (each
/// bad cell recorded).
fn working_hours(r: &Row<'_>, errors: &mut Errors) -> Option<pb::WorkingHours> {
    let hours = match r.text("hours") {
        "" => Some(None),
        _ => r.get(errors, "hours", hours::hours).map(Some),
    };
    let days = match r.text("days") {
        "" => Some(Vec::new()),
        _ => r.get(errors, "days", hours::days),
    };
    let dated = match r.text("dated hours") {
        "" => Some(Vec::new()),
        _ => r.get(errors, "dated hours", hours::dated),
    };
    let (hours, days, dated) = (hours?, days?, dated?);
    r.get(errors, "days", |_| hours::working_hours(hours, days, dated))
        .flatten()
}

/// The rules rows set into `req` (its own fields) and returned as a
/// policy; `None` when a row is bad (recorded).
fn rules_into(
    req: &mut pb::SolveRequest,
    rows: &[Row<'_>],
    errors: &mut Errors,
) -> Option<pb::Policy> {
    let mut merged = Value::Object(Map::new());
    let mut ok = true;
    let mut seen = BTreeMap::new();
    for r in rows {
        let setting = r.text("setting").trim().to_string();
        let value = r.text("value");
        if let Some(first) = seen.insert(setting.clone(), r.number) {
            r.bad(
                errors,
                "setting",
                format!("set twice (first on row {first})"),
            );
            ok = false;
            continue;
        }
        if value.is_empty() {
            continue;
        }
        match setting.as_str() {
            "request_id" => req.request_id = value.into(),
            "programme_id" => req.programme_id = value.into(),
            "cohort" => req.cohort = value.into(),
            "include_timings" => match boolean(value) {
                Some(b) => req.include_timings = b,
                None => {
                    r.bad(errors, "value", "true or false".into());
                    ok = false;
                }
            },
            path => match policy_value(path, value) {
                Ok(v) => merge(&mut merged, path, v),
                Err(e) => {
                    r.bad(errors, "value", format!("{path}: {e}"));
                    ok = false;
                }
            },
        }
    }
    if !ok {
        return None;
    }
    match serde_json::from_value::<pb::Policy>(merged) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.sheet("rules", format!("the settings do not form a policy: {e}"));
            None
        }
    }
}

fn boolean(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// The JSON value of setting `path` (a policy field, dotted) written as
/// `text`: the first reading a policy accepts — JSON (numbers, lists),
/// true/false, the text, an enum value with its prefix.
fn policy_value(path: &str, text: &str) -> Result<Value, String> {
    let mut candidates: Vec<Value> = Vec::new();
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        candidates.push(v);
    }
    if let Some(b) = boolean(text) {
        candidates.push(Value::Bool(b));
    }
    candidates.push(Value::String(text.into()));
    let upper = text.trim().to_uppercase().replace([' ', '-'], "_");
    for p in template::ENUM_PREFIXES {
        candidates.push(Value::String(format!("{p}{upper}")));
    }
    let mut first_error = None;
    for v in candidates {
        let mut one = Value::Object(Map::new());
        merge(&mut one, path, v.clone());
        match serde_json::from_value::<pb::Policy>(one) {
            Ok(_) => return Ok(v),
            Err(e) => {
                first_error.get_or_insert(e.to_string());
            }
        }
    }
    Err(first_error.unwrap_or_default())
}

/// Sets `path` (dotted) to `v` inside the JSON object `into`.
fn merge(into: &mut Value, path: &str, v: Value) {
    let mut at = into;
    let mut parts = path.split('.').peekable();
    while let Some(p) = parts.next() {
        let Value::Object(map) = at else { return };
        if parts.peek().is_none() {
            map.insert(p.to_string(), v);
            return;
        }
        at = map
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}
