//! Bench cases of the P1 heat problem (nx = 11) and its tridiagonal building blocks.
//!
//! At each `nt` of the options: the copy of the field, the residual, the linear Newton solve
//! (theta = 1), the blocked all-levels solve with its verification (`p1-blocked`, issue 11),
//! and the nonlinear Newton direction (`p1-newton-scan`: beta = 0.02; GPU scan of affine maps,
//! CPU the old Thomas march). Then the tridiagonal building blocks (`super::tridiag`).
//! Bytes per unknown (f64 reals): copy, residual, p1-blocked 2 (write the field, read it to
//! verify); p1-newton-scan 3 (read v, write dv, read it for max |dv|); Newton 6.

use std::time::Instant;

use super::copy::CopyCase;
use super::{kernel_timing, time_repeats, timed, BenchCase, BenchOp, BenchOptions, Measured};
use crate::error::{Error, Result};
use crate::gpu::GpuContext;
use crate::memory::bytes_for;
use crate::problems::heat1d::cpu::CpuSpaceTime;
use crate::problems::heat1d::gpu::GpuBlockedAffine;
use crate::problems::heat1d::gpu::GpuHeatSession;
use crate::problems::heat1d::gpu::GpuNewtonScan;
use crate::problems::heat1d::kernels::{
    heat_residual_par, newton_march, BlockedAffineSolve, FieldCheck, HeatParams,
};
use crate::problems::heat1d::params::Heat1D;
use crate::solver::newton::{newton_solve_into, NewtonOptions, NewtonStats};

/// Temperature coefficient of the diffusivity in `p1-newton-scan` (a nonlinear problem).
const SCAN_BETA: f64 = 0.02;

/// The heat1d cases under `options`, in table order.
pub fn cases(options: &BenchOptions) -> Vec<Box<dyn BenchCase>> {
    let mut cases: Vec<Box<dyn BenchCase>> = Vec::new();
    for &nt in &options.nts {
        let linear = Heat1D {
            nt,
            theta: 1.0,
            ..Heat1D::default()
        };
        cases.push(Box::new(CopyCase {
            size: format!("nt={nt}"),
            len: linear.unknowns(),
        }));
        for op in [BenchOp::Residual, BenchOp::Newton, BenchOp::P1Blocked] {
            cases.push(Box::new(P1Case {
                op,
                problem: linear.clone(),
            }));
        }
        cases.push(Box::new(P1Case {
            op: BenchOp::P1NewtonScan,
            problem: Heat1D {
                beta: SCAN_BETA,
                ..linear
            },
        }));
    }
    cases.extend(super::tridiag::cases(options));
    cases
}

/// An error unless the field check is finite.
fn checked(what: &str, check: FieldCheck) -> Result<String> {
    if check.residual.is_finite() && check.max_abs.is_finite() {
        return Ok(format!("residual {:.1e}", check.residual));
    }
    Err(Error::Unverified(format!(
        "bench {what}: the solved field is not finite (residual {}, max |T| {})",
        check.residual, check.max_abs
    )))
}

/// An operation on the P1 problem: residual, Newton, p1-blocked, p1-newton-scan.
struct P1Case {
    op: BenchOp,
    problem: Heat1D,
}

impl BenchCase for P1Case {
    fn op(&self) -> BenchOp {
        self.op
    }

    fn size(&self) -> String {
        format!("nt={}", self.problem.nt)
    }

    fn unknowns(&self) -> usize {
        self.problem.unknowns()
    }

    fn bytes_per_unknown(&self, real: usize) -> usize {
        match self.op {
            BenchOp::Newton => 6 * real,
            BenchOp::P1NewtonScan => 3 * real,
            _ => 2 * real,
        }
    }

    fn host_bytes(&self) -> u64 {
        // Guess, iterate, residual, direction, trial, and the Newton session's copies.
        bytes_for(self.unknowns(), 6 * 8)
    }

