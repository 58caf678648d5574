//! `heatgpu._core`: the Rust side of the Python package `heatgpu` (PyO3 + rust-numpy).
//!
//! The Python package (`python/heatgpu/`) wraps these functions with scipy-style signatures,
//! docstrings and result classes. Arrays cross without copies: float64 C-contiguous inputs are
//! read in place, outputs are the caller's `out` or arrays the caller then owns. The GIL is
//! released while heatgpu computes (residuals below `PARALLEL_MIN` unknowns excepted: they take
//! less time than releasing it). Errors carry the CLI's one-line messages ([`errors`]).
//!
//! Files: [`problems`] (the table of problems by name), [`heat1d`] (P1: residual, Jacobian,
//! solve, sweep), [`burgers`] (P3: solve, sweep), [`diffusion2d`] (P2: solve), [`arrays`]
//! (numpy in and out), [`params`] (keyword arguments), [`progress`] (progress and Ctrl-C with
//! the GIL released), [`convert`] (reports as dicts), [`machine`] (devices and benchmarks).

mod arrays;
mod burgers;
mod convert;
mod diffusion2d;
mod errors;
mod heat1d;
mod machine;
mod params;
mod problems;
mod progress;

use heatgpu::precision::Precision;
use heatgpu::problems::heat1d::solve::Backend;
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::params::choice;
use crate::problems::{Common, Solved};

/// Residual ``F(v)`` of the P1 system: the 1D heat equation as one space-time system.
///
/// Rows in the users' order: ``T[i, 0] - t_x0`` for every level i, then
/// ``T[i, nx-1] - t_xl``, then ``T[0, j] - t_t0`` for the interior j, then the energy balance
/// ``alpha*[theta*D2(T[i+1]) + (1-theta)*D2(T[i])]/dx^2 - (T[i+1] - T[i])/dt`` for
/// i = 0..nt-2 and interior j (flux form when ``beta != 0``).
///
/// Parameters
/// ----------
/// v : array_like
///     The unknowns ``T[i, j]`` flattened row-major, ``v[i*nx + j]`` (``nt*nx`` values). A
///     float64 C-contiguous aligned array is read in place, without a copy; anything else is
///     converted once, by ``numpy.require(v, "float64", ["C", "A"])``.
/// out : numpy.ndarray, optional
///     float64, C-contiguous, writable, ``nt*nx`` values, not overlapping ``v``: the residual
///     is written into it and it is returned. Without it, a fresh array is returned, never a
///     buffer a later call reuses (so scipy's finite differences see every change).
/// check_finite : bool, optional
///     Raise when the residual holds a NaN or infinity (one more read of the output).
/// **params
///     ``t_max, x_max, nt, nx, alpha, t_x0, t_xl, t_t0, theta, beta, t_ref``; defaults are the
///     users' numbers (``nt=1_000_000, nx=11``, forward Euler). Validated as by ``heatgpu
///     solve``: an unstable explicit step is refused.
///
/// Returns
/// -------
/// numpy.ndarray
///     ``out``, or a fresh 1-D float64 array of ``nt*nx`` values.
///
/// Raises
/// ------
/// ValueError
///     A parameter out of range, ``v`` or ``out`` of the wrong size or kind, a NaN in ``v``.
/// RuntimeError
///     The residual overflowed (values of ``v`` far beyond the data's magnitude).
///
/// Notes
/// -----
/// Below 262144 unknowns the residual runs on the calling thread with the GIL held (the call
/// takes about a microsecond); above, on all cores with the GIL released.
///
/// Examples
/// --------
/// >>> import heatgpu
/// >>> p = dict(nt=101, theta=1.0)
/// >>> r = heatgpu.residual(heatgpu.initial_guess(**p), **p)
#[pyfunction]
#[pyo3(signature = (v, out=None, *, check_finite=true, **params))]
fn residual<'py>(
    py: Python<'py>,
    v: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
    check_finite: bool,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let out = out.filter(|o| !o.is_none());
    heat1d::system::residual(py, v, out, check_finite, params)
}

/// The P1 Jacobian at v as `(data, indices, indptr, n)` for `scipy.sparse.csr_matrix`.
#[pyfunction]
#[pyo3(signature = (v, **params))]
fn jacobian_csr<'py>(
    py: Python<'py>,
    v: &Bound<'py, PyAny>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyTuple>> {
    heat1d::system::jacobian_csr(py, v, params)
}

/// The users' initial guess of the P1 system: ``t_t0`` everywhere, column 0 ``t_x0``, the last
/// column ``t_xl``; flat (``nt*nx`` values, ``v[i*nx + j]``).
///
/// Parameters
/// ----------
/// **params
///     As for :func:`heatgpu.residual`.
///
/// Returns
/// -------
/// numpy.ndarray
#[pyfunction]
#[pyo3(signature = (**params))]
fn initial_guess<'py>(
    py: Python<'py>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    heat1d::system::initial_guess(py, params)
}

/// Seconds per residual call timed in Rust (one figure per round of `calls` calls).
#[pyfunction]
#[pyo3(signature = (v, calls, rounds, *, check_finite=true, **params))]
fn time_residual<'py>(
    py: Python<'py>,
    v: &Bound<'py, PyAny>,
    calls: usize,
    rounds: usize,
    check_finite: bool,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Vec<f64>> {
    heat1d::system::time_residual(py, v, calls, rounds, check_finite, params)
}

