//! `mentormatch load`: an open-loop load generator for a running service.
//! Calls `Solve` with one request at a fixed rate for a fixed time, over a
//! few connections, whatever the answers' latency (open loop: a slow server
//! does not slow the offered rate down), then reports the achieved rate,
//! latency percentiles of the answered calls and errors by status code.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use mentormatch::pb;
use mentormatch::pb::matching_service_client::MatchingServiceClient;

use super::{read_json, write_output};

/// Settings of a load run.
#[derive(Debug, clap::Args)]
pub(super) struct LoadArgs {
    /// Request file (proto3 JSON `SolveRequest`) sent on every call.
    file: std::path::PathBuf,
    /// The service's address.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    addr: String,
    /// Calls per second offered.
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// How long calls are offered, in seconds.
    #[arg(long, default_value_t = 10.0)]
    duration_s: f64,
    /// Connections the calls are spread over.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Each call's deadline, in milliseconds.
    #[arg(long, default_value_t = 5_000)]
    timeout_ms: u64,
}

/// One call's outcome: its latency and status code.
type Sample = (Duration, tonic::Code);

/// Runs the load and prints its report.
pub(super) fn load(args: &LoadArgs) -> Result<()> {
    let req: pb::SolveRequest = read_json(Path::new(&args.file))?;
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    let (samples, elapsed, sent) = rt.block_on(offer(args, req))?;
    write_output(None, &report(args, &samples, elapsed, sent))
}

/// Offers the calls and collects their outcomes.
async fn offer(args: &LoadArgs, req: pb::SolveRequest) -> Result<(Vec<Sample>, Duration, u64)> {
    let mut clients = Vec::new();
    for _ in 0..args.connections.max(1) {
        let channel = tonic::transport::Endpoint::from_shared(args.addr.clone())
            .with_context(|| format!("{:?} is not a URL", args.addr))?
            .tcp_nodelay(true)
            .connect()
            .await
            .with_context(|| format!("connecting to {}", args.addr))?;
        clients.push(MatchingServiceClient::new(channel).max_decoding_message_size(usize::MAX));
    }
    let period = Duration::from_secs_f64(1.0 / args.rate.max(0.001));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Sample>();
    let timeout = Duration::from_millis(args.timeout_ms);
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs_f64(args.duration_s);
    let mut sent = 0u64;
    while Instant::now() < end {
        ticks.tick().await;
        let mut client = clients[sent as usize % clients.len()].clone();
        let (tx, req) = (tx.clone(), req.clone());
        tokio::spawn(async move {
            let mut r = tonic::Request::new(req);
            r.set_timeout(timeout);
            let t = Instant::now();
            let code = match client.solve(r).await {
                Ok(_) => tonic::Code::Ok,
                Err(s) => s.code(),
            };
            let _ = tx.send((t.elapsed(), code));
        });
        sent += 1;
    }
    let offered = t0.elapsed();
    drop(tx);
    let mut samples = Vec::with_capacity(sent as usize);
    while let Some(s) = rx.recv().await {
        samples.push(s);
    }
    Ok((samples, offered, sent))
}

/// The report: rates, latency percentiles of answered calls, errors.
fn report(args: &LoadArgs, samples: &[Sample], offered: Duration, sent: u64) -> String {
    let mut ok: Vec<Duration> = samples
        .iter()
        .filter(|s| s.1 == tonic::Code::Ok)
        .map(|s| s.0)
        .collect();
    ok.sort_unstable();
    let pct = |p: f64| {
        ok.get(((ok.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.1 != tonic::Code::Ok) {
        *errors.entry(format!("{:?}", s.1)).or_default() += 1;
    }
    let secs = offered.as_secs_f64();
    let mut out = format!(
        "offered {:.1} calls/s for {secs:.1} s ({sent} calls, target {} calls/s, {} connections)\n\
         answered OK {} ({:.1}/s, goodput {:.1} %)\n\
         latency of OK calls: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms\n",
        sent as f64 / secs,
        args.rate,
        args.connections,
        ok.len(),
        ok.len() as f64 / secs,
        100.0 * ok.len() as f64 / sent.max(1) as f64,
        pct(0.50),
        pct(0.90),
        pct(0.99),
        ok.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0),
    );
    if errors.is_empty() {
        out.push_str("errors: none\n");
    } else {
        let list: Vec<String> = errors.iter().map(|(c, n)| format!("{c} {n}")).collect();
        out.push_str(&format!("errors: {}\n", list.join(", ")));
    }
    out
}
