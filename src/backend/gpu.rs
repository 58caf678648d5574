//! The GPU backend: the all-at-once P1 system on device-resident buffers.
//!
//! A session is built once per problem shape: it creates every buffer, pipeline and bind group
//! up front. A Newton iteration then creates nothing, uploads one scalar per segment (the
//! line-search lambda) and downloads only norms; the direction over all time levels is one
//! submit. Arrays live in the level-major layout of `shaders/heat_levels.wgsl`, split into
//! segments of whole levels when one array exceeds the device's storage-binding limit.

use crate::backend::ComputeLabel;
use crate::error::{HeatError, Result};
use crate::gpu::layout::{bytes_to_reals, reals_to_bytes, WgslStruct};
use crate::gpu::{shader_source, GpuContext, GpuError, LedgerSnapshot};
use crate::kernels::{levels_to_p1_order, HeatParams, Segment, JACOBIAN_ROW, REDUCE_WIDTH};
use crate::newton::{DirectionNorms, NewtonSystem};
use crate::precision::Precision;
use crate::problem::memory::ensure_fits;
use crate::problem::Heat1D;

/// Unknowns per march chunk. Its assembled Jacobian rows (7 reals each) stay cache-sized, and
/// the single marching invocation stays short: on lavapipe an invocation that runs past about
/// 60 000 loop iterations returned wrong values (seen with nx = 7..41), and real GPUs may stop
/// long-running dispatches. 8192 unknowns are about 17 000 iterations.
const CHUNK_UNKNOWNS: usize = 1 << 13;

/// `HeatParams` as the shaders' struct in `precision` (for f64: the `#[repr(C)]` bytes).
pub fn heat_params_bytes(p: &HeatParams, precision: Precision) -> Vec<u8> {
    WgslStruct::new(precision)
        .u32(p.nt)
        .u32(p.nx)
        .real(p.inv_dt)
        .real(p.dt)
        .real(p.a)
        .real(p.theta)
        .real(p.beta)
        .real(p.t_ref)
        .real(p.t_x0)
        .real(p.t_xl)
        .real(p.t_t0)
        .finish()
}

fn segment_bytes(s: &Segment) -> Vec<u8> {
    WgslStruct::new(Precision::F32)
        .u32(s.level0)
        .u32(s.levels)
        .u32(s.prev_levels)
        .finish()
}

/// `shaders/max_abs_reduce.wgsl`'s `NormParams`.
struct NormPass {
    n: usize,
    /// Level length when energy rows are scaled by `scale`; 0 for none.
    nx: usize,
    partials: bool,
    first: usize,
    offset: usize,
    scale: f64,
}

impl NormPass {
    fn bytes(&self, precision: Precision) -> Vec<u8> {
        WgslStruct::new(precision)
            .u32(self.n as u32)
            .u32(self.nx as u32)
            .u32(self.partials as u32)
            .u32(self.first as u32)
            .u32(self.offset as u32)
            .real(self.scale)
            .finish()
    }
}

/// Slots of the scalar buffer the host reads back.
#[derive(Clone, Copy)]
enum Scalar {
    Residual = 0,
    Step = 1,
    Iterate = 2,
}

/// One logical nt*nx array as per-segment buffers.
type Segmented = Vec<wgpu::Buffer>;

/// Everything bound per segment.
struct SegmentGroups {
    segment: Segment,
    /// Workgroups covering the segment's unknowns.
    grid: [u32; 3],
    /// March chunks in the segment.
    chunks: u32,
    /// Per orientation c of the iterates: F(iterate[c]) -> residual.
    residual: [wgpu::BindGroup; 2],
    /// Per orientation: Jacobian rows of iterate[c].
    jacobian: [wgpu::BindGroup; 2],
    march: wgpu::BindGroup,
    /// Per orientation: iterate[1-c] = iterate[c] + lambda direction.
    update: [wgpu::BindGroup; 2],
    update_params: wgpu::Buffer,
    /// First pass of the max-norm of the residual (scaled), the direction and iterate[c].
    reduce_residual: wgpu::BindGroup,
    reduce_direction: wgpu::BindGroup,
    reduce_iterate: [wgpu::BindGroup; 2],
}

