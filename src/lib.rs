//! heatgpu: diffusion-type PDEs posed as large systems of equations, solved by Newton's method
//! and implicit time marching, on the GPU (wgpu/WGSL) with an f64 CPU reference and fallback.
//!
//! Layout: [`problem`] (definitions), [`kernels`] (CPU twins of the shaders), [`newton`] and
//! [`march`] (drivers, written once against small traits), [`march_adaptive`] (P1 with
//! adaptive TR-BDF2 steps), [`backend`] (cpu, gpu),
//! [`solve`] and [`sweep`] (entry points), [`bench`] (GPU vs CPU), [`output`] and [`plot`]
//! (files), [`exact`] (exact solutions for checks), [`cli`].

pub mod backend;
pub mod bench;
pub mod cancel;
pub mod cli;
pub mod error;
pub mod exact;
pub mod gpu;
pub mod input;
pub mod kernels;
pub mod linalg;
pub mod march;
pub mod march_adaptive;
pub mod memory;
pub mod newton;
pub mod output;
pub mod plot;
pub mod pool;
pub mod precision;
pub mod problem;
pub mod problems;
pub mod solve;
pub mod solver;
pub mod sweep;
pub mod verify;

pub use error::{HeatError, Result};
pub use problem::Heat1D;
