//! The solve entry point: a problem, a mode and options in; a labelled field and statistics out.

use ndarray::Array2;
use serde::Serialize;

use crate::backend::cpu::{CpuSpaceTime, CpuStep};
use crate::backend::gpu::GpuHeatSession;
use crate::backend::ComputeLabel;
use crate::error::{HeatError, Result};
use crate::gpu::{AdapterRequest, GpuContext};
use crate::march::{march, snapshot_levels, MarchStats};
use crate::newton::{
    newton_solve, Converged, DirectionNorms, NewtonOptions, NewtonStats, NewtonSystem,
};
use crate::precision::Precision;
use crate::problem::memory::ensure_fits;
use crate::problem::Heat1D;

/// How the space-time system is solved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Newton on all `nt*nx` unknowns at once; each step a forward march of Thomas solves.
    AllAtOnce,
    /// One implicit step after another (CPU: Newton per step; GPU: linear steps); memory O(nx).
    March,
}

#[derive(Clone, Debug)]
pub struct SolveOptions {
    pub mode: Mode,
    pub newton: NewtonOptions,
    /// Keep every k-th level (and the last) in the returned field.
    pub snapshot_every: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            mode: Mode::AllAtOnce,
            newton: NewtonOptions::default(),
            snapshot_every: 1,
        }
    }
}

/// What the solver did.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case", tag = "mode")]
pub enum SolveReport {
    AllAtOnce {
        converged: Converged,
        newton: NewtonStats,
    },
    March(MarchStats),
    /// The linear theta march: one tridiagonal solve per step, no Newton iteration.
    LinearMarch {
        steps: usize,
        elapsed_s: f64,
    },
}

/// A solved field: rows are the kept time levels, columns the space points.
#[derive(Clone, Debug)]
pub struct Solution {
    pub field: Array2<f64>,
    /// Time index of each row of `field`.
    pub levels: Vec<usize>,
    pub label: ComputeLabel,
    pub report: SolveReport,
}

impl Solution {
    pub fn times(&self, problem: &Heat1D) -> Vec<f64> {
        self.levels
            .iter()
            .map(|&i| i as f64 * problem.dt())
            .collect()
    }
}

/// Which backend the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// The CPU or a hardware GPU, by the cost model of [`WorkShape::prefers_gpu`] (said out loud).
    Auto,
    Gpu,
    Cpu,
}

/// Where a solve runs: the CPU, or a GPU device context.
pub enum Compute {
    Cpu,
    Gpu(Box<GpuContext>),
}

/// What a solve will do, for the choice of backend.
#[derive(Clone, Copy, Debug)]
pub struct WorkShape {
    pub mode: Mode,
    pub nt: usize,
    pub nx: usize,
    /// Members of a sweep (1 without).
    pub members: usize,
    /// beta = 0: the GPU can march it (alpha(T) marches with Newton on the CPU).
    pub linear: bool,
}

impl WorkShape {
    pub fn of(problem: &Heat1D, mode: Mode, members: usize) -> WorkShape {
        WorkShape {
            mode,
            nt: problem.nt,
            nx: problem.nx,
            members,
            linear: problem.is_linear(),
        }
    }

    /// The cost model behind `--backend auto`: whether a hardware GPU should beat the CPU, and
    /// why, in one line. A step of a march costs the GPU a few dispatches (tens of microseconds)
    /// whatever its size, and the CPU about 4 ns per unknown; the all-at-once direction is a
    /// sequential march over levels, which a GPU runs in one invocation per chunk.
    pub fn prefers_gpu(&self) -> (bool, String) {
        let per_step = self.nx * self.members;
        match self.mode {
            Mode::AllAtOnce if self.nx < 4096 => (
                false,
                format!(
                    "the all-at-once direction marches {} levels of {} points one after another: \
                     latency-bound on a GPU",
                    self.nt, self.nx
                ),
            ),
            Mode::AllAtOnce => (true, format!("levels of {} points fill the GPU", self.nx)),
            Mode::March if !self.linear => (
                false,
                "alpha(T) is marched with a Newton solve per step, on the CPU".to_string(),
            ),
            Mode::March if per_step < 10_000 => (
                false,
                format!(
                    "a step has {per_step} unknowns: dispatch overhead would dominate on a GPU"
                ),
            ),
            Mode::March => (
                true,
                format!("a step has {per_step} unknowns: enough to fill a GPU"),
            ),
        }
    }
}

