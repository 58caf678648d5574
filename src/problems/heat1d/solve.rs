//! The solve entry point: a problem, a mode and options in; a labelled, verified field out.
//!
//! Order of work, so that nothing is allocated for a run that cannot succeed: the problem and
//! the options are validated in the precision of the solve, the host memory the chosen path
//! allocates is estimated and checked against what the process may use, and only then are
//! arrays created. Every result is verified before it is returned: the residual of the
//! discrete system it claims to solve is evaluated again (in f64 on the host where the field
//! is there; on the device, in the solve's precision, for the device march) and must be at or
//! below `max(atol, rtol |F0|, floor)`; any NaN or infinity is an error naming where.

use ndarray::Array2;
use serde::Serialize;

use crate::backend::ComputeLabel;
pub use crate::backend::{Backend, Compute};
use crate::cancel;
use crate::error::{Error, Result};
use crate::gpu::{AdapterRequest, GpuContext};
use crate::linalg::affine_scan::SCAN_MAX_N;
use crate::memory::{bytes_for, ensure_fits};
use crate::precision::Precision;
use crate::problems::heat1d::cpu::{CpuSpaceTime, CpuStep};
use crate::problems::heat1d::gpu::blocked::GpuBlockedAffine;
use crate::problems::heat1d::gpu::scan_session::GpuScanSession;
use crate::problems::heat1d::gpu::session::GpuHeatSession;
use crate::problems::heat1d::kernels::affine_powers::MAX_INTERIOR;
use crate::problems::heat1d::kernels::{heat_residual_norm, BlockedAffineSolve, HeatParams};
use crate::problems::heat1d::params::Heat1D;
use crate::solver::march::{kept_level_count, march, snapshot_levels, MarchStats};
use crate::solver::newton::{
    newton_solve, Converged, DirectionNorms, NewtonOptions, NewtonStats, NewtonSystem,
};
use crate::verify::{check_finite_levels, F32Bound, Verification};

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
    /// Keep every k-th level (and the last) in the returned field; k >= 1.
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

/// Largest accepted `atol`, relative to the data's temperature scale: a looser tolerance
/// would accept fields that are visibly wrong (the users' initial guess has |F| of the scale).
pub const MAX_ATOL_RELATIVE: f64 = 1e-3;
/// Largest accepted `rtol`.
pub const MAX_RTOL: f64 = 1e-3;
/// Most Newton iterations one solve may take.
pub const MAX_ITERATIONS: usize = 1000;

