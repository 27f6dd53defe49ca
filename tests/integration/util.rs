//! Helpers shared by the integration tests. They fail with context.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use mentormatch::pb;
use mentormatch::service;
use mentormatch::Limits;
use mentormatch::ServerConfig;
use mentormatch::SolveOptions;

/// Path of a file in the repository.
pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The bundled example request.
pub fn example_request() -> pb::SolveRequest {
    let path = repo_path("examples/cmr-2021/request.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// Mentors and mentees of a request by id.
pub fn people_by_id(
    req: &pb::SolveRequest,
) -> (
    std::collections::HashMap<&str, &pb::Mentor>,
    std::collections::HashMap<&str, &pb::Mentee>,
) {
    (
        req.mentors
            .iter()
            .map(|m| (profile_id(&m.profile), m))
            .collect(),
        req.mentees
            .iter()
            .map(|e| (profile_id(&e.profile), e))
            .collect(),
    )
}

/// A person's id ("" without a profile).
pub fn profile_id(p: &Option<pb::Profile>) -> &str {
    p.as_ref().map_or("", |p| p.id.as_str())
}

/// A small valid profile.
pub fn profile(id: &str, country: &str, tz: &str, langs: &[(&str, i32)]) -> pb::Profile {
    pb::Profile {
        id: id.into(),
        name: format!("Person {id}"),
        country: country.into(),
        organization: String::new(),
        languages: langs
            .iter()
            .map(|&(code, level)| pb::LanguageSkill {
                code: code.into(),
                level,
            })
            .collect(),
        time_zone: tz.into(),
        working_hours: None,
        sectors: vec!["ict".into()],
        topics: vec!["export".into()],
        ..Default::default()
    }
}

/// Native level.
pub const NATIVE: i32 = pb::LanguageLevel::Native as i32;
/// B1 level.
pub const B1: i32 = pb::LanguageLevel::B1 as i32;

/// A mentor with a capacity.
pub fn mentor(p: pb::Profile, capacity: u32) -> pb::Mentor {
    pb::Mentor {
        profile: Some(p),
        capacity: Some(capacity),
        min_mentees: 0,
        max_groups: None,
        role: String::new(),
    }
}

/// A mentee.
pub fn mentee(p: pb::Profile) -> pb::Mentee {
    pb::Mentee {
        profile: Some(p),
        preferred_mentors: Vec::new(),
        excluded_mentors: Vec::new(),
        allowed_mentors: Vec::new(),
        ..pb::Mentee::default()
    }
}

/// A tiny valid request: two mentors, three mentees.
pub fn small_request() -> pb::SolveRequest {
    pb::SolveRequest {
        request_id: "small".into(),
        mentors: vec![
            mentor(
                profile("m1", "ES", "Europe/Madrid", &[("es", NATIVE), ("fr", 5)]),
                2,
            ),
            mentor(
                profile("m2", "IT", "Europe/Rome", &[("it", NATIVE), ("en", 5)]),
                1,
            ),
        ],
        mentees: vec![
            mentee(profile(
                "e1",
                "MA",
                "Africa/Casablanca",
                &[("ar", NATIVE), ("fr", 6)],
            )),
            mentee(profile(
                "e2",
                "JO",
                "Asia/Amman",
                &[("ar", NATIVE), ("en", 5)],
            )),
            mentee(profile(
                "e3",
                "TN",
                "Africa/Tunis",
                &[("ar", NATIVE), ("fr", 5)],
            )),
        ],
        policy: Some(pb::Policy {
            programme_start: "2021-01-20".into(),
            programme_end: "2021-10-31".into(),
            ..Default::default()
        }),
        affinities: Vec::new(),
        include_timings: false,
        ..Default::default()
    }
}

/// The request's policy, created empty when absent.
pub fn policy_mut(req: &mut pb::SolveRequest) -> &mut pb::Policy {
    req.policy.get_or_insert_with(Default::default)
}

/// Solves in process with default limits.
pub fn solve(req: &pb::SolveRequest) -> Result<pb::SolveResponse, mentormatch::Error> {
    mentormatch::api::solve(req, &Limits::default(), &SolveOptions::default())
}

/// Solves in process, panicking with the error on failure.
pub fn solve_ok(req: &pb::SolveRequest) -> pb::SolveResponse {
    solve(req).unwrap_or_else(|e| panic!("solve failed: {e}"))
}

/// `mentormatch ARGS FILE` run on `req` written to a temporary JSON file.
pub fn cli_on(req: &pb::SolveRequest, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("request.json");
    std::fs::write(&path, serde_json::to_string(req).expect("json")).expect("write");
    std::process::Command::new(env!("CARGO_BIN_EXE_mentormatch"))
        .args(args)
        .arg(&path)
        .output()
        .expect("runs")
}

/// What `mentormatch solve --format table` prints for `req`.
pub fn table_of(req: &pb::SolveRequest) -> String {
    let out = cli_on(req, &["solve", "--format", "table"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The field violations of an invalid request, or a panic saying what came back.
pub fn violations(req: &pb::SolveRequest) -> Vec<mentormatch::FieldViolation> {
    match solve(req) {
        Err(mentormatch::Error::InvalidArgument(v)) => v,
        Err(e) => panic!("expected InvalidArgument, got error {e}"),
        Ok(r) => panic!(
            "expected InvalidArgument, got a response with status {}",
            r.status
        ),
    }
}

/// Asserts that some violation names `field` and mentions `needle`.
pub fn assert_violation(v: &[mentormatch::FieldViolation], field: &str, needle: &str) {
    assert!(
        v.iter()
            .any(|f| f.field == field && f.description.contains(needle)),
        "no violation of {field:?} mentioning {needle:?}; got: {v:#?}"
    );
}

/// A running test server on an ephemeral port.
pub struct TestServer {
    /// Address it listens on.
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// `http://addr`, for clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A connected matching client.
    pub async fn client(
        &self,
    ) -> pb::matching_service_client::MatchingServiceClient<tonic::transport::Channel> {
        pb::matching_service_client::MatchingServiceClient::connect(self.url())
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.url()))
    }

    /// A connected channel, for any client.
    pub async fn channel(&self) -> tonic::transport::Channel {
        tonic::transport::Endpoint::from_shared(self.url())
            .expect("a valid URL")
            .connect()
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.url()))
    }

    /// Starts the shutdown (health turns NOT_SERVING, the drain begins)
    /// without waiting for it; [`TestServer::stop`] then waits.
    pub fn begin_stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// Shuts the server down and waits until it has drained.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("server task panicked");
        }
    }
}

