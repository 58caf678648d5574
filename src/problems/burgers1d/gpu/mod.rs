//! Burgers theta steps on the GPU, one member or a sweep of members at once (interleaved:
//! point j of member s at `j * members + s`).
//!
//! Per Newton iteration, on the device: the Jacobian is assembled into the cyclic solver's
//! device-resident bands (`burgers_jacobian`), solved (a sweep: [`GpuCyclicBatched`], one
//! invocation per member, with pivoting; one member: [`GpuCyclicLarge`], partitioned, which needs
//! diagonal dominance), and the iterate updated. Only scalars come back.
//!
//! Two ways to drive it, both verified on the device in its precision (the final scaled
//! residual of every step at or below `max(atol, floor)`):
//! * [`GpuBurgersMarch::march`]: a fixed number K of Newton iterations per step (no host
//!   decisions), up to `steps_per_submit` steps per submit, each step's final residual reduced
//!   into a slot; one scalar (the chunk's largest residual) is read back per submit. A chunk that
//!   misses the target is restored from its checkpoint and redone with K + 1 iterations, and at
//!   `max_iterations_per_step` step by step with the host-driven Newton below.
//! * The [`NewtonSystem`](crate::solver::newton::NewtonSystem) implementation: the generic Newton driver with line search; per
//!   iteration one submit and a few scalars each for the residual, the direction and the trial
//!   (the line-search lambda is the only upload). Used by the fallback and by tests.
//!
//! Bytes per unknown and Newton iteration (f64), fixed-K march: Jacobian 48 (read w, q; write
//! four band values), batched solve 120, update 24: 192 B; plus, per step, the explicit part 16
//! and the final residual 16. The minimum for a Newton iteration whose Jacobian is stored as
//! bands is 48 (assembly) + 40 (a solve that reads the bands and writes dv) + 24 (update) = 112
//! B; the batched GEPP solver's U rows (5 values written and read back) account for the rest.
//! The large solver moves about 2 x 140 B (two partitioned solves) + 24 B instead of 120.

mod limits;
mod march;
mod newton;

pub use limits::F32Bound;
pub use march::{GpuMarchOptions, GpuMarchReport};

use limits::check_dominance;

use crate::backend::ComputeLabel;
use crate::error::{Error, Result};
use crate::gpu::layout::{bytes_to_reals, reals_to_bytes, WgslStruct};
use crate::gpu::{GpuContext, ReductionChain};
use crate::linalg::gpu_cyclic::{pipeline, storage_array, GpuCyclicBatched, GpuCyclicLarge};
use crate::precision::Precision;

use super::cpu_step::starting_previous;
use super::exact::initial_level;
use super::gpu_twins::{BurgersGpuParams, MemberCoefficients};
use super::params::{check_members, Burgers1D, Stepping};
use super::solve::{check_finite_level, LevelSink};
use super::stencil::{ExplicitCoefficients, StageCoefficients};

/// Device memory for kept levels awaiting download.
const SNAPSHOT_BYTES: usize = 64 << 20;

/// Slots of the results buffer.
pub(super) mod slot {
    pub const RESIDUAL: u64 = 0;
    pub const DOMINANCE: u64 = 1;
    pub const STEP: u64 = 2;
    pub const ITERATE: u64 = 3;
    pub const TRIAL: u64 = 4;
    pub const CHUNK_RESIDUAL: u64 = 5;
    pub const CHUNK_DOMINANCE: u64 = 6;
    /// Residuals of a step's extrapolated guess and of its old level (burgers_choose_guess).
    pub const GUESS: u64 = crate::problems::burgers1d::gpu_twins::RESULT_GUESS as u64;
    pub const OLD: u64 = crate::problems::burgers1d::gpu_twins::RESULT_OLD as u64;
    pub const COUNT: usize = 10;
}

enum Solver {
    Batched(GpuCyclicBatched),
    Large(GpuCyclicLarge),
}

