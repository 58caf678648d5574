//! Tridiagonal solvers on the GPU: a batch of independent systems ([`GpuBatchedTridiag`]) and
//! one large system ([`GpuLargeTridiag`], partitioned). Each is built once per shape and matrix:
//! the constructor checks strict diagonal dominance, uploads the coefficients and creates every
//! buffer, pipeline and bind group. A solve then uploads the right-hand side, runs one submit
//! and downloads the solution through a staging buffer of its own: it creates nothing.
//! Every array must fit one storage binding; larger ones are refused, naming the limit.

use crate::gpu::layout::{bytes_to_reals, reals_into_bytes, WgslStruct};
use crate::gpu::{shader_source, GpuContext, GpuError, LedgerSnapshot};
use crate::linalg::tridiag::check_len;
use crate::linalg::{
    check_diagonal_dominance, thomas_factor, BatchParams, PartitionParams, PartitionPlan,
    TridiagError, MAX_SWEEP_ROWS,
};
use crate::precision::{Precision, Precision::F64};

type Result<T> = std::result::Result<T, TridiagError>;

fn batch_params_bytes(p: &BatchParams, precision: Precision) -> Vec<u8> {
    WgslStruct::new(precision)
        .u32(p.n)
        .u32(p.batch)
        .u32(p.offset)
        .finish()
}

fn partition_params_bytes(p: &PartitionParams, precision: Precision) -> Vec<u8> {
    WgslStruct::new(precision)
        .u32(p.n)
        .u32(p.block_rows)
        .u32(p.blocks)
        .u32(p.offset)
        .finish()
}

/// A storage array of `len` reals, refused when it exceeds one binding.
fn storage_array(
    ctx: &GpuContext,
    label: &str,
    len: usize,
    usage: wgpu::BufferUsages,
) -> Result<wgpu::Buffer> {
    let precision = ctx.precision();
    let size_bytes = (len * precision.bytes()) as u64;
    let limit_bytes = ctx.limits().max_storage_buffer_binding_size;
    if size_bytes > limit_bytes {
        return Err(GpuError::BufferTooLarge {
            what: format!("tridiagonal array `{label}` ({len} reals in {precision})"),
            size_bytes,
            limit: "max_storage_buffer_binding_size (arrays are not split across bindings)",
            limit_bytes,
        }
        .into());
    }
    Ok(ctx.create_storage_buffer(label, size_bytes, usage | wgpu::BufferUsages::COPY_DST)?)
}

fn pipeline(ctx: &GpuContext, kernel: &str) -> Result<wgpu::ComputePipeline> {
    Ok(ctx.create_compute_pipeline(kernel, &shader_source(kernel, ctx.precision())?, kernel)?)
}

/// Host side of the transfers: f64 values in and out of device arrays in the device's precision,
/// through a staging buffer and host bytes sized once for `len` reals.
struct Transfer {
    staging: wgpu::Buffer,
    /// Host bytes for f32 conversions (a cell, so a solve can record through `&self`).
    bytes: std::cell::RefCell<Vec<u8>>,
}

impl Transfer {
    fn new(ctx: &GpuContext, len: usize) -> Result<Transfer> {
        let size = len * ctx.precision().bytes();
        let staging = ctx.create_readback_buffer("tridiag download staging", size as u64)?;
        // f64 moves straight from and into the caller's slices.
        let host = if ctx.precision() == F64 { 0 } else { size };
        Ok(Transfer {
            staging,
            bytes: std::cell::RefCell::new(vec![0; host]),
        })
    }

    /// `values` into `buffer` from element 0.
    fn upload(&self, ctx: &GpuContext, buffer: &wgpu::Buffer, values: &[f64]) -> Result<()> {
        let precision = ctx.precision();
        if precision == F64 {
            ctx.upload(buffer, 0, bytemuck::cast_slice(values))?;
        } else {
            let mut bytes = self.bytes.borrow_mut();
            let bytes = &mut bytes[..values.len() * precision.bytes()];
            reals_into_bytes(values, precision, bytes);
            ctx.upload(buffer, 0, bytes)?;
        }
        Ok(())
    }

