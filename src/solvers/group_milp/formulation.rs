//! The MILP of a group instance: its variables in a fixed order, its
//! constraints, its score, and the variable values of a known grouping.

use std::collections::BTreeMap;

use good_lp::{constraint, variable, Expression, ProblemVariables, Variable};

use super::instance::{FormedGroup, GroupInstance};
use crate::model::Milli;

/// The model's variables, per potential group `g` (`lead[g]` its lead).
pub(super) struct Vars {
    pub(super) y: Vec<Variable>,
    pub(super) lead: Vec<u32>,
    pub(super) x: Vec<Vec<(u32, Variable)>>,
    pub(super) z: Vec<Vec<(u32, Variable)>>,
    pub(super) w: Vec<Vec<(u32, Variable)>>,
    pub(super) v: Vec<Vec<(u32, Variable)>>,
    pub(super) d: Vec<Vec<(u32, Variable)>>,
    pub(super) s: Vec<Vec<(u32, Variable)>>,
    pub(super) count: usize,
}

/// Σ of the variables whose key passes `keep`.
fn sum_where(vars: &[(u32, Variable)], keep: impl Fn(u32) -> bool) -> Expression {
    vars.iter()
        .filter(|&&(k, _)| keep(k))
        .map(|&(_, v)| v)
        .sum()
}

/// Adds one variable to the model and counts it.
fn add_var(
    vars: &mut ProblemVariables,
    count: &mut usize,
    var: good_lp::VariableDefinition,
) -> Variable {
    *count += 1;
    vars.add(var)
}

impl GroupInstance {
    /// The model: every variable (in a fixed order) and every constraint.
    pub(super) fn build(&self, vars: &mut ProblemVariables) -> (Vars, Vec<good_lp::Constraint>) {
        let mut v = Vars {
            y: Vec::new(),
            lead: self.group_leads(),
            x: Vec::new(),
            z: Vec::new(),
            w: Vec::new(),
            v: Vec::new(),
            d: Vec::new(),
            s: Vec::new(),
            count: 0,
        };
        for g in 0..v.lead.len() {
            let j = v.lead[g];
            self.add_group_vars(vars, &mut v, j);
        }
        let big_lang = self.language_big_m();
        let mut c = Vec::new();
        for g in 0..v.y.len() {
            self.group_constraints(&v, g, big_lang, &mut c);
        }
        self.mentee_constraints(&v, &mut c);
        self.mentor_limit_constraints(&v, &mut c);
        if let Some(k) = self.count {
            let open: Expression = v.y.iter().copied().sum();
            c.push(constraint!(open == f64::from(k)));
        }
        (v, c)
    }

    /// Lead mentor of each potential group: mentor `j` repeated `max_groups(j)` times (capped).
    fn group_leads(&self) -> Vec<u32> {
        let n = self.mentees.len() as u32;
        let most_groups = n.checked_div(self.min_size).unwrap_or(n);
        let mut lead = Vec::new();
        for (j, m) in self.mentors.iter().enumerate() {
            for _ in 0..m.max_groups.min(most_groups) {
                lead.push(j as u32);
            }
        }
        lead
    }

