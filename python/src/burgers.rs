//! P3, viscous Burgers' equation `u_t + (u^2/2)_x = nu u_xx` on `[0, 2 pi)` (periodic), from
//! the Cole-Hopf level `u(x, 0) = 2 nu k b sin(kx) / (a + b cos(kx))`: `solve` and `sweep`
//! through heatgpu's own entry points (`heatgpu::problems::burgers1d::solve`), keyword
//! arguments named as `heatgpu solve burgers` names its flags.
//!
//! Order as in the CLI: names and values, then the backend (with the cost model's one-line
//! reason), the memory of the kept levels, then the march with the GIL released. Kept levels go
//! straight into the array handed to Python (a sweep: `members x levels x n`, allocated before
//! the march; one run: a vector reserved for every kept level, handed over without a copy).
//! Every step is verified by the solver (scaled residual at or below its target, values
//! finite); the report adds the max-norm distance from Cole-Hopf at `t_end`.

use std::time::Instant;

use heatgpu::backend::Compute;
use heatgpu::memory::{bytes_for, ensure_fits};
use heatgpu::problems::burgers1d::cli::DEFAULT_STEPS;
use heatgpu::problems::burgers1d::exact::cole_hopf_level;
use heatgpu::problems::burgers1d::select::select_compute;
use heatgpu::problems::burgers1d::solve::{kept_times, solve_cpu, solve_gpu, BurgersReport};
use heatgpu::problems::burgers1d::sweep::BurgersSweep;
use heatgpu::problems::burgers1d::{Burgers1D, Stepping};
use heatgpu::solver::march::check_snapshot_every;
use numpy::ndarray::Array2;
use numpy::{PyArray2, PyArray3, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{json, Value};

use crate::convert::to_python;
use crate::errors::{invalid, to_py};
use crate::params::{count, number};
use crate::problems::{Common, Entry, Solved};
use crate::progress::Bridge;

/// The problem's parameters, as the CLI's flags (`--t-end` is `t_end`).
pub const PARAMS: &[&str] = &["n", "nu", "a", "b", "k", "t_end", "steps", "tol", "theta"];
/// Options of `solve` and `sweep`.
pub const OPTIONS: &[&str] = &["snapshot_every"];
/// Parameters a sweep may vary (as `--sweep`).
pub const SWEEP_PARAMS: &[&str] = &["nu", "a", "b"];

pub const ENTRY: Entry = Entry {
    name: "burgers",
    summary: "P3: u_t + (u^2/2)_x = nu u_xx, periodic on [0, 2 pi), from the Cole-Hopf level; fixed theta steps or adaptive TR-BDF2 (tol)",
    params: PARAMS,
    options: OPTIONS,
    solve,
    sweep_params: SWEEP_PARAMS,
    sweep_options: OPTIONS,
    sweep: Some((sweep, check_sweep)),
};

/// Levels held for an adaptive run, whose count is known only at the end (as the CLI).
const ADAPTIVE_LEVELS_ESTIMATE: usize = 1 << 12;

/// The problem of the keyword arguments (defaults: the CLI's) and `snapshot_every`, validated.
/// `swept` is left at its default (a sweep sets it per member).
fn read(kwargs: &Bound<'_, PyDict>, swept: Option<&str>) -> PyResult<(Burgers1D, usize)> {
    let mut p = Burgers1D::default();
    let (mut steps, mut tol, mut theta_given, mut snapshot_every) = (None, None, false, 1);
    for (key, value) in kwargs.iter() {
        let key: String = key.extract()?;
        if swept == Some(key.as_str()) {
            return Err(invalid(
                &key,
                "a value and a sweep",
                "give either the swept values or one value",
            ));
        }
        match key.as_str() {
            "n" => p.n = count(&key, &value)?,
            "nu" => p.nu = number(&key, &value)?,
            "a" => p.a = number(&key, &value)?,
            "b" => p.b = number(&key, &value)?,
            "k" => {
                let k = count(&key, &value)?;
                p.k = u32::try_from(k).map_err(|_| invalid(&key, k, "must be below 2^32"))?;
            }
            "t_end" => p.t_end = number(&key, &value)?,
            "theta" => {
                p.theta = number(&key, &value)?;
                theta_given = true;
            }
            "steps" => steps = Some(count(&key, &value)?),
            "tol" => tol = Some(number(&key, &value)?),
            _ => snapshot_every = count(&key, &value)?,
        }
    }
    p.stepping = match (tol, steps, theta_given) {
        (Some(tol), None, false) => Stepping::Adaptive { tol },
        (Some(tol), _, _) => {
            return Err(invalid(
                "tol",
                tol,
                "adaptive TR-BDF2 steps choose their own sizes: give tol, or steps and theta",
            ))
        }
        (None, steps, _) => Stepping::Fixed {
            steps: steps.unwrap_or(DEFAULT_STEPS),
        },
    };
    p.validate().map_err(to_py)?;
    check_snapshot_every(snapshot_every).map_err(to_py)?;
    Ok((p, snapshot_every))
}

/// Max-norm distance of `u` from Cole-Hopf at `t_end`.
fn cole_hopf_error(p: &Burgers1D, u: &[f64]) -> f64 {
    let mut exact = vec![0.0; p.n];
    cole_hopf_level(p, p.t_end, &mut exact);
    u.iter()
        .zip(&exact)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// Progress as `(done, total)`: steps for fixed steps, thousandths of `t_end` when adaptive.
fn progress_of(p: &Burgers1D, t: f64) -> (u64, u64) {
    match p.stepping {
        Stepping::Fixed { steps } => ((t / p.t_end * steps as f64).round() as u64, steps as u64),
        Stepping::Adaptive { .. } => ((t / p.t_end * 1000.0).round() as u64, 1000),
    }
}

/// Runs `members` on the backend `common` selects; `keep(member, kept index, level)` gets every
/// kept level, and progress (with Ctrl-C) is reported at each of them. Runs with the GIL
/// released; returns the report, the f32 bound of an f32 device run and the notice.
fn run(
    py: Python<'_>,
    common: &Common,
    members: &[Burgers1D],
    snapshot_every: usize,
    keep: &mut (dyn FnMut(usize, usize, &[f64]) + Send),
) -> PyResult<(BurgersReport, Option<Value>, Option<String>)> {
    let first = &members[0];
    let last = members.len() - 1;
    let mut bridge = Bridge::new(common.progress);
    let result = py.detach(|| {
        let (compute, notice) = select_compute(common.backend, common.precision, members)?;
        let mut sink = |member: usize, kept: usize, t: f64, level: &[f64]| {
            keep(member, kept, level);
            if member == last {
                let (done, total) = progress_of(first, t);
                bridge.update(done, total);
            }
            Ok(())
        };
        let (report, bound) = match compute {
            Compute::Cpu => (solve_cpu(members, snapshot_every, &mut sink)?, None),
            Compute::Gpu(ctx) => solve_gpu(*ctx, members, snapshot_every, &mut sink)?,
        };
        let bound = bound.map(|b| json!(b));
        Ok((report, bound, notice))
    });
    bridge.finish(result)
}

/// The report of a run: what, where, how many steps and Newton iterations, the verified
/// residual, the distance from Cole-Hopf at `t_end` (one per member in a sweep).
fn report_of(
    base: &Burgers1D,
    report: &BurgersReport,
    f32_bound: Option<Value>,
    notice: Option<String>,
    exact_error: Value,
    elapsed: f64,
) -> Value {
    let v = &report.verification;
    let stepping = match base.stepping {
        Stepping::Fixed { .. } => "fixed theta steps, Newton per step",
        Stepping::Adaptive { .. } => "adaptive TR-BDF2, Newton per stage",
    };
    json!({
        "problem": "burgers",
        "params": base,
        "backend": report.label.backend,
        "device": report.label.device,
        "precision": report.label.precision,
        "mode": stepping,
        "steps": report.steps,
        "iterations": report.newton_iterations,
        "max_iterations_per_step": report.max_iterations_per_step,
        "step_control": report.step_control,
        "residual": v.residual,
        "target": v.target,
        "floor": v.floor,
        "evaluated": v.evaluated,
        "stopping": "every step: Newton to its target, the scaled residual verified",
        "notice": notice,
        "f32_bound": f32_bound,
        "exact_error": exact_error,
        "cell_reynolds": base.cell_reynolds(),
        "elapsed_s": elapsed,
    })
}

/// One Burgers run; field `levels x n` (level 0, every `snapshot_every`-th step and the last).
pub fn solve<'py>(
    py: Python<'py>,
    common: &Common,
    kwargs: &Bound<'py, PyDict>,
) -> PyResult<Solved<'py>> {
    ENTRY.check_names(kwargs, OPTIONS)?;
    let (problem, snapshot_every) = read(kwargs, None)?;
    let n = problem.n;
    // Fixed steps: every kept level reserved at once; adaptive: grown as levels are accepted.
    let known = kept_times(&problem, snapshot_every).map(|t| t.len());
    ensure_fits(
        "kept levels of the Burgers run",
        bytes_for(known.unwrap_or(ADAPTIVE_LEVELS_ESTIMATE), n * 8),
        "raise snapshot_every",
    )
    .map_err(to_py)?;
    let mut held: Vec<f64> = Vec::with_capacity(known.unwrap_or(1) * n);
    let start = Instant::now();
    let members = std::slice::from_ref(&problem);
    let (report, bound, notice) = run(py, common, members, snapshot_every, &mut |_, _, level| {
        held.extend_from_slice(level)
    })?;
    let elapsed = start.elapsed().as_secs_f64();
    let kept = report.times.len();
    let error = cole_hopf_error(&problem, &held[(kept - 1) * n..]);
    let field = Array2::from_shape_vec((kept, n), held)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    let report_value = report_of(&problem, &report, bound, notice, json!(error), elapsed);
    let times = report.times;
    let levels = match problem.stepping {
        Stepping::Fixed { .. } => times
            .iter()
            .map(|&t| (t / problem.t_end * (report.steps as f64)).round() as usize)
            .collect(),
        // Adaptive: the index of each kept level among the accepted steps.
        Stepping::Adaptive { .. } => (0..kept)
            .map(|i| (i * snapshot_every).min(report.steps))
            .collect(),
    };
    Ok(Solved {
        field: PyArray2::from_owned_array(py, field).into_any(),
        times,
        levels,
        report: to_python(py, &report_value)?,
    })
}

