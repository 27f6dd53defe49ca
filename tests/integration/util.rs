//! Helpers shared by the integration tests. They fail with context.

use std::net::SocketAddr;
use std::path::PathBuf;

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
    fn id(p: &Option<pb::Profile>) -> &str {
        p.as_ref().map_or("", |p| p.id.as_str())
    }
    (
        req.mentors.iter().map(|m| (id(&m.profile), m)).collect(),
        req.mentees.iter().map(|e| (id(&e.profile), e)).collect(),
    )
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
    }
}

/// A mentee.
pub fn mentee(p: pb::Profile) -> pb::Mentee {
    pb::Mentee {
        profile: Some(p),
        preferred_mentors: Vec::new(),
        excluded_mentors: Vec::new(),
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

    /// Stops the server and waits for it.
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
