//! A parallel prefix scan of affine maps on the GPU (`affine_compose` + `affine_apply`, see
//! [`crate::linalg::affine_scan`]): [`ScanPlan`] records it into a compute pass over buffers
//! that other kernels fill (the Newton direction's chunk maps), [`GpuAffineScan`] runs it on
//! maps uploaded from the host.
//!
//! Three dispatches, whatever the number of maps T: group composites (one invocation per group
//! and column), the chain over groups (one workgroup), the prefixes inside groups (one
//! workgroup per group). G = ceil(sqrt(T)) keeps both chains about sqrt(T) mat-vecs long.

use crate::error::{Error, Result};
use crate::gpu::layout::{bytes_to_reals, reals_to_bytes};
use crate::gpu::{shader_source, workgroup_grid, GpuContext, GpuError, LedgerSnapshot};
use crate::linalg::affine_scan::{ScanParams, SCAN_MAX_N};

/// Grid of `workgroups` workgroups (of any size), 2-D beyond the per-dimension limit.
pub(crate) fn workgroups(ctx: &GpuContext, workgroups: usize) -> Result<[u32; 3]> {
    let max = ctx.limits().max_compute_workgroups_per_dimension;
    workgroup_grid(workgroups as u64, 1, max).ok_or_else(|| {
        GpuError::GridTooLarge {
            invocations: workgroups as u64,
            max_per_dimension: max,
        }
        .into()
    })
}

/// A storage buffer holding `values`.
pub(crate) fn storage_with(ctx: &GpuContext, label: &str, values: &[f64]) -> Result<wgpu::Buffer> {
    Ok(ctx.create_buffer_init(
        label,
        &reals_to_bytes(values, ctx.precision()),
        wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
    )?)
}

/// The two generic pipelines.
pub struct ScanPipelines {
    compose: wgpu::ComputePipeline,
    apply: wgpu::ComputePipeline,
}

impl ScanPipelines {
    pub fn new(ctx: &GpuContext) -> Result<ScanPipelines> {
        let pipeline = |name: &str| -> Result<wgpu::ComputePipeline> {
            Ok(ctx.create_compute_pipeline(name, &shader_source(name, ctx.precision())?, name)?)
        };
        Ok(ScanPipelines {
            compose: pipeline("affine_compose")?,
            apply: pipeline("affine_apply")?,
        })
    }
}

/// The scan of `count` maps of size n in `maps`, from the state at `x0[x0_offset ..]`, writing
/// the state before every map into `out` (`count n` reals). Its own buffers (the group
/// composites and starts) are created here, once.
pub struct ScanPlan {
    compose: (wgpu::BindGroup, [u32; 3]),
    top: (wgpu::BindGroup, [u32; 3]),
    inside: (wgpu::BindGroup, [u32; 3]),
}

