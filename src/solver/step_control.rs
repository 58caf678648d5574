//! Adaptive time stepping with local error control, written once for every march.
//!
//! A march implements [`AdaptiveStepper`]: take a step of size `h` from the accepted state into
//! a candidate and return an estimate of the candidate's local error (max-norm, in the units of
//! the solution), then either accept the candidate or try again from the same state. The
//! controller ([`integrate`]) chooses the steps.
//!
//! Error per unit step: a step of size `h` is accepted when its estimate is at most
//! `tol h / T` (`T` the whole time span). Local errors then add up to at most about `tol` over
//! the run (each is propagated by a contractive step of a dissipative problem), so `tol` bounds
//! the global error, not each step's. With a method of order `p` the estimate behaves like
//! `h^(p+1)`, its ratio to the allowance like `h^p`, and the next step is
//! `h (safety / ratio)^(1/p)`, limited to a factor in `[min_factor, max_factor]`. A rejected
//! step, or one whose implicit solve failed, is retried from the same state with a smaller `h`.
//! The last step is shortened to land on `T` exactly.
//!
//! [`tr_bdf2`] holds the coefficients of the second-order, L-stable TR-BDF2 method and its
//! embedded third-order estimate, for steppers that implement it.
//!
//! The controller allocates nothing per step: the step-size history is reserved up front
//! (`max_steps` entries).

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::solver::newton::{
    newton_solve_into, serialize_seconds, NewtonOptions, NewtonStats, NewtonSystem,
};

/// The outcome of one attempted step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Attempt {
    /// The candidate exists; its local error estimate (max-norm, units of the solution).
    Estimate(f64),
    /// An implicit solve of the step failed (no convergence, singular Jacobian): try smaller.
    SolveFailed,
}

/// A time march that can attempt steps of any size and accept or discard them.
pub trait AdaptiveStepper {
    /// Order `p` of the method: its local error estimate behaves like `h^(p+1)`.
    fn order(&self) -> u32;
    /// Attempts a step of size `h` from the accepted state into a candidate, leaving the
    /// accepted state as it is.
    fn try_step(&mut self, h: f64) -> Result<Attempt>;
    /// Makes the last candidate the accepted state.
    fn accept(&mut self);
}

/// Tolerance and safeguards of the controller.
#[derive(Clone, Debug, Serialize)]
pub struct StepControlOptions {
    /// Target of the global error (max-norm, units of the solution).
    pub tol: f64,
    /// Integrate from 0 to `t_end`.
    pub t_end: f64,
    /// First step to try (`None`: `t_end / 100`).
    pub initial_step: Option<f64>,
    pub safety: f64,
    pub min_factor: f64,
    pub max_factor: f64,
    /// Attempts (accepted and rejected) at most.
    pub max_steps: usize,
    /// Smallest step tried before giving up, relative to `t_end`.
    pub min_step_relative: f64,
    /// Steps land on every multiple of this interval (output times), and on `t_end`.
    pub output_interval: Option<f64>,
}

impl StepControlOptions {
    pub fn new(tol: f64, t_end: f64) -> StepControlOptions {
        StepControlOptions {
            tol,
            t_end,
            initial_step: None,
            safety: 0.9,
            min_factor: 0.2,
            max_factor: 4.0,
            max_steps: 100_000,
            min_step_relative: 1e-12,
            output_interval: None,
        }
    }

    pub fn validate(&self) -> Result<()> {
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return Err(Error::invalid(
                "tol",
                self.tol,
                "must be positive and finite",
            ));
        }
        if !(self.t_end > 0.0 && self.t_end.is_finite()) {
            return Err(Error::invalid(
                "t_end",
                self.t_end,
                "must be positive and finite",
            ));
        }
        if let Some(h) = self.initial_step {
            if !(h > 0.0 && h <= self.t_end) {
                return Err(Error::invalid("initial_step", h, "must be in (0, t_end]"));
            }
        }
        if let Some(dt) = self.output_interval {
            if !(dt > 0.0 && dt <= self.t_end && self.t_end / dt <= 1e9) {
                return Err(Error::invalid(
                    "output_interval",
                    dt,
                    "must be in (0, t_end] and at most 1e9 intervals",
                ));
            }
        }
        if self.max_steps == 0 {
            return Err(Error::invalid("max_steps", 0, "must be >= 1"));
        }
        Ok(())
    }
}

/// What the controller did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StepControlReport {
    pub tol: f64,
    pub t_end: f64,
    pub accepted: usize,
    /// Steps whose estimate exceeded the allowance.
    pub rejected: usize,
    /// Steps whose implicit solve failed (retried smaller; not counted in `rejected`).
    pub failed_solves: usize,
    /// Size of each accepted step, in order.
    pub step_sizes: Vec<f64>,
    /// Largest ratio estimate / allowance of an accepted step (at most 1).
    pub max_error_ratio: f64,
    #[serde(serialize_with = "serialize_seconds")]
    pub elapsed: Duration,
}

