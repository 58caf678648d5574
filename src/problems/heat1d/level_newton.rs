//! Newton on one level of P1: the unknown is a level `w` (nx values) and `previous` is data,
//! the old level of a theta step or the explicit part `q` of a TR-BDF2 stage (theta = 1,
//! dt = c). Rows: the boundary identities `w_0 - T_x0`, `w_last - T_xL` and the energy rows
//! scaled by `energy_scale` (temperature units). The Jacobian is tridiagonal, so a direction is
//! one Thomas solve. Every array is allocated in [`LevelNewton::new`]; iterations allocate
//! nothing.

use crate::linalg::max_abs::{max_abs, max_abs2, MaxAbsLanes};
use crate::linalg::thomas::thomas_solve;
use crate::solver::newton::DirectionNorms;

use super::kernels::heat_residual::{fold_energy_levels, FLAT};
use super::kernels::params::{energy_stencil, level_stencils, HeatParams};

/// The level's Newton state and scratch. Fields are public to the two systems built on it
/// (`cpu::CpuStep`, `adaptive::stepper::HeatStage`), which set `params` and `previous`.
pub struct LevelNewton {
    pub params: HeatParams,
    pub previous: Vec<f64>,
    /// The Newton iterate w.
    pub iterate: Vec<f64>,
    pub direction: Vec<f64>,
    pub trial: Vec<f64>,
    pub lower: Vec<f64>,
    pub diag: Vec<f64>,
    pub upper: Vec<f64>,
    pub rhs: Vec<f64>,
    pub scratch: Vec<f64>,
    flat: Box<[f64; FLAT]>,
}

impl LevelNewton {
    pub fn new(params: HeatParams, previous: Vec<f64>, iterate: Vec<f64>) -> LevelNewton {
        let zeros = vec![0.0; iterate.len()];
        LevelNewton {
            params,
            previous,
            iterate,
            direction: zeros.clone(),
            trial: zeros.clone(),
            lower: zeros.clone(),
            diag: zeros.clone(),
            upper: zeros.clone(),
            rhs: zeros.clone(),
            scratch: zeros,
            flat: Box::new([0.0; FLAT]),
        }
    }

    /// The Newton matrix at the iterate into the bands, `-E(w)` and the boundary rows into rhs.
    pub fn assemble(&mut self) {
        if self.params.is_linear() {
            self.assemble_as::<true>();
        } else {
            self.assemble_as::<false>();
        }
    }

    fn assemble_as<const LINEAR: bool>(&mut self) {
        let p = &self.params;
        let nx = p.nx();
        for k in [0, nx - 1] {
            (self.lower[k], self.diag[k], self.upper[k]) = (0.0, 1.0, 0.0);
        }
        self.rhs[0] = p.t_x0 - self.iterate[0];
        self.rhs[nx - 1] = p.t_xl - self.iterate[nx - 1];
        for (j, (u3, w3)) in level_stencils(&self.previous, &self.iterate).enumerate() {
            let s = energy_stencil::<LINEAR>(p, u3, w3);
            (self.lower[j + 1], self.diag[j + 1], self.upper[j + 1]) =
                (s.new[0], s.new[1], s.new[2]);
            self.rhs[j + 1] = -s.value;
        }
    }

    /// Scaled residual at the iterate.
    pub fn residual_norm(&mut self) -> f64 {
        level_residual_norm(&self.params, &self.previous, &self.iterate, &mut self.flat)
    }

    /// Assembles and solves `J dw = -F(w)`: one Thomas solve.
    pub fn newton_direction(&mut self) -> DirectionNorms {
        self.assemble();
        thomas_solve(
            &self.lower,
            &self.diag,
            &self.upper,
            &self.rhs,
            &mut self.direction,
            &mut self.scratch,
        );
        DirectionNorms {
            step: max_abs(&self.direction),
            iterate: max_abs(&self.iterate),
        }
    }

    /// Scaled residual at `w + lambda dw`, kept as the trial.
    pub fn trial_residual_norm(&mut self, lambda: f64) -> f64 {
        for ((t, w), d) in self
            .trial
            .iter_mut()
            .zip(&self.iterate)
            .zip(&self.direction)
        {
            *t = w + lambda * d;
        }
        level_residual_norm(&self.params, &self.previous, &self.trial, &mut self.flat)
    }

    pub fn accept_trial(&mut self) {
        std::mem::swap(&mut self.iterate, &mut self.trial);
    }
}

/// Scaled residual of the level `w` after `previous`: boundary rows and scaled energy rows.
fn level_residual_norm(p: &HeatParams, previous: &[f64], w: &[f64], flat: &mut [f64; FLAT]) -> f64 {
    let mut energy = MaxAbsLanes::default();
    if p.is_linear() {
        fold_energy_levels::<true>(p, previous, w, flat, &mut energy);
    } else {
        fold_energy_levels::<false>(p, previous, w, flat, &mut energy);
    }
    let boundary = max_abs2(w[0] - p.t_x0, w[w.len() - 1] - p.t_xl);
    max_abs2(boundary, energy.value() * p.energy_scale)
}
