//! Sheets as text cells with their spreadsheet row numbers, from a
//! workbook (calamine: `.xlsx`, `.xlsm`, `.xls`, `.ods`) or from CSV files
//! (one per sheet, named after it).

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};

use super::error::FormatError;

/// A sheet: its name and its non-empty rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Table {
    /// The sheet's name as found (a CSV file's stem).
    pub(super) name: String,
    /// (1-based row number, cells from column A), empty rows left out.
    pub(super) rows: Vec<(u32, Vec<Cell>)>,
}

/// A cell's text, or the spreadsheet error it holds.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    /// Its value as text, trimmed.
    Text(String),
    /// A formula error such as `#N/A`.
    Error(String),
}

impl Cell {
    pub(super) fn text(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Error(s) => s,
        }
    }
}

fn unreadable(path: &Path, message: impl ToString) -> FormatError {
    FormatError::Unreadable {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Every sheet of the workbook or CSV folder at `path` (a `.csv` file
/// stands for its folder).
pub(super) fn read(path: &Path) -> Result<Vec<Table>, FormatError> {
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if path.is_dir() || is_csv {
        let dir = if is_csv {
            path.parent().unwrap_or(Path::new("."))
        } else {
            path
        };
        return read_csv_folder(dir);
    }
    let mut book = open_workbook_auto(path).map_err(|e| unreadable(path, e))?;
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| unreadable(path, format!("sheet {name:?}: {e}")))?;
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let mut rows = Vec::new();
        for (i, r) in range.rows().enumerate() {
            let mut cells: Vec<Cell> = (0..col0).map(|_| Cell::Text(String::new())).collect();
            cells.extend(r.iter().map(cell));
            if cells.iter().any(|c| !c.text().is_empty()) {
                rows.push((row0 + i as u32 + 1, cells));
            }
        }
        out.push(Table { name, rows });
    }
    Ok(out)
}

/// A workbook cell as text: whole numbers without a decimal point, dates
/// as YYYY-MM-DD.
fn cell(d: &Data) -> Cell {
    let text = match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(t) => excel_date(t.as_f64()),
        Data::Error(e) => return Cell::Error(e.to_string()),
    };
    Cell::Text(text)
}

/// An Excel serial date (days since 1899-12-30) as YYYY-MM-DD, with the
/// time of day when it has one.
fn excel_date(serial: f64) -> String {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("a date");
    let days = serial.floor();
    let secs = ((serial - days) * 86_400.0).round() as i64;
    let date = epoch + chrono::Duration::days(days as i64);
    if secs == 0 {
        date.format("%Y-%m-%d").to_string()
    } else {
        let t = date.and_hms_opt(0, 0, 0).expect("midnight") + chrono::Duration::seconds(secs);
        t.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// The `.csv` files of `dir`, one sheet each, in name order.
fn read_csv_folder(dir: &Path) -> Result<Vec<Table>, FormatError> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| unreadable(dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(unreadable(
            dir,
            "no .csv files (mentors.csv, mentees.csv, …)",
        ));
    }
    files.iter().map(|p| read_csv(p)).collect()
}

fn read_csv(path: &Path) -> Result<Table, FormatError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| unreadable(path, e))?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| unreadable(path, e))?;
        let line = record.position().map_or(0, |p| p.line() as u32);
        let cells: Vec<Cell> = record
            .iter()
            .map(|s| Cell::Text(s.trim().to_string()))
            .collect();
        if cells.iter().any(|c| !c.text().is_empty()) {
            rows.push((line, cells));
        }
    }
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    Ok(Table { name, rows })
}
