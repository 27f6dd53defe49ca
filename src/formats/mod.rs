//! Coordinators' formats: a programme as a spreadsheet (`.xlsx`, `.ods`,
//! `.xls`) or a folder of `.csv` files, read into the same
//! [`pb::SolveRequest`] the JSON carries, and written back as the
//! documented template; answers written as workbooks, CSV and an HTML
//! report.
//!
//! # Layout
//! - [`template`]: the sheets and columns, their help and examples: the one
//!   definition the reader, the writer and the help sheet share;
//! - `table.rs`: sheets read from a workbook (calamine) or CSV files, as
//!   text cells with their spreadsheet row numbers;
//! - `cells.rs`: one parser (and its writer) per kind of cell (languages
//!   `fr C1; en B2`, hours `09:00-18:00`, days `Sun-Thu`, countries,
//!   time zones, lists, numbers);
//! - `import.rs`: sheets → request, every bad cell named (sheet, row,
//!   column, value), never a row skipped;
//! - `write.rs`: request → workbook (rust_xlsxwriter), with a help sheet
//!   and lists to pick from;
//! - [`export`]: answers as coordinators' tables (names beside ids, score
//!   terms, reasons in words, a what-if's changes), as a workbook or CSV;
//! - [`report`]: answers as one self-contained HTML page (inline CSS and
//!   SVG) with pictures of the matching and of the hours that meet;
//! - `names.rs`: who an id is, and enum values in words (shared by both).
//!
//! The request is then validated like any other: the formats add no rule.

mod cells;
mod error;
pub mod export;
mod hours;
mod import;
mod names;
pub mod report;
mod table;
pub mod template;
mod write;

use std::path::Path;

use crate::wire::pb;

pub use error::{CellError, FormatError};
pub use names::session_slots;
pub use write::{workbook, write_workbook};

/// Whether `path` names a spreadsheet or a folder of CSV files (rather
/// than a JSON request).
pub fn is_spreadsheet(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    path.is_dir()
        || matches!(
            ext.as_deref(),
            Some("xlsx" | "xlsm" | "xls" | "ods" | "csv")
        )
}

/// The request a spreadsheet (or a folder of CSV files, or one of them:
/// its folder is read) describes.
pub fn read_request(path: &Path) -> Result<pb::SolveRequest, FormatError> {
    let sheets = table::read(path)?;
    import::request(&sheets)
}
