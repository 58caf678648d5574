//! The GPU backend: the all-at-once P1 system on device-resident buffers.
//!
//! A session is built once per problem shape: it creates every buffer, pipeline and bind group
//! up front. A Newton iteration then creates nothing, uploads one scalar (the line-search
//! lambda) and downloads only norms; the direction over all time levels is one submit. Arrays live in the level-major layout of `shaders/heat1d/heat_levels.wgsl`, split into
//! segments of whole levels when one array exceeds the device's storage-binding limit.

use crate::backend::ComputeLabel;
use crate::error::{Error, Result};
use crate::gpu::layout::{bytes_to_reals, reals_to_bytes, WgslStruct};
use crate::gpu::{shader_source, GpuContext, GpuError, LedgerSnapshot, ReductionChain};
use crate::memory::ensure_fits;
use crate::precision::Precision;
use crate::problems::heat1d::kernels::{
    levels_to_p1_order, HeatParams, MarchCursor, Segment, JACOBIAN_ROW, REDUCE_WIDTH,
};
use crate::problems::heat1d::params::Heat1D;
use crate::solver::newton::{DirectionNorms, NewtonSystem};

/// Unknowns per march chunk, and rows one invocation sweeps at most. The chunk's assembled
/// Jacobian rows (7 reals each) stay cache-sized, and a single marching invocation stays short:
/// on lavapipe an invocation that runs past about 60 000 loop iterations returns wrong values
/// (seen with nx = 7..41, and as a forward sweep without back substitution at nx = 65537), and
/// real GPUs may stop long-running dispatches. 8192 unknowns are about 17 000 iterations. A
/// level longer than this is swept in windows of this many rows, one dispatch each
/// (`thomas_march_forward_rows` / `_backward_rows`).
pub const SWEEP_ROWS: usize = 1 << 13;

/// Dispatches recorded into one submit at most (a direction over many long levels is split).
const DISPATCHES_PER_SUBMIT: usize = 1 << 16;

/// `HeatParams` as the shaders' struct in `precision` (for f64: the `#[repr(C)]` bytes).
pub fn heat_params_bytes(p: &HeatParams, precision: Precision) -> Vec<u8> {
    WgslStruct::new(precision)
        .u32(p.nt)
        .u32(p.nx)
        .real(p.inv_dt)
        .real(p.energy_scale)
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
        .u32(s.partials_offset)
        .u32(s.partials_stride)
        .finish()
}

/// Slots of the scalar buffer the host reads back.
#[derive(Clone, Copy)]
enum Scalar {
    Residual = 0,
    Iterate = 1,
    Step = 2,
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
    /// Per orientation c of the iterates: F(iterate[c]) -> residual (for `residual_into`).
    residual: [wgpu::BindGroup; 2],
    /// Per orientation: max-norm partials of F(iterate[c]) and iterate[c].
    residual_partials: [wgpu::BindGroup; 2],
    /// Per orientation: Jacobian rows of iterate[c].
    jacobian: [wgpu::BindGroup; 2],
    march: wgpu::BindGroup,
    /// The windowed sweep of levels longer than `sweep_rows`.
    forward_rows: wgpu::BindGroup,
    backward_rows: wgpu::BindGroup,
    /// Per orientation: iterate[1-c] = iterate[c] + lambda direction, with its partials.
    trial: [wgpu::BindGroup; 2],
}

/// The P1 space-time system on a GPU. Implements [`NewtonSystem`].
pub struct GpuHeatSession {
    ctx: GpuContext,
    params: HeatParams,
    n: usize,
    /// `iterate[current]` is v, the other one the trial point.
    iterate: [Segmented; 2],
    current: usize,
    /// `|iterate[c]|`, known from the pass that produced its residual norm.
    iterate_norm: [f64; 2],
    direction: Segmented,
    residual: Segmented,
    cursor: wgpu::Buffer,
    lambda: wgpu::Buffer,
    scalars: wgpu::Buffer,
    chunk_levels: u32,
    grid_chunk: [u32; 3],
    segments: Vec<SegmentGroups>,
    /// Reductions of the partials of |F| and of |v| (two halves of one buffer), and of |dv|.
    residual_chain: ReductionChain,
    iterate_chain: ReductionChain,
    step_chain: ReductionChain,
    /// Rows one invocation sweeps at most; levels longer than this are swept in windows.
    sweep_rows: usize,
    residual_pipeline: wgpu::ComputePipeline,
    residual_partials_pipeline: wgpu::ComputePipeline,
    jacobian_pipeline: wgpu::ComputePipeline,
    march_pipeline: wgpu::ComputePipeline,
    forward_rows_pipeline: wgpu::ComputePipeline,
    backward_rows_pipeline: wgpu::ComputePipeline,
    trial_pipeline: wgpu::ComputePipeline,
}