    /// Creates the variables of one more group, led by `j`, in the order y, x, z, w, v, d, s.
    fn add_group_vars(&self, vars: &mut ProblemVariables, v: &mut Vars, j: u32) {
        let n = self.mentees.len() as u32;
        let m = &self.mentors[j as usize];
        v.y.push(add_var(vars, &mut v.count, variable().binary()));
        let members: Vec<(u32, Variable)> = (0..n)
            .filter(|&e| self.mentees[e as usize].leads.iter().any(|&(l, _)| l == j))
            .map(|e| (e, add_var(vars, &mut v.count, variable().binary())))
            .collect();
        v.x.push(members);
        v.z.push(
            m.classes
                .iter()
                .map(|&k| (k, add_var(vars, &mut v.count, variable().binary())))
                .collect(),
        );
        v.w.push(
            m.languages
                .iter()
                .map(|&l| (l, add_var(vars, &mut v.count, variable().binary())))
                .collect(),
        );
        let co: Vec<(u32, Variable)> = if self.mentors_per_group == 2 {
            self.co_value
                .keys()
                .filter(|&&(lead, _)| lead == j)
                .map(|&(_, co)| (co, add_var(vars, &mut v.count, variable().binary())))
                .collect()
        } else {
            Vec::new()
        };
        v.v.push(co);
        let mut countries: Vec<u32> = v.x.last().map_or(Vec::new(), |xs| {
            xs.iter()
                .map(|&(e, _)| self.mentees[e as usize].country)
                .collect()
        });
        countries.sort_unstable();
        countries.dedup();
        v.d.push(
            countries
                .into_iter()
                .map(|k| (k, add_var(vars, &mut v.count, variable().min(0.0).max(1.0))))
                .collect(),
        );
        v.s.push(
            m.languages
                .iter()
                .map(|&l| (l, add_var(vars, &mut v.count, variable().min(0.0))))
                .collect(),
        );
    }

    /// Big-M of the language points: the most points one group can collect in a language.
    fn language_big_m(&self) -> f64 {
        let max_lang = self
            .mentees
            .iter()
            .flat_map(|e| e.languages.iter().map(|&(_, p)| p))
            .max()
            .unwrap_or(0) as f64;
        max_lang * f64::from(self.max_size)
    }

    /// All constraints of group `g` alone, in the model's fixed order.
    fn group_constraints(
        &self,
        v: &Vars,
        g: usize,
        big_lang: f64,
        c: &mut Vec<good_lp::Constraint>,
    ) {
        self.size_class_language_constraints(v, g, c);
        if self.mentors_per_group == 2 {
            self.co_mentor_constraints(v, g, c);
        }
        self.country_constraints(v, g, c);
        self.language_point_constraints(v, g, big_lang, c);
        if self.distinct_organizations {
            self.organization_constraints(v, g, c);
        }
        self.apart_constraints(v, g, c);
        if g > 0 && v.lead[g - 1] == v.lead[g] {
            let (prev, y) = (v.y[g - 1], v.y[g]);
            c.push(constraint!(prev >= y));
        }
    }

    /// Size bounds of `g`, one class and one language when open, each member suiting both.
    fn size_class_language_constraints(
        &self,
        v: &Vars,
        g: usize,
        c: &mut Vec<good_lp::Constraint>,
    ) {
        let y = v.y[g];
        let size: Expression = v.x[g].iter().map(|&(_, x)| x).sum();
        c.push(constraint!(size.clone() <= f64::from(self.max_size) * y));
        c.push(constraint!(size >= f64::from(self.min_size) * y));
        let zs: Expression = v.z[g].iter().map(|&(_, z)| z).sum();
        c.push(constraint!(zs == y));
        let ws: Expression = v.w[g].iter().map(|&(_, w)| w).sum();
        c.push(constraint!(ws == y));
        for &(e, x) in &v.x[g] {
            let me = &self.mentees[e as usize];
            let cz = sum_where(&v.z[g], |k| me.classes.binary_search(&k).is_ok());
            c.push(constraint!(x <= cz));
            let cw = sum_where(&v.w[g], |l| me.languages.iter().any(|&(ml, _)| ml == l));
            c.push(constraint!(x <= cw));
        }
    }

    /// One co-mentor for open `g`, sharing its class and language, never one
    /// of a member's bilateral mentors.
    fn co_mentor_constraints(&self, v: &Vars, g: usize, c: &mut Vec<good_lp::Constraint>) {
        let y = v.y[g];
        let vs: Expression = v.v[g].iter().map(|&(_, x)| x).sum();
        c.push(constraint!(vs == y));
        for &(j, vj) in &v.v[g] {
            let cm = &self.mentors[j as usize];
            let cz = sum_where(&v.z[g], |k| cm.classes.binary_search(&k).is_ok());
            c.push(constraint!(vj <= cz));
            let cw = sum_where(&v.w[g], |l| cm.languages.binary_search(&l).is_ok());
            c.push(constraint!(vj <= cw));
            for &(e, x) in &v.x[g] {
                if self.mentees[e as usize].not_co.contains(&j) {
                    c.push(constraint!(x + vj <= 1));
                }
            }
        }
    }

