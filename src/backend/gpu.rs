//! The GPU backend: the all-at-once P1 system on device-resident buffers.
//!
//! A session is built once per problem shape: it creates every buffer, pipeline and bind group
//! up front. A Newton iteration then creates nothing, uploads one scalar (the line-search
//! lambda) and downloads only norms; the direction over all time levels is one submit.
//! Arrays live in the level-major layout of `shaders/heat_levels.wgsl`.

use crate::backend::ComputeLabel;
use crate::error::Result;
use crate::gpu::layout::{bytes_to_reals, reals_to_bytes, WgslStruct};
use crate::gpu::{shader_source, GpuContext, GpuError, LedgerSnapshot};
use crate::kernels::{levels_to_p1_order, HeatParams, JACOBIAN_ROW, REDUCE_WIDTH};
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

fn norm_params_bytes(
    n: usize,
    nx: usize,
    partials: bool,
    scale: f64,
    precision: Precision,
) -> Vec<u8> {
    WgslStruct::new(precision)
        .u32(n as u32)
        .u32(nx as u32)
        .u32(partials as u32)
        .real(scale)
        .finish()
}

/// Slots of the scalar buffer the host reads back.
#[derive(Clone, Copy)]
enum Scalar {
    Residual = 0,
    Step = 1,
    Iterate = 2,
}

/// The chain of `max_abs_reduce` passes `n -> n/256 -> ... -> 1`, with its buffers and bind
/// groups; the first pass is bound once per source array.
struct Reduction {
    /// Workgroup grid and bind group of each pass after the first.
    later_passes: Vec<([u32; 3], wgpu::BindGroup)>,
    first_grid: [u32; 3],
    /// The one-value buffer the last pass writes.
    result: wgpu::Buffer,
}

/// The P1 space-time system on a GPU. Implements [`NewtonSystem`].
pub struct GpuHeatSession {
    ctx: GpuContext,
    params: HeatParams,
    n: usize,
    /// `iterate[current]` is v, the other one the trial point.
    iterate: [wgpu::Buffer; 2],
    current: usize,
    direction: wgpu::Buffer,
    residual: wgpu::Buffer,
    cursor: wgpu::Buffer,
    update_params: wgpu::Buffer,
    scalars: wgpu::Buffer,
    chunks: u32,
    chunk_levels: u32,
    grid_all: [u32; 3],
    grid_chunk: [u32; 3],
    reduction: Reduction,
    residual_pipeline: wgpu::ComputePipeline,
    jacobian_pipeline: wgpu::ComputePipeline,
    march_pipeline: wgpu::ComputePipeline,
    update_pipeline: wgpu::ComputePipeline,
    reduce_pipeline: wgpu::ComputePipeline,
    /// Per orientation of `iterate`: F(iterate[c]) -> residual.
    residual_groups: [wgpu::BindGroup; 2],
    /// Per orientation: Jacobian rows of iterate[c].
    jacobian_groups: [wgpu::BindGroup; 2],
    march_group: wgpu::BindGroup,
    /// Per orientation: iterate[1-c] = iterate[c] + lambda direction.
    update_groups: [wgpu::BindGroup; 2],
    reduce_residual_group: wgpu::BindGroup,
    reduce_direction_group: wgpu::BindGroup,
    reduce_iterate_groups: [wgpu::BindGroup; 2],
}

