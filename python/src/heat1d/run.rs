//! `solve` and `sweep` of P1 through heatgpu's own entry points, in the CLI's order: values
//! and combinations first, then the backend (with the cost model's one-line reason), the memory
//! the run will take, and only then the arrays and the work, with the GIL released. Fields come
//! back without a copy: the solver's `Array2` becomes the numpy array, and a sweep streams each
//! kept level straight into the numpy array it returns.

use std::time::Instant;

use heatgpu::memory::{bytes_for, ensure_fits};
use heatgpu::problems::heat1d::solve::{
    host_bytes_needed, linear_march, linear_march_host_bytes, solve as heat_solve, Compute, Mode,
    SolveOptions, SolveReport, WorkShape,
};
use heatgpu::problems::heat1d::sweep::{Sweep, MAX_MEMBERS};
use heatgpu::solver::march::{check_snapshot_every, kept_level_count};
use heatgpu::Heat1D;
use numpy::{PyArray2, PyArray3, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::json;

use super::{set_param, ENTRY};
use crate::arrays::read_f64;
use crate::convert::to_python;
use crate::errors::{invalid, to_py};
use crate::params::{choice, count, flag, number};
use crate::problems::{Common, Solved};
use crate::progress::Bridge;

/// Parameters a sweep may vary (as `heatgpu solve --sweep`).
pub const SWEEP_PARAMS: &[&str] = &["alpha", "t_x0", "t_xl", "t_t0"];
/// Options of `sweep`.
pub const SWEEP_OPTIONS: &[&str] = &["snapshot_every"];

/// Newton iterations (all-at-once), Newton iterations over all steps (march), or linear solves
/// (the linear march: one per step; the blocked direct solve: one).
fn iterations(report: &SolveReport) -> usize {
    match report {
        SolveReport::AllAtOnce { newton, .. } => newton.iterations,
        SolveReport::March(stats) => stats.newton_iterations,
        SolveReport::LinearMarch { steps, .. } => *steps,
        SolveReport::Blocked { .. } => 1,
    }
}

pub fn solve<'py>(
    py: Python<'py>,
    common: &Common,
    kwargs: &Bound<'py, PyDict>,
) -> PyResult<Solved<'py>> {
    ENTRY.check_names(kwargs, ENTRY.options)?;
    let mut problem = Heat1D::default();
    let mut options = SolveOptions::default();
    let mut guess = None;
    for (key, value) in kwargs.iter() {
        let key: String = key.extract()?;
        if set_param(&mut problem, &key, &value)? {
            continue;
        }
        match key.as_str() {
            "mode" => options.mode = choice::<Mode>(&key, &value)?,
            "snapshot_every" => options.snapshot_every = count(&key, &value)?,
            "atol" => options.newton.atol = number(&key, &value)?,
            "rtol" => options.newton.rtol = number(&key, &value)?,
            "max_iterations" => options.newton.max_iterations = count(&key, &value)?,
            "line_search" => options.newton.line_search = flag(&key, &value)?,
            "initial_guess" if !value.is_none() => guess = Some(read_f64(&key, &value)?),
            _ => {}
        }
    }
    problem.validate().map_err(to_py)?;
    options.validate(&problem).map_err(to_py)?;
    let guess = match &guess {
        Some(array) => {
            if options.mode == Mode::March {
                return Err(invalid(
                    "initial_guess",
                    "an array",
                    "is the start of the all-at-once Newton solve; mode march starts from the initial level",
                ));
            }
            let values = array.as_slice()?;
            problem
                .check_field("initial_guess", values)
                .map_err(to_py)?;
            Some(values)
        }
        None => None,
    };
    let mut bridge = Bridge::new(common.progress);
    let start = Instant::now();
    let result = py.detach(|| {
        let (compute, notice) = Compute::select(
            common.backend,
            common.precision,
            &WorkShape::of(&problem, options.mode, 1),
            std::slice::from_ref(&problem),
        )?;
        let (needed, what, fix) = host_bytes_needed(&problem, &options, &compute);
        ensure_fits(what, needed, fix)?;
        // The iterate the solve works on (counted in `needed`).
        let guess = guess.map(<[f64]>::to_vec);
        let solution = heat_solve(&problem, &options, compute, guess, &mut |done, total| {
            bridge.update(done, total)
        })?;
        Ok((solution, notice))
    });
    let (solution, notice) = bridge.finish(result)?;
    let elapsed = start.elapsed().as_secs_f64();
    let v = &solution.verification;
    let report = json!({
        "problem": "heat1d",
        "params": problem,
        "backend": solution.label.backend,
        "device": solution.label.device,
        "precision": solution.label.precision,
        "mode": options.mode,
        "iterations": iterations(&solution.report),
        "residual": v.residual,
        "target": v.target,
        "floor": v.floor,
        "evaluated": v.evaluated,
        "stopping": solution.report.stopping_reason(),
        "notice": notice,
        "f32_bound": solution.f32_bound,
        "solver": solution.report,
        "elapsed_s": elapsed,
    });
    let times = solution.times(&problem);
    Ok(Solved {
        field: PyArray2::from_owned_array(py, solution.field).into_any(),
        times,
        levels: solution.levels,
        report: to_python(py, &report)?,
    })
}