/// The P1 space-time system on a GPU. Implements [`NewtonSystem`].
pub struct GpuHeatSession {
    ctx: GpuContext,
    params: HeatParams,
    n: usize,
    /// `iterate[current]` is v, the other one the trial point.
    iterate: [Segmented; 2],
    current: usize,
    direction: Segmented,
    residual: Segmented,
    cursor: wgpu::Buffer,
    scalars: wgpu::Buffer,
    chunk_levels: u32,
    grid_chunk: [u32; 3],
    segments: Vec<SegmentGroups>,
    /// Passes of the max-norm reduction after the per-segment first pass.
    reduce_passes: Vec<([u32; 3], wgpu::BindGroup)>,
    /// The one-value buffer the last reduction pass writes.
    norm_result: wgpu::Buffer,
    residual_pipeline: wgpu::ComputePipeline,
    jacobian_pipeline: wgpu::ComputePipeline,
    march_pipeline: wgpu::ComputePipeline,
    update_pipeline: wgpu::ComputePipeline,
    reduce_pipeline: wgpu::ComputePipeline,
}

/// Splits nt levels into segments of at most `per_segment` levels.
fn split_levels(nt: usize, per_segment: usize) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut level0 = 0;
    while level0 < nt {
        let levels = per_segment.min(nt - level0);
        let prev_levels = segments.last().map_or(0, |s: &Segment| s.levels);
        segments.push(Segment {
            level0: level0 as u32,
            levels: levels as u32,
            prev_levels,
        });
        level0 += levels;
    }
    segments
}