    /// Elements `0..out.len()` of `buffer` into `out`.
    fn download(&self, ctx: &GpuContext, buffer: &wgpu::Buffer, out: &mut [f64]) -> Result<()> {
        let precision = ctx.precision();
        if precision == F64 {
            ctx.download_through(&self.staging, buffer, 0, bytemuck::cast_slice_mut(out))?;
        } else {
            let mut bytes = self.bytes.borrow_mut();
            let bytes = &mut bytes[..out.len() * precision.bytes()];
            ctx.download_through(&self.staging, buffer, 0, bytes)?;
            bytes_to_reals(bytes, precision, out);
        }
        Ok(())
    }

    /// Uploads `rhs` into `rhs_buffer`, runs `record` in one submit, downloads `x_buffer`.
    fn solve_round_trip(
        &self,
        ctx: &GpuContext,
        (rhs_buffer, x_buffer): (&wgpu::Buffer, &wgpu::Buffer),
        (rhs, x): (&[f64], &mut [f64]),
        record: impl FnOnce(&mut wgpu::ComputePass<'_>),
    ) -> Result<()> {
        self.upload(ctx, rhs_buffer, rhs)?;
        let mut encoder = ctx.create_encoder("tridiagonal solve");
        {
            let mut pass = ctx.begin_compute_pass(&mut encoder, "tridiagonal solve");
            record(&mut pass);
        }
        ctx.submit(encoder)?;
        self.download(ctx, x_buffer, x)
    }
}

/// `batch` independent systems of `n <= MAX_SWEEP_ROWS` rows in the interleaved layout (row k of
/// system s at `k * batch + s` of every array), one invocation per system: `thomas_batched` with a matrix per
/// system, or `thomas_batched_factored` with one matrix shared by all.
pub struct GpuBatchedTridiag {
    ctx: GpuContext,
    params: BatchParams,
    rhs: wgpu::Buffer,
    x: wgpu::Buffer,
    transfer: Transfer,
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    grid: [u32; 3],
}

impl GpuBatchedTridiag {
    /// Every system its own matrix: bands of `n * batch` values, interleaved.
    pub fn general(
        ctx: GpuContext,
        n: usize,
        batch: usize,
        lower: &[f64],
        diag: &[f64],
        upper: &[f64],
    ) -> Result<GpuBatchedTridiag> {
        let params = Self::shape(n, batch)?;
        check_len("diag", diag.len(), params.end())?;
        check_diagonal_dominance(lower, diag, upper, batch)?;
        let bands = [("lower", lower), ("diag", diag), ("upper", upper)];
        Self::build(ctx, params, "thomas_batched", &bands, true)
    }

    /// One matrix for all systems (bands of `n` values), factorised here once; a solve reads
    /// only the right-hand sides and writes the solutions.
    pub fn shared(
        ctx: GpuContext,
        n: usize,
        batch: usize,
        lower: &[f64],
        diag: &[f64],
        upper: &[f64],
    ) -> Result<GpuBatchedTridiag> {
        let params = Self::shape(n, batch)?;
        check_len("diag", diag.len(), n)?;
        let mut factors = vec![0.0; 3 * n];
        thomas_factor(lower, diag, upper, &mut factors)?;
        let coefficients = [("factors", factors.as_slice())];
        Self::build(ctx, params, "thomas_batched_factored", &coefficients, false)
    }

    fn shape(n: usize, batch: usize) -> Result<BatchParams> {
        if n == 0 || batch == 0 {
            return Err(TridiagError::EmptyShape { n, batch });
        }
        if n > MAX_SWEEP_ROWS {
            return Err(TridiagError::SweepTooLong {
                rows: n,
                max: MAX_SWEEP_ROWS,
            });
        }
        let too_many = || TridiagError::TooManyRows {
            rows: n.saturating_mul(batch),
        };
        u32::try_from(n.checked_mul(batch).ok_or_else(too_many)?).map_err(|_| too_many())?;
        Ok(BatchParams {
            n: n as u32,
            batch: batch as u32,
            offset: 0,
        })
    }