/// The members of a sweep and the kept-level interval, validated.
fn members(
    param: &str,
    values: &[f64],
    kwargs: &Bound<'_, PyDict>,
) -> PyResult<(Vec<Heat1D>, usize)> {
    ENTRY.check_names(kwargs, SWEEP_OPTIONS)?;
    if !SWEEP_PARAMS.contains(&param) {
        return Err(invalid(
            "sweep",
            param,
            &format!("a heat1d sweep varies one of {}", SWEEP_PARAMS.join(", ")),
        ));
    }
    if kwargs.contains(param)? {
        return Err(invalid(
            param,
            "a value and a sweep",
            "give either the swept values or one value",
        ));
    }
    if !(1..=MAX_MEMBERS).contains(&values.len()) {
        return Err(invalid(
            "sweep",
            values.len(),
            &format!("the number of values must be in [1, {MAX_MEMBERS}]"),
        ));
    }
    if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
        return Err(invalid(param, bad, "swept values must be finite"));
    }
    let mut base = Heat1D::default();
    let mut snapshot_every = 1;
    for (key, value) in kwargs.iter() {
        let key: String = key.extract()?;
        if !set_param(&mut base, &key, &value)? {
            snapshot_every = count(&key, &value)?;
        }
    }
    base.validate().map_err(to_py)?;
    check_snapshot_every(snapshot_every).map_err(to_py)?;
    if !base.is_linear() {
        return Err(to_py(heatgpu::Error::invalid(
            "beta",
            base.beta,
            "a sweep marches the linear problem (beta = 0)",
        )));
    }
    let sweep = Sweep {
        param: param.to_string(),
        values: values.to_vec(),
    };
    let members = sweep.members(&base).map_err(to_py)?;
    Ok((members, snapshot_every))
}

pub fn check_sweep(param: &str, values: &[f64], kwargs: &Bound<'_, PyDict>) -> PyResult<()> {
    members(param, values, kwargs).map(|_| ())
}

/// Every member marched at once (the batched linear march); fields `members x levels x nx`.
pub fn sweep<'py>(
    py: Python<'py>,
    common: &Common,
    param: &str,
    values: &[f64],
    kwargs: &Bound<'py, PyDict>,
) -> PyResult<Solved<'py>> {
    let (members, snapshot_every) = members(param, values, kwargs)?;
    let base = &members[0];
    let (m, nx) = (members.len(), base.nx);
    let kept = kept_level_count(base.nt, snapshot_every);
    ensure_fits(
        "sweep (work arrays of every member and the returned fields)",
        linear_march_host_bytes(m, nx).saturating_add(bytes_for(m.saturating_mul(kept), nx * 8)),
        "use fewer members, a coarser grid or a larger snapshot_every",
    )
    .map_err(to_py)?;
    let fields = PyArray3::<f64>::zeros(py, [m, kept, nx], false);
    let mut bridge = Bridge::new(common.progress);
    let start = Instant::now();
    let result = {
        let mut fields_rw = fields.try_readwrite()?;
        let out = fields_rw.as_slice_mut()?;
        py.detach(|| {
            let (compute, notice) = Compute::select(
                common.backend,
                common.precision,
                &WorkShape::of(base, Mode::March, m),
                &members,
            )?;
            let march = linear_march(
                &members,
                snapshot_every,
                compute,
                &mut |member, row, level| {
                    out[(member * kept + row) * nx..][..nx].copy_from_slice(level);
                    Ok(())
                },
                &mut |done, total| bridge.update(done, total),
            )?;
            Ok((march, notice))
        })
    };
    let (march, notice) = bridge.finish(result)?;
    let v = &march.verification;
    let report = json!({
        "problem": "heat1d",
        "params": base,
        "sweep": {"param": param, "members": m},
        "backend": march.label.backend,
        "device": march.label.device,
        "precision": march.label.precision,
        "mode": "linear march (all members at once)",
        "iterations": base.nt - 1,
        "residual": v.residual,
        "target": v.target,
        "floor": v.floor,
        "evaluated": v.evaluated,
        "stopping": "every step of every member: one linear solve, residual checked",
        "notice": notice,
        "elapsed_s": start.elapsed().as_secs_f64(),
    });
    let times = march.levels.iter().map(|&i| i as f64 * base.dt()).collect();
    Ok(Solved {
        field: fields.into_any(),
        times,
        levels: march.levels,
        report: to_python(py, &report)?,
    })
}