impl Compute {
    /// Picks the backend. `auto` uses a hardware GPU when the cost model favours it and one
    /// exists, and says in one line what it chose and why; `gpu` fails when no adapter exists.
    /// The CPU computes in f64 only.
    pub fn select(
        backend: Backend,
        precision: Option<Precision>,
        shape: &WorkShape,
    ) -> Result<(Compute, Option<String>)> {
        let cpu_f32 = || {
            HeatError::invalid(
                "precision",
                "f32",
                "the CPU backend computes in f64; use --backend gpu for f32",
            )
        };
        let gpu = || -> Result<Compute> {
            Ok(Compute::Gpu(Box::new(GpuContext::new(
                &AdapterRequest::from_env(),
                precision,
            )?)))
        };
        match backend {
            Backend::Cpu if precision == Some(Precision::F32) => Err(cpu_f32()),
            Backend::Cpu => Ok((Compute::Cpu, None)),
            Backend::Gpu => Ok((gpu()?, None)),
            Backend::Auto => {
                let cpu_because = |why: String| {
                    let in_f64 = if precision == Some(Precision::F32) {
                        " in f64"
                    } else {
                        ""
                    };
                    Ok((Compute::Cpu, Some(format!("auto: CPU{in_f64}: {why}"))))
                };
                let (gpu_wins, why) = shape.prefers_gpu();
                if !gpu_wins {
                    return cpu_because(why);
                }
                match GpuContext::new(&AdapterRequest::from_env(), precision) {
                    Ok(ctx) if ctx.summary().is_software => cpu_because(format!(
                        "{why}, but the only adapter ({}) is software, slower than the CPU (--backend gpu uses it anyway)",
                        ctx.summary().name
                    )),
                    Ok(ctx) => {
                        let notice = format!("auto: GPU {}: {why}", ctx.summary().name);
                        Ok((Compute::Gpu(Box::new(ctx)), Some(notice)))
                    }
                    Err(e) => cpu_because(format!("{why}, but there is no usable GPU ({e})")),
                }
            }
        }
    }
}

/// Progress callbacks: `(done, total)` in the unit of the mode (Newton iterations or steps).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Solves where `compute` says, from `initial_guess` (all-at-once; `None`: the users' guess).
pub fn solve(
    problem: &Heat1D,
    options: &SolveOptions,
    compute: Compute,
    initial_guess: Option<Vec<f64>>,
    progress: Progress,
) -> Result<Solution> {
    let ctx = match compute {
        Compute::Cpu => return solve_cpu(problem, options, initial_guess, progress),
        Compute::Gpu(ctx) => *ctx,
    };
    if options.mode == Mode::March {
        // On the GPU the march is the linear theta march (one large tridiagonal solve a step).
        return linear_march_solution(problem, options, Compute::Gpu(Box::new(ctx)), progress);
    }
    problem.validate()?;
    let guess = initial_guess.unwrap_or_else(|| problem.initial_guess());
    let precision = ctx.precision();
    let mut session = GpuHeatSession::new(ctx, problem, &guess)?;
    // Tolerances below the precision's rounding floor of the scaled residual cannot be met.
    let newton = NewtonOptions {
        atol: options.newton.atol.max(rounding_floor(problem, precision)),
        ..options.newton.clone()
    };
    let max_iterations = newton.max_iterations as u64;
    let mut observed = Observed {
        inner: &mut session,
        on_direction: |k| progress(k, max_iterations),
        directions: 0,
    };
    let (converged, newton) = newton_solve(&mut observed, &newton)?;
    let v = session.solution()?;
    Ok(Solution {
        field: keep_levels(problem, v, options.snapshot_every),
        levels: snapshot_levels(problem.nt, options.snapshot_every),
        label: session.label(),
        report: SolveReport::AllAtOnce { converged, newton },
    })
}

