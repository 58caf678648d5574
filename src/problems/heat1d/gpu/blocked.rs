//! The linear P1 system (beta = 0, `nx - 2 <= 32`) solved on a GPU by blocked powers of the
//! one-step map ([`crate::problems::heat1d::kernels::affine_powers`]): every level is an independent small
//! mat-vec away from a block start, so there is no chain over levels on the device.
//!
//! Built once (`new`): the powers, the steady state and the group starts (a double-double
//! chain of `(nt - 1) / (S K)` steps on the host, which depends on the problem only) are
//! uploaded, and every buffer, pipeline and bind group is created. A solve is then one submit:
//! `affine_block_starts` (one invocation per block and row), `affine_levels` (one invocation
//! per unknown, per segment) and the verification, `heat_residual_partials` (the scaled
//! residual norm and `max |T|` per workgroup, F never stored) reduced by `max_abs_reduce`; two
//! scalars come back. Bytes per unknown in f64: 8 written (the field) + 8 read (verification),
//! the minimum for producing a field and checking it; the powers (`m (K - 1) nx` reals) and
//! block starts (`m nt / K`) stay in cache.

use crate::backend::ComputeLabel;
use crate::error::{Error, Result};
use crate::gpu::layout::{bytes_to_reals, reals_to_bytes, WgslStruct};
use crate::gpu::{shader_source, GpuContext, GpuError, LedgerSnapshot, ReductionChain};
use crate::linalg::double_double::Dd;
use crate::memory::ensure_fits;
use crate::problems::heat1d::gpu::session::heat_params_bytes;
use crate::problems::heat1d::kernels::affine_blocks::default_layout;
use crate::problems::heat1d::kernels::affine_powers::{AffinePowers, MAX_INTERIOR};
use crate::problems::heat1d::kernels::{
    BlockParams, FieldCheck, HeatParams, Segment, REDUCE_WIDTH,
};
use crate::problems::heat1d::params::Heat1D;

/// One segment of the field (whole levels within one storage binding) and what binds it.
struct FieldSegment {
    segment: Segment,
    buffer: wgpu::Buffer,
    grid: [u32; 3],
    levels_group: wgpu::BindGroup,
    partials_group: wgpu::BindGroup,
}

/// The blocked linear solve on a GPU. See the module header.
pub struct GpuBlockedAffine {
    ctx: GpuContext,
    params: HeatParams,
    block_levels: usize,
    group_blocks: usize,
    segments: Vec<FieldSegment>,
    starts_group: wgpu::BindGroup,
    starts_grid: [u32; 3],
    residual: ReductionChain,
    iterate: ReductionChain,
    scalars: wgpu::Buffer,
    starts_pipeline: wgpu::ComputePipeline,
    levels_pipeline: wgpu::ComputePipeline,
    partials_pipeline: wgpu::ComputePipeline,
}

/// A storage buffer holding `values` (at least one real: empty bindings are not allowed).
fn upload_reals(ctx: &GpuContext, label: &str, values: &[f64]) -> Result<wgpu::Buffer> {
    let padded = if values.is_empty() {
        &[0.0][..]
    } else {
        values
    };
    Ok(ctx.create_buffer_init(
        label,
        &reals_to_bytes(padded, ctx.precision()),
        wgpu::BufferUsages::STORAGE,
    )?)
}

