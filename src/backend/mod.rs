//! Where a solve runs ([`Backend`] asked for, [`Compute`] chosen by `Compute::select` with the
//! problem's cost model) and which backend produced a result ([`ComputeLabel`]). The backends
//! themselves live with their problems (`problems/*/cpu*`, `problems/*/gpu*`), each
//! implementing the drivers' traits.

use serde::Serialize;

use crate::gpu::GpuContext;
use crate::precision::Precision;

/// Which backend the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// The CPU or a hardware GPU, by the problem's cost model (said out loud in one line).
    Auto,
    Gpu,
    Cpu,
}

/// Where a solve runs: the CPU, or a GPU device context.
pub enum Compute {
    Cpu,
    Gpu(Box<GpuContext>),
}

impl Compute {
    /// The precision results are computed in.
    pub fn precision(&self) -> Precision {
        match self {
            Compute::Cpu => Precision::F64,
            Compute::Gpu(ctx) => ctx.precision(),
        }
    }

    /// Whether arrays on this backend live in host memory (the CPU, a software adapter).
    pub fn device_is_host(&self) -> bool {
        match self {
            Compute::Cpu => true,
            Compute::Gpu(ctx) => ctx.summary().is_software,
        }
    }
}

/// Which backend, device and precision produced a result; attached to every result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComputeLabel {
    /// "cpu" or "gpu".
    pub backend: &'static str,
    /// The device: "host CPU (N threads)" or the adapter's name, type and backend.
    pub device: String,
    pub precision: Precision,
}

impl ComputeLabel {
    pub fn cpu() -> ComputeLabel {
        ComputeLabel {
            backend: "cpu",
            device: format!("host CPU ({} threads)", rayon::current_num_threads()),
            precision: Precision::F64,
        }
    }
}

impl std::fmt::Display for ComputeLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}] {}", self.backend, self.device, self.precision)
    }
}

// The first layout's paths (`heatgpu::backend::cpu`, ...), kept for code written against them.
#[doc(hidden)]
pub use crate::linalg::{gpu_scan, gpu_tridiag};
#[doc(hidden)]
pub use crate::problems::heat1d::gpu::session as gpu;
#[doc(hidden)]
pub use crate::problems::heat1d::gpu::{blocked as gpu_affine, newton_scan as gpu_newton_scan};
#[doc(hidden)]
pub use crate::problems::heat1d::{cpu, theta_march};