impl ScanPlan {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        ctx: &GpuContext,
        pipelines: &ScanPipelines,
        n: usize,
        count: usize,
        maps: &wgpu::Buffer,
        x0: &wgpu::Buffer,
        x0_offset: usize,
        out: &wgpu::Buffer,
    ) -> Result<ScanPlan> {
        if n == 0 || n > SCAN_MAX_N || count == 0 {
            return Err(Error::invalid(
                "scan size",
                format!("n = {n}, {count} maps"),
                format!("needs 1 <= n <= {SCAN_MAX_N} and at least one map"),
            ));
        }
        let real = ctx.precision().bytes();
        // G = ceil(sqrt(count)).
        let mut per_group = count.isqrt();
        if per_group * per_group < count {
            per_group += 1;
        }
        let groups = count.div_ceil(per_group);
        let params = |maps: usize, per_group: usize, in_offset: usize| -> Result<wgpu::Buffer> {
            let p = ScanParams {
                n: n as u32,
                maps: maps as u32,
                per_group: per_group as u32,
                in_offset: in_offset as u32,
            };
            Ok(ctx.create_buffer_init(
                "scan params",
                bytemuck::bytes_of(&p),
                wgpu::BufferUsages::STORAGE,
            )?)
        };
        let level = params(count, per_group, 0)?;
        let top = params(groups, groups, x0_offset)?;
        let none = wgpu::BufferUsages::empty();
        let composites = ctx.create_storage_buffer(
            "group composites",
            (groups * (n + 1) * n * real) as u64,
            none,
        )?;
        let group_starts =
            ctx.create_storage_buffer("group starts", (groups * n * real) as u64, none)?;
        Ok(ScanPlan {
            compose: (
                ctx.bind_at(
                    "compose",
                    &pipelines.compose,
                    &[(0, &level), (1, maps), (2, &composites)],
                )?,
                ctx.grid((groups * (n + 1)) as u64)?,
            ),
            top: (
                ctx.bind_at(
                    "scan groups",
                    &pipelines.apply,
                    &[(0, &top), (1, &composites), (2, x0), (3, &group_starts)],
                )?,
                [1, 1, 1],
            ),
            inside: (
                ctx.bind_at(
                    "scan inside groups",
                    &pipelines.apply,
                    &[(0, &level), (1, maps), (2, &group_starts), (3, out)],
                )?,
                workgroups(ctx, groups)?,
            ),
        })
    }

    /// Records the three dispatches.
    pub fn record(
        &self,
        ctx: &GpuContext,
        pipelines: &ScanPipelines,
        pass: &mut wgpu::ComputePass,
    ) {
        ctx.dispatch(pass, &pipelines.compose, &self.compose.0, self.compose.1);
        for (group, grid) in [&self.top, &self.inside] {
            ctx.dispatch(pass, &pipelines.apply, group, *grid);
        }
    }
}

/// The scan of maps uploaded from the host (for tests and as a building block).
pub struct GpuAffineScan {
    ctx: GpuContext,
    pipelines: ScanPipelines,
    plan: ScanPlan,
    out: wgpu::Buffer,
    len: usize,
}

impl GpuAffineScan {
    /// `maps`: `count (n + 1) n` reals in the layout of [`crate::linalg::affine_scan`].
    pub fn new(ctx: GpuContext, n: usize, maps: &[f64], x0: &[f64]) -> Result<GpuAffineScan> {
        let count = maps.len() / ((n + 1) * n).max(1);
        if maps.len() != count * (n + 1) * n || x0.len() != n {
            return Err(Error::InvalidInput {
                name: "maps".into(),
                reason: format!(
                    "need a multiple of (n + 1) n = {} reals and n start values",
                    (n + 1) * n
                ),
            });
        }
        let pipelines = ScanPipelines::new(&ctx)?;
        let maps = storage_with(&ctx, "maps", maps)?;
        let x0 = storage_with(&ctx, "x0", x0)?;
        let len = count * n;
        let out = ctx.create_storage_buffer(
            "prefixes",
            (len * ctx.precision().bytes()) as u64,
            wgpu::BufferUsages::COPY_SRC,
        )?;
        let plan = ScanPlan::new(&ctx, &pipelines, n, count, &maps, &x0, 0, &out)?;
        Ok(GpuAffineScan {
            ctx,
            pipelines,
            plan,
            out,
            len,
        })
    }

    /// Runs the scan: `out[t n ..]` = the state before map t.
    pub fn run(&self) -> Result<Vec<f64>> {
        let mut encoder = self.ctx.create_encoder("affine scan");
        {
            let mut pass = self.ctx.begin_compute_pass(&mut encoder, "affine scan");
            self.plan.record(&self.ctx, &self.pipelines, &mut pass);
        }
        self.ctx.submit(encoder)?;
        let precision = self.ctx.precision();
        let bytes = self
            .ctx
            .download(&self.out, 0, (self.len * precision.bytes()) as u64)?;
        let mut values = vec![0.0; self.len];
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