    fn cpu(&self, repeats: usize) -> Result<Option<Measured>> {
        let problem = &self.problem;
        problem.validate()?;
        let start = Instant::now();
        let params = HeatParams::new(problem);
        let mut x = vec![0.0; problem.unknowns()];
        let m = match self.op {
            BenchOp::Residual => {
                let v = problem.initial_guess();
                let setup = start.elapsed();
                let t = time_repeats(repeats, || {
                    timed(|| {
                        heat_residual_par(&params, std::hint::black_box(&v), &mut x);
                        Ok(())
                    })
                })?;
                Measured::new(setup, t, None, None)
            }
            BenchOp::Newton => {
                let guess = problem.initial_guess();
                let mut system = CpuSpaceTime::new(problem, guess.clone())?;
                let setup = start.elapsed();
                let (opts, mut stats) = (NewtonOptions::default(), NewtonStats::default());
                let t = time_repeats(repeats, || {
                    system.set_iterate(&guess, problem)?;
                    timed(|| newton_solve_into(&mut system, &opts, &mut stats).map(drop))
                })?;
                Measured::new(setup, t, None, None)
            }
            BenchOp::P1Blocked => {
                let mut solve = BlockedAffineSolve::new(&params).ok_or_else(|| {
                    Error::invalid("nx", problem.nx, "p1-blocked needs nx - 2 <= 32")
                })?;
                let setup = start.elapsed();
                let mut check = None;
                let t = time_repeats(repeats, || {
                    timed(|| {
                        check = Some(solve.solve_into(&mut x));
                        Ok(())
                    })
                })?;
                let check = check.map(|c| checked("p1-blocked", c)).transpose()?;
                Measured::new(setup, t, None, check)
            }
            BenchOp::P1NewtonScan => {
                let v = problem.initial_guess();
                let mut scratch = vec![0.0; problem.nx];
                let setup = start.elapsed();
                let t = time_repeats(repeats, || {
                    timed(|| {
                        newton_march(&params, &v, &mut x, &mut scratch);
                        Ok(())
                    })
                })?;
                let check = finite_step("p1-newton-scan (cpu)", max_abs(&x))?;
                Measured::new(setup, t, None, Some(check))
            }
            op => unreachable!("{op:?} is not a P1 case"),
        };
        Ok(Some(m))
    }

    fn gpu(&self, ctx: GpuContext, repeats: usize) -> Result<(Option<Measured>, GpuContext)> {
        let problem = &self.problem;
        let guess = problem.initial_guess();
        let mut x = vec![0.0; problem.unknowns()];
        let start = Instant::now();
        let (m, ctx) = match self.op {
            BenchOp::Residual => {
                let mut session = GpuHeatSession::new(ctx, problem, &guess)?;
                let setup = start.elapsed();
                let t = time_repeats(repeats, || {
                    timed(|| {
                        session.set_iterate(&guess, problem)?;
                        session.residual_into(&mut x)
                    })
                })?;
                let kernel = kernel_timing(
                    &mut session,
                    |s| s.context(),
                    repeats,
                    |s| s.residual_into(&mut x),
                )?;
                (
                    Measured::new(setup, t, kernel, None),
                    session.into_context(),
                )
            }
            BenchOp::Newton => {
                let mut session = GpuHeatSession::new(ctx, problem, &guess)?;
                let setup = start.elapsed();
                let (opts, mut stats) = (NewtonOptions::default(), NewtonStats::default());
                let mut solve = |session: &mut GpuHeatSession| -> Result<()> {
                    session.set_iterate(&guess, problem)?;
                    newton_solve_into(session, &opts, &mut stats)?;
                    session.solution().map(drop)
                };
                let t = time_repeats(repeats, || timed(|| solve(&mut session)))?;
                let kernel = kernel_timing(&mut session, |s| s.context(), repeats, &mut solve)?;
                (
                    Measured::new(setup, t, kernel, None),
                    session.into_context(),
                )
            }
            BenchOp::P1Blocked => {
                let mut solver = GpuBlockedAffine::new(ctx, problem)?;
                let setup = start.elapsed();
                let mut check = None;
                let mut solve = |s: &mut GpuBlockedAffine| -> Result<()> {
                    check = Some(s.solve()?);
                    Ok(())
                };
                let t = time_repeats(repeats, || timed(|| solve(&mut solver)))?;
                let kernel = kernel_timing(&mut solver, |s| s.context(), repeats, &mut solve)?;
                let check = check.map(|c| checked("p1-blocked (gpu)", c)).transpose()?;
                (
                    Measured::new(setup, t, kernel, check),
                    solver.into_context(),
                )
            }
            BenchOp::P1NewtonScan => {
                let mut scan = GpuNewtonScan::new(ctx, problem, &guess)?;
                let setup = start.elapsed();
                let mut step = f64::NAN;
                let mut direction = |s: &mut GpuNewtonScan| -> Result<()> {
                    step = s.direction()?;
                    Ok(())
                };
                let t = time_repeats(repeats, || timed(|| direction(&mut scan)))?;
                let kernel = kernel_timing(&mut scan, |s| s.context(), repeats, &mut direction)?;
                let check = finite_step("p1-newton-scan (gpu)", step)?;
                (
                    Measured::new(setup, t, kernel, Some(check)),
                    scan.into_context(),
                )
            }
            op => unreachable!("{op:?} is not a P1 case"),
        };
        Ok((Some(m), ctx))
    }
}

fn max_abs(x: &[f64]) -> f64 {
    x.iter()
        .map(|v| if v.is_finite() { v.abs() } else { f64::NAN })
        .fold(0.0, |m: f64, v| if v.is_nan() { v } else { m.max(v) })
}

/// "max |dv| ..." or an error when the step is not finite.
fn finite_step(what: &str, step: f64) -> Result<String> {
    if step.is_finite() {
        Ok(format!("max |dv| {step:.3e}"))
    } else {
        Err(Error::Unverified(format!(
            "bench {what}: the Newton direction is not finite (max |dv| = {step})"
        )))
    }
}
