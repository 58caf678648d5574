//! Burgers rows of `heatgpu bench`: the same cases on the CPU and on a GPU, timed end to end
//! (warm-up excluded, setup reported apart), each with its error against Cole-Hopf at `t_end`.
//!
//! Cases: one large grid marched with fixed Crank-Nicolson steps (n = 1e6; quick: 1e5), a sweep
//! of 4096 members of 1024 points (quick: 256), and the adaptive TR-BDF2 march at n = 65536
//! (CPU only: the GPU path marches fixed steps).

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::backend::ComputeLabel;
use crate::bench::Timing;
use crate::error::Result;
use crate::gpu::GpuContext;
use crate::solver::march::march;
use crate::solver::step_control::{integrate, StepControlOptions};

use super::cpu_adaptive::CpuBurgersAdaptive;
use super::cpu_step::CpuBurgersStep;
use super::exact::cole_hopf_level;
use super::gpu::{GpuBurgersMarch, GpuMarchOptions};
use super::params::{Burgers1D, Stepping};
use super::solve::march_newton_options;
use super::sweep::march_sweep_cpu;

/// One Burgers benchmark case.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BurgersBenchCase {
    /// `steps` Crank-Nicolson steps of one grid of `n` points (default problem, t_end 1).
    March { n: usize, steps: usize },
    /// `members` members (nu from 0.02 to 0.08) of `n` points, `steps` Crank-Nicolson steps.
    Sweep {
        members: usize,
        n: usize,
        steps: usize,
    },
    /// The adaptive TR-BDF2 march of the default problem to `tol`.
    Adaptive { n: usize, tol: f64 },
}

/// One measured case on one backend.
#[derive(Clone, Debug, Serialize)]
pub struct BurgersBenchRow {
    pub case: BurgersBenchCase,
    pub label: ComputeLabel,
    /// Buffers, pipelines, initial levels (not in the timing).
    pub setup_s: f64,
    pub timing: Timing,
    /// Point-steps solved (members x n x steps).
    pub point_steps: usize,
    pub steps: usize,
    pub newton_iterations: usize,
    /// Max-norm error against Cole-Hopf at t_end (largest over members).
    pub error: f64,
}

impl BurgersBenchCase {
    /// The cases of `heatgpu bench` (`quick`: small sizes).
    pub fn standard(quick: bool) -> Vec<BurgersBenchCase> {
        vec![
            BurgersBenchCase::March {
                n: if quick { 100_000 } else { 1_000_000 },
                steps: 20,
            },
            BurgersBenchCase::Sweep {
                members: if quick { 256 } else { 4096 },
                n: 1024,
                steps: 20,
            },
            BurgersBenchCase::Adaptive {
                n: if quick { 8192 } else { 65536 },
                tol: 5e-6,
            },
        ]
    }

    /// The members of the case (one except for a sweep).
    pub fn members(&self) -> Vec<Burgers1D> {
        let fixed = |n, steps| Burgers1D {
            n,
            stepping: Stepping::Fixed { steps },
            ..Burgers1D::default()
        };
        match *self {
            BurgersBenchCase::March { n, steps } => vec![fixed(n, steps)],
            BurgersBenchCase::Sweep { members, n, steps } => (0..members)
                .map(|s| Burgers1D {
                    nu: 0.02 + 0.06 * s as f64 / (members.max(2) - 1) as f64,
                    ..fixed(n, steps)
                })
                .collect(),
            BurgersBenchCase::Adaptive { n, tol } => vec![Burgers1D {
                n,
                stepping: Stepping::Adaptive { tol },
                ..Burgers1D::default()
            }],
        }
    }

    fn point_steps(&self, steps: usize) -> usize {
        let members = self.members();
        members.len() * members[0].n * steps
    }