/// Starts the service on 127.0.0.1:0 (mini-redis style).
pub async fn start_server(config: ServerConfig) -> TestServer {
    start_server_with(config, service::Extras::default()).await
}

/// The admin endpoint's `/metrics` page, with its HTTP head.
pub async fn metrics_page(admin: std::net::SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut http = tokio::net::TcpStream::connect(admin)
        .await
        .expect("admin endpoint");
    http.write_all(b"GET /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .expect("sent");
    let mut page = String::new();
    http.read_to_string(&mut page).await.expect("read");
    page
}

/// A sample's value on a metrics page (0 when it is not there).
pub fn metric(page: &str, name: &str) -> f64 {
    page.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// [`start_server`] with extras (a run store, tokens, …).
pub async fn start_server_with(config: ServerConfig, extras: service::Extras) -> TestServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding an ephemeral port");
    let addr = listener.local_addr().expect("local address");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        service::serve_with(listener, extras, config, async {
            let _ = rx.await;
        })
        .await
        .expect("server failed");
    });
    TestServer {
        addr,
        shutdown: Some(tx),
        handle: Some(handle),
    }
}

/// Local working intervals of a day, minutes.
pub type Spans = Vec<(i64, i64)>;

/// A person's zone, working hours and dates, read from the request (an
/// oracle apart from the engine's calendar).
pub struct Hours {
    pub tz: Tz,
    /// Local minutes per weekday (0 = Monday).
    pub week: [Vec<(i64, i64)>; 7],
    /// (from, until, spans).
    pub overrides: Vec<(NaiveDate, NaiveDate, Spans)>,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

pub fn minutes(s: &str) -> i64 {
    let (h, m) = s.split_once(':').unwrap();
    h.parse::<i64>().unwrap() * 60 + m.parse::<i64>().unwrap()
}

fn spans(list: &[pb::TimeSpan]) -> Vec<(i64, i64)> {
    list.iter()
        .map(|t| (minutes(&t.start), minutes(&t.end)))
        .collect()
}

fn date_opt(s: &str) -> Option<NaiveDate> {
    (!s.is_empty()).then(|| s.parse().unwrap())
}

pub fn hours(p: &pb::Profile) -> Hours {
    let wh = p.working_hours.clone().unwrap_or_default();
    let mut week: [Vec<(i64, i64)>; 7] = Default::default();
    if wh.weekdays.is_empty() {
        let t = |s: &str, d: &str| minutes(if s.is_empty() { d } else { s });
        let days: Vec<usize> = if wh.days.is_empty() {
            (0..5).collect()
        } else {
            wh.days.iter().map(|&d| (d - 1) as usize).collect()
        };
        for d in days {
            week[d] = vec![(t(&wh.start, "09:00"), t(&wh.end, "18:00"))];
        }
    } else {
        for d in &wh.weekdays {
            week[(d.day - 1) as usize] = spans(&d.spans);
        }
    }
    Hours {
        tz: p.time_zone.parse().unwrap(),
        week,
        overrides: wh
            .overrides
            .iter()
            .map(|o| {
                (
                    o.from.parse().unwrap(),
                    o.until.parse().unwrap(),
                    spans(&o.spans),
                )
            })
            .collect(),
        from: date_opt(&p.available_from),
        until: date_opt(&p.available_until),
    }
}

impl Hours {
    /// The working intervals of a local date, touching ones joined.
    pub fn on(&self, d: NaiveDate) -> Vec<(i64, i64)> {
        let raw = match self.overrides.iter().find(|o| o.0 <= d && d <= o.1) {
            Some(o) => o.2.clone(),
            None => self.week[d.weekday().num_days_from_monday() as usize].clone(),
        };
        let mut out: Vec<(i64, i64)> = Vec::new();
        for (a, b) in raw {
            match out.last_mut() {
                Some(last) if last.1 == a => last.1 = b,
                _ => out.push((a, b)),
            }
        }
        out
    }

    pub fn takes_part(&self, utc: chrono::DateTime<chrono::Utc>) -> bool {
        let d = utc.with_timezone(&self.tz).date_naive();
        self.from.is_none_or(|f| f <= d) && self.until.is_none_or(|u| d <= u)
    }
}

/// Every profile of a request, mentors first, to edit.
pub fn profiles_mut(req: &mut pb::SolveRequest) -> impl Iterator<Item = &mut pb::Profile> {
    req.mentors
        .iter_mut()
        .filter_map(|m| m.profile.as_mut())
        .chain(req.mentees.iter_mut().filter_map(|e| e.profile.as_mut()))
}

/// How many mentors a hard rule excludes for an unmatched mentee (0 when
/// the rule is not listed).
pub fn excluded_by(u: &pb::UnmatchedMentee, rule: pb::HardRule) -> u32 {
    u.excluded_by
        .iter()
        .find(|c| c.rule == rule as i32)
        .map_or(0, |c| c.mentors)
}
