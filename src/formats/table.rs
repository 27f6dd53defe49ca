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
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, e))?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    let rows = csv_rows(&bytes).map_err(|e| unreadable(path, e))?;
    Ok(Table { name, rows })
}

/// The non-empty rows of CSV text with the row numbers a spreadsheet shows:
/// a blank line is a row, a quoted cell's line breaks are not, and `\n`,
/// `\r\n` and a lone `\r` each end a line (the csv crate's own line count
/// is off by one after a `\r\n` or a blank line, so rows are counted here
/// from each record's byte offset).
fn csv_rows(bytes: &[u8]) -> Result<Vec<(u32, Vec<Cell>)>, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    // Line breaks counted so far: up to `scanned`, and inside quoted cells.
    let (mut breaks, mut scanned, mut inside) = (0usize, 0usize, 0usize);
    for record in reader.records() {
        let record = record?;
        // The record's offset may point at the blank lines and the `\n` of
        // a `\r\n` before it; its first cell starts past them.
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        breaks += line_breaks(&bytes[scanned..start]);
        scanned = start;
        let row = (breaks - inside + 1) as u32;
        let cells: Vec<Cell> = record
            .iter()
            .map(|s| Cell::Text(s.trim().to_string()))
            .collect();
        inside += record
            .iter()
            .map(|s| line_breaks(s.as_bytes()))
            .sum::<usize>();
        if cells.iter().any(|c| !c.text().is_empty()) {
            rows.push((row, cells));
        }
    }
    Ok(rows)
}

/// How many lines end in `bytes`: each `\n`, and each `\r` not followed
/// by `\n`.
fn line_breaks(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (row, first cell) of each non-empty row.
    fn rows(text: &[u8]) -> Vec<(u32, String)> {
        csv_rows(text)
            .expect("csv")
            .into_iter()
            .map(|(r, c)| (r, c[0].text().to_string()))
            .collect()
    }

    #[test]
    fn rows_are_the_spreadsheets_whatever_ends_the_lines() {
        let want = |v: &[(u32, &str)]| -> Vec<(u32, String)> {
            v.iter().map(|&(r, s)| (r, s.to_string())).collect()
        };
        let plain = want(&[(1, "id"), (2, "m1"), (3, "m2")]);
        for text in [
            &b"id,c\nm1,x\nm2,y\n"[..],
            b"id,c\r\nm1,x\r\nm2,y\r\n",
            b"id,c\r\nm1,x\r\nm2,y",
            b"id,c\nm1,x\nm2,y",
            b"\xef\xbb\xbfid,c\r\nm1,x\r\nm2,y\r\n",
            b"id,c\rm1,x\rm2,y\r",
        ] {
            assert_eq!(rows(text), plain, "{:?}", String::from_utf8_lossy(text));
        }
        // A quoted cell's line breaks stay in its row; blank lines are rows.
        let quoted = want(&[(1, "id"), (2, "m1"), (3, "m2")]);
        assert_eq!(rows(b"id,c\r\nm1,\"two\r\nlines\"\r\nm2,y\r\n"), quoted);
        assert_eq!(rows(b"id,c\nm1,\"two\nlines\nmore\"\nm2,y"), quoted);
        let blank = want(&[(1, "id"), (3, "m1"), (5, "m2")]);
        assert_eq!(rows(b"id,c\n\nm1,x\n,\nm2,y\n"), blank);
        assert_eq!(rows(b"id,c\r\n\r\nm1,x\r\n,\r\nm2,y\r\n"), blank);
        assert_eq!(
            rows(b"\"a\nb\",c\r\n\r\n\"m1\",x\r\n"),
            want(&[(1, "a\nb"), (3, "m1")])
        );
    }
}
