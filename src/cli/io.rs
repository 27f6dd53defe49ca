//! Reading requests (proto3 JSON, or a coordinator's spreadsheet) and
//! writing outputs; an unreadable or invalid input is an [`InputError`]
//! (exit code 2).

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, Result};
use mentormatch::formats::{self, FormatError};
use mentormatch::pb;

use super::InputError;

/// Reads a `SolveRequest` from a JSON file, "-" (standard input), a
/// spreadsheet (`.xlsx`, `.ods`, `.xls`) or a folder of CSV files.
pub(super) fn read_request(file: &Path) -> Result<pb::SolveRequest> {
    if file != Path::new("-") && formats::is_spreadsheet(file) {
        return formats::read_request(file).map_err(|e| match e {
            FormatError::Cells(cells) => {
                let lines: Vec<String> = cells.iter().map(|c| format!("  {c}")).collect();
                InputError(format!("{}:\n{}", file.display(), lines.join("\n"))).into()
            }
            other => InputError(other.to_string()).into(),
        });
    }
    read_json(file)
}

/// A file's bytes; an unreadable file is an input error naming it.
pub(super) fn read_file(p: &Path) -> Result<Vec<u8>> {
    Ok(fs::read(p).map_err(|e| InputError(format!("cannot read {}: {e}", p.display())))?)
}

/// Reads proto3 JSON from a file or, for "-", standard input; an unreadable
/// file or invalid JSON is an input error.
pub(super) fn read_json<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T> {
    let text = if file == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        s
    } else {
        fs::read_to_string(file)
            .map_err(|e| InputError(format!("cannot read {}: {e}", file.display())))?
    };
    mentormatch::wire::json::from_json(&text).map_err(|e| json_error::<T>(file, e))
}

/// A message the JSON could not be read into: an input error naming the
/// file, then each field, its value and where it is.
pub(super) fn json_error<T>(file: &Path, e: mentormatch::Error) -> anyhow::Error {
    let what = std::any::type_name::<T>()
        .rsplit("::")
        .next()
        .unwrap_or("message");
    match e {
        mentormatch::Error::InvalidArgument(v) => {
            let lines: Vec<String> = v.iter().map(|f| format!("  {f}")).collect();
            InputError(format!(
                "{} is not a valid {what} (proto3 JSON):\n{}",
                file.display(),
                lines.join("\n")
            ))
            .into()
        }
        other => other.into(),
    }
}

/// Writes `text` to `path`, or to standard output when there is none.
pub(super) fn write_output(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(p) => fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .context("writing standard output")
        }
    }
}
