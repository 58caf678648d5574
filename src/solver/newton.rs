//! Newton's method with backtracking, written once against [`NewtonSystem`].
//!
//! The driver sees only scalars (norms), so a backend may keep every array on a device:
//! the CPU space-time system, the per-step system of the time march, and the GPU session all
//! implement the same four operations.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::{Error, Result};

/// A nonlinear system `F(v) = 0` that owns its iterate, direction and trial point.
///
/// Norms are max-norms of the *scaled* residual: every row divided by the magnitude of its
/// diagonal Jacobian entry, so that each is in the unknowns' units and its rounding floor does
/// not grow with the problem's conditioning; the backend documents its scaling.
pub trait NewtonSystem {
    /// Scaled residual norm at the current iterate.
    fn residual_norm(&mut self) -> Result<f64>;
    /// Solves `J(v) dv = -F(v)` for the direction, returning `|dv|` and `|v|`.
    fn newton_direction(&mut self) -> Result<DirectionNorms>;
    /// Forms `trial = v + lambda dv` and returns the scaled residual norm there.
    fn trial_residual_norm(&mut self, lambda: f64) -> Result<f64>;
    /// Makes the last trial point the current iterate (no copy needed: swap).
    fn accept_trial(&mut self);
    /// The rounding floor: an upper bound of the scaled residual that rounding alone leaves
    /// after a Newton step from a point near the solution, in this system's precision. No
    /// tolerance below it can be met; Newton stops there.
    fn rounding_floor(&self) -> f64;
}

/// Max-norms of the Newton direction and of the iterate it starts from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DirectionNorms {
    pub step: f64,
    pub iterate: f64,
}

/// Stopping rules and safeguards.
#[derive(Clone, Debug, Serialize)]
pub struct NewtonOptions {
    /// Converged when `|F| <= max(atol, rtol |F(v0)|, floor)`, `floor` the system's rounding
    /// floor. The defaults (0) iterate to the floor, which quadratic convergence reaches in one
    /// or two iterations more than any looser tolerance.
    pub atol: f64,
    pub rtol: f64,
    pub max_iterations: usize,
    /// Iterations taken even when the initial guess already meets the tolerance (the time
    /// march uses 1: its guess is the previous level, whose small residual is no solution).
    pub min_iterations: usize,
    /// Backtracking: halve lambda until `|F(v + lambda dv)| <= (1 - 1e-4 lambda) |F(v)|`.
    pub line_search: bool,
    pub min_lambda: f64,
    /// Diverged when `|F| > divergence_factor |F(v0)|`.
    pub divergence_factor: f64,
}

impl Default for NewtonOptions {
    fn default() -> Self {
        NewtonOptions {
            atol: 0.0,
            rtol: 0.0,
            max_iterations: 25,
            min_iterations: 0,
            line_search: true,
            min_lambda: 1.0 / 1024.0,
            divergence_factor: 1e8,
        }
    }
}

/// A step is negligible when `|lambda dv| <= NEGLIGIBLE_STEP eps |v|`: it cannot change the
/// iterate beyond rounding.
const NEGLIGIBLE_STEP: f64 = 4.0 * f64::EPSILON;

/// Why Newton stopped successfully.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Converged {
    /// The initial guess already satisfied the target.
    InitialGuess,
    /// `|F| <= max(atol, rtol |F0|)`, a tolerance above the rounding floor.
    Tolerance,
    /// `|F|` reached the rounding floor (the target when the tolerances are below it).
    RoundingFloor,
}

impl std::fmt::Display for Converged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Converged::InitialGuess => "the initial guess meets the target",
            Converged::Tolerance => "residual at the requested tolerance",
            Converged::RoundingFloor => "residual at the rounding floor",
        })
    }
}

/// Statistics of one Newton solve (kept also when it fails).
#[derive(Clone, Debug, Default, Serialize)]
pub struct NewtonStats {
    pub iterations: usize,
    /// Scaled residual norm of the initial guess and after each iteration.
    pub residual_history: Vec<f64>,
    /// `|lambda dv|` of each iteration.
    pub step_history: Vec<f64>,
    /// Accepted line-search parameter of each iteration.
    pub lambda_history: Vec<f64>,
    pub residual_evaluations: usize,
    pub direction_solves: usize,
    /// The system's rounding floor and the target `max(atol, rtol |F0|, floor)`.
    pub floor: f64,
    pub target: f64,
    #[serde(serialize_with = "serialize_seconds")]
    pub elapsed: Duration,
}

/// Durations in JSON as seconds.
pub(crate) fn serialize_seconds<S: serde::Serializer>(
    d: &Duration,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl NewtonStats {
    /// Empties the histories but keeps their capacity (no allocation when reused).
    pub fn clear(&mut self) {
        self.iterations = 0;
        self.residual_history.clear();
        self.step_history.clear();
        self.lambda_history.clear();
        self.residual_evaluations = 0;
        self.direction_solves = 0;
        self.floor = 0.0;
        self.target = 0.0;
        self.elapsed = Duration::ZERO;
    }

    pub fn final_residual(&self) -> f64 {
        self.residual_history.last().copied().unwrap_or(f64::NAN)
    }
}

/// Why Newton failed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum NewtonFailureKind {
    NonFiniteResidual {
        iteration: usize,
    },
    NonFiniteStep {
        iteration: usize,
    },
    Diverged {
        iteration: usize,
        residual: f64,
        limit: f64,
    },
    LineSearchFailed {
        iteration: usize,
        min_lambda: f64,
        residual: f64,
        target: f64,
    },
    MaxIterations {
        max_iterations: usize,
        residual: f64,
        target: f64,
    },
    /// Steps no longer change the iterate, with the residual still above the target.
    Stalled {
        iteration: usize,
        residual: f64,
        target: f64,
    },
}

