//! TR-BDF2 for P1 on the CPU: the heat equation's method of lines `dT/dt = f(T)`,
//! `f(T)_j = a L(T)_j` on the interior (`a = alpha0 / dx^2`, `L` the flux form of
//! `kernels::params::energy_balance`, linear or with `alpha(T)`), Dirichlet values
//! held on the two boundary points.
//!
//! Each stage of [`tr_bdf2`] is `w - c f(w) = q` with `c = D h`: exactly the energy row of a
//! backward-Euler step (`theta = 1`, `dt = c`) from the "old level" `q`,
//! `E = a L(w) - (w - q) / c`, so a stage is the theta march's Newton system with other
//! coefficients ([`HeatStage`]): rows scaled by `c / (1 + 2 a c k_max)` (temperature units),
//! boundary rows `w_0 - T_x0`, `w_last - T_xL`, a Newton direction one Thomas solve. The linear
//! problem converges in one iteration; `alpha(T)` takes a few, stopped at
//! `max(NEWTON_TOL_FRACTION tol, atol, floor)`.
//!
//! The error estimate `(I - c J(u_{n+1}))^{-1} e` (see [`tr_bdf2`]) is one more Thomas solve
//! with the last Newton matrix (`-(I - c J)/c`, right side `-e/c`).
//!
//! Memory: 13 arrays of nx; an attempt allocates nothing. Bytes per unknown and attempt
//! (f64), counted from the passes: explicit part and stage set-up about 110; per Newton
//! iteration about 185 (assemble 48, Thomas 64, norms 16, trial and its residual 40, plus the
//! first residual 16); the estimate about 150. The linear problem (one iteration per stage):
//! about 630; each further iteration of `alpha(T)` adds 185.

use crate::error::Result;
use crate::linalg::max_abs::max_abs;
use crate::linalg::thomas::thomas_solve;
use crate::solver::newton::{DirectionNorms, NewtonOptions, NewtonStats, NewtonSystem};
use crate::solver::step_control::{solve_stage, tr_bdf2, AdaptiveStepper, Attempt, StageStats};

use super::super::kernels::params::{energy_balance, level_stencils, HeatParams, FLOOR_ROUNDINGS};
use super::super::level_newton::LevelNewton;
use super::super::params::Heat1D;

/// Fraction of `tol` at which each stage's Newton solve stops (as Burgers'): a stage error
/// that small adds at most that fraction of `tol` per step to the global error.
pub const NEWTON_TOL_FRACTION: f64 = 1e-3;

/// One implicit stage `w - c f(w) = q` of the heat equation, as a [`NewtonSystem`].
pub struct HeatStage {
    /// `params`: `theta = 1`, `inv_dt = 1/c`, `energy_scale = c / (1 + 2 a c k_max)`;
    /// `previous`: the explicit part q (boundary entries unused); `iterate`: w.
    level: LevelNewton,
    /// `max alpha(T) / alpha0` over the data.
    k_max: f64,
    /// `max(|T| of the data, |q|)`: the scale of the rounding floor.
    scale: f64,
}

impl HeatStage {
    fn new(problem: &Heat1D) -> HeatStage {
        let params = HeatParams {
            theta: 1.0,
            ..HeatParams::new(problem)
        };
        HeatStage {
            level: LevelNewton::new(params, vec![0.0; problem.nx], problem.initial_level()),
            k_max: problem.max_diffusivity_factor(),
            scale: problem.temperature_scale(),
        }
    }

    /// Sets the implicit coefficient `c` and the explicit part's scale.
    fn set_coefficient(&mut self, c: f64) {
        let p = &mut self.level.params;
        p.inv_dt = 1.0 / c;
        p.energy_scale = c / (1.0 + 2.0 * p.a * c * self.k_max);
        self.scale = p.temperature_scale().max(max_abs(&self.level.previous));
    }
}

impl NewtonSystem for HeatStage {
    fn residual_norm(&mut self) -> Result<f64> {
        Ok(self.level.residual_norm())
    }

    fn newton_direction(&mut self) -> Result<DirectionNorms> {
        Ok(self.level.newton_direction())
    }

    fn trial_residual_norm(&mut self, lambda: f64) -> Result<f64> {
        Ok(self.level.trial_residual_norm(lambda))
    }

    fn accept_trial(&mut self) {
        self.level.accept_trial();
    }

    /// [`FLOOR_ROUNDINGS`] eps of the larger of |T| and |q|: a scaled row sums terms of at most
    /// `(|q| + (1 + 4 a c k)|w|) / (1 + 2 a c k)`, as the theta step's.
    fn rounding_floor(&self) -> f64 {
        FLOOR_ROUNDINGS * f64::EPSILON * self.scale
    }
}

/// TR-BDF2 with its filtered embedded estimate for one P1 problem, for
/// [`crate::solver::step_control::integrate`].
pub struct CpuHeatAdaptive {
    stage: HeatStage,
    /// `f` as an energy row: `theta = 0`, `inv_dt = 0` gives `E = a L(u)`.
    rate: HeatParams,
    /// The accepted level u_n.
    level: Vec<f64>,
    /// `u_g`, the first stage's solution.
    stage_gamma: Vec<f64>,
    /// `h f(u_n)` of the current attempt.
    hf_n: Vec<f64>,
    /// The filtered estimate.
    estimate: Vec<f64>,
    newton: NewtonOptions,
    newton_stats: NewtonStats,
    /// Of the attempt in progress, and of accepted attempts.
    attempt: StageStats,
    pub stats: StageStats,
}