    /// Times the case on the CPU (`repeats` runs after a warm-up).
    pub fn cpu(&self, repeats: usize) -> Result<BurgersBenchRow> {
        let members = self.members();
        let p = &members[0];
        let mut runs = Vec::new();
        let mut setup = Duration::ZERO;
        let (mut steps, mut newton_iterations, mut error) = (0, 0, 0.0);
        for _ in 0..=repeats.max(1) {
            crate::cancel::check()?;
            let (elapsed, run) = match *self {
                BurgersBenchCase::March { steps: k, .. } => {
                    let start = Instant::now();
                    let mut stepper = CpuBurgersStep::new(p, p.t_end / k as f64)?;
                    setup = start.elapsed();
                    let start = Instant::now();
                    let stats = march(
                        &mut stepper,
                        k + 1,
                        k,
                        &march_newton_options(),
                        |_, _| {},
                        |_| {},
                    )?;
                    let elapsed = start.elapsed();
                    let e = error_of(p, crate::solver::march::LevelStepper::level(&stepper));
                    (elapsed, (stats.steps, stats.newton_iterations, e))
                }
                BurgersBenchCase::Sweep { .. } => {
                    let mut e = 0.0_f64;
                    let mut last = vec![0.0; p.n];
                    let k = p.dt().map_or(0, |dt| (p.t_end / dt).round() as usize);
                    let start = Instant::now();
                    let report = march_sweep_cpu(&members, usize::MAX, &mut |s, kept, _, u| {
                        if kept > 0 {
                            last.copy_from_slice(u);
                            e = e.max(error_of(&members[s], &last));
                        }
                        Ok(())
                    })?;
                    let elapsed = start.elapsed();
                    debug_assert_eq!(report.steps, k);
                    (elapsed, (report.steps, report.newton_iterations, e))
                }
                BurgersBenchCase::Adaptive { tol, .. } => {
                    let start = Instant::now();
                    let mut stepper = CpuBurgersAdaptive::new(p, tol)?;
                    setup = start.elapsed();
                    let start = Instant::now();
                    let report = integrate(
                        &mut stepper,
                        &StepControlOptions::new(tol, p.t_end),
                        |_, _, _, _| Ok(()),
                    )?;
                    let elapsed = start.elapsed();
                    let e = error_of(p, stepper.level());
                    let iterations = stepper.stats.newton_iterations;
                    (elapsed, (report.accepted, iterations, e))
                }
            };
            runs.push(elapsed);
            (steps, newton_iterations, error) = run;
        }
        runs.remove(0);
        Ok(BurgersBenchRow {
            case: self.clone(),
            label: ComputeLabel::cpu(),
            setup_s: setup.as_secs_f64(),
            timing: timing_of(runs),
            point_steps: self.point_steps(steps),
            steps,
            newton_iterations,
            error,
        })
    }

    /// Times the case on the GPU of `ctx` (fixed-step cases; `None` for the adaptive one, which
    /// runs on the CPU only). The context comes back for the next case.
    pub fn gpu(
        &self,
        ctx: GpuContext,
        repeats: usize,
    ) -> Result<(Option<BurgersBenchRow>, GpuContext)> {
        if matches!(self, BurgersBenchCase::Adaptive { .. }) {
            return Ok((None, ctx));
        }
        let members = self.members();
        let start = Instant::now();
        let mut session = GpuBurgersMarch::new(ctx, &members, &GpuMarchOptions::default())?;
        let setup = start.elapsed();
        let mut runs = Vec::new();
        let mut report = None;
        for _ in 0..=repeats.max(1) {
            crate::cancel::check()?;
            session.reset()?;
            let start = Instant::now();
            report = Some(session.march(usize::MAX, &mut |_, _, _, _| Ok(()))?);
            runs.push(start.elapsed());
        }
        runs.remove(0);
        let mut last = Vec::new();
        session.read_levels(&mut last)?;
        let error = members
            .iter()
            .enumerate()
            .map(|(s, p)| error_of(p, &last[s * p.n..(s + 1) * p.n]))
            .fold(0.0, f64::max);
        let report = report.expect("at least one run");
        let row = BurgersBenchRow {
            case: self.clone(),
            label: session.label(),
            setup_s: setup.as_secs_f64(),
            timing: timing_of(runs),
            point_steps: self.point_steps(report.steps),
            steps: report.steps,
            newton_iterations: report.newton_iterations,
            error,
        };
        Ok((Some(row), session.into_context()))
    }
}

/// Max-norm error of `u` against Cole-Hopf at `p.t_end`.
fn error_of(p: &Burgers1D, u: &[f64]) -> f64 {
    let mut exact = vec![0.0; p.n];
    cole_hopf_level(p, p.t_end, &mut exact);
    u.iter()
        .zip(&exact)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

fn timing_of(mut runs: Vec<Duration>) -> Timing {
    runs.sort_unstable();
    Timing {
        median_s: runs[runs.len() / 2].as_secs_f64(),
        min_s: runs[0].as_secs_f64(),
        max_s: runs[runs.len() - 1].as_secs_f64(),
    }
}