impl Solver {
    fn bands(&self) -> [&wgpu::Buffer; 4] {
        match self {
            Solver::Batched(s) => s.bands(),
            Solver::Large(s) => s.bands(),
        }
    }
    fn band_shift(&self) -> u32 {
        match self {
            Solver::Batched(s) => s.band_shift(),
            Solver::Large(s) => s.band_shift(),
        }
    }
    fn record(&self, ctx: &GpuContext, pass: &mut wgpu::ComputePass<'_>) {
        match self {
            Solver::Batched(s) => s.record(ctx, pass),
            Solver::Large(s) => s.record(ctx, pass),
        }
    }
}

struct Pipelines {
    explicit: wgpu::ComputePipeline,
    shift: wgpu::ComputePipeline,
    choose: wgpu::ComputePipeline,
    residual: wgpu::ComputePipeline,
    jacobian: wgpu::ComputePipeline,
    trial: wgpu::ComputePipeline,
    direction: wgpu::ComputePipeline,
    update: wgpu::ComputePipeline,
}

struct Groups {
    explicit: wgpu::BindGroup,
    shift: wgpu::BindGroup,
    choose: wgpu::BindGroup,
    residual: wgpu::BindGroup,
    residual_previous: wgpu::BindGroup,
    jacobian: wgpu::BindGroup,
    trial: wgpu::BindGroup,
    direction: wgpu::BindGroup,
    update: wgpu::BindGroup,
}

struct Chains {
    residual: ReductionChain,
    dominance: ReductionChain,
    step: ReductionChain,
    iterate: ReductionChain,
    trial: ReductionChain,
    chunk_residual: ReductionChain,
    chunk_dominance: ReductionChain,
}

/// Checks what the device path cannot do for `problems` (fixed steps) in `precision`, before
/// any device work: one member goes to the partitioned solver, which needs a diagonally dominant
/// Jacobian for every `|w| <= max |u0|`; f32 runs whose error bound is useless are refused.
/// Returns the members' coefficients and the rounding floor every step is verified against.
pub fn device_plan(
    problems: &[Burgers1D],
    steps: usize,
    precision: Precision,
) -> Result<(Vec<MemberCoefficients>, f64)> {
    let first = check_members(problems)?;
    let dt = first.t_end / steps as f64;
    let dx = first.dx();
    let coefficients: Vec<MemberCoefficients> = problems
        .iter()
        .map(|p| MemberCoefficients {
            stage: StageCoefficients::new(p.nu, dx, p.theta * dt),
            explicit: ExplicitCoefficients::new(p.nu, dx, (1.0 - p.theta) * dt),
        })
        .collect();
    if problems.len() == 1 {
        check_dominance(first, steps, &coefficients[0].stage)?;
    }
    let u_scale = problems
        .iter()
        .map(Burgers1D::max_velocity)
        .fold(0.0, f64::max);
    let floor = coefficients
        .iter()
        .map(|c| c.stage.rounding_floor(2.0 * u_scale, precision.eps()))
        .fold(0.0, f64::max);
    if let Some(bound) = F32Bound::of(problems, steps, floor, precision) {
        bound.check(u_scale)?;
    }
    Ok((coefficients, floor))
}

/// Host bytes a device march allocates: the initial levels and their starting predecessors,
/// one level's host copy, and the kept-level staging (at most 64 MiB).
pub fn host_bytes(problems: &[Burgers1D]) -> u64 {
    let len = problems.len() * problems.first().map_or(0, |p| p.n);
    crate::memory::bytes_for(len, 8 * 4).saturating_add(SNAPSHOT_BYTES as u64)
}