/// The members of a sweep and `snapshot_every`, validated (fixed steps only).
fn members(
    param: &str,
    values: &[f64],
    kwargs: &Bound<'_, PyDict>,
) -> PyResult<(Vec<Burgers1D>, usize)> {
    ENTRY.check_names(kwargs, OPTIONS)?;
    if !SWEEP_PARAMS.contains(&param) {
        return Err(invalid(
            "sweep",
            param,
            &format!("a burgers sweep varies one of {}", SWEEP_PARAMS.join(", ")),
        ));
    }
    if values.is_empty() {
        return Err(invalid("sweep", 0, "give at least one value"));
    }
    if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
        return Err(invalid(param, bad, "swept values must be finite"));
    }
    let (base, snapshot_every) = read(kwargs, Some(param))?;
    if let Stepping::Adaptive { tol } = base.stepping {
        return Err(invalid(
            "tol",
            tol,
            "a sweep marches all members with the same fixed steps: give steps",
        ));
    }
    let sweep = BurgersSweep {
        param: param.to_string(),
        values: values.to_vec(),
    };
    Ok((sweep.members(&base).map_err(to_py)?, snapshot_every))
}

pub fn check_sweep(param: &str, values: &[f64], kwargs: &Bound<'_, PyDict>) -> PyResult<()> {
    members(param, values, kwargs).map(|_| ())
}

