//! A person's data removed from a stored run: their profile's name,
//! organisation, sectors and topics wherever a profile with their id
//! appears (the request, a what-if's added people), those words in every
//! part of the response that names them (score details, group themes), and
//! their name anywhere. Ids, countries, languages and hours stay, so counts
//! and histories still add up.
//!
//! Runs are walked as proto3 JSON (the pbjson view of the same messages),
//! so that every message kind is covered by one walk.

use prost::Message;
use serde_json::Value;

use std::collections::BTreeMap;

use super::contract::{Counts, Store};
use super::row::StoreError;
use super::run::{hex_sha256, Method, RunRecord};
use crate::wire::pb;

/// What replaces an erased word in free text.
pub const ERASED: &str = "[erased]";

/// Profile fields that identify a person and are cleared.
const PROFILE_TEXT: [&str; 4] = ["name", "organization", "sectors", "topics"];

/// Free-text fields (proto3 JSON names) where a person's words may appear
/// and are replaced; ids and codes are never rewritten.
const FREE_TEXT: [&str; 8] = [
    "name",
    "organization",
    "detail",
    "message",
    "suggestions",
    "from",
    "to",
    "reason",
];

/// Rewrites `run` without `person_id`'s data; `Ok(false)` when nothing
/// named them.
pub fn scrub(run: &mut RunRecord, person_id: &str) -> Result<bool, StoreError> {
    let mut request = decode_request(run)?;
    let mut words = Vec::new();
    clear_profiles(&mut request, person_id, &mut words);
    if words.is_empty() {
        // Not their profile here; their id may still appear (a pair in a
        // response of a request that listed them is impossible without it).
        return Ok(false);
    }
    let name_only: Vec<String> = words.iter().take(1).cloned().collect();
    let all = pattern(&words);
    let name = pattern(&name_only);
    replace_near(&mut request, person_id, &all, false);
    replace_all(&mut request, &name);
    let mut response = decode_response(run)?;
    if let Some(r) = response.as_mut() {
        replace_near(r, person_id, &all, false);
        replace_all(r, &name);
    }
    run.request = encode_request(run, request)?;
    if let Some(r) = response {
        run.response = encode_response(run, r)?;
    }
    run.request_sha256 = hex_sha256(&run.request);
    Ok(true)
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

fn decode_request(run: &RunRecord) -> Result<Value, StoreError> {
    let b = &run.request[..];
    match run.method {
        Method::Solve | Method::Adopt => to_json(run, pb::SolveRequest::decode(b)),
        Method::WhatIf => to_json(run, pb::WhatIfRequest::decode(b)),
        Method::Validate => to_json(run, pb::ValidateRequest::decode(b)),
    }
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

fn encode_request(run: &RunRecord, v: Value) -> Result<Vec<u8>, StoreError> {
    match run.method {
        Method::Solve | Method::Adopt => from_json::<pb::SolveRequest>(run, v),
        Method::WhatIf => from_json::<pb::WhatIfRequest>(run, v),
        Method::Validate => from_json::<pb::ValidateRequest>(run, v),
    }
}

fn encode_response(run: &RunRecord, v: Value) -> Result<Vec<u8>, StoreError> {
    match run.method {
        Method::Solve | Method::Adopt => from_json::<pb::SolveResponse>(run, v),
        Method::WhatIf => from_json::<pb::WhatIfResponse>(run, v),
        Method::Validate => from_json::<pb::ValidateResponse>(run, v),
    }
}

/// Clears every profile whose id is `id`, collecting its words: the name
/// first, then organisation, sectors and topics.
fn clear_profiles(v: &mut Value, id: &str, words: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            let is_profile = o.get("id").and_then(Value::as_str) == Some(id)
                && PROFILE_TEXT.iter().any(|k| o.contains_key(*k));
            if is_profile {
                let name = o.get("name").and_then(Value::as_str).unwrap_or("");
                if words.is_empty() {
                    words.push(name.to_string());
                }
                for k in PROFILE_TEXT {
                    match o.remove(k) {
                        Some(Value::String(s)) => words.push(s),
                        Some(Value::Array(a)) => words
                            .extend(a.into_iter().filter_map(|x| x.as_str().map(str::to_string))),
                        _ => {}
                    }
                }
            }
            o.values_mut().for_each(|x| clear_profiles(x, id, words));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| clear_profiles(x, id, words)),
        _ => {}
    }
}

/// A case-insensitive pattern of the non-empty words (whole words where
/// they begin and end with a letter or digit).
fn pattern(words: &[String]) -> Option<regex::Regex> {
    let mut alts: Vec<String> = words
        .iter()
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
    for run_id in store
        .runs_holding(programme_id, person_id.as_bytes())
        .await?
    {
        if let Some(programme) = store.rewrite(&run_id, &scrub).await? {
            touched.entry(programme).or_default().runs += 1;
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
    Ok(total)
}