impl StepControlReport {
    /// Smallest and largest accepted step.
    pub fn step_range(&self) -> (f64, f64) {
        self.step_sizes
            .iter()
            .fold((f64::INFINITY, 0.0_f64), |(lo, hi), &h| {
                (lo.min(h), hi.max(h))
            })
    }
}

/// Integrates from 0 to `opts.t_end`. `on_accept(stepper, step, t, at_output)` is called after
/// each accepted step (step counts from 1, `t` is the time reached, `at_output` says whether
/// it is an output time: a multiple of `output_interval`, or `t_end`) with the stepper's
/// accepted state in place.
pub fn integrate<S: AdaptiveStepper>(
    stepper: &mut S,
    opts: &StepControlOptions,
    mut on_accept: impl FnMut(&S, usize, f64, bool) -> Result<()>,
) -> Result<StepControlReport> {
    opts.validate()?;
    let start = Instant::now();
    let mut report = StepControlReport {
        tol: opts.tol,
        t_end: opts.t_end,
        step_sizes: Vec::with_capacity(opts.max_steps.min(1 << 16)),
        ..StepControlReport::default()
    };
    let exponent = 1.0 / f64::from(stepper.order().max(1));
    let min_step = opts.min_step_relative * opts.t_end;
    let mut t = 0.0;
    let mut h = opts.initial_step.unwrap_or(opts.t_end / 100.0);
    // The next output time, as index * interval (no drift from repeated additions).
    let mut next_output = 1_u64;
    let output_time = |k: u64| match opts.output_interval {
        Some(dt) => (k as f64 * dt).min(opts.t_end),
        None => opts.t_end,
    };
    let mut attempts = 0;
    while t < opts.t_end {
        crate::cancel::check()?;
        attempts += 1;
        if attempts > opts.max_steps {
            return Err(Error::invalid(
                "max_steps",
                opts.max_steps,
                format!(
                    "reached at t = {t:.6e} of {:.6e} with h = {h:.3e}; loosen tol = {:e}",
                    opts.t_end, opts.tol
                ),
            ));
        }
        // Land on the next output time: a step that nearly reaches it is stretched, a longer
        // one shortened.
        let target = output_time(next_output);
        let remaining = target - t;
        let lands = h >= 0.99 * remaining;
        let h_try = if lands { remaining } else { h };
        let allowance = opts.tol * h_try / opts.t_end;
        match stepper.try_step(h_try)? {
            Attempt::Estimate(estimate) if estimate <= allowance => {
                stepper.accept();
                t = if lands { target } else { t + h_try };
                if lands {
                    next_output += 1;
                }
                report.accepted += 1;
                report.step_sizes.push(h_try);
                let ratio = estimate / allowance;
                report.max_error_ratio = report.max_error_ratio.max(ratio);
                on_accept(stepper, report.accepted, t, lands)?;
                // A step shortened to land keeps the size the controller had chosen.
                h = (h_try * factor(opts, ratio, exponent)).max(if lands {
                    h.min(h_try * opts.max_factor)
                } else {
                    0.0
                });
            }
            Attempt::Estimate(estimate) => {
                report.rejected += 1;
                // NaN estimates shrink to the smallest factor.
                let ratio = if estimate.is_nan() {
                    f64::INFINITY
                } else {
                    estimate / allowance
                };
                h = h_try * factor(opts, ratio, exponent).min(1.0);
            }
            Attempt::SolveFailed => {
                report.failed_solves += 1;
                h = h_try * 0.25;
            }
        }
        if h < min_step {
            return Err(Error::invalid(
                "tol",
                opts.tol,
                format!(
                    "cannot be met: the step size fell below {min_step:.3e} at t = {t:.6e} \
                     ({} rejected, {} failed solves)",
                    report.rejected, report.failed_solves
                ),
            ));
        }
    }
    report.elapsed = start.elapsed();
    Ok(report)
}

/// Step-size factor for an error ratio, within the options' limits.
fn factor(opts: &StepControlOptions, ratio: f64, exponent: f64) -> f64 {
    let raw = if ratio > 0.0 {
        opts.safety * ratio.powf(-exponent)
    } else {
        opts.max_factor
    };
    raw.clamp(opts.min_factor, opts.max_factor)
}

