//! The all-at-once P1 system with alpha(T) (beta != 0, `nx <= 34`) on the GPU, its Newton
//! direction by the parallel scan of [`GpuNewtonScan`] instead of a single-invocation march
//! over levels. Implements [`NewtonSystem`].
//!
//! Per Newton iteration, with n = nt nx unknowns, everything on the device:
//! - direction: `J(v) dv = -F(v)` by the scan (one submit, max |dv| back: v read twice, dv
//!   written, `(nx + 1) nx / L` reals of chunk maps per level);
//! - trial: `trial = v + lambda dv` with the max-norms of the scaled `F(trial)` and of `trial`
//!   (`newton_trial_partials` + two `max_abs_reduce` chains: 24 B per unknown in f64), one submit
//!   per line-search step, lambda uploaded (one real), two scalars back;
//! - accept: no host round trip. The accepted trial is copied into v on the device (16 B per
//!   unknown), recorded at the front of the next submit that reads v (the direction), so
//!   accepting costs no submit of its own; until then [`GpuScanSession::solution`] reads the
//!   trial buffer, which holds the same values.
//!
//! Invariant: `v` (the scan's iterate buffer) is the current iterate unless `accepted_in_trial`,
//! in which case `trial` is. Every buffer, pipeline and bind group is created in `new()`; the
//! Newton loop creates nothing and reads back only scalars (8 B per direction, 16 B per trial in
//! f64). The iterate and direction are bound whole: `nt nx` reals must fit one storage
//! binding, else `new` refuses ([`GpuError::BufferTooLarge`]) and the caller keeps the march of
//! [`super::session::GpuHeatSession`].

use super::newton_scan::{default_chunk_levels, GpuNewtonScan};
use super::session::heat_params_bytes;
use crate::backend::ComputeLabel;
use crate::error::{Error, Result};
use crate::gpu::layout::{bytes_to_reals, WgslStruct};
use crate::gpu::{shader_source, GpuContext, GpuError, LedgerSnapshot, ReductionChain};
use crate::linalg::affine_scan::SCAN_MAX_N;
use crate::linalg::REDUCE_WIDTH;
use crate::memory::ensure_fits;
use crate::precision::Precision;
use crate::problems::heat1d::kernels::HeatParams;
use crate::problems::heat1d::params::Heat1D;
use crate::solver::newton::{DirectionNorms, NewtonSystem};

/// Slots of the scalar buffer the host reads back.
const RESIDUAL: u64 = 0;
const ITERATE: u64 = 1;

/// The P1 space-time system with the scanned Newton direction. See the module header.
pub struct GpuScanSession {
    scan: GpuNewtonScan,
    params: HeatParams,
    n: usize,
    /// `v + lambda dv` of the last trial.
    trial: wgpu::Buffer,
    /// The last trial was accepted and not yet copied into v (see the invariant).
    accepted_in_trial: bool,
    /// `|v|`, known from the pass that produced its residual norm (NaN: not yet known).
    iterate_norm: f64,
    trial_norm: f64,
    lambda: wgpu::Buffer,
    scalars: wgpu::Buffer,
    grid: [u32; 3],
    residual_pipeline: wgpu::ComputePipeline,
    residual_group: wgpu::BindGroup,
    trial_pipeline: wgpu::ComputePipeline,
    trial_group: wgpu::BindGroup,
    residual_chain: ReductionChain,
    iterate_chain: ReductionChain,
}

impl GpuScanSession {
    /// Device bytes a session creates in `precision`: v, dv, trial, and the chunk maps and
    /// starts (at most `(nx + 2) / (4 nx)` of a field with the default chunks).
    pub fn device_bytes(problem: &Heat1D, precision: Precision) -> u64 {
        let real = precision.bytes();
        let chunks = (problem.nt - 1).div_ceil(default_chunk_levels(problem.nx));
        let maps = chunks * (problem.nx + 2) * problem.nx;
        crate::memory::bytes_for(problem.unknowns(), 3 * real)
            .saturating_add(crate::memory::bytes_for(maps, real))
    }

