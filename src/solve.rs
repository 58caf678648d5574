//! The solve entry point: a problem, a mode and options in; a labelled field and statistics out.

use ndarray::Array2;
use serde::Serialize;

use crate::backend::cpu::{CpuSpaceTime, CpuStep};
use crate::backend::gpu::GpuHeatSession;
use crate::backend::ComputeLabel;
use crate::error::{HeatError, Result};
use crate::gpu::{AdapterRequest, GpuContext};
use crate::march::{march, snapshot_levels, MarchStats};
use crate::newton::{
    newton_solve, Converged, DirectionNorms, NewtonOptions, NewtonStats, NewtonSystem,
};
use crate::precision::Precision;
use crate::problem::memory::ensure_fits;
use crate::problem::Heat1D;

/// How the space-time system is solved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Newton on all `nt*nx` unknowns at once; each step a forward march of Thomas solves.
    AllAtOnce,
    /// One implicit step after another, Newton per step; memory O(nx).
    March,
}

#[derive(Clone, Debug)]
pub struct SolveOptions {
    pub mode: Mode,
    pub newton: NewtonOptions,
    /// Keep every k-th level (and the last) in the returned field.
    pub snapshot_every: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            mode: Mode::AllAtOnce,
            newton: NewtonOptions::default(),
            snapshot_every: 1,
        }
    }
}

/// What the solver did.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case", tag = "mode")]
pub enum SolveReport {
    AllAtOnce {
        converged: Converged,
        newton: NewtonStats,
    },
    March(MarchStats),
}

/// A solved field: rows are the kept time levels, columns the space points.
#[derive(Clone, Debug)]
pub struct Solution {
    pub field: Array2<f64>,
    /// Time index of each row of `field`.
    pub levels: Vec<usize>,
    pub label: ComputeLabel,
    pub report: SolveReport,
}

impl Solution {
    pub fn times(&self, problem: &Heat1D) -> Vec<f64> {
        self.levels
            .iter()
            .map(|&i| i as f64 * problem.dt())
            .collect()
    }
}

/// Which backend the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A hardware GPU when there is one, else the CPU (said out loud).
    Auto,
    Gpu,
    Cpu,
}

/// Where a solve runs: the CPU, or a GPU device context.
pub enum Compute {
    Cpu,
    Gpu(Box<GpuContext>),
}

impl Compute {
    /// Picks the backend. `auto` falls back to the CPU when no hardware adapter (or none with
    /// the requested precision) exists, or for the march mode, and returns a one-line notice
    /// saying so; `gpu` fails instead. The CPU computes in f64 only.
    pub fn select(
        backend: Backend,
        precision: Option<Precision>,
        mode: Mode,
    ) -> Result<(Compute, Option<String>)> {
        let cpu_f32 = || {
            HeatError::invalid(
                "precision",
                "f32",
                "the CPU backend computes in f64; use --backend gpu for f32",
            )
        };
        match backend {
            Backend::Cpu if precision == Some(Precision::F32) => Err(cpu_f32()),
            Backend::Cpu => Ok((Compute::Cpu, None)),
            Backend::Gpu if mode == Mode::March => Err(HeatError::invalid(
                "mode",
                "march",
                "the GPU backend solves all-at-once; use --mode all-at-once or --backend cpu",
            )),
            Backend::Gpu => {
                let ctx = GpuContext::new(&AdapterRequest::from_env(), precision)?;
                Ok((Compute::Gpu(Box::new(ctx)), None))
            }
            Backend::Auto if mode == Mode::March => Ok((Compute::Cpu, None)),
            Backend::Auto => {
                let fallback = |why: String| {
                    let precision_note = if precision == Some(Precision::F32) {
                        " in f64"
                    } else {
                        ""
                    };
                    Ok((
                        Compute::Cpu,
                        Some(format!("{why}: running on the CPU{precision_note}")),
                    ))
                };
                match GpuContext::new(&AdapterRequest::from_env(), precision) {
                    Ok(ctx) if ctx.summary().is_software => fallback(format!(
                        "only a software adapter ({}) found, slower than the CPU path (--backend gpu uses it anyway)",
                        ctx.summary().name
                    )),
                    Ok(ctx) => Ok((Compute::Gpu(Box::new(ctx)), None)),
                    Err(e) => fallback(format!("no usable GPU ({e})")),
                }
            }
        }
    }
}

