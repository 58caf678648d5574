//! Cyclic tridiagonal solves on the GPU whose bands are device buffers: kernels write them
//! (a Jacobian assembled on the device each Newton iteration) and the solve runs from them, with
//! nothing moved to or from the host. Both solvers are built once (buffers, pipelines, bind
//! groups) and only record dispatches afterwards.
//!
//! * [`GpuCyclicBatched`]: `batch` systems of `n <= MAX_SWEEP_ROWS` rows, interleaved (row k of
//!   system s at `k * batch + s`), one invocation per system, Gaussian elimination with partial
//!   pivoting (`cyclic_batched`): stable without diagonal dominance.
//! * [`GpuCyclicLarge`]: one system of any `n` by bordering on the partitioned solver of
//!   `kernels::tridiag` (its `tridiag_partition_reduce`, `pcr_workgroup` and
//!   `tridiag_partition_substitute` kernels, unchanged): the block `T` of rows `0 .. n-2` is
//!   solved twice, `T y = rhs` and `T z = v` (`v` the couplings to `x[n-1]`,
//!   `cyclic_border_column`), then `cyclic_border_combine` forms `x`. The partitioned solver
//!   does not pivot: it needs strict diagonal dominance, which the caller must guarantee (the
//!   Burgers session checks every Jacobian it assembles and refuses, naming the cell Reynolds
//!   and Courant numbers). Bands are stored rotated by one (element 0: row n-1; elements 1 .. n:
//!   rows 0 .. n-2), so that level 0 of the partitioned solver starts at element 1.
//!   Bytes per unknown (f64): two partitioned solves (about 2 x 140 B) and the combine (24 B).

use crate::error::{Error, Result};
use crate::gpu::layout::WgslStruct;
use crate::gpu::{shader_source, GpuContext, GpuError};
use crate::linalg::{PartitionPlan, MAX_SWEEP_ROWS};

/// A storage array of `len` reals (COPY_DST too), refused when it exceeds one binding.
pub(crate) fn storage_array(
    ctx: &GpuContext,
    label: &str,
    len: usize,
    usage: wgpu::BufferUsages,
) -> Result<wgpu::Buffer> {
    let precision = ctx.precision();
    let size_bytes = (len as u64).saturating_mul(precision.bytes() as u64);
    let limit_bytes = ctx.limits().max_storage_buffer_binding_size;
    if size_bytes > limit_bytes {
        return Err(GpuError::BufferTooLarge {
            what: format!("array `{label}` ({len} reals in {precision})"),
            size_bytes,
            limit: "max_storage_buffer_binding_size (arrays are not split across bindings)",
            limit_bytes,
        }
        .into());
    }
    Ok(ctx.create_storage_buffer(
        label,
        size_bytes.max(4),
        usage | wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC,
    )?)
}

pub(crate) fn pipeline(ctx: &GpuContext, kernel: &str) -> Result<wgpu::ComputePipeline> {
    Ok(ctx.create_compute_pipeline(kernel, &shader_source(kernel, ctx.precision())?, kernel)?)
}

fn params_buffer(ctx: &GpuContext, label: &str, bytes: &[u8]) -> Result<wgpu::Buffer> {
    Ok(ctx.create_buffer_init(label, bytes, wgpu::BufferUsages::STORAGE)?)
}

/// `batch` cyclic systems of `n` rows solved by `cyclic_batched` into a caller's buffer.
pub struct GpuCyclicBatched {
    bands: [wgpu::Buffer; 4],
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    grid: [u32; 3],
}