    /// Country indicators of `g` (a member from there, group open) and the minimum of countries.
    fn country_constraints(&self, v: &Vars, g: usize, c: &mut Vec<good_lp::Constraint>) {
        let y = v.y[g];
        for &(k, dk) in &v.d[g] {
            let from: Expression = v.x[g]
                .iter()
                .filter(|&&(e, _)| self.mentees[e as usize].country == k)
                .map(|&(_, x)| x)
                .sum();
            c.push(constraint!(dk <= from));
            c.push(constraint!(dk <= y));
        }
        if self.min_countries > 1 {
            let ds: Expression = v.d[g].iter().map(|&(_, d)| d).sum();
            c.push(constraint!(ds >= f64::from(self.min_countries) * y));
        }
    }

    /// Language points of `g`: at most its members' points, and only in its working language.
    fn language_point_constraints(
        &self,
        v: &Vars,
        g: usize,
        big_lang: f64,
        c: &mut Vec<good_lp::Constraint>,
    ) {
        for &(l, sl) in &v.s[g] {
            let pts: Expression = v.x[g]
                .iter()
                .filter_map(|&(e, x)| {
                    self.mentees[e as usize]
                        .languages
                        .iter()
                        .find(|(ml, _)| *ml == l)
                        .map(|&(_, p)| p as f64 * x)
                })
                .sum();
            c.push(constraint!(sl <= pts));
            let wl = v.w[g].iter().find(|(wl, _)| *wl == l).map(|&(_, w)| w);
            if let Some(wl) = wl {
                c.push(constraint!(sl <= big_lang * wl));
            }
        }
    }

    /// At most one member of `g` per organisation (organisations with several candidates).
    fn organization_constraints(&self, v: &Vars, g: usize, c: &mut Vec<good_lp::Constraint>) {
        let mut orgs: BTreeMap<u32, Vec<Variable>> = BTreeMap::new();
        for &(e, x) in &v.x[g] {
            if let Some(o) = self.mentees[e as usize].organization {
                orgs.entry(o).or_default().push(x);
            }
        }
        for xs in orgs.into_values().filter(|xs| xs.len() > 1) {
            let sum: Expression = xs.into_iter().sum();
            c.push(constraint!(sum <= 1));
        }
    }

    /// Mentee pairs kept apart are never both members of `g`.
    fn apart_constraints(&self, v: &Vars, g: usize, c: &mut Vec<good_lp::Constraint>) {
        for &(a, b) in &self.apart {
            let xa = v.x[g].iter().find(|(e, _)| *e == a).map(|&(_, x)| x);
            let xb = v.x[g].iter().find(|(e, _)| *e == b).map(|&(_, x)| x);
            if let (Some(xa), Some(xb)) = (xa, xb) {
                c.push(constraint!(xa + xb <= 1));
            }
        }
    }

    /// Per mentee: at most (or exactly) one group; pins to their lead's groups.
    fn mentee_constraints(&self, v: &Vars, c: &mut Vec<good_lp::Constraint>) {
        let n = self.mentees.len();
        let mut per_mentee: Vec<Vec<(usize, Variable)>> = vec![Vec::new(); n];
        for g in 0..v.y.len() {
            for &(e, x) in &v.x[g] {
                per_mentee[e as usize].push((g, x));
            }
        }
        for (e, xs) in per_mentee.iter().enumerate() {
            let sum: Expression = xs.iter().map(|&(_, x)| x).sum();
            if self.require_all {
                c.push(constraint!(sum == 1));
            } else if !xs.is_empty() {
                c.push(constraint!(sum <= 1));
            }
            for &(_, j) in self.pinned.iter().filter(|&&(pe, _)| pe as usize == e) {
                let to_j: Expression = xs
                    .iter()
                    .filter(|&&(g, _)| v.lead[g] == j)
                    .map(|&(_, x)| x)
                    .sum();
                c.push(constraint!(to_j == 1));
            }
        }
    }

