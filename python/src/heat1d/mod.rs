//! P1, the 1D heat equation as one space-time system (`heatgpu::Heat1D`): keyword arguments,
//! and the entry of the problem table. [`system`] holds the residual and Jacobian handed to
//! scipy, [`run`] the solve and the sweep.

pub mod run;
pub mod system;

use heatgpu::Heat1D;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_py;
use crate::params::{count, number};
use crate::problems::Entry;

/// The problem's parameters, as `Heat1D` names them (defaults: the users' numbers).
pub const PARAMS: &[&str] = &[
    "t_max", "x_max", "nt", "nx", "alpha", "t_x0", "t_xl", "t_t0", "theta", "beta", "t_ref",
];

/// Options of `solve`.
pub const OPTIONS: &[&str] = &[
    "mode",
    "snapshot_every",
    "atol",
    "rtol",
    "max_iterations",
    "line_search",
    "initial_guess",
];

pub const ENTRY: Entry = Entry {
    name: "heat1d",
    summary: "P1: T_t = (alpha(T) T_x)_x on [0, x_max] x [0, t_max] as one space-time system of nt*nx equations",
    params: PARAMS,
    options: OPTIONS,
    solve: run::solve,
    sweep_params: run::SWEEP_PARAMS,
    sweep_options: run::SWEEP_OPTIONS,
    sweep: Some((run::sweep, run::check_sweep)),
};

/// Sets the parameter `key` of `p` from `value`; `false` when `key` is not a parameter.
pub fn set_param(p: &mut Heat1D, key: &str, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    let slot = match key {
        "nt" => {
            p.nt = count(key, value)?;
            return Ok(true);
        }
        "nx" => {
            p.nx = count(key, value)?;
            return Ok(true);
        }
        "t_max" => &mut p.t_max,
        "x_max" => &mut p.x_max,
        "alpha" => &mut p.alpha,
        "t_x0" => &mut p.t_x0,
        "t_xl" => &mut p.t_xl,
        "t_t0" => &mut p.t_t0,
        "theta" => &mut p.theta,
        "beta" => &mut p.beta,
        "t_ref" => &mut p.t_ref,
        _ => return Ok(false),
    };
    *slot = number(key, value)?;
    Ok(true)
}

/// The validated problem of keyword arguments that hold parameters only (residual, Jacobian,
/// initial guess). Looks each name up by its interned string (no allocation, no key decoding):
/// this runs on every residual call.
pub fn problem_only(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Heat1D> {
    let mut p = Heat1D::default();
    if let Some(kwargs) = kwargs {
        let names = [
            intern!(py, "t_max"),
            intern!(py, "x_max"),
            intern!(py, "nt"),
            intern!(py, "nx"),
            intern!(py, "alpha"),
            intern!(py, "t_x0"),
            intern!(py, "t_xl"),
            intern!(py, "t_t0"),
            intern!(py, "theta"),
            intern!(py, "beta"),
            intern!(py, "t_ref"),
        ];
        let mut found = 0;
        for (name, key) in names.iter().zip(PARAMS) {
            if let Some(value) = kwargs.get_item(name)? {
                set_param(&mut p, key, &value)?;
                found += 1;
            }
        }
        if found != kwargs.len() {
            ENTRY.check_names(kwargs, &[])?;
        }
    }
    p.validate().map_err(to_py)?;
    Ok(p)
}
