//! The admin HTTP endpoint: `GET /metrics` in Prometheus' text format.
//! Plain HTTP/1.1 on its own address, apart from the gRPC port.

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
            (
                StatusCode::OK,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                metrics.text(),
            )
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