    /// Whether `problem` can be solved by a session on `ctx` (nx, the storage-binding limit,
    /// host memory for a software adapter), without creating anything: a caller that gets an
    /// error keeps its context and falls back to [`super::session::GpuHeatSession`].
    pub fn check_fits(ctx: &GpuContext, problem: &Heat1D) -> Result<()> {
        problem.validate_for(ctx.precision())?;
        if problem.nx > SCAN_MAX_N {
            return Err(Error::invalid(
                "nx",
                problem.nx,
                format!("must be <= {SCAN_MAX_N} for the scanned Newton direction"),
            ));
        }
        let real = ctx.precision().bytes();
        let limits = ctx.limits();
        let binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size) as usize;
        let len = problem.unknowns().saturating_mul(real);
        if len > binding {
            return Err(GpuError::BufferTooLarge {
                what: "the iterate (nt*nx reals) of the scanned Newton direction".to_string(),
                size_bytes: len as u64,
                limit: "max_storage_buffer_binding_size",
                limit_bytes: binding as u64,
            }
            .into());
        }
        if ctx.summary().is_software {
            // A software adapter's buffers are host memory.
            ensure_fits(
                "GPU scan session (3 arrays of nt*nx and the chunk maps)",
                Self::device_bytes(problem, ctx.precision()),
                "use --mode march (memory O(nx)) or fewer levels",
            )?;
        }
        Ok(())
    }

    /// Validates, checks the limits ([`Self::check_fits`]) and creates everything the solve
    /// needs, with the default chunks of levels.
    pub fn new(ctx: GpuContext, problem: &Heat1D, initial_guess: &[f64]) -> Result<GpuScanSession> {
        Self::with_chunk_levels(
            ctx,
            problem,
            initial_guess,
            default_chunk_levels(problem.nx),
        )
    }

    /// As [`Self::new`] with chunks of `chunk_levels` levels (tests cross chunk boundaries).
    pub fn with_chunk_levels(
        ctx: GpuContext,
        problem: &Heat1D,
        initial_guess: &[f64],
        chunk_levels: usize,
    ) -> Result<GpuScanSession> {
        Self::check_fits(&ctx, problem)?;
        problem.check_field("initial guess", initial_guess)?;
        let adapter = ctx.summary().to_string();
        let needed = Self::device_bytes(problem, ctx.precision());
        Self::create(ctx, problem, initial_guess, chunk_levels).map_err(|e| match e {
            Error::Gpu(GpuError::OutOfMemory { what, .. }) => Error::GpuOutOfMemory {
                adapter,
                needed_mib: needed as f64 / (1024.0 * 1024.0),
                reason: format!("out of memory creating {what}"),
            },
            other => other,
        })
    }

    fn create(
        ctx: GpuContext,
        problem: &Heat1D,
        initial_guess: &[f64],
        chunk_levels: usize,
    ) -> Result<GpuScanSession> {
        let scan = GpuNewtonScan::with_chunk_levels(ctx, problem, initial_guess, chunk_levels)?;
        let ctx = scan.context();
        let precision = ctx.precision();
        let real = precision.bytes();
        let n = problem.unknowns();
        let params = HeatParams::new(problem);
        let storage = wgpu::BufferUsages::STORAGE;
        let copy_src = wgpu::BufferUsages::COPY_SRC;

        let heat = ctx.create_buffer_init(
            "heat params",
            &heat_params_bytes(&params, precision),
            storage,
        )?;
        // One segment of all levels: the kernels' halo is never read (level 0 has none).
        let stride = n.div_ceil(REDUCE_WIDTH);
        let segment = WgslStruct::new(Precision::F32)
            .u32(0)
            .u32(problem.nt as u32)
            .u32(0)
            .u32(0)
            .u32(stride as u32)
            .finish();
        let segment = ctx.create_buffer_init("segment", &segment, storage)?;
        let no_halo = ctx.create_storage_buffer(
            "no halo",
            (problem.nx * real) as u64,
            wgpu::BufferUsages::empty(),
        )?;
        let trial = ctx.create_storage_buffer("trial", (n * real) as u64, copy_src)?;
        // COPY_SRC: the reduction of a single partial copies it straight to the scalars.
        let partials =
            ctx.create_storage_buffer("norm partials", (2 * stride * real) as u64, copy_src)?;
        let lambda_bytes = WgslStruct::new(precision).real(1.0).finish();
        // Uniform buffers are sized in multiples of 16 bytes.
        let lambda = ctx.create_buffer_init(
            "lambda",
            &[lambda_bytes, vec![0; 16 - real]].concat(),
            wgpu::BufferUsages::UNIFORM,
        )?;
        let scalars = ctx.create_storage_buffer(
            "scalars",
            2 * real as u64,
            wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        )?;

        let pipeline = |name: &str| -> Result<wgpu::ComputePipeline> {
            Ok(ctx.create_compute_pipeline(name, &shader_source(name, precision)?, name)?)
        };
        let residual_pipeline = pipeline("heat_residual_partials")?;
        let trial_pipeline = pipeline("newton_trial_partials")?;
        let reduce_pipeline = pipeline("max_abs_reduce")?;
        let v = scan.iterate_buffer();
        let dv = scan.direction_buffer();
        let residual_group = ctx.bind_buffers(
            "residual partials",
            &residual_pipeline,
            &[&heat, v, &no_halo, &segment, &partials],
        )?;
        let trial_group = ctx.bind_buffers(
            "trial",
            &trial_pipeline,
            &[
                &heat, v, &no_halo, &segment, dv, &no_halo, &trial, &partials, &lambda,
            ],
        )?;
        let residual_chain = ReductionChain::new(ctx, &reduce_pipeline, &partials, 0, stride)?;
        let iterate_chain = ReductionChain::new(ctx, &reduce_pipeline, &partials, stride, stride)?;
        let grid = ctx.grid(n as u64)?;
        Ok(GpuScanSession {
            params,
            n,
            trial,
            accepted_in_trial: false,
            iterate_norm: f64::NAN,
            trial_norm: f64::NAN,
            lambda,
            scalars,
            grid,
            residual_pipeline,
            residual_group,
            trial_pipeline,
            trial_group,
            residual_chain,
            iterate_chain,
            scan,
        })
    }

    pub fn context(&self) -> &GpuContext {
        self.scan.context()
    }

    /// Gives the device back for another session.
    pub fn into_context(self) -> GpuContext {
        self.scan.into_context()
    }

    /// Counters of all device work so far.
    pub fn ledger(&self) -> LedgerSnapshot {
        self.context().ledger().snapshot()
    }

    pub fn label(&self) -> ComputeLabel {
        ComputeLabel {
            backend: "gpu",
            device: self.context().summary().to_string(),
            precision: self.context().precision(),
        }
    }

    /// Replaces the iterate (one upload, nothing created).
    pub fn set_iterate(&mut self, v: &[f64], problem: &Heat1D) -> Result<()> {
        self.scan.set_iterate(v, problem)?;
        self.accepted_in_trial = false;
        self.iterate_norm = f64::NAN;
        Ok(())
    }

    /// The current iterate as a new host array (`v[i*nx + j]`).
    pub fn solution(&self) -> Result<Vec<f64>> {
        let current = if self.accepted_in_trial {
            &self.trial
        } else {
            self.scan.iterate_buffer()
        };
        let ctx = self.context();
        let precision = ctx.precision();
        let bytes = ctx.download(current, 0, (self.n * precision.bytes()) as u64)?;
        let mut values = vec![0.0; self.n];
        bytes_to_reals(&bytes, precision, &mut values);
        Ok(values)
    }

    /// Records the pending copy of the accepted trial into v (see the invariant).
    fn record_accept(&mut self, encoder: &mut wgpu::CommandEncoder) {
        if self.accepted_in_trial {
            let bytes = (self.n * self.context().precision().bytes()) as u64;
            encoder.copy_buffer_to_buffer(&self.trial, 0, self.scan.iterate_buffer(), 0, bytes);
            self.accepted_in_trial = false;
        }
    }

    /// Records the two max-norm reductions into the scalars, submits, and reads both back
    /// (a negative norm, the non-finite flag, becomes NaN).
    fn finish_norms(&self, mut encoder: wgpu::CommandEncoder) -> Result<(f64, f64)> {
        let ctx = self.context();
        let precision = ctx.precision();
        let real = precision.bytes();
        self.residual_chain
            .record(ctx, &mut encoder, &self.scalars, RESIDUAL * real as u64);
        self.iterate_chain
            .record(ctx, &mut encoder, &self.scalars, ITERATE * real as u64);
        ctx.submit(encoder)?;
        let mut bytes = [0u8; 16];
        let bytes = &mut bytes[..2 * real];
        ctx.download_into(&self.scalars, 0, bytes)?;
        let mut norms = [0.0; 2];
        bytes_to_reals(bytes, precision, &mut norms);
        let [residual, iterate] = norms.map(|x| if x < 0.0 { f64::NAN } else { x });
        Ok((residual, iterate))
    }
}

