//! From errors to gRPC statuses, and gRPC's own headers: `BadRequest`
//! details kept small, `grpc-timeout` parsed, deadlines set a little early.

use std::time::{Duration, Instant};

use tonic::{Code, Request, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::error::Error;

/// Maps a library error to a gRPC status; invalid input carries
/// `google.rpc.BadRequest` field violations.
pub(crate) fn status_from_error(e: &Error) -> Status {
    match e {
        Error::InvalidArgument(v) => Status::with_error_details(
            Code::InvalidArgument,
            clip(&e.to_string(), MAX_MESSAGE_CHARS),
            ErrorDetails::with_bad_request(bad_request(v)),
        ),
        Error::TimeLimit(_) => Status::deadline_exceeded(e.to_string()),
        Error::Cancelled => Status::cancelled(e.to_string()),
        Error::Solver(_) => Status::internal(e.to_string()),
    }
}

/// Longest status message, in characters.
const MAX_MESSAGE_CHARS: usize = 512;

/// Longest violation description in the details, in characters.
const MAX_DESCRIPTION_CHARS: usize = 400;

/// Bytes of field paths and descriptions in one reply's `BadRequest`: the
/// details travel base64-encoded in a header, and gRPC clients built on
/// grpc-core refuse headers over 16 KiB; this keeps them under 8 KiB.
const MAX_DETAIL_BYTES: usize = 5 * 1024;

/// The violations that fit in [`MAX_DETAIL_BYTES`], each description
/// clipped; when some do not fit, a last one says how many were left out.
fn bad_request(v: &[crate::FieldViolation]) -> Vec<tonic_types::FieldViolation> {
    let mut out = Vec::new();
    let mut used = 0;
    for (k, f) in v.iter().enumerate() {
        let description = clip(&f.description, MAX_DESCRIPTION_CHARS);
        let cost = f.field.len() + description.len() + 8;
        if used + cost > MAX_DETAIL_BYTES {
            out.push(tonic_types::FieldViolation::new(
                "request",
                format!(
                    "{} more violations left out to keep this reply small; fix these first",
                    v.len() - k
                ),
            ));
            break;
        }
        used += cost;
        out.push(tonic_types::FieldViolation::new(
            f.field.clone(),
            description,
        ));
    }
    out
}

/// `s` cut to `max` characters, with "…" when cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((k, _)) => format!("{}…", &s[..k]),
        None => s.to_string(),
    }
}

/// Parses a `grpc-timeout` header value ("100m", "5S", …).
pub(super) fn grpc_timeout(v: &str) -> Option<Duration> {
    let (digits, unit) = v.split_at(v.len().checked_sub(1)?);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.checked_mul(3600)?),
        "M" => Duration::from_secs(n.checked_mul(60)?),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// A call's deadlines, from its `grpc-timeout` counted from its arrival.
#[derive(Debug, Clone, Copy)]
pub(super) struct CallDeadline {
    /// When the solve stops (10 % before the transport's deadline, at most
    /// 200 ms): a group solve answers its best grouping by then, with room
    /// to explain and send it.
    pub(super) solve_by: Instant,
    /// When the call answers DEADLINE_EXCEEDED itself if the job has not
    /// returned (2 % before, at most 20 ms), rather than let the transport
    /// cut it with CANCELLED.
    pub(super) answer_by: Instant,
}

/// The call's deadlines, if it has a `grpc-timeout`; `arrived` is when the
/// request reached the server.
pub(super) fn deadline_of<T>(request: &Request<T>, arrived: Instant) -> Option<CallDeadline> {
    let d = request
        .metadata()
        .get("grpc-timeout")
        .and_then(|v| v.to_str().ok())
        .and_then(grpc_timeout)?;
    let before = |share: u32, cap: u64| {
        let margin = (d / share).min(Duration::from_millis(cap));
        arrived.checked_add(d - margin)
    };
    Some(CallDeadline {
        solve_by: before(10, 200)?,
        answer_by: before(50, 20)?,
    })
}

#[cfg(test)]
mod tests {
    use super::{deadline_of, grpc_timeout};
    use std::time::{Duration, Instant};

    #[test]
    fn the_solve_stops_before_the_answer_which_comes_before_the_transport() {
        let at = Instant::now();
        let mut r = tonic::Request::new(());
        r.metadata_mut()
            .insert("grpc-timeout", "2S".parse().unwrap());
        let d = deadline_of(&r, at).unwrap();
        assert_eq!(d.solve_by - at, Duration::from_millis(1800));
        assert_eq!(d.answer_by - at, Duration::from_millis(1980));
        r.metadata_mut()
            .insert("grpc-timeout", "100m".parse().unwrap());
        let d = deadline_of(&r, at).unwrap();
        assert_eq!(d.solve_by - at, Duration::from_millis(90));
        assert_eq!(d.answer_by - at, Duration::from_millis(98));
        assert!(deadline_of(&tonic::Request::new(()), at).is_none());
    }

    #[test]
    fn parses_grpc_timeouts() {
        assert_eq!(grpc_timeout("100m"), Some(Duration::from_millis(100)));
        assert_eq!(grpc_timeout("5S"), Some(Duration::from_secs(5)));
        assert_eq!(grpc_timeout("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(grpc_timeout("x"), None);
        assert_eq!(grpc_timeout(""), None);
    }
}
