//! What the device path refuses, and the precision it promises: the partitioned solver's need
//! for diagonal dominance (named by the cell Reynolds and Courant numbers) and the a-priori
//! bound of an f32 march.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::precision::Precision;

use super::super::params::Burgers1D;
use super::super::stencil::StageCoefficients;
use super::GpuBurgersMarch;

/// A reduced `(|lower| + |upper|) / |diag|` below 1 (not the non-finite flag -1).
pub(super) fn is_dominant(ratio: f64) -> bool {
    (0.0..1.0).contains(&ratio)
}

/// The refusal of the partitioned solver: the Jacobian of a step of `p` is not diagonally
/// dominant (`ratio` = largest `(|lower| + |upper|) / |diag|`).
pub(super) fn not_dominant(p: &Burgers1D, steps: usize, ratio: f64, measured: bool) -> Error {
    let whose = if measured {
        "a step's Jacobian has"
    } else {
        "for |u| up to max|u0| the Jacobian can reach"
    };
    let dt = p.t_end / steps as f64;
    Error::invalid(
        "steps",
        steps,
        format!(
            "the GPU's partitioned solver needs a diagonally dominant Jacobian, but {whose} \
             (|lower| + |upper|) / |diag| = {ratio:.3} >= 1: cell Reynolds number max|u| dx / nu = \
             {:.3}, Courant number max|u| dt / dx = {:.3}; dominance needs Re <= 2 or theta \
             Courant (1 - 2/Re) < 1; use more steps, a finer grid, or --backend cpu (pivoting)",
            p.cell_reynolds(),
            p.courant(dt)
        ),
    )
}

/// Refuses before allocating when the worst-case Jacobian (`|w| <= max |u0|`) is not dominant.
pub(super) fn check_dominance(
    p: &Burgers1D,
    steps: usize,
    stage: &StageCoefficients,
) -> Result<()> {
    let bound = stage.off_diagonal_bound(p.max_velocity());
    if bound >= 1.0 {
        return Err(not_dominant(p, steps, bound, false));
    }
    Ok(())
}

/// The a-priori bound of an f32 march's distance from the f64 one (max-norm, units of u): each
/// step leaves its level within `floor` (its scaled residual, at the f32 floor) plus half an ulp
/// of storage, and a step of a dissipative problem does not amplify earlier errors in the
/// max-norm when its Jacobian is dominant (the cyclic solve of an M-matrix-like step has
/// `||J^-1||_inf <= 1`); so errors add up at most linearly over the steps.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct F32Bound {
    pub absolute: f64,
    pub relative: f64,
}

impl F32Bound {
    pub(super) fn of(
        problems: &[Burgers1D],
        steps: usize,
        floor: f64,
        precision: Precision,
    ) -> Option<Self> {
        if precision == Precision::F64 {
            return None;
        }
        let u = problems
            .iter()
            .map(Burgers1D::max_velocity)
            .fold(0.0, f64::max);
        let per_step = floor + 0.5 * f32::EPSILON as f64 * u;
        let absolute = steps as f64 * per_step;
        Some(F32Bound {
            absolute,
            relative: absolute / u,
        })
    }

    pub(super) fn check(&self, u_scale: f64) -> Result<()> {
        if self.relative > crate::verify::F32_REFUSE_RELATIVE {
            return Err(Error::invalid(
                "precision",
                "f32",
                format!(
                    "cannot deliver this run: its error bound {:.3e} is {:.1}% of max|u| = {u_scale:.3e}; \
                     use --precision f64 or fewer steps",
                    self.absolute,
                    100.0 * self.relative
                ),
            ));
        }
        Ok(())
    }
}

impl GpuBurgersMarch {
    /// The f32 error bound of this session (`None` in f64).
    pub fn f32_bound(&self) -> Option<F32Bound> {
        F32Bound::of(&self.problems, self.steps, self.floor, self.ctx.precision())
    }
}
