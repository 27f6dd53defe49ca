//! The cluster-domain rule (`policy.sector_rule`) and the coordinator's
//! table of related sectors (`policy.related_sectors`), resolved against
//! the sectors the profiles use.

use super::fields::{norm, opt_number, Checker, Interner};
use crate::wire::pb;

/// Most groups of related sectors.
const MAX_GROUPS: usize = 1000;

/// The rule's least share (`Some(0.0)`: one sector), if on.
pub(super) fn sector_rule(c: &mut Checker, p: &pb::Policy) -> Option<f64> {
    let r = p.sector_rule.as_ref()?;
    let field = "policy.sector_rule.min_share";
    match r.min_share {
        None => Some(0.0),
        Some(x) if x > 0.0 && x <= 1.0 => Some(x),
        Some(x) => {
            c.bad(field, format!("{x} is not a share in (0, 1]"));
            Some(0.0)
        }
    }
}

/// Per sector index: its related sectors with their best similarity,
/// sorted. Sectors no profile lists are left out (they relate no pair).
pub(super) fn related_sectors(
    c: &mut Checker,
    groups: &[pb::RelatedSectors],
    sectors: &Interner,
) -> Vec<Vec<(u32, f64)>> {
    let mut out: Vec<Vec<(u32, f64)>> = vec![Vec::new(); sectors.list.len()];
    if groups.len() > MAX_GROUPS {
        c.bad(
            "policy.related_sectors",
            format!("{} groups exceed the limit of {MAX_GROUPS}", groups.len()),
        );
        return out;
    }
    for (k, g) in groups.iter().enumerate() {
        let at = format!("policy.related_sectors[{k}]");
        let sim = opt_number(c, &format!("{at}.similarity"), g.similarity, 0.5, 0.0, 1.0);
        if g.similarity == Some(0.0) {
            c.bad(
                format!("{at}.similarity"),
                "0 is not a similarity in (0, 1]",
            );
        }
        if g.sectors.len() < 2 {
            c.bad(
                format!("{at}.sectors"),
                format!("{} sector(s): a group relates two or more", g.sectors.len()),
            );
            continue;
        }
        if c.list_too_long(|| format!("{at}.sectors"), g.sectors.len()) {
            continue;
        }
        for (i, s) in g.sectors.iter().enumerate() {
            if s.trim().is_empty() {
                c.bad(format!("{at}.sectors[{i}]"), "empty string");
            }
        }
        let known: Vec<u32> = g
            .sectors
            .iter()
            .filter_map(|s| sectors.find(&norm(s)))
            .collect();
        for &a in &known {
            for &b in known.iter().filter(|&&b| b != a) {
                let list = &mut out[a as usize];
                match list.iter_mut().find(|x| x.0 == b) {
                    Some(x) => x.1 = x.1.max(sim),
                    None => list.push((b, sim)),
                }
            }
        }
    }
    for list in &mut out {
        list.sort_by_key(|x| x.0);
    }
    out
}
