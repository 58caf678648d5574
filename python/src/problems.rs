//! The problems the bindings solve, keyed by name: one entry per problem with the keyword
//! arguments it takes and its `solve` (and `sweep`). Adding a problem is one file with an
//! [`Entry`] and one line in [`PROBLEMS`]; the Python side finds it by name.

use heatgpu::precision::Precision;
use heatgpu::problems::heat1d::solve::Backend;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// What every run takes besides the problem's own parameters.
pub struct Common<'a> {
    pub backend: Backend,
    pub precision: Option<Precision>,
    /// Called with `(done, total)` at most every 100 ms; `None`: no callback (Ctrl-C still works).
    pub progress: Option<&'a Py<PyAny>>,
}

/// A solved field and its description, as handed to Python.
pub struct Solved<'py> {
    /// One row (or grid) per kept level; a sweep's fields are stacked member by member.
    pub field: Bound<'py, PyAny>,
    /// Time of each kept level, and its step index.
    pub times: Vec<f64>,
    pub levels: Vec<usize>,
    /// A dict: backend, device, precision, iterations, verified residual, floor, stopping
    /// reason, and the solver's own report.
    pub report: Bound<'py, PyAny>,
}

pub type SolveFn = for<'py> fn(Python<'py>, &Common, &Bound<'py, PyDict>) -> PyResult<Solved<'py>>;

/// `(py, common, swept parameter, its values, the other keyword arguments)`.
pub type SweepFn =
    for<'py> fn(Python<'py>, &Common, &str, &[f64], &Bound<'py, PyDict>) -> PyResult<Solved<'py>>;

/// Validates a sweep without running it: `(swept parameter, values, other keyword arguments)`.
pub type CheckSweepFn = for<'py> fn(&str, &[f64], &Bound<'py, PyDict>) -> PyResult<()>;

pub struct Entry {
    pub name: &'static str,
    /// One line: what the problem is.
    pub summary: &'static str,
    /// The problem's parameters (keyword arguments of `solve` and `sweep`).
    pub params: &'static [&'static str],
    /// The solver's options (further keyword arguments of `solve`).
    pub options: &'static [&'static str],
    pub solve: SolveFn,
    /// Parameters a sweep may vary, the options `sweep` takes, and the sweep itself.
    pub sweep_params: &'static [&'static str],
    pub sweep_options: &'static [&'static str],
    pub sweep: Option<(SweepFn, CheckSweepFn)>,
}

/// Every problem, by name.
pub const PROBLEMS: &[Entry] = &[
    crate::heat1d::ENTRY,
    crate::burgers::ENTRY,
    crate::diffusion2d::ENTRY,
];

pub fn find(name: &str) -> PyResult<&'static Entry> {
    PROBLEMS.iter().find(|e| e.name == name).ok_or_else(|| {
        let names: Vec<&str> = PROBLEMS.iter().map(|e| e.name).collect();
        PyValueError::new_err(format!(
            "invalid parameter problem = {name}: must be one of {}",
            names.join(", ")
        ))
    })
}

impl Entry {
    /// Fails on a keyword argument that is neither a parameter nor one of `options`.
    pub fn check_names(&self, kwargs: &Bound<'_, PyDict>, options: &[&str]) -> PyResult<()> {
        for key in kwargs.keys() {
            let key: String = key.extract()?;
            if !self.params.contains(&key.as_str()) && !options.contains(&key.as_str()) {
                let options = if options.is_empty() {
                    String::new()
                } else {
                    format!(" (options: {})", options.join(", "))
                };
                return Err(PyValueError::new_err(format!(
                    "invalid parameter {key}: {} takes {}{options}",
                    self.name,
                    self.params.join(", "),
                )));
            }
        }
        Ok(())
    }
}