impl NewtonSystem for GpuScanSession {
    /// One pass over v: the norms of F(v) and of v, F never stored (8 B per unknown).
    fn residual_norm(&mut self) -> Result<f64> {
        let mut encoder = self.context().create_encoder("residual norm");
        self.record_accept(&mut encoder);
        {
            let ctx = self.context();
            let mut pass = ctx.begin_compute_pass(&mut encoder, "residual norm");
            ctx.dispatch(
                &mut pass,
                &self.residual_pipeline,
                &self.residual_group,
                self.grid,
            );
        }
        let (residual, iterate) = self.finish_norms(encoder)?;
        self.iterate_norm = iterate;
        Ok(residual)
    }

    /// The scanned direction in one submit (after the pending accept copy), max |dv| back.
    fn newton_direction(&mut self) -> Result<DirectionNorms> {
        let mut encoder = self.context().create_encoder("scanned newton direction");
        self.record_accept(&mut encoder);
        self.scan.record_direction(&mut encoder);
        self.context().submit(encoder)?;
        let step = self.scan.read_step()?;
        if self.iterate_norm.is_nan() {
            // Not known yet (no residual norm at this iterate so far).
            self.residual_norm()?;
        }
        Ok(DirectionNorms {
            step,
            iterate: self.iterate_norm,
        })
    }

