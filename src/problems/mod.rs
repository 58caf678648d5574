//! The problems heatgpu solves, one folder each: parameters, the stencil row, exact solutions,
//! CPU and GPU solvers, command-line arguments. Everything problem-agnostic lives outside:
//! drivers in [`crate::solver`], linear algebra in [`crate::linalg`], the GPU service in
//! [`crate::gpu`].
//!
//! - [`heat1d`]: P1, the 1D heat equation as one space-time system (the users' headline).
//! - [`burgers1d`]: P3, viscous Burgers' equation (periodic, nonlinear).
//! - [`diffusion2d`]: P2, 2D diffusion (explicit and ADI).

pub mod burgers1d;
pub mod diffusion2d;
pub mod heat1d;
pub mod sweep_spec;

use crate::backend::Compute;
use crate::error::Result;

/// What every problem answers, so that generic code runs any of them the same way: the generic
/// tests (a problem paired with its exact solution, run once per backend), the Python table,
/// the bench. Each problem's own entry points stay richer (sweeps, snapshots, reports).
pub trait Problem {
    /// The name on the command line (`heatgpu solve NAME`).
    fn name(&self) -> &'static str;

    /// Every parameter checked, with a one-line error naming the parameter and its limit.
    fn validate(&self) -> Result<()>;

    /// Points of one time level per axis (`[nx]`, `[n]`, `[ny, nx]`), row-major.
    fn level_shape(&self) -> Vec<usize>;

    /// The level at t = 0.
    fn initial_level(&self) -> Vec<f64>;

    /// The time of the final level.
    fn end_time(&self) -> f64;

    /// Solves on `compute` with the problem's default method and returns the final level,
    /// verified by the solver as every result is (an unverified result is an error).
    fn solve_final_level(&self, compute: Compute) -> Result<Vec<f64>>;
}
