//! A mutational fuzz harness over decoding, validation and solving: the
//! bundled example, encoded as protobuf bytes and as JSON text, mutated at
//! random (flipped, inserted, deleted, duplicated and spliced bytes, random
//! tails), then decoded, validated and — when valid — solved under a short
//! time limit. Nothing may panic; every outcome is an answer or an error.
//!
//! The seeds are the example without groups and, for one input in ten,
//! with groups. CI runs a bounded number of inputs; `bash bench/fuzz.sh N` runs N (in a
//! release build) and prints how many reached each stage.

use std::panic::{catch_unwind, AssertUnwindSafe};

use mentormatch::pb;
use mentormatch::tools::synth::SplitMix64;
use mentormatch::wire::problem_from_request;
use mentormatch::{Limits, SolveOptions};
use prost::Message;

use crate::util::example_request;

/// How many inputs reached each stage.
#[derive(Debug, Default)]
struct Counts {
    inputs: u64,
    decoded: u64,
    valid: u64,
    solved: u64,
}

/// One to three byte mutations of `seed`.
fn mutate(rng: &mut SplitMix64, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = if b.is_empty() { 0 } else { rng.below(b.len()) };
        match rng.below(6) {
            0 if !b.is_empty() => b[at] ^= 1 << rng.below(8),
            1 => b.insert(at, rng.next_u64() as u8),
            2 if !b.is_empty() => {
                let n = rng.below(16).min(b.len() - at);
                b.drain(at..at + n);
            }
            3 if !b.is_empty() => {
                // Duplicate a run (repeated fields, nested messages).
                let n = rng.below(64).min(b.len() - at);
                let run: Vec<u8> = b[at..at + n].to_vec();
                let to = rng.below(b.len() + 1);
                b.splice(to..to, run);
            }
            4 if !b.is_empty() => b[at] = *rng.pick(&[0u8, 0x7f, 0x80, 0xff, b'"', b'{', b'9']),
            _ => b.extend((0..rng.below(8)).map(|_| rng.next_u64() as u8)),
        }
    }
    b
}

/// A value of the same JSON type as `old` that stresses validation:
/// empty, long, invisible, malformed or extreme.
fn odd_value(rng: &mut SplitMix64, old: &serde_json::Value) -> serde_json::Value {
    use serde_json::{json, Value};
    match old {
        Value::String(_) => json!(*rng.pick(&[
            "",
            " ",
            "m\u{202e}1",
            "e\u{200b}1",
            "2021-02-30",
            "25:00",
            "Europe/Atlantis",
            "zz",
            "m-es-acc-energy",
            "e-tn-meca",
            "LANGUAGE_LEVEL_C2",
            "WEEKDAY_SUNDAY",
            "OBJECTIVE_FAIR",
            "ENGINE_MILP",
            &"x".repeat(300),
        ])),
        Value::Number(_) => {
            json!(*rng.pick(&[0.0, -1.0, 1.0, 7.0, 8.0, 1e9, 4_294_967_295.0, 0.5]))
        }
        Value::Bool(b) => json!(!b),
        _ => Value::Null,
    }
}

/// The example as a JSON tree with one to three values replaced, removed
/// or duplicated.
fn mutate_tree(rng: &mut SplitMix64, seed: &serde_json::Value) -> Vec<u8> {
    let mut v = seed.clone();
    for _ in 0..1 + rng.below(3) {
        // A random path down the tree, as a JSON pointer.
        let mut pointer = String::new();
        let mut here = &v;
        for _ in 0..1 + rng.below(6) {
            let step = match here {
                serde_json::Value::Object(m) if !m.is_empty() => {
                    let k = m.keys().nth(rng.below(m.len())).cloned().expect("a key");
                    Some((k.replace('~', "~0").replace('/', "~1"), &m[&k]))
                }
                serde_json::Value::Array(a) if !a.is_empty() => {
                    let k = rng.below(a.len());
                    Some((k.to_string(), &a[k]))
                }
                _ => None,
            };
            let Some((seg, next)) = step else { break };
            pointer.push('/');
            pointer.push_str(&seg);
            here = next;
        }
        let node = v.pointer_mut(&pointer).expect("the path exists");
        match (rng.below(4), &mut *node) {
            (0, serde_json::Value::Array(a)) if !a.is_empty() => {
                let x = a[rng.below(a.len())].clone();
                a.push(x);
            }
            (1, serde_json::Value::Array(a)) => a.clear(),
            (2, serde_json::Value::Object(m)) if !m.is_empty() => {
                let k = m.keys().nth(rng.below(m.len())).cloned().expect("a key");
                m.remove(&k);
            }
            _ => *node = odd_value(rng, node),
        }
    }
    serde_json::to_vec(&v).expect("json")
}

