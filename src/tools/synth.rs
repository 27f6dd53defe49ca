//! A seeded generator of synthetic programmes shaped like the
//! Euro-Mediterranean cohorts this service is built for: mentors in
//! Europe and Palestine, mentees in North Africa and the Levant, with
//! sectors, topics, languages at levels, time zones and working weeks.
//!
//! The generator uses SplitMix64, whose output is fixed by its definition,
//! so a seed names the same instance forever.

use crate::wire::pb;

/// Settings of a synthetic programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthConfig {
    /// Mentees.
    pub mentees: usize,
    /// Mentors.
    pub mentors: usize,
    /// Seed.
    pub seed: u64,
    /// Mentor capacities are drawn uniformly from `1..=max_capacity`.
    pub max_capacity: u32,
}

/// SplitMix64: a tiny, fully specified PRNG.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// Seeded generator.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const SECTORS: &[&str] = &[
    "ict",
    "textile",
    "mechatronics",
    "agrifood",
    "renewable_energy",
    "furniture",
    "leather",
    "olive_oil",
    "marble",
    "fashion",
    "audiovisual",
    "crafts",
];
const TOPICS: &[&str] = &[
    "cluster_governance",
    "internationalisation",
    "export",
    "funding",
    "eu_projects",
    "digital_transformation",
    "innovation_management",
    "member_services",
    "strategy",
    "public_private_partnership",
    "training",
    "quality_certification",
    "supply_chain",
    "marketing",
    "branding",
    "e_commerce",
    "sustainability",
    "circular_economy",
    "r_and_d",
    "investment_attraction",
    "networking_events",
    "business_model",
    "green_innovation",
    "impact_measurement",
];

struct Place {
    country: &'static str,
    tz: &'static str,
    native: &'static str,
    sun_thu: bool,
}

const MENTOR_PLACES: &[Place] = &[
    Place {
        country: "ES",
        tz: "Europe/Madrid",
        native: "es",
        sun_thu: false,
    },
    Place {
        country: "FR",
        tz: "Europe/Paris",
        native: "fr",
        sun_thu: false,
    },
    Place {
        country: "IT",
        tz: "Europe/Rome",
        native: "it",
        sun_thu: false,
    },
    Place {
        country: "PS",
        tz: "Asia/Hebron",
        native: "ar",
        sun_thu: true,
    },
];
const MENTEE_PLACES: &[Place] = &[
    Place {
        country: "MA",
        tz: "Africa/Casablanca",
        native: "ar",
        sun_thu: false,
    },
    Place {
        country: "TN",
        tz: "Africa/Tunis",
        native: "ar",
        sun_thu: false,
    },
    Place {
        country: "EG",
        tz: "Africa/Cairo",
        native: "ar",
        sun_thu: true,
    },
    Place {
        country: "JO",
        tz: "Asia/Amman",
        native: "ar",
        sun_thu: true,
    },
    Place {
        country: "PS",
        tz: "Asia/Gaza",
        native: "ar",
        sun_thu: true,
    },
];
const HOURS: &[(&str, &str)] = &[
    ("09:00", "18:00"),
    ("08:00", "16:00"),
    ("10:00", "19:00"),
    ("08:30", "17:30"),
];