/// Newton totals over the implicit stages of an adaptive run (any problem).
#[derive(Clone, Debug, Default, Serialize)]
pub struct StageStats {
    pub stage_solves: usize,
    pub newton_iterations: usize,
    /// Largest final scaled residual of a stage of an accepted step.
    pub max_stage_residual: f64,
    /// Largest target (`max(atol, floor)`) a stage was solved to, and largest floor.
    pub max_stage_target: f64,
    pub max_stage_floor: f64,
    pub max_iterations_per_stage: usize,
}

impl StageStats {
    /// Folds `other` (an accepted attempt) into these totals.
    pub fn add(&mut self, other: &StageStats) {
        self.stage_solves += other.stage_solves;
        self.newton_iterations += other.newton_iterations;
        self.max_stage_residual = self.max_stage_residual.max(other.max_stage_residual);
        self.max_stage_target = self.max_stage_target.max(other.max_stage_target);
        self.max_stage_floor = self.max_stage_floor.max(other.max_stage_floor);
        self.max_iterations_per_stage = self
            .max_iterations_per_stage
            .max(other.max_iterations_per_stage);
    }
}

/// One implicit stage solved by the Newton driver, its statistics folded into `attempt`;
/// `Ok(false)` when Newton (or the linear solve behind it) failed, so that the controller
/// retries with a smaller step. Allocates nothing when `stats`' histories have room.
pub fn solve_stage(
    system: &mut impl NewtonSystem,
    newton: &NewtonOptions,
    stats: &mut NewtonStats,
    attempt: &mut StageStats,
) -> Result<bool> {
    match newton_solve_into(system, newton, stats) {
        Ok(_) => {
            attempt.add(&StageStats {
                stage_solves: 1,
                newton_iterations: stats.iterations,
                max_stage_residual: stats.final_residual(),
                max_stage_target: stats.target,
                max_stage_floor: stats.floor,
                max_iterations_per_stage: stats.iterations,
            });
            Ok(true)
        }
        Err(Error::Newton(_) | Error::Cyclic(_) | Error::Tridiag(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// TR-BDF2 (Bank et al. 1985; Hosea and Shampine 1996), `gamma = 2 - sqrt 2`: a trapezoidal
/// stage to `t + gamma h`, then a BDF2 stage to `t + h`, both of the implicit form
/// `w - D h f(w) = q` with the same `D = gamma / 2`:
///
/// * stage 1: `q = u_n + D h f(u_n)`, solution `u_g`;
/// * stage 2: `q = STAGE2_GAMMA u_g + STAGE2_N u_n`, solution `u_{n+1}`.
///
/// Second order, L-stable. The embedded third-order solution gives the error estimate
/// `e = ERROR_N h f(u_n) + ERROR_GAMMA h f(u_g) + ERROR_NEXT h f(u_{n+1})`, filtered as
/// `(I - D h J)^{-1} e` so that it stays bounded for stiff components. The stage values of
/// `h f` need no evaluation of f: `h f(u_g) = (u_g - q_1) / D`, `h f(u_{n+1}) = (u_{n+1} - q_2) / D`.
pub mod tr_bdf2 {
    use std::f64::consts::SQRT_2;

    pub const ORDER: u32 = 2;
    pub const GAMMA: f64 = 2.0 - SQRT_2;
    /// The implicit coefficient of both stages (`c = D h`).
    pub const D: f64 = GAMMA / 2.0;
    /// Stage 2's explicit part: `q_2 = STAGE2_GAMMA u_g + STAGE2_N u_n`.
    pub const STAGE2_GAMMA: f64 = 1.0 / (GAMMA * (2.0 - GAMMA));
    pub const STAGE2_N: f64 = -(1.0 - GAMMA) * (1.0 - GAMMA) / (GAMMA * (2.0 - GAMMA));
    /// Weights of the error estimate (the difference of the second- and third-order weights).
    pub const ERROR_N: f64 = (SQRT_2 - 1.0) / 3.0;
    pub const ERROR_GAMMA: f64 = -1.0 / 3.0;
    pub const ERROR_NEXT: f64 = GAMMA / 3.0;
}

#[cfg(test)]
mod tests {
    use super::tr_bdf2::*;
    use super::*;

    #[test]
    fn tr_bdf2_coefficients_are_consistent() {
        assert!((STAGE2_GAMMA + STAGE2_N - 1.0).abs() < 1e-15);
        // Stage 2 is BDF2 on (u_n, u_g, u_{n+1}) with implicit weight (1 - gamma)/(2 - gamma).
        assert!(((1.0 - GAMMA) / (2.0 - GAMMA) - D).abs() < 1e-15);
        // The estimate vanishes on constants and on linear functions of t.
        assert!((ERROR_N + ERROR_GAMMA + ERROR_NEXT).abs() < 1e-15);
        assert!((ERROR_GAMMA * GAMMA + ERROR_NEXT).abs() < 1e-15);
    }

    /// `y' = -lambda (y - cos t) - sin t`, `y(0) = 1`: exact `y = cos t` whatever lambda (stiff
    /// for large lambda). TR-BDF2 written out for a scalar.
    struct Scalar {
        lambda: f64,
        t: f64,
        y: f64,
        candidate: (f64, f64),
    }

    impl Scalar {
        fn f(&self, t: f64, y: f64) -> f64 {
            -self.lambda * (y - t.cos()) - t.sin()
        }
        /// Solves `w - c f(t, w) = q` (linear in w).
        fn stage(&self, t: f64, c: f64, q: f64) -> f64 {
            (q + c * (self.lambda * t.cos() - t.sin())) / (1.0 + c * self.lambda)
        }
    }

    impl AdaptiveStepper for Scalar {
        fn order(&self) -> u32 {
            ORDER
        }
        fn try_step(&mut self, h: f64) -> Result<Attempt> {
            let (t, u) = (self.t, self.y);
            let hf_n = h * self.f(t, u);
            let q1 = u + D * hf_n;
            let ug = self.stage(t + GAMMA * h, D * h, q1);
            let q2 = STAGE2_GAMMA * ug + STAGE2_N * u;
            let un = self.stage(t + h, D * h, q2);
            let e = ERROR_N * hf_n + ERROR_GAMMA * (ug - q1) / D + ERROR_NEXT * (un - q2) / D;
            self.candidate = (t + h, un);
            Ok(Attempt::Estimate((e / (1.0 + D * h * self.lambda)).abs()))
        }
        fn accept(&mut self) {
            (self.t, self.y) = self.candidate;
        }
    }

    #[test]
    fn global_error_follows_tol_with_few_steps() {
        for lambda in [1.0, 1e4] {
            let mut errors = Vec::new();
            for tol in [1e-4, 1e-6] {
                let mut s = Scalar {
                    lambda,
                    t: 0.0,
                    y: 1.0,
                    candidate: (0.0, 0.0),
                };
                let opts = StepControlOptions::new(tol, 5.0);
                let report = integrate(&mut s, &opts, |_, _, _, _| Ok(())).unwrap();
                assert_eq!(s.t, 5.0);
                let error = (s.y - 5.0_f64.cos()).abs();
                assert!(
                    error <= 3.0 * tol,
                    "lambda={lambda} tol={tol}: error {error}"
                );
                assert!(report.accepted < 2000, "{report:?}");
                assert_eq!(report.step_sizes.len(), report.accepted);
                errors.push((error, report.accepted));
            }
            // Second order under error-per-unit-step control: 100x tighter tol, about 10x steps.
            let growth = errors[1].1 as f64 / errors[0].1 as f64;
            assert!((4.0..25.0).contains(&growth), "lambda={lambda}: {errors:?}");
        }
    }

    #[test]
    fn steps_land_on_output_times() {
        let mut s = Scalar {
            lambda: 10.0,
            t: 0.0,
            y: 1.0,
            candidate: (0.0, 0.0),
        };
        let opts = StepControlOptions {
            output_interval: Some(0.3),
            ..StepControlOptions::new(1e-5, 1.0)
        };
        let mut outputs = Vec::new();
        integrate(&mut s, &opts, |s, _, t, at_output| {
            assert_eq!(s.t, t);
            if at_output {
                outputs.push(t);
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(outputs.len(), 4);
        for (k, t) in outputs.iter().enumerate() {
            assert!(
                (t - (0.3 * (k + 1) as f64).min(1.0)).abs() < 1e-15,
                "{outputs:?}"
            );
        }
    }

    struct AlwaysFails;
    impl AdaptiveStepper for AlwaysFails {
        fn order(&self) -> u32 {
            2
        }
        fn try_step(&mut self, _: f64) -> Result<Attempt> {
            Ok(Attempt::SolveFailed)
        }
        fn accept(&mut self) {}
    }

    #[test]
    fn gives_up_with_a_named_reason() {
        let err = integrate(
            &mut AlwaysFails,
            &StepControlOptions::new(1e-6, 1.0),
            |_, _, _, _| Ok(()),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("tol") && err.contains("failed solves"),
            "{err}"
        );
        let mut bad = StepControlOptions::new(-1.0, 1.0);
        assert!(integrate(&mut AlwaysFails, &bad, |_, _, _, _| Ok(())).is_err());
        bad.tol = 1e-3;
        bad.initial_step = Some(2.0);
        assert!(integrate(&mut AlwaysFails, &bad, |_, _, _, _| Ok(()))
            .unwrap_err()
            .to_string()
            .contains("initial_step"));
    }
}
