//! One implicit Burgers stage `w - c L(w) = q` on the CPU, as a [`NewtonSystem`]; with
//! `c = theta dt` and `q = u + (1 - theta) dt L(u)` it is one theta step of the march
//! ([`LevelStepper`]), and TR-BDF2 ([`super::cpu_adaptive`]) solves two such stages per step.
//!
//! Rows are scaled by `1/|diagonal|` (see [`super::stencil`]), so the residual norm is in units
//! of u, independent of dt and dx, and so is its rounding floor `16 eps |u| (1 + g c |u|/(4dx))`.
//! A Newton direction is one cyclic tridiagonal solve with partial pivoting
//! ([`CyclicTridiag`]): no diagonal dominance needed, whatever the cell Reynolds number. Its rows
//! are assembled on the fly inside the solver's forward sweep (no band arrays).
//!
//! Memory: 6 arrays of n (previous and old level, iterate, explicit part q, direction,
//! trial) and the solver's 4. Bytes per unknown and Newton iteration (f64): residual norm 16 (read w, q),
//! direction 128 (rows from w, q; the solver's sweeps), trial 40 (read w, dv, write t; read t, q).
//! Nothing is allocated after [`CpuBurgersStep::new`].

use crate::error::{Error, Result};
use crate::linalg::cyclic::CyclicTridiag;
use crate::linalg::max_abs::{abs_bits, max_abs};
use crate::solver::march::LevelStepper;
use crate::solver::newton::{DirectionNorms, NewtonSystem};

use super::exact::initial_level;
use super::params::Burgers1D;
use super::stencil::{
    explicit_row, periodic_stencil, stage_jacobian, stage_residual, ExplicitCoefficients,
    StageCoefficients,
};

/// `max_j |G_j(w)|` for the stage with coefficients `c` and explicit part `q`; NaN wins.
pub fn stage_residual_norm(c: &StageCoefficients, w: &[f64], q: &[f64]) -> f64 {
    let n = w.len();
    let mut max = abs_bits(stage_residual(c, periodic_stencil(w, 0), q[0])).max(abs_bits(
        stage_residual(c, periodic_stencil(w, n - 1), q[n - 1]),
    ));
    for (s, &qj) in w.windows(3).zip(&q[1..n - 1]) {
        max = max.max(abs_bits(stage_residual(c, [s[0], s[1], s[2]], qj)));
    }
    f64::from_bits(max as u64)
}

/// `q = u + tau L(u)` (coefficients `c`), returning `max(|u|, |q|)`.
pub fn explicit_part(c: &ExplicitCoefficients, u: &[f64], q: &mut [f64]) -> f64 {
    let n = u.len();
    q[0] = explicit_row(c, periodic_stencil(u, 0));
    q[n - 1] = explicit_row(c, periodic_stencil(u, n - 1));
    let mut max = abs_bits(q[0])
        .max(abs_bits(q[n - 1]))
        .max(abs_bits(u[0]).max(abs_bits(u[1])));
    for (s, qj) in u.windows(3).zip(&mut q[1..n - 1]) {
        *qj = explicit_row(c, [s[0], s[1], s[2]]);
        max = max.max(abs_bits(*qj)).max(abs_bits(s[2]));
    }
    f64::from_bits(max as u64)
}

/// `t = w + lambda dv`, returning `max_j |G_j(t)|`, in one pass (neighbours' t formed on the
/// fly).
pub fn stage_trial(
    c: &StageCoefficients,
    w: &[f64],
    dv: &[f64],
    q: &[f64],
    lambda: f64,
    t: &mut [f64],
) -> f64 {
    let n = w.len();
    let at = |j: usize| w[j] + lambda * dv[j];
    let (first, last) = (at(0), at(n - 1));
    let mut max = abs_bits(stage_residual(c, [last, first, at(1)], q[0])).max(abs_bits(
        stage_residual(c, [at(n - 2), last, first], q[n - 1]),
    ));
    let (mut left, mut here) = (first, at(1));
    t[0] = first;
    t[n - 1] = last;
    for j in 1..n - 1 {
        let right = w[j + 1] + lambda * dv[j + 1];
        t[j] = here;
        max = max.max(abs_bits(stage_residual(c, [left, here, right], q[j])));
        (left, here) = (here, right);
    }
    f64::from_bits(max as u64)
}

