//! Bad input: every violation names the field path and the offending value.

use mentormatch::pb;
use mentormatch::Limits;
use mentormatch::SolveOptions;

use crate::util::*;

fn with(f: impl FnOnce(&mut pb::SolveRequest)) -> Vec<mentormatch::FieldViolation> {
    let mut req = small_request();
    f(&mut req);
    violations(&req)
}

#[test]
fn duplicate_ids_across_sides() {
    let v = with(|r| r.mentees[2].profile.as_mut().unwrap().id = "m1".into());
    assert_violation(&v, "mentees[2].profile.id", "duplicate id \"m1\"");
}

#[test]
fn unknown_time_zone() {
    let v = with(|r| r.mentors[1].profile.as_mut().unwrap().time_zone = "Europe/Atlantis".into());
    assert_violation(&v, "mentors[1].profile.time_zone", "\"Europe/Atlantis\"");
}

#[test]
fn bad_country_and_language_codes() {
    let v = with(|r| {
        r.mentees[0].profile.as_mut().unwrap().country = "XX".into();
        r.mentees[1].profile.as_mut().unwrap().languages[0].code = "arabic".into();
    });
    assert_violation(&v, "mentees[0].profile.country", "\"XX\"");
    assert_violation(&v, "mentees[1].profile.languages[0].code", "\"arabic\"");
}

#[test]
fn unspecified_language_level() {
    let v = with(|r| r.mentees[1].profile.as_mut().unwrap().languages[0].level = 0);
    assert_violation(&v, "mentees[1].profile.languages[0].level", "level 0");
}

#[test]
fn minimum_above_capacity() {
    let v = with(|r| {
        r.mentors[0].capacity = Some(1);
        r.mentors[0].min_mentees = 3;
    });
    assert_violation(
        &v,
        "mentors[0].min_mentees",
        "minimum 3 is above the capacity 1",
    );
}

#[test]
fn unknown_references() {
    let v = with(|r| {
        r.mentees[0].preferred_mentors = vec!["m9".into()];
        r.mentees[1].excluded_mentors = vec!["e3".into()];
        let p = r.policy.as_mut().unwrap();
        p.forbidden_pairs = vec![pb::PairRef {
            mentor_id: "m1".into(),
            mentee_id: "nobody".into(),
        }];
    });
    assert_violation(
        &v,
        "mentees[0].preferred_mentors[0]",
        "unknown mentor id \"m9\"",
    );
    assert_violation(
        &v,
        "mentees[1].excluded_mentors[0]",
        "\"e3\" is a mentee, not a mentor",
    );
    assert_violation(
        &v,
        "policy.forbidden_pairs[0].mentee_id",
        "unknown mentee id \"nobody\"",
    );
}

#[test]
fn pin_breaking_a_hard_rule() {
    // m2 speaks Italian and English; e1 Arabic and French: no shared language.
    let v = with(|r| {
        r.policy.as_mut().unwrap().pinned_pairs = vec![pb::PairRef {
            mentor_id: "m2".into(),
            mentee_id: "e1".into(),
        }];
    });
    assert_violation(&v, "policy.pinned_pairs[0]", "no shared language at B2");
}

#[test]
fn pin_and_forbid_the_same_pair() {
    let v = with(|r| {
        let p = r.policy.as_mut().unwrap();
        let pair = pb::PairRef {
            mentor_id: "m1".into(),
            mentee_id: "e1".into(),
        };
        p.pinned_pairs = vec![pair.clone()];
        p.forbidden_pairs = vec![pair];
    });
    assert_violation(&v, "policy.pinned_pairs[0]", "both pinned and forbidden");
}

#[test]
fn empty_sides() {
    let v = with(|r| {
        r.mentors.clear();
        r.mentees.clear();
    });
    assert_violation(&v, "mentors", "no mentors");
    assert_violation(&v, "mentees", "no mentees");
}

#[test]
fn non_finite_affinities_and_weights() {
    let v = with(|r| {
        r.affinities = vec![
            pb::Affinity {
                mentor_id: "m1".into(),
                mentee_id: "e1".into(),
                value: f64::NAN,
            },
            pb::Affinity {
                mentor_id: "m1".into(),
                mentee_id: "e3".into(),
                value: f64::INFINITY,
            },
        ];
        r.policy.as_mut().unwrap().weights = Some(pb::Weights {
            topics: Some(-1.0),
            ..Default::default()
        });
    });
    assert_violation(&v, "affinities[0].value", "NaN");
    assert_violation(&v, "affinities[1].value", "inf");
    assert_violation(&v, "policy.weights.topics", "-1");
}

