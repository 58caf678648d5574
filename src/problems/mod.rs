//! The problems heatgpu solves, one folder each: parameters, the stencil row, exact solutions,
//! CPU and GPU solvers, command-line arguments.

pub mod burgers1d;
pub mod diffusion2d;