    /// One pass: trial = v + lambda dv with the norms of F(trial) and trial (24 B per unknown).
    fn trial_residual_norm(&mut self, lambda: f64) -> Result<f64> {
        // The uniform's one real, without a host allocation.
        let (f64_bytes, f32_bytes) = (lambda.to_le_bytes(), (lambda as f32).to_le_bytes());
        let bytes: &[u8] = match self.context().precision() {
            Precision::F64 => &f64_bytes,
            Precision::F32 => &f32_bytes,
        };
        self.context().upload(&self.lambda, 0, bytes)?;
        let mut encoder = self.context().create_encoder("newton trial");
        // A direction always precedes a trial, so v is already current here.
        self.record_accept(&mut encoder);
        {
            let ctx = self.context();
            let mut pass = ctx.begin_compute_pass(&mut encoder, "newton trial");
            ctx.dispatch(
                &mut pass,
                &self.trial_pipeline,
                &self.trial_group,
                self.grid,
            );
        }
        let (residual, trial) = self.finish_norms(encoder)?;
        self.trial_norm = trial;
        Ok(residual)
    }

    fn accept_trial(&mut self) {
        self.accepted_in_trial = true;
        self.iterate_norm = self.trial_norm;
    }

    fn rounding_floor(&self) -> f64 {
        self.params.rounding_floor(self.context().precision().eps())
    }
}
