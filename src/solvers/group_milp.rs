//! Group formation as a MILP through `good_lp` (microlp backend).
//!
//! Potential groups are indexed by their lead mentor: mentor `j` may open
//! up to `max_groups(j)` of them. Variables (all binary unless noted):
//!
//! | variable | meaning |
//! |---|---|
//! | `y_g` | group `g` is open |
//! | `x_eg` | mentee `e` is a member of `g` (only if `e` may join `lead(g)`) |
//! | `z_gc` | `g` meets in slot class `c` (a class suiting `lead(g)`) |
//! | `w_gl` | `g` works in language `l` (spoken by `lead(g)` at the level) |
//! | `v_gj` | mentor `j` co-mentors `g` (two mentors per group) |
//! | `d_gk ∈ [0,1]` | `g` has a member from country `k` |
//! | `s_gl ≥ 0` | language points of `g` if it works in `l` |
//!
//! Constraints: `min·y_g ≤ Σ_e x_eg ≤ max·y_g`; `Σ_g x_eg ≤ 1` (`= 1` when
//! every mentee must be grouped); `Σ_c z_gc = y_g`, `x_eg ≤ Σ_{c suits e} z_gc`;
//! `Σ_l w_gl = y_g`, `x_eg ≤ Σ_{l spoken by e} w_gl`; co-mentors likewise
//! (`Σ_j v_gj = y_g`, `v_gj ≤` the classes and languages `j` shares);
//! each mentor in at most `max_groups(j)` groups as lead or co-mentor;
//! distinct organisations `Σ_{e∈o} x_eg ≤ 1`; apart pairs
//! `x_ag + x_bg ≤ 1`; pins `Σ_{g: lead(g)=j} x_eg = 1`; bilateral mentor
//! not co-mentor `x_eg + v_{g,b(e)} ≤ 1`; countries `d_gk ≤ Σ_{e∈k} x_eg`,
//! `d_gk ≤ y_g`, `Σ_k d_gk ≥ min_countries·y_g`; `s_gl ≤ Σ_e lang(e,l)·x_eg`,
//! `s_gl ≤ M·w_gl`; an exact count `Σ y_g = n`; and `y_{j,k} ≥ y_{j,k+1}`
//! to break symmetry between a mentor's groups.
//!
//! Objective, lexicographic in stages (each stage fixes the previous
//! optimum): grouped mentees (when grouping is optional), then the number of
//! groups (when a goal is set), then the score
//! `Σ value(e, lead)·x + Σ s + diversity·(Σ d − Σ y) + Σ co(lead, j)·v`,
//! in integer milli-points.

use std::collections::BTreeMap;

use good_lp::{
    constraint, microlp, variable, Expression, ProblemVariables, ResolutionError, Solution,
    SolverModel, Variable, WithInitialSolution, WithMipGap, WithTimeLimit,
};

use super::Deadline;
use crate::model::{CountGoal, Milli};

/// A mentor as the group model sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupMentor {
    /// Groups it may lead or co-mentor.
    pub max_groups: u32,
    /// Slot classes suiting it, sorted.
    pub classes: Vec<u32>,
    /// Languages it speaks at the level, sorted.
    pub languages: Vec<u32>,
}

/// A mentee as the group model sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupMentee {
    /// Slot classes suiting it, sorted.
    pub classes: Vec<u32>,
    /// Languages it speaks at the level, with their points (milli), sorted.
    pub languages: Vec<(u32, Milli)>,
    /// Country (interned).
    pub country: u32,
    /// Organisation (interned).
    pub organization: Option<u32>,
    /// Mentors it may join as lead, with the member's points (milli).
    pub leads: Vec<(u32, Milli)>,
    /// A mentor that may not co-mentor its group (its bilateral mentor).
    pub not_co: Option<u32>,
}

/// The group formation problem.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupInstance {
    /// Mentors.
    pub mentors: Vec<GroupMentor>,
    /// Mentees.
    pub mentees: Vec<GroupMentee>,
    /// Co-mentor points (milli) per (lead, co-mentor); only pairs listed may co-mentor.
    pub co_value: BTreeMap<(u32, u32), Milli>,
    /// Mentors per group: 1 or 2.
    pub mentors_per_group: u32,
    /// Size bounds.
    pub min_size: u32,
    /// Size bounds.
    pub max_size: u32,
    /// Exact number of groups.
    pub count: Option<u32>,
    /// Preference on the number of groups.
    pub goal: CountGoal,
    /// Every mentee must be grouped.
    pub require_all: bool,
    /// No two members from one organisation.
    pub distinct_organizations: bool,
    /// Minimum distinct member countries.
    pub min_countries: u32,
    /// Points (milli) per distinct country beyond the first.
    pub diversity: Milli,
    /// (mentee, lead mentor) pins.
    pub pinned: Vec<(u32, u32)>,
    /// Mentee pairs kept apart.
    pub apart: Vec<(u32, u32)>,
    /// Relative gap at which to stop.
    pub mip_gap: f64,
}

