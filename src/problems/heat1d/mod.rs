//! P1: the 1D heat equation `T_t = (alpha(T) T_x)_x` written as one space-time system of
//! `nt*nx` equations (theta scheme), the users' headline problem.
//!
//! - [`params`]: `Heat1D` (validation, magnitudes, TOML, initial guess, residual layout).
//! - [`kernels`]: the CPU kernels and the twins of `shaders/heat1d/` (residual, Newton
//!   direction, trial, blocked powers of the one-step map, scan of the Newton recurrence).
//! - [`cpu`]: the all-at-once system and the per-step system on the CPU (`NewtonSystem`).
//! - [`gpu`]: the device session (`GpuHeatSession`), the blocked direct solve and the scanned
//!   Newton direction.
//! - [`theta_march`]: the linear march and sweeps, CPU and GPU.
//! - [`solve`], [`sweep`]: entry points (validate, estimate memory, solve, verify); sweeps.
//! - [`adaptive`]: the march with adaptive TR-BDF2 steps (`--mode march --tol E`), CPU.
//! - [`exact`]: Fourier-series solutions for the tests.

pub mod adaptive;
pub mod cpu;
pub mod exact;
pub mod gpu;
pub mod kernels;
pub mod level_newton;
pub mod params;
mod problem;
pub mod solve;
pub mod sweep;
pub mod theta_march;

pub use params::{Heat1D, ResidualLayout};
