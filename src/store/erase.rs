//! A person's data removed from a stored run. In the request (walked as
//! its protobuf messages, so that any stored request can be erased, valid
//! or not): the name, organisation, sectors and topics of every profile with
//! their id (the people, a what-if's added people), and the reasons of the
//! declines that name them in the programme's history. In the response
//! (walked as proto3 JSON, one walk for every message kind): those words and
//! reasons in the free text of every part that names them (score details,
//! group themes, messages, suggestions), and their name and reasons in any
//! free text; in the run's error message, the same. Ids, countries,
//! languages and hours stay, so counts and histories still add up; other
//! people's data is never touched.

use std::collections::BTreeMap;

use prost::Message;
use serde_json::Value;

use super::contract::{Counts, Store};
use super::row::StoreError;
use super::run::{hex_sha256, Method, RunRecord};
use crate::wire::pb;

/// What replaces an erased word in free text.
pub const ERASED: &str = "[erased]";

/// Free-text fields of a response (proto3 JSON names) where a person's
/// words may appear and are replaced; ids and codes are never rewritten.
const FREE_TEXT: [&str; 8] = [
    "detail",
    "message",
    "suggestions",
    "from",
    "to",
    "theme",
    "name",
    "reason",
];

/// What the request said about the person.
#[derive(Debug, Default)]
struct Found {
    /// A profile of theirs was seen (their name goes first in `words`).
    profile: bool,
    /// Their name (first) and organisation, sectors, topics.
    words: Vec<String>,
    /// Reasons of declines naming them.
    reasons: Vec<String>,
}

/// Rewrites `run` without `person_id`'s data; `Ok(false)` when its request
/// held none of it (not named, or erased already).
pub fn scrub(run: &mut RunRecord, person_id: &str) -> Result<bool, StoreError> {
    let mut found = Found::default();
    let request = scrub_request(run, person_id, &mut found)?;
    let nothing = found
        .words
        .iter()
        .chain(&found.reasons)
        .all(|w| w.trim().is_empty());
    if nothing {
        // Not named here, or erased already.
        return Ok(false);
    }
    run.request = request;
    let words = pattern(found.words.iter().chain(&found.reasons));
    let name: Vec<&String> = found.words.iter().take(1).chain(&found.reasons).collect();
    let name = pattern(name.into_iter());
    if let Some(mut r) = decode_response(run)? {
        replace_near(&mut r, person_id, &words, false);
        replace_all(&mut r, &name);
        run.response = encode_response(run, r)?;
    }
    replace_in(&mut run.error, &words);
    run.request_sha256 = hex_sha256(&run.request);
    Ok(true)
}

/// The request re-encoded without the person's data, what it held in `found`.
fn scrub_request(run: &RunRecord, id: &str, found: &mut Found) -> Result<Vec<u8>, StoreError> {
    let b = &run.request[..];
    let bad = |e: prost::DecodeError| corrupt(run, e);
    Ok(match run.method {
        Method::Solve | Method::Adopt => {
            let mut q = pb::SolveRequest::decode(b).map_err(bad)?;
            solve_request(&mut q, id, found);
            q.encode_to_vec()
        }
        Method::WhatIf => {
            let mut q = pb::WhatIfRequest::decode(b).map_err(bad)?;
            if let Some(base) = q.base.as_mut() {
                solve_request(base, id, found);
            }
            for s in &mut q.scenarios {
                for e in &mut s.edits {
                    match e.edit.as_mut() {
                        Some(pb::edit::Edit::AddMentor(m)) => profile(&mut m.profile, id, found),
                        Some(pb::edit::Edit::AddMentee(m)) => profile(&mut m.profile, id, found),
                        _ => {}
                    }
                }
            }
            // Scenario names are the coordinator's words: the name goes.
            let name = pattern(found.words.iter().take(1));
            for s in &mut q.scenarios {
                replace_in(&mut s.name, &name);
            }
            q.encode_to_vec()
        }
        Method::Validate => {
            let mut q = pb::ValidateRequest::decode(b).map_err(bad)?;
            if let Some(r) = q.request.as_mut() {
                solve_request(r, id, found);
            }
            q.encode_to_vec()
        }
    })
}

fn solve_request(q: &mut pb::SolveRequest, id: &str, found: &mut Found) {
    for m in &mut q.mentors {
        profile(&mut m.profile, id, found);
    }
    for e in &mut q.mentees {
        profile(&mut e.profile, id, found);
    }
    for d in q.history.iter_mut().flat_map(|h| &mut h.declined) {
        if (d.mentor_id == id || d.mentee_id == id) && !d.reason.is_empty() {
            found.reasons.push(std::mem::take(&mut d.reason));
        }
    }
}

/// Clears the profile if it is the person's, keeping their words.
fn profile(p: &mut Option<pb::Profile>, id: &str, found: &mut Found) {
    let Some(p) = p.as_mut().filter(|p| p.id == id) else {
        return;
    };
    if !found.profile {
        found.words.insert(0, std::mem::take(&mut p.name));
    } else {
        found.words.push(std::mem::take(&mut p.name));
    }
    found.profile = true;
    found.words.push(std::mem::take(&mut p.organization));
    found.words.append(&mut p.sectors);
    found.words.append(&mut p.topics);
}

fn corrupt(run: &RunRecord, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        run_id: run.run_id.clone(),
        why: e.to_string(),
    }
}

fn to_json<M: serde::Serialize>(
    run: &RunRecord,
    m: Result<M, prost::DecodeError>,
) -> Result<Value, StoreError> {
    serde_json::to_value(m.map_err(|e| corrupt(run, e))?).map_err(|e| corrupt(run, e))
}