/// The Newton direction `J(w) dv = -G(w)` by one cyclic solve whose rows are assembled in its
/// forward sweep; returns `max |dv|` and `max |w|`.
pub fn stage_direction(
    c: &StageCoefficients,
    w: &[f64],
    q: &[f64],
    solver: &mut CyclicTridiag,
    dv: &mut [f64],
) -> Result<DirectionNorms> {
    let mut iterate = 0;
    let step = solver.solve_rows(
        #[inline(always)]
        |k| {
            let s = periodic_stencil(w, k);
            iterate = abs_bits(s[1]).max(iterate);
            let [lower, diag, upper] = stage_jacobian(c, s);
            [lower, diag, upper, -stage_residual(c, s, q[k])]
        },
        dv,
    )?;
    Ok(DirectionNorms {
        step,
        iterate: f64::from_bits(iterate as u64),
    })
}

/// The level "before" `u0` that starts the extrapolated guesses: `u0 - dt L(u0)`, so that the
/// first step's guess `2 u0 - u_prev = u0 + dt L(u0)` is an explicit Euler step (O(dt^2) from
/// the solution, like every later guess).
pub fn starting_previous(problem: &Burgers1D, dt: f64, u0: &[f64]) -> Vec<f64> {
    let euler = ExplicitCoefficients::new(problem.nu, problem.dx(), dt);
    let mut previous = vec![0.0; u0.len()];
    explicit_part(&euler, u0, &mut previous);
    for (p, u) in previous.iter_mut().zip(u0) {
        *p = 2.0 * u - *p;
    }
    previous
}

/// One member's implicit stage on the CPU, with its time-stepping state.
pub struct CpuBurgersStep {
    problem: Burgers1D,
    dx: f64,
    stage: StageCoefficients,
    explicit: ExplicitCoefficients,
    /// The accepted level u (the old level of a step).
    old: Vec<f64>,
    /// The level before it (for the extrapolated first guess of a theta step).
    previous: Vec<f64>,
    /// The Newton iterate w (the new level).
    iterate: Vec<f64>,
    /// The explicit part q of the stage.
    q: Vec<f64>,
    direction: Vec<f64>,
    trial: Vec<f64>,
    solver: CyclicTridiag,
    /// `max(|u|, |q|)` of the current stage: the scale of its rounding floor.
    u_scale: f64,
    /// No theta step taken yet (`previous` holds the starting level before u0).
    first_step: bool,
    /// The residual of the iterate, when `begin_step` has just evaluated it.
    guess_residual: Option<f64>,
}

impl CpuBurgersStep {
    /// A theta march of `problem` with step `dt` (its own `t_end / steps` for fixed stepping),
    /// at the initial level. Validates before allocating.
    pub fn new(problem: &Burgers1D, dt: f64) -> Result<CpuBurgersStep> {
        problem.validate()?;
        if !(dt > 0.0 && dt <= problem.t_end) {
            return Err(Error::invalid("dt", dt, "must be in (0, t_end]"));
        }
        let n = problem.n;
        let dx = problem.dx();
        let u0 = initial_level(problem);
        let mut step = CpuBurgersStep {
            problem: problem.clone(),
            dx,
            stage: StageCoefficients::new(problem.nu, dx, problem.theta * dt),
            explicit: ExplicitCoefficients::new(problem.nu, dx, (1.0 - problem.theta) * dt),
            old: u0.clone(),
            previous: starting_previous(problem, dt, &u0),
            iterate: u0,
            q: vec![0.0; n],
            direction: vec![0.0; n],
            trial: vec![0.0; n],
            solver: CyclicTridiag::new(n)?,
            u_scale: 0.0,
            first_step: true,
            guess_residual: None,
        };
        step.u_scale = explicit_part(&step.explicit, &step.old, &mut step.q);
        Ok(step)
    }

    pub fn problem(&self) -> &Burgers1D {
        &self.problem
    }

    /// Sets the implicit coefficient `c` of the stage (`theta dt`, or `d h` for TR-BDF2).
    pub fn set_implicit(&mut self, c: f64) {
        self.guess_residual = None;
        self.stage = StageCoefficients::new(self.problem.nu, self.dx, c);
    }

    pub fn stage(&self) -> &StageCoefficients {
        &self.stage
    }

    /// `q = u + tau L(u)` from the accepted level.
    pub fn set_explicit_from_old(&mut self, tau: f64) {
        self.guess_residual = None;
        self.explicit = ExplicitCoefficients::new(self.problem.nu, self.dx, tau);
        self.u_scale = explicit_part(&self.explicit, &self.old, &mut self.q);
    }

