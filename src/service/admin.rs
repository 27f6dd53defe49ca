//! The admin HTTP endpoint: `GET /metrics`, in OpenMetrics 1.0 when the
//! `Accept` header prefers it (Prometheus asks so by default) and in the
//! classic Prometheus text format 0.0.4 otherwise (no header, `text/plain`,
//! `*/*`). Plain HTTP/1.1 on its own address, apart from the gRPC port.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::calls::Calls;
use super::metrics::Metrics;

/// Serves `/metrics` on `listener` until the task is dropped.
pub(super) async fn serve(listener: TcpListener, metrics: Arc<Metrics>, calls: Arc<Calls>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (metrics, calls) = (metrics.clone(), calls.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let (metrics, calls) = (metrics.clone(), calls.clone());
                async move { Ok::<_, Infallible>(answer(&req, &metrics, &calls)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The answer to one admin request.
fn answer(req: &Request<Incoming>, metrics: &Metrics, calls: &Calls) -> Response<Full<Bytes>> {
    let (status, content_type, body) = match (req.method(), req.uri().path()) {
        (&Method::GET, "/metrics") => {
            metrics.in_flight.set(calls.in_flight() as i64);
            metrics.waiting.set(calls.waiting() as i64);
            let accept = req.headers().get(hyper::header::ACCEPT);
            let accept = accept.and_then(|v| v.to_str().ok()).unwrap_or("");
            if prefers_openmetrics(accept) {
                (StatusCode::OK, OPENMETRICS, metrics.text())
            } else {
                (StatusCode::OK, CLASSIC, classic(&metrics.text()))
            }
        }
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "not found: the admin endpoint serves GET /metrics\n".to_string(),
        ),
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    resp
}

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const CLASSIC: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether an `Accept` header rates OpenMetrics (any version we write:
/// 1.0.0, or none named) above the classic text format, by q-value; a tie
/// (`*/*`, or no header) goes to the classic format, as client libraries do.
fn prefers_openmetrics(accept: &str) -> bool {
    let (mut open, mut classic) = (0.0f64, 0.0f64);
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let (mut q, mut version) = (1.0, None);
        for p in parts {
            match p.split_once('=') {
                Some((k, v)) if k.trim().eq_ignore_ascii_case("q") => {
                    q = v.trim().parse().unwrap_or(0.0);
                }
                Some((k, v)) if k.trim().eq_ignore_ascii_case("version") => {
                    version = Some(v.trim().to_string());
                }
                _ => {}
            }
        }
        let v = version.as_deref();
        match media.as_str() {
            "application/openmetrics-text" if matches!(v, None | Some("1.0.0")) => {
                open = open.max(q);
            }
            "text/plain" if matches!(v, None | Some("0.0.4")) => classic = classic.max(q),
            "text/*" | "*/*" => classic = classic.max(q),
            _ => {}
        }
    }
    open > 0.0 && open > classic
}

/// OpenMetrics text as the classic format: a counter's metadata names its
/// `_total` samples, and there is no `# UNIT`, `# EOF` or exemplar.
fn classic(open: &str) -> String {
    let mut counters = std::collections::HashSet::new();
    for line in open.lines() {
        if let Some(name) = line
            .strip_prefix("# TYPE ")
            .and_then(|t| t.strip_suffix(" counter"))
        {
            counters.insert(name.to_string());
        }
    }
    let mut out = String::with_capacity(open.len());
    for line in open.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "]
            .into_iter()
            .find_map(|p| line.strip_prefix(p).map(|rest| (p, rest)));
        match meta {
            Some((p, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                let total = if counters.contains(name) {
                    "_total"
                } else {
                    ""
                };
                let tail = if tail == "unknown" { "untyped" } else { tail };
                out.push_str(&format!("{p}{name}{total} {tail}"));
            }
            None => out.push_str(line.split(" # {").next().unwrap_or(line)),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_chooses_the_format() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                          version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert!(prefers_openmetrics(prometheus));
        assert!(prefers_openmetrics("application/openmetrics-text"));
        for classic in [
            "",
            "text/plain;version=0.0.4",
            "text/plain; version=0.0.4; q=1, application/openmetrics-text; q=0.5",
            "*/*",
            "application/openmetrics-text; version=2.0.0",
            "application/openmetrics-text; q=0",
        ] {
            assert!(!prefers_openmetrics(classic), "{classic:?}");
        }
    }

    #[test]
    fn classic_text_names_counter_samples_and_has_no_eof() {
        let open = "# HELP m_calls Calls.\n# TYPE m_calls counter\n\
                    m_calls_total{method=\"solve\"} 3\n# HELP m_bytes Bytes.\n\
                    # TYPE m_bytes gauge\n# UNIT m_bytes bytes\nm_bytes 7\n\
                    # TYPE m_x unknown\nm_x 1 # {id=\"a\"} 1.0\n# EOF\n";
        assert_eq!(
            classic(open),
            "# HELP m_calls_total Calls.\n# TYPE m_calls_total counter\n\
             m_calls_total{method=\"solve\"} 3\n# HELP m_bytes Bytes.\n\
             # TYPE m_bytes gauge\nm_bytes 7\n# TYPE m_x untyped\nm_x 1\n"
        );
    }
}
