//! Burgers entry points on the CPU: a fixed-step theta march (the generic [`march`] driver with
//! [`CpuBurgersStep`]), an adaptive TR-BDF2 march (the generic step controller with
//! [`CpuBurgersAdaptive`]) and sweeps (see [`super::sweep`]). Each validates first, checks the
//! memory it will allocate, and returns a report whose residual was verified: the final scaled
//! residual of every step, evaluated in f64 on the level that was kept, must be at or below the
//! step's target `max(atol, floor)`, and every kept level must be finite.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::backend::ComputeLabel;
use crate::error::{Error, Result};
use crate::memory::ensure_fits;
use crate::solver::march::{march, snapshot_levels};
use crate::solver::newton::{serialize_seconds, NewtonOptions};
use crate::solver::step_control::{integrate, StepControlOptions, StepControlReport};
use crate::verify::Verification;

use super::cpu_adaptive::CpuBurgersAdaptive;
use super::cpu_step::CpuBurgersStep;
use super::params::{check_members, Burgers1D, Stepping};

/// Receives `(member, kept index, time, level)` for every kept level, in order per member.
pub type LevelSink<'a> = &'a mut dyn FnMut(usize, usize, f64, &[f64]) -> Result<()>;

/// What a Burgers run did, and its verification.
#[derive(Clone, Debug, Serialize)]
pub struct BurgersReport {
    pub label: ComputeLabel,
    pub members: usize,
    /// Accepted time steps (per member).
    pub steps: usize,
    /// Newton iterations, all members and stages together.
    pub newton_iterations: usize,
    pub max_iterations_per_step: usize,
    /// The adaptive controller's report (tol, accepted/rejected, step sizes).
    pub step_control: Option<StepControlReport>,
    pub verification: Verification,
    /// Times of the kept levels.
    pub times: Vec<f64>,
    #[serde(serialize_with = "serialize_seconds")]
    pub elapsed: Duration,
}

/// Kept levels of a march: 0, every `snapshot_every`-th step and the last.
pub fn kept_times(problem: &Burgers1D, snapshot_every: usize) -> Option<Vec<f64>> {
    let dt = problem.dt()?;
    let Stepping::Fixed { steps } = problem.stepping else {
        return None;
    };
    Some(
        snapshot_levels(steps + 1, snapshot_every)
            .into_iter()
            .map(|i| i as f64 * dt)
            .collect(),
    )
}

/// Fails on the first NaN or infinity of a kept level, naming member, level and point.
pub fn check_finite_level(member: usize, kept: usize, level: &[f64]) -> Result<()> {
    match level.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(j) => Err(Error::NonFinite {
            what: format!("member {member}"),
            value: level[j],
            location: format!("u[level {kept}, point {j}]"),
            cause: "an overflow or an unstable step; check the magnitudes of nu, a, b".to_string(),
        }),
    }
}

/// Newton options of a fixed-step march: to the rounding floor, at least one iteration.
pub fn march_newton_options() -> NewtonOptions {
    NewtonOptions {
        min_iterations: 1,
        ..NewtonOptions::default()
    }
}

/// Solves `members` (one problem, or a sweep sharing its grid) on the CPU.
pub fn solve_cpu(
    members: &[Burgers1D],
    snapshot_every: usize,
    sink: LevelSink<'_>,
) -> Result<BurgersReport> {
    let first = check_members(members)?;
    crate::solver::march::check_snapshot_every(snapshot_every)?;
    match first.stepping {
        Stepping::Fixed { .. } if members.len() == 1 => march_fixed(first, snapshot_every, sink),
        Stepping::Fixed { .. } => super::sweep::march_sweep_cpu(members, snapshot_every, sink),
        Stepping::Adaptive { tol } if members.len() == 1 => {
            march_adaptive(first, tol, snapshot_every, sink)
        }
        Stepping::Adaptive { tol } => Err(Error::invalid(
            "tol",
            tol,
            "a sweep marches all members with the same fixed steps: use --steps with --sweep",
        )),
    }
}