impl GpuHeatSession {
    /// Validates the problem, checks the device's limits, and creates everything the solve needs.
    pub fn new(ctx: GpuContext, problem: &Heat1D, initial_guess: &[f64]) -> Result<GpuHeatSession> {
        problem.validate()?;
        problem.check_field("initial guess", initial_guess)?;
        let precision = ctx.precision();
        let real = precision.bytes();
        let (n, nx) = (problem.unknowns(), problem.nx);
        let limits = ctx.limits();
        let binding_limit = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size) as usize;
        let too_large = |what: String, size: usize| -> HeatError {
            GpuError::BufferTooLarge {
                what,
                size_bytes: size as u64,
                limit: "max_storage_buffer_binding_size",
                limit_bytes: binding_limit as u64,
            }
            .into()
        };
        // Every binding must hold one whole level: of the iterate, and of assembled Jacobian rows.
        let row_bytes = nx * JACOBIAN_ROW * real;
        if row_bytes > binding_limit {
            return Err(too_large(
                format!("one level of Jacobian rows ({nx} points x 7 in {precision})"),
                row_bytes,
            ));
        }
        let segments = split_levels(problem.nt, binding_limit / (nx * real));
        let chunk_levels = (CHUNK_UNKNOWNS / nx)
            .min(binding_limit / row_bytes)
            .clamp(1, segments[0].levels as usize);
        let partials_bytes = segments
            .iter()
            .map(|s| (s.levels as usize * nx).div_ceil(REDUCE_WIDTH))
            .sum::<usize>()
            * real;
        if partials_bytes > binding_limit {
            return Err(too_large(
                "the max-norm's partial results".to_string(),
                partials_bytes,
            ));
        }
        let jac_bytes = (chunk_levels * nx * JACOBIAN_ROW * real) as u64;
        let needed = 4 * (n * real) as u64 + jac_bytes;
        if ctx.summary().is_software {
            // A software adapter's buffers are host memory.
            ensure_fits("GPU session (4 arrays of nt*nx)", needed)?;
        }
        let adapter = ctx.summary().to_string();
        Self::create(ctx, problem, initial_guess, segments, chunk_levels).map_err(|e| match e {
            HeatError::Gpu(GpuError::OutOfMemory { what, .. }) => HeatError::GpuOutOfMemory {
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
        segments: Vec<Segment>,
        chunk_levels: usize,
    ) -> Result<GpuHeatSession> {
        let precision = ctx.precision();
        let real = precision.bytes();
        let (n, nx) = (problem.unknowns(), problem.nx);
        let params = HeatParams::new(problem);
        let storage = wgpu::BufferUsages::STORAGE;
        let copy_both = wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let segment_len = |s: &Segment| s.levels as usize * nx;

        let guess = reals_to_bytes(initial_guess, precision);
        let mut iterate: [Segmented; 2] = [Vec::new(), Vec::new()];
        let (mut direction, mut residual) = (Vec::new(), Vec::new());
        for s in &segments {
            let (start, bytes) = (
                s.level0 as usize * nx * real,
                (segment_len(s) * real) as u64,
            );
            let guess_part = &guess[start..start + bytes as usize];
            iterate[0].push(ctx.create_buffer_init(
                "iterate 0",
                guess_part,
                storage | copy_both,
            )?);
            iterate[1].push(ctx.create_storage_buffer("iterate 1", bytes, copy_both)?);
            direction.push(ctx.create_storage_buffer("direction", bytes, copy_both)?);
            residual.push(ctx.create_storage_buffer("residual", bytes, copy_both)?);
        }
        let jac_bytes = (chunk_levels * nx * JACOBIAN_ROW * real) as u64;
        let jac =
            ctx.create_storage_buffer("jacobian chunk", jac_bytes, wgpu::BufferUsages::empty())?;
        let c_prime = ctx.create_storage_buffer(
            "thomas c'",
            (nx * real) as u64,
            wgpu::BufferUsages::empty(),
        )?;
        // Bound as the "previous segment" of the first one; never read (level 0 has no halo).
        let no_halo =
            ctx.create_storage_buffer("no halo", (nx * real) as u64, wgpu::BufferUsages::empty())?;
        let cursor_words = [0u32, chunk_levels as u32];
        let cursor =
            ctx.create_buffer_init("march cursor", bytemuck::cast_slice(&cursor_words), storage)?;
        let heat_params = ctx.create_buffer_init(
            "heat params",
            &heat_params_bytes(&params, precision),
            storage,
        )?;
        let scalars = ctx.create_storage_buffer("scalars", 3 * real as u64, copy_both)?;

        let pipeline = |name: &str| -> Result<wgpu::ComputePipeline> {
            Ok(ctx.create_compute_pipeline(name, &shader_source(name, precision)?, name)?)
        };
        let residual_pipeline = pipeline("heat_residual_levels")?;
        let jacobian_pipeline = pipeline("heat_jacobian")?;
        let march_pipeline = pipeline("thomas_march")?;
        let update_pipeline = pipeline("newton_update")?;
        let reduce_pipeline = pipeline("max_abs_reduce")?;

        // The max-norm reduction: each segment's first pass writes its partials at an offset of
        // one partials buffer; later passes reduce that buffer to one value.
        let first_partials: Vec<usize> = segments
            .iter()
            .map(|s| segment_len(s).div_ceil(REDUCE_WIDTH))
            .collect();
        let mut lengths = vec![first_partials.iter().sum::<usize>()];
        while *lengths.last().expect("non-empty") > 1 {
            lengths.push(lengths.last().expect("non-empty").div_ceil(REDUCE_WIDTH));
        }
        let partials: Vec<wgpu::Buffer> = lengths
            .iter()
            .map(|&len| {
                ctx.create_storage_buffer(
                    "norm partials",
                    (len * real) as u64,
                    wgpu::BufferUsages::COPY_SRC,
                )
            })
            .collect::<Result<_, _>>()?;
        let mut reduce_passes = Vec::new();
        for (k, pair) in partials.windows(2).enumerate() {
            let pass = NormPass {
                n: lengths[k],
                nx: 0,
                partials: true,
                first: 0,
                offset: 0,
                scale: 1.0,
            };
            let pass_params =
                ctx.create_buffer_init("norm params (partials)", &pass.bytes(precision), storage)?;
            let group = ctx.bind_buffers(
                "reduce partials",
                &reduce_pipeline,
                &[&pass_params, &pair[0], &pair[1]],
            )?;
            reduce_passes.push((ctx.grid(lengths[k] as u64)?, group));
        }

        let mut groups = Vec::new();
        let mut offset = 0;
        for (k, s) in segments.iter().enumerate() {
            let halo = |array: &'_ Segmented| {
                if k == 0 {
                    no_halo.clone()
                } else {
                    array[k - 1].clone()
                }
            };
            let segment = ctx.create_buffer_init("segment", &segment_bytes(s), storage)?;
            let both = |f: &dyn Fn(usize) -> Result<wgpu::BindGroup, GpuError>| -> Result<[wgpu::BindGroup; 2]> {
                Ok([f(0)?, f(1)?])
            };
            let residual_groups = both(&|c| {
                let buffers = [
                    &heat_params,
                    &iterate[c][k],
                    &halo(&iterate[c]),
                    &segment,
                    &residual[k],
                ];
                ctx.bind_buffers("residual", &residual_pipeline, &buffers)
            })?;
            let jacobian_groups = both(&|c| {
                let buffers = [
                    &heat_params,
                    &iterate[c][k],
                    &halo(&iterate[c]),
                    &segment,
                    &cursor,
                    &jac,
                ];
                ctx.bind_buffers("jacobian", &jacobian_pipeline, &buffers)
            })?;
            let march_buffers = [
                &heat_params,
                &jac,
                &cursor,
                &direction[k],
                &halo(&direction),
                &c_prime,
                &segment,
            ];
            let march = ctx.bind_buffers("march", &march_pipeline, &march_buffers)?;
            let update_bytes = WgslStruct::new(precision)
                .u32(segment_len(s) as u32)
                .real(1.0)
                .finish();
            let update_params = ctx.create_buffer_init("update params", &update_bytes, storage)?;
            let update_groups = both(&|c| {
                let buffers = [
                    &update_params,
                    &iterate[c][k],
                    &direction[k],
                    &iterate[1 - c][k],
                ];
                ctx.bind_buffers("update", &update_pipeline, &buffers)
            })?;
            let first_pass = |scaled: bool| NormPass {
                n: segment_len(s),
                nx: if scaled { nx } else { 0 },
                partials: false,
                first: s.level0 as usize * nx,
                offset,
                scale: params.dt,
            };
            let scaled = ctx.create_buffer_init(
                "norm params (scaled)",
                &first_pass(true).bytes(precision),
                storage,
            )?;
            let plain = ctx.create_buffer_init(
                "norm params",
                &first_pass(false).bytes(precision),
                storage,
            )?;
            let reduce = |pass_params: &wgpu::Buffer, source: &wgpu::Buffer| {
                ctx.bind_buffers(
                    "reduce",
                    &reduce_pipeline,
                    &[pass_params, source, &partials[0]],
                )
            };
            groups.push(SegmentGroups {
                segment: *s,
                grid: ctx.grid(segment_len(s) as u64)?,
                chunks: (s.levels as usize).div_ceil(chunk_levels) as u32,
                residual: residual_groups,
                jacobian: jacobian_groups,
                march,
                update: update_groups,
                update_params,
                reduce_residual: reduce(&scaled, &residual[k])?,
                reduce_direction: reduce(&plain, &direction[k])?,
                reduce_iterate: both(&|c| reduce(&plain, &iterate[c][k]))?,
            });
            offset += first_partials[k];
        }
        Ok(GpuHeatSession {
            grid_chunk: ctx.grid((chunk_levels * nx) as u64)?,
            ctx,
            params,
            n,
            iterate,
            current: 0,
            direction,
            residual,
            cursor,
            scalars,
            chunk_levels: chunk_levels as u32,
            segments: groups,
            reduce_passes,
            norm_result: partials.last().expect("at least one pass").clone(),
            residual_pipeline,
            jacobian_pipeline,
            march_pipeline,
            update_pipeline,
            reduce_pipeline,
        })
    }

    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    /// Gives the device back for another session.
    pub fn into_context(self) -> GpuContext {
        self.ctx
    }

    /// Counters of all device work so far.
    pub fn ledger(&self) -> LedgerSnapshot {
        self.ctx.ledger().snapshot()
    }

    /// Levels per march dispatch and the number of such chunks per direction.
    pub fn march_chunks(&self) -> (u32, u32) {
        (
            self.chunk_levels,
            self.segments.iter().map(|g| g.chunks).sum(),
        )
    }

    /// The segments each nt*nx array is split into (one unless it exceeds a binding).
    pub fn segments(&self) -> Vec<Segment> {
        self.segments.iter().map(|g| g.segment).collect()
    }

    pub fn label(&self) -> ComputeLabel {
        ComputeLabel {
            backend: "gpu",
            device: self.ctx.summary().to_string(),
            precision: self.ctx.precision(),
        }
    }

    fn segment_range(&self, s: &Segment) -> std::ops::Range<usize> {
        let nx = self.params.nx();
        s.level0 as usize * nx..s.end() * nx
    }

    /// Replaces the iterate (one upload per segment, no buffer creation).
    pub fn set_iterate(&mut self, v: &[f64], problem: &Heat1D) -> Result<()> {
        problem.check_field("initial guess", v)?;
        for (g, buffer) in self.segments.iter().zip(&self.iterate[self.current]) {
            let bytes = reals_to_bytes(&v[self.segment_range(&g.segment)], self.ctx.precision());
            self.ctx.upload(buffer, 0, &bytes)?;
        }
        Ok(())
    }

    /// The current iterate as a new host array (`v[i*nx + j]`); it never aliases device scratch.
    pub fn solution(&self) -> Result<Vec<f64>> {
        self.download_array(&self.iterate[self.current])
    }

    /// The last Newton direction as a new host array (level-major = unknown order).
    pub fn direction(&self) -> Result<Vec<f64>> {
        self.download_array(&self.direction)
    }

    /// `F(v)` at the current iterate, in the users' P1 order, into `out`.
    pub fn residual_into(&mut self, out: &mut [f64]) -> Result<()> {
        let mut encoder = self.ctx.create_encoder("residual");
        self.record_residual(&mut encoder, self.current);
        self.ctx.submit(encoder)?;
        let levels = self.download_array(&self.residual)?;
        levels_to_p1_order(&self.params, &levels, out);
        Ok(())
    }

    fn download_array(&self, buffers: &Segmented) -> Result<Vec<f64>> {
        let precision = self.ctx.precision();
        let mut values = vec![0.0; self.n];
        for (g, buffer) in self.segments.iter().zip(buffers) {
            let range = self.segment_range(&g.segment);
            let bytes = self
                .ctx
                .download(buffer, 0, (range.len() * precision.bytes()) as u64)?;
            bytes_to_reals(&bytes, precision, &mut values[range]);
        }
        Ok(values)
    }

    /// Records F(iterate[c]) into the residual arrays.
    fn record_residual(&self, encoder: &mut wgpu::CommandEncoder, c: usize) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
        for g in &self.segments {
            self.ctx
                .dispatch(&mut pass, &self.residual_pipeline, &g.residual[c], g.grid);
        }
    }

