//! The 2D marches on the GPU, explicit and ADI, in the context's precision.
//!
//! Everything is created in [`GpuMarch::new`]: the two fields, the parameter and factor
//! buffers, the pipelines and bind groups, the device slots for snapshots and one staging buffer.
//! The step loop records dispatches only, up to [`GPU_STEPS_PER_SUBMIT`] steps per submit;
//! snapshots are copied on the device into their slots and downloaded once per submit. Nothing
//! is created and nothing else is read back while marching (the ledger test asserts it).
//!
//! Explicit: ping-pong fields, one dispatch per step (`diffusion2d_explicit`), 16 B per
//! point-step in f64 when the neighbours hit in cache: the minimum. No workgroup tiling: a
//! one-step tile saves nothing that the caches do not already catch, and there is no hardware
//! GPU here to show that a multi-step tile would pay.
//!
//! ADI: the state is stored transposed (`nx x ny`). A half-step is one sweep
//! (`diffusion2d_adi_sweep`, one invocation per system, all accesses coalesced) and one tiled
//! transpose (`diffusion2d_transpose`) that turns the result into the next half-step's input.
//! Bytes per point-step (f64): 2 x (32 B sweep + 16 B transpose) = 96 B, against the minimum of
//! 32 B (each half-step reading and writing the field once): the sweep's forward values go
//! through device memory, and the transpose is a separate pass.

use super::kernels::{ExplicitParams, SweepParams, TransposeParams};
use super::march::{Marcher2d, OnProgress, OnSnapshot};
use super::params::{Diffusion2D, Scheme, GPU_STEPS_PER_SUBMIT};
use crate::error::{Error, Result};
use crate::gpu::layout::{bytes_to_reals, reals_to_bytes};
use crate::gpu::{shader_source, GpuContext};
use crate::problems::heat1d::kernels::MAX_SWEEP_ROWS;

/// The dispatches of one step.
enum Steps {
    /// Pipeline and the bind groups reading field 0 and field 1.
    Explicit {
        pipeline: wgpu::ComputePipeline,
        groups: [wgpu::BindGroup; 2],
        grid: [u32; 3],
    },
    /// Sweep x, transpose, sweep y, transpose.
    Adi {
        sweep: wgpu::ComputePipeline,
        transpose: wgpu::ComputePipeline,
        groups: [wgpu::BindGroup; 4],
        grids: [[u32; 3]; 4],
    },
}

/// A 2D march on the GPU of `ctx`.
pub struct GpuMarch<'a> {
    ctx: &'a GpuContext,
    problem: Diffusion2D,
    steps: Steps,
    /// Explicit: the ping-pong fields; ADI: the state and the sweep output.
    fields: [wgpu::Buffer; 2],
    /// The field holding the state.
    current: usize,
    /// Snapshot slots (one field each) and the staging buffer for downloads.
    slots: Option<wgpu::Buffer>,
    slot_count: usize,
    staging: wgpu::Buffer,
    /// Downloaded bytes and, for ADI, the transposed state before it is turned back.
    host_bytes: Vec<u8>,
    host_transposed: Vec<f64>,
    field_bytes: u64,
    done: usize,
}

/// A boxed march for the CLI and benches.
pub fn new_marcher<'a>(
    ctx: &'a GpuContext,
    problem: &Diffusion2D,
    initial: &[f64],
) -> Result<Box<dyn Marcher2d + 'a>> {
    Ok(Box::new(GpuMarch::new(ctx, problem, initial)?))
}