    /// Bindings: params, the coefficient arrays, rhs, x, and for the general kernel c'.
    fn build(
        ctx: GpuContext,
        params: BatchParams,
        kernel: &str,
        coefficients: &[(&str, &[f64])],
        c_prime: bool,
    ) -> Result<GpuBatchedTridiag> {
        let len = params.end();
        let transfer = Transfer::new(&ctx, len)?;
        let storage = wgpu::BufferUsages::STORAGE;
        let params_buffer = ctx.create_buffer_init(
            "batch params",
            &batch_params_bytes(&params, ctx.precision()),
            storage,
        )?;
        let mut buffers = vec![params_buffer];
        for (label, values) in coefficients {
            let buffer = storage_array(&ctx, label, values.len(), storage)?;
            transfer.upload(&ctx, &buffer, values)?;
            buffers.push(buffer);
        }
        let rhs = storage_array(&ctx, "rhs", len, storage)?;
        let x = storage_array(&ctx, "x", len, wgpu::BufferUsages::COPY_SRC)?;
        buffers.extend([rhs.clone(), x.clone()]);
        if c_prime {
            buffers.push(storage_array(&ctx, "c'", len, storage)?);
        }
        let pipeline = pipeline(&ctx, kernel)?;
        let bound: Vec<&wgpu::Buffer> = buffers.iter().collect();
        let bind_group = ctx.bind_buffers(kernel, &pipeline, &bound)?;
        Ok(GpuBatchedTridiag {
            grid: ctx.grid(u64::from(params.batch))?,
            ctx,
            params,
            rhs,
            x,
            transfer,
            pipeline,
            bind_group,
        })
    }

    /// Solves all systems for `rhs` (`n * batch` values, interleaved) into `x`.
    pub fn solve(&mut self, rhs: &[f64], x: &mut [f64]) -> Result<()> {
        check_len("rhs", rhs.len(), self.params.end())?;
        check_len("x", x.len(), self.params.end())?;
        let buffers = (&self.rhs, &self.x);
        self.transfer
            .solve_round_trip(&self.ctx, buffers, (rhs, x), |pass| self.record_solve(pass))
    }

    /// Records a solve of the device-resident right sides ([`Self::rhs_buffer`]) into
    /// [`Self::x_buffer`], for callers that keep everything on the device (time marching).
    pub fn record_solve(&self, pass: &mut wgpu::ComputePass<'_>) {
        self.ctx
            .dispatch(pass, &self.pipeline, &self.bind_group, self.grid);
    }

    pub fn rhs_buffer(&self) -> &wgpu::Buffer {
        &self.rhs
    }

    pub fn x_buffer(&self) -> &wgpu::Buffer {
        &self.x
    }

    pub fn params(&self) -> BatchParams {
        self.params
    }

    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    pub fn into_context(self) -> GpuContext {
        self.ctx
    }

