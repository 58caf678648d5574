//! The f64 CPU backend: the reference every other backend is checked against.
//!
//! All arrays are allocated when a system is built; Newton iterations allocate nothing.

use crate::error::Result;
use crate::memory::{bytes_for, ensure_fits};
use crate::problems::heat1d::kernels::{
    heat_residual_norm, newton_march, newton_trial, BlockedAffineSolve, HeatParams, MarchNorms,
};
use crate::problems::heat1d::level_newton::LevelNewton;
use crate::problems::heat1d::params::Heat1D;
use crate::solver::march::LevelStepper;
use crate::solver::newton::{DirectionNorms, NewtonSystem};

/// The whole space-time system `F(v) = 0` of P1 (`nt*nx` unknowns) on the CPU.
pub struct CpuSpaceTime {
    params: HeatParams,
    iterate: Vec<f64>,
    direction: Vec<f64>,
    trial: Vec<f64>,
    /// Elimination scratch of the Thomas march (`nx`).
    scratch: Vec<f64>,
    /// Linear problems with few interior points (nx - 2 <= 32) are solved directly by blocked
    /// powers of the one-step map, every level in parallel (issue 11): the Newton direction
    /// is `dv = w - v` with `w` the exact discrete solution, to a few ulps whatever nt.
    blocked: Option<BlockedAffineSolve>,
    /// The blocked solve also forms the full step `trial = v + dv = w` and its residual norm;
    /// the first trial of the line search (lambda = 1) then needs no pass of its own.
    full_step_norm: Option<f64>,
}

impl CpuSpaceTime {
    /// Arrays held at once: iterate, direction, trial.
    pub const ARRAYS: u64 = 3;

    /// Validates the problem and the initial guess, checks memory, and allocates everything.
    pub fn new(problem: &Heat1D, initial_guess: Vec<f64>) -> Result<CpuSpaceTime> {
        problem.validate_for(crate::precision::Precision::F64)?;
        problem.check_field("initial guess", &initial_guess)?;
        // The guess is the iterate; direction and trial are still to come.
        ensure_fits(
            "all-at-once CPU solve (direction, trial)",
            bytes_for(problem.unknowns(), (Self::ARRAYS as usize - 1) * 8),
            "use --mode march (memory O(nx)) or fewer levels",
        )?;
        let params = HeatParams::new(problem);
        let n = problem.unknowns();
        Ok(CpuSpaceTime {
            full_step_norm: None,
            blocked: BlockedAffineSolve::new(&params),
            params,
            iterate: initial_guess,
            direction: vec![0.0; n],
            trial: vec![0.0; n],
            scratch: vec![0.0; problem.nx],
        })
    }

    /// Forces the general Thomas march even for linear problems (for tests and benchmarks).
    pub fn without_affine_map(mut self) -> CpuSpaceTime {
        self.blocked = None;
        self
    }

    /// Whether the direction comes from the blocked solve (linear, nx - 2 <= 32).
    pub fn is_blocked(&self) -> bool {
        self.blocked.is_some()
    }

    /// Restarts from a new guess without reallocating (checked like the first one).
    pub fn set_iterate(&mut self, guess: &[f64], problem: &Heat1D) -> Result<()> {
        problem.check_field("initial guess", guess)?;
        self.iterate.copy_from_slice(guess);
        self.full_step_norm = None;
        Ok(())
    }

    pub fn params(&self) -> &HeatParams {
        &self.params
    }

    /// The current iterate, `v[i*nx + j] = T[i, j]`.
    pub fn solution(&self) -> &[f64] {
        &self.iterate
    }

    /// Hands the iterate to the caller: it never aliases the system's scratch.
    pub fn into_solution(self) -> Vec<f64> {
        self.iterate
    }
}

impl NewtonSystem for CpuSpaceTime {
    fn residual_norm(&mut self) -> Result<f64> {
        Ok(heat_residual_norm(&self.params, &self.iterate))
    }

    fn newton_direction(&mut self) -> Result<DirectionNorms> {
        self.full_step_norm = None;
        let MarchNorms { step, iterate } = match &mut self.blocked {
            Some(blocked) => {
                let (norms, check) =
                    blocked.direction_into(&self.iterate, &mut self.direction, &mut self.trial);
                self.full_step_norm = Some(check.residual);
                norms
            }
            None => newton_march(
                &self.params,
                &self.iterate,
                &mut self.direction,
                &mut self.scratch,
            ),
        };
        Ok(DirectionNorms { step, iterate })
    }

    fn trial_residual_norm(&mut self, lambda: f64) -> Result<f64> {
        // The full step was formed with the direction; any other lambda overwrites it.
        match self.full_step_norm.take() {
            Some(norm) if lambda == 1.0 => Ok(norm),
            _ => Ok(newton_trial(
                &self.params,
                &self.iterate,
                &self.direction,
                lambda,
                &mut self.trial,
            )),
        }
    }

    fn accept_trial(&mut self) {
        self.full_step_norm = None;
        std::mem::swap(&mut self.iterate, &mut self.trial);
    }

    fn rounding_floor(&self) -> f64 {
        self.params.rounding_floor(f64::EPSILON)
    }
}

/// One implicit time step of P1 as its own system: the unknown is level `i+1` (`nx` values),
/// level `i` is data. Rows: the two boundary rows and the `nx-2` energy rows (scaled by dt).
/// Memory O(nx); the Jacobian is tridiagonal (boundary rows are identities).
pub struct CpuStep {
    /// `previous`: the old level; `iterate`: the new one.
    level: LevelNewton,
}

impl CpuStep {
    /// Starts from the problem's initial level.
    pub fn new(problem: &Heat1D) -> Result<CpuStep> {
        problem.validate_for(crate::precision::Precision::F64)?;
        Ok(CpuStep {
            level: LevelNewton::new(
                HeatParams::new(problem),
                problem.initial_level(),
                problem.initial_level(),
            ),
        })
    }
}

impl NewtonSystem for CpuStep {
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

    fn rounding_floor(&self) -> f64 {
        self.level.params.rounding_floor(f64::EPSILON)
    }
}

impl LevelStepper for CpuStep {
    fn begin_step(&mut self) {
        // The solved level becomes the old one and the first guess of the next.
        self.level.previous.copy_from_slice(&self.level.iterate);
    }

    fn level(&self) -> &[f64] {
        &self.level.iterate
    }
}
