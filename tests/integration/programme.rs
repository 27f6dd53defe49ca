//! A programme's life through real servers: adoptions, decisions, memory
//! across cohorts, the audit trail, erasure and deletion; on SQLite across
//! a restart and on two replicas sharing PostgreSQL.

use mentormatch::pb;
use prost::Message;
use tonic::Code;

use crate::store::{
    example_what_if, example_what_if_from, fresh_programme, named_request, pg_url, replica, run_id,
    solve_recorded, sqlite_server,
};
use crate::util::*;

type Client = pb::matching_service_client::MatchingServiceClient<tonic::transport::Channel>;

fn decision(p: &pb::Pair, kind: pb::DecisionKind, reason: &str) -> pb::Decision {
    pb::Decision {
        mentor_id: p.mentor_id.clone(),
        mentee_id: p.mentee_id.clone(),
        membership: false,
        kind: kind as i32,
        reason: reason.into(),
        date: "2021-03-02".into(),
    }
}

async fn adopt(c: &mut Client, run_id: &str, scenario: &str) -> pb::Run {
    c.adopt_matching(pb::AdoptMatchingRequest {
        run_id: run_id.into(),
        scenario: scenario.into(),
    })
    .await
    .expect("adopted")
    .into_inner()
}

fn has_pair(resp: &pb::SolveResponse, mentor: &str, mentee: &str) -> bool {
    resp.pairs
        .iter()
        .any(|p| p.mentor_id == mentor && p.mentee_id == mentee)
}