/// A failed solve: the reason and the statistics up to the failure.
#[derive(Clone, Debug, Serialize)]
pub struct NewtonFailure {
    pub kind: NewtonFailureKind,
    pub stats: NewtonStats,
}

impl std::fmt::Display for NewtonFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use NewtonFailureKind::*;
        match &self.kind {
            NonFiniteResidual { iteration } => write!(f, "Newton: the residual became NaN/Inf at iteration {iteration} (overflow: see the parameters' magnitudes)"),
            NonFiniteStep { iteration } => write!(f, "Newton: the direction became NaN/Inf at iteration {iteration} (a singular or overflowing Jacobian)"),
            Diverged { iteration, residual, limit } => write!(
                f,
                "Newton diverged at iteration {iteration}: |F| = {residual:.3e} exceeds divergence limit {limit:.3e}"
            ),
            LineSearchFailed { iteration, min_lambda, residual, target } => write!(
                f,
                "Newton line search failed at iteration {iteration}: no decrease of |F| = {residual:.3e} (target {target:.3e}) down to lambda = {min_lambda:.3e}"
            ),
            MaxIterations { max_iterations, residual, target } => write!(
                f,
                "Newton did not converge in {max_iterations} iterations: |F| = {residual:.3e} > target {target:.3e}"
            ),
            Stalled { iteration, residual, target } => write!(
                f,
                "Newton stalled at iteration {iteration}: steps no longer change the iterate but |F| = {residual:.3e} > target {target:.3e}"
            ),
        }
    }
}

/// Solves `F(v) = 0`, reusing `stats` (cleared first) so that repeated solves do not allocate.
pub fn newton_solve_into(
    system: &mut impl NewtonSystem,
    opts: &NewtonOptions,
    stats: &mut NewtonStats,
) -> Result<Converged> {
    stats.clear();
    let start = Instant::now();
    let outcome = newton_iterations(system, opts, stats);
    stats.elapsed = start.elapsed();
    outcome.map_err(|kind| match kind {
        Ok(kind) => Error::Newton(Box::new(NewtonFailure {
            kind,
            stats: stats.clone(),
        })),
        Err(backend_error) => backend_error,
    })
}

/// Solves `F(v) = 0` and returns the reason with fresh statistics.
pub fn newton_solve(
    system: &mut impl NewtonSystem,
    opts: &NewtonOptions,
) -> Result<(Converged, NewtonStats)> {
    let mut stats = NewtonStats::default();
    let converged = newton_solve_into(system, opts, &mut stats)?;
    Ok((converged, stats))
}

/// The iteration proper. `Err(Ok(kind))` is a Newton failure, `Err(Err(e))` a backend error.
fn newton_iterations(
    system: &mut impl NewtonSystem,
    opts: &NewtonOptions,
    stats: &mut NewtonStats,
) -> std::result::Result<Converged, std::result::Result<NewtonFailureKind, Error>> {
    use NewtonFailureKind::*;
    let r0 = system.residual_norm().map_err(Err)?;
    stats.residual_evaluations += 1;
    stats.residual_history.push(r0);
    if !r0.is_finite() {
        return Err(Ok(NonFiniteResidual { iteration: 0 }));
    }
    let floor = system.rounding_floor();
    let tolerance = opts.atol.max(opts.rtol * r0);
    let target = tolerance.max(floor);
    let reason = if tolerance > floor {
        Converged::Tolerance
    } else {
        Converged::RoundingFloor
    };
    (stats.floor, stats.target) = (floor, target);
    if r0 <= target && opts.min_iterations == 0 {
        return Ok(Converged::InitialGuess);
    }
    let mut r = r0;
    for iteration in 1..=opts.max_iterations {
        let d = system.newton_direction().map_err(Err)?;
        stats.direction_solves += 1;
        if !(d.step.is_finite() && d.iterate.is_finite()) {
            return Err(Ok(NonFiniteStep { iteration }));
        }
        let negligible = |lambda: f64| lambda * d.step <= NEGLIGIBLE_STEP * d.iterate;
        let mut lambda = 1.0;
        let r_trial = loop {
            let r_trial = system.trial_residual_norm(lambda).map_err(Err)?;
            stats.residual_evaluations += 1;
            let decreased = r_trial <= (1.0 - 1e-4 * lambda) * r;
            // A trial that meets the target is accepted whether or not it decreased |F|
            // (at the floor |F| is rounding noise); so is a step too small to matter.
            if !opts.line_search || decreased || r_trial <= target || negligible(lambda) {
                break r_trial;
            }
            lambda *= 0.5;
            if lambda < opts.min_lambda {
                return Err(Ok(LineSearchFailed {
                    iteration,
                    min_lambda: opts.min_lambda,
                    residual: r,
                    target,
                }));
            }
        };
        system.accept_trial();
        r = r_trial;
        stats.iterations = iteration;
        stats.residual_history.push(r);
        stats.step_history.push(lambda * d.step);
        stats.lambda_history.push(lambda);
        if !r.is_finite() {
            return Err(Ok(NonFiniteResidual { iteration }));
        }
        if iteration < opts.min_iterations {
            continue;
        }
        if r <= target {
            return Ok(reason);
        }
        if r > opts.divergence_factor * r0 {
            return Err(Ok(Diverged {
                iteration,
                residual: r,
                limit: opts.divergence_factor * r0,
            }));
        }
        if negligible(lambda) {
            return Err(Ok(Stalled {
                iteration,
                residual: r,
                target,
            }));
        }
    }
    Err(Ok(MaxIterations {
        max_iterations: opts.max_iterations,
        residual: r,
        target,
    }))
}