    /// Records the max-norm of an array (its first pass bound per segment by `first`) into `slot`.
    fn record_norm(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        first: impl Fn(&SegmentGroups) -> &wgpu::BindGroup,
        slot: Scalar,
    ) {
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            for g in &self.segments {
                self.ctx
                    .dispatch(&mut pass, &self.reduce_pipeline, first(g), g.grid);
            }
            for (grid, group) in &self.reduce_passes {
                self.ctx
                    .dispatch(&mut pass, &self.reduce_pipeline, group, *grid);
            }
        }
        let real = self.ctx.precision().bytes() as u64;
        encoder.copy_buffer_to_buffer(
            &self.norm_result,
            0,
            &self.scalars,
            slot as u64 * real,
            real,
        );
    }

    /// Reads scalars `0..count` back; a negative norm (the non-finite flag) becomes NaN.
    fn read_scalars(&self, count: usize) -> Result<[f64; 3]> {
        let precision = self.ctx.precision();
        let bytes = self
            .ctx
            .download(&self.scalars, 0, (count * precision.bytes()) as u64)?;
        let mut values = [0.0; 3];
        bytes_to_reals(&bytes, precision, &mut values[..count]);
        Ok(values.map(|x| if x < 0.0 { f64::NAN } else { x }))
    }

    /// Records F(iterate[c]) and its scaled norm into the residual slot.
    fn record_residual_norm(&self, encoder: &mut wgpu::CommandEncoder, c: usize) {
        self.record_residual(encoder, c);
        self.record_norm(encoder, |g| &g.reduce_residual, Scalar::Residual);
    }
}