impl SolveOptions {
    /// Checks the options against the problem they will solve.
    pub fn validate(&self, problem: &Heat1D) -> Result<()> {
        crate::solver::march::check_snapshot_every(self.snapshot_every)?;
        let n = &self.newton;
        let atol_max = MAX_ATOL_RELATIVE * problem.temperature_scale();
        if !(n.atol.is_finite() && n.atol >= 0.0 && n.atol <= atol_max) {
            return Err(Error::invalid(
                "atol",
                n.atol,
                format!(
                    "must be finite, >= 0 and <= {atol_max:.3e} ({MAX_ATOL_RELATIVE:e} x the data's max |T|); \
                     0 (the default) iterates to the rounding floor"
                ),
            ));
        }
        if !(n.rtol.is_finite() && n.rtol >= 0.0 && n.rtol <= MAX_RTOL) {
            return Err(Error::invalid(
                "rtol",
                n.rtol,
                format!("must be finite and in [0, {MAX_RTOL:e}]"),
            ));
        }
        if !(1..=MAX_ITERATIONS).contains(&n.max_iterations) {
            return Err(Error::invalid(
                "max_iterations",
                n.max_iterations,
                format!("must be in [1, {MAX_ITERATIONS}]"),
            ));
        }
        Ok(())
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
    /// The linear system solved directly by blocked powers of the one-step map (beta = 0,
    /// nx - 2 <= 32): every level in parallel, verified in the same pass.
    Blocked {
        levels: usize,
        /// Levels per block (K): each level is one mat-vec with `M^j` from its block's start.
        block_levels: usize,
        elapsed_s: f64,
    },
}

impl SolveReport {
    /// Why the solve stopped, in words.
    pub fn stopping_reason(&self) -> String {
        match self {
            SolveReport::AllAtOnce { converged, .. } => converged.to_string(),
            SolveReport::March(stats) => format!("every step: {}", stats.stopping),
            SolveReport::LinearMarch { .. } => {
                "every step: one linear solve, residual checked on the device".to_string()
            }
            SolveReport::Blocked { .. } => {
                "direct solve: every level from the powers of the one-step map".to_string()
            }
        }
    }
}

/// A solved field: rows are the kept time levels, columns the space points.
#[derive(Clone, Debug)]
pub struct Solution {
    pub field: Array2<f64>,
    /// Time index of each row of `field`.
    pub levels: Vec<usize>,
    pub label: ComputeLabel,
    pub report: SolveReport,
    pub verification: Verification,
    /// For f32 results: the a-priori bound of their error against the f64 solution.
    pub f32_bound: Option<F32Bound>,
}

impl Solution {
    pub fn times(&self, problem: &Heat1D) -> Vec<f64> {
        self.levels
            .iter()
            .map(|&i| i as f64 * problem.dt())
            .collect()
    }
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
            // Issue 11's costs: the CPU's blocked solve writes and verifies the field in about 2
            // copy-times on 2 cores; a GPU's (16 B per unknown at device bandwidth) must then
            // send the field to the host (8 B per unknown over PCIe), which costs as much.
            _ if self.linear && self.nx - 2 <= MAX_INTERIOR && self.members == 1 => (
                false,
                format!(
                    "the linear system with {} points per level is solved directly by blocked \
                     powers on every CPU core in about 2 copy-times of the field; a GPU would \
                     spend that sending the field back",
                    self.nx
                ),
            ),
            // Issue 11: with alpha(T) and nx <= 34 the GPU's direction is a scan of affine maps.
            // Measured on an NVIDIA H100 against 16 CPU threads (beta = 0.01, nx = 11, verified
            // on the host in f64): nt = 1e6 0.55 s vs 1.47 s, nt = 1e7 3.76 s vs 12.4 s. Above
            // 1 GiB of field the iterate may not fit one binding and the session would march.
            Mode::AllAtOnce
                if !self.linear
                    && self.nx <= SCAN_MAX_N
                    && (10_000_000..=134_217_728).contains(&(self.nt * self.nx)) =>
            {
                (
                    true,
                    format!(
                        "the all-at-once direction over {} levels of {} points is a parallel \
                         scan on a GPU (3.3x faster than the CPU at nt = 1e7 on an H100)",
                        self.nt, self.nx
                    ),
                )
            }
            Mode::AllAtOnce if !self.linear && self.nx <= SCAN_MAX_N => (
                false,
                format!(
                    "the all-at-once direction over {} levels of {} points: the CPU's march is \
                     as fast below 1e7 unknowns, and above 1 GiB the GPU's scan may not fit one \
                     binding",
                    self.nt, self.nx
                ),
            ),
            // Measured on an NVIDIA H100 (f64): nx = 8193, nt = 2001, theta = 1 took 13.1 s
            // on the GPU and 0.61 s on 16 CPU threads. The direction marches level after
            // level in one invocation per chunk, so no level width fills the GPU.
            Mode::AllAtOnce => (
                false,
                format!(
                    "the all-at-once direction marches {} levels of {} points one after another: \
                     latency-bound on a GPU (20x slower than the CPU on an H100 at nx = 8193)",
                    self.nt, self.nx
                ),
            ),
            Mode::March if !self.linear => (
                false,
                "alpha(T) is marched with a Newton solve per step, on the CPU".to_string(),
            ),
            // Measured on an NVIDIA H100: the partitioned solver's f64 step residuals were up to
            // 3100x the floor (nx 1e5 to 4e6, r 1e3 to 2e11; llvmpipe meets it), so its
            // results fail verification there. The CPU keeps single grids until that is fixed.
            Mode::March if self.members == 1 => (
                false,
                format!(
                    "a single grid of {} points is solved on the GPU by the partitioned \
                     tridiagonal solver, whose f64 steps miss the rounding floor on NVIDIA \
                     hardware: the CPU keeps it",
                    self.nx
                ),
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
    /// The CPU computes in f64 only. `problems` are checked in the GPU's precision (f32:
    /// dominance after rounding, magnitudes, error bound): `auto` falls back to the CPU when
    /// they fail there, `gpu` refuses.
    pub fn select(
        backend: Backend,
        precision: Option<Precision>,
        shape: &WorkShape,
        problems: &[Heat1D],
    ) -> Result<(Compute, Option<String>)> {
        let cpu_f32 = || {
            Error::invalid(
                "precision",
                "f32",
                "the CPU backend computes in f64; use --backend gpu for f32",
            )
        };
        let fits_gpu = |ctx: &GpuContext| -> Result<()> {
            for p in problems {
                p.validate_for(ctx.precision())?;
                F32Bound::check(p, ctx.precision())?;
            }
            Ok(())
        };
        match backend {
            Backend::Cpu if precision == Some(Precision::F32) => Err(cpu_f32()),
            Backend::Cpu => Ok((Compute::Cpu, None)),
            Backend::Gpu => {
                let ctx = GpuContext::new(&AdapterRequest::from_env(), precision)?;
                fits_gpu(&ctx)?;
                Ok((Compute::Gpu(Box::new(ctx)), None))
            }
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
                    Ok(ctx) => match fits_gpu(&ctx) {
                        Ok(()) => {
                            let notice = format!("auto: GPU {}: {why}", ctx.summary().name);
                            Ok((Compute::Gpu(Box::new(ctx)), Some(notice)))
                        }
                        Err(e) => cpu_because(format!(
                            "{why}, but in {} on {}: {e}",
                            ctx.precision(),
                            ctx.summary().name
                        )),
                    },
                    Err(e) => cpu_because(format!("{why}, but there is no usable GPU ({e})")),
                }
            }
        }
    }
}

