//! A greedy grouping: the warm start of the MILP and its answer of last
//! resort at the time limit.

use super::instance::{FormedGroup, GroupInstance, GroupMentor};
use crate::model::Milli;

impl GroupInstance {
    /// A feasible grouping built greedily (best-valued members first), or
    /// `None` when the greedy pass cannot satisfy every hard rule.
    pub(crate) fn greedy(&self) -> Option<Vec<FormedGroup>> {
        let n = self.mentees.len();
        let mut taken = vec![false; n];
        let mut uses = vec![0u32; self.mentors.len()];
        let mut groups: Vec<FormedGroup> = Vec::new();
        for j in self.greedy_lead_order() {
            let m = &self.mentors[j as usize];
            while uses[j as usize] < m.max_groups
                && self.count.is_none_or(|k| (groups.len() as u32) < k)
            {
                let Some(group) = self.greedy_group(j, &taken, &uses) else {
                    break;
                };
                uses[j as usize] += 1;
                if let Some(co) = group.co {
                    uses[co as usize] += 1;
                }
                for &e in &group.members {
                    taken[e as usize] = true;
                }
                groups.push(group);
            }
        }
        let complete = (!self.require_all || taken.iter().all(|&t| t))
            && self.count.is_none_or(|k| groups.len() as u32 == k)
            && self.pinned.iter().all(|&(e, _)| taken[e as usize]);
        complete.then_some(groups)
    }

    /// Leads with pins first, then the others, each in index order.
    fn greedy_lead_order(&self) -> Vec<u32> {
        let mut leads: Vec<u32> = (0..self.mentors.len() as u32).collect();
        leads.sort_by_key(|&j| (!self.pinned.iter().any(|&(_, l)| l == j), j));
        leads
    }

    /// The next group the greedy pass opens for lead `j`, or `None` if it can open no more.
    fn greedy_group(&self, j: u32, taken: &[bool], uses: &[u32]) -> Option<FormedGroup> {
        let m = &self.mentors[j as usize];
        let pins = self.greedy_pins(j, taken);
        let cands = self.greedy_candidates(j, taken);
        let (class, language) = self.best_class_language(m, &pins, &cands)?;
        let mut members = self.greedy_members(&pins, &cands, class, language);
        if (members.len() as u32) < self.min_size
            || (self.country_count(&members) as u32) < self.min_countries
        {
            return None;
        }
        let co = if self.mentors_per_group == 2 {
            Some(self.greedy_co(j, class, language, &members, uses)?)
        } else {
            None
        };
        members.sort_unstable();
        Some(FormedGroup {
            lead: j,
            co,
            members,
            class,
            language,
        })
    }

    /// The lead mentee `e` is pinned to, if any.
    fn pinned_lead(&self, e: u32) -> Option<u32> {
        self.pinned
            .iter()
            .find(|&&(pe, _)| pe == e)
            .map(|&(_, l)| l)
    }

    /// Mentees pinned to lead `j` and not yet grouped.
    fn greedy_pins(&self, j: u32, taken: &[bool]) -> Vec<u32> {
        self.pinned
            .iter()
            .filter(|&&(e, l)| l == j && !taken[e as usize])
            .map(|&(e, _)| e)
            .collect()
    }

    /// Free, unpinned mentees that may join lead `j`, as (points, mentee), best first.
    fn greedy_candidates(&self, j: u32, taken: &[bool]) -> Vec<(Milli, u32)> {
        let n = self.mentees.len();
        let mut cands: Vec<(Milli, u32)> = (0..n as u32)
            .filter(|&e| !taken[e as usize] && self.pinned_lead(e).is_none())
            .filter_map(|e| {
                self.mentees[e as usize]
                    .leads
                    .iter()
                    .find(|&&(l, _)| l == j)
                    .map(|&(_, v)| (v, e))
            })
            .collect();
        cands.sort_by_key(|&(v, e)| (std::cmp::Reverse(v), e));
        cands
    }

    /// Whether mentee `e` suits slot class `c` and language `l`.
    fn fits(&self, e: u32, c: u32, l: u32) -> bool {
        let me = &self.mentees[e as usize];
        me.classes.binary_search(&c).is_ok() && me.languages.iter().any(|&(x, _)| x == l)
    }

    /// The class and language of `m` that suit the most candidates (pins must fit).
    fn best_class_language(
        &self,
        m: &GroupMentor,
        pins: &[u32],
        cands: &[(Milli, u32)],
    ) -> Option<(u32, u32)> {
        let mut best: Option<(usize, u32, u32)> = None;
        for &c in &m.classes {
            for &l in &m.languages {
                if !pins.iter().all(|&e| self.fits(e, c, l)) {
                    continue;
                }
                let k = cands.iter().filter(|&&(_, e)| self.fits(e, c, l)).count();
                if best.is_none_or(|(b, _, _)| k > b) {
                    best = Some((k, c, l));
                }
            }
        }
        best.map(|(_, class, language)| (class, language))
    }

    /// The pins, then candidates in order that fit and clash with no member, up to the size cap.
    fn greedy_members(
        &self,
        pins: &[u32],
        cands: &[(Milli, u32)],
        class: u32,
        language: u32,
    ) -> Vec<u32> {
        let mut members: Vec<u32> = pins.to_vec();
        for &(_, e) in cands {
            if members.len() as u32 >= self.max_size {
                break;
            }
            let me = &self.mentees[e as usize];
            let org_clash = self.distinct_organizations
                && me.organization.is_some()
                && members
                    .iter()
                    .any(|&x| self.mentees[x as usize].organization == me.organization);
            let apart = self.apart.iter().any(|&(a, b)| {
                (a == e && members.contains(&b)) || (b == e && members.contains(&a))
            });
            if self.fits(e, class, language) && !org_clash && !apart {
                members.push(e);
            }
        }
        members
    }

    /// Number of distinct countries among `members`.
    fn country_count(&self, members: &[u32]) -> usize {
        let mut countries: Vec<u32> = members
            .iter()
            .map(|&e| self.mentees[e as usize].country)
            .collect();
        countries.sort_unstable();
        countries.dedup();
        countries.len()
    }

    /// The best-valued co-mentor with room for lead `j`'s group (lowest index on ties), if any.
    fn greedy_co(
        &self,
        j: u32,
        class: u32,
        language: u32,
        members: &[u32],
        uses: &[u32],
    ) -> Option<u32> {
        self.co_value
            .iter()
            .filter(|&(&(lead, co), _)| {
                let cm = &self.mentors[co as usize];
                lead == j
                    && uses[co as usize] < cm.max_groups
                    && cm.classes.binary_search(&class).is_ok()
                    && cm.languages.binary_search(&language).is_ok()
                    && !members
                        .iter()
                        .any(|&e| self.mentees[e as usize].not_co.contains(&co))
            })
            .max_by_key(|&(&(_, co), &v)| (v, std::cmp::Reverse(co)))
            .map(|(&(_, co), _)| co)
    }
}