    /// `q = alpha x + beta u` (u the accepted level): TR-BDF2's second stage.
    pub fn set_explicit_combination(&mut self, alpha: f64, x: &[f64], beta: f64) {
        self.guess_residual = None;
        for ((q, x), u) in self.q.iter_mut().zip(x).zip(&self.old) {
            *q = alpha * x + beta * u;
        }
        self.u_scale = max_abs(&self.q).max(max_abs(&self.old));
    }

    /// The accepted level u.
    pub fn old(&self) -> &[f64] {
        &self.old
    }

    /// The explicit part q of the current stage.
    pub fn explicit(&self) -> &[f64] {
        &self.q
    }

    /// The Newton iterate (the stage's solution once Newton has converged).
    pub fn iterate(&self) -> &[f64] {
        &self.iterate
    }

    /// Sets the Newton iterate (a guess) to `u + scale (x - u)`, u the accepted level.
    pub fn set_guess_towards(&mut self, x: &[f64], scale: f64) {
        self.guess_residual = None;
        for ((w, x), u) in self.iterate.iter_mut().zip(x).zip(&self.old) {
            *w = u + scale * (x - u);
        }
    }

    /// Sets the Newton iterate (a guess) to the accepted level.
    pub fn guess_old(&mut self) {
        self.guess_residual = None;
        self.iterate.copy_from_slice(&self.old);
    }

    /// Makes the iterate the accepted level.
    pub fn accept_iterate(&mut self) {
        self.old.copy_from_slice(&self.iterate);
    }

    /// Solves `J(w) x = g rhs` at the current iterate (the scaled stage Jacobian applied to the
    /// unscaled right side), for an error estimate filtered by `(I - c dL/du)^{-1}`; returns
    /// `max |x|`.
    pub fn solve_unscaled_jacobian(&mut self, rhs: &[f64], x: &mut [f64]) -> Result<f64> {
        let (c, w) = (&self.stage, &self.iterate);
        Ok(self.solver.solve_rows(
            #[inline(always)]
            |k| {
                let [lower, diag, upper] = stage_jacobian(c, periodic_stencil(w, k));
                [lower, diag, upper, c.scale * rhs[k]]
            },
            x,
        )?)
    }
}

impl NewtonSystem for CpuBurgersStep {
    fn residual_norm(&mut self) -> Result<f64> {
        match self.guess_residual.take() {
            Some(r) => Ok(r),
            None => Ok(stage_residual_norm(&self.stage, &self.iterate, &self.q)),
        }
    }

    fn newton_direction(&mut self) -> Result<DirectionNorms> {
        stage_direction(
            &self.stage,
            &self.iterate,
            &self.q,
            &mut self.solver,
            &mut self.direction,
        )
    }

    fn trial_residual_norm(&mut self, lambda: f64) -> Result<f64> {
        Ok(stage_trial(
            &self.stage,
            &self.iterate,
            &self.direction,
            &self.q,
            lambda,
            &mut self.trial,
        ))
    }

    fn accept_trial(&mut self) {
        self.guess_residual = None;
        std::mem::swap(&mut self.iterate, &mut self.trial);
    }

    fn rounding_floor(&self) -> f64 {
        self.stage.rounding_floor(self.u_scale, f64::EPSILON)
    }
}

impl LevelStepper for CpuBurgersStep {
    /// The solved level becomes the old one; `q = u + (1 - theta) dt L(u)`; the first guess is
    /// the linear extrapolation `2 u_n - u_{n-1}` of the last two levels (an explicit Euler
    /// step at the first one, see [`starting_previous`]), an O(dt^2) guess from which one
    /// Newton iteration reaches the floor when `g c |u| / (2 dx)` is small (large n).
    ///
    /// A guess whose residual is larger than the old level's (a step too long for the
    /// extrapolation) is replaced by the old level. The residual of the chosen guess is kept
    /// for Newton's first evaluation, so the choice costs one residual pass.
    fn begin_step(&mut self) {
        if !std::mem::take(&mut self.first_step) {
            std::mem::swap(&mut self.previous, &mut self.old);
        }
        self.old.copy_from_slice(&self.iterate);
        self.u_scale = explicit_part(&self.explicit, &self.old, &mut self.q);
        for ((w, u), p) in self.iterate.iter_mut().zip(&self.old).zip(&self.previous) {
            *w = 2.0 * u - p;
        }
        let extrapolated = stage_residual_norm(&self.stage, &self.iterate, &self.q);
        let unchanged = stage_residual_norm(&self.stage, &self.old, &self.q);
        self.guess_residual = Some(if extrapolated <= unchanged {
            extrapolated
        } else {
            self.iterate.copy_from_slice(&self.old);
            unchanged
        });
    }

    fn level(&self) -> &[f64] {
        &self.iterate
    }
}
