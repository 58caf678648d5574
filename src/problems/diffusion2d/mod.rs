//! 2D diffusion (PROBLEMS.md P2): the textbook benchmark (explicit, periodic) and its implicit
//! counterpart (ADI), periodic or Dirichlet, on the CPU (f64) and the GPU (f64, f32).
//!
//! Files: [`params`] (problem, validation, initial condition, memory), [`stencil`] (the explicit
//! row update), [`team`] (worker threads), [`explicit`] and [`blocked`] (CPU explicit, temporal
//! blocking), [`adi`] (CPU ADI), [`kernels`] (CPU twins of the shaders), [`gpu`] (GPU marches),
//! [`exact`] (exact discrete solutions), [`march`] (the driver), [`bench`] (timings).

pub mod adi;
mod adi_avx2;
pub mod bench;
pub mod blocked;
pub mod cli;
pub mod exact;
pub mod explicit;
pub mod gpu;
pub mod kernels;
pub mod march;
pub mod params;
mod problem;
mod stencil;
pub mod team;

pub use adi::CpuAdi;
pub use explicit::CpuExplicit;
pub use gpu::GpuMarch;
pub use march::{run_to_end, Marcher2d};
pub use params::{Boundary, Diffusion2D, Scheme, Target};
