//! Adaptive Burgers march on the CPU: TR-BDF2 ([`crate::solver::step_control::tr_bdf2`]) with
//! its filtered embedded error estimate, driven by the problem-agnostic step controller.
//!
//! Each attempt solves two stages `w - D h L(w) = q` with the same Newton driver and
//! [`CpuBurgersStep`] as the theta march, then one more cyclic solve for the estimate
//! `(I - D h dL/du)^{-1} e`. Newton stops each stage at `atol = newton_tol_fraction * tol`
//! (or its rounding floor if higher): a stage error that small adds at most that fraction of
//! `tol` per step to the global error.
//!
//! Memory: the step's 9 arrays of n and 3 more (`u_g`, `h f(u_n)`, the estimate); an attempt
//! allocates nothing.

use crate::error::{Error, Result};
use crate::solver::newton::{NewtonOptions, NewtonStats};
use crate::solver::step_control::{solve_stage, tr_bdf2, AdaptiveStepper, Attempt};

use super::cpu_step::CpuBurgersStep;
use super::params::Burgers1D;

/// Fraction of `tol` at which each stage's Newton solve stops.
pub const NEWTON_TOL_FRACTION: f64 = 1e-3;

/// Newton totals over an adaptive run (shared with every adaptive march).
pub use crate::solver::step_control::StageStats;

/// TR-BDF2 for one Burgers member.
pub struct CpuBurgersAdaptive {
    step: CpuBurgersStep,
    /// `u_g`, the first stage's solution.
    stage_gamma: Vec<f64>,
    /// `h f(u_n)` of the current attempt.
    hf_n: Vec<f64>,
    /// The unfiltered, then the filtered estimate.
    error: Vec<f64>,
    estimate: Vec<f64>,
    newton: NewtonOptions,
    newton_stats: NewtonStats,
    /// Of the attempt in progress, and of accepted attempts.
    attempt: StageStats,
    pub stats: StageStats,
}

impl CpuBurgersAdaptive {
    /// Starts at the initial level; `tol` comes from the problem's adaptive stepping.
    pub fn new(problem: &Burgers1D, tol: f64) -> Result<CpuBurgersAdaptive> {
        let step = CpuBurgersStep::new(problem, problem.t_end)?;
        let n = problem.n;
        let mut newton_stats = NewtonStats::default();
        for history in [
            &mut newton_stats.residual_history,
            &mut newton_stats.step_history,
            &mut newton_stats.lambda_history,
        ] {
            history.reserve(64);
        }
        Ok(CpuBurgersAdaptive {
            step,
            stage_gamma: vec![0.0; n],
            hf_n: vec![0.0; n],
            error: vec![0.0; n],
            estimate: vec![0.0; n],
            newton: NewtonOptions {
                atol: NEWTON_TOL_FRACTION * tol,
                min_iterations: 1,
                ..NewtonOptions::default()
            },
            newton_stats,
            attempt: StageStats::default(),
            stats: StageStats::default(),
        })
    }

    /// The accepted level.
    pub fn level(&self) -> &[f64] {
        self.step.old()
    }

    /// One stage's Newton solve; `false` when it did not converge.
    fn solve_stage(&mut self) -> Result<bool> {
        solve_stage(
            &mut self.step,
            &self.newton,
            &mut self.newton_stats,
            &mut self.attempt,
        )
    }
}

impl AdaptiveStepper for CpuBurgersAdaptive {
    fn order(&self) -> u32 {
        tr_bdf2::ORDER
    }

    fn try_step(&mut self, h: f64) -> Result<Attempt> {
        use tr_bdf2::*;
        self.attempt = StageStats::default();
        self.step.set_implicit(D * h);
        // Stage 1 (trapezoidal to t + gamma h) from the guess u_n.
        self.step.set_explicit_from_old(D * h);
        for ((hf, q), u) in self
            .hf_n
            .iter_mut()
            .zip(self.step.explicit())
            .zip(self.step.old())
        {
            *hf = (q - u) / D;
        }
        self.step.guess_old();
        if !self.solve_stage()? {
            return Ok(Attempt::SolveFailed);
        }
        self.stage_gamma.copy_from_slice(self.step.iterate());
        // Stage 2 (BDF2 to t + h) from the guess extrapolated linearly through u_n and u_g.
        self.step
            .set_explicit_combination(STAGE2_GAMMA, &self.stage_gamma, STAGE2_N);
        self.step.set_guess_towards(&self.stage_gamma, 1.0 / GAMMA);
        if !self.solve_stage()? {
            return Ok(Attempt::SolveFailed);
        }
        // e = ERROR_N h f_n + ERROR_GAMMA h f_g + ERROR_NEXT h f_{n+1}, with
        // h f_g = (u_g - u_n) / D - h f_n and h f_{n+1} = (u_{n+1} - q_2) / D.
        let (u_n, u_next, q2) = (self.step.old(), self.step.iterate(), self.step.explicit());
        for (k, e) in self.error.iter_mut().enumerate() {
            let hf_g = (self.stage_gamma[k] - u_n[k]) / D - self.hf_n[k];
            let hf_next = (u_next[k] - q2[k]) / D;
            *e = ERROR_N * self.hf_n[k] + ERROR_GAMMA * hf_g + ERROR_NEXT * hf_next;
        }
        match self
            .step
            .solve_unscaled_jacobian(&self.error, &mut self.estimate)
        {
            Ok(norm) => Ok(Attempt::Estimate(norm)),
            Err(Error::Cyclic(_)) => Ok(Attempt::SolveFailed),
            Err(e) => Err(e),
        }
    }

    fn accept(&mut self) {
        self.step.accept_iterate();
        self.stats.add(&self.attempt);
    }
}
