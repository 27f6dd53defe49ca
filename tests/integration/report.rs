//! The HTML report: everyone named (and escaped), the pictures drawn from
//! the response (one link per pair, bands that add up to the pairs), the
//! hours split where the clocks change, certificates and what-if moves in
//! words, the same bytes from a saved response. Opening it in a real
//! Chromium is `tests/browser/report.py`.

use mentormatch::formats::{export, report};
use mentormatch::pb;
use mentormatch::tools::synth::{self, SynthConfig};
use mentormatch::{Limits, SolveOptions};

use crate::util::*;

/// Text as the report escapes it.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Every profile's name by id.
fn names(req: &pb::SolveRequest) -> std::collections::HashMap<String, String> {
    let mentors = req.mentors.iter().filter_map(|m| m.profile.as_ref());
    let mentees = req.mentees.iter().filter_map(|e| e.profile.as_ref());
    mentors
        .chain(mentees)
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect()
}

fn solved_report(req: &pb::SolveRequest) -> (pb::SolveResponse, String) {
    let resp = solve_ok(req);
    let html = report::solve(req, &resp, &Limits::default()).expect("a report");
    (resp, html)
}

/// The part of the page from `#id`'s section to the next section.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = html[start + 1..]
        .find("<section")
        .map_or(html.len(), |k| start + 1 + k);
    &html[start..end]
}

#[test]
fn the_report_names_every_mentee_and_escapes_what_it_is_given() {
    let mut req = example_request();
    let hostile = "Zaïd <script>alert(\"x\")</script> & Co";
    req.mentees[0].profile.as_mut().unwrap().name = hostile.into();
    req.mentors[0].profile.as_mut().unwrap().organization = "<b>\"Cluster\"</b>".into();
    let (resp, html) = solved_report(&req);
    assert!(!html.contains("<script"), "a name became markup");
    assert!(
        !html.contains("<b>\"Cluster"),
        "an organisation became markup"
    );
    assert!(html.contains("&lt;b&gt;&quot;Cluster&quot;&lt;/b&gt;"));
    assert!(html.contains(&escaped(hostile)));
    let pairs_and_unmatched = format!(
        "{}{}",
        section(&html, "pairs"),
        html.find("<section id=\"unmatched\"")
            .map_or("", |_| section(&html, "unmatched"))
    );
    for e in &req.mentees {
        let name = &e.profile.as_ref().unwrap().name;
        assert!(
            pairs_and_unmatched.contains(&escaped(name)),
            "{name} is not in the pairs or the unmatched"
        );
    }
    // One link per pair in the picture (each link a path).
    let picture = section(&html, "matching");
    assert_eq!(picture.matches("<path").count(), resp.pairs.len());
    // Self-contained: nothing is fetched (the SVG namespace is a name, not a fetch).
    for needle in ["src=", "<link", "url(http", "@import", "href=\"http"] {
        assert!(
            !html.contains(needle),
            "the page fetches something: {needle}"
        );
    }
}

#[test]
fn the_report_is_deterministic_and_the_same_from_the_saved_json() {
    let req = example_request();
    let (resp, html) = solved_report(&req);
    assert_eq!(solved_report(&req).1, html);
    let dir = tempfile::tempdir().expect("temp dir");
    let saved = dir.path().join("response.json");
    std::fs::write(&saved, serde_json::to_string(&resp).expect("json")).expect("write");
    let json = repo_path("examples/cmr-2021/request.json");
    let xlsx = repo_path("examples/cmr-2021/cohort.xlsx");
    let run = |args: &[&std::ffi::OsStr]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mentormatch"))
            .args(args)
            .output()
            .expect("ran");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let from_cli = run(&[
        "solve".as_ref(),
        json.as_os_str(),
        "--format".as_ref(),
        "html".as_ref(),
    ]);
    let from_sheet = run(&[
        "solve".as_ref(),
        xlsx.as_os_str(),
        "--format".as_ref(),
        "html".as_ref(),
    ]);
    let from_saved = run(&["report".as_ref(), json.as_os_str(), saved.as_os_str()]);
    assert_eq!(from_cli, html.as_bytes());
    assert_eq!(from_sheet, from_cli);
    assert_eq!(from_saved, from_cli);

    // A response that is not one is an input error naming the file.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"pairs\": 3}").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mentormatch"))
        .args(["report".as_ref(), json.as_os_str(), bad.as_os_str()])
        .output()
        .expect("ran");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json is not a valid SolveResponse"),
        "{err}"
    );
    assert!(err.contains("pairs: 3 is not a list"), "{err}");
}

