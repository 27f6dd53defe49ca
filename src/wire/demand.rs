//! A mentee's demand in (issue 29): `min_mentors`, `max_mentors`,
//! `priority` and `role_demands`, and each mentor's `role`, validated with
//! the field and value named.

use crate::model::{MenteeDemand, RoleDemand};
use crate::wire::pb;

use super::fields::{check_text, norm, Checker, Interner};

/// Highest priority tier.
pub(super) const MAX_PRIORITY: u32 = 9;

/// Mentor `m`'s role, interned in `roles` (empty: none).
pub(super) fn mentor_role(
    c: &mut Checker,
    path: &str,
    m: &pb::Mentor,
    roles: &mut Interner,
) -> Option<u32> {
    let max = c.limits.max_id_chars;
    if m.role.trim().is_empty() || !check_text(c, &format!("{path}.role"), &m.role, max) {
        return None;
    }
    Some(roles.get(norm(&m.role)))
}

/// Mentee `e`'s demand at `path`, its roles resolved against the mentors'
/// (`roles`, complete by now).
pub(super) fn mentee_demand(
    c: &mut Checker,
    path: &str,
    e: &pb::Mentee,
    roles: &Interner,
) -> MenteeDemand {
    let most = c.limits.max_mentors_per_mentee;
    let max_mentors = e.max_mentors.unwrap_or(1);
    if max_mentors > most {
        c.bad(
            format!("{path}.max_mentors"),
            format!(
                "max_mentors {max_mentors} exceeds the limit of {most} (--max-mentors-per-mentee)"
            ),
        );
    }
    if e.min_mentors > max_mentors {
        c.bad(
            format!("{path}.min_mentors"),
            format!(
                "min_mentors {} is above max_mentors {max_mentors}",
                e.min_mentors
            ),
        );
    }
    if e.priority > MAX_PRIORITY {
        c.bad(
            format!("{path}.priority"),
            format!(
                "priority {} is not a tier from 0 to {MAX_PRIORITY}",
                e.priority
            ),
        );
    }
    let mut out: Vec<RoleDemand> = Vec::new();
    if c.list_too_long(|| format!("{path}.role_demands"), e.role_demands.len()) {
        return MenteeDemand::default();
    }
    for (i, rd) in e.role_demands.iter().enumerate() {
        let field = format!("{path}.role_demands[{i}]");
        let at_most = rd.at_most.unwrap_or(max_mentors);
        let Some(role) = roles.find(&norm(&rd.role)) else {
            c.bad(
                format!("{field}.role"),
                format!(
                    "role {:?} is no mentor's role (known roles: {})",
                    rd.role,
                    known(roles)
                ),
            );
            continue;
        };
        if out.iter().any(|r| r.role == role) {
            c.bad(
                format!("{field}.role"),
                format!("role {:?} is bounded twice", rd.role),
            );
        }
        if rd.at_least > at_most {
            c.bad(
                format!("{field}.at_least"),
                format!("at_least {} is above at_most {at_most}", rd.at_least),
            );
        }
        out.push(RoleDemand {
            role,
            at_least: rd.at_least,
            at_most,
        });
    }
    let least: u32 = out.iter().map(|r| r.at_least).sum();
    if least > max_mentors {
        c.bad(
            format!("{path}.role_demands"),
            format!("the roles ask for at least {least} mentors, above max_mentors {max_mentors}"),
        );
    }
    out.sort_unstable_by_key(|r| r.role);
    MenteeDemand {
        min_mentors: e.min_mentors,
        max_mentors,
        priority: e.priority,
        roles: out,
    }
}

/// The known roles in words.
fn known(roles: &Interner) -> String {
    if roles.list.is_empty() {
        return "none".into();
    }
    roles
        .list
        .iter()
        .map(|r| format!("{r:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why one more pair of a mentee (pinned, or in a what-if baseline) is one
/// too many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExtraPair {
    /// A second pair of a mentee with one mentor at most; the first's position.
    Second(usize),
    /// The same pair again; the first's position.
    Twice(usize),
    /// More pairs than the mentee's `max_mentors`.
    OverMax,
}

/// Whether a pair with mentor `m` is one too many for a mentee with
/// `max_mentors` `max` whose earlier pairs are `earlier` (position, mentor).
pub(crate) fn extra_pair<M: PartialEq>(
    earlier: &[(usize, M)],
    m: &M,
    max: u32,
) -> Option<ExtraPair> {
    match (earlier.first(), earlier.iter().find(|x| x.1 == *m)) {
        (Some(&(first, _)), _) if max <= 1 => Some(ExtraPair::Second(first)),
        (_, Some(&(prev, _))) => Some(ExtraPair::Twice(prev)),
        _ if earlier.len() >= max as usize => Some(ExtraPair::OverMax),
        _ => None,
    }
}