impl GpuCyclicBatched {
    /// Creates the bands (lower, diag, upper, rhs: `n * batch` each), the scratch and the
    /// pipeline; the solution goes to `x` (at least `n * batch` reals).
    pub fn new(ctx: &GpuContext, n: usize, batch: usize, x: &wgpu::Buffer) -> Result<Self> {
        if !(4..=MAX_SWEEP_ROWS).contains(&n) {
            return Err(Error::invalid(
                "n",
                n,
                format!(
                    "the batched cyclic solver takes 4..={MAX_SWEEP_ROWS} rows per system (one \
                     invocation sweeps them; lavapipe ends loops after 65535 iterations)"
                ),
            ));
        }
        let len = n.checked_mul(batch).filter(|&l| l <= u32::MAX as usize / 4);
        let len = len.ok_or_else(|| {
            Error::invalid("members", batch, "n * members * 4 must fit u32 indices")
        })?;
        let storage = wgpu::BufferUsages::STORAGE;
        let bands =
            ["lower", "diag", "upper", "rhs"].map(|label| storage_array(ctx, label, len, storage));
        let [lower, diag, upper, rhs] = bands;
        let bands = [lower?, diag?, upper?, rhs?];
        let scratch = storage_array(ctx, "cyclic scratch", 4 * len, storage)?;
        let params = WgslStruct::new(ctx.precision())
            .u32(n as u32)
            .u32(batch as u32)
            .u32(0)
            .finish();
        let params = params_buffer(ctx, "cyclic batch params", &params)?;
        let pipeline = pipeline(ctx, "cyclic_batched")?;
        let [l, d, u, r] = &bands;
        let bind_group = ctx.bind_buffers(
            "cyclic batched",
            &pipeline,
            &[&params, l, d, u, r, x, &scratch],
        )?;
        Ok(GpuCyclicBatched {
            grid: ctx.grid(batch as u64)?,
            bands,
            pipeline,
            bind_group,
        })
    }

    /// lower, diag, upper, rhs: row k of system s at `k * batch + s`.
    pub fn bands(&self) -> [&wgpu::Buffer; 4] {
        self.bands.each_ref()
    }

    /// Rows are stored unrotated.
    pub fn band_shift(&self) -> u32 {
        0
    }

    pub fn record(&self, ctx: &GpuContext, pass: &mut wgpu::ComputePass<'_>) {
        ctx.dispatch(pass, &self.pipeline, &self.bind_group, self.grid);
    }
}

/// Bind groups and grids of one partitioned level, for one right side.
struct Level {
    reduce: wgpu::BindGroup,
    substitute: wgpu::BindGroup,
    blocks_grid: [u32; 3],
    rows_grid: [u32; 3],
}

/// One partitioned solve of the block T for one right side.
struct BlockSolve {
    levels: Vec<Level>,
    direct: wgpu::BindGroup,
}

/// One cyclic system of `n` rows by bordering on the partitioned solver (strict diagonal
/// dominance required), into a caller's buffer.
pub struct GpuCyclicLarge {
    n: usize,
    bands: [wgpu::Buffer; 4],
    reduce: wgpu::ComputePipeline,
    direct: wgpu::ComputePipeline,
    substitute: wgpu::ComputePipeline,
    column: wgpu::ComputePipeline,
    combine: wgpu::ComputePipeline,
    solves: [BlockSolve; 2],
    column_group: wgpu::BindGroup,
    combine_group: wgpu::BindGroup,
    combine_grid: [u32; 3],
}

