//! P1 marched with adaptive steps: TR-BDF2 ([`stepper::CpuHeatAdaptive`]) driven by the
//! problem-agnostic step controller [`crate::solver::step_control::integrate`], the one Burgers
//! uses too. Linear and `alpha(T)` alike; on the CPU in f64.
//!
//! `tol` bounds the global error (max-norm, temperature units) of the time discretisation:
//! against the semi-discrete solution (space discretised, time exact). The problem's `nt` and
//! `theta` are not used: the steps are chosen by the controller, the method is TR-BDF2.
//!
//! Output: the accepted level at t = 0, at every `snapshot_every`-th accepted step and at
//! `t_max` (which the last step lands on exactly), with the times they were reached; or, with
//! an `output_interval`, at its multiples, which the steps land on. Never interpolated.
//! Every accepted step is verified: each stage's final scaled residual, in f64 on the level
//! that was kept, is at or below its Newton target, and every accepted level is
//! checked finite. Steps allocate nothing; the kept levels grow by doubling, each growth
//! checked against the memory the process may use.

pub mod stepper;

use ndarray::Array2;
use serde::Serialize;

use crate::backend::ComputeLabel;
use crate::error::{Error, Result};
use crate::memory::{bytes_for, ensure_fits};
use crate::solver::newton::NewtonOptions;
use crate::solver::step_control::{integrate, StageStats, StepControlOptions, StepControlReport};
use crate::verify::{check_finite_levels, Verification};

use super::params::Heat1D;

use stepper::CpuHeatAdaptive;

/// Options of an adaptive march.
#[derive(Clone, Debug)]
pub struct AdaptiveOptions {
    /// Target of the global time-discretisation error (max-norm, temperature units).
    pub tol: f64,
    /// Per-stage Newton options (iterations, line search; `atol` raises the stage target above
    /// `NEWTON_TOL_FRACTION tol`).
    pub newton: NewtonOptions,
    /// Keep every k-th accepted step (and t = 0 and t_max); k >= 1.
    pub snapshot_every: usize,
    /// Most step attempts (accepted and rejected).
    pub max_steps: usize,
    /// Steps land on every multiple of this interval; then exactly those levels are kept
    /// (with t = 0), and `snapshot_every` is not used.
    pub output_interval: Option<f64>,
}

impl AdaptiveOptions {
    pub fn new(tol: f64) -> AdaptiveOptions {
        AdaptiveOptions {
            tol,
            newton: NewtonOptions::default(),
            snapshot_every: 1,
            max_steps: StepControlOptions::new(tol, 1.0).max_steps,
            output_interval: None,
        }
    }
}

/// What an adaptive march produced.
#[derive(Clone, Debug)]
pub struct AdaptiveSolution {
    /// Kept levels x nx.
    pub field: Array2<f64>,
    /// Time of each row of `field`.
    pub times: Vec<f64>,
    pub label: ComputeLabel,
    pub report: AdaptiveReport,
    pub verification: Verification,
}

/// The controller's report and the stages' Newton totals.
#[derive(Clone, Debug, Serialize)]
pub struct AdaptiveReport {
    pub method: &'static str,
    pub step_control: StepControlReport,
    pub stages: StageStats,
}

/// Largest accepted `tol`, relative to the data's temperature scale.
pub const MAX_TOL_RELATIVE: f64 = 0.1;

/// Checks the problem for an adaptive march: every parameter as [`Heat1D::validate`] checks
/// it, with `theta = 1` (TR-BDF2 is L-stable: no step bound) and one step of `t_max` (the
/// largest a step can be: magnitudes are checked for it); `nt` and `theta` are not used.
pub fn check_problem(problem: &Heat1D) -> Result<()> {
    Heat1D {
        nt: 2,
        theta: 1.0,
        ..problem.clone()
    }
    .validate()
}

/// Checks the options against the problem.
pub fn check_options(problem: &Heat1D, options: &AdaptiveOptions) -> Result<()> {
    let tol_max = MAX_TOL_RELATIVE * problem.temperature_scale();
    if !(options.tol > 0.0 && options.tol <= tol_max) {
        return Err(Error::invalid(
            "tol",
            options.tol,
            format!("must be in (0, {tol_max:.3e}] ({MAX_TOL_RELATIVE} x the data's max |T|)"),
        ));
    }
    crate::solver::march::check_snapshot_every(options.snapshot_every)?;
    let checked = super::solve::SolveOptions {
        newton: options.newton.clone(),
        ..Default::default()
    };
    checked.validate(problem)?;
    if options.max_steps == 0 {
        return Err(Error::invalid("max_steps", 0, "must be >= 1"));
    }
    Ok(())
}

/// Marches `problem` from 0 to `t_max` with adaptive TR-BDF2 steps on the CPU. `progress`
/// gets `(per-mille of t_max reached, 1000)` after each accepted step.
pub fn solve_adaptive(
    problem: &Heat1D,
    options: &AdaptiveOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<AdaptiveSolution> {
    check_problem(problem)?;
    check_options(problem, options)?;
    let nx = problem.nx;
    ensure_fits(
        "adaptive march (work arrays)",
        bytes_for(nx, 16 * 8),
        "use fewer points",
    )?;
    let mut stepper = CpuHeatAdaptive::new(problem, options.tol, &options.newton);
    let control = StepControlOptions {
        max_steps: options.max_steps,
        output_interval: options.output_interval,
        ..StepControlOptions::new(options.tol, problem.t_max)
    };
    let mut field: Vec<f64> = Vec::with_capacity(nx * 16);
    let mut times = Vec::with_capacity(16);
    field.extend_from_slice(stepper.level());
    times.push(0.0);
    let every = options.snapshot_every;
    let report = integrate(&mut stepper, &control, |s, step, t, at_output| {
        check_finite_levels(s.level(), nx, "the adaptive march")?;
        let keep = match options.output_interval {
            Some(_) => at_output,
            None => step.is_multiple_of(every) || t == problem.t_max,
        };
        if keep {
            if field.len() == field.capacity() {
                ensure_fits(
                    "adaptive march (kept levels)",
                    bytes_for(2 * field.len(), 8),
                    "keep fewer levels with --snapshot-every K",
                )?;
            }
            field.extend_from_slice(s.level());
            times.push(t);
        }
        progress((1000.0 * t / problem.t_max) as u64, 1000);
        Ok(())
    })?;
    let stages = stepper.stats.clone();
    let verification = Verification {
        residual: stages.max_stage_residual,
        floor: stages.max_stage_floor,
        target: stages.max_stage_target,
        evaluated: "every stage of every accepted step, in f64 on the host",
    }
    .check()?;
    let rows = times.len();
    Ok(AdaptiveSolution {
        field: Array2::from_shape_vec((rows, nx), field).expect("rows of nx values"),
        times,
        label: ComputeLabel::cpu(),
        report: AdaptiveReport {
            method: "TR-BDF2 (L-stable, order 2, embedded order-3 estimate)",
            step_control: report,
            stages,
        },
        verification,
    })
}