/// Decodes, validates and (when `solve`) solves one input; panics are the
/// caller's.
fn run_one(req: Option<pb::SolveRequest>, counts: &mut Counts, limits: &Limits, solve: bool) {
    let Some(mut req) = req else { return };
    counts.decoded += 1;
    // A short limit keeps any MILP (groups, quotas) brief.
    req.policy
        .get_or_insert_with(Default::default)
        .time_limit_ms = Some(200);
    if problem_from_request(&req, limits).is_err() {
        return;
    }
    counts.valid += 1;
    if !solve {
        return;
    }
    let opts = SolveOptions {
        threads: 1,
        ..SolveOptions::default()
    };
    let _ = mentormatch::api::solve(&req, limits, &opts);
    counts.solved += 1;
}

/// How a run goes: inputs, seed, whether valid inputs are solved, and the
/// inputs per thousand drawn from the example with groups.
struct Run {
    inputs: u64,
    seed: u64,
    solve: bool,
    groups_per_mille: usize,
}

/// Runs the inputs; returns the counts, or the first input that panicked.
fn fuzz(run: &Run) -> Result<Counts, String> {
    let (n, seed) = (run.inputs, run.seed);
    // Seeds: the example without groups (fast to solve), and one in ten
    // inputs from the example with groups (a MILP under the time limit).
    let with_groups = example_request();
    let mut without = with_groups.clone();
    without.policy.as_mut().expect("policy").groups = None;
    let seeds: Vec<(Vec<u8>, Vec<u8>, serde_json::Value)> = [without, with_groups]
        .iter()
        .map(|r| {
            let json = serde_json::to_vec(r).expect("json");
            let tree = serde_json::from_slice(&json).expect("tree");
            (r.encode_to_vec(), json, tree)
        })
        .collect();
    let limits = Limits {
        max_mentors: 200,
        max_mentees: 200,
        max_pairs: 10_000,
        ..Limits::default()
    };
    let mut rng = SplitMix64::new(seed);
    let mut counts = Counts::default();
    for k in 0..n {
        let (bytes, json, tree) = &seeds[usize::from(rng.below(1000) < run.groups_per_mille)];
        let (input, as_json) = match k % 4 {
            0 => (mutate(&mut rng, bytes), false),
            1 => (mutate(&mut rng, json), true),
            2 => (mutate_tree(&mut rng, tree), true),
            _ => (
                (0..rng.below(256)).map(|_| rng.next_u64() as u8).collect(),
                false,
            ),
        };
        counts.inputs += 1;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let req = if as_json {
                serde_json::from_slice::<pb::SolveRequest>(&input).ok()
            } else {
                pb::SolveRequest::decode(input.as_slice()).ok()
            };
            run_one(req, &mut counts, &limits, run.solve);
        }));
        if outcome.is_err() {
            return Err(format!(
                "input {k} of seed {seed} panicked ({} bytes, json {as_json}): {:?}",
                input.len(),
                String::from_utf8_lossy(&input)
            ));
        }
    }
    Ok(counts)
}

/// A number from the environment, or `default`.
fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn mutated_requests_never_panic() {
    let run = Run {
        inputs: env("MENTORMATCH_FUZZ_INPUTS", 2_000),
        seed: env("MENTORMATCH_FUZZ_SEED", 1),
        solve: env("MENTORMATCH_FUZZ_SOLVE", 1) == 1,
        groups_per_mille: env("MENTORMATCH_FUZZ_GROUPS_PER_MILLE", 100) as usize,
    };
    match fuzz(&run) {
        Ok(c) => {
            eprintln!("fuzz: {c:?}");
            // The harness must reach every stage, or it tests nothing.
            assert!(c.decoded > c.inputs / 10, "{c:?}");
            assert!(c.valid > 0 && (c.solved > 0 || !run.solve), "{c:?}");
        }
        Err(e) => panic!("{e}"),
    }
}
