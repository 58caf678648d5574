//! numpy arrays in and out without copies.
//!
//! Inputs: a float64 C-contiguous aligned array is read in place (a shared borrow of its
//! buffer, no copy); anything else goes through `numpy.require(v, float64, ["C", "A"])` first,
//! the one copy numpy itself would make (arrays unpickled from out-of-band buffers, as dask
//! sends them, may be misaligned). Outputs: the caller's `out` (float64, C-contiguous,
//! writable, not overlapping the input: rust-numpy's borrow checker refuses an overlap) or a
//! fresh array owned by the caller, never a view of scratch space that a later call reuses.

use numpy::{
    PyArray1, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyReadwriteArrayDyn,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// `numpy.require`, imported once.
static REQUIRE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Whether `array` is C-contiguous and its data aligned for f64 (what a slice needs).
fn sliceable(array: &Bound<'_, PyArrayDyn<f64>>) -> bool {
    array.is_c_contiguous() && (array.data() as usize).is_multiple_of(std::mem::align_of::<f64>())
}

/// `v` as a read-only float64 C-contiguous aligned array: itself when it is one (no copy).
pub fn read_f64<'py>(name: &str, v: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArrayDyn<'py, f64>> {
    let py = v.py();
    if let Ok(array) = v.cast::<PyArrayDyn<f64>>() {
        if sliceable(array) {
            return array.try_readonly().map_err(|e| borrow_error(name, e));
        }
    }
    let convert = REQUIRE.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("numpy")?.getattr("require")?.unbind())
    })?;
    let converted = convert.bind(py).call1((v, "float64", ["C", "A"]))?;
    let array = converted
        .cast_into::<PyArrayDyn<f64>>()
        .map_err(|e| PyValueError::new_err(format!("invalid input {name}: {e}")))?;
    array.try_readonly().map_err(|e| borrow_error(name, e))
}

/// The caller's `out`: float64, C-contiguous, aligned, writable, `len` elements.
pub fn write_f64<'py>(
    name: &str,
    out: &Bound<'py, PyAny>,
    len: usize,
) -> PyResult<PyReadwriteArrayDyn<'py, f64>> {
    let array = out.cast::<PyArrayDyn<f64>>().map_err(|_| {
        PyValueError::new_err(format!(
            "invalid input {name}: must be a float64 numpy array of {len} values"
        ))
    })?;
    if !sliceable(array) {
        return Err(PyValueError::new_err(format!(
            "invalid input {name}: must be C-contiguous and aligned"
        )));
    }
    if array.len() != len {
        return Err(PyValueError::new_err(format!(
            "invalid input {name}: has {} values, expected {len}",
            array.len()
        )));
    }
    array.try_readwrite().map_err(|e| borrow_error(name, e))
}

/// A fresh 1-D float64 array of `len` elements, not initialised.
///
/// SAFETY (of the callers): every element must be written before the array is handed to
/// Python. Any bit pattern is a valid f64, and numpy's buffer comes from its own allocator.
pub fn fresh_f64(py: Python<'_>, len: usize) -> Bound<'_, PyArray1<f64>> {
    unsafe { PyArray1::<f64>::new(py, len, false) }
}

fn borrow_error(name: &str, e: numpy::BorrowError) -> PyErr {
    PyValueError::new_err(format!(
        "invalid input {name}: {e} (an output must not share memory with an input, and must be writable)"
    ))
}
