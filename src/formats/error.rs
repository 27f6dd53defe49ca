//! What reading or writing a coordinator's spreadsheet can fail on.

use std::path::PathBuf;

/// What reading a programme's spreadsheet can fail on.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file or folder could not be read.
    #[error("{path}: {message}")]
    Unreadable {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Cells that do not hold what their column needs: every one of them.
    #[error("{} bad cell(s):\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Cells(Vec<CellError>),
    /// The request of an answer to report on does not validate.
    #[error("the request is not valid: {0}")]
    Request(String),
    /// The workbook could not be written.
    #[error("the workbook could not be written: {0}")]
    Write(String),
}

/// A cell that does not hold what its column needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// The sheet.
    pub sheet: String,
    /// Its 1-based row (0: the sheet as a whole).
    pub row: u32,
    /// Its column letter (empty: the row or sheet as a whole).
    pub column: String,
    /// The column's header.
    pub header: String,
    /// The cell's text.
    pub value: String,
    /// Why it is refused.
    pub message: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.row, self.column.as_str()) {
            (0, _) => write!(f, "sheet {:?}: {}", self.sheet, self.message),
            (r, "") => write!(f, "{}!{r}: {}", self.sheet, self.message),
            (r, c) => write!(
                f,
                "{}!{c}{r} ({}) {:?}: {}",
                self.sheet, self.header, self.value, self.message
            ),
        }
    }
}
