//! heatgpu's errors as Python exceptions, with the CLI's one-line messages.
//!
//! | `Error` | Python |
//! |---|---|
//! | `InvalidParameter`, `UnstableStep`, `InvalidInput`, `Config` | `ValueError` |
//! | `OutOfMemory`, `GpuOutOfMemory` | `MemoryError` |
//! | `Interrupted` | `KeyboardInterrupt` |
//! | everything else (Newton failures, verification, NaN in a result, the device) | `RuntimeError` |

use heatgpu::Error;
use pyo3::exceptions::{
    PyKeyboardInterrupt, PyMemoryError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::PyErr;

/// The error as Python raises it.
pub fn to_py(error: Error) -> PyErr {
    let message = one_line(&error);
    match error {
        Error::InvalidParameter { .. }
        | Error::UnstableStep { .. }
        | Error::InvalidInput { .. }
        | Error::Config(_) => PyValueError::new_err(message),
        Error::OutOfMemory { .. } | Error::GpuOutOfMemory { .. } => PyMemoryError::new_err(message),
        Error::Interrupted => PyKeyboardInterrupt::new_err(message),
        _ => PyRuntimeError::new_err(message),
    }
}

/// The cause chain joined with ": ", each cause once (as the CLI prints it after "error: ").
pub fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain: Vec<String> = Vec::new();
    let mut cause = Some(error);
    while let Some(e) = cause {
        let text = e.to_string();
        if !chain.last().is_some_and(|last| last.ends_with(&text)) {
            chain.push(text);
        }
        cause = e.source();
    }
    chain.join(": ")
}

/// `ValueError("invalid parameter NAME = VALUE: REQUIREMENT")`, the form of
/// [`Error::invalid`] for names only known at run time (keyword arguments).
pub fn invalid(name: &str, value: impl std::fmt::Display, requirement: &str) -> PyErr {
    PyValueError::new_err(format!("invalid parameter {name} = {value}: {requirement}"))
}

/// `TypeError` for an argument of the wrong kind.
pub fn wrong_type(name: &str, expected: &str, got: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "invalid parameter {name}: expected {expected}, got {got}"
    ))
}
