//! The same request gives the same answer, byte for byte.

use mentormatch::tools::synth::{generate, SynthConfig};
use prost::Message;

use crate::util::*;

#[test]
fn same_request_same_bytes() {
    for (req, what) in [
        (example_request(), "example"),
        (
            generate(&SynthConfig {
                mentees: 400,
                mentors: 60,
                seed: 11,
                max_capacity: 8,
            }),
            "synthetic",
        ),
    ] {
        let a = solve_ok(&req);
        let b = solve_ok(&req);
        assert_eq!(
            a.encode_to_vec(),
            b.encode_to_vec(),
            "{what}: protobuf bytes differ"
        );
        let (ja, jb) = (
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap(),
        );
        assert_eq!(ja, jb, "{what}: JSON differs");
    }
}

#[test]
fn scoring_threads_do_not_change_the_answer() {
    use mentormatch::Limits;
    use mentormatch::SolveOptions;
    let req = generate(&SynthConfig {
        mentees: 300,
        mentors: 40,
        seed: 5,
        max_capacity: 9,
    });
    let run = |threads| {
        mentormatch::api::solve(
            &req,
            &Limits::default(),
            &SolveOptions {
                threads,
                ..SolveOptions::default()
            },
        )
        .expect("solve")
    };
    let one = run(1);
    for t in [2, 3, 7] {
        assert_eq!(one, run(t), "{t} threads");
    }
}