fn distinct(rng: &mut SplitMix64, pool: &[&str], n: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    while out.len() < n.min(pool.len()) {
        let s = rng.pick(pool).to_string();
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn languages(rng: &mut SplitMix64, place: &Place) -> Vec<pb::LanguageSkill> {
    use pb::LanguageLevel as L;
    let mut out = vec![pb::LanguageSkill {
        code: place.native.into(),
        level: L::Native as i32,
    }];
    let extra: &[(&str, f64)] = match place.native {
        "ar" => &[("fr", 0.6), ("en", 0.6), ("es", 0.1), ("it", 0.05)],
        "fr" => &[("en", 0.8), ("es", 0.3), ("ar", 0.15), ("it", 0.15)],
        "es" => &[("en", 0.8), ("fr", 0.4), ("ca", 0.3), ("ar", 0.05)],
        _ => &[("en", 0.8), ("fr", 0.4), ("es", 0.2), ("ar", 0.05)],
    };
    let levels = [L::A2, L::B1, L::B2, L::B2, L::C1, L::C1, L::C2];
    for &(code, p) in extra {
        if rng.chance(p) {
            out.push(pb::LanguageSkill {
                code: code.into(),
                level: *rng.pick(&levels) as i32,
            });
        }
    }
    out
}

fn profile(
    rng: &mut SplitMix64,
    id: String,
    place: &Place,
    org: String,
    topics: usize,
) -> pb::Profile {
    let (start, end) = *rng.pick(HOURS);
    let days = if place.sun_thu {
        vec![7, 1, 2, 3, 4]
    } else {
        vec![1, 2, 3, 4, 5]
    };
    let n_sectors = 1 + rng.below(2);
    pb::Profile {
        name: format!("Synthetic {id}"),
        id,
        country: place.country.into(),
        organization: org,
        languages: languages(rng, place),
        time_zone: place.tz.into(),
        working_hours: Some(pb::WorkingHours {
            start: start.into(),
            end: end.into(),
            days,
            ..Default::default()
        }),
        sectors: distinct(rng, SECTORS, n_sectors),
        topics: distinct(rng, TOPICS, topics),
        ..Default::default()
    }
}

/// Generates a request (all mentors' capacities in `1..=max_capacity`).
pub fn generate(cfg: &SynthConfig) -> pb::SolveRequest {
    let mut rng = SplitMix64::new(cfg.seed);
    let orgs = (cfg.mentees / 5).max(1);
    let mentors = (0..cfg.mentors)
        .map(|k| {
            let place = rng.pick(MENTOR_PLACES);
            let org = format!("org-m{}", rng.below((cfg.mentors / 3).max(1)));
            let n_topics = 3 + rng.below(4);
            pb::Mentor {
                profile: Some(profile(&mut rng, format!("m{k}"), place, org, n_topics)),
                capacity: Some(1 + rng.below(cfg.max_capacity.max(1) as usize) as u32),
                min_mentees: 0,
                max_groups: None,
                role: String::new(),
            }
        })
        .collect();
    let mentees = (0..cfg.mentees)
        .map(|k| {
            let place = rng.pick(MENTEE_PLACES);
            let org = format!("org-e{}", rng.below(orgs));
            let n_topics = 2 + rng.below(3);
            let preferred = if cfg.mentors > 0 && rng.chance(0.3) {
                (0..3).map(|_| format!("m{}", rng.below(cfg.mentors))).fold(
                    Vec::new(),
                    |mut v, m| {
                        if !v.contains(&m) {
                            v.push(m);
                        }
                        v
                    },
                )
            } else {
                Vec::new()
            };
            pb::Mentee {
                profile: Some(profile(&mut rng, format!("e{k}"), place, org, n_topics)),
                preferred_mentors: preferred,
                excluded_mentors: Vec::new(),
                allowed_mentors: Vec::new(),
                ..pb::Mentee::default()
            }
        })
        .collect();
    pb::SolveRequest {
        request_id: format!("synth-{}x{}-seed{}", cfg.mentees, cfg.mentors, cfg.seed),
        mentors,
        mentees,
        policy: Some(pb::Policy {
            programme_start: "2021-01-20".into(),
            programme_end: "2021-10-31".into(),
            min_language_level: pb::LanguageLevel::B1 as i32,
            ..Default::default()
        }),
        affinities: Vec::new(),
        include_timings: false,
        ..Default::default()
    }
}

/// `n_e` mentees' arcs to `n_m` mentors, for the engines' tests: each
/// present with chance `p`, scores in whole points from 0 to 4.
pub fn random_lists(rng: &mut SplitMix64, n_e: usize, n_m: usize, p: f64) -> Vec<Vec<(u32, i64)>> {
    (0..n_e)
        .map(|_| {
            let mut row = Vec::new();
            for j in 0..n_m as u32 {
                if rng.chance(p) {
                    row.push((j, rng.below(5) as i64 * 1000));
                }
            }
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs for seed 0, from the reference implementation.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn same_seed_same_request() {
        let cfg = SynthConfig {
            mentees: 50,
            mentors: 10,
            seed: 7,
            max_capacity: 5,
        };
        assert_eq!(generate(&cfg), generate(&cfg));
        let other = SynthConfig { seed: 8, ..cfg };
        assert_ne!(generate(&cfg), generate(&other));
    }
}
