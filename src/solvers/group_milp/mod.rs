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

mod formulation;
mod greedy;
mod instance;

use good_lp::{constraint, microlp, Expression, ProblemVariables, SolverModel, Variable};

use crate::model::{CountGoal, Milli};
use crate::solvers::microlp_run::{self, Stopped, VarIndex};
use crate::solvers::Deadline;

pub(crate) use instance::compatible;
pub use instance::{
    FormedGroup, GroupError, GroupInstance, GroupMentee, GroupMentor, GroupSolution,
};

impl GroupInstance {
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
            match self.stage(stage, &fixed, &deadline, greedy.as_deref()) {
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
                Err(GroupError::Deadline) if deadline.cancelled() => {
                    return Err(GroupError::Deadline)
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
    pub(crate) fn evaluate(&self, groups: &[FormedGroup]) -> Milli {
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

    /// One stage; a warm-started solve that fails inside the backend (microlp
    /// can report a singular basis from some starts) is retried cold.
    fn stage(
        &self,
        stage: Stage,
        fixed: &[(Stage, f64)],
        deadline: &Deadline,
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
        deadline: &Deadline,
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
        let index = VarIndex::of(&vars);
        let mut model = vars.maximise(objective).using(microlp);
        for c in cons {
            model = model.with(c);
        }
        let sol = microlp_run::solve(&model, index, hint.as_deref(), self.mip_gap, deadline)
            .map_err(|stop| match stop {
                Stopped::Infeasible => GroupError::Infeasible,
                Stopped::Deadline | Stopped::Cancelled => GroupError::Deadline,
                Stopped::Backend(m) => GroupError::Backend(m),
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
        let gap = sol.gap.unwrap_or(0.0);
        let bound = sol.bound.unwrap_or(sol.objective);
        let optimal = sol.proven || (self.mip_gap > 0.0 && gap <= self.mip_gap);
        let objective = sol.objective;
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

/// The objective of one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Grouped mentees.
    Coverage,
    /// Fewest groups.
    Fewest,
    /// Most groups.
    Most,
    /// Total score.
    Score,
}

impl GroupSolution {
    /// Rounded objective and whether it is proven.
    fn summary(&self) -> (f64, bool) {
        (self.objective.round(), self.optimal)
    }
}