/// Splits nt levels into segments of at most `per_segment` levels; their workgroup maxima are
/// laid out one after another (`partials_offset`), the second norm `partials_stride` further.
fn split_levels(nt: usize, nx: usize, per_segment: usize) -> Vec<Segment> {
    let mut segments: Vec<Segment> = Vec::new();
    let (mut level0, mut offset) = (0, 0);
    while level0 < nt {
        let levels = per_segment.min(nt - level0);
        segments.push(Segment {
            level0: level0 as u32,
            levels: levels as u32,
            prev_levels: segments.last().map_or(0, |s| s.levels),
            partials_offset: offset as u32,
            partials_stride: 0,
        });
        level0 += levels;
        offset += (levels * nx).div_ceil(REDUCE_WIDTH);
    }
    for s in &mut segments {
        s.partials_stride = offset as u32;
    }
    segments
}

impl GpuHeatSession {
    /// Device bytes a session for `problem` creates in `precision`: iterate (two), direction,
    /// residual, and a chunk of Jacobian rows.
    pub fn device_bytes(problem: &Heat1D, precision: Precision) -> u64 {
        let real = precision.bytes();
        crate::memory::bytes_for(problem.unknowns(), 4 * real).saturating_add(
            crate::memory::bytes_for(SWEEP_ROWS.max(problem.nx), JACOBIAN_ROW * real),
        )
    }

    /// Validates the problem, checks the device's limits, and creates everything the solve needs.
    pub fn new(ctx: GpuContext, problem: &Heat1D, initial_guess: &[f64]) -> Result<GpuHeatSession> {
        Self::with_sweep_rows(ctx, problem, initial_guess, SWEEP_ROWS)
    }