impl NewtonSystem for GpuHeatSession {
    fn residual_norm(&mut self) -> Result<f64> {
        let mut encoder = self.ctx.create_encoder("residual norm");
        self.record_residual_norm(&mut encoder, self.current);
        self.ctx.submit(encoder)?;
        Ok(self.read_scalars(1)?[Scalar::Residual as usize])
    }

    /// All levels in one submit: per chunk, a parallel Jacobian assembly and a sequential march.
    fn newton_direction(&mut self) -> Result<DirectionNorms> {
        let c = self.current;
        let mut encoder = self.ctx.create_encoder("newton direction");
        encoder.clear_buffer(&self.cursor, 0, Some(4));
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            for g in &self.segments {
                for _ in 0..g.chunks {
                    self.ctx.dispatch(
                        &mut pass,
                        &self.jacobian_pipeline,
                        &g.jacobian[c],
                        self.grid_chunk,
                    );
                    self.ctx
                        .dispatch(&mut pass, &self.march_pipeline, &g.march, [1, 1, 1]);
                }
            }
        }
        self.record_norm(&mut encoder, |g| &g.reduce_direction, Scalar::Step);
        self.record_norm(&mut encoder, |g| &g.reduce_iterate[c], Scalar::Iterate);
        self.ctx.submit(encoder)?;
        let scalars = self.read_scalars(3)?;
        Ok(DirectionNorms {
            step: scalars[Scalar::Step as usize],
            iterate: scalars[Scalar::Iterate as usize],
        })
    }

    fn trial_residual_norm(&mut self, lambda: f64) -> Result<f64> {
        let precision = self.ctx.precision();
        let mut encoder = self.ctx.create_encoder("newton trial");
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            for g in &self.segments {
                let n = g.segment.levels * self.params.nx;
                let bytes = WgslStruct::new(precision).u32(n).real(lambda).finish();
                self.ctx.upload(&g.update_params, 0, &bytes)?;
                self.ctx.dispatch(
                    &mut pass,
                    &self.update_pipeline,
                    &g.update[self.current],
                    g.grid,
                );
            }
        }
        self.record_residual_norm(&mut encoder, 1 - self.current);
        self.ctx.submit(encoder)?;
        Ok(self.read_scalars(1)?[Scalar::Residual as usize])
    }

    fn accept_trial(&mut self) {
        self.current = 1 - self.current;
    }
}
