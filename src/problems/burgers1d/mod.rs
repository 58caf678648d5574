//! P3: viscous Burgers' equation, periodic, nonlinear (PROBLEMS.md). Theta steps with Newton per
//! step, adaptive TR-BDF2, the all-at-once space-time Newton, sweeps of nu, a and b; on the CPU
//! (f64, cyclic tridiagonal solves with pivoting) and on the GPU.

pub mod bench;
pub mod cli;
pub mod cpu_adaptive;
pub mod cpu_space_time;
pub mod cpu_step;
pub mod exact;
pub mod gpu;
pub mod gpu_twins;
pub mod params;
mod problem;
pub mod select;
pub mod solve;
pub mod stencil;
pub mod sweep;

pub use params::{Burgers1D, Stepping};
