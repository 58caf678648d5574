//! P2, 2D diffusion `u_t = D (u_xx + u_yy)` on an `ny x nx` grid of spacing `h`, `r = D dt /
//! h^2`: the explicit update (stable for `r <= 1/4`) or Peaceman-Rachford ADI (any `r`),
//! periodic or Dirichlet, marched by heatgpu's own marchers (`heatgpu::problems::diffusion2d`)
//! on the CPU (f64, `threads` workers) or the GPU. Keyword arguments are named as
//! `heatgpu solve diffusion2d` names its flags; `input` is the initial field as an array.
//!
//! Order as in the CLI: values, the input's shape and values, the backend (with the cost model's
//! one-line reason), the memory of the run and of the returned field, then the march with the
//! GIL released. The kept fields (`levels x ny x nx`: step 0 and every `snapshot_every`-th
//! step when snapshots are asked for, always the last) are written straight into the array
//! handed to Python, allocated before the march. Every kept field is checked finite by the
//! march (a NaN or an infinity is an error naming the step and the point); the schemes are
//! direct updates, so there is no residual to verify.

use std::time::Instant;

use heatgpu::backend::Compute;
use heatgpu::memory::{bytes_for, ensure_fits};
use heatgpu::problems::diffusion2d::gpu::new_marcher;
use heatgpu::problems::diffusion2d::team::default_threads;
use heatgpu::problems::diffusion2d::{
    run_to_end, Boundary, CpuAdi, CpuExplicit, Diffusion2D, Marcher2d, Scheme, Target,
};
use heatgpu::problems::heat1d::solve::{Mode, WorkShape};
use numpy::{PyArray3, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::json;

use crate::arrays::read_f64;
use crate::convert::to_python;
use crate::errors::{invalid, to_py};
use crate::params::{choice, count, number};
use crate::problems::{Common, Entry, Solved};
use crate::progress::Bridge;

/// The problem's parameters, as the CLI's flags.
pub const PARAMS: &[&str] = &[
    "n", "nx", "ny", "steps", "dt", "d", "h", "scheme", "boundary", "edge",
];
/// Options of `solve`: snapshots, the initial field, CPU worker threads.
pub const OPTIONS: &[&str] = &["snapshot_every", "input", "threads"];

pub const ENTRY: Entry = Entry {
    name: "diffusion2d",
    summary: "P2: u_t = D (u_xx + u_yy) on an ny x nx grid, explicit (r <= 1/4) or ADI, periodic or Dirichlet",
    params: PARAMS,
    options: OPTIONS,
    solve,
    sweep_params: &[],
    sweep_options: &[],
    sweep: None,
};

/// Most CPU worker threads (as `--threads`).
const MAX_THREADS: usize = 1024;

/// The keyword arguments: the problem (validated), the initial field if given, the threads.
struct Run<'py> {
    problem: Diffusion2D,
    input: Option<PyReadonlyArrayDyn<'py, f64>>,
    threads: Option<usize>,
}

fn read<'py>(kwargs: &Bound<'py, PyDict>) -> PyResult<Run<'py>> {
    ENTRY.check_names(kwargs, OPTIONS)?;
    let mut p = Diffusion2D::book(3);
    let (mut n, mut nx, mut ny, mut input, mut threads) = (None, None, None, None, None);
    for (key, value) in kwargs.iter() {
        let key: String = key.extract()?;
        match key.as_str() {
            "n" => n = Some(count(&key, &value)?),
            "nx" => nx = Some(count(&key, &value)?),
            "ny" => ny = Some(count(&key, &value)?),
            "steps" => p.steps = count(&key, &value)?,
            "dt" => p.dt = number(&key, &value)?,
            "d" => p.d = number(&key, &value)?,
            "h" => p.h = number(&key, &value)?,
            "scheme" => p.scheme = choice::<Scheme>(&key, &value)?,
            "boundary" => p.boundary = choice::<Boundary>(&key, &value)?,
            "edge" => p.edge = number(&key, &value)?,
            "snapshot_every" => p.snapshot_every = count(&key, &value)?,
            "threads" if !value.is_none() => {
                let t = count(&key, &value)?;
                if !(1..=MAX_THREADS).contains(&t) {
                    return Err(invalid(&key, t, &format!("must be in 1..={MAX_THREADS}")));
                }
                threads = Some(t);
            }
            "input" if !value.is_none() => input = Some(read_f64(&key, &value)?),
            _ => {}
        }
    }
    if p.steps == 0 {
        return Err(invalid("steps", 0, "must be at least 1"));
    }
    let shape = match &input {
        Some(array) if array.ndim() == 2 => Some((array.shape()[0], array.shape()[1])),
        Some(array) => {
            return Err(PyValueError::new_err(format!(
                "invalid input input: an ny x nx array, got {} dimensions",
                array.ndim()
            )))
        }
        None => None,
    };
    (p.ny, p.nx) = match (n, ny, nx, shape) {
        (Some(n), Some(_), _, _) | (Some(n), _, Some(_), _) => {
            return Err(invalid(
                "n",
                n,
                "give n (a square grid), or nx and ny, not both",
            ))
        }
        (Some(n), None, None, _) => (n, n),
        (None, Some(ny), Some(nx), _) => (ny, nx),
        (None, None, None, Some(shape)) => shape,
        _ => {
            return Err(PyValueError::new_err(
                "give the grid: n=N, or nx and ny, or input (an ny x nx array)",
            ))
        }
    };
    if let Some(shape) = shape.filter(|&s| s != (p.ny, p.nx)) {
        return Err(PyValueError::new_err(format!(
            "invalid input input: a {} x {} field for a {} x {} grid",
            shape.0, shape.1, p.ny, p.nx
        )));
    }
    p.validate().map_err(to_py)?;
    Ok(Run {
        problem: p,
        input,
        threads,
    })
}