impl GpuBlockedAffine {
    /// Validates the problem, refuses what the blocked scheme cannot take, and builds everything.
    /// K as on a 64-thread CPU (powers within 32 KiB, so they stay in a GPU's L1 too), raised
    /// where needed so that the block starts fit one storage binding.
    pub fn new(ctx: GpuContext, problem: &Heat1D) -> Result<GpuBlockedAffine> {
        problem.validate()?;
        let (k, s) = default_layout(problem.nt, problem.nx, 64);
        let limits = ctx.limits();
        let binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size) as usize;
        let starts_bytes = problem.nt * problem.nx.saturating_sub(2) * ctx.precision().bytes();
        let k = k.max(starts_bytes.div_ceil(binding.max(1)) + 1);
        Self::with_layout(ctx, problem, k, s)
    }

    /// As [`Self::new`] with blocks of `block_levels` levels in groups of `group_blocks`.
    pub fn with_layout(
        ctx: GpuContext,
        problem: &Heat1D,
        block_levels: usize,
        group_blocks: usize,
    ) -> Result<GpuBlockedAffine> {
        problem.validate()?;
        if !problem.is_linear() {
            return Err(Error::invalid(
                "beta",
                problem.beta,
                "must be 0 for the blocked linear solve (alpha(T) needs Newton)",
            ));
        }
        if problem.nx - 2 > MAX_INTERIOR {
            return Err(Error::invalid(
                "nx",
                problem.nx,
                format!(
                    "must be <= {} for the blocked linear solve",
                    MAX_INTERIOR + 2
                ),
            ));
        }
        for (name, value) in [
            ("block_levels", block_levels),
            ("group_blocks", group_blocks),
        ] {
            if value == 0 {
                return Err(Error::invalid(name, value, "must be >= 1"));
            }
        }
        let precision = ctx.precision();
        let real = precision.bytes();
        let (nt, nx) = (problem.nt, problem.nx);
        let limits = ctx.limits();
        let binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size) as usize;
        let per_segment = binding / (nx * real);
        if per_segment == 0 {
            return Err(Error::invalid(
                "nx",
                nx,
                "one level must fit a storage binding",
            ));
        }
        if ctx.summary().is_software {
            ensure_fits(
                "GPU blocked solve (the field)",
                (nt * nx * real) as u64,
                "use fewer time levels (nt) or --backend cpu",
            )?;
        }
        let params = HeatParams::new(problem);
        let powers = AffinePowers::new(&params, block_levels, group_blocks)
            .expect("linear with few interior points: checked above");
        let group_starts: Vec<f64> = powers
            .group_starts(&params)
            .into_iter()
            .map(Dd::to_f64)
            .collect();
        let full = BlockParams::new(&params, &powers, 0, nt);
        let m = nx - 2;
        let constants = [
            ("the in-block powers", powers.level_powers().len()),
            ("the block powers", powers.block_powers().len()),
            ("the block starts", full.blocks as usize * m),
        ];
        for (what, len) in constants {
            if len * real > binding {
                return Err(GpuError::BufferTooLarge {
                    what: format!(
                        "{what} of the blocked solve (K = {block_levels}, S = {group_blocks})"
                    ),
                    size_bytes: (len * real) as u64,
                    limit: "max_storage_buffer_binding_size",
                    limit_bytes: binding as u64,
                }
                .into());
            }
        }

        let storage = wgpu::BufferUsages::STORAGE;
        let pipeline = |name: &str| -> Result<wgpu::ComputePipeline> {
            Ok(ctx.create_compute_pipeline(name, &shader_source(name, precision)?, name)?)
        };
        let starts_pipeline = pipeline("affine_block_starts")?;
        let levels_pipeline = pipeline("affine_levels")?;
        let partials_pipeline = pipeline("heat_residual_partials")?;
        let reduce_pipeline = pipeline("max_abs_reduce")?;

        let heat = ctx.create_buffer_init(
            "heat params",
            &heat_params_bytes(&params, precision),
            storage,
        )?;
        let full_params =
            ctx.create_buffer_init("block params", bytemuck::bytes_of(&full), storage)?;
        let steady = upload_reals(&ctx, "steady state", powers.steady())?;
        let level_powers = upload_reals(&ctx, "level powers", powers.level_powers())?;
        let block_powers = upload_reals(&ctx, "block powers", powers.block_powers())?;
        let group_buffer = upload_reals(&ctx, "group starts", &group_starts)?;
        let starts = ctx.create_storage_buffer(
            "block starts",
            (full.blocks as usize * m * real) as u64,
            wgpu::BufferUsages::empty(),
        )?;
        let starts_group = ctx.bind_buffers(
            "block starts",
            &starts_pipeline,
            &[&full_params, &block_powers, &group_buffer, &starts],
        )?;

        // Segments of whole levels, their partials one after another.
        let mut layout: Vec<Segment> = Vec::new();
        let (mut level0, mut offset) = (0, 0);
        while level0 < nt {
            let levels = per_segment.min(nt - level0);
            layout.push(Segment {
                level0: level0 as u32,
                levels: levels as u32,
                prev_levels: layout.last().map_or(0, |s| s.levels),
                partials_offset: offset as u32,
                partials_stride: 0,
            });
            level0 += levels;
            offset += (levels * nx).div_ceil(REDUCE_WIDTH);
        }
        let stride = offset;
        let partials = ctx.create_storage_buffer(
            "affine partials",
            (2 * stride * real) as u64,
            wgpu::BufferUsages::COPY_SRC,
        )?;
        let no_halo =
            ctx.create_storage_buffer("no halo", (nx * real) as u64, wgpu::BufferUsages::empty())?;
        let mut segments: Vec<FieldSegment> = Vec::new();
        for mut segment in layout {
            segment.partials_stride = stride as u32;
            let len = segment.levels as usize * nx;
            let buffer = ctx.create_storage_buffer(
                "affine field",
                (len * real) as u64,
                wgpu::BufferUsages::COPY_SRC,
            )?;
            let block = BlockParams::new(
                &params,
                &powers,
                segment.level0 as usize,
                segment.levels as usize,
            );
            let block =
                ctx.create_buffer_init("block params", bytemuck::bytes_of(&block), storage)?;
            let levels_group = ctx.bind_buffers(
                "affine levels",
                &levels_pipeline,
                &[&heat, &block, &steady, &level_powers, &starts, &buffer],
            )?;
            let segment_words = WgslStruct::new(crate::precision::Precision::F32)
                .u32(segment.level0)
                .u32(segment.levels)
                .u32(segment.prev_levels)
                .u32(segment.partials_offset)
                .u32(segment.partials_stride)
                .finish();
            let segment_buffer = ctx.create_buffer_init("segment", &segment_words, storage)?;
            let halo = segments.last().map_or(&no_halo, |s| &s.buffer);
            let partials_group = ctx.bind_buffers(
                "affine verification",
                &partials_pipeline,
                &[&heat, &buffer, halo, &segment_buffer, &partials],
            )?;
            segments.push(FieldSegment {
                segment,
                grid: ctx.grid(len as u64)?,
                buffer,
                levels_group,
                partials_group,
            });
        }
        let residual = ReductionChain::new(&ctx, &reduce_pipeline, &partials, 0, stride)?;
        let iterate = ReductionChain::new(&ctx, &reduce_pipeline, &partials, stride, stride)?;
        let scalars = ctx.create_storage_buffer(
            "affine scalars",
            (2 * real) as u64,
            wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        )?;
        Ok(GpuBlockedAffine {
            starts_grid: ctx.grid((full.blocks as usize * m) as u64)?,
            ctx,
            params,
            block_levels,
            group_blocks,
            segments,
            starts_group,
            residual,
            iterate,
            scalars,
            starts_pipeline,
            levels_pipeline,
            partials_pipeline,
        })
    }

    /// K and S.
    pub fn layout(&self) -> (usize, usize) {
        (self.block_levels, self.group_blocks)
    }

    /// The segments the field is split into (one unless it exceeds a storage binding).
    pub fn segments(&self) -> Vec<Segment> {
        self.segments.iter().map(|s| s.segment).collect()
    }

    pub fn ledger(&self) -> LedgerSnapshot {
        self.ctx.ledger().snapshot()
    }

    /// The context the solver runs on (for timestamp queries).
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

    /// Writes the solution on the device and verifies it there: one submit, two scalars read
    /// back. A non-finite value anywhere makes `residual` NaN.
    pub fn solve(&mut self) -> Result<FieldCheck> {
        let mut encoder = self.ctx.create_encoder("blocked affine solve");
        {
            let mut pass = self.ctx.begin_compute_pass(&mut encoder, "levels");
            self.ctx.dispatch(
                &mut pass,
                &self.starts_pipeline,
                &self.starts_group,
                self.starts_grid,
            );
            for s in &self.segments {
                self.ctx
                    .dispatch(&mut pass, &self.levels_pipeline, &s.levels_group, s.grid);
            }
            for s in &self.segments {
                self.ctx.dispatch(
                    &mut pass,
                    &self.partials_pipeline,
                    &s.partials_group,
                    s.grid,
                );
            }
        }
        let real = self.ctx.precision().bytes() as u64;
        self.residual
            .record(&self.ctx, &mut encoder, &self.scalars, 0);
        self.iterate
            .record(&self.ctx, &mut encoder, &self.scalars, real);
        self.ctx.submit(encoder)?;
        let bytes = self.ctx.download(&self.scalars, 0, 2 * real)?;
        let mut values = [0.0; 2];
        bytes_to_reals(&bytes, self.ctx.precision(), &mut values);
        let [residual, max_abs] = values.map(|x| if x < 0.0 { f64::NAN } else { x });
        Ok(FieldCheck { residual, max_abs })
    }

    /// The field of the last solve as a new host array (`v[i*nx + j]`).
    pub fn solution(&self) -> Result<Vec<f64>> {
        let precision = self.ctx.precision();
        let nx = self.params.nx();
        let mut values = vec![0.0; self.params.nt() * nx];
        for s in &self.segments {
            let range = s.segment.level0 as usize * nx..s.segment.end() * nx;
            let bytes =
                self.ctx
                    .download(&s.buffer, 0, (range.len() * precision.bytes()) as u64)?;
            bytes_to_reals(&bytes, precision, &mut values[range]);
        }
        Ok(values)
    }
}
