//! A request as the template's workbook (rust_xlsxwriter): one sheet per
//! kind, cells spelled as the reader reads them, a help sheet, and lists
//! to pick from where the cell takes a fixed value. Deterministic: the
//! same request gives the same bytes.

use std::path::Path;

use rust_xlsxwriter::{DataValidation, DocProperties, ExcelDateTime, Format, Workbook, Worksheet};
use serde_json::Value;

use crate::wire::pb;

use super::cells;
use super::error::FormatError;
use super::hours;
use super::template::{self, Sheet};

fn failed(e: rust_xlsxwriter::XlsxError) -> FormatError {
    FormatError::Write(e.to_string())
}

/// Rows a sheet's validation lists cover below the header.
const LIST_ROWS: u32 = 2000;

/// `req` as the template's workbook (an empty template for an empty
/// request), as bytes.
pub fn workbook(req: &pb::SolveRequest) -> Result<Vec<u8>, FormatError> {
    let mut book = Workbook::new();
    // A fixed creation time keeps the bytes the same from run to run.
    let created = ExcelDateTime::from_ymd(2021, 1, 1).map_err(failed)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    for sheet in template::SHEETS {
        let ws = book.add_worksheet();
        ws.set_name(sheet.name).map_err(failed)?;
        header(ws, &sheet, &bold)?;
        let rows = rows_of(req, &sheet);
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                if !text.is_empty() {
                    ws.write_string(r as u32 + 1, c as u16, text)
                        .map_err(failed)?;
                }
            }
        }
        validations(ws, &sheet)?;
    }
    help(book.add_worksheet(), &bold)?;
    book.save_to_buffer().map_err(failed)
}

/// [`workbook`] written to `path`.
pub fn write_workbook(req: &pb::SolveRequest, path: &Path) -> Result<(), FormatError> {
    let bytes = workbook(req)?;
    std::fs::write(path, bytes).map_err(|e| FormatError::Unreadable {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn header(ws: &mut Worksheet, sheet: &Sheet, bold: &Format) -> Result<(), FormatError> {
    for (c, col) in sheet.columns.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, col.header, bold)
            .map_err(failed)?;
        let width = col.example.len().max(col.header.len()).clamp(10, 40);
        ws.set_column_width(c, width as f64 + 2.0).map_err(failed)?;
    }
    ws.set_freeze_panes(1, 0).map_err(failed)?;
    Ok(())
}

/// Lists to pick from: the level of a first language, days, yes/no.
fn validations(ws: &mut Worksheet, sheet: &Sheet) -> Result<(), FormatError> {
    let pick = |values: &[&str], message: &str| -> Result<DataValidation, FormatError> {
        Ok(DataValidation::new()
            .allow_list_strings(values)
            .map_err(failed)?
            .set_input_message(message)
            .map_err(failed)?
            .ignore_blank(true))
    };
    for (c, col) in sheet.columns.iter().enumerate() {
        let dv = match col.header {
            "days" => pick(
                &["Mon-Fri", "Sun-Thu", "Mon-Sat", "Sat-Wed"],
                "A range (Sun-Thu) or a list (Mon, Wed, Fri); other values are accepted.",
            )?
            .set_error_style(rust_xlsxwriter::DataValidationErrorStyle::Information),
            "hours" => pick(
                &["09:00-18:00", "08:00-17:00", "08:30-16:30"],
                "HH:MM-HH:MM in the person's time zone, a split day (09:00-13:00, 15:00-18:00) \
                 or per weekday (Sun-Thu 09:00-17:00; Fri 09:00-12:00); other values are accepted.",
            )?
            .set_error_style(rust_xlsxwriter::DataValidationErrorStyle::Information),
            _ => continue,
        };
        ws.add_data_validation(1, c as u16, LIST_ROWS, c as u16, &dv)
            .map_err(failed)?;
    }
    Ok(())
}

/// The help sheet: each sheet's purpose and each column's meaning.
fn help(ws: &mut Worksheet, bold: &Format) -> Result<(), FormatError> {
    ws.set_name(template::HELP).map_err(failed)?;
    let mut r = 0u32;
    let head = ["sheet", "column", "what it holds", "example"];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *h, bold)
            .map_err(failed)?;
    }
    for sheet in template::SHEETS {
        r += 1;
        ws.write_string_with_format(r, 0, sheet.name, bold)
            .map_err(failed)?;
        ws.write_string(r, 2, sheet.help).map_err(failed)?;
        for col in sheet.columns {
            r += 1;
            ws.write_string(r, 1, col.header).map_err(failed)?;
            let need = if col.required { " Required." } else { "" };
            ws.write_string(r, 2, format!("{}{need}", col.help))
                .map_err(failed)?;
            ws.write_string(r, 3, col.example).map_err(failed)?;
        }
    }
    for (c, w) in [12.0, 18.0, 90.0, 36.0].into_iter().enumerate() {
        ws.set_column_width(c as u16, w).map_err(failed)?;
    }
    Ok(())
}