impl<'a> GpuMarch<'a> {
    /// Validates the problem against the device's limits, then creates and uploads everything.
    /// `initial` is row-major `ny x nx`; Dirichlet edges are set to the edge value.
    pub fn new(
        ctx: &'a GpuContext,
        problem: &Diffusion2D,
        initial: &[f64],
    ) -> Result<GpuMarch<'a>> {
        problem.validate()?;
        let precision = ctx.precision();
        problem.check_field(initial, precision)?;
        let (ny, nx) = (problem.ny, problem.nx);
        let field_bytes = (problem.points() * precision.bytes()) as u64;
        let limits = ctx.limits();
        let binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        if field_bytes > binding {
            return Err(Error::invalid(
                "ny * nx",
                problem.points(),
                format!(
                    "a field of {field_bytes} B exceeds the device's storage binding limit of {binding} B"
                ),
            ));
        }
        if problem.scheme == Scheme::Adi {
            for (name, n) in [("ny", ny), ("nx", nx)] {
                if n > MAX_SWEEP_ROWS {
                    return Err(Error::invalid(
                        name,
                        n,
                        format!("GPU ADI sweeps at most {MAX_SWEEP_ROWS} rows per invocation"),
                    ));
                }
            }
            let max_groups = limits.max_compute_workgroups_per_dimension as usize;
            if ny.max(nx).div_ceil(16) > max_groups {
                return Err(Error::invalid(
                    "ny, nx",
                    ny.max(nx),
                    format!(
                        "the transpose needs at most {} tiles of 16 a side",
                        max_groups
                    ),
                ));
            }
        }
        let mut start = initial.to_vec();
        problem.apply_boundary(&mut start);
        let mut host_transposed = Vec::new();
        if problem.scheme == Scheme::Adi {
            host_transposed = vec![0.0; start.len()];
            super::adi::transpose(&start, ny, nx, &mut host_transposed);
            start.copy_from_slice(&host_transposed);
        }