/// Madrid and Casablanca, both 09:00–18:00 on weekdays, in 2021: one hour
/// apart in winter (Madrid UTC+1, Casablanca UTC+1: the same), then Madrid's
/// summer time on 28 March, then Ramadan in Casablanca (UTC+0) from 11
/// April to 16 May. The report's rows are those stretches.
#[test]
fn the_hours_picture_splits_the_weeks_where_the_clocks_change() {
    let (_, html) = solved_report(&example_request());
    let hours = section(&html, "hours");
    let head =
        "mentor Europe/Madrid Mon–Fri 09:00–18:00 × mentee Africa/Casablanca Mon–Fri 09:00–18:00";
    let at = hours.find(head).expect("the Madrid × Casablanca schedules");
    let figure = &hours[at..at + hours[at..].find("</figure>").expect("its figure")];
    let rows: Vec<&str> = figure
        .match_indices("from 20")
        .map(|(k, _)| &figure[k..k + 26])
        .collect();
    assert_eq!(
        rows,
        [
            "from 2021-01-18, 10 weeks<",
            "from 2021-03-29, 2 weeks</",
            "from 2021-04-12, 5 weeks</",
            "from 2021-05-17, 24 weeks<",
        ]
    );
    for h in ["45.0 h a week", "40.0 h a week", "35.0 h a week"] {
        assert!(figure.contains(h), "{h}");
    }
}

/// Places short: every unmatched mentee has its reason and certificate in
/// the report, and every "same bottleneck" link lands on an entry.
#[test]
fn the_unmatched_are_explained_with_their_certificates() {
    let req = synth::generate(&SynthConfig {
        mentees: 40,
        mentors: 6,
        seed: 7,
        max_capacity: 3,
    });
    let (resp, html) = solved_report(&req);
    assert!(resp.unmatched.len() >= 10, "the places are short");
    let unmatched = section(&html, "unmatched");
    for u in &resp.unmatched {
        assert!(unmatched.contains(&escaped(&u.message)), "{}", u.mentee_id);
        if let Some(c) = &u.certificate {
            assert!(unmatched.contains(&escaped(&c.message)), "{}", u.mentee_id);
            for r in &c.relaxations {
                assert!(unmatched.contains(&escaped(&r.message)));
            }
        }
    }
    assert!(resp
        .unmatched
        .iter()
        .any(|u| !u.same_bottleneck_as.is_empty()));
    for (k, _) in unmatched.match_indices("href=\"#u") {
        let target = &unmatched[k + 7..k + 7 + unmatched[k + 7..].find('"').unwrap()];
        assert!(unmatched.contains(&format!("id=\"{target}\"")), "{target}");
    }
}

/// More than 120 people: the picture is by country, and its bands' pair
/// counts add up to the pairs.
#[test]
fn a_large_programme_is_drawn_by_country() {
    let req = synth::generate(&SynthConfig {
        mentees: 200,
        mentors: 40,
        seed: 3,
        max_capacity: 4,
    });
    let (resp, html) = solved_report(&req);
    let picture = section(&html, "matching");
    let counted: usize = picture
        .split(" pairs</title>")
        .filter_map(|s| s.rsplit(": ").next())
        .filter_map(|n| n.parse::<usize>().ok())
        .sum();
    assert_eq!(counted, resp.pairs.len());
    assert!(picture.matches("<path").count() < resp.pairs.len());
}

