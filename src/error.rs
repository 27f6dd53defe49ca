//! Library errors.

use std::fmt;
use std::time::Duration;

/// A field of the request and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Path of the field in the request, e.g. `mentors[3].profile.time_zone`.
    pub field: String,
    /// What is wrong, quoting the offending value.
    pub description: String,
}

impl FieldViolation {
    /// A violation of `field`.
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        FieldViolation {
            field: field.into(),
            description: description.into(),
        }
    }
}

impl fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.description)
    }
}

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed or breaks a limit. Holds every violation
    /// found (up to a cap), each naming the field and the offending value.
    #[error("invalid request: {}", summary(.0))]
    InvalidArgument(Vec<FieldViolation>),
    /// The time limit ran out before any valid matching was found.
    #[error("time limit of {} ms reached before a solution was found", .0.as_millis())]
    TimeLimit(Duration),
    /// The call was cancelled (the caller went away, or the server is
    /// shutting down) before it finished.
    #[error("cancelled before the solve finished")]
    Cancelled,
    /// The solver failed for a reason other than the input (a bug or a
    /// numerical failure of the MILP backend).
    #[error("solver failure: {0}")]
    Solver(String),
}

impl Error {
    /// The same error with every violation's field path under `prefix`
    /// (errors of a request embedded in another, e.g. `scenarios[2]`).
    pub(crate) fn within(self, prefix: &str) -> Error {
        match self {
            Error::InvalidArgument(v) => Error::InvalidArgument(
                v.into_iter()
                    .map(|f| FieldViolation::new(format!("{prefix}.{}", f.field), f.description))
                    .collect(),
            ),
            other => other,
        }
    }
}

/// The first violations, then how many more.
fn summary(v: &[FieldViolation]) -> String {
    let mut s = v
        .iter()
        .take(5)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if v.len() > 5 {
        s.push_str(&format!("; and {} more", v.len() - 5));
    }
    s
}

/// Library result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