/// A formed group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormedGroup {
    /// Lead mentor.
    pub lead: u32,
    /// Co-mentor.
    pub co: Option<u32>,
    /// Members, ascending.
    pub members: Vec<u32>,
    /// Slot class.
    pub class: u32,
    /// Working language.
    pub language: u32,
}

/// The solver's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSolution {
    /// Groups, by lead then creation order.
    pub groups: Vec<FormedGroup>,
    /// Proven optimal (within `mip_gap`) at every stage.
    pub optimal: bool,
    /// Final-stage objective (milli-points).
    pub objective: f64,
    /// Final-stage proven bound.
    pub bound: f64,
    /// Relative gap of the final stage.
    pub gap: f64,
    /// Model size.
    pub variables: usize,
    /// Model size.
    pub constraints: usize,
}

/// Why no grouping came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    /// The hard rules admit no grouping.
    #[error("no grouping satisfies the hard rules")]
    Infeasible,
    /// Time ran out before any grouping was found.
    #[error("deadline reached")]
    Deadline,
    /// The backend failed.
    #[error("{0}")]
    Backend(String),
}

struct Vars {
    y: Vec<Variable>,
    lead: Vec<u32>,
    x: Vec<Vec<(u32, Variable)>>,
    z: Vec<Vec<(u32, Variable)>>,
    w: Vec<Vec<(u32, Variable)>>,
    v: Vec<Vec<(u32, Variable)>>,
    d: Vec<Vec<(u32, Variable)>>,
    s: Vec<Vec<(u32, Variable)>>,
    count: usize,
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

fn intersects(a: &[u32], b: &[u32]) -> bool {
    a.iter().any(|x| b.binary_search(x).is_ok())
}

impl GroupInstance {
    /// The model: every variable (in a fixed order) and every constraint.
    fn build(&self, vars: &mut ProblemVariables) -> (Vars, Vec<good_lp::Constraint>) {
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

    /// One co-mentor for open `g`, sharing its class and language, never a member's bilateral mentor.
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
                if self.mentees[e as usize].not_co == Some(j) {
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

    fn score(&self, v: &Vars) -> Expression {
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

    /// Solves the instance within the deadline. When time runs out, the
    /// best grouping known (from the MILP, an earlier stage, or a greedy
    /// start) comes back with `optimal = false`; an unknown bound is NaN.
    pub fn solve(&self, deadline: Deadline) -> Result<GroupSolution, GroupError> {
        let greedy = self.greedy();
        let mut fallback: Option<Vec<FormedGroup>> = greedy.clone();
        let mut fixed: Vec<(Stage, f64)> = Vec::new();
        let mut optimal = true;
        let mut stages = Vec::new();
        if !self.require_all {
            stages.push(Stage::Coverage);
        }
        if self.count.is_none() && self.goal != CountGoal::None {
            stages.push(if self.goal == CountGoal::Fewest {
                Stage::Fewest
            } else {
                Stage::Most
            });
        }
        stages.push(Stage::Score);
        for stage in stages {
            match self.stage(stage, &fixed, deadline, greedy.as_deref()) {
                Ok(mut sol) if stage == Stage::Score => {
                    sol.optimal &= optimal;
                    return Ok(sol);
                }
                Ok(sol) => {
                    let (val, opt) = sol.summary();
                    optimal &= opt;
                    // The stage maximised −groups for Fewest: fix the count itself.
                    fixed.push((stage, if stage == Stage::Fewest { -val } else { val }));
                    fallback = Some(sol.groups);
                }
                Err(GroupError::Deadline) => {
                    return match fallback {
                        Some(groups) => Ok(GroupSolution {
                            objective: self.evaluate(&groups) as f64,
                            groups,
                            optimal: false,
                            bound: f64::NAN,
                            gap: f64::NAN,
                            variables: 0,
                            constraints: 0,
                        }),
                        None => Err(GroupError::Deadline),
                    };
                }
                Err(e) => return Err(e),
            }
        }
        Err(GroupError::Backend("no stage ran".into()))
    }

    /// Score (milli) of a grouping, as the final stage counts it.
    pub fn evaluate(&self, groups: &[FormedGroup]) -> Milli {
        let mut total = 0;
        for g in groups {
            let mut countries = Vec::new();
            for &e in &g.members {
                let me = &self.mentees[e as usize];
                total += me
                    .leads
                    .iter()
                    .find(|&&(l, _)| l == g.lead)
                    .map_or(0, |&(_, p)| p);
                total += me
                    .languages
                    .iter()
                    .find(|&&(l, _)| l == g.language)
                    .map_or(0, |&(_, p)| p);
                if !countries.contains(&me.country) {
                    countries.push(me.country);
                }
            }
            total += self.diversity * (countries.len() as Milli - 1);
            if let Some(co) = g.co {
                total += self.co_value.get(&(g.lead, co)).copied().unwrap_or(0);
            }
        }
        total
    }

    /// A feasible grouping built greedily (best-valued members first), or
    /// `None` when the greedy pass cannot satisfy every hard rule.
    pub fn greedy(&self) -> Option<Vec<FormedGroup>> {
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
                        .any(|&e| self.mentees[e as usize].not_co == Some(co))
            })
            .max_by_key(|&(&(_, co), &v)| (v, std::cmp::Reverse(co)))
            .map(|(&(_, co), _)| co)
    }

    /// One stage; a warm-started solve that fails inside the backend (microlp
    /// can report a singular basis from some starts) is retried cold.
    fn stage(
        &self,
        stage: Stage,
        fixed: &[(Stage, f64)],
        deadline: Deadline,
        hint: Option<&[FormedGroup]>,
    ) -> Result<GroupSolution, GroupError> {
        match self.stage_once(stage, fixed, deadline, hint) {
            Err(GroupError::Backend(_)) if hint.is_some() => {
                self.stage_once(stage, fixed, deadline, None)
            }
            other => other,
        }
    }

    fn stage_once(
        &self,
        stage: Stage,
        fixed: &[(Stage, f64)],
        deadline: Deadline,
        hint: Option<&[FormedGroup]>,
    ) -> Result<GroupSolution, GroupError> {
        let mut vars = ProblemVariables::new();
        let (v, mut cons) = self.build(&mut vars);
        let hint = hint.map(|h| self.hint(&v, h));
        let grouped: Expression = v.x.iter().flatten().map(|&(_, x)| x).sum();
        let open: Expression = v.y.iter().copied().sum();
        for &(s, val) in fixed {
            match s {
                Stage::Coverage => cons.push(constraint!(grouped.clone() >= val - 0.5)),
                Stage::Fewest | Stage::Most => cons.push(constraint!(open.clone() == val)),
                Stage::Score => {}
            }
        }
        let objective = match stage {
            Stage::Coverage => grouped,
            Stage::Fewest => -open,
            Stage::Most => open,
            Stage::Score => self.score(&v),
        };
        let n_cons = cons.len();
        let mut model = vars.maximise(objective).using(microlp);
        if let Some(rem) = deadline.remaining() {
            if rem.is_zero() {
                return Err(GroupError::Deadline);
            }
            // microlp reads its clock between iterations and can overrun:
            // give it 80 % of what is left so that the deadline holds.
            model = model.with_time_limit(rem.as_secs_f64() * 0.8);
        }
        if self.mip_gap > 0.0 {
            model = model
                .with_mip_gap(self.mip_gap as f32)
                .map_err(|e| GroupError::Backend(format!("{e:?}")))?;
        }
        if let Some(h) = hint {
            model = model.with_initial_solution(h);
        }
        for c in cons {
            model = model.with(c);
        }
        let sol = model.solve().map_err(|e| match e {
            ResolutionError::Infeasible => GroupError::Infeasible,
            ResolutionError::Other(m) if m.contains("Time limit") => GroupError::Deadline,
            other => GroupError::Backend(format!("MILP backend: {other}")),
        })?;
        let value = |x: Variable| sol.value(x) > 0.5;
        let mut groups = Vec::new();
        for g in 0..v.y.len() {
            if !value(v.y[g]) {
                continue;
            }
            let members: Vec<u32> = v.x[g]
                .iter()
                .filter(|&&(_, x)| value(x))
                .map(|&(e, _)| e)
                .collect();
            let class = v.z[g]
                .iter()
                .find(|&&(_, z)| value(z))
                .map_or(0, |&(k, _)| k);
            let language = v.w[g]
                .iter()
                .find(|&&(_, w)| value(w))
                .map_or(0, |&(l, _)| l);
            let co = v.v[g].iter().find(|&&(_, x)| value(x)).map(|&(j, _)| j);
            groups.push(FormedGroup {
                lead: v.lead[g],
                co,
                members,
                class,
                language,
            });
        }
        let inner = sol.into_inner();
        let objective = inner.objective();
        let gap = inner.gap().unwrap_or(0.0);
        let bound = inner.stats().best_bound.unwrap_or(objective);
        let optimal = matches!(
            inner.termination_reason(),
            microlp::TerminationReason::ProvenOptimal
        ) || (self.mip_gap > 0.0 && gap <= self.mip_gap);
        Ok(GroupSolution {
            groups,
            optimal,
            objective,
            bound,
            gap,
            variables: v.count,
            constraints: n_cons,
        })
    }
}

impl GroupInstance {
    /// Values of every variable for a known grouping (a warm start).
    fn hint(&self, v: &Vars, groups: &[FormedGroup]) -> Vec<(Variable, f64)> {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Coverage,
    Fewest,
    Most,
    Score,
}

impl GroupSolution {
    fn summary(&self) -> (f64, bool) {
        (self.objective.round(), self.optimal)
    }
}

/// Whether mentee `e` could join a group led by `j` at all (a shared class
/// and language); the caller filters `leads` with it.
pub fn compatible(m: &GroupMentor, e: &GroupMentee) -> bool {
    intersects(&m.classes, &e.classes)
        && e.languages
            .iter()
            .any(|(l, _)| m.languages.binary_search(l).is_ok())
}