/// Host bytes a solve of `problem` allocates at its peak on `compute`, counted from the arrays
/// each path creates (`f64` = 8 B; `real` = the device precision's size). The fix suggested
/// when it does not fit comes with it.
pub fn host_bytes_needed(
    problem: &Heat1D,
    options: &SolveOptions,
    compute: &Compute,
) -> (u64, &'static str, &'static str) {
    let n = problem.unknowns();
    let kept = kept_level_count(problem.nt, options.snapshot_every);
    // The kept field, and the level indices and times that label its rows.
    let field = bytes_for(kept, problem.nx * 8 + 16);
    let real = compute.precision().bytes();
    // A software adapter's runtime (the compiled shaders, its queues) lives in host memory.
    let runtime = match compute {
        Compute::Gpu(_) if compute.device_is_host() => SOFTWARE_ADAPTER_BYTES,
        _ => 0,
    };
    let mode = match (options.mode, compute) {
        // The GPU's blocked solve keeps the whole field, as the all-at-once solve does.
        (Mode::March, Compute::Gpu(_)) if blocked_applies(problem, options) => Mode::AllAtOnce,
        (mode, _) => mode,
    };
    match (mode, compute) {
        // Iterate (the guess), direction, trial; the kept field is a copy unless every level
        // is kept (then it is the iterate), made after direction and trial are freed.
        (Mode::AllAtOnce, Compute::Cpu) => (
            bytes_for(n, CpuSpaceTime::ARRAYS as usize * 8)
                .max(bytes_for(n, 8).saturating_add(field)),
            "all-at-once CPU solve (iterate, direction, trial)",
            "use --mode march (memory O(nx)), fewer levels, or --snapshot-every with --mode march",
        ),
        // Guess and its upload bytes, the downloaded solution and its bytes and staging, the
        // kept field; a software adapter's device arrays are host memory too.
        (Mode::AllAtOnce, Compute::Gpu(_)) => {
            let device = if compute.device_is_host() {
                GpuHeatSession::device_bytes(problem, compute.precision())
            } else {
                0
            };
            (
                bytes_for(n, 16 + 3 * real)
                    .saturating_add(field)
                    .saturating_add(device)
                    .saturating_add(runtime),
                "all-at-once GPU solve (host copies of the field)",
                "use --mode march (memory O(nx)) or fewer levels",
            )
        }
        // The kept levels, plus O(nx) work arrays.
        (Mode::March, Compute::Cpu) => (
            field.saturating_add(bytes_for(problem.nx, 32 * 8)),
            "march (kept levels)",
            "keep fewer levels with --snapshot-every K",
        ),
        // The kept levels, the device march's snapshot buffers (device, staging, host bytes),
        // its O(nx) arrays (host memory on a software adapter).
        (Mode::March, Compute::Gpu(_)) => (
            field
                .saturating_add(3 * crate::problems::heat1d::theta_march::SNAPSHOT_BYTES as u64)
                .saturating_add(bytes_for(problem.nx, 32 * 8))
                .saturating_add(runtime),
            "march (kept levels)",
            "keep fewer levels with --snapshot-every K",
        ),
    }
}