impl GpuHeatSession {
    /// Validates the problem, checks the device's limits, and creates everything the solve needs.
    pub fn new(ctx: GpuContext, problem: &Heat1D, initial_guess: &[f64]) -> Result<GpuHeatSession> {
        problem.validate()?;
        problem.check_field("initial guess", initial_guess)?;
        let precision = ctx.precision();
        let real = precision.bytes() as u64;
        let (n, nx) = (problem.unknowns(), problem.nx);
        let chunk_levels = (CHUNK_UNKNOWNS / nx).clamp(1, problem.nt);
        let array_bytes = n as u64 * real;
        let jac_bytes = (chunk_levels * nx * JACOBIAN_ROW) as u64 * real;
        let binding_limit = ctx.limits().max_storage_buffer_binding_size;
        for (what, bytes) in [
            ("one nt*nx array", array_bytes),
            ("the march's Jacobian chunk", jac_bytes),
        ] {
            if bytes > binding_limit {
                return Err(GpuError::BufferTooLarge {
                    what: format!("{what} ({nt} x {nx} in {precision})", nt = problem.nt),
                    size_bytes: bytes,
                    limit: "max_storage_buffer_binding_size (arrays are not split across bindings yet)",
                    limit_bytes: binding_limit,
                }
                .into());
            }
        }
        if ctx.summary().is_software {
            // A software adapter's buffers are host memory.
            ensure_fits(
                "GPU session (4 arrays of nt*nx)",
                4 * array_bytes + jac_bytes,
            )?;
        }

        let params = HeatParams::new(problem);
        let storage = wgpu::BufferUsages::STORAGE;
        let copy_both = wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let guess = reals_to_bytes(initial_guess, precision);
        let iterate = [
            ctx.create_buffer_init("iterate 0", &guess, storage | copy_both)?,
            ctx.create_storage_buffer("iterate 1", array_bytes, copy_both)?,
        ];
        let direction = ctx.create_storage_buffer("direction", array_bytes, copy_both)?;
        let residual = ctx.create_storage_buffer("residual", array_bytes, copy_both)?;
        let jac =
            ctx.create_storage_buffer("jacobian chunk", jac_bytes, wgpu::BufferUsages::empty())?;
        let c_prime =
            ctx.create_storage_buffer("thomas c'", nx as u64 * real, wgpu::BufferUsages::empty())?;
        let cursor_words = [0u32, chunk_levels as u32];
        let cursor =
            ctx.create_buffer_init("march cursor", bytemuck::cast_slice(&cursor_words), storage)?;
        let heat_params = ctx.create_buffer_init(
            "heat params",
            &heat_params_bytes(&params, precision),
            storage,
        )?;
        let update_bytes = WgslStruct::new(precision).u32(n as u32).real(1.0).finish();
        let update_params = ctx.create_buffer_init("update params", &update_bytes, storage)?;
        let scalars = ctx.create_storage_buffer(
            "scalars",
            3 * real,
            wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        )?;

        let pipeline = |name: &str| -> Result<wgpu::ComputePipeline> {
            Ok(ctx.create_compute_pipeline(name, &shader_source(name, precision)?, name)?)
        };
        let residual_pipeline = pipeline("heat_residual_levels")?;
        let jacobian_pipeline = pipeline("heat_jacobian")?;
        let march_pipeline = pipeline("thomas_march")?;
        let update_pipeline = pipeline("newton_update")?;
        let reduce_pipeline = pipeline("max_abs_reduce")?;

        let both = |f: &dyn Fn(usize) -> Result<wgpu::BindGroup, GpuError>| -> Result<[wgpu::BindGroup; 2]> {
            Ok([f(0)?, f(1)?])
        };
        let residual_groups = both(&|c| {
            ctx.bind_buffers(
                "residual",
                &residual_pipeline,
                &[&heat_params, &iterate[c], &residual],
            )
        })?;
        let jacobian_groups = both(&|c| {
            ctx.bind_buffers(
                "jacobian",
                &jacobian_pipeline,
                &[&heat_params, &iterate[c], &cursor, &jac],
            )
        })?;
        let march_group = ctx.bind_buffers(
            "march",
            &march_pipeline,
            &[&heat_params, &jac, &cursor, &direction, &c_prime],
        )?;
        let update_groups = both(&|c| {
            ctx.bind_buffers(
                "update",
                &update_pipeline,
                &[&update_params, &iterate[c], &direction, &iterate[1 - c]],
            )
        })?;

        // The reduction chain: pass k reads partials_k and writes partials_{k+1}.
        let mut lengths = vec![n];
        while *lengths.last().expect("non-empty") > 1 {
            lengths.push(lengths.last().expect("non-empty").div_ceil(REDUCE_WIDTH));
        }
        let partials: Vec<wgpu::Buffer> = lengths[1..]
            .iter()
            .map(|&len| {
                ctx.create_storage_buffer(
                    "norm partials",
                    len as u64 * real,
                    wgpu::BufferUsages::COPY_SRC,
                )
            })
            .collect::<Result<_, _>>()?;
        let scaled = ctx.create_buffer_init(
            "norm params (scaled)",
            &norm_params_bytes(n, nx, false, params.dt, precision),
            storage,
        )?;
        let plain = ctx.create_buffer_init(
            "norm params",
            &norm_params_bytes(n, 0, false, 1.0, precision),
            storage,
        )?;
        let mut later_passes = Vec::new();
        for (k, pair) in partials.windows(2).enumerate() {
            let len = lengths[k + 1];
            let pass_params = ctx.create_buffer_init(
                "norm params (partials)",
                &norm_params_bytes(len, 0, true, 1.0, precision),
                storage,
            )?;
            let group = ctx.bind_buffers(
                "reduce partials",
                &reduce_pipeline,
                &[&pass_params, &pair[0], &pair[1]],
            )?;
            later_passes.push((ctx.grid(len as u64)?, group));
        }
        let first = |params_buffer: &wgpu::Buffer, source: &wgpu::Buffer| {
            ctx.bind_buffers(
                "reduce",
                &reduce_pipeline,
                &[params_buffer, source, &partials[0]],
            )
        };
        let reduce_residual_group = first(&scaled, &residual)?;
        let reduce_direction_group = first(&plain, &direction)?;
        let reduce_iterate_groups = both(&|c| first(&plain, &iterate[c]))?;
        let reduction = Reduction {
            later_passes,
            first_grid: ctx.grid(n as u64)?,
            result: partials.last().expect("n >= 6").clone(),
        };
        let chunks = problem.nt.div_ceil(chunk_levels) as u32;
        Ok(GpuHeatSession {
            grid_all: ctx.grid(n as u64)?,
            grid_chunk: ctx.grid((chunk_levels * nx) as u64)?,
            ctx,
            params,
            n,
            iterate,
            current: 0,
            direction,
            residual,
            cursor,
            update_params,
            scalars,
            chunks,
            chunk_levels: chunk_levels as u32,
            reduction,
            residual_pipeline,
            jacobian_pipeline,
            march_pipeline,
            update_pipeline,
            reduce_pipeline,
            residual_groups,
            jacobian_groups,
            march_group,
            update_groups,
            reduce_residual_group,
            reduce_direction_group,
            reduce_iterate_groups,
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
        (self.chunk_levels, self.chunks)
    }

    pub fn label(&self) -> ComputeLabel {
        ComputeLabel {
            backend: "gpu",
            device: self.ctx.summary().to_string(),
            precision: self.ctx.precision(),
        }
    }

    /// Replaces the iterate (one upload, no buffer creation).
    pub fn set_iterate(&mut self, v: &[f64], problem: &Heat1D) -> Result<()> {
        problem.check_field("initial guess", v)?;
        let bytes = reals_to_bytes(v, self.ctx.precision());
        self.ctx.upload(&self.iterate[self.current], 0, &bytes)?;
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
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            self.ctx.dispatch(
                &mut pass,
                &self.residual_pipeline,
                &self.residual_groups[self.current],
                self.grid_all,
            );
        }
        self.ctx.submit(encoder)?;
        let levels = self.download_array(&self.residual)?;
        levels_to_p1_order(&self.params, &levels, out);
        Ok(())
    }

    fn download_array(&self, buffer: &wgpu::Buffer) -> Result<Vec<f64>> {
        let precision = self.ctx.precision();
        let bytes = self
            .ctx
            .download(buffer, 0, (self.n * precision.bytes()) as u64)?;
        let mut values = vec![0.0; self.n];
        bytes_to_reals(&bytes, precision, &mut values);
        Ok(values)
    }

    /// Records the max-norm of the array `first` is bound to, into scalar `slot`.
    fn record_norm(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        first: &wgpu::BindGroup,
        slot: Scalar,
    ) {
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            self.ctx.dispatch(
                &mut pass,
                &self.reduce_pipeline,
                first,
                self.reduction.first_grid,
            );
            for (grid, group) in &self.reduction.later_passes {
                self.ctx
                    .dispatch(&mut pass, &self.reduce_pipeline, group, *grid);
            }
        }
        let real = self.ctx.precision().bytes() as u64;
        encoder.copy_buffer_to_buffer(
            &self.reduction.result,
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
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            self.ctx.dispatch(
                &mut pass,
                &self.residual_pipeline,
                &self.residual_groups[c],
                self.grid_all,
            );
        }
        self.record_norm(encoder, &self.reduce_residual_group, Scalar::Residual);
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
        let mut encoder = self.ctx.create_encoder("newton direction");
        encoder.clear_buffer(&self.cursor, 0, Some(4));
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            for _ in 0..self.chunks {
                let jacobian = &self.jacobian_groups[self.current];
                self.ctx.dispatch(
                    &mut pass,
                    &self.jacobian_pipeline,
                    jacobian,
                    self.grid_chunk,
                );
                self.ctx.dispatch(
                    &mut pass,
                    &self.march_pipeline,
                    &self.march_group,
                    [1, 1, 1],
                );
            }
        }
        self.record_norm(&mut encoder, &self.reduce_direction_group, Scalar::Step);
        self.record_norm(
            &mut encoder,
            &self.reduce_iterate_groups[self.current],
            Scalar::Iterate,
        );
        self.ctx.submit(encoder)?;
        let scalars = self.read_scalars(3)?;
        Ok(DirectionNorms {
            step: scalars[Scalar::Step as usize],
            iterate: scalars[Scalar::Iterate as usize],
        })
    }

    fn trial_residual_norm(&mut self, lambda: f64) -> Result<f64> {
        let precision = self.ctx.precision();
        let bytes = WgslStruct::new(precision)
            .u32(self.n as u32)
            .real(lambda)
            .finish();
        self.ctx.upload(&self.update_params, 0, &bytes)?;
        let mut encoder = self.ctx.create_encoder("newton trial");
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            let group = &self.update_groups[self.current];
            self.ctx
                .dispatch(&mut pass, &self.update_pipeline, group, self.grid_all);
        }
        self.record_residual_norm(&mut encoder, 1 - self.current);
        self.ctx.submit(encoder)?;
        Ok(self.read_scalars(1)?[Scalar::Residual as usize])
    }

    fn accept_trial(&mut self) {
        self.current = 1 - self.current;
    }
}
