//! Which backend produced a result ([`ComputeLabel`]). The backends themselves live with their
//! problems (`problems/*/cpu*`, `problems/*/gpu*`), each implementing the drivers' traits.

use serde::Serialize;

use crate::precision::Precision;

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