/// Host memory a software adapter's runtime takes (measured with llvmpipe: 40 to 50 MiB).
const SOFTWARE_ADAPTER_BYTES: u64 = 64 << 20;

/// Progress callbacks: `(done, total)` in the unit of the mode (Newton iterations or steps).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Solves where `compute` says, from `initial_guess` (all-at-once; `None`: the users' guess).
/// Validates first, checks memory before allocating, verifies the result before returning it.
pub fn solve(
    problem: &Heat1D,
    options: &SolveOptions,
    compute: Compute,
    initial_guess: Option<Vec<f64>>,
    progress: Progress,
) -> Result<Solution> {
    let precision = compute.precision();
    problem.validate_for(precision)?;
    options.validate(problem)?;
    let f32_bound = F32Bound::check(problem, precision)?;
    if let Some(guess) = &initial_guess {
        problem.check_field("initial guess", guess)?;
    }
    let (needed, what, fix) = host_bytes_needed(problem, options, &compute);
    ensure_fits(what, needed, fix)?;
    let mut solution = match (options.mode, compute) {
        (Mode::AllAtOnce, Compute::Cpu) => {
            solve_all_at_once_cpu(problem, options, initial_guess, progress)?
        }
        (_, Compute::Gpu(ctx)) if blocked_applies(problem, options) => {
            solve_blocked_gpu(problem, options, *ctx)?
        }
        (Mode::AllAtOnce, Compute::Gpu(ctx)) => {
            solve_all_at_once_gpu(problem, options, *ctx, initial_guess, progress)?
        }
        (Mode::March, Compute::Cpu) if blocked_applies(problem, options) => {
            solve_blocked_cpu(problem, options)?
        }
        (Mode::March, Compute::Cpu) => solve_march_cpu(problem, options, progress)?,
        (Mode::March, Compute::Gpu(ctx)) => {
            linear_march_solution(problem, options, Compute::Gpu(ctx), progress)?
        }
    };
    solution.f32_bound = f32_bound;
    Ok(solution)
}

/// Solves on the CPU (see [`solve`]).
pub fn solve_cpu(
    problem: &Heat1D,
    options: &SolveOptions,
    initial_guess: Option<Vec<f64>>,
    progress: Progress,
) -> Result<Solution> {
    solve(problem, options, Compute::Cpu, initial_guess, progress)
}

/// The full field's scaled residual in f64 against the Newton target: the verification of an
/// all-at-once solution, on the array that is returned.
fn verify_field(
    problem: &Heat1D,
    v: &[f64],
    newton: &NewtonStats,
    precision: Precision,
) -> Result<Verification> {
    check_finite_levels(v, problem.nx, "the solution")?;
    let params = HeatParams::new(problem);
    Verification {
        residual: heat_residual_norm(&params, v),
        floor: params.rounding_floor(precision.eps()),
        target: newton.target,
        evaluated: "all levels, in f64 on the host",
    }
    .check()
}

/// Whether the linear system is solved directly by blocked powers (issue 11): beta = 0, at
/// most 32 interior points, and every level is wanted (all-at-once, or a march that keeps every
/// level; a march keeping fewer levels keeps its O(nx) memory and steps). The CPU's all-at-once
/// Newton takes its direction from the same blocked solve (one iteration).
pub fn blocked_applies(problem: &Heat1D, options: &SolveOptions) -> bool {
    problem.is_linear()
        && problem.nx - 2 <= MAX_INTERIOR
        && (options.mode == Mode::AllAtOnce || options.snapshot_every == 1)
}