        let usage = wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let fields = [
            ctx.create_storage_buffer("diffusion2d field 0", field_bytes, usage)?,
            ctx.create_storage_buffer("diffusion2d field 1", field_bytes, usage)?,
        ];
        let start_bytes = reals_to_bytes(&start, precision);
        ctx.upload(&fields[0], 0, &start_bytes)?;
        ctx.upload(&fields[1], 0, &start_bytes)?;
        let storage = wgpu::BufferUsages::STORAGE;
        let steps = match problem.scheme {
            Scheme::Explicit => {
                let params = ExplicitParams {
                    ny: ny as u32,
                    nx: nx as u32,
                    periodic: problem.is_periodic(),
                    r: problem.r(),
                };
                let params =
                    ctx.create_buffer_init("explicit params", &params.bytes(precision), storage)?;
                let source = shader_source("diffusion2d_explicit", precision)?;
                let pipeline = ctx.create_compute_pipeline(
                    "diffusion2d_explicit",
                    &source,
                    "diffusion2d_explicit",
                )?;
                let groups = [
                    ctx.bind_buffers(
                        "explicit 0 -> 1",
                        &pipeline,
                        &[&params, &fields[0], &fields[1]],
                    )?,
                    ctx.bind_buffers(
                        "explicit 1 -> 0",
                        &pipeline,
                        &[&params, &fields[1], &fields[0]],
                    )?,
                ];
                let grid = ctx.grid(problem.points() as u64)?;
                Steps::Explicit {
                    pipeline,
                    groups,
                    grid,
                }
            }
            Scheme::Adi => {
                let (along_x, along_y) = super::adi::factorisations(problem)?;
                let sweep_params = |nk: usize, ns: usize| SweepParams {
                    nk: nk as u32,
                    ns: ns as u32,
                    periodic: problem.is_periodic(),
                    half_r: 0.5 * problem.r(),
                    edge: problem.edge,
                };
                let buffer =
                    |label: &str, bytes: Vec<u8>| ctx.create_buffer_init(label, &bytes, storage);
                let sweep_x = buffer("sweep x params", sweep_params(nx, ny).bytes(precision))?;
                let sweep_y = buffer("sweep y params", sweep_params(ny, nx).bytes(precision))?;
                let factors_x = buffer("factors x", reals_to_bytes(&along_x.packed(), precision))?;
                let factors_y = buffer("factors y", reals_to_bytes(&along_y.packed(), precision))?;
                let turn = |rows: usize, cols: usize| TransposeParams {
                    rows: rows as u32,
                    cols: cols as u32,
                };
                let turn_x = buffer("transpose x params", turn(nx, ny).bytes(precision))?;
                let turn_y = buffer("transpose y params", turn(ny, nx).bytes(precision))?;
                let sweep_source = shader_source("diffusion2d_adi_sweep", precision)?;
                let sweep = ctx.create_compute_pipeline(
                    "diffusion2d_adi_sweep",
                    &sweep_source,
                    "diffusion2d_adi_sweep",
                )?;
                let turn_source = shader_source("diffusion2d_transpose", precision)?;
                let transpose = ctx.create_compute_pipeline(
                    "diffusion2d_transpose",
                    &turn_source,
                    "diffusion2d_transpose",
                )?;
                let (state, out) = (&fields[0], &fields[1]);
                let groups = [
                    ctx.bind_buffers("sweep x", &sweep, &[&sweep_x, &factors_x, state, out])?,
                    ctx.bind_buffers("transpose x", &transpose, &[&turn_x, out, state])?,
                    ctx.bind_buffers("sweep y", &sweep, &[&sweep_y, &factors_y, state, out])?,
                    ctx.bind_buffers("transpose y", &transpose, &[&turn_y, out, state])?,
                ];
                let tiles = |rows: usize, cols: usize| {
                    [cols.div_ceil(16) as u32, rows.div_ceil(16) as u32, 1]
                };
                let grids = [
                    ctx.grid(ny as u64)?,
                    tiles(nx, ny),
                    ctx.grid(nx as u64)?,
                    tiles(ny, nx),
                ];
                Steps::Adi {
                    sweep,
                    transpose,
                    groups,
                    grids,
                }
            }
        };
        let slot_count = problem.gpu_snapshots_per_submit();
        let slots = match slot_count {
            0 => None,
            k => Some(ctx.create_storage_buffer(
                "diffusion2d snapshots",
                k as u64 * field_bytes,
                usage,
            )?),
        };
        let staging_fields = slot_count.max(1) as u64;
        let staging =
            ctx.create_readback_buffer("diffusion2d staging", staging_fields * field_bytes)?;
        Ok(GpuMarch {
            ctx,
            problem: problem.clone(),
            steps,
            fields,
            current: 0,
            slots,
            slot_count,
            staging,
            host_bytes: vec![0; (staging_fields * field_bytes) as usize],
            host_transposed,
            field_bytes,
            done: 0,
        })
    }

    /// Records `count` steps into `encoder` (one compute pass).
    fn record(&mut self, encoder: &mut wgpu::CommandEncoder, count: usize) {
        let (ctx, current) = (self.ctx, &mut self.current);
        let mut pass = ctx.begin_compute_pass(encoder, "diffusion2d steps");
        match &self.steps {
            Steps::Explicit {
                pipeline,
                groups,
                grid,
            } => {
                for _ in 0..count {
                    ctx.dispatch(&mut pass, pipeline, &groups[*current], *grid);
                    *current = 1 - *current;
                }
            }
            Steps::Adi {
                sweep,
                transpose,
                groups,
                grids,
            } => {
                for _ in 0..count {
                    for (k, group) in groups.iter().enumerate() {
                        let pipeline = if k % 2 == 0 { sweep } else { transpose };
                        ctx.dispatch(&mut pass, pipeline, group, grids[k]);
                    }
                }
            }
        }
    }

    /// Turns downloaded device reals (the state's layout) into the row-major field `out`.
    fn unpack(&mut self, bytes: std::ops::Range<usize>, out: &mut [f64]) {
        let precision = self.ctx.precision();
        let bytes = &self.host_bytes[bytes];
        if self.problem.scheme == Scheme::Adi {
            bytes_to_reals(bytes, precision, &mut self.host_transposed);
            super::adi::transpose(&self.host_transposed, self.problem.nx, self.problem.ny, out);
        } else {
            bytes_to_reals(bytes, precision, out);
        }
    }
}