#[test]
fn bad_dates_and_hours() {
    let v = with(|r| {
        let p = r.policy.as_mut().unwrap();
        p.programme_start = "2021-13-01".into();
        r.mentors[0].profile.as_mut().unwrap().working_hours = Some(pb::WorkingHours {
            start: "18:00".into(),
            end: "09:00".into(),
            days: vec![9],
            ..Default::default()
        });
    });
    assert_violation(&v, "policy.programme_start", "\"2021-13-01\"");
    assert_violation(
        &v,
        "mentors[0].profile.working_hours.end",
        "not after start",
    );
    assert_violation(
        &v,
        "mentors[0].profile.working_hours.days[0]",
        "9 is not a weekday",
    );
}

#[test]
fn oversized_requests_are_rejected_with_the_limit() {
    let limits = Limits {
        max_mentees: 2,
        ..Limits::default()
    };
    match mentormatch::api::solve(&small_request(), &limits, &SolveOptions::default()) {
        Err(mentormatch::Error::InvalidArgument(v)) => {
            assert_violation(&v, "mentees", "3 mentees exceed the limit of 2")
        }
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

#[test]
fn missing_profile() {
    let v = with(|r| r.mentees[1].profile = None);
    assert_violation(&v, "mentees[1].profile", "missing profile");
}

#[test]
fn unknown_enum_values() {
    let v = with(|r| {
        let p = r.policy.as_mut().unwrap();
        p.objective = 42;
        p.engine = 7;
    });
    assert_violation(&v, "policy.objective", "42");
    assert_violation(&v, "policy.engine", "7");
}

#[test]
fn invisible_characters_in_ids() {
    for bad in ["m\u{202E}1x", "e\u{200B}1"] {
        let v = with(|r| r.mentees[0].profile.as_mut().unwrap().id = bad.into());
        assert_violation(
            &v,
            "mentees[0].profile.id",
            "invisible or direction-changing",
        );
    }
}

#[test]
fn an_unparsable_date_is_the_only_date_violation() {
    let v = with(|r| {
        r.policy
            .get_or_insert_with(Default::default)
            .programme_start = "2021-13-40".into()
    });
    assert_violation(&v, "policy.programme_start", "\"2021-13-40\"");
    assert!(
        !v.iter().any(|f| f.field == "policy.programme_end"),
        "a misleading length violation: {v:#?}"
    );
}

#[test]
fn working_days_are_at_most_a_week() {
    let v = with(|r| {
        let p = r.mentors[0].profile.as_mut().unwrap();
        p.working_hours.get_or_insert_with(Default::default).days = vec![1; 8];
    });
    assert_violation(&v, "mentors[0].profile.working_hours.days", "8 entries");
}

#[test]
fn list_and_violation_limits_are_the_operators() {
    // A mentee may exclude almost every mentor by default…
    let mut req = small_request();
    req.mentees[0].excluded_mentors = vec!["m1".into()];
    assert!(solve(&req).is_ok());
    // …and an operator may set a smaller limit, which is then named.
    let small = Limits {
        max_list: 0,
        ..Limits::default()
    };
    let err = mentormatch::api::solve(&req, &small, &SolveOptions::default()).expect_err("limited");
    let mentormatch::Error::InvalidArgument(v) = err else {
        panic!("{err}")
    };
    assert_violation(&v, "mentees[0].excluded_mentors", "exceed the limit of 0");
    // Violations beyond the limit are counted in one more.
    let mut req = small_request();
    for m in &mut req.mentors {
        m.profile.as_mut().unwrap().time_zone = "Nowhere/None".into();
    }
    for e in &mut req.mentees {
        e.profile.as_mut().unwrap().time_zone = "Nowhere/None".into();
    }
    let one = Limits {
        max_violations: 1,
        ..Limits::default()
    };
    let err = mentormatch::api::solve(&req, &one, &SolveOptions::default()).expect_err("invalid");
    let mentormatch::Error::InvalidArgument(v) = err else {
        panic!("{err}")
    };
    assert_eq!(v.len(), 2, "{v:#?}");
    assert_violation(&v, "request", "more violations not listed");
}
