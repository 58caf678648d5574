//! The Newton direction of the all-at-once P1 system (any beta, `nx <= 34`) on the GPU by a
//! parallel scan of affine maps instead of a single-invocation march over all levels (see
//! [`crate::problems::heat1d::kernels::newton_scan`] for the maths).
//!
//! One submit per direction: `newton_scan_first_level`, `newton_scan_maps` (one workgroup per
//! chunk of L levels), the generic scan of the chunk composites ([`ScanPlan`]: three
//! dispatches), `newton_scan_levels` (one invocation per chunk) and the reduction of max |dv|;
//! one scalar comes back. Buffers, pipelines and bind groups are made once in `new()`.
//! The iterate and the direction are bound whole, so `nt nx` reals must fit one storage binding
//! (128 MiB on lavapipe, 16.7 million unknowns in f64); larger problems keep the march.

use crate::error::{Error, Result};
use crate::gpu::layout::{bytes_to_reals, reals_to_bytes};
use crate::gpu::{shader_source, GpuContext, GpuError, LedgerSnapshot, ReductionChain};
use crate::linalg::affine_scan::{ScanParams, SCAN_MAX_N};
use crate::linalg::gpu_scan::{storage_with, workgroups, ScanPipelines, ScanPlan};
use crate::problems::heat1d::gpu::session::heat_params_bytes;
use crate::problems::heat1d::kernels::HeatParams;
use crate::problems::heat1d::params::Heat1D;

/// Levels per chunk: at least `4 nx` (the chunk maps, `(nx + 1) nx` reals per chunk, then stay
/// below a quarter of the field) and 32.
pub fn default_chunk_levels(nx: usize) -> usize {
    (4 * nx).max(32)
}

/// The Newton direction by a scan on the GPU. See the module header.
pub struct GpuNewtonScan {
    ctx: GpuContext,
    params: HeatParams,
    v: wgpu::Buffer,
    dv: wgpu::Buffer,
    first_level: (wgpu::ComputePipeline, wgpu::BindGroup),
    maps: (wgpu::ComputePipeline, wgpu::BindGroup, [u32; 3]),
    levels: (wgpu::ComputePipeline, wgpu::BindGroup, [u32; 3]),
    scan_pipelines: ScanPipelines,
    scan: ScanPlan,
    reduction: ReductionChain,
    /// Where max |dv| ends up.
    step: wgpu::Buffer,
}

impl GpuNewtonScan {
    pub fn new(ctx: GpuContext, problem: &Heat1D, v: &[f64]) -> Result<GpuNewtonScan> {
        Self::with_chunk_levels(ctx, problem, v, default_chunk_levels(problem.nx))
    }

    /// As [`Self::new`] with chunks of `chunk_levels` levels (tests use small chunks).
    pub fn with_chunk_levels(
        ctx: GpuContext,
        problem: &Heat1D,
        v: &[f64],
        chunk_levels: usize,
    ) -> Result<GpuNewtonScan> {
        problem.validate()?;
        problem.check_field("iterate", v)?;
        let (nt, nx) = (problem.nt, problem.nx);
        if nx > SCAN_MAX_N {
            return Err(Error::invalid(
                "nx",
                nx,
                format!(
                    "must be <= {SCAN_MAX_N} for the scanned Newton direction (larger nx march)"
                ),
            ));
        }
        if chunk_levels == 0 {
            return Err(Error::invalid("chunk_levels", 0, "must be >= 1"));
        }
        let precision = ctx.precision();
        let real = precision.bytes();
        let limits = ctx.limits();
        let binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size) as usize;
        let chunks = (nt - 1).div_ceil(chunk_levels);
        for (what, len) in [
            ("the iterate (nt*nx reals)", nt * nx),
            ("the chunk maps", chunks * (nx + 1) * nx),
        ] {
            if len * real > binding {
                return Err(GpuError::BufferTooLarge {
                    what: format!("{what} of the scanned Newton direction"),
                    size_bytes: (len * real) as u64,
                    limit: "max_storage_buffer_binding_size",
                    limit_bytes: binding as u64,
                }
                .into());
            }
        }
        let params = HeatParams::new(problem);
        let storage = wgpu::BufferUsages::STORAGE;
        let none = wgpu::BufferUsages::empty();
        let pipeline = |name: &str| -> Result<wgpu::ComputePipeline> {
            Ok(ctx.create_compute_pipeline(name, &shader_source(name, precision)?, name)?)
        };
        let heat = ctx.create_buffer_init(
            "heat params",
            &heat_params_bytes(&params, precision),
            storage,
        )?;
        let chunk_params = ScanParams {
            n: nx as u32,
            maps: chunks as u32,
            per_group: chunk_levels as u32,
            in_offset: 0,
        };
        let chunk_params =
            ctx.create_buffer_init("chunk params", bytemuck::bytes_of(&chunk_params), storage)?;
        let v_buffer = storage_with(&ctx, "iterate", v)?;
        let dv = ctx.create_storage_buffer(
            "direction",
            (nt * nx * real) as u64,
            wgpu::BufferUsages::COPY_SRC,
        )?;
        let maps_buffer =
            ctx.create_storage_buffer("chunk maps", (chunks * (nx + 1) * nx * real) as u64, none)?;
        let chunk_starts =
            ctx.create_storage_buffer("chunk starts", (chunks * nx * real) as u64, none)?;
        let partials = ctx.create_storage_buffer(
            "step partials",
            (chunks * real) as u64,
            wgpu::BufferUsages::COPY_SRC,
        )?;

