//! `import` and `template`: a coordinator's spreadsheet to the request it
//! describes, and the template workbook.

use std::path::PathBuf;

use anyhow::Result;
use mentormatch::formats;
use mentormatch::pb;

use super::{read_request, to_json, write_output, InputError};

/// `mentormatch import`.
#[derive(Debug, clap::Args)]
pub(super) struct ImportArgs {
    /// The spreadsheet (.xlsx, .ods, .xls) or folder of CSV files.
    file: PathBuf,
    /// Write the request here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// `mentormatch template`.
#[derive(Debug, clap::Args)]
pub(super) struct TemplateArgs {
    /// Where to write the workbook.
    #[arg(long, short, default_value = "cohort.xlsx")]
    output: PathBuf,
    /// A request (JSON or spreadsheet) whose programme fills the template.
    #[arg(long)]
    from: Option<PathBuf>,
}

/// Prints (or writes) the request a spreadsheet describes.
pub(super) fn import(a: &ImportArgs) -> Result<()> {
    if !formats::is_spreadsheet(&a.file) {
        return Err(InputError(format!(
            "{}: not a spreadsheet (.xlsx, .ods, .xls) or a folder of CSV files",
            a.file.display()
        ))
        .into());
    }
    let req = read_request(&a.file)?;
    write_output(a.output.as_deref(), &to_json(&req)?)
}

/// Writes the template, empty or filled with a request's programme.
pub(super) fn template(a: &TemplateArgs) -> Result<()> {
    let req = match &a.from {
        Some(f) => read_request(f)?,
        None => pb::SolveRequest::default(),
    };
    formats::write_workbook(&req, &a.output)?;
    eprintln!("wrote {}", a.output.display());
    Ok(())
}
