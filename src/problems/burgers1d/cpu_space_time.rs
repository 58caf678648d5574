//! The whole Burgers theta march as one space-time system `F(v) = 0`, solved by the same Newton
//! driver as heat1d ([`crate::solver::newton::newton_solve`]).
//!
//! Unknowns: levels `v_0 .. v_{nt-1}` of n points, stored level after level. Rows: block 0 is
//! `v_0 - u(x, 0)`; block `i >= 1` is the scaled theta step from `v_{i-1}` to `v_i`,
//! `G(v_i; q_i)` with `q_i = v_{i-1} + (1 - theta) dt L(v_{i-1})` (see [`super::stencil`]).
//!
//! The Jacobian is block lower-bidiagonal: diagonal blocks `I` (block 0) and the cyclic
//! tridiagonal `dG/dv_i`; below them `dG_i/dv_{i-1} = -g (I + (1 - theta) dt L'(v_{i-1}))`.
//! A Newton direction is therefore a forward march: `dv_0 = -(v_0 - u_0)`, then for each level
//! one cyclic solve `(dG/dv_i) dv_i = -G_i + g (I + (1 - theta) dt L'(v_{i-1})) dv_{i-1}`, whose
//! rows (and their right sides, from `v_{i-1}`, `v_i` and `dv_{i-1}`) are assembled inside the
//! solver's forward sweep.
//!
//! Memory: iterate, direction and trial of all `nt n` unknowns, and one level's solver scratch.
//! Nothing is allocated after [`CpuBurgersSpaceTime::new`].

use crate::error::{Error, Result};
use crate::linalg::cyclic::CyclicTridiag;
use crate::linalg::max_abs::{abs_bits, max_abs};
use crate::memory::ensure_fits;
use crate::solver::newton::{DirectionNorms, NewtonSystem};

use super::exact::initial_level;
use super::params::{Burgers1D, Stepping};
use super::stencil::{
    explicit_row, periodic_stencil, stage_jacobian, stage_residual, ExplicitCoefficients,
    StageCoefficients,
};

/// `(I + (1 - theta) dt L'(u)) d` at point j, from the stencils of u and d.
#[inline(always)]
fn explicit_linearised(e: &ExplicitCoefficients, u: [f64; 3], d: [f64; 3]) -> f64 {
    d[1] + e.diffusion * (d[2] - 2.0 * d[1] + d[0])
        - 2.0 * e.convection * (u[2] * d[2] - u[0] * d[0])
}

/// The space-time system of one Burgers problem with fixed steps.
pub struct CpuBurgersSpaceTime {
    n: usize,
    levels: usize,
    stage: StageCoefficients,
    explicit: ExplicitCoefficients,
    initial: Vec<f64>,
    iterate: Vec<f64>,
    direction: Vec<f64>,
    trial: Vec<f64>,
    solver: CyclicTridiag,
    u_scale: f64,
}

impl CpuBurgersSpaceTime {
    /// All `steps + 1` levels of `problem` (fixed stepping), every level guessed as the initial
    /// one. Validates and checks memory before allocating.
    pub fn new(problem: &Burgers1D) -> Result<CpuBurgersSpaceTime> {
        problem.validate()?;
        let Stepping::Fixed { steps } = problem.stepping else {
            return Err(Error::invalid(
                "tol",
                "adaptive",
                "the all-at-once space-time solve needs fixed steps (--steps)",
            ));
        };
        let levels = steps + 1;
        ensure_fits(
            "all-at-once Burgers solve (iterate, direction, trial of every level)",
            problem.space_time_memory_bytes(levels),
            "march step by step instead (memory O(n))",
        )?;
        let (n, dx, dt) = (problem.n, problem.dx(), problem.t_end / steps as f64);
        let initial = initial_level(problem);
        let iterate: Vec<f64> = (0..levels).flat_map(|_| initial.iter().copied()).collect();
        let explicit = ExplicitCoefficients::new(problem.nu, dx, (1.0 - problem.theta) * dt);
        let mut q = vec![0.0; n];
        for (j, qj) in q.iter_mut().enumerate() {
            *qj = explicit_row(&explicit, periodic_stencil(&initial, j));
        }
        Ok(CpuBurgersSpaceTime {
            n,
            levels,
            stage: StageCoefficients::new(problem.nu, dx, problem.theta * dt),
            explicit,
            u_scale: max_abs(&initial).max(max_abs(&q)),
            initial,
            direction: vec![0.0; n * levels],
            trial: vec![0.0; n * levels],
            iterate,
            solver: CyclicTridiag::new(n)?,
        })
    }