impl Marcher2d for GpuMarch<'_> {
    fn problem(&self) -> &Diffusion2D {
        &self.problem
    }

    fn steps_done(&self) -> usize {
        self.done
    }

    fn advance(&mut self, steps: usize) -> Result<()> {
        let mut left = steps;
        while left > 0 {
            let count = left.min(GPU_STEPS_PER_SUBMIT);
            let mut encoder = self.ctx.create_encoder("diffusion2d march");
            self.record(&mut encoder, count);
            self.ctx.submit(encoder)?;
            left -= count;
            self.done += count;
        }
        Ok(())
    }

    fn read_field(&mut self, out: &mut [f64]) -> Result<()> {
        let len = self.field_bytes as usize;
        let (staging, field) = (&self.staging, &self.fields[self.current]);
        self.ctx
            .download_through(staging, field, 0, &mut self.host_bytes[..len])?;
        self.unpack(0..len, out);
        Ok(())
    }

    /// Records steps and device copies of the snapshots, submits when the slots are full or
    /// [`GPU_STEPS_PER_SUBMIT`] steps are recorded, then downloads the slots in one go.
    fn advance_with_snapshots(
        &mut self,
        steps: usize,
        every: usize,
        buffer: &mut [f64],
        on_snapshot: OnSnapshot<'_>,
        on_progress: OnProgress<'_>,
    ) -> Result<()> {
        let end = self.done + steps;
        if every == 0 {
            self.advance(steps)?;
            on_progress(self.done);
            return Ok(());
        }
        if self.slots.is_none() {
            // No device slots (the problem has no snapshots): one download per snapshot.
            while self.done < end {
                crate::cancel::check()?;
                let next = ((self.done / every + 1) * every).min(end);
                self.advance(next - self.done)?;
                if next.is_multiple_of(every) {
                    self.read_field(buffer)?;
                    self.problem.check_result(next, buffer)?;
                    on_snapshot(next, buffer)?;
                }
                on_progress(self.done);
            }
            return Ok(());
        }
        let mut slot_steps = [0usize; super::params::GPU_MAX_SNAPSHOTS_PER_SUBMIT];
        while self.done < end {
            crate::cancel::check()?;
            let mut encoder = self.ctx.create_encoder("diffusion2d march");
            let (mut recorded, mut used) = (0, 0);
            while self.done < end && recorded < GPU_STEPS_PER_SUBMIT && used < self.slot_count {
                let next_snapshot = (self.done / every + 1) * every;
                let count = (end - self.done)
                    .min(GPU_STEPS_PER_SUBMIT - recorded)
                    .min(next_snapshot - self.done);
                self.record(&mut encoder, count);
                self.done += count;
                recorded += count;
                if self.done.is_multiple_of(every) {
                    let slots = self.slots.as_ref().expect("slots exist");
                    let at = used as u64 * self.field_bytes;
                    encoder.copy_buffer_to_buffer(
                        &self.fields[self.current],
                        0,
                        slots,
                        at,
                        self.field_bytes,
                    );
                    slot_steps[used] = self.done;
                    used += 1;
                }
            }
            self.ctx.submit(encoder)?;
            if used > 0 {
                let len = used * self.field_bytes as usize;
                let slots = self.slots.as_ref().expect("slots exist");
                self.ctx
                    .download_through(&self.staging, slots, 0, &mut self.host_bytes[..len])?;
                for (k, &step) in slot_steps[..used].iter().enumerate() {
                    let field = self.field_bytes as usize;
                    self.unpack(k * field..(k + 1) * field, buffer);
                    self.problem.check_result(step, buffer)?;
                    on_snapshot(step, buffer)?;
                }
            }
            on_progress(self.done);
        }
        Ok(())
    }
}