fn solve_run(run: pb::Run) -> (pb::SolveRequest, pb::SolveResponse) {
    match (run.request, run.response) {
        (Some(pb::run::Request::SolveRequest(q)), Some(pb::run::Response::SolveResponse(r))) => {
            (q, r)
        }
        other => panic!("a matching run with its bodies, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_programme_remembers_decisions_and_cohorts_across_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("runs.sqlite");
    let programme = fresh_programme();
    let first = sqlite_server(&path).await;
    let (resp, solve_id) = solve_recorded(&first, named_request(&programme)).await;
    let mut c = first.client().await;
    let adopted = adopt(&mut c, &solve_id, "").await;
    assert_eq!(adopted.method, "Adopt");
    assert_eq!(adopted.adopted_run_id, solve_id);
    assert_eq!(
        (adopted.programme_id.as_str(), adopted.cohort.as_str()),
        (programme.as_str(), "2021")
    );
    let free: Vec<&pb::Pair> = resp.pairs.iter().filter(|p| !p.pinned).collect();
    let (no, yes) = (free[0], free[1]);
    let recorded = c
        .record_decisions(pb::RecordDecisionsRequest {
            run_id: adopted.run_id.clone(),
            decisions: vec![
                decision(no, pb::DecisionKind::Declined, "no time this year"),
                decision(yes, pb::DecisionKind::Accepted, ""),
            ],
        })
        .await
        .expect("decided")
        .into_inner();
    assert_eq!(recorded.recorded.len(), 2);
    assert!(recorded.recorded[0].decision_id < recorded.recorded[1].decision_id);
    first.stop().await;

    // A restart: the adoption and the decisions are still there.
    let second = sqlite_server(&path).await;
    let mut c = second.client().await;
    let current = c
        .get_current_matching(pb::GetCurrentMatchingRequest {
            programme_id: programme.clone(),
            cohort: "2021".into(),
        })
        .await
        .expect("current")
        .into_inner();
    assert_eq!(current.run_id, adopted.run_id);
    let (_, current_resp) = solve_run(current);
    assert_eq!(current_resp.encode_to_vec(), resp.encode_to_vec());
    let listed = c
        .list_decisions(pb::ListDecisionsRequest {
            programme_id: programme.clone(),
            cohort: String::new(),
        })
        .await
        .expect("decisions")
        .into_inner();
    assert_eq!(listed.decisions, recorded.recorded);

    // The next cohort, the same people: the declined pair is not proposed,
    // the 2021 pairs carry the earlier-cohort penalty, and the run records
    // the history it was solved with.
    let mut next = named_request(&programme);
    next.cohort = "2022".into();
    let (resp2022, id2022) = solve_recorded(&second, next.clone()).await;
    let id2022_kept = id2022.clone();
    assert!(!has_pair(&resp2022, &no.mentor_id, &no.mentee_id));
    let penalised: Vec<&pb::Pair> = resp2022
        .pairs
        .iter()
        .filter(|p| {
            p.breakdown.iter().any(|t| {
                t.criterion == pb::Criterion::EarlierCohort as i32
                    && t.detail == "paired in the earlier cohort \"2021\""
            })
        })
        .collect();
    assert!(!penalised.is_empty(), "pinned 2021 pairs stay, penalised");
    assert!(penalised
        .iter()
        .all(|p| has_pair(&resp, &p.mentor_id, &p.mentee_id)));
    let run = c
        .get_run(pb::GetRunRequest { run_id: id2022 })
        .await
        .expect("run")
        .into_inner();
    let (q, _) = solve_run(run);
    let h = q.history.expect("the run records its history");
    assert_eq!(h.declined.len(), 1);
    assert_eq!(h.declined[0].reason, "no time this year");
    assert_eq!(
        h.earlier_pairs.len(),
        resp.pairs.len() - 1,
        "all 2021 pairs but the declined one"
    );
    // Only the request's people's history is added: without the mentor who
    // declined, neither the decline nor that mentor's earlier pairs.
    let mut fewer = named_request(&programme);
    fewer.cohort = "2023".into();
    fewer
        .mentors
        .retain(|m| m.profile.as_ref().unwrap().id != no.mentor_id);
    fewer
        .policy
        .as_mut()
        .unwrap()
        .pinned_pairs
        .retain(|p| p.mentor_id != no.mentor_id);
    let policy = fewer.policy.as_mut().unwrap();
    policy
        .forbidden_pairs
        .retain(|p| p.mentor_id != no.mentor_id);
    fewer.affinities.retain(|a| a.mentor_id != no.mentor_id);
    for e in &mut fewer.mentees {
        e.preferred_mentors.retain(|m| *m != no.mentor_id);
        e.excluded_mentors.retain(|m| *m != no.mentor_id);
    }
    let (_, fewer_id) = solve_recorded(&second, fewer).await;
    let run = c
        .get_run(pb::GetRunRequest { run_id: fewer_id })
        .await
        .expect("run")
        .into_inner();
    let (q, _) = solve_run(run);
    let h = q.history.expect("history");
    assert!(h.declined.is_empty());
    assert!(!h.earlier_pairs.is_empty());
    assert!(h.earlier_pairs.iter().all(|p| p.mentor_id != no.mentor_id));
    // "Why not?" names the decline.
    let alt = c
        .alternatives(pb::AlternativesRequest {
            request: Some(next),
            mentee_id: no.mentee_id.clone(),
            ..Default::default()
        })
        .await
        .expect("alternatives")
        .into_inner();
    assert!(
        alt.excluded
            .iter()
            .any(|x| x.mentor_id == no.mentor_id
                && x.rules.contains(&(pb::HardRule::Declined as i32)))
    );
    // A what-if starts from the adoption.
    let from_adoption = example_what_if_from(&adopted.run_id);
    let answered = c
        .what_if(from_adoption)
        .await
        .expect("what-if from the adoption");
    assert!(!answered.into_inner().results.is_empty());
    // The audit trail, oldest first, in pages.
    let mut kinds = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .list_events(pb::ListEventsRequest {
                programme_id: programme.clone(),
                page_size: 2,
                page_token: token.clone(),
            })
            .await
            .expect("events")
            .into_inner();
        kinds.extend(page.events.iter().map(|e| e.kind.clone()));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(
        kinds,
        ["run", "adoption", "decision", "decision", "run", "run", "run"],
        "solve, adopt, 2 decisions, solve 2022, solve 2023, what-if (alternatives are not runs)"
    );
    // A decline recorded after a run was solved (with a history of its own)
    // holds in a what-if from that run.
    let adopted2022 = adopt(&mut c, &id2022_kept, "").await;
    let later = resp2022
        .pairs
        .iter()
        .find(|p| !p.pinned)
        .expect("a free pair");
    c.record_decisions(pb::RecordDecisionsRequest {
        run_id: adopted2022.run_id.clone(),
        decisions: vec![decision(later, pb::DecisionKind::Declined, "changed jobs")],
    })
    .await
    .expect("decided");
    let from2022 = example_what_if_from(&adopted2022.run_id);
    let results = c
        .what_if(from2022)
        .await
        .expect("what-if")
        .into_inner()
        .results;
    for r in &results {
        let resp = r.response.as_ref().expect("a response");
        assert!(
            !has_pair(resp, &later.mentor_id, &later.mentee_id),
            "{}",
            r.name
        );
    }
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_adopted_becomes_the_current_matching() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = sqlite_server(&dir.path().join("runs.sqlite")).await;
    let programme = fresh_programme();
    let (_, solve_id) = solve_recorded(&server, named_request(&programme)).await;
    let mut c = server.client().await;
    let what_if = example_what_if_from(&solve_id);
    let answered = c.what_if(what_if).await.expect("what-if");
    let what_if_id = run_id(&answered);
    let results = answered.into_inner().results;
    let name = results[1].name.clone();
    let adopted = adopt(&mut c, &what_if_id, &name).await;
    assert_eq!(adopted.adopted_scenario, name);
    let current = c
        .get_current_matching(pb::GetCurrentMatchingRequest {
            programme_id: programme.clone(),
            cohort: "2021".into(),
        })
        .await
        .expect("current")
        .into_inner();
    assert_eq!(current.run_id, adopted.run_id);
    let (q, r) = solve_run(current);
    assert_eq!(
        r.encode_to_vec(),
        results[1].response.as_ref().unwrap().encode_to_vec()
    );
    // The adopted request is the base with the scenario's edits applied.
    let stored = c
        .get_run(pb::GetRunRequest {
            run_id: what_if_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let Some(pb::run::Request::WhatIfRequest(mut wq)) = stored.request else {
        panic!("a what-if run")
    };
    // Recorded as sent, with the base's request hash pinned: the base is
    // the run's own request, read from that run.
    let base = c
        .get_run(pb::GetRunRequest {
            run_id: solve_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(wq.base.is_none());
    assert_eq!(wq.base_run_id, solve_id);
    assert_eq!(wq.base_request_sha256, base.request_sha256);
    assert_eq!(stored.programme_id, programme);
    let Some(pb::run::Request::SolveRequest(base_request)) = base.request else {
        panic!("a solve run")
    };
    wq.base = Some(base_request);
    assert_eq!(
        q.encode_to_vec(),
        mentormatch::api::scenario_request(&wq, 1)
            .unwrap()
            .encode_to_vec()
    );

    // A scenario answered in the CHANGES view is adopted with its whole
    // answer: the same as the FULL view's.
    let mut changes = example_what_if_from(&solve_id);
    changes.view = pb::WhatIfView::Changes as i32;
    let answered = c.what_if(changes).await.expect("what-if");
    let changes_id = run_id(&answered);
    let small = answered.into_inner().results;
    let kept = &small[1].diff.as_ref().unwrap();
    assert!(kept.kept.is_empty() && kept.kept_count > 0);
    let full_pairs = results[1].response.as_ref().unwrap().pairs.len();
    assert!(small[1].response.as_ref().unwrap().pairs.len() < full_pairs);
    let again = adopt(&mut c, &changes_id, &name).await;
    let again = c
        .get_run(pb::GetRunRequest {
            run_id: again.run_id,
        })
        .await
        .unwrap()
        .into_inner();
    let (_, r2) = solve_run(again);
    assert_eq!(
        r2.encode_to_vec(),
        results[1].response.as_ref().unwrap().encode_to_vec()
    );

    // What cannot be adopted says why.
    let unknown = c
        .adopt_matching(pb::AdoptMatchingRequest {
            run_id: what_if_id.clone(),
            scenario: "no such".into(),
        })
        .await
        .expect_err("unknown scenario");
    assert_eq!(unknown.code(), Code::InvalidArgument);
    assert!(
        unknown.message().starts_with("scenario:"),
        "{}",
        unknown.message()
    );
    let ambiguous = c
        .adopt_matching(pb::AdoptMatchingRequest {
            run_id: what_if_id,
            scenario: String::new(),
        })
        .await
        .expect_err("several scenarios");
    assert_eq!(ambiguous.code(), Code::InvalidArgument);
    let mut anonymous = example_request();
    anonymous.programme_id.clear();
    let (_, anon_id) = solve_recorded(&server, anonymous).await;
    let nameless = c
        .adopt_matching(pb::AdoptMatchingRequest {
            run_id: anon_id,
            scenario: String::new(),
        })
        .await
        .expect_err("no programme");
    assert_eq!(nameless.code(), Code::FailedPrecondition);
    let missing = c
        .get_current_matching(pb::GetCurrentMatchingRequest {
            programme_id: programme,
            cohort: "1999".into(),
        })
        .await
        .expect_err("nothing adopted");
    assert_eq!(missing.code(), Code::NotFound);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_decisions_are_all_named_and_none_is_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = sqlite_server(&dir.path().join("runs.sqlite")).await;
    let programme = fresh_programme();
    let (resp, id) = solve_recorded(&server, named_request(&programme)).await;
    let mut c = server.client().await;
    let p = &resp.pairs[0];
    let mut no_kind = decision(p, pb::DecisionKind::Accepted, "");
    no_kind.kind = 0;
    let no_reason = decision(p, pb::DecisionKind::Declined, " ");
    let mut not_a_pair = decision(p, pb::DecisionKind::Accepted, "");
    not_a_pair.mentee_id = "e-nobody".into();
    let mut bad_date = decision(p, pb::DecisionKind::EndedEarly, "");
    bad_date.date = "2021-02-30".into();
    let two_lines = decision(p, pb::DecisionKind::Declined, "no time\nthis year");
    let status = c
        .record_decisions(pb::RecordDecisionsRequest {
            run_id: id,
            decisions: vec![no_kind, no_reason, not_a_pair, bad_date, two_lines],
        })
        .await
        .expect_err("invalid");
    assert_eq!(status.code(), Code::InvalidArgument);
    let details = tonic_types::StatusExt::get_error_details(&status);
    let fields: Vec<String> = details
        .bad_request()
        .expect("BadRequest details")
        .field_violations
        .iter()
        .map(|v| v.field.clone())
        .collect();
    assert_eq!(
        fields,
        [
            "decisions[0].kind",
            "decisions[1].reason",
            "decisions[2].mentee_id",
            "decisions[3].date",
            "decisions[4].reason"
        ]
    );
    let listed = c
        .list_decisions(pb::ListDecisionsRequest {
            programme_id: programme,
            cohort: String::new(),
        })
        .await
        .expect("listed")
        .into_inner();
    assert!(listed.decisions.is_empty(), "all or nothing");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_one_postgres_share_adoptions_and_decisions() {
    let url = pg_url();
    let a = start_server_with(mentormatch::ServerConfig::default(), replica(&url).await).await;
    let b = start_server_with(mentormatch::ServerConfig::default(), replica(&url).await).await;
    let programme = fresh_programme();
    let (resp, solve_id) = solve_recorded(&a, named_request(&programme)).await;
    let adopted = adopt(&mut b.client().await, &solve_id, "").await;
    // Every pair decided, one call per pair, half through each replica, all
    // at once: nothing is lost.
    let calls: Vec<_> = resp
        .pairs
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let (url, run_id) = (
                if k % 2 == 0 { a.url() } else { b.url() },
                adopted.run_id.clone(),
            );
            let kind = if p.pinned {
                pb::DecisionKind::Accepted
            } else {
                pb::DecisionKind::Declined
            };
            let d = decision(p, kind, "declined in the replica test");
            tokio::spawn(async move {
                let mut c = Client::connect(url).await.expect("connect");
                c.record_decisions(pb::RecordDecisionsRequest {
                    run_id,
                    decisions: vec![d],
                })
                .await
                .expect("decided")
            })
        })
        .collect();
    for call in calls {
        call.await.expect("call");
    }
    for server in [&a, &b] {
        let listed = server
            .client()
            .await
            .list_decisions(pb::ListDecisionsRequest {
                programme_id: programme.clone(),
                cohort: String::new(),
            })
            .await
            .expect("listed")
            .into_inner();
        assert_eq!(listed.decisions.len(), resp.pairs.len());
        let current = server
            .client()
            .await
            .get_current_matching(pb::GetCurrentMatchingRequest {
                programme_id: programme.clone(),
                cohort: "2021".into(),
            })
            .await
            .expect("current")
            .into_inner();
        assert_eq!(current.run_id, adopted.run_id);
    }
    // A new cohort through A avoids every pair declined through either.
    let mut next = named_request(&programme);
    next.cohort = "2022".into();
    let (resp2022, _) = solve_recorded(&a, next).await;
    for p in resp.pairs.iter().filter(|p| !p.pinned) {
        assert!(
            !has_pair(&resp2022, &p.mentor_id, &p.mentee_id),
            "{p:?} was declined"
        );
    }
    a.stop().await;
    b.stop().await;
}

/// A programme with one traceable person (name, organisation, topic found
/// nowhere else), solved, what-if'd, adopted and decided on through
/// `server`. Returns the person's id and their words.
async fn traceable_programme(server: &TestServer, programme: &str) -> (String, [&'static str; 3]) {
    let words = ["Zorblat Quenzy", "Quenzyworks Cooperative", "quenzology"];
    let mut req = named_request(programme);
    let p = req.mentees[0].profile.as_mut().expect("a profile");
    p.name = words[0].into();
    p.organization = words[1].into();
    p.topics.push(words[2].into());
    let id = p.id.clone();
    let (resp, solve_id) = solve_recorded(server, req).await;
    let mut c = server.client().await;
    let what_if = example_what_if_from(&solve_id);
    c.what_if(what_if).await.expect("what-if");
    let adopted = adopt(&mut c, &solve_id, "").await;
    let theirs = resp
        .pairs
        .iter()
        .find(|p| p.mentee_id == id)
        .expect("the person is matched");
    c.record_decisions(pb::RecordDecisionsRequest {
        run_id: adopted.run_id,
        decisions: vec![decision(
            theirs,
            pb::DecisionKind::Declined,
            "Zorblat Quenzy moved to Quenzyworks Cooperative",
        )],
    })
    .await
    .expect("decided");
    (id, words)
}

/// Every file of the SQLite database at `path` (main, WAL, shared memory),
/// lower-cased.
fn sqlite_bytes(path: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let f = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        if let Ok(b) = std::fs::read(&f) {
            all.extend(b.to_ascii_lowercase());
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    let n = needle.to_ascii_lowercase().into_bytes();
    hay.windows(n.len()).any(|w| w == n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_person_leaves_no_trace_in_the_sqlite_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("runs.sqlite");
    let server = sqlite_server(&path).await;
    let programme = fresh_programme();
    let (id, words) = traceable_programme(&server, &programme).await;
    // An invalid request naming the person is recorded too, and erased.
    let mut invalid = named_request(&programme);
    invalid.mentees[0].profile.as_mut().unwrap().name = words[0].into();
    invalid.policy.as_mut().unwrap().scoring_mode = 7;
    let status = server
        .client()
        .await
        .solve(invalid)
        .await
        .expect_err("invalid");
    assert_eq!(status.code(), Code::InvalidArgument);
    let before = sqlite_bytes(&path);
    for w in words {
        assert!(contains(&before, w), "{w:?} is stored before the erasure");
    }
    let mut c = server.client().await;
    let erased = c
        .erase_person(pb::ErasePersonRequest {
            person_id: id.clone(),
            programme_id: programme.clone(),
        })
        .await
        .expect("erased")
        .into_inner();
    // The solve, the adoption, the invalid solve (the what-if from the
    // solve's run holds no profile: it names the run); the decline's reason.
    assert_eq!((erased.runs_rewritten, erased.decisions_rewritten), (3, 1));
    let after = sqlite_bytes(&path);
    for w in words.iter().chain(&["Zorblat", "Quenzyworks"]) {
        assert!(!contains(&after, w), "{w:?} is still in the database files");
    }
    // Other people's data stays.
    assert!(contains(&after, "Laia Ferrer Casals"));
    assert!(contains(&after, &id), "ids stay, so histories still add up");
    // The history still holds: the decline still forbids the pair.
    let decisions = c
        .list_decisions(pb::ListDecisionsRequest {
            programme_id: programme.clone(),
            cohort: String::new(),
        })
        .await
        .expect("decisions")
        .into_inner()
        .decisions;
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].decision.as_ref().unwrap().reason, "");
    let events = c
        .list_events(pb::ListEventsRequest {
            programme_id: programme.clone(),
            ..Default::default()
        })
        .await
        .expect("events")
        .into_inner()
        .events;
    assert_eq!(events.last().map(|e| e.kind.as_str()), Some("erasure"));
    // Erasing again changes nothing.
    let again = c
        .erase_person(pb::ErasePersonRequest {
            person_id: id,
            programme_id: programme.clone(),
        })
        .await
        .expect("erased again")
        .into_inner();
    assert_eq!((again.runs_rewritten, again.decisions_rewritten), (0, 0));

    // Deleting the programme leaves one deletion event.
    let deleted = c
        .delete_programme(pb::DeleteProgrammeRequest {
            programme_id: programme.clone(),
        })
        .await
        .expect("deleted")
        .into_inner();
    assert_eq!(
        deleted.runs_deleted, 4,
        "the solve, the what-if, the adoption, the invalid solve"
    );
    assert_eq!(deleted.decisions_deleted, 1);
    let runs = c
        .list_runs(pb::ListRunsRequest {
            programme_id: programme.clone(),
            ..Default::default()
        })
        .await
        .expect("runs")
        .into_inner()
        .runs;
    assert!(runs.is_empty());
    let events = c
        .list_events(pb::ListEventsRequest {
            programme_id: programme,
            ..Default::default()
        })
        .await
        .expect("events")
        .into_inner()
        .events;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["deletion"]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_person_leaves_no_trace_in_the_postgres_tables() {
    let url = pg_url();
    let server = start_server_with(mentormatch::ServerConfig::default(), replica(&url).await).await;
    let programme = fresh_programme();
    let (id, words) = traceable_programme(&server, &programme).await;
    let pool = sqlx::PgPool::connect(&url).await.expect("connected");
    // Every column of every row of the programme, as bytes, lower-cased.
    let dump = || async {
        let rows: Vec<(Vec<u8>,)> = sqlx::query_as(
            "SELECT request || COALESCE(response, ''::bytea) || \
                    convert_to(error || run_id || adopted_scenario, 'UTF8') \
             FROM runs WHERE programme_id = $1 \
             UNION ALL SELECT convert_to(reason || mentor_id || mentee_id, 'UTF8') \
             FROM decisions WHERE programme_id = $1 \
             UNION ALL SELECT convert_to(detail, 'UTF8') FROM events WHERE programme_id = $1",
        )
        .bind(&programme)
        .fetch_all(&pool)
        .await
        .expect("dumped");
        rows.into_iter()
            .flat_map(|(b,)| b.to_ascii_lowercase())
            .collect::<Vec<u8>>()
    };
    let before = dump().await;
    for w in words {
        assert!(contains(&before, w), "{w:?} is stored before the erasure");
    }
    let erased = server
        .client()
        .await
        .erase_person(pb::ErasePersonRequest {
            person_id: id.clone(),
            programme_id: programme.clone(),
        })
        .await
        .expect("erased")
        .into_inner();
    // The solve and the adoption (the what-if names the solve's run); the
    // decline's reason.
    assert_eq!((erased.runs_rewritten, erased.decisions_rewritten), (2, 1));
    let after = dump().await;
    for w in words.iter().chain(&["Zorblat", "Quenzyworks"]) {
        assert!(!contains(&after, w), "{w:?} is still in the tables");
    }
    assert!(contains(&after, &id));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_and_the_command_line_work_on_the_servers_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("runs.sqlite");
    let db = path.to_str().expect("utf-8").to_string();
    let programme = fresh_programme();
    // A run from 400 days ago, written before the server starts.
    let store = mentormatch::store::open(&db).await.expect("opened");
    let mut old = mentormatch::store::RunRecord::new(
        mentormatch::store::Method::Solve,
        named_request(&programme).encode_to_vec(),
        "old",
    );
    old.programme_id = programme.clone();
    old.status = "OK".into();
    old.created_at = mentormatch::store::now() - chrono::Duration::days(400);
    store.record(&old).await.expect("recorded");
    let extras = mentormatch::service::Extras {
        store: Some(store),
        retention_days: Some(30),
        ..Default::default()
    };
    let server = start_server_with(mentormatch::ServerConfig::default(), extras).await;
    let (_, kept) = solve_recorded(&server, named_request(&programme)).await;
    let mut c = server.client().await;
    let mut gone = false;
    for _ in 0..100 {
        let got = c
            .get_run(pb::GetRunRequest {
                run_id: old.run_id.clone(),
            })
            .await;
        if matches!(&got, Err(s) if s.code() == Code::NotFound) {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(gone, "the server pruned the 400-day-old run at start");
    c.get_run(pb::GetRunRequest { run_id: kept })
        .await
        .expect("a new run is kept");

    // The command line reads and changes the same file while it serves.
    let bin = env!("CARGO_BIN_EXE_mentormatch");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .args(args)
            .args(["--db", &db])
            .output()
            .expect("the CLI runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (events, _) = run(&["runs", "events", &programme]);
    assert_eq!(
        events.lines().filter(|l| l.contains("\trun\t")).count(),
        1,
        "{events}"
    );
    let (_, said) = run(&["runs", "erase", "e-ma-mnc", "--programme", &programme]);
    assert!(
        said.contains("1 run(s) and 0 decision(s) rewritten"),
        "{said}"
    );
    let (decisions, _) = run(&["runs", "decisions", &programme]);
    let decisions: pb::ListDecisionsResponse = serde_json::from_str(&decisions).expect("JSON");
    assert!(decisions.decisions.is_empty());
    let (_, said) = run(&["runs", "delete-programme", &programme]);
    assert!(said.contains("1 run(s)"), "{said}");
    let (events, _) = run(&["runs", "events", &programme]);
    let kinds: Vec<&str> = events
        .lines()
        .skip(1)
        .map(|l| l.split('\t').nth(2).unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["deletion"]);
    let (_, said) = run(&["runs", "prune", "--older-than-days", "1"]);
    assert!(said.starts_with("pruned: 0 run(s)"), "{said}");
    server.stop().await;
}

/// A what-if from a stored run takes the run's kept scores (a hit) and
/// answers byte for byte as without them; an erasure drops them, and the
/// erased person does not come back through them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_scores_change_no_answer_and_forget_erased_people() {
    let dir = tempfile::tempdir().expect("temp dir");
    let admin = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("admin port");
    let admin_addr = admin.local_addr().expect("address");
    let store = mentormatch::store::open(dir.path().join("runs.sqlite").to_str().unwrap())
        .await
        .expect("opened");
    let extras = mentormatch::service::Extras {
        store: Some(store),
        admin: Some(admin),
        ..Default::default()
    };
    let server = start_server_with(mentormatch::ServerConfig::default(), extras).await;
    let programme = fresh_programme();
    let mut req = named_request(&programme);
    let person = req.mentees[0].profile.as_mut().unwrap();
    person.name = "Zorblat Quenzy".into();
    let person_id = person.id.clone();
    let (resp, id) = solve_recorded(&server, req.clone()).await;
    let mut kept = false;
    for _ in 0..200 {
        if metric(
            &metrics_page(admin_addr).await,
            "mentormatch_scored_base_bytes",
        ) > 0.0
        {
            kept = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(kept, "the solve's scores are kept");
    let from_run = example_what_if_from(&id);
    let sent = pb::WhatIfRequest {
        base: Some(req),
        baseline_pairs: mentormatch::api::baseline_pairs(&resp),
        baseline_groups: mentormatch::api::baseline_groups(&resp),
        ..example_what_if()
    };
    let mut c = server.client().await;
    let hit = c
        .what_if(from_run.clone())
        .await
        .expect("from the run")
        .into_inner();
    let cold = c.what_if(sent).await.expect("from its data").into_inner();
    assert_eq!(hit.encode_to_vec(), cold.encode_to_vec(), "byte for byte");
    let page = metrics_page(admin_addr).await;
    assert_eq!(
        metric(
            &page,
            "mentormatch_scored_base_lookups_total{result=\"hit\"}"
        ),
        1.0,
        "{page}"
    );

    c.erase_person(pb::ErasePersonRequest {
        person_id,
        programme_id: programme,
    })
    .await
    .expect("erased");
    let after = c
        .what_if(from_run)
        .await
        .expect("after the erasure")
        .into_inner();
    let bytes = after.encode_to_vec();
    assert!(
        !bytes.windows(7).any(|w| w == b"Zorblat"),
        "the erased name came back"
    );
    let page = metrics_page(admin_addr).await;
    assert_eq!(
        metric(
            &page,
            "mentormatch_scored_base_lookups_total{result=\"miss\"}"
        ),
        1.0,
        "{page}"
    );
    server.stop().await;
}

/// A what-if pins its base: a caller's `base_request_sha256` that is not
/// the run's is refused, and a what-if recorded before an erasure of its
/// base cannot be adopted after it (its answer was given on the old base).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_what_if_pins_its_base() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = sqlite_server(&dir.path().join("runs.sqlite")).await;
    let programme = fresh_programme();
    let (resp, solve_id) = solve_recorded(&server, named_request(&programme)).await;
    let mut c = server.client().await;
    let mut stale = example_what_if_from(&solve_id);
    stale.base_request_sha256 = "00".repeat(32);
    let refused = c.what_if(stale).await.expect_err("a stale base");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(refused.message().starts_with("base_request_sha256:"));

    let answered = c
        .what_if(example_what_if_from(&solve_id))
        .await
        .expect("what-if");
    let what_if_id = run_id(&answered);
    let name = answered.into_inner().results[0].name.clone();
    let person = resp.pairs[0].mentee_id.clone();
    c.erase_person(pb::ErasePersonRequest {
        person_id: person,
        programme_id: programme.clone(),
    })
    .await
    .expect("erased");
    let late = c
        .adopt_matching(pb::AdoptMatchingRequest {
            run_id: what_if_id,
            scenario: name,
        })
        .await
        .expect_err("the base changed");
    assert_eq!(late.code(), Code::FailedPrecondition);
    assert!(
        late.message().contains("changed since"),
        "{}",
        late.message()
    );
}