fn march_fixed(
    problem: &Burgers1D,
    snapshot_every: usize,
    sink: LevelSink<'_>,
) -> Result<BurgersReport> {
    let Stepping::Fixed { steps } = problem.stepping else {
        unreachable!("fixed stepping checked by the caller")
    };
    let dt = problem.t_end / steps as f64;
    ensure_fits(
        "Burgers march (work arrays)",
        problem.memory_bytes(1),
        "use a coarser grid",
    )?;
    let start = Instant::now();
    let mut stepper = CpuBurgersStep::new(problem, dt)?;
    let mut failure = None;
    let mut kept = 0;
    let mut times = Vec::new();
    let stats = march(
        &mut stepper,
        steps + 1,
        snapshot_every,
        &march_newton_options(),
        |level_index, level| {
            if failure.is_some() {
                return;
            }
            let t = level_index as f64 * dt;
            let result = check_finite_level(0, kept, level).and_then(|()| sink(0, kept, t, level));
            if let Err(e) = result {
                failure = Some(e);
            }
            times.push(t);
            kept += 1;
        },
        |_| {},
    )?;
    if let Some(e) = failure {
        return Err(e);
    }
    let verification = Verification {
        residual: stats.max_step_residual,
        floor: stats.floor,
        target: stats.target,
        evaluated: "every step's final level, in f64 on the host",
    }
    .check()?;
    Ok(BurgersReport {
        label: ComputeLabel::cpu(),
        members: 1,
        steps: stats.steps,
        newton_iterations: stats.newton_iterations,
        max_iterations_per_step: stats.max_iterations_per_step,
        step_control: None,
        verification,
        times,
        elapsed: start.elapsed(),
    })
}

fn march_adaptive(
    problem: &Burgers1D,
    tol: f64,
    snapshot_every: usize,
    sink: LevelSink<'_>,
) -> Result<BurgersReport> {
    ensure_fits(
        "adaptive Burgers march (work arrays)",
        problem.memory_bytes(1),
        "use a coarser grid",
    )?;
    let start = Instant::now();
    let mut stepper = CpuBurgersAdaptive::new(problem, tol)?;
    let opts = StepControlOptions::new(tol, problem.t_end);
    sink(0, 0, 0.0, stepper.level())?;
    let mut times = vec![0.0];
    let mut last_kept = 0;
    let mut report = integrate(&mut stepper, &opts, |s, step, t, _| {
        // Every snapshot_every-th accepted step, and the last.
        if step.is_multiple_of(snapshot_every) || t == problem.t_end {
            check_finite_level(0, times.len(), s.level())?;
            sink(0, times.len(), t, s.level())?;
            times.push(t);
            last_kept = step;
        }
        Ok(())
    })?;
    debug_assert_eq!(last_kept, report.accepted);
    report.elapsed = start.elapsed();
    let stats = &stepper.stats;
    let verification = Verification {
        residual: stats.max_stage_residual,
        floor: stats.max_stage_floor,
        target: stats.max_stage_target,
        evaluated: "every stage's final iterate, in f64 on the host",
    }
    .check()?;
    Ok(BurgersReport {
        label: ComputeLabel::cpu(),
        members: 1,
        steps: report.accepted,
        newton_iterations: stats.newton_iterations,
        max_iterations_per_step: stats.max_iterations_per_stage,
        step_control: Some(report),
        verification,
        times,
        elapsed: start.elapsed(),
    })
}

/// Solves `members` (fixed steps) on the GPU of `ctx`; the f32 error bound comes with the
/// report when the device computes in f32.
pub fn solve_gpu(
    ctx: crate::gpu::GpuContext,
    members: &[Burgers1D],
    snapshot_every: usize,
    sink: LevelSink<'_>,
) -> Result<(BurgersReport, Option<super::gpu::F32Bound>)> {
    use super::gpu::{GpuBurgersMarch, GpuMarchOptions};
    check_members(members)?;
    crate::solver::march::check_snapshot_every(snapshot_every)?;
    ensure_fits(
        "GPU Burgers march (host copies of the initial and kept levels)",
        super::gpu::host_bytes(members),
        "use fewer members or a coarser grid",
    )?;
    let start = Instant::now();
    let mut session = GpuBurgersMarch::new(ctx, members, &GpuMarchOptions::default())?;
    let march = session.march(snapshot_every, sink)?;
    let report = BurgersReport {
        label: session.label(),
        members: members.len(),
        steps: march.steps,
        newton_iterations: march.newton_iterations * members.len(),
        max_iterations_per_step: march.iterations_per_step,
        step_control: None,
        verification: march.verification,
        times: march.times,
        elapsed: start.elapsed(),
    };
    Ok((report, session.f32_bound()))
}
