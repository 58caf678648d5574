//! Implicit time marching of the linear heat equation (beta = 0) for one large grid or a batch
//! of members (a parameter sweep), on the CPU and on the GPU.
//!
//! Every step is `(I - theta r D2) T' = T + (1 - theta) r D2 T` with identity boundary rows:
//! a right side (`theta_rhs`) and a tridiagonal solve per member. The matrix is the same at
//! every step, so it is set up once. Members are interleaved (point j of member s at
//! `j * members + s`), so one invocation per member reads neighbouring words.

use crate::backend::ComputeLabel;
use crate::error::{Error, Result};
use crate::gpu::layout::{bytes_to_reals, reals_to_bytes, WgslStruct};
use crate::gpu::{shader_source, GpuContext, ReductionChain};
use crate::linalg::gpu_tridiag::{GpuBatchedTridiag, GpuLargeTridiag};
use crate::precision::Precision;
use crate::problems::heat1d::kernels::{
    finish_max_norm, theta_matrix, theta_rhs, theta_step_residual, thomas_batched, BatchParams,
    HeatParams, MarchParams, Member, DEFAULT_BLOCK_ROWS, REDUCE_WIDTH,
};
use crate::problems::heat1d::params::Heat1D;
use crate::solver::march::is_kept_level;

/// The members' shared grid and their own parameters, checked.
pub struct MemberSet {
    pub params: MarchParams,
    pub members: Vec<Member>,
    /// Initial levels, interleaved.
    pub initial: Vec<f64>,
}

impl MemberSet {
    /// All members must share nt, nx, t_max, x_max and theta and have beta = 0.
    pub fn new(problems: &[Heat1D]) -> Result<MemberSet> {
        let first = problems
            .first()
            .ok_or_else(|| Error::invalid("sweep", 0, "needs at least one member"))?;
        for p in problems {
            p.validate()?;
            if p.beta != 0.0 {
                return Err(Error::invalid(
                    "beta",
                    p.beta,
                    "the GPU march and sweeps solve the linear problem (beta = 0); march alpha(T) with --backend cpu",
                ));
            }
            let same = (p.nt, p.nx, p.t_max, p.x_max, p.theta)
                == (first.nt, first.nx, first.t_max, first.x_max, first.theta);
            if !same {
                return Err(Error::invalid(
                    "sweep",
                    "members",
                    "members may differ in alpha, t_x0, t_xl, t_t0 only",
                ));
            }
        }
        let (nx, m) = (first.nx, problems.len());
        let scale = first.dt() / (first.dx() * first.dx());
        let members = problems
            .iter()
            .map(|p| Member {
                r: p.alpha * scale,
                t_x0: p.t_x0,
                t_xl: p.t_xl,
            })
            .collect();
        let mut initial = vec![0.0; nx * m];
        for (s, p) in problems.iter().enumerate() {
            for (j, t) in p.initial_level().into_iter().enumerate() {
                initial[j * m + s] = t;
            }
        }
        Ok(MemberSet {
            params: MarchParams {
                nx: nx as u32,
                members: m as u32,
                theta: first.theta,
            },
            members,
            initial,
        })
    }

    pub fn unknowns(&self) -> usize {
        self.initial.len()
    }

    /// The floor of the steps' scaled residuals: that of the member with the largest data.
    pub fn rounding_floor(problems: &[Heat1D], precision: Precision) -> f64 {
        problems
            .iter()
            .map(|p| HeatParams::new(p).rounding_floor(precision.eps()))
            .fold(0.0, f64::max)
    }
}

/// The march on the CPU with the twins of the GPU kernels (`theta_rhs`, `thomas_batched`).
pub struct CpuThetaMarch {
    set: MemberSet,
    bands: [Vec<f64>; 3],
    level: Vec<f64>,
    rhs: Vec<f64>,
    c_prime: Vec<f64>,
    /// Running maxima of the steps' scaled residuals (`theta_step_residual`).
    partials: Vec<f64>,
}

