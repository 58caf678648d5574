//! heatgpu: diffusion-type PDEs posed as large systems of equations, solved by Newton's method
//! and implicit time marching, on the GPU (wgpu/WGSL) with an f64 CPU reference and fallback.
//!
//! Layout (a newcomer should see the architecture from the folder list):
//! - [`problems`]: one folder per PDE (`heat1d` = P1, `burgers1d` = P3, `diffusion2d` = P2),
//!   each with its parameters, stencil, exact solutions, CPU and GPU solvers, CLI arguments.
//! - [`solver`]: problem-agnostic drivers (Newton, time march, adaptive step control).
//! - [`linalg`]: tridiagonal (batched, partitioned, cyclic) and scan solvers, CPU and GPU.
//! - [`gpu`]: the GPU service (adapter, context, transfers, timing, ledger, kernel table).
//! - [`backend`]: which backend, device and precision produced a result.
//! - [`verify`], [`memory`], [`cancel`], [`input`], [`output`], [`pool`]: verification of
//!   results, memory budget, Ctrl-C, checked inputs, atomic outputs, a worker pool.
//! - [`cli`], [`bench`], [`plot`]: the command line, `heatgpu bench`, pictures.

pub mod backend;
pub mod bench;
pub mod cancel;
pub mod cli;
pub mod error;
pub mod gpu;
pub mod input;
pub mod linalg;
pub mod memory;
pub mod output;
pub mod plot;
pub mod pool;
pub mod precision;
pub mod problems;
pub mod solver;
pub mod verify;

#[doc(hidden)]
pub use error::HeatError;
pub use error::{Error, Result};
pub use problems::heat1d::Heat1D;

// The first layout's module paths (`heatgpu::solve`, `heatgpu::kernels`, ...), kept so that
// code written against them (the Python bindings, scripts) still builds.
#[doc(hidden)]
pub use problems::heat1d::{exact, kernels, params as problem, solve, sweep};
#[doc(hidden)]
pub use solver::{march, newton};