/// The target of a direct solve: `max(atol, floor)` (no initial residual to be relative to).
fn direct_verification(
    problem: &Heat1D,
    options: &SolveOptions,
    residual: f64,
    precision: Precision,
    evaluated: &'static str,
) -> Result<Verification> {
    let floor = HeatParams::new(problem).rounding_floor(precision.eps());
    Verification {
        residual,
        floor,
        target: options.newton.atol.max(floor),
        evaluated,
    }
    .check()
}

fn solve_blocked_cpu(problem: &Heat1D, options: &SolveOptions) -> Result<Solution> {
    let start = std::time::Instant::now();
    let params = HeatParams::new(problem);
    let mut solve = BlockedAffineSolve::new(&params).expect("blocked_applies checked the shape");
    let mut v = vec![0.0; problem.unknowns()];
    let check = solve.solve_into(&mut v);
    check_finite_levels(&v, problem.nx, "the solution")?;
    // The residual of every row was evaluated in f64 while its tile was in cache.
    let verification = direct_verification(
        problem,
        options,
        check.residual,
        Precision::F64,
        "all levels, in f64 on the host, fused with the solve",
    )?;
    Ok(Solution {
        field: keep_levels(problem, v, options.snapshot_every),
        levels: snapshot_levels(problem.nt, options.snapshot_every),
        label: ComputeLabel::cpu(),
        report: SolveReport::Blocked {
            levels: problem.nt,
            block_levels: solve.powers().block_levels(),
            elapsed_s: start.elapsed().as_secs_f64(),
        },
        verification,
        f32_bound: None,
    })
}

fn solve_blocked_gpu(
    problem: &Heat1D,
    options: &SolveOptions,
    ctx: GpuContext,
) -> Result<Solution> {
    let start = std::time::Instant::now();
    let precision = ctx.precision();
    let mut solve = GpuBlockedAffine::new(ctx, problem)?;
    let device = solve.solve()?;
    if !device.residual.is_finite() {
        // The host check below names the first non-finite value.
        check_finite_levels(&solve.solution()?, problem.nx, "the solution")?;
    }
    let v = solve.solution()?;
    check_finite_levels(&v, problem.nx, "the solution")?;
    // Verified again in f64 on the host, on the array that is returned.
    let residual = heat_residual_norm(&HeatParams::new(problem), &v);
    let verification = direct_verification(
        problem,
        options,
        residual,
        precision,
        "all levels, in f64 on the host",
    )?;
    Ok(Solution {
        field: keep_levels(problem, v, options.snapshot_every),
        levels: snapshot_levels(problem.nt, options.snapshot_every),
        label: solve.label(),
        report: SolveReport::Blocked {
            levels: problem.nt,
            block_levels: solve.layout().0,
            elapsed_s: start.elapsed().as_secs_f64(),
        },
        verification,
        f32_bound: None,
    })
}

fn solve_all_at_once_cpu(
    problem: &Heat1D,
    options: &SolveOptions,
    initial_guess: Option<Vec<f64>>,
    progress: Progress,
) -> Result<Solution> {
    let guess = initial_guess.unwrap_or_else(|| problem.initial_guess());
    let mut system = CpuSpaceTime::new(problem, guess)?;
    let max_iterations = options.newton.max_iterations as u64;
    let mut observed = Observed {
        inner: &mut system,
        on_direction: |k| progress(k, max_iterations),
        directions: 0,
    };
    let (converged, newton) = newton_solve(&mut observed, &options.newton)?;
    let v = system.into_solution();
    let verification = verify_field(problem, &v, &newton, Precision::F64)?;
    Ok(Solution {
        field: keep_levels(problem, v, options.snapshot_every),
        levels: snapshot_levels(problem.nt, options.snapshot_every),
        label: ComputeLabel::cpu(),
        report: SolveReport::AllAtOnce { converged, newton },
        verification,
        f32_bound: None,
    })
}

