//! The P1 system for scipy: `F(v)` into a caller's or a fresh array, its sparse Jacobian as CSR
//! arrays, the users' initial guess, and a Rust-side timing of the residual (the reference the
//! Python call overhead is measured against).
//!
//! Residual: reads v in place (8 B per unknown) and writes r (8 B); `check_finite` reads r once
//! more (8 B) to refuse a NaN or infinity, naming the row. Below [`PARALLEL_MIN`] unknowns it
//! runs on the calling thread (handing 11 unknowns to a thread pool costs more than computing
//! them) with the GIL held; above, on all threads with the GIL released.
//!
//! Jacobian, in the residual's row order: boundary and initial rows are identities (one entry
//! 1 each), energy row (i, j) has six entries, `dE/dT[i, j-1..=j+1]` then
//! `dE/dT[i+1, j-1..=j+1]` (columns ascending; zeros kept, so the pattern does not depend on v
//! or theta). `nnz = 2 nt + (nx - 2) + 6 (nt - 1)(nx - 2)`; indices are int32 when the matrix
//! allows it (as scipy would choose), else int64.

use std::time::Instant;

use heatgpu::memory::{bytes_for, ensure_fits};
use heatgpu::problems::heat1d::kernels::{
    heat_jacobian, heat_residual, heat_residual_par, HeatParams, MarchCursor, Segment, JACOBIAN_ROW,
};
use heatgpu::problems::heat1d::params::ResidualLayout;
use heatgpu::{Error, Heat1D};
use numpy::{Element, PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use super::problem_only;
use crate::arrays::{fresh_f64, read_f64, write_f64};
use crate::errors::{invalid, to_py};

/// Unknowns from which the residual runs on all threads with the GIL released.
pub const PARALLEL_MIN: usize = 1 << 18;

/// Levels of the Jacobian assembled at a time (times nx rows of 7 reals of scratch).
const JACOBIAN_CHUNK_ROWS: usize = 1 << 16;

/// `r = F(v)`: into `out` when given (and returned), else into a fresh array.
pub fn residual<'py>(
    py: Python<'py>,
    v: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
    check_finite: bool,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let problem = problem_only(py, kwargs)?;
    let params = HeatParams::new(&problem);
    let v_array = read_f64("v", v)?;
    let v = v_array.as_slice()?;
    check_length(&problem, "v", v)?;
    match out {
        Some(out) => {
            let mut out_array = write_f64("out", out, v.len())?;
            evaluate(
                py,
                &problem,
                &params,
                v,
                out_array.as_slice_mut()?,
                check_finite,
            )?;
            Ok(out.clone())
        }
        None => {
            let fresh = fresh_f64(py, v.len());
            {
                let mut r = fresh.try_readwrite()?;
                evaluate(py, &problem, &params, v, r.as_slice_mut()?, check_finite)?;
            }
            Ok(fresh.into_any())
        }
    }
}

fn check_length(problem: &Heat1D, name: &str, v: &[f64]) -> PyResult<()> {
    if v.len() == problem.unknowns() {
        return Ok(());
    }
    Err(to_py(Error::InvalidInput {
        name: name.to_string(),
        reason: format!(
            "has {} values, expected nt*nx = {}*{} = {}",
            v.len(),
            problem.nt,
            problem.nx,
            problem.unknowns()
        ),
    }))
}

/// The residual into `r`, then (with `check_finite`) the first non-finite row is an error.
fn evaluate(
    py: Python<'_>,
    problem: &Heat1D,
    params: &HeatParams,
    v: &[f64],
    r: &mut [f64],
    check_finite: bool,
) -> PyResult<()> {
    let bad = if v.len() < PARALLEL_MIN {
        heat_residual(params, v, r);
        check_finite.then(|| first_non_finite(r)).flatten()
    } else {
        py.detach(|| {
            heat_residual_par(params, v, r);
            check_finite.then(|| first_non_finite_par(r)).flatten()
        })
    };
    match bad {
        None => Ok(()),
        Some(k) => Err(non_finite(problem, v, r, k)),
    }
}

/// Values checked per branch-free pass of [`first_non_finite`].
const FINITE_CHUNK: usize = 1 << 12;

/// The first NaN or infinity of `r`. `x * 0` is 0 for finite x and NaN otherwise, so each chunk
/// is one vectorised sum; only a chunk that fails is searched.
fn first_non_finite(r: &[f64]) -> Option<usize> {
    r.chunks(FINITE_CHUNK).enumerate().find_map(|(c, chunk)| {
        let mut lanes = [0.0f64; 8];
        let mut groups = chunk.chunks_exact(8);
        for group in &mut groups {
            for (lane, x) in lanes.iter_mut().zip(group) {
                *lane += x * 0.0;
            }
        }
        let tail: f64 = groups.remainder().iter().map(|x| x * 0.0).sum();
        let sum: f64 = lanes.iter().sum::<f64>() + tail;
        sum.is_nan()
            .then(|| chunk.iter().position(|x| !x.is_finite()))
            .flatten()
            .map(|k| c * FINITE_CHUNK + k)
    })
}

