//! The solve entry point: a problem, a mode and options in; a labelled field and statistics out.

use ndarray::Array2;
use serde::Serialize;

use crate::backend::cpu::{CpuSpaceTime, CpuStep};
use crate::backend::ComputeLabel;
use crate::error::Result;
use crate::march::{march, snapshot_levels, MarchStats};
use crate::newton::{
    newton_solve, Converged, DirectionNorms, NewtonOptions, NewtonStats, NewtonSystem,
};
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

/// Progress callbacks: `(done, total)` in the unit of the mode (Newton iterations or steps).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

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
            let v = system.into_solution();
            let field = if options.snapshot_every == 1 {
                Array2::from_shape_vec((problem.nt, nx), v).expect("nt*nx values")
            } else {
                Array2::from_shape_fn((levels.len(), nx), |(r, j)| v[levels[r] * nx + j])
            };
            Ok(Solution {
                field,
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