impl CpuHeatAdaptive {
    /// Starts at the problem's initial level. Stages stop Newton at
    /// `max(NEWTON_TOL_FRACTION tol, newton.atol, floor)`, at least one iteration; the other
    /// options (iterations, line search) are `newton`'s. The problem must be valid (the
    /// caller validates it: [`super::check_problem`]).
    pub fn new(problem: &Heat1D, tol: f64, newton: &NewtonOptions) -> CpuHeatAdaptive {
        let nx = problem.nx;
        let mut newton_stats = NewtonStats::default();
        for history in [
            &mut newton_stats.residual_history,
            &mut newton_stats.step_history,
            &mut newton_stats.lambda_history,
        ] {
            history.reserve(newton.max_iterations + 2);
        }
        CpuHeatAdaptive {
            stage: HeatStage::new(problem),
            rate: HeatParams {
                theta: 0.0,
                inv_dt: 0.0,
                ..HeatParams::new(problem)
            },
            level: problem.initial_level(),
            stage_gamma: vec![0.0; nx],
            hf_n: vec![0.0; nx],
            estimate: vec![0.0; nx],
            newton: NewtonOptions {
                atol: newton.atol.max(NEWTON_TOL_FRACTION * tol),
                rtol: 0.0,
                min_iterations: 1,
                ..newton.clone()
            },
            newton_stats,
            attempt: StageStats::default(),
            stats: StageStats::default(),
        }
    }

    /// The accepted level.
    pub fn level(&self) -> &[f64] {
        &self.level
    }
}

/// `out_j = h f(u)_j` on the interior, 0 on the boundary (`rate`: an energy row with
/// `theta = 0`, `inv_dt = 0`).
fn rate_times(rate: &HeatParams, h: f64, u: &[f64], out: &mut [f64]) {
    let nx = u.len();
    (out[0], out[nx - 1]) = (0.0, 0.0);
    let interior = out[1..nx - 1].iter_mut().zip(level_stencils(u, u));
    if rate.is_linear() {
        for (o, (u3, _)) in interior {
            *o = h * energy_balance::<true>(rate, u3, u3);
        }
    } else {
        for (o, (u3, _)) in interior {
            *o = h * energy_balance::<false>(rate, u3, u3);
        }
    }
}

impl AdaptiveStepper for CpuHeatAdaptive {
    fn order(&self) -> u32 {
        tr_bdf2::ORDER
    }

    fn try_step(&mut self, h: f64) -> Result<Attempt> {
        use tr_bdf2::*;
        self.attempt = StageStats::default();
        // Stage 1 (trapezoidal to t + gamma h): q_1 = u_n + D h f(u_n), guess u_n.
        rate_times(&self.rate, h, &self.level, &mut self.hf_n);
        for ((q, u), hf) in self
            .stage
            .level
            .previous
            .iter_mut()
            .zip(&self.level)
            .zip(&self.hf_n)
        {
            *q = u + D * hf;
        }
        self.stage.set_coefficient(D * h);
        self.stage.level.iterate.copy_from_slice(&self.level);
        if !solve_stage(
            &mut self.stage,
            &self.newton,
            &mut self.newton_stats,
            &mut self.attempt,
        )? {
            return Ok(Attempt::SolveFailed);
        }
        // h f(u_g) = (u_g - q_1) / D, kept in stage_gamma's place until stage 2 needs u_g.
        self.stage_gamma.copy_from_slice(&self.stage.level.iterate);
        // Stage 2 (BDF2 to t + h): q_2 = STAGE2_GAMMA u_g + STAGE2_N u_n; guess extrapolated
        // linearly through u_n and u_g. The error's first two terms go into `estimate`.
        for k in 0..self.level.len() {
            let (u, ug) = (self.level[k], self.stage_gamma[k]);
            let hf_g = (ug - self.stage.level.previous[k]) / D;
            self.estimate[k] = ERROR_N * self.hf_n[k] + ERROR_GAMMA * hf_g;
            self.stage.level.previous[k] = STAGE2_GAMMA * ug + STAGE2_N * u;
            self.stage.level.iterate[k] = u + (ug - u) / GAMMA;
        }
        self.stage.set_coefficient(D * h);
        if !solve_stage(
            &mut self.stage,
            &self.newton,
            &mut self.newton_stats,
            &mut self.attempt,
        )? {
            return Ok(Attempt::SolveFailed);
        }
        // e += ERROR_NEXT h f(u_{n+1}), h f(u_{n+1}) = (u_{n+1} - q_2) / D; the filtered
        // estimate solves -(I - c J)/c x = -e/c with the Newton matrix at u_{n+1}.
        let s = &mut self.stage.level;
        s.assemble();
        let nx = s.iterate.len();
        let inv_c = s.params.inv_dt;
        for k in 1..nx - 1 {
            let hf_next = (s.iterate[k] - s.previous[k]) / D;
            s.rhs[k] = -(self.estimate[k] + ERROR_NEXT * hf_next) * inv_c;
        }
        (s.rhs[0], s.rhs[nx - 1]) = (0.0, 0.0);
        thomas_solve(
            &s.lower,
            &s.diag,
            &s.upper,
            &s.rhs,
            &mut self.estimate,
            &mut s.scratch,
        );
        Ok(Attempt::Estimate(max_abs(&self.estimate)))
    }

    fn accept(&mut self) {
        self.level.copy_from_slice(&self.stage.level.iterate);
        self.stats.add(&self.attempt);
    }
}