/// Progress callbacks: `(done, total)` in the unit of the mode (Newton iterations or steps).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Solves where `compute` says, from `initial_guess` (all-at-once; `None`: the users' guess).
pub fn solve(
    problem: &Heat1D,
    options: &SolveOptions,
    compute: Compute,
    initial_guess: Option<Vec<f64>>,
    progress: Progress,
) -> Result<Solution> {
    let ctx = match compute {
        Compute::Cpu => return solve_cpu(problem, options, initial_guess, progress),
        Compute::Gpu(ctx) => *ctx,
    };
    if options.mode == Mode::March {
        return Err(HeatError::invalid(
            "mode",
            "march",
            "the GPU backend solves all-at-once",
        ));
    }
    problem.validate()?;
    let guess = initial_guess.unwrap_or_else(|| problem.initial_guess());
    let precision = ctx.precision();
    let mut session = GpuHeatSession::new(ctx, problem, &guess)?;
    // Tolerances below the precision's rounding floor of the scaled residual cannot be met.
    let newton = NewtonOptions {
        atol: options.newton.atol.max(rounding_floor(problem, precision)),
        ..options.newton.clone()
    };
    let max_iterations = newton.max_iterations as u64;
    let mut observed = Observed {
        inner: &mut session,
        on_direction: |k| progress(k, max_iterations),
        directions: 0,
    };
    let (converged, newton) = newton_solve(&mut observed, &newton)?;
    let v = session.solution()?;
    Ok(Solution {
        field: keep_levels(problem, v, options.snapshot_every),
        levels: snapshot_levels(problem.nt, options.snapshot_every),
        label: session.label(),
        report: SolveReport::AllAtOnce { converged, newton },
    })
}

/// The smallest scaled residual `precision` resolves: 32 roundings of the largest temperature.
pub fn rounding_floor(problem: &Heat1D, precision: Precision) -> f64 {
    let (lo, hi) = problem.temperature_range();
    let eps = match precision {
        Precision::F64 => f64::EPSILON,
        Precision::F32 => f32::EPSILON as f64,
    };
    32.0 * eps * lo.abs().max(hi.abs())
}

/// The all-at-once field as `levels x nx`, keeping every k-th level and the last.
fn keep_levels(problem: &Heat1D, v: Vec<f64>, snapshot_every: usize) -> Array2<f64> {
    let nx = problem.nx;
    if snapshot_every == 1 {
        return Array2::from_shape_vec((problem.nt, nx), v).expect("nt*nx values");
    }
    let levels = snapshot_levels(problem.nt, snapshot_every);
    Array2::from_shape_fn((levels.len(), nx), |(r, j)| v[levels[r] * nx + j])
}

/// Solves on the CPU, from `initial_guess` (all-at-once; `None`: the users' guess).
pub fn solve_cpu(
    problem: &Heat1D,
    options: &SolveOptions,
    initial_guess: Option<Vec<f64>>,
    progress: Progress,
) -> Result<Solution> {
    problem.validate()?;
    let levels = snapshot_levels(problem.nt, options.snapshot_every);
    let nx = problem.nx;
    match options.mode {
        Mode::AllAtOnce => {
            let guess = initial_guess.unwrap_or_else(|| problem.initial_guess());
            let mut system = CpuSpaceTime::new(problem, guess)?;
            let max_iterations = options.newton.max_iterations as u64;
            let mut observed = Observed {
                inner: &mut system,
                on_direction: |k| progress(k, max_iterations),
                directions: 0,
            };
            let (converged, newton) = newton_solve(&mut observed, &options.newton)?;
            Ok(Solution {
                field: keep_levels(problem, system.into_solution(), options.snapshot_every),
                levels,
                label: ComputeLabel::cpu(),
                report: SolveReport::AllAtOnce { converged, newton },
            })
        }
        Mode::March => {
            ensure_fits("march snapshots", 8 * (levels.len() * nx) as u64)?;
            let mut field = Array2::zeros((levels.len(), nx));
            let mut stepper = CpuStep::new(problem)?;
            let mut row = 0;
            let total = (problem.nt - 1) as u64;
            let stats = march(
                &mut stepper,
                problem.nt,
                options.snapshot_every,
                &options.newton,
                |_, level| {
                    field.row_mut(row).assign(&ndarray::aview1(level));
                    row += 1;
                },
                |step| progress(step as u64, total),
            )?;
            Ok(Solution {
                field,
                levels,
                label: ComputeLabel::cpu(),
                report: SolveReport::March(stats),
            })
        }
    }
}

/// A system seen through a callback on each Newton direction (for progress reporting).
struct Observed<'s, S, F> {
    inner: &'s mut S,
    on_direction: F,
    directions: u64,
}

impl<S: NewtonSystem, F: FnMut(u64)> NewtonSystem for Observed<'_, S, F> {
    fn residual_norm(&mut self) -> Result<f64> {
        self.inner.residual_norm()
    }
    fn newton_direction(&mut self) -> Result<DirectionNorms> {
        let d = self.inner.newton_direction();
        self.directions += 1;
        (self.on_direction)(self.directions);
        d
    }
    fn trial_residual_norm(&mut self, lambda: f64) -> Result<f64> {
        self.inner.trial_residual_norm(lambda)
    }
    fn accept_trial(&mut self) {
        self.inner.accept_trial()
    }
}