    /// Mentor limits across lead and co-mentor roles.
    fn mentor_limit_constraints(&self, v: &Vars, c: &mut Vec<good_lp::Constraint>) {
        for (j, m) in self.mentors.iter().enumerate() {
            let j = j as u32;
            let mut uses: Expression =
                v.y.iter()
                    .zip(&v.lead)
                    .filter(|(_, &l)| l == j)
                    .map(|(&y, _)| y)
                    .sum();
            for vg in &v.v {
                for &(co, var) in vg {
                    if co == j {
                        uses += var;
                    }
                }
            }
            c.push(constraint!(uses <= f64::from(m.max_groups)));
        }
    }

    pub(super) fn score(&self, v: &Vars) -> Expression {
        let mut obj = Expression::from(0.0);
        for g in 0..v.y.len() {
            let lead = v.lead[g];
            for &(e, x) in &v.x[g] {
                let pts = self.mentees[e as usize]
                    .leads
                    .iter()
                    .find(|&&(l, _)| l == lead)
                    .map_or(0, |&(_, p)| p);
                obj += pts as f64 * x;
            }
            for &(_, s) in &v.s[g] {
                obj += s;
            }
            for &(_, d) in &v.d[g] {
                obj += self.diversity as f64 * d;
            }
            obj -= self.diversity as f64 * v.y[g];
            for &(co, var) in &v.v[g] {
                obj += self.co_value.get(&(lead, co)).copied().unwrap_or(0) as f64 * var;
            }
        }
        obj
    }

    /// Values of every variable for a known grouping (a warm start).
    pub(super) fn hint(&self, v: &Vars, groups: &[FormedGroup]) -> Vec<(Variable, f64)> {
        let mut out = Vec::new();
        let mut next: BTreeMap<u32, usize> = BTreeMap::new();
        let mut slot_of: Vec<Option<&FormedGroup>> = vec![None; v.y.len()];
        for fg in groups {
            let k = next.entry(fg.lead).or_insert(0);
            let found = (0..v.y.len()).filter(|&g| v.lead[g] == fg.lead).nth(*k);
            *k += 1;
            if let Some(g) = found {
                slot_of[g] = Some(fg);
            }
        }
        let on = |b: bool| if b { 1.0 } else { 0.0 };
        for (g, fg) in slot_of.iter().enumerate() {
            let fg = *fg;
            out.push((v.y[g], on(fg.is_some())));
            for &(e, x) in &v.x[g] {
                out.push((x, on(fg.is_some_and(|f| f.members.contains(&e)))));
            }
            for &(c, z) in &v.z[g] {
                out.push((z, on(fg.is_some_and(|f| f.class == c))));
            }
            for &(l, w) in &v.w[g] {
                out.push((w, on(fg.is_some_and(|f| f.language == l))));
            }
            for &(j, x) in &v.v[g] {
                out.push((x, on(fg.is_some_and(|f| f.co == Some(j)))));
            }
            for &(k, d) in &v.d[g] {
                let present = fg.is_some_and(|f| {
                    f.members
                        .iter()
                        .any(|&e| self.mentees[e as usize].country == k)
                });
                out.push((d, on(present)));
            }
            for &(l, s) in &v.s[g] {
                let pts: Milli = match fg {
                    Some(f) if f.language == l => f
                        .members
                        .iter()
                        .filter_map(|&e| {
                            self.mentees[e as usize]
                                .languages
                                .iter()
                                .find(|&&(x, _)| x == l)
                        })
                        .map(|&(_, p)| p)
                        .sum(),
                    _ => 0,
                };
                out.push((s, pts as f64));
            }
        }
        out
    }
}