impl GpuCyclicLarge {
    /// Creates the stacked bands (rotated by one), the block solves' arrays and bind groups;
    /// the solution goes to `x` (at least n reals), in natural order.
    pub fn new(ctx: &GpuContext, n: usize, block_rows: usize, x: &wgpu::Buffer) -> Result<Self> {
        if n < 8 || n > u32::MAX as usize / 4 {
            return Err(Error::invalid(
                "n",
                n,
                "the large cyclic solver takes 8 or more rows (and u32 indices)",
            ));
        }
        // Level 0 (the block T, rows 0 .. n-2) starts at element 1; element 0 is row n-1.
        let mut plan = PartitionPlan::new(n - 1, block_rows)?;
        for level in &mut plan.levels {
            level.offset += 1;
        }
        plan.direct.offset += 1;
        let total = plan.total_rows();
        let storage = wgpu::BufferUsages::STORAGE;
        let array = |label: &str| storage_array(ctx, label, total, storage);
        let bands = [
            array("lower")?,
            array("diag")?,
            array("upper")?,
            array("rhs")?,
        ];
        let (rhs_z, y, z) = (array("rhs z")?, array("y")?, array("z")?);
        let (alpha, gamma) = (array("alpha")?, array("gamma")?);
        let reduce = pipeline(ctx, "tridiag_partition_reduce")?;
        let direct = pipeline(ctx, "pcr_workgroup")?;
        let substitute = pipeline(ctx, "tridiag_partition_substitute")?;
        let precision = ctx.precision();
        let [lower, diag, upper, rhs] = &bands;
        let block_solve = |rhs: &wgpu::Buffer, x: &wgpu::Buffer| -> Result<BlockSolve> {
            let levels = plan
                .levels
                .iter()
                .map(|level| -> Result<Level> {
                    let bytes = WgslStruct::new(precision)
                        .u32(level.n)
                        .u32(level.block_rows)
                        .u32(level.blocks)
                        .u32(level.offset)
                        .finish();
                    let params = params_buffer(ctx, "partition params", &bytes)?;
                    Ok(Level {
                        reduce: ctx.bind_buffers(
                            "partition reduce",
                            &reduce,
                            &[&params, lower, diag, upper, rhs, x, &alpha, &gamma],
                        )?,
                        substitute: ctx.bind_buffers(
                            "partition substitute",
                            &substitute,
                            &[&params, x, &alpha, &gamma],
                        )?,
                        blocks_grid: ctx.grid(u64::from(level.blocks))?,
                        rows_grid: ctx.grid(u64::from(level.n))?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let bytes = WgslStruct::new(precision)
                .u32(plan.direct.n)
                .u32(1)
                .u32(plan.direct.offset)
                .finish();
            let params = params_buffer(ctx, "direct params", &bytes)?;
            let direct_group = ctx.bind_buffers(
                "direct solve",
                &direct,
                &[&params, lower, diag, upper, rhs, x],
            )?;
            Ok(BlockSolve {
                levels,
                direct: direct_group,
            })
        };
        let solves = [block_solve(rhs, &y)?, block_solve(&rhs_z, &z)?];
        let border = WgslStruct::new(precision).u32(n as u32).finish();
        let border = params_buffer(ctx, "cyclic border params", &border)?;
        let column = pipeline(ctx, "cyclic_border_column")?;
        let combine = pipeline(ctx, "cyclic_border_combine")?;
        let column_group =
            ctx.bind_buffers("border column", &column, &[&border, lower, upper, &rhs_z])?;
        let combine_group = ctx.bind_buffers(
            "border combine",
            &combine,
            &[&border, lower, diag, upper, rhs, &y, &z, x],
        )?;
        Ok(GpuCyclicLarge {
            n,
            combine_grid: ctx.grid(n as u64)?,
            bands,
            reduce,
            direct,
            substitute,
            column,
            combine,
            solves,
            column_group,
            combine_group,
        })
    }

    /// lower, diag, upper, rhs of the cyclic system, rotated: row k at element `(k + 1) % n`.
    pub fn bands(&self) -> [&wgpu::Buffer; 4] {
        self.bands.each_ref()
    }

    /// Rows are stored rotated by one.
    pub fn band_shift(&self) -> u32 {
        1
    }

    pub fn n(&self) -> usize {
        self.n
    }

    /// Records the solve: the border column, both block solves, the combination.
    pub fn record(&self, ctx: &GpuContext, pass: &mut wgpu::ComputePass<'_>) {
        ctx.dispatch(pass, &self.column, &self.column_group, [1, 1, 1]);
        for solve in &self.solves {
            for level in &solve.levels {
                ctx.dispatch(pass, &self.reduce, &level.reduce, level.blocks_grid);
            }
            ctx.dispatch(pass, &self.direct, &solve.direct, [1, 1, 1]);
            for level in solve.levels.iter().rev() {
                ctx.dispatch(pass, &self.substitute, &level.substitute, level.rows_grid);
            }
        }
        ctx.dispatch(pass, &self.combine, &self.combine_group, self.combine_grid);
    }
}