/// The cells of `sheet`'s rows for `req`, in its columns' order.
fn rows_of(req: &pb::SolveRequest, sheet: &Sheet) -> Vec<Vec<String>> {
    let policy = req.policy.clone().unwrap_or_default();
    let pair = |p: &pb::PairRef| vec![p.mentor_id.clone(), p.mentee_id.clone()];
    match sheet.name {
        "mentors" => req
            .mentors
            .iter()
            .map(|m| {
                let mut row = profile(m.profile.as_ref());
                let opt = |x: Option<u32>| x.map(|n| n.to_string()).unwrap_or_default();
                let min = (m.min_mentees > 0).then(|| m.min_mentees.to_string());
                row.extend([opt(m.capacity), min.unwrap_or_default(), opt(m.max_groups)]);
                row.push(m.role.clone());
                row
            })
            .collect(),
        "mentees" => req
            .mentees
            .iter()
            .map(|e| {
                let mut row = profile(e.profile.as_ref());
                row.push(cells::write_list(&e.preferred_mentors));
                row.push(cells::write_list(&e.excluded_mentors));
                row.push(cells::write_list(&e.allowed_mentors));
                let some = |n: u32| if n > 0 { n.to_string() } else { String::new() };
                row.push(some(e.min_mentors));
                row.push(e.max_mentors.map(|n| n.to_string()).unwrap_or_default());
                row.push(some(e.priority));
                row.push(cells::write_role_demands(&e.role_demands));
                row
            })
            .collect(),
        "rules" => rules(req, &policy),
        "affinities" => req
            .affinities
            .iter()
            .map(|a| {
                vec![
                    a.mentor_id.clone(),
                    a.mentee_id.clone(),
                    a.value.to_string(),
                ]
            })
            .collect(),
        "pins" => policy.pinned_pairs.iter().map(pair).collect(),
        "forbidden" => policy.forbidden_pairs.iter().map(pair).collect(),
        _ => Vec::new(),
    }
}

fn profile(p: Option<&pb::Profile>) -> Vec<String> {
    let p = p.cloned().unwrap_or_default();
    let [hours, days, dated] = hours::write(p.working_hours.as_ref());
    vec![
        p.id,
        p.name,
        p.country,
        p.organization,
        cells::write_languages(&p.languages),
        p.time_zone,
        hours,
        days,
        dated,
        p.available_from,
        p.available_until,
        cells::write_list(&p.sectors),
        cells::write_list(&p.topics),
    ]
}

/// The rules rows: the request's own fields, then every policy field set
/// (in snake_case, nested with dots; pins and bans have their sheets).
fn rules(req: &pb::SolveRequest, policy: &pb::Policy) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (k, v) in [
        ("request_id", &req.request_id),
        ("programme_id", &req.programme_id),
        ("cohort", &req.cohort),
    ] {
        if !v.is_empty() {
            out.push(vec![k.to_string(), v.clone()]);
        }
    }
    if req.include_timings {
        out.push(vec!["include_timings".into(), "true".into()]);
    }
    let mut p = policy.clone();
    p.pinned_pairs.clear();
    p.forbidden_pairs.clear();
    if let Ok(v) = serde_json::to_value(&p) {
        flatten("", &v, &mut out);
    }
    out
}

fn snake(camel: &str) -> String {
    let mut s = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            s.push('_');
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

/// Objects as dotted settings; lists as JSON; enum values without their
/// prefix, in lower case.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let path = if prefix.is_empty() {
                    snake(k)
                } else {
                    format!("{prefix}.{}", snake(k))
                };
                flatten(&path, x, out);
            }
        }
        Value::String(s) => out.push(vec![prefix.to_string(), human(s)]),
        other => out.push(vec![prefix.to_string(), other.to_string()]),
    }
}

/// An enum value without its prefix (`LANGUAGE_LEVEL_B2` → `B2`,
/// `OBJECTIVE_COVERAGE_THEN_SCORE` → `coverage_then_score`); other text
/// as it is.
fn human(s: &str) -> String {
    for p in template::ENUM_PREFIXES {
        if let Some(rest) = s.strip_prefix(p) {
            return if p == "LANGUAGE_LEVEL_" && rest != "NATIVE" {
                rest.to_string()
            } else {
                rest.to_lowercase()
            };
        }
    }
    s.to_string()
}