fn first_non_finite_par(r: &[f64]) -> Option<usize> {
    use rayon::prelude::*;
    const CHUNK: usize = 1 << 16;
    r.par_chunks(CHUNK)
        .enumerate()
        .find_map_first(|(c, chunk)| first_non_finite(chunk).map(|k| c * CHUNK + k))
}

/// The error for a non-finite residual row `k`: the input's first non-finite value when it has
/// one (a ValueError naming T[i, j]), else the row and the overflow that made it.
fn non_finite(problem: &Heat1D, v: &[f64], r: &[f64], k: usize) -> PyErr {
    if let Err(e) = problem.check_field("v", v) {
        return to_py(e);
    }
    to_py(Error::NonFinite {
        what: "the residual".to_string(),
        value: r[k],
        location: describe_row(&problem.layout(), k),
        cause: "v holds values too large for the residual's terms (|T|/dt, alpha |T|/dx^2)"
            .to_string(),
    })
}

/// Row `k` in words: its block and its (level, point).
pub fn describe_row(layout: &ResidualLayout, k: usize) -> String {
    let (nt, m) = (layout.nt, layout.interior());
    if k < nt {
        format!("row {k} (boundary x = 0 at level {k})")
    } else if k < 2 * nt {
        format!("row {k} (boundary x = x_max at level {})", k - nt)
    } else if k < layout.energy_start() {
        format!("row {k} (initial condition at j = {})", k - 2 * nt + 1)
    } else {
        let e = k - layout.energy_start();
        format!(
            "row {k} (energy balance between levels {} and {} at j = {})",
            e / m,
            e / m + 1,
            e % m + 1
        )
    }
}

/// An index type of the CSR arrays.
trait CsrIndex: Element + Copy + Send {
    fn at(k: usize) -> Self;
}

impl CsrIndex for i32 {
    fn at(k: usize) -> Self {
        k as i32
    }
}

impl CsrIndex for i64 {
    fn at(k: usize) -> Self {
        k as i64
    }
}

/// The Jacobian at v as `(data, indices, indptr, n)`, the arguments of `scipy.sparse.csr_matrix`.
pub fn jacobian_csr<'py>(
    py: Python<'py>,
    v: &Bound<'py, PyAny>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let problem = problem_only(py, kwargs)?;
    let v_array = read_f64("v", v)?;
    let v = v_array.as_slice()?;
    check_length(&problem, "v", v)?;
    let (n, m) = (problem.unknowns(), problem.nx - 2);
    let nnz = 2 * problem.nt + m + 6 * (problem.nt - 1) * m;
    let small = n < i32::MAX as usize && nnz <= i32::MAX as usize;
    let index_bytes = if small { 4 } else { 8 };
    ensure_fits(
        "Jacobian (CSR data, indices and row pointers)",
        bytes_for(nnz, 8 + index_bytes).saturating_add(bytes_for(n + 1, index_bytes)),
        "use fewer levels (nt)",
    )
    .map_err(to_py)?;
    let params = HeatParams::new(&problem);
    let data = fresh_f64(py, nnz);
    let tuple = if small {
        let (indices, indptr) = fill::<i32>(py, &params, v, &data, nnz)?;
        (data, indices, indptr, n).into_pyobject(py)?
    } else {
        let (indices, indptr) = fill::<i64>(py, &params, v, &data, nnz)?;
        (data, indices, indptr, n).into_pyobject(py)?
    };
    Ok(tuple)
}

/// Allocates the index arrays and fills all three (GIL released).
#[allow(clippy::type_complexity)]
fn fill<'py, I: CsrIndex>(
    py: Python<'py>,
    params: &HeatParams,
    v: &[f64],
    data: &Bound<'py, PyArray1<f64>>,
    nnz: usize,
) -> PyResult<(Bound<'py, PyArray1<I>>, Bound<'py, PyArray1<I>>)> {
    // SAFETY: every element of the three arrays is written by `fill_csr` below.
    let indices = unsafe { PyArray1::<I>::new(py, nnz, false) };
    let indptr = unsafe { PyArray1::<I>::new(py, v.len() + 1, false) };
    {
        let (mut d, mut i, mut p) = (
            data.try_readwrite()?,
            indices.try_readwrite()?,
            indptr.try_readwrite()?,
        );
        let (d, i, p) = (d.as_slice_mut()?, i.as_slice_mut()?, p.as_slice_mut()?);
        py.detach(|| fill_csr(params, v, d, i, p));
    }
    Ok((indices, indptr))
}