/// The smallest scaled residual `precision` resolves: 32 roundings of the largest temperature.
pub fn rounding_floor(problem: &Heat1D, precision: Precision) -> f64 {
    let (lo, hi) = problem.temperature_range();
    let eps = match precision {
        Precision::F64 => f64::EPSILON,
        Precision::F32 => f32::EPSILON as f64,
    };
    32.0 * eps * lo.abs().max(hi.abs())
}

/// The all-at-once field as `levels x nx`, keeping every k-th level and the last.
fn keep_levels(problem: &Heat1D, v: Vec<f64>, snapshot_every: usize) -> Array2<f64> {
    let nx = problem.nx;
    if snapshot_every == 1 {
        return Array2::from_shape_vec((problem.nt, nx), v).expect("nt*nx values");
    }
    let levels = snapshot_levels(problem.nt, snapshot_every);
    Array2::from_shape_fn((levels.len(), nx), |(r, j)| v[levels[r] * nx + j])
}

/// Solves on the CPU, from `initial_guess` (all-at-once; `None`: the users' guess).
pub fn solve_cpu(
    problem: &Heat1D,
    options: &SolveOptions,
    initial_guess: Option<Vec<f64>>,
    progress: Progress,
) -> Result<Solution> {
    problem.validate()?;
    let levels = snapshot_levels(problem.nt, options.snapshot_every);
    let nx = problem.nx;
    match options.mode {
        Mode::AllAtOnce => {
            let guess = initial_guess.unwrap_or_else(|| problem.initial_guess());
            let mut system = CpuSpaceTime::new(problem, guess)?;
            let max_iterations = options.newton.max_iterations as u64;
            let mut observed = Observed {
                inner: &mut system,
                on_direction: |k| progress(k, max_iterations),
                directions: 0,
            };
            let (converged, newton) = newton_solve(&mut observed, &options.newton)?;
            Ok(Solution {
                field: keep_levels(problem, system.into_solution(), options.snapshot_every),
                levels,
                label: ComputeLabel::cpu(),
                report: SolveReport::AllAtOnce { converged, newton },
            })
        }
        Mode::March => {
            ensure_fits("march snapshots", 8 * (levels.len() * nx) as u64)?;
            let mut field = Array2::zeros((levels.len(), nx));
            let mut stepper = CpuStep::new(problem)?;
            let mut row = 0;
            let total = (problem.nt - 1) as u64;
            let stats = march(
                &mut stepper,
                problem.nt,
                options.snapshot_every,
                &options.newton,
                |_, level| {
                    field.row_mut(row).assign(&ndarray::aview1(level));
                    row += 1;
                },
                |step| progress(step as u64, total),
            )?;
            Ok(Solution {
                field,
                levels,
                label: ComputeLabel::cpu(),
                report: SolveReport::March(stats),
            })
        }
    }
}

/// A system seen through a callback on each Newton direction (for progress reporting).
struct Observed<'s, S, F> {
    inner: &'s mut S,
    on_direction: F,
    directions: u64,
}

impl<S: NewtonSystem, F: FnMut(u64)> NewtonSystem for Observed<'_, S, F> {
    fn residual_norm(&mut self) -> Result<f64> {
        self.inner.residual_norm()
    }
    fn newton_direction(&mut self) -> Result<DirectionNorms> {
        let d = self.inner.newton_direction();
        self.directions += 1;
        (self.on_direction)(self.directions);
        d
    }
    fn trial_residual_norm(&mut self, lambda: f64) -> Result<f64> {
        self.inner.trial_residual_norm(lambda)
    }
    fn accept_trial(&mut self) {
        self.inner.accept_trial()
    }
}

