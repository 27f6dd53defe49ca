//! The wire layer: the only code that knows the API's messages.
//!
//! - [`pb`]: types generated from `proto/mentormatch/v1/mentormatch.proto`
//!   (prost messages, the tonic service, proto3 JSON through pbjson);
//! - [`codec`]: the gRPC codec (prost; undecodable bodies are `INVALID_ARGUMENT`);
//! - `fields`: field-level validation (paths, values, limits on sizes);
//! - `ids`: ids checked once, references resolved to indices;
//! - [`json`]: proto3 JSON read with the field path of any bad value;
//! - `history`: the programme's memory (`policy.memory`, `history`);
//! - `request`, `policy`: a request → a validated [`Problem`](crate::model::Problem);
//! - `response`: an outcome → `SolveResponse`;
//! - `report`: a check's report → `ValidateResponse`.
//!
//! Wire types stop here: nothing below this layer imports [`pb`].
//! Spreadsheet and report formats for coordinators belong beside it.

pub mod codec;
pub(crate) mod demand;
mod fields;
mod history;
mod hours;
mod ids;
pub mod json;
pub(crate) mod meetings;
pub mod pb;
mod policy;
pub(crate) mod report;
mod request;
pub(crate) mod response;
mod sectors;

pub use request::{problem_from_request, scenario_problem};
pub(crate) use response::response_from_outcome;