    pub fn ledger(&self) -> LedgerSnapshot {
        self.ctx.ledger().snapshot()
    }
}

/// Bind groups and grids of one partitioned level.
struct Level {
    reduce: wgpu::BindGroup,
    substitute: wgpu::BindGroup,
    blocks_grid: [u32; 3],
    rows_grid: [u32; 3],
}

/// One large system by the partitioned solver of [`PartitionPlan`]: per level, one invocation
/// per block eliminates the block's interior (`tridiag_partition_reduce`); the last, small level
/// is solved in one workgroup by parallel cyclic reduction (`pcr_workgroup`); then every row is substituted back level by
/// level (`tridiag_partition_substitute`). All levels in one submit.
pub struct GpuLargeTridiag {
    ctx: GpuContext,
    plan: PartitionPlan,
    n: usize,
    rhs: wgpu::Buffer,
    x: wgpu::Buffer,
    transfer: Transfer,
    reduce_pipeline: wgpu::ComputePipeline,
    direct_pipeline: wgpu::ComputePipeline,
    substitute_pipeline: wgpu::ComputePipeline,
    levels: Vec<Level>,
    direct: wgpu::BindGroup,
}

impl GpuLargeTridiag {
    /// The system with bands `lower`, `diag`, `upper` (length n), in blocks of `block_rows`
    /// (at least 3; [`crate::linalg::DEFAULT_BLOCK_ROWS`] unless testing level borders).
    pub fn new(
        ctx: GpuContext,
        lower: &[f64],
        diag: &[f64],
        upper: &[f64],
        block_rows: usize,
    ) -> Result<GpuLargeTridiag> {
        check_diagonal_dominance(lower, diag, upper, 1)?;
        let n = diag.len();
        let plan = PartitionPlan::new(n, block_rows)?;
        let total = plan.total_rows();
        let transfer = Transfer::new(&ctx, n)?;
        let storage = wgpu::BufferUsages::STORAGE;
        let band = |label: &str, values: &[f64]| -> Result<wgpu::Buffer> {
            let buffer = storage_array(&ctx, label, total, storage)?;
            transfer.upload(&ctx, &buffer, values)?;
            Ok(buffer)
        };
        let [lower, diag, upper] = [
            band("lower", lower)?,
            band("diag", diag)?,
            band("upper", upper)?,
        ];
        let rhs = storage_array(&ctx, "rhs", total, storage)?;
        let x = storage_array(&ctx, "x", total, wgpu::BufferUsages::COPY_SRC)?;
        let alpha = storage_array(&ctx, "alpha", total, storage)?;
        let gamma = storage_array(&ctx, "gamma", total, storage)?;

        let reduce_pipeline = pipeline(&ctx, "tridiag_partition_reduce")?;
        let direct_pipeline = pipeline(&ctx, "pcr_workgroup")?;
        let substitute_pipeline = pipeline(&ctx, "tridiag_partition_substitute")?;
        let precision = ctx.precision();
        let levels = plan
            .levels
            .iter()
            .map(|level| -> Result<Level> {
                let params = ctx.create_buffer_init(
                    "partition params",
                    &partition_params_bytes(level, precision),
                    storage,
                )?;
                let reduce = ctx.bind_buffers(
                    "partition reduce",
                    &reduce_pipeline,
                    &[&params, &lower, &diag, &upper, &rhs, &x, &alpha, &gamma],
                )?;
                let substitute = ctx.bind_buffers(
                    "partition substitute",
                    &substitute_pipeline,
                    &[&params, &x, &alpha, &gamma],
                )?;
                Ok(Level {
                    reduce,
                    substitute,
                    blocks_grid: ctx.grid(u64::from(level.blocks))?,
                    rows_grid: ctx.grid(u64::from(level.n))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let direct_params = ctx.create_buffer_init(
            "direct params",
            &batch_params_bytes(&plan.direct, precision),
            storage,
        )?;
        let direct = ctx.bind_buffers(
            "direct solve",
            &direct_pipeline,
            &[&direct_params, &lower, &diag, &upper, &rhs, &x],
        )?;
        Ok(GpuLargeTridiag {
            ctx,
            plan,
            n,
            rhs,
            x,
            transfer,
            reduce_pipeline,
            direct_pipeline,
            substitute_pipeline,
            levels,
            direct,
        })
    }

    /// Solves for `rhs` (length n) into `x`.
    pub fn solve(&mut self, rhs: &[f64], x: &mut [f64]) -> Result<()> {
        check_len("rhs", rhs.len(), self.n)?;
        check_len("x", x.len(), self.n)?;
        let buffers = (&self.rhs, &self.x);
        self.transfer
            .solve_round_trip(&self.ctx, buffers, (rhs, x), |pass| self.record_solve(pass))
    }

    /// Records a solve of the device-resident right side ([`Self::rhs_buffer`], first n values)
    /// into [`Self::x_buffer`] (first n values), for callers that keep everything on the device.
    pub fn record_solve(&self, pass: &mut wgpu::ComputePass<'_>) {
        for level in &self.levels {
            self.ctx.dispatch(
                pass,
                &self.reduce_pipeline,
                &level.reduce,
                level.blocks_grid,
            );
        }
        self.ctx
            .dispatch(pass, &self.direct_pipeline, &self.direct, [1, 1, 1]);
        for level in self.levels.iter().rev() {
            self.ctx.dispatch(
                pass,
                &self.substitute_pipeline,
                &level.substitute,
                level.rows_grid,
            );
        }
    }

    pub fn rhs_buffer(&self) -> &wgpu::Buffer {
        &self.rhs
    }

    pub fn x_buffer(&self) -> &wgpu::Buffer {
        &self.x
    }

    pub fn plan(&self) -> &PartitionPlan {
        &self.plan
    }

    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    pub fn into_context(self) -> GpuContext {
        self.ctx
    }

    pub fn ledger(&self) -> LedgerSnapshot {
        self.ctx.ledger().snapshot()
    }
}