        let first_pipeline = pipeline("newton_scan_first_level")?;
        let first_group = ctx.bind_at(
            "first level",
            &first_pipeline,
            &[(0, &heat), (2, &v_buffer), (4, &dv)],
        )?;
        let maps_pipeline = pipeline("newton_scan_maps")?;
        let maps_group = ctx.bind_at(
            "chunk maps",
            &maps_pipeline,
            &[
                (0, &heat),
                (1, &chunk_params),
                (2, &v_buffer),
                (3, &maps_buffer),
            ],
        )?;
        let levels_pipeline = pipeline("newton_scan_levels")?;
        let levels_group = ctx.bind_at(
            "chunk levels",
            &levels_pipeline,
            &[
                (0, &heat),
                (1, &chunk_params),
                (2, &v_buffer),
                (3, &chunk_starts),
                (4, &dv),
                (5, &partials),
            ],
        )?;
        let scan_pipelines = ScanPipelines::new(&ctx)?;
        // The scan starts from level 0 of the direction, which the first kernel writes.
        let scan = ScanPlan::new(
            &ctx,
            &scan_pipelines,
            nx,
            chunks,
            &maps_buffer,
            &dv,
            0,
            &chunk_starts,
        )?;

        // max |dv| over the chunk partials, copied to a one-real buffer the host reads.
        let reduce_pipeline = pipeline("max_abs_reduce")?;
        let reduction = ReductionChain::new(&ctx, &reduce_pipeline, &partials, 0, chunks)?;
        let step = ctx.create_storage_buffer(
            "step norm",
            real as u64,
            wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        )?;
        Ok(GpuNewtonScan {
            first_level: (first_pipeline, first_group),
            maps: (maps_pipeline, maps_group, workgroups(&ctx, chunks)?),
            levels: (levels_pipeline, levels_group, ctx.grid(chunks as u64)?),
            scan_pipelines,
            scan,
            reduction,
            step,
            ctx,
            params,
            v: v_buffer,
            dv,
        })
    }

    /// Replaces the iterate (one upload, nothing created).
    pub fn set_iterate(&mut self, v: &[f64], problem: &Heat1D) -> Result<()> {
        problem.check_field("iterate", v)?;
        let bytes = reals_to_bytes(v, self.ctx.precision());
        Ok(self.ctx.upload(&self.v, 0, &bytes)?)
    }

    /// Computes the direction on the device (one submit) and returns max |dv| (NaN if any
    /// value is not finite).
    pub fn direction(&mut self) -> Result<f64> {
        let mut encoder = self.ctx.create_encoder("scanned newton direction");
        self.record_direction(&mut encoder);
        self.ctx.submit(encoder)?;
        self.read_step()
    }

    /// Records the direction's dispatches and the reduction of max |dv| into `encoder`
    /// (for a caller that puts other work into the same submit).
    pub fn record_direction(&self, encoder: &mut wgpu::CommandEncoder) {
        let ctx = &self.ctx;
        {
            let mut pass = ctx.begin_compute_pass(encoder, "scanned newton direction");
            ctx.dispatch(
                &mut pass,
                &self.first_level.0,
                &self.first_level.1,
                [1, 1, 1],
            );
            ctx.dispatch(&mut pass, &self.maps.0, &self.maps.1, self.maps.2);
            self.scan.record(ctx, &self.scan_pipelines, &mut pass);
            ctx.dispatch(&mut pass, &self.levels.0, &self.levels.1, self.levels.2);
        }
        self.reduction.record(ctx, encoder, &self.step, 0);
    }

    /// Reads max |dv| of the last submitted direction back (one scalar; NaN if any value of
    /// the direction was not finite).
    pub fn read_step(&self) -> Result<f64> {
        let precision = self.ctx.precision();
        let mut bytes = [0u8; 8];
        let bytes = &mut bytes[..precision.bytes()];
        self.ctx.download_into(&self.step, 0, bytes)?;
        let mut step = [0.0];
        bytes_to_reals(bytes, precision, &mut step);
        Ok(if step[0] < 0.0 { f64::NAN } else { step[0] })
    }

    /// The iterate v the direction is computed at (`nt nx` reals, level-major, COPY_DST) and
    /// the direction dv (COPY_SRC), for a caller that runs the rest of Newton on the device.
    pub fn iterate_buffer(&self) -> &wgpu::Buffer {
        &self.v
    }

    pub fn direction_buffer(&self) -> &wgpu::Buffer {
        &self.dv
    }

    /// The context the solver runs on (for timestamp queries).
    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    /// The last direction as a new host array (`dv[i*nx + j]`).
    pub fn direction_values(&self) -> Result<Vec<f64>> {
        let precision = self.ctx.precision();
        let n = self.params.nt() * self.params.nx();
        let bytes = self
            .ctx
            .download(&self.dv, 0, (n * precision.bytes()) as u64)?;
        let mut values = vec![0.0; n];
        bytes_to_reals(&bytes, precision, &mut values);
        Ok(values)
    }

    pub fn ledger(&self) -> LedgerSnapshot {
        self.ctx.ledger().snapshot()
    }

    pub fn into_context(self) -> GpuContext {
        self.ctx
    }
}
