//! Compute backends. Each implements [`crate::newton::NewtonSystem`] for the problems it
//! solves, so the Newton driver and the time march are written once.

pub mod cpu;
pub mod gpu;
pub mod gpu_affine;
pub mod gpu_newton_scan;
pub mod gpu_scan;
pub mod gpu_scan_session;
pub mod gpu_tridiag;
pub mod theta_march;

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
