//! The command line: same answer as the gRPC service, clear errors, exit codes.

use std::process::Command;

use mentormatch::pb;
use mentormatch::ServerConfig;

use crate::util::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mentormatch"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_and_grpc_agree_on_the_example() {
    let path = repo_path("examples/cmr-2021/request.json");
    let out = bin()
        .arg("solve")
        .arg(&path)
        .output()
        .expect("running the CLI");
    assert!(
        out.status.success(),
        "CLI failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_cli: pb::SolveResponse =
        serde_json::from_slice(&out.stdout).expect("CLI output is a SolveResponse");

    let server = start_server(ServerConfig::default()).await;
    let mut client = server.client().await;
    let from_grpc = client
        .solve(example_request())
        .await
        .expect("gRPC solve")
        .into_inner();
    server.stop().await;
    assert_eq!(from_cli, from_grpc);
    // And the JSON bytes are exactly what the CLI prints for the gRPC answer.
    let mut json = serde_json::to_string_pretty(&from_grpc).unwrap();
    json.push('\n');
    assert_eq!(String::from_utf8_lossy(&out.stdout), json);
}

#[test]
fn table_format_lists_pairs() {
    let path = repo_path("examples/cmr-2021/request.json");
    let out = bin()
        .args(["solve", "--format", "table"])
        .arg(&path)
        .output()
        .expect("running the CLI");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("status Optimal"), "{text}");
    assert!(
        text.contains("mentee") && text.contains("mentor") && text.contains("score"),
        "{text}"
    );
}

#[test]
fn invalid_request_exits_2_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut req = small_request();
    req.mentees[0].profile.as_mut().unwrap().time_zone = "Africa/Atlantis".into();
    let path = dir.path().join("bad.json");
    std::fs::write(&path, serde_json::to_string(&req).unwrap()).unwrap();
    let out = bin()
        .arg("solve")
        .arg(&path)
        .output()
        .expect("running the CLI");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mentees[0].profile.time_zone") && err.contains("Africa/Atlantis"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn malformed_json_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{\"mentors\": [ {\"capacity\": \"lots\"} ]}").unwrap();
    let out = bin()
        .arg("solve")
        .arg(&path)
        .output()
        .expect("running the CLI");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a valid SolveRequest"), "{err}");
    assert!(
        err.contains("mentors[0].capacity: \"lots\" is not a whole number"),
        "{err}"
    );
}

/// Every type error in a request file names the field path (the proto's
/// names, as a `BadRequest` does), the value and what the field takes.
#[test]
fn a_bad_value_in_a_json_request_names_its_field_and_value() {
    use mentormatch::wire::json::from_json;
    use serde_json::{json, Value};
    let text = std::fs::read_to_string(repo_path("examples/cmr-2021/request.json")).unwrap();
    let example: Value = serde_json::from_str(&text).unwrap();
    let cases: [(&str, Value, &str, &str); 8] = [
        (
            "/mentors/3/capacity",
            json!(-1),
            "mentors[3].capacity",
            "-1 is not a whole number from 0",
        ),
        (
            "/mentors/3/capacity",
            json!(2.5),
            "mentors[3].capacity",
            "2.5 is not a whole number",
        ),
        (
            "/mentors/1/capacity",
            json!("three"),
            "mentors[1].capacity",
            "\"three\" is not a whole number",
        ),
        (
            "/policy/minWeeklyOverlapHours",
            json!("x"),
            "policy.min_weekly_overlap_hours",
            "\"x\" is not a number",
        ),
        (
            "/mentees/2/profile/languages/0/level",
            json!("LANGUAGE_LEVEL_Z9"),
            "mentees[2].profile.languages[0].level",
            "\"LANGUAGE_LEVEL_Z9\" is not one of LANGUAGE_LEVEL_UNSPECIFIED",
        ),
        (
            "/policy/groups/minSize",
            json!(true),
            "policy.groups.min_size",
            "true is not a whole number",
        ),
        (
            "/mentors/0/profile/timeZone",
            json!(5),
            "mentors[0].profile.time_zone",
            "5 is not a string",
        ),
        (
            "/mentees/4/colour",
            json!("blue"),
            "mentees[4].colour",
            "unknown field `colour`",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (pointer, value, field, says) in cases {
        let mut req = example.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        req.pointer_mut(parent).unwrap()[key] = value;
        let text = serde_json::to_string_pretty(&req).unwrap();
        let Err(mentormatch::Error::InvalidArgument(v)) = from_json::<pb::SolveRequest>(&text)
        else {
            panic!("{pointer} must be refused");
        };
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].field, field, "{pointer}: {}", v[0]);
        assert!(v[0].description.contains(says), "{pointer}: {}", v[0]);
        assert!(v[0].description.contains("(line "), "{}", v[0]);
        // The CLI says the same, and exits 2.
        let path = dir.path().join("bad.json");
        std::fs::write(&path, &text).unwrap();
        let out = bin().arg("solve").arg(&path).output().expect("ran");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&v[0].to_string()), "{err}");
    }
}

#[test]
fn generate_then_solve() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synth.json");
    let g = bin()
        .args([
            "generate",
            "--mentees",
            "60",
            "--mentors",
            "10",
            "--seed",
            "4",
            "-o",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    let out = bin().arg("solve").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let resp: pb::SolveResponse = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(resp.pairs.len() + resp.unmatched.len(), 60);
}

/// `alternatives --format table` lists the JSON answer's alternatives, one
/// line each, with their losses.
#[test]
fn alternatives_print_as_a_table() {
    let path = repo_path("examples/cmr-2021/request.json");
    let run = |format: &str| {
        let out = bin()
            .args(["alternatives".as_ref(), path.as_os_str()])
            .args([
                "--mentee",
                "e-tn-marble",
                "--limit",
                "3",
                "--format",
                format,
            ])
            .output()
            .expect("ran");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let json: pb::AlternativesResponse = serde_json::from_str(&run("json")).expect("json");
    let table = run("table");
    assert!(table.starts_with("alternatives for e-tn-marble"));
    for a in &json.alternatives {
        let line = table
            .lines()
            .find(|l| l.starts_with(&a.mentor_id))
            .unwrap_or_else(|| panic!("{} listed", a.mentor_id));
        assert!(line.contains(&format!("{:.3}", a.score_loss)), "{line}");
    }
}
