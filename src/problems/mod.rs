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