/// Steps whose fields are returned: the snapshots, and the last step when it is not one.
fn kept_steps(p: &Diffusion2D) -> Vec<usize> {
    let mut steps: Vec<usize> = p.snapshot_steps().collect();
    if steps.last() != Some(&p.steps) {
        steps.push(p.steps);
    }
    steps
}

/// Marches the problem; field `levels x ny x nx` (see the file's header).
pub fn solve<'py>(
    py: Python<'py>,
    common: &Common,
    kwargs: &Bound<'py, PyDict>,
) -> PyResult<Solved<'py>> {
    let run = read(kwargs)?;
    let problem = &run.problem;
    let (ny, nx, points) = (problem.ny, problem.nx, problem.points());
    let kept = kept_steps(problem);
    let threads = run
        .threads
        .unwrap_or_else(|| default_threads().min((points >> 16).max(1)));
    let input = match &run.input {
        Some(array) => Some(array.as_slice()?),
        None => None,
    };
    // The returned fields alone before they are allocated (zeroed pages, not touched yet), then
    // with the march's own arrays once the backend is known, before the march allocates.
    let fields_bytes = bytes_for(kept.len(), points * 8);
    ensure_fits(
        "the returned fields",
        fields_bytes,
        "use a smaller grid or a larger snapshot_every",
    )
    .map_err(to_py)?;
    let fields = PyArray3::<f64>::zeros(py, [kept.len(), ny, nx], false);
    let mut bridge = Bridge::new(common.progress);
    let start = Instant::now();
    let result = {
        let mut fields_rw = fields.try_readwrite()?;
        let out = fields_rw.as_slice_mut()?;
        let kept = &kept;
        py.detach(|| {
            let shape = WorkShape {
                mode: Mode::March,
                nt: problem.steps,
                nx: points,
                members: 1,
                linear: true,
            };
            let (compute, notice) = Compute::select(common.backend, common.precision, &shape, &[])?;
            let precision = compute.precision();
            let book;
            let initial: &[f64] = match input {
                Some(values) => {
                    problem.check_field(values, precision)?;
                    values
                }
                None => {
                    book = problem.initial_field();
                    &book
                }
            };
            // A CPU run's arrays, or a GPU run's host field and its downloaded snapshots.
            let host = match &compute {
                Compute::Cpu => problem.memory_bytes(Target::Cpu { threads }),
                Compute::Gpu(_) => {
                    let slots = problem.gpu_snapshots_per_submit().max(1) as u64;
                    (3 + slots) * 8 * points as u64
                }
            };
            ensure_fits(
                "the 2D diffusion run and its returned fields",
                host.saturating_add(fields_bytes),
                "use a smaller grid or a larger snapshot_every",
            )?;
            let (mut march, device): (Box<dyn Marcher2d + '_>, String) = match &compute {
                Compute::Cpu => (
                    match problem.scheme {
                        Scheme::Explicit => {
                            Box::new(CpuExplicit::new(problem, initial, threads, None)?)
                        }
                        Scheme::Adi => Box::new(CpuAdi::new(problem, initial, threads)?),
                    },
                    format!("host CPU ({threads} threads)"),
                ),
                Compute::Gpu(ctx) => (
                    new_marcher(ctx, problem, initial)?,
                    ctx.summary().to_string(),
                ),
            };
            let mut field = vec![0.0; points];
            let mut index = 0;
            run_to_end(
                march.as_mut(),
                &mut field,
                &mut |_step, u| {
                    out[index * points..][..points].copy_from_slice(u);
                    index += 1;
                    Ok(())
                },
                &mut |done| bridge.update(done as u64, problem.steps as u64),
            )?;
            // The last step when it is no snapshot (the march checked it).
            if index < kept.len() {
                out[index * points..][..points].copy_from_slice(&field);
            }
            let backend = match compute {
                Compute::Cpu => "cpu",
                Compute::Gpu(_) => "gpu",
            };
            Ok((backend, device, precision, notice))
        })
    };
    let (backend, device, precision, notice) = bridge.finish(result)?;
    let seconds = start.elapsed().as_secs_f64();
    let report = json!({
        "problem": "diffusion2d",
        "params": problem,
        "backend": backend,
        "device": device,
        "precision": precision,
        "threads": if backend == "cpu" { Some(threads) } else { None },
        "mode": format!("{:?} steps, {:?} boundary", problem.scheme, problem.boundary).to_lowercase(),
        "r": problem.r(),
        "steps": problem.steps,
        "residual": null,
        "evaluated": "no residual: each step is a direct update; every kept field checked finite",
        "stopping": format!("{} steps done", problem.steps),
        "notice": notice,
        "input": run.input.is_some(),
        "point_steps_per_second": (points * problem.steps) as f64 / seconds,
        "elapsed_s": seconds,
    });
    let dt = problem.dt;
    Ok(Solved {
        field: fields.into_any(),
        times: kept.iter().map(|&s| s as f64 * dt).collect(),
        levels: kept,
        report: to_python(py, &report)?,
    })
}