fn decode_response(run: &RunRecord) -> Result<Option<Value>, StoreError> {
    let b = &run.response[..];
    if b.is_empty() {
        return Ok(None);
    }
    Ok(Some(match run.method {
        Method::Solve | Method::Adopt => to_json(run, pb::SolveResponse::decode(b))?,
        Method::WhatIf => to_json(run, pb::WhatIfResponse::decode(b))?,
        Method::Validate => to_json(run, pb::ValidateResponse::decode(b))?,
    }))
}

fn from_json<M: serde::de::DeserializeOwned + Message>(
    run: &RunRecord,
    v: Value,
) -> Result<Vec<u8>, StoreError> {
    let m: M = serde_json::from_value(v).map_err(|e| corrupt(run, e))?;
    Ok(m.encode_to_vec())
}

fn encode_response(run: &RunRecord, v: Value) -> Result<Vec<u8>, StoreError> {
    match run.method {
        Method::Solve | Method::Adopt => from_json::<pb::SolveResponse>(run, v),
        Method::WhatIf => from_json::<pb::WhatIfResponse>(run, v),
        Method::Validate => from_json::<pb::ValidateResponse>(run, v),
    }
}

/// A case-insensitive pattern of the non-empty words (whole words where
/// they begin and end with a letter or digit).
fn pattern<'a>(words: impl Iterator<Item = &'a String>) -> Option<regex::Regex> {
    let mut alts: Vec<String> = words
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let e = regex::escape(w);
            let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
            match (word(w.chars().next()), word(w.chars().last())) {
                (true, true) => format!(r"\b{e}\b"),
                _ => e,
            }
        })
        .collect();
    // Longest first, so that "textile design" goes before "textile".
    alts.sort_by_key(|a| std::cmp::Reverse(a.len()));
    alts.dedup();
    if alts.is_empty() {
        return None;
    }
    regex::Regex::new(&format!("(?i){}", alts.join("|"))).ok()
}

/// In every object that names `id` (a string field or a list of strings
/// holding it), and everything below it, `re`'s words become [`ERASED`] in
/// free text.
fn replace_near(v: &mut Value, id: &str, re: &Option<regex::Regex>, inside: bool) {
    match v {
        Value::Object(o) => {
            let names = o.values().any(|x| match x {
                Value::String(s) => s == id,
                Value::Array(a) => a.iter().any(|y| y.as_str() == Some(id)),
                _ => false,
            });
            let inside = inside || names;
            for (k, x) in o.iter_mut() {
                if inside && FREE_TEXT.contains(&k.as_str()) {
                    replace_text(x, re);
                } else {
                    replace_near(x, id, re, inside);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| replace_near(x, id, re, inside)),
        _ => {}
    }
}

/// `re`'s words become [`ERASED`] in free text everywhere.
fn replace_all(v: &mut Value, re: &Option<regex::Regex>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if FREE_TEXT.contains(&k.as_str()) {
                    replace_text(x, re);
                } else {
                    replace_all(x, re);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| replace_all(x, re)),
        _ => {}
    }
}

/// A free-text value (a string or a list of strings).
fn replace_text(v: &mut Value, re: &Option<regex::Regex>) {
    match v {
        Value::String(s) => replace_in(s, re),
        Value::Array(a) => a.iter_mut().for_each(|x| replace_text(x, re)),
        _ => {}
    }
}

fn replace_in(s: &mut String, re: &Option<regex::Regex>) {
    if let Some(re) = re {
        if re.is_match(s) {
            *s = re.replace_all(s, ERASED).into_owned();
        }
    }
}

/// Erases `person_id` from the store (one programme's runs, or every
/// programme's when `programme_id` is empty): every run holding their id is
/// rewritten with [`scrub`] (each in its own transaction; running it again
/// finishes an interrupted erasure), their decisions lose their reasons, an
/// erasure event per programme touched records the counts, and the files
/// keep no old copy.
pub async fn erase_person(
    store: &dyn Store,
    programme_id: &str,
    person_id: &str,
    caller: &str,
) -> Result<Counts, StoreError> {
    let mut touched: BTreeMap<String, Counts> = BTreeMap::new();
    let scrub = |run: &mut RunRecord| scrub(run, person_id);
    // A run that cannot be rewritten does not stop the others; the erasure
    // then fails, naming it, once everything else is done.
    let mut failed = Vec::new();
    let holding = store.runs_holding(programme_id, person_id.as_bytes());
    for run_id in holding.await? {
        match store.rewrite(&run_id, &scrub).await {
            Ok(Some(programme)) => touched.entry(programme).or_default().runs += 1,
            Ok(None) => {}
            Err(e) => failed.push(format!("{run_id}: {e}")),
        }
    }
    for (programme, n) in store.clear_reasons(programme_id, person_id).await? {
        touched.entry(programme).or_default().decisions += n;
    }
    let mut total = Counts::default();
    for (programme, c) in &touched {
        let detail = format!(
            "person {person_id}: {} run(s) and {} decision(s) rewritten",
            c.runs, c.decisions
        );
        store
            .append_event(programme, "erasure", caller, &detail)
            .await?;
        total.runs += c.runs;
        total.decisions += c.decisions;
    }
    store.compact().await?;
    if !failed.is_empty() {
        return Err(StoreError::Corrupt {
            run_id: failed.join("; "),
            why: format!("{} run(s) could not be erased", failed.len()),
        });
    }
    Ok(total)
}