/// The backend, precision and progress callback of a run.
fn common<'a>(
    backend: &Bound<'_, PyAny>,
    precision: Option<&Bound<'_, PyAny>>,
    progress: Option<&'a Py<PyAny>>,
) -> PyResult<Common<'a>> {
    Ok(Common {
        backend: choice::<Backend>("backend", backend)?,
        precision: precision
            .filter(|p| !p.is_none())
            .map(|p| choice::<Precision>("precision", p))
            .transpose()?,
        progress,
    })
}

/// `(field, times, levels, report)`.
fn solved_tuple<'py>(py: Python<'py>, solved: Solved<'py>) -> PyResult<Bound<'py, PyTuple>> {
    let times = PyArray1::from_vec(py, solved.times);
    let levels = PyArray1::from_vec(py, solved.levels.iter().map(|&l| l as u64).collect());
    (solved.field, times, levels, solved.report).into_pyobject(py)
}

/// Solves `problem` with keyword arguments `params`; `(field, times, levels, report)`.
#[pyfunction]
#[pyo3(signature = (problem, backend, precision, progress, params))]
fn solve<'py>(
    py: Python<'py>,
    problem: &str,
    backend: &Bound<'py, PyAny>,
    precision: Option<&Bound<'py, PyAny>>,
    progress: Option<Py<PyAny>>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let entry = problems::find(problem)?;
    let common = common(backend, precision, progress.as_ref())?;
    let empty = PyDict::new(py);
    let solved = (entry.solve)(py, &common, params.unwrap_or(&empty))?;
    solved_tuple(py, solved)
}

fn sweep_of(problem: &str) -> PyResult<&'static problems::Entry> {
    let entry = problems::find(problem)?;
    if entry.sweep.is_none() {
        return Err(errors::invalid(
            "problem",
            problem,
            "has no sweep in this version",
        ));
    }
    Ok(entry)
}

/// Members of `problem` differing in `param` (one per value), solved at once.
#[pyfunction]
#[pyo3(signature = (problem, param, values, backend, precision, progress, params))]
#[allow(clippy::too_many_arguments)]
fn sweep<'py>(
    py: Python<'py>,
    problem: &str,
    param: &str,
    values: &Bound<'py, PyAny>,
    backend: &Bound<'py, PyAny>,
    precision: Option<&Bound<'py, PyAny>>,
    progress: Option<Py<PyAny>>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let entry = sweep_of(problem)?;
    let common = common(backend, precision, progress.as_ref())?;
    let values = arrays::read_f64(param, values)?;
    let empty = PyDict::new(py);
    let (run, _) = entry.sweep.expect("checked");
    let solved = run(
        py,
        &common,
        param,
        values.as_slice()?,
        params.unwrap_or(&empty),
    )?;
    solved_tuple(py, solved)
}

/// Validates a sweep without running it.
#[pyfunction]
#[pyo3(signature = (problem, param, values, params))]
fn check_sweep<'py>(
    py: Python<'py>,
    problem: &str,
    param: &str,
    values: &Bound<'py, PyAny>,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<()> {
    let entry = sweep_of(problem)?;
    let values = arrays::read_f64(param, values)?;
    let empty = PyDict::new(py);
    let (_, check) = entry.sweep.expect("checked");
    check(param, values.as_slice()?, params.unwrap_or(&empty))
}

/// `{name: {"summary", "params", "options", "sweep_params", "sweep_options"}}`.
#[pyfunction(name = "problems")]
fn problem_table(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let all = PyDict::new(py);
    for entry in problems::PROBLEMS {
        let one = PyDict::new(py);
        one.set_item("summary", entry.summary)?;
        one.set_item("params", entry.params.to_vec())?;
        one.set_item("options", entry.options.to_vec())?;
        let sweeps = entry.sweep.is_some();
        one.set_item(
            "sweep_params",
            if sweeps {
                entry.sweep_params.to_vec()
            } else {
                Vec::new()
            },
        )?;
        one.set_item(
            "sweep_options",
            if sweeps {
                entry.sweep_options.to_vec()
            } else {
                Vec::new()
            },
        )?;
        all.set_item(entry.name, one)?;
    }
    Ok(all)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Mesa's software Vulkan driver prints "error: XDG_RUNTIME_DIR is invalid or not set" when
    // the variable is missing; it needs no real directory (as in the CLI's main).
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        // SAFETY: at import, before this module starts any thread of its own.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir()) };
    }
    m.add_function(wrap_pyfunction!(residual, m)?)?;
    m.add_function(wrap_pyfunction!(jacobian_csr, m)?)?;
    m.add_function(wrap_pyfunction!(initial_guess, m)?)?;
    m.add_function(wrap_pyfunction!(time_residual, m)?)?;
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(check_sweep, m)?)?;
    m.add_function(wrap_pyfunction!(problem_table, m)?)?;
    m.add_function(wrap_pyfunction!(machine::devices, m)?)?;
    m.add_function(wrap_pyfunction!(machine::bench, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
