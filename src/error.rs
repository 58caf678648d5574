//! One error type for the library: every failure names the parameter or resource and the limit.

use thiserror::Error;

use crate::newton::NewtonFailure;

#[derive(Debug, Error)]
pub enum HeatError {
    /// A problem parameter outside its admissible range.
    #[error("invalid parameter {name} = {value}: {requirement}")]
    InvalidParameter {
        name: &'static str,
        value: String,
        requirement: String,
    },

    /// An explicit (theta < 1/2) scheme whose step violates the stability bound.
    #[error(
        "unstable explicit step: alpha_max*dt/dx^2 = {ratio:.4e} exceeds {limit:.4e} for theta = {theta}; \
         raise nt (smaller dt) or theta (0.5 = Crank-Nicolson, 1 = backward Euler)"
    )]
    UnstableStep { ratio: f64, limit: f64, theta: f64 },

    /// The arrays a run needs do not fit in the memory that is available.
    #[error(
        "{what} needs {needed_mib:.1} MiB but only {available_mib:.1} MiB is available; \
         use --mode march (memory O(nx)) or a smaller grid"
    )]
    OutOfMemory {
        what: String,
        needed_mib: f64,
        available_mib: f64,
    },

    /// An input array of the wrong length or with non-finite entries.
    #[error("invalid input {name}: {reason}")]
    InvalidInput { name: String, reason: String },

    /// Newton's method stopped without converging; the statistics are kept.
    #[error("{0}")]
    Newton(Box<NewtonFailure>),

    /// A computed value is NaN or infinite: the result is refused, not returned.
    #[error("{what} = {value} after step {step} is not finite; the run is stopped")]
    NonFinite {
        what: String,
        step: usize,
        value: f64,
    },

    /// A time step of the march failed; `source` says how.
    #[error("time step {step}: {source}")]
    StepFailed { step: usize, source: Box<HeatError> },

    /// The device could not hold a session's buffers (wgpu reports no free-memory figure).
    #[error(
        "the GPU session needs {needed_mib:.1} MiB of device buffers on {adapter}, which could not be \
         allocated ({reason}); use a smaller grid, --precision f32 or --backend cpu"
    )]
    GpuOutOfMemory {
        adapter: String,
        needed_mib: f64,
        reason: String,
    },

    /// A tridiagonal solve refused (not diagonally dominant, bad shape) or failed on the device.
    #[error(transparent)]
    Tridiag(#[from] crate::kernels::tridiag::TridiagError),

    /// A GPU failure: no adapter, a device limit, a validation or mapping error.
    #[error(transparent)]
    Gpu(#[from] crate::gpu::GpuError),

    #[error("configuration: {0}")]
    Config(String),

    /// The cause is the source (printed after the context by the CLI's error chain).
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = HeatError> = std::result::Result<T, E>;

impl HeatError {
    pub fn invalid(
        name: &'static str,
        value: impl std::fmt::Display,
        requirement: impl Into<String>,
    ) -> Self {
        HeatError::InvalidParameter {
            name,
            value: value.to_string(),
            requirement: requirement.into(),
        }
    }
}
