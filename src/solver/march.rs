//! Time marching: one implicit theta step after another, each solved by the Newton driver.
//! Memory O(nx) beyond the snapshots the caller keeps. Written once against [`LevelStepper`].

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::solver::newton::{
    newton_solve_into, serialize_seconds, Converged, NewtonOptions, NewtonStats, NewtonSystem,
};

/// A per-step nonlinear system whose unknown is the next time level.
pub trait LevelStepper: NewtonSystem {
    /// Takes the last solved level as the old level and as the guess for the next one.
    fn begin_step(&mut self);
    /// The current (last solved) level.
    fn level(&self) -> &[f64];
}

/// Totals over all steps of a march.
#[derive(Clone, Debug, Serialize)]
pub struct MarchStats {
    pub steps: usize,
    pub newton_iterations: usize,
    pub max_iterations_per_step: usize,
    /// Largest final scaled residual of any step (each evaluated on the level that was kept).
    pub max_step_residual: f64,
    /// The steps' rounding floor and target (the same for every step).
    pub floor: f64,
    pub target: f64,
    /// Why the steps stopped (the last step's reason: tolerance or rounding floor).
    pub stopping: Converged,
    #[serde(serialize_with = "serialize_seconds")]
    pub elapsed: Duration,
}

/// Marches `nt - 1` steps. `on_level(i, level)` is called for level 0, every `snapshot_every`-th
/// level and the last one; `on_progress(i)` after each step (cheap: it must not block).
pub fn march<S: LevelStepper>(
    stepper: &mut S,
    nt: usize,
    snapshot_every: usize,
    newton: &NewtonOptions,
    mut on_level: impl FnMut(usize, &[f64]),
    mut on_progress: impl FnMut(usize),
) -> Result<MarchStats> {
    check_snapshot_every(snapshot_every)?;
    let start = Instant::now();
    // Each step's guess is the previous level, whose residual may already look small: iterate once.
    let opts = NewtonOptions {
        min_iterations: newton.min_iterations.max(1),
        ..newton.clone()
    };
    let mut stats = MarchStats {
        steps: 0,
        newton_iterations: 0,
        max_iterations_per_step: 0,
        max_step_residual: 0.0,
        floor: stepper.rounding_floor(),
        target: 0.0,
        stopping: Converged::RoundingFloor,
        elapsed: Duration::ZERO,
    };
    let mut newton_stats = NewtonStats::default();
    on_level(0, stepper.level());
    for step in 1..nt {
        crate::cancel::check()?;
        stepper.begin_step();
        stats.stopping = newton_solve_into(stepper, &opts, &mut newton_stats).map_err(|e| {
            Error::StepFailed {
                step,
                cause: Box::new(e),
            }
        })?;
        stats.target = stats.target.max(newton_stats.target);
        stats.steps = step;
        stats.newton_iterations += newton_stats.iterations;
        stats.max_iterations_per_step = stats.max_iterations_per_step.max(newton_stats.iterations);
        stats.max_step_residual = stats.max_step_residual.max(newton_stats.final_residual());
        if is_kept_level(step, nt, snapshot_every) {
            on_level(step, stepper.level());
        }
        on_progress(step);
    }
    stats.elapsed = start.elapsed();
    Ok(stats)
}

/// Whether a march with `snapshot_every = k` reports level `step` of `nt`: 0, k, 2k, ..., nt-1.
pub fn is_kept_level(step: usize, nt: usize, snapshot_every: usize) -> bool {
    step.is_multiple_of(snapshot_every) || step == nt - 1
}

/// How many levels a march of `nt` levels with `snapshot_every = k` reports (no allocation:
/// memory estimates call it before anything is allocated).
pub fn kept_level_count(nt: usize, snapshot_every: usize) -> usize {
    let (steps, k) = (nt - 1, snapshot_every.max(1));
    steps / k + 1 + usize::from(!steps.is_multiple_of(k))
}

/// Indices of the levels a march with `snapshot_every` reports (see [`is_kept_level`]).
pub fn snapshot_levels(nt: usize, snapshot_every: usize) -> Vec<usize> {
    (0..nt)
        .filter(|&i| is_kept_level(i, nt, snapshot_every.max(1)))
        .collect()
}

/// `snapshot_every` must be at least 1 (the one rule for every mode and command).
pub fn check_snapshot_every(snapshot_every: usize) -> Result<()> {
    if snapshot_every == 0 {
        return Err(Error::invalid(
            "snapshot_every",
            0,
            "must be >= 1 (1 keeps every level)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_level_count_matches_the_kept_levels() {
        for nt in [2, 3, 10, 11, 101, 1000] {
            for k in [1, 2, 3, 7, 10, 100, 5000] {
                assert_eq!(
                    kept_level_count(nt, k),
                    snapshot_levels(nt, k).len(),
                    "nt={nt} k={k}"
                );
            }
        }
    }
}