fn solve_all_at_once_gpu(
    problem: &Heat1D,
    options: &SolveOptions,
    ctx: GpuContext,
    initial_guess: Option<Vec<f64>>,
    progress: Progress,
) -> Result<Solution> {
    let precision = ctx.precision();
    let guess = initial_guess.unwrap_or_else(|| problem.initial_guess());
    let max_iterations = options.newton.max_iterations as u64;
    let on_direction = |k: u64| progress(k, max_iterations);
    // alpha(T) with nx <= 34 whose field fits one binding: the scanned direction (no march
    // over levels); otherwise the march session.
    let (v, label, (converged, newton)) =
        if !problem.is_linear() && GpuScanSession::check_fits(&ctx, problem).is_ok() {
            let mut session = GpuScanSession::new(ctx, problem, &guess)?;
            let solved = observed_newton(&mut session, on_direction, options)?;
            (session.solution()?, session.label(), solved)
        } else {
            let mut session = GpuHeatSession::new(ctx, problem, &guess)?;
            let solved = observed_newton(&mut session, on_direction, options)?;
            (session.solution()?, session.label(), solved)
        };
    let verification = verify_field(problem, &v, &newton, precision)?;
    Ok(Solution {
        field: keep_levels(problem, v, options.snapshot_every),
        levels: snapshot_levels(problem.nt, options.snapshot_every),
        label,
        report: SolveReport::AllAtOnce { converged, newton },
        verification,
        f32_bound: None,
    })
}

/// Newton on `system` with `on_direction` called after each direction.
fn observed_newton(
    system: &mut impl NewtonSystem,
    on_direction: impl FnMut(u64),
    options: &SolveOptions,
) -> Result<(Converged, NewtonStats)> {
    let mut observed = Observed {
        inner: system,
        on_direction,
        directions: 0,
    };
    newton_solve(&mut observed, &options.newton)
}