impl CpuThetaMarch {
    pub fn new(problems: &[Heat1D]) -> Result<CpuThetaMarch> {
        let set = MemberSet::new(problems)?;
        let n = set.unknowns();
        Ok(CpuThetaMarch {
            bands: theta_matrix(&set.params, &set.members),
            level: set.initial.clone(),
            rhs: vec![0.0; n],
            c_prime: vec![0.0; n],
            partials: vec![0.0; n.div_ceil(REDUCE_WIDTH)],
            set,
        })
    }

    pub fn label(&self) -> ComputeLabel {
        ComputeLabel::cpu()
    }

    /// Marches `nt - 1` steps; `on_level` gets the kept levels (interleaved), `on_progress` the
    /// step count now and then. Returns the largest scaled residual of any step (NaN if a
    /// value was not finite), each step checked after its solve.
    pub fn march(
        &mut self,
        nt: usize,
        every: usize,
        on_level: &mut dyn FnMut(usize, &[f64]) -> Result<()>,
        on_progress: &mut dyn FnMut(usize),
    ) -> Result<f64> {
        let batch = BatchParams {
            n: self.set.params.nx,
            batch: self.set.params.members,
            offset: 0,
        };
        let [lower, diag, upper] = &self.bands;
        self.partials.fill(0.0);
        on_level(0, &self.level)?;
        for step in 1..nt {
            crate::cancel::check()?;
            theta_rhs(
                &self.set.params,
                &self.set.members,
                &self.level,
                &mut self.rhs,
            );
            thomas_batched(
                &batch,
                lower,
                diag,
                upper,
                &self.rhs,
                &mut self.level,
                &mut self.c_prime,
            );
            theta_step_residual(
                &self.set.params,
                &self.set.members,
                &self.level,
                &self.rhs,
                &mut self.partials,
            );
            if is_kept_level(step, nt, every) {
                on_level(step, &self.level)?;
                on_progress(step);
            }
        }
        Ok(finish_max_norm(&self.partials))
    }
}

/// The tridiagonal solver the GPU march uses: the partitioned one for a single large grid, the
/// batched one (one invocation per member) for sweeps.
enum DeviceSolver {
    Large(GpuLargeTridiag),
    Batched(GpuBatchedTridiag),
}

impl DeviceSolver {
    fn context(&self) -> &GpuContext {
        match self {
            DeviceSolver::Large(s) => s.context(),
            DeviceSolver::Batched(s) => s.context(),
        }
    }
    fn into_context(self) -> GpuContext {
        match self {
            DeviceSolver::Large(s) => s.into_context(),
            DeviceSolver::Batched(s) => s.into_context(),
        }
    }
    fn buffers(&self) -> (&wgpu::Buffer, &wgpu::Buffer) {
        match self {
            DeviceSolver::Large(s) => (s.rhs_buffer(), s.x_buffer()),
            DeviceSolver::Batched(s) => (s.rhs_buffer(), s.x_buffer()),
        }
    }
    fn record_solve(&self, pass: &mut wgpu::ComputePass<'_>) {
        match self {
            DeviceSolver::Large(s) => s.record_solve(pass),
            DeviceSolver::Batched(s) => s.record_solve(pass),
        }
    }
}

/// Steps recorded into one submit at most (progress is reported per submit).
const STEPS_PER_SUBMIT: usize = 512;
/// Device memory for kept levels awaiting download.
pub const SNAPSHOT_BYTES: usize = 32 << 20;

/// The march on the GPU: the level stays on the device; many steps go into one submit, and
/// kept levels are copied to a snapshot buffer and downloaded once per submit. Every step's
/// residual is folded into running workgroup maxima on the device; their reduction lands in
/// the first slot of the snapshot buffer, so one download per submit brings the kept levels
/// and the largest residual of the submit's steps.
pub struct GpuThetaMarch {
    solver: DeviceSolver,
    n: usize,
    rhs_pipeline: wgpu::ComputePipeline,
    rhs_group: wgpu::BindGroup,
    check_pipeline: wgpu::ComputePipeline,
    check_group: wgpu::BindGroup,
    partials: wgpu::Buffer,
    check_chain: ReductionChain,
    grid: [u32; 3],
    /// Bytes before the first kept level in `snapshots`: the residual's slot.
    header: usize,
    snapshots: wgpu::Buffer,
    slots: usize,
    staging: wgpu::Buffer,
    bytes: Vec<u8>,
}

