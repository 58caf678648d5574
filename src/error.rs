//! One error type for the library: every failure names the parameter or resource and the limit.

use crate::solver::newton::NewtonFailure;

#[derive(Debug, thiserror::Error)]
pub enum Error {
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

    /// The arrays a run needs do not fit in the memory the process may use.
    #[error(
        "{what} needs {needed_mib:.1} MiB but only {available_mib:.1} MiB may be used ({limited_by}); {fix}"
    )]
    OutOfMemory {
        what: String,
        needed_mib: f64,
        available_mib: f64,
        limited_by: &'static str,
        fix: String,
    },

    /// An input array of the wrong length or with non-finite entries.
    #[error("invalid input {name}: {reason}")]
    InvalidInput { name: String, reason: String },

    /// Newton's method stopped without converging; the statistics are kept.
    #[error("{0}")]
    Newton(Box<NewtonFailure>),

    /// A time step of the march failed; `cause` says how (printed here, not as a source, so
    /// the CLI's error chain prints it once).
    #[error("time step {step}: {cause}")]
    StepFailed { step: usize, cause: Box<Error> },

    /// A result did not pass its verification on the discrete system.
    #[error("{0}")]
    Unverified(String),

    /// A result holds a NaN or an infinity.
    #[error("{what} holds {value} at {location}: {cause}")]
    NonFinite {
        what: String,
        value: f64,
        location: String,
        cause: String,
    },

    /// Ctrl-C: the run stopped, temporary outputs were removed.
    #[error("interrupted (Ctrl-C): nothing was written")]
    Interrupted,

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
    Tridiag(#[from] crate::linalg::tridiag::TridiagError),

    /// A cyclic tridiagonal solve found its system singular or its result non-finite.
    #[error(transparent)]
    Cyclic(#[from] crate::linalg::cyclic::CyclicError),

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

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(
        name: &'static str,
        value: impl std::fmt::Display,
        requirement: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            name,
            value: short_number(value.to_string()),
            requirement: requirement.into(),
        }
    }
}

/// A number printed in full by `Display` (`1e308` as 309 digits) in its short form.
fn short_number(text: String) -> String {
    match text.parse::<f64>() {
        Ok(x) if text.len() > 16 => format!("{x:e}"),
        _ => text,
    }
}

/// The error's first name, kept for code written against it.
#[doc(hidden)]
pub type HeatError = Error;