/// A march of one Burgers problem or a sweep (fixed theta steps) held on the device.
pub struct GpuBurgersMarch {
    ctx: GpuContext,
    problems: Vec<Burgers1D>,
    n: usize,
    members: usize,
    steps: usize,
    dt: f64,
    options: GpuMarchOptions,
    params: BurgersGpuParams,
    params_buffer: wgpu::Buffer,
    params_bytes: Vec<u8>,
    iterate: wgpu::Buffer,
    trial: wgpu::Buffer,
    /// The iterate and previous level at the start of a chunk (restored when it is redone).
    checkpoint: wgpu::Buffer,
    checkpoint_previous: wgpu::Buffer,
    results: wgpu::Buffer,
    step_residuals: wgpu::Buffer,
    step_dominance: wgpu::Buffer,
    solver: Solver,
    pipelines: Pipelines,
    groups: Groups,
    chains: Chains,
    grid: [u32; 3],
    snapshots: wgpu::Buffer,
    staging: wgpu::Buffer,
    slots: usize,
    host_bytes: Vec<u8>,
    host_level: Vec<f64>,
    member_row: Vec<f64>,
    initial: Vec<f64>,
    initial_previous: Vec<f64>,
    /// The level before the iterate's (extrapolated guesses).
    previous: wgpu::Buffer,
    floor: f64,
    /// `q` must be formed from the iterate (a step begins) before the next operation.
    pending_begin: bool,
    /// The trial point must become the iterate before the next operation.
    pending_accept: bool,
}