    /// Level `i` of the iterate.
    pub fn level(&self, i: usize) -> &[f64] {
        &self.iterate[i * self.n..(i + 1) * self.n]
    }

    pub fn levels(&self) -> usize {
        self.levels
    }

    /// Scaled residual max-norm of `v` (all blocks).
    fn residual_norm_of(&self, v: &[f64]) -> f64 {
        let n = self.n;
        let mut max = v[..n]
            .iter()
            .zip(&self.initial)
            .fold(0, |m, (a, b)| abs_bits(a - b).max(m));
        for pair in v.windows(2 * n).step_by(n) {
            let (old, new) = pair.split_at(n);
            for j in 0..n {
                let q = explicit_row(&self.explicit, periodic_stencil(old, j));
                max = abs_bits(stage_residual(&self.stage, periodic_stencil(new, j), q)).max(max);
            }
        }
        f64::from_bits(max as u64)
    }
}

impl NewtonSystem for CpuBurgersSpaceTime {
    fn residual_norm(&mut self) -> Result<f64> {
        Ok(self.residual_norm_of(&self.iterate))
    }

    fn newton_direction(&mut self) -> Result<DirectionNorms> {
        let n = self.n;
        let (stage, explicit) = (&self.stage, &self.explicit);
        let mut step = 0;
        for ((d, v), u0) in self.direction[..n]
            .iter_mut()
            .zip(&self.iterate[..n])
            .zip(&self.initial)
        {
            *d = u0 - v;
            step = abs_bits(*d).max(step);
        }
        let mut step = f64::from_bits(step as u64);
        for i in 1..self.levels {
            let (done, rest) = self.direction.split_at_mut(i * n);
            let (d_old, d_new) = (&done[(i - 1) * n..], &mut rest[..n]);
            let v_old = &self.iterate[(i - 1) * n..i * n];
            let v_new = &self.iterate[i * n..(i + 1) * n];
            let level_step = self.solver.solve_rows(
                #[inline(always)]
                |k| {
                    let (u, w) = (periodic_stencil(v_old, k), periodic_stencil(v_new, k));
                    let q = explicit_row(explicit, u);
                    let coupling = explicit_linearised(explicit, u, periodic_stencil(d_old, k));
                    let [lower, diag, upper] = stage_jacobian(stage, w);
                    let rhs = -stage_residual(stage, w, q) + stage.scale * coupling;
                    [lower, diag, upper, rhs]
                },
                d_new,
            )?;
            step = step.max(level_step);
        }
        Ok(DirectionNorms {
            step,
            iterate: max_abs(&self.iterate),
        })
    }

    fn trial_residual_norm(&mut self, lambda: f64) -> Result<f64> {
        for ((t, v), d) in self
            .trial
            .iter_mut()
            .zip(&self.iterate)
            .zip(&self.direction)
        {
            *t = v + lambda * d;
        }
        Ok(self.residual_norm_of(&self.trial))
    }

    fn accept_trial(&mut self) {
        std::mem::swap(&mut self.iterate, &mut self.trial);
    }

    fn rounding_floor(&self) -> f64 {
        self.stage.rounding_floor(self.u_scale, f64::EPSILON)
    }
}
