//! The demand flow against the bipartite flow on a synthetic programme:
//! `cargo run --release --example demand_bench -- MENTEES MENTORS MAX_CAPACITY`
//! (see BENCHMARKS.md). Times the flow engine at one mentor per mentee, then
//! the demand flow at `max_mentors` 1 and 2, on the same scored arcs.

use mentormatch::model::Objective;
use mentormatch::solvers::candidates::instance;
use mentormatch::solvers::demand::Demand;
use mentormatch::solvers::{flow, flow::FlowEngine, Deadline, Engine};
use mentormatch::tools::synth::{generate, SynthConfig};
use mentormatch::wire::problem_from_request;
use mentormatch::Limits;
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let (n_e, n_m, cap) = (args[0], args[1], args[2] as u32);
    let req = generate(&SynthConfig {
        mentees: n_e,
        mentors: n_m,
        seed: 1,
        max_capacity: cap,
    });
    let limits = Limits {
        max_pairs: u64::MAX,
        ..Limits::default()
    };
    let p = problem_from_request(&req, &limits).expect("valid");
    let inst = instance(&p, 1).expect("scored");
    eprintln!(
        "arcs {} places {}",
        inst.score.len(),
        inst.capacity.iter().sum::<u32>()
    );
    let t = Instant::now();
    let a = FlowEngine::default()
        .solve(&inst, Objective::CoverageThenScore, Deadline::NONE)
        .unwrap();
    eprintln!(
        "flow max1: {:?} matched {} total {}",
        t.elapsed(),
        a.value(&inst).matched,
        a.value(&inst).total
    );
    for max in [1u32, 2] {
        let d = Demand {
            min: vec![0; inst.mentees()],
            max: vec![max; inst.mentees()],
            tier: vec![0; inst.mentees()],
            role: vec![None; inst.mentors()],
            roles: vec![Vec::new(); inst.mentees()],
            pinned: vec![],
        };
        let t = Instant::now();
        let c =
            flow::demand::solve(&inst, &d, Objective::CoverageThenScore, &Deadline::NONE).unwrap();
        let total: i64 = c.iter().flatten().map(|&x| inst.score[x as usize]).sum();
        eprintln!(
            "demand max{max}: {:?} covered {} units {} total {}",
            t.elapsed(),
            c.iter().filter(|x| !x.is_empty()).count(),
            c.iter().map(|x| x.len()).sum::<usize>(),
            total
        );
    }
}