impl GpuBurgersMarch {
    /// Builds the session for `problems` (members sharing a grid, fixed steps): validates them,
    /// refuses what the device solver cannot do, creates every buffer, pipeline and bind group,
    /// and uploads the initial levels.
    pub fn new(
        ctx: GpuContext,
        problems: &[Burgers1D],
        options: &GpuMarchOptions,
    ) -> Result<GpuBurgersMarch> {
        let first = check_members(problems)?.clone();
        let Stepping::Fixed { steps } = first.stepping else {
            return Err(Error::invalid(
                "tol",
                "adaptive",
                "the GPU marches fixed steps (--steps); adaptive steps run on the CPU",
            ));
        };
        if options.iterations_per_step == 0
            || options.max_iterations_per_step < options.iterations_per_step
            || options.steps_per_submit == 0
        {
            return Err(Error::invalid(
                "iterations_per_step",
                options.iterations_per_step,
                "must be >= 1 and <= max_iterations_per_step; steps_per_submit >= 1",
            ));
        }
        let (n, members) = (first.n, problems.len());
        let dt = first.t_end / steps as f64;
        let precision = ctx.precision();
        let (coefficients, floor) = device_plan(problems, steps, precision)?;

        let len = n * members;
        let storage = wgpu::BufferUsages::STORAGE;
        let array = |label: &str| storage_array(&ctx, label, len, storage);
        let (iterate, q, direction, trial) = (
            array("iterate")?,
            array("q")?,
            array("direction")?,
            array("trial")?,
        );
        let (previous, checkpoint) = (array("previous")?, array("checkpoint")?);
        let checkpoint_previous = array("checkpoint previous")?;
        let solver = if members == 1 {
            Solver::Large(GpuCyclicLarge::new(
                &ctx,
                n,
                options.block_rows,
                &direction,
            )?)
        } else {
            Solver::Batched(GpuCyclicBatched::new(&ctx, n, members, &direction)?)
        };
        let params = BurgersGpuParams {
            n: n as u32,
            members: members as u32,
            band_shift: solver.band_shift(),
            lambda: 1.0,
        };
        let params_bytes = params_bytes(&params, precision);
        let params_buffer =
            ctx.create_buffer_init("burgers params", &params_bytes, wgpu::BufferUsages::UNIFORM)?;
        let member_bytes: Vec<u8> = coefficients
            .iter()
            .flat_map(|c| {
                let (s, e) = (c.stage, c.explicit);
                WgslStruct::new(precision)
                    .real(s.scale)
                    .real(s.diffusion)
                    .real(s.convection)
                    .real(e.diffusion)
                    .real(e.convection)
                    .finish()
            })
            .collect();
        let members_buffer = ctx.create_buffer_init("burgers members", &member_bytes, storage)?;

        let pipelines = Pipelines {
            explicit: pipeline(&ctx, "burgers_explicit")?,
            shift: pipeline(&ctx, "burgers_shift")?,
            choose: pipeline(&ctx, "burgers_choose_guess")?,
            residual: pipeline(&ctx, "burgers_residual_partials")?,
            jacobian: pipeline(&ctx, "burgers_jacobian")?,
            trial: pipeline(&ctx, "burgers_trial_partials")?,
            direction: pipeline(&ctx, "burgers_direction_partials")?,
            update: pipeline(&ctx, "burgers_update")?,
        };
        let groups_len = len.div_ceil(crate::problems::heat1d::kernels::REDUCE_WIDTH);
        let partials = |label: &str, count: usize| storage_array(&ctx, label, count, storage);
        let (residual_partials, dominance_partials, trial_partials, direction_partials) = (
            partials("residual partials", groups_len)?,
            partials("dominance partials", groups_len)?,
            partials("trial partials", groups_len)?,
            partials("direction partials", 2 * groups_len)?,
        );
        let results = storage_array(&ctx, "results", slot::COUNT, storage)?;
        let [lower, diag, upper, rhs] = solver.bands();
        let (p, m) = (&params_buffer, &members_buffer);
        let groups = Groups {
            explicit: ctx.bind_at(
                "explicit",
                &pipelines.explicit,
                &[
                    (0, p),
                    (1, m),
                    (2, &iterate),
                    (3, &previous),
                    (4, &q),
                    (5, &trial),
                ],
            )?,
            shift: ctx.bind_at(
                "shift",
                &pipelines.shift,
                &[(0, p), (2, &iterate), (3, &previous), (4, &trial)],
            )?,
            choose: ctx.bind_at(
                "choose guess",
                &pipelines.choose,
                &[(0, p), (2, &iterate), (3, &previous), (4, &results)],
            )?,
            residual_previous: ctx.bind_at(
                "residual of the old level",
                &pipelines.residual,
                &[
                    (0, p),
                    (1, m),
                    (2, &previous),
                    (3, &q),
                    (4, &residual_partials),
                ],
            )?,
            residual: ctx.bind_at(
                "residual",
                &pipelines.residual,
                &[
                    (0, p),
                    (1, m),
                    (2, &iterate),
                    (3, &q),
                    (4, &residual_partials),
                ],
            )?,
            jacobian: ctx.bind_at(
                "jacobian",
                &pipelines.jacobian,
                &[
                    (0, p),
                    (1, m),
                    (2, &iterate),
                    (3, &q),
                    (4, lower),
                    (5, diag),
                    (6, upper),
                    (7, rhs),
                    (8, &dominance_partials),
                ],
            )?,
            trial: ctx.bind_at(
                "trial",
                &pipelines.trial,
                &[
                    (0, p),
                    (1, m),
                    (2, &iterate),
                    (3, &direction),
                    (4, &q),
                    (5, &trial),
                    (6, &trial_partials),
                ],
            )?,
            direction: ctx.bind_at(
                "direction norms",
                &pipelines.direction,
                &[
                    (0, p),
                    (2, &direction),
                    (3, &iterate),
                    (4, &direction_partials),
                ],
            )?,
            update: ctx.bind_at(
                "update",
                &pipelines.update,
                &[(0, p), (2, &iterate), (3, &direction)],
            )?,
        };
        let reduce = pipeline(&ctx, "max_abs_reduce")?;
        let steps_per_submit = options.steps_per_submit;
        let step_residuals = storage_array(&ctx, "step residuals", steps_per_submit, storage)?;
        let step_dominance = storage_array(&ctx, "step dominance", steps_per_submit, storage)?;
        let chain = |source: &wgpu::Buffer, offset, count| {
            ReductionChain::new(&ctx, &reduce, source, offset, count)
        };
        let chains = Chains {
            residual: chain(&residual_partials, 0, groups_len)?,
            dominance: chain(&dominance_partials, 0, groups_len)?,
            step: chain(&direction_partials, 0, groups_len)?,
            iterate: chain(&direction_partials, groups_len, groups_len)?,
            trial: chain(&trial_partials, 0, groups_len)?,
            chunk_residual: chain(&step_residuals, 0, steps_per_submit)?,
            chunk_dominance: chain(&step_dominance, 0, steps_per_submit)?,
        };

        let level_bytes = len * precision.bytes();
        let slots = (SNAPSHOT_BYTES / level_bytes).clamp(1, steps_per_submit);
        let snapshot_usage = wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let snapshots =
            ctx.create_storage_buffer("kept levels", (slots * level_bytes) as u64, snapshot_usage)?;
        let staging =
            ctx.create_readback_buffer("kept levels staging", (slots * level_bytes) as u64)?;

        let (mut initial, mut initial_previous) = (vec![0.0; len], vec![0.0; len]);
        for (s, p) in problems.iter().enumerate() {
            let u0 = initial_level(p);
            let before = starting_previous(p, dt, &u0);
            for (j, (u, b)) in u0.into_iter().zip(before).enumerate() {
                initial[j * members + s] = u;
                initial_previous[j * members + s] = b;
            }
        }
        ctx.upload(&iterate, 0, &reals_to_bytes(&initial, precision))?;
        ctx.upload(&previous, 0, &reals_to_bytes(&initial_previous, precision))?;
        Ok(GpuBurgersMarch {
            grid: ctx.grid(len as u64)?,
            problems: problems.to_vec(),
            n,
            members,
            steps,
            dt,
            options: options.clone(),
            params,
            params_buffer,
            params_bytes,
            iterate,
            trial,
            checkpoint,
            checkpoint_previous,
            results,
            step_residuals,
            step_dominance,
            solver,
            pipelines,
            groups,
            chains,
            snapshots,
            staging,
            slots,
            host_bytes: vec![0; slots * level_bytes],
            host_level: vec![0.0; len],
            member_row: vec![0.0; n],
            initial,
            initial_previous,
            previous,
            floor,
            pending_begin: false,
            pending_accept: false,
            ctx,
        })
    }

    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    pub fn into_context(self) -> GpuContext {
        self.ctx
    }

