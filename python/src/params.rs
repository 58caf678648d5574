//! Keyword arguments read into Rust values: numbers, whole numbers, names and flags, each
//! checked for its kind with an error naming the parameter.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};

use crate::errors::{invalid, wrong_type};

/// The type name of a Python value, for messages.
fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_string())
}

/// A real number: a Python float or int (bool refused), or a numpy scalar of either kind.
pub fn number(name: &str, value: &Bound<'_, PyAny>) -> PyResult<f64> {
    if value.is_instance_of::<PyBool>() {
        return Err(wrong_type(name, "a number", "bool"));
    }
    if value.is_instance_of::<PyFloat>() || value.is_instance_of::<PyInt>() {
        return value.extract::<f64>();
    }
    // numpy scalars and other numbers: anything with __float__ that is not a string.
    if !value.is_instance_of::<PyString>() && value.hasattr("__float__")? {
        return value.extract::<f64>();
    }
    Err(wrong_type(name, "a number", &type_name(value)))
}

/// A whole number >= 0: an int, or a float with no fractional part (`nt=1e6`).
pub fn count(name: &str, value: &Bound<'_, PyAny>) -> PyResult<usize> {
    if value.is_instance_of::<PyBool>() {
        return Err(wrong_type(name, "a whole number", "bool"));
    }
    if value.is_instance_of::<PyInt>() || value.hasattr("__index__")? {
        // Whole numbers in u64 take the fast path; any other int is negative or too large.
        return match value.extract::<u64>() {
            Ok(n) => usize::try_from(n).map_err(|_| invalid(name, n, "must fit the address space")),
            Err(_) => Err(invalid(name, value.str()?, "must be a whole number >= 0")),
        };
    }
    let x =
        number(name, value).map_err(|_| wrong_type(name, "a whole number", &type_name(value)))?;
    if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x < 2f64.powi(63) {
        Ok(x as usize)
    } else {
        Err(invalid(name, x, "must be a whole number >= 0"))
    }
}

/// A string.
pub fn text(name: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    value
        .extract::<String>()
        .map_err(|_| wrong_type(name, "a string", &type_name(value)))
}

/// A bool (only True or False).
pub fn flag(name: &str, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    if value.is_instance_of::<PyBool>() {
        return value.extract::<bool>();
    }
    Err(wrong_type(name, "True or False", &type_name(value)))
}

/// One of the names of a clap value enum (`mode`, `backend`, `precision`, bench ops), matched
/// without regard to case; the error lists the names.
pub fn choice<T: clap::ValueEnum>(name: &str, value: &Bound<'_, PyAny>) -> PyResult<T> {
    let given = text(name, value)?;
    T::from_str(&given, true).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        invalid(
            name,
            &given,
            &format!("must be one of {}", names.join(", ")),
        )
    })
}