fn solve_march_cpu(
    problem: &Heat1D,
    options: &SolveOptions,
    progress: Progress,
) -> Result<Solution> {
    let levels = snapshot_levels(problem.nt, options.snapshot_every);
    let nx = problem.nx;
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
    let flat = field.as_slice().expect("standard layout");
    check_finite_levels(flat, nx, "the solution")?;
    // Each step's last residual was evaluated in f64 on the level that was kept.
    let verification = Verification {
        residual: stats.max_step_residual,
        floor: stats.floor,
        target: stats.target,
        evaluated: "every step, in f64 on the host",
    }
    .check()?;
    Ok(Solution {
        field,
        levels,
        label: ComputeLabel::cpu(),
        report: SolveReport::March(stats),
        verification,
        f32_bound: None,
    })
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

/// A system seen through a callback on each Newton direction (for progress reporting), which
/// also stops the solve when Ctrl-C was pressed.
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
        cancel::check()?;
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
    fn rounding_floor(&self) -> f64 {
        self.inner.rounding_floor()
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
    /// Largest scaled residual of any step of any member, and the floor it is judged against.
    pub verification: Verification,
}

/// Host bytes a linear march of `members` members of `nx` points allocates (interleaved work
/// arrays and final levels; the kept levels stream to the sink).
pub fn linear_march_host_bytes(members: usize, nx: usize) -> u64 {
    bytes_for(members.saturating_mul(nx), 8 * 8)
}

/// Marches `members` (one problem, or a sweep) with the linear theta scheme on `compute`,
/// streaming the kept levels to `sink(member, kept index, level)`. Every step's residual is
/// checked (on the device for a GPU); the largest is verified against the floor at the end.
pub fn linear_march(
    members: &[Heat1D],
    snapshot_every: usize,
    compute: Compute,
    sink: LevelSink,
    progress: Progress,
) -> Result<LinearMarch> {
    use crate::problems::heat1d::theta_march::{CpuThetaMarch, GpuThetaMarch, MemberSet};
    crate::solver::march::check_snapshot_every(snapshot_every)?;
    let precision = compute.precision();
    for p in members {
        p.validate_for(precision)?;
    }
    let first = members
        .first()
        .ok_or_else(|| Error::invalid("sweep", 0, "needs at least one member"))?;
    let (nt, m) = (first.nt, members.len());
    ensure_fits(
        "linear march (work arrays of every member)",
        linear_march_host_bytes(m, first.nx),
        "use fewer members or a coarser grid",
    )?;
    let mut floor = MemberSet::rounding_floor(members, precision);
    let mut levels = Vec::new();
    let mut final_levels = vec![Vec::new(); m];
    let mut on_level = |i: usize, interleaved: &[f64]| -> Result<()> {
        for (s, last) in final_levels.iter_mut().enumerate() {
            last.clear();
            last.extend(interleaved.iter().skip(s).step_by(m));
            check_finite_levels(last, last.len(), &format!("level {i} of member {s}"))?;
            sink(s, levels.len(), last)?;
        }
        levels.push(i);
        Ok(())
    };
    let total = (nt - 1) as u64;
    let mut on_progress = |step: usize| progress(step as u64, total);
    let (label, residual, evaluated) = match compute {
        Compute::Cpu => {
            let mut march = CpuThetaMarch::new(members)?;
            let r = march.march(nt, snapshot_every, &mut on_level, &mut on_progress)?;
            (march.label(), r, "every step, in f64 on the host")
        }
        Compute::Gpu(ctx) => {
            let mut march = GpuThetaMarch::new(*ctx, members)?;
            floor *= march.floor_factor();
            let r = march.march(nt, snapshot_every, &mut on_level, &mut on_progress)?;
            let evaluated = match precision {
                Precision::F64 => "every step, in f64 on the device",
                Precision::F32 => "every step, in f32 on the device",
            };
            (march.label(), r, evaluated)
        }
    };
    let verification = Verification {
        residual,
        floor,
        target: floor,
        evaluated,
    }
    .check()?;
    Ok(LinearMarch {
        label,
        levels,
        final_levels,
        verification,
    })
}

/// One linear problem marched on `compute`, kept levels collected as a [`Solution`].
fn linear_march_solution(
    problem: &Heat1D,
    options: &SolveOptions,
    compute: Compute,
    progress: Progress,
) -> Result<Solution> {
    if !problem.is_linear() {
        return Err(Error::invalid(
            "beta",
            problem.beta,
            "the GPU march solves the linear problem (beta = 0); march alpha(T) with --backend cpu",
        ));
    }
    let kept = snapshot_levels(problem.nt, options.snapshot_every);
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
        verification: march.verification,
        f32_bound: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_model_follows_the_h100_measurements() {
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
        assert!(!shape(Mode::March, 1_000_000, 1).prefers_gpu().0);
        assert!(shape(Mode::March, 100_000, 1024).prefers_gpu().0);
        assert!(
            shape(Mode::March, 11, 1024).prefers_gpu().0,
            "a sweep of 1024 members fills a GPU"
        );
        let (_, why) = WorkShape::of(&users, Mode::AllAtOnce, 1).prefers_gpu();
        assert!(why.contains("blocked"), "{why}");
        let nonlinear = Heat1D {
            beta: 0.01,
            ..Heat1D::default()
        };
        let (gpu, why) = WorkShape::of(&nonlinear, Mode::AllAtOnce, 1).prefers_gpu();
        assert!(gpu && why.contains("1000000 levels of 11 points"), "{why}");
        let scan = |nt| WorkShape {
            nt,
            ..WorkShape::of(&nonlinear, Mode::AllAtOnce, 1)
        };
        assert!(scan(10_000_001).prefers_gpu().0);
        assert!(!scan(100_001).prefers_gpu().0 && !scan(100_000_001).prefers_gpu().0);
        let (gpu, why) = shape(Mode::AllAtOnce, 8193, 1).prefers_gpu();
        assert!(!gpu && why.contains("latency-bound"), "{why}");
    }

    #[test]
    fn tolerances_must_be_finite_positive_and_meaningful() {
        let p = Heat1D::default();
        for (atol, rtol, name) in [
            (f64::INFINITY, 0.0, "atol"),
            (-1e-9, 0.0, "atol"),
            (1.0, 0.0, "atol"),
            (f64::NAN, 0.0, "atol"),
            (0.0, 1e308, "rtol"),
            (0.0, -1.0, "rtol"),
        ] {
            let options = SolveOptions {
                newton: NewtonOptions {
                    atol,
                    rtol,
                    ..NewtonOptions::default()
                },
                ..SolveOptions::default()
            };
            let err = options.validate(&p).unwrap_err().to_string();
            assert!(err.contains(name), "{atol} {rtol}: {err}");
        }
    }
}