    pub fn label(&self) -> ComputeLabel {
        ComputeLabel {
            backend: "gpu",
            device: self.ctx.summary().to_string(),
            precision: self.ctx.precision(),
        }
    }

    /// The rounding floor every step is verified against.
    pub fn floor(&self) -> f64 {
        self.floor
    }

    /// Back to the initial levels (benchmarks repeat runs on one session).
    pub fn reset(&mut self) -> Result<()> {
        let precision = self.ctx.precision();
        self.ctx
            .upload(&self.iterate, 0, &reals_to_bytes(&self.initial, precision))?;
        let before = reals_to_bytes(&self.initial_previous, precision);
        self.ctx.upload(&self.previous, 0, &before)?;
        self.pending_begin = false;
        self.pending_accept = false;
        Ok(())
    }

    /// Marks the start of a step: the iterate (the last level) becomes the old level of the
    /// step and its first guess (`q` is formed before the next operation).
    pub fn begin_step(&mut self) {
        self.pending_begin = true;
    }

    /// An encoder that first carries out the pending accept and step start.
    fn encoder(&mut self, label: &str) -> wgpu::CommandEncoder {
        let mut encoder = self.ctx.create_encoder(label);
        if std::mem::take(&mut self.pending_accept) {
            let bytes = self.iterate.size();
            encoder.copy_buffer_to_buffer(&self.trial, 0, &self.iterate, 0, bytes);
        }
        if std::mem::take(&mut self.pending_begin) {
            self.record_step_start(&mut encoder);
        }
        encoder
    }