/// The what-if report lists every move with names; the alternatives report
/// and exports list every alternative.
#[test]
fn what_if_and_alternatives_reports_say_what_moves() {
    let text = std::fs::read_to_string(repo_path("examples/cmr-2021/whatif.json")).expect("read");
    let w: pb::WhatIfRequest = serde_json::from_str(&text).expect("a what-if");
    let (limits, opts) = (Limits::default(), SolveOptions::default());
    let wr = mentormatch::api::what_if(&w, &limits, &opts).expect("what-if");
    let html = report::whatif(&w, &wr);
    let people = names(w.base.as_ref().unwrap());
    let moved = section(&html, "changes");
    let mut seen = 0;
    for r in &wr.results {
        assert!(html.contains(&escaped(&r.name)));
        for m in &r.diff.as_ref().unwrap().moved {
            for id in [&m.mentee_id, &m.from_mentor_id, &m.to_mentor_id] {
                assert!(moved.contains(&escaped(&people[id.as_str()])), "{id}");
            }
            seen += 1;
        }
    }
    assert!(seen > 0, "the example's what-if moves someone");

    let req = pb::AlternativesRequest {
        request: Some(example_request()),
        mentee_id: "e-ma-mnc".into(),
        limit: Some(5),
        max_candidates: None,
    };
    let ar = mentormatch::api::alternatives(&req, &limits, &opts).expect("alternatives");
    let html = report::alternatives(&req, &ar);
    let people = names(req.request.as_ref().unwrap());
    for a in &ar.alternatives {
        assert!(html.contains(&escaped(&people[a.mentor_id.as_str()])));
    }
    let sheets = export::alternatives_sheets(&req, &ar);
    assert_eq!(sheets[0].rows.len(), ar.alternatives.len());
    assert_eq!(sheets[1].rows.len(), ar.excluded.len());
}

/// An infeasible request's report says why, in the response's words, and
/// lists everyone as unmatched.
#[test]
fn an_infeasible_request_is_reported_with_its_reasons() {
    let mut req = example_request();
    for m in req.mentors.iter_mut().take(3) {
        m.capacity = Some(6);
        m.min_mentees = 6;
    }
    let (resp, html) = solved_report(&req);
    assert_eq!(resp.status, pb::SolveStatus::Infeasible as i32);
    assert!(!resp.infeasibilities.is_empty());
    let summary = section(&html, "summary");
    for i in &resp.infeasibilities {
        assert!(summary.contains(&escaped(&i.message)), "{}", i.message);
    }
    assert_eq!(
        section(&html, "unmatched")
            .matches("class=\"person\"")
            .count(),
        req.mentees.len()
    );
}

/// The example's three joint meetings are in the report, each with its
/// date, every zone's local time and who is outside and why; each pair
/// shows its weekly session slots.
#[test]
fn the_report_dates_the_joint_meetings_and_the_pairs_sessions() {
    let mut req = example_request();
    crate::util::policy_mut(&mut req).bilateral_sessions = Some(pb::BilateralSessions::default());
    let (resp, html) = solved_report(&req);
    assert_eq!(resp.joint_meetings.len(), 3);
    let meetings = section(&html, "meetings");
    for m in &resp.joint_meetings {
        assert!(meetings.contains(&format!("{} {} {}", m.date, m.start, m.time_zone)));
        for z in &m.local_times {
            assert!(meetings.contains(&z.local), "{}", z.local);
        }
        for o in &m.outside {
            assert!(meetings.contains(&o.local), "{}", o.local);
        }
    }
    assert!(meetings.contains("day off"));
    assert!(html.contains("href=\"#meetings\""));
    let pairs = section(&html, "pairs");
    assert_eq!(
        pairs.matches("<small>sessions ").count(),
        resp.pairs
            .iter()
            .filter(|p| !p.session_slots.is_empty())
            .count()
    );
    assert!(resp.pairs.iter().all(|p| !p.session_slots.is_empty()));
}