/// Receives `(member, kept index, level)` for each kept level of a march.
pub type LevelSink<'a> = &'a mut dyn FnMut(usize, usize, &[f64]) -> Result<()>;

/// What a linear march (one grid or a sweep) produced.
pub struct LinearMarch {
    pub label: ComputeLabel,
    /// Time index of each kept level.
    pub levels: Vec<usize>,
    /// The last level of each member.
    pub final_levels: Vec<Vec<f64>>,
}

/// Marches `members` (one problem, or a sweep) with the linear theta scheme on `compute`,
/// streaming the kept levels to `sink(member, kept index, level)`.
pub fn linear_march(
    members: &[Heat1D],
    snapshot_every: usize,
    compute: Compute,
    sink: LevelSink,
    progress: Progress,
) -> Result<LinearMarch> {
    use crate::backend::theta_march::{CpuThetaMarch, GpuThetaMarch};
    crate::march::check_snapshot_every(snapshot_every)?;
    let first = members
        .first()
        .ok_or_else(|| HeatError::invalid("sweep", 0, "needs at least one member"))?;
    let (nt, m) = (first.nt, members.len());
    let mut levels = Vec::new();
    let mut final_levels = vec![Vec::new(); m];
    let mut on_level = |i: usize, interleaved: &[f64]| -> Result<()> {
        for (s, last) in final_levels.iter_mut().enumerate() {
            last.clear();
            last.extend(interleaved.iter().skip(s).step_by(m));
            sink(s, levels.len(), last)?;
        }
        levels.push(i);
        Ok(())
    };
    let total = (nt - 1) as u64;
    let mut on_progress = |step: usize| progress(step as u64, total);
    let label = match compute {
        Compute::Cpu => {
            let mut march = CpuThetaMarch::new(members)?;
            march.march(nt, snapshot_every, &mut on_level, &mut on_progress)?;
            march.label()
        }
        Compute::Gpu(ctx) => {
            let mut march = GpuThetaMarch::new(*ctx, members)?;
            march.march(nt, snapshot_every, &mut on_level, &mut on_progress)?;
            march.label()
        }
    };
    Ok(LinearMarch {
        label,
        levels,
        final_levels,
    })
}

/// One linear problem marched on `compute`, kept levels collected as a [`Solution`].
fn linear_march_solution(
    problem: &Heat1D,
    options: &SolveOptions,
    compute: Compute,
    progress: Progress,
) -> Result<Solution> {
    let kept = snapshot_levels(problem.nt, options.snapshot_every);
    ensure_fits("march snapshots", 8 * (kept.len() * problem.nx) as u64)?;
    let mut field = Array2::zeros((kept.len(), problem.nx));
    let start = std::time::Instant::now();
    let march = linear_march(
        std::slice::from_ref(problem),
        options.snapshot_every,
        compute,
        &mut |_, row, level| {
            field.row_mut(row).assign(&ndarray::aview1(level));
            Ok(())
        },
        progress,
    )?;
    Ok(Solution {
        field,
        levels: march.levels,
        label: march.label,
        report: SolveReport::LinearMarch {
            steps: problem.nt - 1,
            elapsed_s: start.elapsed().as_secs_f64(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_model_keeps_small_levels_on_the_cpu_and_sends_big_ones_to_the_gpu() {
        let users = Heat1D::default();
        let shape = |mode, nx, members| WorkShape {
            mode,
            nt: 1000,
            nx,
            members,
            linear: true,
        };
        assert!(!WorkShape::of(&users, Mode::AllAtOnce, 1).prefers_gpu().0);
        assert!(!shape(Mode::March, 11, 1).prefers_gpu().0);
        assert!(shape(Mode::March, 1_000_000, 1).prefers_gpu().0);
        assert!(
            shape(Mode::March, 11, 1024).prefers_gpu().0,
            "a sweep of 1024 members fills a GPU"
        );
        let (_, why) = WorkShape::of(&users, Mode::AllAtOnce, 1).prefers_gpu();
        assert!(why.contains("1000000 levels of 11 points"), "{why}");
    }
}