    /// The start of a theta step: `q` and the extrapolated guess (`burgers_explicit`, then
    /// `burgers_shift`), the residuals of the guess and of the old level reduced into the
    /// results, and `burgers_choose_guess` keeping the better one, all on the device.
    fn record_step_start(&self, encoder: &mut wgpu::CommandEncoder) {
        let (ctx, p, g) = (&self.ctx, &self.pipelines, &self.groups);
        for (slot, residual) in [
            (slot::GUESS, &g.residual),
            (slot::OLD, &g.residual_previous),
        ] {
            {
                let mut pass = ctx.begin_compute_pass(encoder, "step start");
                if slot == slot::GUESS {
                    ctx.dispatch(&mut pass, &p.explicit, &g.explicit, self.grid);
                    ctx.dispatch(&mut pass, &p.shift, &g.shift, self.grid);
                }
                ctx.dispatch(&mut pass, &p.residual, residual, self.grid);
            }
            let at = self.real_offset(slot);
            self.chains.residual.record(ctx, encoder, &self.results, at);
        }
        let mut pass = ctx.begin_compute_pass(encoder, "choose guess");
        ctx.dispatch(&mut pass, &p.choose, &g.choose, self.grid);
    }

    /// Reads `count` scalars of the results buffer from `first` (no buffer is created).
    fn read_results(&self, first: u64, out: &mut [f64]) -> Result<()> {
        let precision = self.ctx.precision();
        let real = precision.bytes();
        let mut bytes = [0u8; 8 * slot::COUNT];
        let bytes = &mut bytes[..out.len() * real];
        self.ctx
            .download_into(&self.results, first * real as u64, bytes)?;
        bytes_to_reals(bytes, precision, out);
        Ok(())
    }

    fn real_offset(&self, slot: u64) -> u64 {
        slot * self.ctx.precision().bytes() as u64
    }

    /// The current iterate of every member, member after member (n values each).
    pub fn read_levels(&mut self, out: &mut Vec<f64>) -> Result<()> {
        self.download_iterate()?;
        out.resize(self.host_level.len(), 0.0);
        let (n, m) = (self.n, self.members);
        for s in 0..m {
            for j in 0..n {
                out[s * n + j] = self.host_level[j * m + s];
            }
        }
        Ok(())
    }

    /// Submits what is pending and downloads the iterate into `host_level`.
    fn download_iterate(&mut self) -> Result<()> {
        let encoder = self.encoder("flush");
        let level_bytes = self.host_level.len() * self.ctx.precision().bytes();
        let mut encoder = encoder;
        encoder.copy_buffer_to_buffer(&self.iterate, 0, &self.snapshots, 0, level_bytes as u64);
        self.ctx.submit(encoder)?;
        self.download_snapshots(1)?;
        let precision = self.ctx.precision();
        bytes_to_reals(
            &self.host_bytes[..level_bytes],
            precision,
            &mut self.host_level,
        );
        Ok(())
    }

    fn download_snapshots(&mut self, count: usize) -> Result<()> {
        let level_bytes = self.host_level.len() * self.ctx.precision().bytes();
        self.ctx.download_through(
            &self.staging,
            &self.snapshots,
            0,
            &mut self.host_bytes[..count * level_bytes],
        )?;
        Ok(())
    }

    /// Hands kept level `slot` of the downloaded snapshots to the sink, member by member.
    fn emit(&mut self, slot: usize, kept: usize, t: f64, sink: LevelSink<'_>) -> Result<()> {
        let precision = self.ctx.precision();
        let level_bytes = self.host_level.len() * precision.bytes();
        let bytes = &self.host_bytes[slot * level_bytes..(slot + 1) * level_bytes];
        bytes_to_reals(bytes, precision, &mut self.host_level);
        let (n, m) = (self.n, self.members);
        for s in 0..m {
            for j in 0..n {
                self.member_row[j] = self.host_level[j * m + s];
            }
            check_finite_level(s, kept, &self.member_row)?;
            sink(s, kept, t, &self.member_row)?;
        }
        Ok(())
    }
}

/// Bytes of `BurgersParams` (padded to 32 bytes for the uniform binding).
fn params_bytes(p: &BurgersGpuParams, precision: Precision) -> Vec<u8> {
    let mut bytes = WgslStruct::new(precision)
        .u32(p.n)
        .u32(p.members)
        .u32(p.band_shift)
        .real(p.lambda)
        .finish();
    bytes.resize(32, 0);
    bytes
}