/// The CSR arrays of the Jacobian, from `heat_jacobian`'s level-major rows
/// `[A-, A0, A+, B-, B0, B+, F]` (A: this level, B: the level before) assembled a chunk of
/// levels at a time.
fn fill_csr<I: CsrIndex>(
    p: &HeatParams,
    v: &[f64],
    data: &mut [f64],
    indices: &mut [I],
    indptr: &mut [I],
) {
    let (nt, nx) = (p.nt(), p.nx());
    let layout = ResidualLayout { nt, nx };
    let e0 = layout.energy_start();
    for (r, ptr) in indptr[..=e0].iter_mut().enumerate() {
        *ptr = I::at(r);
    }
    for (e, ptr) in indptr[e0 + 1..].iter_mut().enumerate() {
        *ptr = I::at(e0 + 6 * (e + 1));
    }
    let segment = Segment {
        level0: 0,
        levels: nt as u32,
        prev_levels: 0,
        partials_offset: 0,
        partials_stride: 0,
    };
    let chunk = (JACOBIAN_CHUNK_ROWS / nx).max(1);
    let mut rows = vec![0.0; chunk * nx * JACOBIAN_ROW];
    for level0 in (0..nt).step_by(chunk) {
        let cursor = MarchCursor {
            level0: level0 as u32,
            chunk: 0,
            levels: chunk as u32,
            row: 0,
            row_end: 0,
            sweep_rows: 0,
        };
        heat_jacobian(p, v, &[], &segment, &cursor, &mut rows);
        for i in cursor.window(&segment) {
            for j in 0..nx {
                let row = &rows[((i - level0) * nx + j) * JACOBIAN_ROW..][..JACOBIAN_ROW];
                let identity = if j == 0 {
                    Some((layout.boundary_x0(i), i * nx))
                } else if j == nx - 1 {
                    Some((layout.boundary_xl(i), i * nx + j))
                } else if i == 0 {
                    Some((layout.initial(j), j))
                } else {
                    None
                };
                if let Some((k, column)) = identity {
                    data[k] = row[1];
                    indices[k] = I::at(column);
                    continue;
                }
                let at = e0 + 6 * (layout.energy(i - 1, j) - e0);
                let (old, new) = ((i - 1) * nx + j - 1, i * nx + j - 1);
                data[at..at + 3].copy_from_slice(&row[3..6]);
                data[at + 3..at + 6].copy_from_slice(&row[0..3]);
                for d in 0..3 {
                    indices[at + d] = I::at(old + d);
                    indices[at + 3 + d] = I::at(new + d);
                }
            }
        }
    }
}

/// The users' initial guess: `t_t0` everywhere, column 0 = `t_x0`, last column = `t_xl`.
pub fn initial_guess<'py>(
    py: Python<'py>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let problem = problem_only(py, kwargs)?;
    ensure_fits(
        "initial guess",
        bytes_for(problem.unknowns(), 8),
        "use fewer levels (nt)",
    )
    .map_err(to_py)?;
    Ok(PyArray1::from_vec(py, problem.initial_guess()))
}

/// Seconds per residual call measured in Rust, one figure per round of `calls` calls into a
/// preallocated output: the same kernels and the same single-thread/parallel choice as
/// [`residual`], without Python in between.
pub fn time_residual<'py>(
    py: Python<'py>,
    v: &Bound<'py, PyAny>,
    calls: usize,
    rounds: usize,
    check_finite: bool,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Vec<f64>> {
    if !(1..=1_000_000_000).contains(&calls) || !(1..=10_000).contains(&rounds) {
        return Err(invalid(
            "calls, rounds",
            format!("{calls}, {rounds}"),
            "must be in [1, 1e9] and [1, 1e4]",
        ));
    }
    let problem = problem_only(py, kwargs)?;
    let params = HeatParams::new(&problem);
    let v_array = read_f64("v", v)?;
    let v = v_array.as_slice()?;
    check_length(&problem, "v", v)?;
    let mut r = vec![0.0; v.len()];
    Ok(py.detach(|| {
        (0..rounds)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..calls {
                    let bad = if v.len() < PARALLEL_MIN {
                        heat_residual(&params, v, &mut r);
                        check_finite.then(|| first_non_finite(&r)).flatten()
                    } else {
                        heat_residual_par(&params, v, &mut r);
                        check_finite.then(|| first_non_finite_par(&r)).flatten()
                    };
                    std::hint::black_box(bad);
                }
                start.elapsed().as_secs_f64() / calls as f64
            })
            .collect()
    }))
}