impl GpuThetaMarch {
    pub fn new(ctx: GpuContext, problems: &[Heat1D]) -> Result<GpuThetaMarch> {
        let set = MemberSet::new(problems)?;
        let precision = ctx.precision();
        let (nx, m, n) = (
            set.params.nx as usize,
            set.params.members as usize,
            set.unknowns(),
        );
        let [lower, diag, upper] = theta_matrix(&set.params, &set.members);
        let solver = if m == 1 {
            DeviceSolver::Large(GpuLargeTridiag::new(
                ctx,
                &lower,
                &diag,
                &upper,
                DEFAULT_BLOCK_ROWS,
            )?)
        } else {
            DeviceSolver::Batched(GpuBatchedTridiag::general(
                ctx, nx, m, &lower, &diag, &upper,
            )?)
        };
        let ctx = solver.context();
        let real = precision.bytes();
        let storage = wgpu::BufferUsages::STORAGE;
        let params = WgslStruct::new(precision)
            .u32(nx as u32)
            .u32(m as u32)
            .real(set.params.theta)
            .finish();
        let params = ctx.create_buffer_init("march params", &params, storage)?;
        let member_bytes: Vec<u8> = set
            .members
            .iter()
            .flat_map(|member| {
                WgslStruct::new(precision)
                    .real(member.r)
                    .real(member.t_x0)
                    .real(member.t_xl)
                    .finish()
            })
            .collect();
        let members = ctx.create_buffer_init("members", &member_bytes, storage)?;
        let (rhs, x) = solver.buffers();
        ctx.upload(x, 0, &reals_to_bytes(&set.initial, precision))?;
        let rhs_pipeline = ctx.create_compute_pipeline(
            "theta_rhs",
            &shader_source("theta_rhs", precision)?,
            "theta_rhs",
        )?;
        let rhs_group =
            ctx.bind_buffers("theta rhs", &rhs_pipeline, &[&params, &members, x, rhs])?;
        let check_pipeline = ctx.create_compute_pipeline(
            "theta_step_residual",
            &shader_source("theta_step_residual", precision)?,
            "theta_step_residual",
        )?;
        let partials_len = n.div_ceil(REDUCE_WIDTH);
        let partials = ctx.create_storage_buffer(
            "step residual partials",
            (partials_len * real) as u64,
            wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        )?;
        let check_group = ctx.bind_buffers(
            "step residual",
            &check_pipeline,
            &[&params, &members, x, rhs, &partials],
        )?;
        let reduce_pipeline = ctx.create_compute_pipeline(
            "max_abs_reduce",
            &shader_source("max_abs_reduce", precision)?,
            "max_abs_reduce",
        )?;
        let check_chain = ReductionChain::new(ctx, &reduce_pipeline, &partials, 0, partials_len)?;
        let level_bytes = n * real;
        let header = 8;
        let binding = ctx.limits().max_buffer_size as usize;
        let slots =
            ((SNAPSHOT_BYTES.min(binding) - header) / level_bytes).clamp(1, STEPS_PER_SUBMIT);
        let snapshot_bytes = (header + slots * level_bytes) as u64;
        let snapshot_usage = wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let snapshots = ctx.create_storage_buffer("kept levels", snapshot_bytes, snapshot_usage)?;
        let staging = ctx.create_readback_buffer("kept levels staging", snapshot_bytes)?;
        Ok(GpuThetaMarch {
            grid: ctx.grid(n as u64)?,
            n,
            rhs_pipeline,
            rhs_group,
            check_pipeline,
            check_group,
            partials,
            check_chain,
            header,
            snapshots,
            slots,
            staging,
            bytes: vec![0; header + slots * level_bytes],
            solver,
        })
    }

    pub fn context(&self) -> &GpuContext {
        self.solver.context()
    }

    /// The steps' rounding floor relative to a Thomas solve's: the partitioned solver adds the
    /// rounding of each level of its reduction (measured on lavapipe: 21 roundings of |T| with
    /// two levels, against Thomas's 2), so its floor has one [`crate::problems::heat1d::kernels::FLOOR_ROUNDINGS`]
    /// per level plus two.
    pub fn floor_factor(&self) -> f64 {
        match &self.solver {
            DeviceSolver::Large(s) => (2 + s.plan().levels.len()) as f64,
            DeviceSolver::Batched(_) => 1.0,
        }
    }