/// Members differing in nu, a or b, marched together (CPU: members in parallel, each with its
/// own Newton solve; GPU: one batched Newton iteration); fields `members x levels x n`.
pub fn sweep<'py>(
    py: Python<'py>,
    common: &Common,
    param: &str,
    values: &[f64],
    kwargs: &Bound<'py, PyDict>,
) -> PyResult<Solved<'py>> {
    let (members, snapshot_every) = members(param, values, kwargs)?;
    let base = &members[0];
    let (m, n) = (members.len(), base.n);
    let times = kept_times(base, snapshot_every).expect("fixed steps");
    let kept = times.len();
    ensure_fits(
        "kept levels of the Burgers sweep",
        bytes_for(m.saturating_mul(kept), n * 8),
        "use fewer members, a coarser grid or a larger snapshot_every",
    )
    .map_err(to_py)?;
    let fields = PyArray3::<f64>::zeros(py, [m, kept, n], false);
    let start = Instant::now();
    let (report, bound, notice, errors) = {
        let mut fields_rw = fields.try_readwrite()?;
        let out = fields_rw.as_slice_mut()?;
        let (report, bound, notice) = run(
            py,
            common,
            &members,
            snapshot_every,
            &mut |member, row, level| out[(member * kept + row) * n..][..n].copy_from_slice(level),
        )?;
        let errors: Vec<f64> = members
            .iter()
            .enumerate()
            .map(|(s, p)| cole_hopf_error(p, &out[(s * kept + kept - 1) * n..][..n]))
            .collect();
        (report, bound, notice, errors)
    };
    let elapsed = start.elapsed().as_secs_f64();
    let mut report_value = report_of(base, &report, bound, notice, json!(errors), elapsed);
    report_value["sweep"] = json!({"param": param, "members": m});
    let steps = report.steps;
    let levels = report
        .times
        .iter()
        .map(|&t| (t / base.t_end * steps as f64).round() as usize)
        .collect();
    Ok(Solved {
        field: fields.into_any(),
        times: report.times,
        levels,
        report: to_python(py, &report_value)?,
    })
}