    /// As [`Self::new`] with at most `sweep_rows` rows swept by one invocation (and per march
    /// chunk): tests lower it to cross the long-level path on small grids.
    pub fn with_sweep_rows(
        ctx: GpuContext,
        problem: &Heat1D,
        initial_guess: &[f64],
        sweep_rows: usize,
    ) -> Result<GpuHeatSession> {
        problem.validate_for(ctx.precision())?;
        if sweep_rows < 2 {
            return Err(Error::invalid("sweep_rows", sweep_rows, "must be >= 2"));
        }
        problem.check_field("initial guess", initial_guess)?;
        let precision = ctx.precision();
        let real = precision.bytes();
        let (n, nx) = (problem.unknowns(), problem.nx);
        let limits = ctx.limits();
        let binding_limit = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size) as usize;
        let too_large = |what: String, size: usize| -> Error {
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
        let segments = split_levels(problem.nt, nx, binding_limit / (nx * real));
        let chunk_levels = (sweep_rows / nx)
            .min(binding_limit / row_bytes)
            .clamp(1, segments[0].levels as usize);
        let partials_bytes = 2 * segments[0].partials_stride as usize * real;
        if partials_bytes > binding_limit {
            return Err(too_large(
                "the max-norms' partial results".to_string(),
                partials_bytes,
            ));
        }
        let jac_bytes = (chunk_levels * nx * JACOBIAN_ROW * real) as u64;
        let needed = 4 * (n * real) as u64 + jac_bytes;
        if ctx.summary().is_software {
            // A software adapter's buffers are host memory.
            ensure_fits(
                "GPU session (4 arrays of nt*nx)",
                needed,
                "use --mode march (memory O(nx)) or fewer levels",
            )?;
        }
        let adapter = ctx.summary().to_string();
        let created = Self::create(
            ctx,
            problem,
            initial_guess,
            segments,
            chunk_levels,
            sweep_rows,
        );
        created.map_err(|e| match e {
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
        segments: Vec<Segment>,
        chunk_levels: usize,
        sweep_rows: usize,
    ) -> Result<GpuHeatSession> {
        let precision = ctx.precision();
        let real = precision.bytes();
        let (n, nx) = (problem.unknowns(), problem.nx);
        let params = HeatParams::new(problem);
        let storage = wgpu::BufferUsages::STORAGE;
        let none = wgpu::BufferUsages::empty();
        let copy_src = wgpu::BufferUsages::COPY_SRC;
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
        let jac = ctx.create_storage_buffer("jacobian chunk", jac_bytes, none)?;
        let c_prime = ctx.create_storage_buffer("thomas c'", (nx * real) as u64, none)?;
        // Bound as the "previous segment" of the first one; never read (level 0 has no halo).
        let no_halo = ctx.create_storage_buffer("no halo", (nx * real) as u64, none)?;
        let cursor_words = MarchCursor::start(chunk_levels, nx, sweep_rows).words();
        let cursor =
            ctx.create_buffer_init("march cursor", bytemuck::cast_slice(&cursor_words), storage)?;
        let heat_params = ctx.create_buffer_init(
            "heat params",
            &heat_params_bytes(&params, precision),
            storage,
        )?;
        let lambda_bytes = WgslStruct::new(precision).real(1.0).finish();
        // Uniform buffers are sized in multiples of 16 bytes.
        let lambda = ctx.create_buffer_init(
            "lambda",
            &[lambda_bytes, vec![0; 16 - real]].concat(),
            wgpu::BufferUsages::UNIFORM,
        )?;
        let scalars = ctx.create_storage_buffer("scalars", 3 * real as u64, copy_both)?;
        let stride = segments[0].partials_stride as usize;
        // COPY_SRC: the reduction of a single partial copies it straight to the scalars.
        let partials =
            ctx.create_storage_buffer("norm partials", (2 * stride * real) as u64, copy_src)?;
        let chunks: Vec<u32> = segments
            .iter()
            .map(|s| (s.levels as usize).div_ceil(chunk_levels) as u32)
            .collect();
        let total_chunks = chunks.iter().sum::<u32>() as usize;
        let step_partials =
            ctx.create_storage_buffer("step partials", (total_chunks * real) as u64, copy_src)?;

        let pipeline = |name: &str| -> Result<wgpu::ComputePipeline> {
            Ok(ctx.create_compute_pipeline(name, &shader_source(name, precision)?, name)?)
        };
        let residual_pipeline = pipeline("heat_residual_levels")?;
        let residual_partials_pipeline = pipeline("heat_residual_partials")?;
        let jacobian_pipeline = pipeline("heat_jacobian")?;
        let march_pipeline = pipeline("thomas_march")?;
        let forward_rows_pipeline = pipeline("thomas_march_forward_rows")?;
        let backward_rows_pipeline = pipeline("thomas_march_backward_rows")?;
        let trial_pipeline = pipeline("newton_trial_partials")?;
        let reduce_pipeline = pipeline("max_abs_reduce")?;

        let mut groups = Vec::new();
        for (k, (s, &chunk_count)) in segments.iter().zip(&chunks).enumerate() {
            let halo = |array: &Segmented| {
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
            let partials_groups = both(&|c| {
                let buffers = [
                    &heat_params,
                    &iterate[c][k],
                    &halo(&iterate[c]),
                    &segment,
                    &partials,
                ];
                ctx.bind_buffers("residual partials", &residual_partials_pipeline, &buffers)
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
                &step_partials,
            ];
            let march = ctx.bind_buffers("march", &march_pipeline, &march_buffers)?;
            let forward_rows =
                ctx.bind_buffers("forward rows", &forward_rows_pipeline, &march_buffers[..7])?;
            let backward_rows = ctx.bind_buffers(
                "backward rows",
                &backward_rows_pipeline,
                &[
                    &heat_params,
                    &cursor,
                    &direction[k],
                    &c_prime,
                    &segment,
                    &step_partials,
                ],
            )?;
            let trial_groups = both(&|c| {
                let buffers = [
                    &heat_params,
                    &iterate[c][k],
                    &halo(&iterate[c]),
                    &segment,
                    &direction[k],
                    &halo(&direction),
                    &iterate[1 - c][k],
                    &partials,
                    &lambda,
                ];
                ctx.bind_buffers("trial", &trial_pipeline, &buffers)
            })?;
            groups.push(SegmentGroups {
                segment: *s,
                grid: ctx.grid(segment_len(s) as u64)?,
                chunks: chunk_count,
                residual: residual_groups,
                residual_partials: partials_groups,
                jacobian: jacobian_groups,
                march,
                forward_rows,
                backward_rows,
                trial: trial_groups,
            });
        }
        Ok(GpuHeatSession {
            grid_chunk: ctx.grid((chunk_levels * nx) as u64)?,
            residual_chain: ReductionChain::new(&ctx, &reduce_pipeline, &partials, 0, stride)?,
            iterate_chain: ReductionChain::new(&ctx, &reduce_pipeline, &partials, stride, stride)?,
            step_chain: ReductionChain::new(
                &ctx,
                &reduce_pipeline,
                &step_partials,
                0,
                total_chunks,
            )?,
            ctx,
            params,
            n,
            iterate,
            current: 0,
            iterate_norm: [f64::NAN; 2],
            direction,
            residual,
            cursor,
            lambda,
            scalars,
            chunk_levels: chunk_levels as u32,
            segments: groups,
            residual_pipeline,
            residual_partials_pipeline,
            jacobian_pipeline,
            march_pipeline,
            forward_rows_pipeline,
            backward_rows_pipeline,
            trial_pipeline,
            sweep_rows,
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
        self.iterate_norm[self.current] = f64::NAN;
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
        {
            let mut pass = self.ctx.begin_compute_pass(&mut encoder, "residual");
            for g in &self.segments {
                self.ctx.dispatch(
                    &mut pass,
                    &self.residual_pipeline,
                    &g.residual[self.current],
                    g.grid,
                );
            }
        }
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

    /// Records the rest of a reduction and copies its value into scalar `slot`.
    fn record_chain(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        chain: &ReductionChain,
        slot: Scalar,
    ) {
        let real = self.ctx.precision().bytes() as u64;
        chain.record(&self.ctx, encoder, &self.scalars, slot as u64 * real);
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

    /// Runs per-segment partial kernels, finishes |F| and |iterate|, and reads both back.
    fn residual_and_iterate_norms(
        &mut self,
        label: &str,
        pipeline: &wgpu::ComputePipeline,
        group: impl Fn(&SegmentGroups) -> &wgpu::BindGroup,
    ) -> Result<(f64, f64)> {
        let mut encoder = self.ctx.create_encoder(label);
        {
            let mut pass = self.ctx.begin_compute_pass(&mut encoder, label);
            for g in &self.segments {
                self.ctx.dispatch(&mut pass, pipeline, group(g), g.grid);
            }
        }
        self.record_chain(&mut encoder, &self.residual_chain, Scalar::Residual);
        self.record_chain(&mut encoder, &self.iterate_chain, Scalar::Iterate);
        self.ctx.submit(encoder)?;
        let scalars = self.read_scalars(2)?;
        Ok((
            scalars[Scalar::Residual as usize],
            scalars[Scalar::Iterate as usize],
        ))
    }
}

impl NewtonSystem for GpuHeatSession {
    /// One pass over v: the norms of F(v) and of v, with F never stored (8 B per unknown).
    fn residual_norm(&mut self) -> Result<f64> {
        let c = self.current;
        let pipeline = self.residual_partials_pipeline.clone();
        let (residual, iterate) =
            self.residual_and_iterate_norms("residual norm", &pipeline, |g| {
                &g.residual_partials[c]
            })?;
        self.iterate_norm[c] = iterate;
        Ok(residual)
    }

    /// All levels in few submits: per chunk, a parallel Jacobian assembly and a sequential
    /// march that also keeps max |dv|; a level longer than `sweep_rows` is swept in windows of
    /// rows, one dispatch each, so that no invocation runs long.
    fn newton_direction(&mut self) -> Result<DirectionNorms> {
        let c = self.current;
        let nx = self.params.nx();
        // Forward windows cover rows 0..nx, backward ones the nx - 1 rows below the last.
        let (forward_windows, backward_windows) = if nx > self.sweep_rows {
            (
                nx.div_ceil(self.sweep_rows),
                (nx - 1).div_ceil(self.sweep_rows),
            )
        } else {
            (0, 0)
        };
        let mut encoder = self.ctx.create_encoder("newton direction");
        // Level and chunk counters back to 0 (words 0, 1); the rest is rewound by the kernels.
        encoder.clear_buffer(&self.cursor, 0, Some(8));
        let mut pass = self
            .ctx
            .begin_compute_pass(&mut encoder, "jacobian and march");
        let mut recorded = 0;
        for g in &self.segments {
            for _ in 0..g.chunks {
                if recorded >= DISPATCHES_PER_SUBMIT {
                    drop(pass);
                    self.ctx.submit(encoder)?;
                    encoder = self.ctx.create_encoder("newton direction");
                    pass = self
                        .ctx
                        .begin_compute_pass(&mut encoder, "jacobian and march");
                    recorded = 0;
                }
                let jacobian = &self.jacobian_pipeline;
                self.ctx
                    .dispatch(&mut pass, jacobian, &g.jacobian[c], self.grid_chunk);
                if forward_windows == 0 {
                    self.ctx
                        .dispatch(&mut pass, &self.march_pipeline, &g.march, [1, 1, 1]);
                } else {
                    for _ in 0..forward_windows {
                        let forward = &self.forward_rows_pipeline;
                        self.ctx
                            .dispatch(&mut pass, forward, &g.forward_rows, [1, 1, 1]);
                    }
                    for _ in 0..backward_windows {
                        let backward = &self.backward_rows_pipeline;
                        self.ctx
                            .dispatch(&mut pass, backward, &g.backward_rows, [1, 1, 1]);
                    }
                }
                recorded += 2 + forward_windows + backward_windows;
            }
        }
        drop(pass);
        self.record_chain(&mut encoder, &self.step_chain, Scalar::Step);
        self.ctx.submit(encoder)?;
        let precision = self.ctx.precision();
        let real = precision.bytes() as u64;
        let bytes = self
            .ctx
            .download(&self.scalars, Scalar::Step as u64 * real, real)?;
        let mut step = [0.0];
        bytes_to_reals(&bytes, precision, &mut step);
        if self.iterate_norm[c].is_nan() {
            // A fresh iterate: its norm comes with its residual.
            self.residual_norm()?;
        }
        Ok(DirectionNorms {
            step: if step[0] < 0.0 { f64::NAN } else { step[0] },
            iterate: self.iterate_norm[c],
        })
    }

    /// One pass: trial = v + lambda dv with the norms of F(trial) and trial (24 B per unknown).
    fn trial_residual_norm(&mut self, lambda: f64) -> Result<f64> {
        // The uniform's one real, without a host allocation.
        let (f64_bytes, f32_bytes) = (lambda.to_le_bytes(), (lambda as f32).to_le_bytes());
        let bytes: &[u8] = match self.ctx.precision() {
            Precision::F64 => &f64_bytes,
            Precision::F32 => &f32_bytes,
        };
        self.ctx.upload(&self.lambda, 0, bytes)?;
        let c = self.current;
        let pipeline = self.trial_pipeline.clone();
        let (residual, trial) =
            self.residual_and_iterate_norms("newton trial", &pipeline, |g| &g.trial[c])?;
        self.iterate_norm[1 - c] = trial;
        Ok(residual)
    }

    fn accept_trial(&mut self) {
        self.current = 1 - self.current;
    }

    fn rounding_floor(&self) -> f64 {
        self.params.rounding_floor(self.ctx.precision().eps())
    }
}
