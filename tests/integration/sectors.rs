//! The cluster-domain rule and related sectors, checked against a
//! definition computed here from the request's strings: no pair breaks
//! the rule, each pair's sector value is its credit (1 per shared sector,
//! the best similarity per related one, over the mentee's sectors), the
//! mentees the rule leaves without a candidate count the mentors it
//! excludes, and the words name the related sector and the relaxation.

use mentormatch::pb;
use mentormatch::tools::synth::{self, SynthConfig};

use crate::util::policy_mut as policy;
use crate::util::*;

/// (credit, matched) of a mentor's sectors for a mentee's.
fn credit(req: &pb::SolveRequest, ms: &[String], es: &[String]) -> (f64, usize) {
    let low = |v: &[String]| {
        v.iter()
            .map(|s| s.trim().to_lowercase())
            .collect::<Vec<_>>()
    };
    let (ms, es) = (low(ms), low(es));
    let groups = &req.policy.as_ref().unwrap().related_sectors;
    let (mut sum, mut matched) = (0.0, 0);
    for s in &es {
        let c = if ms.contains(s) {
            1.0
        } else {
            groups
                .iter()
                .filter(|g| {
                    let g = low(&g.sectors);
                    g.contains(s) && ms.iter().any(|t| t != s && g.contains(t))
                })
                .map(|g| g.similarity.unwrap_or(0.5))
                .fold(0.0, f64::max)
        };
        if c > 0.0 {
            matched += 1;
            sum += c;
        }
    }
    (sum, matched)
}

fn passes(min: f64, matched: usize, theirs: usize) -> bool {
    theirs == 0 || (matched >= 1 && matched as f64 / theirs as f64 >= min)
}

#[test]
fn random_programmes_keep_the_rule_and_score_related_sectors() {
    let groups: [&[&str]; 3] = [
        &["textile", "leather", "fashion"],
        &["ict", "mechatronics", "audiovisual"],
        &["agrifood", "olive_oil"],
    ];
    let (mut pairs, mut excluded) = (0, 0);
    for seed in 0..8u64 {
        let mut req = synth::generate(&SynthConfig {
            mentees: 30,
            mentors: 10,
            seed,
            max_capacity: 3,
        });
        let min = [0.0, 0.5, 1.0][seed as usize % 3];
        let p = policy(&mut req);
        p.sector_rule = Some(pb::SectorRule {
            min_share: (min > 0.0).then_some(min),
        });
        p.related_sectors = groups
            .iter()
            .enumerate()
            .map(|(k, g)| pb::RelatedSectors {
                sectors: g.iter().map(|s| s.to_uppercase()).collect(),
                similarity: [Some(0.3), None, Some(0.9)][(k + seed as usize) % 3],
            })
            .collect();
        let resp = solve_ok(&req);
        let (mentors, mentees) = people_by_id(&req);
        let sectors = |x: &Option<pb::Profile>| x.clone().unwrap().sectors;
        for p in &resp.pairs {
            let (ms, es) = (
                sectors(&mentors[p.mentor_id.as_str()].profile),
                sectors(&mentees[p.mentee_id.as_str()].profile),
            );
            let (sum, matched) = credit(&req, &ms, &es);
            assert!(passes(min, matched, es.len()), "{p:?}");
            let term = p
                .breakdown
                .iter()
                .find(|t| t.criterion == pb::Criterion::Sector as i32)
                .unwrap();
            let value = if es.is_empty() {
                0.0
            } else {
                sum / es.len() as f64
            };
            assert!((term.value - value).abs() < 1e-12, "{p:?}: {value}");
            pairs += 1;
        }
        for u in &resp.unmatched {
            if u.reason != pb::UnmatchedReason::NoCandidate as i32 {
                continue;
            }
            let es = sectors(&mentees[u.mentee_id.as_str()].profile);
            let expected = req
                .mentors
                .iter()
                .filter(|m| {
                    let (_, matched) = credit(&req, &sectors(&m.profile), &es);
                    !passes(min, matched, es.len())
                })
                .count() as u32;
            let reported = excluded_by(u, pb::HardRule::Sector);
            assert_eq!(reported, expected, "{}", u.mentee_id);
            excluded += reported;
        }
    }
    assert!(
        pairs > 100 && excluded > 0,
        "{pairs} pairs, {excluded} exclusions"
    );
}

#[test]
fn a_related_sector_is_named_and_a_mentee_without_one_gets_the_relaxation() {
    let mut m1 = profile("m-denim", "IT", "Europe/Rome", &[("en", NATIVE)]);
    m1.sectors = vec!["denim".into()];
    let mut m2 = profile("m-ict", "ES", "Europe/Madrid", &[("en", NATIVE)]);
    m2.sectors = vec!["ict".into()];
    let mut e1 = profile("e-leather", "MA", "Africa/Casablanca", &[("en", NATIVE)]);
    e1.sectors = vec!["leather".into()];
    let mut e2 = profile("e-olive", "TN", "Africa/Tunis", &[("en", NATIVE)]);
    e2.sectors = vec!["olive oil".into()];
    let mut req = pb::SolveRequest {
        mentors: vec![mentor(m1, 1), mentor(m2, 1)],
        mentees: vec![mentee(e1), mentee(e2)],
        ..Default::default()
    };
    let p = policy(&mut req);
    p.sector_rule = Some(pb::SectorRule::default());
    p.related_sectors = vec![pb::RelatedSectors {
        sectors: vec![
            "Technical textiles".into(),
            "Denim".into(),
            "Leather".into(),
        ],
        similarity: Some(0.6),
    }];
    let resp = solve_ok(&req);
    assert_eq!(resp.pairs.len(), 1);
    let sector = resp.pairs[0]
        .breakdown
        .iter()
        .find(|t| t.criterion == pb::Criterion::Sector as i32)
        .unwrap();
    assert_eq!(sector.detail, "related sector: denim (for leather)");
    assert!((sector.value - 0.6).abs() < 1e-12);
    let u = &resp.unmatched[0];
    assert_eq!(u.mentee_id, "e-olive");
    assert_eq!(
        u.excluded_by,
        [pb::RuleCount {
            rule: pb::HardRule::Sector as i32,
            mentors: 2
        }]
    );
    assert!(
        u.suggestions.iter().any(|s| s.contains("related_sectors")),
        "{:?}",
        u.suggestions
    );
    // Bad settings name their field.
    let p = policy(&mut req);
    p.sector_rule = Some(pb::SectorRule {
        min_share: Some(1.5),
    });
    p.related_sectors.push(pb::RelatedSectors {
        sectors: vec!["ict".into()],
        similarity: Some(0.0),
    });
    let v = violations(&req);
    assert_violation(&v, "policy.sector_rule.min_share", "1.5");
    assert_violation(&v, "policy.related_sectors[1].sectors", "two or more");
    assert_violation(&v, "policy.related_sectors[1].similarity", "0");
}