    pub fn into_context(self) -> GpuContext {
        self.solver.into_context()
    }

    pub fn label(&self) -> ComputeLabel {
        let ctx = self.context();
        ComputeLabel {
            backend: "gpu",
            device: ctx.summary().to_string(),
            precision: ctx.precision(),
        }
    }

    /// As [`CpuThetaMarch::march`]: up to [`STEPS_PER_SUBMIT`] steps per submit, kept levels
    /// and the submit's largest step residual downloaded once per submit. Returns the largest
    /// scaled residual of any step (NaN if a value was not finite).
    pub fn march(
        &mut self,
        nt: usize,
        every: usize,
        on_level: &mut dyn FnMut(usize, &[f64]) -> Result<()>,
        on_progress: &mut dyn FnMut(usize),
    ) -> Result<f64> {
        let ctx = self.solver.context();
        let precision = ctx.precision();
        let real = precision.bytes();
        let level_bytes = (self.n * real) as u64;
        let header = self.header as u64;
        let x = self.solver.buffers().1.clone();
        let mut level = vec![0.0; self.n];
        let mut kept = Vec::with_capacity(self.slots);
        let mut max_residual = 0.0_f64;
        // Level 0 straight from the solver's x.
        let mut encoder = ctx.create_encoder("initial level");
        encoder.copy_buffer_to_buffer(&x, 0, &self.snapshots, header, level_bytes);
        ctx.submit(encoder)?;
        let bytes = &mut self.bytes[..(header + level_bytes) as usize];
        ctx.download_through(&self.staging, &self.snapshots, 0, bytes)?;
        bytes_to_reals(&bytes[header as usize..], precision, &mut level);
        on_level(0, &level)?;
        let mut step = 1;
        while step < nt {
            crate::cancel::check()?;
            let first = step;
            let mut encoder = ctx.create_encoder("theta march");
            encoder.clear_buffer(&self.partials, 0, None);
            kept.clear();
            while step < nt && kept.len() < self.slots && step - first < STEPS_PER_SUBMIT {
                // One pass runs steps up to the next kept level; the level is then copied out.
                let keep = {
                    let mut pass = ctx.begin_compute_pass(&mut encoder, "theta steps");
                    loop {
                        ctx.dispatch(&mut pass, &self.rhs_pipeline, &self.rhs_group, self.grid);
                        self.solver.record_solve(&mut pass);
                        ctx.dispatch(
                            &mut pass,
                            &self.check_pipeline,
                            &self.check_group,
                            self.grid,
                        );
                        let keep = is_kept_level(step, nt, every);
                        step += 1;
                        if keep || step >= nt || step - first >= STEPS_PER_SUBMIT {
                            break keep;
                        }
                    }
                };
                if keep {
                    let offset = header + kept.len() as u64 * level_bytes;
                    encoder.copy_buffer_to_buffer(&x, 0, &self.snapshots, offset, level_bytes);
                    kept.push(step - 1);
                }
            }
            self.check_chain
                .record(ctx, &mut encoder, &self.snapshots, 0);
            ctx.submit(encoder)?;
            let bytes = &mut self.bytes[..(header + kept.len() as u64 * level_bytes) as usize];
            ctx.download_through(&self.staging, &self.snapshots, 0, bytes)?;
            let mut residual = [0.0];
            bytes_to_reals(&bytes[..real], precision, &mut residual);
            if residual[0].is_nan() || residual[0] < 0.0 {
                return Err(crate::error::Error::NonFinite {
                    what: "the march".to_string(),
                    value: f64::NAN,
                    location: format!("a step between {first} and {}", step - 1),
                    cause: "a value overflowed or the step was unstable; check the magnitudes of the parameters".to_string(),
                });
            }
            max_residual = max_residual.max(residual[0]);
            for (slot, &level_index) in kept.iter().enumerate() {
                let start = header as usize + slot * level_bytes as usize;
                bytes_to_reals(
                    &bytes[start..][..level_bytes as usize],
                    precision,
                    &mut level,
                );
                on_level(level_index, &level)?;
            }
            on_progress(step - 1);
        }
        Ok(max_residual)
    }
}
